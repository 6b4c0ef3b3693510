/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * The kernel API of pvio_hv.ko, for the block and network drivers and for
 * the providers (loop, ivshmem) underneath. Grouped by the file that
 * implements it. The drivers never learn which provider runs a link.
 *
 * Addresses, never pages: a provider's shared memory may have no struct
 * page (ivshmem BAR2), so every accessor returns a kernel address into the
 * region or copies; nothing here hands out a struct page.
 */
#ifndef _PVIO_H
#define _PVIO_H

#include <linux/bits.h>
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "link.h"
#include "ring.h"

struct pvio_link;
struct pvio_evtchn;
struct pvio_liveness;

/* ---- provider.c: the providers of shared memory and notification ---- */

/**
 * struct pvio_provider_ops - what a provider does for the core
 * @create: allocate and map the region of a new link: set @link->region,
 *	@link->region_pages and @link->local_roles. Process context.
 * @destroy: unmap and free what @create made. Process context.
 * @notify: ring port @port of end @to. Any context, never sleeps.
 */
struct pvio_provider_ops {
	int (*create)(struct pvio_link *link, struct netlink_ext_ack *extack);
	void (*destroy)(struct pvio_link *link);
	void (*notify)(struct pvio_link *link, enum pvio_role to,
		       unsigned int port);
};

/**
 * struct pvio_provider - a registered provider
 * @name: what netlink and pvioctl call it ("loop", "ivshmem")
 * @owner: the module implementing it
 * @nr_ports: notification ports per link end
 * @lays_out_region: the core writes a fresh header into a new region (loop);
 *	otherwise someone else did (pvio-hvd) and the core validates it
 * @ops: its operations
 * @node: in the provider list (provider.c)
 */
struct pvio_provider {
	const char *name;
	struct module *owner;
	unsigned int nr_ports;
	bool lays_out_region;
	const struct pvio_provider_ops *ops;
	struct list_head node;
};

/*
 * Every link holds a reference on its provider's module, so a provider
 * module cannot go while it runs links: rmmod says EBUSY until they are
 * deleted.
 */
int pvio_provider_register(struct pvio_provider *prov);
void pvio_provider_unregister(struct pvio_provider *prov);

/* ---- link.c: links and their lifetime ---- */

/**
 * struct pvio_link_params - what a new link is made of
 * @provider: provider name
 * @backend_id: domain id of the backend end
 * @frontend_id: domain id of the frontend end
 * @region_pages: size of the shared region in wire pages (0: default)
 * @grant_entries: grant table entries (0: default)
 */
struct pvio_link_params {
	const char *provider;
	u16 backend_id;
	u16 frontend_id;
	u32 region_pages;
	u32 grant_entries;
};

/**
 * struct pvio_link - this kernel's view of one link
 * @id: link id, unique in this kernel
 * @backend_id: domain id of the backend end
 * @frontend_id: domain id of the frontend end
 * @local_roles: BIT(PVIO_BACKEND) and/or BIT(PVIO_FRONTEND): the ends that
 *	live in this kernel (both for the loop provider)
 * @region: the shared region, mapped (set by the provider)
 * @region_pages: its size in wire pages (set by the provider)
 * @hdr: the header at the start of @region
 * @grant_entries: number of grant entries, as this kernel laid them out or
 *	validated them (never re-read from the region)
 * @data_offset: first data page, likewise
 * @provider: who runs the link
 * @provider_priv: the provider's own state
 * @kref: freed when the last reference goes
 * @dead: set once destroy started; no new users
 * @node: in the link list (link.c)
 * @events: event channels bound to this link, by end and port (event.c)
 * @events_lock: guards @events against bind/unbind
 * @liveness: heartbeat and peer watch of each local end (liveness.c)
 * @debugfs: its directory, link<id> (debugfs.c)
 */
struct pvio_link {
	u32 id;
	u16 backend_id;
	u16 frontend_id;
	unsigned long local_roles;
	void *region;
	u32 region_pages;
	struct pvio_link_header *hdr;
	u32 grant_entries;
	u32 data_offset;
	const struct pvio_provider *provider;
	void *provider_priv;
	struct kref kref;
	bool dead;
	struct list_head node;
	struct pvio_evtchn **events[2];
	spinlock_t events_lock;		/* guards @events */
	struct pvio_liveness *liveness[2];
	struct dentry *debugfs;
};

