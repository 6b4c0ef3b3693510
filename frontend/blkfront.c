// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_blkfront: the frontend of a vbd. It follows the backend's state
 * through the handshake of Documentation/blkif.rst, creates /dev/pvdX the
 * first time the backend connects, and keeps it through every later loss
 * of the backend: requests wait, shadowed, and go again to the next
 * backend. Only removing the device fails what is in flight, and, if the
 * operator set an io_timeout, a backend gone for longer than that.
 */
#include <linux/blkdev.h>
#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "blkfront.h"

#define BLKFRONT_MINORS		16	/* the disk and 15 partitions */
#define BLKFRONT_DISKS_MAX	256
/* A day; an operator who would wait longer wants 0 (for ever). */
#define BLKFRONT_IO_TIMEOUT_MAX	86400

static unsigned int max_queues = 4;
module_param(max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Queues per disk, at most (default 4, max 16)");

static unsigned int ring_order = 6;
module_param(ring_order, uint, 0444);
MODULE_PARM_DESC(ring_order,
		 "log2 of ring slots, the queue depth (default 6, max 10)");

unsigned int blkfront_pool_pages = 1024;
module_param_named(pool_pages, blkfront_pool_pages, uint, 0444);
MODULE_PARM_DESC(pool_pages,
		 "Buffer pool pages per queue, at most (default 1024)");

/*
 * The io_timeout of the module parameter and of each device's sysfs
 * file: untrusted text. -EINVAL for what is no number, -ERANGE for a
 * number above BLKFRONT_IO_TIMEOUT_MAX.
 */
static int blkfront_parse_io_timeout(const char *buf, unsigned int *secs)
{
	int ret;

	ret = kstrtouint(buf, 10, secs);
	if (ret)
		return ret;
	return *secs > BLKFRONT_IO_TIMEOUT_MAX ? -ERANGE : 0;
}

static int blkfront_io_timeout_set(const char *val,
				   const struct kernel_param *kp)
{
	unsigned int secs;
	int ret;

	ret = blkfront_parse_io_timeout(val, &secs);
	if (!ret)
		WRITE_ONCE(*(unsigned int *)kp->arg, secs);
	return ret;
}

static const struct kernel_param_ops blkfront_io_timeout_ops = {
	.set = blkfront_io_timeout_set,
	.get = param_get_uint,
};

/* Read at probe: a change applies to the devices bound after it. */
static unsigned int io_timeout;
module_param_cb(io_timeout, &blkfront_io_timeout_ops, &io_timeout, 0644);
MODULE_PARM_DESC(io_timeout,
		 "Seconds without a backend before held I/O fails, for devices bound later (default 0: wait for ever, max 86400)");

static int blkfront_major;
static DEFINE_IDA(blkfront_ida);

/* ---- what the backend offers ---- */

static bool blkfront_block_size_ok(u32 size, u32 min, u32 max)
{
	return is_power_of_2(size) && size >= min && size <= max;
}

/*
 * The most sectors a disk may have: its size in bytes is the block
 * device's i_size, a loff_t. Past it i_size goes negative, and a read of
 * the disk then hangs in D state.
 */
#define BLKFRONT_SECTORS_MAX	((u64)MAX_LFS_FILESIZE >> PVIO_BLKIF_SECTOR_SHIFT)

int blkfront_read_disk_info(struct blkfront_info *info,
			    struct blkfront_disk_info *di)
{
	char key[PVIO_STORE_KEY_MAX], buf[PVIO_STORE_VALUE_MAX];
	int ret;

	snprintf(key, sizeof(key), "vbd%u/disk", info->pdev->index);
	ret = pvio_store_read(info->link, PVIO_STORE_BACKEND, key, buf,
			      sizeof(buf));
	if (ret)
		return ret;
	if (sscanf(buf, "%llu %u %u %u %u %u %u %u", &di->sectors,
		   &di->logical_block_size, &di->physical_block_size,
		   &di->features, &di->max_segs, &di->max_queues,
		   &di->max_ring_order, &di->discard_granularity) != 8)
		return -EPROTO;
	if (!blkfront_block_size_ok(di->logical_block_size, 512, PAGE_SIZE) ||
	    !blkfront_block_size_ok(di->physical_block_size,
				    di->logical_block_size, SZ_64K) ||
	    !di->max_segs || !di->max_queues ||
	    di->max_ring_order > PVIO_BLKIF_RING_ORDER_MAX ||
	    di->sectors > BLKFRONT_SECTORS_MAX)
		return -EPROTO;
	di->max_queues = min_t(u32, di->max_queues, PVIO_BLKIF_QUEUES_MAX);
	di->max_segs = min_t(u32, di->max_segs, PVIO_BLKIF_SEGS_MAX);
	/* Whole logical blocks only. */
	di->sectors = round_down(di->sectors, di->logical_block_size >>
				 PVIO_BLKIF_SECTOR_SHIFT);
	if (!blkfront_block_size_ok(di->discard_granularity,
				    di->logical_block_size, SZ_1G))
		di->discard_granularity = di->logical_block_size;
	return 0;
}

/*
 * The serial number into @serial (PVIO_BLKIF_SERIAL_MAX + 1 bytes),
 * printable or nothing. Sleeps, like every store read: not under
 * info->lock.
 */
static void blkfront_read_serial(struct blkfront_info *info, char *serial)
{
	char key[PVIO_STORE_KEY_MAX], buf[PVIO_STORE_VALUE_MAX];
	size_t i;

	serial[0] = '\0';
	snprintf(key, sizeof(key), "vbd%u/serial", info->pdev->index);
	if (pvio_store_read(info->link, PVIO_STORE_BACKEND, key, buf,
			    sizeof(buf)) ||
	    strlen(buf) > PVIO_BLKIF_SERIAL_MAX)
		return;
	for (i = 0; buf[i]; i++)
		if (!isgraph(buf[i]))
			return;
	strscpy(serial, buf, PVIO_BLKIF_SERIAL_MAX + 1);
}

/* ---- our state ---- */

static void blkfront_quiesce(struct blkfront_info *info, bool on)
{
	if (!info->disk || info->quiesced == on)
		return;
	if (on)
		blk_mq_quiesce_queue(info->disk->queue);
	else
		blk_mq_unquiesce_queue(info->disk->queue);
	info->quiesced = on;
}

/* Let what waits in blk-mq run into ->queue_rq(), which fails it. */
static void blkfront_fail_waiting(struct blkfront_info *info)
{
	blkfront_quiesce(info, false);
	blk_mq_start_stopped_hw_queues(info->disk->queue, true);
	blk_mq_kick_requeue_list(info->disk->queue);
}

/* ---- io_timeout: how long I/O waits for a backend ---- */

/*
 * No backend for io_timeout seconds: fail what is held and what comes
 * until one connects. Nothing is on a ring (blkfront_lose() took it all
 * back), so once ->failing is set every request, requeued or new, ends
 * in ->queue_rq(). Under info->lock.
 */
static void blkfront_fail_held(struct blkfront_info *info)
{
	if (info->failing)
		return;
	/* Set while quiesced: no ->queue_rq() runs that missed it. */
	WRITE_ONCE(info->failing, true);
	dev_warn_ratelimited(&info->pdev->dev,
			     "%s: backend gone for %lus, failing I/O\n",
			     info->disk->disk_name,
			     (jiffies - info->lost_at) / HZ);
	blkfront_fail_waiting(info);
}

/*
 * Hold I/O again (io_timeout raised or set to 0 after it ran out).
 * While ->failing nothing reached a ring, so there is nothing to take
 * back. Under info->lock.
 */
static void blkfront_hold_again(struct blkfront_info *info)
{
	if (!info->failing)
		return;
	blkfront_quiesce(info, true);
	WRITE_ONCE(info->failing, false);
}

/*
 * Bring the io_timeout in line with the backend's absence and the
 * setting: fail I/O if it is due, else hold it and arm the work for when
 * it will be. Without a backend only: blkfront_connect() cancels it, and
 * before the first connection there is no disk. Never waits for the
 * work, which takes info->lock and comes here again. Under info->lock.
 */
static void blkfront_timeout_update(struct blkfront_info *info)
{
	unsigned long now = jiffies, deadline;

	if (info->conn == BLKFRONT_CONNECTED || !info->disk || info->removing)
		return;
	deadline = info->lost_at +
		   msecs_to_jiffies(info->io_timeout * MSEC_PER_SEC);
	if (info->io_timeout && !time_before(now, deadline)) {
		cancel_delayed_work(&info->timeout_work);
		blkfront_fail_held(info);
		return;
	}
	blkfront_hold_again(info);
	if (info->io_timeout)
		mod_delayed_work(system_wq, &info->timeout_work,
				 deadline - now);
	else
		cancel_delayed_work(&info->timeout_work);
}

static void blkfront_timeout_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(to_delayed_work(work),
						  struct blkfront_info,
						  timeout_work);

	mutex_lock(&info->lock);
	blkfront_timeout_update(info);
	mutex_unlock(&info->lock);
}

