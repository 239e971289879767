// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "munmap_util.h"

size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = sysconf(_SC_PAGESIZE);
	return ps;
}

long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Every program links this file.  The harness runs each test in a child
 * that ends with _exit(), which drops whatever stdio still buffers, and
 * stdout is fully buffered when it is a pipe or a file (run.sh's tee, a
 * CI log): line-buffer it before main(), so ksft_print_msg() lines from
 * inside a test are never lost.
 */
__attribute__((constructor)) static void line_buffer_stdout(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Different for every word of every page, so shifted or stale data shows. */
static uint64_t pattern(unsigned long tag, size_t word)
{
	return ((uint64_t)tag * 0x9e3779b97f4a7c15ULL) ^ (word << 3) ^ 0x5a5aULL;
}

uint64_t page_word(unsigned long tag, size_t word)
{
	return pattern(tag, word);
}

void fill_page(void *page, unsigned long tag)
{
	uint64_t *p = page;
	size_t i;

	for (i = 0; i < page_size() / sizeof(*p); i++)
		p[i] = pattern(tag, i);
}

bool check_page(const void *page, unsigned long tag)
{
	const uint64_t *p = page;
	size_t i;

	for (i = 0; i < page_size() / sizeof(*p); i++)
		if (p[i] != pattern(tag, i))
			return false;
	return true;
}

char *map_filled(unsigned int npages)
{
	char *base;
	unsigned int i;

	base = mmap(NULL, (size_t)npages * page_size(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	for (i = 0; i < npages; i++)
		fill_page(base + (size_t)i * page_size(), i);
	return base;
}

static sigjmp_buf probe_env;
static volatile int probe_code;
static void * volatile probe_addr;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	probe_code = si->si_code;
	probe_addr = si->si_addr;
	siglongjmp(probe_env, 1);
}

int probe_read(const void *addr, void **fault_addr)
{
	struct sigaction sa = {
		.sa_sigaction = probe_handler,
		.sa_flags = SA_SIGINFO,
	};
	struct sigaction old;
	int ret = 0;

	/*
	 * The handler is only installed around the access: a stray fault
	 * anywhere else must still kill the test rather than jump back here.
	 */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &old))
		return -1;
	probe_code = 0;
	probe_addr = NULL;
	if (sigsetjmp(probe_env, 1) == 0)
		(void)*(const volatile char *)addr;
	else
		ret = probe_code;
	sigaction(SIGSEGV, &old, NULL);

	if (fault_addr)
		*fault_addr = probe_addr;
	return ret;
}

bool page_mapped(const void *addr)
{
	unsigned char vec;

	/* mincore() fails with ENOMEM exactly when part of the range is unmapped. */
	return mincore((void *)addr, page_size(), &vec) == 0;
}

bool range_mapped(const void *addr, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += page_size())
		if (!page_mapped((const char *)addr + off))
			return false;
	return true;
}

ssize_t read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	if (len == size - 1) {
		/* Truncated: a partial view would make the checks lie. */
		errno = EFBIG;
		return -1;
	}
	buf[len] = '\0';
	return len;
}

/*
 * Static, not malloc()ed: see the comment in munmap_util.h.  8 MiB: the
 * /proc/self/maps of a process at the default vm.max_map_count (65530
 * VMAs, 50 bytes a line for anonymous ones) is about 3.3 MiB.
 */
static char proc_buf[8 << 20];

int maps_in_window(unsigned long lo, unsigned long hi,
		   struct vma_range *out, int max)
{
	char *line, *next;
	int n = 0;

	if (read_file("/proc/self/maps", proc_buf, sizeof(proc_buf)) < 0)
		return -1;

	for (line = proc_buf; *line; line = next) {
		unsigned long start, end;
		char perms[5];

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3) {
			errno = EINVAL;
			return -1;
		}
		if (end <= lo || start >= hi)
			continue;
		if (n < max) {
			out[n].start = start < lo ? lo : start;
			out[n].end = end > hi ? hi : end;
			memcpy(out[n].perms, perms, sizeof(perms));
		}
		n++;
	}
	return n;
}

