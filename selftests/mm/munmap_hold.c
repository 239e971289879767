// SPDX-License-Identifier: GPL-2.0
/*
 * How long does munmap() hold mmap_lock exclusively, compared with the
 * whole call?  Measured with the companion module mmap_lock_hold
 * (Documentation/module.md): each scenario maps and populates a large
 * range, records only this process's exclusive mmap_lock windows around
 * one munmap() of it, and compares the one window the call takes with the
 * call's duration as seen from here (CLOCK_MONOTONIC, the clock the module
 * uses too).
 *
 * What the series changes ("keep mmap_lock exclusive when unmapping
 * special VMAs", "always downgrade mmap_lock when the caller asks", "unmap
 * a contiguous segment with one downgrading munmap in shmdt()"), and what
 * is checked:
 *
 *   scenario          unmapped range                     patched  stock
 *   anon              256 MiB private anon, zero page     down     down
 *   shmem             64 MiB MAP_SHARED|MAP_ANONYMOUS     down     down
 *   memfd             64 MiB of a memfd, MAP_SHARED       down     down
 *   file              64 MiB file, private r-x            down     down
 *   uprobe_elsewhere  the same file with a uprobe, but    down     down
 *                     not in the unmapped part
 *   growsdown         256 MiB anon just below a           down     excl
 *                     MAP_GROWSDOWN mapping
 *   hugetlb           up to 128 huge pages (256 MiB)      excl     down
 *   pfnmap            1 GiB of /dev/mmap_lock_hold        excl     down
 *   uprobe            the file, uprobe in the range       excl     down
 *   shmdt             shmdt() of a 256 MiB SysV segment   down     excl
 *
 * "down": mmap_lock is downgraded to read after the VMAs are detached, so
 * the exclusive window is the gather/detach part only, a small fraction
 * of the call.  "excl": the lock stays exclusive through the zap and the
 * freeing of the page tables, so the window is most of the call.
 *
 * Two checks per scenario:
 *  - the lock mode, exact: the module counts how each window ended, by a
 *    write release or by a downgrade, so "excl" is closed_release = 1
 *    (the lock was write-held from the gather to the release, which comes
 *    after the zap: the window covers the whole zap) and "down" is
 *    closed_downgrade = 1;
 *  - the durations: see EXCL_MIN_PERCENT and DOWN_MAX_PERCENT below.
 *
 * Which kernel: the series adds no runtime flag, so the environment says
 * what to expect:
 *   MUNMAP_SPLIT_EXPECT=auto      (default) what kernel_expect() finds
 *   MUNMAP_SPLIT_EXPECT=patched   the series' behaviour
 *   MUNMAP_SPLIT_EXPECT=stock     stock 6.1.y behaviour
 *   MUNMAP_SPLIT_EXPECT=any       print the figures, check neither the
 *                                 lock mode nor the durations: SKIP
 * so that the test passes on stock kernels as well as on the series, and
 * SKIPs (after one try, its figures printed) on any other release, where
 * it has no rule to hold the kernel to.
 *
 * Every try prints one line a benchmark can parse:
 *   # hold: scenario=NAME size=BYTES call_ns=N window_ns=N ratio=R \
 *           lock=excl|down expect=excl|down|any kernel=patched|stock|any \
 *           try=N populate_ns=N
 *
 * Needs root and the module loaded; hugetlb needs huge pages (the test
 * grows nr_hugepages and restores it), the uprobe scenarios need tracefs
 * with uprobe_events.  Each SKIPs with the reason otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mlh_util.h"
#include "munmap_scenario.h"
#include "munmap_util.h"
#include "mmap_lock_hold.h"

/*
 * Sizes: the zap must dominate the call under TCG, and the whole program
 * must stay well under a minute in the test VM (QEMU TCG, 2 vCPUs, 2 GiB,
 * debug kernel with lockdep) even when every scenario needs its three
 * tries.  Populating takes, per try, 0.5-1.6 s for the 256 MiB of
 * zero-page PTEs (MADV_POPULATE_READ), 0.9-2.9 s for 64 MiB of written
 * shmem, 0.2-0.5 s for the 64 MiB file (read, with fault-around),
 * 1.1-2.2 s for 128 huge pages (zeroed on fault) and 0.8-1.8 s for 1 GiB
 * of PFNMAP (MLH_IOC_MAP): the program runs in 12-25 s.
 */
