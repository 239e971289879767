// SPDX-License-Identifier: GPL-2.0
/*
 * munmap() of the VMAs the series keeps mmap_lock exclusive for ("mm/mmap:
 * keep mmap_lock exclusive when unmapping special VMAs"):
 * hugetlb, VM_PFNMAP, and file VMAs with a uprobe in the unmapped part,
 * next to plain anonymous memory as the case to compare with.  Those take
 * a different path through the unmap than every other VMA, so each test
 * checks that what the path leaves behind is exactly what the common path
 * leaves: contents, faults, /proc/self/maps, and the accounting.
 *
 * Every test builds the same layout inside one PROT_NONE reservation:
 *
 *   guard | left      | special              | right     | guard
 *   ---p  | anon rw-p | NUNITS units, kind's | anon rw-p | ---p
 *         | NB_SIZE   | perms                | NB_SIZE   |
 *
 * The guards keep the neighbours from merging with VMAs outside the
 * window.  The special VMA is 4 huge pages (hugetlb), 64 MiB of
 * /dev/mmap_lock_hold (PFNMAP), 4 pages of a file with a uprobe in its
 * second page, or 16 read-only anonymous pages (the comparison case; read
 * only so that it does not merge with its neighbours).  A test unmaps the
 * whole special VMA, one unit in its middle, its last unit, or a range
 * from the middle of the left neighbour to the middle of the right one,
 * then everything.
 *
 * After every step the test compares with a snapshot taken before the
 * layout existed: VmSize, VmLck, the number of VMAs, the VM_ACCOUNT part of
 * the process's mappings, HugePages_Free and HugePages_Rsvd must be exactly
 * what the step explains, and back where they were at the end; across each
 * munmap(), Committed_AS must drop by what the process's VM_ACCOUNT part
 * dropped (see COMMIT_SLACK_KB).  The neighbours are private writable
 * anonymous memory, so VM_ACCOUNT is charged for them; the special VMAs
 * themselves carry no VM_ACCOUNT (hugetlb is charged to the huge page pool,
 * shared and read-only mappings are not charged), which is why the mixed
 * range exists: it makes the special path uncharge memory, where a lost or
 * doubled vm_unacct_memory() shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "munmap_util.h"
#include "munmap_checks.h"

/* The companion module's device (module/mmap_lock_hold.h, MLH_DEV_PATH). */
#define MLH_DEV_PATH	"/dev/mmap_lock_hold"

#define NUNITS		4
/* Untouched but for a few pages: committed, not used. */
#define NB_SIZE		(1024UL << 20)
#define ANON_UNIT_PAGES	4
#define PFNMAP_UNIT	(16UL << 20)
/* 4 of them are reserved for the test: leave 1 GiB pages alone. */
#define MAX_HPAGE_SIZE	(32UL << 20)

/*
 * Committed_AS is one counter for the whole system, and other processes
 * move it all the time: on a shared host running compilers and QEMU
 * guests it moved by up to 75 MiB within 10 ms and by 2 GiB when a guest
 * started, so "the same value as before the test" cannot be checked.
 * What is checked instead:
 *
 * - exactly, the process's own part: accounted_kb(), the VM_ACCOUNT VMAs
 *   of smaps, at every step and back to its value at the end;
 * - that Committed_AS moves by that much across each munmap(), read
 *   just before and just after the call.  The window is short: the
 *   neighbours are committed but not populated, so there is almost
 *   nothing to zap.  In 5000 windows of 100 us on that host the counter
 *   moved by less than 1 MiB 99% of the time and by 60 MiB at most, well
 *   inside the slack, while a lost or doubled uncharge of the mixed or
 *   the final unmap is NB_SIZE = 1 GiB, eight times the slack.
 *
 * The second catches what the first cannot see: an uncharge that went
 * missing (or happened twice) along with its VMA.
 */
#define COMMIT_SLACK_KB	(128L << 10)

/* The uprobe: an x86 nop sled, probed in the second page. */
#define PROBE_GROUP	"munmap_sel"
#define PROBE_EVENT	"probe_test"
#define PROBE_PAGE	1
#define PROBE_IN_PAGE	0x10
#define NOP		0x90

