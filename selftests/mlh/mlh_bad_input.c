// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock_hold module (module/, Documentation/module.md) survives
 * bad input: every bad ioctl, debugfs write and use of its device gets
 * its errno and changes nothing, errors found late leave the address
 * space as documented, a process killed while the module populates for
 * it dies at once, and the device's mappings are neither executable nor
 * inherited.
 *
 * Needs the module loaded (insmod mmap_lock_hold.ko) and root: every test
 * SKIPs with the reason otherwise.
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
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "mlh_util.h"
#include "mmap_lock_hold.h"
#include "mlh_test.h"

/* One bad input: @got (0 or -errno) must be -@want. */
static void expect_errno(struct __test_metadata *_metadata, const char *what,
			 int want, int got)
{
	if (got != -want)
		TH_LOG("%s: expected %s, got %s", what, strerror(want),
		       got ? strerror(-got) : "success");
	EXPECT_EQ(-want, got);
}

/* MLH_IOC_MAP / MLH_IOC_UNMAP with these fields: 0 or -errno. */
static int map_err(int fd, unsigned int kind, unsigned int flags,
		   unsigned long long size, unsigned long long addr)
{
	struct mlh_map m = {
		.kind = kind, .flags = flags, .size = size, .addr = addr,
	};

	return ioctl(fd, MLH_IOC_MAP, &m) ? -errno : 0;
}

static int unmap_err(int fd, unsigned long long addr, unsigned long long size,
		     unsigned int flags, unsigned int reserved)
{
	struct mlh_unmap u = {
		.addr = addr, .size = size, .flags = flags,
		.reserved = reserved,
	};

	return ioctl(fd, MLH_IOC_UNMAP, &u) ? -errno : 0;
}

static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* More than MemTotal, rounded up to GiB; -1 if that is over the cap. */
static long long too_much_memory(void)
{
	unsigned long long total = 0;
	char line[128];
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &total) == 1)
			break;
	fclose(f);
	total = ((total << 10) + SZ_1G) & ~(SZ_1G - 1);
	return total && total <= MLH_MAX_SIZE ? (long long)total : -1;
}

#define EXPECT_ERRNO(want, expr) expect_errno(_metadata, #expr, want, expr)

/*
 * A readable argument of @len bytes that ends where nothing is mapped:
 * the last @len bytes of a page whose next page is unmapped.  Built by
 * the caller before it takes its baseline; unmap_partial_arg() undoes it.
 */
static char *partial_arg(size_t len)
{
	char *p = mmap(NULL, 2 * page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p + page_size(), page_size()))
		return NULL;
	memset(p, 0, page_size());
	return p + page_size() - len;
}

static void unmap_partial_arg(char *arg)
{
	munmap((void *)((unsigned long)arg & ~(page_size() - 1)), page_size());
}

/*
 * Inputs the module refuses before doing anything (drive.c checks every
 * field first): each gets its errno, and with recording on none of them
 * takes mmap_lock for write, i.e. not one 'kernel' window, and the
 * process's address space is the same afterwards.
 */