#define ANON_SIZE		(256 * SZ_1M)	/* zero-page PTEs */
#define SHMEM_SIZE		(64 * SZ_1M)	/* written pages */
#define FILE_SIZE		(64 * SZ_1M)	/* page cache, read */
#define PFNMAP_SIZE		SZ_1G		/* PTEs to one page */
#define MAX_HPAGES		128

/*
 * The bounds.  A munmap() that downgrades holds the lock exclusively for
 * the gather and detach only: find the VMA, split at the edges (none here
 * but in uprobe_elsewhere), move the VMAs to the side tree, store the gap,
 * update the counters.  That is a few maple tree operations, whatever the
 * size of the range: 0.12-0.4 ms measured under TCG with lockdep, up to
 * 1.1 ms on a loaded host, 0.6-1.9 ms for uprobe_elsewhere's split.  The
 * zap after it, and the freeing of the page tables, cost per page or page
 * table: for the sizes above, 5-18 ms (anon, growsdown), 60-460 ms
 * (shmem, memfd, file: rmap and refcount per page; shmem's call also
 * frees its pages when the last reference to its file goes, in task work
 * before the syscall returns, outside any window).  Measured: 0.1-5.9% of
 * the call.  DOWN_MAX_PERCENT leaves a factor of 3 or more over the worst
 * of those for a vCPU that loses the host CPU inside the window (under
 * TCG on a shared host that costs milliseconds, anywhere).
 *
 * A munmap() that keeps the lock exclusive holds it from just after it
 * took it until just before it returns: all that is outside the window
 * is the syscall entry and exit, taking the lock, the tracepoints' own
 * work at both ends (the module's probes, and 6.1's memcg path lookup for
 * every mmap_lock event) and any task work (none: every scenario keeps
 * the file of its mapping open across the call).  That is 0.12-0.43 ms
 * under TCG with lockdep, whatever the size.  Measured: hugetlb 89-97%
 * of a 1.1-8 ms call (128 huge pages: the zap frees them to the pool,
 * cheap), pfnmap 98-99.7% of 18-52 ms, uprobe 99.8% of 80-150 ms.
 * EXCL_MIN_PERCENT leaves room for the shortest hugetlb calls; a stall
 * outside the window of a millisecond or more (the test runs the call
 * SCHED_FIFO to keep the guest's own tasks out of it, see one_try())
 * takes another try.  On stock, the downgraded hugetlb call is the
 * tightest of the "down" cases: 0.1-0.4 ms of gather against 1-8 ms of
 * zap, 2-30%, typically 10%.
 *
 * The two bounds are far apart, so a lock mode that went the wrong way
 * would not pass the durations either; the exact mode check catches it
 * first anyway.
 */
#define DOWN_MAX_PERCENT	20
#define EXCL_MIN_PERCENT	80

/*
 * Under TCG on a busy host a vCPU can lose the host CPU for milliseconds,
 * inside the window or outside it: each scenario gets ATTEMPTS tries and
 * passes on the first within bounds; every try is printed.  The lock mode
 * does not depend on timing: a wrong mode fails at once.
 */
#define ATTEMPTS		3

/* Populating the hugetlb and PFNMAP ranges takes seconds under TCG. */
#define HOLD_TIMEOUT		300

enum expect {
	EXPECT_PATCHED,
	EXPECT_STOCK,
	EXPECT_ANY,
};

