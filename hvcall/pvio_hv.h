/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_hv.ko internals shared between its files, grouped by the file that
 * implements them. The API for other modules is in pvio.h.
 */
#ifndef _PVIO_HV_H
#define _PVIO_HV_H

#include <linux/device/bus.h>

#include "pvio.h"
#include "pvio_genl.h"

/* bus.c */
extern PVIO_BUS_TYPE pvio_bus_type;
int pvio_bus_init(void);
/*
 * The @role end of device @index of @type on @link, referenced (drop it
 * with put_device(), or with pvio_device_del() to remove it), or NULL if
 * there is none.
 */
struct pvio_device *pvio_device_find(struct pvio_link *link,
				     enum pvio_dev_type type,
				     enum pvio_role role, u32 index);
void pvio_bus_exit(void);
/*
 * Link destroy, once @link is marked dead (pvio_device_add() refuses it
 * from then on): remove every device on it, unbinding its drivers first.
 * Creators' references stay; their pvio_device_del() then only drops them.
 */
void pvio_link_del_devices(struct pvio_link *link);

/* provider.c */
const struct pvio_provider *pvio_provider_get(const char *name);
void pvio_provider_put(const struct pvio_provider *prov);

/* link.c */
int pvio_link_init(void);
void pvio_link_exit(void);
/*
 * A link's generation or an end's state changed: send link-change-ntf
 * soon, from process context. Any context.
 */
void pvio_link_changed(struct pvio_link *link);

/* A reference on a link the caller already holds one on. */
static inline void pvio_link_hold(struct pvio_link *link)
{
	kref_get(&link->kref);
}

/* grant.c */
int pvio_grant_link_init(struct pvio_link *link);
void pvio_grant_link_exit(struct pvio_link *link);

/* store.c */
int pvio_store_link_init(struct pvio_link *link);
void pvio_store_link_exit(struct pvio_link *link);

/* state.c */
void pvio_state_link_init(struct pvio_link *link);

/* recovery.c */
void pvio_recovery_moved(struct pvio_link *link, enum pvio_role self,
			 enum pvio_state from, enum pvio_state to);
void pvio_recovery_peer_gone(struct pvio_link *link, enum pvio_role self);
void pvio_recovery_reset(struct pvio_link *link, enum pvio_role self);
void pvio_recovery_get(struct pvio_link *link, enum pvio_role self,
		       struct pvio_dev_stats *stats);

/* event.c */
/* Ring port @port of @self's peer, after ordering our earlier writes. */
void pvio_notify_peer(struct pvio_link *link, enum pvio_role self,
		      unsigned int port);
/* pvio_evtchn_bind() without the control port reservation. */
struct pvio_evtchn *pvio_evtchn_bind_port(struct pvio_link *link,
					  enum pvio_role self,
					  unsigned int port,
					  pvio_evtchn_handler_t handler,
					  void *data);
/* debugfs.c */
void pvio_debugfs_init(void);
void pvio_debugfs_exit(void);
void pvio_debugfs_link_add(struct pvio_link *link);
void pvio_debugfs_link_del(struct pvio_link *link);

/* liveness.c */
int pvio_liveness_start(struct pvio_link *link);
/* Cancel the heartbeat work; destroy. */
void pvio_liveness_stop(struct pvio_link *link);
/* Free what start allocated; the link's final release. */
void pvio_liveness_free(struct pvio_link *link);

/* vbd.c */

/**
 * struct pvio_vbd_params - a vbd's configuration, as netlink gives it
 * @index: its number on the link; on pvio_vbd_new() PVIO_VBD_ANY_INDEX
 *	picks the lowest free one
 * @path: vbd-new: the backing path, at most PVIO_VBD_PATH_MAX_LEN bytes
 * @file: vbd-new: the backing file given as an fd (the caller's
 *	reference), or NULL; @path is then its path, for show
 * @readonly: vbd-new: the frontend may only read
 * @iops: requests per second at most, 0 for no limit
 * @bps: bytes per second at most, 0 for no limit
 * @coalesce: microseconds a response notification may wait, 0 for none
 * @set_iops: vbd-set: change @iops
 * @set_bps: vbd-set: change @bps
 * @set_coalesce: vbd-set: change @coalesce
 * @reread: vbd-set: the backend re-reads its capacity
 */