/*
 * The backend is gone, or broke the protocol: hold the disk's I/O, take
 * back what was sent for replay, and start over; the io_timeout counts
 * from the loss of a connected backend. Under info->lock.
 */
static void blkfront_lose(struct blkfront_info *info)
{
	if (info->conn == BLKFRONT_DISCONNECTED)
		return;
	if (info->conn == BLKFRONT_CONNECTED) {
		dev_info(&info->pdev->dev,
			 "backend lost, holding I/O until it is back\n");
		info->lost_at = jiffies;
	}
	/* Failing already (io_timeout): nothing was sent, nothing to hold. */
	if (!info->failing)
		blkfront_quiesce(info, true);
	blkfront_rings_disconnect(info, true);
	info->conn = BLKFRONT_DISCONNECTED;
	pvio_backoff_down(&info->backoff);
	pvio_frontend_state_reset(info->link);
	blkfront_timeout_update(info);
}

/*
 * What of our rings the backend @di takes: as many as it offers of those
 * we have, of its ring order up to theirs, with requests of its segments
 * up to ours (a larger request goes in parts). Usable only if the
 * largest request the disk may hold, built for an earlier backend, fits
 * one ring's slots and pool at once, in parts.
 */
static bool blkfront_negotiate(struct blkfront_info *info,
			       const struct blkfront_disk_info *di,
			       unsigned int *nr, unsigned int *order,
			       u32 *segs)
{
	*nr = min_t(unsigned int, info->nr_queues, di->max_queues);
	*order = min_t(unsigned int, info->ring_order, di->max_ring_order);
	*segs = min(info->max_pages, di->max_segs);
	return DIV_ROUND_UP(info->max_pages, *segs) <= 1U << *order &&
	       blkfront_rq_pages(info->max_pages, *segs) <=
	       info->rings[0].pool_pages;
}