static const char *const expect_names[] = {
	[EXPECT_PATCHED]	= "patched",
	[EXPECT_STOCK]		= "stock",
	[EXPECT_ANY]		= "any",
};

/* Is @sym a function of the running kernel of type @type ('T', 't')? */
static bool kallsyms_has(const char *sym, char type)
{
	char line[256], name[128], t;
	bool found = false;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %c %127s", &t, name) == 2 &&
			t == type && !strcmp(name, sym);
	fclose(f);
	return found;
}

/*
 * The rules of the running kernel.  Only 6.1.y has rules here: with the
 * series, "uprobes: make vma_has_uprobes() available to mm" has made
 * vma_has_uprobes() a global function of
 * kernel/events/uprobes.c ('T' in kallsyms), which stock 6.1 keeps static
 * (inlined, or 't').  Without CONFIG_UPROBES neither kernel has it, and
 * nothing tells them apart.  Any other release: no rule, figures only.
 */
static enum expect kernel_expect(const char **why)
{
	struct utsname u;

	if (uname(&u) || strncmp(u.release, "6.1.", 4)) {
		*why = "not a 6.1.y kernel: no rule to check";
		return EXPECT_ANY;
	}
	if (kallsyms_has("vma_has_uprobes", 'T')) {
		*why = "6.1.y with the series (vma_has_uprobes() is global)";
		return EXPECT_PATCHED;
	}
	if (kallsyms_has("uprobe_register", 'T')) {
		*why = "stock 6.1.y (vma_has_uprobes() is not global)";
		return EXPECT_STOCK;
	}
	*why = "6.1.y without uprobes: cannot tell stock from patched";
	return EXPECT_ANY;
}

/*
 * Parse MUNMAP_SPLIT_EXPECT: 0, or -1 for a value not understood.  *@why
 * says where the rules come from.
 */
static int get_expect(enum expect *e, const char **why)
{
	const char *v = getenv("MUNMAP_SPLIT_EXPECT");
	unsigned int i;

	if (!v || !*v || !strcmp(v, "auto")) {
		*e = kernel_expect(why);
		ksft_print_msg("expecting %s rules: %s\n", expect_names[*e],
			       *why);
		return 0;
	}
	*why = "set by MUNMAP_SPLIT_EXPECT";
	for (i = 0; i < ARRAY_SIZE(expect_names); i++) {
		if (!strcmp(v, expect_names[i])) {
			*e = i;
			return 0;
		}
	}
	return -1;
}

/*
 * Does this kernel keep mmap_lock exclusive for the whole munmap() of
 * @kind?  Patched: the special VMAs ("keep mmap_lock exclusive when
 * unmapping special VMAs"); stock 6.1.y: only next to a VM_GROWSDOWN VMA
 * (the rule "always downgrade mmap_lock when the caller asks" drops), and
 * in shmdt().
 */
static bool expect_exclusive(enum scen_kind kind, bool by_shmdt,
			     enum expect e)
{
	/* Stock 6.1.y's ksys_shmdt() holds it for write throughout */
	if (by_shmdt)
		return e == EXPECT_STOCK;
	if (e == EXPECT_STOCK)
		return kind == SCEN_GROWSDOWN;
	return kind == SCEN_HUGETLB || kind == SCEN_PFNMAP ||
	       kind == SCEN_UPROBE;
}

/* ---- The fixture: what a scenario needs besides its mapping ---- */

FIXTURE(hold) {
	enum expect expect;
	const char *expect_why;	/* where the rules come from */
	bool recording;		/* the module's tgid filter is ours */
	struct scen_env env;	/* huge pages, the file and its uprobe */
	struct scen_map map;	/* the current try's mapping */
};

FIXTURE_VARIANT(hold) {
	enum scen_kind kind;
	const char *name;	/* scenario= of the output */
	bool shmdt;		/* unmapped by shmdt(), not munmap() */
};

