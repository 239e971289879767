/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the munmap selftests: page patterns, fault probing,
 * /proc/self/maps and /proc/self/status parsing.
 *
 * None of them allocate memory with malloc(): a heap allocation that falls
 * back to mmap() could land inside a hole a test has just punched and make
 * the test see a mapping it did not create.
 */
#ifndef __MUNMAP_UTIL_H
#define __MUNMAP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>

/*
 * What the programs use of newer UAPI than the oldest libc headers they
 * build against (the values are the kernel's, on every architecture the
 * tests run on).  After <sys/mman.h>, so a libc that has them wins.
 */
#ifndef MAP_HUGETLB
#define MAP_HUGETLB		0x40000
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC		0x0001U
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB		0x0004U
#endif

#define SZ_1M			(1UL << 20)
#define SZ_1G			(1UL << 30)

/* One line of /proc/self/maps, clipped to the window it was read for. */
struct vma_range {
	unsigned long start;
	unsigned long end;
	char perms[5];		/* "rw-p", "r--p", ... */
};

size_t page_size(void);

/* CLOCK_MONOTONIC, in ns: the clock the module's windows use too. */
long long now_ns(void);

/* Fill/check a page with a pattern derived from @tag (e.g. its index). */
void fill_page(void *page, unsigned long tag);
bool check_page(const void *page, unsigned long tag);
/* Word @word of the pattern fill_page() writes for @tag. */
uint64_t page_word(unsigned long tag, size_t word);

/*
 * A private anonymous read-write mapping of @npages pages, page i filled
 * with fill_page(..., i); NULL if mmap() fails.
 */
char *map_filled(unsigned int npages);

/*
 * Read one byte at @addr.  Returns 0 if the read succeeded, otherwise the
 * si_code of the SIGSEGV it raised (SEGV_MAPERR for "nothing mapped here").
 * The faulting address is stored in *@fault_addr when it is not NULL.
 */
int probe_read(const void *addr, void **fault_addr);

/* mincore() on one page: true if the page is mapped, false on ENOMEM. */
bool page_mapped(const void *addr);

/* Is every page of [@addr, @addr + @len) mapped? */
bool range_mapped(const void *addr, size_t len);

/*
 * Collect the VMAs of /proc/self/maps that intersect [@lo, @hi), each
 * clipped to that window, in address order.  Returns how many were found
 * (at most @max are stored) or -1 with errno set.
 */
int maps_in_window(unsigned long lo, unsigned long hi,
		   struct vma_range *out, int max);

/*
 * Read the whole of a /proc (or any) file into @buf, NUL-terminated.
 * Returns its length, or -1 with errno set (EFBIG if it did not fit).
 */
ssize_t read_file(const char *path, char *buf, size_t size);

/* Value of a "Field:   N kB" line of /proc/self/status, -1 on error. */
long status_kb(const char *field);

/* Value of a "Field:   N [kB]" line of /proc/meminfo, -1 on error. */
long meminfo_value(const char *field);

/* Value of a "Field:   N kB" line of /proc/self/smaps_rollup, -1 on error. */
long smaps_rollup_kb(const char *field);

/* Value of a "name N" line of /proc/vmstat, -1 on error. */
long vmstat_value(const char *name);

/*
 * Fault in the whole buffer the /proc readers above share.  They touch
 * only as much of it as the file they read needs, so a test comparing
 * RssAnon before and after reading a larger file than before would see
 * the buffer grow; calling this first makes its share of RssAnon fixed.
 */
void proc_buf_prefault(void);

/*
 * Lines of /proc/self/maps: the process's VMAs, plus the gate area
 * ([vsyscall]) where there is one.  -1 on error.
 */
int map_count(void);

/*
 * mm->map_count, the figure vm.max_map_count limits: map_count() without
 * the gate area, which is not one of the process's VMAs.  -1 on error.
 */
int mm_map_count(void);

