// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_ivshmem.ko: the provider whose links join two QEMU VMs. Each link
 * is one QEMU ivshmem-doorbell device (1af4:1110 with MSI-X) in each VM,
 * served by pvio-hvd on the host: BAR2 is the link's region, which
 * pvio-hvd laid out and whose header it keeps (ids, peer ids, the
 * generation); BAR0's doorbell rings a vector of the other VM, one vector
 * per port, vector 0 the control port. Each kernel holds one end.
 *
 * Which end, and which devices, come from a source the other end cannot
 * write. The driver domain has one more ivshmem device, the control
 * region, which only pvio-hvd and it map (common/hvd_control.h), told
 * apart from a link's by what only the host sets: its one vector (a link
 * has a vector per port, at least two). A link device whose IVPosition
 * is a record's backend peer is that link's backend, and its backends
 * read the toolstack's keys (the path to open, read-only or not, limits)
 * and the generation from that record. A VM without a control region is
 * a guest: its link devices are frontends, and the keys in the region's
 * toolstack area only say which frontend devices to make. The module
 * parameter role (the toolstack sets it) closes the gap before the
 * control device probes: a driver domain never makes a frontend end.
 *
 * pvio-hvd rings vector 0 whenever a peer comes or goes (and bumps the
 * generation when one goes); the core's heartbeat and state watch take it
 * from there. A doorbell rung while the other VM had its interrupts off
 * is lost (TCG drops it): on every control event, and every poll_ms if
 * set, each bound port's handler runs once to look at its rings.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "ivshmem.h"

#define PVIO_IVSHMEM_VENDOR	0x1af4
#define PVIO_IVSHMEM_DEVICE	0x1110

/* BAR0 registers (QEMU docs/specs/ivshmem-spec.rst). */
#define IVSHMEM_INTR_MASK	0
#define IVSHMEM_IVPOSITION	8
#define IVSHMEM_DOORBELL	12

static char *role = "auto";
module_param(role, charp, 0444);
MODULE_PARM_DESC(role,
		 "driver (never a frontend end), guest (never a control region) or auto (default: driver once a control region is seen)");

static unsigned int poll_ms;
module_param(poll_ms, uint, 0644);
MODULE_PARM_DESC(poll_ms,
		 "Look at every bound port this often, in ms, in case a doorbell was lost (0: only on control events; default 0)");

/* Every device; the control region, if any; guarded by the lock. */
static LIST_HEAD(pvio_ivshmem_devs);
static struct pvio_ivshmem *pvio_ivshmem_ctl;
/* This VM is a driver domain: role=driver, or a control region seen. */
static bool pvio_ivshmem_driver_domain;
static DEFINE_MUTEX(pvio_ivshmem_lock);
static struct dentry *pvio_ivshmem_debugfs;

static void pvio_ivshmem_scan(struct work_struct *work);
static DECLARE_WORK(pvio_ivshmem_scan_work, pvio_ivshmem_scan);

/* ---- the provider ---- */

static int pvio_ivshmem_create(struct pvio_link *link,
			       struct netlink_ext_ack *extack)
{
	struct pvio_ivshmem *dev = link->provider_priv;

	if ((size_t)link->region_pages * PVIO_PAGE_SIZE != dev->mem_size)
		return -EINVAL;
	link->region = dev->mem;
	link->region_phys = pci_resource_start(dev->pdev, 2);
	link->local_roles = BIT(dev->role);
	return 0;
}

/*
 * The last reference is going. The core completes dev->released once it
 * freed the link (not here: rmmod could free this code under our return);
 * then the device may unmap the region.
 */
static void pvio_ivshmem_destroy(struct pvio_link *link)
{
}

/*
 * The other end's peer id is in the header pvio-hvd keeps. A hostile
 * peer may rewrite it, but a doorbell only reaches the peers of this
 * link's own server connection: itself, or nobody.
 */
