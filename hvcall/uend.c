// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_uend.ko: a link end that userspace drives. A pvio driver that binds
 * the backend devices an administrator hands to it (sysfs driver_override,
 * as vfio-pci takes PCI devices) and gives each a character device,
 * /dev/pvio/link<N>-<type><M>, for a userspace backend (a DPDK PMD): mmap()
 * of the link's region, an eventfd per port, and the state machine and the
 * config store through the core, which keeps every rule it keeps for a
 * kernel backend. Closing the device (a process that exits or dies) is a
 * backend that left: the core walks the end to Closed as for pvio_netback's
 * removal, and the frontend holds its I/O until the next backend comes.
 * Documentation/uend.rst says what userspace sees.
 */
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "pvio.h"
#include "pvio_uend.h"

/* "link<u32>-vif<u32>" with room to spare. */
#define UEND_NAME_MAX	48

/**
 * struct uend_port - a port of the end bound to an eventfd
 * @ch: the channel, NULL while unbound
 * @efd: signalled by the channel's handler
 */
struct uend_port {
	struct pvio_evtchn *ch;
	struct eventfd_ctx *efd;
};

/**
 * struct pvio_uend - a backend device handed to userspace
 * @kref: held by the bound device and by the open file
 * @pdev: the device, NULL once removed
 * @link: its link, for as long as @pdev
 * @misc: the character device
 * @name: @misc's name, pvio-link<N>-<type><M>
 * @nodename: its node, pvio/link<N>-<type><M>
 * @lock: guards what follows down to @nr_keys, and serializes the ioctls
 * @open: a file is open (one at a time)
 * @gone: the device was removed: every call fails with -ENODEV
 * @watch: the frontend's state watch, while open
 * @ports: by port number, @link->nr_ports of them
 * @keys: the backend store keys the opener wrote, removed when it goes
 * @nr_keys: how many
 * @efd_lock: guards @watch_efd (the watch and the driver callbacks signal
 *	it without @lock)
 * @watch_efd: signalled on the frontend's comings and goings
 * @revoke_lock: orders faults against revocation
 * @revoked: the region may no longer be mapped (the device went)
 * @mapping: the open file's address space, where its mappings are
 */
struct pvio_uend {
	struct kref kref;
	struct pvio_device *pdev;
	struct pvio_link *link;
	struct miscdevice misc;
	char name[UEND_NAME_MAX];
	char nodename[UEND_NAME_MAX];
	struct mutex lock;		/* guards the state of the end */
	bool open;
	bool gone;
	struct pvio_state_watch *watch;
	struct uend_port *ports;
	char (*keys)[PVIO_STORE_KEY_MAX];
	unsigned int nr_keys;
	spinlock_t efd_lock;		/* guards @watch_efd */
	struct eventfd_ctx *watch_efd;
	struct rw_semaphore revoke_lock;	/* guards @revoked */
	bool revoked;
	struct address_space *mapping;
};

static void uend_free(struct kref *kref)
{
	struct pvio_uend *u = container_of(kref, struct pvio_uend, kref);

	kfree(u->ports);
	kfree(u->keys);
	kfree(u);
}

static void uend_put(struct pvio_uend *u)
{
	kref_put(&u->kref, uend_free);
}

/* Tell the watcher, if any, to look at the frontend again. Any context. */
static void uend_signal_watch(struct pvio_uend *u)
{
	unsigned long flags;

	spin_lock_irqsave(&u->efd_lock, flags);
	if (u->watch_efd)
		pvio_compat_eventfd_signal(u->watch_efd);
	spin_unlock_irqrestore(&u->efd_lock, flags);
}

static void uend_set_watch_efd(struct pvio_uend *u, struct eventfd_ctx *efd)
{
	struct eventfd_ctx *old;
	unsigned long flags;

	spin_lock_irqsave(&u->efd_lock, flags);
	old = u->watch_efd;
	u->watch_efd = efd;
	spin_unlock_irqrestore(&u->efd_lock, flags);
	if (old)
		eventfd_ctx_put(old);
}

static void uend_frontend_changed(struct pvio_link *link, enum pvio_role self,
				  enum pvio_state peer, void *data)
{
	uend_signal_watch(data);
}

/* The frontend rang a bound port: interrupt context. */
static void uend_port_event(struct pvio_evtchn *ch, void *data)
{
	struct uend_port *p = data;

	pvio_compat_eventfd_signal(p->efd);
}