FIXTURE_VARIANT_ADD(hold, anon) {
	.kind = SCEN_ANON, .name = "anon",
};
FIXTURE_VARIANT_ADD(hold, shmem) {
	.kind = SCEN_SHMEM, .name = "shmem",
};
FIXTURE_VARIANT_ADD(hold, memfd) {
	.kind = SCEN_MEMFD, .name = "memfd",
};
FIXTURE_VARIANT_ADD(hold, file) {
	.kind = SCEN_FILE, .name = "file",
};
FIXTURE_VARIANT_ADD(hold, uprobe_elsewhere) {
	.kind = SCEN_UPROBE_ELSEWHERE, .name = "uprobe_elsewhere",
};
FIXTURE_VARIANT_ADD(hold, growsdown) {
	.kind = SCEN_GROWSDOWN, .name = "growsdown",
};
FIXTURE_VARIANT_ADD(hold, hugetlb) {
	.kind = SCEN_HUGETLB, .name = "hugetlb",
};
FIXTURE_VARIANT_ADD(hold, pfnmap) {
	.kind = SCEN_PFNMAP, .name = "pfnmap",
};
FIXTURE_VARIANT_ADD(hold, uprobe) {
	.kind = SCEN_UPROBE, .name = "uprobe",
};
FIXTURE_VARIANT_ADD(hold, shmdt) {
	.kind = SCEN_SYSV_SHM, .name = "shmdt", .shmdt = true,
};

FIXTURE_SETUP(hold)
{
	scen_env_init(&self->env, "munmap_hold");
	self->map.memfd = -1;
	self->map.shmid = -1;
}

FIXTURE_TEARDOWN(hold)
{
	scen_map_put(&self->map);
	if (self->recording) {
		dbg_write("enable", "0");
		dbg_write("tgid", "0");
		dbg_write("reset", "1");
	}
	/*
	 * Not EXPECT_*() ... TH_LOG(): after a failed ASSERT in the test,
	 * the 6.1 harness runs the TH_LOG of the next EXPECT even when it
	 * holds, which would blame the teardown for nothing.  A step that
	 * restores the system (the uprobe, nr_hugepages) and fails fails
	 * the test.
	 */
	if (scen_env_put(&self->env)) {
		ksft_print_msg("teardown: %s\n", self->env.why);
		_metadata->passed = 0;
	}
}

/* ---- Preparing a scenario, once per test ---- */

/*
 * 1: prepared; 0: SKIP with the reason; -1: an error (why[]), which
 * the caller fails on.
 */
static int prepare_kind(FIXTURE_DATA(hold) *self, enum scen_kind kind)
{
	int ret;

	switch (kind) {
	case SCEN_HUGETLB:
		ret = scen_hugetlb_prepare(&self->env,
					   MAX_HPAGES * scen_hpage_size());
		if (ret <= 0)
			return ret;
		/* As many as the pool gives, up to MAX_HPAGES. */
		if (scen_hpages_available() < MAX_HPAGES)
			ksft_print_msg("hugetlb: only %ld of %d huge pages available\n",
				       scen_hpages_available(), MAX_HPAGES);
		return 1;
	case SCEN_PFNMAP:
		return scen_dev_open(&self->env) ? -1 : 1;
	case SCEN_FILE:
		return scen_file_prepare(&self->env, FILE_SIZE, false);
	case SCEN_UPROBE:
	case SCEN_UPROBE_ELSEWHERE:
		return scen_file_prepare(&self->env, FILE_SIZE, true);
	default:
		return 1;
	}
}

