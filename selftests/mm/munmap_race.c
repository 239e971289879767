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
 *
 * Two variants cover what "always downgrade mmap_lock when the caller
 * asks" newly downgrades: a range directly below a VM_GROWSDOWN VMA, a
 * MAP_GROWSDOWN mapping of the test's own (below_growsdown) or the main
 * thread's stack (below_stack), which stock 6.1 zaps with the lock
 * exclusive.  The accessors also read (and, in their own mapping, write)
 * the growsdown VMA itself, and fault just below it: once the range's VMA
 * is gone, such a fault grows the stack down into the hole, which 6.1.y
 * does only with mmap_lock held for write, i.e. after the zap.  So a page
 * of the range reads as its old data until the call returns, or as a
 * new, zero-filled stack page once the call has started, never the old
 * data again after that, never anything else, and what a thread writes
 * to a grown page stays.  After each round the growsdown VMA must reach
 * down exactly as far as the faults could have grown it (see
 * check_growth()), as stock leaves it, and no piece of the range's VMA
 * may be left; the growth is then unmapped for the next round.  These
 * unmap a small range (BELOW_PAGES) and run at least BELOW_MIN_ROUNDS
 * rounds (MUNMAP_RACE_BELOW_ROUNDS).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
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
#define BELOW_PAGES	16		/* the range of the below_* variants */
/*
 * Their rounds, asserted: MUNMAP_RACE_BELOW_ROUNDS, default
 * BELOW_MIN_ROUNDS.  A round takes 0.5 ms on a (busy) x86 host, but
 * 30-90 ms in the TCG test VM, mostly the TLB-flush IPIs of the two
 * munmap()s to the accessors' vCPU and their faults: the vmtest plan
 * asks for fewer there.
 */
#define BELOW_MIN_ROUNDS 10000
#define BELOW_BUDGET_NS	(150LL * 1000000000)
/* Pages of the test's own MAP_GROWSDOWN mapping above the range. */
#define GD_PAGES	16
/* Of the main thread's stack, the lowest pages read: below its SP. */
#define STACK_PAGES	8
/* Accesses "just below" the growsdown VMA: its top pages of the range. */
#define TOP_PAGES	4
/*
 * Their warm-up: a round is short, and what matters is that the threads
 * run when the call starts, not how long they ran before.
 */
#define BELOW_WARM_ACCESSES	8
/* Their growsdown pages are checked whole every this many rounds. */
#define GD_CHECK_EVERY	256
#define HUGE_ALIGN	(2UL << 20)	/* the range can take PMD mappings */
#define NACC		2		/* accessor threads */
#define MIN_RACES	10000		/* per test, asserted */
#define MIN_ROUNDS	4
#define MAX_ROUNDS	1000
#define BUDGET_NS	(30LL * 1000000000)	/* no new round after this */
#define WARM_ACCESSES	64	/* by each accessor before the munmap() */
#define POST_ACCESSES	16	/* by each accessor after it returned */
#define BELOW_POST_ACCESSES 8	/* below_*: enough to grow the stack */
#define CONTROL_ROUNDS	20	/* a control gives up after this many */
#define RACE_TIMEOUT	240	/* harness timeout of each test, seconds */

/* Word of a page thread @t writes; the checked pattern words avoid them. */
#define SLOT(t)		(64 * (t) + 1)
#define NPROBE		8
/* Pattern words a read checks, different for every page. */
#define PROBE(i, p)	(64 * (i) + 32 + ((p) & 31))
/* A written slot is the pattern XOR a sequence number below this. */
#define SEQ_LIMIT	(1U << 31)

/* PH_IDLE: below_* only, between rounds; the range is not to be touched. */
enum phase { PH_IDLE, PH_PRE, PH_FLIGHT, PH_DONE };

enum unmap_how {
	UNMAP_MUNMAP,
	UNMAP_DONTNEED,		/* control: zero pages */
	UNMAP_FOREIGN,		/* control: other data moved over the range */
};

enum result { ACC_OK, ACC_BAD_DATA, ACC_FAULT };

