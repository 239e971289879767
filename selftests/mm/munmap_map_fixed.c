// SPDX-License-Identifier: GPL-2.0
/*
 * mmap(MAP_FIXED) over an existing mapping.  Stock 6.1 unmaps the old
 * mapping first and sets up the new one after: when the setup fails, the
 * call returns the error and leaves a hole.  With the series ("mm/mmap:
 * keep the old mapping when a MAP_FIXED mmap() fails") the old VMAs are
 * only gathered first, so a failure leaves them, their contents and the
 * commit charge as they were:
 *
 *   - hugetlb_reservation_fails: a MAP_HUGETLB mapping that cannot
 *     reserve its huge pages (hugetlbfs ->mmap fails with ENOMEM);
 *   - commit_limit_refuses: a private writable mapping refused by
 *     vm.overcommit_memory=2.
 * Both FAIL on stock 6.1 (the hole), which is what shows they test the
 * series.  What a successful replacement does is checked too, and must be
 * the same on both kernels:
 *   - replace_populated: new contents, the old ones gone, one VMA;
 *   - replace_charge_near_limit: under vm.overcommit_memory=2 with the
 *     limit just above what is committed, replacing a charged mapping by
 *     one of the same size succeeds, as the old charge is given back
 *     before the new one is taken (a kernel that counted both fails);
 *   - bad arguments fail with the errno of stock and change nothing.
 * The overcommit cases need root; they restore the sysctls they change.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "munmap_util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB		0x40000
#endif

static void fill(char *p, size_t len, char seed)
{
	size_t i;

	for (i = 0; i < len; i += page_size())
		p[i] = (char)(seed + i / page_size());
}

static bool filled(const char *p, size_t len, char seed)
{
	size_t i;

	for (i = 0; i < len; i += page_size())
		if (p[i] != (char)(seed + i / page_size()))
			return false;
	return true;
}

#define OVERCOMMIT	"/proc/sys/vm/overcommit_memory"
#define OVERCOMMIT_KB	"/proc/sys/vm/overcommit_kbytes"
#define OVERCOMMIT_RATIO "/proc/sys/vm/overcommit_ratio"

/* The overcommit sysctls, saved to be put back. */
struct overcommit {
	long memory, kbytes, ratio;
};

static bool overcommit_save(struct overcommit *o)
{
	o->memory = read_number(OVERCOMMIT);
	o->kbytes = read_number(OVERCOMMIT_KB);
	o->ratio = read_number(OVERCOMMIT_RATIO);
	return o->memory >= 0 && o->kbytes >= 0 && o->ratio >= 0 &&
	       !access(OVERCOMMIT, W_OK);
}

/* Strict overcommit with a commit limit of @kbytes. */
static int overcommit_strict(long kbytes)
{
	int ret = write_number(OVERCOMMIT_KB, kbytes);

	return ret ? ret : write_number(OVERCOMMIT, 2);
}

static void overcommit_restore(const struct overcommit *o)
{
	write_number(OVERCOMMIT, o->memory);
	if (o->kbytes)
		write_number(OVERCOMMIT_KB, o->kbytes);
	else
		write_number(OVERCOMMIT_RATIO, o->ratio);
}

/* A successful MAP_FIXED replaces contents and mapping entirely. */
TEST(replace_populated)
{
	size_t len = 64 * page_size();
	char *old, *p;

	old = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, old);
	fill(old, len, 1);
	p = mmap(old + 16 * page_size(), 32 * page_size(), PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(old + 16 * page_size(), p);
	EXPECT_TRUE(range_mapped(old, len));
	EXPECT_TRUE(filled(old, 16 * page_size(), 1));
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[31 * page_size()]);
	EXPECT_TRUE(filled(old + 48 * page_size(), 16 * page_size(), 49));
	munmap(old, len);
}

/* Bad arguments: stock's errno, and the mapping under them untouched. */
TEST(bad_arguments)
{
	size_t len = 8 * page_size();
	char *old;

	old = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, old);
	fill(old, len, 7);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(old + 1, page_size(), PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   -1, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(old, page_size(), PROT_READ,
				   MAP_PRIVATE | MAP_FIXED, -1, 0));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(old, page_size(), PROT_READ,
				   MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(range_mapped(old, len));
	EXPECT_TRUE(filled(old, len, 7));
	munmap(old, len);
}