static void uend_port_unbind(struct uend_port *p)
{
	if (!p->ch)
		return;
	pvio_evtchn_unbind(p->ch);
	eventfd_ctx_put(p->efd);
	p->ch = NULL;
	p->efd = NULL;
}

/*
 * The opener is gone, or the device is: undo what it did, as
 * pvio_netback's removal does. Its ports are unbound, its store keys
 * removed and the end walked to Closed, which the frontend sees as a
 * backend that left. Under @lock.
 */
static void uend_leave(struct pvio_uend *u)
{
	unsigned int i;

	lockdep_assert_held(&u->lock);
	for (i = 0; i < u->link->nr_ports; i++)
		uend_port_unbind(&u->ports[i]);
	if (u->watch) {
		pvio_state_unwatch(u->watch);
		u->watch = NULL;
	}
	uend_set_watch_efd(u, NULL);
	/* Stop using the rings, then withdraw what named them (the nonce). */
	for (i = 0; i < u->nr_keys; i++)
		pvio_store_remove(u->link, PVIO_STORE_BACKEND, u->keys[i]);
	u->nr_keys = 0;
	pvio_backend_state_walk(u->link, PVIO_STATE_CLOSED);
}

/* ---- the character device ---- */

static int uend_open(struct inode *inode, struct file *file)
{
	struct pvio_uend *u = container_of(file->private_data,
					   struct pvio_uend, misc);
	struct pvio_state_watch *watch;
	int ret = 0;

	/* Mode 0600 says root; the capability says so in any namespace. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* misc_open() holds misc's lock: the device is not going yet. */
	mutex_lock(&u->lock);
	if (u->gone) {
		ret = -ENODEV;
	} else if (u->open) {
		ret = -EBUSY;
	} else {
		/* Only one watch per end: another backend here says busy. */
		watch = pvio_state_watch_dev(u->pdev, uend_frontend_changed, u);
		if (IS_ERR(watch)) {
			ret = PTR_ERR(watch);
		} else {
			u->watch = watch;
			u->open = true;
			u->mapping = file->f_mapping;
			down_write(&u->revoke_lock);
			u->revoked = false;
			up_write(&u->revoke_lock);
			kref_get(&u->kref);
			file->private_data = u;
		}
	}
	mutex_unlock(&u->lock);
	if (ret)
		return ret;
	return nonseekable_open(inode, file);
}

/* After the last mapping went too: each holds the file. */
static int uend_release(struct inode *inode, struct file *file)
{
	struct pvio_uend *u = file->private_data;

	mutex_lock(&u->lock);
	if (!u->gone)
		uend_leave(u);
	u->open = false;
	u->mapping = NULL;
	mutex_unlock(&u->lock);
	uend_put(u);
	return 0;
}

/* The pfn of byte @off of the region, inside it. */
static unsigned long uend_pfn(struct pvio_link *link, size_t off)
{
	void *addr = link->region + off;

	if (link->region_phys)
		return PHYS_PFN(link->region_phys + off);
	if (is_vmalloc_addr(addr))
		return vmalloc_to_pfn(addr);
	return PHYS_PFN(virt_to_phys(addr));
}

static size_t uend_region_size(struct pvio_link *link)
{
	return (size_t)link->region_pages * PVIO_PAGE_SIZE;
}

/*
 * Pages are put in as they are touched, and only while the device is
 * there: once it went (revoked) its mappings were zapped and a touch
 * gets SIGBUS, never a page of a freed region.
 */
static vm_fault_t uend_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pvio_uend *u = vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	size_t off;

	down_read(&u->revoke_lock);
	if (u->revoked)
		goto out;
	off = (size_t)vmf->pgoff << PAGE_SHIFT;
	if (vmf->pgoff >= (uend_region_size(u->link) >> PAGE_SHIFT))
		goto out;
	ret = vmf_insert_pfn(vma, vmf->address, uend_pfn(u->link, off));
out:
	up_read(&u->revoke_lock);
	return ret;
}

static const struct vm_operations_struct uend_vm_ops = {
	.fault	= uend_fault,
};

/*
 * Shared mappings of whole pages inside the region. Below the data area
 * (header, config store, grant table) read-only for good: this end's
 * state, heartbeat and store areas are written by the core only, through
 * the ioctls. The rings and the pool are read-write.
 */
