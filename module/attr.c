// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_hold: attribute an exclusive mmap_lock window to what took it.
 *
 * Called from the tracepoint probe of a successful write acquisition, in
 * the context of the task that took the lock, so current's registers say
 * which syscall it is in.  Nothing here sleeps or takes a lock.
 */
#include <linux/compat.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/string.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

#include "mlh.h"

struct mlh_sys_name {
	unsigned int nr;
	const char *name;
};

/*
 * The syscalls that take mmap_lock for write, named; any other number is
 * reported as sys_<nr>.  Guarded one by one: not every architecture has
 * every syscall.
 */
static const struct mlh_sys_name mlh_sys_names[] = {
#ifdef __NR_munmap
	{ __NR_munmap, "munmap" },
#endif
#ifdef __NR_mmap
	{ __NR_mmap, "mmap" },
#endif
#ifdef __NR_mmap2
	{ __NR_mmap2, "mmap2" },
#endif
#ifdef __NR_mremap
	{ __NR_mremap, "mremap" },
#endif
#ifdef __NR_brk
	{ __NR_brk, "brk" },
#endif
#ifdef __NR_mprotect
	{ __NR_mprotect, "mprotect" },
#endif
#ifdef __NR_pkey_mprotect
	{ __NR_pkey_mprotect, "pkey_mprotect" },
#endif
#ifdef __NR_madvise
	{ __NR_madvise, "madvise" },
#endif
#ifdef __NR_mlock
	{ __NR_mlock, "mlock" },
#endif
#ifdef __NR_mlock2
	{ __NR_mlock2, "mlock2" },
#endif
#ifdef __NR_munlock
	{ __NR_munlock, "munlock" },
#endif
#ifdef __NR_mlockall
	{ __NR_mlockall, "mlockall" },
#endif
#ifdef __NR_munlockall
	{ __NR_munlockall, "munlockall" },
#endif
#ifdef __NR_mbind
	{ __NR_mbind, "mbind" },
#endif
#ifdef __NR_remap_file_pages
	{ __NR_remap_file_pages, "remap_file_pages" },
#endif
#ifdef __NR_shmat
	{ __NR_shmat, "shmat" },
#endif
#ifdef __NR_shmdt
	{ __NR_shmdt, "shmdt" },
#endif
#ifdef __NR_exit
	{ __NR_exit, "exit" },
#endif
#ifdef __NR_exit_group
	{ __NR_exit_group, "exit_group" },
#endif
#ifdef __NR_execve
	{ __NR_execve, "execve" },
#endif
#ifdef __NR_execveat
	{ __NR_execveat, "execveat" },
#endif
#ifdef __NR_fork
	{ __NR_fork, "fork" },
#endif
#ifdef __NR_vfork
	{ __NR_vfork, "vfork" },
#endif
#ifdef __NR_clone
	{ __NR_clone, "clone" },
#endif
#ifdef __NR_clone3
	{ __NR_clone3, "clone3" },
#endif
#ifdef __NR_prctl
	{ __NR_prctl, "prctl" },
#endif
#ifdef __NR_arch_prctl
	{ __NR_arch_prctl, "arch_prctl" },
#endif
#ifdef __NR_ioctl
	{ __NR_ioctl, "ioctl" },
#endif
#ifdef __NR_io_setup
	{ __NR_io_setup, "io_setup" },
#endif
#ifdef __NR_io_destroy
	{ __NR_io_destroy, "io_destroy" },
#endif
#ifdef __NR_userfaultfd
	{ __NR_userfaultfd, "userfaultfd" },
#endif
};

/**
 * mlh_attr_current() - Say what the current task takes mmap_lock for.
 * @op: Filled in
 * @driving: current is inside one of this module's commands
 *
 * Kernel threads and the workers of user processes (io_uring, vhost:
 * MLH_PF_WORKER) have no user registers worth reading, so they, like the
 * module's own vm_mmap()/vm_munmap() calls, are 'kernel'.
 * An exiting task's exit_mmap() is 'exit' whatever syscall or signal got
 * it there.  Otherwise the syscall number of current's user registers;
 * -1 there means the task is not in a syscall at all.
 */
void mlh_attr_current(struct mlh_op *op, bool driving)
{
	int nr;

	op->nr = 0;
	if (driving || (current->flags & (PF_KTHREAD | MLH_PF_WORKER))) {
		op->class = MLH_OP_KERNEL;
		return;
	}
	if (current->flags & PF_EXITING) {
		op->class = MLH_OP_EXIT;
		return;
	}
	nr = syscall_get_nr(current, task_pt_regs(current));
	if (nr < 0) {
		op->class = MLH_OP_NONE;
		return;
	}
	op->class = in_compat_syscall() ? MLH_OP_COMPAT : MLH_OP_SYSCALL;
	op->nr = nr;
}

bool mlh_op_equal(const struct mlh_op *a, const struct mlh_op *b)
{
	return a->class == b->class && a->nr == b->nr;
}

const char *mlh_op_class_name(const struct mlh_op *op)
{
	switch (op->class) {
	case MLH_OP_KERNEL:
		return "kernel";
	case MLH_OP_EXIT:
		return "exit";
	case MLH_OP_NONE:
		return "none";
	case MLH_OP_SYSCALL:
		return "syscall";
	case MLH_OP_COMPAT:
		return "compat";
	default:
		return "other";
	}
}

/**
 * mlh_op_name() - Name an operation for the reports.
 * @op: The operation
 * @buf: Output, at least MLH_OP_NAME_LEN bytes for every name to fit
 * @len: Size of @buf
 *
 * A native syscall by its name if it is in the table, sys_<nr> if not;
 * compat syscalls as compat_<nr> (their numbers are another table);
 * everything else by its class.  Names never contain white space.
 */
void mlh_op_name(const struct mlh_op *op, char *buf, size_t len)
{
	unsigned int i;

	switch (op->class) {
	case MLH_OP_SYSCALL:
		for (i = 0; i < ARRAY_SIZE(mlh_sys_names); i++) {
			if (mlh_sys_names[i].nr == op->nr) {
				strscpy(buf, mlh_sys_names[i].name, len);
				return;
			}
		}
		snprintf(buf, len, "sys_%u", op->nr);
		return;
	case MLH_OP_COMPAT:
		snprintf(buf, len, "compat_%u", op->nr);
		return;
	default:
		strscpy(buf, mlh_op_class_name(op), len);
	}
}
