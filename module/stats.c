// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_hold: per-operation statistics of the exclusive windows.
 *
 * Each operation (see attr.c) keeps its count, sum, min and max, and a
 * log-linear histogram: every power of two of nanoseconds is split into
 * MLH_SUB equal buckets, so a percentile read from it is at most 1/MLH_SUB
 * (12.5%) above the true value, and never outside [min, max].  The log2
 * histogram of the reports is the sum of each power's buckets.  Memory is
 * fixed: MLH_MAX_OPS operations, allocated at load time; the last slot
 * collects every operation that finds the others taken.
 *
 * Locking: mlh_stats_lock, a raw spinlock (windows are recorded from the
 * tracepoint probes, with preemption disabled), protects everything here.
 * It is a leaf lock, taken only in task context.  Readers copy one
 * operation at a time, so the lock is never held for long.
 */
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "mlh.h"

#define MLH_SUB_BITS		3
#define MLH_SUB			BIT(MLH_SUB_BITS)
/* Buckets 0..MLH_SUB-1 are exact; then MLH_SUB per power of two to 2^63. */
#define MLH_NR_BUCKETS		((64 - MLH_SUB_BITS + 1) * MLH_SUB)

struct mlh_op_stats {
	struct mlh_op op;
	u64 count;
	u64 sum_ns;
	u64 min_ns;
	u64 max_ns;
	u64 bucket[MLH_NR_BUCKETS];
};

static struct mlh_op_stats *mlh_ops;	/* MLH_MAX_OPS of them */
static unsigned int mlh_nr_ops;		/* slots in use */
static DEFINE_RAW_SPINLOCK(mlh_stats_lock);

static unsigned int mlh_bucket(u64 ns)
{
	unsigned int e;

	if (ns < MLH_SUB)
		return ns;
	e = fls64(ns) - 1;
	return (e - MLH_SUB_BITS + 1) * MLH_SUB +
	       ((ns >> (e - MLH_SUB_BITS)) & (MLH_SUB - 1));
}

/* Smallest value of bucket @i, and the number of values it holds. */
static u64 mlh_bucket_low(unsigned int i, u64 *width)
{
	unsigned int e;

	if (i < MLH_SUB) {
		*width = 1;
		return i;
	}
	e = i / MLH_SUB + MLH_SUB_BITS - 1;
	*width = 1ULL << (e - MLH_SUB_BITS);
	return (u64)(MLH_SUB + i % MLH_SUB) << (e - MLH_SUB_BITS);
}

/* Called with mlh_stats_lock held. */
static struct mlh_op_stats *mlh_op_slot(const struct mlh_op *op)
{
	struct mlh_op_stats *s;
	unsigned int i;

	for (i = 0; i < mlh_nr_ops; i++)
		if (mlh_op_equal(&mlh_ops[i].op, op))
			return &mlh_ops[i];
	if (mlh_nr_ops < MLH_MAX_OPS - 1) {
		s = &mlh_ops[mlh_nr_ops++];
		s->op = *op;
		return s;
	}
	/* Full: the last slot is 'other'. */
	s = &mlh_ops[MLH_MAX_OPS - 1];
	if (mlh_nr_ops < MLH_MAX_OPS) {
		mlh_nr_ops = MLH_MAX_OPS;
		s->op.class = MLH_OP_OTHER;
		s->op.nr = 0;
	}
	return s;
}

/* Count one window of @ns nanoseconds taken by @op. */
void mlh_stats_record(const struct mlh_op *op, u64 ns)
{
	struct mlh_op_stats *s;

	raw_spin_lock(&mlh_stats_lock);
	s = mlh_op_slot(op);
	if (!s->count || ns < s->min_ns)
		s->min_ns = ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	s->count++;
	s->sum_ns += ns;
	s->bucket[mlh_bucket(ns)]++;
	raw_spin_unlock(&mlh_stats_lock);
}

/* The value at or below which a fraction @num/@den of @s's windows are. */
static u64 mlh_percentile(const struct mlh_op_stats *s, u64 num, u64 den)
{
	u64 rank = div64_u64(s->count * num + den - 1, den);
	u64 seen = 0, low, width;
	unsigned int i;

	if (!rank)
		rank = 1;
	for (i = 0; i < MLH_NR_BUCKETS; i++) {
		seen += s->bucket[i];
		if (seen >= rank)
			break;
	}
	if (i == MLH_NR_BUCKETS)
		return s->max_ns;
	low = mlh_bucket_low(i, &width);
	return clamp(low + (width - 1), s->min_ns, s->max_ns);
}

static void mlh_snap_one(const struct mlh_op_stats *s, struct mlh_op_snap *d)
{
	u64 width;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->op = s->op;
	d->count = s->count;
	d->sum_ns = s->sum_ns;
	d->min_ns = s->min_ns;
	d->max_ns = s->max_ns;
	if (!s->count)
		return;
	d->p50_ns = mlh_percentile(s, 50, 100);
	d->p99_ns = mlh_percentile(s, 99, 100);
	for (i = 0; i < MLH_NR_BUCKETS; i++) {
		u64 low = mlh_bucket_low(i, &width);

		if (s->bucket[i])
			d->log2[low ? fls64(low) - 1 : 0] += s->bucket[i];
	}
}

/**
 * mlh_stats_snapshot() - Copy the statistics out.
 * @snap: At least @max entries
 * @max: Size of @snap
 *
 * Each entry is consistent in itself; windows recorded (or a reset) while
 * this runs may show in some entries and not others.  Returns the number
 * of entries filled, in the order the operations were first seen.
 */
unsigned int mlh_stats_snapshot(struct mlh_op_snap *snap, unsigned int max)
{
	unsigned int i;

	for (i = 0; i < max; i++) {
		raw_spin_lock(&mlh_stats_lock);
		if (i >= mlh_nr_ops) {
			raw_spin_unlock(&mlh_stats_lock);
			break;
		}
		mlh_snap_one(&mlh_ops[i], &snap[i]);
		raw_spin_unlock(&mlh_stats_lock);
	}
	return i;
}

void mlh_stats_reset(void)
{
	unsigned int i;

	raw_spin_lock(&mlh_stats_lock);
	for (i = 0; i < mlh_nr_ops; i++)
		memset(&mlh_ops[i], 0, sizeof(mlh_ops[i]));
	mlh_nr_ops = 0;
	raw_spin_unlock(&mlh_stats_lock);
}

int mlh_stats_init(void)
{
	mlh_ops = vzalloc(array_size(MLH_MAX_OPS, sizeof(*mlh_ops)));
	return mlh_ops ? 0 : -ENOMEM;
}

void mlh_stats_exit(void)
{
	vfree(mlh_ops);
	mlh_ops = NULL;
}