static int uend_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pvio_uend *u = file->private_data;
	unsigned long pages = vma_pages(vma);
	size_t region, start;
	int ret = 0;

	/* VM_MAYSHARE: a shared mapping of a file opened read-only. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	mutex_lock(&u->lock);
	if (u->gone) {
		ret = -ENODEV;
		goto out;
	}
	region = uend_region_size(u->link) >> PAGE_SHIFT;
	if (vma->vm_pgoff >= region || pages > region - vma->vm_pgoff) {
		ret = -EINVAL;
		goto out;
	}
	start = (size_t)vma->vm_pgoff << PAGE_SHIFT;
	if (start < (size_t)u->link->data_offset * PVIO_PAGE_SIZE) {
		if (vma->vm_flags & VM_WRITE) {
			ret = -EACCES;
			goto out;
		}
		pvio_compat_vm_flags_clear(vma, VM_MAYWRITE);
	}
	pvio_compat_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
				 VM_DONTDUMP);
	vma->vm_ops = &uend_vm_ops;
	vma->vm_private_data = u;
out:
	mutex_unlock(&u->lock);
	return ret;
}

/*
 * The ioctl structs grow at their end: a shorter one than this kernel
 * knows is refused (there is none yet), a longer one must hold zeros
 * beyond what this kernel knows (copy_struct_from_user()).
 */
static int uend_copy_in(void *karg, size_t ksize, unsigned int cmd,
			unsigned long arg)
{
	size_t usize = _IOC_SIZE(cmd);

	if (usize < ksize)
		return -EINVAL;
	return copy_struct_from_user(karg, ksize, (void __user *)arg, usize);
}

