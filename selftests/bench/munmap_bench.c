// SPDX-License-Identifier: GPL-2.0
/*
 * munmap_bench: how long each way of unmapping a large range holds
 * mmap_lock exclusively, and how far another thread of the process gets
 * meanwhile.  The benchmark of 'make bench' (scripts/bench.sh, which boots
 * the stock and the patched kernel and runs this in each); the pass/fail
 * test of the lock mode is munmap_hold.
 *
 * For every scenario and size: map and populate the range, then make the
 * one call that unmaps it while the companion module mmap_lock_hold
 * records this process's exclusive mmap_lock windows
 * (Documentation/module.md), and a reader thread faults pages in.  Per
 * call:
 *
 *   call_ns          the call, timed here (CLOCK_MONOTONIC, the module's
 *                    clock too)
 *   window_ns        the longest exclusive window of the call's operation
 *                    ("munmap", "mmap", "mremap", "brk", "shmdt", or
 *                    "kernel" for the module's vm_munmap())
 *   ratio            window_ns / call_ns
 *   reader_faults    page faults a reader thread, pinned to another CPU,
 *                    completed during the call
 *   reader_progress  reader_faults over what its idle rate, measured just
 *                    before and just after the call (the higher), gives
 *                    for call_ns: about 1 when the call never blocked it,
 *                    about 0 when it stalled
 *
 * Scenarios (BENCH_SCENARIOS selects; lock mode expected on 6.1.192 /
 * with the series, see Documentation/bench.md):
 *
 *   munmap          munmap() of private anon, zero page       down / down
 *   growsdown       the same, just below a MAP_GROWSDOWN map  excl / down
 *   map_fixed       mmap(MAP_FIXED) over the range            excl / excl
 *   mremap_shrink   mremap() of the range to one page         down / down
 *   brk_shrink      brk() back down over the range            down / down
 *   shmdt           shmdt() of a SysV segment (capped)        excl / excl
 *   hugetlb         munmap() of hugetlb pages (capped)        down / excl
 *   pfnmap          munmap() of the module's VM_PFNMAP        down / excl
 *   uprobe          munmap() of a file with a uprobe (capped) down / excl
 *   vm_munmap       the module's vm_munmap() (MLH_IOC_UNMAP)  excl / excl
 *
 * The anonymous ranges are populated with MADV_POPULATE_READ under
 * MADV_NOHUGEPAGE: zero-page PTEs, so 64 GiB cost 128 MiB of page tables
 * and no other memory, and the zap has one PTE per 4 KiB to clear.
 * Scenarios that need real memory (shmdt: shmem read faults allocate;
 * hugetlb: the pool; uprobe: the file's page cache) run at sizes up to
 * BENCH_CAP only; PFNMAP up to the module's 64 GiB.
 *
 * Environment:
 *   BENCH_SIZES      sizes, K/M/G suffixes (default "256M 1G 4G")
 *   BENCH_SCENARIOS  names, comma or space separated (default: all)
 *   BENCH_CAP        size cap of the capped scenarios (default 256M)
 *   RUNS             measurements per scenario and size (default 3)
 *   BENCH_KERNEL     label for kernel= (default: the release)
 *   BENCH_READER=0   no reader thread
 *   BENCH_READER_PAUSE_US  the reader's pause between faults (20)
 *
 * Output: TAP, one test point per scenario and size (ok when every run
 * gave a valid measurement: the call succeeded and the module recorded
 * exactly one window, of the call's operation), and before it one line
 * per run for scripts/bench/report.py:
 *   # bench: kernel=K release=R scenario=S size=BYTES capped=0|1 run=N
 *     op=OP lock=down|excl call_ns=N window_ns=N ratio=R reader_faults=N
 *     reader_idle_per_ms=R reader_progress=R populate_ns=N
 * (one line; reader_* are -1 without a reader: BENCH_READER=0 or one CPU).
 *
 * Needs root and the module loaded (exit 4, KSFT_SKIP, otherwise); hugetlb
 * grows nr_hugepages and brk_shrink sets vm.overcommit_memory=1 for the
 * moment of growing the heap, both restored.
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

struct scenario {
	const char *name;
	enum scen_kind kind;	/* what is mapped (munmap_scenario.h) */
	enum call_kind call;	/* and how it goes */
	const char *op;		/* the module's name for the call's windows */
	enum cap cap;
	bool selected;
	long long last_call_ns;	/* for the idle reference's length */
	size_t last_size;
};