static void pvio_ivshmem_notify(struct pvio_link *link, enum pvio_role to,
				unsigned int port)
{
	struct pvio_ivshmem *dev = link->provider_priv;
	__le32 *field = to == PVIO_BACKEND ? &link->hdr->backend_peer :
					      &link->hdr->frontend_peer;
	u32 peer = le32_to_cpu(READ_ONCE(*field));

	if (!peer || peer > U16_MAX || peer == dev->ivposition ||
	    port >= dev->nr_vectors)
		return;
	/* writel() orders our writes to the region before the doorbell. */
	writel(peer << 16 | port, dev->regs + IVSHMEM_DOORBELL);
}

/*
 * Called with a reference on @link, also from its devices' probes while
 * the scan holds pvio_ivshmem_lock: no lock. The control region cannot
 * go meanwhile: its removal first waits for every backend link's last
 * reference.
 */
static int pvio_ivshmem_read_record(struct pvio_link *link, const char *key,
				    char *buf, size_t len)
{
	struct pvio_ivshmem *dev = link->provider_priv;
	struct pvio_ivshmem *ctl = READ_ONCE(pvio_ivshmem_ctl);
	struct pvio_store_entry *keys;
	int i, ret;

	if (dev->role != PVIO_BACKEND)
		return -EPERM;
	if (!ctl)
		return -ENOENT;
	keys = kcalloc(PVIO_STORE_ENTRIES, sizeof(*keys), GFP_KERNEL);
	if (!keys)
		return -ENOMEM;
	ret = pvio_ivshmem_ctl_keys(ctl->mem, dev->record, dev->serial, keys);
	if (ret)
		goto out;
	ret = -ENOENT;
	for (i = 0; i < PVIO_STORE_ENTRIES; i++) {
		if (keys[i].key[0] && !strcmp(keys[i].key, key)) {
			ret = strscpy(buf, keys[i].value, len) < 0 ? -E2BIG : 0;
			break;
		}
	}
out:
	kfree(keys);
	return ret;
}

/*
 * The backend's generation is its control record's, or the last one it
 * said while the record is torn (pvio-hvd mid-update, or dead): never
 * the header's, which the frontend can write. A guest has only the
 * header.
 */
static u32 pvio_ivshmem_generation(struct pvio_link *link)
{
	struct pvio_ivshmem *dev = link->provider_priv;
	struct pvio_ivshmem *ctl = READ_ONCE(pvio_ivshmem_ctl);
	struct pvio_ivshmem_head head;

	if (dev->role != PVIO_BACKEND)
		return le32_to_cpu(READ_ONCE(link->hdr->generation));
	if (ctl && !pvio_ivshmem_ctl_head(ctl->mem, dev->record, &head, false) &&
	    head.used && head.serial == dev->serial)
		WRITE_ONCE(dev->generation, head.generation);
	return READ_ONCE(dev->generation);
}

static const struct pvio_provider_ops pvio_ivshmem_ops = {
	.create		= pvio_ivshmem_create,
	.destroy	= pvio_ivshmem_destroy,
	.notify		= pvio_ivshmem_notify,
	.read_record	= pvio_ivshmem_read_record,
	.generation	= pvio_ivshmem_generation,
};

static struct pvio_provider pvio_ivshmem_provider = {
	.name		= "ivshmem",
	.owner		= THIS_MODULE,
	/* Links come from devices, each with its own number of vectors. */
	.nr_ports	= PVIO_IVSHMEM_MAX_VECTORS,
	.owns_links	= true,
	.ops		= &pvio_ivshmem_ops,
};

/* ---- links made from devices ---- */

/* Run every bound port's handler once: a lost doorbell costs nothing. */
static void pvio_ivshmem_kick(struct work_struct *work)
{
	struct pvio_ivshmem *dev = container_of(work, struct pvio_ivshmem,
						kick_work);
	struct pvio_link *link;
	unsigned int port;

	mutex_lock(&pvio_ivshmem_lock);
	link = dev->link;
	if (link)
		for (port = 1; port < dev->nr_vectors; port++)
			pvio_link_event(link, dev->role, port);
	mutex_unlock(&pvio_ivshmem_lock);
}

