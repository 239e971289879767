// SPDX-License-Identifier: GPL-2.0
/*
 * munmap() of a populated VM_PFNMAP mapping racing a driver that zaps its
 * mappings the way vfio-pci does on a device reset.
 *
 * Drivers that hand out PFNMAP mappings of device memory (vfio-pci,
 * uverbs) keep each VMA on a list from ->mmap to ->close and, to revoke
 * access, take each process's mmap_lock for read and zap_vma_ptes() every
 * listed VMA.  That is safe only if nobody tears down the page tables of
 * a listed VMA under the read lock too.  Stock 6.1's munmap() does: it
 * detaches the VMAs, downgrades mmap_lock to read, zaps and frees the
 * page tables (unmap_region(), free_pgtables()) and only then calls
 * ->close (remove_vma()), so a zap that gets the read lock at the
 * downgrade walks page tables being freed beside it.  The series keeps
 * munmap() of VM_PFNMAP ranges exclusive; so must any kernel that frees
 * page tables under the read lock.
 *
 * The companion module's device plays the driver (module/pfnmap.c:
 * MLH_IOC_ZAP zaps every listed mapping, MLH_IOC_MAP maps and populates
 * one).  Each round maps and populates SIZE bytes of it between two guard
 * pages (so that no VM_GROWSDOWN neighbour stops stock 6.1 from
 * downgrading), checks both ends read as zero, and munmap()s it while a
 * thread calls MLH_IOC_ZAP in a loop; then the range must be gone.  Every
 * call must succeed.  What a broken kernel does instead is a splat in the
 * kernel log (use-after-free under KASAN, a bad page or page table, a
 * lockdep report), which the test VM's log judge fails; so this program
 * passes on stock only by its exit code.
 *
 * The figure printed, 'zaps_in_munmap', counts the zaps that found the
 * mapping still listed while a munmap() call was in progress: before the
 * call took mmap_lock, or, on a kernel that unmaps PFNMAP ranges under
 * the read lock, during the unmap itself.  It says how closely the two
 * threads race, not which of the two happened.
 *
 * Needs root and the module loaded: SKIPs otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "mlh_util.h"
#include "mmap_lock_hold.h"

#define SIZE		(8UL << 20)	/* 2048 PTEs, 4 page tables */
#define ROUNDS		3000
#define MIN_ROUNDS	2000		/* asserted, if time runs out */
#define BUDGET_NS	(240LL * 1000000000)	/* no new round after this */
#define RACE_TIMEOUT	420		/* harness timeout, seconds */

struct zapper {
	int fd;
	int stop;			/* __atomic */
	int in_munmap;			/* __atomic: main is in munmap() */
	long calls;
	long zapped;			/* mappings zapped, in total */
	long in_munmap_hits;		/* zaps of >= 1 mapping during munmap() */
	int err;			/* first errno of a failed call */
};

static void *zap_loop(void *arg)
{
	struct zapper *z = arg;

	while (!__atomic_load_n(&z->stop, __ATOMIC_RELAXED)) {
		int during = __atomic_load_n(&z->in_munmap, __ATOMIC_ACQUIRE);
		int n = ioctl(z->fd, MLH_IOC_ZAP, 0);

		if (n < 0) {
			__atomic_store_n(&z->err, errno, __ATOMIC_RELAXED);
			break;
		}
		z->calls++;
		z->zapped += n;
		if (n > 0 && during &&
		    __atomic_load_n(&z->in_munmap, __ATOMIC_ACQUIRE))
			z->in_munmap_hits++;
	}
	return NULL;
}

FIXTURE(race) {
	int fd;
	char *hole;			/* SIZE bytes between guard pages */
};

FIXTURE_SETUP(race)
{
	char *r;

	self->fd = -1;
	self->hole = NULL;
	if (geteuid() != 0 || !module_loaded())
		return;		/* the test SKIPs with the reason */
	self->fd = open(MLH_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", MLH_DEV_PATH,
				      strerror(errno));
	r = mmap(NULL, SIZE + 2 * page_size(), PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	self->hole = r + page_size();
	ASSERT_EQ(0, munmap(self->hole, SIZE));
}

FIXTURE_TEARDOWN(race)
{
	if (self->hole)
		munmap(self->hole - page_size(), SIZE + 2 * page_size());
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F_TIMEOUT(race, munmap_vs_zap, RACE_TIMEOUT)
{
	struct zapper z = { .fd = self->fd };
	long long start, map_ns = 0, unmap_ns = 0, t;
	struct mlh_map m;
	pthread_t thread;
	int round;
	char *p;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	if (!module_loaded())
		SKIP(return, "mmap_lock_hold not loaded: no %s", MLH_DEV_PATH);
	ASSERT_EQ(0, pthread_create(&thread, NULL, zap_loop, &z));

	start = now_ns();
	for (round = 0; round < ROUNDS && now_ns() - start < BUDGET_NS;
	     round++) {
		memset(&m, 0, sizeof(m));
		m.kind = MLH_KIND_PFNMAP;
		m.size = SIZE;
		m.addr = (unsigned long)self->hole;
		t = now_ns();
		ASSERT_EQ(0, ioctl(self->fd, MLH_IOC_MAP, &m))
			TH_LOG("round %d: MLH_IOC_MAP: %s", round, strerror(errno));
		map_ns += now_ns() - t;
		p = (char *)(unsigned long)m.addr;
		ASSERT_EQ(self->hole, p) TH_LOG("round %d: mapped elsewhere", round);
		/* Zapped or not, a read maps the zeroed page again. */
		ASSERT_EQ(0, p[0]);
		ASSERT_EQ(0, p[SIZE - 1]);

		t = now_ns();
		__atomic_store_n(&z.in_munmap, 1, __ATOMIC_RELEASE);
		ASSERT_EQ(0, munmap(p, SIZE))
			TH_LOG("round %d: munmap: %s", round, strerror(errno));
		__atomic_store_n(&z.in_munmap, 0, __ATOMIC_RELEASE);
		unmap_ns += now_ns() - t;
		ASSERT_EQ(SEGV_MAPERR, probe_read(p, NULL))
			TH_LOG("round %d: still mapped after munmap()", round);
		ASSERT_EQ(0, __atomic_load_n(&z.err, __ATOMIC_RELAXED))
			TH_LOG("MLH_IOC_ZAP: %s", strerror(z.err));
	}
	__atomic_store_n(&z.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(thread, NULL));

	ksft_print_msg("pfnmap race: rounds=%d zap_calls=%ld zapped=%ld zaps_in_munmap=%ld\n",
		       round, z.calls, z.zapped, z.in_munmap_hits);
	if (round)
		ksft_print_msg("per round: map+populate %lld us, munmap %lld us; %lld ms in all\n",
			       map_ns / round / 1000, unmap_ns / round / 1000,
			       (now_ns() - start) / 1000000);
	EXPECT_EQ(0, z.err) TH_LOG("MLH_IOC_ZAP: %s", strerror(z.err));
	EXPECT_LE(MIN_ROUNDS, round)
		TH_LOG("only %d rounds in %lld s", round, BUDGET_NS / 1000000000);
	EXPECT_LT(0, z.calls);
}

TEST_HARNESS_MAIN
