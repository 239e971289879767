// SPDX-License-Identifier: GPL-2.0
/*
 * mlh_bias: what recording costs the windows it records, and whether the
 * module and the kernel's own trace events measure them alike.
 *
 * An empty write window, mprotect() of one page back and forth, runs
 * BIAS_ROUNDS times under each setting, in one boot:
 *   off     nothing attached to the mmap_lock tracepoints
 *   module  the module recording this process (ioctls: no debugfs write)
 *   trace   the tracefs events mmap_lock_acquire_returned and
 *           mmap_lock_released, for this process (set_event_pid)
 *   both    the module and the events together: the same windows
 *           measured twice
 * While anything is attached, 6.1 resolves the mm's memcg path for
 * every mmap_lock event (get_mm_memcg_path(), under the global
 * kernfs_rename_lock), the release's inside the window: call_ns against
 * 'off' is that cost plus the probes'.
 *
 * Output: TAP, one test point per setting, ok when its figures are whole
 * (the module saw every window, the trace held one write window per
 * round), after one line each:
 *   # bias: setting=S rounds=N call_ns=N module_windows=N module_p50_ns=N
 *     trace_windows=N trace_p50_ns=N
 * call_ns: median time of one mprotect() seen from user space; the
 * module's p50 is its histogram's (within 1/8); the trace's windows are
 * from acquire_returned (write, success) to released (write) of this
 * process, at the microsecond resolution of the 'trace' text; -1 where a
 * setting has no such figure.
 *
 * Env: BIAS_ROUNDS  rounds per setting (default 2000)
 * Needs root, the module loaded and tracefs with the mmap_lock events
 * (exit 4, KSFT_SKIP, otherwise).  Leaves recording off, the events off
 * and set_event_pid empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "munmap_util.h"
#include "mlh_util.h"
#include "mmap_lock_hold.h"

#define KSFT_SKIP	4
#define WARMUP		100
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum setting { OFF, MODULE, TRACE, BOTH, NR_SETTINGS };

static const char *const setting_name[NR_SETTINGS] = {
	"off", "module", "trace", "both",
};

static const char *const events[] = {
	"events/mmap_lock/mmap_lock_acquire_returned/enable",
	"events/mmap_lock/mmap_lock_released/enable",
};

static struct tracefs tfs;
static int dev = -1;

struct figures {
	long long call_ns, module_windows, module_p50_ns;
	long long trace_windows, trace_p50_ns;
};

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static long long median(long long *v, long n)
{
	if (!n)
		return -1;
	qsort(v, n, sizeof(*v), cmp_ll);
	return v[n / 2];
}

static int events_on(bool on)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(events); i++)
		if (tracefs_write(&tfs, events[i], on ? "1" : "0"))
			return -1;
	return 0;
}

/* Empty the trace buffer: opening 'trace' for writing with O_TRUNC. */
static int trace_clear(void)
{
	char path[192];
	int fd;

	snprintf(path, sizeof(path), "%s/trace", tfs.dir);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * The write windows of process @pid in the 'trace' text, in ns, into @v
 * (at most @max); returns how many.  A line looks like
 *   mlh_bias-123 [001] ..... 12.345678: mmap_lock_released: mm=... write=true
 */
static long trace_windows(pid_t pid, long long *v, long max)
{
	long long open_ns = -1;
	char path[192], line[512], tag[32];
	long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", tfs.dir);
	f = fopen(path, "re");
	if (!f)
		return -1;
	snprintf(tag, sizeof(tag), "-%d ", pid);
	while (fgets(line, sizeof(line), f)) {
		char *ev, *p;
		long long sec, usec, t;

		if (line[0] == '#' || !strstr(line, tag))
			continue;
		ev = strstr(line, ": mmap_lock_");
		if (!ev)
			continue;
		/* The timestamp ends where the event name begins. */
		*ev = '\0';
		p = strrchr(line, ' ');
		if (!p || sscanf(p + 1, "%lld.%lld", &sec, &usec) != 2)
			continue;
		t = sec * 1000000000LL + usec * 1000;
		ev += 2;
		if (!strstr(ev, "write=true"))
			continue;
		if (!strncmp(ev, "mmap_lock_acquire_returned:", 27)) {
			open_ns = strstr(ev, "success=true") ? t : -1;
		} else if (!strncmp(ev, "mmap_lock_released:", 19) &&
			   open_ns >= 0) {
			if (n < max)
				v[n++] = t - open_ns;
			open_ns = -1;
		}
	}
	fclose(f);
	return n;
}

/* Stop everything a setting may have started; errors do not matter. */
static void detach_all(void)
{
	if (dev >= 0)
		ioctl(dev, MLH_IOC_ENABLE, 0);
	if (tfs.dir[0]) {
		events_on(false);
		tracefs_write(&tfs, "set_event_pid", "");
	}
}

/*
 * Attach what setting @st measures with, then @rounds timed mprotect()
 * pairs after a warm-up.  NULL, or why it could not; the caller detaches
 * in either case.
 */
static const char *attach_and_run(enum setting st, long rounds, char *page,
				  long long *calls)
{
	bool mod = st == MODULE || st == BOTH;
	bool tr = st == TRACE || st == BOTH;
	char pid[16];
	long i;

	if (mod && (ioctl(dev, MLH_IOC_RESET, 0) ||
		    ioctl(dev, MLH_IOC_SET_TGID, getpid()) ||
		    ioctl(dev, MLH_IOC_ENABLE, 1)))
		return "the module's ioctls failed";
	if (tr) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (trace_clear() || tracefs_write(&tfs, "set_event_pid", pid) ||
		    events_on(true))
			return "cannot enable the mmap_lock events";
	}
	for (i = -WARMUP; i < rounds; i++) {
		long long t0 = now_ns();

		if (mprotect(page, page_size(), i & 1 ? PROT_READ :
			     PROT_READ | PROT_WRITE))
			return "mprotect() failed";
		if (i >= 0)
			calls[i] = now_ns() - t0;
		if (i == -1 && tr && trace_clear())
			return "cannot clear the trace after the warm-up";
		if (i == -1 && mod && ioctl(dev, MLH_IOC_RESET, 0))
			return "cannot reset the module after the warm-up";
	}
	return NULL;
}