static void pvio_ivshmem_poll(struct work_struct *work)
{
	struct pvio_ivshmem *dev = container_of(to_delayed_work(work),
						struct pvio_ivshmem,
						poll_work);
	unsigned int ms = READ_ONCE(poll_ms);

	if (ms) {
		dev->polls++;
		pvio_ivshmem_kick(&dev->kick_work);
	}
	schedule_delayed_work(&dev->poll_work,
			      msecs_to_jiffies(ms ? max(ms, 10U) : 1000));
}

/* Add the @role device of @type, index 0, if @present. */
static void pvio_ivshmem_add_device(struct pvio_ivshmem *dev,
				    enum pvio_dev_type type, bool present)
{
	struct pvio_device *pdev;

	if (!present)
		return;
	pdev = pvio_device_add(dev->link, type, dev->role, 0);
	if (PTR_ERR(pdev) == -EEXIST)
		return;
	if (IS_ERR(pdev)) {
		pci_warn(dev->pdev, "cannot add the %s %s device: %ld\n",
			 pvio_dev_type_name(type), pvio_role_name(dev->role),
			 PTR_ERR(pdev));
		return;
	}
	/* Link removal removes it. */
	put_device(&pdev->dev);
}

/*
 * The devices the toolstack gave the link: a backend from its trusted
 * record, a frontend from the region's toolstack area.
 */
static void pvio_ivshmem_add_devices(struct pvio_ivshmem *dev)
{
	static const char * const keys[] = {
		[PVIO_DEV_VBD] = "vbd0/params",
		[PVIO_DEV_VIF] = "vif0/mac",
	};
	char buf[PVIO_STORE_VALUE_MAX];
	enum pvio_dev_type type;
	bool present;

	for (type = PVIO_DEV_VBD; type <= PVIO_DEV_VIF; type++) {
		if (dev->role == PVIO_BACKEND)
			present = !pvio_toolstack_read(dev->link, keys[type],
						       buf, sizeof(buf));
		else
			present = !pvio_store_read(dev->link,
						   PVIO_STORE_TOOLSTACK,
						   keys[type], buf,
						   sizeof(buf));
		pvio_ivshmem_add_device(dev, type, present);
	}
}

/* Make the link of @dev as its @role end. Under the lock. */
static int pvio_ivshmem_attach(struct pvio_ivshmem *dev, enum pvio_role role,
			       u16 backend_id, u16 frontend_id)
{
	struct pvio_link_params params = {
		.backend_id = backend_id,
		.frontend_id = frontend_id,
		.region_pages = dev->mem_size / PVIO_PAGE_SIZE,
	};
	struct pvio_link *link;
	int ret;

	lockdep_assert_held(&pvio_ivshmem_lock);
	dev->role = role;
	reinit_completion(&dev->released);
	ret = pvio_link_create_owned(&pvio_ivshmem_provider, &params,
				     dev->nr_vectors, dev, &dev->released,
				     &link);
	if (ret) {
		dev_warn_ratelimited(&dev->pdev->dev,
				     "cannot make the link from this device: %d\n",
				     ret);
		return ret;
	}
	/* The interrupt handler sees the link made (and its role). */
	smp_store_release(&dev->link, link);
	pci_info(dev->pdev, "link %u: %s end, peer id %u, %u vectors\n",
		 link->id, pvio_role_name(role), dev->ivposition,
		 dev->nr_vectors);
	pvio_ivshmem_add_devices(dev);
	schedule_work(&dev->kick_work);
	return 0;
}

/* Remove the link of @dev and wait until nobody uses it. Under the lock. */
static void pvio_ivshmem_detach(struct pvio_ivshmem *dev)
{
	struct pvio_link *link = dev->link;

	unsigned int i;

	lockdep_assert_held(&pvio_ivshmem_lock);
	if (!link)
		return;
	pvio_link_remove(link);
	WRITE_ONCE(dev->link, NULL);
	/* No interrupt handler still holds the link we drop. */
	for (i = 0; i < dev->nr_vectors; i++)
		synchronize_irq(pci_irq_vector(dev->pdev, i));
	pvio_link_put(link);
	while (!wait_for_completion_timeout(&dev->released, 10 * HZ))
		pci_warn(dev->pdev, "link %u still referenced, waiting\n",
			 link->id);
}

