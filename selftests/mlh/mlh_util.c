// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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

int read_hold_stats(struct hold_stats *s, const char *op)
{
	/* Not on the stack: the report of 32 operations is about 18 KiB. */
	static char buf[65536];
	struct {
		const char *key;
		long *val;
	} keys[] = {
		{ "version", &s->version }, { "windows", &s->windows },
		{ "closed_release", &s->closed_release },
		{ "closed_downgrade", &s->closed_downgrade },
		{ "open", &s->open }, { "dropped", &s->dropped },
		{ "replaced", &s->replaced },
	};
	const char *line;
	size_t len = 0;
	unsigned int i;
	ssize_t n = 0;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open(MLH_DEBUGFS_DIR "/stats", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	if (n < 0)
		return -1;
	buf[len] = '\0';

	for (line = buf; *line; ) {
		const char *eol = strchrnul(line, '\n');
		long long count, min, p50, p99, max;
		char name[32], class[16];
		long nr;

		if (sscanf(line, "op=%31s class=%15s nr=%ld count=%lld min_ns=%lld p50_ns=%lld p99_ns=%lld max_ns=%lld",
			   name, class, &nr, &count, &min, &p50, &p99,
			   &max) == 8) {
			if (!strcmp(name, op)) {
				s->op_count = count;
				s->op_max = max;
			}
		} else {
			for (i = 0; i < ARRAY_SIZE(keys); i++) {
				size_t kl = strlen(keys[i].key);

				if (!strncmp(line, keys[i].key, kl) &&
				    line[kl] == '=') {
					*keys[i].val = strtol(line + kl + 1,
							      NULL, 10);
					s->seen |= 1 << i;
				}
			}
		}
		line = *eol ? eol + 1 : eol;
	}
	if (s->seen != (1 << ARRAY_SIZE(keys)) - 1 ||
	    s->version != MLH_STATS_VERSION) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

const char *mlh_ko_path(void)
{
	const char *ko = getenv("MLH_KO");

	return ko && *ko ? ko : "/opt/tests/modules/" MLH_NAME ".ko";
}

int mlh_load(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}
