// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_hold: record every exclusive mmap_lock window.
 *
 * Only the kernel's exported mmap_lock tracepoints are used:
 *
 *   mmap_lock_acquire_returned(write=true, success=true)   opens a window
 *   mmap_lock_released(write=true)                         closes it
 *   mmap_lock_acquire_returned(write=false, success=true)  closes it too
 *       when the same task holds the write lock on that mm: this is how
 *       mmap_write_downgrade() shows up (include/linux/mmap_lock.h); a
 *       task holding the write lock cannot take the read lock otherwise.
 *
 * The holder of a write lock may sleep and migrate, so open windows are
 * kept per (task, mm) in a fixed hash table of MLH_BUCKETS buckets of
 * MLH_WAYS slots; a window that finds its bucket full is counted as
 * dropped and not measured.  A task may hold the write lock of two mms at
 * once (fork: dup_mmap()), hence the mm in the key.  The same table holds
 * one marker per task running a command of this module (mm == NULL): the
 * windows such a task opens are attributed to 'kernel'.
 *
 * Locking: each bucket has a raw spinlock (the probes run with preemption
 * disabled, so no sleeping lock); it is never nested with another lock of
 * this module.  The probes ignore anything outside task context (see
 * mlh_probe_acquire()), so the bucket locks are only ever taken in task
 * context and need not disable interrupts.  mlh_ctl_mutex serialises
 * enable and disable.
 *
 * The probes are registered only while recording is enabled, so recording
 * costs nothing when disabled.  Every window still open when recording is
 * switched on or off is forgotten, since its other end may be missed, and
 * counted as lost.  Starting and stopping each happen at one instant, the
 * write of mlh_enabled, whatever the time taken to (un)register the two
 * probes in between.
 */
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/threads.h>
#include <linux/spinlock.h>
#include <linux/tracepoint.h>
#include <trace/events/mmap_lock.h>

#include "mlh.h"

#define MLH_BUCKET_BITS		7
#define MLH_BUCKETS		BIT(MLH_BUCKET_BITS)
#define MLH_WAYS		4

struct mlh_open {
	struct task_struct *task;	/* NULL: free slot */
	struct mm_struct *mm;		/* NULL: a drive marker */
	u64 start_ns;
	struct mlh_op op;
};

struct mlh_bucket {
	raw_spinlock_t lock;
	struct mlh_open slot[MLH_WAYS];
};

static struct mlh_bucket mlh_table[MLH_BUCKETS];

/* Windows (not markers) in the table; lets read acquisitions skip it. */
static atomic_t mlh_nr_open = ATOMIC_INIT(0);
/* Markers in the table; lets write acquisitions skip the lookup. */
static atomic_t mlh_nr_driving = ATOMIC_INIT(0);

static atomic64_t mlh_opened, mlh_on_release, mlh_on_downgrade;
static atomic64_t mlh_dropped, mlh_replaced;
/* Windows cut by the start or the stop of recording (see mlh_hold_enable()). */
static atomic64_t mlh_lost_start, mlh_lost_stop;

/*
 * The filters, both READ_ONCE() in the probes; a window is recorded if it
 * passes both.  mlh_tgid: the thread group of the task taking the lock.
 * mlh_mm: the address space locked, pinned with mmgrab() (the struct, not
 * the memory) so that no other mm can take its address while it is the
 * filter; set, with mlh_mm_pid, under mlh_ctl_mutex.
 */
static int mlh_tgid;
static struct mm_struct *mlh_mm;
static int mlh_mm_pid;
/*
 * Whether recording is on: written under mlh_ctl_mutex, read by the probes
 * first of all.  Switching it, not (un)registering the probes, is the
 * instant recording starts or stops (see mlh_hold_disable()).
 */
static bool mlh_enabled;
static DEFINE_MUTEX(mlh_ctl_mutex);

/*
 * The per-VMA lock fault counters (MLH_VMA_LOCK_STATS) at the start of
 * the recording (or the last reset) and at its stop.  Under mlh_ctl_mutex,
 * which also serialises mlh_vma_lock_events().
 */
