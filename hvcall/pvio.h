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
#include <linux/completion.h>
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
#include "pvio_genl.h"
#include "ring.h"

struct pvio_link;
struct pvio_evtchn;
struct dentry;
struct pvio_state_watch;
struct pvio_store_shadow;
struct pvio_liveness;

/* The other end of a link. */
static inline enum pvio_role pvio_peer(enum pvio_role self)
{
	return self == PVIO_BACKEND ? PVIO_FRONTEND : PVIO_BACKEND;
}

/* ---- provider.c: the providers of shared memory and notification ---- */

/**
 * struct pvio_provider_ops - what a provider does for the core
 * @create: allocate and map the region of a new link: set @link->region,
 *	@link->region_pages and @link->local_roles. Process context.
 * @destroy: unmap and free what @create made. Process context.
 * @notify: ring port @port of end @to. Any context, never sleeps.
 * @read_record: optional, for a provider whose kernel does not keep the
 *	toolstack's records (!keeps_records) but can read them from a source
 *	no frontend writes (ivshmem: pvio-hvd's control region): copy the
 *	value of @key, NUL-terminated, into @buf. Errors as
 *	pvio_toolstack_read(). Process context.
 * @generation: optional, for a provider that does not have the core
 *	write the header (!writes_header): the link's generation from its
 *	trusted source. Any context.
 */
struct pvio_provider_ops {
	int (*create)(struct pvio_link *link, struct netlink_ext_ack *extack);
	void (*destroy)(struct pvio_link *link);
	void (*notify)(struct pvio_link *link, enum pvio_role to,
		       unsigned int port);
	int (*read_record)(struct pvio_link *link, const char *key, char *buf,
			   size_t len);
	u32 (*generation)(struct pvio_link *link);
};

/**
 * struct pvio_provider - a registered provider
 * @name: what netlink and pvioctl call it ("loop", "ivshmem")
 * @owner: the module implementing it
 * @nr_ports: notification ports per link end of the links netlink makes
 * @owns_links: its links are made from its devices
 *	(pvio_link_create_owned()), never by netlink link-new or link-del
 * @writes_header: the core writes a fresh header into a new region and
 *	owns the link's generation (loop); otherwise someone else does
 *	(pvio-hvd) and the core validates the header
 * @keeps_records: the toolstack's records of the link's devices (vbd and
 *	vif keys) are made in this kernel, through netlink, and the core
 *	keeps them privately and publishes a copy in the region (loop);
 *	otherwise they come from elsewhere (pvio-hvd) and netlink cannot
 *	change them
 * @restarts_ends: pvio_link_restart_end() may simulate the death and
 *	restart of a local end (loop)
 * @ops: its operations
 * @node: in the provider list (provider.c)
 */
struct pvio_provider {
	const char *name;
	struct module *owner;
	unsigned int nr_ports;
	bool owns_links;
	bool writes_header;
	bool keeps_records;
	bool restarts_ends;
	const struct pvio_provider_ops *ops;
	struct list_head node;
};

/*
 * Every link netlink made holds a reference on its provider's module, so
 * a provider module cannot go while it runs them: rmmod says EBUSY until
 * they are deleted. A provider's own links (owns_links) do not: its
 * device's removal removes them.
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

#define PVIO_LINK_VBDS_MAX	(PVIO_VBD_INDEX_MAX + 1)

/**
 * struct pvio_end_recovery - how a local end came through its outages
 * @connects: times it went Connected
 * @down_since: ktime_get_ns() when its current outage began; 0 while
 *	Connected or before it ever was
 * @last_downtime: the last outage's length, ns (to Connected again)
 * @replays: requests its driver sent again to a new peer
 */
struct pvio_end_recovery {
	u32 connects;
	u32 replays;
	u64 down_since;
	u64 last_downtime;
};

/**
 * struct pvio_link - this kernel's view of one link
 * @id: link id, unique in this kernel
 * @backend_id: domain id of the backend end
 * @frontend_id: domain id of the frontend end
 * @local_roles: BIT(PVIO_BACKEND) and/or BIT(PVIO_FRONTEND): the ends that
 *	live in this kernel (both for the loop provider)
 * @region: the shared region, mapped (set by the provider)
 * @region_phys: the physical address of @region if it is device memory
 *	in one piece (ivshmem's BAR2), set by the provider; 0 for kernel
 *	memory (vmalloc), whose pages are found from @region
 * @region_pages: its size in wire pages (set by the provider)
 * @hdr: the header at the start of @region
 * @generation: the link's generation, from a source no peer can write
 *	(the core, when the provider has it write the header); never read
 *	back from the region
 * @grant_entries: number of grant entries, as this kernel laid them out or
 *	validated them (never re-read from the region)
 * @data_offset: first data page, likewise
 * @provider: who runs the link
 * @owned: made by the provider from one of its devices, which removes it
 *	(pvio_link_remove()); netlink cannot delete it
 * @released: an owned link's: completed once it is freed
 * @nr_ports: notification ports of each end
 * @provider_priv: the provider's own state
 * @kref: freed when the last reference goes
 * @dead: set once destroy started: no new devices (pvio_device_add()
 *	checks it under the devices lock, which destroy takes after setting
 *	it), no restarts
 * @node: in the link list (link.c)
 * @events: event channels bound to this link, by end and port (event.c);
 *	dispatch reads them under RCU, bind and unbind write them under
 *	@events_lock
 * @events_lock: guards @events against bind/unbind
 * @grant_map: frontend: grant references in use, one bit per entry
 *	(grant.c); this bitmap, never the shared table, says what is granted
 * @data_map: frontend: data pages handed out by pvio_data_alloc()
 * @grant_lock: guards @grant_map, @data_map and the frontend's writes to
 *	the table
 * @store: a private shadow of each config store area this kernel writes,
 *	NULL for an area it may not write (store.c)
 * @store_lock: guards @store and the writes to the local store areas
 * @state: the state each local end last published (state.c); the one
 *	record of it this kernel reads, never the header
 * @state_lock: guards @state and orders the writes of the ends' states
 * @recovery: each local end's outages (recovery.c), under @state_lock
 * @liveness: heartbeat and peer watch of each local end (liveness.c); set
 *	before the link is visible, freed only in its final release
 * @restart_lock: serializes pvio_link_restart_end() calls, and them
 *	against the heartbeat's stop in destroy
 * @debugfs: its directory, link<id> (debugfs.c)
 * @ntf_work: sends link-change-ntf to the monitor group (link.c)
 * @vbd_files: backing files of vbds made from an fd, by index (vbd.c),
 *	held until vbd-del or the link's final release
 */