struct pvio_vbd_params {
	u32 index;
	const char *path;
	struct file *file;
	bool readonly;
	u32 iops;
	u64 bps;
	u32 coalesce;
	bool set_iops;
	bool set_bps;
	bool set_coalesce;
	bool reread;
};

#define PVIO_VBD_ANY_INDEX	U32_MAX

/**
 * struct pvio_vbd_info - what netlink reports of a vbd
 * @index: its number on the link
 * @path: its backing path (the params key)
 * @readonly: mode "r"
 * @iops: the iops key, 0 if absent
 * @bps: the bps key, 0 if absent
 * @coalesce: the coalesce key, 0 if absent
 * @state: the state each end of the link publishes
 * @has_stats: BIT(role) for each end whose bound driver gave counters
 * @stats: those counters, by end
 */
struct pvio_vbd_info {
	u32 index;
	char path[PVIO_STORE_VALUE_MAX];
	bool readonly;
	u32 iops;
	u64 bps;
	u32 coalesce;
	enum pvio_state state[2];
	unsigned long has_stats;
	struct pvio_dev_stats stats[2];
};

int pvio_vbd_new(struct pvio_link *link, struct pvio_vbd_params *params,
		 struct netlink_ext_ack *extack);
int pvio_vbd_del(struct pvio_link *link, u32 index,
		 struct netlink_ext_ack *extack);
int pvio_vbd_set(struct pvio_link *link, const struct pvio_vbd_params *params,
		 struct netlink_ext_ack *extack);
/* The link's final release: put the vbds' files. */
void pvio_vbd_put_files(struct pvio_link *link);
/* Fill @info for vbd @index of @link: 0, or -ENOENT if there is none. */
int pvio_vbd_get(struct pvio_link *link, u32 index,
		 struct pvio_vbd_info *info);
/* Has @link a vbd at any index? */
bool pvio_vbd_any(struct pvio_link *link);
/*
 * Orders vbd and vif changes: a link has one device, whose handshake
 * drives the state each end publishes.
 */
extern struct mutex pvio_vbd_lock;

/* devcfg.c: what vbd.c and vif.c share; under pvio_vbd_lock */

/* @buf of PVIO_STORE_KEY_MAX bytes gets key <type><index>/<name>. */
const char *pvio_dev_key(char *buf, enum pvio_dev_type type, u32 index,
			 const char *name);
/* Remove keys @names of device @index; absent ones are no error. */
void pvio_dev_remove_keys(struct pvio_link *link, enum pvio_dev_type type,
			  u32 index, const char * const *names, size_t nr);
/* Set key @name of device @index to decimal @val; 0 removes the key. */
int pvio_dev_write_num(struct pvio_link *link, enum pvio_dev_type type,
		       u32 index, const char *name, u64 val);
/*
 * Read key @name of device @index: the trusted record where this kernel
 * keeps the records, else (a guest) the region's copy, for reports only.
 */
int pvio_dev_read_record(struct pvio_link *link, enum pvio_dev_type type,
			 u32 index, const char *name, char *buf, size_t len);
/* Read decimal key @name of device @index; absent or unreadable is 0. */
u64 pvio_dev_read_num(struct pvio_link *link, enum pvio_dev_type type,
		      u32 index, const char *name);
/* Is device @index configured: its key @key_name, or an end, exists? */
bool pvio_dev_in_use(struct pvio_link *link, enum pvio_dev_type type,
		     u32 index, const char *key_name);
bool pvio_dev_any(struct pvio_link *link, enum pvio_dev_type type,
		  const char *key_name);
u32 pvio_dev_free_index(struct pvio_link *link, enum pvio_dev_type type,
			const char *key_name);
/* Add the ends of device @index in this kernel; none left on failure. */
int pvio_dev_add_ends(struct pvio_link *link, enum pvio_dev_type type,
		      u32 index, struct netlink_ext_ack *extack);
