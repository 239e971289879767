// SPDX-License-Identifier: GPL-2.0
/*
 * The other ways a process unmaps memory, all of which go through the
 * series' gather and complete phases: munmap() next to a MAP_GROWSDOWN VMA
 * (stock 6.1 keeps mmap_lock exclusive there, the series no longer does:
 * "always downgrade mmap_lock when the caller asks"), mremap() and brk()
 * shrinking (downgraded on stock too), mmap(MAP_FIXED) over a mapping
 * (exclusive throughout) and shmdt() (exclusive on stock, downgraded for
 * a contiguous segment by the series).
 * Whatever the locking, what they leave must be what stock Linux leaves:
 * the kept pages keep their contents, the released ones fault (or come
 * back zeroed when mapped again, never with their old contents),
 * /proc/self/maps, VmSize and VmLck say so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "munmap_checks.h"

#ifndef MAP_GROWSDOWN
#define MAP_GROWSDOWN	0x0100
#endif

#define MAX_VMAS	8

/* A run of the window expected to be one VMA with these perms. */
struct piece {
	char *start;
	size_t len;
	const char *perms;
};

static size_t pages(size_t n)
{
	return n * page_size();
}

static bool page_is_zero(const char *page)
{
	size_t i;

	for (i = 0; i < page_size(); i++)
		if (page[i])
			return false;
	return true;
}

/* Page @i of @base is mapped and reads as zeroes: a new page. */
static void check_zero(struct __test_metadata *_metadata, const char *base,
		       unsigned int i)
{
	const char *p = base + pages(i);

	ASSERT_EQ(0, probe_read(p, NULL)) TH_LOG("page %u should be readable", i);
	ASSERT_TRUE(page_is_zero(p))
		TH_LOG("page %u should be a new zeroed page", i);
}

/* [@lo, @hi) of /proc/self/maps holds exactly the @n VMAs of @want. */
static void check_maps(struct __test_metadata *_metadata, const char *lo,
		       const char *hi, const struct piece *want, int n)
{
	struct vma_range got[MAX_VMAS];
	bool same;
	int i, ngot;

	ngot = maps_in_window((unsigned long)lo, (unsigned long)hi, got,
			      MAX_VMAS);
	ASSERT_LE(0, ngot) TH_LOG("reading /proc/self/maps: %s", strerror(errno));
	same = ngot == n;
	for (i = 0; same && i < n; i++)
		same = got[i].start == (unsigned long)want[i].start &&
		       got[i].end == got[i].start + want[i].len &&
		       !strcmp(got[i].perms, want[i].perms);
	if (!same) {
		for (i = 0; i < n; i++)
			TH_LOG("want %p-%p %s", want[i].start,
			       want[i].start + want[i].len, want[i].perms);
		for (i = 0; i < ngot && i < MAX_VMAS; i++)
			TH_LOG("got  %lx-%lx %s", got[i].start, got[i].end,
			       got[i].perms);
	}
	ASSERT_TRUE(same);
}

static void check_vm_size(struct __test_metadata *_metadata, long before_kb,
			  long pages_added)
{
	ASSERT_EQ(before_kb + pages_added * (long)(page_size() >> 10),
		  status_kb("VmSize"));
}

/* ---- Next to a MAP_GROWSDOWN VMA ---- */

/*
 * The rule stock 6.1 applies when an access below a VM_GROWSDOWN VMA
 * tries to grow it (expand_downwards(), called from the page fault;
 * 6.1.y only grows stacks there, with mmap_lock held for write):
 *
 *   the new start may not come closer than stack_guard_gap (boot
 *   parameter stack_guard_gap=, in pages; 256 by default) to the end
 *   of the VMA below, unless that VMA is itself VM_GROWSDOWN or is
 *   PROT_NONE; and the stack may not exceed RLIMIT_STACK.
 *
 * A refused growth is an access to nothing: SIGSEGV with SEGV_MAPERR.  An
 * access anywhere in the allowed range grows the VMA down to that page at
 * once.  Unmapping the VMA right below a growsdown VMA, or its own
 * bottom, is where stock 6.1 keeps mmap_lock exclusive for the zap and
 * the series downgrades it ("always downgrade mmap_lock when the caller
 * asks"): the exception guarded against
 * the stack growing into the range while it is zapped under the read
 * lock, and 6.1.y grows stacks only with the lock held for write.
 *
 * The window, from low to high addresses, inside a PROT_NONE reservation;
 * gd is the MAP_GROWSDOWN mapping:
 *
 *   head ---p | prev, 1 page | lower, rw-p | gd, GD_PAGES rw-p | ---p
 *
 * prev is r--p (accessible: it enforces the gap) or, with
 * prev_accessible false, left PROT_NONE as part of the head.
 */
