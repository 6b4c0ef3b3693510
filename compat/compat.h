/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * Every difference between the kernels pvio builds for (Debian's 6.1 and
 * 6.12) lives here, force-included into every object by Kbuild, so that no
 * driver file carries a LINUX_VERSION_CODE test.
 */
#ifndef _PVIO_COMPAT_H
#define _PVIO_COMPAT_H

#include <linux/version.h>

/*
 * struct bus_type's ->match() takes a const driver since 6.11; declare
 * pvio's match functions with this type so both kernels take them.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define pvio_compat_const_drv const
#else
#define pvio_compat_const_drv
#endif

/*
 * The driver core takes const struct bus_type pointers since 6.4; before,
 * it kept its private state in the bus_type, so it must stay writable.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define PVIO_BUS_TYPE const struct bus_type
#else
#define PVIO_BUS_TYPE struct bus_type
#endif

/* struct bus_type's ->uevent() takes a const device since 6.3. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define PVIO_UEVENT_DEV const
#else
#define PVIO_UEVENT_DEV
#endif

/*
 * blk-mq disks take their queue limits at allocation since 6.9, with the
 * write cache and FUA as limit features since 6.11; 6.1 sets each limit
 * on the queue afterwards. Macros, because this header comes before any
 * block header: fill a struct queue_limits, say whether the device has a
 * volatile write cache and honours FUA, get a disk or an ERR_PTR().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define pvio_compat_blk_alloc_disk(set, lim, cache, fua, data) ({	\
	(lim)->features |= ((cache) ? BLK_FEAT_WRITE_CACHE : 0) |	\
			   ((fua) ? BLK_FEAT_FUA : 0);			\
	blk_mq_alloc_disk(set, lim, data);				\
})
#else
#define pvio_compat_blk_alloc_disk(set, lim, cache, fua, data) ({	\
	struct gendisk *__disk = blk_mq_alloc_disk(set, data);		\
									\
	if (!IS_ERR(__disk))						\
		pvio_compat_blk_set_limits(__disk->queue, lim, cache, fua); \
	__disk;								\
})
#define pvio_compat_blk_set_limits(q, lim, cache, fua) do {		\
	blk_queue_logical_block_size(q, (lim)->logical_block_size);	\
	blk_queue_physical_block_size(q, (lim)->physical_block_size);	\
	blk_queue_max_hw_sectors(q, (lim)->max_hw_sectors);		\
	blk_queue_max_segments(q, (lim)->max_segments);			\
	blk_queue_max_discard_sectors(q, (lim)->max_hw_discard_sectors); \
	(q)->limits.discard_granularity = (lim)->discard_granularity;	\
	blk_queue_max_write_zeroes_sectors(q,				\
					   (lim)->max_write_zeroes_sectors); \
	blk_queue_write_cache(q, cache, fua);				\
} while (0)
#endif

/*
 * A disk's segments per request and largest request, changed on a live
 * disk, queue frozen: with an atomic update of its limits since 6.9, by
 * setting each on the queue before. 0 or a negative errno.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define pvio_compat_blk_set_max_segs(q, segs, sectors) ({		\
	struct queue_limits __lim;					\
	int __ret;							\
									\
	blk_mq_freeze_queue(q);						\
	__lim = queue_limits_start_update(q);				\
	__lim.max_segments = (segs);					\
	__lim.max_hw_sectors = (sectors);				\
	__ret = queue_limits_commit_update(q, &__lim);			\
	blk_mq_unfreeze_queue(q);					\
	__ret;								\
})
#else
#define pvio_compat_blk_set_max_segs(q, segs, sectors) ({		\
	blk_mq_freeze_queue(q);						\
	blk_queue_max_segments(q, segs);				\
	blk_queue_max_hw_sectors(q, sectors);				\
	blk_mq_unfreeze_queue(q);					\
	0;								\
})
#endif

/*
 * A dump's request attributes, parsed with its op's policy: in the
 * struct genl_info of the dump since 6.6, beside the op before.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define pvio_compat_dump_attrs(cb)	(genl_info_dump(cb)->attrs)
#else
#define pvio_compat_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

/*
 * Opening a backing block device: since 6.9 the open returns a struct
 * file (put with fput(), the device from file_bdev()); 6.1 returns the
 * block_device itself, closed with blkdev_put() and the mode it was
 * opened with. A read-write open is exclusive, with @holder; a read-only
 * one is shared. Macros, as above: the block headers come later. The
 * open (by path, or by device number) fills @h and gives 0 or a negative
 * errno.
 */
#include <linux/types.h>
struct block_device;
struct file;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
struct pvio_compat_bdev_handle {
	struct file *file;
};

