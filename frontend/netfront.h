/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_netfront: a vif's frontend, an ordinary Ethernet device (pvethN)
 * whose packets travel to pvio_netback over rings in the link's shared
 * region (Documentation/netif.rst). netfront.c runs the device and the
 * handshake, netfront_ring.c the rings, the pools and the packets,
 * netfront_xdp.c the page pools packets are received into and XDP.
 */
#ifndef _PVIO_NETFRONT_H
#define _PVIO_NETFRONT_H

#include <linux/atomic.h>
#include <linux/bpf.h>
#include <linux/dim.h>
#include <linux/ethtool.h>
#include <linux/hrtimer.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/xdp.h>

#include "netif.h"
#include "netif_gso.h"
#include "pvio.h"

struct netfront_info;

/* Counters of a queue. Atomic: xmit and the poll both count. */
struct netfront_stats {
	atomic64_t rx_packets;
	atomic64_t rx_bytes;
	atomic64_t rx_errors;	/* packets the backend described wrongly */
	atomic64_t rx_dropped;	/* no memory, or the device is down */
	atomic64_t rx_alloc_fail;	/* pages the page pool did not give */
	atomic64_t rx_csum_valid;	/* checked by the backend, taken so */
	atomic64_t rx_csum_none;	/* left for the stack to check */
	atomic64_t rx_gso;	/* GSO packets from the backend */
	atomic64_t tx_packets;
	atomic64_t tx_bytes;
	atomic64_t tx_errors;	/* answered with an error */
	atomic64_t tx_dropped;	/* no backend, or too large */
	atomic64_t tx_gso;	/* GSO packets to the backend */
	atomic64_t tx_gso_bytes;	/* ... their bytes */
	atomic64_t tx_stop;	/* the stack's tx queue stopped: no room */
	atomic64_t tx_wake;	/* ... and woken by completions */
	atomic64_t xdp_pass;	/* the program's verdicts on receive */
	atomic64_t xdp_drop;	/* XDP_DROP, XDP_ABORTED, failed XDP_TX */
	atomic64_t xdp_tx;
	atomic64_t xdp_redirect;
	atomic64_t xdp_xmit;	/* frames redirected to us, sent */
	atomic64_t xdp_xmit_err;	/* ... not sent: no room, no backend */
	atomic64_t irqs;	/* doorbells from the backend */
	atomic64_t coal_polls;	/* polls the moderation timer ran */
};

/**
 * struct netfront_coal - interrupt moderation of one direction (ethtool -C)
 * @usecs: the timer bound, 0 for none
 * @frames: a doorbell per this many responses; 0: the timer alone, 1: a
 *	doorbell for the first
 */
struct netfront_coal {
	u32 usecs;
	u32 frames;
};

/*
 * A received packet's first page: XDP's headroom, then the data, then
 * room for the skb_shared_info of the skb built around it. What fits is
 * also the largest frame an XDP program sees (single buffer).
 */
#define NETFRONT_RX_HEADROOM	XDP_PACKET_HEADROOM
#define NETFRONT_RX_HEAD_MAX	(PAGE_SIZE - NETFRONT_RX_HEADROOM - \
				 SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))
/* ... and one buffer holds: pages may be larger than the wire's. */
#define NETFRONT_XDP_MTU_MAX	(min_t(u32, NETFRONT_RX_HEAD_MAX, \
				       PVIO_PAGE_SIZE) - PVIO_NETIF_HLEN)

/**
 * struct netfront_tx_shadow - a packet on the tx ring
 * @nr_pages: pool pages it holds, 0 if the id is free
 * @bql_bytes: bytes reported to BQL as sent (0: none, debugfs inject)
 * @sent: on the ring; before, the id is being filled and an answer to it
 *	is the backend's lie, not a completion
 * @pages: their indices in the tx pool
 */
struct netfront_tx_shadow {
	u32 nr_pages;
	u32 bql_bytes;
	bool sent;
	u16 pages[PVIO_NETIF_TX_SEGS_MAX];
};

/* The four rings of a queue, in the order they lie in its pages. */
enum netfront_ring_idx {
	NETFRONT_TX_REQ,
	NETFRONT_TX_RSP,
	NETFRONT_RX_REQ,
	NETFRONT_RX_RSP,
	NETFRONT_RINGS,
};