static u64 mlh_vma_base[MLH_VMA_LOCK_EVENTS], mlh_vma_end[MLH_VMA_LOCK_EVENTS];

/* Count from now; zero over a stopped recording.  Under mlh_ctl_mutex. */
static void mlh_vma_rebase(void)
{
	mlh_vma_lock_events(mlh_vma_base);
	memcpy(mlh_vma_end, mlh_vma_base, sizeof(mlh_vma_end));
}

static struct mlh_bucket *mlh_bucket_of(struct task_struct *task,
					struct mm_struct *mm)
{
	u64 key = (unsigned long)task ^ ((u64)(unsigned long)mm << 7);

	return &mlh_table[hash_64(key, MLH_BUCKET_BITS)];
}

/* Slot of (@task, @mm) in @b, or NULL.  Called with @b->lock held. */
static struct mlh_open *mlh_find(struct mlh_bucket *b,
				 struct task_struct *task, struct mm_struct *mm)
{
	int i;

	for (i = 0; i < MLH_WAYS; i++)
		if (b->slot[i].task == task && b->slot[i].mm == mm)
			return &b->slot[i];
	return NULL;
}

static bool mlh_driving(void)
{
	struct mlh_bucket *b;
	bool ret;

	if (!atomic_read(&mlh_nr_driving))
		return false;
	b = mlh_bucket_of(current, NULL);
	raw_spin_lock(&b->lock);
	ret = mlh_find(b, current, NULL);
	raw_spin_unlock(&b->lock);
	return ret;
}

/*
 * Open a window of current on @mm.  Every reason not to record it has
 * been checked by the caller; the clock is read last, with the slot
 * already taken, so that the bookkeeping stays out of the window.
 */
static void mlh_window_open(struct mm_struct *mm)
{
	struct mlh_bucket *b;
	struct mlh_open *o;
	struct mlh_op op;

	mlh_attr_current(&op, mlh_driving());

	b = mlh_bucket_of(current, mm);
	raw_spin_lock(&b->lock);
	o = mlh_find(b, current, mm);
	if (o) {
		/* Cannot happen unless a close was missed: count it. */
		atomic64_inc(&mlh_replaced);
	} else {
		o = mlh_find(b, NULL, NULL);
		if (!o) {
			raw_spin_unlock(&b->lock);
			atomic64_inc(&mlh_dropped);
			return;
		}
		o->task = current;
		o->mm = mm;
		atomic_inc(&mlh_nr_open);
	}
	o->op = op;
	atomic64_inc(&mlh_opened);
	o->start_ns = ktime_get_ns();
	raw_spin_unlock(&b->lock);
}

/*
 * Close current's window on @mm, if it has one: true if it had.  The
 * clock is read only once the window is found: most events that get here
 * (read acquisitions of other tasks, releases of windows not recorded)
 * have none.
 */
static bool mlh_window_close(struct mm_struct *mm, bool downgrade)
{
	struct mlh_bucket *b = mlh_bucket_of(current, mm);
	struct mlh_open *o;
	struct mlh_op op;
	u64 start, now;

	if (!atomic_read(&mlh_nr_open))
		return false;
	raw_spin_lock(&b->lock);
	o = mlh_find(b, current, mm);
	if (!o) {
		raw_spin_unlock(&b->lock);
		return false;
	}
	now = ktime_get_ns();
	start = o->start_ns;
	op = o->op;
	o->task = NULL;
	o->mm = NULL;
	atomic_dec(&mlh_nr_open);
	raw_spin_unlock(&b->lock);

	atomic64_inc(downgrade ? &mlh_on_downgrade : &mlh_on_release);
	mlh_stats_record(&op, now - start);
	return true;
}

/* Whether the filters let current's windows on @mm be recorded. */
static bool mlh_wanted(struct mm_struct *mm)
{
	struct mm_struct *want_mm = READ_ONCE(mlh_mm);
	int tgid = READ_ONCE(mlh_tgid);

	if (want_mm && mm != want_mm)
		return false;
	return !tgid || task_tgid_nr(current) == tgid;
}

