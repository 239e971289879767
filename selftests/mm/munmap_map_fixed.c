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

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB		0x40000
#endif

static size_t pagesz(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Is every page of [@p, @p + @len) mapped?  mincore() says ENOMEM if not. */
static bool mapped(void *p, size_t len)
{
	unsigned char *vec = malloc(len / pagesz() + 1);
	bool ret;

	if (!vec)
		return false;
	ret = mincore(p, len, vec) == 0;
	free(vec);
	return ret;
}

static void fill(char *p, size_t len, char seed)
{
	size_t i;

	for (i = 0; i < len; i += pagesz())
		p[i] = (char)(seed + i / pagesz());
}

static bool filled(const char *p, size_t len, char seed)
{
	size_t i;

	for (i = 0; i < len; i += pagesz())
		if (p[i] != (char)(seed + i / pagesz()))
			return false;
	return true;
}

/* A /proc/meminfo field in kB, or -1. */
static long meminfo_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "we");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%ld\n", v) > 0 ? 0 : -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
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
	o->memory = read_long(OVERCOMMIT);
	o->kbytes = read_long(OVERCOMMIT_KB);
	o->ratio = read_long(OVERCOMMIT_RATIO);
	return o->memory >= 0 && o->kbytes >= 0 && o->ratio >= 0 &&
	       !access(OVERCOMMIT, W_OK);
}

/* Strict overcommit with a commit limit of @kbytes. */
static int overcommit_strict(long kbytes)
{
	int ret = write_long(OVERCOMMIT_KB, kbytes);

	return ret ? ret : write_long(OVERCOMMIT, 2);
}

static void overcommit_restore(const struct overcommit *o)
{
	write_long(OVERCOMMIT, o->memory);
	if (o->kbytes)
		write_long(OVERCOMMIT_KB, o->kbytes);
	else
		write_long(OVERCOMMIT_RATIO, o->ratio);
}

/* A successful MAP_FIXED replaces contents and mapping entirely. */
TEST(replace_populated)
{
	size_t len = 64 * pagesz();
	char *old, *p;

	old = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, old);
	fill(old, len, 1);
	p = mmap(old + 16 * pagesz(), 32 * pagesz(), PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(old + 16 * pagesz(), p);
	EXPECT_TRUE(mapped(old, len));
	EXPECT_TRUE(filled(old, 16 * pagesz(), 1));
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[31 * pagesz()]);
	EXPECT_TRUE(filled(old + 48 * pagesz(), 16 * pagesz(), 49));
	munmap(old, len);
}

/* Bad arguments: stock's errno, and the mapping under them untouched. */
TEST(bad_arguments)
{
	size_t len = 8 * pagesz();
	char *old;

	old = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, old);
	fill(old, len, 7);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(old + 1, pagesz(), PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   -1, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(old, pagesz(), PROT_READ,
				   MAP_PRIVATE | MAP_FIXED, -1, 0));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(old, pagesz(), PROT_READ,
				   MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(mapped(old, len));
	EXPECT_TRUE(filled(old, len, 7));
	munmap(old, len);
}

/*
 * A MAP_HUGETLB mapping asking for more huge pages than are free fails in
 * hugetlbfs' ->mmap; the populated mapping it was to replace stays.
 */
TEST(hugetlb_reservation_fails)
{
	long free_pages = meminfo_kb("HugePages_Free");
	long huge_kb = meminfo_kb("Hugepagesize");
	size_t hlen, len;
	char *old, *p;

	if (free_pages < 0 || huge_kb <= 0)
		SKIP(return, "no hugetlbfs in this kernel");
	if (read_long("/proc/sys/vm/nr_overcommit_hugepages") != 0)
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
	EXPECT_TRUE(mapped(old, len)) TH_LOG("the failed mmap() left a hole");
	if (mapped(old, len))
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
	size_t len = 256 * pagesz();
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

	before = meminfo_kb("Committed_AS");
	err = overcommit_strict(1);
	if (!err) {
		errno = 0;
		p = mmap(old + 64 * pagesz(), 128 * pagesz(),
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		err = errno;
	}
	overcommit_restore(&saved);
	after = meminfo_kb("Committed_AS");
	ASSERT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENOMEM, err);
	EXPECT_TRUE(mapped(old, len)) TH_LOG("the refused mmap() left a hole");
	if (mapped(old, len))
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
	size_t len = 16384 * pagesz();		/* 64 MiB with 4 KiB pages */
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
	committed = meminfo_kb("Committed_AS");
	total_kb = read_long("/proc/self/statm") * (long)(pagesz() / 1024);
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
	EXPECT_EQ(0, old[len - pagesz()]);
	munmap(old, len);
}

TEST_HARNESS_MAIN
