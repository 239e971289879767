/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks the munmap selftests share, written once: is a page of a mapping
 * still there with its contents, or gone for good; mlock() or SKIP.
 * Each fails (or skips) the calling test through the harness, so include
 * this after kselftest_harness.h, in the program's one source file.
 */
#ifndef __MUNMAP_CHECKS_H
#define __MUNMAP_CHECKS_H

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "munmap_util.h"

/*
 * Page @i of @base (pages of page_size()) is mapped (mincore()) and
 * readable.  @what names the mapping in the message ("left page", ...).
 */
static inline void check_present(struct __test_metadata *_metadata,
				 const void *base, size_t i, const char *what)
{
	const char *p = (const char *)base + i * page_size();

	ASSERT_TRUE(page_mapped(p)) TH_LOG("%s %zu should be mapped", what, i);
	ASSERT_EQ(0, probe_read(p, NULL))
		TH_LOG("%s %zu should be readable", what, i);
}

/* ... and holds the pattern fill_page() wrote with @tag. */
static inline void check_kept(struct __test_metadata *_metadata,
			      const void *base, size_t i, unsigned long tag,
			      const char *what)
{
	const char *p = (const char *)base + i * page_size();

	check_present(_metadata, base, i, what);
	ASSERT_TRUE(check_page(p, tag))
		TH_LOG("%s %zu lost its contents", what, i);
}

/*
 * Page @i of @base is unmapped: mincore() says so, and a read of it
 * raises SIGSEGV with SEGV_MAPERR at its address.
 */
static inline void check_gone(struct __test_metadata *_metadata,
			      const void *base, size_t i, const char *what)
{
	const char *p = (const char *)base + i * page_size();
	void *fault = NULL;

	ASSERT_FALSE(page_mapped(p)) TH_LOG("%s %zu should be unmapped", what, i);
	ASSERT_EQ(SEGV_MAPERR, probe_read(p, &fault))
		TH_LOG("%s %zu should fault as unmapped", what, i);
	ASSERT_EQ(p, fault) TH_LOG("%s %zu faulted elsewhere", what, i);
}

/*
 * mlock2(@addr, @len, @flags) (0 or MLOCK_ONFAULT): true, or false after
 * a SKIP when RLIMIT_MEMLOCK does not allow it (EPERM, ENOMEM): that is
 * the only reason not to test.  Any other error fails the test.
 */
static inline bool mlock_or_skip(struct __test_metadata *_metadata,
				 void *addr, size_t len, unsigned int flags)
{
	struct rlimit rl = { 0 };
	int err;

	if (!(flags ? mlock2(addr, len, flags) : mlock(addr, len)))
		return true;
	err = errno;
	ASSERT_TRUE(err == EPERM || err == ENOMEM)
		TH_LOG("mlock: %s", strerror(err));
	getrlimit(RLIMIT_MEMLOCK, &rl);
	SKIP(return false, "mlock: %s (RLIMIT_MEMLOCK %lu bytes)",
	     strerror(err), (unsigned long)rl.rlim_cur);
}

/*
 * The 6.1 harness runs a TEST_F() body even after its FIXTURE_SETUP()
 * SKIPped, and the body would then fail on what the setup did not do:
 * "if (setup_skipped(_metadata)) return;" first in the body of a fixture
 * whose setup may SKIP.
 */
static inline bool setup_skipped(const struct __test_metadata *_metadata)
{
	return _metadata->skip;
}

#endif /* __MUNMAP_CHECKS_H */
