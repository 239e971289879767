// SPDX-License-Identifier: GPL-2.0
/*
 * Accesses racing munmap().
 *
 * The series zaps the pages of an unmapped range after it has downgraded
 * mmap_lock to read: other threads of the process then fault, and run,
 * while the page tables of the range are being torn down.  Whatever they
 * see must be one of two things:
 *
 * - the old contents, through a PTE not yet cleared or a TLB entry not
 *   yet flushed: the page's pattern (page_word()), or the value this very
 *   thread last wrote to its own word of the page;
 * - SIGSEGV with SEGV_MAPERR at the address accessed: the VMA is gone.
 *
 * Never a zero page (a fault that found the VMA and populated it again
 * after the zap), never someone else's data (a page freed before the TLB
 * flush and reused while a stale TLB entry still points at it), never a
 * SIGSEGV before munmap() was called, nor a successful access after it
 * returned (a TLB entry the unmap failed to flush).
 *
 * Each test runs rounds: map RANGE_PAGES pages at a fixed place, fill
 * them, let NACC accessor threads hammer random pages (reads that check
 * several words of the pattern plus every thread's word, and writes to
 * the thread's own word), call munmap() while they do, and let them make
 * POST_ACCESSES more accesses after it returned.  An access counts as a
 * race when it overlapped the call: the phase it read before it was
 * "unmap in flight", or it read "not yet" before and "in flight" or
 * "done" after.  Rounds repeat until at least MIN_RACES accesses raced,
 * which is asserted, so a machine that never runs the accessors during
 * the call cannot pass by doing nothing.
 *
 * Variants: private memory in small pages, in huge pages (MADV_HUGEPAGE,
 * zapped a PMD at a time), and shared (shmem); the same with only the
 * middle half unmapped, where the pages that stay must never fault and
 * keep every word (checked whole after each round); and with a thread
 * that recycles pages while the unmap runs, so that one freed too early
 * comes back as foreign data.  With two CPUs or more the unmapping
 * thread has the first to itself and the accessors run on the others.
 *
 * No memory is allocated during a round: the threads, their stacks and
 * the reservation around the range all exist before the first one, so
 * nothing the process maps can land in the hole an unmap leaves (the next
 * round maps it with MAP_FIXED_NOREPLACE, which would notice).
 *
 * Two control tests replace the munmap() with something a broken unmap
 * could look like, and expect the checker to see it: MADV_DONTNEED (zero
 * pages where the old data should be) and an mremap() of other data over
 * the range (foreign data, as a page reused before the TLB flush shows).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "munmap_util.h"

#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE		14
#define MADV_NOHUGEPAGE		15
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define RANGE_PAGES	4096		/* 16 MiB with 4 KiB pages */
#define HUGE_ALIGN	(2UL << 20)	/* the range can take PMD mappings */
#define NACC		2		/* accessor threads */
#define MIN_RACES	10000		/* per test, asserted */
#define MIN_ROUNDS	4
#define MAX_ROUNDS	1000
#define BUDGET_NS	(30LL * 1000000000)	/* no new round after this */
#define WARM_ACCESSES	64	/* by each accessor before the munmap() */
#define POST_ACCESSES	16	/* by each accessor after it returned */
#define CONTROL_ROUNDS	20	/* a control gives up after this many */
#define RACE_TIMEOUT	180	/* harness timeout of each test, seconds */

/* Word of a page thread @t writes; the checked pattern words avoid them. */
#define SLOT(t)		(64 * (t) + 1)
#define NPROBE		8
/* Pattern words a read checks, different for every page. */
#define PROBE(i, p)	(64 * (i) + 32 + ((p) & 31))
/* A written slot is the pattern XOR a sequence number below this. */
#define SEQ_LIMIT	(1U << 31)

enum phase { PH_PRE = 1, PH_FLIGHT, PH_DONE };

