// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_hold: debugfs interface, /sys/kernel/debug/mmap_lock_hold/.
 *
 *   enable   rw  "0" or "1": recording off/on (probes registered only on)
 *   tgid     rw  record only windows taken by this thread group; "0": all
 *   mm_pid   rw  record only windows on the mm of this process; "0": all
 *   reset    w   "1": zero the statistics and counters
 *   summary  r   a table for humans
 *   stats    r   key=value lines for programs (MLH_STATS_VERSION)
 *
 * A write of anything else fails with -EINVAL, a bad buffer with -EFAULT.
 * Each writable file is also an ioctl of the device (drive.c): debugfs
 * refuses writable files under lockdown (LOCKDOWN_DEBUGFS, from
 * lockdown=integrity on), not the read-only reports.
 * Reading runs concurrently with recording: each operation's line is a
 * consistent copy (see mlh_stats_snapshot()).  Removal of the directory
 * waits for the file operations in progress (debugfs proxies them), so
 * nothing here runs after mlh_report_exit().
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mlh.h"

static struct dentry *mlh_dir;

/* Longest write taken, in bytes: any u32 in any notation, to spare. */
#define MLH_WRITE_MAX		32

/*
 * Parse the whole write as one unsigned number in C notation, an optional
 * newline after it; anything else is -EINVAL (-ERANGE too).  Not
 * kstrtouint_from_user(): it parses only the first 34 bytes of a longer
 * write, so "0000...0001" or a number followed by junk past them would be
 * taken for something else, and stops at a NUL byte; and kstrtouint()
 * accepts a leading '+'.
 */
static int mlh_parse(const char __user *ubuf, size_t count, unsigned int *val)
{
	char buf[MLH_WRITE_MAX + 1];
	int ret;

	if (count > MLH_WRITE_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (buf[0] == '+' || strlen(buf) != count)
		return -EINVAL;
	ret = kstrtouint(buf, 0, val);
	return ret == -ERANGE ? -EINVAL : ret;
}

static ssize_t mlh_read_int(char __user *ubuf, size_t count, loff_t *ppos,
			    int val)
{
	char buf[16];
	int len = scnprintf(buf, sizeof(buf), "%d\n", val);

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t mlh_enable_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct mlh_hold_counters c;

	mlh_hold_counters(&c);
	return mlh_read_int(ubuf, count, ppos, c.enabled);
}

static ssize_t mlh_enable_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	unsigned int val;
	int ret = mlh_parse(ubuf, count, &val);

	if (!ret)
		ret = mlh_ctl_enable(val);
	return ret ? ret : count;
}

static const struct file_operations mlh_enable_fops = {
	.owner = THIS_MODULE,
	.read = mlh_enable_read,
	.write = mlh_enable_write,
	.llseek = default_llseek,
};

static ssize_t mlh_tgid_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct mlh_hold_counters c;

	mlh_hold_counters(&c);
	return mlh_read_int(ubuf, count, ppos, c.tgid);
}

static ssize_t mlh_tgid_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	unsigned int val;
	int ret = mlh_parse(ubuf, count, &val);

	if (!ret)
		ret = mlh_ctl_tgid(val);
	return ret ? ret : count;
}

static const struct file_operations mlh_tgid_fops = {
	.owner = THIS_MODULE,
	.read = mlh_tgid_read,
	.write = mlh_tgid_write,
	.llseek = default_llseek,
};

static ssize_t mlh_mm_pid_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct mlh_hold_counters c;

	mlh_hold_counters(&c);
	return mlh_read_int(ubuf, count, ppos, c.mm_pid);
}

static ssize_t mlh_mm_pid_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	unsigned int val;
	int ret = mlh_parse(ubuf, count, &val);

	if (!ret)
		ret = mlh_ctl_mm(val);
	return ret ? ret : count;
}

static const struct file_operations mlh_mm_pid_fops = {
	.owner = THIS_MODULE,
	.read = mlh_mm_pid_read,
	.write = mlh_mm_pid_write,
	.llseek = default_llseek,
};