struct pvio_link {
	u32 id;
	u16 backend_id;
	u16 frontend_id;
	unsigned long local_roles;
	void *region;
	phys_addr_t region_phys;
	u32 region_pages;
	struct pvio_link_header *hdr;
	u32 generation;
	u32 grant_entries;
	u32 data_offset;
	const struct pvio_provider *provider;
	bool owned;
	struct completion *released;
	unsigned int nr_ports;
	void *provider_priv;
	struct kref kref;
	bool dead;
	struct list_head node;
	struct pvio_evtchn __rcu **events[2];
	spinlock_t events_lock;		/* guards @events */
	unsigned long *grant_map;
	unsigned long *data_map;
	spinlock_t grant_lock;		/* guards maps, grant entries */
	struct pvio_store_shadow *store[PVIO_STORE_NR];
	struct mutex store_lock;	/* guards @store, local store areas */
	enum pvio_state state[2];
	spinlock_t state_lock;		/* guards @state, hdr->ends[].state */
	struct pvio_end_recovery recovery[2];
	struct pvio_liveness *liveness[2];
	struct mutex restart_lock;	/* serializes restarts */
	struct dentry *debugfs;
	struct work_struct ntf_work;
	struct file *vbd_files[PVIO_LINK_VBDS_MAX];
};

int pvio_link_create(const struct pvio_link_params *params,
		     struct netlink_ext_ack *extack, struct pvio_link **out);
/* Netlink link-del; -EPERM for a link its provider owns. */
int pvio_link_destroy(u32 id, struct netlink_ext_ack *extack);

/**
 * pvio_link_create_owned() - a provider makes a link from its device
 * @prov: the provider, registered, with owns_links set
 * @params: ids and sizes from the provider's trusted source (the
 *	provider name is not looked at)
 * @nr_ports: notification ports of each end on this link
 * @priv: the provider's state, in @link->provider_priv before its
 *	create() runs
 * @released: completed once the link is freed, after the provider's
 *	destroy() returned: then the provider may unmap the region and its
 *	module go
 * @out: receives the link, with a reference for the caller
 *
 * The link does not pin the provider's module; the provider removes it
 * with pvio_link_remove() before its module can go. Process context.
 *
 * Return: 0, or an error as pvio_link_create()'s.
 */
int pvio_link_create_owned(const struct pvio_provider *prov,
			   const struct pvio_link_params *params,
			   unsigned int nr_ports, void *priv,
			   struct completion *released,
			   struct pvio_link **out);

/*
 * Remove a link a provider made (its device goes): its devices are
 * removed, its drivers unbound, its heartbeat stopped; the provider's
 * destroy() runs once the last reference is gone. Process context.
 */
void pvio_link_remove(struct pvio_link *link);
/* A counted reference to link @id, or NULL. */
struct pvio_link *pvio_link_get(u32 id);
void pvio_link_put(struct pvio_link *link);
/* The first live link with id >= *@id, referenced; *@id set to its id. */
struct pvio_link *pvio_link_get_next(u32 *id);
/*
 * The link's generation, from a trusted source: the core's own count
 * where it writes the header (loop), else the provider's generation()
 * (ivshmem: pvio-hvd's control region in the driver domain, the header
 * pvio-hvd writes in a guest, which has no other source). Any context.
 */
u32 pvio_link_generation(struct pvio_link *link);

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
 * @probe_err: what the driver's probe returned last (bus.c)
 * @probe_msg: why it failed, for the netlink caller that added the device
 *	(a string constant the driver sets before it fails)
 * @deleted: removed from the bus, by its creator or by link destroy,
 *	whichever came first (bus.c, under its devices lock)
 * @driver_override: the name of the only driver that may bind it, or
 *	NULL (sysfs driver_override, as PCI's; bus.c)
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
	int probe_err;
	const char *probe_msg;
	bool deleted;
	const char *driver_override;
};

#define to_pvio_device(d) container_of(d, struct pvio_device, dev)

/**
 * struct pvio_dev_stats - a device end's counters, as netlink reports them
 * @requests: requests (vbd) or packets (vif) completed
 * @sectors: 512-byte sectors moved (vbd) or bytes (vif)
 * @errors: requests completed with an error, or refused as invalid
 * @replays: requests sent again after the other end came back (filled by
 *	the core from pvio_recovery_replayed())
 * @in_flight: requests under way now
 * @generation: the link's generation (filled by the core)
 * @reconnects: times the end went Connected again after the first (core)
 * @last_downtime_ms: the last outage, from losing the peer to Connected
 *	again (core)
 * @down_ms: how long the current outage has lasted; 0 while Connected
 *	(core)
 */
