// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_hold: the ioctl commands that drive mmap_lock from the kernel.
 *
 *   MLH_IOC_MAP    vm_mmap() and populate a range of the caller's mm
 *   MLH_IOC_UNMAP  vm_munmap() a range of the caller's mm
 *   MLH_IOC_ZAP    zap the caller's mappings of the device (pfnmap.c)
 *   MLH_IOC_FAIL_MMAP  fail the next mmap() of this file (pfnmap.c)
 *   MLH_IOC_ENABLE, _SET_TGID, _SET_MM, _RESET  the recording controls
 *                  of debugfs, for when lockdown refuses them there
 *
 * vm_munmap() never downgrades mmap_lock (in 6.1 only the munmap()
 * syscall, brk() and mremap() ask for it), so MLH_IOC_UNMAP is the
 * 'always exclusive' baseline to compare the syscall with, on the same
 * kernel and in the same run.  Windows taken by these commands are
 * attributed to 'kernel' (mlh_hold_drive_begin()).
 *
 * Every input is checked before anything is done: unknown commands are
 * -ENOTTY; unknown kinds, flags or reserved fields, zero or unaligned sizes, unaligned
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

/*
 * Map @arg->size bytes of @arg->kind near @arg->addr and populate them;
 * @arg->addr is set to the mapping.  Returns 0, or -errno with
 * @arg->addr 0 when nothing is left mapped, or the mapping's address
 * when the mapping is left (see mlh_map()).
 */
static int mlh_do_map(struct file *file, struct mlh_map *arg)
{
	unsigned long hint = arg->addr, size = arg->size, addr;
	int ret;

	arg->addr = 0;
	switch (arg->kind) {
	case MLH_KIND_ZERO:
		/* Read faults on private anon memory map the zero page. */
		addr = vm_mmap(NULL, hint, size, PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, 0);
		break;
	case MLH_KIND_WRITTEN:
		addr = vm_mmap(NULL, hint, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, 0);
		break;
	case MLH_KIND_PFNMAP:
		/* MAP_POPULATE skips VM_PFNMAP: insert the pages ourselves. */
		addr = vm_mmap(file, hint, size, PROT_READ, MAP_SHARED, 0);
		if (IS_ERR_VALUE(addr))
			return (int)addr;
		ret = mlh_pfnmap_populate(addr, size);
		/* -EAGAIN: the range is not ours any more, say nothing of it. */
		if (ret != -EAGAIN)
			arg->addr = addr;
		return ret;
	default:
		return -EINVAL;
	}
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	arg->addr = addr;
	return 0;
}

/*
 * What is mapped stays mapped: once vm_mmap() has dropped mmap_lock,
 * another thread of the caller may unmap the range and map something
 * else there, and no exported interface checks a range and unmaps it
 * under one hold of the lock.  So the result is known to be writable
 * before anything is mapped, and a populate that fails half way leaves
 * the mapping and says where it is.
 */
static long mlh_map(struct file *file, struct mlh_map __user *uarg)
{
	struct mlh_map arg;
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
	/* The result can be written back: nothing needs undoing later. */
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;

	ret = mlh_hold_drive_begin();
	if (ret)
		return ret;
	start = ktime_get_ns();
	ret = mlh_do_map(file, &arg);
	arg.ns = ktime_get_ns() - start;
	mlh_hold_drive_end();
	if (ret && !arg.addr)
		return ret;
	/*
	 * Fails only if another thread of the caller took the page of
	 * @uarg away meanwhile; the mapping stays, as above.
	 */
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return ret;
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

/* Unknown commands, other sizes or directions included: -ENOTTY. */
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
	case MLH_IOC_ENABLE:
		return mlh_ctl_enable(arg);
	case MLH_IOC_SET_TGID:
		return mlh_ctl_tgid(arg);
	case MLH_IOC_SET_MM:
		return mlh_ctl_mm(arg);
	case MLH_IOC_RESET:
		if (arg)
			return -EINVAL;
		mlh_ctl_reset();
		return 0;
	default:
		return -ENOTTY;
	}
}
