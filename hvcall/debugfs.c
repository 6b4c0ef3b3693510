// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * debugfs: /sys/kernel/debug/pvio/link<id>/ shows a link's header and the
 * counters of its event channels, and lets a test restart one end; with
 * expose_region set, "region" lets a test write the shared region as a
 * hostile peer would, and "notify" ring an end's port as its peer would.
 * /sys/kernel/debug/pvio/hold_connect stops backends in the middle of
 * their handshake, for a test to act then.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "pvio.h"
#include "pvio_hv.h"

static struct dentry *pvio_debugfs_root;

/*
 * For tests only: what a peer in another VM can do to the region through
 * its own mapping (a guest's /sys/bus/pci/devices/.../resource2), a test
 * on one kernel does through this file. Never needed otherwise.
 */
static bool expose_region;
module_param(expose_region, bool, 0444);
MODULE_PARM_DESC(expose_region,
		 "Tests only: debugfs pvio/link<id>/region reads and writes each link's shared region raw (default: off)");

static int pvio_header_show(struct seq_file *m, void *unused)
{
	struct pvio_link *link = m->private;
	struct pvio_link_header *hdr = link->hdr;
	int i;

	seq_printf(m, "provider %s\nregion_pages %u\ngrant_entries %u\n",
		   link->provider->name, link->region_pages,
		   link->grant_entries);
	seq_printf(m, "data_offset %u\ngeneration %u\n", link->data_offset,
		   pvio_link_generation(link));
	for (i = PVIO_BACKEND; i <= PVIO_FRONTEND; i++) {
		struct pvio_link_end *end = &hdr->ends[i];

		seq_printf(m, "%s state %s heartbeat %u generation %u features 0x%llx\n",
			   pvio_role_name(i),
			   pvio_state_name(pvio_state_get(link, i)),
			   le32_to_cpu(READ_ONCE(end->heartbeat)),
			   le32_to_cpu(READ_ONCE(end->generation)),
			   le64_to_cpu(READ_ONCE(end->features)));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvio_header);

/* The counters of every bound event channel of the link's local ends. */
static int pvio_events_show(struct seq_file *m, void *unused)
{
	struct pvio_link *link = m->private;
	struct pvio_evtchn_stats st;
	struct pvio_evtchn *ch;
	unsigned int port;
	int role;

	rcu_read_lock();
	for (role = PVIO_BACKEND; role <= PVIO_FRONTEND; role++) {
		if (!(link->local_roles & BIT(role)))
			continue;
		for (port = 0; port < link->nr_ports; port++) {
			ch = rcu_dereference(link->events[role][port]);
			if (!ch)
				continue;
			pvio_evtchn_get_stats(ch, &st);
			seq_printf(m, "%s port %u notifies %llu coalesced %llu events %llu throttled %llu\n",
				   pvio_role_name(role), port, st.notifies,
				   st.coalesced, st.events, st.throttled);
		}
	}
	rcu_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvio_events);

/* A write of @len bytes into @buf (@size), NUL-terminated. */
static int pvio_debugfs_copy(char *buf, size_t size,
			     const char __user *ubuf, size_t len)
{
	if (len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	return 0;
}

/* "backend" or "frontend" (a trailing newline allowed). */
static int pvio_debugfs_role(const char *name, enum pvio_role *role)
{
	if (sysfs_streq(name, "backend"))
		*role = PVIO_BACKEND;
	else if (sysfs_streq(name, "frontend"))
		*role = PVIO_FRONTEND;
	else
		return -EINVAL;
	return 0;
}

/* Write "backend" or "frontend": that end dies and comes back. */
static ssize_t pvio_restart_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	struct pvio_link *link = file->private_data;
	enum pvio_role role;
	char buf[16];
	int ret;

	ret = pvio_debugfs_copy(buf, sizeof(buf), ubuf, len) ?:
	      pvio_debugfs_role(buf, &role) ?:
	      pvio_link_restart_end(link, role);
	return ret ?: len;
}

static const struct file_operations pvio_restart_fops = {
	.open	= simple_open,
	.write	= pvio_restart_write,
	.llseek	= noop_llseek,
};

static size_t pvio_region_size(const struct pvio_link *link)
{
	return (size_t)link->region_pages * PVIO_PAGE_SIZE;
}

static ssize_t pvio_region_read(struct file *file, char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct pvio_link *link = file->private_data;

	return simple_read_from_buffer(ubuf, len, ppos, link->region,
				       pvio_region_size(link));
}

/* As a peer would: bytes land in the region, nobody is told. */
static ssize_t pvio_region_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct pvio_link *link = file->private_data;

	return simple_write_to_buffer(link->region, pvio_region_size(link),
				      ppos, ubuf, len);
}

static loff_t pvio_region_llseek(struct file *file, loff_t off, int whence)
{
	struct pvio_link *link = file->private_data;

	return fixed_size_llseek(file, off, whence, pvio_region_size(link));
}

/*
 * Tests only: write "<backend|frontend> <port>" to ring that end's port
 * as its peer would, after writing the peer's state or store through
 * "region" (what a hostile peer in another VM does through its own
 * doorbell). Only where this kernel holds both ends (the loop provider):
 * a test plays the peer of a local end, never rings another VM.
 */
