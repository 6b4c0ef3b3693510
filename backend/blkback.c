// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_blkback: the backend of a vbd. Probe opens the backing store the
 * toolstack named and publishes the disk; then the vbd follows the
 * frontend's state through the handshake of Documentation/blkif.rst,
 * serving its rings while both are connected and waiting for the next
 * frontend whenever this one goes.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "blkback.h"

unsigned int blkback_max_segs = 256;
module_param_named(max_segs, blkback_max_segs, uint, 0444);
MODULE_PARM_DESC(max_segs,
		 "Segments per request offered, at most (default 256, max 1024)");

static unsigned int max_queues = 4;
module_param(max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Queues per vbd offered, at most (default 4, max 16)");

static unsigned int max_ring_order = 8;
module_param(max_ring_order, uint, 0444);
MODULE_PARM_DESC(max_ring_order,
		 "log2 of ring slots offered, at most (default 8, max 10)");

static unsigned int resize_check_ms = 1000;
module_param(resize_check_ms, uint, 0644);
MODULE_PARM_DESC(resize_check_ms,
		 "How often a vbd checks its backing's size, in ms (default 1000, 0: never; netlink vbd set reread always does)");

/*
 * Bounce memory: a request's pages are held from when it is taken off
 * the ring until it is answered. Beyond a budget it waits on the ring.
 */
unsigned int blkback_max_vbd_pages = 16384;
module_param_named(max_vbd_pages, blkback_max_vbd_pages, uint, 0644);
MODULE_PARM_DESC(max_vbd_pages,
		 "Bounce pages the requests of one vbd may hold at once; more wait (default 16384: 64 MiB, at least max_segs)");

unsigned int blkback_max_pages = 65536;
module_param_named(max_pages, blkback_max_pages, uint, 0644);
MODULE_PARM_DESC(max_pages,
		 "Bounce pages the requests of all vbds may hold at once; more wait (default 65536: 256 MiB, at least max_segs)");

struct workqueue_struct *blkback_wq;

/* ---- the toolstack's keys ---- */

static int blkback_read_key(struct blkback_vbd *vbd, const char *name,
			    char *buf, size_t len)
{
	char key[PVIO_STORE_KEY_MAX];

	snprintf(key, sizeof(key), "vbd%u/%s", vbd->pdev->index, name);
	return pvio_toolstack_read(vbd->link, key, buf, len);
}

/* An optional limit: absent is 0, no limit. */
static int blkback_read_limit(struct blkback_vbd *vbd, const char *name,
			      u32 *val)
{
	char key[PVIO_STORE_KEY_MAX];
	int ret;

	snprintf(key, sizeof(key), "vbd%u/%s", vbd->pdev->index, name);
	ret = pvio_toolstack_read_u32(vbd->link, key, val);
	if (ret == -ENOENT) {
		*val = 0;
		ret = 0;
	}
	return ret;
}

static int blkback_read_limits(struct blkback_vbd *vbd, u32 *iops, u32 *bps)
{
	int ret;

	ret = blkback_read_limit(vbd, "iops", iops);
	if (!ret)
		ret = blkback_read_limit(vbd, "bps", bps);
	if (ret)
		vbd->pdev->probe_msg = "vbd iops or bps is not a decimal number";
	return ret;
}

/* "coalesce": how long a response notification may wait, in us. */
static int blkback_read_coalesce(struct blkback_vbd *vbd)
{
	u32 usecs;
	int ret;

	ret = blkback_read_limit(vbd, "coalesce", &usecs);
	if (ret || usecs > PVIO_VBD_COALESCE_MAX_USECS) {
		vbd->pdev->probe_msg = "vbd coalesce is not a number of us in range";
		return ret ?: -EINVAL;
	}
	WRITE_ONCE(vbd->coalesce_usecs, usecs);
	return 0;
}

/* "params" and "mode"; a vbd without a mode is read-write, as in xl. */
static int blkback_read_config(struct blkback_vbd *vbd, bool *rw)
{
	char mode[4];
	int ret;

	ret = blkback_read_key(vbd, "params", vbd->path, sizeof(vbd->path));
	if (ret == -ENOENT || (!ret && !vbd->path[0])) {
		vbd->pdev->probe_msg = "vbd has no backing path";
		return -EINVAL;
	}
	if (ret) {
		vbd->pdev->probe_msg = "cannot read the vbd's backing path";
		return ret;
	}
	ret = blkback_read_key(vbd, "mode", mode, sizeof(mode));
	if (ret == -ENOENT) {
		*rw = true;
		return 0;
	}
	if (ret || (strcmp(mode, "r") && strcmp(mode, "w"))) {
		vbd->pdev->probe_msg = "vbd mode is not r or w";
		return -EINVAL;
	}
	*rw = mode[0] == 'w';
	return 0;
}

/* ---- what we publish ---- */

static void blkback_describe(struct blkback_vbd *vbd)
{
	u32 lbs, pbs, gran;

	blkback_backing_geometry(vbd, &lbs, &pbs, &gran);
	vbd->lbs_sectors = lbs >> PVIO_BLKIF_SECTOR_SHIFT;
	vbd->sectors = blkback_backing_sectors(vbd);
	/* Write-zeroes always works: zero pages are written where needed. */
	vbd->features = PVIO_BLKIF_FEAT_FLUSH | PVIO_BLKIF_FEAT_FUA |
			PVIO_BLKIF_FEAT_WRITE_ZEROES | PVIO_BLKIF_FEAT_NONCE;
	if (blkback_backing_can_discard(vbd))
		vbd->features |= PVIO_BLKIF_FEAT_DISCARD;
	if (!vbd->backing.rw)
		vbd->features |= PVIO_BLKIF_FEAT_READONLY;
}

static int blkback_write_disk(struct blkback_vbd *vbd)
{
	char key[PVIO_STORE_KEY_MAX];
	u32 lbs, pbs, gran;

	blkback_backing_geometry(vbd, &lbs, &pbs, &gran);
	snprintf(key, sizeof(key), "vbd%u/disk", vbd->pdev->index);
	return pvio_store_printf(vbd->link, PVIO_STORE_BACKEND, key,
				 "%llu %u %u %u %u %u %u %u", vbd->sectors,
				 lbs, pbs, vbd->features, blkback_max_segs,
				 max_queues, max_ring_order, gran);
}

static u64 blkback_fnv1a(u64 hash, const void *data, size_t len)
{
	const u8 *p = data;

	while (len--)
		hash = (hash ^ *p++) * 0x100000001b3ULL;
	return hash;
}

/*
 * The serial: stable for a backing path across backend restarts, so the
 * frontend's /dev/disk/by-id link stays. "PVIO" and a 64-bit FNV-1a hash
 * of the path in hex: 20 characters, PVIO_BLKIF_SERIAL_MAX. The path of a
 * file given as an fd is only what it was called when given (two files
 * in different mounts can read alike): its identity goes in too.
 */
static int blkback_write_serial(struct blkback_vbd *vbd)
{
	struct blkback_backing *b = &vbd->backing;
	char key[PVIO_STORE_KEY_MAX];
	u64 hash = 0xcbf29ce484222325ULL;

	hash = blkback_fnv1a(hash, vbd->path, strlen(vbd->path));
	if (b->by_fd && b->inode) {
		u64 id[2] = { b->inode->i_sb->s_dev, b->inode->i_ino };

		hash = blkback_fnv1a(hash, id, sizeof(id));
	} else if (b->by_fd) {
		u64 dev = b->dev;

		hash = blkback_fnv1a(hash, &dev, sizeof(dev));
	}
	snprintf(key, sizeof(key), "vbd%u/serial", vbd->pdev->index);
	return pvio_store_printf(vbd->link, PVIO_STORE_BACKEND, key,
				 "PVIO%016llx", hash);
}

static void blkback_unpublish(struct blkback_vbd *vbd)
{
	char key[PVIO_STORE_KEY_MAX];

	snprintf(key, sizeof(key), "vbd%u/disk", vbd->pdev->index);
	pvio_store_remove(vbd->link, PVIO_STORE_BACKEND, key);
	snprintf(key, sizeof(key), "vbd%u/serial", vbd->pdev->index);
	pvio_store_remove(vbd->link, PVIO_STORE_BACKEND, key);
}

/* ---- the handshake ---- */

/*
 * Stop serving the rings and drop them; then, and only then, withdraw
 * our nonce: the frontend may reuse the pages. Under vbd->lock.
 */
static void blkback_disconnect(struct blkback_vbd *vbd)
{
	blkback_debugfs_del(vbd);
	blkback_rings_disconnect(vbd);
	if (vbd->connected)
		dev_info(&vbd->pdev->dev, "disconnected\n");
	vbd->connected = false;
	WRITE_ONCE(vbd->pdev->nr_rings, 0);
	WRITE_ONCE(vbd->pdev->ring_order, 0);
	if (vbd->nonce)
		pvio_nonce_publish(vbd->pdev, 0);
	vbd->nonce = 0;
}

/* Read and check "rings". Under vbd->lock. */
static int blkback_read_rings(struct blkback_vbd *vbd, unsigned int *nr,
			      unsigned int *order)
{
	char key[PVIO_STORE_KEY_MAX], buf[PVIO_STORE_VALUE_MAX];
	int ret;

	snprintf(key, sizeof(key), "vbd%u/rings", vbd->pdev->index);
	ret = pvio_store_read(vbd->link, PVIO_STORE_FRONTEND, key, buf,
			      sizeof(buf));
	if (!ret && (sscanf(buf, "%u %u", nr, order) != 2 || !*nr ||
		     *nr > max_queues || *order > max_ring_order))
		ret = -EPROTO;
	return ret;
}

/*
 * The frontend is Initialised: take its rings. Its nonce is claimed
 * before any page is touched, and must still be the frontend's when we
 * go Connected (Documentation/blkif.rst, "The ring nonce"). Under
 * vbd->lock.
 */
static void blkback_connect(struct blkback_vbd *vbd)
{
	u64 nonce = pvio_nonce_peer(vbd->pdev);
	unsigned int nr, order;
	int ret;

	if (!pvio_backend_claim(vbd->pdev, nonce))
		return;
	vbd->nonce = nonce;
	ret = blkback_read_rings(vbd, &nr, &order);
	if (!ret)
		ret = blkback_rings_connect(vbd, nr, order);
	if (ret) {
		dev_err(&vbd->pdev->dev,
			"cannot use the frontend's rings: %d\n", ret);
		blkback_disconnect(vbd);
		return;
	}
	if (!pvio_backend_may_connect(vbd->pdev, nonce)) {
		dev_info(&vbd->pdev->dev,
			 "frontend took its rings back while we connected\n");
		blkback_disconnect(vbd);
		return;
	}
	vbd->connected = true;
	blkback_debugfs_add(vbd);
	WRITE_ONCE(vbd->pdev->ring_order, order);
	WRITE_ONCE(vbd->pdev->nr_rings, nr);
	pvio_backend_state_walk(vbd->link, PVIO_STATE_CONNECTED);
	dev_info(&vbd->pdev->dev, "connected: %u queues of %u slots\n", nr,
		 1U << order);
}

/* Drop this frontend and wait for the next one. Under vbd->lock. */
static void blkback_reset(struct blkback_vbd *vbd)
{
	blkback_disconnect(vbd);
	pvio_backend_state_walk(vbd->link, PVIO_STATE_INITWAIT);
}

/* Act on where the frontend is now. Under vbd->lock. */
static void blkback_follow(struct blkback_vbd *vbd, enum pvio_state peer)
{
	switch (peer) {
	case PVIO_STATE_INITIALISED:
		/* Connected on that very description: nothing new. */
		if (vbd->connected && vbd->nonce &&
		    pvio_nonce_peer(vbd->pdev) == vbd->nonce)
			break;
		/* Still connected: it restarted between two looks. */
		if (vbd->connected)
			blkback_reset(vbd);
		blkback_connect(vbd);
		break;
	case PVIO_STATE_CONNECTED:
		break;
	default:
		if (vbd->connected)
			blkback_reset(vbd);
		break;
	}
}

static void blkback_frontend_changed(struct pvio_link *link,
				     enum pvio_role self,
				     enum pvio_state peer, void *data)
{
	struct blkback_vbd *vbd = data;

	mutex_lock(&vbd->lock);
	if (!vbd->removing)
		blkback_follow(vbd, peer);
	mutex_unlock(&vbd->lock);
}

static bool blkback_rings_broken(struct blkback_vbd *vbd)
{
	unsigned int q;

	for (q = 0; q < vbd->nr_rings; q++)
		if (READ_ONCE(vbd->rings[q].broken))
			return true;
	return false;
}

/* A ring broke (blkback_ring.c): drop the frontend. */
static void blkback_lost_work(struct work_struct *work)
{
	struct blkback_vbd *vbd = container_of(work, struct blkback_vbd,
					       lost_work);

	mutex_lock(&vbd->lock);
	if (!vbd->removing && blkback_rings_broken(vbd))
		blkback_reset(vbd);
	mutex_unlock(&vbd->lock);
}

/* ---- the driver ---- */

static void blkback_peer_gone(struct pvio_device *pdev)
{
	struct blkback_vbd *vbd = dev_get_drvdata(&pdev->dev);

	mutex_lock(&vbd->lock);
	if (!vbd->removing && vbd->connected)
		blkback_reset(vbd);
	mutex_unlock(&vbd->lock);
}

static void blkback_peer_back(struct pvio_device *pdev)
{
	struct blkback_vbd *vbd = dev_get_drvdata(&pdev->dev);

	mutex_lock(&vbd->lock);
	if (!vbd->removing && !vbd->connected)
		blkback_follow(vbd, pvio_state_peer(vbd->link, PVIO_BACKEND));
	mutex_unlock(&vbd->lock);
}

/* Tell the frontend if the backing's size changed. Under vbd->lock. */
static void blkback_check_size(struct blkback_vbd *vbd)
{
	u64 sectors;

	/* A deleted disk may say 0: it is gone, not resized. */
	if (blkback_backing_gone(vbd))
		return;
	sectors = blkback_backing_sectors(vbd);
	if (sectors == vbd->sectors)
		return;
	WRITE_ONCE(vbd->sectors, sectors);
	blkback_write_disk(vbd);
	blkback_ring_changed(vbd);
	dev_info(&vbd->pdev->dev, "resized to %llu sectors\n", sectors);
}

/* The toolstack rewrote our keys (limits), or the backing was resized. */
static int blkback_config_changed(struct pvio_device *pdev)
{
	struct blkback_vbd *vbd = dev_get_drvdata(&pdev->dev);
	u32 iops, bps;
	int ret;

	mutex_lock(&vbd->lock);
	if (vbd->removing) {
		mutex_unlock(&vbd->lock);
		return 0;
	}
	ret = blkback_read_limits(vbd, &iops, &bps);
	if (!ret) {
		blkback_limit_set(&vbd->limit, iops, bps);
		blkback_rings_kick(vbd);
	}
	if (!ret)
		ret = blkback_read_coalesce(vbd);
	if (!ret)
		blkback_rings_coalesce(vbd);
	blkback_check_size(vbd);
	mutex_unlock(&vbd->lock);
	return ret;
}

/*
 * The kernel tells no driver that a disk or a file it holds changed
 * size (a disk's resize is a uevent; a file's is nothing): look now and
 * then, so that the frontend sees a resize without a toolstack's reread.
 */
static void blkback_resize_work(struct work_struct *work)
{
	struct blkback_vbd *vbd = container_of(to_delayed_work(work),
					       struct blkback_vbd,
					       resize_work);
	unsigned int ms = READ_ONCE(resize_check_ms);

	mutex_lock(&vbd->lock);
	if (!vbd->removing && ms)
		blkback_check_size(vbd);
	mutex_unlock(&vbd->lock);
	/* Re-armed even at 0, slowly, so that setting it again works. */
	queue_delayed_work(system_wq, &vbd->resize_work,
			   msecs_to_jiffies(ms ?: 10000));
}

static void blkback_get_stats(struct pvio_device *pdev,
			      struct pvio_dev_stats *stats)
{
	struct blkback_vbd *vbd = dev_get_drvdata(&pdev->dev);

	mutex_lock(&vbd->lock);
	blkback_rings_stats(vbd, stats);
	mutex_unlock(&vbd->lock);
}

/* Open the backing store and publish the disk. */
static int blkback_setup(struct blkback_vbd *vbd)
{
	u32 iops, bps;
	bool rw;
	int ret;

	ret = blkback_read_config(vbd, &rw);
	if (!ret)
		ret = blkback_read_limits(vbd, &iops, &bps);
	if (!ret)
		ret = blkback_read_coalesce(vbd);
	if (ret)
		return ret;
	ret = blkback_backing_open(vbd, rw);
	if (ret) {
		if (!vbd->pdev->probe_msg)
			vbd->pdev->probe_msg = "cannot open the backing path";
		return ret;
	}
	blkback_limit_set(&vbd->limit, iops, bps);
	blkback_describe(vbd);
	ret = blkback_write_disk(vbd);
	if (!ret)
		ret = blkback_write_serial(vbd);
	if (ret) {
		vbd->pdev->probe_msg = "cannot publish the disk";
		blkback_unpublish(vbd);
		blkback_backing_close(vbd);
	}
	return ret;
}

static int blkback_probe(struct pvio_device *pdev)
{
	struct blkback_vbd *vbd;
	int ret;

	vbd = kzalloc(sizeof(*vbd), GFP_KERNEL);
	if (!vbd)
		return -ENOMEM;
	vbd->pdev = pdev;
	vbd->link = pdev->link;
	mutex_init(&vbd->lock);
	INIT_WORK(&vbd->lost_work, blkback_lost_work);
	INIT_DELAYED_WORK(&vbd->resize_work, blkback_resize_work);
	blkback_limit_init(&vbd->limit);
	ret = blkback_setup(vbd);
	if (ret)
		goto err_free;
	dev_set_drvdata(&pdev->dev, vbd);
	pvio_backend_state_walk(vbd->link, PVIO_STATE_INITWAIT);
	vbd->watch = pvio_state_watch_dev(pdev, blkback_frontend_changed, vbd);
	if (IS_ERR(vbd->watch)) {
		ret = PTR_ERR(vbd->watch);
		pdev->probe_msg = "cannot watch the frontend's state";
		goto err_close;
	}
	dev_info(&pdev->dev, "exporting %s %s, %llu sectors\n", vbd->path,
		 vbd->backing.rw ? "read-write" : "read-only", vbd->sectors);
	queue_delayed_work(system_wq, &vbd->resize_work,
			   msecs_to_jiffies(resize_check_ms ?: 10000));
	return 0;

err_close:
	pvio_backend_state_walk(vbd->link, PVIO_STATE_CLOSED);
	blkback_unpublish(vbd);
	blkback_backing_close(vbd);
err_free:
	kfree(vbd);
	return ret;
}

static void blkback_remove(struct pvio_device *pdev)
{
	struct blkback_vbd *vbd = dev_get_drvdata(&pdev->dev);

	mutex_lock(&vbd->lock);
	vbd->removing = true;
	mutex_unlock(&vbd->lock);
	/* The watch and the resize work take vbd->lock, so not under it. */
	pvio_state_unwatch(vbd->watch);
	cancel_delayed_work_sync(&vbd->resize_work);

	mutex_lock(&vbd->lock);
	blkback_disconnect(vbd);
	mutex_unlock(&vbd->lock);
	/* Ring work queues it; none runs now. It takes vbd->lock. */
	cancel_work_sync(&vbd->lost_work);
	pvio_backend_state_walk(vbd->link, PVIO_STATE_CLOSED);
	blkback_unpublish(vbd);
	blkback_backing_close(vbd);
	kfree(vbd);
}

/* sysfs: "ok", or "gone" once the backing device was deleted. */
static ssize_t backing_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct blkback_vbd *vbd = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n",
			  blkback_backing_gone(vbd) ? "gone" : "ok");
}
static DEVICE_ATTR_RO(backing);

