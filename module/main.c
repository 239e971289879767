// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_hold: measure how long mmap_lock is held exclusively, and
 * drive it from the kernel for comparison.  See Documentation/module.md.
 *
 * Init order: everything internal first (the statistics and the window
 * table, which the probes use; the device's backing page), then the
 * user-visible interfaces, debugfs and the device, through which
 * recording is enabled and the device used: nothing can fail after them,
 * so nobody ever sees a half-loaded module.  Exit undoes it in reverse:
 * once debugfs and the device are gone nobody can enable recording again,
 * mlh_hold_exit() unregisters the probes and waits for running ones
 * (tracepoint_synchronize_unregister()), and the device has no users
 * because every open file or mapping of it holds a reference on the
 * module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

#include "mlh.h"

static int __init mlh_init(void)
{
	const char *what;
	int ret;

	what = "allocate the statistics";
	ret = mlh_stats_init();
	if (ret)
		goto err;
	what = "set up the window table";
	ret = mlh_hold_init();
	if (ret)
		goto err_stats;
	what = "allocate the device's page";
	ret = mlh_pfnmap_init();
	if (ret)
		goto err_hold;
	what = "create the debugfs directory";
	ret = mlh_report_init();
	if (ret)
		goto err_pfnmap;
	what = "register the device";
	ret = mlh_pfnmap_register();
	if (ret)
		goto err_report;
	return 0;

err_report:
	mlh_report_exit();
err_pfnmap:
	mlh_pfnmap_exit();
err_hold:
	mlh_hold_exit();
err_stats:
	mlh_stats_exit();
err:
	pr_err("cannot %s (%d), not loaded\n", what, ret);
	return ret;
}

static void __exit mlh_exit(void)
{
	mlh_pfnmap_unregister();
	mlh_report_exit();
	mlh_hold_exit();
	mlh_pfnmap_exit();
	mlh_stats_exit();
}

module_init(mlh_init);
module_exit(mlh_exit);

MODULE_DESCRIPTION("Exclusive mmap_lock hold times, from the mmap_lock tracepoints");
MODULE_AUTHOR("munmap-split maintainers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MLH_MODULE_VERSION);
