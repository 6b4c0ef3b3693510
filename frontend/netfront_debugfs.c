// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * debugfs: /sys/kernel/debug/pvio_netfront/<device>/q<n> shows a queue's
 * four rings (shared and private indices), its free tx ids and pool
 * pages; writing "kick" runs its event handler as if the backend had
 * rung (as xen-netback's io_ring_qN does).
 *
 * <device>/inject makes queue 0 misbehave once, so that tests can watch
 * the backend refuse it (netdevsim style): "bad-len" (a length other
 * than the segments' sum), "bad-seg" (a segment past its page),
 * "bad-gref" (a grant that does not exist), "bad-flags" (a flag not
 * negotiated), "no-segs" (no segment): each a tx request the backend must
 * drop, count and answer with an error; "bad-index" publishes a tx
 * producer index more than a ring ahead, which must get the frontend
 * disconnected.
 */
#include <linux/debugfs.h>
#include <linux/rtnetlink.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "netfront.h"

static struct dentry *netfront_debugfs_root;

static const char *const netfront_ring_names[NETFRONT_RINGS] = {
	"tx requests", "tx responses", "rx requests", "rx responses",
};

static int netfront_queue_show(struct seq_file *m, void *unused)
{
	struct netfront_queue *q = m->private;
	int i;

	rtnl_lock();
	seq_printf(m, "queue %u connected %d broken %d port %u\n", q->qid,
		   q->connected, q->broken, q->port);
	if (q->info->rings_ready && q->qid < q->info->nr_queues) {
		spin_lock_bh(&q->tx_lock);
		seq_printf(m, "tx ids free %u, tx pool pages free %u of %u, rx buffers not posted %u\n",
			   q->tx_nr_id_free, q->tx_pool_nr_free,
			   q->tx_pool_pages, q->rx_nr_id_free);
		for (i = 0; i < NETFRONT_RINGS; i++)
			pvio_ring_seq_show(m, netfront_ring_names[i],
					   &q->rings[i]);
		spin_unlock_bh(&q->tx_lock);
	}
	rtnl_unlock();
	return 0;
}

static int netfront_queue_open(struct inode *inode, struct file *file)
{
	return single_open(file, netfront_queue_show, inode->i_private);
}

static ssize_t netfront_queue_write(struct file *file,
				    const char __user *ubuf, size_t len,
				    loff_t *ppos)
{
	struct netfront_queue *q = file_inode(file)->i_private;
	int ret = pvio_debugfs_kick_parse(ubuf, len);

	if (ret)
		return ret;
	rtnl_lock();
	if (q->ch)
		pvio_evtchn_inject(q->ch);
	rtnl_unlock();
	return len;
}

static const struct file_operations netfront_queue_fops = {
	.owner		= THIS_MODULE,
	.open		= netfront_queue_open,
	.read		= seq_read,
	.write		= netfront_queue_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static ssize_t netfront_inject_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	struct netfront_info *info = file_inode(file)->i_private;
	char buf[16];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);
	rtnl_lock();
	ret = netfront_inject(info, buf);
	rtnl_unlock();
	return ret ?: len;
}

static const struct file_operations netfront_inject_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= netfront_inject_write,
	.llseek		= noop_llseek,
};

void netfront_debugfs_add(struct netfront_info *info)
{
	char name[16];
	unsigned int i;

	info->debugfs = debugfs_create_dir(dev_name(&info->pdev->dev),
					   netfront_debugfs_root);
	for (i = 0; i < info->max_queues; i++) {
		snprintf(name, sizeof(name), "q%u", i);
		debugfs_create_file(name, 0600, info->debugfs,
				    &info->queues[i], &netfront_queue_fops);
	}
	debugfs_create_file("inject", 0200, info->debugfs, info,
			    &netfront_inject_fops);
	pvio_backoff_debugfs(info->debugfs, &info->backoff);
}

/* Waits for a reader or writer inside; then no file refers to @info. */
void netfront_debugfs_del(struct netfront_info *info)
{
	debugfs_remove_recursive(info->debugfs);
	info->debugfs = NULL;
}

void netfront_debugfs_init(void)
{
	netfront_debugfs_root = debugfs_create_dir("pvio_netfront", NULL);
}

void netfront_debugfs_exit(void)
{
	debugfs_remove_recursive(netfront_debugfs_root);
}