/*
 * The probes.  Contexts: only task context is recorded.  The mmap_lock
 * events also fire in hard and soft irq context and in NMI: BPF's
 * build-id stack walker (stack_map_get_build_id_offset()) read-trylocks
 * mmap_lock from perf's NMI handler.  There neither the bucket locks
 * (taken without disabling interrupts: an irq or NMI taking one could
 * deadlock with the task it interrupted) nor ktime_get_ns() (not NMI-safe:
 * it can spin forever if the NMI interrupted a timekeeping update on that
 * CPU) may be used.  So every test that can reject an event comes first,
 * in order of cost: recording on, the context, success, the kind of event
 * (a read acquisition or a release matters only while some window is
 * open), the filter; the clock is read only for an event that opens or
 * closes a window.  No window can be held across a change of context: mmap_lock is
 * a sleeping lock, write-acquired in task context only.
 */
static void mlh_probe_acquire(void *data, struct mm_struct *mm,
			      MLH_TP_MEMCG bool write, bool success)
{
	if (!READ_ONCE(mlh_enabled) || !in_task() || !success)
		return;
	if (write) {
		if (mlh_wanted(mm))
			mlh_window_open(mm);
	} else {
		mlh_window_close(mm, true);
	}
}

/*
 * A write release without a window: the window was open when recording
 * started (or it was dropped), unless the filter says it was never to
 * be recorded.  The filter is applied only then, so that a window still
 * closes after the filter changed.
 */
static void mlh_probe_released(void *data, struct mm_struct *mm,
			       MLH_TP_MEMCG bool write)
{
	if (!READ_ONCE(mlh_enabled) || !in_task() || !write)
		return;
	if (!mlh_window_close(mm, false) && mlh_wanted(mm))
		atomic64_inc(&mlh_lost_start);
}

/*
 * Forget every open window; markers stay.  No probe may be recording:
 * mlh_enabled is off and every probe that saw it on has returned.
 * Returns the number of windows forgotten.
 */
static unsigned int mlh_forget_windows(void)
{
	unsigned int n = 0;
	int i, j;

	for (i = 0; i < MLH_BUCKETS; i++) {
		struct mlh_bucket *b = &mlh_table[i];

		raw_spin_lock(&b->lock);
		for (j = 0; j < MLH_WAYS; j++) {
			if (b->slot[j].task && b->slot[j].mm) {
				b->slot[j].task = NULL;
				b->slot[j].mm = NULL;
				n++;
			}
		}
		raw_spin_unlock(&b->lock);
	}
	atomic_set(&mlh_nr_open, 0);
	return n;
}

/**
 * mlh_hold_enable() - Start recording.
 *
 * Both probes are registered before the start, the write of mlh_enabled,
 * so that every window opened after it has its close seen.  Windows cut
 * by a start or a stop are counted: at the start, a window already open
 * shows as a write release without an open window (lost_start; one closed
 * by a downgrade looks like any read acquisition and is not seen at all);
 * at the stop, the windows still open are forgotten (lost_stop).  Returns
 * 0 (also if already enabled) or the tracepoint registration error.
 */
static int mlh_hold_enable(void)
{
	int ret = 0;

	mutex_lock(&mlh_ctl_mutex);
	if (mlh_enabled)
		goto out;
	mlh_forget_windows();
	ret = register_trace_mmap_lock_released(mlh_probe_released, NULL);
	if (ret)
		goto out;
	ret = register_trace_mmap_lock_acquire_returned(mlh_probe_acquire,
							NULL);
	if (ret) {
		unregister_trace_mmap_lock_released(mlh_probe_released, NULL);
		tracepoint_synchronize_unregister();
		goto out;
	}
	WRITE_ONCE(mlh_enabled, true);
	mlh_vma_lock_events(mlh_vma_base);
out:
	mutex_unlock(&mlh_ctl_mutex);
	return ret;
}

