// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * debugfs: /sys/kernel/debug/pvio_blkfront/<device>/q<n> shows a queue's
 * rings (shared and private indices), its free shadows and pool pages;
 * writing "kick" runs its event handler as if the backend had rung (as
 * xen-netback's io_ring_qN does).
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "blkfront.h"

static struct dentry *blkfront_debugfs_root;

static int blkfront_queue_show(struct seq_file *m, void *unused)
{
	struct blkfront_ring *ring = m->private;
	struct blkfront_info *info = ring->info;

	mutex_lock(&info->lock);
	spin_lock_irq(&ring->lock);
	seq_printf(m, "queue %u connected %d broken %d stopped %d port %u\n",
		   ring->qid, ring->connected, ring->broken, ring->stopped,
		   ring->port);
	seq_printf(m, "shadows free %u of %u, pool pages free %u of %u\n",
		   ring->shadow_nr_free, ring->req.size, ring->pool_nr_free,
		   ring->pool_pages);
	seq_printf(m, "responses left to a work item %llu times\n",
		   ring->deferred);
	seq_printf(m, "requests sent in parts %llu\n", ring->split);
	pvio_ring_seq_show(m, "requests", &ring->req);
	pvio_ring_seq_show(m, "responses", &ring->rsp);
	spin_unlock_irq(&ring->lock);
	mutex_unlock(&info->lock);
	return 0;
}

static int blkfront_queue_open(struct inode *inode, struct file *file)
{
	return single_open(file, blkfront_queue_show, inode->i_private);
}

static ssize_t blkfront_queue_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct blkfront_ring *ring = file_inode(file)->i_private;
	int ret = pvio_debugfs_kick_parse(ubuf, len);

	if (ret)
		return ret;
	mutex_lock(&ring->info->lock);
	if (ring->ch)
		pvio_evtchn_inject(ring->ch);
	mutex_unlock(&ring->info->lock);
	return len;
}

static const struct file_operations blkfront_queue_fops = {
	.owner		= THIS_MODULE,
	.open		= blkfront_queue_open,
	.read		= seq_read,
	.write		= blkfront_queue_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* Once the rings exist (they live as long as the device is bound). */
void blkfront_debugfs_add(struct blkfront_info *info)
{
	char name[16];
	unsigned int q;

	info->debugfs = debugfs_create_dir(dev_name(&info->pdev->dev),
					   blkfront_debugfs_root);
	for (q = 0; q < info->nr_queues; q++) {
		snprintf(name, sizeof(name), "q%u", q);
		debugfs_create_file(name, 0600, info->debugfs,
				    &info->rings[q], &blkfront_queue_fops);
	}
	pvio_backoff_debugfs(info->debugfs, &info->backoff);
}

/* Waits for a reader or writer inside; then no file refers to @info. */
void blkfront_debugfs_del(struct blkfront_info *info)
{
	debugfs_remove_recursive(info->debugfs);
	info->debugfs = NULL;
}

void blkfront_debugfs_init(void)
{
	blkfront_debugfs_root = debugfs_create_dir("pvio_blkfront", NULL);
}

void blkfront_debugfs_exit(void)
{
	debugfs_remove_recursive(blkfront_debugfs_root);
}