TEST_F(mlh, bad_ioctls)
{
	const unsigned long long ps = page_size();
	/* Above any 64-bit TASK_SIZE, but no wrap and under the cap. */
	const unsigned long long high = 1ULL << 62;
	/* Only the first 8 bytes of a struct readable. */
	char *short_arg;
	struct mlh_map m;
	struct mlh_stats s;
	long long big;
	long vmsize;
	int fd = self->fd, maps;

	if (unusable())
		SKIP(return, "%s", unusable());
	big = too_much_memory();
	short_arg = partial_arg(8);
	ASSERT_NE(NULL, short_arg);
	vmsize = status_kb("VmSize");
	maps = map_count();
	ASSERT_LT(0, maps);
	ASSERT_EQ(0, dbg_write_err("enable", "1"));

	/* Unknown commands, wrong sizes or directions: -ENOTTY. */
	EXPECT_ERRNO(ENOTTY, ioctl_err(fd, 0, NULL));
	EXPECT_ERRNO(ENOTTY, ioctl_err(fd, _IOWR(MLH_IOC_MAGIC, 99, struct mlh_map), &m));
	EXPECT_ERRNO(ENOTTY, ioctl_err(fd, _IOWR(MLH_IOC_MAGIC, 1, int), &m));
	EXPECT_ERRNO(ENOTTY, ioctl_err(fd, _IOW(MLH_IOC_MAGIC, 1, struct mlh_map), &m));
	EXPECT_ERRNO(ENOTTY, ioctl_err(fd, _IOR(MLH_IOC_MAGIC, 2, struct mlh_unmap), &m));
	EXPECT_ERRNO(ENOTTY, ioctl_err(fd, _IO(MLH_IOC_MAGIC, 1), &m));
	EXPECT_ERRNO(ENOTTY, ioctl_err(fd, _IO(MLH_IOC_MAGIC, 2), &m));
	EXPECT_ERRNO(ENOTTY, ioctl_err(fd, _IOWR('x', 1, struct mlh_map), &m));

	/* MLH_IOC_MAP */
	EXPECT_ERRNO(EFAULT, ioctl_err(fd, MLH_IOC_MAP, NULL));
	EXPECT_ERRNO(EFAULT, ioctl_err(fd, MLH_IOC_MAP, (void *)1));
	EXPECT_ERRNO(EFAULT, ioctl_err(fd, MLH_IOC_MAP, short_arg));
	EXPECT_ERRNO(EINVAL, map_err(fd, 0, 0, ps, 0));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_PFNMAP + 1, 0, ps, 0));
	EXPECT_ERRNO(EINVAL, map_err(fd, ~0U, 0, ps, 0));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_ZERO, 1, ps, 0));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_PFNMAP, 1U << 31, ps, 0));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_ZERO, 0, 0, 0));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_ZERO, 0, 1, 0));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_ZERO, 0, ps + 1, 0));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_ZERO, 0, ~0ULL, 0));
	EXPECT_ERRNO(E2BIG, map_err(fd, MLH_KIND_ZERO, 0, -ps, 0));
	EXPECT_ERRNO(E2BIG, map_err(fd, MLH_KIND_ZERO, 0, MLH_MAX_SIZE + ps, 0));
	EXPECT_ERRNO(E2BIG, map_err(fd, MLH_KIND_WRITTEN, 0, MLH_MAX_SIZE + ps, 0));
	EXPECT_ERRNO(E2BIG, map_err(fd, MLH_KIND_PFNMAP, 0, MLH_MAX_SIZE + ps, 0));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_ZERO, 0, ps, ps + 1));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_PFNMAP, 0, ps, 1));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_ZERO, 0, 2 * ps, -ps));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_ZERO, 0, ps, high));
	EXPECT_ERRNO(EINVAL, map_err(fd, MLH_KIND_WRITTEN, 0, ps, -ps));
	if (big > 0)
		EXPECT_ERRNO(ENOMEM, map_err(fd, MLH_KIND_WRITTEN, 0, big, 0));
	else
		ksft_print_msg("MemTotal is over MLH_MAX_SIZE: no -ENOMEM case\n");

	/* MLH_IOC_UNMAP */
	EXPECT_ERRNO(EFAULT, ioctl_err(fd, MLH_IOC_UNMAP, NULL));
	EXPECT_ERRNO(EFAULT, ioctl_err(fd, MLH_IOC_UNMAP, (void *)-4096L));
	EXPECT_ERRNO(EFAULT, ioctl_err(fd, MLH_IOC_UNMAP, short_arg));
	EXPECT_ERRNO(EINVAL, unmap_err(fd, 0, ps, 1, 0));
	EXPECT_ERRNO(EINVAL, unmap_err(fd, 0, ps, 0, 1));
	EXPECT_ERRNO(EINVAL, unmap_err(fd, 0, ps, ~0U, ~0U));
	EXPECT_ERRNO(EINVAL, unmap_err(fd, 0, 0, 0, 0));
	EXPECT_ERRNO(EINVAL, unmap_err(fd, 0, ps - 1, 0, 0));
	EXPECT_ERRNO(EINVAL, unmap_err(fd, ps + 8, ps, 0, 0));
	EXPECT_ERRNO(EINVAL, unmap_err(fd, -ps, 2 * ps, 0, 0));
	EXPECT_ERRNO(EINVAL, unmap_err(fd, 0, ~0ULL, 0, 0));
	EXPECT_ERRNO(E2BIG, unmap_err(fd, 0, MLH_MAX_SIZE + ps, 0, 0));
	EXPECT_ERRNO(EINVAL, unmap_err(fd, high, ps, 0, 0));

	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	EXPECT_EQ(vmsize, status_kb("VmSize"));
	EXPECT_EQ(maps, map_count());
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, mlh_find_op(&s, "kernel")->count);
	EXPECT_EQ(0, s.dropped);
	EXPECT_EQ(0, s.open);
	unmap_partial_arg(short_arg);
}

