/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_netback: the backend of a vif. One network device per frontend,
 * pvif<link>.<index>, that the driver domain bridges or routes: what the
 * guest sends comes out of it, what the stack sends into it goes to the
 * guest (Documentation/netif.rst).
 *
 * netback.c runs the device: probe, the handshake and the netdev.
 * netback_ring.c is the data path: NAPI per queue, both directions.
 * netback_rate.c is the rate limit of what the guest sends.
 * netback_stall.c takes the carrier down while the guest posts no buffers.
 * netback_debugfs.c shows the rings and can make them misbehave.
 */
#ifndef _PVIO_NETBACK_H
#define _PVIO_NETBACK_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

#include "netif.h"
#include "netif_gso.h"
#include "pvio.h"

struct netback_vif;

/* What we offer: checksum offload, TSO and UDP GSO both ways. */
#define NETBACK_FEATURES	(PVIO_NETIF_FEAT_CSUM | PVIO_NETIF_FEAT_GSO_TCPV4 | \
				 PVIO_NETIF_FEAT_GSO_TCPV6 | \
				 PVIO_NETIF_FEAT_GSO_UDP_L4)

/* Bytes of packets waiting for the guest's buffers, per queue, at most. */
extern unsigned int netback_rx_queue_bytes;
/* A queue's packets waiting this long for buffers take the carrier down. */
extern unsigned int netback_rx_stall_ms;

/*
 * Counters of a queue, as the netdev sees it: rx is what the guest sent,
 * tx what went to the guest. Atomic: the poll and xmit both count.
 */
struct netback_stats {
	atomic64_t rx_packets;
	atomic64_t rx_bytes;
	atomic64_t rx_errors;	/* tx requests refused as invalid */
	atomic64_t rx_dropped;	/* valid, but the vif is down */
	atomic64_t rx_gso;	/* GSO packets from the guest */
	atomic64_t rx_throttled; /* polls that stopped for the rate limit */
	atomic64_t tx_packets;
	atomic64_t tx_bytes;
	atomic64_t tx_dropped;	/* no buffers from the guest, or no guest */
	atomic64_t tx_gso;	/* GSO packets to the guest */
	atomic64_t tx_stalls;	/* times the queue stalled (no buffers) */
};

/* What debugfs inject asks the poll to do wrong (netback_debugfs.c). */
enum netback_inject {
	NETBACK_INJECT_NONE,
	NETBACK_INJECT_TX_ID,
	NETBACK_INJECT_RX_ID,
	NETBACK_INJECT_RX_LEN,
	NETBACK_INJECT_INDEX,
};

/**
 * struct netback_queue - one queue: four rings and their NAPI context
 * @vif: the vif
 * @qid: queue number
 * @napi: runs both directions; the only context touching the rings
 *	while connected
 * @tx_req: the guest's packets (we consume)
 * @tx_rsp: our answers to them (we produce)
 * @rx_req: the guest's empty buffers (we consume)
 * @rx_rsp: the buffers filled (we produce)
 * @ch: event channel, NULL while disconnected
 * @connected: xmit may queue packets for the guest (READ_ONCE)
 * @broken: the frontend broke the protocol; a disconnect is queued
 * @napi_on: @napi is enabled
 * @rx_queue: packets for the guest waiting for buffers; its lock guards
 *	@rx_queue_bytes
 * @rx_queue_bytes: memory the packets on @rx_queue hold (truesize), at
 *	most netback_rx_queue_bytes (or a single packet's)
 * @stash: buffers taken off @rx_req, not yet filled
 * @nr_stash: entries of @stash
 * @inject: enum netback_inject, for the next poll (xchg)
 * @rate_timer: polls again once the rate limit's bucket has refilled
 * @throttled: this poll stopped taking the guest's packets for the limit
 * @stall_timer: checks whether packets still wait for buffers
 * @starved_since: jiffies since packets wait for buffers, if @starved
 * @starved: packets wait for buffers the guest has not posted
 * @stalled: they waited rx_stall_ms; the queue holds the carrier down.
 *	Guarded, with @vif->stalled, by @vif->stall_lock
 * @tx_pp: pages for the guest's packets, recycled when the stack frees
 *	them (fresh pages cost a zeroing each under init_on_alloc)
 * @stats: counters
 */
