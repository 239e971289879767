// SPDX-License-Identifier: GPL-2.0
/*
 * munmap() argument checking must stay exactly as in stock Linux
 * (mm/mmap.c, do_mas_munmap() in 6.1):
 *
 *	addr = untagged_addr(addr);
 *	if (offset_in_page(start) || start > TASK_SIZE || len > TASK_SIZE - start)
 *		return -EINVAL;
 *	end = start + PAGE_ALIGN(len);
 *	if (end == start)
 *		return -EINVAL;
 *	... no VMA in [start, end): return 0
 *
 * A rejected call must also leave the mapping it pointed at untouched.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "munmap_checks.h"

/* Top byte tag: ignored by arm64 (TBI), not by x86_64 without LAM. */
#define ADDR_TAG	(0x5aUL << 56)

static void check_einval(struct __test_metadata *_metadata,
			 unsigned long addr, size_t len)
{
	errno = 0;
	ASSERT_EQ(-1, munmap((void *)addr, len))
		TH_LOG("munmap(%#lx, %#zx) succeeded", addr, len);
	ASSERT_EQ(EINVAL, errno)
		TH_LOG("munmap(%#lx, %#zx): %s", addr, len, strerror(errno));
}

/*
 * TASK_SIZE as munmap() sees it, or 0 when this architecture is not known.
 * x86_64 uses TASK_SIZE_MAX for 64-bit tasks: 47 or, with 5-level paging,
 * 56 address bits minus one page.  5-level paging is recognised by the
 * kernel honouring an mmap() hint above 47 bits, which it never does
 * with 4 levels.
 */
static unsigned long task_size(void)
{
#if defined(__x86_64__)
	unsigned long size = (1UL << 47) - page_size();
	void *p;

	p = mmap((void *)(1UL << 48), page_size(), PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		if ((unsigned long)p >= 1UL << 47)
			size = (1UL << 56) - page_size();
		munmap(p, page_size());
	}
	return size;
#else
	return 0;
#endif
}

TEST(unaligned_addr)
{
	char *base = map_filled(2);

	ASSERT_NE(NULL, base);
	check_einval(_metadata, (unsigned long)base + 1, page_size());
	check_einval(_metadata, (unsigned long)base + page_size() / 2,
		     page_size());
	check_einval(_metadata, (unsigned long)base + page_size() - 1, 1);
	check_kept(_metadata, base, 0, 0, "page");
	check_kept(_metadata, base, 1, 1, "page");
}

TEST(zero_len)
{
	char *base = map_filled(1);

	ASSERT_NE(NULL, base);
	check_einval(_metadata, (unsigned long)base, 0);
	check_einval(_metadata, 0, 0);
	check_kept(_metadata, base, 0, 0, "page");
}

/* addr + len beyond the end of the address space. */
TEST(len_wraps)
{
	char *base = map_filled(1);
	unsigned long addr = (unsigned long)base;

	ASSERT_NE(NULL, base);
	check_einval(_metadata, addr, -page_size());
	check_einval(_metadata, addr, SIZE_MAX);
	/* Ends exactly at 2^64, i.e. at 0. */
	check_einval(_metadata, addr, -addr);
	/* Would wrap only once rounded up to a page. */
	check_einval(_metadata, addr, -addr - 1);
	check_kept(_metadata, base, 0, 0, "page");
}

/* No TASK_SIZE is that large: the last page of the 64-bit space. */
TEST(kernel_addr)
{
	check_einval(_metadata, -page_size(), page_size());
	check_einval(_metadata, -page_size(), 1);
}

TEST(beyond_task_size)
{
	unsigned long ts = task_size();

	if (!ts)
		SKIP(return, "TASK_SIZE of this architecture is not known");
	check_einval(_metadata, ts, page_size());
	check_einval(_metadata, ts + page_size(), page_size());
	/* Non-canonical on x86_64. */
	check_einval(_metadata, 1UL << 63, page_size());
}

TEST(len_beyond_task_size)
{
	unsigned long ts = task_size();
	char *base = map_filled(1);
	unsigned long addr = (unsigned long)base;

	ASSERT_NE(NULL, base);
	if (!ts)
		SKIP(return, "TASK_SIZE of this architecture is not known");
	check_einval(_metadata, ts - page_size(), page_size() + 1);
	check_einval(_metadata, ts - page_size(), 2 * page_size());
	/* One byte more than the rest of the address space, no wrap. */
	check_einval(_metadata, addr, ts - addr + 1);
	check_kept(_metadata, base, 0, 0, "page");
}

/* The highest page below TASK_SIZE is a valid munmap() target. */
TEST(last_user_page)
{
	unsigned long ts = task_size();
	char *p;

	if (!ts)
		SKIP(return, "TASK_SIZE of this architecture is not known");
	p = mmap((void *)(ts - page_size()), page_size(),
		 PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED && errno == EEXIST)
		SKIP(return, "the last user page is already in use");
	ASSERT_EQ((char *)(ts - page_size()), p);
	fill_page(p, 0);

	ASSERT_EQ(0, munmap(p, page_size()));
	check_gone(_metadata, p, 0, "page");
}

/* munmap(addr, 1) removes the whole page holding addr. */
TEST(unaligned_len_rounds_up)
{
	char *base = map_filled(4);

	ASSERT_NE(NULL, base);
	ASSERT_EQ(0, munmap(base, 1));
	check_gone(_metadata, base, 0, "page");
	check_kept(_metadata, base, 1, 1, "page");

	ASSERT_EQ(0, munmap(base + page_size(), page_size() + 1));
	check_gone(_metadata, base, 1, "page");
	check_gone(_metadata, base, 2, "page");
	check_kept(_metadata, base, 3, 3, "page");

	ASSERT_EQ(0, munmap(base + 3 * page_size(), page_size() - 1));
	check_gone(_metadata, base, 3, "page");
}

TEST(unmapped_range)
{
	char *base = map_filled(2);

	ASSERT_NE(NULL, base);
	ASSERT_EQ(0, munmap(base, 2 * page_size()));
	check_gone(_metadata, base, 0, "page");
	ASSERT_EQ(0, munmap(base, 2 * page_size()));
	ASSERT_EQ(0, munmap(base + page_size(), 1));
}

/*
 * untagged_addr() happens before the checks: on arm64 the top byte is
 * dropped and the call unmaps the untagged page; x86_64 (without LAM
 * enabled by the process, and 6.1 has no LAM) sees an address beyond
 * TASK_SIZE.
 */
TEST(tagged_addr)
{
	char *base = map_filled(2);
	unsigned long tagged = (unsigned long)base | ADDR_TAG;

	ASSERT_NE(NULL, base);
#if defined(__x86_64__)
	check_einval(_metadata, tagged, page_size());
	check_kept(_metadata, base, 0, 0, "page");
#elif defined(__aarch64__)
	ASSERT_EQ(0, munmap((void *)tagged, page_size()));
	check_gone(_metadata, base, 0, "page");
#else
	SKIP(return, "untagged_addr() behaviour of this architecture not known");
#endif
	check_kept(_metadata, base, 1, 1, "page");
}

TEST_HARNESS_MAIN