static ssize_t pvio_notify_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct pvio_link *link = file->private_data;
	char buf[24], name[10];
	unsigned int port;
	enum pvio_role to;
	int ret;

	ret = pvio_debugfs_copy(buf, sizeof(buf), ubuf, len);
	if (ret)
		return ret;
	if (sscanf(buf, "%9s %u", name, &port) != 2 ||
	    pvio_debugfs_role(name, &to))
		return -EINVAL;
	if (port >= link->nr_ports ||
	    (link->local_roles & (BIT(PVIO_BACKEND) | BIT(PVIO_FRONTEND))) !=
	    (BIT(PVIO_BACKEND) | BIT(PVIO_FRONTEND)))
		return -EINVAL;
	pvio_notify_peer(link, pvio_peer(to), port);
	return len;
}

static const struct file_operations pvio_notify_fops = {
	.open	= simple_open,
	.write	= pvio_notify_write,
	.llseek	= noop_llseek,
};

static const struct file_operations pvio_region_fops = {
	.open	= simple_open,
	.read	= pvio_region_read,
	.write	= pvio_region_write,
	.llseek	= pvio_region_llseek,
};

int pvio_debugfs_kick_parse(const char __user *ubuf, size_t len)
{
	char buf[8];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	return sysfs_streq(buf, "kick") ? 0 : -EINVAL;
}
EXPORT_SYMBOL_GPL(pvio_debugfs_kick_parse);

void pvio_ring_seq_show(struct seq_file *m, const char *name,
			const struct pvio_ring *r)
{
	const struct pvio_ring_shared *sh = r->sh;

	if (!sh) {
		seq_printf(m, "%s: not set up\n", name);
		return;
	}
	seq_printf(m, "%s: size %u entry %u err %d\n", name, r->size,
		   r->entry_size, r->err);
	seq_printf(m, "  shared  prod %u cons %u prod_event %u cons_event %u\n",
		   le32_to_cpu(READ_ONCE(sh->prod)),
		   le32_to_cpu(READ_ONCE(sh->cons)),
		   le32_to_cpu(READ_ONCE(sh->prod_event)),
		   le32_to_cpu(READ_ONCE(sh->cons_event)));
	seq_printf(m, "  private prod %u/%u cons_seen %u cons %u/%u prod_seen %u\n",
		   r->prod_pvt, r->prod_pub, r->cons_seen, r->cons_pvt,
		   r->cons_pub, r->prod_seen);
}
EXPORT_SYMBOL_GPL(pvio_ring_seq_show);

/*
 * For tests only: while hold_connect is armed, a backend that took a
 * frontend's ring description waits in pvio_connect_hold(), before it
 * looks at the frontend again and goes Connected, until the test writes
 * 0 (or a minute passed). The test changes the frontend meanwhile.
 */
#define PVIO_HOLD_MAX	(60 * HZ)

static bool pvio_hold_armed;
static atomic_t pvio_hold_held = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(pvio_hold_wq);

void pvio_connect_hold(struct pvio_device *pdev)
{
	if (!READ_ONCE(pvio_hold_armed))
		return;
	atomic_inc(&pvio_hold_held);
	dev_info(&pdev->dev, "hold_connect: holding the connect\n");
	if (!wait_event_timeout(pvio_hold_wq, !READ_ONCE(pvio_hold_armed),
				PVIO_HOLD_MAX))
		dev_warn(&pdev->dev, "hold_connect: let go after a minute\n");
	atomic_dec(&pvio_hold_held);
}
EXPORT_SYMBOL_GPL(pvio_connect_hold);

static ssize_t pvio_hold_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char buf[32];
	int n;

	n = scnprintf(buf, sizeof(buf), "armed %d held %d\n",
		      READ_ONCE(pvio_hold_armed), atomic_read(&pvio_hold_held));
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

/* "1" arms; "0" disarms and lets every held backend go on. */
static ssize_t pvio_hold_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	bool on;
	int ret;

	ret = kstrtobool_from_user(ubuf, len, &on);
	if (ret)
		return ret;
	WRITE_ONCE(pvio_hold_armed, on);
	if (!on)
		wake_up_all(&pvio_hold_wq);
	return len;
}

static const struct file_operations pvio_hold_fops = {
	.open	= simple_open,
	.read	= pvio_hold_read,
	.write	= pvio_hold_write,
	.llseek	= noop_llseek,
};

void pvio_debugfs_link_add(struct pvio_link *link)
{
	char name[24];

	snprintf(name, sizeof(name), "link%u", link->id);
	link->debugfs = debugfs_create_dir(name, pvio_debugfs_root);
	debugfs_create_file("header", 0444, link->debugfs, link,
			    &pvio_header_fops);
	debugfs_create_file("events", 0444, link->debugfs, link,
			    &pvio_events_fops);
	debugfs_create_file("restart", 0200, link->debugfs, link,
			    &pvio_restart_fops);
	if (expose_region) {
		debugfs_create_file("region", 0600, link->debugfs, link,
				    &pvio_region_fops);
		debugfs_create_file("notify", 0200, link->debugfs, link,
				    &pvio_notify_fops);
	}
}

void pvio_debugfs_link_del(struct pvio_link *link)
{
	debugfs_remove_recursive(link->debugfs);
	link->debugfs = NULL;
}

void pvio_debugfs_init(void)
{
	pvio_debugfs_root = debugfs_create_dir("pvio", NULL);
	debugfs_create_file("hold_connect", 0600, pvio_debugfs_root, NULL,
			    &pvio_hold_fops);
}

void pvio_debugfs_exit(void)
{
	debugfs_remove_recursive(pvio_debugfs_root);
	/* No backend is left (they depend on us), but be sure. */
	WRITE_ONCE(pvio_hold_armed, false);
	wake_up_all(&pvio_hold_wq);
}
