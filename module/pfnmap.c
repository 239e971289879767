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
 * The device also remembers its mappings the way a PCI passthrough driver
 * does (vfio-pci in 6.1, uverbs): ->mmap and ->open put the VMA on a list,
 * ->close takes it off, and MLH_IOC_ZAP zaps every listed VMA, of every
 * process, with zap_vma_ptes() while holding only that mm's
 * mmap_read_lock, as vfio_pci_zap_and_vma_lock() does on a device reset.  A munmap() that
 * zaps and frees the page tables of such a VMA with mmap_lock downgraded
 * to read races with that: the VMA is still on the list until ->close,
 * which remove_vma() calls only after free_pgtables().  The selftest
 * munmap_pfnmap_race drives exactly that race.
 *
 * MLH_IOC_FAIL_MMAP makes the next ->mmap of the same open file fail with
 * the errno given (-ENOMEM, say), once: a driver or file system refusing a mapping, for
 * the tests of what mmap(MAP_FIXED) leaves behind when that happens.
 *
 * Lifetime: every mapping holds a reference on its file and every open
 * file one on this module (fops.owner), so the module, and the backing
 * page freed at exit, outlive every mapping: rmmod fails while one exists.
 * The list is empty when the last mapping is gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "mlh.h"

/* Pages inserted per mmap_lock hold by mlh_pfnmap_populate(). */
#define MLH_POPULATE_BATCH	512

static struct page *mlh_backing;

/* What one open file of the device carries. */
struct mlh_file {
	int fail_mmap;		/* -errno for the next ->mmap, 0: none */
};

/* One mapping of the device, as vfio-pci's struct vfio_pci_mmap_vma. */
struct mlh_pfnmap_vma {
	struct list_head node;
	struct vm_area_struct *vma;
	u64 zapped;		/* the last zap pass that has done it */
};

/*
 * Every mapping of the device, of every mm, each one's entry also in its
 * vm_private_data.  mlh_vmas_lock nests inside mmap_lock: ->mmap and
 * ->open run with it held for write, ->close with it held for write or
 * read (a downgraded munmap()), MLH_IOC_ZAP takes it for read.
 * mlh_zap_lock serialises the zap passes and comes before mmap_lock.
 */
static LIST_HEAD(mlh_vmas);
static DEFINE_MUTEX(mlh_vmas_lock);
static DEFINE_MUTEX(mlh_zap_lock);
static u64 mlh_zap_pass;		/* under mlh_vmas_lock */

/*
 * Put @vma on the list.  On ->open, vm_private_data is still the entry
 * of the VMA it was copied from (split, mremap()), which is alive: the
 * copy has the same page tables, so it needs the current zap pass as much
 * as its original.  A new mapping has none yet and waits for the next.
 */
static int mlh_pfnmap_track(struct vm_area_struct *vma)
{
	struct mlh_pfnmap_vma *from = vma->vm_private_data;
	struct mlh_pfnmap_vma *v = kmalloc(sizeof(*v), GFP_KERNEL);

	vma->vm_private_data = v;
	if (!v)
		return -ENOMEM;
	v->vma = vma;
	mutex_lock(&mlh_vmas_lock);
	v->zapped = from ? from->zapped : mlh_zap_pass;
	list_add_tail(&v->node, &mlh_vmas);
	mutex_unlock(&mlh_vmas_lock);
	return 0;
}

static vm_fault_t mlh_pfnmap_fault(struct vm_fault *vmf)
{
	return vmf_insert_pfn(vmf->vma, vmf->address, page_to_pfn(mlh_backing));
}

/*
 * A new VMA of the device: the far side of a split, or a copy by mremap().
 * ->open cannot fail; without memory the copy is only left off the list,
 * so MLH_IOC_ZAP does not reach it.
 */
static void mlh_pfnmap_vma_open(struct vm_area_struct *vma)
{
	if (mlh_pfnmap_track(vma))
		pr_warn_ratelimited("a mapping left untracked (no memory)\n");
}

static void mlh_pfnmap_vma_close(struct vm_area_struct *vma)
{
	struct mlh_pfnmap_vma *v = vma->vm_private_data;

	if (!v)
		return;
	mutex_lock(&mlh_vmas_lock);
	list_del(&v->node);
	mutex_unlock(&mlh_vmas_lock);
	kfree(v);
}

static const struct vm_operations_struct mlh_pfnmap_vm_ops = {
	.open = mlh_pfnmap_vma_open,
	.close = mlh_pfnmap_vma_close,
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
 * and the backing page stays zeroed.  Never executable (VM_MAYEXEC gone
 * too).  The offset is meaningless and must be 0.
 *
 * VM_DONTCOPY: a child does not inherit the mapping.  fork() would copy
 * every PTE of it (VM_PFNMAP mappings are copied, not faulted again),
 * up to 16 Mi of them, under the parent's mmap_lock held for write.
 */
static int mlh_pfnmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mlh_file *f = file->private_data;
	int fail = xchg(&f->fail_mmap, 0);

	if (fail)
		return fail;
	if (!(vma->vm_flags & VM_MAYSHARE) ||
	    (vma->vm_flags & (VM_WRITE | VM_EXEC)) || vma->vm_pgoff)
		return -EINVAL;
	if (vma->vm_end - vma->vm_start > MLH_MAX_SIZE)
		return -E2BIG;
	if (mlh_pfnmap_track(vma))
		return -ENOMEM;
	/*
	 * Nothing can fail after this: mmap_region() would free the VMA
	 * without ->close.
	 */
	mlh_vm_flags_clear(vma, VM_MAYWRITE | VM_MAYEXEC);
	mlh_vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP |
			 VM_DONTCOPY);
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

