// SPDX-License-Identifier: GPL-2.0
/*
 * Partial munmap() of anonymous private mappings.
 *
 * Every test fills each page of its window with a per-page pattern, unmaps
 * part of it and then checks three things: the pages that should remain
 * still hold their own pattern, the pages that should be gone fault with
 * SEGV_MAPERR (and mincore() says ENOMEM), and /proc/self/maps shows exactly
 * the expected VMAs inside the window.  A munmap() that zaps page tables
 * separately from detaching VMAs can get any one of these wrong without the
 * others, so all three are checked.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "munmap_checks.h"

#define MAX_VMAS	16

/* A run of pages expected to be mapped, as one VMA, with these perms. */
struct piece {
	unsigned int first;
	unsigned int count;
	const char *perms;
};

static const struct piece *piece_of(const struct piece *want, int nwant,
				    unsigned int page)
{
	int i;

	for (i = 0; i < nwant; i++)
		if (page >= want[i].first && page < want[i].first + want[i].count)
			return &want[i];
	return NULL;
}

/*
 * Check that the window of @npages at @base contains exactly the pieces in
 * @want (sorted, non-adjacent or with different perms) and nothing else.
 */
static void check_layout(struct __test_metadata *_metadata, char *base,
			 unsigned int npages, const struct piece *want, int nwant)
{
	unsigned long lo = (unsigned long)base;
	unsigned long hi = lo + npages * page_size();
	struct vma_range got[MAX_VMAS];
	unsigned int i;
	bool same;
	int n;

	for (i = 0; i < npages; i++) {
		char *page = base + i * page_size();
		void *fault = NULL;

		if (piece_of(want, nwant, i)) {
			ASSERT_TRUE(page_mapped(page))
				TH_LOG("page %u should be mapped", i);
			ASSERT_EQ(0, probe_read(page, NULL))
				TH_LOG("page %u should be readable", i);
			ASSERT_TRUE(check_page(page, i))
				TH_LOG("page %u lost its contents", i);
		} else {
			ASSERT_FALSE(page_mapped(page))
				TH_LOG("page %u should be unmapped", i);
			ASSERT_EQ(SEGV_MAPERR, probe_read(page, &fault))
				TH_LOG("page %u should fault as unmapped", i);
			ASSERT_EQ(page, fault);
		}
	}

	n = maps_in_window(lo, hi, got, MAX_VMAS);
	ASSERT_LE(0, n)
		TH_LOG("reading /proc/self/maps: %s", strerror(errno));
	same = n == nwant;
	for (i = 0; same && i < (unsigned int)n; i++)
		same = got[i].start == lo + want[i].first * page_size() &&
		       got[i].end == got[i].start + want[i].count * page_size() &&
		       !strcmp(got[i].perms, want[i].perms);
	if (!same) {
		for (i = 0; i < (unsigned int)nwant; i++)
			TH_LOG("want %lx-%lx %s",
			       lo + want[i].first * page_size(),
			       lo + (want[i].first + want[i].count) * page_size(),
			       want[i].perms);
		for (i = 0; i < (unsigned int)n && i < MAX_VMAS; i++)
			TH_LOG("got  %lx-%lx %s", got[i].start, got[i].end,
			       got[i].perms);
	}
	ASSERT_TRUE(same);
}

#define NPAGES	16

FIXTURE(partial) {
	char *base;
};

FIXTURE_VARIANT(partial) {
	unsigned int first;	/* first page to unmap */
	unsigned int count;	/* number of pages to unmap */
};

FIXTURE_VARIANT_ADD(partial, head) { .first = 0, .count = 4 };
FIXTURE_VARIANT_ADD(partial, tail) { .first = NPAGES - 4, .count = 4 };
/* Splits the VMA in three and drops the middle one. */
FIXTURE_VARIANT_ADD(partial, middle) { .first = 6, .count = 4 };
FIXTURE_VARIANT_ADD(partial, middle_one_page) { .first = 7, .count = 1 };
FIXTURE_VARIANT_ADD(partial, all_but_edges) { .first = 1, .count = NPAGES - 2 };

FIXTURE_SETUP(partial)
{
	const struct piece whole = { 0, NPAGES, "rw-p" };

	self->base = map_filled(NPAGES);
	ASSERT_NE(NULL, self->base);
	check_layout(_metadata, self->base, NPAGES, &whole, 1);
}

FIXTURE_TEARDOWN(partial)
{
	munmap(self->base, NPAGES * page_size());
}

TEST_F(partial, unmap)
{
	unsigned int end = variant->first + variant->count;
	struct piece want[2];
	int n = 0;

	if (variant->first)
		want[n++] = (struct piece){ 0, variant->first, "rw-p" };
	if (end < NPAGES)
		want[n++] = (struct piece){ end, NPAGES - end, "rw-p" };

	ASSERT_EQ(0, munmap(self->base + variant->first * page_size(),
			    variant->count * page_size()));
	check_layout(_metadata, self->base, NPAGES, want, n);
}