long status_kb(const char *field)
{
	size_t flen = strlen(field);
	char *line;

	if (read_file("/proc/self/status", proc_buf, sizeof(proc_buf)) < 0)
		return -1;

	for (line = proc_buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, field, flen) && line[flen] == ':')
			return strtol(line + flen + 1, NULL, 10);
	}
	errno = ENOENT;
	return -1;
}

/* The number after "@field:" at the start of a line of @buf, -1 if none. */
static long field_value(const char *buf, const char *field)
{
	size_t flen = strlen(field);
	const char *line;

	for (line = buf; *line; line = strchrnul(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, field, flen) && line[flen] == ':')
			return strtol(line + flen + 1, NULL, 10);
	}
	errno = ENOENT;
	return -1;
}

long meminfo_value(const char *field)
{
	if (read_file("/proc/meminfo", proc_buf, sizeof(proc_buf)) < 0)
		return -1;
	return field_value(proc_buf, field);
}

long smaps_rollup_kb(const char *field)
{
	if (read_file("/proc/self/smaps_rollup", proc_buf, sizeof(proc_buf)) < 0)
		return -1;
	return field_value(proc_buf, field);
}

long vmstat_value(const char *name)
{
	size_t nlen = strlen(name);
	const char *line;

	if (read_file("/proc/vmstat", proc_buf, sizeof(proc_buf)) < 0)
		return -1;
	for (line = proc_buf; *line; line = strchrnul(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, name, nlen) && line[nlen] == ' ')
			return strtol(line + nlen + 1, NULL, 10);
	}
	errno = ENOENT;
	return -1;
}

void proc_buf_prefault(void)
{
	memset(proc_buf, 0, sizeof(proc_buf));
}