#define GD_PAGES	8
#define LOWER_TAG	0x1000UL
/* Hole left below gd when it is close to prev: far less than the gap. */
#define NEAR_PAGES	16

FIXTURE(growsdown) {
	char *res;
	size_t res_len;
	char *prev;
	char *lower;
	char *gd;
	size_t lower_len;
	size_t gap;		/* stack_guard_gap, bytes */
};

FIXTURE_VARIANT(growsdown) {
	bool prev_accessible;
	bool beyond_gap;	/* lower longer than the gap, by NEAR_PAGES */
};

/* prev is closer than the gap once lower is gone: no growth at all. */
FIXTURE_VARIANT_ADD(growsdown, near_prev) { .prev_accessible = true };
/* gd may grow, down to the gap above prev. */
FIXTURE_VARIANT_ADD(growsdown, far_prev) { true, true };
/* A PROT_NONE VMA below does not count: gd may grow right down to it. */
FIXTURE_VARIANT_ADD(growsdown, prot_none_prev) { .prev_accessible = false };

/* stack_guard_gap, as the running kernel was booted with it. */
static size_t guard_gap(void)
{
	static char cmdline[4096];
	unsigned long gap = 256;
	const char *p = cmdline;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
	if (fd >= 0)
		close(fd);
	cmdline[n > 0 ? n : 0] = '\0';
	/* The last one wins, as with __setup(). */
	while ((p = strstr(p, "stack_guard_gap="))) {
		if (p == cmdline || p[-1] == ' ')
			gap = strtoul(p + strlen("stack_guard_gap="), NULL, 10);
		p++;
	}
	return pages(gap);
}