static int uend_copy_out(unsigned long arg, unsigned int cmd,
			 const void *karg, size_t ksize)
{
	size_t usize = _IOC_SIZE(cmd);
	void __user *uarg = (void __user *)arg;

	if (usize < ksize)
		return -EINVAL;
	if (copy_to_user(uarg, karg, ksize) ||
	    clear_user(uarg + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static bool uend_zero(const u64 *r, size_t n)
{
	while (n--)
		if (r[n])
			return false;
	return true;
}

static void uend_info(struct pvio_uend *u, struct pvio_uend_info *info)
{
	struct pvio_link *link = u->link;

	memset(info, 0, sizeof(*info));
	info->abi = PVIO_UEND_ABI;
	info->link_id = link->id;
	info->dev_type = u->pdev->type;
	info->dev_index = u->pdev->index;
	info->backend_id = link->backend_id;
	info->frontend_id = link->frontend_id;
	info->nr_ports = link->nr_ports;
	info->region_size = uend_region_size(link);
	info->data_offset = (u64)link->data_offset * PVIO_PAGE_SIZE;
	info->grant_offset = (u64)PVIO_GRANT_OFFSET * PVIO_PAGE_SIZE;
	info->grant_entries = link->grant_entries;
	info->generation = pvio_link_generation(link);
}

static void uend_get_state(struct pvio_uend *u, struct pvio_uend_state *st)
{
	memset(st, 0, sizeof(*st));
	st->state = pvio_state_get(u->link, PVIO_BACKEND);
	st->peer_state = pvio_state_peer(u->link, PVIO_BACKEND);
	st->generation = pvio_link_generation(u->link);
	st->peer_alive = pvio_peer_alive(u->link, PVIO_BACKEND);
}

static int uend_set_state(struct pvio_uend *u,
			  const struct pvio_uend_set_state *s)
{
	if (s->flags || !uend_zero(s->reserved, ARRAY_SIZE(s->reserved)))
		return -EINVAL;
	/* Unknown is where an end starts, never where it goes. */
	if (s->state <= PVIO_STATE_UNKNOWN || s->state > PVIO_STATE_CLOSED)
		return -EINVAL;
	return pvio_state_set(u->link, PVIO_BACKEND, s->state);
}

/*
 * The store key of the device: "vif0/" and the relative key userspace
 * gave, which must be NUL-terminated, non-empty and printable.
 */
static int uend_store_key(struct pvio_uend *u, const struct pvio_uend_store *s,
			  char *key)
{
	size_t i, len = strnlen(s->key, sizeof(s->key));

	if (s->flags || !uend_zero(s->reserved, ARRAY_SIZE(s->reserved)))
		return -EINVAL;
	if (!len || len == sizeof(s->key))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (s->key[i] < 0x21 || s->key[i] > 0x7e)
			return -EINVAL;
	if (snprintf(key, PVIO_STORE_KEY_MAX, "%s%u/%s",
		     pvio_dev_type_name(u->pdev->type), u->pdev->index,
		     s->key) >= PVIO_STORE_KEY_MAX)
		return -E2BIG;
	return 0;
}

static int uend_store_read(struct pvio_uend *u, struct pvio_uend_store *s)
{
	char key[PVIO_STORE_KEY_MAX];
	int ret;

	ret = uend_store_key(u, s, key);
	if (ret)
		return ret;
	memset(s->value, 0, sizeof(s->value));
	switch (s->area) {
	case PVIO_UEND_AREA_TOOLSTACK:
		/* The trusted copy, never what a frontend can rewrite. */
		return pvio_toolstack_read(u->link, key, s->value,
					   sizeof(s->value));
	case PVIO_UEND_AREA_BACKEND:
	case PVIO_UEND_AREA_FRONTEND:
		return pvio_store_read(u->link, s->area, key, s->value,
				       sizeof(s->value));
	default:
		return -EINVAL;
	}
}

static int uend_key_slot(struct pvio_uend *u, const char *key)
{
	unsigned int i;

	for (i = 0; i < u->nr_keys; i++)
		if (!strcmp(u->keys[i], key))
			return i;
	return -ENOENT;
}

static int uend_store_write(struct pvio_uend *u,
			    const struct pvio_uend_store *s)
{
	char key[PVIO_STORE_KEY_MAX];
	int ret, slot;

	ret = uend_store_key(u, s, key);
	if (ret)
		return ret;
	if (s->area != PVIO_UEND_AREA_BACKEND)
		return -EPERM;
	if (strnlen(s->value, sizeof(s->value)) == sizeof(s->value))
		return -EINVAL;
	slot = uend_key_slot(u, key);
	if (slot < 0) {
		if (u->nr_keys == PVIO_STORE_ENTRIES)
			return -ENOSPC;
		slot = u->nr_keys;
	}
	ret = pvio_store_write(u->link, PVIO_STORE_BACKEND, key, s->value);
	if (!ret && slot == u->nr_keys)
		strscpy(u->keys[u->nr_keys++], key, PVIO_STORE_KEY_MAX);
	return ret;
}

static int uend_store_remove(struct pvio_uend *u,
			     const struct pvio_uend_store *s)
{
	char key[PVIO_STORE_KEY_MAX];
	int ret, slot;

	ret = uend_store_key(u, s, key);
	if (ret)
		return ret;
	if (s->area != PVIO_UEND_AREA_BACKEND)
		return -EPERM;
	ret = pvio_store_remove(u->link, PVIO_STORE_BACKEND, key);
	slot = uend_key_slot(u, key);
	if (slot >= 0) {
		u->nr_keys--;
		if (slot != u->nr_keys)
			memcpy(u->keys[slot], u->keys[u->nr_keys],
			       PVIO_STORE_KEY_MAX);
	}
	return ret;
}

static int uend_bind(struct pvio_uend *u, const struct pvio_uend_bind *b)
{
	struct eventfd_ctx *efd;
	struct pvio_evtchn *ch;
	struct uend_port *p;

	if (b->flags || b->reserved0 ||
	    !uend_zero(b->reserved, ARRAY_SIZE(b->reserved)))
		return -EINVAL;
	if (b->port == PVIO_PORT_CONTROL || b->port >= u->link->nr_ports)
		return -EINVAL;
	p = &u->ports[b->port];
	if (b->fd == -1) {
		if (!p->ch)
			return -ENOENT;
		uend_port_unbind(p);
		return 0;
	}
	if (p->ch)
		return -EBUSY;
	efd = eventfd_ctx_fdget(b->fd);
	if (IS_ERR(efd))
		return PTR_ERR(efd);
	/* Before the channel: its handler may run as soon as it is bound. */
	p->efd = efd;
	ch = pvio_evtchn_bind(u->link, PVIO_BACKEND, b->port, uend_port_event,
			      p);
	if (IS_ERR(ch)) {
		p->efd = NULL;
		eventfd_ctx_put(efd);
		return PTR_ERR(ch);
	}
	p->ch = ch;
	return 0;
}

static int uend_notify(struct pvio_uend *u, const struct pvio_uend_notify *n)
{
	if (n->flags || !uend_zero(n->reserved, ARRAY_SIZE(n->reserved)))
		return -EINVAL;
	if (n->port == PVIO_PORT_CONTROL || n->port >= u->link->nr_ports)
		return -EINVAL;
	if (!u->ports[n->port].ch)
		return -ENOENT;
	pvio_evtchn_notify(u->ports[n->port].ch);
	return 0;
}

static int uend_watch(struct pvio_uend *u, const struct pvio_uend_watch *w)
{
	struct eventfd_ctx *efd = NULL;

	if (w->flags || !uend_zero(w->reserved, ARRAY_SIZE(w->reserved)))
		return -EINVAL;
	if (w->fd != -1) {
		efd = eventfd_ctx_fdget(w->fd);
		if (IS_ERR(efd))
			return PTR_ERR(efd);
	}
	uend_set_watch_efd(u, efd);
	/* Whatever happened before: look now. */
	if (efd)
		uend_signal_watch(u);
	return 0;
}

/* The argument of each ioctl, copied in once and out once. */
union uend_arg {
	struct pvio_uend_info info;
	struct pvio_uend_state state;
	struct pvio_uend_set_state set_state;
	struct pvio_uend_store store;
	struct pvio_uend_bind bind;
	struct pvio_uend_notify notify;
	struct pvio_uend_watch watch;
};

/* Each command by number: its direction and its struct's size. */
static const struct {
	unsigned int dir;
	size_t size;
} uend_cmds[] = {
	[_IOC_NR(PVIO_UEND_IOC_INFO)] = {
		_IOC_READ, sizeof(struct pvio_uend_info) },
	[_IOC_NR(PVIO_UEND_IOC_GET_STATE)] = {
		_IOC_READ, sizeof(struct pvio_uend_state) },
	[_IOC_NR(PVIO_UEND_IOC_SET_STATE)] = {
		_IOC_WRITE, sizeof(struct pvio_uend_set_state) },
	[_IOC_NR(PVIO_UEND_IOC_STORE_READ)] = {
		_IOC_READ | _IOC_WRITE, sizeof(struct pvio_uend_store) },
	[_IOC_NR(PVIO_UEND_IOC_STORE_WRITE)] = {
		_IOC_WRITE, sizeof(struct pvio_uend_store) },
	[_IOC_NR(PVIO_UEND_IOC_STORE_REMOVE)] = {
		_IOC_WRITE, sizeof(struct pvio_uend_store) },
	[_IOC_NR(PVIO_UEND_IOC_BIND)] = {
		_IOC_WRITE, sizeof(struct pvio_uend_bind) },
	[_IOC_NR(PVIO_UEND_IOC_NOTIFY)] = {
		_IOC_WRITE, sizeof(struct pvio_uend_notify) },
	[_IOC_NR(PVIO_UEND_IOC_WATCH)] = {
		_IOC_WRITE, sizeof(struct pvio_uend_watch) },
};

static long uend_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pvio_uend *u = file->private_data;
	unsigned int nr = _IOC_NR(cmd);
	union uend_arg a;
	size_t size;
	long ret;

	if (_IOC_TYPE(cmd) != PVIO_UEND_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(uend_cmds) || _IOC_DIR(cmd) != uend_cmds[nr].dir)
		return -ENOTTY;
	size = uend_cmds[nr].size;
	memset(&a, 0, sizeof(a));
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		ret = uend_copy_in(&a, size, cmd, arg);
		if (ret)
			return ret;
	}

	mutex_lock(&u->lock);
	if (u->gone) {
		ret = -ENODEV;
		goto out;
	}
	switch (nr) {
	case _IOC_NR(PVIO_UEND_IOC_INFO):
		uend_info(u, &a.info);
		ret = 0;
		break;
	case _IOC_NR(PVIO_UEND_IOC_GET_STATE):
		uend_get_state(u, &a.state);
		ret = 0;
		break;
	case _IOC_NR(PVIO_UEND_IOC_SET_STATE):
		ret = uend_set_state(u, &a.set_state);
		break;
	case _IOC_NR(PVIO_UEND_IOC_STORE_READ):
		ret = uend_store_read(u, &a.store);
		break;
	case _IOC_NR(PVIO_UEND_IOC_STORE_WRITE):
		ret = uend_store_write(u, &a.store);
		break;
	case _IOC_NR(PVIO_UEND_IOC_STORE_REMOVE):
		ret = uend_store_remove(u, &a.store);
		break;
	case _IOC_NR(PVIO_UEND_IOC_BIND):
		ret = uend_bind(u, &a.bind);
		break;
	case _IOC_NR(PVIO_UEND_IOC_NOTIFY):
		ret = uend_notify(u, &a.notify);
		break;
	case _IOC_NR(PVIO_UEND_IOC_WATCH):
		ret = uend_watch(u, &a.watch);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
out:
	mutex_unlock(&u->lock);
	/* Out of the lock: a fault on @arg may take mmap's lock. */
	if (!ret && (_IOC_DIR(cmd) & _IOC_READ))
		ret = uend_copy_out(arg, cmd, &a, size);
	return ret;
}

static const struct file_operations uend_fops = {
	.owner		= THIS_MODULE,
	.open		= uend_open,
	.release	= uend_release,
	.mmap		= uend_mmap,
	.unlocked_ioctl	= uend_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/* ---- the driver ---- */

static void uend_peer_event(struct pvio_device *pdev)
{
	uend_signal_watch(dev_get_drvdata(&pdev->dev));
}

static int uend_probe(struct pvio_device *pdev)
{
	struct pvio_uend *u;
	int ret;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	kref_init(&u->kref);
	u->pdev = pdev;
	u->link = pdev->link;
	mutex_init(&u->lock);
	spin_lock_init(&u->efd_lock);
	init_rwsem(&u->revoke_lock);
	u->ports = kcalloc(u->link->nr_ports, sizeof(*u->ports), GFP_KERNEL);
	u->keys = kcalloc(PVIO_STORE_ENTRIES, sizeof(*u->keys), GFP_KERNEL);
	if (!u->ports || !u->keys) {
		ret = -ENOMEM;
		goto err;
	}
	snprintf(u->name, sizeof(u->name), "pvio-link%u-%s%u", u->link->id,
		 pvio_dev_type_name(pdev->type), pdev->index);
	snprintf(u->nodename, sizeof(u->nodename), "pvio/link%u-%s%u",
		 u->link->id, pvio_dev_type_name(pdev->type), pdev->index);
	u->misc.minor = MISC_DYNAMIC_MINOR;
	u->misc.name = u->name;
	u->misc.nodename = u->nodename;
	u->misc.mode = 0600;
	u->misc.fops = &uend_fops;
	u->misc.parent = &pdev->dev;
	dev_set_drvdata(&pdev->dev, u);
	ret = misc_register(&u->misc);
	if (ret) {
		pdev->probe_msg = "cannot register the character device";
		goto err;
	}
	dev_info(&pdev->dev, "handed to userspace as /dev/%s\n", u->nodename);
	return 0;

err:
	uend_put(u);
	return ret;
}

/*
 * The device goes (unbind, vif del, link del, rmmod with no file open)
 * while a file may still be open: that file keeps @u but loses the device.
 * Its mappings are zapped, its calls fail with -ENODEV.
 */
static void uend_remove(struct pvio_device *pdev)
{
	struct pvio_uend *u = dev_get_drvdata(&pdev->dev);

	/* No open() under way after it: misc's lock. */
	misc_deregister(&u->misc);
	mutex_lock(&u->lock);
	if (u->open) {
		/*
		 * The program's writable mappings go before the end is
		 * walked to Closed: once the frontend sees the backend
		 * left it reuses the pages, which a poll loop on another
		 * CPU must no longer reach. Then its watcher is told.
		 */
		down_write(&u->revoke_lock);
		u->revoked = true;
		up_write(&u->revoke_lock);
		unmap_mapping_range(u->mapping, 0, 0, 1);
		uend_signal_watch(u);
		uend_leave(u);
	}
	u->gone = true;
	mutex_unlock(&u->lock);
	uend_put(u);
}

static struct pvio_driver uend_driver = {
	.driver.name	= "pvio_uend",
	.role		= PVIO_BACKEND,
	.override_only	= true,
	.probe		= uend_probe,
	.remove		= uend_remove,
	.peer_gone	= uend_peer_event,
	.peer_back	= uend_peer_event,
};

static int __init uend_init(void)
{
	return pvio_driver_register(&uend_driver);
}

static void __exit uend_exit(void)
{
	pvio_driver_unregister(&uend_driver);
}

module_init(uend_init);
module_exit(uend_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvio userspace link ends: a backend device served from userspace");
MODULE_AUTHOR("The pvio authors");