static ssize_t mlh_reset_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	unsigned int val;
	int ret = mlh_parse(ubuf, count, &val);

	if (ret)
		return ret;
	if (val != 1)
		return -EINVAL;
	mlh_ctl_reset();
	return count;
}

static const struct file_operations mlh_reset_fops = {
	.owner = THIS_MODULE,
	.write = mlh_reset_write,
	.llseek = noop_llseek,
};

/* A snapshot of everything a report shows. */
struct mlh_report {
	struct mlh_hold_counters c;
	unsigned int nr;
	u64 windows;
	struct mlh_op_snap op[MLH_MAX_OPS];
};

static struct mlh_report *mlh_report_take(void)
{
	struct mlh_report *r = kvmalloc(sizeof(*r), GFP_KERNEL);
	unsigned int i;

	if (!r)
		return NULL;
	mlh_hold_counters(&r->c);
	r->nr = mlh_stats_snapshot(r->op, MLH_MAX_OPS);
	r->windows = 0;
	for (i = 0; i < r->nr; i++)
		r->windows += r->op[i].count;
	return r;
}

static void mlh_show_hist(struct seq_file *m, const struct mlh_op_snap *s,
			  const char *sep)
{
	bool first = true;
	unsigned int k;

	for (k = 0; k < MLH_LOG2_BUCKETS; k++) {
		if (!s->log2[k])
			continue;
		seq_printf(m, "%s%u:%llu", first ? "" : sep, k, s->log2[k]);
		first = false;
	}
}

/*
 * stats: one key=value per line for the totals, then one line per
 * operation with space-separated key=value pairs.  Names have no spaces.
 * hist lists the non-empty log2 buckets as k:count, bucket k holding
 * [2^k, 2^(k+1)) ns (k = 0 also holds 0).
 */
static int mlh_stats_show(struct seq_file *m, void *v)
{
	struct mlh_report *r = mlh_report_take();
	char name[MLH_OP_NAME_LEN];
	unsigned int i;

	if (!r)
		return -ENOMEM;
	seq_printf(m, "version=%d\n", MLH_STATS_VERSION);
	seq_printf(m, "enabled=%d\n", r->c.enabled);
	seq_printf(m, "tgid=%d\n", r->c.tgid);
	seq_printf(m, "mm_pid=%d\n", r->c.mm_pid);
	seq_printf(m, "windows=%llu\n", r->windows);
	seq_printf(m, "opened=%llu\n", r->c.opened);
	seq_printf(m, "closed_release=%llu\n", r->c.on_release);
	seq_printf(m, "closed_downgrade=%llu\n", r->c.on_downgrade);
	seq_printf(m, "open=%u\n", r->c.open);
	seq_printf(m, "dropped=%llu\n", r->c.dropped);
	seq_printf(m, "replaced=%llu\n", r->c.replaced);
	seq_printf(m, "lost_start=%llu\n", r->c.lost_start);
	seq_printf(m, "lost_stop=%llu\n", r->c.lost_stop);
	if (r->c.vma_lock_stats)
		seq_printf(m, "vma_lock_success=%llu\nvma_lock_abort=%llu\nvma_lock_retry=%llu\nvma_lock_miss=%llu\n",
			   r->c.vma_lock[0], r->c.vma_lock[1],
			   r->c.vma_lock[2], r->c.vma_lock[3]);
	seq_printf(m, "ops=%u\n", r->nr);
	for (i = 0; i < r->nr; i++) {
		const struct mlh_op_snap *s = &r->op[i];
		int nr = s->op.class == MLH_OP_SYSCALL ||
			 s->op.class == MLH_OP_COMPAT ? s->op.nr : -1;

		mlh_op_name(&s->op, name, sizeof(name));
		seq_printf(m,
			   "op=%s class=%s nr=%d count=%llu min_ns=%llu p50_ns=%llu p99_ns=%llu max_ns=%llu sum_ns=%llu hist=",
			   name, mlh_op_class_name(&s->op), nr, s->count,
			   s->min_ns, s->p50_ns, s->p99_ns, s->max_ns,
			   s->sum_ns);
		mlh_show_hist(m, s, ",");
		seq_putc(m, '\n');
	}
	kvfree(r);
	return 0;
}