/* One setting, measured and detached: 0, or -1 with a reason. */
static int run_setting(enum setting st, long rounds, char *page,
		       long long *calls, long long *wins, struct figures *fig,
		       const char **why)
{
	bool mod = st == MODULE || st == BOTH;
	bool tr = st == TRACE || st == BOTH;
	struct mlh_stats s;

	memset(fig, 0xff, sizeof(*fig));	/* -1 everywhere */
	*why = attach_and_run(st, rounds, page, calls);
	detach_all();
	if (*why)
		return -1;
	fig->call_ns = median(calls, rounds);
	if (mod) {
		if (mlh_read_stats(&s)) {
			*why = "cannot read the module's stats";
			return -1;
		}
		fig->module_windows = mlh_find_op(&s, "mprotect")->count;
		fig->module_p50_ns = mlh_find_op(&s, "mprotect")->p50;
	}
	if (tr) {
		fig->trace_windows = trace_windows(getpid(), wins, rounds);
		fig->trace_p50_ns = median(wins, fig->trace_windows);
	}
	*why = mod && fig->module_windows != rounds ?
		"the module did not record one window per round" :
		tr && fig->trace_windows != rounds ?
		"the trace does not hold one write window per round" : NULL;
	return *why ? -1 : 0;
}

int main(void)
{
	const char *env = getenv("BIAS_ROUNDS"), *why;
	long long *calls, *wins;
	struct figures fig;
	long rounds = 2000;
	enum setting st;
	int failed = 0;
	char *page;

	printf("TAP version 13\n");
	if (env) {
		char *end;

		rounds = strtol(env, &end, 10);
		if (*end || rounds < 1 || rounds > 10000000) {
			printf("# BIAS_ROUNDS: '%s' is not a number from 1 to 10000000\n",
			       env);
			return 1;
		}
	}
	why = geteuid() ? "needs root" :
	      !module_loaded() ? "mmap_lock_hold not loaded" : NULL;
	if (!why)
		why = tracefs_find(&tfs);
	if (!why) {
		char path[192];

		snprintf(path, sizeof(path), "%s/%s", tfs.dir, events[0]);
		if (access(path, W_OK))
			why = "no mmap_lock trace events";
	}
	if (why) {
		printf("1..0 # SKIP %s\n", why);
		return KSFT_SKIP;
	}
	dev = open(MLH_DEV_PATH, O_RDWR | O_CLOEXEC);
	calls = calloc(rounds, sizeof(*calls));
	wins = calloc(rounds, sizeof(*wins));
	page = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dev < 0 || !calls || !wins || page == MAP_FAILED) {
		printf("1..0 # SKIP cannot open %s or allocate: %s\n",
		       MLH_DEV_PATH, strerror(errno));
		return KSFT_SKIP;
	}
	page[0] = 1;
	printf("1..%d\n", NR_SETTINGS);
	for (st = OFF; st < NR_SETTINGS; st++) {
		int ret = run_setting(st, rounds, page, calls, wins, &fig, &why);

		printf("# bias: setting=%s rounds=%ld call_ns=%lld module_windows=%lld module_p50_ns=%lld trace_windows=%lld trace_p50_ns=%lld\n",
		       setting_name[st], rounds, fig.call_ns,
		       fig.module_windows, fig.module_p50_ns,
		       fig.trace_windows, fig.trace_p50_ns);
		if (ret) {
			printf("not ok %d %s # %s\n", st + 1, setting_name[st], why);
			failed = 1;
		} else {
			printf("ok %d %s\n", st + 1, setting_name[st]);
		}
	}
	tracefs_put(&tfs);
	return failed;
}
