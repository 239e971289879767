// SPDX-License-Identifier: GPL-2.0
/*
 * The scenarios of munmap_hold and munmap_bench: see munmap_scenario.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "munmap_scenario.h"
#include "mmap_lock_hold.h"

#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE		15
#endif

#define NOP			0x90
#define INT3			0xcc
#define NR_HUGEPAGES		"/proc/sys/vm/nr_hugepages"
#define OVERCOMMIT		"/proc/sys/vm/overcommit_memory"

static int say(struct scen_env *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Leave the reason in e->why; returns -1, for "return say(...)". */
static int say(struct scen_env *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return -1;
}

void scen_env_init(struct scen_env *e, const char *name)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->dev_fd = -1;
	e->file_fd = -1;
	e->old_nr_hugepages = -1;
	e->old_overcommit = -1;
	e->exec = true;
}

/* Write @*old back to @path if it was changed; 0, or -1 with why[]. */
static int restore_number(struct scen_env *e, const char *path, long *old)
{
	char buf[32];
	int ret = 0;

	if (*old < 0)
		return 0;
	snprintf(buf, sizeof(buf), "%ld", *old);
	if (write_file(path, buf))
		ret = say(e, "restoring %s to %ld: %s", path, *old,
			  strerror(errno));
	*old = -1;
	return ret;
}

long scen_hpages_available(void)
{
	return meminfo_value("HugePages_Free") -
	       meminfo_value("HugePages_Rsvd");
}

size_t scen_hpage_size(void)
{
	long kb = meminfo_value("Hugepagesize");

	return kb > 0 ? (size_t)kb << 10 : 0;
}

int scen_hugetlb_prepare(struct scen_env *e, size_t want_bytes)
{
	long kb = meminfo_value("Hugepagesize");
	long want, avail, old;
	char buf[32];

	if (kb <= 0 || access(NR_HUGEPAGES, F_OK)) {
		say(e, "no hugetlb support in this kernel");
		return 0;
	}
	if ((size_t)kb << 10 > SCEN_MAX_HPAGE_SIZE) {
		say(e, "default huge page size is %ld kB", kb);
		return 0;
	}
	e->hpage = (size_t)kb << 10;
	want = (want_bytes + e->hpage - 1) / e->hpage;
	avail = scen_hpages_available();
	if (avail < want) {
		/* Grow the pool by what is missing; scen_env_put() shrinks it. */
		old = read_number(NR_HUGEPAGES);
		if (old < 0)
			return say(e, "reading %s: %s", NR_HUGEPAGES,
				   strerror(errno));
		snprintf(buf, sizeof(buf), "%ld", old + want - avail);
		/* A partial success is fine: take what we get. */
		if (write_file(NR_HUGEPAGES, buf) == 0 ||
		    read_number(NR_HUGEPAGES) != old)
			e->old_nr_hugepages = old;
	}
	if (scen_hpages_available() <= 0) {
		say(e, "no huge pages: nr_hugepages cannot grow");
		return 0;
	}
	return 1;
}

const char *scen_tracefs(struct scen_env *e)
{
	if (!e->tfs_looked) {
		e->tfs_why = tracefs_find(&e->tfs);
		e->tfs_looked = true;
	}
	return e->tfs_why;
}

static void remove_probe(struct scen_env *e)
{
	uprobe_event_enable(&e->tfs, e->name, "probe", false);
	uprobe_event_del(&e->tfs, e->name, "probe");
}