static int mlh_summary_show(struct seq_file *m, void *v)
{
	struct mlh_report *r = mlh_report_take();
	char name[MLH_OP_NAME_LEN];
	unsigned int i, k;

	if (!r)
		return -ENOMEM;
	seq_puts(m, "exclusive mmap_lock windows, ns (CLOCK_MONOTONIC)\n");
	seq_printf(m, "recording: %s, tgid: ", r->c.enabled ? "on" : "off");
	if (r->c.tgid)
		seq_printf(m, "%d", r->c.tgid);
	else
		seq_puts(m, "all");
	seq_puts(m, ", mm of: ");
	if (r->c.mm_pid)
		seq_printf(m, "%d\n", r->c.mm_pid);
	else
		seq_puts(m, "all\n");
	seq_printf(m,
		   "windows: %llu recorded (%llu released, %llu downgraded), %u open, %llu dropped, %llu replaced\n",
		   r->windows, r->c.on_release, r->c.on_downgrade, r->c.open,
		   r->c.dropped, r->c.replaced);
	seq_printf(m, "lost: %llu open when recording started, %llu when it stopped\n",
		   r->c.lost_start, r->c.lost_stop);
	if (r->c.vma_lock_stats)
		seq_printf(m, "page faults under a VMA lock (whole system): %llu; fell back to mmap_lock: %llu aborted, %llu retried, %llu missed\n",
			   r->c.vma_lock[0], r->c.vma_lock[1],
			   r->c.vma_lock[2], r->c.vma_lock[3]);
	seq_putc(m, '\n');
	seq_printf(m, "%-16s %8s %12s %12s %12s %12s %14s\n", "op", "count",
		   "min", "p50", "p99", "max", "total");
	for (i = 0; i < r->nr; i++) {
		const struct mlh_op_snap *s = &r->op[i];

		mlh_op_name(&s->op, name, sizeof(name));
		seq_printf(m, "%-16s %8llu %12llu %12llu %12llu %12llu %14llu\n",
			   name, s->count, s->min_ns, s->p50_ns, s->p99_ns,
			   s->max_ns, s->sum_ns);
	}
	for (i = 0; i < r->nr; i++) {
		const struct mlh_op_snap *s = &r->op[i];

		mlh_op_name(&s->op, name, sizeof(name));
		seq_printf(m, "\n%s: ns\n", name);
		for (k = 0; k < MLH_LOG2_BUCKETS; k++) {
			if (!s->log2[k])
				continue;
			seq_printf(m, "  [%14llu, %14llu) %8llu\n",
				   k ? 1ULL << k : 0ULL,
				   k < 63 ? 1ULL << (k + 1) : U64_MAX,
				   s->log2[k]);
		}
	}
	kvfree(r);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(mlh_stats);
DEFINE_SHOW_ATTRIBUTE(mlh_summary);

int mlh_report_init(void)
{
	mlh_dir = debugfs_create_dir(MLH_NAME, NULL);
	if (IS_ERR(mlh_dir))
		return PTR_ERR(mlh_dir);
	debugfs_create_file("enable", 0600, mlh_dir, NULL, &mlh_enable_fops);
	debugfs_create_file("tgid", 0600, mlh_dir, NULL, &mlh_tgid_fops);
	debugfs_create_file("mm_pid", 0600, mlh_dir, NULL, &mlh_mm_pid_fops);
	debugfs_create_file("reset", 0200, mlh_dir, NULL, &mlh_reset_fops);
	debugfs_create_file("summary", 0400, mlh_dir, NULL,
			    &mlh_summary_fops);
	debugfs_create_file("stats", 0400, mlh_dir, NULL, &mlh_stats_fops);
	return 0;
}

void mlh_report_exit(void)
{
	debugfs_remove_recursive(mlh_dir);
	mlh_dir = NULL;
}
