// SPDX-License-Identifier: GPL-2.0
/*
 * The recording controls of the companion module through the ioctls of
 * its device only (MLH_IOC_ENABLE, MLH_IOC_SET_TGID, MLH_IOC_SET_MM,
 * MLH_IOC_RESET; Documentation/module.md): what a machine under lockdown
 * (lockdown=integrity, what Secure Boot turns on) has, since debugfs then
 * refuses the writable control files.  The read-only 'stats' report stays
 * readable under lockdown and is how the effect of each ioctl is checked;
 * nothing here writes to debugfs.  Every bad argument is an error that
 * changes nothing and logs no kernel warning.
 *
 * Needs root and the module loaded: every test SKIPs otherwise.  Under
 * lockdown, 'lockdown' also checks that debugfs refuses the writable
 * files, i.e. that the ioctls are what makes the module usable there.
 * It SKIPs on a kernel not under lockdown, unless MLH_EXPECT_LOCKDOWN=1
 * says the guest was booted for it (scripts/checks/lockdown.sh): then
 * missing lockdown is a failure, not a case quietly not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "mlh_util.h"
#include "mmap_lock_hold.h"
/* Its fixture writes to debugfs: this program has its own, ioctls only. */
#define MLH_TEST_NO_FIXTURE
#include "mlh_test.h"

/* PID_MAX_LIMIT of 64-bit kernels: the largest pid a filter takes. */
#define PID_LIMIT	(4UL << 20)

/* ioctl() with a value argument: 0 or -errno. */
static int ctl(int fd, unsigned long cmd, unsigned long arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* The munmap() windows of @s. */
static long long munmaps(const struct mlh_stats *s)
{
	return mlh_find_op(s, "munmap")->count;
}

/* A pid no process has: a child's, once reaped. */
static pid_t gone_pid(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return pid;
}

FIXTURE(controls) {
	int fd;
};

FIXTURE_SETUP(controls)
{
	self->fd = -1;
	if (unusable())
		return;		/* each test SKIPs with the reason */
	/* Read-only is enough: the controls need no write access. */
	self->fd = open(MLH_DEV_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", MLH_DEV_PATH,
				      strerror(errno));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 0));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_SET_TGID, getpid()));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_SET_MM, 0));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_RESET, 0));
}

FIXTURE_TEARDOWN(controls)
{
	if (self->fd < 0)
		return;
	ctl(self->fd, MLH_IOC_ENABLE, 0);
	ctl(self->fd, MLH_IOC_SET_TGID, 0);
	ctl(self->fd, MLH_IOC_SET_MM, 0);
	ctl(self->fd, MLH_IOC_RESET, 0);
	close(self->fd);
}

/* Switching on and off, twice each, shows in 'stats'. */
TEST_F(controls, enable)
{
	struct mlh_stats s;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.enabled);
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 1));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(1, s.enabled);
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 1));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(1, s.enabled);
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 0));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 0));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.enabled);
}

/* A recording driven by ioctls alone, then reset. */
TEST_F(controls, record_and_reset)
{
	struct mlh_stats s;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_EQ(0, churn(5));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 1));
	ASSERT_EQ(0, churn(3));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 0));
	ASSERT_EQ(0, churn(5));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(getpid(), s.tgid);
	EXPECT_EQ(3, munmaps(&s));
	EXPECT_LE(6, s.windows);	/* 3 mmap(), 3 munmap() */
	EXPECT_EQ(s.windows, s.closed_release + s.closed_downgrade);
	EXPECT_EQ(s.opened, s.windows + s.lost_stop + s.replaced);

	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_RESET, 0));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.windows);
	EXPECT_EQ(0, s.opened);
	EXPECT_EQ(0, munmaps(&s));
}

/*
 * The filters: a child's windows are not ours (SET_TGID), and our mm is
 * recorded whoever takes it (SET_MM, any tgid).
 */
TEST_F(controls, filters)
{
	struct mlh_stats s;
	int status;
	pid_t child;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 1));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(churn(4) ? 1 : 0);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, churn(2));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 0));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(2, munmaps(&s));

	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_RESET, 0));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_SET_TGID, 0));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_SET_MM, getpid()));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.tgid);
	EXPECT_EQ(getpid(), s.mm_pid);
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 1));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(churn(4) ? 1 : 0);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, churn(3));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 0));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(3, munmaps(&s));

	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_SET_MM, 0));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.mm_pid);
}

/* What the controls are set to, and what they recorded. */
struct state {
	long enabled, tgid, mm_pid, windows, opened;
};

static int get_state(struct state *st)
{
	struct mlh_stats s;

	if (mlh_read_stats(&s))
		return -1;
	st->enabled = s.enabled;
	st->tgid = s.tgid;
	st->mm_pid = s.mm_pid;
	st->windows = s.windows;
	st->opened = s.opened;
	return 0;
}

struct bad_ctl {
	const char *what;
	unsigned long cmd;
	unsigned long arg;
	int err;
};

/* A child that sleeps until @fd is closed: its mm sees no window. */
static pid_t idle_child(int *fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	*fd = p[1];
	return pid;
}