int scen_file_prepare(struct scen_env *e, size_t len, bool probe)
{
	static char chunk[SZ_1M];
	size_t done;
	int err;

	if (probe && scen_tracefs(e)) {
		say(e, "%s", e->tfs_why);
		return 0;
	}
	snprintf(e->file, sizeof(e->file), "/tmp/%s.XXXXXX", e->name);
	e->file_fd = mkstemp(e->file);
	if (e->file_fd < 0) {
		e->file[0] = '\0';
		return say(e, "mkstemp: %s", strerror(errno));
	}
	memset(chunk, NOP, sizeof(chunk));
	for (done = 0; done < len; done += sizeof(chunk)) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);

		if (write(e->file_fd, chunk, n) != (ssize_t)n)
			return say(e, "writing %s: %s", e->file,
				   strerror(errno));
	}
	e->file_len = len;
	if (!probe)
		return 1;

	/* Left over by a run that died before its cleanup. */
	remove_probe(e);
	if (uprobe_event_add(&e->tfs, e->name, "probe", e->file,
			     SCEN_PROBE_PAGE * page_size() +
			     SCEN_PROBE_IN_PAGE)) {
		err = errno;
		/* Lockdown, or an LSM, may keep even root out. */
		if (err == EPERM || err == EACCES) {
			say(e, "adding a uprobe event: %s", strerror(err));
			return 0;
		}
		return say(e, "adding the uprobe event: %s", strerror(err));
	}
	e->probe_added = true;
	if (uprobe_event_enable(&e->tfs, e->name, "probe", true))
		return say(e, "enabling the uprobe: %s", strerror(errno));
	e->probe_enabled = true;
	return 1;
}

