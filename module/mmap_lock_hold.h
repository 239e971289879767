/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmap_lock_hold: user interface of the hold-time module.
 *
 * Shared by the module and its users (selftests, bench).  Everything here
 * is fixed-size and naturally aligned, so 32-bit callers on a 64-bit
 * kernel use the same layout.  See Documentation/module.md.
 */
#ifndef _UAPI_MMAP_LOCK_HOLD_H
#define _UAPI_MMAP_LOCK_HOLD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MLH_NAME		"mmap_lock_hold"
#define MLH_DEV_PATH		"/dev/" MLH_NAME
#define MLH_DEBUGFS_DIR		"/sys/kernel/debug/" MLH_NAME

/* Version of the key=value format of the debugfs 'stats' file. */
#define MLH_STATS_VERSION	1

/* Largest size MLH_IOC_MAP, MLH_IOC_UNMAP and mmap() of the device take. */
#define MLH_MAX_SIZE		(64ULL << 30)

/* What MLH_IOC_MAP maps and populates in the calling process. */
#define MLH_KIND_ZERO		1	/* private anon PROT_READ: zero page */
#define MLH_KIND_WRITTEN	2	/* private anon PROT_READ|PROT_WRITE */
#define MLH_KIND_PFNMAP		3	/* shared VM_PFNMAP of the device */

/**
 * struct mlh_map - MLH_IOC_MAP argument
 * @kind: MLH_KIND_*
 * @flags: must be 0
 * @size: bytes, a multiple of the page size, 1 page to MLH_MAX_SIZE
 * @addr: in: page-aligned hint, used if [@addr, @addr + @size) is free, as
 *	by mmap(2) without MAP_FIXED; 0: anywhere.  out: start of the mapping
 * @ns: out: time the kernel spent mapping and populating it
 */
struct mlh_map {
	__u32 kind;
	__u32 flags;
	__u64 size;
	__u64 addr;
	__u64 ns;
};

/**
 * struct mlh_unmap - MLH_IOC_UNMAP argument
 * @addr: start of the range, page aligned
 * @size: bytes, a multiple of the page size, 1 page to MLH_MAX_SIZE
 * @flags: must be 0
 * @reserved: must be 0
 * @ns: out: duration of the vm_munmap() call
 */
struct mlh_unmap {
	__u64 addr;
	__u64 size;
	__u32 flags;
	__u32 reserved;
	__u64 ns;
};

#define MLH_IOC_MAGIC		0xB9
/* Map and populate @size bytes of @kind in the caller's mm. */
#define MLH_IOC_MAP		_IOWR(MLH_IOC_MAGIC, 1, struct mlh_map)
/* vm_munmap() [@addr, @addr + @size) of the caller's mm. */
#define MLH_IOC_UNMAP		_IOWR(MLH_IOC_MAGIC, 2, struct mlh_unmap)
/*
 * Zap every mapping of the device, in every process, with zap_vma_ptes()
 * under that mm's mmap_read_lock, as vfio-pci does on a device reset.
 * The argument must be 0.  Returns the number of mappings zapped.
 */
#define MLH_IOC_ZAP		_IO(MLH_IOC_MAGIC, 3)
/*
 * Make the next mmap() of this open file of the device fail with the
 * errno passed as the argument (1 to 511, ENOMEM say), once; 0 cancels.
 */
#define MLH_IOC_FAIL_MMAP	_IO(MLH_IOC_MAGIC, 4)

/*
 * The recording controls, the same as the writable debugfs files, which
 * the kernel refuses under lockdown (lockdown=integrity, Secure Boot);
 * the read-only reports, 'stats' and 'summary', stay readable.  The
 * argument is the value itself, not a pointer; a value out of range is
 * -EINVAL and changes nothing.
 */
/* 1: start recording, 0: stop ('enable'). */
#define MLH_IOC_ENABLE		_IO(MLH_IOC_MAGIC, 5)
/* Per-task filter: the thread group id, 0 for none ('tgid'). */
#define MLH_IOC_SET_TGID	_IO(MLH_IOC_MAGIC, 6)
/*
 * Per-address-space filter: a pid whose mm to record, 0 for none
 * ('mm_pid'); -ESRCH for no such process, -EINVAL for one without an mm.
 */
#define MLH_IOC_SET_MM		_IO(MLH_IOC_MAGIC, 7)
/* Zero the statistics and counters ('reset'); the argument must be 0. */
#define MLH_IOC_RESET		_IO(MLH_IOC_MAGIC, 8)

#endif /* _UAPI_MMAP_LOCK_HOLD_H */
