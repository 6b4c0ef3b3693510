/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_blkback: the backend of a vbd. It exports a block device or a
 * regular file to the frontend over the rings of Documentation/blkif.rst.
 *
 * blkback.c runs the device: probe, the handshake and the state machine.
 * blkback_ring.c takes requests off the rings, validates them and answers.
 * blkback_io.c opens the backing store and does the I/O.
 * blkback_limit.c is the per-vbd token bucket (IOPS and bytes/s).
 */
#ifndef _PVIO_BLKBACK_H
#define _PVIO_BLKBACK_H

#include <linux/atomic.h>
#include <linux/blk_types.h>
#include <linux/bvec.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "blkif.h"
#include "pvio.h"

struct blkback_vbd;
struct block_device;
struct file;
struct inode;
struct task_struct;

/* The module's workqueue: ring work (reclaim-safe). */
extern struct workqueue_struct *blkback_wq;
extern unsigned int blkback_max_segs;
extern unsigned int blkback_max_vbd_pages;
extern unsigned int blkback_max_pages;

/**
 * struct blkback_pages - bounce pages held by requests, against a budget
 * @held: pages held now
 * @peak: most ever held at once
 * @waits: requests that had to wait for pages
 */
struct blkback_pages {
	atomic_t held;
	atomic_t peak;
	atomic64_t waits;
};

extern struct blkback_pages blkback_pages_all;

/**
 * struct blkback_seg - a validated data segment, in CPU byte order
 * @gref: grant reference (checked again by every grant copy)
 * @offset: first byte in the granted page
 * @len: bytes
 */
struct blkback_seg {
	u32 gref;
	u16 offset;
	u16 len;
};

/**
 * struct blkback_req - a request taken off the ring, until it is answered
 * @node: on the ring's ->done
 * @ring: the ring it came on
 * @id: the frontend's id, echoed
 * @sector: first sector
 * @nr_sectors: sectors
 * @op: enum pvio_blkif_op
 * @flags: PVIO_BLKIF_F_*
 * @status: enum pvio_blkif_status once done
 * @error: first error of the I/O (0 or a negative errno)
 * @pending: bios under way, plus one while they are being submitted
 * @class: the ring's request cache it belongs to (direct or indirect)
 * @nr_segs: entries of @segs
 * @nr_pages: entries of @bvec: the bounce pages, data packed in order
 * @nr_budget: bounce pages charged to the budgets
 * @bvec: the bounce pages (ours: never the region's, see "The link and
 *	its region" in Documentation/architecture.rst), in the same
 *	allocation after @segs, as many entries
 * @bio: a read's or write's bio, on @bvec, when they fit in one
 * @segs: the data segments, copied and validated
 */
struct blkback_req {
	struct llist_node node;
	struct blkback_ring *ring;
	u64 id;
	u64 sector;
	u32 nr_sectors;
	u8 op;
	u8 flags;
	u16 status;
	int error;
	atomic_t pending;
	u8 class;
	u32 nr_segs;
	u32 nr_pages;
	u32 nr_budget;
	struct bio_vec *bvec;
	struct bio bio;
	struct blkback_seg segs[];
};

/*
 * Why requests were refused; one counter per check of blkif.rst. Written
 * by the ring work only, read racily for debugfs.
 */
enum blkback_refusal {
	BLKBACK_BAD_OP,		/* unknown op, or not offered */
	BLKBACK_BAD_FLAGS,	/* unknown flags, or not fitting the op */
	BLKBACK_BAD_NR_SEGS,	/* nr_segs out of range for the op */
	BLKBACK_BAD_INDIRECT,	/* nr_indirect or indirect pages wrong */
	BLKBACK_BAD_SEG,	/* a segment's offset or length */
	BLKBACK_BAD_SUM,	/* segments do not add up to nr_sectors */
	BLKBACK_OUT_OF_RANGE,	/* past the end of the disk */
	BLKBACK_MISALIGNED,	/* not in whole logical blocks */
	BLKBACK_BAD_GRANT,	/* a grant does not resolve with that access */
	BLKBACK_READONLY,	/* a write to a read-only export */
	BLKBACK_REFUSAL_NR,
};