int scen_dev_open(struct scen_env *e)
{
	if (e->dev_fd >= 0)
		return 0;
	e->dev_fd = open(MLH_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (e->dev_fd < 0)
		return say(e, "open %s: %s", MLH_DEV_PATH, strerror(errno));
	return 0;
}

/*
 * A PROT_NONE reservation of @len plus a guard page on each side and
 * @align - 1 bytes of slack; returns where an @align-aligned range of @len
 * is free inside it (shmat() and MLH_IOC_MAP want a free range).
 */
static char *reserve(struct scen_env *e, struct scen_map *m, size_t len,
		     size_t align)
{
	const size_t ps = page_size();
	uintptr_t at;

	if (align < ps)
		align = ps;
	m->res_len = ps + len + ps + align - ps;
	m->res = mmap(NULL, m->res_len, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->res == MAP_FAILED) {
		m->res = NULL;
		say(e, "reserving %zu MiB: %s", m->res_len >> 20,
		    strerror(errno));
		return NULL;
	}
	at = ((uintptr_t)m->res + ps + align - 1) & ~(uintptr_t)(align - 1);
	if (munmap((void *)at, len)) {
		say(e, "munmap of the reservation's middle: %s",
		    strerror(errno));
		return NULL;
	}
	return (char *)at;
}

/* mmap(MAP_FIXED) at @at: 0, or -1 with why[]. */
static int map_at(struct scen_env *e, char *at, size_t len, int prot,
		  int flags, int fd, const char *what)
{
	char *p = mmap(at, len, prot, flags | MAP_FIXED, fd, 0);

	if (p == at)
		return 0;
	if (p != MAP_FAILED)
		munmap(p, len);
	return say(e, "mmap of %zu MiB of %s: %s", len >> 20, what,
		   p == MAP_FAILED ? strerror(errno) : "elsewhere");
}

/*
 * Read-fault [@p, @p + @len) in, without THP: zero-page PTEs in private
 * anonymous memory, allocated pages in shmem, page cache in a file.
 */
static int populate_read(struct scen_env *e, char *p, size_t len)
{
	size_t off;

	if (madvise(p, len, MADV_NOHUGEPAGE))
		return say(e, "MADV_NOHUGEPAGE: %s", strerror(errno));
	if (!madvise(p, len, MADV_POPULATE_READ))
		return 0;
	if (errno != EINVAL)
		return say(e, "MADV_POPULATE_READ of %zu MiB: %s", len >> 20,
			   strerror(errno));
	/* Before 5.14: read every page. */
	for (off = 0; off < len; off += page_size())
		(void)*(volatile char *)(p + off);
	return 0;
}

/* Write one byte every @step bytes: allocates every page. */
static void populate_write(char *p, size_t len, size_t step)
{
	size_t off;

	for (off = 0; off < len; off += step)
		__atomic_store_n(p + off, 1, __ATOMIC_RELAXED);
}

static int map_growsdown(struct scen_env *e, struct scen_map *m, size_t size)
{
	const int rw = PROT_READ | PROT_WRITE;
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	struct vma_range vr[4];
	char *at;

	/* The range, then the MAP_GROWSDOWN mapping right above it. */
	at = reserve(e, m, size + SCEN_GD_SIZE, 0);
	if (!at)
		return -1;
	if (map_at(e, at + size, SCEN_GD_SIZE, rw, anon | MAP_GROWSDOWN, -1,
		   "MAP_GROWSDOWN"))
		return -1;
	populate_write(at + size, SCEN_GD_SIZE, page_size());
	if (map_at(e, at, size, rw, anon | MAP_NORESERVE, -1, "anon"))
		return -1;
	/*
	 * Two VMAs, the one above the range a growsdown stack.  Checked
	 * before populating: smaps walks the page tables.
	 */
	if (vma_has_vmflag((uintptr_t)at + size, "gd") != 1 ||
	    vma_has_vmflag((uintptr_t)at, "gd") != 0 ||
	    maps_in_window((uintptr_t)at, (uintptr_t)at + size + SCEN_GD_SIZE,
			   vr, 4) != 2)
		return say(e, "the growsdown mapping is not where expected");
	m->map = m->addr = at;
	m->mapped = m->len = size;
	return populate_read(e, at, size);
}

static int map_brk(struct scen_env *e, struct scen_map *m, size_t size)
{
	const size_t ps = page_size();
	uintptr_t cur;
	int grown;

	/*
	 * Grow the heap by @size; the caller's call shrinks it back.  The
	 * raw syscall: malloc() keeps its own idea of the break, and nothing
	 * here allocates between the two.  Growing is accounted
	 * (VM_ACCOUNT), which the default overcommit heuristic refuses
	 * beyond RAM: allow it for that moment.
	 */
	cur = syscall(SYS_brk, 0);
	if (read_number(OVERCOMMIT) != 1) {
		e->old_overcommit = read_number(OVERCOMMIT);
		if (write_file(OVERCOMMIT, "1"))
			e->old_overcommit = -1;
	}
	grown = syscall(SYS_brk, cur + size) == (long)(cur + size);
	if (restore_number(e, OVERCOMMIT, &e->old_overcommit))
		return -1;
	if (!grown)
		return say(e, "brk() up by %zu MiB refused", size >> 20);
	m->brk_to = (char *)cur;
	/* The new part of the heap, page aligned, is a VMA of its own. */
	m->map = m->addr = (char *)((cur + ps - 1) & ~(ps - 1));
	m->mapped = m->len = size;
	return populate_read(e, m->addr, size);
}

static int map_sysv_shm(struct scen_env *e, struct scen_map *m, size_t size)
{
	char *at, *p;

	/*
	 * The segment is removed only after the call: shmdt() of the last
	 * attach of a removed segment frees its pages under the lock, which
	 * is not the unmap measured.
	 */
	m->shmid = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	if (m->shmid < 0)
		return say(e, "shmget of %zu MiB: %s", size >> 20,
			   strerror(errno));
	at = reserve(e, m, size, 0);
	if (!at)
		return -1;
	p = shmat(m->shmid, at, 0);
	if (p != at)
		return say(e, "shmat: %s", strerror(errno));
	m->shm_at = m->map = m->addr = at;
	m->mapped = m->len = size;
	/* Read faults of shmem allocate its pages. */
	return populate_read(e, at, size);
}

static int map_file(struct scen_env *e, struct scen_map *m,
		    enum scen_kind kind, size_t size)
{
	const size_t ps = page_size();
	const size_t skip = kind == SCEN_UPROBE_ELSEWHERE ?
			    SCEN_ELSEWHERE_FROM_PAGE * ps : 0;
	char *at, *p;

	if (e->file_fd < 0)
		return say(e, "no file prepared");
	if (size > e->file_len)
		size = e->file_len;
	if (size <= skip)
		return say(e, "%zu bytes: no room past the uprobe", size);
	at = reserve(e, m, size, 0);
	if (!at)
		return -1;
	/* As a loader maps text. */
	p = mmap(at, size, PROT_READ | (e->exec ? PROT_EXEC : 0),
		 MAP_PRIVATE | MAP_FIXED, e->file_fd, 0);
	/*
	 * PROT_EXEC is refused on a noexec /tmp.  Without it the breakpoint
	 * is not installed, but the uprobe still sits in the file's range,
	 * which is all the series looks at.
	 */
	if (p == MAP_FAILED && errno == EPERM && e->exec) {
		printf("# %s: noexec, mapped without PROT_EXEC\n", e->file);
		e->exec = false;
		p = mmap(at, size, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			 e->file_fd, 0);
	}
	if (p != at)
		return say(e, "mmap of %s: %s", e->file, strerror(errno));
	m->map = at;
	m->mapped = size;
	if (populate_read(e, at, size))
		return -1;
#if defined(__x86_64__) || defined(__i386__)
	/*
	 * With the probe enabled, mmap() installed its breakpoint: the
	 * unmap really has a uprobe'd range to deal with.
	 */
	if (e->probe_enabled && e->exec &&
	    (unsigned char)at[SCEN_PROBE_PAGE * ps + SCEN_PROBE_IN_PAGE] != INT3)
		return say(e, "no breakpoint at the uprobe's address");
#endif
	/* Everything but the head, which has the probe: a split. */
	m->addr = at + skip;
	m->len = size - skip;
	return 0;
}

static int map_hugetlb(struct scen_env *e, struct scen_map *m, size_t size)
{
	long avail = scen_hpages_available();
	char *at;

	if (!e->hpage)
		return say(e, "no huge pages prepared");
	size -= size % e->hpage;
	if (avail >= 0 && (long)(size / e->hpage) > avail)
		size = avail * e->hpage;
	if (!size)
		return say(e, "no huge page free");
	/*
	 * A private mapping of a hugetlb memfd, written: the zap frees every
	 * huge page.  Not MAP_ANONYMOUS | MAP_HUGETLB: its internal
	 * hugetlbfs file would go with the mapping, in task work after
	 * munmap() has dropped the lock, 0.6 ms under TCG: a fifth of the
	 * call that is neither the zap nor the lock.  The memfd stays open
	 * until the mapping is put.
	 */
	m->memfd = syscall(SYS_memfd_create, e->name, MFD_CLOEXEC | MFD_HUGETLB);
	if (m->memfd < 0)
		return say(e, "memfd_create(MFD_HUGETLB): %s", strerror(errno));
	if (ftruncate(m->memfd, size))
		return say(e, "ftruncate of the hugetlb memfd: %s",
			   strerror(errno));
	at = reserve(e, m, size, e->hpage);
	if (!at || map_at(e, at, size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			  m->memfd, "hugetlb"))
		return -1;
	populate_write(at, size, e->hpage);
	if (vma_has_vmflag((uintptr_t)at, "ht") != 1)
		return say(e, "the hugetlb mapping has no 'ht' VmFlag");
	m->map = m->addr = at;
	m->mapped = m->len = size;
	return 0;
}

static int map_pfnmap(struct scen_env *e, struct scen_map *m, size_t size)
{
	struct mlh_map mm;
	char *at;

	if (scen_dev_open(e))
		return -1;
	/* The module populates it: much faster than faulting. */
	at = reserve(e, m, size, 0);
	if (!at)
		return -1;
	memset(&mm, 0, sizeof(mm));
	mm.kind = MLH_KIND_PFNMAP;
	mm.size = size;
	mm.addr = (uintptr_t)at;
	if (ioctl(e->dev_fd, MLH_IOC_MAP, &mm))
		return say(e, "MLH_IOC_MAP of %zu MiB: %s", size >> 20,
			   strerror(errno));
	if (mm.addr != (uintptr_t)at) {
		/* Not where the guard pages are: undo. */
		munmap((void *)(uintptr_t)mm.addr, size);
		return say(e, "MLH_IOC_MAP put it elsewhere");
	}
	if (vma_has_vmflag((uintptr_t)at, "pf") != 1)
		return say(e, "the device's mapping has no 'pf' VmFlag");
	m->map = m->addr = at;
	m->mapped = m->len = size;
	return 0;
}

int scen_map(struct scen_env *e, enum scen_kind kind, size_t size,
	     struct scen_map *m)
{
	const int rw = PROT_READ | PROT_WRITE;
	char *at;

	memset(m, 0, sizeof(*m));
	m->memfd = -1;
	m->shmid = -1;
	e->why[0] = '\0';
	switch (kind) {
	case SCEN_ANON:
		at = reserve(e, m, size, 0);
		if (!at || map_at(e, at, size, rw,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, "anon"))
			return -1;
		m->map = m->addr = at;
		m->mapped = m->len = size;
		return populate_read(e, at, size);
	case SCEN_GROWSDOWN:
		return map_growsdown(e, m, size);
	case SCEN_SHMEM:
		at = reserve(e, m, size, 0);
		if (!at || map_at(e, at, size, rw, MAP_SHARED | MAP_ANONYMOUS,
				  -1, "shmem"))
			return -1;
		populate_write(at, size, page_size());
		m->map = m->addr = at;
		m->mapped = m->len = size;
		return 0;
	case SCEN_MEMFD:
		/* The memfd stays open: its pages outlive the mapping. */
		m->memfd = syscall(SYS_memfd_create, e->name, MFD_CLOEXEC);
		if (m->memfd < 0)
			return say(e, "memfd_create: %s", strerror(errno));
		if (ftruncate(m->memfd, size))
			return say(e, "ftruncate of the memfd: %s",
				   strerror(errno));
		at = reserve(e, m, size, 0);
		if (!at || map_at(e, at, size, rw, MAP_SHARED, m->memfd,
				  "memfd"))
			return -1;
		populate_write(at, size, page_size());
		m->map = m->addr = at;
		m->mapped = m->len = size;
		return 0;
	case SCEN_SYSV_SHM:
		return map_sysv_shm(e, m, size);
	case SCEN_BRK:
		return map_brk(e, m, size);
	case SCEN_FILE:
	case SCEN_UPROBE:
	case SCEN_UPROBE_ELSEWHERE:
		return map_file(e, m, kind, size);
	case SCEN_HUGETLB:
		return map_hugetlb(e, m, size);
	case SCEN_PFNMAP:
		return map_pfnmap(e, m, size);
	}
	return say(e, "unknown scenario %d", kind);
}

void scen_map_put(struct scen_map *m)
{
	if (m->res) {
		munmap(m->res, m->res_len);
		m->res = NULL;
	}
	if (m->memfd >= 0) {
		close(m->memfd);
		m->memfd = -1;
	}
	if (m->shmid >= 0) {
		shmctl(m->shmid, IPC_RMID, NULL);
		m->shmid = -1;
	}
	/* A no-op once the call shrank the heap. */
	if (m->brk_to) {
		syscall(SYS_brk, m->brk_to);
		m->brk_to = NULL;
	}
}

int scen_file_put(struct scen_env *e)
{
	int ret = 0;

	if (e->probe_enabled &&
	    uprobe_event_enable(&e->tfs, e->name, "probe", false))
		ret = say(e, "disabling the uprobe: %s", strerror(errno));
	e->probe_enabled = false;
	if (e->probe_added && uprobe_event_del(&e->tfs, e->name, "probe") &&
	    !ret)
		ret = say(e, "removing the uprobe: %s", strerror(errno));
	e->probe_added = false;
	if (e->file_fd >= 0)
		close(e->file_fd);
	e->file_fd = -1;
	if (e->file[0])
		unlink(e->file);
	e->file[0] = '\0';
	e->file_len = 0;
	return ret;
}

int scen_hugetlb_put(struct scen_env *e)
{
	e->hpage = 0;
	return restore_number(e, NR_HUGEPAGES, &e->old_nr_hugepages);
}

int scen_env_put(struct scen_env *e)
{
	int ret;

	e->why[0] = '\0';
	ret = scen_file_put(e);
	if (scen_hugetlb_put(e))
		ret = -1;
	if (restore_number(e, OVERCOMMIT, &e->old_overcommit))
		ret = -1;
	if (e->dev_fd >= 0)
		close(e->dev_fd);
	e->dev_fd = -1;
	tracefs_put(&e->tfs);
	e->tfs_looked = false;
	return ret;
}