struct pvio_dev_stats {
	u64 requests;
	u64 sectors;
	u64 errors;
	u64 replays;
	u64 in_flight;
	u64 generation;
	u64 reconnects;
	u64 last_downtime_ms;
	u64 down_ms;
};

/**
 * struct pvio_driver - a frontend or backend driver of one device type
 * @driver: the driver core's part; set .name
 * @type: the device type it drives
 * @role: the end it drives
 * @override_only: binds only devices of @role whose driver_override
 *	names it, of any type (pvio_uend: a device chosen for userspace)
 * @probe: bind to a device; process context
 * @remove: unbind; process context
 * @peer_gone: the other end stopped beating or its generation changed:
 *	hold I/O, keep what is in flight (liveness.c); process context
 * @peer_back: a new generation of the other end beats: reconnect and
 *	replay; process context
 * @config_changed: optional; the toolstack rewrote this device's keys in
 *	its config store area (netlink "set"): apply them; process context
 * @get_stats: optional; fill the device's counters for netlink; process
 *	context
 */
struct pvio_driver {
	struct device_driver driver;
	enum pvio_dev_type type;
	enum pvio_role role;
	bool override_only;
	int (*probe)(struct pvio_device *pdev);
	void (*remove)(struct pvio_device *pdev);
	void (*peer_gone)(struct pvio_device *pdev);
	void (*peer_back)(struct pvio_device *pdev);
	int (*config_changed)(struct pvio_device *pdev);
	void (*get_stats)(struct pvio_device *pdev,
			  struct pvio_dev_stats *stats);
};

#define to_pvio_driver(d) container_of(d, struct pvio_driver, driver)

int __pvio_driver_register(struct pvio_driver *drv, struct module *owner);
#define pvio_driver_register(drv) __pvio_driver_register(drv, THIS_MODULE)
void pvio_driver_unregister(struct pvio_driver *drv);

/*
 * Add the @role end of device @index of @type on @link; a matching driver
 * binds at once if loaded. -EEXIST if that end exists, -ENODEV if the
 * link is being destroyed. The device comes with a reference for the
 * caller: pvio_device_del() gives it back (or put_device(), to leave the
 * device to link destroy).
 */
struct pvio_device *pvio_device_add(struct pvio_link *link,
				    enum pvio_dev_type type,
				    enum pvio_role role, u32 index);
/*
 * Unbind the driver and remove the device, unless link destroy did
 * already, and drop the caller's reference (from pvio_device_add() or a
 * lookup). When it returns the device is off the bus. Process context.
 */
void pvio_device_del(struct pvio_device *pdev);
const char *pvio_dev_type_name(enum pvio_dev_type type);
const char *pvio_role_name(enum pvio_role role);

/* ---- liveness.c: heartbeats ---- */

/*
 * Each local end bumps its heartbeat every heartbeat_ms and watches the
 * other end's: silent for peer_timeout_ms, or a new generation, is "peer
 * gone"; beating again under a new generation is "peer back" (both reach
 * the drivers of that end through struct pvio_driver). The module
 * parameters heartbeat_ms and peer_timeout_ms set the pace.
 *
 * pvio_peer_alive() is safe for whoever holds a reference on @link, also
 * while the link is being destroyed. Any context.
 */
bool pvio_peer_alive(struct pvio_link *link, enum pvio_role self);

/**
 * pvio_recovery_replayed() - count requests sent again to a new peer
 * @link: the link
 * @self: the local end whose driver replays them
 * @n: how many
 *
 * Published in the end's header record for the toolstack (pvio status),
 * with the end's reconnects and last downtime. Any context.
 */
void pvio_recovery_replayed(struct pvio_link *link, enum pvio_role self,
			    unsigned int n);

/* ---- bucket.c: token buckets of the backends' rate limits ---- */

/**
 * struct pvio_bucket - a token bucket; its user serializes the calls
 * @rate: units per second, 0 for no limit
 * @size: what the bucket holds, in units * NSEC_PER_SEC
 * @tokens: the balance, in units * NSEC_PER_SEC; may go negative
 * @last_ns: when it was last refilled
 */
struct pvio_bucket {
	u32 rate;
	s64 size;
	s64 tokens;
	u64 last_ns;
};

void pvio_bucket_set(struct pvio_bucket *b, u32 rate, u32 burst, u64 now);
u64 pvio_bucket_wait(struct pvio_bucket *b, u64 now);
void pvio_bucket_charge(struct pvio_bucket *b, u32 units);

/* ---- vbd.c: what the toolstack gave a vbd ---- */

/**
 * pvio_vbd_backing_file() - the file a vbd was made from, if any
 * @link: the link
 * @index: the vbd's index
 *
 * For a vbd made with an fd (netlink vbd-new fd) the core holds the
 * caller's file until vbd-del; its backend driver opens that instead of
 * the params path.
 *
 * Return: a reference the caller puts with fput(), or NULL.
 */
struct file *pvio_vbd_backing_file(struct pvio_link *link, u32 index);

/*
 * For a provider whose toolstack records changed elsewhere (pvio-hvd's
 * control region): tell every backend driver bound on @link to apply
 * them, as netlink vbd-set and vif-set do. Process context.
 */
void pvio_link_config_changed(struct pvio_link *link);

/*
 * Simulate the death and restart of end @end (a driver domain crash):
 * unbind its drivers, forget its status, bump the generation, bind them
 * again, every device even if one fails. Restarts of one link run one at
 * a time. For the loop provider and tests; process context.
 *
 * Return: 0; the first error binding a device again; -EOPNOTSUPP unless
 * the provider restarts ends (provider->restarts_ends) and @end is local; -ENODEV once the
 * link is being destroyed, or if @end has no heartbeat; -EINVAL for a
 * bad @end.
 */