/*
 * Can a disk set up for an earlier backend work with this one? It takes
 * fewer queues, a smaller ring and fewer segments (blkfront_negotiate()),
 * not less of the rest: every feature the disk advertises (read-only
 * aside, which the disk follows), its block size, its discard
 * granularity.
 */
static bool blkfront_fits(struct blkfront_info *info,
			  const struct blkfront_disk_info *di)
{
	const struct blkfront_disk_info *built = &info->disk_di;
	u32 used = built->features & ~(PVIO_BLKIF_FEAT_READONLY |
				       PVIO_BLKIF_FEAT_NONCE);
	unsigned int nr, order;
	u32 segs;

	if ((di->features & used) != used)
		return false;
	if ((used & PVIO_BLKIF_FEAT_DISCARD) &&
	    di->discard_granularity > built->discard_granularity)
		return false;
	return blkfront_negotiate(info, di, &nr, &order, &segs) &&
	       di->logical_block_size == built->logical_block_size;
}

/*
 * Use as many rings, slots and segments as this backend takes; with the
 * queue quiesced (or failing, or no disk yet): ->queue_rq() reads them.
 * Under info->lock.
 */
static void blkfront_take_shape(struct blkfront_info *info,
				const struct blkfront_disk_info *di)
{
	unsigned int nr, order;
	u32 segs;

	blkfront_negotiate(info, di, &nr, &order, &segs);
	if (info->nr_active && (nr != info->nr_active ||
				order != info->active_order ||
				segs != info->active_segs))
		dev_info(&info->pdev->dev,
			 "backend takes %u queues of order %u, %u segments per request (was %u, %u, %u)\n",
			 nr, order, segs, info->nr_active, info->active_order,
			 info->active_segs);
	WRITE_ONCE(info->nr_active, nr);
	info->active_order = order;
	WRITE_ONCE(info->active_segs, segs);
}

/*
 * Bring blk-mq to the current backend's shape: its queue limits (what
 * requests are built for from now on) and its number of hardware
 * queues. Both freeze the queue, waiting for the requests in flight,
 * which need the backend: so without info->lock, after the disk's first
 * partition scan, and again if another backend came meanwhile.
 */
