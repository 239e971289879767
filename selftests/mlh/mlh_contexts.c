// SPDX-License-Identifier: GPL-2.0
/*
 * The module records windows in task context only: the mmap_lock events
 * fired in hard irq, soft irq and NMI context (BPF's build-id stack
 * walker read-trylocks mmap_lock from perf's NMI handler) must be
 * ignored before the probes take a lock or read a clock that is not
 * NMI-safe.  QEMU's TCG has no PMU to make perf raise NMIs, so the
 * helper module mlh_fire (selftests/mlh/fire/) fires the exported
 * tracepoints itself, as write windows on an mm of its own: 'rounds'
 * from its init (task context, the positive control), then as many from
 * a hard irq hrtimer, a soft irq hrtimer and an NMI handler on NMIs it
 * sends its own CPU.
 *
 * With recording on for every task (an irq interrupts whoever runs), the
 * task-context windows must all be recorded and the others not at all:
 * a little other activity of the system is allowed, not the 3 x rounds
 * windows a probe that records in irq or NMI context adds.  No warning
 * (a lockdep report of a bucket lock taken in irq context) may be logged.
 *
 * Needs root, mmap_lock_hold loaded and mlh_fire.ko ($MLH_FIRE_KO, else
 * next to the module in the test VM): SKIPs otherwise, as in the
 * selftest tarball, which does not build mlh_fire.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "mlh_util.h"
#include "mmap_lock_hold.h"

#define FIRE_PARAMS	"/sys/module/mlh_fire/parameters/"

static const char *fire_ko(void)
{
	const char *ko = getenv("MLH_FIRE_KO");

	return ko && *ko ? ko : "/opt/tests/modules/mlh_fire.ko";
}

static long fired(const char *context)
{
	char path[128];

	snprintf(path, sizeof(path), FIRE_PARAMS "fired_%s", context);
	return read_number(path);
}

TEST(irq_and_nmi_ignored)
{
	long rounds = -1, task = -1, hardirq = -1, softirq = -1, nmi = -1;
	const char *warned;
	struct mlh_stats s;
	int kmsg, ret;

	if (geteuid() || !module_loaded())
		SKIP(return, "needs root and mmap_lock_hold loaded");
	if (access(fire_ko(), R_OK))
		SKIP(return, "no %s (MLH_FIRE_KO): the helper module is built with the test kernels only",
		     fire_ko());
	kmsg = kmsg_open();
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, dbg_write_err("tgid", "0"));
	ASSERT_EQ(0, dbg_write_err("mm_pid", "0"));
	ASSERT_EQ(0, dbg_write_err("reset", "1"));
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	ret = mlh_load(fire_ko());
	if (!ret) {
		rounds = read_number(FIRE_PARAMS "rounds");
		task = fired("task");
		hardirq = fired("hardirq");
		softirq = fired("softirq");
		nmi = fired("nmi");
	}
	dbg_write_err("enable", "0");
	ASSERT_EQ(0, ret) TH_LOG("loading %s: %s (its kernel log line says what did not fire)",
				 fire_ko(), strerror(-ret));
	EXPECT_EQ(0, syscall(SYS_delete_module, "mlh_fire", O_NONBLOCK));
	ASSERT_EQ(0, mlh_read_stats(&s));
	dbg_write_err("reset", "1");
	ksft_print_msg("fired %ld pairs each: task %ld, hardirq %ld, softirq %ld, nmi %ld; recorded %ld windows, lost_start %ld\n",
		       rounds, task, hardirq, softirq, nmi, s.windows,
		       s.lost_start);
	ASSERT_LT(0, rounds);
	EXPECT_EQ(rounds, task);
	EXPECT_EQ(rounds, hardirq);
	EXPECT_EQ(rounds, softirq);
	EXPECT_EQ(rounds, nmi);
	/* Every task-context window, and none of the others. */
	EXPECT_LE(rounds, s.windows);
	EXPECT_GT(rounds + rounds / 2, s.windows);
	EXPECT_GT(rounds / 2, s.lost_start);
	EXPECT_EQ(0, s.dropped);
	warned = kmsg_warned(kmsg);
	EXPECT_EQ(NULL, warned) TH_LOG("kernel log: %s", warned);
	if (kmsg >= 0)
		close(kmsg);
}

TEST_HARNESS_MAIN