/* Tags of fill_page(): different for every page of the layout. */
#define LEFT_TAG	0x100000UL
#define RIGHT_TAG	0x200000UL

enum kind {
	KIND_ANON,
	KIND_HUGETLB,
	KIND_HUGETLB_SHARED,
	KIND_PFNMAP,
	KIND_UPROBE,
};

static const char *const kind_perms[] = {
	[KIND_ANON]		= "r--p",
	[KIND_HUGETLB]		= "rw-p",
	[KIND_HUGETLB_SHARED]	= "rw-s",
	[KIND_PFNMAP]		= "r--s",
	[KIND_UPROBE]		= "r-xp",
};

/* mlock() leaves hugetlb and VM_SPECIAL VMAs unlocked and uncounted. */
static bool kind_lockable(enum kind kind)
{
	return kind == KIND_ANON || kind == KIND_UPROBE;
}

struct snap {
	long vm_size;		/* kB, /proc/self/status */
	long vm_lck;		/* kB, /proc/self/status */
	long acct;		/* kB of VM_ACCOUNT VMAs, /proc/self/smaps */
	long hp_free;		/* HugePages_Free (-1 without hugetlb) */
	long hp_rsvd;		/* HugePages_Rsvd (-1 without hugetlb) */
	int maps;		/* lines of /proc/self/maps */
};

/* What a state of the layout adds to the snapshot taken before it. */
struct delta {
	size_t size;		/* bytes mapped */
	size_t locked;		/* bytes counted in VmLck */
	size_t acct;		/* bytes with VM_ACCOUNT */
	int vmas;
	long hpages;		/* huge pages out of the pool */
};

/* A run of the window expected to be one VMA with these perms. */
struct piece {
	char *start;
	size_t len;
	const char *perms;
};

FIXTURE(special) {
	/* Taken by prepare(), given back by the teardown. */
	long old_nr_hugepages;	/* -1: nr_hugepages not changed */
	int dev_fd;
	int file_fd;
	char file[64];		/* the uprobe'd file, "" if none */
	struct tracefs tfs;	/* for the uprobe events */
	bool probe_added;
	bool probe_enabled;

	/* The layout. */
	char *res;		/* the reservation, NULL once unmapped */
	size_t res_len;
	char *left;
	char *special;
	char *right;
	size_t unit;		/* bytes per unit of the special VMA */
	size_t hpage;		/* huge page size, 0 if not hugetlb */
	struct snap before;
};

FIXTURE_VARIANT(special) {
	enum kind kind;
	bool mlock;		/* mlock() the whole layout once built */
};

FIXTURE_VARIANT_ADD(special, anon) { .kind = KIND_ANON };
FIXTURE_VARIANT_ADD(special, anon_mlock) { KIND_ANON, true };
FIXTURE_VARIANT_ADD(special, hugetlb) { .kind = KIND_HUGETLB };
FIXTURE_VARIANT_ADD(special, hugetlb_mlock) { KIND_HUGETLB, true };
FIXTURE_VARIANT_ADD(special, hugetlb_shared) { .kind = KIND_HUGETLB_SHARED };
FIXTURE_VARIANT_ADD(special, pfnmap) { .kind = KIND_PFNMAP };
FIXTURE_VARIANT_ADD(special, pfnmap_mlock) { KIND_PFNMAP, true };
FIXTURE_VARIANT_ADD(special, uprobe) { .kind = KIND_UPROBE };
FIXTURE_VARIANT_ADD(special, uprobe_mlock) { KIND_UPROBE, true };

static void take_snap(struct __test_metadata *_metadata, struct snap *s)
{
	s->vm_size = status_kb("VmSize");
	s->vm_lck = status_kb("VmLck");
	s->acct = accounted_kb();
	s->hp_free = meminfo_value("HugePages_Free");
	s->hp_rsvd = meminfo_value("HugePages_Rsvd");
	s->maps = map_count();
	ASSERT_LE(0, s->vm_size);
	ASSERT_LE(0, s->vm_lck);
	ASSERT_LE(0, s->acct) TH_LOG("reading /proc/self/smaps: %s",
				     strerror(errno));
	ASSERT_LE(0, s->maps);
}