/* Everything the scenario needs before its first try; false: skipped. */
static bool prepare(struct __test_metadata *_metadata,
		    FIXTURE_DATA(hold) *self, enum scen_kind kind)
{
	char tgid[16];
	int ret;

	ASSERT_EQ(0, get_expect(&self->expect, &self->expect_why))
		TH_LOG("MUNMAP_SPLIT_EXPECT=%s: must be auto, patched, stock or any",
		       getenv("MUNMAP_SPLIT_EXPECT"));
	if (geteuid() != 0)
		SKIP(return false, "needs root");
	if (!module_loaded())
		SKIP(return false, "mmap_lock_hold not loaded: no %s or %s",
		     MLH_DEV_PATH, MLH_DEBUGFS_DIR);

	ret = prepare_kind(self, kind);
	ASSERT_LE(0, ret) TH_LOG("%s", self->env.why);
	if (!ret)
		SKIP(return false, "%s", self->env.why);

	/* Record this process only, nothing yet. */
	snprintf(tgid, sizeof(tgid), "%d", getpid());
	ASSERT_EQ(0, dbg_write("enable", "0"));
	self->recording = true;
	ASSERT_EQ(0, dbg_write("tgid", tgid));
	ASSERT_EQ(0, dbg_write("reset", "1"));
	return true;
}

/* ---- One try: map, populate, unmap while recording ---- */

struct hold_try {
	char *addr;		/* what munmap() unmaps */
	size_t len;
	long long populate_ns;
	long long call_ns;
	long long window_ns;
	struct mlh_stats s;
	struct mlh_op_stat op;	/* the munmap() line of s */
};

/* The scenario's size: the zap must dominate the call (see above). */
static size_t scenario_size(FIXTURE_DATA(hold) *self, enum scen_kind kind)
{
	switch (kind) {
	case SCEN_SHMEM:
	case SCEN_MEMFD:
		return SHMEM_SIZE;
	case SCEN_FILE:
	case SCEN_UPROBE:
	case SCEN_UPROBE_ELSEWHERE:
		return FILE_SIZE;
	case SCEN_HUGETLB:
		return MAX_HPAGES * self->env.hpage;
	case SCEN_PFNMAP:
		return PFNMAP_SIZE;
	default:
		return ANON_SIZE;
	}
}

static void one_try(struct __test_metadata *_metadata,
		    FIXTURE_DATA(hold) *self, enum scen_kind kind,
		    bool by_shmdt, struct hold_try *t)
{
	/*
	 * The call runs SCHED_FIFO.  A kernel built with preempt=none, like
	 * the test VM's, reschedules only where the code says so: the
	 * hugetlb zap never does, so whatever woke up on this CPU while the
	 * lock was held would run when munmap() returns, outside the window
	 * but inside the call (0.5-4 ms seen, in one try out of five on a
	 * busy host: a fifth of a 2 ms hugetlb call).  As a real-time task
	 * the test is not preempted by them.  Best effort: without it the
	 * tries absorb that noise.
	 */
	const struct sched_param fifo = { .sched_priority = 1 };
	const struct sched_param other = { .sched_priority = 0 };
	struct vma_range vr[4];
	long long t0;
	bool rt;
	int ret;

	memset(t, 0, sizeof(*t));
	t0 = now_ns();
	ret = scen_map(&self->env, kind, scenario_size(self, kind),
		       &self->map);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->env.why);
	t->populate_ns = now_ns() - t0;
	t->addr = self->map.addr;
	t->len = self->map.len;

	ASSERT_EQ(0, dbg_write("reset", "1"));
	ASSERT_EQ(0, dbg_write("enable", "1"));
	rt = sched_setscheduler(0, SCHED_FIFO, &fifo) == 0;
	t0 = now_ns();
	ret = by_shmdt ? shmdt(t->addr) : munmap(t->addr, t->len);
	t->call_ns = now_ns() - t0;
	if (ret)
		ret = -errno;
	if (rt)
		sched_setscheduler(0, SCHED_OTHER, &other);
	ASSERT_EQ(0, dbg_write("enable", "0"));
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", by_shmdt ? "shmdt" : "munmap",
				 strerror(-ret));
	ASSERT_EQ(0, mlh_read_stats(&t->s)) TH_LOG("reading stats: %s",
						    strerror(errno));
	t->op = *mlh_find_op(&t->s, by_shmdt ? "shmdt" : "munmap");
	t->window_ns = t->op.max;

	/* It is gone. */
	EXPECT_EQ(0, maps_in_window((unsigned long)t->addr,
				    (unsigned long)t->addr + t->len, vr,
				    ARRAY_SIZE(vr)));
	/*
	 * Not read just below the growsdown mapping: a fault there grows
	 * the stack into the hole, as it should.
	 */
	if (kind != SCEN_GROWSDOWN) {
		EXPECT_EQ(SEGV_MAPERR, probe_read(t->addr, NULL));
		EXPECT_EQ(SEGV_MAPERR, probe_read(t->addr + t->len - 1, NULL));
	} else {
		EXPECT_EQ(1, vma_has_vmflag((unsigned long)t->addr + t->len,
					    "gd"));
	}

	scen_map_put(&self->map);
}