FIXTURE_SETUP(growsdown)
{
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	size_t ps = page_size();
	unsigned int i;
	char *p;

	self->gap = guard_gap();
	self->lower_len = variant->beyond_gap ? self->gap + pages(NEAR_PAGES) :
						pages(NEAR_PAGES);
	self->res_len = 2 * ps + self->lower_len + pages(GD_PAGES) + ps;
	p = mmap(NULL, self->res_len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	self->res = p;
	self->prev = p + ps;
	self->lower = self->prev + ps;
	self->gd = self->lower + self->lower_len;

	/* Braces: the harness's ASSERT is two statements. */
	if (variant->prev_accessible) {
		ASSERT_EQ(self->prev, mmap(self->prev, ps, PROT_READ, flags,
					   -1, 0));
	}
	ASSERT_EQ(self->lower, mmap(self->lower, self->lower_len,
				    PROT_READ | PROT_WRITE, flags, -1, 0));
	ASSERT_EQ(self->gd, mmap(self->gd, pages(GD_PAGES),
				 PROT_READ | PROT_WRITE,
				 flags | MAP_GROWSDOWN, -1, 0));
	for (i = 0; i < self->lower_len / ps; i++)
		fill_page(self->lower + pages(i), LOWER_TAG + i);
	for (i = 0; i < GD_PAGES; i++)
		fill_page(self->gd + pages(i), i);
}

FIXTURE_TEARDOWN(growsdown)
{
	munmap(self->res, self->res_len);
}

/* The window from prev to the end of gd, with gd starting at @start. */
static void check_gd_maps(struct __test_metadata *_metadata,
			  FIXTURE_DATA(growsdown) *self,
			  const FIXTURE_VARIANT(growsdown) *variant,
			  char *start)
{
	char *end = self->gd + pages(GD_PAGES);
	struct piece want[2];
	int n = 0;

	want[n++] = (struct piece){ self->prev, page_size(),
				    variant->prev_accessible ? "r--p" : "---p" };
	want[n++] = (struct piece){ start, end - start, "rw-p" };
	check_maps(_metadata, self->prev, end, want, n);
}

/* gd's own pages from @first on: still there, with their contents. */
static void check_gd_kept(struct __test_metadata *_metadata,
			  FIXTURE_DATA(growsdown) *self, unsigned int first)
{
	unsigned int i;

	for (i = first; i < GD_PAGES; i++)
		check_kept(_metadata, self->gd, i, i, "page");
}

/*
 * After the unmap, gd starts at @start with nothing mapped between prev
 * and it.  Probing a page of that hole with an access would grow gd into
 * it: only mincore() can say that it is unmapped.  Then grow gd as far as
 * the rule lets it, and check that it goes no further.
 */
static void check_growth(struct __test_metadata *_metadata,
			 FIXTURE_DATA(growsdown) *self,
			 const FIXTURE_VARIANT(growsdown) *variant,
			 char *start, unsigned int kept_from)
{
	char *floor = self->lower + (variant->prev_accessible ? self->gap : 0);
	size_t ps = page_size();
	long vm_size;
	void *fault;
	char *p;

	for (p = self->lower; p < start; p += ps) {
		ASSERT_FALSE(page_mapped(p))
			TH_LOG("hole page %p should be unmapped", p);
	}
	check_gd_maps(_metadata, self, variant, start);
	check_gd_kept(_metadata, self, kept_from);
	vm_size = status_kb("VmSize");

	if (floor >= start) {
		/* prev is closer than the gap already: no growth at all. */
		fault = NULL;
		ASSERT_EQ(SEGV_MAPERR, probe_read(start - ps, &fault))
			TH_LOG("gd grew within stack_guard_gap of prev");
		ASSERT_EQ(start - ps, fault);
		check_gd_maps(_metadata, self, variant, start);
		check_vm_size(_metadata, vm_size, 0);
		return;
	}

	/* Just below gd: one page more. */
	ASSERT_EQ(0, probe_read(start - ps, NULL))
		TH_LOG("gd did not grow by one page");
	check_gd_maps(_metadata, self, variant, start - ps);
	check_zero(_metadata, start - ps, 0);
	check_vm_size(_metadata, vm_size, 1);

	if (floor > self->lower) {
		/* One page inside the gap above prev: refused. */
		fault = NULL;
		ASSERT_EQ(SEGV_MAPERR, probe_read(floor - ps, &fault))
			TH_LOG("gd grew within stack_guard_gap of prev");
		ASSERT_EQ(floor - ps, fault);
		check_gd_maps(_metadata, self, variant, start - ps);
	}

	/* Down to the limit in one access. */
	ASSERT_EQ(0, probe_read(floor, NULL))
		TH_LOG("gd did not grow down to %p", floor);
	check_gd_maps(_metadata, self, variant, floor);
	check_zero(_metadata, floor, 0);
	check_vm_size(_metadata, vm_size, (start - floor) / ps);

	if (!variant->prev_accessible) {
		/* Below is the PROT_NONE VMA itself: an access error. */
		ASSERT_EQ(SEGV_ACCERR, probe_read(floor - ps, NULL));
		check_gd_maps(_metadata, self, variant, floor);
	}
	check_gd_kept(_metadata, self, kept_from);
}

static bool gd_fits_rlimit(FIXTURE_DATA(growsdown) *self)
{
	struct rlimit rl;

	/* The most gd grows to: all of lower, and its own pages. */
	return !getrlimit(RLIMIT_STACK, &rl) &&
	       (rl.rlim_cur == RLIM_INFINITY ||
		rl.rlim_cur >= self->lower_len + pages(GD_PAGES));
}

/* munmap() the whole VMA right below gd. */
TEST_F(growsdown, unmap_below)
{
	long vm_size = status_kb("VmSize");

	if (self->gap > (64UL << 20))
		SKIP(return, "stack_guard_gap is %zu MiB", self->gap >> 20);
	if (!gd_fits_rlimit(self))
		SKIP(return, "RLIMIT_STACK too small");
	ASSERT_EQ(0, munmap(self->lower, self->lower_len));
	check_vm_size(_metadata, vm_size, -(long)(self->lower_len / page_size()));
	check_growth(_metadata, self, variant, self->gd, 0);
}

/* One munmap() over lower and the bottom two pages of gd itself. */
TEST_F(growsdown, unmap_below_and_own_bottom)
{
	long vm_size = status_kb("VmSize");

	if (self->gap > (64UL << 20))
		SKIP(return, "stack_guard_gap is %zu MiB", self->gap >> 20);
	if (!gd_fits_rlimit(self))
		SKIP(return, "RLIMIT_STACK too small");
	ASSERT_EQ(0, munmap(self->lower, self->lower_len + pages(2)));
	check_vm_size(_metadata, vm_size,
		      -(long)(self->lower_len / page_size() + 2));
	ASSERT_FALSE(page_mapped(self->gd));
	ASSERT_FALSE(page_mapped(self->gd + pages(1)));
	check_growth(_metadata, self, variant, self->gd + pages(2), 2);
}

/* ---- mremap() shrinking ---- */

#define NPAGES		16
#define KEEP		6

TEST(mremap_shrink)
{
	char *base = map_filled(NPAGES);
	const struct piece kept = { base, pages(KEEP), "rw-p" };
	const struct piece whole = { base, pages(NPAGES), "rw-p" };
	long vm_size = status_kb("VmSize");
	unsigned int i;

	ASSERT_NE(NULL, base);
	ASSERT_EQ(base, mremap(base, pages(NPAGES), pages(KEEP), 0));
	for (i = 0; i < NPAGES; i++) {
		if (i < KEEP)
			check_kept(_metadata, base, i, i, "page");
		else
			check_gone(_metadata, base, i, "page");
	}
	check_maps(_metadata, base, base + pages(NPAGES), &kept, 1);
	check_vm_size(_metadata, vm_size, KEEP - NPAGES);

	/* Grown back in place: the released pages must not come back. */
	ASSERT_EQ(base, mremap(base, pages(KEEP), pages(NPAGES), 0));
	for (i = 0; i < NPAGES; i++) {
		if (i < KEEP)
			check_kept(_metadata, base, i, i, "page");
		else
			check_zero(_metadata, base, i);
	}
	check_maps(_metadata, base, base + pages(NPAGES), &whole, 1);
	check_vm_size(_metadata, vm_size, 0);
	ASSERT_EQ(0, munmap(base, pages(NPAGES)));
}

/* The locked pages released by the shrink leave VmLck. */
TEST(mremap_shrink_mlocked)
{
	char *base = map_filled(NPAGES);
	const struct piece kept = { base, pages(KEEP), "rw-p" };
	long kb = page_size() >> 10;
	long vm_lck = status_kb("VmLck");
	unsigned int i;

	ASSERT_NE(NULL, base);
	ASSERT_LE(0, vm_lck);
	if (!mlock_or_skip(_metadata, base, pages(NPAGES), 0))
		return;
	ASSERT_EQ(vm_lck + NPAGES * kb, status_kb("VmLck"));

	ASSERT_EQ(base, mremap(base, pages(NPAGES), pages(KEEP), 0));
	ASSERT_EQ(vm_lck + KEEP * kb, status_kb("VmLck"));
	for (i = 0; i < NPAGES; i++) {
		if (i < KEEP)
			check_kept(_metadata, base, i, i, "page");
		else
			check_gone(_metadata, base, i, "page");
	}
	check_maps(_metadata, base, base + pages(NPAGES), &kept, 1);

	ASSERT_EQ(0, munmap(base, pages(KEEP)));
	ASSERT_EQ(vm_lck, status_kb("VmLck"));
}

/* ---- brk() shrinking ---- */

/*
 * The heap is shared with malloc(): only what this test added on top of
 * the current break is released, and the break is put back exactly where
 * it was, so malloc() never sees a change.  Nothing between the sbrk()
 * calls allocates.
 */
TEST(brk_shrink)
{
	size_t ps = page_size();
	char *cur = sbrk(0);
	long vm_size;
	size_t pad;
	char *base;
	unsigned int i;

	if (cur == (void *)-1)
		SKIP(return, "sbrk(0): %s", strerror(errno));
	/* The heap VMA already ends at the page boundary above the break. */
	pad = -(uintptr_t)cur & (ps - 1);
	base = cur + pad;
	vm_size = status_kb("VmSize");
	if (sbrk(pad + pages(NPAGES)) == (void *)-1)
		SKIP(return, "cannot grow the heap: %s", strerror(errno));
	for (i = 0; i < NPAGES; i++)
		fill_page(base + pages(i), i);
	/* The heap VMA may start below base, the window cuts it there. */
	check_maps(_metadata, base, base + pages(NPAGES),
		   &(struct piece){ base, pages(NPAGES), "rw-p" }, 1);
	check_vm_size(_metadata, vm_size, NPAGES);

	ASSERT_NE((void *)-1, sbrk(-(intptr_t)pages(NPAGES - KEEP)));
	ASSERT_EQ(base + pages(KEEP), (char *)sbrk(0));
	for (i = 0; i < NPAGES; i++) {
		if (i < KEEP)
			check_kept(_metadata, base, i, i, "page");
		else
			check_gone(_metadata, base, i, "page");
	}
	check_maps(_metadata, base, base + pages(NPAGES),
		   &(struct piece){ base, pages(KEEP), "rw-p" }, 1);
	check_vm_size(_metadata, vm_size, KEEP);

	/* Grown again: new zeroed pages, not the released ones. */
	ASSERT_NE((void *)-1, sbrk(pages(NPAGES - KEEP)));
	for (i = KEEP; i < NPAGES; i++)
		check_zero(_metadata, base, i);

	ASSERT_EQ(0, brk(cur));
	ASSERT_EQ(cur, (char *)sbrk(0));
	check_vm_size(_metadata, vm_size, 0);
}

/* ---- mmap(MAP_FIXED) over a mapping ---- */

/*
 * The new anonymous mapping replaces pages 4..7: they read as zeroes, and
 * it merges with what is left on both sides, which has the same flags and
 * the same anon_vma.  One VMA, as before.
 */
TEST(map_fixed_inside)
{
	char *base = map_filled(NPAGES);
	const struct piece whole = { base, pages(NPAGES), "rw-p" };
	long vm_size = status_kb("VmSize");
	int count = map_count();
	unsigned int i;

	ASSERT_NE(NULL, base);
	ASSERT_LE(0, count);
	ASSERT_EQ(base + pages(4), mmap(base + pages(4), pages(4),
					PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
					-1, 0));
	for (i = 0; i < NPAGES; i++) {
		if (i >= 4 && i < 8)
			check_zero(_metadata, base, i);
		else
			check_kept(_metadata, base, i, i, "page");
	}
	check_maps(_metadata, base, base + pages(NPAGES), &whole, 1);
	ASSERT_EQ(count, map_count());
	check_vm_size(_metadata, vm_size, 0);
	ASSERT_EQ(0, munmap(base, pages(NPAGES)));
}

/* Over the boundary of two VMAs, with a mapping that merges with neither. */
TEST(map_fixed_across)
{
	char *base = map_filled(NPAGES);
	const struct piece want[] = {
		{ base, pages(6), "rw-p" },
		{ base + pages(6), pages(4), "rw-s" },
		{ base + pages(10), pages(6), "r--p" },
	};
	long vm_size = status_kb("VmSize");
	unsigned int i;
	int count;

	ASSERT_NE(NULL, base);
	ASSERT_EQ(0, mprotect(base + pages(8), pages(8), PROT_READ));
	count = map_count();
	ASSERT_LE(0, count);
	ASSERT_EQ(base + pages(6), mmap(base + pages(6), pages(4),
					PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
					-1, 0));
	for (i = 0; i < NPAGES; i++) {
		if (i >= 6 && i < 10)
			check_zero(_metadata, base, i);
		else
			check_kept(_metadata, base, i, i, "page");
	}
	check_maps(_metadata, base, base + pages(NPAGES), want,
		   ARRAY_SIZE(want));
	ASSERT_EQ(count + 1, map_count());
	check_vm_size(_metadata, vm_size, 0);
	ASSERT_EQ(0, munmap(base, pages(NPAGES)));
}

/*
 * Over an mlock()ed range: the new mapping is not locked (no
 * mlockall(MCL_FUTURE)), so VmLck drops by its size, and it cannot merge
 * with its locked neighbours.
 */
TEST(map_fixed_over_mlocked)
{
	char *base = map_filled(NPAGES);
	const struct piece want[] = {
		{ base, pages(4), "rw-p" },
		{ base + pages(4), pages(4), "rw-p" },
		{ base + pages(8), pages(8), "rw-p" },
	};
	long kb = page_size() >> 10;
	long vm_lck = status_kb("VmLck");
	unsigned int i;
	int count;

	ASSERT_NE(NULL, base);
	ASSERT_LE(0, vm_lck);
	if (!mlock_or_skip(_metadata, base, pages(NPAGES), 0))
		return;
	count = map_count();
	ASSERT_LE(0, count);
	ASSERT_EQ(base + pages(4), mmap(base + pages(4), pages(4),
					PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
					-1, 0));
	ASSERT_EQ(vm_lck + (NPAGES - 4) * kb, status_kb("VmLck"));
	for (i = 0; i < NPAGES; i++) {
		if (i >= 4 && i < 8)
			check_zero(_metadata, base, i);
		else
			check_kept(_metadata, base, i, i, "page");
	}
	check_maps(_metadata, base, base + pages(NPAGES), want,
		   ARRAY_SIZE(want));
	ASSERT_EQ(count + 2, map_count());
	ASSERT_EQ(0, munmap(base, pages(NPAGES)));
	ASSERT_EQ(vm_lck, status_kb("VmLck"));
}

/* ---- shmdt() ---- */

/*
 * A private segment of @npages, already marked for removal: it goes away
 * at the last detach, also when the test dies first.  -1 after a SKIP.
 */
static int shm_segment(struct __test_metadata *_metadata, unsigned int npages)
{
	int id = shmget(IPC_PRIVATE, pages(npages), IPC_CREAT | 0600);

	if (id < 0 && errno == ENOSYS)
		SKIP(return -1, "no SysV shared memory (CONFIG_SYSVIPC)");
	ASSERT_LE(0, id) TH_LOG("shmget: %s", strerror(errno));
	return id;
}

static char *shm_attach(struct __test_metadata *_metadata, int id)
{
	char *p = shmat(id, NULL, 0);

	ASSERT_NE((char *)-1, p) TH_LOG("shmat: %s", strerror(errno));
	return p;
}

static void shm_remove(struct __test_metadata *_metadata, int id)
{
	ASSERT_EQ(0, shmctl(id, IPC_RMID, NULL))
		TH_LOG("shmctl(IPC_RMID): %s", strerror(errno));
}

/*
 * shm_nattch counts VMAs, not shmat() calls: shm_open() runs for every
 * VMA the attachment is split into, shm_close() for every one unmapped.
 * -1 once the segment is destroyed (EINVAL; EIDRM while being removed).
 */
static long shm_nattch(struct __test_metadata *_metadata, int id)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds)) {
		ASSERT_TRUE(errno == EINVAL || errno == EIDRM)
			TH_LOG("shmctl(IPC_STAT): %s", strerror(errno));
		return -1;
	}
	return ds.shm_nattch;
}

