// SPDX-License-Identifier: GPL-2.0
/*
 * munmap_bench: how long each way of unmapping a large range holds
 * mmap_lock exclusively, and how far other threads of the process get
 * meanwhile; and what one small munmap() costs.  The benchmark of 'make
 * bench' (scripts/bench.sh, which boots the stock and the patched kernel
 * and runs this in each); the pass/fail test of the lock mode is
 * munmap_hold.
 *
 * For every scenario and size: map and populate the range, then make the
 * one call that unmaps it while the companion module mmap_lock_hold
 * records this process's exclusive mmap_lock windows
 * (Documentation/module.md), and other threads of the process work
 * meanwhile (the scenario's load).  Per call:
 *
 *   call_ns          the call, timed here (CLOCK_MONOTONIC, the module's
 *                    clock too)
 *   window_ns        the longest exclusive window of the call's operation
 *                    ("munmap", "mmap", "mremap", "brk", "shmdt", or
 *                    "kernel" for the module's vm_munmap())
 *   windows, window_sum_ns  how many windows the call had (one, or one
 *                    per piece with vm.munmap_piece_kbytes) and their sum
 *   ratio            window_ns / call_ns
 *   excl_share       window_sum_ns / call_ns
 *   WORKER_ops       operations a worker thread, pinned to another CPU,
 *                    completed during the call
 *   WORKER_progress  WORKER_ops over what its idle rate, measured just
 *                    before and just after the call (the higher), gives
 *                    for call_ns: about 1 when the call never blocked it,
 *                    about 0 when it stalled
 *
 * The loads, the worker threads of a scenario:
 *
 *   reader   one thread read-faulting the next page of its own range
 *            (worker "reader")
 *   none     no other thread: the call alone
 *   writer   one thread re-faulting one page, MADV_DONTNEED and a write
 *            ("faulter"), and one mapping and unmapping one page
 *            ("mapper"), both on the reader's CPU; neither the module's
 *            windows (the mapper's are the process's too) nor the lock
 *            mode are checked or reported
 *
 * Scenarios (BENCH_SCENARIOS selects; lock mode expected on 6.1.192 /
 * with the series, see Documentation/bench.md):
 *
 *   munmap           munmap() of private anon, zero page      down / down
 *   growsdown        the same, just below a MAP_GROWSDOWN map excl / down
 *   map_fixed        mmap(MAP_FIXED) over the range           excl / excl
 *   mremap_shrink    mremap() of the range to one page        down / down
 *   brk_shrink       brk() back down over the range           down / down
 *   shmdt            shmdt() of a SysV segment (capped)       excl / down
 *   hugetlb          munmap() of hugetlb pages (capped)       down / excl
 *   pfnmap           munmap() of the module's VM_PFNMAP       down / excl
 *   uprobe           munmap() of a file with a uprobe in it   down / excl
 *   uprobe_elsewhere munmap() of the file but its uprobe'd    down / down
 *                    head (capped)
 *   vm_munmap        the module's vm_munmap() (MLH_IOC_UNMAP) excl / excl
 *   alone            munmap() as 'munmap', load none, knob 0  down / down
 *   alone_pieces     the same, vm.munmap_piece_kbytes set     - / down
 *   writer           munmap() as 'munmap', load writer, knob 0
 *   writer_pieces    the same, vm.munmap_piece_kbytes set
 *
 * The *_pieces scenarios need vm.munmap_piece_kbytes (the series'
 * "optionally unmap a large munmap() range in pieces"): without it they
 * print '# bench-na:' lines and SKIP.  Every other scenario runs with the
 * knob at 0, where there is one; the old value is restored at exit.
 *
 * The anonymous ranges are populated with MADV_POPULATE_READ under
 * MADV_NOHUGEPAGE: zero-page PTEs, so 64 GiB cost 128 MiB of page tables
 * and no other memory, and the zap has one PTE per 4 KiB to clear.
 * Scenarios that need real memory (shmdt: shmem read faults allocate;
 * hugetlb: the pool; uprobe: the file's page cache) run at sizes up to
 * BENCH_CAP only; PFNMAP up to the module's 64 GiB.
 *
 * BENCH_MODE=cost measures something else, without the module (run it
 * before loading it: its tracepoint probes would be in every call): the
 * cost of one small munmap(), which the series' checks in the munmap
 * path add to.  A loop of BENCH_COST_N (1,000,000) mmap() + munmap() of
 * the first 4 KiB page of a file, private PROT_READ | PROT_EXEC (the VMA
 * a uprobe could be in), untouched, single-threaded, RUNS times after a
 * warm-up of a tenth of that; variants (BENCH_COST_VARIANTS):
 *
 *   file_page         no uprobe anywhere
 *   file_page_uprobe  a uprobe installed in another file this process
 *                     has mapped (MMF_HAS_UPROBES set): the slow path of
 *                     the uprobe checks, for a VMA without a uprobe
 *
 * The loop goes in chunks of COST_CHUNK pairs, each timed: the fastest
 * is the one the host disturbed least (TCG on a busy machine).
 *
 * Environment:
 *   BENCH_MODE       "windows" (default) or "cost"
 *   BENCH_SIZES      sizes, K/M/G suffixes (default "256M 1G 4G")
 *   BENCH_SCENARIOS  names, comma or space separated (default: all)
 *   BENCH_CAP        size cap of the capped scenarios (default 256M)
 *   BENCH_PIECE_KB   vm.munmap_piece_kbytes of the *_pieces scenarios
 *                    (default 65536)
 *   RUNS             measurements per scenario and size, or cost runs
 *                    per variant (default 3)
 *   BENCH_KERNEL     label for kernel= (default: the release)
 *   BENCH_READER=0   no worker threads (the reader and writer loads run
 *                    as none)
 *   BENCH_WRITER=0   leave out the writer load's scenarios, which report
 *                    no windows (the run of scripts/vm/guest/bench-twin)
 *   BENCH_READER_PAUSE_US  every worker's pause between operations (20)
 *   BENCH_COST_N     iterations of one cost run (default 1000000)
 *   BENCH_COST_VARIANTS  a subset of the variants (default: both)
 *
 * Output: TAP, one test point per scenario and size (ok when every run
 * gave a valid measurement: the call succeeded and the module recorded
 * only windows of the call's operation, each whole, one unless the call
 * went in pieces), and before it one line per run for
 * scripts/bench/report.py:
 *   # bench: kernel=K release=R scenario=S size=BYTES capped=0|1 run=N
 *     load=reader|none|writer piece_kb=KB op=OP lock=down|excl|mixed|n/a
 *     call_ns=N window_ns=N windows=N window_sum_ns=N ratio=R
 *     excl_share=R reader_faults=N reader_idle_per_ms=R
 *     reader_progress=R faulter_ops=N faulter_idle_per_ms=R
 *     faulter_progress=R mapper_ops=N mapper_idle_per_ms=R
 *     mapper_progress=R populate_ns=N tid=N call_start_ns=N
 * (one line; a worker's figures are -1 when the load does not have it,
 * the window's with the writer load, piece_kb -1 without the knob); per
 * scenario and size that cannot run on this kernel:
 *   # bench-na: kernel=K release=R scenario=S size=BYTES why=TEXT
 * and in cost mode, one TAP test point per variant, after one line per
 * run:
 *   # bench-cost: kernel=K release=R variant=V run=N iterations=N
 *     total_ns=N ns_per_op=R best_ns_per_op=R module=0|1
 * (best_ns_per_op: per pair in the fastest chunk)
 *
 * Needs root and the module loaded (exit 4, KSFT_SKIP, otherwise; cost
 * mode needs neither); hugetlb grows nr_hugepages and brk_shrink sets
 * vm.overcommit_memory=1 for the moment of growing the heap, the *_pieces
 * scenarios vm.munmap_piece_kbytes, all restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "mlh_util.h"
#include "munmap_scenario.h"
#include "munmap_util.h"
#include "mmap_lock_hold.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_MSEC		1000000LL

#define KSFT_SKIP		4

#define DEFAULT_SIZES		"256M 1G 4G"
#define DEFAULT_CAP		(256 * SZ_1M)
#define DEFAULT_RUNS		3
#define MAX_SIZES		16
#define MAX_RUNS		100

/*
 * The series' knob: a munmap() syscall larger than this many KiB goes in
 * pieces of that size.  The *_pieces scenarios set it to BENCH_PIECE_KB:
 * 64 MiB, 32 PMDs of page tables, a few ms of zap per piece under TCG.
 */