TEST_F_TIMEOUT(hold, munmap, HOLD_TIMEOUT)
{
	const enum scen_kind kind = variant->kind;
	bool excl, in_bounds;
	struct hold_try t;
	int i;

	if (!prepare(_metadata, self, kind))
		return;
	excl = expect_exclusive(kind, variant->shmdt, self->expect);

	for (i = 1; i <= ATTEMPTS; i++) {
		one_try(_metadata, self, kind, variant->shmdt, &t);
		ksft_print_msg("hold: scenario=%s size=%zu call_ns=%lld window_ns=%lld ratio=%.4f lock=%s expect=%s kernel=%s try=%d populate_ns=%lld\n",
			       variant->name, t.len, t.call_ns, t.window_ns,
			       t.call_ns ? (double)t.window_ns / t.call_ns : 0,
			       t.s.closed_downgrade ? "down" : "excl",
			       self->expect == EXPECT_ANY ? "any" :
			       excl ? "excl" : "down",
			       expect_names[self->expect], i, t.populate_ns);

		/* One munmap(), one window, whatever the kernel. */
		ASSERT_EQ(1, t.op.count);
		ASSERT_EQ(1, t.s.windows);
		ASSERT_EQ(0, t.s.open);
		ASSERT_EQ(0, t.s.dropped);
		ASSERT_EQ(0, t.s.replaced);
		ASSERT_EQ(1, t.s.closed_release + t.s.closed_downgrade);
		ASSERT_LE(t.window_ns, t.call_ns);
		/*
		 * No rule to hold this kernel to: the figures above are all
		 * there is, and the lock mode and durations go unchecked.
		 */
		if (self->expect == EXPECT_ANY)
			SKIP(return, "no rule for this kernel (%s): lock mode and window not checked",
			     self->expect_why);

		/* The lock mode: exact, no retry. */
		ASSERT_EQ(excl ? 0 : 1, t.s.closed_downgrade)
			TH_LOG("%s kernel: expected the munmap() window to end by %s",
			       expect_names[self->expect],
			       excl ? "a write release (exclusive throughout)" :
				      "a downgrade");

		if (excl)
			in_bounds = t.window_ns * 100 >=
				    t.call_ns * EXCL_MIN_PERCENT;
		else
			in_bounds = t.window_ns * 100 <=
				    t.call_ns * DOWN_MAX_PERCENT;
		ksft_print_msg("%s: window %.1f%% of the call (try %d, need %s %d%%)\n",
			       variant->name, 100.0 * t.window_ns / t.call_ns,
			       i, excl ? ">=" : "<=",
			       excl ? EXCL_MIN_PERCENT : DOWN_MAX_PERCENT);
		if (in_bounds)
			return;
	}
	/* Braces: the harness's EXPECT is two statements. */
	if (excl) {
		EXPECT_GE(t.window_ns * 100, t.call_ns * EXCL_MIN_PERCENT);
	} else {
		EXPECT_LE(t.window_ns * 100, t.call_ns * DOWN_MAX_PERCENT);
	}
}

TEST_HARNESS_MAIN
