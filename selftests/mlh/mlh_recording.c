// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock_hold module (module/, Documentation/module.md) records
 * what it is asked to: its control files, nothing while disabled, only
 * the process of the tgid filter or the address space of the mm_pid one,
 * each window under the operation that took it, several threads at once
 * while another reads the reports, counts the windows cut by starting
 * or stopping the recording, and reports the kernel's per-VMA lock fault
 * counters over the recording where the kernel has them.
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

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "mlh_util.h"
#include "mmap_lock_hold.h"
#include "mlh_test.h"

TEST_F(mlh, control_files)
{
	char buf[64];
	struct mlh_stats s;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_LT(0, dbg_read("enable", buf, sizeof(buf)));
	ASSERT_STREQ("0\n", buf);
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	ASSERT_LT(0, dbg_read("enable", buf, sizeof(buf)));
	ASSERT_STREQ("1\n", buf);
	/* Enabling twice is not an error, nor is disabling twice. */
	ASSERT_EQ(0, dbg_write_err("enable", "1\n"));
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_LT(0, dbg_read("enable", buf, sizeof(buf)));
	ASSERT_STREQ("0\n", buf);

	ASSERT_LT(0, dbg_read("tgid", buf, sizeof(buf)));
	ASSERT_EQ(getpid(), atoi(buf));
	ASSERT_EQ(0, mlh_read_stats(&s));
	ASSERT_EQ(MLH_STATS_VERSION, s.version);
	/* Every key of the report is known here. */
	ASSERT_EQ(0, s.unknown);
	ASSERT_EQ(0, s.enabled);
	ASSERT_EQ(getpid(), s.tgid);
	ASSERT_LT(0, dbg_read("summary", buf, sizeof(buf)));
}

TEST_F(mlh, nothing_recorded_while_disabled)
{
	const struct mlh_op_stat *o;
	struct mlh_stats s;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_EQ(0, churn(20));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.windows);
	EXPECT_EQ(0, s.opened);
	EXPECT_EQ(0, s.nops);

	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	ASSERT_EQ(0, churn(3));
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, churn(20));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.enabled);
	o = mlh_find_op(&s, "munmap");
	EXPECT_EQ(3, o->count);
	EXPECT_EQ(SYS_munmap, o->nr);
	EXPECT_STREQ("syscall", o->class);
	EXPECT_LE(o->min, o->p50);
	EXPECT_LE(o->p50, o->p99);
	EXPECT_LE(o->p99, o->max);
	EXPECT_EQ(3, mlh_find_op(&s, "mmap")->count);
	EXPECT_EQ(s.windows, s.opened);
	EXPECT_EQ(s.opened, s.closed_release + s.closed_downgrade);
	EXPECT_EQ(0, s.open);

	ASSERT_EQ(0, dbg_write_err("reset", "1"));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.windows);
	EXPECT_EQ(0, s.opened);
	EXPECT_EQ(0, s.nops);
}

TEST_F(mlh, tgid_filter)
{
	int go[2], status;
	struct mlh_stats s;
	char tgid[16];
	pid_t child;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(churn(5) ? 1 : 0);
	}
	close(go[0]);

	/* Only our own windows: none of the child's. */
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, churn(2));
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(2, mlh_find_op(&s, "munmap")->count);
	EXPECT_EQ(0, mlh_find_op(&s, "exit")->count);

	/* Only the child's, whose exit_mmap() is 'exit'. */
	ASSERT_EQ(0, dbg_write_err("reset", "1"));
	close(go[1]);
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(churn(5) ? 1 : 0);
	}
	close(go[0]);
	snprintf(tgid, sizeof(tgid), "%d", child);
	ASSERT_EQ(0, dbg_write_err("tgid", tgid));
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	ASSERT_EQ(0, churn(2));
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	close(go[1]);
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(5, mlh_find_op(&s, "munmap")->count);
	EXPECT_EQ(1, mlh_find_op(&s, "exit")->count);
	EXPECT_STREQ("exit", mlh_find_op(&s, "exit")->class);
}

/*
 * A child that does what it is told through a pipe: 'c' churn(3), 'f'
 * fork a grandchild that does churn(3) and exits, 'q' exit.  It answers
 * each command with one byte, '+' when done, '-' when it failed.
 */
static pid_t obedient_child(int *cmd, int *ack)
{
	int to[2], from[2];
	pid_t child, g;
	char c, r;
	int status;

	if (pipe(to) || pipe(from))
		return -1;
	child = fork();
	if (child)
		goto parent;
	close(to[1]);
	close(from[0]);
	while (read(to[0], &c, 1) == 1 && c != 'q') {
		r = '-';
		if (c == 'c') {
			r = churn(3) ? '-' : '+';
		} else if (c == 'f') {
			g = fork();
			if (g == 0)
				_exit(churn(3) ? 1 : 0);
			if (g > 0 && waitpid(g, &status, 0) == g && status == 0)
				r = '+';
		}
		if (write(from[1], &r, 1) != 1)
			break;
	}
	_exit(0);
parent:
	close(to[0]);
	close(from[1]);
	*cmd = to[1];
	*ack = from[0];
	return child;
}

