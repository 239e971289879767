/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel versions and options mmap_lock_hold builds against.
 *
 * The module depends on interfaces that are stable within 6.1.y but not
 * across releases:
 *  - the mmap_lock tracepoint prototypes (mm, memcg_path, write[, success]),
 *    exported from mm/mmap_lock.c;
 *  - mmap_write_downgrade() announcing itself as a successful read
 *    acquisition, which is how the end of a downgraded window is seen;
 *  - vma->vm_flags being written directly in ->mmap() (vm_flags_set()
 *    from 6.3 on);
 *  - the munmap() syscall, brk() and mremap() downgrading mmap_lock while
 *    vm_munmap() does not, which the tests rely on.
 * Rather than build something that measures the wrong thing, refuse.
 */
#ifndef MLH_COMPAT_H
#define MLH_COMPAT_H

#include <linux/version.h>

/*
 * LINUX_VERSION_MAJOR and _PATCHLEVEL (5.16 on) say the same as a
 * LINUX_VERSION_CODE range, which checkpatch frowns upon; on older
 * kernels they are undefined, hence 0, and the check fails as it should.
 */
#if LINUX_VERSION_MAJOR != 6 || LINUX_VERSION_PATCHLEVEL != 1
#error "mmap_lock_hold supports Linux 6.1.y only"
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

#endif /* MLH_COMPAT_H */