/**
 * mlh_hold_disable() - Stop recording.
 *
 * The stop is the write of mlh_enabled: from there on the probes ignore
 * every event, and a window open at that instant is lost (lost_stop).
 * Unregistering the probes cannot be that instant: with jump labels each
 * unregistration patches kernel text and can take milliseconds, and only
 * a window open for the whole interval between the two would be seen cut.
 * Once this returns no probe is running or will run, so nothing more is
 * recorded and the module may go away.
 */
static void mlh_hold_disable(void)
{
	mutex_lock(&mlh_ctl_mutex);
	if (mlh_enabled) {
		WRITE_ONCE(mlh_enabled, false);
		mlh_vma_lock_events(mlh_vma_end);
		/*
		 * The probes run with preemption disabled (__DO_TRACE()):
		 * after this no probe that saw recording on is still
		 * running, so the table holds exactly the windows open at
		 * the stop.
		 */
		synchronize_rcu();
		atomic64_add(mlh_forget_windows(), &mlh_lost_stop);
		unregister_trace_mmap_lock_acquire_returned(mlh_probe_acquire,
							    NULL);
		unregister_trace_mmap_lock_released(mlh_probe_released, NULL);
		tracepoint_synchronize_unregister();
	}
	mutex_unlock(&mlh_ctl_mutex);
}

/* Record only windows taken by tasks of thread group @tgid; 0: all. */
static void mlh_hold_set_tgid(int tgid)
{
	WRITE_ONCE(mlh_tgid, tgid);
}

/* The mm of process @pid (global number), mmgrab()bed, or an ERR_PTR. */
static struct mm_struct *mlh_grab_mm_of(int pid)
{
	struct task_struct *task;
	struct mm_struct *mm;

	rcu_read_lock();
	task = pid_task(find_pid_ns(pid, &init_pid_ns), PIDTYPE_PID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task)
		return ERR_PTR(-ESRCH);
	/* NULL for a kernel thread or a process that is exiting. */
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm)
		return ERR_PTR(-EINVAL);
	mmgrab(mm);
	mmput(mm);
	return mm;
}

/**
 * mlh_hold_set_mm() - Record only windows on the mm of process @pid.
 * @pid: A global pid (any thread of the process), or 0 for every mm
 *
 * The mm is the one @pid has now: whoever locks it is recorded (its own
 * threads, khugepaged, a remote write to /proc/@pid/clear_refs), but not
 * a child's copy after fork() nor the new mm after execve().
 * Return: 0, -ESRCH for no such process, -EINVAL for one without an mm.
 */
static int mlh_hold_set_mm(int pid)
{
	struct mm_struct *mm = NULL, *old;

	if (pid) {
		mm = mlh_grab_mm_of(pid);
		if (IS_ERR(mm))
			return PTR_ERR(mm);
	}
	mutex_lock(&mlh_ctl_mutex);
	old = mlh_mm;
	WRITE_ONCE(mlh_mm, mm);
	WRITE_ONCE(mlh_mm_pid, pid);
	mutex_unlock(&mlh_ctl_mutex);
	if (old) {
		/* No probe compares with @old any more: it may be reused. */
		synchronize_rcu();
		mmdrop(old);
	}
	return 0;
}

static void mlh_hold_reset_counters(void)
{
	atomic64_set(&mlh_opened, 0);
	atomic64_set(&mlh_on_release, 0);
	atomic64_set(&mlh_on_downgrade, 0);
	atomic64_set(&mlh_dropped, 0);
	atomic64_set(&mlh_replaced, 0);
	atomic64_set(&mlh_lost_start, 0);
	atomic64_set(&mlh_lost_stop, 0);
}

/*
 * The controls: one function each, for the debugfs files (report.c) and
 * the ioctls (drive.c) alike, so that both refuse the same values.
 */

/* @on: 1 starts recording, 0 stops it; again is not an error. */
int mlh_ctl_enable(unsigned long on)
{
	if (on > 1)
		return -EINVAL;
	if (on)
		return mlh_hold_enable();
	mlh_hold_disable();
	return 0;
}

