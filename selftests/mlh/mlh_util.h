/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the programs that drive the companion module mmap_lock_hold
 * (Documentation/module.md): is it loaded, its debugfs control files, and
 * the parts of its 'stats' report they need.
 */
#ifndef __MUNMAP_MLH_UTIL_H
#define __MUNMAP_MLH_UTIL_H

#include <stdbool.h>

/* Both /dev/mmap_lock_hold and its debugfs directory exist. */
bool module_loaded(void);

/*
 * Write @str to the debugfs file @file of the module ("enable", "tgid",
 * "reset"): 0, or -1 with errno.
 */
int dbg_write(const char *file, const char *str);

/* The totals of 'stats' (format version 1), and one operation's line. */
struct hold_stats {
	long version, windows, closed_release, closed_downgrade, open;
	long dropped, replaced;
	long long op_count, op_max;	/* of the op asked for; 0 if absent */
	int seen;			/* bit per total found */
};

/*
 * Read 'stats' into @s: the totals above and, from the line of operation
 * @op ("munmap", "mmap", "kernel", ...), its count and longest window.
 * Unknown keys and other op lines are ignored: the format may grow.  0, or
 * -1 with errno set (EPROTO: a total missing or another version).
 */
int read_hold_stats(struct hold_stats *s, const char *op);

/* The module's .ko: $MLH_KO, else where the test VM has it
 * (scripts/vm/boot.sh --module). */
const char *mlh_ko_path(void);

/* finit_module() of the .ko at @ko: 0, or -errno. */
int mlh_load(const char *ko);

#endif /* __MUNMAP_MLH_UTIL_H */