#define PIECE_KNOB		"/proc/sys/vm/munmap_piece_kbytes"
#define DEFAULT_PIECE_KB	65536L

/*
 * Cost mode: iterations per run, and the most BENCH_COST_N takes; the
 * loop goes in chunks of COST_CHUNK pairs, each timed.
 */
#define DEFAULT_COST_N		1000000L
#define MAX_COST_N		1000000000L
#define COST_CHUNK		1000L
/*
 * The reader reads one byte of each page of its own READER_SIZE range in
 * turn: every read is a page fault (mapping the zero page), which on 6.1
 * takes mmap_lock for read (there are no per-VMA locks before 6.4).  The
 * range is re-armed with MADV_DONTNEED only while the reader is paused,
 * or when it runs out of pages: a MADV_DONTNEED flushes the TLB of every
 * CPU running the process, the caller's too, and an IPI per few faults
 * would slow the call being measured (a lot, under TCG).  4 GiB of zero
 * page cost at most 8 MiB of page tables and last over 20 s at the 50
 * faults per ms the reader manages at most under TCG: the longest
 * measurement (64 GiB) takes two idle references of 1 s and a call of
 * about 2 s.
 */
#define READER_SIZE		(4 * SZ_1G)

/*
 * The idle reference: the reader's fault rate right before and right
 * after the call, each over about as long as the call is expected to take
 * (the previous call of the scenario, scaled to the size), within these
 * bounds.  The higher of the two counts: a vCPU that lost its host CPU for
 * a while (TCG on a busy host) makes a rate look low, never high.
 */
#define IDLE_MIN_NS		(50 * NSEC_PER_MSEC)
#define IDLE_MAX_NS		(1000 * NSEC_PER_MSEC)
/* The reader is paused between measurements; it gets this to warm up. */
#define READER_WARMUP_NS	(5 * NSEC_PER_MSEC)

/*
 * Between two faults the reader spins this long in user space, without
 * mmap_lock, and the call starts right after a fault: its first
 * mmap_write_lock() finds the lock free.  A reader faulting non-stop
 * holds the lock for read nearly all the time: the call would often
 * arrive during a fault and sleep until the reader let go (6.1's rwsem
 * even lets a reader take a read-held lock ahead of a waiting writer, for
 * up to a jiffy), and under TCG that wait took milliseconds, counted in
 * the call as if it were the call's: exclusive calls measured at 27-57%
 * of their duration in 5 runs of 12, against one at 87% with the pause.
 * Under TCG a fault takes a few microseconds, so the reader still faults
 * 40 times per ms when it has its CPU.  BENCH_READER_PAUSE_US overrides.
 */
#define READER_PAUSE_NS		(20 * 1000LL)
/* How long the call waits for the reader to finish a fault, at most. */
#define READER_SYNC_NS		(10 * NSEC_PER_MSEC)

/* The call that unmaps the range. */
enum call_kind {
	CALL_MUNMAP,
	CALL_MAP_FIXED,
	CALL_MREMAP,
	CALL_BRK,
	CALL_SHMDT,
	CALL_VM_MUNMAP,
};

enum cap {
	CAP_NONE,
	CAP_MEMORY,		/* needs real memory: BENCH_CAP */
	CAP_MODULE,		/* MLH_MAX_SIZE */
};

/* The worker threads, all pinned to the CPU after the caller's. */
enum worker_kind {
	W_READER,		/* read faults on the next page of its range */
	W_FAULTER,		/* MADV_DONTNEED of its page, then a write */
	W_MAPPER,		/* mmap() and munmap() of one page */
	NR_WORKERS,
};

static const char *const worker_names[NR_WORKERS] = {
	"reader", "faulter", "mapper",
};

/* What the other threads do during the call: a mask of workers. */
enum load {
	LOAD_NONE = 0,
	LOAD_READER = 1 << W_READER,
	LOAD_WRITER = 1 << W_FAULTER | 1 << W_MAPPER,
};

struct scenario {
	const char *name;
	enum scen_kind kind;	/* what is mapped (munmap_scenario.h) */
	enum call_kind call;	/* and how it goes */
	const char *op;		/* the module's name for the call's windows */
	enum cap cap;
	enum load load;
	bool pieces;		/* with vm.munmap_piece_kbytes set */
	bool selected;
	long long last_call_ns;	/* for the idle reference's length */
	size_t last_size;
};

