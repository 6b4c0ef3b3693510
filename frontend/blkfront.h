/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_blkfront: a vbd's frontend, an ordinary blk-mq disk (/dev/pvdX)
 * whose requests travel to pvio_blkback over rings in the link's shared
 * region (Documentation/blkif.rst). blkfront.c runs the device and the
 * handshake, blkfront_ring.c the rings, the buffer pool and the requests.
 */
#ifndef _PVIO_BLKFRONT_H
#define _PVIO_BLKFRONT_H

#include <linux/blk-mq.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "blkif.h"
#include "pvio.h"

/* What the backend offers, from its "disk" key, validated. */
struct blkfront_disk_info {
	u64 sectors;
	u32 logical_block_size;
	u32 physical_block_size;
	u32 features;
	u32 max_segs;
	u32 max_queues;
	u32 max_ring_order;
	u32 discard_granularity;
};

enum blkfront_shadow_state {
	BLKFRONT_SHADOW_FREE,
	BLKFRONT_SHADOW_RESERVED,	/* being built, not on the ring yet */
	BLKFRONT_SHADOW_SENT,		/* on the ring, backend has it */
	BLKFRONT_SHADOW_DONE,		/* answered, ->complete() pending */
};

/**
 * struct blkfront_shadow - this side's copy of a request it sent
 * @rq: the block layer's request
 * @state: enum blkfront_shadow_state
 * @op: the op sent, checked against the response
 * @status: the response's status once answered
 * @nr_pages: pool pages the request holds (data, then indirect)
 * @nr_data: how many of them hold data
 * @next: the shadow of the request's next part, or BLKFRONT_NO_PART: a
 *	request larger than the backend takes goes in several parts
 * @pages: their indices in the pool
 */
struct blkfront_shadow {
	struct request *rq;
	u8 state;
	u8 op;
	u16 status;
	u32 nr_pages;
	u32 nr_data;
	u32 next;
	u32 *pages;
};

#define BLKFRONT_NO_PART	U32_MAX

/**
 * struct blkfront_ring - one queue: a request and a response ring
 * @info: the vbd
 * @qid: queue number, also the blk-mq hardware queue
 * @lock: guards the rings' producer side, the shadows and the pool
 * @req: request ring view (we produce)
 * @rsp: response ring view (we consume; only the event handler and
 *	the disconnect path, with the channel unbound, touch it)
 * @ring_page: first data page of both rings (requests, then responses)
 * @req_pages: pages of the request ring
 * @rsp_pages: pages of the response ring
 * @req_gref: first grant reference of the request ring
 * @rsp_gref: first grant reference of the response ring
 * @ch: event channel, NULL while disconnected
 * @port: its port
 * @connected: requests may go on the ring
 * @stopped: a hardware queue was stopped for want of shadows or pool
 * @broken: the backend broke the protocol; a disconnect is on its way
 * @pool_page: first data page of the buffer pool
 * @pool_gref: grant reference of its first page (one per page, in order)
 * @pool_pages: pool size in pages
 * @pool_free: stack of free pool page indices
 * @pool_nr_free: entries on @pool_free
 * @shadow: one per ring slot, indexed by request id
 * @nr_shadows: shadows allocated, one per slot of the largest ring; ids
 *	at and above @req.size are not used with a smaller ring
 * @shadow_free: stack of free shadow ids
 * @shadow_nr_free: entries on @shadow_free
 * @done: ids the event handler found answered, to complete after it
 *	drops @lock
 * @more_work: takes the responses the handler left for want of budget
 * @deferred: times the handler left them to @more_work
 * @split: requests sent in parts, larger than the backend takes
 */
struct blkfront_ring {
	struct blkfront_info *info;
	unsigned int qid;
	spinlock_t lock;	/* see above */
	struct pvio_ring req;
	struct pvio_ring rsp;
	u32 ring_page;
	u32 req_pages;
	u32 rsp_pages;
	int req_gref;
	int rsp_gref;
	struct pvio_evtchn *ch;
	unsigned int port;
	bool connected;
	bool stopped;
	bool broken;
	u32 pool_page;
	int pool_gref;
	u32 pool_pages;
	u32 *pool_free;
	u32 pool_nr_free;
	struct blkfront_shadow *shadow;
	u32 nr_shadows;
	u32 *shadow_free;
	u32 shadow_nr_free;
	u32 *done;
	struct work_struct more_work;
	u64 deferred;
	u64 split;
};

/*
 * Per request, after blk-mq's own data: its ring, the shadow of its
 * first part, the parts not answered yet and the first error among
 * them (both under the ring's lock).
 */
struct blkfront_pdu {
	struct blkfront_ring *ring;
	u32 id;
	u32 parts_left;
	u16 status;
};

enum blkfront_conn {
	BLKFRONT_DISCONNECTED,	/* no rings the backend uses */
	BLKFRONT_INITIALISED,	/* rings published, backend not yet on them */
	BLKFRONT_CONNECTED,
};