static struct scenario scenarios[] = {
#define SCENARIO(n, k, l, o, c) \
	{ .name = n, .kind = k, .call = l, .op = o, .cap = c }
	SCENARIO("munmap", SCEN_ANON, CALL_MUNMAP, "munmap", CAP_NONE),
	SCENARIO("growsdown", SCEN_GROWSDOWN, CALL_MUNMAP, "munmap", CAP_NONE),
	SCENARIO("map_fixed", SCEN_ANON, CALL_MAP_FIXED, "mmap", CAP_NONE),
	SCENARIO("mremap_shrink", SCEN_ANON, CALL_MREMAP, "mremap", CAP_NONE),
	SCENARIO("brk_shrink", SCEN_BRK, CALL_BRK, "brk", CAP_NONE),
	SCENARIO("shmdt", SCEN_SYSV_SHM, CALL_SHMDT, "shmdt", CAP_MEMORY),
	SCENARIO("hugetlb", SCEN_HUGETLB, CALL_MUNMAP, "munmap", CAP_MEMORY),
	SCENARIO("pfnmap", SCEN_PFNMAP, CALL_MUNMAP, "munmap", CAP_MODULE),
	SCENARIO("uprobe", SCEN_UPROBE, CALL_MUNMAP, "munmap", CAP_MEMORY),
	SCENARIO("vm_munmap", SCEN_ANON, CALL_VM_MUNMAP, "kernel", CAP_NONE),
#undef SCENARIO
};

/* One measurement. */
struct meas {
	size_t len;		/* what the call unmaps */
	long long populate_ns, call_ns, window_ns;
	long long reader_faults;
	double idle_per_ms, progress;
	struct mlh_stats s;
	struct mlh_op_stat op;	/* the line of the call's op */
};

/* Everything to undo at exit, and the state the scenarios share. */
static struct {
	const char *kernel;
	struct utsname uts;
	size_t sizes[MAX_SIZES];
	int nr_sizes;
	size_t cap;
	int runs;
	bool recording;
	struct scen_env env;	/* the device, huge pages, the uprobe */
	struct scen_map map;	/* the current mapping */
} b = {
	.map = { .memfd = -1, .shmid = -1 },
};

/* The reader thread. */
static struct {
	pthread_t thread;
	bool started;
	int main_cpu, cpu;	/* cpu -1: no reader */
	long long pause_ns;	/* between two faults */
	char *range;
	unsigned long faults;	/* __atomic */
	int active, stop;	/* __atomic; changes under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
} rd = {
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

static int cmp_size(const void *a, const void *b)
{
	const size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int parse_settings(void)
{
	const char *sizes = getenv("BENCH_SIZES");
	const char *names = getenv("BENCH_SCENARIOS");
	const char *runs = getenv("RUNS");
	const char *cap = getenv("BENCH_CAP");
	char buf[512], *tok, *save;
	unsigned int i;

	uname(&b.uts);
	b.kernel = getenv("BENCH_KERNEL");
	if (!b.kernel || !*b.kernel)
		b.kernel = b.uts.release;

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

	b.runs = DEFAULT_RUNS;
	if (runs && *runs) {
		b.runs = atoi(runs);
		if (b.runs < 1 || b.runs > MAX_RUNS) {
			printf("# RUNS: '%s': 1 to %d\n", runs, MAX_RUNS);
			return -1;
		}
	}

	if (!names || !*names) {
		for (i = 0; i < ARRAY_SIZE(scenarios); i++)
			scenarios[i].selected = true;
		return 0;
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

/* ---- The reader ---- */

static int pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

static void *reader(void *arg)
{
	const size_t ps = page_size();
	size_t off = 0;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&rd.lock);
		while (!__atomic_load_n(&rd.active, __ATOMIC_ACQUIRE) &&
		       !__atomic_load_n(&rd.stop, __ATOMIC_ACQUIRE)) {
			if (off) {
				/* Re-arm while nobody is measured. */
				madvise(rd.range, off, MADV_DONTNEED);
				off = 0;
			}
			pthread_cond_wait(&rd.cond, &rd.lock);
		}
		pthread_mutex_unlock(&rd.lock);
		if (__atomic_load_n(&rd.stop, __ATOMIC_ACQUIRE))
			return NULL;

