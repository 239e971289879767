/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mmap_lock_hold needs from the kernel, and the differences between
 * the kernels it builds against, in one place (as LTTng-modules does):
 * the rest of the module uses the wrappers below and has no version
 * test of its own.
 *
 * Supported: 6.1 and later.  Tested: 6.1.y and 6.12.y (dkms.conf builds
 * for those only).  What changed along the way:
 *
 *   6.3   vma->vm_flags became read-only: vm_flags_set()/_clear().
 *   6.4   PF_USER_WORKER: kernel threads cloned from a user thread (io_uring
 *         and vhost workers), which run with the user's mm.
 *   6.4   per-VMA locks (CONFIG_PER_VMA_LOCK): most page faults take a
 *         lock of the faulting VMA instead of mmap_lock.  A writer
 *         write-locks each VMA it changes until it releases or downgrades
 *         mmap_lock, so an exclusive window stalls mmap_lock's readers,
 *         the faults that fall back to it, and the faults on the VMAs it
 *         changes, no longer every fault of the process.
 *         CONFIG_PER_VMA_LOCK_STATS counts the faults that fall back to
 *         mmap_lock: reported with the counters (mlh_vma_lock_events()).
 *   6.14  the mmap_lock tracepoints lost their memcg_path argument.
 *
 * Unchanged since 6.1, and relied upon: the three mmap_lock tracepoints,
 * exported; the downgrade showing as a read acquisition by the writer;
 * munmap(), brk() and mremap() downgrading while vm_munmap() does not.
 */
#ifndef MLH_COMPAT_H
#define MLH_COMPAT_H

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/version.h>
#include <linux/vmstat.h>

/*
 * Kernel a.b or later.  LINUX_VERSION_MAJOR and _PATCHLEVEL exist from
 * 5.16 on; before, they are 0 and every test is false.
 */
#define MLH_KERNEL_AT_LEAST(a, b)					\
	(LINUX_VERSION_MAJOR > (a) ||					\
	 (LINUX_VERSION_MAJOR == (a) && LINUX_VERSION_PATCHLEVEL >= (b)))

#if !MLH_KERNEL_AT_LEAST(6, 1)
#error "mmap_lock_hold needs Linux 6.1 or later: the mmap_lock tracepoints and the maple tree"
#endif

#ifndef CONFIG_TRACING
#error "mmap_lock_hold needs CONFIG_TRACING: the mmap_lock tracepoints are compiled out without it"
#endif

#ifndef CONFIG_DEBUG_FS
#error "mmap_lock_hold needs CONFIG_DEBUG_FS: it reports through debugfs"
#endif

#ifndef CONFIG_MMU
#error "mmap_lock_hold needs CONFIG_MMU"
#endif

/* Setting and clearing VMA flags in ->mmap (mmap_lock held for write). */
#if MLH_KERNEL_AT_LEAST(6, 3)
static inline void mlh_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

static inline void mlh_vm_flags_clear(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}
#else
static inline void mlh_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void mlh_vm_flags_clear(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/* Kernel-side workers of a user process: attributed to 'kernel'. */
#if MLH_KERNEL_AT_LEAST(6, 4)
#define MLH_PF_WORKER		(PF_IO_WORKER | PF_USER_WORKER)
#else
#define MLH_PF_WORKER		PF_IO_WORKER
#endif

/*
 * The parameter the mmap_lock tracepoints had between the mm and the rest
 * until 6.14; the probes are declared as
 *   probe(void *data, struct mm_struct *mm, MLH_TP_MEMCG bool write, ...)
 */
#if MLH_KERNEL_AT_LEAST(6, 14)
#define MLH_TP_MEMCG
#else
#define MLH_TP_MEMCG		const char *memcg_path,
#endif

/*
 * The per-VMA lock fault counters of /proc/vmstat (6.4 on, with
 * CONFIG_PER_VMA_LOCK_STATS): faults handled under a VMA lock, and those
 * that fell back to mmap_lock (abort, retry, miss).  MLH_VMA_LOCK_STATS
 * says whether the kernel has them; mlh_vma_lock_events() fills @ev in
 * that order (zeros without them).  Its callers serialise (one scratch
 * copy of every event); it sleeps (all_vm_events() takes the CPU hotplug
 * lock).
 */
#define MLH_VMA_LOCK_EVENTS	4

#ifdef CONFIG_PER_VMA_LOCK_STATS
#define MLH_VMA_LOCK_STATS	true

static inline void mlh_vma_lock_events(u64 ev[MLH_VMA_LOCK_EVENTS])
{
	static const int item[MLH_VMA_LOCK_EVENTS] = {
		VMA_LOCK_SUCCESS, VMA_LOCK_ABORT, VMA_LOCK_RETRY,
		VMA_LOCK_MISS,
	};
	static unsigned long all[NR_VM_EVENT_ITEMS];
	int i;

	all_vm_events(all);
	for (i = 0; i < MLH_VMA_LOCK_EVENTS; i++)
		ev[i] = all[item[i]];
}
#else
#define MLH_VMA_LOCK_STATS	false

static inline void mlh_vma_lock_events(u64 ev[MLH_VMA_LOCK_EVENTS])
{
	memset(ev, 0, MLH_VMA_LOCK_EVENTS * sizeof(*ev));
}
#endif

#endif /* MLH_COMPAT_H */
