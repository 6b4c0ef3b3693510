// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * debugfs: /sys/kernel/debug/pvio_blkback/<device>/q<n>, while the vbd is
 * connected, shows a queue's rings (shared and private indices), the
 * requests under way and why requests were refused; writing "kick" runs
 * its event handler as if the frontend had rung (as xen-netback's
 * io_ring_qN does). <device>/pages and pages at the top show the bounce
 * pages held by the vbd's requests and by all of them: now, at most,
 * the budget (max_vbd_pages, max_pages) and how many requests waited.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "blkback.h"

static struct dentry *blkback_debugfs_root;

static const char *const blkback_refusal_names[BLKBACK_REFUSAL_NR] = {
	[BLKBACK_BAD_OP]	= "bad_op",
	[BLKBACK_BAD_FLAGS]	= "bad_flags",
	[BLKBACK_BAD_NR_SEGS]	= "bad_nr_segs",
	[BLKBACK_BAD_INDIRECT]	= "bad_indirect",
	[BLKBACK_BAD_SEG]	= "bad_seg",
	[BLKBACK_BAD_SUM]	= "bad_sum",
	[BLKBACK_OUT_OF_RANGE]	= "out_of_range",
	[BLKBACK_MISALIGNED]	= "misaligned",
	[BLKBACK_BAD_GRANT]	= "bad_grant",
	[BLKBACK_READONLY]	= "readonly",
};

/*
 * Lockless: the file goes before its ring does, and the ring work owns
 * the views; what is printed is a snapshot for people.
 */
static int blkback_queue_show(struct seq_file *m, void *unused)
{
	struct blkback_ring *ring = m->private;
	struct pvio_evtchn_stats ev = {};
	int i;

	seq_printf(m, "queue %u in_flight %d stopping %d broken %d\n",
		   ring->qid, atomic_read(&ring->inflight),
		   READ_ONCE(ring->stopping), READ_ONCE(ring->broken));
	seq_printf(m, "requests %lld sectors %lld errors %lld\n",
		   atomic64_read(&ring->requests),
		   atomic64_read(&ring->sectors),
		   atomic64_read(&ring->errors));
	if (ring->ch)
		pvio_evtchn_get_stats(ring->ch, &ev);
	seq_printf(m, "notifies %llu coalesced %llu events %llu\n",
		   ev.notifies, ev.coalesced, ev.events);
	seq_printf(m, "passes %llu\n", READ_ONCE(ring->passes));
	seq_puts(m, "refused");
	for (i = 0; i < BLKBACK_REFUSAL_NR; i++)
		seq_printf(m, " %s %llu", blkback_refusal_names[i],
			   READ_ONCE(ring->refused[i]));
	seq_putc(m, '\n');
	pvio_ring_seq_show(m, "requests", &ring->req);
	pvio_ring_seq_show(m, "responses", &ring->rsp);
	return 0;
}

static int blkback_queue_open(struct inode *inode, struct file *file)
{
	return single_open(file, blkback_queue_show, inode->i_private);
}

static ssize_t blkback_queue_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct blkback_ring *ring = file_inode(file)->i_private;
	int ret = pvio_debugfs_kick_parse(ubuf, len);

	if (ret)
		return ret;
	pvio_evtchn_inject(ring->ch);
	return len;
}

static const struct file_operations blkback_queue_fops = {
	.owner		= THIS_MODULE,
	.open		= blkback_queue_open,
	.read		= seq_read,
	.write		= blkback_queue_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* Bounce pages held against a budget: a vbd's or all of them. */
static void blkback_pages_show(struct seq_file *m, struct blkback_pages *p,
			       unsigned int budget)
{
	seq_printf(m, "held %d peak %d budget %u waits %lld\n",
		   atomic_read(&p->held), atomic_read(&p->peak),
		   max(budget, blkback_max_segs), atomic64_read(&p->waits));
}

static int blkback_vbd_pages_show(struct seq_file *m, void *unused)
{
	struct blkback_vbd *vbd = m->private;

	blkback_pages_show(m, &vbd->pages, READ_ONCE(blkback_max_vbd_pages));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(blkback_vbd_pages);

static int blkback_all_pages_show(struct seq_file *m, void *unused)
{
	blkback_pages_show(m, &blkback_pages_all,
			   READ_ONCE(blkback_max_pages));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(blkback_all_pages);

/* The rings are connected. Under vbd->lock. */
void blkback_debugfs_add(struct blkback_vbd *vbd)
{
	char name[16];
	unsigned int q;

	vbd->debugfs = debugfs_create_dir(dev_name(&vbd->pdev->dev),
					  blkback_debugfs_root);
	debugfs_create_file("pages", 0400, vbd->debugfs, vbd,
			    &blkback_vbd_pages_fops);
	for (q = 0; q < vbd->nr_rings; q++) {
		snprintf(name, sizeof(name), "q%u", q);
		debugfs_create_file(name, 0600, vbd->debugfs, &vbd->rings[q],
				    &blkback_queue_fops);
	}
}

/* Before the rings go; waits for a reader or writer inside. */
void blkback_debugfs_del(struct blkback_vbd *vbd)
{
	debugfs_remove_recursive(vbd->debugfs);
	vbd->debugfs = NULL;
}

void blkback_debugfs_init(void)
{
	blkback_debugfs_root = debugfs_create_dir("pvio_blkback", NULL);
	debugfs_create_file("pages", 0400, blkback_debugfs_root, NULL,
			    &blkback_all_pages_fops);
}

void blkback_debugfs_exit(void)
{
	debugfs_remove_recursive(blkback_debugfs_root);
}
