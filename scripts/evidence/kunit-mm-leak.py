#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instrument mm/munmap_kunit.c to count the test mms left referenced.

Rewrites the file in place, in a throwaway tree (kunit-mm-leak.sh makes
one): every test mm gets one extra mm_count reference when the case's init
creates it, and after the suite, with every case's kthread gone, each mm
should be held by that reference alone.  The suite runs twice in the same
kernel: as written, and as a copy without the exit callback (the earlier
version of the suite, which left the mm to exit_mm()).  One line per run:

  vms_leak: suite=NAME mms=N still_referenced=K extra_refs=R
            last_referenced=caseI

An idle CPU keeps the mm of the last task it ran as its lazy TLB mm, with
an mm_count reference, until a user task runs there: the mm of the last
case run may still be referenced that way, with or without a leak.
"""
import sys

path = sys.argv[1]
src = open(path).read()


def replace(old, new):
    global src
    if src.count(old) != 1:
        sys.exit(f"kunit-mm-leak.py: {old[:40]!r} is not in {path} once")
    src = src.replace(old, new)


replace("	kthread_use_mm(mm);\n	test->priv = mm;\n",
        "	kthread_use_mm(mm);\n	test->priv = mm;\n	vms_leak_track(mm);\n")
replace("static int vms_test_init(struct kunit *test)\n", """\
#include <linux/delay.h>

#define VMS_LEAK_MAX	256
static struct mm_struct *vms_leak_mms[VMS_LEAK_MAX];
static int vms_leak_nr;

static void vms_leak_track(struct mm_struct *mm)
{
	if (vms_leak_nr < VMS_LEAK_MAX) {
		mmgrab(mm);
		vms_leak_mms[vms_leak_nr++] = mm;
	}
}

static int vms_leak_suite_init(struct kunit_suite *suite)
{
	vms_leak_nr = 0;
	return 0;
}

static void vms_leak_suite_exit(struct kunit_suite *suite)
{
	int i, still = 0, extra = 0, last = -1;

	/* Let the last case's kthread finish its final switch */
	msleep(500);
	for (i = 0; i < vms_leak_nr; i++) {
		int refs = atomic_read(&vms_leak_mms[i]->mm_count) - 1;

		if (refs > 0) {
			still++;
			extra += refs;
			last = i;
		}
		mmdrop(vms_leak_mms[i]);
	}
	pr_info("vms_leak: suite=%s mms=%d still_referenced=%d extra_refs=%d last_referenced=case%d\\n",
		suite->name, vms_leak_nr, still, extra, last + 1);
}

static int vms_test_init(struct kunit *test)
""")
replace("	.exit = vms_test_exit,\n",
        "	.exit = vms_test_exit,\n"
        "	.suite_init = vms_leak_suite_init,\n"
        "	.suite_exit = vms_leak_suite_exit,\n")
replace("kunit_test_suite(vms_test_suite);\n", """\
static struct kunit_suite vms_test_suite_noexit = {
	.name = "munmap_gather_complete_noexit",
	.init = vms_test_init,
	.suite_init = vms_leak_suite_init,
	.suite_exit = vms_leak_suite_exit,
	.test_cases = vms_test_cases,
};

kunit_test_suites(&vms_test_suite, &vms_test_suite_noexit);
""")
open(path, "w").write(src)