int pvio_link_restart_end(struct pvio_link *link, enum pvio_role end);

/* ---- grant.c: the frontend grants pages, the backend resolves them ---- */

/* Access the backend asks for when it resolves a grant. */
#define PVIO_GRANT_READ		BIT(0)
#define PVIO_GRANT_WRITE	BIT(1)

/**
 * pvio_grant_access() - frontend: grant a data page to the backend
 * @link: the link
 * @page: the page, counted from the start of the data area
 * @readonly: the backend may only read it (advisory: "Who trusts what" in
 *	Documentation/architecture.rst)
 *
 * Any context.
 *
 * Return: the grant reference; -ENOSPC if the table is full, -ERANGE if
 * there is no such data page, -EPERM if the frontend end is not local.
 */
int pvio_grant_access(struct pvio_link *link, u32 page, bool readonly);

/**
 * pvio_grant_revoke() - frontend: take a grant back
 * @link: the link
 * @gref: a reference pvio_grant_access() returned
 *
 * The backend may still be copying: revoke once it said it is done.
 * Any context.
 *
 * Return: 0; -ERANGE if there is no such entry, -ENOENT if it is not
 * granted (this kernel's record, not the shared table, decides), -EPERM
 * if the frontend end is not local.
 */
int pvio_grant_revoke(struct pvio_link *link, u32 gref);

/**
 * pvio_grant_access_range() - frontend: grant consecutive data pages
 * @link: the link
 * @page: the first page, counted from the start of the data area
 * @nr: how many
 * @readonly: as for pvio_grant_access()
 *
 * The pages get consecutive references, so the backend can map them as
 * one range with pvio_grant_map_range() (a ring larger than a page).
 *
 * Return: the first reference; errors as pvio_grant_access().
 */
int pvio_grant_access_range(struct pvio_link *link, u32 page, u32 nr,
			    bool readonly);

/* Revoke what pvio_grant_access_range() granted. Any context. */
void pvio_grant_revoke_range(struct pvio_link *link, u32 gref, u32 nr);

/**
 * pvio_grant_map_range() - backend: resolve consecutive references, checked
 * @link: the link
 * @gref: the first reference (untrusted)
 * @nr: how many
 * @access: as for pvio_grant_map()
 *
 * Each reference must resolve, and to the page after the previous one's.
 *
 * Return: the first page's address; an ERR_PTR() as pvio_grant_map(), or
 * -EFAULT if the pages are not consecutive.
 */
void *pvio_grant_map_range(struct pvio_link *link, u32 gref, u32 nr,
			   u32 access);

/**
 * pvio_data_alloc() - frontend: reserve consecutive pages of the data area
 * @link: the link
 * @nr: how many
 *
 * The data area is the frontend's to share out among its devices (rings,
 * buffer pools); this keeps them from overlapping. Any context.
 *
 * Return: the first page, counted from the start of the data area;
 * -ENOSPC if no run of @nr free pages is left, -EPERM if the frontend end
 * is not local.
 */
int pvio_data_alloc(struct pvio_link *link, u32 nr);
/* Give back pages pvio_data_alloc() reserved. Any context. */
void pvio_data_free(struct pvio_link *link, u32 page, u32 nr);
/* How many data pages, and grant entries, are still free. */
u32 pvio_data_free_pages(struct pvio_link *link);
u32 pvio_grant_free_entries(struct pvio_link *link);

/**
 * pvio_data_page() - the address of a page of the data area
 * @link: the link
 * @page: the page, counted from the start of the data area
 *
 * Return: its address, or NULL if there is no such page.
 */
void *pvio_data_page(struct pvio_link *link, u32 page);

/**
 * pvio_grant_map() - backend: resolve a grant reference, checked
 * @link: the link
 * @gref: the reference, as the frontend sent it (untrusted)
 * @access: PVIO_GRANT_READ and/or PVIO_GRANT_WRITE
 *
 * The entry is read once and only that copy is checked. The frontend may
 * revoke the grant at any time: the address stays inside the data area,
 * but what the page holds is the peer's. Any context.
 *
 * Return: the page's address, or an ERR_PTR(): -ERANGE (no such entry),
 * -ENOENT (not granted), -EACCES (write asked of a read-only grant),
 * -EFAULT (the entry names a page outside the data area), -EINVAL (bad
 * @access), -EPERM (the backend end is not local).
 */
void *pvio_grant_map(struct pvio_link *link, u32 gref, u32 access);

/**
 * pvio_grant_copy_from() - backend: copy out of a granted page
 * @link: the link
 * @gref: the grant reference (untrusted)
 * @offset: where to start in the page
 * @dst: where to copy to
 * @len: bytes to copy
 *
 * Return: 0; -EINVAL unless @offset + @len <= PVIO_PAGE_SIZE (computed
 * without overflow); else as pvio_grant_map() with PVIO_GRANT_READ.
 */
int pvio_grant_copy_from(struct pvio_link *link, u32 gref, u32 offset,
			 void *dst, u32 len);

/**
 * pvio_grant_copy_to() - backend: copy into a granted page
 * @link: the link
 * @gref: the grant reference (untrusted)
 * @offset: where to start in the page
 * @src: what to copy
 * @len: bytes to copy
 *
 * Return: 0; -EINVAL unless @offset + @len <= PVIO_PAGE_SIZE (computed
 * without overflow); else as pvio_grant_map() with PVIO_GRANT_WRITE.
 */
