// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock_hold module survives being loaded and unloaded again and
 * again while it is in use (module/, Documentation/module.md).
 *
 * MLH_RELOAD_CYCLES (100) times: finit_module(), record the windows of a
 * child process, wait until the 'stats' file shows some, delete_module(),
 * check that the module, its debugfs files and its device are gone.  All
 * along, through the loaded and the unloaded periods:
 *
 *  - the child maps, fills, checks and unmaps memory in a loop, whole and
 *    in part (head, tail, middle), checking every page left and that the
 *    pages unmapped are gone: its data must never be corrupted and it
 *    must outlive every cycle;
 *  - reader threads read every report file (summary, stats, enable,
 *    tgid): each read that gets a file open must succeed and parse;
 *  - a writer thread writes valid values to enable (on, and off then on
 *    again), tgid (the child's) and reset;
 *  - a device thread opens /dev/mmap_lock_hold, maps and unmaps with both
 *    ioctls and maps the device itself.
 *
 * Every open file and every mapping of the device pins the module, so
 * delete_module() fails with EAGAIN (6.1's EWOULDBLOCK for "in use") while
 * a thread has one: it is retried, within a bound, and the retries are
 * counted.  While the module is absent or going away, opening its files
 * fails with ENOENT (gone; also what debugfs says for a file being
 * removed), ENXIO (debugfs: the owner module is going, full_proxy_open())
 * or ENODEV (misc_open(): the device's module is going): those are
 * expected.  Any other error, or any error once a file is open (an open
 * file pins the module), is a failure.
 *
 * Needs root, the module's .ko ($MLH_KO, default the test VM's
 * /opt/tests/modules/mmap_lock_hold.ko) and the module NOT loaded: it
 * SKIPs otherwise.  It leaves the module unloaded and the child reaped,
 * also when a check fails half way (the fixture's teardown).
 * MLH_RELOAD_DEADLINE (seconds, 480) bounds the whole run: past it the
 * test fails and cleans up rather than being killed from outside (the
 * test VM's run_test allows 600 s).  Measured under TCG: 30-60 s on the
 * test kernel, 120-150 s on the KASAN one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mlh_util.h"
#include "munmap_util.h"
#include "mmap_lock_hold.h"

#define SYSFS_MODULE		"/sys/module/" MLH_NAME
#define DEFAULT_CYCLES		100
#define DEFAULT_DEADLINE_S	480

/* Bounds of one cycle's waits, ms: each took 1 s at most under TCG. */
#define WINDOWS_WAIT_MS		30000
#define UNLOAD_WAIT_MS		30000

#define READERS			2
#define CHILD_PAGES		16
#define REPORT_SIZE		(128 << 10)

static long long now_ms(void)
{
	return now_ns() / 1000000;
}

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = us % 1000000 * 1000 };

	nanosleep(&ts, NULL);
}

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	return *end || v <= 0 ? def : v;
}

static bool module_present(void)
{
	return access(SYSFS_MODULE, F_OK) == 0;
}

/*
 * delete_module() until it succeeds or @ms pass.  "In use" is EAGAIN
 * (EWOULDBLOCK) in 6.1, EBUSY a module not live yet or any more: both are
 * retried and counted in *@retries.  0 or -errno.
 */
static int unload_wait(long ms, long *retries)
{
	long long deadline = now_ms() + ms;

	for (;;) {
		if (!syscall(SYS_delete_module, MLH_NAME, O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		(*retries)++;
		sleep_us(200);
	}
}

/* Opening a file of the module while it is absent or going away. */
static bool absent_errno(int err)
{
	return err == ENOENT || err == ENXIO || err == ENODEV;
}

/* What a report access ended with. */
enum access {
	ACC_FAILED = -1,	/* anything else: errno in *err */
	ACC_OK,			/* opened, read or written in full */
	ACC_ABSENT,		/* open failed with absent_errno() */
};

/* Read a whole debugfs file of the module into @buf, NUL-terminated. */
static enum access report_read(const char *file, char *buf, size_t size,
			       size_t *len, int *err)
{
	char path[128];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", MLH_DEBUGFS_DIR, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return absent_errno(errno) ? ACC_ABSENT : ACC_FAILED;
	}
	*len = 0;
	while (*len < size - 1 &&
	       (n = read(fd, buf + *len, size - 1 - *len)) > 0)
		*len += n;
	*err = n < 0 ? errno : 0;
	close(fd);
	buf[*len] = '\0';
	return n < 0 ? ACC_FAILED : ACC_OK;
}

static enum access report_write(const char *file, const char *str, int *err)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", MLH_DEBUGFS_DIR, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return absent_errno(errno) ? ACC_ABSENT : ACC_FAILED;
	}
	n = write(fd, str, strlen(str));
	*err = n < 0 ? errno : n == (ssize_t)strlen(str) ? 0 : EIO;
	close(fd);
	return *err ? ACC_FAILED : ACC_OK;
}