static void blkfront_reshape_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(work, struct blkfront_info,
						  reshape_work);
	struct request_queue *q = info->disk->queue;
	unsigned int nr;
	bool stop;
	u32 segs;
	int ret;

	flush_work(&info->add_work);
	for (;;) {
		mutex_lock(&info->lock);
		stop = info->removing || !info->disk_added;
		nr = info->nr_active;
		segs = info->active_segs;
		mutex_unlock(&info->lock);
		if (stop || (info->tag_set.nr_hw_queues == nr &&
			     queue_max_segments(q) == segs))
			return;
		if (queue_max_segments(q) != segs) {
			ret = pvio_compat_blk_set_max_segs(q, segs, segs <<
					(PVIO_PAGE_SHIFT - PVIO_BLKIF_SECTOR_SHIFT));
			if (ret) {
				/* Requests still go in parts: they work. */
				dev_warn(&info->pdev->dev,
					 "cannot set %u segments: %d\n",
					 segs, ret);
				return;
			}
		}
		if (info->tag_set.nr_hw_queues != nr) {
			blk_mq_update_nr_hw_queues(&info->tag_set, nr);
			if (info->tag_set.nr_hw_queues != nr)
				return;	/* blk-mq kept its queues: they work */
		}
		dev_info(&info->pdev->dev, "%s: %u queues, %u segments\n",
			 info->disk->disk_name, nr, segs);
	}
}

/*
 * The backend waits for us: publish rings, on the disk info and serial
 * it published (read before info->lock was taken). Under info->lock.
 */
static int blkfront_setup(struct blkfront_info *info,
			  const struct blkfront_disk_info *di,
			  const char *serial)
{
	int ret;

	if (info->rings && !blkfront_fits(info, di)) {
		dev_err_ratelimited(&info->pdev->dev,
				    "new backend offers less than the disk uses, waiting\n");
		return -ENOSPC;
	}
	info->di = *di;
	if (!info->rings) {
		/* The first backend fixes the disk's geometry for good. */
		info->disk_di = *di;
		info->nr_queues = min3(di->max_queues, max_queues,
				       nr_cpu_ids);
		info->ring_order = min(di->max_ring_order, ring_order);
		ret = blkfront_rings_alloc(info);
		if (ret) {
			dev_err_ratelimited(&info->pdev->dev,
					    "cannot set up %u rings on the link: %d\n",
					    info->nr_queues, ret);
			return ret;
		}
		blkfront_debugfs_add(info);
	}
	blkfront_take_shape(info, di);
	strscpy(info->serial, serial, sizeof(info->serial));
	/* A fresh nonce, out before the keys it stands for. */
	info->nonce = pvio_nonce_new();
	ret = pvio_nonce_publish(info->pdev, info->nonce);
	if (!ret)
		ret = blkfront_rings_connect(info);
	if (ret) {
		dev_err_ratelimited(&info->pdev->dev,
				    "cannot publish rings: %d\n", ret);
		return ret;
	}
	info->conn = BLKFRONT_INITIALISED;
	pvio_state_set(info->link, PVIO_FRONTEND, PVIO_STATE_INITIALISED);
	return 0;
}

/*
 * A backend waits for us: attempt to connect from blkfront_connect_work(),
 * no sooner than the backoff allows. A pending attempt is not put off.
 * Under info->lock.
 */
static void blkfront_schedule_connect(struct blkfront_info *info)
{
	if (!info->removing)
		queue_delayed_work(system_wq, &info->connect_work,
				   pvio_backoff_wait(&info->backoff));
}

/* ---- the disk ---- */

static const struct block_device_operations blkfront_fops = {
	.owner = THIS_MODULE,
};

static ssize_t serial_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct blkfront_info *info = dev_to_disk(dev)->private_data;

	return sysfs_emit(buf, "%s\n", info->serial);
}
static DEVICE_ATTR_RO(serial);

static struct attribute *blkfront_disk_attrs[] = {
	&dev_attr_serial.attr,
	NULL,
};

static const struct attribute_group blkfront_disk_group = {
	.attrs = blkfront_disk_attrs,
};

static const struct attribute_group *blkfront_disk_groups[] = {
	&blkfront_disk_group,
	NULL,
};

/* pvda ... pvdz, pvdaa ... as sd names its disks. */
static void blkfront_disk_name(char *name, size_t len, int index)
{
	char suffix[8];
	int i = sizeof(suffix) - 1;

	suffix[i] = '\0';
	do {
		suffix[--i] = 'a' + index % 26;
		index = index / 26 - 1;
	} while (index >= 0 && i > 0);
	snprintf(name, len, "pvd%s", &suffix[i]);
}

static void blkfront_limits(struct blkfront_info *info,
			    struct queue_limits *lim)
{
	const struct blkfront_disk_info *di = &info->di;

