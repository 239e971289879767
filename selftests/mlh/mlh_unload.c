// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock_hold module (module/, Documentation/module.md) can be
 * unloaded safely: refused while a mapping of its device exists, and
 * while its probes record another process.
 *
 * Needs the module loaded (insmod mmap_lock_hold.ko), root, and the .ko
 * to load it again: $MLH_KO, or /opt/tests/modules/mmap_lock_hold.ko
 * (the test VM's); every test SKIPs with the reason otherwise.  Run it
 * after the module's other tests: it leaves the module loaded again,
 * but fresh.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "mlh_util.h"
#include "mmap_lock_hold.h"
#include "mlh_test.h"

/* Unloading: the module is reloaded from $MLH_KO (or the VM's copy). */
static const char *module_path(void)
{
	const char *env = getenv("MLH_KO");
	const char *ko = mlh_ko_path();

	return (env && *env) || access(ko, R_OK) == 0 ? ko : NULL;
}

static int unload(void)
{
	return syscall(SYS_delete_module, MLH_NAME, O_NONBLOCK) ? -errno : 0;
}

/*
 * A fixture of their own: the harness runs fixtures in the order they are
 * declared, and the plain TEST()s first, but these must run last.
 */
FIXTURE(unload) {
};

FIXTURE_SETUP(unload)
{
}

FIXTURE_TEARDOWN(unload)
{
}

/* rmmod is refused while a mapping of the device exists, not after. */
TEST_F(unload, while_mapped)
{
	const char *ko;
	char *p;
	int fd;

	if (unusable())
		SKIP(return, "%s", unusable());
	ko = module_path();
	if (!ko)
		SKIP(return, "no .ko to load again: set MLH_KO");
	fd = open(MLH_DEV_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_1G, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, p[4096]);

	/* delete_module() says EWOULDBLOCK (EAGAIN) for "still in use". */
	ASSERT_EQ(-EWOULDBLOCK, unload());
	ASSERT_EQ(0, p[SZ_1G - 1]);
	ASSERT_EQ(0, munmap(p, SZ_1G));
	ASSERT_EQ(0, unload());
	EXPECT_FALSE(module_loaded());
	ASSERT_EQ(0, mlh_load(ko));
	ASSERT_TRUE(module_loaded());
}

/* rmmod with the probes registered and firing, from another process. */
TEST_F(unload, while_recording)
{
	int status, ret;
	const char *ko;
	char buf[8];
	pid_t child;

	if (unusable())
		SKIP(return, "%s", unusable());
	ko = module_path();
	if (!ko)
		SKIP(return, "no .ko to load again: set MLH_KO");
	ASSERT_EQ(0, dbg_write_err("tgid", "0"));
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		for (;;)
			churn(100);
	}
	usleep(100000);
	ret = unload();
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, ret);
	EXPECT_FALSE(module_loaded());
	ASSERT_EQ(0, mlh_load(ko));
	ASSERT_TRUE(module_loaded());
	/* A fresh module: recording off, no filter. */
	ASSERT_LT(0, dbg_read("enable", buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
	ASSERT_LT(0, dbg_read("tgid", buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
}

TEST_HARNESS_MAIN
