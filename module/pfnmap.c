// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_hold: the misc device, /dev/mmap_lock_hold.
 *
 * mmap() of the device gives a shared, read-only VM_PFNMAP mapping of any
 * size up to MLH_MAX_SIZE at the cost of a VMA: every page of it maps the same
 * zeroed backing page, inserted on the first fault (or by
 * mlh_pfnmap_populate()), so tests can build multi-GiB PFNMAP ranges
 * without the memory.  The pages are not refcounted (VM_PFNMAP): zapping
 * them only clears page table entries.
 *
 * Lifetime: every mapping holds a reference on its file and every open
 * file one on this module (fops.owner), so the module, and the backing
 * page freed at exit, outlive every mapping: rmmod fails while one exists.
 */
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "mlh.h"

/* Pages inserted per mmap_lock hold by mlh_pfnmap_populate(). */
#define MLH_POPULATE_BATCH	512

static struct page *mlh_backing;

static vm_fault_t mlh_pfnmap_fault(struct vm_fault *vmf)
{
	return vmf_insert_pfn(vmf->vma, vmf->address, page_to_pfn(mlh_backing));
}

static const struct vm_operations_struct mlh_pfnmap_vm_ops = {
	.fault = mlh_pfnmap_fault,
};

bool mlh_pfnmap_vma(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &mlh_pfnmap_vm_ops;
}

/*
 * Called with mmap_lock held for write.  Only MAP_SHARED (VM_MAYSHARE;
 * do_mmap() drops VM_SHARED itself when the file is read-only) and only
 * read-only, now and after any mprotect(): with VM_MAYWRITE gone this is
 * never a COW mapping, which vmf_insert_pfn() would refuse with a BUG_ON,
 * and the backing page stays zeroed.  The offset is meaningless and must
 * be 0.
 */
static int mlh_pfnmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_MAYSHARE) || (vma->vm_flags & VM_WRITE) ||
	    vma->vm_pgoff)
		return -EINVAL;
	if (vma->vm_end - vma->vm_start > MLH_MAX_SIZE)
		return -E2BIG;
	/* 6.1: vm_flags is written directly (vm_flags_set() came in 6.3). */
	vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_flags |= VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &mlh_pfnmap_vm_ops;
	return 0;
}

/**
 * mlh_pfnmap_populate() - Insert the backing page in every page of a range.
 * @addr: Start of a mapping of the device in current's mm, page aligned
 * @size: Its size, page aligned
 *
 * Takes mmap_lock for read, MLH_POPULATE_BATCH pages at a time, so a
 * large populate neither holds the lock for long nor blocks a fatal
 * signal.  The VMA is looked up again each time: if the range stopped
 * being this device's mapping (another thread of the caller unmapped or
 * replaced it), stop with -EAGAIN and leave the range alone.
 * Returns 0, -EAGAIN, -EINTR or -ENOMEM.
 */
int mlh_pfnmap_populate(unsigned long addr, unsigned long size)
{
	unsigned long pfn = page_to_pfn(mlh_backing);
	struct mm_struct *mm = current->mm;
	unsigned long end = addr + size;
	int ret = 0;

	while (addr < end) {
		unsigned long stop = min(end, addr +
					 MLH_POPULATE_BATCH * PAGE_SIZE);
		struct vm_area_struct *vma;

		if (fatal_signal_pending(current))
			return -EINTR;
		if (mmap_read_lock_killable(mm))
			return -EINTR;
		vma = vma_lookup(mm, addr);
		if (!vma || !mlh_pfnmap_vma(vma) || vma->vm_end < stop) {
			ret = -EAGAIN;
		} else {
			for (; addr < stop; addr += PAGE_SIZE) {
				if (vmf_insert_pfn(vma, addr, pfn) !=
				    VM_FAULT_NOPAGE) {
					ret = -ENOMEM;
					break;
				}
			}
		}
		mmap_read_unlock(mm);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

static const struct file_operations mlh_pfnmap_fops = {
	.owner = THIS_MODULE,
	.mmap = mlh_pfnmap_mmap,
	.unlocked_ioctl = mlh_drive_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice mlh_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = MLH_NAME,
	.fops = &mlh_pfnmap_fops,
	.mode = 0600,
};

int mlh_pfnmap_init(void)
{
	int ret;

	mlh_backing = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!mlh_backing)
		return -ENOMEM;
	ret = misc_register(&mlh_miscdev);
	if (ret) {
		__free_page(mlh_backing);
		mlh_backing = NULL;
	}
	return ret;
}

void mlh_pfnmap_exit(void)
{
	misc_deregister(&mlh_miscdev);
	__free_page(mlh_backing);
	mlh_backing = NULL;
}