	lim->logical_block_size = di->logical_block_size;
	lim->physical_block_size = di->physical_block_size;
	lim->max_hw_sectors = info->active_segs <<
			      (PVIO_PAGE_SHIFT - PVIO_BLKIF_SECTOR_SHIFT);
	lim->max_segments = min_t(u32, info->active_segs, USHRT_MAX);
	if (di->features & PVIO_BLKIF_FEAT_DISCARD) {
		lim->max_hw_discard_sectors = PVIO_BLKIF_ZERO_SECTORS_MAX;
		lim->discard_granularity = di->discard_granularity;
	}
	if (di->features & PVIO_BLKIF_FEAT_WRITE_ZEROES)
		lim->max_write_zeroes_sectors = PVIO_BLKIF_ZERO_SECTORS_MAX;
}

static int blkfront_create_disk(struct blkfront_info *info)
{
	struct blk_mq_tag_set *set = &info->tag_set;
	struct queue_limits lim = {};
	struct gendisk *disk;
	int ret;

	set->ops = &blkfront_mq_ops;
	set->nr_hw_queues = info->nr_active;
	set->queue_depth = 1U << info->ring_order;
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = sizeof(struct blkfront_pdu);
	set->flags = BLK_MQ_F_SHOULD_MERGE;
	set->driver_data = info;
	ret = blk_mq_alloc_tag_set(set);
	if (ret)
		return ret;

	blkfront_limits(info, &lim);
	disk = pvio_compat_blk_alloc_disk(set, &lim,
					  info->di.features & PVIO_BLKIF_FEAT_FLUSH,
					  info->di.features & PVIO_BLKIF_FEAT_FUA,
					  info);
	if (IS_ERR(disk)) {
		blk_mq_free_tag_set(set);
		return PTR_ERR(disk);
	}
	disk->major = blkfront_major;
	disk->first_minor = info->index * BLKFRONT_MINORS;
	disk->minors = BLKFRONT_MINORS;
	disk->fops = &blkfront_fops;
	disk->private_data = info;
	blkfront_disk_name(disk->disk_name, sizeof(disk->disk_name),
			   info->index);
	set_capacity(disk, info->di.sectors);
	set_disk_ro(disk, info->di.features & PVIO_BLKIF_FEAT_READONLY);
	info->disk = disk;
	return 0;
}

/*
 * Adding the disk scans its partitions: I/O that needs the backend. It
 * runs without info->lock, so a backend lost meanwhile is dealt with and
 * the scan's requests wait for the next backend like any others.
 */
static void blkfront_add_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(work, struct blkfront_info,
						  add_work);
	int ret;

	ret = device_add_disk(&info->pdev->dev, info->disk,
			      blkfront_disk_groups);
	if (ret) {
		dev_err(&info->pdev->dev, "cannot add disk %s: %d\n",
			info->disk->disk_name, ret);
		return;
	}
	info->disk_added = true;
}

/* The backend took our rings: run the disk. Under info->lock. */
static void blkfront_connect(struct blkfront_info *info)
{
	int ret;

	if (!info->disk) {
		ret = blkfront_create_disk(info);
		if (ret) {
			dev_err(&info->pdev->dev, "cannot create disk: %d\n",
				ret);
			return;
		}
		dev_info(&info->pdev->dev, "%s: %llu sectors, %u queues\n",
			 info->disk->disk_name, info->di.sectors,
			 info->nr_active);
		schedule_work(&info->add_work);
	} else {
		set_capacity_and_notify(info->disk, info->di.sectors);
		set_disk_ro(info->disk,
			    info->di.features & PVIO_BLKIF_FEAT_READONLY);
		/* A work item blocked on our lock finds us connected. */
		cancel_delayed_work(&info->timeout_work);
		WRITE_ONCE(info->failing, false);
		blkfront_quiesce(info, false);
		blkfront_rings_resume(info);
		dev_info(&info->pdev->dev, "backend back, I/O resumed\n");
		/* Its shape may not be the last one's. */
		schedule_work(&info->reshape_work);
	}
	info->conn = BLKFRONT_CONNECTED;
	info->pdev->ring_order = info->active_order;
	info->pdev->nr_rings = info->nr_active;
	pvio_backoff_up(&info->backoff);
	pvio_state_set(info->link, PVIO_FRONTEND, PVIO_STATE_CONNECTED);
}

/*
 * Is a Connected backend on the rings we published last? One that claims
 * nonces must show ours; one that took an earlier description will see
 * the new one and come back to it (Documentation/blkif.rst, "The ring
 * nonce"). Under info->lock.
 */