int map_count(void)
{
	const char *p;
	int n = 0;

	if (read_file("/proc/self/maps", proc_buf, sizeof(proc_buf)) < 0)
		return -1;
	for (p = proc_buf; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

int mm_map_count(void)
{
	int n = map_count();

	/* x86_64's vsyscall page: listed, but not in the mm's VMA tree. */
	if (n > 0 && strstr(proc_buf, " [vsyscall]\n"))
		n--;
	return n;
}

/*
 * Call @fn with each VMA's range and the mnemonics of its VmFlags line in
 * /proc/self/smaps (" rd wr ..."), until @fn returns non-zero.  Returns
 * that value, 0 after the last VMA, or -1 with errno set.
 */
static int smaps_for_each_vmflags(int (*fn)(unsigned long start,
					    unsigned long end,
					    const char *flags, size_t len,
					    void *arg),
				  void *arg)
{
	unsigned long start = 0, end = 0;
	const char *line, *next;
	int ret;

	if (read_file("/proc/self/smaps", proc_buf, sizeof(proc_buf)) < 0)
		return -1;

	for (line = proc_buf; *line; line = next) {
		size_t len, word;

		next = strchrnul(line, '\n');
		len = next - line;
		if (*next)
			next++;
		word = strcspn(line, "\n ");
		/* A VMA's header line; every other line is "Name: ...". */
		if (word && line[word - 1] != ':') {
			if (sscanf(line, "%lx-%lx", &start, &end) != 2) {
				errno = EINVAL;
				return -1;
			}
			continue;
		}
		if (strncmp(line, "VmFlags:", 8))
			continue;
		ret = fn(start, end, line + 8, len - 8, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* Two-letter mnemonics, each preceded by a space. */
static bool vmflags_have(const char *flags, size_t len, const char *flag)
{
	size_t i;

	for (i = 0; i + 3 <= len; i += 3)
		if (flags[i] == ' ' && flags[i + 1] == flag[0] &&
		    flags[i + 2] == flag[1])
			return true;
	return false;
}

static int add_accounted(unsigned long start, unsigned long end,
			 const char *flags, size_t len, void *arg)
{
	if (vmflags_have(flags, len, "ac"))
		*(long *)arg += (end - start) / 1024;
	return 0;
}

long accounted_kb(void)
{
	long kb = 0;

	if (smaps_for_each_vmflags(add_accounted, &kb) < 0)
		return -1;
	return kb;
}

int write_file(const char *path, const char *str)
{
	size_t len = strlen(str);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, str, len);
	if (n >= 0 && (size_t)n != len) {
		n = -1;
		errno = EIO;
	}
	if (close(fd) && n >= 0)
		n = -1;
	return n < 0 ? -1 : 0;
}

long read_number(const char *path)
{
	char buf[64], *end;
	long val;

	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	val = strtol(buf, &end, 10);
	if (errno || end == buf) {
		errno = errno ? errno : EINVAL;
		return -1;
	}
	return val;
}

int write_number(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", val);
	return write_file(path, buf);
}

struct vmflag_query {
	unsigned long addr;
	const char *flag;
};

/* 1: the VMA at addr has the flag, 2: it has not, 0: not this VMA. */
static int query_vmflag(unsigned long start, unsigned long end,
			const char *flags, size_t len, void *arg)
{
	const struct vmflag_query *q = arg;

	if (q->addr < start || q->addr >= end)
		return 0;
	return vmflags_have(flags, len, q->flag) ? 1 : 2;
}

int vma_has_vmflag(unsigned long addr, const char *flag)
{
	struct vmflag_query q = { .addr = addr, .flag = flag };
	int ret;

	if (strlen(flag) != 2) {
		errno = EINVAL;
		return -1;
	}
	ret = smaps_for_each_vmflags(query_vmflag, &q);
	if (ret < 0)
		return -1;
	if (!ret) {
		errno = ENOENT;
		return -1;
	}
	return ret == 1;
}

struct window_query {
	unsigned long lo, hi;
	const char *flags;
	struct vma_range *out;
	unsigned int *bits;
	int max;
	int n;
};

static int window_vmflags(unsigned long start, unsigned long end,
			  const char *flags, size_t len, void *arg)
{
	struct window_query *q = arg;
	unsigned int bits = 0, i;

	if (end <= q->lo || start >= q->hi)
		return 0;
	if (q->n < q->max) {
		for (i = 0; q->flags[2 * i]; i++)
			if (vmflags_have(flags, len, q->flags + 2 * i))
				bits |= 1U << i;
		q->out[q->n].start = start < q->lo ? q->lo : start;
		q->out[q->n].end = end > q->hi ? q->hi : end;
		q->out[q->n].perms[0] = '\0';
		q->bits[q->n] = bits;
	}
	q->n++;
	return 0;
}

int vmflags_in_window(unsigned long lo, unsigned long hi, const char *flags,
		      struct vma_range *out, unsigned int *bits, int max)
{
	struct window_query q = {
		.lo = lo, .hi = hi, .flags = flags, .out = out, .bits = bits,
		.max = max,
	};
	size_t len = strlen(flags);

	if (len % 2 || len > 64) {
		errno = EINVAL;
		return -1;
	}
	if (smaps_for_each_vmflags(window_vmflags, &q) < 0)
		return -1;
	return q.n;
}

static bool tracefs_has(const char *dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

const char *tracefs_find(struct tracefs *t)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	static char why[160];
	unsigned int i;
	int err;

	t->dir[0] = t->own_mnt[0] = '\0';
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (tracefs_has(dirs[i], "uprobe_events")) {
			snprintf(t->dir, sizeof(t->dir), "%s", dirs[i]);
			return NULL;
		}
		if (tracefs_has(dirs[i], "events")) {
			snprintf(why, sizeof(why),
				 "no uprobe_events in %s (CONFIG_UPROBE_EVENTS)",
				 dirs[i]);
			return why;
		}
	}

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		snprintf(why, sizeof(why), "tracefs not mounted; private mount: %s",
			 strerror(errno));
		return why;
	}
	strcpy(t->own_mnt, "/tmp/tracefs.XXXXXX");
	if (!mkdtemp(t->own_mnt)) {
		t->own_mnt[0] = '\0';
		snprintf(why, sizeof(why), "tracefs not mounted; mkdtemp: %s",
			 strerror(errno));
		return why;
	}
	if (mount("tracefs", t->own_mnt, "tracefs", 0, NULL)) {
		err = errno;
		rmdir(t->own_mnt);
		t->own_mnt[0] = '\0';
		snprintf(why, sizeof(why), "tracefs not mounted and cannot be: %s",
			 strerror(err));
		return why;
	}
	snprintf(t->dir, sizeof(t->dir), "%s", t->own_mnt);
	if (!tracefs_has(t->dir, "uprobe_events"))
		return "no uprobe_events in tracefs (CONFIG_UPROBE_EVENTS)";
	return NULL;
}

int tracefs_write(const struct tracefs *t, const char *file, const char *str)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", t->dir, file);
	return write_file(path, str);
}

void tracefs_put(struct tracefs *t)
{
	if (t->own_mnt[0]) {
		umount2(t->own_mnt, MNT_DETACH);
		rmdir(t->own_mnt);
		t->own_mnt[0] = '\0';
	}
}

int uprobe_event_add(const struct tracefs *t, const char *group,
		     const char *event, const char *path, unsigned long offset)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "p:%s/%s %s:%#lx\n", group, event, path,
		 offset);
	return tracefs_write(t, "uprobe_events", cmd);
}