/* Send @c to the obedient child: true if it says it did it. */
static bool tell(int cmd, int ack, char c)
{
	char r;

	return write(cmd, &c, 1) == 1 && read(ack, &r, 1) == 1 && r == '+';
}

/* Write @str to /proc/@pid/clear_refs: 0 or -errno. */
static int clear_refs(pid_t pid, const char *str)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", pid);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, str, strlen(str)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The two filters side by side.  mm_pid records the windows on a
 * process's mm, whoever takes them: a write of "5" to its
 * /proc/PID/clear_refs takes its mmap_lock for write from another process
 * (ours, in write(2)); its grandchild's own mm is not recorded.  tgid
 * records the windows a process takes, on whatever mm: not that remote
 * one.  Bad pids are refused.
 */
TEST_F(mlh, mm_filter)
{
	const struct mlh_op_stat *o;
	char pid[16], wname[32];
	int cmd, ack, status;
	struct mlh_stats s;
	pid_t child;

	if (unusable())
		SKIP(return, "%s", unusable());
	snprintf(wname, sizeof(wname), "sys_%d", (int)SYS_write);
	child = obedient_child(&cmd, &ack);
	ASSERT_LT(0, child);
	snprintf(pid, sizeof(pid), "%d", child);

	/* mm of the child, taken by anybody. */
	ASSERT_EQ(0, dbg_write_err("tgid", "0"));
	ASSERT_EQ(0, dbg_write_err("mm_pid", pid));
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	ASSERT_EQ(0, churn(4));				/* ours: not recorded */
	ASSERT_EQ(0, clear_refs(child, "5"));		/* ours on its mm */
	ASSERT_TRUE(tell(cmd, ack, 'c'));		/* its own */
	ASSERT_TRUE(tell(cmd, ack, 'f'));		/* its child's mm: no */
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(child, s.mm_pid);
	EXPECT_EQ(0, s.tgid);
	EXPECT_EQ(3, mlh_find_op(&s, "munmap")->count);
	o = mlh_find_op(&s, wname);
	EXPECT_EQ(1, o->count) TH_LOG("the remote clear_refs write as %s", wname);
	EXPECT_EQ(SYS_write, o->nr);
	EXPECT_EQ(0, s.lost_start + s.lost_stop);

	/* Windows the child takes: not the remote one. */
	ASSERT_EQ(0, dbg_write_err("reset", "1"));
	ASSERT_EQ(0, dbg_write_err("mm_pid", "0"));
	ASSERT_EQ(0, dbg_write_err("tgid", pid));
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	ASSERT_EQ(0, clear_refs(child, "5"));
	ASSERT_TRUE(tell(cmd, ack, 'c'));
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.mm_pid);
	EXPECT_EQ(3, mlh_find_op(&s, "munmap")->count);
	EXPECT_EQ(0, mlh_find_op(&s, wname)->count);

	ASSERT_EQ(1, write(cmd, "q", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, status);
	close(cmd);
	close(ack);

	/* Gone, never there, a kernel thread (kthreadd), out of range. */
	EXPECT_EQ(-ESRCH, dbg_write_err("mm_pid", pid));
	EXPECT_EQ(-EINVAL, dbg_write_err("mm_pid", "2"));
	EXPECT_EQ(-EINVAL, dbg_write_err("mm_pid", "4194305"));
	EXPECT_EQ(-EINVAL, dbg_write_err("mm_pid", "-1"));
	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(0, s.mm_pid);
}

TEST_F(mlh, attribution)
{
	unsigned long ps = page_size();
	char *p, *q, *brk0;
	struct mlh_stats s;

	if (unusable())
		SKIP(return, "%s", unusable());
	p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	brk0 = (char *)syscall(SYS_brk, 0);

	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	ASSERT_EQ(0, mprotect(p, ps, PROT_READ));
	q = mremap(p, 4 * ps, 2 * ps, 0);
	ASSERT_EQ(p, q);
	ASSERT_EQ((long)(brk0 + 4 * ps), syscall(SYS_brk, brk0 + 4 * ps));
	ASSERT_EQ((long)brk0, syscall(SYS_brk, brk0));
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, munmap(p, 2 * ps));

	ASSERT_EQ(0, mlh_read_stats(&s));
	EXPECT_EQ(1, mlh_find_op(&s, "mprotect")->count);
	EXPECT_EQ(SYS_mprotect, mlh_find_op(&s, "mprotect")->nr);
	EXPECT_EQ(1, mlh_find_op(&s, "mremap")->count);
	EXPECT_EQ(2, mlh_find_op(&s, "brk")->count);
	EXPECT_EQ(0, mlh_find_op(&s, "kernel")->count);
}