int pvio_grant_copy_to(struct pvio_link *link, u32 gref, u32 offset,
		       const void *src, u32 len);

/* ---- copy.c: copies between the pool and bios or skbs ---- */

/**
 * pvio_copy() - copy data to or from a link's pool
 * @dst: where to copy to
 * @src: what to copy
 * @len: bytes to copy
 *
 * memcpy() at the cost of the CPU's best copy: whole pages, both ends
 * page aligned, through copy_page(); other large copies by rep movsq on
 * x86-64; small ones by memcpy(). The ranges must not overlap. Any
 * context.
 */
void pvio_copy(void *dst, const void *src, size_t len);

struct sk_buff;

/**
 * pvio_copy_from_skb() - skb_copy_bits() through pvio_copy()
 * @skb: the packet
 * @off: where to start in it
 * @to: where to copy to
 * @len: bytes to copy
 *
 * The head and page fragments are copied here; an skb with a frag list
 * goes to skb_copy_bits(). Any context.
 *
 * Return: 0, or -EFAULT if the range is not inside @skb.
 */
int pvio_copy_from_skb(const struct sk_buff *skb, u32 off, void *to, u32 len);

/* ---- store.c: the config store (replaces xenstore) ---- */

/*
 * Who may write which area: a local end writes its own area (backend or
 * frontend); the toolstack area is written by the kernel that keeps the
 * toolstack's records (provider->keeps_records: the loop provider), else
 * by pvio-hvd, never through this API. Writes to any other area fail
 * with -EPERM. Writers are process context (they sleep on a mutex);
 * readers too (they sleep while a writer is mid-update).
 *
 * The toolstack area of the region is for the frontend's information
 * (its MAC address): a frontend can rewrite it. What a backend opens,
 * allows or limits comes from pvio_toolstack_read() only.
 */

/**
 * pvio_store_write() - set a key in a config store area
 * @link: the link
 * @writer: the area (see above for who may write which)
 * @key: the key, 1 to PVIO_STORE_KEY_MAX - 1 bytes
 * @value: the value, at most PVIO_STORE_VALUE_MAX - 1 bytes
 *
 * Replaces the key's old value. Process context.
 *
 * Return: 0; -EINVAL for an empty key, -E2BIG if the key or the value is
 * too long, -ENOSPC if the area is full, -EPERM if this kernel may not
 * write the area.
 */
int pvio_store_write(struct pvio_link *link, enum pvio_store_writer writer,
		     const char *key, const char *value);

/**
 * pvio_store_printf() - pvio_store_write() of a formatted value
 * @link: the link
 * @writer: the area
 * @key: the key
 * @fmt: printf format of the value
 *
 * Return: as pvio_store_write(); -E2BIG if the value would be cut.
 */
__printf(4, 5)
int pvio_store_printf(struct pvio_link *link, enum pvio_store_writer writer,
		      const char *key, const char *fmt, ...);

/**
 * pvio_store_remove() - remove a key from a config store area
 * @link: the link
 * @writer: the area
 * @key: the key
 *
 * Process context.
 *
 * Return: 0; -ENOENT if absent, -EPERM if this kernel may not write it.
 */
int pvio_store_remove(struct pvio_link *link, enum pvio_store_writer writer,
		      const char *key);

/**
 * pvio_store_read() - read a key from a config store area
 * @link: the link
 * @writer: the area, any of them
 * @key: the key
 * @buf: receives the value, NUL-terminated
 * @len: size of @buf
 *
 * Takes a consistent copy under the area's seqlock and validates it.
 * Process context: sleeps briefly between retries while a writer is
 * mid-update.
 *
 * Return: 0; -ENOENT if absent, -EINVAL for an empty key or an unknown
 * area, -E2BIG if the value does not fit in @len bytes, -EIO if the area
 * stays torn (odd sequence or changing) through a bounded number of
 * retries, -EPROTO if the area is malformed (a key or value without its
 * NUL).
 */
int pvio_store_read(struct pvio_link *link, enum pvio_store_writer writer,
		    const char *key, char *buf, size_t len);

/**
 * pvio_store_read_u32() - read a decimal u32 from the config store
 * @link: the link
 * @writer: the area
 * @key: the key
 * @val: receives the value
 *
 * Return: as pvio_store_read(); also -EINVAL or -ERANGE if the value is
 * not a decimal u32.
 */
int pvio_store_read_u32(struct pvio_link *link,
			enum pvio_store_writer writer, const char *key,
			u32 *val);

/**
 * pvio_toolstack_read() - read a toolstack record from a trusted source
 * @link: the link
 * @key: the key, e.g. "vbd0/params"
 * @buf: receives the value, NUL-terminated
 * @len: size of @buf
 *
 * The records the toolstack made for the link's devices, as this kernel
 * keeps them privately (provider->keeps_records) or as the provider reads
 * them from a source no frontend writes (its read_record()), never as the
 * region holds them: a frontend can write the region. For backends and
 * the core. Process context.
 *
 * Return: 0; -ENOENT if absent (or an empty or too long key), -E2BIG if
 * the value does not fit in @len bytes, -EPERM if this kernel has no
 * trusted copy of the link's records.
 */
int pvio_toolstack_read(struct pvio_link *link, const char *key, char *buf,
			size_t len);

/**
 * pvio_toolstack_read_u32() - pvio_toolstack_read() of a decimal u32
 * @link: the link
 * @key: the key
 * @val: receives the value
 *
 * Return: as pvio_toolstack_read(); also -EINVAL or -ERANGE if the value
 * is not a decimal u32.
 */
int pvio_toolstack_read_u32(struct pvio_link *link, const char *key,
			    u32 *val);