/* What is directly above the range. */
enum below {
	BELOW_NOTHING,		/* a guard page */
	BELOW_GROWSDOWN,	/* a MAP_GROWSDOWN mapping of the test */
	BELOW_STACK,		/* the main thread's stack */
};

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
	unsigned long grown;		/* reads of a page the stack grew over */
	unsigned long gd_ok;		/* accesses of the growsdown VMA */
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
	/* below_*: pages this thread has seen the stack grow over */
	unsigned char grown[RANGE_PAGES];
	/* below_growsdown: last[] of the growsdown VMA, across rounds */
	uint32_t gd_last[GD_PAGES];
	/*
	 * below_*: the lowest range address accessed once the call could
	 * have started (the stack may have grown down to it, not below),
	 * and the lowest one it must cover (seen grown, or accessed once
	 * the call had returned).  UINTPTR_MAX: none.
	 */
	uintptr_t lo, hi;
};

/* The round, as the main thread sets it up for the others. */
static struct {
	char *base;			/* npages pages */
	unsigned int npages;		/* RANGE_PAGES, or BELOW_PAGES */
	char *recycle;			/* RECYCLE_PAGES pages, the recycler's */
	unsigned long tag0;		/* fill_page() tag of page 0 */
	unsigned int lo, hi;		/* pages [lo, hi) go */
	atomic_int phase;
	atomic_int warm;		/* accessors past WARM_ACCESSES */
	atomic_int quit;
	pthread_barrier_t start, end;
	/* below_*: the growsdown VMA right above the range */
	enum below below;
	char *gd;			/* its lowest pages the threads access */
	unsigned int gd_pages;
	uintptr_t gd_start0, gd_end;	/* its bounds before a round */
	int round;			/* for the messages */
	/*
	 * below_*: rounds without barriers, whose wake-ups cost
	 * milliseconds under TCG: the accessors spin between rounds, start
	 * when gen moves on and the phase is no longer PH_IDLE, and count
	 * themselves in finished when done.
	 */
	atomic_int gen, finished;
	unsigned long grown_pages;	/* the stack grew over, in all */
} rs;

#define GD_TAG		0x20000000UL

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
static int bad_word_of(const struct acc *a, volatile uint64_t *w,
		       unsigned int p, unsigned long tag, uint32_t last,
		       uint64_t *got, uint64_t *want)
{
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
			if (last)
				*want ^= last;
			if (*got != *want)
				return SLOT(t);
		} else if ((*got ^ *want) >= SEQ_LIMIT) {
			return SLOT(t);
		}
	}
	return -1;
}

