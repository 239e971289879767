/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenarios of the exclusive-window measurements, written once for
 * the test (munmap_hold) and the benchmark (munmap_bench): what is
 * mapped, how it is populated, and what it needs first (huge pages, a
 * file with a uprobe, the module's device), so that the two measure the
 * same thing.  The call that unmaps the range is the caller's.
 *
 * Every mapping sits in a PROT_NONE reservation with a guard page on each
 * side: nothing merges with it, and neither neighbour is a VM_GROWSDOWN
 * stack, next to which stock 6.1 would not downgrade mmap_lock (except
 * where SCEN_GROWSDOWN puts one on purpose).
 *
 * Errors and SKIP reasons are left in the environment's why[].  Nothing
 * here uses the kselftest harness: the benchmark is a plain program.
 */
#ifndef __MUNMAP_SCENARIO_H
#define __MUNMAP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "munmap_util.h"

enum scen_kind {
	SCEN_ANON,		/* private anon, read: zero-page PTEs */
	SCEN_GROWSDOWN,		/* the same, just below a MAP_GROWSDOWN map */
	SCEN_SHMEM,		/* MAP_SHARED | MAP_ANONYMOUS, written */
	SCEN_MEMFD,		/* a memfd, MAP_SHARED, written */
	SCEN_SYSV_SHM,		/* a SysV segment attached, read (allocates) */
	SCEN_BRK,		/* the heap grown by brk(), read */
	SCEN_FILE,		/* the nop file, private r-x, read */
	SCEN_UPROBE,		/* the same, with the uprobe in the range */
	SCEN_UPROBE_ELSEWHERE,	/* the file but its first pages: no uprobe */
	SCEN_HUGETLB,		/* a private map of a hugetlb memfd, written */
	SCEN_PFNMAP,		/* the module's VM_PFNMAP, populated by it */
};

/* What the MAP_GROWSDOWN mapping above the growsdown range spans. */
#define SCEN_GD_SIZE		(64 * 1024UL)
/* The uprobe: in the second page of a file of x86 nops. */
#define SCEN_PROBE_PAGE		1
#define SCEN_PROBE_IN_PAGE	0x10
/* SCEN_UPROBE_ELSEWHERE unmaps the file from this page on. */
#define SCEN_ELSEWHERE_FROM_PAGE	(SCEN_PROBE_PAGE + 1)
/* Default huge pages larger than this (1 GiB ones) are left alone. */
#define SCEN_MAX_HPAGE_SIZE	(32 * SZ_1M)

/* What the scenarios of one process need, kept across its mappings. */
struct scen_env {
	char name[32];		/* memfd and file names, uprobe group */
	int dev_fd;		/* /dev/mmap_lock_hold, for SCEN_PFNMAP */
	/* hugetlb */
	size_t hpage;		/* default huge page size, 0: not prepared */
	long old_nr_hugepages;	/* -1: nr_hugepages not changed */
	/* the nop file, and its uprobe */
	int file_fd;
	char file[64];		/* "" if none */
	size_t file_len;
	bool exec;		/* mapped PROT_EXEC (not on a noexec /tmp) */
	struct tracefs tfs;
	const char *tfs_why;	/* why there is no tracefs, or NULL */
	bool tfs_looked;
	bool probe_added, probe_enabled;
	/* brk: vm.overcommit_memory while growing the heap, -1: unchanged */
	long old_overcommit;
	char why[256];		/* what failed, or why it cannot run */
};

/* One mapping of a scenario. */
struct scen_map {
	char *res;		/* the reservation around it, or NULL */
	size_t res_len;
	int memfd;		/* open until the mapping is put */
	int shmid;		/* removed when the mapping is put */
	char *brk_to;		/* SCEN_BRK: the break before the growth */
	char *shm_at;		/* SCEN_SYSV_SHM: the attach address */
	char *map;		/* what was mapped and populated */
	size_t mapped;
	char *addr;		/* the range to unmap, inside it */
	size_t len;
};

/* Nothing prepared yet; @name labels what the scenarios create. */
void scen_env_init(struct scen_env *e, const char *name);

/*
 * Huge pages for up to @want bytes: grows nr_hugepages by what is
 * missing (scen_env_put() shrinks it back), and takes what it gets.
 * 1 when there is at least one, 0 (a SKIP, why[] says why) when there is
 * none or no hugetlb, -1 on an error.
 */
int scen_hugetlb_prepare(struct scen_env *e, size_t want);
/* Free huge pages not reserved; the default huge page size, 0: none. */
long scen_hpages_available(void);
size_t scen_hpage_size(void);

/*
 * tracefs for the uprobe (tracefs_find(): it may unshare the mount
 * namespace, which a multi-threaded process cannot: call it before
 * starting threads).  NULL when found, else why not.
 */
const char *scen_tracefs(struct scen_env *e);

/*
 * The file of @len bytes of nops for SCEN_FILE and the uprobe kinds, and
 * with @probe the uprobe event at SCEN_PROBE_PAGE, enabled (only an
 * enabled event registers the uprobe, so that mmap() installs its
 * breakpoint).  1 prepared, 0 a SKIP (no tracefs, no permission to add
 * a uprobe: why[]), -1 an error.
 */
int scen_file_prepare(struct scen_env *e, size_t len, bool probe);

/* /dev/mmap_lock_hold, for SCEN_PFNMAP: 0, or -1 with why[]. */
int scen_dev_open(struct scen_env *e);

/*
 * Map and populate @size bytes of @kind (hugetlb: whole huge pages, as
 * many as the pool has; the file kinds: at most the file's length) in a
 * new reservation, and check that it is what it should be (the VmFlags of
 * the special VMAs, the uprobe's breakpoint).  0, or -1 with why[]; the
 * mapping is to be put with scen_map_put() either way.
 */
int scen_map(struct scen_env *e, enum scen_kind kind, size_t size,
	     struct scen_map *m);

/* Undo what scen_map() left: the reservation, memfd, segment, break. */
void scen_map_put(struct scen_map *m);

/*
 * Undo scen_file_prepare(), scen_hugetlb_prepare(): 0, or -1 when the
 * uprobe could not be removed or nr_hugepages restored (why[]).
 */
int scen_file_put(struct scen_env *e);
int scen_hugetlb_put(struct scen_env *e);

/*
 * Undo every preparation: the uprobe event, the file, nr_hugepages, the
 * device, tracefs.  0, or -1 when a step that restores the system
 * failed (why[] says which): the caller should say so.
 */
int scen_env_put(struct scen_env *e);

#endif /* __MUNMAP_SCENARIO_H */