/*
 * Sum, in kB, of the sizes of this process's VMAs that carry VM_ACCOUNT
 * ("ac" in the VmFlags of /proc/self/smaps): the part of Committed_AS its
 * mappings hold.  -1 on error (no smaps without CONFIG_PROC_PAGE_MONITOR).
 */
long accounted_kb(void);

/*
 * The system-wide figures: Committed_AS and nr_mapped move with every
 * process of the system, so a test can hold them to its own doings only
 * on a quiet one (the test VM).  quiet_wait() waits up to 4 s until both
 * held still for 1.5 s: true if they did; *@moved_kb and *@moved_pages
 * are how much each moved over the last 1.5 s.  settles() reads a
 * figure (meminfo_value(), vmstat_value()) until it is within @tol of
 * @start, up to 10 times 100 ms apart: true if it got there, *@last the
 * last reading.
 */
bool quiet_wait(long *moved_kb, long *moved_pages);
bool settles(long (*read)(const char *), const char *name, long start,
	     long tol, long *last);

/*
 * Write @str to @path, a procfs, sysfs or tracefs file: 0, or -1 with errno.
 * Opened with O_APPEND and never O_TRUNC: truncating uprobe_events or
 * kprobe_events deletes every probe of the system.
 */
int write_file(const char *path, const char *str);

/* The number in a file like /proc/sys/vm/nr_hugepages, -1 on error. */
long read_number(const char *path);

/* Write @val to a file like /proc/sys/vm/nr_hugepages: 0, or -1 with errno. */
int write_number(const char *path, long val);

/*
 * Does the VMA containing @addr carry @flag, a two-letter mnemonic of the
 * VmFlags line of /proc/self/smaps ("gd" for VM_GROWSDOWN, "ht" for
 * hugetlb, "pf" for VM_PFNMAP, ...)?  1 or 0; -1 with errno set on error,
 * ENOENT if no VMA contains @addr.
 */
int vma_has_vmflag(unsigned long addr, const char *flag);

/*
 * The VMAs that intersect [@lo, @hi), each clipped to it, in address
 * order (perms left empty), with one bit per mnemonic of @flags in
 * @bits[i]: @flags is a string of VmFlags mnemonics ("rdwrsh" asks for
 * VM_READ as bit 0, VM_WRITE as bit 1, VM_SHARED as bit 2), at most 32.
 * One read of /proc/self/smaps for all of them.  Returns how many VMAs
 * were found (at most @max are stored) or -1 with errno set.
 */
int vmflags_in_window(unsigned long lo, unsigned long hi, const char *flags,
		      struct vma_range *out, unsigned int *bits, int max);

/*
 * tracefs with uprobe_events: the one the system has mounted, or one the
 * calling process mounts in a mount namespace of its own (nothing outside
 * sees it; the uprobe events themselves are global either way).
 */
struct tracefs {
	char dir[64];		/* where it is mounted */
	char own_mnt[64];	/* mounted by tracefs_find(), "" if not */
};

/* NULL when found, else why not (a SKIP reason). */
const char *tracefs_find(struct tracefs *t);
/* Append @str to @file under @t; 0 or -1 with errno. */
int tracefs_write(const struct tracefs *t, const char *file, const char *str);
/* Unmount what tracefs_find() mounted, if anything. */
void tracefs_put(struct tracefs *t);

/*
 * The uprobe event GROUP/EVENT at @offset of @path, through @t's
 * uprobe_events; an enabled event is what registers the uprobe, so that
 * mmap() installs the breakpoint.  Each returns 0, or -1 with errno.
 */
int uprobe_event_add(const struct tracefs *t, const char *group,
		     const char *event, const char *path, unsigned long offset);
int uprobe_event_enable(const struct tracefs *t, const char *group,
			const char *event, bool on);
int uprobe_event_del(const struct tracefs *t, const char *group,
		     const char *event);

#endif /* __MUNMAP_UTIL_H */