static struct scenario scenarios[] = {
#define SCENARIO(n, k, l, o, c, w, p) \
	{ .name = n, .kind = k, .call = l, .op = o, .cap = c, .load = w, \
	  .pieces = p }
	SCENARIO("munmap", SCEN_ANON, CALL_MUNMAP, "munmap", CAP_NONE,
		 LOAD_READER, false),
	SCENARIO("growsdown", SCEN_GROWSDOWN, CALL_MUNMAP, "munmap", CAP_NONE,
		 LOAD_READER, false),
	SCENARIO("map_fixed", SCEN_ANON, CALL_MAP_FIXED, "mmap", CAP_NONE,
		 LOAD_READER, false),
	SCENARIO("mremap_shrink", SCEN_ANON, CALL_MREMAP, "mremap", CAP_NONE,
		 LOAD_READER, false),
	SCENARIO("brk_shrink", SCEN_BRK, CALL_BRK, "brk", CAP_NONE,
		 LOAD_READER, false),
	SCENARIO("shmdt", SCEN_SYSV_SHM, CALL_SHMDT, "shmdt", CAP_MEMORY,
		 LOAD_READER, false),
	SCENARIO("hugetlb", SCEN_HUGETLB, CALL_MUNMAP, "munmap", CAP_MEMORY,
		 LOAD_READER, false),
	SCENARIO("pfnmap", SCEN_PFNMAP, CALL_MUNMAP, "munmap", CAP_MODULE,
		 LOAD_READER, false),
	SCENARIO("uprobe", SCEN_UPROBE, CALL_MUNMAP, "munmap", CAP_MEMORY,
		 LOAD_READER, false),
	SCENARIO("uprobe_elsewhere", SCEN_UPROBE_ELSEWHERE, CALL_MUNMAP,
		 "munmap", CAP_MEMORY, LOAD_READER, false),
	SCENARIO("vm_munmap", SCEN_ANON, CALL_VM_MUNMAP, "kernel", CAP_NONE,
		 LOAD_READER, false),
	SCENARIO("alone", SCEN_ANON, CALL_MUNMAP, "munmap", CAP_NONE,
		 LOAD_NONE, false),
	SCENARIO("alone_pieces", SCEN_ANON, CALL_MUNMAP, "munmap", CAP_NONE,
		 LOAD_NONE, true),
	SCENARIO("writer", SCEN_ANON, CALL_MUNMAP, "munmap", CAP_NONE,
		 LOAD_WRITER, false),
	SCENARIO("writer_pieces", SCEN_ANON, CALL_MUNMAP, "munmap", CAP_NONE,
		 LOAD_WRITER, true),
#undef SCENARIO
};

/* What one worker did around one call. */
struct wstat {
	long long ops;		/* during the call, -1: not in the load */
	double idle_per_ms;	/* the higher of the two idle rates */
	double progress;	/* ops / (idle_per_ms * call) */
};

/* One measurement. */
struct meas {
	size_t len;		/* what the call unmaps */
	long long populate_ns, call_ns;
	long long call_start_ns;	/* CLOCK_MONOTONIC, for the bpftrace twin */
	/* The call's windows; all -1 with the writer load. */
	long long window_ns, windows, window_sum_ns;
	const char *lock;
	long piece_kb;		/* the knob during the call, -1: none */
	struct wstat w[NR_WORKERS];
	struct mlh_stats s;
	struct mlh_op_stat op;	/* the line of the call's op */
};

/* Everything to undo at exit, and the state the scenarios share. */
static struct {
	const char *kernel;
	struct utsname uts;
	bool cost;		/* BENCH_MODE=cost */
	size_t sizes[MAX_SIZES];
	int nr_sizes;
	size_t cap;
	int runs;
	long cost_n;
	bool recording;
	struct scen_env env;	/* the device, huge pages, the uprobe */
	struct scen_map map;	/* the current mapping */
} b = {
	.map = { .memfd = -1, .shmid = -1 },
};

/* vm.munmap_piece_kbytes: there or not, and what to restore. */
static struct {
	bool present;
	long old;		/* its value at the start */
	long now;		/* what it is set to now */
	long piece_kb;		/* for the *_pieces scenarios */
} knob = { .old = -1, .now = -1, .piece_kb = DEFAULT_PIECE_KB };

/* One worker thread. */
struct worker {
	pthread_t thread;
	bool started;
	unsigned long ops;	/* __atomic */
	char *range;		/* the reader's and faulter's pages */
	size_t len;
};

/* The worker threads, started once, woken for the loads. */
static struct {
	int main_cpu, cpu;	/* cpu -1: no workers */
	long long pause_ns;	/* between two operations */
	unsigned int active;	/* __atomic: 1 << enum worker_kind */
	int stop;		/* __atomic; changes under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct worker w[NR_WORKERS];
} wk = {
	.cpu = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

/* Why the current measurement failed. */
static char why[256];

#define fail(...) ({ snprintf(why, sizeof(why), __VA_ARGS__); -1; })

static void sleep_ns(long long ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* Busy for @ns, in user space (clock_gettime() is a vDSO call). */
static void spin_ns(long long ns)
{
	const long long end = now_ns() + ns;

	while (now_ns() < end)
		;
}

/* "256 MiB", "4 GiB", "1536 MiB" */
static const char *human(size_t n, char *buf, size_t len)
{
	if (n >= SZ_1G && !(n % SZ_1G))
		snprintf(buf, len, "%zu GiB", n / SZ_1G);
	else if (n >= SZ_1M)
		snprintf(buf, len, "%zu MiB", n / SZ_1M);
	else
		snprintf(buf, len, "%zu KiB", n >> 10);
	return buf;
}

/* ---- Settings ---- */

/* "256M", "1G", "65536K", "4096": bytes, or 0 if not understood. */
static size_t parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K':
		v <<= 10; end++; break;
	case 'm': case 'M':
		v <<= 20; end++; break;
	case 'g': case 'G':
		v <<= 30; end++; break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end || !v || v % page_size() || v > (1ULL << 40))
		return 0;
	return v;
}

/* A whole number from @lo to @hi in $@name, or @def if unset: 0 or -1. */
static int parse_long(const char *name, long lo, long hi, long def, long *out)
{
	const char *s = getenv(name);
	char *end;

	*out = def;
	if (!s || !*s)
		return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || *end || *out < lo || *out > hi) {
		printf("# %s: '%s': a number from %ld to %ld\n", name, s, lo, hi);
		return -1;
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	const size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int parse_settings(void)
{
	const char *mode = getenv("BENCH_MODE");
	const char *sizes = getenv("BENCH_SIZES");
	const char *names = getenv("BENCH_SCENARIOS");
	const char *cap = getenv("BENCH_CAP");
	const char *writer = getenv("BENCH_WRITER");
	char buf[512], *tok, *save;
	unsigned int i;
	long runs;

	uname(&b.uts);
	b.kernel = getenv("BENCH_KERNEL");
	if (!b.kernel || !*b.kernel)
		b.kernel = b.uts.release;

	if (mode && *mode && strcmp(mode, "windows")) {
		if (strcmp(mode, "cost")) {
			printf("# BENCH_MODE: 'windows' or 'cost', not '%s'\n",
			       mode);
			return -1;
		}
		b.cost = true;
	}
	if (parse_long("RUNS", 1, MAX_RUNS, DEFAULT_RUNS, &runs) ||
	    parse_long("BENCH_COST_N", 1, MAX_COST_N, DEFAULT_COST_N,
		       &b.cost_n) ||
	    parse_long("BENCH_PIECE_KB", 4, 1L << 30, DEFAULT_PIECE_KB,
		       &knob.piece_kb))
		return -1;
	b.runs = runs;
	if (b.cost)
		return 0;

	snprintf(buf, sizeof(buf), "%s", sizes && *sizes ? sizes : DEFAULT_SIZES);
	for (tok = strtok_r(buf, " ,", &save); tok;
	     tok = strtok_r(NULL, " ,", &save)) {
		size_t v = parse_size(tok);

		if (!v) {
			printf("# BENCH_SIZES: '%s' is not a size in pages (256M, 1G, ...)\n",
			       tok);
			return -1;
		}
		if (b.nr_sizes == MAX_SIZES) {
			printf("# BENCH_SIZES: at most %d sizes\n", MAX_SIZES);
			return -1;
		}
		b.sizes[b.nr_sizes++] = v;
	}
	if (!b.nr_sizes) {
		printf("# BENCH_SIZES: no size\n");
		return -1;
	}
	qsort(b.sizes, b.nr_sizes, sizeof(b.sizes[0]), cmp_size);

	b.cap = DEFAULT_CAP;
	if (cap && *cap && !(b.cap = parse_size(cap))) {
		printf("# BENCH_CAP: '%s' is not a size\n", cap);
		return -1;
	}

	if (!names || !*names) {
		for (i = 0; i < ARRAY_SIZE(scenarios); i++)
			scenarios[i].selected = true;
		goto writer;
	}
	snprintf(buf, sizeof(buf), "%s", names);
	for (tok = strtok_r(buf, " ,", &save); tok;
	     tok = strtok_r(NULL, " ,", &save)) {
		for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
			if (!strcmp(tok, scenarios[i].name)) {
				scenarios[i].selected = true;
				break;
			}
		}
		if (i == ARRAY_SIZE(scenarios)) {
			printf("# BENCH_SCENARIOS: no scenario '%s'; there are:", tok);
			for (i = 0; i < ARRAY_SIZE(scenarios); i++)
				printf(" %s", scenarios[i].name);
			printf("\n");
			return -1;
		}
	}
writer:
	/* The bpftrace twin's run: only scenarios with windows to compare. */
	if (writer && !strcmp(writer, "0")) {
		for (i = 0; i < ARRAY_SIZE(scenarios); i++)
			if (scenarios[i].load == LOAD_WRITER)
				scenarios[i].selected = false;
	}
	return 0;
}