/* Several threads record at once while another reads the reports. */
#define WORKERS		4
#define ROUNDS		200

struct concurrency {
	pthread_barrier_t start;	/* workers, reader, main */
	pthread_barrier_t churned;	/* workers, main */
	pthread_barrier_t stopped;	/* workers, main */
	int done;			/* __atomic */
	int failed;
	int reads;
	long last_windows;
};

/*
 * A worker may only exit once recording is off: glibc unmaps the stacks
 * of exited threads beyond its cache, and that munmap() would count.
 */
static void *worker(void *arg)
{
	struct concurrency *c = arg;

	pthread_barrier_wait(&c->start);
	if (churn(ROUNDS))
		__atomic_store_n(&c->failed, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&c->churned);
	pthread_barrier_wait(&c->stopped);
	return NULL;
}

static void *reader(void *arg)
{
	static char buf[65536];
	struct concurrency *c = arg;
	static struct mlh_stats s;

	pthread_barrier_wait(&c->start);
	while (!__atomic_load_n(&c->done, __ATOMIC_SEQ_CST)) {
		if (dbg_read("summary", buf, sizeof(buf)) <= 0 ||
		    dbg_read("stats", buf, sizeof(buf)) <= 0 ||
		    mlh_parse_stats(buf, &s)) {
			c->failed = 2;
			break;
		}
		/* Totals only grow; windows is the sum of the op lines. */
		if (!mlh_stats_consistent(&s) ||
		    s.windows < c->last_windows) {
			c->failed = 3;
			break;
		}
		c->last_windows = s.windows;
		c->reads++;
	}
	return NULL;
}

TEST_F_TIMEOUT(mlh, concurrent_recording, BIG_TIMEOUT)
{
	struct concurrency c = { .done = 0 };
	pthread_t w[WORKERS], r;
	const struct mlh_op_stat *o;
	struct mlh_stats s;
	int i;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_EQ(0, pthread_barrier_init(&c.start, NULL, WORKERS + 2));
	ASSERT_EQ(0, pthread_barrier_init(&c.churned, NULL, WORKERS + 1));
	ASSERT_EQ(0, pthread_barrier_init(&c.stopped, NULL, WORKERS + 1));
	for (i = 0; i < WORKERS; i++)
		ASSERT_EQ(0, pthread_create(&w[i], NULL, worker, &c));
	ASSERT_EQ(0, pthread_create(&r, NULL, reader, &c));

	/* Threads and their stacks exist: from here on only the churn. */
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	pthread_barrier_wait(&c.start);
	pthread_barrier_wait(&c.churned);
	__atomic_store_n(&c.done, 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, pthread_join(r, NULL));
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	pthread_barrier_wait(&c.stopped);
	for (i = 0; i < WORKERS; i++)
		ASSERT_EQ(0, pthread_join(w[i], NULL));
	ASSERT_EQ(0, c.failed);

	ASSERT_EQ(0, mlh_read_stats(&s));
	o = mlh_find_op(&s, "munmap");
	ksft_print_msg("%d threads x %d mmap+munmap: %ld windows, %d reports read meanwhile\n",
		       WORKERS, ROUNDS, s.windows, c.reads);
	ksft_print_msg("munmap windows: p50 %lld ns, p99 %lld ns, max %lld ns\n",
		       o->p50, o->p99, o->max);
	EXPECT_EQ(WORKERS * ROUNDS, o->count);
	EXPECT_LE(WORKERS * ROUNDS, mlh_find_op(&s, "mmap")->count);
	EXPECT_EQ(0, s.dropped);
	EXPECT_EQ(0, s.replaced);
	EXPECT_EQ(0, s.open);
	EXPECT_EQ(s.opened, s.windows);
	EXPECT_EQ(s.opened, s.closed_release + s.closed_downgrade);
	EXPECT_LE(1, c.reads);
}

/* A thread holding mmap_lock for write most of the time. */
struct write_holder {
	char *p;
	size_t len;
	int stop;		/* __atomic */
	long rounds;
};

static void *mprotect_loop(void *arg)
{
	struct write_holder *h = arg;

	while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
		if (mprotect(h->p, h->len, PROT_READ) ||
		    mprotect(h->p, h->len, PROT_READ | PROT_WRITE))
			break;
		h->rounds++;
	}
	return NULL;
}

#define LOST_SIZE	(64UL << 20)
#define LOST_TOGGLES	400
#define LOST_SECONDS	60