int uprobe_event_enable(const struct tracefs *t, const char *group,
			const char *event, bool on)
{
	char file[128];

	snprintf(file, sizeof(file), "events/%s/%s/enable", group, event);
	return tracefs_write(t, file, on ? "1" : "0");
}

int uprobe_event_del(const struct tracefs *t, const char *group,
		     const char *event)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "-:%s/%s\n", group, event);
	return tracefs_write(t, "uprobe_events", cmd);
}

bool settles(long (*read)(const char *), const char *name, long start,
	     long tol, long *last)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int i;

	for (i = 0; i < 10; i++) {
		*last = read(name);
		if (labs(*last - start) <= tol)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/*
 * Readings 100 ms apart that must agree for a figure to count as still:
 * 1.5 s, longer than the period of anything the test VM runs beside us.
 * That is the watchdog of the busybox timeout that ran the program
 * before: it polls once a second, so it may still hold its memory (336
 * kB of Committed_AS) when this one starts, and a shorter quiet spell can
 * fall between two of its polls.
 */
#define QUIET_READS	16
/* Give up on quiet after this many readings (4 s). */
#define QUIET_MAX_READS	40

bool quiet_wait(long *moved_kb, long *moved_pages)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	long c[QUIET_READS], p[QUIET_READS], clo, chi, plo, phi;
	int i, k;

	for (i = 0; i < QUIET_MAX_READS; i++) {
		c[i % QUIET_READS] = meminfo_value("Committed_AS");
		p[i % QUIET_READS] = vmstat_value("nr_mapped");
		if (i >= QUIET_READS - 1) {
			clo = plo = LONG_MAX;
			chi = phi = LONG_MIN;
			for (k = 0; k < QUIET_READS; k++) {
				clo = c[k] < clo ? c[k] : clo;
				chi = c[k] > chi ? c[k] : chi;
				plo = p[k] < plo ? p[k] : plo;
				phi = p[k] > phi ? p[k] : phi;
			}
			*moved_kb = chi - clo;
			*moved_pages = phi - plo;
			if (!*moved_kb && !*moved_pages)
				return true;
		}
		nanosleep(&ts, NULL);
	}
	return false;
}
