/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests of the mmap_lock_hold module (mlh_recording,
 * mlh_windows, mlh_bad_input, mlh_controls, mlh_unload) share: the reason
 * to SKIP, the module's ioctls, a churn of mappings to record, and the
 * fixture that opens the device and records the test's own process only.
 * Include it after kselftest_harness.h, in the program's one source file.
 *
 * Each test records only its own process (the 'tgid' filter) and
 * switches recording off and resets the statistics when it is done.  The
 * fixture 'mlh' does so through debugfs; a program that must not write
 * there (mlh_controls: debugfs is read-only under lockdown) defines
 * MLH_TEST_NO_FIXTURE before including this and brings its own.
 */
#ifndef __MLH_TEST_H
#define __MLH_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mlh_util.h"
#include "mmap_lock_hold.h"
#include "munmap_util.h"

/*
 * The harness kills a test after 30 s by default; under TCG the 1 GiB
 * tests take 5-15 s, more on a loaded host.
 */
#define BIG_TIMEOUT	300

/* Why the module's tests cannot run here, or NULL. */
static inline const char *unusable(void)
{
	if (geteuid() != 0)
		return "needs root";
	if (!module_loaded())
		return "mmap_lock_hold not loaded: no " MLH_DEV_PATH " or "
		       MLH_DEBUGFS_DIR;
	return NULL;
}

static inline int mlh_map(int fd, unsigned int kind, unsigned long size,
			  void *hint, struct mlh_map *m)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->size = size;
	m->addr = (unsigned long)hint;
	return ioctl(fd, MLH_IOC_MAP, m) ? -errno : 0;
}

static inline int mlh_unmap(int fd, void *addr, unsigned long size,
			    struct mlh_unmap *u)
{
	memset(u, 0, sizeof(*u));
	u->addr = (unsigned long)addr;
	u->size = size;
	return ioctl(fd, MLH_IOC_UNMAP, u) ? -errno : 0;
}

/* mmap() and munmap() @n small anonymous mappings. */
static inline int churn(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		void *p = mmap(NULL, 4 * page_size(), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || munmap(p, 4 * page_size()))
			return -1;
	}
	return 0;
}

#ifndef MLH_TEST_NO_FIXTURE
FIXTURE(mlh) {
	int fd;
};

FIXTURE_SETUP(mlh)
{
	char tgid[16];

	self->fd = -1;
	if (geteuid() != 0 || !module_loaded())
		return;		/* each test SKIPs with the reason */
	self->fd = open(MLH_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	snprintf(tgid, sizeof(tgid), "%d", getpid());
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, dbg_write_err("tgid", tgid));
	ASSERT_EQ(0, dbg_write_err("mm_pid", "0"));
	ASSERT_EQ(0, dbg_write_err("reset", "1"));
}

FIXTURE_TEARDOWN(mlh)
{
	if (self->fd < 0)
		return;
	dbg_write_err("enable", "0");
	dbg_write_err("tgid", "0");
	dbg_write_err("mm_pid", "0");
	dbg_write_err("reset", "1");
	close(self->fd);
}
#endif /* MLH_TEST_NO_FIXTURE */

#endif /* __MLH_TEST_H */