#define pvio_compat_bdev_open(h, path, rw, holder) ({			\
	(h)->file = bdev_file_open_by_path(path, (rw) ?		\
			BLK_OPEN_READ | BLK_OPEN_WRITE : BLK_OPEN_READ,	\
			(rw) ? (holder) : NULL, NULL);			\
	PTR_ERR_OR_ZERO((h)->file);					\
})
#define pvio_compat_bdev_open_dev(h, dev, rw, holder) ({		\
	(h)->file = bdev_file_open_by_dev(dev, (rw) ?			\
			BLK_OPEN_READ | BLK_OPEN_WRITE : BLK_OPEN_READ,	\
			(rw) ? (holder) : NULL, NULL);			\
	PTR_ERR_OR_ZERO((h)->file);					\
})
#define pvio_compat_bdev(h)		file_bdev((h)->file)
/* bdev_fput() yields the claim at once; fput() from a kthread defers it. */
#define pvio_compat_bdev_close(h)	bdev_fput((h)->file)
#else
struct pvio_compat_bdev_handle {
	struct block_device *bdev;
	fmode_t mode;
};

#define pvio_compat_bdev_open(h, path, rw, holder) ({			\
	(h)->mode = (rw) ? FMODE_READ | FMODE_WRITE | FMODE_EXCL :	\
		    FMODE_READ;						\
	(h)->bdev = blkdev_get_by_path(path, (h)->mode,		\
				       (rw) ? (holder) : NULL);		\
	PTR_ERR_OR_ZERO((h)->bdev);					\
})
#define pvio_compat_bdev_open_dev(h, dev, rw, holder) ({		\
	(h)->mode = (rw) ? FMODE_READ | FMODE_WRITE | FMODE_EXCL :	\
		    FMODE_READ;						\
	(h)->bdev = blkdev_get_by_dev(dev, (h)->mode,			\
				      (rw) ? (holder) : NULL);		\
	PTR_ERR_OR_ZERO((h)->bdev);					\
})
#define pvio_compat_bdev(h)		((h)->bdev)
#define pvio_compat_bdev_close(h)	blkdev_put((h)->bdev, (h)->mode)
#endif

/*
 * vfs_iter_write() takes the file system's freeze protection itself
 * since 6.7; before, its caller did.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define pvio_compat_vfs_iter_write(file, iter, pos)			\
	vfs_iter_write(file, iter, pos, 0)
#else
#define pvio_compat_vfs_iter_write(file, iter, pos) ({			\
	ssize_t __ret;							\
									\
	file_start_write(file);						\
	__ret = vfs_iter_write(file, iter, pos, 0);			\
	file_end_write(file);						\
	__ret;								\
})
#endif

/*
 * A page pool knows its NAPI context (direct recycling from skbs freed
 * there) and its netdev (listed over netlink) since 6.8; 6.1 has
 * neither field. (Its helpers' header, <net/page_pool/helpers.h> since
 * 6.6, comes from compat/include-6.1/ before: Kbuild probes for it.)
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define pvio_compat_pp_owner(pp, n, d) do {				\
	(pp)->napi = (n);						\
	(pp)->netdev = (d);						\
} while (0)
#else
#define pvio_compat_pp_owner(pp, n, d) do {				\
	(void)(pp);							\
	(void)(n);							\
	(void)(d);							\
} while (0)
#endif

/*
 * A netdev says which XDP actions it has since 6.3; 6.1 knows neither
 * the field nor the flags.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define pvio_compat_xdp_features(dev, f)	((dev)->xdp_features = (f))
#else
#define NETDEV_XDP_ACT_BASIC		0
#define NETDEV_XDP_ACT_REDIRECT		0
#define NETDEV_XDP_ACT_NDO_XMIT		0
#define pvio_compat_xdp_features(dev, f) do {				\
	(void)(dev);							\
	(void)(f);							\
} while (0)
#endif

/*
 * extack messages take a format since 6.2; before, a plain message
 * stands in.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define pvio_compat_extack_fmt(extack, plain, fmt, args...) do {	\
	(void)(plain);							\
	NL_SET_ERR_MSG_FMT_MOD(extack, fmt, ##args);			\
} while (0)
#else
#define pvio_compat_extack_fmt(extack, plain, fmt, args...) do {	\
	(void)(fmt);							\
	NL_SET_ERR_MSG_MOD(extack, plain);				\
} while (0)
#endif

/*
 * The VMA's flags are set through vm_flags_set() since 6.3, and
 * eventfd_signal() lost its count in 6.8.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define pvio_compat_vm_flags_set(vma, f)	vm_flags_set(vma, f)
#define pvio_compat_vm_flags_clear(vma, f)	vm_flags_clear(vma, f)
#else
#define pvio_compat_vm_flags_set(vma, f)	((vma)->vm_flags |= (f))
#define pvio_compat_vm_flags_clear(vma, f)	((vma)->vm_flags &= ~(f))
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define pvio_compat_eventfd_signal(ctx)		eventfd_signal(ctx)
#else
#define pvio_compat_eventfd_signal(ctx)		eventfd_signal(ctx, 1)
#endif

#endif /* _PVIO_COMPAT_H */