/* ---- state.c: the front/back state machine ---- */

/**
 * pvio_state_set() - move a local end to a new state
 * @link: the link
 * @self: the local end
 * @state: its new state
 *
 * Publishes @state in the header and rings the peer's control port
 * (PVIO_PORT_CONTROL) so its core tells its driver. Setting the current
 * state again is a no-op. Any context.
 *
 * Return: 0; -EINVAL for an illegal transition (see
 * pvio_state_transition_valid(); logged, rate-limited), -EPERM if @self is
 * not local.
 */
int pvio_state_set(struct pvio_link *link, enum pvio_role self,
		   enum pvio_state state);

/**
 * pvio_state_get() - the state of an end, as this kernel knows it
 * @link: the link
 * @end: either end
 *
 * A local end's state comes from this kernel's own record, never from
 * the header (a peer can write anything there); a remote end's is what
 * it published. For an end's own state and for reports; a driver
 * following its peer uses pvio_state_peer().
 *
 * Return: the state, PVIO_STATE_UNKNOWN if the header holds garbage.
 */
enum pvio_state pvio_state_get(struct pvio_link *link, enum pvio_role end);

/**
 * pvio_state_peer() - the state the other end published
 * @link: the link
 * @self: the local end asking
 *
 * Read from the header, validated, also when both ends are local (the
 * loop provider), so that an end sees its peer as it would across VMs.
 *
 * Return: the state, PVIO_STATE_UNKNOWN if the header holds garbage.
 */
enum pvio_state pvio_state_peer(struct pvio_link *link, enum pvio_role self);

/**
 * pvio_backend_state_walk() - move the backend end to a state by legal steps
 * @link: the link
 * @to: InitWait, Connected or Closed
 *
 * Takes the shortest legal path from where the end is (a Connected end
 * goes to InitWait through Closing, Closed, Initialising); an end never
 * announced is not closed; the core refuses and logs anything illegal.
 */
void pvio_backend_state_walk(struct pvio_link *link, enum pvio_state to);

/**
 * pvio_frontend_state_reset() - move the frontend end to Initialising
 * @link: the link
 *
 * From wherever it is, by the legal path (through Closing and Closed).
 */
void pvio_frontend_state_reset(struct pvio_link *link);

/**
 * pvio_frontend_wait_released() - wait for the backend to let go of us
 * @pdev: the frontend's device
 *
 * For a frontend that said it is going (Closing, or back to Initialising)
 * and is about to free or reuse its ring and pool pages: a backend leaves
 * Connected, and withdraws its ring nonce, only once it stopped using
 * them. Waits while the backend is alive and Connected or shows a nonce,
 * at most 5 s; then says so in one rate-limited line. Sleeps.
 *
 * Return: true if the backend let go (or is gone); false if it still may
 * use the pages, which the caller must then never reuse (leak them).
 */
bool pvio_frontend_wait_released(struct pvio_device *pdev);

/*
 * The ring nonce (Documentation/blkif.rst and netif.rst, "The ring
 * nonce"): a frontend publishes a fresh one with each ring description;
 * a backend publishes the one it took before it maps the rings, keeps it
 * while it uses them and withdraws it when it no longer does.
 */

/**
 * pvio_nonce_new() - a fresh ring nonce
 *
 * Return: a value never returned before by this kernel, never 0.
 */
u64 pvio_nonce_new(void);

/**
 * pvio_nonce_publish() - publish a ring nonce in this end's store area
 * @pdev: the device (its role says which area)
 * @nonce: the nonce; 0 removes it
 *
 * Return: 0 or as pvio_store_write().
 */
int pvio_nonce_publish(struct pvio_device *pdev, u64 nonce);

/**
 * pvio_nonce_peer() - the ring nonce the other end of @pdev publishes
 * @pdev: the device
 *
 * Read once and validated (16 hex digits). Sleeps.
 *
 * Return: the nonce; 0 if there is none or it is malformed.
 */
u64 pvio_nonce_peer(struct pvio_device *pdev);

/**
 * pvio_backend_claim() - tell the frontend we take the description of @nonce
 * @pdev: the backend's device
 * @nonce: the frontend's nonce when we read its description; 0 (a
 *	frontend without nonces) claims nothing and succeeds
 *
 * Publishes @nonce as ours, then checks the frontend still shows
 * Initialised with @nonce. Call before touching any page it names.
 *
 * Return: true if so; false with the claim withdrawn.
 */
bool pvio_backend_claim(struct pvio_device *pdev, u64 nonce);

/**
 * pvio_backend_may_connect() - may the backend go Connected on @nonce?
 * @pdev: the backend's device
 * @nonce: the claimed nonce (0: none)
 *
 * The last look before Connected: the frontend still shows Initialised
 * with @nonce. (Where the test knob hold_connect holds a backend.)
 *
 * Return: true if so; false: drop the rings and withdraw the claim.
 */
bool pvio_backend_may_connect(struct pvio_device *pdev, u64 nonce);

/**
 * pvio_connect_hold() - tests only: wait while debugfs hold_connect is armed
 * @pdev: the device held, for the log
 *
 * Sleeps, at most a minute.
 */
void pvio_connect_hold(struct pvio_device *pdev);

/**
 * pvio_state_transition_valid() - may an end move from one state to another
 * @from: the current state
 * @to: the next state
 *
 * The one table of legal moves, drawn above it in state.c.
 *
 * Return: true if the move is legal.
 */
bool pvio_state_transition_valid(enum pvio_state from, enum pvio_state to);

/**
 * pvio_state_name() - a state's name, as xenbus spells it
 * @state: the state
 *
 * Return: "Initialising" ..., or "Invalid".
 */