/* The keys of a backend's record changed: tell its drivers. */
static void pvio_ivshmem_keys_changed(struct pvio_ivshmem *dev)
{
	struct pvio_store_entry *keys;

	keys = kcalloc(PVIO_STORE_ENTRIES, sizeof(*keys), GFP_KERNEL);
	if (!keys || pvio_ivshmem_ctl_keys(pvio_ivshmem_ctl->mem, dev->record,
					   dev->serial, keys))
		goto out;
	if (memcmp(keys, dev->keys, sizeof(dev->keys))) {
		memcpy(dev->keys, keys, sizeof(dev->keys));
		pvio_link_config_changed(dev->link);
	}
out:
	kfree(keys);
}

/*
 * Look at one link device again: make its link if it has none and can
 * tell its end; remove a backend's link whose record went or changed
 * hands; add the devices whose keys appeared since (a spare link's, as
 * pvio attach sets them). Under the lock.
 */
static void pvio_ivshmem_rescan_dev(struct pvio_ivshmem *dev)
{
	const struct pvio_link_header *hdr = dev->mem;
	struct pvio_ivshmem_head head;
	u32 index;
	int ret;

	if (dev->link && dev->role == PVIO_BACKEND) {
		ret = pvio_ivshmem_ctl ?
		      pvio_ivshmem_ctl_head(pvio_ivshmem_ctl->mem,
					    dev->record, &head, true) : 0;
		/* Torn: pvio-hvd is mid-update (it rings again) or dead. */
		if (ret == -EIO)
			return;
		if (pvio_ivshmem_ctl && !ret && head.used &&
		    head.serial == dev->serial &&
		    head.backend_peer == dev->ivposition) {
			pvio_ivshmem_keys_changed(dev);
			pvio_ivshmem_add_devices(dev);
			return;
		}
		pci_info(dev->pdev, "link %u: its record is gone\n",
			 dev->link->id);
		pvio_ivshmem_detach(dev);
	}
	if (dev->link) {
		pvio_ivshmem_add_devices(dev);
		return;
	}
	if (pvio_ivshmem_ctl) {
		if (pvio_ivshmem_ctl_find(pvio_ivshmem_ctl->mem,
					  dev->ivposition, &index, &head))
			return;
		dev->record = index;
		dev->serial = head.serial;
		dev->generation = head.generation;
		memset(dev->keys, 0, sizeof(dev->keys));
		pvio_ivshmem_ctl_keys(pvio_ivshmem_ctl->mem, index,
				      head.serial, dev->keys);
		pvio_ivshmem_attach(dev, PVIO_BACKEND, head.backend_id,
				    head.frontend_id);
		return;
	}
	/*
	 * A guest: pvio-hvd wrote our peer id into the frontend's slot. A
	 * driver domain never believes it: a guest can write that slot.
	 */
	if (!pvio_ivshmem_driver_domain &&
	    le32_to_cpu(READ_ONCE(hdr->frontend_peer)) == dev->ivposition)
		pvio_ivshmem_attach(dev, PVIO_FRONTEND,
				    le16_to_cpu(READ_ONCE(hdr->backend_id)),
				    le16_to_cpu(READ_ONCE(hdr->frontend_id)));
}

static void pvio_ivshmem_scan(struct work_struct *work)
{
	struct pvio_ivshmem *dev;

	mutex_lock(&pvio_ivshmem_lock);
	list_for_each_entry(dev, &pvio_ivshmem_devs, node)
		if (!dev->control)
			pvio_ivshmem_rescan_dev(dev);
	mutex_unlock(&pvio_ivshmem_lock);
}

/* ---- the PCI device ---- */