/*
 * The result cannot be written back (MLH_IOC_MAP finds out before it maps
 * anything, MLH_IOC_UNMAP once it has unmapped), or vm_mmap() refuses the
 * device opened write-only.  Either way the process's address space ends
 * as documented.
 */
TEST_F(mlh, bad_ioctl_late_errors)
{
	const unsigned long ps = page_size();
	struct mlh_map ok_map = { .kind = MLH_KIND_ZERO, .size = ps };
	struct mlh_unmap ok_unmap = { .size = ps };
	struct mlh_map m;
	long vmsize;
	int maps, wfd;
	char *ro, *victim;

	if (unusable())
		SKIP(return, "%s", unusable());

	/*
	 * Readable, not writable: the result cannot be copied back, and the
	 * new mapping must not be left where the caller cannot know it.
	 */
	ro = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memcpy(ro, &ok_map, sizeof(ok_map));
	ASSERT_EQ(0, mprotect(ro, ps, PROT_READ));
	vmsize = status_kb("VmSize");
	maps = map_count();
	EXPECT_ERRNO(EFAULT, ioctl_err(self->fd, MLH_IOC_MAP, ro));
	EXPECT_EQ(vmsize, status_kb("VmSize"));
	EXPECT_EQ(maps, map_count());

	/* The same for MLH_IOC_UNMAP: the range is gone all the same. */
	victim = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, victim);
	victim[0] = 1;
	ok_unmap.addr = (unsigned long)victim;
	ASSERT_EQ(0, mprotect(ro, ps, PROT_READ | PROT_WRITE));
	memcpy(ro, &ok_unmap, sizeof(ok_unmap));
	ASSERT_EQ(0, mprotect(ro, ps, PROT_READ));
	EXPECT_ERRNO(EFAULT, ioctl_err(self->fd, MLH_IOC_UNMAP, ro));
	EXPECT_EQ(SEGV_MAPERR, probe_read(victim, NULL));
	EXPECT_EQ(vmsize, status_kb("VmSize"));
	munmap(ro, ps);

	/* MLH_KIND_PFNMAP maps the device itself: it must be readable. */
	wfd = open(MLH_DEV_PATH, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, wfd);
	vmsize = status_kb("VmSize");
	EXPECT_ERRNO(EACCES, map_err(wfd, MLH_KIND_PFNMAP, 0, ps, 0));
	EXPECT_EQ(vmsize, status_kb("VmSize"));
	/* The other kinds do not use the file. */
	ASSERT_EQ(0, mlh_map(wfd, MLH_KIND_ZERO, ps, NULL, &m));
	EXPECT_EQ(vmsize + (long)(ps >> 10), status_kb("VmSize"));
	EXPECT_EQ(0, munmap((void *)(unsigned long)m.addr, ps));
	close(wfd);
}

/*
 * A fatal signal in the middle of a long MLH_KIND_PFNMAP populate: the
 * populate stops (-EINTR, not seen by anybody) and the process dies at
 * once rather than after populating 64 GiB (about a minute under TCG),
 * and the module serves the next caller.
 */