/*
 * Four VMAs kept apart by different protections and by one-page holes:
 *
 *   page  0..3   4     5..8   9     10..13  14    15..19
 *         rw-p   hole  r--p   hole  rw-p    hole  r--p
 */
#define SPAN_PAGES	20

static const struct piece span_setup[] = {
	{ 0, 4, "rw-p" }, { 5, 4, "r--p" }, { 10, 4, "rw-p" }, { 15, 5, "r--p" },
};

static char *map_span(struct __test_metadata *_metadata)
{
	char *base = map_filled(SPAN_PAGES);
	size_t ps = page_size();

	if (!base)
		return NULL;
	/* Filled by map_filled() before these pages become read-only. */
	if (mprotect(base + 5 * ps, 4 * ps, PROT_READ) ||
	    mprotect(base + 15 * ps, 5 * ps, PROT_READ) ||
	    munmap(base + 4 * ps, ps) || munmap(base + 9 * ps, ps) ||
	    munmap(base + 14 * ps, ps))
		return NULL;
	check_layout(_metadata, base, SPAN_PAGES, span_setup,
		     ARRAY_SIZE(span_setup));
	return base;
}

/* Cuts into the first and last VMA, removes the two between and the holes. */
TEST(span_vmas_and_holes)
{
	const struct piece want[] = { { 0, 2, "rw-p" }, { 17, 3, "r--p" } };
	char *base = map_span(_metadata);

	ASSERT_NE(NULL, base);
	ASSERT_EQ(0, munmap(base + 2 * page_size(), 15 * page_size()));
	check_layout(_metadata, base, SPAN_PAGES, want, ARRAY_SIZE(want));
}

/* Starts and ends in a hole: whole VMAs go, no VMA is split. */
TEST(span_whole_vmas)
{
	const struct piece want[] = { { 0, 4, "rw-p" }, { 15, 5, "r--p" } };
	char *base = map_span(_metadata);

	ASSERT_NE(NULL, base);
	ASSERT_EQ(0, munmap(base + 4 * page_size(), 11 * page_size()));
	check_layout(_metadata, base, SPAN_PAGES, want, ARRAY_SIZE(want));
}

/* Unmapping nothing is not an error, and must not touch the neighbours. */
TEST(already_unmapped)
{
	const struct piece want[] = { { 0, 4, "rw-p" }, { 8, 8, "rw-p" } };
	char *base = map_filled(NPAGES);
	size_t ps = page_size();

	ASSERT_NE(NULL, base);
	ASSERT_EQ(0, munmap(base + 4 * ps, 4 * ps));
	check_layout(_metadata, base, NPAGES, want, ARRAY_SIZE(want));

	ASSERT_EQ(0, munmap(base + 4 * ps, 4 * ps));
	ASSERT_EQ(0, munmap(base + 5 * ps, ps));
	check_layout(_metadata, base, NPAGES, want, ARRAY_SIZE(want));

	ASSERT_EQ(0, munmap(base, NPAGES * ps));
	ASSERT_EQ(0, munmap(base, NPAGES * ps));
	check_layout(_metadata, base, NPAGES, NULL, 0);
}

/*
 * munmap() must uncharge exactly the locked pages it removed from
 * mm->locked_vm (VmLck), and only pages that were actually mapped.
 */
TEST(mlock_vmlck)
{
	const struct piece mid[] = { { 0, 6, "rw-p" }, { 10, 6, "rw-p" } };
	const struct piece span[] = { { 0, 4, "rw-p" }, { 12, 4, "rw-p" } };
	long kb = page_size() / 1024;
	char *base = map_filled(NPAGES);
	size_t ps = page_size();
	long before;

	ASSERT_NE(NULL, base);
	before = status_kb("VmLck");
	ASSERT_LE(0, before);

	if (!mlock_or_skip(_metadata, base, NPAGES * ps, 0))
		return;
	ASSERT_EQ(before + NPAGES * kb, status_kb("VmLck"));

	/* Split the locked VMA in three: four pages fewer locked. */
	ASSERT_EQ(0, munmap(base + 6 * ps, 4 * ps));
	ASSERT_EQ(before + 12 * kb, status_kb("VmLck"));
	check_layout(_metadata, base, NPAGES, mid, ARRAY_SIZE(mid));

	/* Eight pages asked for, but only four of them are still mapped. */
	ASSERT_EQ(0, munmap(base + 4 * ps, 8 * ps));
	ASSERT_EQ(before + 8 * kb, status_kb("VmLck"));
	check_layout(_metadata, base, NPAGES, span, ARRAY_SIZE(span));

	ASSERT_EQ(0, munmap(base, NPAGES * ps));
	ASSERT_EQ(before, status_kb("VmLck"));
}

TEST_HARNESS_MAIN