static void check_acct(struct __test_metadata *_metadata,
		       const struct snap *before, const struct delta *d,
		       const char *when)
{
	struct snap now;

	take_snap(_metadata, &now);
	ASSERT_EQ(before->vm_size + (long)(d->size >> 10), now.vm_size)
		TH_LOG("%s: VmSize", when);
	ASSERT_EQ(before->vm_lck + (long)(d->locked >> 10), now.vm_lck)
		TH_LOG("%s: VmLck", when);
	ASSERT_EQ(before->maps + d->vmas, now.maps)
		TH_LOG("%s: lines of /proc/self/maps", when);
	ASSERT_EQ(before->acct + (long)(d->acct >> 10), now.acct)
		TH_LOG("%s: kB of VM_ACCOUNT VMAs", when);
	ASSERT_EQ(before->hp_free - d->hpages, now.hp_free)
		TH_LOG("%s: HugePages_Free", when);
	/* Every page is faulted in as soon as it is mapped. */
	ASSERT_EQ(before->hp_rsvd, now.hp_rsvd)
		TH_LOG("%s: HugePages_Rsvd", when);
}

static long committed_kb(struct __test_metadata *_metadata)
{
	long kb = meminfo_value("Committed_AS");

	ASSERT_LE(0, kb) TH_LOG("reading /proc/meminfo: %s", strerror(errno));
	return kb;
}

/* munmap(), checking that Committed_AS dropped by @acct_drop bytes. */
static void munmap_uncharging(struct __test_metadata *_metadata, void *addr,
			      size_t len, size_t acct_drop, const char *what)
{
	long want = (long)(acct_drop >> 10);
	long before, after;

	before = committed_kb(_metadata);
	ASSERT_EQ(0, munmap(addr, len)) TH_LOG("%s: %s", what, strerror(errno));
	after = committed_kb(_metadata);
	ASSERT_GE(COMMIT_SLACK_KB, labs(before - after - want))
		TH_LOG("%s: Committed_AS dropped by %ld kB, expected %ld kB +- %ld kB",
		       what, before - after, want, COMMIT_SLACK_KB);
}

/* ---- Getting and giving back what a kind needs ---- */

static bool prepare_hugetlb(struct __test_metadata *_metadata,
			    FIXTURE_DATA(special) *self)
{
	const char *nr_path = "/proc/sys/vm/nr_hugepages";
	long kb = meminfo_value("Hugepagesize");
	long old, avail;
	char buf[32];

	if (kb <= 0 || access(nr_path, F_OK))
		SKIP(return false, "no hugetlb support in this kernel");
	if ((unsigned long)kb << 10 > MAX_HPAGE_SIZE)
		SKIP(return false, "default huge page size is %ld kB", kb);
	self->hpage = (size_t)kb << 10;
	self->unit = self->hpage;

	avail = meminfo_value("HugePages_Free") - meminfo_value("HugePages_Rsvd");
	if (avail >= NUNITS)
		return true;

	/* Grow the pool by what is missing; the teardown shrinks it back. */
	old = read_number(nr_path);
	ASSERT_LE(0, old);
	snprintf(buf, sizeof(buf), "%ld", old + NUNITS - avail);
	if (write_file(nr_path, buf))
		SKIP(return false, "cannot grow the huge page pool: %s: %s",
		     nr_path, strerror(errno));
	self->old_nr_hugepages = old;
	avail = meminfo_value("HugePages_Free") - meminfo_value("HugePages_Rsvd");
	if (avail < NUNITS)
		SKIP(return false, "only %ld huge pages available, %d needed",
		     avail, NUNITS);
	return true;
}