/* Two attachments of one segment: detaching one leaves the other alone. */
TEST(shmdt_whole)
{
	long vm_size = status_kb("VmSize");
	int count = map_count();
	char *a, *b;
	unsigned int i;
	int id;

	id = shm_segment(_metadata, NPAGES);
	if (id < 0)
		return;
	a = shm_attach(_metadata, id);
	b = shm_attach(_metadata, id);
	shm_remove(_metadata, id);
	for (i = 0; i < NPAGES; i++)
		fill_page(a + pages(i), i);
	for (i = 0; i < NPAGES; i++)
		check_kept(_metadata, b, i, i, "page");
	ASSERT_EQ(2, shm_nattch(_metadata, id));
	ASSERT_EQ(count + 2, map_count());
	check_vm_size(_metadata, vm_size, 2 * NPAGES);

	ASSERT_EQ(0, shmdt(a));
	for (i = 0; i < NPAGES; i++) {
		check_gone(_metadata, a, i, "page");
		check_kept(_metadata, b, i, i, "page");
	}
	check_maps(_metadata, a, a + pages(NPAGES), NULL, 0);
	check_maps(_metadata, b, b + pages(NPAGES),
		   &(struct piece){ b, pages(NPAGES), "rw-s" }, 1);
	ASSERT_EQ(1, shm_nattch(_metadata, id));
	ASSERT_EQ(count + 1, map_count());
	check_vm_size(_metadata, vm_size, NPAGES);

	ASSERT_EQ(0, shmdt(b));
	ASSERT_EQ(-1, shm_nattch(_metadata, id))
		TH_LOG("the segment outlived its last detach");
	ASSERT_EQ(count, map_count());
	check_vm_size(_metadata, vm_size, 0);
}