static irqreturn_t pvio_ivshmem_irq(int irq, void *data)
{
	struct pvio_ivshmem_vec *vec = data;
	struct pvio_ivshmem *dev = vec->dev;
	struct pvio_link *link;

	atomic64_inc(&vec->count);
	if (dev->control) {
		schedule_work(&pvio_ivshmem_scan_work);
		return IRQ_HANDLED;
	}
	/* The link lives until detach synchronized with this handler. */
	link = smp_load_acquire(&dev->link);
	if (link)
		pvio_link_event(link, dev->role, vec->nr);
	if (vec->nr == 0) {
		/*
		 * A peer came or went, or the keys changed: look at the rings
		 * in case a doorbell was lost, and (a guest) at what the link
		 * has now. A driver domain hears of its records through the
		 * control region's vector alone: a guest ringing vector 0 in
		 * a loop costs it the throttled kicks, not scans.
		 */
		if (link)
			schedule_work(&dev->kick_work);
		if (!READ_ONCE(pvio_ivshmem_driver_domain))
			schedule_work(&pvio_ivshmem_scan_work);
	}
	return IRQ_HANDLED;
}

static int pvio_ivshmem_info_show(struct seq_file *m, void *unused)
{
	struct pvio_ivshmem *dev = m->private;
	unsigned int i;

	mutex_lock(&pvio_ivshmem_lock);
	seq_printf(m, "kind %s\nivposition %u\nvectors %u\nsize %zu\n",
		   dev->control ? "control" : "link", dev->ivposition,
		   dev->nr_vectors, dev->mem_size);
	if (dev->link)
		seq_printf(m, "link %u\nrole %s\n", dev->link->id,
			   pvio_role_name(dev->role));
	if (dev->link && dev->role == PVIO_BACKEND)
		seq_printf(m, "record %u\nserial %u\n", dev->record,
			   dev->serial);
	seq_printf(m, "polls %llu\ninterrupts", dev->polls);
	for (i = 0; i < dev->nr_vectors; i++)
		seq_printf(m, " %lld", atomic64_read(&dev->vecs[i].count));
	seq_puts(m, "\n");
	mutex_unlock(&pvio_ivshmem_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvio_ivshmem_info);

/*
 * Write a port number: ring the other end's vector of that port as this
 * end's drivers do (the provider's notify), with no driver bound. For
 * tests (ivshmem_probe); root can ring any vector through BAR0 anyway.
 */
static ssize_t pvio_ivshmem_doorbell_write(struct file *file,
					   const char __user *ubuf,
					   size_t len, loff_t *ppos)
{
	struct pvio_ivshmem *dev = file->private_data;
	unsigned int port;
	int ret;

	ret = kstrtouint_from_user(ubuf, len, 0, &port);
	if (ret)
		return ret;
	mutex_lock(&pvio_ivshmem_lock);
	if (!dev->link)
		ret = -ENOTCONN;
	else if (port >= dev->nr_vectors)
		ret = -EINVAL;
	else
		pvio_ivshmem_notify(dev->link, pvio_peer(dev->role), port);
	mutex_unlock(&pvio_ivshmem_lock);
	return ret ?: len;
}

static const struct file_operations pvio_ivshmem_doorbell_fops = {
	.open	= simple_open,
	.write	= pvio_ivshmem_doorbell_write,
	.llseek	= noop_llseek,
};

static void pvio_ivshmem_unmap(struct pvio_ivshmem *dev)
{
	if (dev->mem)
		memunmap(dev->mem);
	if (dev->regs)
		pci_iounmap(dev->pdev, dev->regs);
	pci_release_regions(dev->pdev);
	pci_disable_device(dev->pdev);
}

/* Map BAR0 and BAR2; on failure nothing is left mapped or claimed. */
static int pvio_ivshmem_map(struct pvio_ivshmem *dev)
{
	struct pci_dev *pdev = dev->pdev;
	resource_size_t len = pci_resource_len(pdev, 2);
	int ret;

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret) {
		pci_disable_device(pdev);
		return ret;
	}
	ret = -EINVAL;
	if (!len || len > (resource_size_t)PVIO_LINK_MAX_PAGES * PVIO_PAGE_SIZE ||
	    !is_power_of_2(len)) {
		pci_err(pdev, "shared memory of %pa bytes: not a pvio region\n",
			&len);
		goto err;
	}
	ret = -ENOMEM;
	dev->regs = pci_iomap(pdev, 0, 0);
	if (!dev->regs)
		goto err;
	/*
	 * Plain pointers in the core: write-back, never ioremap ("Measured
	 * facts" in Documentation/architecture.rst).
	 */
	dev->mem = memremap(pci_resource_start(pdev, 2), len, MEMREMAP_WB);
	if (!dev->mem)
		goto err;
	dev->mem_size = len;
	dev->ivposition = readl(dev->regs + IVSHMEM_IVPOSITION);
	return 0;
err:
	pvio_ivshmem_unmap(dev);
	return ret;
}