static bool prepare_pfnmap(struct __test_metadata *_metadata,
			   FIXTURE_DATA(special) *self)
{
	self->dev_fd = open(MLH_DEV_PATH, O_RDONLY | O_CLOEXEC);
	if (self->dev_fd < 0 && errno == ENOENT)
		SKIP(return false, "module mmap_lock_hold not loaded");
	if (self->dev_fd < 0 && (errno == EACCES || errno == EPERM))
		SKIP(return false, "cannot open %s: %s", MLH_DEV_PATH,
		     strerror(errno));
	ASSERT_LE(0, self->dev_fd) TH_LOG("open %s: %s", MLH_DEV_PATH,
					  strerror(errno));
	self->unit = PFNMAP_UNIT;
	return true;
}

/* tracefs for the uprobe events (see tracefs_find()). */
static bool find_tracefs(struct __test_metadata *_metadata,
			 FIXTURE_DATA(special) *self)
{
	const char *why = tracefs_find(&self->tfs);

	if (why)
		SKIP(return false, "%s", why);
	return true;
}

static void remove_probe(FIXTURE_DATA(special) *self)
{
	uprobe_event_enable(&self->tfs, PROBE_GROUP, PROBE_EVENT, false);
	uprobe_event_del(&self->tfs, PROBE_GROUP, PROBE_EVENT);
}

static bool prepare_uprobe(struct __test_metadata *_metadata,
			   FIXTURE_DATA(special) *self)
{
	size_t len = NUNITS * page_size();
	char *buf;

	if (geteuid())
		SKIP(return false, "uprobe events need root");
	if (!find_tracefs(_metadata, self))
		return false;

	/* Any regular file can carry a uprobe: a page-aligned nop sled. */
	strcpy(self->file, "/tmp/munmap_special.XXXXXX");
	self->file_fd = mkstemp(self->file);
	if (self->file_fd < 0)
		self->file[0] = '\0';
	ASSERT_LE(0, self->file_fd) TH_LOG("mkstemp: %s", strerror(errno));
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, NOP, len);
	ASSERT_EQ((ssize_t)len, write(self->file_fd, buf, len));
	munmap(buf, len);
	self->unit = page_size();

	/* Left over by a run that died before its teardown. */
	remove_probe(self);

	if (uprobe_event_add(&self->tfs, PROBE_GROUP, PROBE_EVENT, self->file,
			     PROBE_PAGE * page_size() + PROBE_IN_PAGE)) {
		int err = errno;

		/* Lockdown, or an LSM, may keep even root out. */
		if (err == EPERM || err == EACCES)
			SKIP(return false, "adding a uprobe event: %s",
			     strerror(err));
		ASSERT_EQ(0, err) TH_LOG("adding the uprobe event: %s", strerror(err));
	}
	self->probe_added = true;

	/* An enabled event has a consumer: mmap() installs the breakpoint. */
	ASSERT_EQ(0, uprobe_event_enable(&self->tfs, PROBE_GROUP, PROBE_EVENT,
					 true))
		TH_LOG("enabling the probe: %s", strerror(errno));
	self->probe_enabled = true;
	return true;
}

static bool prepare(struct __test_metadata *_metadata,
		    FIXTURE_DATA(special) *self,
		    const FIXTURE_VARIANT(special) *variant)
{
	bool ok;

	if (accounted_kb() < 0)
		SKIP(return false, "no /proc/self/smaps: %s", strerror(errno));

	switch (variant->kind) {
	case KIND_ANON:
		self->unit = ANON_UNIT_PAGES * page_size();
		ok = true;
		break;
	case KIND_HUGETLB:
	case KIND_HUGETLB_SHARED:
		ok = prepare_hugetlb(_metadata, self);
		break;
	case KIND_PFNMAP:
		ok = prepare_pfnmap(_metadata, self);
		break;
	case KIND_UPROBE:
		ok = prepare_uprobe(_metadata, self);
		break;
	default:
		ok = false;
	}
	if (ok)
		take_snap(_metadata, &self->before);
	return ok;
}

FIXTURE_SETUP(special)
{
	self->old_nr_hugepages = -1;
	self->dev_fd = -1;
	self->file_fd = -1;
}

