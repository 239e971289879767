// SPDX-License-Identifier: GPL-2.0
/*
 * munmap() at the vm.max_map_count limit, and what an unmap gives back of
 * the VM_ACCOUNT charge (the process's own total and Committed_AS).
 *
 * Stock 6.1 (do_mas_align_munmap() in mm/mmap.c) refuses only one thing
 * at the limit, before it has changed anything:
 *
 *	if (start > vma->vm_start) {
 *		if (end < vma->vm_end && mm->map_count >= sysctl_max_map_count)
 *			goto map_count_exceeded;	(-ENOMEM)
 *
 * i.e. cutting a hole in the middle of one VMA, the one unmap that leaves
 * one VMA more.  Unmapping its head or its tail leaves the count as it
 * was and is allowed; so is a range that splits two VMAs (the count goes
 * above the limit for a moment, "to help free resources as expected", and
 * ends where it started).  The series moves that check into
 * vms_gather_munmap_vmas(); these tests hold it to the stock rules, and
 * check that a refused munmap() leaves the mapping, its contents, the
 * whole of /proc/self/maps, VmLck and the VM_ACCOUNT total as they were.
 *
 * Reaching the limit: VMAs are added one at a time, by changing the
 * protection of the first page of a PROT_NONE reservation's remainder
 * (alternately read-only and read-write, so that no two of them merge):
 * each such mprotect() splits one VMA off the head of the remainder.  The
 * default limit (65530) is a lot of VMAs, so as root the tests lower
 * vm.max_map_count for their duration.  Not down to what this process
 * needs, though: the limit is system-wide, and a process that already
 * has more VMAs than the new limit fails its next mmap().  The new limit
 * stays twice as high as the busiest process of the system (+ 1024), and
 * a watchdog process puts the old value back if the test dies without
 * its teardown.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "munmap_checks.h"

#define MAX_MAP_COUNT	"/proc/sys/vm/max_map_count"

/* The mapping under test: NPAGES filled pages between two guard pages. */
#define NPAGES		16
/* Without root, at most this many VMAs are created to reach the limit. */
#define MAX_FILL	200000
/* VMAs of this process left below the limit for the test's own steps. */
#define OWN_SLACK	64

/* Whole copies of /proc/self/maps, before and after a refused munmap(). */
static char maps_before[8 << 20];
static char maps_after[8 << 20];

FIXTURE(limit) {
	long old_max;		/* value to restore, -1 if not changed */
	int watchdog_fd;	/* its closing makes the watchdog restore */
	pid_t watchdog;
	int limit;		/* vm.max_map_count in effect */
	char *res;		/* guard page, NPAGES pages, guard page */
	char *map;		/* res + one page */
	char *fill;		/* the reservation the filler VMAs come from */
	size_t fill_len;
	size_t fill_next;	/* next page of it to split off */
	size_t unfill_next;	/* oldest filler page still mapped */
};

FIXTURE_VARIANT(limit) {
	bool mlock;		/* the mapping under test is mlock()ed */
};

FIXTURE_VARIANT_ADD(limit, plain) { .mlock = false };
FIXTURE_VARIANT_ADD(limit, mlocked) { .mlock = true };

/* The largest number of VMAs any other process of the system has now. */
static int busiest_process(void)
{
	static char buf[8 << 20];
	struct dirent *d;
	int max = 0;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		char path[300];
		int n = 0;
		char *p;

		if (d->d_name[0] < '1' || d->d_name[0] > '9' ||
		    atoi(d->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/maps", d->d_name);
		/* Gone, a kernel thread, or too large to matter here. */
		if (read_file(path, buf, sizeof(buf)) < 0) {
			if (errno == EFBIG)
				max = INT32_MAX / 4;
			continue;
		}
		for (p = buf; (p = strchr(p, '\n')); p++)
			n++;
		if (n > max)
			max = n;
	}
	closedir(dir);
	return max;
}

/*
 * Fork a process that writes @old back to vm.max_map_count when the
 * write end of a pipe closes: at the teardown, or whenever this process
 * dies, however it dies.
 */
static pid_t start_watchdog(long old, int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char buf[32], c;

		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		snprintf(buf, sizeof(buf), "%ld", old);
		_exit(write_file(MAX_MAP_COUNT, buf) ? 1 : 0);
	}
	close(p[0]);
	*fd = p[1];
	return pid;
}