/* shmdt() finds and detaches every piece munmap() left of the attachment. */
TEST(shmdt_after_partial_munmap)
{
	long vm_size = status_kb("VmSize");
	int count = map_count();
	struct piece want[2];
	unsigned int i;
	char *a;
	int id;

	id = shm_segment(_metadata, NPAGES);
	if (id < 0)
		return;
	a = shm_attach(_metadata, id);
	shm_remove(_metadata, id);
	for (i = 0; i < NPAGES; i++)
		fill_page(a + pages(i), i);

	ASSERT_EQ(0, munmap(a + pages(4), pages(4)));
	want[0] = (struct piece){ a, pages(4), "rw-s" };
	want[1] = (struct piece){ a + pages(8), pages(8), "rw-s" };
	check_maps(_metadata, a, a + pages(NPAGES), want, ARRAY_SIZE(want));
	for (i = 0; i < NPAGES; i++) {
		if (i >= 4 && i < 8)
			check_gone(_metadata, a, i, "page");
		else
			check_kept(_metadata, a, i, i, "page");
	}
	ASSERT_EQ(2, shm_nattch(_metadata, id));
	ASSERT_EQ(count + 2, map_count());
	check_vm_size(_metadata, vm_size, NPAGES - 4);

	ASSERT_EQ(0, shmdt(a));
	for (i = 0; i < NPAGES; i++)
		check_gone(_metadata, a, i, "page");
	check_maps(_metadata, a, a + pages(NPAGES), NULL, 0);
	ASSERT_EQ(-1, shm_nattch(_metadata, id))
		TH_LOG("the segment outlived its last detach");
	ASSERT_EQ(count, map_count());
	check_vm_size(_metadata, vm_size, 0);
}