static bool blkfront_backend_on_ours(struct blkfront_info *info)
{
	if (!(info->di.features & PVIO_BLKIF_FEAT_NONCE) ||
	    pvio_nonce_peer(info->pdev) == info->nonce)
		return true;
	dev_info_ratelimited(&info->pdev->dev,
			     "backend connected on other rings, waiting for it to take ours\n");
	return false;
}

/*
 * Act on where the backend is now (doorbells coalesce, so a restart may
 * show as its last state only). Under info->lock.
 */
static void blkfront_follow(struct blkfront_info *info, enum pvio_state peer)
{
	switch (peer) {
	case PVIO_STATE_INITWAIT:
		/* Connected to a backend now waiting: a new one. */
		if (info->conn == BLKFRONT_CONNECTED)
			blkfront_lose(info);
		if (info->conn == BLKFRONT_DISCONNECTED)
			blkfront_schedule_connect(info);
		break;
	case PVIO_STATE_CONNECTED:
		if (info->conn == BLKFRONT_INITIALISED &&
		    blkfront_backend_on_ours(info))
			blkfront_connect(info);
		break;
	default:
		blkfront_lose(info);
		break;
	}
}

/*
 * A backend waits, and we have nothing connected nor set up. Under
 * info->lock.
 */
static bool blkfront_may_connect(struct blkfront_info *info)
{
	return !info->removing && info->conn == BLKFRONT_DISCONNECTED &&
	       pvio_state_peer(info->link, PVIO_FRONTEND) ==
	       PVIO_STATE_INITWAIT;
}

/*
 * One attempt to connect to a backend in InitWait. Its keys are read
 * first, without info->lock: a torn store area stretches a read to tens
 * of milliseconds, and whoever wants the lock (netlink's vbd-get under
 * the device lock, sysfs, removal) would wait behind every flap of a
 * hostile backend. A failed attempt is tried again as the backoff
 * allows, since a backend may mend its store without changing its state.
 */
static void blkfront_connect_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(to_delayed_work(work),
						  struct blkfront_info,
						  connect_work);
	char serial[PVIO_BLKIF_SERIAL_MAX + 1];
	struct blkfront_disk_info di;
	bool go;
	int ret;

	/* Counted before the reads, the costly part, so that reads back off. */
	mutex_lock(&info->lock);
	go = blkfront_may_connect(info);
	if (go)
		pvio_backoff_attempt(&info->backoff);
	mutex_unlock(&info->lock);
	if (!go)
		return;
	ret = blkfront_read_disk_info(info, &di);
	if (!ret)
		blkfront_read_serial(info, serial);
	mutex_lock(&info->lock);
	/* Gone from InitWait meanwhile: its next InitWait schedules us. */
	if (!blkfront_may_connect(info))
		goto out;
	if (ret)
		dev_err_ratelimited(&info->pdev->dev,
				    "backend's disk info unusable: %d\n", ret);
	else
		ret = blkfront_setup(info, &di, serial);
	if (ret)
		blkfront_schedule_connect(info);
out:
	mutex_unlock(&info->lock);
}

static void blkfront_backend_changed(struct pvio_link *link,
				     enum pvio_role self,
				     enum pvio_state peer, void *data)
{
	struct blkfront_info *info = data;

	mutex_lock(&info->lock);
	if (!info->removing)
		blkfront_follow(info, peer);
	mutex_unlock(&info->lock);
}

/*
 * Lose the backend for a reason its state does not show, then act on
 * that state: a backend already waiting again sends no further change.
 * Under info->lock.
 */
static void blkfront_lose_and_follow(struct blkfront_info *info)
{
	blkfront_lose(info);
	blkfront_follow(info, pvio_state_peer(info->link, PVIO_FRONTEND));
}

/* The backend rewrote its disk info: the capacity changed. */
static void blkfront_changed_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(work, struct blkfront_info,
						  changed_work);
	struct blkfront_disk_info di;

	int ret;

	/* A notice from now on is for a later change. */
	clear_bit(0, &info->changed_pending);
	/* The bit is clear before we read "disk" (the handler set it). */
	smp_mb__after_atomic();
	/* Not under info->lock: a torn store area stretches the read. */
	ret = blkfront_read_disk_info(info, &di);
	mutex_lock(&info->lock);
	if (!info->removing && info->disk && !ret) {
		info->di.sectors = di.sectors;
		if (set_capacity_and_notify(info->disk, di.sectors))
			dev_info(&info->pdev->dev, "%s: resized to %llu sectors\n",
				 info->disk->disk_name, di.sectors);
	}
	mutex_unlock(&info->lock);
}