/*
 * The sizes a scenario runs at: BENCH_SIZES, each clipped to the
 * scenario's cap, without repeats.  Returns how many, in @out.
 */
static int scenario_sizes(const struct scenario *sc, size_t *out)
{
	size_t cap = sc->cap == CAP_MEMORY ? b.cap :
		     sc->cap == CAP_MODULE ? MLH_MAX_SIZE : SIZE_MAX;
	int i, n = 0;

	for (i = 0; i < b.nr_sizes; i++) {
		size_t v = b.sizes[i] < cap ? b.sizes[i] : cap;

		if (!n || out[n - 1] != v)
			out[n++] = v;
	}
	return n;
}

/* ---- vm.munmap_piece_kbytes ---- */

static void knob_probe(void)
{
	knob.present = access(PIECE_KNOB, F_OK) == 0;
	if (knob.present)
		knob.now = knob.old = read_number(PIECE_KNOB);
}

/* Set the knob to @kb (if there is one): 0, or -1 with why[]. */
static int knob_set(long kb)
{
	char buf[32];

	if (!knob.present || knob.now == kb)
		return 0;
	snprintf(buf, sizeof(buf), "%ld", kb);
	if (write_file(PIECE_KNOB, buf) || read_number(PIECE_KNOB) != kb)
		return fail("setting %s to %ld: %s", PIECE_KNOB, kb,
			    strerror(errno));
	knob.now = kb;
	return 0;
}

static void knob_restore(void)
{
	if (knob.present && knob.old >= 0 && knob_set(knob.old))
		printf("# %s\n", why);
}

/* ---- The worker threads ---- */

static int pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

/* One operation of worker @k: true if it completed. */
static bool worker_op(enum worker_kind k, struct worker *w, size_t *off)
{
	const size_t ps = page_size();
	void *p;

	switch (k) {
	case W_READER:
		if (*off == w->len) {
			madvise(w->range, *off, MADV_DONTNEED);
			*off = 0;
		}
		/* A read fault: maps the zero page. */
		(void)*(volatile char *)(w->range + *off);
		*off += ps;
		return true;
	case W_FAULTER:
		/* mmap_lock for read twice: the madvise() and the fault. */
		if (madvise(w->range, ps, MADV_DONTNEED))
			return false;
		*(volatile char *)w->range = 1;
		return true;
	case W_MAPPER:
		/* mmap_lock for write twice.  PROT_READ: merges less. */
		p = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p == MAP_FAILED)
			return false;
		munmap(p, ps);
		return true;
	case NR_WORKERS:
		break;
	}
	return false;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const enum worker_kind k = w - wk.w;
	const unsigned int bit = 1U << k;
	size_t off = 0;

	for (;;) {
		pthread_mutex_lock(&wk.lock);
		while (!(__atomic_load_n(&wk.active, __ATOMIC_ACQUIRE) & bit) &&
		       !__atomic_load_n(&wk.stop, __ATOMIC_ACQUIRE)) {
			if (off) {
				/* Re-arm while nobody is measured. */
				madvise(w->range, off, MADV_DONTNEED);
				off = 0;
			}
			pthread_cond_wait(&wk.cond, &wk.lock);
		}
		pthread_mutex_unlock(&wk.lock);
		if (__atomic_load_n(&wk.stop, __ATOMIC_ACQUIRE))
			return NULL;

		while (__atomic_load_n(&wk.active, __ATOMIC_RELAXED) & bit) {
			if (worker_op(k, w, &off))
				__atomic_add_fetch(&w->ops, 1, __ATOMIC_RELAXED);
			spin_ns(wk.pause_ns);
		}
	}
}

/* Wake the workers of @load (LOAD_NONE: pause them all). */
static void workers_set(unsigned int load, int stop)
{
	pthread_mutex_lock(&wk.lock);
	__atomic_store_n(&wk.active, load, __ATOMIC_RELEASE);
	__atomic_store_n(&wk.stop, stop, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&wk.cond);
	pthread_mutex_unlock(&wk.lock);
}

static unsigned long worker_ops(int k)
{
	return __atomic_load_n(&wk.w[k].ops, __ATOMIC_RELAXED);
}

/* The load a scenario really gets: none without a second CPU. */
static unsigned int load_of(const struct scenario *sc)
{
	return wk.cpu < 0 ? LOAD_NONE : sc->load;
}

static const char *load_name(unsigned int load)
{
	return load == LOAD_READER ? "reader" :
	       load == LOAD_WRITER ? "writer" : "none";
}

/*
 * This thread on the first CPU it may use, the workers on the second; no
 * workers (wk.cpu -1) with a single CPU or BENCH_READER=0.
 */