int pvio_link_create(const struct pvio_link_params *params,
		     struct netlink_ext_ack *extack, struct pvio_link **out);
int pvio_link_destroy(u32 id, struct netlink_ext_ack *extack);
/* A counted reference to link @id, or NULL. */
struct pvio_link *pvio_link_get(u32 id);
void pvio_link_put(struct pvio_link *link);
/* The first live link with id >= *@id, referenced; *@id set to its id. */
struct pvio_link *pvio_link_get_next(u32 *id);

/* ---- bus.c: pvio devices and drivers ---- */

/* What a pvio device is: a virtual block device or a virtual interface. */
enum pvio_dev_type {
	PVIO_DEV_VBD = 0,
	PVIO_DEV_VIF = 1,
};

/**
 * struct pvio_device - one end of a virtual device on a link
 * @dev: on the pvio bus, named "link<id>-<type><index>-<role>"
 * @link: the link, referenced for the device's lifetime
 * @type: vbd or vif
 * @role: which end of @link this device is
 * @index: the device's number among the link's devices of its type
 * @ring_order: log2 of each ring's slots, once the driver set up its rings
 * @nr_rings: rings in use (0 until the driver connects)
 * @debugfs: its directory under the link's, for the driver's rings
 *
 * Created by the toolstack side (netlink) for each end that lives in this
 * kernel; a driver of the same type and role binds to it.
 */
struct pvio_device {
	struct device dev;
	struct pvio_link *link;
	enum pvio_dev_type type;
	enum pvio_role role;
	u32 index;
	u32 ring_order;
	u32 nr_rings;
	struct dentry *debugfs;
};

#define to_pvio_device(d) container_of(d, struct pvio_device, dev)

/**
 * struct pvio_driver - a frontend or backend driver of one device type
 * @driver: the driver core's part; set .name
 * @type: the device type it drives
 * @role: the end it drives
 * @probe: bind to a device; process context
 * @remove: unbind; process context
 * @peer_gone: the other end stopped beating or its generation changed:
 *	hold I/O, keep what is in flight (liveness.c); process context
 * @peer_back: a new generation of the other end beats: reconnect and
 *	replay; process context
 */
struct pvio_driver {
	struct device_driver driver;
	enum pvio_dev_type type;
	enum pvio_role role;
	int (*probe)(struct pvio_device *pdev);
	void (*remove)(struct pvio_device *pdev);
	void (*peer_gone)(struct pvio_device *pdev);
	void (*peer_back)(struct pvio_device *pdev);
};

#define to_pvio_driver(d) container_of(d, struct pvio_driver, driver)

int __pvio_driver_register(struct pvio_driver *drv, struct module *owner);
#define pvio_driver_register(drv) __pvio_driver_register(drv, THIS_MODULE)
void pvio_driver_unregister(struct pvio_driver *drv);

/*
 * Add the @role end of device @index of @type on @link; a matching driver
 * binds at once if loaded. -EEXIST if that end exists.
 */
struct pvio_device *pvio_device_add(struct pvio_link *link,
				    enum pvio_dev_type type,
				    enum pvio_role role, u32 index);
/* Unbind the driver and remove the device. */
void pvio_device_del(struct pvio_device *pdev);
const char *pvio_dev_type_name(enum pvio_dev_type type);
const char *pvio_role_name(enum pvio_role role);

/* ---- debugfs.c ---- */

/*
 * A file @name in @pdev's debugfs directory that dumps @ring's indexes and,
 * written "kick", runs the handler of @pdev's event port @port. The driver
 * removes it (debugfs_remove) before it frees the ring.
 */
struct dentry *pvio_debugfs_ring_add(struct pvio_device *pdev,
				     const char *name, struct pvio_ring *ring,
				     unsigned int port);

/* ---- liveness.c: heartbeats ---- */

/*
 * Each local end bumps its heartbeat every heartbeat_ms and watches the
 * other end's: silent for peer_timeout_ms, or a new generation, is "peer
 * gone"; beating again under a new generation is "peer back" (both reach
 * the drivers of that end through struct pvio_driver). The module
 * parameters heartbeat_ms and peer_timeout_ms set the pace.
 */
bool pvio_peer_alive(struct pvio_link *link, enum pvio_role self);
/*
 * Simulate the death and restart of end @end (a driver domain crash):
 * unbind its drivers, forget its status, bump the generation, bind them
 * again. For the loop provider and tests.
 */