		while (__atomic_load_n(&rd.active, __ATOMIC_RELAXED)) {
			if (off == READER_SIZE) {
				madvise(rd.range, off, MADV_DONTNEED);
				off = 0;
			}
			/* A read fault: maps the zero page. */
			(void)*(volatile char *)(rd.range + off);
			off += ps;
			__atomic_add_fetch(&rd.faults, 1, __ATOMIC_RELAXED);
			spin_ns(rd.pause_ns);
		}
	}
}

static void reader_set(int active, int stop)
{
	pthread_mutex_lock(&rd.lock);
	__atomic_store_n(&rd.active, active, __ATOMIC_RELEASE);
	__atomic_store_n(&rd.stop, stop, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&rd.cond);
	pthread_mutex_unlock(&rd.lock);
}

static unsigned long reader_faults(void)
{
	return __atomic_load_n(&rd.faults, __ATOMIC_RELAXED);
}

/*
 * This thread on the first CPU it may use, the reader on the second; no
 * reader (rd.cpu -1) with a single CPU.
 */
static int reader_start(void)
{
	const size_t len = READER_SIZE;
	cpu_set_t set;
	int cpu, err;

	rd.main_cpu = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return fail("sched_getaffinity: %s", strerror(errno));
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (rd.main_cpu < 0) {
			rd.main_cpu = cpu;
		} else {
			rd.cpu = cpu;
			break;
		}
	}
	if (rd.main_cpu >= 0) {
		err = pin(pthread_self(), rd.main_cpu);
		if (err)
			return fail("pinning to CPU %d: %s", rd.main_cpu,
				    strerror(err));
	}
	if (getenv("BENCH_READER") && !strcmp(getenv("BENCH_READER"), "0"))
		rd.cpu = -1;
	rd.pause_ns = READER_PAUSE_NS;
	if (getenv("BENCH_READER_PAUSE_US"))
		rd.pause_ns = atoll(getenv("BENCH_READER_PAUSE_US")) * 1000;
	if (rd.cpu < 0)
		return 0;

	rd.range = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (rd.range == MAP_FAILED)
		return fail("mapping the reader's range: %s", strerror(errno));
	madvise(rd.range, len, MADV_NOHUGEPAGE);
	err = pthread_create(&rd.thread, NULL, reader, NULL);
	if (err)
		return fail("pthread_create: %s", strerror(err));
	rd.started = true;
	err = pin(rd.thread, rd.cpu);
	if (err)
		return fail("pinning the reader to CPU %d: %s", rd.cpu,
			    strerror(err));
	return 0;
}

