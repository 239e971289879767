/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmap_lock_hold: interfaces between the files of the module.
 *
 *   attr.c    what took a window: syscall number, exit, kernel
 *   hold.c    the tracepoint probes and the table of open windows
 *   stats.c   per-operation count, min, max, percentiles, histograms
 *   report.c  debugfs: control files and the two report formats
 *   pfnmap.c  the misc device and its VM_PFNMAP mappings
 *   drive.c   the ioctl commands: map, populate, vm_munmap()
 *   main.c    init and exit order
 */
#ifndef MLH_H
#define MLH_H

#include <linux/types.h>

#include "compat.h"
#include "mmap_lock_hold.h"

/*
 * MODULE_VERSION; dkms.conf's PACKAGE_VERSION is the same.  The major
 * number changes with an incompatible change of the user interface.
 */
#define MLH_MODULE_VERSION	"2.0"

struct file;
struct vm_area_struct;

/* What took an exclusive window (attr.c). */
enum mlh_op_class {
	MLH_OP_KERNEL,		/* a kthread, an io worker or this module */
	MLH_OP_EXIT,		/* the task is exiting: exit_mmap() */
	MLH_OP_NONE,		/* a user task outside any syscall */
	MLH_OP_SYSCALL,		/* native syscall @nr */
	MLH_OP_COMPAT,		/* compat (e.g. ia32) syscall @nr */
	MLH_OP_OTHER,		/* any op once the stats table is full */
};

struct mlh_op {
	u32 class;		/* enum mlh_op_class */
	u32 nr;			/* syscall number for SYSCALL and COMPAT */
};

void mlh_attr_current(struct mlh_op *op, bool driving);
bool mlh_op_equal(const struct mlh_op *a, const struct mlh_op *b);
const char *mlh_op_class_name(const struct mlh_op *op);
void mlh_op_name(const struct mlh_op *op, char *buf, size_t len);
#define MLH_OP_NAME_LEN		24

/* Recorder (hold.c). */
struct mlh_hold_counters {
	u64 opened;		/* windows entered in the table */
	u64 on_release;		/* closed by a write release */
	u64 on_downgrade;	/* closed by a downgrade */
	u64 dropped;		/* not tracked: the table bucket was full */
	u64 replaced;		/* open entry overwritten (missed close) */
	u64 lost_start;		/* write release without an open window */
	u64 lost_stop;		/* open when recording stopped, forgotten */
	u32 open;		/* open right now */
	bool enabled;
	int tgid;		/* 0: every process */
	int mm_pid;		/* the mm filter's process, 0: every mm */
	/*
	 * The kernel's per-VMA lock fault counters (mlh_vma_lock_events()),
	 * system-wide, over the recording: from its start or the last reset
	 * to now, or to its stop.  vma_lock_stats: the kernel has them.
	 */
	bool vma_lock_stats;
	u64 vma_lock[MLH_VMA_LOCK_EVENTS];
};

int mlh_hold_init(void);
void mlh_hold_exit(void);
int mlh_ctl_enable(unsigned long on);
int mlh_ctl_tgid(unsigned long tgid);
int mlh_ctl_mm(unsigned long pid);
void mlh_ctl_reset(void);
void mlh_hold_counters(struct mlh_hold_counters *c);
int mlh_hold_drive_begin(void);
void mlh_hold_drive_end(void);

/* Statistics (stats.c). */
#define MLH_LOG2_BUCKETS	64

struct mlh_op_snap {
	struct mlh_op op;
	u64 count;
	u64 sum_ns;
	u64 min_ns;
	u64 max_ns;
	u64 p50_ns;
	u64 p99_ns;
	u64 log2[MLH_LOG2_BUCKETS];	/* [2^k, 2^(k+1)) ns; k = 0 has 0 */
};

/* Distinct operations kept; later ones are counted as MLH_OP_OTHER. */
#define MLH_MAX_OPS		32

int mlh_stats_init(void);
void mlh_stats_exit(void);
void mlh_stats_record(const struct mlh_op *op, u64 ns);
unsigned int mlh_stats_snapshot(struct mlh_op_snap *snap, unsigned int max);
void mlh_stats_reset(void);

/* debugfs (report.c). */
int mlh_report_init(void);
void mlh_report_exit(void);

/* The device (pfnmap.c). */
int mlh_pfnmap_init(void);
void mlh_pfnmap_exit(void);
int mlh_pfnmap_register(void);
void mlh_pfnmap_unregister(void);
bool mlh_pfnmap_vma(const struct vm_area_struct *vma);
int mlh_pfnmap_populate(unsigned long addr, unsigned long size);
long mlh_pfnmap_zap(void);
long mlh_pfnmap_fail_mmap(struct file *file, unsigned long err);

/* ioctl commands (drive.c), called from the device's unlocked_ioctl. */
long mlh_drive_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* MLH_H */