/*
 * With the head unmapped, nothing is mapped at the address shmat()
 * returned, yet shmdt() of it still succeeds: it detaches the piece whose
 * file offset matches that address.  Once nothing is left, EINVAL.
 */
TEST(shmdt_head_munmapped)
{
	long vm_size = status_kb("VmSize");
	int count = map_count();
	unsigned int i;
	char *a;
	int id;

	id = shm_segment(_metadata, NPAGES);
	if (id < 0)
		return;
	a = shm_attach(_metadata, id);
	shm_remove(_metadata, id);
	for (i = 0; i < NPAGES; i++)
		fill_page(a + pages(i), i);

	ASSERT_EQ(0, munmap(a, pages(4)));
	check_maps(_metadata, a, a + pages(NPAGES),
		   &(struct piece){ a + pages(4), pages(NPAGES - 4), "rw-s" }, 1);
	for (i = 4; i < NPAGES; i++)
		check_kept(_metadata, a, i, i, "page");
	ASSERT_EQ(1, shm_nattch(_metadata, id));

	ASSERT_EQ(0, shmdt(a));
	for (i = 0; i < NPAGES; i++)
		check_gone(_metadata, a, i, "page");
	ASSERT_EQ(-1, shm_nattch(_metadata, id))
		TH_LOG("the segment outlived its last detach");
	ASSERT_EQ(count, map_count());
	check_vm_size(_metadata, vm_size, 0);

	errno = 0;
	ASSERT_EQ(-1, shmdt(a));
	ASSERT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
