/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the programs that drive the companion module mmap_lock_hold
 * (Documentation/module.md): is it loaded, its debugfs control files, and
 * the parts of its 'stats' report they need.
 */
#ifndef __MUNMAP_MLH_UTIL_H
#define __MUNMAP_MLH_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Both /dev/mmap_lock_hold and its debugfs directory exist. */
bool module_loaded(void);

/*
 * Write @str to the debugfs file @file of the module ("enable", "tgid",
 * "reset"): 0, or -1 with errno.
 */
int dbg_write(const char *file, const char *str);

/*
 * The debugfs file @file of the module, read whole into @buf (NUL
 * terminated): its length, or -errno.
 */
long dbg_read(const char *file, char *buf, size_t size);

/* Write @len bytes of @buf to the debugfs file @file: 0, or -errno. */
int dbg_write_len(const char *file, const void *buf, size_t len);
/* dbg_write(), but 0 or -errno: for tests that compare errnos. */
int dbg_write_err(const char *file, const char *str);

/*
 * The 'stats' report (format MLH_STATS_VERSION): key=value totals, then
 * one line per operation.  The one parser of it: the module's tests,
 * munmap_hold, mlh_reload and munmap_bench all read it through here.
 */
#define MLH_STATS_MAX_OPS	32
#define MLH_VMA_LOCK_KEYS	4

struct mlh_op_stat {
	char name[32];		/* "munmap", "mmap", "kernel", "exit", ... */
	char class[16];		/* "syscall", "kernel", "exit", ... */
	long nr;		/* syscall number, -1 if none */
	long long count, min, p50, p99, max, sum;	/* windows, ns */
};

struct mlh_stats {
	long version, enabled, tgid, windows, opened;
	long closed_release, closed_downgrade, open, dropped, replaced, ops;
	long lost_start, lost_stop, mm_pid;
	/*
	 * Optional: vma_lock_success, _abort, _retry, _miss, the kernel's
	 * per-VMA lock fault counters over the recording; -1 when the
	 * report has none (a kernel without CONFIG_PER_VMA_LOCK_STATS).
	 */
	long vma_lock[MLH_VMA_LOCK_KEYS];
	int nops;
	/* key=value lines of keys not known here: the format may grow. */
	int unknown;
	struct mlh_op_stat op[MLH_STATS_MAX_OPS];
};

/*
 * Parse the text of 'stats' into @s.  0, or -1 with errno EPROTO: another
 * version, a total missing, an op= line that does not parse, more than
 * MLH_STATS_MAX_OPS of them, or 'ops' not their number.  Allocates
 * nothing: callers run it in threads.
 */
int mlh_parse_stats(const char *text, struct mlh_stats *s);

/*
 * Read and parse 'stats': 0, or -1 with errno set.  Through one static
 * buffer: not for concurrent callers (they read with dbg_read() into
 * their own and call mlh_parse_stats()).
 */
int mlh_read_stats(struct mlh_stats *s);

/* The line of operation @name, or one of zeros if it has none. */
const struct mlh_op_stat *mlh_find_op(const struct mlh_stats *s,
				      const char *name);

/*
 * One snapshot agrees with itself: the windows total is the sum of the
 * operations' counts (report.c prints both from the same copy).
 */
bool mlh_stats_consistent(const struct mlh_stats *s);

/*
 * The module's .ko: $MLH_KO, else where the test VM has it
 * (scripts/vm/boot.sh --module).
 */
const char *mlh_ko_path(void);

/* finit_module() of the .ko at @ko: 0, or -errno. */
int mlh_load(const char *ko);

/*
 * Kernel messages: kmsg_open() skips to the end of the log, kmsg_warned()
 * returns the first warning, bug or oops record logged since, or NULL.
 * kmsg_open() returns -1 without /dev/kmsg; then nothing is checked.
 * kmsg_warned() returns a static buffer.
 */
int kmsg_open(void);
const char *kmsg_warned(int fd);

#endif /* __MUNMAP_MLH_UTIL_H */
