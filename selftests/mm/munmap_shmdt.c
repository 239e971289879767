// SPDX-License-Identifier: GPL-2.0
/*
 * shmdt() of a SysV segment: what it unmaps, what it keeps, and the
 * segment's lifetime.  With the series, shmdt() unmaps a segment whose
 * VMAs form one range with one downgrading munmap ("ipc/shm: unmap a
 * contiguous segment with one downgrading munmap in shmdt()"), and keeps
 * the VMA-by-VMA loop of ksys_shmdt() for anything else.  Both must do
 * exactly what stock 6.1 does; these cases pass on stock and patched
 * kernels alike, and fail on a kernel that gets a case wrong.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "kselftest_harness.h"
#include "munmap_util.h"

#define SEG_PAGES	16

/* Number of pages of [@p, @p + @n pages) that are mapped. */
static int pages_mapped(char *p, int n)
{
	int i, count = 0;

	for (i = 0; i < n; i++)
		count += page_mapped(p + i * page_size());
	return count;
}

static int nattch(int id)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds))
		return -errno;
	return (int)ds.shm_nattch;
}

FIXTURE(shm)
{
	int id;
	size_t len;
};

FIXTURE_SETUP(shm)
{
	self->len = SEG_PAGES * page_size();
	self->id = shmget(IPC_PRIVATE, self->len, IPC_CREAT | 0600);
	if (self->id < 0)
		SKIP(return, "shmget: %s", strerror(errno));
}

FIXTURE_TEARDOWN(shm)
{
	if (self->id >= 0)
		shmctl(self->id, IPC_RMID, NULL);
}

/* Attach, fill each page with its number; the address of the attach. */
static char *attach(struct __test_metadata *_metadata, int id, size_t len)
{
	char *p = shmat(id, NULL, 0);
	size_t i;

	ASSERT_NE((void *)-1, p) TH_LOG("shmat: %s", strerror(errno));
	for (i = 0; i < len; i += page_size())
		p[i] = (char)(i / page_size() + 1);
	return p;
}

/* Two attaches of one segment: detaching one keeps the other and nattch. */
TEST_F(shm, attach_twice)
{
	char *a = attach(_metadata, self->id, self->len);
	char *b = shmat(self->id, NULL, 0);

	ASSERT_NE((void *)-1, b);
	ASSERT_EQ(2, nattch(self->id));
	ASSERT_EQ(0, shmdt(a));
	EXPECT_EQ(0, pages_mapped(a, SEG_PAGES));
	EXPECT_EQ(SEG_PAGES, pages_mapped(b, SEG_PAGES));
	EXPECT_EQ(1, nattch(self->id));
	EXPECT_EQ(3, b[2 * page_size()]);
	ASSERT_EQ(0, shmdt(b));
	EXPECT_EQ(0, nattch(self->id));
}

/* IPC_RMID while attached: the segment goes with the last detach. */
TEST_F(shm, rmid_while_attached)
{
	char *a = attach(_metadata, self->id, self->len);

	ASSERT_EQ(0, shmctl(self->id, IPC_RMID, NULL));
	EXPECT_EQ(SEG_PAGES, pages_mapped(a, SEG_PAGES));
	EXPECT_EQ(5, a[4 * page_size()]);
	ASSERT_EQ(0, shmdt(a));
	EXPECT_EQ(0, pages_mapped(a, SEG_PAGES));
	EXPECT_EQ(-EINVAL, nattch(self->id));
	self->id = -1;
}

/* mprotect() cuts the attach into adjacent VMAs: shmdt() takes them all. */
TEST_F(shm, split_by_mprotect)
{
	char *a = attach(_metadata, self->id, self->len);

	ASSERT_EQ(0, mprotect(a + 4 * page_size(), 4 * page_size(), PROT_READ));
	ASSERT_EQ(0, mprotect(a + 12 * page_size(), 2 * page_size(), PROT_NONE));
	ASSERT_EQ(0, shmdt(a));
	EXPECT_EQ(0, pages_mapped(a, SEG_PAGES));
	EXPECT_EQ(0, nattch(self->id));
}

/* A partial munmap() left a hole: shmdt() takes what is left of the attach. */
TEST_F(shm, after_partial_munmap)
{
	char *a = attach(_metadata, self->id, self->len);

	ASSERT_EQ(0, munmap(a + 6 * page_size(), 3 * page_size()));
	EXPECT_EQ(SEG_PAGES - 3, pages_mapped(a, SEG_PAGES));
	ASSERT_EQ(0, shmdt(a));
	EXPECT_EQ(0, pages_mapped(a, SEG_PAGES));
	EXPECT_EQ(0, nattch(self->id));
}

/*
 * Another mapping in a hole of the attach is not the segment's: shmdt()
 * takes the segment's pages around it and leaves it, contents and all.
 */
TEST_F(shm, foreign_mapping_inside)
{
	char *a = attach(_metadata, self->id, self->len);
	char *f;

	ASSERT_EQ(0, munmap(a + 6 * page_size(), 2 * page_size()));
	f = mmap(a + 6 * page_size(), 2 * page_size(), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(a + 6 * page_size(), f) TH_LOG("mmap: %s", strerror(errno));
	f[0] = 'f';
	ASSERT_EQ(0, shmdt(a));
	EXPECT_EQ(2, pages_mapped(a, SEG_PAGES));
	EXPECT_TRUE(range_mapped(f, 2 * page_size()));
	EXPECT_EQ('f', f[0]);
	EXPECT_EQ(0, nattch(self->id));
	munmap(f, 2 * page_size());
}

/*
 * The segment is found by its offset from the address passed: a fragment
 * whose start does not match that offset is not the segment's attach.
 */
TEST_F(shm, address_not_attached)
{
	char *a = attach(_metadata, self->id, self->len);

	errno = 0;
	EXPECT_EQ(-1, shmdt(a + page_size()));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(SEG_PAGES, pages_mapped(a, SEG_PAGES));
	errno = 0;
	EXPECT_EQ(-1, shmdt(a + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, nattch(self->id));
	ASSERT_EQ(0, shmdt(a));
	errno = 0;
	EXPECT_EQ(-1, shmdt(a));
	EXPECT_EQ(EINVAL, errno);
}

/* SHM_HUGETLB segments detach the same way (their zap stays exclusive). */
TEST(hugetlb_segment)
{
	size_t len = 2UL << 20;
	char *a;
	int id;

	id = shmget(IPC_PRIVATE, len, IPC_CREAT | SHM_HUGETLB | 0600);
	if (id < 0)
		SKIP(return, "no huge pages for SHM_HUGETLB: %s",
		     strerror(errno));
	a = shmat(id, NULL, 0);
	if (a == (void *)-1) {
		shmctl(id, IPC_RMID, NULL);
		SKIP(return, "shmat(SHM_HUGETLB): %s", strerror(errno));
	}
	a[0] = 1;
	shmctl(id, IPC_RMID, NULL);
	ASSERT_EQ(0, shmdt(a));
	EXPECT_FALSE(page_mapped(a));
	EXPECT_EQ(-EINVAL, nattch(id));
}

TEST_HARNESS_MAIN