enum unmap_how {
	UNMAP_MUNMAP,
	UNMAP_DONTNEED,		/* control: zero pages */
	UNMAP_FOREIGN,		/* control: other data moved over the range */
};

enum result { ACC_OK, ACC_BAD_DATA, ACC_FAULT };

/* What one thread saw in one round; summed by the main thread. */
struct counts {
	unsigned long ok_race;		/* old data, while the call ran */
	unsigned long segv_race;	/* SEGV_MAPERR, while the call ran */
	unsigned long ok_before;	/* before the call (unmapped pages) */
	unsigned long ok_kept;		/* pages outside the unmapped part */
	unsigned long segv_after;	/* SEGV_MAPERR once it had returned */
	unsigned long bad_data;		/* wrong contents */
	unsigned long bad;		/* every failed expectation */
	unsigned long recycled;		/* pages the recycler wrote */
};

struct acc {
	pthread_t thread;
	int id;				/* slot, < NACC; -1: the recycler */
	uint64_t rng;
	uint32_t seq;
	struct counts c;
	char why[256];			/* the first bad access of the round */
	/* Sequence number last written to this thread's slot, 0: none. */
	uint32_t last[RANGE_PAGES];
};

/* The round, as the main thread sets it up for the others. */
static struct {
	char *base;			/* RANGE_PAGES pages */
	char *recycle;			/* RECYCLE_PAGES pages, the recycler's */
	unsigned long tag0;		/* fill_page() tag of page 0 */
	unsigned int lo, hi;		/* pages [lo, hi) go */
	atomic_int phase;
	atomic_int warm;		/* accessors past WARM_ACCESSES */
	atomic_int quit;
	pthread_barrier_t start, end;
} rs;

#define RECYCLE_PAGES	64
#define FOREIGN_TAG	0x40000000UL

static __thread sigjmp_buf acc_env;
static __thread volatile int acc_armed;
static __thread volatile int acc_code;
static __thread void *volatile acc_addr;

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	if (!acc_armed) {
		/* A fault outside an access: return into it and die of it. */
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	acc_armed = 0;
	acc_code = si->si_code;
	acc_addr = si->si_addr;
	siglongjmp(acc_env, 1);
}

