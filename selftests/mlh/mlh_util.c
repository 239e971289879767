// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/module.h>

#include "mlh_util.h"
#include "munmap_util.h"
#include "mmap_lock_hold.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

bool module_loaded(void)
{
	return access(MLH_DEV_PATH, F_OK) == 0 &&
	       access(MLH_DEBUGFS_DIR "/stats", F_OK) == 0;
}

int dbg_write(const char *file, const char *str)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", MLH_DEBUGFS_DIR, file);
	return write_file(path, str);
}

long dbg_read(const char *file, char *buf, size_t size)
{
	char path[128];
	size_t len = 0;
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", MLH_DEBUGFS_DIR, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[len] = '\0';
	return len;
}

int dbg_write_len(const char *file, const void *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", MLH_DEBUGFS_DIR, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

int dbg_write_err(const char *file, const char *str)
{
	return dbg_write_len(file, str, strlen(str));
}

static bool parse_op(const char *line, struct mlh_op_stat *o)
{
	return sscanf(line,
		      "op=%31s class=%15s nr=%ld count=%lld min_ns=%lld p50_ns=%lld p99_ns=%lld max_ns=%lld sum_ns=%lld",
		      o->name, o->class, &o->nr, &o->count, &o->min, &o->p50,
		      &o->p99, &o->max, &o->sum) == 9;
}

/* @line is 'KEY=N' for a KEY of @names: N into @vals[its index]. */
static bool parse_optional(const char *line,
			   const char *const names[MLH_VMA_LOCK_KEYS],
			   long vals[MLH_VMA_LOCK_KEYS])
{
	unsigned int i;

	for (i = 0; i < MLH_VMA_LOCK_KEYS; i++) {
		size_t kl = strlen(names[i]);

		if (!strncmp(line, names[i], kl) && line[kl] == '=') {
			vals[i] = strtol(line + kl + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

int mlh_parse_stats(const char *text, struct mlh_stats *s)
{
	struct {
		const char *key;
		long *val;
	} keys[] = {
		{ "version", &s->version }, { "enabled", &s->enabled },
		{ "tgid", &s->tgid }, { "windows", &s->windows },
		{ "opened", &s->opened },
		{ "closed_release", &s->closed_release },
		{ "closed_downgrade", &s->closed_downgrade },
		{ "open", &s->open }, { "dropped", &s->dropped },
		{ "replaced", &s->replaced }, { "ops", &s->ops },
		{ "lost_start", &s->lost_start }, { "lost_stop", &s->lost_stop },
		{ "mm_pid", &s->mm_pid },
	};
	static const char *const optional[MLH_VMA_LOCK_KEYS] = {
		"vma_lock_success", "vma_lock_abort", "vma_lock_retry",
		"vma_lock_miss",
	};
	unsigned int i, seen = 0;
	const char *line = text;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ARRAY_SIZE(optional); i++)
		s->vma_lock[i] = -1;
	while (*line) {
		const char *eol = strchrnul(line, '\n');

		if (!strncmp(line, "op=", 3)) {
			if (s->nops == MLH_STATS_MAX_OPS ||
			    !parse_op(line, &s->op[s->nops]))
				goto bad;
			s->nops++;
		} else if (eol > line) {
			for (i = 0; i < ARRAY_SIZE(keys); i++) {
				size_t kl = strlen(keys[i].key);

				if (!strncmp(line, keys[i].key, kl) &&
				    line[kl] == '=') {
					*keys[i].val = strtol(line + kl + 1,
							      NULL, 10);
					seen |= 1U << i;
					break;
				}
			}
			if (i == ARRAY_SIZE(keys))
				s->unknown += !parse_optional(line, optional,
							      s->vma_lock);
		}
		line = *eol ? eol + 1 : eol;
	}
	if (seen != (1U << ARRAY_SIZE(keys)) - 1 ||
	    s->version != MLH_STATS_VERSION || s->ops != s->nops)
		goto bad;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

int mlh_read_stats(struct mlh_stats *s)
{
	/* Not on the stack: the report of 32 operations is about 18 KiB. */
	static char buf[65536];
	long n = dbg_read("stats", buf, sizeof(buf));

	if (n < 0) {
		errno = -n;
		return -1;
	}
	return mlh_parse_stats(buf, s);
}

const struct mlh_op_stat *mlh_find_op(const struct mlh_stats *s,
				      const char *name)
{
	static const struct mlh_op_stat none;
	int i;

	for (i = 0; i < s->nops; i++)
		if (!strcmp(s->op[i].name, name))
			return &s->op[i];
	return &none;
}

bool mlh_stats_consistent(const struct mlh_stats *s)
{
	long long sum = 0;
	int i;

	for (i = 0; i < s->nops; i++)
		sum += s->op[i].count;
	return sum == s->windows;
}

const char *mlh_ko_path(void)
{
	const char *ko = getenv("MLH_KO");

	return ko && *ko ? ko : "/opt/tests/modules/" MLH_NAME ".ko";
}

/*
 * A module installed compressed (DKMS on a kernel with
 * CONFIG_MODULE_COMPRESS_*: mmap_lock_hold.ko.xz) is decompressed by the
 * kernel when asked to (CONFIG_MODULE_DECOMPRESS), as kmod asks.
 */
static bool ko_compressed(const char *ko)
{
	static const char * const suffixes[] = { ".gz", ".xz", ".zst" };
	size_t len = strlen(ko);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t n = strlen(suffixes[i]);

		if (len > n && !strcmp(ko + len - n, suffixes[i]))
			return true;
	}
	return false;
}

int mlh_load(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int flags = ko_compressed(ko) ? MODULE_INIT_COMPRESSED_FILE : 0;
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", flags) ? -errno : 0;
	close(fd);
	return ret;
}

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

const char *kmsg_warned(int fd)
{
	static char rec[8192];
	ssize_t n;

	if (fd < 0)
		return NULL;
	/* One record per read(); EPIPE: overwritten records, read on. */
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, "WARNING:") || strstr(rec, "BUG:") ||
		    strstr(rec, "Oops"))
			return rec;
	}
	return NULL;
}