/**
 * struct netfront_queue - one queue: four rings, two pools, NAPI
 * @info: the vif
 * @qid: queue number, also the netdev's queue
 * @napi: tx completions, rx, rx refill; the only context touching the
 *	response rings and the rx request ring while connected
 * @rings: views: tx requests (produced by xmit under @tx_lock), tx
 *	responses, rx requests, rx responses
 * @ring_page: first data page of the four rings
 * @ring_pages: pages of each ring
 * @ring_gref: first grant reference of each ring
 * @ch: event channel, NULL while disconnected
 * @port: its port
 * @connected: packets may go on the rings (READ_ONCE)
 * @broken: the backend broke the protocol; a reconnect is queued
 * @napi_on: @napi is enabled
 * @tx_lock: guards the tx shadows, the tx pool, @tx_req's producer side,
 *	and @connected's changes: XDP's senders, which the stack's tx queue
 *	stop does not hold off, check it under the lock
 * @tx_shadow: one per tx ring slot, indexed by request id
 * @tx_id_free: stack of free tx ids
 * @tx_nr_id_free: entries on @tx_id_free
 * @tx_pool_page: first data page of the tx pool
 * @tx_pool_gref: its first grant reference (one per page, in order)
 * @tx_pool_pages: tx pool size in pages
 * @tx_pool_free: stack of free tx pool pages
 * @tx_pool_nr_free: entries on @tx_pool_free
 * @rx_pool_page: first data page of the rx pool, one page per rx id
 * @rx_pool_gref: its first grant reference
 * @rx_posted: per rx id: posted to the backend, not yet answered
 * @rx_id_free: stack of rx ids not posted
 * @rx_nr_id_free: entries on @rx_id_free
 * @rx_skb: a packet being assembled from several buffers
 * @rx_bufs: buffers in it so far
 * @rx_discard: the rest of the current packet is dropped
 * @rx_first: the current packet's first response (its offload fields)
 * @rx_pp: page pool the received packets are copied into
 * @xdp_rxq: XDP's view of this rx queue, memory model @rx_pp
 * @xdp_tx_kick: XDP_TX put frames on the tx ring this poll: publish them
 * @xdp_flush: XDP_REDIRECT queued frames this poll: flush them
 * @coal_timer: polls at the moderation bound (netfront_coal.c)
 * @rx_coal: rx moderation in force: the vif's, or DIM's (READ_ONCE)
 * @dim: adaptive rx moderation
 * @stats: counters
 */
struct netfront_queue {
	struct netfront_info *info;
	unsigned int qid;
	struct napi_struct napi;
	struct pvio_ring rings[NETFRONT_RINGS];
	u32 ring_page;
	u32 ring_pages[NETFRONT_RINGS];
	int ring_gref[NETFRONT_RINGS];
	struct pvio_evtchn *ch;
	unsigned int port;
	bool connected;
	bool broken;
	bool napi_on;
	spinlock_t tx_lock;		/* see above */
	struct netfront_tx_shadow *tx_shadow;
	u16 *tx_id_free;
	u32 tx_nr_id_free;
	u32 tx_pool_page;
	int tx_pool_gref;
	u32 tx_pool_pages;
	u16 *tx_pool_free;
	u32 tx_pool_nr_free;
	u32 rx_pool_page;
	int rx_pool_gref;
	bool *rx_posted;
	u16 *rx_id_free;
	u32 rx_nr_id_free;
	struct sk_buff *rx_skb;
	u32 rx_bufs;
	bool rx_discard;
	struct pvio_netif_rx_response rx_first;
	struct page_pool *rx_pp;
	struct xdp_rxq_info xdp_rxq;
	bool xdp_tx_kick;
	bool xdp_flush;
	struct hrtimer coal_timer;
	struct netfront_coal rx_coal;
	struct dim dim;
	struct netfront_stats stats;
};

/**
 * struct netfront_info - the frontend of one vif; the netdev's private
 * data
 * @pdev: its pvio device
 * @link: the link
 * @dev: pvethN
 * @watch: on the backend's state
 * @lost_work: reconnects after the backend broke the protocol
 * @retire_work: frees the rings ethtool dropped, once the backend let go
 * @connect_work: an attempt to connect, paced by @backoff: reads the
 *	backend's offer without the RTNL, then sets up under it
 * @backoff: how soon the next attempt may run (under the RTNL)
 * @reshape_wq: netfront_reshape() waits on it without the RTNL for the
 *	backend to connect on the new rings, remove() for that wait to end
 * @reshaping: netfront_reshape() waits (set and cleared under the RTNL)
 * @removing: remove() started: never reconnect
 * @conn: enum netfront_conn
 * @max_queues: queues allocated
 * @want_queues: queues asked for (module parameter, ethtool -L)
 * @want_order: ring order asked for (module parameter, ethtool -G)
 * @offer_queues: queues the backend offered at the last setup
 * @offer_order: ... and ring order
 * @nr_queues: queues in use (fixed when the rings are allocated)
 * @ring_order: log2 of each ring's slots (fixed likewise)
 * @features: PVIO_NETIF_FEAT_* in use with the current backend (READ_ONCE:
 *	the data path reads it)
 * @rings_ready: the queues' rings and pools exist
 * @retiring: the rings exist but are dropped: @retire_work frees them
 *	(and sets up anew) once the backend let go
 * @leak_pages: a backend may still use our pages: never give them back
 * @nonce: the ring nonce published with our rings
 * @back_nonce: the backend claims nonces (PVIO_NETIF_FEAT_NONCE)
 * @queues: @max_queues of them
 * @debugfs: its directory in debugfs
 * @xdp_prog: the XDP program, or NULL; set under the RTNL, read by the
 *	polls under RCU
 * @rx_coal: rx moderation set with ethtool -C (used with @adaptive_rx off)
 * @tx_coal: tx moderation set with ethtool -C (READ_ONCE)
 * @adaptive_rx: DIM sets each queue's rx moderation (READ_ONCE)
 *
 * The handshake, connects and disconnects run under the RTNL, which
 * also orders them against the device's open and stop.
 */