const char *pvio_state_name(enum pvio_state state);

/**
 * typedef pvio_state_watch_fn - told that the other end changed state
 * @link: the link
 * @self: the local end the watch was set for
 * @peer: the state the other end publishes now (validated)
 * @data: as given to pvio_state_watch()
 *
 * Runs in process context (a workqueue) and may sleep; never concurrently
 * with itself for one watch. Called once soon after pvio_state_watch() with
 * the current state, then each time the core finds the other end's state
 * different from the last one reported. Doorbells coalesce, so a quick
 * sequence of states may be seen as its last one only: act on the state,
 * not on the transition.
 */
typedef void (*pvio_state_watch_fn)(struct pvio_link *link,
				    enum pvio_role self,
				    enum pvio_state peer, void *data);

/**
 * pvio_state_watch() - watch the state of the other end
 * @link: the link
 * @self: the local end whose peer to watch
 * @fn: told of changes
 * @data: for @fn
 *
 * Binds @self's control port; the watch holds a reference on @link.
 * Process context.
 *
 * Return: the watch, or an ERR_PTR(): -EPERM if @self is not local,
 * -EBUSY if it is watched already, -ENOMEM.
 */
struct pvio_state_watch *pvio_state_watch(struct pvio_link *link,
					  enum pvio_role self,
					  pvio_state_watch_fn fn, void *data);

/**
 * pvio_state_unwatch() - stop watching
 * @watch: from pvio_state_watch()
 *
 * When it returns, the watch's function is not running and will not run
 * again. Process context; not from the watch's function itself.
 */
/**
 * pvio_state_watch_dev() - watch the other end's state and ring nonce
 * @pdev: the device; its link and role say what to watch
 * @fn: told of changes
 * @data: for @fn
 *
 * As pvio_state_watch(), and @fn is also called when the other end
 * publishes another ring nonce of @pdev in the same state (a frontend
 * that published new rings and Initialised again; a backend that took
 * them and is Connected again). @pdev must outlive the watch.
 *
 * Return: as pvio_state_watch().
 */
struct pvio_state_watch *pvio_state_watch_dev(struct pvio_device *pdev,
					      pvio_state_watch_fn fn,
					      void *data);

void pvio_state_unwatch(struct pvio_state_watch *watch);

/* ---- backoff.c: pacing a frontend's reconnect attempts ---- */

/* The first wait after an attempt, its bound, and what counts as stable. */
#define PVIO_BACKOFF_MIN_MS	10
#define PVIO_BACKOFF_MAX_MS	1280
#define PVIO_BACKOFF_STABLE_MS	10000

/**
 * struct pvio_backoff - how soon a frontend may try to connect again
 * @delay_ms: how long after @last the next attempt may start; 0 at first,
 *	then %PVIO_BACKOFF_MIN_MS doubling up to %PVIO_BACKOFF_MAX_MS
 * @last: jiffies of the last attempt
 * @up_since: jiffies when the connection came up, valid while @up
 * @up: connected now
 * @attempts: attempts so far, for debugfs
 *
 * A backend that flaps its state, or keeps a torn store area, would
 * otherwise get a full teardown and setup (and a store read) per flap.
 * The driver serializes the calls (its own lock); debugfs reads
 * @attempts and @delay_ms without it.
 */
struct pvio_backoff {
	unsigned int delay_ms;
	unsigned long last;
	unsigned long up_since;
	bool up;
	unsigned long attempts;
};

/**
 * pvio_backoff_wait() - how long to wait before the next attempt
 * @b: the backoff
 *
 * Return: jiffies from now, 0 if an attempt may start at once.
 */
unsigned long pvio_backoff_wait(const struct pvio_backoff *b);

/**
 * pvio_backoff_attempt() - an attempt starts now
 * @b: the backoff
 *
 * Counts it; the next one waits twice as long as this one had to, within
 * the bounds.
 */
void pvio_backoff_attempt(struct pvio_backoff *b);

/**
 * pvio_backoff_up() - the frontend connected
 * @b: the backoff
 */
void pvio_backoff_up(struct pvio_backoff *b);

/**
 * pvio_backoff_down() - the frontend lost its backend
 * @b: the backoff
 *
 * A connection that stayed up %PVIO_BACKOFF_STABLE_MS or longer resets the
 * wait: the next attempt starts at once.
 */
void pvio_backoff_down(struct pvio_backoff *b);

/**
 * pvio_backoff_reset() - the next attempt starts at once
 * @b: the backoff
 *
 * For a reconnect the frontend's user asked for (a new ring shape), which
 * is no sign of a flapping backend.
 */
void pvio_backoff_reset(struct pvio_backoff *b);

/**
 * pvio_backoff_debugfs() - show @b as file "reconnect" in @dir
 * @dir: the driver's debugfs directory of the device
 * @b: the backoff, alive as long as @dir
 */
void pvio_backoff_debugfs(struct dentry *dir, struct pvio_backoff *b);

/* ---- event.c: event channels ---- */

/* Port 0 of each end is the control port: state changes, peer changes. */
#define PVIO_PORT_CONTROL	0

/**
 * pvio_link_event() - a provider reports a doorbell
 * @link: the link
 * @to: the end that was rung
 * @port: the port that was rung
 *
 * Runs the handler of the channel bound there, if any. Any context.
 */
void pvio_link_event(struct pvio_link *link, enum pvio_role to,
		     unsigned int port);

typedef void (*pvio_evtchn_handler_t)(struct pvio_evtchn *ch, void *data);