/* Delete the ends of device @index, the frontend first. */
void pvio_dev_del_ends(struct pvio_link *link, enum pvio_dev_type type,
		       u32 index);
void pvio_dev_store_error(struct netlink_ext_ack *extack,
			  enum pvio_dev_type type, int err);
bool pvio_dev_configurable(struct pvio_link *link,
			   struct netlink_ext_ack *extack);
int pvio_dev_config_changed(struct pvio_link *link, enum pvio_dev_type type,
			    u32 index, bool *told,
			    struct netlink_ext_ack *extack);
bool pvio_dev_stats(struct pvio_link *link, enum pvio_dev_type type,
		    enum pvio_role role, u32 index,
		    struct pvio_dev_stats *stats);

/* vif.c */

/**
 * struct pvio_vif_params - a vif's configuration, as netlink gives it
 * @index: its number on the link; PVIO_VIF_ANY_INDEX picks the lowest
 *	free one
 * @mac: the frontend's MAC address, if @has_mac (else pvio_vif_new()
 *	picks a random one)
 * @has_mac: @mac was given
 * @queues: queues the backend offers at most; 0 for its default
 * @rate: bytes per second the guest may send, 0 for no limit
 * @burst: bytes the guest may send at once, 0 for 100 ms of @rate
 * @set_rate: on pvio_vif_set(), change @rate (and the burst with it)
 * @set_burst: on pvio_vif_set(), change @burst
 */
struct pvio_vif_params {
	u32 index;
	u8 mac[6];
	bool has_mac;
	u32 queues;
	u64 rate;
	u32 burst;
	bool set_rate;
	bool set_burst;
};

#define PVIO_VIF_ANY_INDEX	U32_MAX

/**
 * struct pvio_vif_info - what netlink reports of a vif
 * @index: its number on the link
 * @mac: the frontend's MAC address (the mac key)
 * @queues: the queues key, 0 if absent
 * @rate: the rate key, 0 if absent
 * @burst: the burst key, 0 if absent
 * @state: the state each end of the link publishes
 * @has_stats: BIT(role) for each end whose bound driver gave counters
 * @stats: those counters, by end (requests: packets, sectors: bytes,
 *	in_flight: packets queued)
 */
struct pvio_vif_info {
	u32 index;
	u8 mac[6];
	u32 queues;
	u64 rate;
	u32 burst;
	enum pvio_state state[2];
	unsigned long has_stats;
	struct pvio_dev_stats stats[2];
};

int pvio_vif_new(struct pvio_link *link, struct pvio_vif_params *params,
		 struct netlink_ext_ack *extack);
int pvio_vif_del(struct pvio_link *link, u32 index,
		 struct netlink_ext_ack *extack);
/* Change a vif's rate or burst (netlink vif-set) and tell its backend. */
int pvio_vif_set(struct pvio_link *link, const struct pvio_vif_params *params,
		 struct netlink_ext_ack *extack);
/* Fill @info for vif @index of @link: 0, or -ENOENT if there is none. */
int pvio_vif_get(struct pvio_link *link, u32 index,
		 struct pvio_vif_info *info);
/* Has @link a vif at any index? */
bool pvio_vif_any(struct pvio_link *link);

/* netlink.c */
int pvio_nl_init(void);
void pvio_nl_exit(void);
/*
 * Tell the monitor group that @link came (PVIO_CMD_LINK_NEW_NTF) or went
 * (PVIO_CMD_LINK_DEL_NTF). Process context; called under the lock that
 * orders link creation and destruction, so events arrive in order.
 */
void pvio_nl_link_notify(struct pvio_link *link, u8 cmd);
/*
 * Tell the monitor group that a vbd of @link came, went or changed
 * (PVIO_CMD_VBD_*_NTF), as @info describes it. Process context; called
 * under the lock that orders vbd changes.
 */
void pvio_nl_vbd_notify(struct pvio_link *link,
			const struct pvio_vbd_info *info, u8 cmd);
/* The same for a vif (PVIO_CMD_VIF_*_NTF). */
void pvio_nl_vif_notify(struct pvio_link *link,
			const struct pvio_vif_info *info, u8 cmd);

#endif /* _PVIO_HV_H */