static int pvio_ivshmem_irqs(struct pvio_ivshmem *dev)
{
	struct pci_dev *pdev = dev->pdev;
	int nvec = min(pci_msix_vec_count(pdev), PVIO_IVSHMEM_MAX_VECTORS);
	int i, ret;

	dev->vecs = kcalloc(nvec, sizeof(*dev->vecs), GFP_KERNEL);
	if (!dev->vecs)
		return -ENOMEM;
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	for (i = 0; i < nvec; i++) {
		dev->vecs[i].dev = dev;
		dev->vecs[i].nr = i;
		ret = request_irq(pci_irq_vector(pdev, i), pvio_ivshmem_irq, 0,
				  KBUILD_MODNAME, &dev->vecs[i]);
		if (ret) {
			while (--i >= 0)
				free_irq(pci_irq_vector(pdev, i),
					 &dev->vecs[i]);
			pci_free_irq_vectors(pdev);
			return ret;
		}
		dev->nr_vectors = i + 1;
	}
	/* MSI-X ignores the mask register; clear it for the record. */
	writel(0, dev->regs + IVSHMEM_INTR_MASK);
	return 0;
}

static void pvio_ivshmem_free_irqs(struct pvio_ivshmem *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_vectors; i++)
		free_irq(pci_irq_vector(dev->pdev, i), &dev->vecs[i]);
	if (dev->nr_vectors)
		pci_free_irq_vectors(dev->pdev);
	dev->nr_vectors = 0;
}

/*
 * What BAR2 holds: a link region, the control region, or neither. The
 * control region has one vector, which the host set; a guest can write
 * a link region to look like one, but not change its vectors.
 */
static int pvio_ivshmem_kind(struct pvio_ivshmem *dev)
{
	const struct pvio_link_header *hdr = dev->mem;
	int nvec = pci_msix_vec_count(dev->pdev);

	if (nvec == 1 && strcmp(role, "guest") &&
	    pvio_ivshmem_ctl_valid(dev->mem, dev->mem_size)) {
		dev->control = true;
		return 0;
	}
	if (nvec >= 2 &&
	    dev->mem_size >= (size_t)PVIO_LINK_MIN_PAGES * PVIO_PAGE_SIZE &&
	    le32_to_cpu(READ_ONCE(hdr->magic)) == PVIO_LINK_MAGIC)
		return 0;
	pci_err(dev->pdev, "no pvio region for %d vectors (is pvio-hvd its server? a link has 2 or more, the control region 1)\n",
		nvec);
	return -ENODEV;
}

static int pvio_ivshmem_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	struct pvio_ivshmem *dev;
	int ret;

	if (pci_msix_vec_count(pdev) <= 0) {
		pci_err(pdev, "no MSI-X: an ivshmem-plain device cannot ring, use ivshmem-doorbell\n");
		return -ENODEV;
	}
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->pdev = pdev;
	init_completion(&dev->released);
	INIT_WORK(&dev->kick_work, pvio_ivshmem_kick);
	INIT_DELAYED_WORK(&dev->poll_work, pvio_ivshmem_poll);
	pci_set_drvdata(pdev, dev);
	ret = pvio_ivshmem_map(dev);
	if (ret)
		goto err_free;
	ret = pvio_ivshmem_kind(dev);
	if (!ret)
		ret = pvio_ivshmem_irqs(dev);
	if (ret)
		goto err;

	dev->debugfs = debugfs_create_dir(pci_name(pdev), pvio_ivshmem_debugfs);
	debugfs_create_file("info", 0444, dev->debugfs, dev,
			    &pvio_ivshmem_info_fops);
	debugfs_create_file("doorbell", 0200, dev->debugfs, dev,
			    &pvio_ivshmem_doorbell_fops);
	mutex_lock(&pvio_ivshmem_lock);
	if (dev->control && pvio_ivshmem_ctl) {
		mutex_unlock(&pvio_ivshmem_lock);
		pci_err(pdev, "a second control region: refused\n");
		ret = -EBUSY;
		goto err_irqs;
	}
	if (dev->control) {
		WRITE_ONCE(pvio_ivshmem_ctl, dev);
		WRITE_ONCE(pvio_ivshmem_driver_domain, true);
	}
	list_add_tail(&dev->node, &pvio_ivshmem_devs);
	if (!dev->control)
		schedule_delayed_work(&dev->poll_work, HZ);
	mutex_unlock(&pvio_ivshmem_lock);
	pci_info(pdev, "%s region of %zu KiB, peer id %u, %u vectors\n",
		 dev->control ? "control" : "link", dev->mem_size >> 10,
		 dev->ivposition, dev->nr_vectors);
	/* Links wait for what says which end they are: look now. */
	schedule_work(&pvio_ivshmem_scan_work);
	return 0;