static int workers_start(void)
{
	const char *no = getenv("BENCH_READER");
	cpu_set_t set;
	int cpu, err, k;

	wk.main_cpu = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return fail("sched_getaffinity: %s", strerror(errno));
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (wk.main_cpu < 0) {
			wk.main_cpu = cpu;
		} else {
			wk.cpu = cpu;
			break;
		}
	}
	if (wk.main_cpu >= 0) {
		err = pin(pthread_self(), wk.main_cpu);
		if (err)
			return fail("pinning to CPU %d: %s", wk.main_cpu,
				    strerror(err));
	}
	if (no && !strcmp(no, "0"))
		wk.cpu = -1;
	wk.pause_ns = READER_PAUSE_NS;
	if (getenv("BENCH_READER_PAUSE_US"))
		wk.pause_ns = atoll(getenv("BENCH_READER_PAUSE_US")) * 1000;
	if (wk.cpu < 0 || b.cost)
		return 0;

	for (k = 0; k < NR_WORKERS; k++) {
		struct worker *w = &wk.w[k];

		w->len = k == W_READER ? READER_SIZE :
			 k == W_FAULTER ? page_size() : 0;
		if (w->len) {
			w->range = mmap(NULL, w->len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS |
					MAP_NORESERVE, -1, 0);
			if (w->range == MAP_FAILED)
				return fail("mapping the %s's range: %s",
					    worker_names[k], strerror(errno));
			madvise(w->range, w->len, MADV_NOHUGEPAGE);
		}
		err = pthread_create(&w->thread, NULL, worker_main, w);
		if (err)
			return fail("pthread_create: %s", strerror(err));
		w->started = true;
		err = pin(w->thread, wk.cpu);
		if (err)
			return fail("pinning the %s to CPU %d: %s",
				    worker_names[k], wk.cpu, strerror(err));
	}
	return 0;
}

static void workers_stop(void)
{
	int k;

	workers_set(LOAD_NONE, 1);
	for (k = 0; k < NR_WORKERS; k++) {
		if (wk.w[k].started)
			pthread_join(wk.w[k].thread, NULL);
		wk.w[k].started = false;
	}
}

/* ---- Cleanup, also at exit and on SIGTERM ---- */

static void put_mapping(void)
{
	scen_map_put(&b.map);
}

static void cleanup(void)
{
	put_mapping();
	if (b.recording) {
		dbg_write("enable", "0");
		dbg_write("tgid", "0");
		dbg_write("reset", "1");
		b.recording = false;
	}
	knob_restore();
	if (scen_env_put(&b.env))
		printf("# %s\n", b.env.why);
}

static void on_signal(int sig)
{
	/* Not async-signal-safe, but better than leaving the probe behind. */
	cleanup();
	_exit(128 + sig);
}

/* ---- One measurement ---- */

/*
 * Map and populate the scenario's range (munmap_scenario.c), then set
 * up the call: mremap_shrink keeps the first page.
 */
static int map_scenario(const struct scenario *sc, size_t size)
{
	if (scen_map(&b.env, sc->kind, size, &b.map))
		return fail("%s", b.env.why);
	if (sc->call == CALL_MREMAP) {
		b.map.addr += page_size();
		b.map.len -= page_size();
	}
	return 0;
}

/* The call; 0 or -errno. */
static int do_call(const struct scenario *sc, const struct scen_map *c)
{
	struct mlh_unmap u;
	void *p;

	switch (sc->call) {
	case CALL_MUNMAP:
		return munmap(c->addr, c->len) ? -errno : 0;
	case CALL_MAP_FIXED:
		/* PROT_READ: merges with neither neighbour. */
		p = mmap(c->addr, c->len, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
			 -1, 0);
		return p == MAP_FAILED ? -errno : p == c->addr ? 0 : -EFAULT;
	case CALL_MREMAP:
		p = mremap(c->addr - page_size(), c->len + page_size(),
			   page_size(), 0);
		return p == MAP_FAILED ? -errno :
		       p == c->addr - page_size() ? 0 : -EFAULT;
	case CALL_BRK:
		return syscall(SYS_brk, c->brk_to) == (long)c->brk_to ?
		       0 : -ENOMEM;
	case CALL_SHMDT:
		return shmdt(c->shm_at) ? -errno : 0;
	case CALL_VM_MUNMAP:
		memset(&u, 0, sizeof(u));
		u.addr = (uintptr_t)c->addr;
		u.size = c->len;
		return ioctl(b.env.dev_fd, MLH_IOC_UNMAP, &u) ? -errno : 0;
	}
	return -EINVAL;
}

static long long idle_length(const struct scenario *sc, size_t size)
{
	long long ns = IDLE_MIN_NS;

	if (sc->last_call_ns && sc->last_size)
		ns = (long long)((double)sc->last_call_ns * size /
				 sc->last_size);
	if (ns < IDLE_MIN_NS)
		ns = IDLE_MIN_NS;
	if (ns > IDLE_MAX_NS)
		ns = IDLE_MAX_NS;
	return ns;
}

/*
 * The operations per ms of each worker of @load while this thread sleeps
 * for @ns; each kept in @rate[] if higher than what is there.
 */
static void idle_rates(unsigned int load, long long ns, double *rate)
{
	unsigned long o0[NR_WORKERS];
	long long t0, dt;
	int k;

	for (k = 0; k < NR_WORKERS; k++)
		o0[k] = worker_ops(k);
	t0 = now_ns();
	sleep_ns(ns);
	dt = now_ns() - t0;
	for (k = 0; k < NR_WORKERS; k++) {
		double r = (double)(worker_ops(k) - o0[k]) * NSEC_PER_MSEC / dt;

		if ((load & 1U << k) && r > rate[k])
			rate[k] = r;
	}
}

static unsigned long load_ops(unsigned int load)
{
	unsigned long n = 0;
	int k;

	for (k = 0; k < NR_WORKERS; k++)
		if (load & 1U << k)
			n += worker_ops(k);
	return n;
}

/*
 * Are the module's windows those of the call: only windows of its
 * operation, each recorded whole, and one unless it went in pieces?
 * 0, or -1 with why[].
 */
static int check_windows(const struct scenario *sc, const struct meas *m)
{
	const long n = m->s.windows;

	if (m->op.count != n || n < 1 || (n > 1 && !sc->pieces))
		return fail("expected %s'%s' window%s, got %lld (of %ld windows)",
			    sc->pieces ? "" : "one ", sc->op,
			    sc->pieces ? "s only" : "", m->op.count, n);
	if (m->s.open || m->s.dropped || m->s.replaced ||
	    m->s.closed_release + m->s.closed_downgrade != n)
		return fail("window not measured whole: open=%ld dropped=%ld replaced=%ld",
			    m->s.open, m->s.dropped, m->s.replaced);
	if (m->window_sum_ns > m->call_ns)
		return fail("windows of %lld ns in all, longer than the call, %lld ns",
			    m->window_sum_ns, m->call_ns);
	return 0;
}