/*
 * An mm with a mapping the current pass has not zapped, pinned with
 * mmget_not_zero(), or NULL when there is none left.  An entry on the
 * list is a live VMA of a live mm_struct (->close takes it off before the
 * VMA is freed, and an mm is freed after its VMAs); an mm whose users are
 * gone is being torn down by exit_mmap(), which unmaps it all: skipped.
 */
static struct mm_struct *mlh_zap_next_mm(u64 pass)
{
	struct mm_struct *mm = NULL;
	struct mlh_pfnmap_vma *v;

	mutex_lock(&mlh_vmas_lock);
	list_for_each_entry(v, &mlh_vmas, node) {
		if (v->zapped == pass)
			continue;
		if (mmget_not_zero(v->vma->vm_mm)) {
			mm = v->vma->vm_mm;
			break;
		}
		v->zapped = pass;
	}
	mutex_unlock(&mlh_vmas_lock);
	return mm;
}

/**
 * mlh_pfnmap_zap() - Zap every mapping of the device, in every mm.
 *
 * What vfio_pci_zap_and_vma_lock() does on a device reset: for each mm
 * with a mapping of the device, take its mmap_lock for read and, with the
 * list locked, zap_vma_ptes() each of its mappings.  The lock order
 * (mmap_lock, then the list) forces the list to be let go while an mm is
 * pinned and locked; each entry records the pass that zapped it, so the
 * walk goes on where it was.  The VMAs stay listed: the next fault maps
 * the backing page again.  Mappings made while the pass runs are new and
 * are not zapped; copies of mappings it has not reached yet are.
 * Return: the number of mappings zapped, or -EINTR.
 */
long mlh_pfnmap_zap(void)
{
	struct mlh_pfnmap_vma *v;
	struct mm_struct *mm;
	long n = 0;
	u64 pass;

	if (mutex_lock_killable(&mlh_zap_lock))
		return -EINTR;
	mutex_lock(&mlh_vmas_lock);
	pass = ++mlh_zap_pass;
	mutex_unlock(&mlh_vmas_lock);

	while ((mm = mlh_zap_next_mm(pass))) {
		if (mmap_read_lock_killable(mm)) {
			mmput(mm);
			n = -EINTR;
			break;
		}
		mutex_lock(&mlh_vmas_lock);
		list_for_each_entry(v, &mlh_vmas, node) {
			struct vm_area_struct *vma = v->vma;

			if (v->zapped == pass || vma->vm_mm != mm)
				continue;
			zap_vma_ptes(vma, vma->vm_start,
				     vma->vm_end - vma->vm_start);
			v->zapped = pass;
			n++;
		}
		mutex_unlock(&mlh_vmas_lock);
		mmap_read_unlock(mm);
		/* May be the last user: exit_mmap() takes the list lock. */
		mmput(mm);
	}
	mutex_unlock(&mlh_zap_lock);
	return n;
}

/**
 * mlh_pfnmap_fail_mmap() - Make the next ->mmap of @file fail.
 * @file: An open file of the device
 * @err: The errno to fail with, 1 to 511; 0 cancels
 *
 * The codes from ERESTARTSYS (512) on are the kernel's own and must not
 * reach user space.
 * Return: 0, or -EINVAL for an @err out of range.
 */
long mlh_pfnmap_fail_mmap(struct file *file, unsigned long err)
{
	struct mlh_file *f = file->private_data;

	if (err >= ERESTARTSYS)
		return -EINVAL;
	WRITE_ONCE(f->fail_mmap, -(int)err);
	return 0;
}

/*
 * The mode of the node (0600, root) is not the only check: whoever opens
 * it can make the module map, populate and unmap memory in their own mm,
 * so CAP_SYS_ADMIN is required too.
 */
static int mlh_pfnmap_open(struct inode *inode, struct file *file)
{
	struct mlh_file *f;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	file->private_data = f;
	return 0;
}

/* Every mapping holds a reference on the file: none is left. */
static int mlh_pfnmap_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations mlh_pfnmap_fops = {
	.owner = THIS_MODULE,
	.open = mlh_pfnmap_open,
	.release = mlh_pfnmap_release,
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

/* The backing page; the device itself comes last (mlh_pfnmap_register()). */
int mlh_pfnmap_init(void)
{
	mlh_backing = alloc_page(GFP_KERNEL | __GFP_ZERO);
	return mlh_backing ? 0 : -ENOMEM;
}

void mlh_pfnmap_exit(void)
{
	/* Every mapping held a module reference: all were closed. */
	WARN_ON(!list_empty(&mlh_vmas));
	__free_page(mlh_backing);
	mlh_backing = NULL;
}

int mlh_pfnmap_register(void)
{
	return misc_register(&mlh_miscdev);
}

void mlh_pfnmap_unregister(void)
{
	misc_deregister(&mlh_miscdev);
}