static void reader_stop(void)
{
	if (!rd.started)
		return;
	reader_set(0, 1);
	pthread_join(rd.thread, NULL);
	rd.started = false;
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

/* The reader's faults per ms while this thread spins for @ns. */
static double idle_rate(long long ns)
{
	unsigned long f0 = reader_faults();
	long long t0 = now_ns();

	sleep_ns(ns);
	return (double)(reader_faults() - f0) * NSEC_PER_MSEC /
	       (now_ns() - t0);
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
	long long t0, idle_ns;
	unsigned long f0, f1;
	bool rt;
	int ret;

	memset(m, 0, sizeof(*m));
	m->reader_faults = -1;
	m->idle_per_ms = m->progress = -1;

	t0 = now_ns();
	if (map_scenario(sc, size))
		return -1;
	m->populate_ns = now_ns() - t0;
	m->len = b.map.mapped;

	if (dbg_write("reset", "1") || dbg_write("enable", "1"))
		return fail("starting the recording: %s", strerror(errno));

	/*
	 * The reader's idle rate, with the recording on as during the call
	 * (6.1 does more work per mmap_lock event while the tracepoints have
	 * a probe), while this thread sleeps.  Not spinning: under TCG this
	 * vCPU reading the clock in a loop slowed the reader by about a fifth,
	 * which came out as a progress over 100% in the calls.  (In the
	 * bench's guest, idle=poll keeps the sleeping vCPU as busy for the
	 * host as a working one.)
	 */
	idle_ns = idle_length(sc, size);
	if (rd.cpu >= 0) {
		reader_set(1, 0);
		sleep_ns(READER_WARMUP_NS);
		m->idle_per_ms = idle_rate(idle_ns);
	}

	if (dbg_write("reset", "1"))
		return fail("resetting the recording: %s", strerror(errno));
	rt = sched_setscheduler(0, SCHED_FIFO, &fifo) == 0;
	f0 = reader_faults();
	if (rd.cpu >= 0) {
		/* Start right after a fault: see READER_PAUSE_NS. */
		t0 = now_ns();
		while (reader_faults() == f0 && now_ns() - t0 < READER_SYNC_NS)
			;
		f0 = reader_faults();
	}
	t0 = now_ns();
	ret = do_call(sc, &b.map);
	m->call_ns = now_ns() - t0;
	f1 = reader_faults();
	if (rt)
		sched_setscheduler(0, SCHED_OTHER, &other);
	if (rd.cpu >= 0) {
		double after = idle_rate(idle_ns);

		if (after > m->idle_per_ms)
			m->idle_per_ms = after;
	}
	reader_set(0, 0);
	if (dbg_write("enable", "0"))
		return fail("stopping the recording: %s", strerror(errno));
	if (ret)
		return fail("the call failed: %s", strerror(-ret));
	if (mlh_read_stats(&m->s))
		return fail("reading the module's stats: %s", strerror(errno));
	m->op = *mlh_find_op(&m->s, sc->op);
	m->window_ns = m->op.max;

	if (rd.cpu >= 0) {
		m->reader_faults = f1 - f0;
		if (m->idle_per_ms > 0)
			m->progress = m->reader_faults /
				      (m->idle_per_ms * m->call_ns /
				       NSEC_PER_MSEC);
	}
	sc->last_call_ns = m->call_ns;
	sc->last_size = size;

	/* Valid: the call's one window, whole, and nothing else. */
	if (m->op.count != 1 || m->s.windows != 1)
		return fail("expected one '%s' window, got %lld (of %ld windows)",
			    sc->op, m->op.count, m->s.windows);
	if (m->s.open || m->s.dropped || m->s.replaced ||
	    m->s.closed_release + m->s.closed_downgrade != 1)
		return fail("window not measured whole: open=%ld dropped=%ld replaced=%ld",
			    m->s.open, m->s.dropped, m->s.replaced);
	if (m->window_ns > m->call_ns)
		return fail("window %lld ns longer than the call, %lld ns",
			    m->window_ns, m->call_ns);
	return 0;
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
	printf("# bench: kernel=%s release=%s scenario=%s size=%zu capped=%d run=%d op=%s lock=%s call_ns=%lld window_ns=%lld ratio=%.4f reader_faults=%lld reader_idle_per_ms=%.2f reader_progress=%.4f populate_ns=%lld\n",
	       b.kernel, b.uts.release, sc->name, m->len,
	       sc->cap != CAP_NONE, run, sc->op,
	       m->s.closed_downgrade ? "down" : "excl", m->call_ns,
	       m->window_ns, m->call_ns ? (double)m->window_ns / m->call_ns : 0,
	       m->reader_faults, m->idle_per_ms, m->progress, m->populate_ns);
	fflush(stdout);
}

static int tap_n;

/* Every run of one scenario at one size: one TAP test point. */
static bool run_size(struct scenario *sc, size_t size)
{
	long long call[MAX_RUNS], win[MAX_RUNS];
	double ratio[MAX_RUNS], prog[MAX_RUNS];
	int run, ok = 0, nprog = 0;
	bool failed = false;
	struct meas m;
	char hs[32];

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
			ratio[ok] = (double)m.window_ns / m.call_ns;
			if (m.progress >= 0)
				prog[nprog++] = m.progress;
			ok++;
		}
		reader_set(0, 0);
		if (b.recording)
			dbg_write("enable", "0");
		put_mapping();
	}
	tap_n++;
	if (!ok) {
		printf("not ok %d %s %s\n", tap_n, sc->name, hs);
		return false;
	}
	printf("%sok %d %s %s: call %.2f ms, exclusive %.2f ms (%.1f%%), reader progress %s%.0f%s (medians of %d)\n",
	       failed ? "not " : "", tap_n, sc->name, hs,
	       median_ll(call, ok) / 1e6, median_ll(win, ok) / 1e6,
	       100 * median_double(ratio, ok), nprog ? "" : "n/a (",
	       nprog ? 100 * median_double(prog, nprog) : 0,
	       nprog ? "%" : ")", ok);
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