static bool blkfront_rings_broken(struct blkfront_info *info)
{
	unsigned int q;

	for (q = 0; info->rings && q < info->nr_queues; q++)
		if (READ_ONCE(info->rings[q].broken))
			return true;
	return false;
}

/*
 * The backend broke the protocol: drop it and wait for a sane one. Not
 * if we reconnected since (a fresh connection clears ->broken).
 */
static void blkfront_lost_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(work, struct blkfront_info,
						  lost_work);

	mutex_lock(&info->lock);
	if (!info->removing && blkfront_rings_broken(info))
		blkfront_lose_and_follow(info);
	mutex_unlock(&info->lock);
}

static void blkfront_peer_gone(struct pvio_device *pdev)
{
	struct blkfront_info *info = dev_get_drvdata(&pdev->dev);

	mutex_lock(&info->lock);
	if (!info->removing)
		blkfront_lose_and_follow(info);
	mutex_unlock(&info->lock);
}

static void blkfront_peer_back(struct pvio_device *pdev)
{
	struct blkfront_info *info = dev_get_drvdata(&pdev->dev);

	mutex_lock(&info->lock);
	if (!info->removing)
		blkfront_follow(info, pvio_state_peer(info->link, PVIO_FRONTEND));
	mutex_unlock(&info->lock);
}

static void blkfront_get_stats(struct pvio_device *pdev,
			       struct pvio_dev_stats *stats)
{
	struct blkfront_info *info = dev_get_drvdata(&pdev->dev);

	stats->requests = atomic64_read(&info->stats.requests);
	stats->sectors = atomic64_read(&info->stats.sectors);
	stats->errors = atomic64_read(&info->stats.errors);
	mutex_lock(&info->lock);
	stats->in_flight = blkfront_in_flight(info);
	mutex_unlock(&info->lock);
}

/* ---- sysfs on the pvio device: the io_timeout ---- */

/*
 * Present only while the driver is bound: the driver core removes them,
 * and waits for their readers and writers, before blkfront_remove().
 */
static ssize_t io_timeout_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct blkfront_info *info = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(info->io_timeout));
}

static ssize_t io_timeout_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct blkfront_info *info = dev_get_drvdata(dev);
	unsigned int secs;
	int ret;

	ret = blkfront_parse_io_timeout(buf, &secs);
	if (ret)
		return ret;
	mutex_lock(&info->lock);
	WRITE_ONCE(info->io_timeout, secs);
	/* Counted from the loss, not from now: it may be due already. */
	blkfront_timeout_update(info);
	mutex_unlock(&info->lock);
	return count;
}
static DEVICE_ATTR_RW(io_timeout);

static ssize_t io_timeout_errors_show(struct device *dev,
				      struct device_attribute *attr,
				      char *buf)
{
	struct blkfront_info *info = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&info->stats.timed_out));
}
static DEVICE_ATTR_RO(io_timeout_errors);

static struct attribute *blkfront_dev_attrs[] = {
	&dev_attr_io_timeout.attr,
	&dev_attr_io_timeout_errors.attr,
	NULL,
};
ATTRIBUTE_GROUPS(blkfront_dev);

/* ---- the driver ---- */

static int blkfront_probe(struct pvio_device *pdev)
{
	struct blkfront_info *info;
	int ret;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	info->pdev = pdev;
	info->link = pdev->link;
	mutex_init(&info->lock);
	INIT_WORK(&info->changed_work, blkfront_changed_work);
	INIT_WORK(&info->lost_work, blkfront_lost_work);
	INIT_WORK(&info->add_work, blkfront_add_work);
	INIT_WORK(&info->reshape_work, blkfront_reshape_work);
	INIT_DELAYED_WORK(&info->connect_work, blkfront_connect_work);
	INIT_DELAYED_WORK(&info->timeout_work, blkfront_timeout_work);
	info->io_timeout = READ_ONCE(io_timeout);
	info->index = ida_alloc_max(&blkfront_ida, BLKFRONT_DISKS_MAX - 1,
				    GFP_KERNEL);
	if (info->index < 0) {
		ret = info->index;
		goto err_free;
	}
	dev_set_drvdata(&pdev->dev, info);
	pvio_frontend_state_reset(info->link);
	info->watch = pvio_state_watch_dev(pdev, blkfront_backend_changed,
					   info);
	if (IS_ERR(info->watch)) {
		ret = PTR_ERR(info->watch);
		goto err_ida;
	}
	return 0;

err_ida:
	ida_free(&blkfront_ida, info->index);
err_free:
	kfree(info);
	return ret;
}

