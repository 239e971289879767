// SPDX-License-Identifier: GPL-2.0
/*
 * vm.munmap_piece_kbytes ("mm/mmap: optionally unmap a large munmap()
 * range in pieces"): with the knob set, a large munmap() goes in pieces
 * from the top, giving mmap_lock up between them.  What must hold:
 *
 *   - same_result: what is left when munmap() returns 0 is what one
 *     munmap leaves (holes, neighbours, contents), and bad arguments fail
 *     with stock's errno before anything is unmapped;
 *   - race: other threads map into and around the range while it goes
 *     (MAP_FIXED_NOREPLACE into it, hints at it), fault, mprotect and
 *     unmap parts of it.  A page mapped with
 *     MAP_FIXED_NOREPLACE inside the range was free when it was mapped,
 *     so the piece that held it is done, and the munmap must not take the
 *     new page: it must be there, with its contents, when the call
 *     returns.  Mappings around the range must be untouched.  >= 10,000
 *     rounds.
 * On a kernel without the knob the cases SKIP; with it at 0 they run
 * the same checks on the one-piece munmap.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "munmap_util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define KNOB		"/proc/sys/vm/munmap_piece_kbytes"
/* Rounds of the knob_on race; MUNMAP_PIECES_ROUNDS overrides it */
#define RACE_ROUNDS	10000
#define RANGE_PAGES	64
#define PIECE_PAGES	8

/*
 * The knob as the program found it, put back when the program ends: the
 * harness kills a test that runs out of time before its teardown, and a
 * knob left on would make every later munmap() go in pieces.
 */
static long knob_at_start = -1;

static void __attribute__((constructor)) knob_save(void)
{
	knob_at_start = read_number(KNOB);
}

static void __attribute__((destructor)) knob_put_back(void)
{
	if (knob_at_start >= 0 && read_number(KNOB) != knob_at_start)
		write_number(KNOB, knob_at_start);
}

FIXTURE(pieces)
{
	long saved;
};

FIXTURE_VARIANT(pieces)
{
	long piece_pages;	/* 0: the knob off */
	int rounds;		/* of the race: the total divided by this */
};

/* The control: one atomic munmap(), a fifth of the rounds */
FIXTURE_VARIANT_ADD(pieces, knob_off)
{
	.piece_pages = 0,
	.rounds = 5,
};

FIXTURE_VARIANT_ADD(pieces, knob_on)
{
	.piece_pages = PIECE_PAGES,
	.rounds = 1,
};

/* The rounds of a variant: RACE_ROUNDS or the environment's, / .rounds */
static int race_rounds(int divisor)
{
	const char *env = getenv("MUNMAP_PIECES_ROUNDS");
	int rounds = env ? atoi(env) : RACE_ROUNDS;

	if (rounds <= 0)
		rounds = RACE_ROUNDS;
	return rounds / divisor > 0 ? rounds / divisor : 1;
}

FIXTURE_SETUP(pieces)
{
	long kb = variant->piece_pages * (long)page_size() / 1024;

	self->saved = read_number(KNOB);
	if (self->saved < 0)
		SKIP(return, "%s: not in this kernel", KNOB);
	if (write_number(KNOB, kb))
		SKIP(return, "cannot write %s (not root?)", KNOB);
}

FIXTURE_TEARDOWN(pieces)
{
	if (self->saved >= 0)
		write_number(KNOB, self->saved);
}