/*
 * Every bad argument and every unknown command is an error, changes
 * nothing (with recording off, then on), and logs no warning.  A window
 * recorded meanwhile would change 'windows', so the recording runs with
 * the filter on the mm of a process that does nothing.
 */
TEST_F(controls, bad_args)
{
	pid_t gone = gone_pid();
	const struct bad_ctl bad[] = {
		{ "enable 2", MLH_IOC_ENABLE, 2, EINVAL },
		{ "enable -1", MLH_IOC_ENABLE, -1UL, EINVAL },
		{ "enable 2^32 + 1", MLH_IOC_ENABLE, (1UL << 32) + 1, EINVAL },
		{ "tgid over PID_MAX_LIMIT", MLH_IOC_SET_TGID, PID_LIMIT + 1, EINVAL },
		{ "tgid -1", MLH_IOC_SET_TGID, -1UL, EINVAL },
		{ "tgid 2^32", MLH_IOC_SET_TGID, 1UL << 32, EINVAL },
		{ "mm over PID_MAX_LIMIT", MLH_IOC_SET_MM, PID_LIMIT + 1, EINVAL },
		{ "mm -1", MLH_IOC_SET_MM, -1UL, EINVAL },
		{ "mm of kthreadd", MLH_IOC_SET_MM, 2, EINVAL },
		{ "mm of a gone process", MLH_IOC_SET_MM, gone, ESRCH },
		{ "reset 1", MLH_IOC_RESET, 1, EINVAL },
		{ "reset -1", MLH_IOC_RESET, -1UL, EINVAL },
		{ "unknown number", _IO(MLH_IOC_MAGIC, 99), 0, ENOTTY },
		{ "enable as _IOW", _IOW(MLH_IOC_MAGIC, 5, int), 1, ENOTTY },
		{ "tgid as _IOR", _IOR(MLH_IOC_MAGIC, 6, int), 0, ENOTTY },
		{ "mm as _IOWR", _IOWR(MLH_IOC_MAGIC, 7, long), 0, ENOTTY },
		{ "reset of another magic", _IO(MLH_IOC_MAGIC + 1, 8), 0, ENOTTY },
	};
	struct state before, after;
	int on, kmsg, idle_fd, status;
	const char *warned;
	unsigned int i;
	pid_t idle;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_LT(0, gone);
	idle = idle_child(&idle_fd);
	ASSERT_LT(0, idle);
	kmsg = kmsg_open();
	if (kmsg < 0)
		ksft_print_msg("no /dev/kmsg (%s): kernel warnings not checked\n",
			       strerror(errno));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_SET_MM, idle));
	for (on = 0; on <= 1; on++) {
		ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, on));
		ASSERT_EQ(0, get_state(&before));
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			int err = ctl(self->fd, bad[i].cmd, bad[i].arg);

			EXPECT_EQ(-bad[i].err, err)
				TH_LOG("%s (recording %s): %s, not %s",
				       bad[i].what, on ? "on" : "off",
				       strerror(-err), strerror(bad[i].err));
			ASSERT_EQ(0, get_state(&after));
			EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)))
				TH_LOG("%s changed the state: enabled %ld->%ld tgid %ld->%ld mm_pid %ld->%ld windows %ld->%ld",
				       bad[i].what, before.enabled, after.enabled,
				       before.tgid, after.tgid, before.mm_pid,
				       after.mm_pid, before.windows,
				       after.windows);
		}
	}
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 0));
	close(idle_fd);
	ASSERT_EQ(idle, waitpid(idle, &status, 0));
	EXPECT_EQ(0, status);
	warned = kmsg_warned(kmsg);
	EXPECT_EQ(NULL, warned) TH_LOG("kernel log: %s", warned);
	if (kmsg >= 0)
		close(kmsg);
}

/* Under lockdown: debugfs refuses the writable files, the ioctls work. */
TEST_F(controls, lockdown)
{
	char buf[256] = "";
	struct mlh_stats s;
	int fd;

	if (unusable())
		SKIP(return, "%s", unusable());
	if (read_file("/sys/kernel/security/lockdown", buf, sizeof(buf)) < 0 ||
	    strstr(buf, "[none]")) {
		const char *want = getenv("MLH_EXPECT_LOCKDOWN");

		ASSERT_FALSE(want && !strcmp(want, "1"))
			TH_LOG("MLH_EXPECT_LOCKDOWN=1 but not under lockdown: %s",
			       buf[0] ? buf : "no /sys/kernel/security/lockdown");
		SKIP(return, "not under lockdown (boot with lockdown=integrity, CONFIG_SECURITY_LOCKDOWN_LSM): %s",
		     buf[0] ? buf : "no /sys/kernel/security/lockdown");
	}
	ksft_print_msg("lockdown: %s", buf);
	fd = open(MLH_DEBUGFS_DIR "/enable", O_WRONLY | O_CLOEXEC);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 1));
	ASSERT_EQ(0, churn(2));
	ASSERT_EQ(0, ctl(self->fd, MLH_IOC_ENABLE, 0));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(2, munmaps(&s));
}

TEST_HARNESS_MAIN