/* sysfs: the interrupt coalescing in effect (netlink vbd-set changes it). */
static ssize_t coalesce_usecs_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct blkback_vbd *vbd = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(vbd->coalesce_usecs));
}
static DEVICE_ATTR_RO(coalesce_usecs);

static struct attribute *blkback_dev_attrs[] = {
	&dev_attr_backing.attr,
	&dev_attr_coalesce_usecs.attr,
	NULL,
};
ATTRIBUTE_GROUPS(blkback_dev);

static struct pvio_driver blkback_driver = {
	.driver.name	= "pvio_blkback",
	.driver.dev_groups = blkback_dev_groups,
	.type		= PVIO_DEV_VBD,
	.role		= PVIO_BACKEND,
	.probe		= blkback_probe,
	.remove		= blkback_remove,
	.peer_gone	= blkback_peer_gone,
	.peer_back	= blkback_peer_back,
	.config_changed	= blkback_config_changed,
	.get_stats	= blkback_get_stats,
};

static int __init blkback_init(void)
{
	int ret;

	if (!blkback_max_segs || blkback_max_segs > PVIO_BLKIF_SEGS_MAX ||
	    !max_queues || max_queues > PVIO_BLKIF_QUEUES_MAX ||
	    max_ring_order > PVIO_BLKIF_RING_ORDER_MAX) {
		pr_err("bad module parameters\n");
		return -EINVAL;
	}
	/*
	 * Reclaim-safe: the frontend's writeback may need us. Bound: a
	 * ring's work runs on the CPU its doorbell rang, with the data hot
	 * there, and needs no wake-up of another CPU. Not high priority:
	 * its wake-up should not preempt a submitter that has more to put
	 * on the ring, so that one pass takes them all (as xen-blkback's
	 * ring thread at normal priority).
	 */
	blkback_wq = alloc_workqueue("pvio_blkback", WQ_MEM_RECLAIM, 0);
	if (!blkback_wq)
		return -ENOMEM;
	blkback_debugfs_init();
	ret = pvio_driver_register(&blkback_driver);
	if (ret) {
		blkback_debugfs_exit();
		destroy_workqueue(blkback_wq);
	}
	return ret;
}

static void __exit blkback_exit(void)
{
	/* Unbinds every vbd: each remove() waits for its I/O. */
	pvio_driver_unregister(&blkback_driver);
	blkback_debugfs_exit();
	destroy_workqueue(blkback_wq);
}

module_init(blkback_init);
module_exit(blkback_exit);

MODULE_DESCRIPTION("pvio block backend: exports block devices and files");
MODULE_AUTHOR("The pvio authors");
MODULE_LICENSE("GPL");
MODULE_ALIAS("pvio:vbd-backend");