FIXTURE_TEARDOWN(special)
{
	char buf[32];

	if (self->res)
		munmap(self->res, self->res_len);
	/* Braces: the harness's EXPECT is two statements. */
	if (self->probe_enabled) {
		EXPECT_EQ(0, uprobe_event_enable(&self->tfs, PROBE_GROUP,
						 PROBE_EVENT, false))
			TH_LOG("disabling the probe: %s", strerror(errno));
	}
	if (self->probe_added) {
		EXPECT_EQ(0, uprobe_event_del(&self->tfs, PROBE_GROUP,
					      PROBE_EVENT))
			TH_LOG("removing the probe: %s", strerror(errno));
	}
	tracefs_put(&self->tfs);
	if (self->file_fd >= 0)
		close(self->file_fd);
	if (self->file[0])
		unlink(self->file);
	if (self->dev_fd >= 0)
		close(self->dev_fd);
	if (self->old_nr_hugepages >= 0) {
		snprintf(buf, sizeof(buf), "%ld", self->old_nr_hugepages);
		EXPECT_EQ(0, write_file("/proc/sys/vm/nr_hugepages", buf))
			TH_LOG("restoring nr_hugepages to %s: %s", buf,
			       strerror(errno));
	}
}

/* ---- Contents ---- */

/* All @len bytes at @p are @c: the first is, and each equals the next. */
static bool bytes_are(const char *p, size_t len, unsigned char c)
{
	return !len || ((unsigned char)*p == c && !memcmp(p, p + 1, len - 1));
}

/*
 * Page @index of the special VMA holds what it should.  The uprobe's page
 * is a private copy with the breakpoint instruction written over the nops
 * (on x86 the one byte 0xcc; the 4 bytes checked cover every
 * architecture): seeing it proves the probe was installed in this VMA,
 * i.e. the unmap really had a uprobe'd range to deal with.
 */
static bool special_page_ok(enum kind kind, const char *page, size_t index)
{
	const size_t off = PROBE_IN_PAGE;

	switch (kind) {
	case KIND_ANON:
	case KIND_HUGETLB:
	case KIND_HUGETLB_SHARED:
		return check_page(page, index);
	case KIND_PFNMAP:
		/* Every page maps the module's one zeroed page. */
		return bytes_are(page, page_size(), 0);
	case KIND_UPROBE:
		if (index != PROBE_PAGE)
			return bytes_are(page, page_size(), NOP);
		return bytes_are(page, off, NOP) &&
		       !bytes_are(page + off, 4, NOP) &&
		       bytes_are(page + off + 4, page_size() - off - 4, NOP);
	}
	return false;
}

/*
 * Only some pages of the neighbours are filled and checked: their edges
 * and the two pages around their middle, where the mixed unmap cuts.  The
 * rest stays untouched, so the 128 MiB cost no memory unless mlock()ed.
 */
static size_t nb_sample(unsigned int i)
{
	const size_t n = NB_SIZE / page_size();
	const size_t pages[] = { 0, 1, n / 2 - 1, n / 2, n - 2, n - 1 };

	return i < ARRAY_SIZE(pages) ? pages[i] : SIZE_MAX;
}

static void fill_neighbours(FIXTURE_DATA(special) *self)
{
	size_t p;
	unsigned int i;

	for (i = 0; (p = nb_sample(i)) != SIZE_MAX; i++) {
		fill_page(self->left + p * page_size(), LEFT_TAG + p);
		fill_page(self->right + p * page_size(), RIGHT_TAG + p);
	}
}

/*
 * The neighbours' samples: all there, or with @mixed, only the left
 * neighbour's lower half and the right one's upper half.
 */
static void check_neighbours(struct __test_metadata *_metadata,
			     FIXTURE_DATA(special) *self, bool mixed)
{
	const size_t half = NB_SIZE / page_size() / 2;
	unsigned int i;
	size_t p;

	for (i = 0; (p = nb_sample(i)) != SIZE_MAX; i++) {
		if (!mixed || p < half)
			check_kept(_metadata, self->left, p, LEFT_TAG + p,
				   "left page");
		else
			check_gone(_metadata, self->left, p, "left page");
		if (!mixed || p >= half)
			check_kept(_metadata, self->right, p, RIGHT_TAG + p,
				   "right page");
		else
			check_gone(_metadata, self->right, p, "right page");
	}
}