/* Three VMAs with holes, a neighbour on each side; unmap the middle. */
TEST_F(pieces, same_result)
{
	size_t pg = page_size();
	char *base, *p;
	int i;

	base = mmap(NULL, (RANGE_PAGES + 2) * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, base);
	for (i = 0; i < RANGE_PAGES + 2; i++)
		base[i * pg] = (char)i;
	/* Holes and different protections inside the range */
	ASSERT_EQ(0, munmap(base + 10 * pg, 3 * pg));
	ASSERT_EQ(0, mprotect(base + 20 * pg, 17 * pg, PROT_READ));

	/* Bad arguments: nothing happens */
	errno = 0;
	EXPECT_EQ(-1, munmap(base + 1, RANGE_PAGES * pg));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, munmap(base, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(range_mapped(base, 10 * pg));

	ASSERT_EQ(0, munmap(base + pg, RANGE_PAGES * pg));
	for (i = 1; i <= RANGE_PAGES; i++)
		EXPECT_FALSE(page_mapped(base + i * pg)) TH_LOG("page %d", i);
	p = base + (RANGE_PAGES + 1) * pg;
	EXPECT_TRUE(page_mapped(base));
	EXPECT_TRUE(page_mapped(p));
	EXPECT_EQ(0, base[0]);
	EXPECT_EQ((char)(RANGE_PAGES + 1), p[0]);
	munmap(base, pg);
	munmap(p, pg);
}

#define NR_MAPPERS	2
#define MAX_PLACED	8

struct race {
	char *range;			/* The range being unmapped */
	char *guard_lo, *guard_hi;	/* Mappings just around it */
	atomic_int unmapping;		/* Round whose munmap() runs */
	atomic_int done;		/* Last round whose munmap() returned */
	atomic_int acks;		/* Mappers done checking that round */
	atomic_bool stop;
	atomic_long placed;		/* New pages mapped into the range */
	atomic_long lost;		/* ... that the munmap() took */
	atomic_long faults;		/* Reads in the range that faulted */
	atomic_long errors;
};

static __thread sigjmp_buf probe_jmp;

static void read_or_fault_segv(int sig)
{
	siglongjmp(probe_jmp, 1);
}

/*
 * Read a byte that may be unmapped at any moment; false if it faulted.
 * Per thread, unlike munmap_util's probe_read(): two mappers call it.
 */
static bool read_or_fault(volatile char *p)
{
	if (sigsetjmp(probe_jmp, 1))
		return false;
	(void)*p;
	return true;
}

/*
 * While a round's munmap() runs, map pages into the range with
 * MAP_FIXED_NOREPLACE, read and mprotect pages of it, and map pages with
 * the range's start as a hint.  Once the munmap() has returned, every page
 * placed must still be there with its contents.
 */
static void *mapper(void *arg)
{
	struct race *r = arg;
	size_t pg = page_size();
	unsigned int seed = (unsigned int)(uintptr_t)&seed;
	char *placed[MAX_PLACED];
	int nr = 0, last_acked = -1, i;

	while (!atomic_load(&r->stop)) {
		int unmapping = atomic_load(&r->unmapping);
		int done = atomic_load(&r->done);
		char *want, *p;

		if (done > last_acked) {
			for (i = 0; i < nr; i++) {
				if (!page_mapped(placed[i]) || placed[i][0] != 'n')
					atomic_fetch_add(&r->lost, 1);
				munmap(placed[i], pg);
			}
			nr = 0;
			last_acked = done;
			atomic_fetch_add(&r->acks, 1);
			continue;
		}
		if (unmapping <= last_acked) {
			sched_yield();
			continue;
		}
		want = r->range + (rand_r(&seed) % RANGE_PAGES) * pg;
		if (nr < MAX_PLACED) {
			p = mmap(want, pg, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS |
				 MAP_FIXED_NOREPLACE, -1, 0);
			if (p == want) {
				p[0] = 'n';
				placed[nr++] = p;
				atomic_fetch_add(&r->placed, 1);
			} else if (p != MAP_FAILED) {
				munmap(p, pg);
			}
		}
		if (!read_or_fault(want + pg / 2))
			atomic_fetch_add(&r->faults, 1);
		mprotect(want, pg, PROT_READ | PROT_WRITE);
		/* A hint at the range: it may land in a finished piece */
		p = mmap(r->range, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p == r->guard_lo || p == r->guard_hi)
			atomic_fetch_add(&r->errors, 1);
		else if (p != MAP_FAILED)
			munmap(p, pg);
		if (r->guard_lo[0] != 'l' || r->guard_hi[0] != 'h')
			atomic_fetch_add(&r->errors, 1);
	}
	for (i = 0; i < nr; i++)
		munmap(placed[i], pg);
	return NULL;
}

/* 10,000 rounds take a few ms each under QEMU (TCG) */
TEST_F_TIMEOUT(pieces, race, 400)
{
	size_t pg = page_size(), len = RANGE_PAGES * pg;
	struct sigaction sa = { .sa_handler = read_or_fault_segv };
	struct race r = {};
	pthread_t thr[NR_MAPPERS];
	char *area;
	int i, round, rounds;

	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	area = mmap(NULL, len + 2 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	r.guard_lo = area;
	r.range = area + pg;
	r.guard_hi = area + pg + len;
	r.guard_lo[0] = 'l';
	r.guard_hi[0] = 'h';
	atomic_store(&r.unmapping, -1);
	atomic_store(&r.done, -1);
	for (i = 0; i < NR_MAPPERS; i++)
		ASSERT_EQ(0, pthread_create(&thr[i], NULL, mapper, &r));

	rounds = race_rounds(variant->rounds);
	ksft_print_msg("%d rounds (MUNMAP_PIECES_ROUNDS)\n", rounds);
	for (round = 0; round < rounds; round++) {
		char *p = mmap(r.range, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		if (p != r.range) {
			atomic_fetch_add(&r.errors, 1);
			break;
		}
		p[0] = 1;
		p[len - pg] = 1;
		atomic_store(&r.acks, 0);
		atomic_store(&r.unmapping, round);
		if (munmap(r.range, len))
			atomic_fetch_add(&r.errors, 1);
		atomic_store(&r.done, round);
		while (atomic_load(&r.acks) < NR_MAPPERS)
			sched_yield();
	}
	atomic_store(&r.stop, true);
	for (i = 0; i < NR_MAPPERS; i++)
		pthread_join(thr[i], NULL);
	signal(SIGSEGV, SIG_DFL);

	ksft_print_msg("%d rounds: %ld pages mapped into the range during the munmap, %ld lost; %ld reads faulted\n",
		       round, atomic_load(&r.placed), atomic_load(&r.lost),
		       atomic_load(&r.faults));
	EXPECT_EQ(rounds, round);
	EXPECT_EQ(0, atomic_load(&r.errors));
	EXPECT_EQ(0, atomic_load(&r.lost));
	EXPECT_TRUE(page_mapped(r.guard_lo));
	EXPECT_TRUE(page_mapped(r.guard_hi));
	munmap(area, len + 2 * pg);
}

TEST_HARNESS_MAIN