/**
 * struct blkback_ring - one queue: a request ring and a response ring
 * @vbd: the vbd
 * @qid: queue number
 * @req: request ring view (we consume)
 * @rsp: response ring view (we produce, under @rsp_lock)
 * @ch: the queue's event channel; notified under @rsp_lock
 * @rsp_lock: serializes answers: @work's refusals and completions
 * @work: drains @req, the only context touching that view once
 *	connected. Delayed: the rate limit re-runs it later.
 * @done: reads that ended in a hard interrupt, for @work to answer
 * @inflight: requests taken off the ring and not yet answered
 * @idle: woken when @inflight drops to zero while @stopping
 * @pass: the task running a pass of @work, whose end publishes the
 *	answers given inside it (NULL between passes)
 * @stopping: disconnecting: take no more requests, answer nothing
 * @broken: the frontend broke the protocol; a disconnect is queued
 * @changed: tell the frontend the disk changed (queue 0 only)
 * @raw: a request copied off the ring that waits (rate limit, memory)
 * @req_kick: the frontend asked to hear of a request slot released
 * @raw_held: @raw is valid
 * @raw_charged: @raw has passed the rate limit
 * @pages_wait: @raw waits for bounce pages to come back
 * @requests: requests answered
 * @passes: runs of @work (written by it only), for requests per pass
 * @sectors: sectors read or written
 * @errors: requests answered with an error, or refused
 * @refused: per-check refusal counters
 * @req_cache: requests kept for the next ones, direct and indirect
 *	(taken by @work only, given back by completions)
 * @ind_page: where @work reads a request's indirect pages
 * @free_pages: bounce pages kept for the next requests
 * @nr_free_pages: entries of @free_pages
 * @pages_lock: guards @free_pages and @nr_free_pages
 */
struct blkback_ring {
	struct blkback_vbd *vbd;
	unsigned int qid;
	struct pvio_ring req;
	struct pvio_ring rsp;
	struct pvio_evtchn *ch;
	spinlock_t rsp_lock;		/* guards @rsp's producer side, @ch */
	struct delayed_work work;
	struct llist_head done;
	atomic_t inflight;
	wait_queue_head_t idle;
	struct task_struct *pass;
	bool stopping;
	bool broken;
	atomic_t changed;
	struct pvio_blkif_request raw;
	bool req_kick;
	bool raw_held;
	bool raw_charged;
	bool pages_wait;
	atomic64_t requests;
	u64 passes;
	atomic64_t sectors;
	atomic64_t errors;
	u64 refused[BLKBACK_REFUSAL_NR];
	struct llist_head req_cache[2];
	struct pvio_blkif_seg *ind_page;
	struct list_head free_pages;
	unsigned int nr_free_pages;
	spinlock_t pages_lock;		/* guards @free_pages */
};

/**
 * struct blkback_limit - a vbd's IOPS and bytes/s limits
 * @lock: guards the buckets
 * @on: either rate is set (written under @lock, read without it)
 * @iops: requests per second (rate 0: no limit)
 * @bytes: bytes per second (rate 0: no limit)
 */
struct blkback_limit {
	spinlock_t lock;		/* guards the buckets */
	bool on;
	struct pvio_bucket iops;
	struct pvio_bucket bytes;
};

/**
 * struct blkback_backing - what the vbd exports
 * @bdev: the block device, or NULL for a regular file
 * @bdev_handle: what opening @bdev returned (compat.h)
 * @file: the regular file, or NULL for a block device
 * @dev: @bdev's number (the export registry's key for block devices)
 * @inode: @file's inode (the key for files)
 * @rw: exported read-write
 * @node: in the export registry (blkback_io.c)
 */