/* Every page of a unit that is there, three pages of one that is not. */
static void check_units(struct __test_metadata *_metadata,
			FIXTURE_DATA(special) *self, enum kind kind,
			unsigned int units)
{
	const size_t per_unit = self->unit / page_size();
	size_t u, i;

	for (u = 0; u < NUNITS; u++) {
		for (i = 0; i < per_unit; i++) {
			size_t index = u * per_unit + i;
			char *page = self->special + index * page_size();

			if (units & (1U << u)) {
				check_present(_metadata, self->special, index,
					      "special page");
				ASSERT_TRUE(special_page_ok(kind, page, index))
					TH_LOG("special page %zu: wrong contents",
					       index);
			} else if (i == 0 || i == per_unit / 2 ||
				   i == per_unit - 1) {
				check_gone(_metadata, self->special, index,
					   "special page");
			}
		}
	}
}

#define MAX_PIECES	(2 + NUNITS)

static void check_maps(struct __test_metadata *_metadata,
		       FIXTURE_DATA(special) *self, enum kind kind,
		       unsigned int units, bool mixed)
{
	unsigned long lo = (unsigned long)self->left;
	unsigned long hi = (unsigned long)self->right + NB_SIZE;
	struct vma_range got[MAX_PIECES + 2];
	struct piece want[MAX_PIECES];
	int n, nwant = 0, i;
	unsigned int u;
	bool same;

	want[nwant++] = (struct piece){ self->left,
					mixed ? NB_SIZE / 2 : NB_SIZE, "rw-p" };
	for (u = 0; u < NUNITS; u++) {
		char *start = self->special + u * self->unit;

		if (!(units & (1U << u)))
			continue;
		/* What is left of one VMA: consecutive units stay one VMA. */
		if (u && (units & (1U << (u - 1))))
			want[nwant - 1].len += self->unit;
		else
			want[nwant++] = (struct piece){ start, self->unit,
							kind_perms[kind] };
	}
	want[nwant++] = mixed ?
		(struct piece){ self->right + NB_SIZE / 2, NB_SIZE / 2, "rw-p" } :
		(struct piece){ self->right, NB_SIZE, "rw-p" };

	n = maps_in_window(lo, hi, got, ARRAY_SIZE(got));
	ASSERT_LE(0, n) TH_LOG("reading /proc/self/maps: %s", strerror(errno));
	same = n == nwant;
	for (i = 0; same && i < n; i++)
		same = got[i].start == (unsigned long)want[i].start &&
		       got[i].end == got[i].start + want[i].len &&
		       !strcmp(got[i].perms, want[i].perms);
	if (!same) {
		for (i = 0; i < nwant; i++)
			TH_LOG("want %p-%p %s", want[i].start,
			       want[i].start + want[i].len, want[i].perms);
		for (i = 0; i < n && i < (int)ARRAY_SIZE(got); i++)
			TH_LOG("got  %lx-%lx %s", got[i].start, got[i].end,
			       got[i].perms);
	}
	ASSERT_TRUE(same);
}

static void check_window(struct __test_metadata *_metadata,
			 FIXTURE_DATA(special) *self, enum kind kind,
			 unsigned int units, bool mixed)
{
	check_neighbours(_metadata, self, mixed);
	check_units(_metadata, self, kind, units);
	check_maps(_metadata, self, kind, units, mixed);
}

/* ---- The layout and its accounting ---- */

#define ALL_UNITS	((1U << NUNITS) - 1)

static int runs_of(unsigned int units)
{
	int runs = 0;
	unsigned int u;

	for (u = 0; u < NUNITS; u++)
		if ((units & (1U << u)) && (!u || !(units & (1U << (u - 1)))))
			runs++;
	return runs;
}