/*
 * Lower vm.max_map_count when root and it is worth it; return the limit
 * in effect, or 0 after a SKIP.
 */
static int set_limit(struct __test_metadata *_metadata,
		     FIXTURE_DATA(limit) *self)
{
	long cur = read_number(MAX_MAP_COUNT);
	int own = mm_map_count();
	int others, want;
	char buf[32];

	ASSERT_LT(0, cur) TH_LOG("reading %s: %s", MAX_MAP_COUNT, strerror(errno));
	ASSERT_LT(0, own);
	if (cur > INT32_MAX / 2)
		SKIP(return 0, "vm.max_map_count is %ld", cur);

	others = busiest_process();
	want = own + OWN_SLACK;
	if (others >= 0 && want < 2 * others + 1024)
		want = 2 * others + 1024;
	if (geteuid() || want >= cur)
		goto keep;

	self->watchdog = start_watchdog(cur, &self->watchdog_fd);
	ASSERT_LT(0, self->watchdog) TH_LOG("fork: %s", strerror(errno));
	snprintf(buf, sizeof(buf), "%d", want);
	if (write_file(MAX_MAP_COUNT, buf)) {
		/* Read-only /proc/sys (a container): fill up to it instead. */
		ksft_print_msg("cannot lower %s: %s\n", MAX_MAP_COUNT,
			 strerror(errno));
		goto keep;
	}
	self->old_max = cur;
	ksft_print_msg("vm.max_map_count %ld -> %d for the test (this process has %d VMAs, the busiest other %d)\n",
		 cur, want, own, others);
	return want;

keep:
	if (cur - own > MAX_FILL)
		SKIP(return 0, "vm.max_map_count %ld is %ld VMAs away and cannot be lowered (%s)",
		     cur, cur - own, geteuid() ? "not root" : "read-only");
	return cur;
}

/* Split the next filler VMA off the head of the reservation's remainder. */
static int fill_one(FIXTURE_DATA(limit) *self)
{
	size_t ps = page_size();
	int prot = self->fill_next & 1 ? PROT_READ | PROT_WRITE : PROT_READ;

	/* The last page stays PROT_NONE: the remainder never goes away. */
	if (self->fill_next >= self->fill_len / ps - 1) {
		errno = ENOSPC;
		return -1;
	}
	if (mprotect(self->fill + self->fill_next * ps, ps, prot))
		return -1;
	self->fill_next++;
	return 0;
}

/*
 * Add VMAs until mm->map_count is @count.  Each fill_one() adds one: its
 * page differs in protection from the page before it and from the
 * remainder after it.  Counted from /proc/self/maps, not predicted.
 */
static void fill_to(struct __test_metadata *_metadata,
		    FIXTURE_DATA(limit) *self, int count)
{
	int now = mm_map_count();

	ASSERT_LT(0, now);
	ASSERT_GE(count, now);
	/* Braces: the harness's ASSERT is more than one statement. */
	for (; now < count; now++) {
		ASSERT_EQ(0, fill_one(self))
			TH_LOG("filler page %zu: %s", self->fill_next,
			       strerror(errno));
	}
	ASSERT_EQ(count, mm_map_count());
}

/*
 * Remove filler VMAs, oldest first, until mm->map_count is @count: each
 * is one page between a guard or a hole and another filler VMA.
 */
static void unfill_to(struct __test_metadata *_metadata,
		      FIXTURE_DATA(limit) *self, int count)
{
	size_t ps = page_size();
	int now = mm_map_count();

	for (; now > count; now--) {
		ASSERT_GT(self->fill_next - 1, self->unfill_next);
		ASSERT_EQ(0, munmap(self->fill + self->unfill_next * ps, ps));
		self->unfill_next++;
	}
	ASSERT_EQ(count, mm_map_count());
}