int pvio_link_restart_end(struct pvio_link *link, enum pvio_role end);

/* ---- grant.c: the frontend grants pages, the backend resolves them ---- */

/* Access the backend asks for when it resolves a grant. */
#define PVIO_GRANT_READ		BIT(0)
#define PVIO_GRANT_WRITE	BIT(1)

/*
 * Frontend: grant data page @page (counted from the data area) to the
 * backend. Returns the grant reference, or -ENOSPC / -ERANGE.
 */
int pvio_grant_access(struct pvio_link *link, u32 page, bool readonly);
/* Frontend: take a grant back. -ERANGE, -ENOENT if not granted. */
int pvio_grant_revoke(struct pvio_link *link, u32 gref);
/* Frontend: the address of its own data page @page, or NULL. */
void *pvio_data_page(struct pvio_link *link, u32 page);

/*
 * Backend: the address of the page behind grant @gref, after checking it:
 * -ERANGE (no such entry), -ENOENT (not granted), -EACCES (write asked on
 * a read-only grant), -EFAULT (the entry names a page outside the data
 * area). The entry is read once.
 */
void *pvio_grant_map(struct pvio_link *link, u32 gref, u32 access);
/* Backend: copy out of / into a granted page, offset and length checked. */
int pvio_grant_copy_from(struct pvio_link *link, u32 gref, u32 offset,
			 void *dst, u32 len);
int pvio_grant_copy_to(struct pvio_link *link, u32 gref, u32 offset,
		       const void *src, u32 len);

/* ---- store.c: the config store (replaces xenstore) ---- */

/* Write @key=@value into @writer's area. Only a local end may write. */
int pvio_store_write(struct pvio_link *link, enum pvio_store_writer writer,
		     const char *key, const char *value);
int pvio_store_remove(struct pvio_link *link, enum pvio_store_writer writer,
		      const char *key);
/*
 * Read @key from @writer's area into @buf (NUL-terminated). -ENOENT if
 * absent, -E2BIG if it does not fit, -EIO if the area stays torn (odd
 * sequence or changing) after a bounded number of retries, -EPROTO if the
 * entry is malformed (not terminated).
 */
int pvio_store_read(struct pvio_link *link, enum pvio_store_writer writer,
		    const char *key, char *buf, size_t len);
int pvio_store_read_u32(struct pvio_link *link,
			enum pvio_store_writer writer, const char *key,
			u32 *val);

/* ---- state.c: the front/back state machine ---- */

/*
 * Move local end @self to @state. Illegal transitions are refused with
 * -EINVAL and one rate-limited log line.
 */
int pvio_state_set(struct pvio_link *link, enum pvio_role self,
		   enum pvio_state state);
/* The state end @end has published, validated (UNKNOWN if garbage). */
enum pvio_state pvio_state_get(struct pvio_link *link, enum pvio_role end);
bool pvio_state_transition_valid(enum pvio_state from, enum pvio_state to);
const char *pvio_state_name(enum pvio_state state);

/* ---- event.c: event channels ---- */

/* Called by a provider when port @port of end @to was rung. Any context. */
void pvio_link_event(struct pvio_link *link, enum pvio_role to,
		     unsigned int port);

typedef void (*pvio_evtchn_handler_t)(struct pvio_evtchn *ch, void *data);

/*
 * Bind port @port of local end @self. @handler runs in hard or soft
 * interrupt context (irq_work for loop, MSI-X for ivshmem) when the peer
 * notifies, unless masked. -EBUSY if bound, -ERANGE for a bad port.
 */
struct pvio_evtchn *pvio_evtchn_bind(struct pvio_link *link,
				     enum pvio_role self, unsigned int port,
				     pvio_evtchn_handler_t handler,
				     void *data);
void pvio_evtchn_unbind(struct pvio_evtchn *ch);
/*
 * Tell the peer's same port. With coalescing on, the kick may be deferred
 * until max_frames notifications are pending or usecs have passed.
 */
void pvio_evtchn_notify(struct pvio_evtchn *ch);
void pvio_evtchn_mask(struct pvio_evtchn *ch);
/* Unmask; runs the handler if an event arrived while masked. */
void pvio_evtchn_unmask(struct pvio_evtchn *ch);
int pvio_evtchn_set_coalesce(struct pvio_evtchn *ch,
			     const struct pvio_coalesce *c);

#endif /* _PVIO_H */