static int bad_word(const struct acc *a, volatile uint64_t *w, unsigned int p,
		    uint64_t *got, uint64_t *want)
{
	return bad_word_of(a, w, p, rs.tag0 + p, a->last[p], got, want);
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
		unsigned int p = (r >> 8) % rs.npages;
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

/* ---- below_growsdown, below_stack ---- */

/* The words a read of a range page looks at, in the order it reads them. */
#define NWORDS		(NPROBE + NACC)

static unsigned int word_index(unsigned int i, unsigned int p)
{
	return i < NPROBE ? PROBE(i, p) : SLOT(i - NPROBE);
}

/*
 * Is @v, word @i of the words of page @p, what the old page (@grown
 * false) or a page the stack grew over (@grown true) may hold?  The old
 * page has the round's pattern, and in each thread's slot the pattern
 * XOR a sequence number; a grown page is zero-filled, and a slot holds
 * zero or what a thread wrote there (the pattern XOR a sequence number:
 * writes do not know which page they land in).  This thread's own slot
 * is exact: @last is its last write (0: none), and until it has seen the
 * page grown it cannot know whether that write went to the old page or
 * to the new one.
 */
static bool word_ok(const struct acc *a, unsigned int i, unsigned int p,
		    uint64_t v, bool grown)
{
	unsigned int idx = word_index(i, p);
	uint64_t pat = page_word(rs.tag0 + p, idx);
	uint32_t last = a->last[p];

	if (i < NPROBE)
		return v == (grown ? 0 : pat);
	if ((int)(i - NPROBE) != a->id)
		return (grown && !v) || (v ^ pat) < SEQ_LIMIT;
	if (!grown)
		return v == (last ? pat ^ last : pat);
	if (a->grown[p])
		return v == (last ? pat ^ last : 0);
	return !v || (last && v == (pat ^ last));
}

static void note_low(uintptr_t *at, uintptr_t addr)
{
	if (addr < *at)
		*at = addr;
}

/*
 * One access to page @p of the range while it is unmapped below a
 * growsdown VMA.  A read takes the checked words in order: a prefix that
 * is the old page's, then the rest the grown page's (the page may change
 * between two words; never back).
 */
static void access_below_range(struct acc *a, unsigned int p, bool write,
			       int ph0)
{
	char *page = rs.base + (size_t)p * page_size();
	volatile uint64_t *w = (volatile uint64_t *)page;
	uint64_t v[NWORDS], wv = 0;
	volatile uint32_t n = 0;
	unsigned int i, k;
	int ph1, bad = -1;

	if (write) {
		n = a->seq = a->seq + 1 < SEQ_LIMIT ? a->seq + 1 : 1;
		wv = page_word(rs.tag0 + p, SLOT(a->id)) ^ n;
	}
	if (sigsetjmp(acc_env, 0)) {
		ph1 = atomic_load(&rs.phase);
		note_bad(a, "page %u: SIGSEGV si_code %d at %p, page at %p (%s munmap): the stack may grow over it",
			 p, acc_code, acc_addr, page, phase_name(ph1));
		return;
	}
	acc_armed = 1;
	if (write)
		w[SLOT(a->id)] = wv;
	else
		for (i = 0; i < NWORDS; i++)
			v[i] = w[word_index(i, p)];
	acc_armed = 0;
	ph1 = atomic_load(&rs.phase);

	if (ph1 != PH_PRE)
		note_low(&a->lo, (uintptr_t)page);
	if (write) {
		a->last[p] = n;
		if (ph0 == PH_DONE)
			note_low(&a->hi, (uintptr_t)page);
		else if (ph0 == PH_FLIGHT || ph1 != PH_PRE)
			a->c.ok_race++;
		else
			a->c.ok_before++;
		return;
	}

	/* k: the first word that is not the old page's. */
	for (k = 0; !a->grown[p] && k < NWORDS; k++)
		if (!word_ok(a, k, p, v[k], false))
			break;
	for (i = k; i < NWORDS && bad < 0; i++)
		if (!word_ok(a, i, p, v[i], true))
			bad = i;
	if (bad >= 0) {
		a->c.bad_data++;
		note_bad(a, "page %u word %u: %#llx is neither the old page's nor a grown stack page's (%s munmap%s)",
			 p, word_index(bad, p), (unsigned long long)v[bad],
			 phase_name(ph0), a->grown[p] ? ", seen grown before" : "");
		return;
	}
	if (k == NWORDS) {
		/* All old. */
		if (ph0 == PH_DONE)
			note_bad(a, "page %u read as its old data after munmap() returned",
				 p);
		else if (ph0 == PH_FLIGHT || ph1 != PH_PRE)
			a->c.ok_race++;
		else
			a->c.ok_before++;
		return;
	}
	/* Grown, after some words of the old page if k > 0. */
	if (ph1 == PH_PRE) {
		note_bad(a, "page %u read as a new page before munmap() was called",
			 p);
		return;
	}
	if (k && ph0 == PH_DONE) {
		note_bad(a, "page %u: word %u of the old page read after munmap() returned",
			 p, word_index(0, p));
		return;
	}
	if (!a->grown[p]) {
		/*
		 * The own slot, if read from the new page, says where the
		 * last write went; read from the old one, it went there.
		 */
		if (k > NPROBE + (unsigned int)a->id || !v[NPROBE + a->id])
			a->last[p] = 0;
		a->grown[p] = 1;
	}
	note_low(&a->hi, (uintptr_t)page);
	a->c.grown++;
	if (ph0 != PH_DONE)
		a->c.ok_race++;
}

/* One access to the growsdown VMA itself: always there, intact. */
static void access_below_gd(struct acc *a, unsigned int q, bool wr,
			    int ph0)
{
	volatile uint64_t *w = (volatile uint64_t *)(rs.gd +
						     (size_t)q * page_size());
	/* The main thread's stack: only read, its contents are its own. */
	const bool write = wr && rs.below != BELOW_STACK;
	uint64_t got = 0, want = 0;
	volatile uint32_t n = 0;
	int word = -1;

	if (write) {
		n = a->seq = a->seq + 1 < SEQ_LIMIT ? a->seq + 1 : 1;
		want = page_word(GD_TAG + q, SLOT(a->id)) ^ n;
	}
	if (sigsetjmp(acc_env, 0)) {
		note_bad(a, "growsdown page %u: SIGSEGV si_code %d at %p (%s munmap)",
			 q, acc_code, acc_addr, phase_name(ph0));
		return;
	}
	acc_armed = 1;
	if (write)
		w[SLOT(a->id)] = want;
	else if (rs.below == BELOW_STACK)
		(void)w[q % 512];
	else
		word = bad_word_of(a, w, q, GD_TAG + q, a->gd_last[q], &got,
				   &want);
	acc_armed = 0;
	if (write)
		a->gd_last[q] = n;
	if (word >= 0) {
		a->c.bad_data++;
		note_bad(a, "growsdown page %u word %d: %#llx, expected %#llx (%s munmap)",
			 q, word, (unsigned long long)got,
			 (unsigned long long)want, phase_name(ph0));
		return;
	}
	a->c.gd_ok++;
}

/*
 * Accesses of the below_* variants: a quarter to the growsdown VMA, a
 * quarter anywhere in the range, half to its TOP_PAGES just below the
 * growsdown VMA, where stack growth starts.
 */
static void accessor_round_below(struct acc *a)
{
	unsigned int post = 0, n = 0;

	memset(a->last, 0, rs.npages * sizeof(a->last[0]));
	memset(a->grown, 0, rs.npages * sizeof(a->grown[0]));
	a->lo = a->hi = UINTPTR_MAX;
	for (;;) {
		int ph0 = atomic_load(&rs.phase);
		uint64_t r = next_rand(&a->rng);
		unsigned int pick = (r >> 1) & 3, i = (r >> 8);
		bool write = r & 1;

		if (ph0 == PH_DONE && post++ >= BELOW_POST_ACCESSES)
			break;
		if (pick == 0)
			access_below_gd(a, i % rs.gd_pages, write, ph0);
		else if (pick == 1)
			access_below_range(a, i % rs.npages, write, ph0);
		else
			access_below_range(a, rs.npages - 1 - i % TOP_PAGES,
					   write, ph0);
		if (++n == BELOW_WARM_ACCESSES)
			atomic_fetch_add(&rs.warm, 1);
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

/* below_*: the accessors' rounds, without barriers (see rs.gen). */
static void below_loop(struct acc *a)
{
	int done = 0, g;

	for (;;) {
		while (atomic_load(&rs.phase) == PH_IDLE ||
		       atomic_load(&rs.gen) == done) {
			if (atomic_load(&rs.quit))
				return;
			sched_yield();
		}
		g = atomic_load(&rs.gen);
		memset(&a->c, 0, sizeof(a->c));
		a->why[0] = '\0';
		accessor_round_below(a);
		done = g;
		atomic_fetch_add(&rs.finished, 1);
	}
}

static void *thread_fn(void *arg)
{
	struct acc *a = arg;

	pin(a->id < 0 ? PIN_UNMAPPER : a->id);
	if (rs.below) {
		below_loop(a);
		return NULL;
	}

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
	enum below below;	/* what is right above the range */
};

FIXTURE_VARIANT_ADD(race, private) { .thp = -1 };
FIXTURE_VARIANT_ADD(race, private_thp) { .thp = 1 };
FIXTURE_VARIANT_ADD(race, shared) { .shared = true };
FIXTURE_VARIANT_ADD(race, private_partial) { .thp = -1, .partial = true };
FIXTURE_VARIANT_ADD(race, shared_partial) { .shared = true, .partial = true };
FIXTURE_VARIANT_ADD(race, private_recycle) { .thp = -1, .recycle = true };
FIXTURE_VARIANT_ADD(race, below_growsdown) {
	.thp = -1, .below = BELOW_GROWSDOWN,
};
FIXTURE_VARIANT_ADD(race, below_stack) { .thp = -1, .below = BELOW_STACK };
FIXTURE_VARIANT_ADD(race, control_zero_page) {
	.thp = -1, .how = UNMAP_DONTNEED,
};
FIXTURE_VARIANT_ADD(race, control_foreign_data) {
	.thp = -1, .how = UNMAP_FOREIGN,
};

/* The [stack] VMA of /proc/self/maps: 0, or -1 if there is none. */
static int find_stack(uintptr_t *start, uintptr_t *end)
{
	static char maps[64 << 10];
	const char *line;

	if (read_file("/proc/self/maps", maps, sizeof(maps)) < 0)
		return -1;
	for (line = maps; *line; line = strchrnul(line, '\n'), line += !!*line) {
		const char *eol = strchrnul(line, '\n');
		unsigned long a, b;

		if (eol - line > 8 && !strncmp(eol - 8, " [stack]", 8) &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2) {
			*start = a;
			*end = b;
			return 0;
		}
	}
	return -1;
}

/*
 * below_*: the growsdown VMA right above a hole of BELOW_PAGES, with
 * room to grow down over all of it.  False after a SKIP.
 */
static bool setup_below(struct __test_metadata *_metadata,
			FIXTURE_DATA(race) *self, enum below below)
{
	size_t ps = page_size(), len = BELOW_PAGES * ps;
	struct vma_range vr[2];
	struct rlimit rl;
	uintptr_t start, end;
	unsigned int q;

	rs.npages = BELOW_PAGES;
	if (below == BELOW_GROWSDOWN) {
		/* guard | range | MAP_GROWSDOWN, GD_PAGES | guard */
		self->res_len = (BELOW_PAGES + GD_PAGES + 2) * ps;
		self->res = mmap(NULL, self->res_len, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);
		ASSERT_NE(MAP_FAILED, self->res);
		rs.base = self->res + ps;
		rs.gd = rs.base + len;
		ASSERT_EQ(rs.gd, mmap(rs.gd, GD_PAGES * ps,
				      PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
				      MAP_GROWSDOWN, -1, 0));
		for (q = 0; q < GD_PAGES; q++)
			fill_page(rs.gd + q * ps, GD_TAG + q);
		rs.gd_pages = GD_PAGES;
		rs.gd_start0 = (uintptr_t)rs.gd;
		rs.gd_end = rs.gd_start0 + GD_PAGES * ps;
		ASSERT_EQ(0, munmap(rs.base, len));
	} else {
		/* The hole right below the main thread's stack. */
		ASSERT_EQ(0, find_stack(&start, &end))
			TH_LOG("no [stack] in /proc/self/maps");
		rs.gd = (char *)start;
		rs.gd_pages = STACK_PAGES;
		rs.gd_start0 = start;
		rs.gd_end = end;
		rs.base = (char *)start - len;
		if (maps_in_window((uintptr_t)rs.base, start, vr, 2))
			SKIP(return false, "something is mapped right below the stack");
	}
	ASSERT_EQ(1, vma_has_vmflag(rs.gd_start0, "gd"));
	/* A stack grows only as far as RLIMIT_STACK. */
	ASSERT_EQ(0, getrlimit(RLIMIT_STACK, &rl));
	if (rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < rs.gd_end - (uintptr_t)rs.base + ps)
		SKIP(return false, "RLIMIT_STACK %lu bytes: the stack could not grow over the range",
		     (unsigned long)rl.rlim_cur);
	return true;
}

FIXTURE_SETUP(race)
{
	struct sigaction sa = {
		.sa_sigaction = segv_handler,
		.sa_flags = SA_SIGINFO | SA_NODEFER,
	};
	size_t ps = page_size(), len = RANGE_PAGES * ps;
	int i;

	ASSERT_EQ(0UL, len % HUGE_ALIGN);
	rs.below = variant->below;
	rs.npages = RANGE_PAGES;
	if (variant->below && !setup_below(_metadata, self, variant->below))
		return;
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

	if (variant->below)
		return;
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

	/* Threads wait at the start barrier between rounds, or spin. */
	if (self->started) {
		atomic_store(&rs.quit, 1);
		if (!rs.below)
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
	size_t ps = page_size(), len = rs.npages * ps;
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
	for (i = 0; i < rs.npages; i++) {
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
		for (i = 0; i < rs.npages; i++)
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

static void check_gd_intact(struct __test_metadata *_metadata);

/*
 * below_*, after a round: what the stack grew over.  6.1.y grows a stack
 * only with mmap_lock held for write, after the zap, stock and patched
 * alike, and a fault grows it down to exactly its page: so the growsdown
 * VMA now starts no lower than the lowest range page accessed once the
 * call could have started (lo), and no higher than the lowest one it
 * must cover (hi: seen grown, or accessed after the call returned).  It
 * ends where it ended, no piece of the range's VMA is left, every grown
 * page is zeroes but for what the threads wrote there, and the
 * growsdown pages of the test's own mapping are intact (every
 * GD_CHECK_EVERY rounds and at the end: the accessors check the words
 * they read every time).
 */
static void check_growth(struct __test_metadata *_metadata)
{
	size_t ps = page_size();
	uintptr_t lo = rs.gd_start0, hi = rs.gd_start0, start;
	struct vma_range vr[4];
	unsigned int p, i;
	int n, t;

	for (t = 0; t < NACC; t++) {
		note_low(&lo, accs[t].lo);
		note_low(&hi, accs[t].hi);
	}
	n = maps_in_window((uintptr_t)rs.base, rs.gd_end, vr, 4);
	ASSERT_EQ(1, n) TH_LOG("round %d: %d VMAs from the range to the end of the growsdown VMA, not just that one",
			       rs.round, n);
	start = vr[0].start;
	ASSERT_EQ(rs.gd_end, vr[0].end);
	ASSERT_LE(lo, start) TH_LOG("round %d: the stack grew to %#lx, below every fault (%#lx)",
				    rs.round, (unsigned long)start,
				    (unsigned long)lo);
	ASSERT_GE(hi, start) TH_LOG("round %d: the stack starts at %#lx, above a page it grew over (%#lx)",
				    rs.round, (unsigned long)start,
				    (unsigned long)hi);
	rs.grown_pages += (rs.gd_start0 - start) / ps;

	for (p = (start - (uintptr_t)rs.base) / ps; p < rs.npages; p++) {
		volatile uint64_t *w = (volatile uint64_t *)(rs.base + p * ps);

		for (i = 0; i < NPROBE; i++)
			ASSERT_EQ(0ULL, w[PROBE(i, p)])
				TH_LOG("round %d: grown page %u word %u",
				       rs.round, p, PROBE(i, p));
		for (t = 0; t < NACC; t++) {
			uint64_t pat = page_word(rs.tag0 + p, SLOT(t));
			uint32_t last = accs[t].last[p];
			uint64_t got = w[SLOT(t)];

			/* Thread t knew the page grown: exact. */
			if (accs[t].grown[p]) {
				ASSERT_EQ(last ? pat ^ last : 0, got)
					TH_LOG("round %d: grown page %u, slot of thread %d",
					       rs.round, p, t);
			} else {
				ASSERT_TRUE(!got || (last && got == (pat ^ last)))
					TH_LOG("round %d: grown page %u, slot of thread %d: %#llx",
					       rs.round, p, t,
					       (unsigned long long)got);
			}
		}
	}

	if (rs.round % GD_CHECK_EVERY == GD_CHECK_EVERY - 1)
		check_gd_intact(_metadata);
}

/* The test's own growsdown pages: their pattern and the threads' writes. */
static void check_gd_intact(struct __test_metadata *_metadata)
{
	size_t ps = page_size();
	unsigned int q, i;
	int t;

	if (rs.below != BELOW_GROWSDOWN)
		return;
	for (q = 0; q < rs.gd_pages; q++) {
		volatile uint64_t *w = (volatile uint64_t *)(rs.gd + q * ps);

		for (i = 0; i < ps / 8; i++) {
			uint64_t want = page_word(GD_TAG + q, i);

			t = i % 64 == 1 && i / 64 < NACC ? (int)(i / 64) : -1;
			if (t >= 0 && accs[t].gd_last[q])
				want ^= accs[t].gd_last[q];
			ASSERT_EQ(want, w[i])
				TH_LOG("growsdown page %u word %u", q, i);
		}
	}
}

/* below_*: the growth unmapped, the growsdown VMA is as before. */
static void check_gd_back(struct __test_metadata *_metadata)
{
	struct vma_range vr[4];

	ASSERT_EQ(1, maps_in_window((uintptr_t)rs.base, rs.gd_end, vr, 4));
	ASSERT_EQ(rs.gd_start0, vr[0].start);
	ASSERT_EQ(rs.gd_end, vr[0].end);
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
	to->grown += c->grown;
	to->gd_ok += c->gd_ok;
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
	rs.round = self->rounds;
	err = map_round(self, variant, self->rounds);
	ASSERT_EQ(0, err) TH_LOG("round %d: mapping the range: %s%s",
				 self->rounds, strerror(err),
				 err == EEXIST ? " (something mapped into the hole)" : "");
	/* Whether the THP variant really has huge pages to zap. */
	if (variant->thp > 0 && smaps_rollup_kb("AnonHugePages") > 0)
		self->thp_rounds++;
	if (variant->partial) {
		rs.lo = rs.npages / 4;
		rs.hi = rs.npages - rs.npages / 4;
	} else {
		rs.lo = 0;
		rs.hi = rs.npages;
	}
	atomic_store(&rs.warm, 0);
	atomic_store(&rs.finished, 0);
	if (variant->below)
		atomic_fetch_add(&rs.gen, 1);
	atomic_store(&rs.phase, PH_PRE);

	/* No ASSERT from here to the end barrier: the threads are running. */
	t1 = now_ns();
	self->map_ns += t1 - t0;
	if (!variant->below)
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
	if (variant->below) {
		while (atomic_load(&rs.finished) < NACC)
			sched_yield();
		atomic_store(&rs.phase, PH_IDLE);
	} else {
		pthread_barrier_wait(&rs.end);
	}

	ASSERT_EQ(0, ret) TH_LOG("round %d: unmap: %s", self->rounds,
				 strerror(err));
	for (i = 0; i < self->nthreads; i++) {
		add_counts(&self->total, &accs[i].c);
		if (!why && accs[i].why[0])
			why = accs[i].why;
	}
	if (variant->partial && variant->how == UNMAP_MUNMAP)
		check_kept(_metadata);
	if (variant->below && !why)
		check_growth(_metadata);
	/* Leave the hole for the next round; below_*: give the growth back. */
	ASSERT_EQ(0, munmap(rs.base, rs.npages * ps));
	/* Else the next round's MAP_FIXED_NOREPLACE finds what is left. */
	if (variant->below && rs.round % GD_CHECK_EVERY == GD_CHECK_EVERY - 1)
		check_gd_back(_metadata);
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

/* below_*: the rounds asked for (see BELOW_MIN_ROUNDS), MIN_RACES races. */
static void test_below(struct __test_metadata *_metadata,
		       FIXTURE_DATA(race) *self,
		       const FIXTURE_VARIANT(race) *variant, long long start)
{
	const char *env = getenv("MUNMAP_RACE_BELOW_ROUNDS");
	int rounds = env && atoi(env) > 0 ? atoi(env) : BELOW_MIN_ROUNDS;
	const char *why = NULL;

	ksft_print_msg("%d rounds (MUNMAP_RACE_BELOW_ROUNDS)\n", rounds);
	while (!why && now_ns() - start < BELOW_BUDGET_NS &&
	       (self->rounds < rounds ||
		self->total.ok_race + self->total.segv_race < MIN_RACES))
		why = round_once(_metadata, self, variant);
	check_gd_intact(_metadata);
	print_totals(self);
	ksft_print_msg("below the %s: grown over %lu pages in all, %lu reads of grown pages, %lu accesses of the growsdown VMA; %lld ms\n",
		       variant->below == BELOW_STACK ? "stack" : "growsdown mapping",
		       rs.grown_pages, self->total.grown, self->total.gd_ok,
		       (now_ns() - start) / 1000000);
	ASSERT_TRUE(!why) TH_LOG("round %d: %s", self->rounds - 1, why);
	ASSERT_EQ(0UL, self->total.bad);
	ASSERT_LE(rounds, self->rounds)
		TH_LOG("only %d rounds in %lld s", self->rounds,
		       BELOW_BUDGET_NS / 1000000000);
	ASSERT_LE((unsigned long)MIN_RACES,
		  self->total.ok_race + self->total.segv_race)
		TH_LOG("only %lu accesses raced munmap() in %d rounds",
		       self->total.ok_race + self->total.segv_race,
		       self->rounds);
	/* The growth itself must have been exercised. */
	ASSERT_LT(0UL, rs.grown_pages);
	ASSERT_LT(0UL, self->total.grown);
}

TEST_F_TIMEOUT(race, unmap, RACE_TIMEOUT)
{
	long long start = now_ns();
	const char *why = NULL;

	/* The 6.1 harness runs the body after a SKIP in the setup. */
	if (_metadata->skip)
		return;
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

	if (variant->below) {
		test_below(_metadata, self, variant, start);
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