static uint64_t next_rand(uint64_t *s)
{
	/* xorshift64 */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Check the words a read looks at, the page's pattern in the probe words,
 * a sequence number XORed into it in the other threads' slots, and
 * exactly the last value written by this thread in its own slot.
 * Returns -1 if all match, else the index of the first word that does
 * not; *@got is its value, *@want what was expected.
 */
static int bad_word(const struct acc *a, volatile uint64_t *w, unsigned int p,
		    uint64_t *got, uint64_t *want)
{
	unsigned long tag = rs.tag0 + p;
	unsigned int i;
	int t;

	for (i = 0; i < NPROBE; i++) {
		*got = w[PROBE(i, p)];
		*want = page_word(tag, PROBE(i, p));
		if (*got != *want)
			return PROBE(i, p);
	}
	for (t = 0; t < NACC; t++) {
		*got = w[SLOT(t)];
		*want = page_word(tag, SLOT(t));
		if (t == a->id) {
			if (a->last[p])
				*want ^= a->last[p];
			if (*got != *want)
				return SLOT(t);
		} else if ((*got ^ *want) >= SEQ_LIMIT) {
			return SLOT(t);
		}
	}
	return -1;
}

/* One read or write of page @p, with SIGSEGV turned into ACC_FAULT. */
static enum result access_page(struct acc *a, unsigned int p, bool write,
			       int *word, uint64_t *got, uint64_t *want)
{
	volatile uint64_t *w = (volatile uint64_t *)(rs.base +
						     (size_t)p * page_size());
	volatile uint32_t n;

	if (write) {
		n = a->seq = a->seq + 1 < SEQ_LIMIT ? a->seq + 1 : 1;
		*want = page_word(rs.tag0 + p, SLOT(a->id)) ^ n;
	}
	/* No mask saved or restored: SA_NODEFER leaves SIGSEGV unblocked. */
	if (sigsetjmp(acc_env, 0))
		return ACC_FAULT;
	acc_armed = 1;
	if (write) {
		w[SLOT(a->id)] = *want;
		acc_armed = 0;
		a->last[p] = n;
		return ACC_OK;
	}
	*word = bad_word(a, w, p, got, want);
	acc_armed = 0;
	return *word < 0 ? ACC_OK : ACC_BAD_DATA;
}

static void note_bad(struct acc *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_bad(struct acc *a, const char *fmt, ...)
{
	va_list ap;

	if (!a->c.bad++) {
		va_start(ap, fmt);
		vsnprintf(a->why, sizeof(a->why), fmt, ap);
		va_end(ap);
	}
}

static const char *phase_name(int ph)
{
	return ph == PH_PRE ? "before" : ph == PH_FLIGHT ? "during" : "after";
}

static void accessor_round(struct acc *a)
{
	unsigned int post = 0, n = 0;

	memset(a->last, 0, sizeof(a->last));
	for (;;) {
		int ph0 = atomic_load(&rs.phase), ph1;
		uint64_t r = next_rand(&a->rng), got = 0, want = 0;
		unsigned int p = (r >> 8) % RANGE_PAGES;
		bool write = r & 1, gone = p >= rs.lo && p < rs.hi;
		enum result res;
		int word = -1;

		if (ph0 == PH_DONE && post++ >= POST_ACCESSES)
			break;
		res = access_page(a, p, write, &word, &got, &want);
		ph1 = atomic_load(&rs.phase);
		if (++n == WARM_ACCESSES)
			atomic_fetch_add(&rs.warm, 1);

		if (res == ACC_FAULT) {
			char *page = rs.base + (size_t)p * page_size();

			if (acc_code != SEGV_MAPERR ||
			    (char *)acc_addr < page ||
			    (char *)acc_addr >= page + page_size())
				note_bad(a, "page %u: SIGSEGV si_code %d at %p, page at %p (%s munmap)",
					 p, acc_code, acc_addr, page,
					 phase_name(ph0));
			else if (!gone)
				note_bad(a, "page %u, outside the unmapped part, faulted (%s munmap)",
					 p, phase_name(ph0));
			else if (ph1 == PH_PRE)
				note_bad(a, "page %u faulted before munmap() was called",
					 p);
			else if (ph0 == PH_DONE)
				a->c.segv_after++;
			else
				a->c.segv_race++;
		} else if (res == ACC_BAD_DATA) {
			a->c.bad_data++;
			note_bad(a, "page %u word %d: %#llx, expected %#llx (%s munmap%s)",
				 p, word, (unsigned long long)got,
				 (unsigned long long)want, phase_name(ph0),
				 got ? "" : ": a zero page");
		} else if (!gone) {
			a->c.ok_kept++;
		} else if (ph0 == PH_DONE) {
			note_bad(a, "page %u %s after munmap() returned",
				 p, write ? "written" : "read");
		} else if (ph0 == PH_FLIGHT || ph1 != PH_PRE) {
			a->c.ok_race++;
		} else {
			a->c.ok_before++;
		}
	}
}

/*
 * Until the unmap is over, fault pages in and give them back over and
 * over, each filled with a tag no page of the range has, on the
 * unmapping thread's CPU: the pages the unmap frees go to that CPU's
 * free lists first.  A page freed before the TLB flush and taken here
 * is then foreign data to an accessor still reaching it through a stale
 * TLB entry.  It also takes the CPU from the unmap now and then, which
 * makes the call last longer.
 */
static void recycler_round(struct acc *a)
{
	size_t ps = page_size();
	unsigned int i;

	while (atomic_load(&rs.phase) != PH_DONE) {
		for (i = 0; i < RECYCLE_PAGES; i++)
			fill_page(rs.recycle + i * ps, FOREIGN_TAG + i);
		madvise(rs.recycle, RECYCLE_PAGES * ps, MADV_DONTNEED);
		a->c.recycled += RECYCLE_PAGES;
	}
}

/*
 * With two CPUs or more: the unmapping thread (and the recycler) on the
 * first, the accessors on the others, so that they run while it unmaps
 * rather than wait for it to be preempted.  Best effort: a cpuset too
 * small only makes fewer accesses race.
 */
static int cpus[CPU_SETSIZE], ncpus;

#define PIN_UNMAPPER	-1

static void pin(int which)
{
	cpu_set_t set;

	if (ncpus < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(which == PIN_UNMAPPER ? cpus[0] :
		cpus[1 + which % (ncpus - 1)], &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void find_cpus(void)
{
	cpu_set_t set;
	int i;

	ncpus = 0;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpus[ncpus++] = i;
}

static void *thread_fn(void *arg)
{
	struct acc *a = arg;

	pin(a->id < 0 ? PIN_UNMAPPER : a->id);

	for (;;) {
		pthread_barrier_wait(&rs.start);
		if (atomic_load(&rs.quit))
			break;
		memset(&a->c, 0, sizeof(a->c));
		a->why[0] = '\0';
		if (a->id < 0)
			recycler_round(a);
		else
			accessor_round(a);
		pthread_barrier_wait(&rs.end);
	}
	return NULL;
}

static struct acc accs[NACC + 1];

FIXTURE(race) {
	char *res;		/* guard, range (2 MiB aligned), guard */
	size_t res_len;
	char *foreign;		/* control: where the foreign data waits */
	int nthreads;
	bool started;
	struct counts total;
	int rounds;
	int thp_rounds;		/* rounds whose range had huge pages */
	char thp_mode[128];
	/* Per phase of the rounds, summed: map and fill, warm-up, unmap, rest. */
	long long map_ns, warm_ns, unmap_ns, end_ns;
};

FIXTURE_VARIANT(race) {
	bool shared;		/* MAP_SHARED anonymous (shmem) */
	int thp;		/* MADV_HUGEPAGE if > 0, NOHUGEPAGE if < 0 */
	bool partial;		/* unmap the middle half only */
	bool recycle;		/* run the recycler thread too */
	enum unmap_how how;
};

FIXTURE_VARIANT_ADD(race, private) { .thp = -1 };
FIXTURE_VARIANT_ADD(race, private_thp) { .thp = 1 };
FIXTURE_VARIANT_ADD(race, shared) { .shared = true };
FIXTURE_VARIANT_ADD(race, private_partial) { .thp = -1, .partial = true };
FIXTURE_VARIANT_ADD(race, shared_partial) { .shared = true, .partial = true };
FIXTURE_VARIANT_ADD(race, private_recycle) { .thp = -1, .recycle = true };
FIXTURE_VARIANT_ADD(race, control_zero_page) {
	.thp = -1, .how = UNMAP_DONTNEED,
};
FIXTURE_VARIANT_ADD(race, control_foreign_data) {
	.thp = -1, .how = UNMAP_FOREIGN,
};

FIXTURE_SETUP(race)
{
	struct sigaction sa = {
		.sa_sigaction = segv_handler,
		.sa_flags = SA_SIGINFO | SA_NODEFER,
	};
	size_t ps = page_size(), len = RANGE_PAGES * ps;
	int i;

	ASSERT_EQ(0UL, len % HUGE_ALIGN);
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));

	find_cpus();
	pin(PIN_UNMAPPER);
	/* Threads first: their stacks are mapped now, not during a round. */
	self->nthreads = NACC + (variant->recycle ? 1 : 0);
	ASSERT_EQ(0, pthread_barrier_init(&rs.start, NULL, self->nthreads + 1));
	ASSERT_EQ(0, pthread_barrier_init(&rs.end, NULL, self->nthreads + 1));
	atomic_store(&rs.quit, 0);
	for (i = 0; i < self->nthreads; i++) {
		accs[i].id = i < NACC ? i : -1;
		accs[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1) ^ now_ns();
		accs[i].seq = 0;
		ASSERT_EQ(0, pthread_create(&accs[i].thread, NULL, thread_fn,
					    &accs[i]));
	}
	self->started = true;

	if (variant->recycle) {
		rs.recycle = mmap(NULL, RECYCLE_PAGES * ps, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, rs.recycle);
	}
	if (variant->how == UNMAP_FOREIGN) {
		self->foreign = mmap(NULL, len, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				     -1, 0);
		ASSERT_NE(MAP_FAILED, self->foreign);
	}

	/*
	 * A PROT_NONE reservation with room to align the range; the range
	 * itself is then unmapped, a hole between two guards that only
	 * this test maps anything into.
	 */
	self->res_len = len + HUGE_ALIGN + 2 * ps;
	self->res = mmap(NULL, self->res_len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->res);
	rs.base = (char *)(((unsigned long)self->res + ps + HUGE_ALIGN - 1) &
			   ~(HUGE_ALIGN - 1));
	ASSERT_EQ(0, munmap(rs.base, len));
}

FIXTURE_TEARDOWN(race)
{
	int i;

	/* Threads wait at the start barrier between rounds. */
	if (self->started) {
		atomic_store(&rs.quit, 1);
		pthread_barrier_wait(&rs.start);
		for (i = 0; i < self->nthreads; i++)
			pthread_join(accs[i].thread, NULL);
	}
	if (self->res)
		munmap(self->res, self->res_len);
	if (self->foreign)
		munmap(self->foreign, RANGE_PAGES * page_size());
	if (rs.recycle)
		munmap(rs.recycle, RECYCLE_PAGES * page_size());
	rs.recycle = NULL;
}

/* Map and fill the range for round @round; 0 or an errno. */
/*
 * Write the words of page @p that the accessors look at (the probe words
 * and the slots) with the pattern of @tag.  Only those: the other words
 * are never read during a round, and writing 16 MiB every round would
 * make up most of a round's time under TCG.
 */
static void fill_checked(char *page, unsigned int p, unsigned long tag)
{
	uint64_t *w = (uint64_t *)page;
	unsigned int i;

	for (i = 0; i < NPROBE; i++)
		w[PROBE(i, p)] = page_word(tag, PROBE(i, p));
	for (i = 0; i < NACC; i++)
		w[SLOT(i)] = page_word(tag, SLOT(i));
}

/* Map and fill the range for round @round; 0 or an errno. */
static int map_round(FIXTURE_DATA(race) *self,
		     const FIXTURE_VARIANT(race) *variant, int round)
{
	size_t ps = page_size(), len = RANGE_PAGES * ps;
	int flags = MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
	unsigned int i;
	char *p;

	flags |= variant->shared ? MAP_SHARED : MAP_PRIVATE;
	p = mmap(rs.base, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return errno;
	if (p != rs.base) {
		/* A kernel without MAP_FIXED_NOREPLACE took it as a hint. */
		munmap(p, len);
		return EEXIST;
	}
	if (variant->thp)
		madvise(p, len, variant->thp > 0 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	/* Faulting 4096 pages in one at a time is slow under TCG. */
	madvise(p, len, MADV_POPULATE_WRITE);	/* 5.14+; else the fill faults */

	/* Another tag every round: a page left over from the last one is foreign. */
	rs.tag0 = (unsigned long)round * RANGE_PAGES;
	for (i = 0; i < RANGE_PAGES; i++) {
		/* check_kept() looks at every word of the pages that stay. */
		if (variant->partial)
			fill_page(p + i * ps, rs.tag0 + i);
		else
			fill_checked(p + i * ps, i, rs.tag0 + i);
	}

	if (variant->how == UNMAP_FOREIGN) {
		p = mmap(self->foreign, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED)
			return errno;
		for (i = 0; i < RANGE_PAGES; i++)
			fill_checked(p + i * ps, i, FOREIGN_TAG + rs.tag0 + i);
	}
	return 0;
}

static int do_unmap(FIXTURE_DATA(race) *self,
		    const FIXTURE_VARIANT(race) *variant)
{
	size_t ps = page_size();
	char *start = rs.base + (size_t)rs.lo * ps;
	size_t len = (size_t)(rs.hi - rs.lo) * ps;

	switch (variant->how) {
	case UNMAP_DONTNEED:
		return madvise(start, len, MADV_DONTNEED);
	case UNMAP_FOREIGN:
		return mremap(self->foreign, len, len,
			      MREMAP_MAYMOVE | MREMAP_FIXED, start) == start ?
		       0 : -1;
	default:
		return munmap(start, len);
	}
}

/* The pages that stayed hold their pattern and what the accessors wrote. */
static void check_kept(struct __test_metadata *_metadata)
{
	unsigned int p;
	int t;

	for (p = 0; p < RANGE_PAGES; p++) {
		volatile uint64_t *w;
		uint64_t got, want;
		int word;

		if (p >= rs.lo && p < rs.hi)
			continue;
		w = (volatile uint64_t *)(rs.base + (size_t)p * page_size());
		for (t = 0; t < NACC; t++) {
			got = w[SLOT(t)];
			want = page_word(rs.tag0 + p, SLOT(t)) ^ accs[t].last[p];
			ASSERT_EQ(want, got)
				TH_LOG("kept page %u: slot of thread %d", p, t);
		}
		/* Every other word: exactly the pattern. */
		for (word = 0; word < (int)(page_size() / 8); word++) {
			if (word % 64 == 1 && word / 64 < NACC)
				continue;
			ASSERT_EQ(page_word(rs.tag0 + p, word), w[word])
				TH_LOG("kept page %u word %d", p, word);
		}
	}
}

static void add_counts(struct counts *to, const struct counts *c)
{
	to->ok_race += c->ok_race;
	to->segv_race += c->segv_race;
	to->ok_before += c->ok_before;
	to->ok_kept += c->ok_kept;
	to->segv_after += c->segv_after;
	to->bad_data += c->bad_data;
	to->bad += c->bad;
	to->recycled += c->recycled;
}

/* One round; returns the first bad access's description, or NULL. */
static const char *round_once(struct __test_metadata *_metadata,
			      FIXTURE_DATA(race) *self,
			      const FIXTURE_VARIANT(race) *variant)
{
	size_t ps = page_size();
	const char *why = NULL;
	long long t0, t1;
	int err, ret, i;

	t0 = now_ns();
	err = map_round(self, variant, self->rounds);
	ASSERT_EQ(0, err) TH_LOG("round %d: mapping the range: %s%s",
				 self->rounds, strerror(err),
				 err == EEXIST ? " (something mapped into the hole)" : "");
	/* Whether the THP variant really has huge pages to zap. */
	if (variant->thp > 0 && smaps_rollup_kb("AnonHugePages") > 0)
		self->thp_rounds++;
	if (variant->partial) {
		rs.lo = RANGE_PAGES / 4;
		rs.hi = RANGE_PAGES - RANGE_PAGES / 4;
	} else {
		rs.lo = 0;
		rs.hi = RANGE_PAGES;
	}
	atomic_store(&rs.phase, PH_PRE);
	atomic_store(&rs.warm, 0);

	/* No ASSERT from here to the end barrier: the threads are running. */
	t1 = now_ns();
	self->map_ns += t1 - t0;
	pthread_barrier_wait(&rs.start);
	/*
	 * One accessor running with the range in its TLB is enough: the
	 * others may share a CPU with it and wait for its time slice.
	 */
	while (atomic_load(&rs.warm) < 1)
		sched_yield();
	atomic_store(&rs.phase, PH_FLIGHT);
	t0 = now_ns();
	self->warm_ns += t0 - t1;
	ret = do_unmap(self, variant);
	err = errno;
	t1 = now_ns();
	self->unmap_ns += t1 - t0;
	atomic_store(&rs.phase, PH_DONE);
	pthread_barrier_wait(&rs.end);

	ASSERT_EQ(0, ret) TH_LOG("round %d: unmap: %s", self->rounds,
				 strerror(err));
	for (i = 0; i < self->nthreads; i++) {
		add_counts(&self->total, &accs[i].c);
		if (!why && accs[i].why[0])
			why = accs[i].why;
	}
	if (variant->partial && variant->how == UNMAP_MUNMAP)
		check_kept(_metadata);
	/* Leave the hole for the next round. */
	ASSERT_EQ(0, munmap(rs.base, RANGE_PAGES * ps));
	self->end_ns += now_ns() - t1;
	self->rounds++;
	return why;
}

static void print_totals(FIXTURE_DATA(race) *self)
{
	const struct counts *c = &self->total;
	int n = self->rounds ? self->rounds : 1;

	ksft_print_msg("races: rounds=%d accesses_ok=%lu segv=%lu bad=%lu\n",
		 self->rounds, c->ok_race, c->segv_race, c->bad);
	ksft_print_msg("also: ok_before=%lu ok_kept=%lu segv_after=%lu bad_data=%lu recycled=%lu\n",
		 c->ok_before, c->ok_kept, c->segv_after, c->bad_data,
		 c->recycled);
	ksft_print_msg("per round: map+fill %lld us, warm-up %lld us, unmap %lld us, rest %lld us\n",
		 self->map_ns / 1000 / n, self->warm_ns / 1000 / n,
		 self->unmap_ns / 1000 / n, self->end_ns / 1000 / n);
}

TEST_F_TIMEOUT(race, unmap, RACE_TIMEOUT)
{
	long long start = now_ns();
	const char *why = NULL;

	if (variant->thp > 0 &&
	    read_file("/sys/kernel/mm/transparent_hugepage/enabled",
		      self->thp_mode, sizeof(self->thp_mode)) > 0 &&
	    strstr(self->thp_mode, "[never]"))
		SKIP(return, "THP is disabled: transparent_hugepage/enabled is [never]");

	if (variant->how != UNMAP_MUNMAP) {
		/* A control: the checker must see what is wrong with it. */
		while (self->rounds < CONTROL_ROUNDS && !self->total.bad_data)
			why = round_once(_metadata, self, variant);
		print_totals(self);
		if (why)
			ksft_print_msg("caught, as it should be: %s\n", why);
		ASSERT_LT(0UL, self->total.bad_data)
			TH_LOG("the checker did not notice %s",
			       variant->how == UNMAP_DONTNEED ?
			       "zero pages" : "foreign data");
		return;
	}

	while (self->rounds < MAX_ROUNDS) {
		why = round_once(_metadata, self, variant);
		if (why)
			break;
		if (self->rounds >= MIN_ROUNDS &&
		    self->total.ok_race + self->total.segv_race >= MIN_RACES)
			break;
		if (now_ns() - start > BUDGET_NS)
			break;
	}
	if (variant->thp > 0)
		ksft_print_msg("huge pages in the range in %d of %d rounds\n",
			       self->thp_rounds, self->rounds);
	print_totals(self);
	ksft_print_msg("%lld ms\n", (now_ns() - start) / 1000000);
	ASSERT_TRUE(!why) TH_LOG("%s", why);
	ASSERT_EQ(0UL, self->total.bad);
	ASSERT_LE((unsigned long)MIN_RACES, self->total.ok_race + self->total.segv_race)
		TH_LOG("only %lu accesses raced munmap() in %d rounds",
		       self->total.ok_race + self->total.segv_race,
		       self->rounds);
	/* Not a failure, but not what the variant is for either. */
	if (variant->thp > 0 && !self->thp_rounds)
		SKIP(return, "no huge page in any of the %d rounds: only small pages were zapped",
		     self->rounds);
}

TEST_HARNESS_MAIN
