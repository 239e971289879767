// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_hold: the ioctl commands that drive mmap_lock from the kernel.
 *
 *   MLH_IOC_MAP    vm_mmap() and populate a range of the caller's mm
 *   MLH_IOC_UNMAP  vm_munmap() a range of the caller's mm
 *   MLH_IOC_ZAP    zap the caller's mappings of the device (pfnmap.c)
 *   MLH_IOC_FAIL_MMAP  fail the next mmap() of this file (pfnmap.c)
 *
 * vm_munmap() never downgrades mmap_lock (in 6.1 only the munmap()
 * syscall, brk() and mremap() ask for it), so MLH_IOC_UNMAP is the
 * 'always exclusive' baseline to compare the syscall with, on the same
 * kernel and in the same run.  Windows taken by these commands are
 * attributed to 'kernel' (mlh_hold_drive_begin()).
 *
 * Every input is checked before anything is done: unknown commands,
 * kinds, flags or reserved fields, zero or unaligned sizes, unaligned
 * addresses and ranges that wrap or end above TASK_SIZE are -EINVAL,
 * sizes over MLH_MAX_SIZE -E2BIG, a bad argument pointer -EFAULT, and a
 * populate the machine's free memory cannot hold -ENOMEM.  The commands
 * take no lock of their own; vm_mmap() and vm_munmap() take mmap_lock
 * themselves.
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "mlh.h"

/* -EINVAL for 0 or unaligned, -E2BIG over the limit. */
static int mlh_check_size(u64 size)
{
	if (!size || !PAGE_ALIGNED(size))
		return -EINVAL;
	if (size > MLH_MAX_SIZE || size > TASK_SIZE)
		return -E2BIG;
	return 0;
}

/*
 * Refuse a populate that would eat into the last eighth of RAM: the page
 * tables of every kind, plus the pages themselves for MLH_KIND_WRITTEN,
 * must fit in what is available, or the OOM killer would end the caller.
 */
static int mlh_check_memory(u32 kind, u64 size)
{
	long pages = size >> PAGE_SHIFT;
	long need = DIV_ROUND_UP(pages, PTRS_PER_PTE);
	long avail = si_mem_available() - totalram_pages() / 8;

	if (kind == MLH_KIND_WRITTEN)
		need += pages;
	return need > avail ? -ENOMEM : 0;
}

static unsigned long mlh_do_map(struct file *file, u32 kind,
				unsigned long hint, unsigned long size)
{
	unsigned long addr;
	int ret;

	switch (kind) {
	case MLH_KIND_ZERO:
		/* Read faults on private anon memory map the zero page. */
		return vm_mmap(NULL, hint, size, PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, 0);
	case MLH_KIND_WRITTEN:
		return vm_mmap(NULL, hint, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, 0);
	case MLH_KIND_PFNMAP:
		/* MAP_POPULATE skips VM_PFNMAP: insert the pages ourselves. */
		addr = vm_mmap(file, hint, size, PROT_READ, MAP_SHARED, 0);
		if (IS_ERR_VALUE(addr))
			return addr;
		ret = mlh_pfnmap_populate(addr, size);
		/*
		 * -EAGAIN: the range is not ours any more, leave it be.
		 * After -EINTR vm_munmap() fails too, but the caller is
		 * dying and its mm goes with it.
		 */
		if (ret && ret != -EAGAIN)
			vm_munmap(addr, size);
		return ret ? (unsigned long)ret : addr;
	}
	return -EINVAL;
}

static long mlh_map(struct file *file, struct mlh_map __user *uarg)
{
	struct mlh_map arg;
	unsigned long addr;
	u64 start;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return -EINVAL;
	if (arg.kind != MLH_KIND_ZERO && arg.kind != MLH_KIND_WRITTEN &&
	    arg.kind != MLH_KIND_PFNMAP)
		return -EINVAL;
	ret = mlh_check_size(arg.size);
	if (ret)
		return ret;
	if (!PAGE_ALIGNED(arg.addr) || arg.addr + arg.size < arg.addr ||
	    arg.addr + arg.size > TASK_SIZE)
		return -EINVAL;
	ret = mlh_check_memory(arg.kind, arg.size);
	if (ret)
		return ret;

	ret = mlh_hold_drive_begin();
	if (ret)
		return ret;
	start = ktime_get_ns();
	addr = mlh_do_map(file, arg.kind, arg.addr, arg.size);
	arg.ns = ktime_get_ns() - start;
	mlh_hold_drive_end();
	if (IS_ERR_VALUE(addr))
		return (long)addr;

	arg.addr = addr;
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		/* The caller cannot know the mapping: do not leave it behind. */
		vm_munmap(addr, arg.size);
		return -EFAULT;
	}
	return 0;
}

static long mlh_unmap(struct mlh_unmap __user *uarg)
{
	struct mlh_unmap arg;
	u64 start;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.reserved)
		return -EINVAL;
	if (!arg.size || !PAGE_ALIGNED(arg.size) || !PAGE_ALIGNED(arg.addr))
		return -EINVAL;
	if (arg.addr + arg.size < arg.addr)
		return -EINVAL;
	ret = mlh_check_size(arg.size);
	if (ret)
		return ret;
	if (arg.addr + arg.size > TASK_SIZE)
		return -EINVAL;

	ret = mlh_hold_drive_begin();
	if (ret)
		return ret;
	start = ktime_get_ns();
	ret = vm_munmap(arg.addr, arg.size);
	arg.ns = ktime_get_ns() - start;
	mlh_hold_drive_end();
	if (ret)
		return ret;
	/* The range is gone either way; only the duration is lost. */
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

/* Unknown commands are -EINVAL, not -ENOTTY: a project rule. */
long mlh_drive_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case MLH_IOC_MAP:
		return mlh_map(file, (struct mlh_map __user *)arg);
	case MLH_IOC_UNMAP:
		return mlh_unmap((struct mlh_unmap __user *)arg);
	case MLH_IOC_ZAP:
		return arg ? -EINVAL : mlh_pfnmap_zap();
	case MLH_IOC_FAIL_MMAP:
		return mlh_pfnmap_fail_mmap(file, arg);
	default:
		return -EINVAL;
	}
}
