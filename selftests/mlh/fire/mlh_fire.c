// SPDX-License-Identifier: GPL-2.0
/*
 * mlh_fire: the mmap_lock tracepoints fired from every context, for
 * selftests/mlh/mlh_contexts.c.
 *
 * mmap_lock_hold must record windows in task context only and do nothing
 * but return for an event in hard irq, soft irq or NMI context: there its
 * bucket locks could deadlock with the task they interrupted and
 * ktime_get_ns() is not NMI-safe.  On 6.1 the real source of such events
 * is BPF's build-id stack walker read-trylocking mmap_lock, from perf's
 * NMI handler when perf samples with a PMU, which QEMU's TCG does not
 * emulate.  So this module fires the exported tracepoints itself, a
 * write window's acquisition and release each time, from each context,
 * with an mm of its own that nobody locks:
 *   task     in init: the positive control, recorded as windows
 *   hardirq  an hrtimer in hard interrupt context
 *   softirq  an hrtimer in soft interrupt context
 *   nmi      an NMI handler, on NMIs it sends its own CPU
 * 'rounds' pairs from each, all in init; the counts of those fired are
 * read-only parameters, read before rmmod.  Loading fails (-ETIMEDOUT)
 * if a context did not fire them all within a few seconds.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/preempt.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <asm/apic.h>
#include <asm/nmi.h>
#include <trace/events/mmap_lock.h>

static unsigned int rounds = 100;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "acquisition and release pairs per context");

static unsigned int fired_task, fired_hardirq, fired_softirq, fired_nmi;
module_param(fired_task, uint, 0444);
module_param(fired_hardirq, uint, 0444);
module_param(fired_softirq, uint, 0444);
module_param(fired_nmi, uint, 0444);

/* An mm nobody locks or looks into: only its address is an event's key. */
static struct mm_struct *fire_mm;

static struct hrtimer fire_timer;
static unsigned int *fire_count;
static DECLARE_COMPLETION(fire_done);
static atomic_t nmi_pending = ATOMIC_INIT(0);

/* One write window: what mmap_write_lock() and _unlock() trace. */
static void fire_pair(void)
{
	trace_mmap_lock_acquire_returned(fire_mm, "", true, true);
	trace_mmap_lock_released(fire_mm, "", true);
}

static enum hrtimer_restart fire_tick(struct hrtimer *t)
{
	fire_pair();
	if (++*fire_count >= rounds) {
		complete(&fire_done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(t, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* @mode: HRTIMER_MODE_REL_HARD or _SOFT.  0 or -ETIMEDOUT. */
static int fire_from_timer(enum hrtimer_mode mode, unsigned int *count)
{
	fire_count = count;
	reinit_completion(&fire_done);
	hrtimer_init(&fire_timer, CLOCK_MONOTONIC, mode);
	fire_timer.function = fire_tick;
	hrtimer_start(&fire_timer, ns_to_ktime(50 * NSEC_PER_USEC), mode);
	if (!wait_for_completion_timeout(&fire_done, 10 * HZ)) {
		hrtimer_cancel(&fire_timer);
		return -ETIMEDOUT;
	}
	return 0;
}

static int fire_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	if (!atomic_xchg(&nmi_pending, 0))
		return NMI_DONE;
	fire_pair();
	fired_nmi++;
	return NMI_HANDLED;
}

/* The x86 IPI API became static calls in 6.6. */
static void send_self_nmi(void)
{
#if LINUX_VERSION_MAJOR > 6 || \
	(LINUX_VERSION_MAJOR == 6 && LINUX_VERSION_PATCHLEVEL >= 6)
	__apic_send_IPI_self(NMI_VECTOR);
#else
	apic->send_IPI_self(NMI_VECTOR);
#endif
}

/*
 * One NMI per pair, sent to this CPU (migration off, so the handler runs
 * where it was sent) and waited for.  0 or -ETIMEDOUT.
 */
static int fire_from_nmi(void)
{
	unsigned int i;
	int waits;

	for (i = 0; i < rounds; i++) {
		migrate_disable();
		atomic_set(&nmi_pending, 1);
		send_self_nmi();
		for (waits = 0; atomic_read(&nmi_pending) && waits < 10000;
		     waits++)
			usleep_range(50, 100);
		migrate_enable();
		if (atomic_read(&nmi_pending))
			return -ETIMEDOUT;
	}
	return 0;
}

static int __init fire_init(void)
{
	int ret;

	fire_mm = kzalloc(sizeof(*fire_mm), GFP_KERNEL);
	if (!fire_mm)
		return -ENOMEM;
	for (fired_task = 0; fired_task < rounds; fired_task++)
		fire_pair();
	ret = fire_from_timer(HRTIMER_MODE_REL_HARD, &fired_hardirq);
	if (!ret)
		ret = fire_from_timer(HRTIMER_MODE_REL_SOFT, &fired_softirq);
	if (!ret) {
		ret = register_nmi_handler(NMI_LOCAL, fire_nmi_handler, 0,
					   "mlh_fire");
		if (!ret) {
			ret = fire_from_nmi();
			unregister_nmi_handler(NMI_LOCAL, "mlh_fire");
		}
	}
	if (ret) {
		pr_err("mlh_fire: fired task %u, hardirq %u, softirq %u, nmi %u of %u: %d\n",
		       fired_task, fired_hardirq, fired_softirq, fired_nmi,
		       rounds, ret);
		kfree(fire_mm);
	}
	return ret;
}

static void __exit fire_exit(void)
{
	kfree(fire_mm);
}

module_init(fire_init);
module_exit(fire_exit);

MODULE_DESCRIPTION("mmap_lock tracepoints fired from every context, for mlh_contexts");
MODULE_LICENSE("GPL");