/* What the layout adds to the "before" snapshot with @units left. */
static struct delta layout_delta(FIXTURE_DATA(special) *self,
				 const FIXTURE_VARIANT(special) *variant,
				 unsigned int units, bool mixed)
{
	size_t special = __builtin_popcount(units) * self->unit;
	size_t nb = mixed ? NB_SIZE : 2 * NB_SIZE;
	struct delta d = {
		.size = self->res_len - (NUNITS * self->unit - special) -
			(2 * NB_SIZE - nb),
		.acct = nb + (variant->kind == KIND_ANON ? special : 0),
		/* The two guards, the two neighbours and the special pieces. */
		.vmas = 4 + runs_of(units),
	};

	if (variant->mlock)
		d.locked = nb + (kind_lockable(variant->kind) ? special : 0);
	if (variant->kind == KIND_HUGETLB)
		d.hpages = special / self->hpage;
	/*
	 * The pages of a shared hugetlb mapping belong to its (internal)
	 * hugetlbfs file: they go back to the pool when the file goes, with
	 * the last part of the mapping, not when a part is unmapped.
	 */
	if (variant->kind == KIND_HUGETLB_SHARED && units)
		d.hpages = NUNITS;
	return d;
}

static void fill_pages(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len / page_size(); i++)
		fill_page(p + i * page_size(), i);
}