/**
 * struct blkfront_info - the frontend of one vbd
 * @pdev: its pvio device
 * @link: the link
 * @lock: serializes the handshake, reconnects and removal
 * @watch: on the backend's state
 * @conn: enum blkfront_conn
 * @removing: remove() started: fail requests, never reconnect
 * @quiesced: we quiesced the disk's queue (held while disconnected)
 * @failing: @io_timeout ran out without a backend: requests fail at once
 *	instead of waiting, until a backend connects (read without @lock
 *	by ->queue_rq)
 * @io_timeout: seconds without a connected backend before held I/O
 *	fails; 0 waits for ever (sysfs io_timeout)
 * @lost_at: jiffies when the last connected backend was lost
 * @timeout_work: sets @failing @io_timeout seconds after @lost_at
 * @di: what the backend offers
 * @disk_di: what the first backend offered: the disk's features, which
 *	every later backend must offer too
 * @nr_queues: rings allocated, for the first backend (fixed)
 * @ring_order: log2 of their slots (fixed: the rings' pages)
 * @max_pages: pool pages one request may use for data (fixed likewise)
 * @nr_active: rings the current backend uses, at most @nr_queues; blk-mq
 *	hardware queue i sends on ring i % @nr_active (changed only while
 *	the queue is quiesced)
 * @active_order: their ring order, at most @ring_order (likewise)
 * @active_segs: data pages per ring request the current backend takes,
 *	at most @max_pages; a larger request goes in parts (likewise)
 * @rings: @nr_queues rings
 * @tag_set: blk-mq's
 * @disk: /dev/pvdX, once the backend first connected
 * @disk_added: @add_work added @disk
 * @index: its number (a for 0)
 * @serial: the backend's serial number
 * @changed_work: re-reads the backend's "disk" key (capacity change)
 * @changed_pending: bit 0: a capacity change notice waits for
 *	@changed_work; another one meanwhile breaks the protocol
 * @lost_work: disconnects after the backend broke the protocol
 * @add_work: adds @disk (and scans its partitions) without @lock
 * @reshape_work: brings blk-mq's hardware queues and the queue limits
 *	to @nr_active and @active_segs, without @lock (it waits for I/O)
 * @connect_work: an attempt to connect, paced by @backoff: reads the
 *	backend's keys without @lock, then sets up under it
 * @backoff: how soon the next attempt may run (under @lock)
 * @debugfs: its directory in debugfs, once the rings exist
 * @nonce: the ring nonce published with our rings
 * @leak_pages: a backend may still use our pages: never give them back
 * @stats: counters (requests, sectors, errors, and requests failed
 *	because @io_timeout ran out); the core counts the replays
 */
struct blkfront_info {
	struct pvio_device *pdev;
	struct pvio_link *link;
	struct mutex lock;	/* see above */
	struct pvio_state_watch *watch;
	enum blkfront_conn conn;
	bool removing;
	bool quiesced;
	bool failing;
	unsigned int io_timeout;
	unsigned long lost_at;
	struct delayed_work timeout_work;
	struct blkfront_disk_info di;
	struct blkfront_disk_info disk_di;
	unsigned int nr_queues;
	unsigned int ring_order;
	u32 max_pages;
	unsigned int nr_active;
	unsigned int active_order;
	u32 active_segs;
	struct blkfront_ring *rings;
	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	bool disk_added;
	int index;
	char serial[PVIO_BLKIF_SERIAL_MAX + 1];
	struct work_struct changed_work;
	unsigned long changed_pending;
	struct work_struct lost_work;
	struct work_struct add_work;
	struct work_struct reshape_work;
	struct delayed_work connect_work;
	struct pvio_backoff backoff;
	struct dentry *debugfs;
	u64 nonce;
	bool leak_pages;
	struct {
		atomic64_t requests;
		atomic64_t sectors;
		atomic64_t errors;
		atomic64_t timed_out;
	} stats;
};

/* blkfront.c */
extern unsigned int blkfront_pool_pages;
int blkfront_read_disk_info(struct blkfront_info *info,
			    struct blkfront_disk_info *di);

/* blkfront_debugfs.c */
void blkfront_debugfs_add(struct blkfront_info *info);
void blkfront_debugfs_del(struct blkfront_info *info);
void blkfront_debugfs_init(void);
void blkfront_debugfs_exit(void);

/* blkfront_ring.c */
extern const struct blk_mq_ops blkfront_mq_ops;
int blkfront_rings_alloc(struct blkfront_info *info);
void blkfront_rings_free(struct blkfront_info *info);
int blkfront_rings_connect(struct blkfront_info *info);
void blkfront_rings_disconnect(struct blkfront_info *info, bool replay);
void blkfront_rings_resume(struct blkfront_info *info);
u32 blkfront_rq_pages(u32 nr_data, u32 segs);
u64 blkfront_in_flight(struct blkfront_info *info);

#endif /* _PVIO_BLKFRONT_H */
