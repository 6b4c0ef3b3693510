// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * debugfs: /sys/kernel/debug/pvio_netback/<device>/q<n> shows a queue's
 * four rings (shared and private indices, a racy snapshot), its stashed
 * rx buffers and the packets waiting for the guest; writing "kick" runs
 * its event handler as if the frontend had rung (as xen-netback's
 * io_ring_qN does).
 *
 * <device>/inject makes queue 0 misbehave once, so that tests can watch
 * the frontend refuse it (netdevsim style): "bad-tx-id" (a tx response
 * for no request in flight), "bad-rx-id" (an rx response for no posted
 * buffer), "bad-rx-len" (a posted buffer answered with length 0),
 * "bad-index" (an rx response producer index more than a ring ahead).
 * Each must get the backend dropped by the frontend, which then connects
 * afresh.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "netback.h"

static struct dentry *netback_debugfs_root;

static const char *const netback_ring_names[] = {
	"tx requests", "tx responses", "rx requests", "rx responses",
};

static int netback_queue_show(struct seq_file *m, void *unused)
{
	struct netback_queue *q = m->private;
	struct netback_vif *vif = q->vif;

	mutex_lock(&vif->lock);
	seq_printf(m, "queue %u connected %d broken %d\n", q->qid,
		   q->connected, q->broken);
	seq_printf(m, "rx buffers stashed %u, waiting for the guest %u packets %u bytes\n",
		   q->nr_stash, skb_queue_len_lockless(&q->rx_queue),
		   READ_ONCE(q->rx_queue_bytes));
	if (q->connected) {
		pvio_ring_seq_show(m, netback_ring_names[0], &q->tx_req);
		pvio_ring_seq_show(m, netback_ring_names[1], &q->tx_rsp);
		pvio_ring_seq_show(m, netback_ring_names[2], &q->rx_req);
		pvio_ring_seq_show(m, netback_ring_names[3], &q->rx_rsp);
	}
	mutex_unlock(&vif->lock);
	return 0;
}

static int netback_queue_open(struct inode *inode, struct file *file)
{
	return single_open(file, netback_queue_show, inode->i_private);
}

static ssize_t netback_queue_write(struct file *file,
				   const char __user *ubuf, size_t len,
				   loff_t *ppos)
{
	struct netback_queue *q = file_inode(file)->i_private;
	int ret = pvio_debugfs_kick_parse(ubuf, len);

	if (ret)
		return ret;
	mutex_lock(&q->vif->lock);
	if (q->ch)
		pvio_evtchn_inject(q->ch);
	mutex_unlock(&q->vif->lock);
	return len;
}

static const struct file_operations netback_queue_fops = {
	.owner		= THIS_MODULE,
	.open		= netback_queue_open,
	.read		= seq_read,
	.write		= netback_queue_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static const char *const netback_inject_names[] = {
	[NETBACK_INJECT_TX_ID] = "bad-tx-id",
	[NETBACK_INJECT_RX_ID] = "bad-rx-id",
	[NETBACK_INJECT_RX_LEN] = "bad-rx-len",
	[NETBACK_INJECT_INDEX] = "bad-index",
};

static ssize_t netback_inject_write(struct file *file,
				    const char __user *ubuf, size_t len,
				    loff_t *ppos)
{
	struct netback_vif *vif = file_inode(file)->i_private;
	char buf[16];
	int i, ret = -EINVAL;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);
	for (i = 1; i < ARRAY_SIZE(netback_inject_names); i++)
		if (!strcmp(buf, netback_inject_names[i]))
			break;
	if (i == ARRAY_SIZE(netback_inject_names))
		return -EINVAL;
	mutex_lock(&vif->lock);
	if (vif->connected) {
		/* The poll does it: it alone touches the rings. */
		WRITE_ONCE(vif->queues[0].inject, i);
		local_bh_disable();
		napi_schedule(&vif->queues[0].napi);
		local_bh_enable();
		ret = 0;
	} else {
		ret = -ENOTCONN;
	}
	mutex_unlock(&vif->lock);
	return ret ?: len;
}

static const struct file_operations netback_inject_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= netback_inject_write,
	.llseek		= noop_llseek,
};

void netback_debugfs_add(struct netback_vif *vif)
{
	char name[16];
	unsigned int i;

	vif->debugfs = debugfs_create_dir(dev_name(&vif->pdev->dev),
					  netback_debugfs_root);
	for (i = 0; i < vif->max_queues; i++) {
		snprintf(name, sizeof(name), "q%u", i);
		debugfs_create_file(name, 0600, vif->debugfs,
				    &vif->queues[i], &netback_queue_fops);
	}
	debugfs_create_file("inject", 0200, vif->debugfs, vif,
			    &netback_inject_fops);
}

/* Waits for a reader or writer inside; then no file refers to @vif. */
void netback_debugfs_del(struct netback_vif *vif)
{
	debugfs_remove_recursive(vif->debugfs);
	vif->debugfs = NULL;
}

void netback_debugfs_init(void)
{
	netback_debugfs_root = debugfs_create_dir("pvio_netback", NULL);
}

void netback_debugfs_exit(void)
{
	debugfs_remove_recursive(netback_debugfs_root);
}