/*
 * Our ring and pool pages go back to the link's allocator when we go,
 * and a backend still Connected, or connecting on them, may yet write
 * into them: say we are closing and give a live backend a bounded time
 * to let go. If it does not, the pages are never reused.
 */
static void blkfront_close(struct blkfront_info *info)
{
	enum pvio_state self = pvio_state_get(info->link, PVIO_FRONTEND);

	if (self != PVIO_STATE_CLOSED)
		pvio_state_set(info->link, PVIO_FRONTEND, PVIO_STATE_CLOSING);
	info->leak_pages = !pvio_frontend_wait_released(info->pdev);
}

/*
 * Removing the device ends its I/O: what the backend holds or blk-mq
 * waits to send fails, the disk goes, whoever holds it open gets errors.
 */
static void blkfront_remove(struct pvio_device *pdev)
{
	struct blkfront_info *info = dev_get_drvdata(&pdev->dev);

	mutex_lock(&info->lock);
	info->removing = true;
	mutex_unlock(&info->lock);
	/* It takes info->lock and finds ->removing: it arms itself no more. */
	cancel_delayed_work_sync(&info->timeout_work);
	pvio_state_unwatch(info->watch);
	/* Finds ->removing if it runs: it sets up and re-arms no more. */
	cancel_delayed_work_sync(&info->connect_work);
	blkfront_debugfs_del(info);

	if (info->rings) {
		blkfront_quiesce(info, true);
		/* Unbinds the ports: no handler schedules our work after. */
		blkfront_rings_disconnect(info, false);
	}
	/* What waits to be sent runs into ->removing. */
	if (info->disk)
		blkfront_fail_waiting(info);
	/* A partition scan in progress ends now that its I/O fails. */
	cancel_work_sync(&info->add_work);
	/* A freeze it waits in ends once the I/O failed too. */
	cancel_work_sync(&info->reshape_work);
	cancel_work_sync(&info->changed_work);
	cancel_work_sync(&info->lost_work);
	blkfront_close(info);

	if (info->disk) {
		if (info->disk_added) {
			blk_mark_disk_dead(info->disk);
			del_gendisk(info->disk);
		}
		/* The disk's queue uses the tag set until it is released. */
		put_disk(info->disk);
		blk_mq_free_tag_set(&info->tag_set);
	}
	blkfront_rings_free(info);
	if (pvio_state_get(info->link, PVIO_FRONTEND) == PVIO_STATE_CLOSING)
		pvio_state_set(info->link, PVIO_FRONTEND, PVIO_STATE_CLOSED);
	ida_free(&blkfront_ida, info->index);
	kfree(info);
}

static struct pvio_driver blkfront_driver = {
	.driver.name	= "pvio_blkfront",
	.driver.dev_groups = blkfront_dev_groups,
	.type		= PVIO_DEV_VBD,
	.role		= PVIO_FRONTEND,
	.probe		= blkfront_probe,
	.remove		= blkfront_remove,
	.peer_gone	= blkfront_peer_gone,
	.peer_back	= blkfront_peer_back,
	.get_stats	= blkfront_get_stats,
};

static int __init blkfront_init(void)
{
	int ret;

	if (!max_queues || max_queues > PVIO_BLKIF_QUEUES_MAX ||
	    ring_order > PVIO_BLKIF_RING_ORDER_MAX || blkfront_pool_pages < 4) {
		pr_err("bad module parameters\n");
		return -EINVAL;
	}
	blkfront_major = register_blkdev(0, "pvd");
	if (blkfront_major < 0)
		return blkfront_major;
	blkfront_debugfs_init();
	ret = pvio_driver_register(&blkfront_driver);
	if (ret) {
		blkfront_debugfs_exit();
		unregister_blkdev(blkfront_major, "pvd");
	}
	return ret;
}

static void __exit blkfront_exit(void)
{
	pvio_driver_unregister(&blkfront_driver);
	blkfront_debugfs_exit();
	unregister_blkdev(blkfront_major, "pvd");
	ida_destroy(&blkfront_ida);
}

module_init(blkfront_init);
module_exit(blkfront_exit);

MODULE_DESCRIPTION("pvio block frontend: /dev/pvdX over a pvio link");
MODULE_AUTHOR("The pvio authors");
MODULE_LICENSE("GPL");
MODULE_ALIAS("pvio:vbd-frontend");