FIXTURE_SETUP(limit)
{
	size_t ps = page_size();
	unsigned int i;
	int own;

	self->old_max = -1;
	self->watchdog_fd = -1;
	self->watchdog = -1;

	/* Guards keep the mapping from merging with anything outside. */
	self->res = mmap(NULL, (NPAGES + 2) * ps, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->res);
	self->map = self->res + ps;
	ASSERT_EQ(self->map, mmap(self->map, NPAGES * ps, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	for (i = 0; i < NPAGES; i++)
		fill_page(self->map + i * ps, i);
	if (variant->mlock &&
	    !mlock_or_skip(_metadata, self->map, NPAGES * ps, 0))
		return;

	self->limit = set_limit(_metadata, self);
	if (!self->limit)
		return;
	own = mm_map_count();
	ASSERT_LT(own, self->limit - 8)
		TH_LOG("already at %d of %d VMAs", own, self->limit);
	self->fill_len = (self->limit - own + 8) * ps;
	self->fill = mmap(NULL, self->fill_len, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->fill);
	/*
	 * Page 0 stays PROT_NONE: a guard against merging on the left.  The
	 * first split cuts the reservation in three (two VMAs more); every
	 * later one adds exactly one.
	 */
	self->fill_next = 1;
	self->unfill_next = 1;
	ASSERT_EQ(0, fill_one(self)) TH_LOG("mprotect: %s", strerror(errno));
}

FIXTURE_TEARDOWN(limit)
{
	char buf[32];

	/* First: with the limit this low nothing else can map anything. */
	if (self->old_max >= 0) {
		snprintf(buf, sizeof(buf), "%ld", self->old_max);
		EXPECT_EQ(0, write_file(MAX_MAP_COUNT, buf))
			TH_LOG("restoring %s to %s: %s", MAX_MAP_COUNT, buf,
			       strerror(errno));
	}
	/* Then let the watchdog go, and wait: it writes the old value too. */
	if (self->watchdog_fd >= 0)
		close(self->watchdog_fd);
	if (self->watchdog > 0)
		waitpid(self->watchdog, NULL, 0);
	if (self->fill)
		munmap(self->fill, self->fill_len);
	if (self->res)
		munmap(self->res, (NPAGES + 2) * page_size());
}

struct state {
	long vm_lck;
	long acct;		/* -1: smaps too large to read, not checked */
	int count;
};

static void take_state(struct __test_metadata *_metadata, struct state *s)
{
	s->vm_lck = status_kb("VmLck");
	s->acct = accounted_kb();
	/*
	 * Filled up to the default limit (not root), smaps is some 60 MiB:
	 * more than the readers' buffer.  The VM_ACCOUNT total is then left
	 * out; the checks of it run wherever the limit could be lowered.
	 */
	if (s->acct < 0 && errno == EFBIG) {
		static bool told;

		if (!told)
			ksft_print_msg("/proc/self/smaps too large: VM_ACCOUNT not checked\n");
		told = true;
	} else {
		ASSERT_LE(0, s->acct) TH_LOG("reading /proc/self/smaps: %s",
					     strerror(errno));
	}
	s->count = mm_map_count();
	ASSERT_LE(0, s->vm_lck);
	ASSERT_LT(0, s->count);
}

/* The VM_ACCOUNT total moved by exactly @kb, where it could be read. */
static void check_acct(struct __test_metadata *_metadata,
		       const struct state *before, const struct state *after,
		       long kb)
{
	if (before->acct >= 0 && after->acct >= 0) {
		ASSERT_EQ(before->acct + kb, after->acct);
	}
}

/* Pages [@first, @first + @n) of the mapping hold their pattern. */
static void kept_pages(struct __test_metadata *_metadata, char *map,
		       unsigned int first, unsigned int n)
{
	unsigned int i;

	for (i = first; i < first + n; i++)
		check_kept(_metadata, map, i, i, "page");
}

/* Pages [@first, @first + @n) of the mapping are gone. */
static void gone_pages(struct __test_metadata *_metadata, char *map,
		       unsigned int first, unsigned int n)
{
	unsigned int i;

	for (i = first; i < first + n; i++)
		check_gone(_metadata, map, i, "page");
}

/* Cutting a hole in the middle of a VMA at the limit: ENOMEM, no change. */
TEST_F(limit, middle_split_at_limit_fails)
{
	size_t ps = page_size();
	struct state before, after;
	ssize_t len;
	int ret, err;

	if (setup_skipped(_metadata))
		return;

	fill_to(_metadata, self, self->limit);
	take_state(_metadata, &before);
	len = read_file("/proc/self/maps", maps_before, sizeof(maps_before));
	ASSERT_LT(0, len) TH_LOG("reading /proc/self/maps: %s", strerror(errno));

	errno = 0;
	ret = munmap(self->map + 6 * ps, 4 * ps);
	err = errno;

	ASSERT_LT(0, read_file("/proc/self/maps", maps_after, sizeof(maps_after)));
	take_state(_metadata, &after);
	ksft_print_msg("at the limit (%d VMAs): munmap of the middle returned %d (%s); VmLck %ld -> %ld kB, VM_ACCOUNT %ld -> %ld kB\n",
		 before.count, ret, ret ? strerror(err) : "no error",
		 before.vm_lck, after.vm_lck, before.acct, after.acct);
	ASSERT_EQ(-1, ret);
	ASSERT_EQ(ENOMEM, err);
	ASSERT_STREQ(maps_before, maps_after);
	ASSERT_EQ(before.count, after.count);
	ASSERT_EQ(before.vm_lck, after.vm_lck);
	check_acct(_metadata, &before, &after, 0);
	if (variant->mlock) {
		ASSERT_LE((long)(NPAGES * ps / 1024), after.vm_lck);
	}
	kept_pages(_metadata, self->map, 0, NPAGES);
}

/* One VMA below the limit the same munmap() succeeds and reaches it. */
TEST_F(limit, middle_split_below_limit)
{
	size_t ps = page_size();
	struct state before, after;
	struct vma_range got[4];
	int n;

	if (setup_skipped(_metadata))
		return;

	fill_to(_metadata, self, self->limit - 1);
	take_state(_metadata, &before);
	ASSERT_EQ(0, munmap(self->map + 6 * ps, 4 * ps))
		TH_LOG("at %d of %d VMAs: %s", before.count, self->limit,
		       strerror(errno));
	take_state(_metadata, &after);
	ASSERT_EQ(self->limit, after.count);
	check_acct(_metadata, &before, &after, -(long)(4 * ps / 1024));
	ASSERT_EQ(before.vm_lck - (variant->mlock ? (long)(4 * ps / 1024) : 0),
		  after.vm_lck);
	kept_pages(_metadata, self->map, 0, 6);
	gone_pages(_metadata, self->map, 6, 4);
	kept_pages(_metadata, self->map, 10, 6);

	n = maps_in_window((unsigned long)self->map,
			   (unsigned long)self->map + NPAGES * ps, got, 4);
	ASSERT_EQ(2, n);
	ASSERT_EQ((unsigned long)self->map + 6 * ps, got[0].end);
	ASSERT_EQ((unsigned long)self->map + 10 * ps, got[1].start);

	/* Now at the limit, the next hole is refused. */
	errno = 0;
	ASSERT_EQ(-1, munmap(self->map + 2 * ps, ps));
	ASSERT_EQ(ENOMEM, errno);
	kept_pages(_metadata, self->map, 0, 6);
}

/* Head, tail and whole unmaps at the limit add no VMA: all succeed. */
TEST_F(limit, head_tail_whole_at_limit)
{
	size_t ps = page_size();
	struct state before, after;
	long kb = ps / 1024;

	if (setup_skipped(_metadata))
		return;

	fill_to(_metadata, self, self->limit);
	take_state(_metadata, &before);

	ASSERT_EQ(0, munmap(self->map, 2 * ps))
		TH_LOG("head at the limit: %s", strerror(errno));
	take_state(_metadata, &after);
	ASSERT_EQ(before.count, after.count);
	check_acct(_metadata, &before, &after, -2 * kb);
	gone_pages(_metadata, self->map, 0, 2);
	kept_pages(_metadata, self->map, 2, NPAGES - 2);

	ASSERT_EQ(0, munmap(self->map + (NPAGES - 2) * ps, 2 * ps))
		TH_LOG("tail at the limit: %s", strerror(errno));
	take_state(_metadata, &after);
	ASSERT_EQ(before.count, after.count);
	check_acct(_metadata, &before, &after, -4 * kb);
	ASSERT_EQ(before.vm_lck - (variant->mlock ? 4 * kb : 0), after.vm_lck);
	gone_pages(_metadata, self->map, NPAGES - 2, 2);
	kept_pages(_metadata, self->map, 2, NPAGES - 4);

	ASSERT_EQ(0, munmap(self->map + 2 * ps, (NPAGES - 4) * ps));
	take_state(_metadata, &after);
	ASSERT_EQ(before.count - 1, after.count);
	check_acct(_metadata, &before, &after, -NPAGES * kb);
	ASSERT_EQ(before.vm_lck - (variant->mlock ? NPAGES * kb : 0),
		  after.vm_lck);
	gone_pages(_metadata, self->map, 0, NPAGES);
}

/*
 * A range from the middle of one VMA to the middle of the next splits
 * both: one VMA more for a moment, the same number at the end.  Stock
 * allows it at the limit; only a split that leaves one VMA more is
 * refused.
 */
TEST_F(limit, two_vma_split_at_limit)
{
	size_t ps = page_size();
	struct state before, after;
	struct vma_range got[4];
	int n;

	if (setup_skipped(_metadata))
		return;

	/* Pages 8..15 read-only: two VMAs, 0..7 and 8..15. */
	ASSERT_EQ(0, mprotect(self->map + 8 * ps, 8 * ps, PROT_READ));
	fill_to(_metadata, self, self->limit);
	take_state(_metadata, &before);

	ASSERT_EQ(0, munmap(self->map + 6 * ps, 4 * ps))
		TH_LOG("at %d of %d VMAs: %s", before.count, self->limit,
		       strerror(errno));
	take_state(_metadata, &after);
	ASSERT_EQ(before.count, after.count);
	/* mprotect() to read-only keeps VM_ACCOUNT: all 4 pages had it. */
	check_acct(_metadata, &before, &after, -(long)(4 * ps / 1024));
	kept_pages(_metadata, self->map, 0, 6);
	gone_pages(_metadata, self->map, 6, 4);
	kept_pages(_metadata, self->map, 10, 6);
	n = maps_in_window((unsigned long)self->map,
			   (unsigned long)self->map + NPAGES * ps, got, 4);
	ASSERT_EQ(2, n);
	ASSERT_STREQ("rw-p", got[0].perms);
	ASSERT_STREQ("r--p", got[1].perms);
}

/*
 * After a refused munmap() the process is not stuck: with one VMA freed
 * elsewhere, the same call goes through.
 */
TEST_F(limit, retry_after_freeing_one)
{
	size_t ps = page_size();

	if (setup_skipped(_metadata))
		return;

	fill_to(_metadata, self, self->limit);
	errno = 0;
	ASSERT_EQ(-1, munmap(self->map + 6 * ps, 4 * ps));
	ASSERT_EQ(ENOMEM, errno);
	unfill_to(_metadata, self, self->limit - 1);
	ASSERT_EQ(0, munmap(self->map + 6 * ps, 4 * ps));
	ASSERT_EQ(self->limit, mm_map_count());
	kept_pages(_metadata, self->map, 0, 6);
	gone_pages(_metadata, self->map, 6, 4);
	kept_pages(_metadata, self->map, 10, 6);
}

/*
 * What an unmap gives back of the VM_ACCOUNT charge (private, writable,
 * anonymous memory: charged at mmap(), whether touched or not), in two
 * tests.  The process's own VM_ACCOUNT total (accounted_kb(), from the
 * VmFlags of smaps) must follow every mmap() and munmap() exactly and
 * end where it started, anywhere.  Committed_AS, the system's total, is
 * one counter for every process: the second test holds it to the same
 * moves on a quiet system only, and SKIPs on a busy one.
 */
#define ACCT_SIZE	(256UL << 20)
#define ACCT_ROUNDS	8

TEST(vm_account_after_unmap)
{
	long acct0, acct, kb = ACCT_SIZE >> 10;
	size_t q = ACCT_SIZE / 4;
	int i;

	acct0 = accounted_kb();
	if (acct0 < 0)
		SKIP(return, "no /proc/self/smaps: %s", strerror(errno));

	for (i = 0; i < ACCT_ROUNDS; i++) {
		long a0 = accounted_kb();
		char *p;

		p = mmap(NULL, ACCT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
		/* A few pages touched: charged the same as untouched ones. */
		fill_page(p, 0);
		fill_page(p + ACCT_SIZE - page_size(), 1);
		ASSERT_EQ(a0 + kb, accounted_kb());

		/* Middle, then head, then the rest: two VMAs, then one. */
		ASSERT_EQ(0, munmap(p + q, q));
		ASSERT_EQ(a0 + kb - kb / 4, accounted_kb());
		ASSERT_EQ(0, munmap(p, q));
		ASSERT_EQ(a0 + kb / 2, accounted_kb());
		ASSERT_EQ(0, munmap(p + 2 * q, 2 * q));
		ASSERT_EQ(a0, accounted_kb());
	}
	acct = accounted_kb();
	ksft_print_msg("%d x %lu MiB mapped and unmapped: own VM_ACCOUNT %+ld kB in all\n",
		       ACCT_ROUNDS, ACCT_SIZE >> 20, acct - acct0);
	ASSERT_EQ(acct0, acct);
}

/*
 * Committed_AS across the same mmap()s and munmap()s.  /proc/meminfo
 * sums it exactly (6.1's vm_memory_committed() is
 * percpu_counter_sum_positive()), so on a quiet system the mmap() moves
 * it by ACCT_SIZE and each munmap() back by what it unmapped, give or
 * take COMMIT_TOL_KB for whatever else ran meanwhile (the test VM's
 * busybox timeout watchdog: 336 kB).  A round something else disturbed
 * anyway is tried again, up to ACCT_ROUNDS times more; an uncharge lost
 * or doubled (64 MiB at least here) fails every round.
 */
#define COMMIT_TOL_KB	1024

TEST(committed_as_after_unmap)
{
	const long kb = ACCT_SIZE >> 10;
	/* What each step must move Committed_AS by, kB. */
	const long want[4] = { kb, -kb / 4, -kb / 4, -kb / 2 };
	long moved_kb, moved_pages, c[5];
	size_t q = ACCT_SIZE / 4;
	int good = 0, tries, i;

	if (meminfo_value("Committed_AS") < 0)
		SKIP(return, "no Committed_AS in /proc/meminfo: %s",
		     strerror(errno));
	if (!quiet_wait(&moved_kb, &moved_pages))
		SKIP(return, "the system is not quiet: Committed_AS moved by itself by %ld kB in 1.5 s",
		     moved_kb);

	for (tries = 0; good < ACCT_ROUNDS && tries < 2 * ACCT_ROUNDS;
	     tries++) {
		bool ok = true;
		char *p;

		c[0] = meminfo_value("Committed_AS");
		p = mmap(NULL, ACCT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
		fill_page(p, 0);
		fill_page(p + ACCT_SIZE - page_size(), 1);
		c[1] = meminfo_value("Committed_AS");
		ASSERT_EQ(0, munmap(p + q, q));
		c[2] = meminfo_value("Committed_AS");
		ASSERT_EQ(0, munmap(p, q));
		c[3] = meminfo_value("Committed_AS");
		ASSERT_EQ(0, munmap(p + 2 * q, 2 * q));
		c[4] = meminfo_value("Committed_AS");

		for (i = 0; i < 4; i++)
			ok &= labs(c[i + 1] - c[i] - want[i]) <= COMMIT_TOL_KB;
		if (ok) {
			good++;
			continue;
		}
		ksft_print_msg("try %d: Committed_AS %+ld, %+ld, %+ld, %+ld kB; want %+ld, %+ld, %+ld, %+ld (mmap, middle, head, rest)\n",
			       tries + 1, c[1] - c[0], c[2] - c[1],
			       c[3] - c[2], c[4] - c[3], want[0], want[1],
			       want[2], want[3]);
	}
	ksft_print_msg("%d of %d rounds of %lu MiB moved Committed_AS by what they mapped and unmapped, within %ld kB\n",
		       good, tries, ACCT_SIZE >> 20, COMMIT_TOL_KB);
	ASSERT_EQ(ACCT_ROUNDS, good)
		TH_LOG("Committed_AS did not follow the mmap() and munmap()s");
}

TEST_HARNESS_MAIN