static int measure(struct scenario *sc, size_t size, struct meas *m)
{
	/*
	 * The call runs SCHED_FIFO, best effort: whatever woke up on this
	 * CPU while the lock was held would otherwise run in the call but
	 * outside the window (see munmap_hold).
	 */
	const struct sched_param fifo = { .sched_priority = 1 };
	const struct sched_param other = { .sched_priority = 0 };
	const unsigned int load = load_of(sc);
	double rate[NR_WORKERS] = { 0 };
	unsigned long o0[NR_WORKERS], o1[NR_WORKERS], f0;
	long long t0, idle_ns;
	bool rt;
	int ret, k;

	memset(m, 0, sizeof(*m));
	m->window_ns = m->windows = m->window_sum_ns = -1;
	m->lock = "n/a";
	m->piece_kb = knob.present ? knob.now : -1;
	for (k = 0; k < NR_WORKERS; k++) {
		m->w[k].ops = -1;
		m->w[k].idle_per_ms = m->w[k].progress = -1;
	}

	t0 = now_ns();
	if (map_scenario(sc, size))
		return -1;
	m->populate_ns = now_ns() - t0;
	m->len = b.map.mapped;

	if (dbg_write("reset", "1") || dbg_write("enable", "1"))
		return fail("starting the recording: %s", strerror(errno));

	/*
	 * The workers' idle rates, with the recording on as during the call
	 * (6.1 does more work per mmap_lock event while the tracepoints have
	 * a probe), while this thread sleeps.  Not spinning: under TCG this
	 * vCPU reading the clock in a loop slowed the reader by about a fifth,
	 * which came out as a progress over 100% in the calls.  (In the
	 * bench's guest, idle=poll keeps the sleeping vCPU as busy for the
	 * host as a working one.)
	 */
	idle_ns = idle_length(sc, size);
	if (load) {
		workers_set(load, 0);
		sleep_ns(READER_WARMUP_NS);
		idle_rates(load, idle_ns, rate);
	}

	if (dbg_write("reset", "1"))
		return fail("resetting the recording: %s", strerror(errno));
	rt = sched_setscheduler(0, SCHED_FIFO, &fifo) == 0;
	if (load) {
		/* Start right after an operation: see READER_PAUSE_NS. */
		f0 = load_ops(load);
		t0 = now_ns();
		while (load_ops(load) == f0 && now_ns() - t0 < READER_SYNC_NS)
			;
	}
	for (k = 0; k < NR_WORKERS; k++)
		o0[k] = worker_ops(k);
	t0 = now_ns();
	ret = do_call(sc, &b.map);
	m->call_ns = now_ns() - t0;
	m->call_start_ns = t0;
	for (k = 0; k < NR_WORKERS; k++)
		o1[k] = worker_ops(k);
	if (rt)
		sched_setscheduler(0, SCHED_OTHER, &other);
	if (load)
		idle_rates(load, idle_ns, rate);
	workers_set(LOAD_NONE, 0);
	if (dbg_write("enable", "0"))
		return fail("stopping the recording: %s", strerror(errno));
	if (ret)
		return fail("the call failed: %s", strerror(-ret));
	if (mlh_read_stats(&m->s))
		return fail("reading the module's stats: %s", strerror(errno));

	for (k = 0; k < NR_WORKERS; k++) {
		struct wstat *w = &m->w[k];

		if (!(load & 1U << k))
			continue;
		w->ops = o1[k] - o0[k];
		w->idle_per_ms = rate[k];
		if (rate[k] > 0)
			w->progress = w->ops / (rate[k] * m->call_ns /
						NSEC_PER_MSEC);
	}
	sc->last_call_ns = m->call_ns;
	sc->last_size = size;

	/* With the writer load, the mapper's windows are the process's too. */
	if (load & LOAD_WRITER)
		return 0;
	m->op = *mlh_find_op(&m->s, sc->op);
	m->window_ns = m->op.max;
	m->windows = m->op.count;
	m->window_sum_ns = m->op.sum;
	m->lock = m->s.closed_downgrade == m->s.windows ? "down" :
		  m->s.closed_release == m->s.windows ? "excl" : "mixed";
	return check_windows(sc, m);
}

/* ---- Reporting ---- */