struct blkback_backing {
	struct block_device *bdev;
	struct pvio_compat_bdev_handle bdev_handle;
	struct file *file;
	dev_t dev;
	struct inode *inode;
	bool rw;
	bool by_fd;
	struct list_head node;
};

/**
 * struct blkback_vbd - the backend end of one vbd
 * @pdev: the pvio device
 * @link: its link
 * @lock: serializes the handshake, config changes and removal; guards
 *	@rings, @nr_rings, @connected, @removing, @stats
 * @watch: on the frontend's state
 * @lost_work: disconnects after a ring broke
 * @rings: the queues while connected
 * @nr_rings: entries of @rings
 * @ring_order: log2 of each ring's slots
 * @connected: rings mapped, state Connected
 * @nonce: the frontend's ring nonce we claimed (0: none), published as
 *	ours until the rings are dropped
 * @removing: remove() started
 * @backing: the backing store
 * @sectors: capacity in 512-byte sectors (READ_ONCE: the rings read it)
 * @lbs_sectors: logical block size in sectors
 * @features: PVIO_BLKIF_FEAT_*
 * @limit: the rate limit
 * @stats: counters of the rings dropped so far (in_flight unused)
 * @path: the backing path
 * @debugfs: its directory in debugfs while connected
 * @backing_gone: the backing device was deleted; every request fails
 * @resize_work: looks at the backing's size now and then
 * @coalesce_usecs: how long a response notification may wait (0: none)
 * @pages: bounce pages its requests hold (blkback_max_vbd_pages)
 */
struct blkback_vbd {
	struct pvio_device *pdev;
	struct pvio_link *link;
	struct mutex lock;		/* see above */
	struct pvio_state_watch *watch;
	struct work_struct lost_work;
	struct blkback_ring *rings;
	unsigned int nr_rings;
	unsigned int ring_order;
	bool connected;
	bool removing;
	u64 nonce;
	struct blkback_backing backing;
	u64 sectors;
	u32 lbs_sectors;
	u32 features;
	struct blkback_limit limit;
	struct pvio_dev_stats stats;
	char path[PVIO_STORE_VALUE_MAX];
	struct dentry *debugfs;
	atomic_t backing_gone;
	struct delayed_work resize_work;
	u32 coalesce_usecs;
	struct blkback_pages pages;
};

/* blkback_debugfs.c */
void blkback_debugfs_add(struct blkback_vbd *vbd);
void blkback_debugfs_del(struct blkback_vbd *vbd);
void blkback_debugfs_init(void);
void blkback_debugfs_exit(void);

/* blkback_ring.c */
int blkback_rings_connect(struct blkback_vbd *vbd, unsigned int nr,
			  unsigned int order);
void blkback_rings_disconnect(struct blkback_vbd *vbd);
void blkback_rings_kick(struct blkback_vbd *vbd);
void blkback_ring_changed(struct blkback_vbd *vbd);
void blkback_rings_coalesce(struct blkback_vbd *vbd);
void blkback_req_done(struct blkback_req *req, int error);
void blkback_rings_stats(struct blkback_vbd *vbd, struct pvio_dev_stats *st);

/* blkback_io.c */
int blkback_backing_open(struct blkback_vbd *vbd, bool rw);
void blkback_backing_close(struct blkback_vbd *vbd);
u64 blkback_backing_sectors(struct blkback_vbd *vbd);
void blkback_backing_geometry(struct blkback_vbd *vbd, u32 *lbs, u32 *pbs,
			      u32 *discard_granularity);
bool blkback_backing_can_discard(struct blkback_vbd *vbd);
bool blkback_backing_gone(struct blkback_vbd *vbd);
void blkback_io_start(struct blkback_req *req);

/* blkback_limit.c */
void blkback_limit_init(struct blkback_limit *l);
void blkback_limit_set(struct blkback_limit *l, u32 iops, u32 bps);
u64 blkback_limit_take(struct blkback_limit *l, u32 bytes);

#endif /* _PVIO_BLKBACK_H */