TEST_F_TIMEOUT(mlh, killed_while_populating, BIG_TIMEOUT)
{
	int ready[2], status, rc;
	long long t0, waited;
	struct mlh_map m;
	pid_t child;
	char c;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_EQ(0, pipe(ready));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		close(ready[0]);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		rc = mlh_map(self->fd, MLH_KIND_PFNMAP, MLH_MAX_SIZE, NULL, &m);
		_exit(rc == -ENOMEM ? 3 : rc ? 1 : 0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	usleep(300000);
	t0 = now_ns();
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	waited = (now_ns() - t0) / 1000000;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
		SKIP(return, "not enough memory for the page tables of %llu GiB",
		     MLH_MAX_SIZE >> 30);
	ksft_print_msg("killed 300 ms into a 64 GiB populate: gone %lld ms later (%s)\n",
		       waited, WIFSIGNALED(status) ? "killed" : "had finished");
	EXPECT_TRUE(WIFSIGNALED(status) || WEXITSTATUS(status) == 0);
	/* A generous bound: the whole populate takes far longer. */
	EXPECT_GT(20000, waited);
	ASSERT_EQ(0, mlh_map(self->fd, MLH_KIND_PFNMAP, 16 * page_size(), NULL, &m));
	EXPECT_EQ(0, ((char *)(unsigned long)m.addr)[0]);
	EXPECT_EQ(0, munmap((void *)(unsigned long)m.addr, 16 * page_size()));
}

/* A write that must fail with EINVAL; @len counts embedded NULs. */
struct bad_write {
	const char *what;
	const char *buf;
	size_t len;
};

#define BAD(str)	{ #str, str, sizeof(str) - 1 }

/* Bad for every control file. */
static const struct bad_write bad_any[] = {
	BAD("2"), BAD("-1"), BAD("abc"), BAD("1x"), BAD("0x"), BAD(" "),
	BAD("\n"), BAD(""), BAD(" 1"), BAD("1 "), BAD("1\n\n"), BAD("99999999999"),
	BAD("0x100000000"),
};

/*
 * Bad writes that a parser looking at only part of them would take for
 * 1, or for 0: a sign, a NUL byte, a number followed by junk past the
 * first 34 bytes, or longer than the 32 bytes a write may have.
 */
static const struct bad_write bad_one[] = {
	BAD("+1"), BAD("1\0junk"),
	BAD("0000000000000000000000000000000001 junk"),
	BAD("0000000000000000000000000000000001"),
};
static const struct bad_write bad_zero[] = {
	BAD("+0"), BAD("0\0junk"),
	BAD("0000000000000000000000000000000000 junk"),
	BAD("0000000000000000000000000000000000"),
};

static void expect_bad_writes(struct __test_metadata *_metadata,
			      const char *file, const struct bad_write *w,
			      unsigned int n)
{
	char what[96];
	unsigned int i;

	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s <- %s (%zu bytes)", file,
			 w[i].what, w[i].len);
		expect_errno(_metadata, what, EINVAL,
			     dbg_write_len(file, w[i].buf, w[i].len));
	}
}

/*
 * Every bad write to a control file fails with EINVAL (a bad buffer with
 * EFAULT) and changes nothing: recording stays off, or on; the recorded
 * windows stay; the filter stays.  Reading the write-only file and
 * writing the read-only ones fail too (root may open them).
 */