static int cmp_ll(const void *a, const void *b)
{
	const long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values (n > 0); sorts them. */
static long long median_ll(long long *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_ll);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double median_double(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* size= is what was mapped: less than asked for hugetlb on a small pool. */
static void print_meas(const struct scenario *sc, int run,
		       const struct meas *m)
{
	const struct wstat *r = &m->w[W_READER], *f = &m->w[W_FAULTER];
	const struct wstat *p = &m->w[W_MAPPER];
	const bool win = m->windows >= 0;

	printf("# bench: kernel=%s release=%s scenario=%s size=%zu capped=%d run=%d load=%s piece_kb=%ld op=%s lock=%s call_ns=%lld window_ns=%lld windows=%lld window_sum_ns=%lld ratio=%.4f excl_share=%.4f reader_faults=%lld reader_idle_per_ms=%.2f reader_progress=%.4f faulter_ops=%lld faulter_idle_per_ms=%.2f faulter_progress=%.4f mapper_ops=%lld mapper_idle_per_ms=%.2f mapper_progress=%.4f populate_ns=%lld tid=%d call_start_ns=%lld\n",
	       b.kernel, b.uts.release, sc->name, m->len,
	       sc->cap != CAP_NONE, run, load_name(load_of(sc)), m->piece_kb,
	       sc->op, m->lock, m->call_ns, m->window_ns, m->windows,
	       m->window_sum_ns,
	       win && m->call_ns ? (double)m->window_ns / m->call_ns : -1,
	       win && m->call_ns ? (double)m->window_sum_ns / m->call_ns : -1,
	       r->ops, r->idle_per_ms, r->progress,
	       f->ops, f->idle_per_ms, f->progress,
	       p->ops, p->idle_per_ms, p->progress, m->populate_ns,
	       (int)syscall(SYS_gettid), m->call_start_ns);
	fflush(stdout);
}

static int tap_n;

/* " reader 95%", " faulter 1%, mapper 0%": the workers' medians. */
static void progress_text(double prog[NR_WORKERS][MAX_RUNS],
			  const int *nprog, char *buf, size_t len)
{
	size_t at = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < NR_WORKERS && at < len; k++) {
		if (!nprog[k])
			continue;
		at += snprintf(buf + at, len - at, "%s %s %.0f%%",
			       at ? "," : ", progress:", worker_names[k],
			       100 * median_double(prog[k], nprog[k]));
	}
}

/* Every run of one scenario at one size: one TAP test point. */
static bool run_size(struct scenario *sc, size_t size)
{
	static double prog[NR_WORKERS][MAX_RUNS];
	long long call[MAX_RUNS], win[MAX_RUNS];
	double share[MAX_RUNS];
	int nprog[NR_WORKERS] = { 0 };
	int run, ok = 0, k;
	bool failed = false;
	char hs[32], pt[128], wt[96] = "";
	struct meas m;

	human(size, hs, sizeof(hs));
	for (run = 1; run <= b.runs; run++) {
		why[0] = '\0';
		if (measure(sc, size, &m)) {
			printf("# %s %s run %d: %s\n", sc->name, hs, run, why);
			failed = true;
		} else {
			print_meas(sc, run, &m);
			call[ok] = m.call_ns;
			win[ok] = m.window_ns;
			share[ok] = m.windows >= 0 ?
				    (double)m.window_sum_ns / m.call_ns : 0;
			for (k = 0; k < NR_WORKERS; k++)
				if (m.w[k].progress >= 0)
					prog[k][nprog[k]++] = m.w[k].progress;
			ok++;
		}
		workers_set(LOAD_NONE, 0);
		if (b.recording)
			dbg_write("enable", "0");
		put_mapping();
	}
	tap_n++;
	if (!ok) {
		printf("not ok %d %s %s\n", tap_n, sc->name, hs);
		return false;
	}
	progress_text(prog, nprog, pt, sizeof(pt));
	if (!(load_of(sc) & LOAD_WRITER))
		snprintf(wt, sizeof(wt), ", exclusive %.2f ms (%.1f%% of the call)",
			 median_ll(win, ok) / 1e6,
			 100 * median_double(share, ok));
	printf("%sok %d %s %s: call %.2f ms%s%s (medians of %d)\n",
	       failed ? "not " : "", tap_n, sc->name, hs,
	       median_ll(call, ok) / 1e6, wt, pt, ok);
	fflush(stdout);
	return !failed;
}

static void skip_sizes(const struct scenario *sc, const size_t *sizes, int n,
		       const char *reason)
{
	char hs[32];
	int i;

	for (i = 0; i < n; i++)
		printf("ok %d %s %s # SKIP %s\n", ++tap_n, sc->name,
		       human(sizes[i], hs, sizeof(hs)), reason);
}

static void fail_sizes(const struct scenario *sc, const size_t *sizes, int n)
{
	char hs[32];
	int i;

	for (i = 0; i < n; i++)
		printf("not ok %d %s %s # %s\n", ++tap_n, sc->name,
		       human(sizes[i], hs, sizeof(hs)), why);
}

/*
 * What this kernel cannot run, for the report to show as n/a (and not as
 * missing), then a SKIP per size.
 */
static void na_sizes(const struct scenario *sc, const size_t *sizes, int n,
		     const char *reason)
{
	int i;

	for (i = 0; i < n; i++)
		printf("# bench-na: kernel=%s release=%s scenario=%s size=%zu why=%s\n",
		       b.kernel, b.uts.release, sc->name, sizes[i], reason);
	skip_sizes(sc, sizes, n, reason);
}

/* One scenario at each of its sizes; false if anything failed. */
static bool run_scenario(struct scenario *sc)
{
	size_t sizes[MAX_SIZES];
	int n = scenario_sizes(sc, sizes), i, ret = 1;
	char hs[32];
	bool good = true;

	why[0] = '\0';
	if (sc->pieces && !knob.present) {
		na_sizes(sc, sizes, n, "no " PIECE_KNOB);
		return true;
	}
	if (knob_set(sc->pieces ? knob.piece_kb : 0)) {
		fail_sizes(sc, sizes, n);
		return false;
	}
	if (sc->cap == CAP_MEMORY && b.sizes[b.nr_sizes - 1] > b.cap)
		printf("# %s: capped at %s (BENCH_CAP): it needs real memory\n",
		       sc->name, human(b.cap, hs, sizeof(hs)));
	if (sc->cap == CAP_MODULE && b.sizes[b.nr_sizes - 1] > MLH_MAX_SIZE)
		printf("# %s: capped at the module's %s\n", sc->name,
		       human(MLH_MAX_SIZE, hs, sizeof(hs)));

	if (sc->kind == SCEN_HUGETLB)
		ret = scen_hugetlb_prepare(&b.env, sizes[n - 1]);
	else if (sc->kind == SCEN_UPROBE || sc->kind == SCEN_UPROBE_ELSEWHERE)
		ret = scen_file_prepare(&b.env, sizes[n - 1], true);
	if (ret < 0) {
		snprintf(why, sizeof(why), "%s", b.env.why);
		fail_sizes(sc, sizes, n);
		good = false;
	} else if (!ret) {
		skip_sizes(sc, sizes, n, b.env.why);
	} else {
		if (sc->kind == SCEN_HUGETLB &&
		    scen_hpages_available() * b.env.hpage < sizes[n - 1])
			printf("# hugetlb: only %ld huge pages of %zu kB\n",
			       scen_hpages_available(), b.env.hpage >> 10);
		for (i = 0; i < n; i++)
			good &= run_size(sc, sizes[i]);
	}

	/* Give the pool and the page cache back for the next scenario. */
	if ((sc->kind == SCEN_HUGETLB && scen_hugetlb_put(&b.env)) ||
	    ((sc->kind == SCEN_UPROBE || sc->kind == SCEN_UPROBE_ELSEWHERE) &&
	     scen_file_put(&b.env))) {
		printf("# %s: %s\n", sc->name, b.env.why);
		good = false;
	}
	return good;
}

/* ---- Cost mode: one small munmap() ---- */

enum cost_variant {
	COST_PLAIN,		/* no uprobe anywhere */
	COST_UPROBE,		/* a uprobe in another mapped file */
	NR_COST_VARIANTS,
};

static const char *const cost_names[NR_COST_VARIANTS] = {
	"file_page", "file_page_uprobe",
};

/*
 * The file of the loop: one page, in /tmp like the scenarios' files.
 * Returns its fd, or -1 with why[].
 */
static int cost_file(char *path, size_t len)
{
	static char page[1 << 16];
	const size_t ps = page_size();
	int fd;

	snprintf(path, len, "/tmp/munmap_bench_cost.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return fail("mkstemp: %s", strerror(errno));
	unlink(path);
	memset(page, 0x90, ps < sizeof(page) ? ps : sizeof(page));
	if (ps > sizeof(page) || write(fd, page, ps) != (ssize_t)ps) {
		close(fd);
		return fail("writing the cost file: %s", strerror(errno));
	}
	return fd;
}

/* What one cost run took. */
struct cost_run {
	long long ns;		/* the mmap() + munmap() pairs, in all */
	double best;		/* ns per pair of the fastest chunk */
};

/*
 * @n times mmap() and munmap() of the file's page, in chunks of
 * COST_CHUNK, each timed.  0, or -1 with why[].
 */
static int cost_loop(int fd, long n, struct cost_run *r)
{
	const size_t ps = page_size();
	long done, i, c;

	memset(r, 0, sizeof(*r));
	for (done = 0; done < n; done += c) {
		long long t0 = now_ns(), t1;

		c = n - done < COST_CHUNK ? n - done : COST_CHUNK;
		for (i = 0; i < c; i++) {
			void *p = mmap(NULL, ps, PROT_READ | PROT_EXEC,
				       MAP_PRIVATE, fd, 0);

			if (p == MAP_FAILED)
				return fail("mmap of the file's page: %s",
					    strerror(errno));
			if (munmap(p, ps))
				return fail("munmap of the file's page: %s",
					    strerror(errno));
		}
		t1 = now_ns();
		r->ns += t1 - t0;
		if (!r->best || (double)(t1 - t0) / c < r->best)
			r->best = (double)(t1 - t0) / c;
	}
	return 0;
}

/*
 * The uprobe variant: a uprobe'd file mapped, its breakpoint installed
 * (munmap_scenario.c checks it), for the whole variant.  1 ready, 0 a
 * SKIP, -1 an error; why[] either way.
 */
static int cost_uprobe_prepare(void)
{
	const size_t len = (SCEN_PROBE_PAGE + 1) * page_size();
	int ret;

	ret = scen_file_prepare(&b.env, len, true);
	if (ret <= 0) {
		snprintf(why, sizeof(why), "%s", b.env.why);
		return ret;
	}
	if (scen_map(&b.env, SCEN_UPROBE, len, &b.map))
		return fail("%s", b.env.why);
	if (!b.env.exec) {
		snprintf(why, sizeof(why), "the uprobe'd file is not mapped PROT_EXEC: no breakpoint");
		return 0;
	}
	return 1;
}

static bool cost_variant(enum cost_variant v, int fd, int tap, bool module)
{
	const char *name = cost_names[v];
	double per_op[MAX_RUNS], best[MAX_RUNS];
	struct cost_run r;
	int run, ret = 1;

	why[0] = '\0';
	if (v == COST_UPROBE)
		ret = cost_uprobe_prepare();
	if (ret <= 0) {
		printf("%sok %d %s # %s%s\n", ret ? "not " : "", tap, name,
		       ret ? "" : "SKIP ", why);
		put_mapping();
		scen_file_put(&b.env);
		return ret == 0;
	}
	/* Warm up: page cache, slab caches, the branch predictors. */
	if (cost_loop(fd, b.cost_n / 10 + 1, &r))
		goto failed;
	for (run = 1; run <= b.runs; run++) {
		if (cost_loop(fd, b.cost_n, &r))
			goto failed;
		per_op[run - 1] = (double)r.ns / b.cost_n;
		best[run - 1] = r.best;
		printf("# bench-cost: kernel=%s release=%s variant=%s run=%d iterations=%ld total_ns=%lld ns_per_op=%.2f best_ns_per_op=%.2f module=%d\n",
		       b.kernel, b.uts.release, name, run, b.cost_n, r.ns,
		       per_op[run - 1], r.best, module);
	}
	printf("ok %d %s: %.1f ns per mmap() + munmap(), %.1f in the fastest chunks (medians of %d runs of %ld)\n",
	       tap, name, median_double(per_op, b.runs),
	       median_double(best, b.runs), b.runs, b.cost_n);
	put_mapping();
	scen_file_put(&b.env);
	return true;
failed:
	printf("not ok %d %s # %s\n", tap, name, why);
	put_mapping();
	scen_file_put(&b.env);
	return false;
}

static int cost_main(void)
{
	const char *only = getenv("BENCH_COST_VARIANTS");
	const bool module = module_loaded();
	bool want[NR_COST_VARIANTS], good = true;
	char path[64], buf[128], *tok, *save;
	int fd, v, n = 0, tap = 0;
	struct cost_run r;

	for (v = 0; v < NR_COST_VARIANTS; v++)
		want[v] = !only || !*only;
	if (only && *only) {
		snprintf(buf, sizeof(buf), "%s", only);
		for (tok = strtok_r(buf, " ,", &save); tok;
		     tok = strtok_r(NULL, " ,", &save)) {
			for (v = 0; v < NR_COST_VARIANTS; v++)
				if (!strcmp(tok, cost_names[v]))
					break;
			if (v == NR_COST_VARIANTS) {
				printf("# BENCH_COST_VARIANTS: no variant '%s'\n",
				       tok);
				return 1;
			}
			want[v] = true;
		}
	}
	for (v = 0; v < NR_COST_VARIANTS; v++)
		n += want[v];
	printf("1..%d\n", n);
	if (module)
		printf("# mmap_lock_hold is loaded: its tracepoint probes are in every call measured\n");

	scen_env_init(&b.env, "munmap_bench");
	atexit(cleanup);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	/* Before anything else: it may unshare the mount namespace. */
	if (want[COST_UPROBE])
		scen_tracefs(&b.env);
	if (workers_start()) {
		printf("# %s\n", why);
		return 1;
	}
	printf("# munmap_bench cost: kernel=%s release=%s runs=%d iterations=%ld cpu %d\n",
	       b.kernel, b.uts.release, b.runs, b.cost_n, wk.main_cpu);

	fd = cost_file(path, sizeof(path));
	if (fd < 0) {
		printf("# %s\n", why);
		return 1;
	}
	/* A PROT_EXEC mapping is what the uprobe checks look at. */
	if (cost_loop(fd, 1, &r)) {
		printf("# %s\n", why);
		close(fd);
		return 1;
	}
	for (v = 0; v < NR_COST_VARIANTS; v++)
		if (want[v])
			good &= cost_variant(v, fd, ++tap, module);
	close(fd);
	cleanup();
	printf("# munmap_bench cost: %s\n", good ? "done" : "some runs failed");
	return good ? 0 : 1;
}

int main(void)
{
	size_t sizes[MAX_SIZES];
	char tgid[16], hs[32], pk[32];
	unsigned int i;
	bool good = true, uprobe = false;
	int total = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (parse_settings())
		return 1;
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return KSFT_SKIP;
	}
	if (b.cost)
		return cost_main();
	if (!module_loaded()) {
		printf("1..0 # SKIP mmap_lock_hold not loaded: no %s or %s\n",
		       MLH_DEV_PATH, MLH_DEBUGFS_DIR);
		return KSFT_SKIP;
	}
	for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (!scenarios[i].selected)
			continue;
		total += scenario_sizes(&scenarios[i], sizes);
		uprobe |= scenarios[i].kind == SCEN_UPROBE ||
			  scenarios[i].kind == SCEN_UPROBE_ELSEWHERE;
	}
	printf("1..%d\n", total);

	scen_env_init(&b.env, "munmap_bench");
	knob_probe();
	atexit(cleanup);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	if (scen_dev_open(&b.env)) {
		printf("# %s\n", b.env.why);
		return 1;
	}
	/*
	 * Before the worker threads: tracefs_find() may unshare the mount
	 * namespace, which a multi-threaded process cannot.
	 */
	if (uprobe)
		scen_tracefs(&b.env);
	/* Record this process only. */
	snprintf(tgid, sizeof(tgid), "%d", getpid());
	b.recording = true;
	if (dbg_write("enable", "0") || dbg_write("tgid", tgid) ||
	    dbg_write("reset", "1")) {
		printf("# setting up the module's recording: %s\n",
		       strerror(errno));
		return 1;
	}
	if (workers_start()) {
		printf("# %s\n", why);
		return 1;
	}
	if (knob.present)
		snprintf(pk, sizeof(pk), "%ld KiB (was %ld)", knob.piece_kb,
			 knob.old);
	else
		snprintf(pk, sizeof(pk), "n/a");
	printf("# munmap_bench: kernel=%s release=%s runs=%d cap=%s cpus: caller %d, workers %d (pause %lld us) munmap_piece_kbytes: %s\n",
	       b.kernel, b.uts.release, b.runs, human(b.cap, hs, sizeof(hs)),
	       wk.main_cpu, wk.cpu, wk.pause_ns / 1000, pk);
	if (wk.cpu < 0)
		printf("# no workers (BENCH_READER=0 or one CPU): every load is none\n");

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (scenarios[i].selected)
			good &= run_scenario(&scenarios[i]);

	workers_stop();
	cleanup();
	printf("# munmap_bench: %s\n", good ? "done" : "some measurements failed");
	return good ? 0 : 1;
}