/* One scenario at each of its sizes; false if anything failed. */
static bool run_scenario(struct scenario *sc)
{
	size_t sizes[MAX_SIZES];
	int n = scenario_sizes(sc, sizes), i, ret = 1;
	char hs[32];
	bool good = true;

	why[0] = '\0';
	if (sc->cap == CAP_MEMORY && b.sizes[b.nr_sizes - 1] > b.cap)
		printf("# %s: capped at %s (BENCH_CAP): it needs real memory\n",
		       sc->name, human(b.cap, hs, sizeof(hs)));
	if (sc->cap == CAP_MODULE && b.sizes[b.nr_sizes - 1] > MLH_MAX_SIZE)
		printf("# %s: capped at the module's %s\n", sc->name,
		       human(MLH_MAX_SIZE, hs, sizeof(hs)));

	if (sc->kind == SCEN_HUGETLB)
		ret = scen_hugetlb_prepare(&b.env, sizes[n - 1]);
	else if (sc->kind == SCEN_UPROBE)
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
	    (sc->kind == SCEN_UPROBE && scen_file_put(&b.env))) {
		printf("# %s: %s\n", sc->name, b.env.why);
		good = false;
	}
	return good;
}

int main(void)
{
	size_t sizes[MAX_SIZES];
	char tgid[16], hs[32];
	unsigned int i;
	bool good = true;
	int total = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (parse_settings())
		return 1;
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return KSFT_SKIP;
	}
	if (!module_loaded()) {
		printf("1..0 # SKIP mmap_lock_hold not loaded: no %s or %s\n",
		       MLH_DEV_PATH, MLH_DEBUGFS_DIR);
		return KSFT_SKIP;
	}
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (scenarios[i].selected)
			total += scenario_sizes(&scenarios[i], sizes);
	printf("1..%d\n", total);

	scen_env_init(&b.env, "munmap_bench");
	atexit(cleanup);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	if (scen_dev_open(&b.env)) {
		printf("# %s\n", b.env.why);
		return 1;
	}
	/*
	 * Before the reader thread: tracefs_find() may unshare the mount
	 * namespace, which a multi-threaded process cannot.
	 */
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (scenarios[i].selected && scenarios[i].kind == SCEN_UPROBE)
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
	if (reader_start()) {
		printf("# %s\n", why);
		return 1;
	}
	printf("# munmap_bench: kernel=%s release=%s runs=%d cap=%s cpus: caller %d, reader %d (pause %lld us)\n",
	       b.kernel, b.uts.release, b.runs, human(b.cap, hs, sizeof(hs)),
	       rd.main_cpu, rd.cpu, rd.pause_ns / 1000);
	if (rd.cpu < 0)
		printf("# no reader (BENCH_READER=0 or one CPU): reader_* are -1\n");

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (scenarios[i].selected)
			good &= run_scenario(&scenarios[i]);

	reader_stop();
	cleanup();
	printf("# munmap_bench: %s\n", good ? "done" : "some measurements failed");
	return good ? 0 : 1;
}