/**
 * pvio_evtchn_bind() - bind a port of a local end
 * @link: the link
 * @self: the local end
 * @port: the port, 1 to the provider's nr_ports - 1
 * @handler: run when the peer rings the port
 * @data: for @handler
 *
 * @handler runs in hard or soft interrupt context (irq_work for loop,
 * MSI-X for ivshmem, an hrtimer while the channel is throttled), or in the
 * context calling pvio_evtchn_unmask(); always with interrupts disabled and
 * never concurrently with itself; not while masked. Events arriving while
 * it runs make it run once more; they do not queue. The channel holds a
 * reference on @link. Process context.
 *
 * Return: the channel, or an ERR_PTR(): -EBUSY if the port is bound (port
 * PVIO_PORT_CONTROL belongs to the core, see pvio_state_watch()), -ERANGE
 * for a bad port, -EPERM if @self is not local, -ENOMEM.
 */
struct pvio_evtchn *pvio_evtchn_bind(struct pvio_link *link,
				     enum pvio_role self, unsigned int port,
				     pvio_evtchn_handler_t handler,
				     void *data);

/**
 * pvio_evtchn_unbind() - unbind a channel
 * @ch: the channel
 *
 * A kick held back by coalescing goes out first. When it returns, the
 * handler is not running and will not run again. Process context; the
 * caller makes sure nothing else uses @ch any more.
 */
void pvio_evtchn_unbind(struct pvio_evtchn *ch);

/**
 * pvio_evtchn_notify() - ring the peer's same port
 * @ch: the channel
 *
 * With coalescing on, the kick may be held back until max_frames
 * notifications are pending or usecs have passed. Whatever this end wrote
 * to the region before is visible to the peer before the kick. Any
 * context.
 */
void pvio_evtchn_notify(struct pvio_evtchn *ch);

/**
 * pvio_evtchn_mask() - stop running the handler
 * @ch: the channel
 *
 * Events that arrive are remembered. Does not wait for a handler already
 * running (disable_irq_nosync() style), so a handler may mask its own
 * channel. Any context.
 */
void pvio_evtchn_mask(struct pvio_evtchn *ch);

/**
 * pvio_evtchn_unmask() - run the handler again
 * @ch: the channel
 *
 * If an event arrived while masked, runs the handler once, in the
 * caller's context. Any context.
 */
void pvio_evtchn_unmask(struct pvio_evtchn *ch);

/* Bounds of pvio_evtchn_set_coalesce(). */
#define PVIO_COALESCE_FRAMES_MAX	65536
#define PVIO_COALESCE_USECS_MAX		USEC_PER_SEC

/**
 * pvio_evtchn_set_coalesce() - coalesce a channel's outgoing kicks
 * @ch: the channel
 * @c: the parameters; both 0 (the default) turns coalescing off
 *
 * Takes effect at once, also for a kick already held back. Any context.
 *
 * Return: 0; -EINVAL past PVIO_COALESCE_FRAMES_MAX or
 * PVIO_COALESCE_USECS_MAX.
 */
int pvio_evtchn_set_coalesce(struct pvio_evtchn *ch,
			     const struct pvio_coalesce *c);

/**
 * pvio_evtchn_get_coalesce() - a channel's coalescing parameters
 * @ch: the channel
 * @c: receives them
 */
void pvio_evtchn_get_coalesce(struct pvio_evtchn *ch,
			      struct pvio_coalesce *c);

/**
 * pvio_evtchn_set_flood_limit() - set a channel's flood throttling limit
 * @ch: the channel
 * @per_ms: handler runs allowed per millisecond
 *
 * A channel whose handler would run more often is throttled until the
 * millisecond is over: its events are remembered and a timer delivers
 * them, so a peer ringing without pause cannot keep a CPU in the handler.
 * The default is the module parameter evtchn_flood_limit. Any context.
 *
 * Return: 0; -EINVAL for 0.
 */
int pvio_evtchn_set_flood_limit(struct pvio_evtchn *ch, u32 per_ms);

/**
 * struct pvio_evtchn_stats - counters of one event channel
 * @notifies: kicks sent to the peer
 * @coalesced: pvio_evtchn_notify() calls held back by coalescing (each is
 *	covered by a later kick)
 * @events: events received from the peer (masked or not)
 * @throttled: events whose delivery was deferred by flood throttling
 */
struct pvio_evtchn_stats {
	u64 notifies;
	u64 coalesced;
	u64 events;
	u64 throttled;
};

/**
 * pvio_evtchn_get_stats() - a snapshot of a channel's counters
 * @ch: the channel
 * @stats: receives them (for debugfs, netlink)
 *
 * Any context.
 */
void pvio_evtchn_get_stats(struct pvio_evtchn *ch,
			   struct pvio_evtchn_stats *stats);

/**
 * pvio_evtchn_inject() - run a channel's handler as if the peer rang
 * @ch: the channel
 *
 * For debugfs "kick" files: a handler that missed a doorbell (or a test
 * that wants to know) gets another look at its rings. Any context.
 */
void pvio_evtchn_inject(struct pvio_evtchn *ch);

/* ---- debugfs.c ---- */

struct seq_file;
/*
 * Print a ring view's shared and private indices under @name, for the
 * drivers' per-ring debugfs files (as xen-netback's io_ring_qN). Racy by
 * nature: a snapshot for people, not for code.
 */
void pvio_ring_seq_show(struct seq_file *m, const char *name,
			const struct pvio_ring *r);
/*
 * For the drivers' per-ring debugfs files: is what user space wrote
 * "kick"? 0 if so, else -EINVAL (or -EFAULT).
 */
int pvio_debugfs_kick_parse(const char __user *ubuf, size_t len);

#endif /* _PVIO_H */