/* @tgid: the per-task filter, 0 to PID_MAX_LIMIT; 0 removes it. */
int mlh_ctl_tgid(unsigned long tgid)
{
	if (tgid > PID_MAX_LIMIT)
		return -EINVAL;
	mlh_hold_set_tgid(tgid);
	return 0;
}

/* @pid: the per-address-space filter, see mlh_hold_set_mm(). */
int mlh_ctl_mm(unsigned long pid)
{
	if (pid > PID_MAX_LIMIT)
		return -EINVAL;
	return mlh_hold_set_mm(pid);
}

/* Zero the statistics and the counters (not the open windows). */
void mlh_ctl_reset(void)
{
	mlh_stats_reset();
	mlh_hold_reset_counters();
	mutex_lock(&mlh_ctl_mutex);
	mlh_vma_rebase();
	mutex_unlock(&mlh_ctl_mutex);
}

/* The per-VMA lock counters over the recording, into @c. */
static void mlh_hold_vma_counters(struct mlh_hold_counters *c)
{
	u64 now[MLH_VMA_LOCK_EVENTS];
	const u64 *end = mlh_vma_end;
	int i;

	c->vma_lock_stats = MLH_VMA_LOCK_STATS;
	mutex_lock(&mlh_ctl_mutex);
	if (mlh_enabled) {
		mlh_vma_lock_events(now);
		end = now;
	}
	for (i = 0; i < MLH_VMA_LOCK_EVENTS; i++)
		c->vma_lock[i] = end[i] - mlh_vma_base[i];
	mutex_unlock(&mlh_ctl_mutex);
}

void mlh_hold_counters(struct mlh_hold_counters *c)
{
	c->opened = atomic64_read(&mlh_opened);
	c->on_release = atomic64_read(&mlh_on_release);
	c->on_downgrade = atomic64_read(&mlh_on_downgrade);
	c->dropped = atomic64_read(&mlh_dropped);
	c->replaced = atomic64_read(&mlh_replaced);
	c->lost_start = atomic64_read(&mlh_lost_start);
	c->lost_stop = atomic64_read(&mlh_lost_stop);
	c->open = atomic_read(&mlh_nr_open);
	c->tgid = READ_ONCE(mlh_tgid);
	c->mm_pid = READ_ONCE(mlh_mm_pid);
	c->enabled = READ_ONCE(mlh_enabled);
	mlh_hold_vma_counters(c);
}

/**
 * mlh_hold_drive_begin() - Mark current as running a module command.
 *
 * Until mlh_hold_drive_end(), the windows current opens are the module's
 * own and are attributed to 'kernel'.  Returns 0, or -EBUSY when current's
 * bucket is full (too many commands and windows in flight at once).
 */
int mlh_hold_drive_begin(void)
{
	struct mlh_bucket *b = mlh_bucket_of(current, NULL);
	struct mlh_open *o;

	raw_spin_lock(&b->lock);
	o = mlh_find(b, NULL, NULL);
	if (o) {
		o->task = current;
		o->mm = NULL;
		atomic_inc(&mlh_nr_driving);
	}
	raw_spin_unlock(&b->lock);
	return o ? 0 : -EBUSY;
}

void mlh_hold_drive_end(void)
{
	struct mlh_bucket *b = mlh_bucket_of(current, NULL);
	struct mlh_open *o;

	raw_spin_lock(&b->lock);
	o = mlh_find(b, current, NULL);
	if (o) {
		o->task = NULL;
		atomic_dec(&mlh_nr_driving);
	}
	raw_spin_unlock(&b->lock);
}

int mlh_hold_init(void)
{
	int i;

	for (i = 0; i < MLH_BUCKETS; i++)
		raw_spin_lock_init(&mlh_table[i].lock);
	mlh_vma_rebase();
	return 0;
}

/* Unregisters the probes if they are still registered: safe to unload. */
void mlh_hold_exit(void)
{
	mlh_hold_disable();
	if (mlh_mm)
		mmdrop(mlh_mm);
	mlh_mm = NULL;
}