/* Read every page: 0, or the si_code of the first fault. */
static int read_pages(const char *p, size_t len)
{
	size_t i;
	int ret;

	for (i = 0; i < len; i += page_size()) {
		ret = probe_read(p + i, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

static bool map_special(struct __test_metadata *_metadata,
			FIXTURE_DATA(special) *self, enum kind kind)
{
	const size_t len = NUNITS * self->unit;
	char *p = MAP_FAILED;

	switch (kind) {
	case KIND_ANON:
		p = mmap(self->special, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	case KIND_HUGETLB:
		p = mmap(self->special, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED,
			 -1, 0);
		break;
	case KIND_HUGETLB_SHARED:
		p = mmap(self->special, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED,
			 -1, 0);
		break;
	case KIND_PFNMAP:
		p = mmap(self->special, len, PROT_READ, MAP_SHARED | MAP_FIXED,
			 self->dev_fd, 0);
		break;
	case KIND_UPROBE:
		p = mmap(self->special, len, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_FIXED, self->file_fd, 0);
		break;
	}
	/* PROT_EXEC is refused on a noexec mount. */
	if (p == MAP_FAILED && kind == KIND_UPROBE && errno == EPERM)
		SKIP(return false, "%s: cannot map it PROT_EXEC", self->file);
	ASSERT_EQ(self->special, p) TH_LOG("mmap of the special VMA: %s",
					   strerror(errno));

	switch (kind) {
	case KIND_ANON:
		fill_pages(p, len);
		ASSERT_EQ(0, mprotect(p, len, PROT_READ));
		break;
	case KIND_HUGETLB:
	case KIND_HUGETLB_SHARED:
		fill_pages(p, len);
		break;
	case KIND_PFNMAP:
	case KIND_UPROBE:
		/* Fault everything in: the unmap has page tables to zap. */
		ASSERT_EQ(0, read_pages(p, len));
		break;
	}
	return true;
}

/* Build the layout (see the top of the file) and check it. */
static bool build(struct __test_metadata *_metadata,
		  FIXTURE_DATA(special) *self,
		  const FIXTURE_VARIANT(special) *variant)
{
	const size_t ps = page_size();
	const size_t align = self->hpage ? self->hpage : ps;
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	struct delta d;
	long c0, c1;
	uintptr_t at;
	char *res, *p;

	self->res_len = ps + NB_SIZE + NUNITS * self->unit + NB_SIZE + ps +
			align;
	res = mmap(NULL, self->res_len, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	self->res = res;
	at = ((uintptr_t)res + ps + NB_SIZE + align - 1) & ~(align - 1);
	self->special = (char *)at;
	self->left = self->special - NB_SIZE;
	self->right = self->special + NUNITS * self->unit;

	/*
	 * The left neighbour also shows that Committed_AS sees the charges
	 * of this process, so that the checks of its drops mean something.
	 */
	c0 = committed_kb(_metadata);
	p = mmap(self->left, NB_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0);
	c1 = committed_kb(_metadata);
	if (p == MAP_FAILED && errno == ENOMEM)
		SKIP(return false, "cannot commit %lu MiB (overcommit_memory %ld)",
		     NB_SIZE >> 20, read_number("/proc/sys/vm/overcommit_memory"));
	ASSERT_EQ(self->left, p);
	ASSERT_GE(COMMIT_SLACK_KB, labs(c1 - c0 - (long)(NB_SIZE >> 10)))
		TH_LOG("Committed_AS rose by %ld kB for %lu kB", c1 - c0,
		       NB_SIZE >> 10);
	p = mmap(self->right, NB_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED && errno == ENOMEM)
		SKIP(return false, "cannot commit %lu MiB (overcommit_memory %ld)",
		     NB_SIZE >> 20, read_number("/proc/sys/vm/overcommit_memory"));
	ASSERT_EQ(self->right, p);
	if (!map_special(_metadata, self, variant->kind))
		return false;
	fill_neighbours(self);

	/*
	 * The neighbours are locked on fault: VmLck counts all of them, but
	 * they stay unpopulated (2 GiB of locked memory would not fit the
	 * test guest).  The special VMA is populated already.
	 */
	if (variant->mlock &&
	    (!mlock_or_skip(_metadata, self->left, NB_SIZE, MLOCK_ONFAULT) ||
	     !mlock_or_skip(_metadata, self->right, NB_SIZE, MLOCK_ONFAULT) ||
	     !mlock_or_skip(_metadata, self->special, NUNITS * self->unit, 0)))
		return false;

	check_window(_metadata, self, variant->kind, ALL_UNITS, false);
	d = layout_delta(self, variant, ALL_UNITS, false);
	check_acct(_metadata, &self->before, &d, "built");
	return true;
}

/* Unmap what is left and check that everything is back where it was. */
static void finish(struct __test_metadata *_metadata,
		   FIXTURE_DATA(special) *self, const struct delta *left)
{
	const struct delta none = { 0 };

	munmap_uncharging(_metadata, self->res, self->res_len, left->acct,
			  "unmapping everything");
	self->res = NULL;
	check_acct(_metadata, &self->before, &none, "all unmapped");
}

static void unmap_and_check(struct __test_metadata *_metadata,
			    FIXTURE_DATA(special) *self,
			    const FIXTURE_VARIANT(special) *variant,
			    char *start, size_t len, unsigned int units,
			    bool mixed)
{
	struct delta built = layout_delta(self, variant, ALL_UNITS, false);
	struct delta d = layout_delta(self, variant, units, mixed);

	munmap_uncharging(_metadata, start, len, built.acct - d.acct,
			  "the unmap");
	check_window(_metadata, self, variant->kind, units, mixed);
	check_acct(_metadata, &self->before, &d, "after the unmap");
	finish(_metadata, self, &d);
}

TEST_F(special, unmap_whole)
{
	if (!prepare(_metadata, self, variant) ||
	    !build(_metadata, self, variant))
		return;
	unmap_and_check(_metadata, self, variant, self->special,
			NUNITS * self->unit, 0, false);
}

/* Splits the special VMA in two; for the uprobe, the probe's page goes. */
TEST_F(special, unmap_middle)
{
	if (!prepare(_metadata, self, variant) ||
	    !build(_metadata, self, variant))
		return;
	unmap_and_check(_metadata, self, variant, self->special + self->unit,
			self->unit, ALL_UNITS & ~2U, false);
}

/* For the uprobe: a part of a uprobe'd VMA without the probe. */
TEST_F(special, unmap_tail)
{
	if (!prepare(_metadata, self, variant) ||
	    !build(_metadata, self, variant))
		return;
	unmap_and_check(_metadata, self, variant,
			self->special + (NUNITS - 1) * self->unit, self->unit,
			ALL_UNITS >> 1, false);
}

/* One munmap() over half of each neighbour and the whole special VMA. */
TEST_F(special, unmap_mixed)
{
	if (!prepare(_metadata, self, variant) ||
	    !build(_metadata, self, variant))
		return;
	unmap_and_check(_metadata, self, variant, self->left + NB_SIZE / 2,
			NB_SIZE + NUNITS * self->unit, 0, true);
}

TEST_HARNESS_MAIN