/*
 * Check one 'stats' read: it parses (mlh_parse_stats()), and the totals
 * agree with the operation lines (one snapshot: report.c sums windows
 * from the same copy it prints).  Returns the windows, or -1.
 */
static long long stats_windows(const char *text)
{
	struct mlh_stats s;

	if (mlh_parse_stats(text, &s) || !mlh_stats_consistent(&s))
		return -1;
	return s.windows;
}

/* Shared with the child: in a MAP_SHARED page. */
struct child_state {
	int stop;			/* parent -> child, __atomic */
	long rounds;			/* child -> parent */
	long unmaps;
	long bad;
	char why[128];
};

/* Shared by the threads of the test process. */
struct reload {
	int stop;			/* __atomic */
	char tgid[16];			/* the child's, for 'tgid' */
	long reads, writes, dev_ops;	/* accesses that got through */
	long absent;			/* accesses that found no module */
	long enoent, enxio, enodev;	/* of them, by errno */
	int failed;			/* __atomic: the first one writes why */
	char why[192];
};

static void fail(struct reload *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct reload *r, const char *fmt, ...)
{
	int zero = 0;
	va_list ap;

	if (!__atomic_compare_exchange_n(&r->failed, &zero, 1, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static bool stopping(struct reload *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&r->failed, __ATOMIC_SEQ_CST);
}

static void count(long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static void count_absent(struct reload *r, int err)
{
	count(&r->absent);
	count(err == ENOENT ? &r->enoent : err == ENXIO ? &r->enxio : &r->enodev);
}

/*
 * The helpers yield to the main thread, which loads and unloads: under
 * TCG the two vCPUs are shared by six busy tasks.
 */
static void yield_to_main(int nice)
{
	setpriority(PRIO_PROCESS, syscall(SYS_gettid), nice);
}

static void *reader(void *arg)
{
	static const char *const files[] = { "summary", "stats", "enable", "tgid" };
	struct reload *r = arg;
	unsigned int i;
	size_t len;
	char *buf;
	int err;

	yield_to_main(5);
	buf = malloc(REPORT_SIZE);
	if (!buf) {
		fail(r, "%s: no memory", __func__);
		return NULL;
	}
	while (!stopping(r)) {
		for (i = 0; i < ARRAY_SIZE(files); i++) {
			switch (report_read(files[i], buf, REPORT_SIZE, &len, &err)) {
			case ACC_ABSENT:
				count_absent(r, err);
				continue;
			case ACC_FAILED:
				fail(r, "reading %s: %s", files[i], strerror(err));
				goto out;
			case ACC_OK:
				break;
			}
			count(&r->reads);
			if ((i == 0 && strncmp(buf, "exclusive mmap_lock windows", 27)) ||
			    (i == 1 && stats_windows(buf) < 0) ||
			    (i == 2 && strcmp(buf, "0\n") && strcmp(buf, "1\n")) ||
			    (i == 3 && (len < 2 || buf[len - 1] != '\n'))) {
				fail(r, "%s does not parse: '%.60s'", files[i], buf);
				goto out;
			}
		}
		sleep_us(1000);
	}
out:
	free(buf);
	return NULL;
}

/* Valid writes only: the child's tgid, recording on, resets, off-on. */
static void *writer(void *arg)
{
	struct reload *r = arg;
	const char *seq[][2] = {
		{ "tgid", r->tgid }, { "enable", "1" }, { "reset", "1\n" },
		{ "enable", "0" }, { "enable", "1\n" },
	};
	unsigned int i, round = 0;
	int err;

	yield_to_main(5);
	while (!stopping(r)) {
		/*
		 * Off and on again every eighth round only: each is two
		 * tracepoint updates and an RCU grace period, slow under TCG.
		 */
		for (i = 0; i < (round % 8 ? 3 : ARRAY_SIZE(seq)); i++) {
			switch (report_write(seq[i][0], seq[i][1], &err)) {
			case ACC_ABSENT:
				count_absent(r, err);
				continue;
			case ACC_FAILED:
				fail(r, "writing '%s' to %s: %s", seq[i][1],
				     seq[i][0], strerror(err));
				return NULL;
			case ACC_OK:
				count(&r->writes);
				break;
			}
		}
		round++;
		sleep_us(3000);
	}
	return NULL;
}

/* One use of the device: both ioctls, then a mapping of the device. */
static void device_use(struct reload *r, int fd)
{
	const unsigned long size = 4 * page_size();
	struct mlh_unmap u = { 0 };
	struct mlh_map m = { .kind = MLH_KIND_ZERO, .size = size };
	const char *p;

	if (ioctl(fd, MLH_IOC_MAP, &m)) {
		fail(r, "MLH_IOC_MAP: %s", strerror(errno));
		return;
	}
	p = (const char *)(unsigned long)m.addr;
	if (p[0] || p[size - 1]) {
		fail(r, "MLH_IOC_MAP: not zero-filled");
		return;
	}
	u.addr = m.addr;
	u.size = size;
	if (ioctl(fd, MLH_IOC_UNMAP, &u)) {
		fail(r, "MLH_IOC_UNMAP: %s", strerror(errno));
		return;
	}
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fail(r, "mmap() of the device: %s", strerror(errno));
		return;
	}
	if (p[0] || p[size - 1])
		fail(r, "mapping of the device: not zero-filled");
	if (munmap((void *)p, size))
		fail(r, "munmap() of the device: %s", strerror(errno));
	count(&r->dev_ops);
}

static void *device_user(void *arg)
{
	struct reload *r = arg;
	int fd;

	yield_to_main(5);
	while (!stopping(r)) {
		fd = open(MLH_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			if (!absent_errno(errno)) {
				fail(r, "opening %s: %s", MLH_DEV_PATH,
				     strerror(errno));
				break;
			}
			count_absent(r, errno);
		} else {
			device_use(r, fd);
			close(fd);
		}
		sleep_us(3000);
	}
	return NULL;
}

static void child_bad(struct child_state *cs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void child_bad(struct child_state *cs, const char *fmt, ...)
{
	va_list ap;

	if (!cs->bad++) {
		va_start(ap, fmt);
		vsnprintf(cs->why, sizeof(cs->why), fmt, ap);
		va_end(ap);
	}
}

/*
 * The child: map CHILD_PAGES pages, fill each with a pattern of its own
 * for this round, unmap a head, tail or middle part, check that every
 * page left still has its pattern and every page unmapped is gone, unmap
 * the rest.  Never allocates: nothing but its own mappings moves.
 */
static int child_main(struct child_state *cs)
{
	const unsigned long ps = page_size();
	unsigned long round, i, lo, hi, k;
	char *p;

	for (round = 0; !__atomic_load_n(&cs->stop, __ATOMIC_SEQ_CST); round++) {
		p = mmap(NULL, CHILD_PAGES * ps, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			child_bad(cs, "mmap: %s", strerror(errno));
			break;
		}
		for (i = 0; i < CHILD_PAGES; i++)
			fill_page(p + i * ps, round << 8 | i);
		for (i = 0; i < CHILD_PAGES; i++)
			if (!check_page(p + i * ps, round << 8 | i))
				child_bad(cs, "round %lu: page %lu corrupted before unmapping",
					  round, i);

		/* [lo, hi) goes: a head, a tail or a middle part. */
		k = 1 + round % 4;
		switch (round % 3) {
		case 0:
			lo = 0;
			hi = k;
			break;
		case 1:
			lo = CHILD_PAGES - k;
			hi = CHILD_PAGES;
			break;
		default:
			lo = CHILD_PAGES / 2 - k / 2;
			hi = lo + k;
			break;
		}
		if (munmap(p + lo * ps, (hi - lo) * ps)) {
			child_bad(cs, "partial munmap: %s", strerror(errno));
			break;
		}
		cs->unmaps++;
		for (i = 0; i < CHILD_PAGES; i++) {
			if (i >= lo && i < hi) {
				if (probe_read(p + i * ps, NULL) != SEGV_MAPERR)
					child_bad(cs, "round %lu: page %lu still mapped",
						  round, i);
			} else if (!check_page(p + i * ps, round << 8 | i)) {
				child_bad(cs, "round %lu: page %lu corrupted after unmapping [%lu, %lu)",
					  round, i, lo, hi);
			}
		}
		if (munmap(p, CHILD_PAGES * ps)) {
			child_bad(cs, "munmap: %s", strerror(errno));
			break;
		}
		cs->unmaps++;
		cs->rounds++;
		if (cs->bad)
			break;
	}
	return cs->bad ? 1 : 0;
}

FIXTURE(reload) {
	struct reload *r;
	struct child_state *cs;
	pid_t child;
	pthread_t threads[READERS + 2];
	int nthreads;
	bool may_be_loaded;	/* this test loaded the module */
};

FIXTURE_SETUP(reload)
{
	self->child = -1;
}

/* Stop the threads; 0, or the first failure they recorded. */
static int stop_threads(FIXTURE_DATA(reload) *self)
{
	int i;

	if (!self->r)
		return 0;
	__atomic_store_n(&self->r->stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < self->nthreads; i++)
		pthread_join(self->threads[i], NULL);
	self->nthreads = 0;
	return self->r->failed;
}

/* Stop and reap the child: its exit status, or -1 if it had to be killed. */
static int stop_child(FIXTURE_DATA(reload) *self)
{
	long long deadline = now_ms() + 10000;
	int status = -1;
	pid_t ret;

	if (self->child <= 0)
		return 0;
	__atomic_store_n(&self->cs->stop, 1, __ATOMIC_SEQ_CST);
	while ((ret = waitpid(self->child, &status, WNOHANG)) == 0 &&
	       now_ms() < deadline)
		sleep_us(10000);
	if (ret == 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, &status, 0);
		status = -1;
	}
	self->child = -1;
	return status;
}

FIXTURE_TEARDOWN(reload)
{
	long retries = 0;
	int ret;

	stop_threads(self);
	stop_child(self);
	/* Whatever failed, do not leave the module behind. */
	if (self->may_be_loaded && module_present()) {
		ret = unload_wait(UNLOAD_WAIT_MS, &retries);
		if (ret)
			TH_LOG("could not unload %s: %s", MLH_NAME, strerror(-ret));
	}
	if (self->r)
		munmap(self->r, sizeof(*self->r));
	if (self->cs)
		munmap(self->cs, sizeof(*self->cs));
}

/* After a load: record the child, wait until its windows show. */
static long long wait_windows(struct __test_metadata *_metadata,
			      FIXTURE_DATA(reload) *self, char *buf)
{
	long long deadline = now_ms() + WINDOWS_WAIT_MS, windows;
	enum access a;
	size_t len;
	int err;

	a = report_write("tgid", self->r->tgid, &err);
	ASSERT_EQ(ACC_OK, a) TH_LOG("writing tgid: %s", strerror(err));
	a = report_write("enable", "1", &err);
	ASSERT_EQ(ACC_OK, a) TH_LOG("enabling: %s", strerror(err));
	for (;;) {
		a = report_read("stats", buf, REPORT_SIZE, &len, &err);
		ASSERT_EQ(ACC_OK, a) TH_LOG("reading stats: %s", strerror(err));
		windows = stats_windows(buf);
		ASSERT_LE(0, windows) TH_LOG("stats do not parse: %.200s", buf);
		if (windows > 0)
			return windows;
		ASSERT_GT(deadline, now_ms())
			TH_LOG("no window of the child recorded in %d ms",
			       WINDOWS_WAIT_MS);
		sleep_us(1000);
	}
}

TEST_F_TIMEOUT(reload, cycles, DEFAULT_DEADLINE_S * 2)
{
	long cycles = env_long("MLH_RELOAD_CYCLES", DEFAULT_CYCLES);
	long long start = now_ms(), deadline, windows_seen = 0, t;
	long long load_ms = 0, wait_ms = 0, unload_ms = 0;
	void *(*fns[READERS + 2])(void *);
	const char *ko = mlh_ko_path();
	long retries = 0, cycle;
	struct stat st;
	enum access a;
	size_t len;
	char *buf;
	int i, ret, err, status = 0;

	deadline = start + 1000LL * env_long("MLH_RELOAD_DEADLINE",
					     DEFAULT_DEADLINE_S);
	if (geteuid() != 0)
		SKIP(return, "needs root");
	if (stat(ko, &st))
		SKIP(return, "no module to load at %s: %s (set MLH_KO)", ko,
		     strerror(errno));
	if (module_present())
		SKIP(return, "%s is loaded: this test loads and unloads it itself",
		     MLH_NAME);

	buf = malloc(REPORT_SIZE);
	ASSERT_NE(NULL, buf);
	self->r = mmap(NULL, sizeof(*self->r), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->r);
	self->cs = mmap(NULL, sizeof(*self->cs), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->cs);

	/* The child first: fork() before there are threads. */
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		/* Never outlive the test, even if it is killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(2);
		setpriority(PRIO_PROCESS, 0, 10);
		_exit(child_main(self->cs));
	}
	snprintf(self->r->tgid, sizeof(self->r->tgid), "%d", self->child);

	for (i = 0; i < READERS; i++)
		fns[i] = reader;
	fns[READERS] = writer;
	fns[READERS + 1] = device_user;
	for (i = 0; i < READERS + 2; i++) {
		ASSERT_EQ(0, pthread_create(&self->threads[i], NULL, fns[i],
					    self->r));
		self->nthreads++;
	}

	for (cycle = 0; cycle < cycles; cycle++) {
		self->may_be_loaded = true;
		t = now_ms();
		ret = mlh_load(ko);
		ASSERT_EQ(0, ret) TH_LOG("cycle %ld: loading %s: %s", cycle,
					 ko, strerror(-ret));
		ASSERT_TRUE(module_present());
		load_ms += now_ms() - t;
		t = now_ms();
		windows_seen += wait_windows(_metadata, self, buf);
		wait_ms += now_ms() - t;

		t = now_ms();
		ret = unload_wait(UNLOAD_WAIT_MS, &retries);
		ASSERT_EQ(0, ret) TH_LOG("cycle %ld: unloading: %s", cycle,
					 strerror(-ret));
		unload_ms += now_ms() - t;
		self->may_be_loaded = false;
		/* Gone for good: the module, its files, its device. */
		ASSERT_FALSE(module_present());
		a = report_read("stats", buf, REPORT_SIZE, &len, &err);
		ASSERT_EQ(ACC_ABSENT, a);
		ASSERT_EQ(ENOENT, err) TH_LOG("cycle %ld: stats after unloading: %s",
					      cycle, strerror(err));
		ASSERT_NE(0, access(MLH_DEV_PATH, F_OK))
			TH_LOG("cycle %ld: %s still there after unloading",
			       cycle, MLH_DEV_PATH);

		ASSERT_EQ(0, self->r->failed) TH_LOG("cycle %ld: %s", cycle,
						     self->r->why);
		ASSERT_EQ(0, self->cs->bad) TH_LOG("cycle %ld: child: %s",
						   cycle, self->cs->why);
		ASSERT_EQ(0, waitpid(self->child, &status, WNOHANG))
			TH_LOG("cycle %ld: the child died: status %#x", cycle,
			       status);
		ASSERT_GT(deadline, now_ms())
			TH_LOG("%ld of %ld cycles done in the %ld s allowed",
			       cycle + 1, cycles,
			       env_long("MLH_RELOAD_DEADLINE", DEFAULT_DEADLINE_S));
	}

	ret = stop_threads(self);
	EXPECT_EQ(0, ret) TH_LOG("%s", self->r->why);
	status = stop_child(self);
	EXPECT_EQ(0, status) TH_LOG("child status %#x: %s", status,
				    self->cs->why);

	ksft_print_msg("reload: cycles=%ld busy_retries=%ld windows_seen=%lld child_unmaps=%ld\n",
		       cycles, retries, windows_seen, self->cs->unmaps);
	ksft_print_msg("reload: reads=%ld writes=%ld device_uses=%ld child_rounds=%ld elapsed_ms=%lld\n",
		       self->r->reads, self->r->writes, self->r->dev_ops,
		       self->cs->rounds, now_ms() - start);
	ksft_print_msg("reload: found absent=%ld (ENOENT=%ld ENXIO=%ld ENODEV=%ld)\n",
		       self->r->absent, self->r->enoent, self->r->enxio,
		       self->r->enodev);
	ksft_print_msg("reload: ms spent loading=%lld waiting_for_windows=%lld unloading=%lld\n",
		       load_ms, wait_ms, unload_ms);
	/*
	 * Every kind of user really ran against the loaded module.  How
	 * often they found it absent depends on the timing: only printed.
	 */
	EXPECT_LT(0, self->r->reads);
	EXPECT_LT(0, self->r->writes);
	EXPECT_LT(0, self->r->dev_ops);
	EXPECT_LT(0, self->cs->unmaps);
	EXPECT_FALSE(module_present());
	free(buf);
}

TEST_HARNESS_MAIN