/*
 * A MAP_HUGETLB mapping asking for more huge pages than are free fails in
 * hugetlbfs' ->mmap; the populated mapping it was to replace stays.
 */
TEST(hugetlb_reservation_fails)
{
	long free_pages = meminfo_value("HugePages_Free");
	long huge_kb = meminfo_value("Hugepagesize");
	size_t hlen, len;
	char *old, *p;

	if (free_pages < 0 || huge_kb <= 0)
		SKIP(return, "no hugetlbfs in this kernel");
	if (read_number("/proc/sys/vm/nr_overcommit_hugepages") != 0)
		SKIP(return, "vm.nr_overcommit_hugepages is set: a reservation may not fail");
	hlen = huge_kb * 1024UL;
	len = (free_pages + 1) * hlen;

	/* Room aligned to a huge page */
	old = mmap(NULL, len + hlen, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, old);
	old = (char *)(((unsigned long)old + hlen - 1) & ~(hlen - 1));
	p = mmap(old, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		 -1, 0);
	ASSERT_EQ(old, p);
	fill(old, len, 3);

	errno = 0;
	p = mmap(old, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED, -1, 0);
	ASSERT_EQ(MAP_FAILED, p) TH_LOG("%ld huge pages reserved with %ld free",
					(long)(len / hlen), free_pages);
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_TRUE(range_mapped(old, len)) TH_LOG("the failed mmap() left a hole");
	if (range_mapped(old, len))
		EXPECT_TRUE(filled(old, len, 3));
	munmap(old, len);
}

/*
 * Under vm.overcommit_memory=2 with no room left, a private writable
 * MAP_FIXED mapping is refused; the uncharged (MAP_NORESERVE, mapped
 * before the policy changed) populated mapping under it stays, and so
 * does Committed_AS.
 */
TEST(commit_limit_refuses)
{
	size_t len = 256 * page_size();
	struct overcommit saved;
	char *old, *p = MAP_FAILED;
	long before, after;
	int err;

	if (!overcommit_save(&saved))
		SKIP(return, "cannot change vm.overcommit_memory (not root?)");
	old = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE,
		   -1, 0);
	ASSERT_NE(MAP_FAILED, old);
	fill(old, len, 5);

	before = meminfo_value("Committed_AS");
	err = overcommit_strict(1);
	if (!err) {
		errno = 0;
		p = mmap(old + 64 * page_size(), 128 * page_size(),
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		err = errno;
	}
	overcommit_restore(&saved);
	after = meminfo_value("Committed_AS");
	ASSERT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENOMEM, err);
	EXPECT_TRUE(range_mapped(old, len)) TH_LOG("the refused mmap() left a hole");
	if (range_mapped(old, len))
		EXPECT_TRUE(filled(old, len, 5));
	/* Other processes may commit meanwhile: within 1 MiB */
	EXPECT_LT(labs(after - before), 1024L);
	munmap(old, len);
}

/*
 * With the commit limit just above what is committed (less than the
 * mapping's size above), replacing a charged mapping by a charged one of
 * the same size succeeds: its charge goes before the new one is taken.
 */
TEST(replace_charge_near_limit)
{
	size_t len = 16384 * page_size();		/* 64 MiB with 4 KiB pages */
	long len_kb = len / 1024, slack_kb = len_kb / 4;
	struct overcommit saved;
	long committed, total_kb;
	char *old, *p = MAP_FAILED;
	int err;

	if (!overcommit_save(&saved))
		SKIP(return, "cannot change vm.overcommit_memory (not root?)");
	old = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, old);
	fill(old, len, 9);

	/*
	 * The limit: what is committed now (this mapping included), the
	 * slack, and the user reserve __vm_enough_memory() keeps off it
	 * (total_vm / 32 of this process).
	 */
	committed = meminfo_value("Committed_AS");
	total_kb = read_number("/proc/self/statm") * (long)(page_size() / 1024);
	err = overcommit_strict(committed + slack_kb + total_kb / 32);
	if (!err) {
		errno = 0;
		p = mmap(old, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		err = p == MAP_FAILED ? errno : 0;
	}
	overcommit_restore(&saved);
	ASSERT_EQ(0, err) TH_LOG("replacing %ld kB within %ld kB of the limit: %s",
				 len_kb, slack_kb, strerror(err));
	EXPECT_EQ(old, p);
	EXPECT_EQ(0, old[len - page_size()]);
	munmap(old, len);
}

TEST_HARNESS_MAIN