TEST_F(mlh, bad_debugfs_writes)
{
	char buf[300];
	struct mlh_stats s;
	long windows;

	if (unusable())
		SKIP(return, "%s", unusable());
	/* Something to lose: a few windows, recording off. */
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	ASSERT_EQ(0, churn(2));
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, mlh_read_stats(&s));
	windows = s.windows;
	ASSERT_LE(2, windows);

	expect_bad_writes(_metadata, "enable", bad_any, ARRAY_SIZE(bad_any));
	expect_bad_writes(_metadata, "enable", bad_one, ARRAY_SIZE(bad_one));
	expect_bad_writes(_metadata, "reset", bad_any, ARRAY_SIZE(bad_any));
	expect_bad_writes(_metadata, "reset", bad_one, ARRAY_SIZE(bad_one));
	expect_bad_writes(_metadata, "reset", bad_zero, ARRAY_SIZE(bad_zero));
	expect_bad_writes(_metadata, "tgid", bad_any + 2, ARRAY_SIZE(bad_any) - 2);
	expect_bad_writes(_metadata, "tgid", bad_one, ARRAY_SIZE(bad_one));
	expect_bad_writes(_metadata, "tgid", bad_zero, ARRAY_SIZE(bad_zero));
	expect_errno(_metadata, "reset 0", EINVAL, dbg_write_err("reset", "0"));
	expect_errno(_metadata, "tgid -5", EINVAL, dbg_write_err("tgid", "-5"));
	expect_errno(_metadata, "tgid over PID_MAX_LIMIT", EINVAL,
		     dbg_write_err("tgid", "4194305"));
	expect_errno(_metadata, "tgid junk", EINVAL, dbg_write_err("tgid", "12ab"));
	memset(buf, '1', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	expect_errno(_metadata, "enable 299 digits", EINVAL,
		     dbg_write_err("enable", buf));
	expect_errno(_metadata, "enable bad pointer", EFAULT,
		     dbg_write_len("enable", (void *)1, 1));
	expect_errno(_metadata, "tgid bad pointer", EFAULT,
		     dbg_write_len("tgid", (void *)1, 2));
	expect_errno(_metadata, "reset bad pointer", EFAULT,
		     dbg_write_len("reset", (void *)1, 1));
	expect_errno(_metadata, "summary is read-only", EINVAL,
		     dbg_write_err("summary", "1"));
	expect_errno(_metadata, "stats is read-only", EINVAL,
		     dbg_write_err("stats", "1"));
	expect_errno(_metadata, "reset is write-only", EINVAL,
		     (int)dbg_read("reset", buf, sizeof(buf)));

	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.enabled);
	EXPECT_EQ(getpid(), s.tgid);
	EXPECT_EQ(windows, s.windows);

	/* Recording on: nothing may turn it off. */
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	expect_bad_writes(_metadata, "enable", bad_any, ARRAY_SIZE(bad_any));
	expect_bad_writes(_metadata, "enable", bad_zero, ARRAY_SIZE(bad_zero));
	ASSERT_LT(0, dbg_read("enable", buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
}

/*
 * Misuse of the device itself: each mmap() the module refuses, read(),
 * write(); what the kernel refuses because of the flags the module sets.
 * Nothing is left mapped.
 */
TEST_F(mlh, bad_device_use)
{
	const unsigned long ps = page_size();
	char buf[8];
	long vmsize;
	void *p;
	int wfd;

	if (unusable())
		SKIP(return, "%s", unusable());
	vmsize = status_kb("VmSize");
	p = mmap(NULL, ps, PROT_READ, MAP_PRIVATE, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, ps, PROT_READ, MAP_SHARED, self->fd, ps);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, MLH_MAX_SIZE + ps, PROT_READ, MAP_SHARED | MAP_NORESERVE,
		 self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(E2BIG, errno);
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, ps, PROT_READ | PROT_EXEC, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);

	/* The kernel's rule: a shared mapping needs a readable file. */
	wfd = open(MLH_DEV_PATH, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, wfd);
	p = mmap(NULL, ps, PROT_READ, MAP_SHARED, wfd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	close(wfd);

	/* A mapping of the device cannot grow (VM_DONTEXPAND). */
	p = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, ps, 4 * ps, MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, munmap(p, 2 * ps));
	EXPECT_EQ(vmsize, status_kb("VmSize"));
}

/* Drop CAP_SYS_ADMIN from the effective set: 0 or -1. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/*
 * What the device's mappings may not become: executable (no VM_MAYEXEC),
 * inherited by a child (VM_DONTCOPY: fork() would copy every PTE under
 * the parent's write lock); and who may not open it: root without
 * CAP_SYS_ADMIN.
 */
TEST_F(mlh, device_hygiene)
{
	const unsigned long ps = page_size();
	int status, fd;
	pid_t child;
	char *p;

	if (unusable())
		SKIP(return, "%s", unusable());
	p = mmap(NULL, 4 * ps, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(-1, mprotect(p, 4 * ps, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		/* Not inherited: a hole in the child. */
		if (probe_read(p, NULL) != SEGV_MAPERR ||
		    probe_read(p + 3 * ps, NULL) != SEGV_MAPERR)
			_exit(1);
		if (drop_sys_admin())
			_exit(2);
		fd = open(MLH_DEV_PATH, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != EPERM)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("1: the child inherited the mapping, 2: capset failed, 3: open without CAP_SYS_ADMIN did not fail with EPERM");
	/* Still there in the parent. */
	EXPECT_EQ(0, p[3 * ps]);
	EXPECT_EQ(0, munmap(p, 4 * ps));
}

TEST_HARNESS_MAIN