err_irqs:
	debugfs_remove_recursive(dev->debugfs);
	pvio_ivshmem_free_irqs(dev);
err:
	pvio_ivshmem_unmap(dev);
err_free:
	kfree(dev->vecs);
	kfree(dev);
	return ret;
}

static void pvio_ivshmem_remove(struct pci_dev *pdev)
{
	struct pvio_ivshmem *dev = pci_get_drvdata(pdev);
	struct pvio_ivshmem *other;

	cancel_delayed_work_sync(&dev->poll_work);
	mutex_lock(&pvio_ivshmem_lock);
	list_del(&dev->node);
	if (dev->control) {
		/* Without their records the backends have no authority. */
		WRITE_ONCE(pvio_ivshmem_ctl, NULL);
		list_for_each_entry(other, &pvio_ivshmem_devs, node)
			if (other->role == PVIO_BACKEND)
				pvio_ivshmem_detach(other);
	}
	pvio_ivshmem_detach(dev);
	mutex_unlock(&pvio_ivshmem_lock);
	debugfs_remove_recursive(dev->debugfs);
	pvio_ivshmem_free_irqs(dev);
	cancel_work_sync(&dev->kick_work);
	pvio_ivshmem_unmap(dev);
	kfree(dev->vecs);
	kfree(dev);
}

static const struct pci_device_id pvio_ivshmem_ids[] = {
	{ PCI_DEVICE(PVIO_IVSHMEM_VENDOR, PVIO_IVSHMEM_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, pvio_ivshmem_ids);

static struct pci_driver pvio_ivshmem_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= pvio_ivshmem_ids,
	.probe		= pvio_ivshmem_probe,
	.remove		= pvio_ivshmem_remove,
};

static int __init pvio_ivshmem_init(void)
{
	int ret;

	if (strcmp(role, "auto") && strcmp(role, "driver") &&
	    strcmp(role, "guest")) {
		pr_err("role=%s: not driver, guest or auto\n", role);
		return -EINVAL;
	}
	pvio_ivshmem_driver_domain = !strcmp(role, "driver");
	ret = pvio_provider_register(&pvio_ivshmem_provider);
	if (ret)
		return ret;
	pvio_ivshmem_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	ret = pci_register_driver(&pvio_ivshmem_driver);
	if (ret) {
		debugfs_remove_recursive(pvio_ivshmem_debugfs);
		pvio_provider_unregister(&pvio_ivshmem_provider);
	}
	return ret;
}

static void __exit pvio_ivshmem_exit(void)
{
	pci_unregister_driver(&pvio_ivshmem_driver);
	cancel_work_sync(&pvio_ivshmem_scan_work);
	debugfs_remove_recursive(pvio_ivshmem_debugfs);
	pvio_provider_unregister(&pvio_ivshmem_provider);
}

module_init(pvio_ivshmem_init);
module_exit(pvio_ivshmem_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvio ivshmem provider: link ends in QEMU VMs sharing ivshmem-doorbell memory");
MODULE_AUTHOR("The pvio authors");