struct netfront_info {
	struct pvio_device *pdev;
	struct pvio_link *link;
	struct net_device *dev;
	struct pvio_state_watch *watch;
	struct work_struct lost_work;
	struct work_struct retire_work;
	struct delayed_work connect_work;
	struct pvio_backoff backoff;
	wait_queue_head_t reshape_wq;
	bool reshaping;
	bool removing;
	int conn;
	unsigned int max_queues;
	unsigned int want_queues;
	unsigned int want_order;
	unsigned int offer_queues;
	unsigned int offer_order;
	unsigned int nr_queues;
	unsigned int ring_order;
	u32 features;
	bool rings_ready;
	bool retiring;
	bool leak_pages;
	u64 nonce;
	bool back_nonce;
	struct netfront_queue *queues;
	struct dentry *debugfs;
	struct bpf_prog __rcu *xdp_prog;
	struct netfront_coal rx_coal;
	struct netfront_coal tx_coal;
	bool adaptive_rx;
};

enum netfront_conn {
	NETFRONT_DISCONNECTED,	/* no rings the backend uses */
	NETFRONT_INITIALISED,	/* rings published, backend not yet on them */
	NETFRONT_CONNECTED,
};

/* netfront.c */
int netfront_reconfigure(struct netfront_info *info);
int netfront_reshape(struct netfront_info *info, unsigned int queues,
		     unsigned int order);

/* Rings in use, not dropped by a reconfigure in progress. Under RTNL. */
static inline bool netfront_rings_kept(const struct netfront_info *info)
{
	return info->rings_ready && !info->retiring;
}

/* netfront_ethtool.c */
extern const struct ethtool_ops netfront_ethtool_ops;

/* netfront_coal.c */
void netfront_coal_init(struct netfront_info *info);
void netfront_coal_queue_start(struct netfront_queue *q);
void netfront_coal_queue_stop(struct netfront_queue *q);
bool netfront_coal_rearm(struct netfront_queue *q, bool worked);
void netfront_coal_sample(struct netfront_queue *q);
int netfront_get_coalesce(struct net_device *dev, struct ethtool_coalesce *ec,
			  struct kernel_ethtool_coalesce *kec,
			  struct netlink_ext_ack *extack);
int netfront_set_coalesce(struct net_device *dev, struct ethtool_coalesce *ec,
			  struct kernel_ethtool_coalesce *kec,
			  struct netlink_ext_ack *extack);

/* netfront_qstats.c, on kernels with per-queue statistics over netlink */
#ifdef PVIO_NETFRONT_QSTATS
void netfront_qstats_init(struct net_device *dev);
#else
static inline void netfront_qstats_init(struct net_device *dev)
{
}
#endif

/* netfront_debugfs.c */
void netfront_debugfs_add(struct netfront_info *info);
void netfront_debugfs_del(struct netfront_info *info);
void netfront_debugfs_init(void);
void netfront_debugfs_exit(void);

/* What we take: checksum offload, TSO and UDP GSO both ways. */
#define NETFRONT_FEATURES	(PVIO_NETIF_FEAT_CSUM | \
				 PVIO_NETIF_FEAT_GSO_TCPV4 | \
				 PVIO_NETIF_FEAT_GSO_TCPV6 | \
				 PVIO_NETIF_FEAT_GSO_UDP_L4)

/* netfront_ring.c */
int netfront_poll(struct napi_struct *napi, int budget);
netdev_tx_t netfront_start_xmit(struct sk_buff *skb, struct net_device *dev);
int netfront_rings_alloc(struct netfront_info *info);
void netfront_rings_free(struct netfront_info *info);
int netfront_rings_connect(struct netfront_info *info);
void netfront_rings_disconnect(struct netfront_info *info);
void netfront_rings_kick(struct netfront_info *info);
int netfront_inject(struct netfront_info *info, const char *what);
struct sk_buff *netfront_rx_build(struct netfront_queue *q, struct page *page,
				  u32 headroom, u32 len);
bool netfront_tx_frame(struct netfront_queue *q, const void *data, u32 len);
void netfront_tx_kick(struct netfront_queue *q);

/* netfront_xdp.c */
int netfront_rxq_init(struct netfront_queue *q);
void netfront_rxq_exit(struct netfront_queue *q);
void netfront_xdp_rx(struct netfront_queue *q, struct bpf_prog *prog,
		     const void *src, u32 len, bool more);
void netfront_xdp_poll_end(struct netfront_queue *q);
int netfront_xdp(struct net_device *dev, struct netdev_bpf *bpf);
int netfront_xdp_xmit(struct net_device *dev, int n,
		      struct xdp_frame **frames, u32 flags);
int netfront_change_mtu(struct net_device *dev, int new_mtu);

#endif /* _PVIO_NETFRONT_H */