struct netback_queue {
	struct netback_vif *vif;
	unsigned int qid;
	struct napi_struct napi;
	struct pvio_ring tx_req;
	struct pvio_ring tx_rsp;
	struct pvio_ring rx_req;
	struct pvio_ring rx_rsp;
	struct pvio_evtchn *ch;
	bool connected;
	bool broken;
	bool napi_on;
	struct sk_buff_head rx_queue;
	u32 rx_queue_bytes;
	struct pvio_netif_rx_request stash[PVIO_NETIF_RX_BUFS_MAX];
	u32 nr_stash;
	int inject;
	struct hrtimer rate_timer;
	bool throttled;
	struct hrtimer stall_timer;
	unsigned long starved_since;
	bool starved;
	bool stalled;
	struct page_pool *tx_pp;
	struct netback_stats stats;
};

/**
 * struct netback_vif - the backend end of one vif; the netdev's private
 * data
 * @pdev: the pvio device
 * @link: its link
 * @dev: pvif<link>.<index>
 * @lock: serializes the handshake and removal; guards @connected,
 *	@removing, @nr_queues
 * @watch: on the frontend's state
 * @lost_work: disconnects after a queue broke
 * @max_queues: queues offered (and allocated)
 * @nr_queues: queues in use while connected
 * @ring_order: log2 of each ring's slots
 * @features: PVIO_NETIF_FEAT_* the frontend uses while connected, 0
 *	otherwise (READ_ONCE: the data path reads it)
 * @connected: rings mapped, state Connected
 * @removing: remove() started
 * @nonce: the frontend's ring nonce we claimed (0: none), published as
 *	ours until the rings are dropped
 * @queues: @max_queues of them
 * @debugfs: its directory in debugfs
 * @rate_lock: guards @bucket
 * @bucket: the rate limit of what the guest sends
 * @rate: its bytes per second, 0 for none (READ_ONCE)
 * @burst: its burst in bytes, 0 for 100 ms of @rate (READ_ONCE)
 * @stall_lock: guards @stalled and the queues' @stalled
 * @stalled: queues stalled; the carrier is off while there are any
 */
struct netback_vif {
	struct pvio_device *pdev;
	struct pvio_link *link;
	struct net_device *dev;
	struct mutex lock;		/* see above */
	struct pvio_state_watch *watch;
	struct work_struct lost_work;
	unsigned int max_queues;
	unsigned int nr_queues;
	unsigned int ring_order;
	u32 features;
	bool connected;
	bool removing;
	u64 nonce;
	struct netback_queue *queues;
	struct dentry *debugfs;
	spinlock_t rate_lock;		/* see above */
	struct pvio_bucket bucket;
	u32 rate;
	u32 burst;
	spinlock_t stall_lock;		/* see above */
	unsigned int stalled;
};

/*
 * Why a packet was dropped: the reason of the netback_drop tracepoint
 * (netback_trace.h).
 */
enum netback_drop_reason {
	NETBACK_DROP_INVALID,	/* a tx request that broke the protocol */
	NETBACK_DROP_DOWN,	/* the vif is down */
	NETBACK_DROP_NOMEM,	/* no skb for a tx request */
	NETBACK_DROP_OFFLOAD,	/* an offload the frontend did not take */
	NETBACK_DROP_QUEUE,	/* to the guest: not connected, or queue full */
	NETBACK_DROP_BROKEN,	/* the frontend broke the ring meanwhile */
};

/* netback_ethtool.c */
extern const struct ethtool_ops netback_ethtool_ops;

/* netback_debugfs.c */
void netback_debugfs_add(struct netback_vif *vif);
void netback_debugfs_del(struct netback_vif *vif);
void netback_debugfs_init(void);
void netback_debugfs_exit(void);

/* netback_rate.c */
extern const struct attribute_group netback_dev_group;
void netback_rate_init(struct netback_queue *q);
int netback_rate_read(struct netback_vif *vif);
bool netback_rate_credit(struct netback_queue *q);
void netback_rate_charge(struct netback_queue *q, u32 len);
void netback_rate_kick(struct netback_queue *q);

/* netback_stall.c */
void netback_stall_init(struct netback_queue *q);
void netback_stall_starved(struct netback_queue *q);
void netback_stall_fed(struct netback_queue *q);
void netback_stall_stop(struct netback_queue *q);

/* netback_ring.c */
int netback_poll(struct napi_struct *napi, int budget);
int netback_tx_pool_create(struct netback_queue *q);
void netback_tx_pool_destroy(struct netback_queue *q);
netdev_tx_t netback_start_xmit(struct sk_buff *skb, struct net_device *dev);
int netback_queues_connect(struct netback_vif *vif, unsigned int nr,
			   unsigned int order, u32 features);
void netback_queues_disconnect(struct netback_vif *vif);

#endif /* _PVIO_NETBACK_H */