/*
 * Windows cut by switching recording on or off are counted, not silently
 * dropped: a thread keeps mmap_lock held for write (mprotect() of 64 MiB
 * of written small pages, back and forth) while recording is switched on and
 * off, until both a window open at a start (its release seen without its
 * open: lost_start) and one open at a stop (forgotten: lost_stop) have
 * been counted.  Every window opened is accounted for.
 */
TEST_F_TIMEOUT(mlh, lost_windows, BIG_TIMEOUT)
{
	struct write_holder h = { .len = LOST_SIZE };
	long long deadline;
	struct mlh_stats s;
	pthread_t t;
	int i;

	if (unusable())
		SKIP(return, "%s", unusable());
	h.p = mmap(NULL, h.len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, h.p);
	/*
	 * Small pages: with THP "always" (Debian's config) 64 MiB would be
	 * 32 huge PMDs, each mprotect() a few microseconds, and a stop would
	 * almost never find a window open.  EINVAL: a kernel without THP.
	 */
	ASSERT_TRUE(!madvise(h.p, h.len, MADV_NOHUGEPAGE) || errno == EINVAL);
	memset(h.p, 1, h.len);
	ASSERT_EQ(0, pthread_create(&t, NULL, mprotect_loop, &h));

	deadline = now_ns() + LOST_SECONDS * 1000000000LL;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < LOST_TOGGLES && now_ns() < deadline &&
	     (!s.lost_start || !s.lost_stop); i++) {
		ASSERT_EQ(0, dbg_write_err("enable", "1"));
		usleep(1000 + i % 7 * 300);
		ASSERT_EQ(0, dbg_write_err("enable", "0"));
		ASSERT_EQ(0, mlh_read_stats(&s));
	}
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(t, NULL));
	munmap(h.p, h.len);

	ASSERT_EQ(0, mlh_read_stats(&s));
	ksft_print_msg("%d switches, %ld mprotect rounds: %ld windows, lost %ld at a start, %ld at a stop\n",
		       i, h.rounds, s.windows, s.lost_start, s.lost_stop);
	EXPECT_LT(0, h.rounds);
	EXPECT_LT(0, s.lost_start);
	EXPECT_LT(0, s.lost_stop);
	EXPECT_EQ(0, s.open);
	EXPECT_EQ(0, s.dropped);
	EXPECT_EQ(s.windows, s.closed_release + s.closed_downgrade);
	EXPECT_EQ(s.opened, s.windows + s.lost_stop + s.replaced);
}

/*
 * With CONFIG_PER_VMA_LOCK_STATS (6.4 on) the report has the kernel's
 * per-VMA lock fault counters over the recording: the faults on an
 * anonymous mapping count as handled under the VMA lock (all but maybe
 * the first, which prepares the anon_vma), a fault where no VMA is falls
 * back to mmap_lock (lock_vma_under_rcu() finds none: an abort), and
 * faults after the stop do not count.
 */
TEST_F(mlh, vma_lock_counters)
{
	const int npages = 256;
	struct mlh_stats s, after;
	char *p, *hole;
	int i;

	if (unusable())
		SKIP(return, "%s", unusable());
	ASSERT_EQ(0, mlh_read_stats(&s));
	if (s.vma_lock[0] < 0)
		SKIP(return, "no vma_lock_* in the report: a kernel without CONFIG_PER_VMA_LOCK_STATS");
	p = mmap(NULL, (npages + 1) * page_size(), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	hole = p + npages * page_size();
	ASSERT_EQ(0, munmap(hole, page_size()));
	ASSERT_TRUE(!madvise(p, npages * page_size(), MADV_NOHUGEPAGE) ||
		    errno == EINVAL);
	ASSERT_EQ(0, dbg_write_err("enable", "1"));
	for (i = 0; i < npages; i++)
		p[i * page_size()] = 1;
	ASSERT_EQ(SEGV_MAPERR, probe_read(hole, NULL));
	ASSERT_EQ(0, dbg_write_err("enable", "0"));
	ASSERT_EQ(0, mlh_read_stats(&s));
	ksft_print_msg("vma_lock over the recording: success %ld, abort %ld, retry %ld, miss %ld\n",
		       s.vma_lock[0], s.vma_lock[1], s.vma_lock[2],
		       s.vma_lock[3]);
	EXPECT_LE(npages - 1, s.vma_lock[0]);
	EXPECT_LE(1, s.vma_lock[1]);
	/* Stopped: new faults are not counted. */
	ASSERT_EQ(0, madvise(p, npages * page_size(), MADV_DONTNEED));
	for (i = 0; i < npages; i++)
		p[i * page_size()] = 2;
	ASSERT_EQ(0, mlh_read_stats(&after));
	EXPECT_EQ(s.vma_lock[0], after.vma_lock[0]);
	EXPECT_EQ(0, munmap(p, npages * page_size()));
}

TEST_HARNESS_MAIN
