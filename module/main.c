// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_hold: measure how long mmap_lock is held exclusively, and
 * drive it from the kernel for comparison.  See Documentation/module.md.
 *
 * Init order: the statistics and the window table first (the probes use
 * them), then the device, then debugfs, through which recording is
 * enabled.  Exit undoes it in reverse: once debugfs is gone nobody can
 * enable recording again, mlh_hold_exit() unregisters the probes and
 * waits for running ones (tracepoint_synchronize_unregister()), and the
 * device has no users because every open file or mapping of it holds a
 * reference on the module.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "mlh.h"

static int __init mlh_init(void)
{
	int ret;

	ret = mlh_stats_init();
	if (ret)
		return ret;
	ret = mlh_hold_init();
	if (ret)
		goto err_stats;
	ret = mlh_pfnmap_init();
	if (ret)
		goto err_hold;
	ret = mlh_report_init();
	if (ret)
		goto err_pfnmap;
	return 0;

err_pfnmap:
	mlh_pfnmap_exit();
err_hold:
	mlh_hold_exit();
err_stats:
	mlh_stats_exit();
	return ret;
}

static void __exit mlh_exit(void)
{
	mlh_report_exit();
	mlh_hold_exit();
	mlh_pfnmap_exit();
	mlh_stats_exit();
}

module_init(mlh_init);
module_exit(mlh_exit);

MODULE_DESCRIPTION("Exclusive mmap_lock hold times, from the mmap_lock tracepoints");
MODULE_LICENSE("GPL");
