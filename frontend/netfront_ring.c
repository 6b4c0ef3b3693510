// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The data path of pvio_netfront: per queue four rings, a tx pool and an
 * rx pool of pages granted once, and one NAPI context.
 *
 * BQL counts the bytes in flight on each tx queue.
 *
 * Packets are copied: into tx pool pages on xmit, out of rx pool pages
 * into the queue's page pool on receive (the first page of a packet
 * keeps XDP's headroom and becomes the skb's head, the rest its frags).
 * The region may have no struct pages (Documentation/architecture.rst,
 * "The link and its region"), so no skb ever
 * points into it, and nothing is granted per packet. rx buffer ids are
 * rx pool page indices: buffer i is always page i of the pool.
 *
 * Offloads go through as the backend negotiated them: our partial
 * checksums and GSO packets as request flags and fields, its as the
 * flags and GSO fields of a packet's first response, checked against
 * the headers (skb_checksum_setup()) before the stack sees them.
 *
 * The backend is not trusted: every response is copied out of its ring
 * and checked (ids, lengths, offsets, the order of a packet's buffers)
 * before use; a backend that breaks the protocol is dropped and the
 * frontend waits for the next one.
 */
#include <linux/etherdevice.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <net/page_pool/helpers.h>

#include "netfront.h"
#include "netfront_trace.h"

static const u32 netfront_entry_size[NETFRONT_RINGS] = {
	[NETFRONT_TX_REQ] = sizeof(struct pvio_netif_tx_request),
	[NETFRONT_TX_RSP] = sizeof(struct pvio_netif_tx_response),
	[NETFRONT_RX_REQ] = sizeof(struct pvio_netif_rx_request),
	[NETFRONT_RX_RSP] = sizeof(struct pvio_netif_rx_response),
};

/*
 * A packet's first buffer goes into the skb's head (what does not fit
 * there into a frag), the others into a frag each.
 */
static_assert(PVIO_NETIF_RX_BUFS_MAX <= MAX_SKB_FRAGS);
static_assert(PVIO_PAGE_SIZE <= PAGE_SIZE);

/* Pool pages the largest frame takes. */
#define NETFRONT_TX_PAGES_MAX	DIV_ROUND_UP(PVIO_NETIF_FRAME_MAX, PVIO_PAGE_SIZE)

static void *netfront_tx_page(struct netfront_queue *q, u32 idx)
{
	return pvio_data_page(q->info->link, q->tx_pool_page + idx);
}

static void *netfront_rx_page(struct netfront_queue *q, u32 id)
{
	return pvio_data_page(q->info->link, q->rx_pool_page + id);
}

/* ---- setting rings up and down ---- */

static u32 netfront_ring_pages(unsigned int order, u32 entry_size)
{
	return DIV_ROUND_UP(PVIO_RING_BYTES(order, entry_size), PVIO_PAGE_SIZE);
}

/* Reserve and grant @nr data pages; returns the first gref. */
static int netfront_grant_new(struct pvio_link *link, u32 nr, u32 *page)
{
	int first, gref;

	first = pvio_data_alloc(link, nr);
	if (first < 0)
		return first;
	gref = pvio_grant_access_range(link, first, nr, false);
	if (gref < 0) {
		pvio_data_free(link, first, nr);
		return gref;
	}
	*page = first;
	return gref;
}

/* The pages and grants of a queue's rings and pools go back to the link. */
static void netfront_queue_release(struct netfront_queue *q)
{
	struct pvio_link *link = q->info->link;
	u32 size = 1U << q->info->ring_order, total = 0;
	int i;

	for (i = 0; i < NETFRONT_RINGS; i++) {
		if (q->ring_gref[i] >= 0)
			pvio_grant_revoke_range(link, q->ring_gref[i],
						q->ring_pages[i]);
		total += q->ring_pages[i];
	}
	if (total)
		pvio_data_free(link, q->ring_page, total);
	if (q->tx_pool_gref >= 0) {
		pvio_grant_revoke_range(link, q->tx_pool_gref,
					q->tx_pool_pages);
		pvio_data_free(link, q->tx_pool_page, q->tx_pool_pages);
	}
	if (q->rx_pool_gref >= 0) {
		pvio_grant_revoke_range(link, q->rx_pool_gref, size);
		pvio_data_free(link, q->rx_pool_page, size);
	}
}

static void netfront_queue_free(struct netfront_queue *q)
{
	/* Else leaked: a backend that never let go may still use them. */
	if (!q->info->leak_pages)
		netfront_queue_release(q);
	netfront_rxq_exit(q);
	kfree(q->tx_shadow);
	kfree(q->tx_id_free);
	kfree(q->tx_pool_free);
	kfree(q->rx_posted);
	kfree(q->rx_id_free);
}

static int netfront_queue_alloc(struct netfront_queue *q, u32 pool_pages)
{
	struct pvio_link *link = q->info->link;
	unsigned int order = q->info->ring_order;
	u32 size = 1U << order, total = 0, page;
	int i, first;

	q->tx_shadow = kcalloc(size, sizeof(*q->tx_shadow), GFP_KERNEL);
	q->tx_id_free = kcalloc(size, sizeof(u16), GFP_KERNEL);
	q->tx_pool_free = kcalloc(pool_pages, sizeof(u16), GFP_KERNEL);
	q->rx_posted = kcalloc(size, sizeof(bool), GFP_KERNEL);
	q->rx_id_free = kcalloc(size, sizeof(u16), GFP_KERNEL);
	if (!q->tx_shadow || !q->tx_id_free || !q->tx_pool_free ||
	    !q->rx_posted || !q->rx_id_free)
		return -ENOMEM;

	for (i = 0; i < NETFRONT_RINGS; i++) {
		q->ring_pages[i] = netfront_ring_pages(order,
						       netfront_entry_size[i]);
		total += q->ring_pages[i];
	}
	first = pvio_data_alloc(link, total);
	if (first < 0) {
		memset(q->ring_pages, 0, sizeof(q->ring_pages));
		return first;
	}
	q->ring_page = first;
	page = first;
	for (i = 0; i < NETFRONT_RINGS; i++) {
		q->ring_gref[i] = pvio_grant_access_range(link, page,
							  q->ring_pages[i],
							  false);
		if (q->ring_gref[i] < 0)
			return q->ring_gref[i];
		page += q->ring_pages[i];
	}
	q->tx_pool_gref = netfront_grant_new(link, pool_pages,
					     &q->tx_pool_page);
	if (q->tx_pool_gref < 0)
		return q->tx_pool_gref;
	q->tx_pool_pages = pool_pages;
	q->rx_pool_gref = netfront_grant_new(link, size, &q->rx_pool_page);
	if (q->rx_pool_gref < 0)
		return q->rx_pool_gref;
	return netfront_rxq_init(q);
}

/*
 * The rings and pools of every queue, for good: they stay through
 * reconnects. The tx pool of a queue is what the link has left, shared
 * evenly, at most two pages per ring slot; it must hold a largest frame.
 */
int netfront_rings_alloc(struct netfront_info *info)
{
	u32 size = 1U << info->ring_order, rings = 0, avail, per_queue;
	u32 pool_pages;
	unsigned int i;
	int ret;

	for (i = 0; i < NETFRONT_RINGS; i++)
		rings += netfront_ring_pages(info->ring_order,
					     netfront_entry_size[i]);
	avail = min(pvio_data_free_pages(info->link),
		    pvio_grant_free_entries(info->link));
	per_queue = avail / info->nr_queues;
	if (per_queue < rings + size + NETFRONT_TX_PAGES_MAX)
		return -ENOSPC;
	pool_pages = min(per_queue - rings - size, 2 * size);
	pool_pages = max_t(u32, pool_pages, NETFRONT_TX_PAGES_MAX);
	for (i = 0; i < info->nr_queues; i++) {
		struct netfront_queue *q = &info->queues[i];

		/* Nothing held yet: a failure below frees only what it got. */
		memset(q->ring_gref, 0xff, sizeof(q->ring_gref));
		memset(q->ring_pages, 0, sizeof(q->ring_pages));
		q->tx_pool_gref = -1;
		q->rx_pool_gref = -1;
		ret = netfront_queue_alloc(q, pool_pages);
		if (ret) {
			info->nr_queues = i + 1;
			info->rings_ready = true;
			netfront_rings_free(info);
			return ret;
		}
	}
	info->rings_ready = true;
	return 0;
}

void netfront_rings_free(struct netfront_info *info)
{
	unsigned int i;

	if (!info->rings_ready)
		return;
	for (i = 0; i < info->nr_queues; i++)
		netfront_queue_free(&info->queues[i]);
	info->rings_ready = false;
}

/* ---- sending ---- */

/* Ring the backend's doorbell. */
static void netfront_notify(struct netfront_queue *q)
{
	trace_netfront_notify(q->info->dev, q->qid);
	pvio_evtchn_notify(q->ch);
}

/*
 * Publish what was pushed on the tx ring; kick the backend if it asked.
 * Under q->tx_lock.
 */
void netfront_tx_kick(struct netfront_queue *q)
{
	if (pvio_ring_publish(&q->rings[NETFRONT_TX_REQ]) && q->ch)
		netfront_notify(q);
}

static void netfront_broken(struct netfront_queue *q, const char *why)
{
	if (q->broken)
		return;
	WRITE_ONCE(q->broken, true);
	dev_err_ratelimited(&q->info->pdev->dev,
			    "queue %u: %s, reconnecting\n", q->qid, why);
	schedule_work(&q->info->lost_work);
}

/*
 * The offload fields of a packet's request. Return: false to drop it (a
 * GSO packet the backend does not take: only before our features were
 * updated to its offer).
 */
static bool netfront_tx_offload(struct netfront_info *info,
				struct sk_buff *skb,
				struct pvio_netif_tx_request *req)
{
	u32 features = READ_ONCE(info->features);
	struct skb_shared_info *sh = skb_shinfo(skb);

	if (skb_is_gso(skb)) {
		req->gso_type = pvio_netif_gso_type(skb, features);
		if (req->gso_type == PVIO_NETIF_GSO_NONE)
			return false;
		req->flags |= PVIO_NETIF_TXF_GSO;
		req->gso_size = cpu_to_le16(sh->gso_size);
	}
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return true;
	if (!(features & PVIO_NETIF_FEAT_CSUM))
		return !skb_checksum_help(skb);
	req->flags |= PVIO_NETIF_TXF_CSUM_PARTIAL;
	req->csum_start = cpu_to_le16(skb_checksum_start_offset(skb));
	req->csum_offset = cpu_to_le16(skb->csum_offset);
	return true;
}

/* Room for a largest frame? Under q->tx_lock. */
static bool netfront_tx_room(struct netfront_queue *q)
{
	return q->tx_nr_id_free && q->tx_pool_nr_free >= NETFRONT_TX_PAGES_MAX;
}

netdev_tx_t netfront_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct netfront_info *info = netdev_priv(dev);
	u16 qid = skb_get_queue_mapping(skb);
	struct pvio_netif_tx_request req = {};
	struct netdev_queue *txq;
	struct netfront_tx_shadow *sh;
	struct netfront_queue *q;
	u32 len = skb->len, nr, i, n;
	bool kick;
	void *slot;
	u16 id;

	if (qid >= info->nr_queues)
		qid = 0;
	q = &info->queues[qid];
	txq = netdev_get_tx_queue(dev, qid);
	nr = DIV_ROUND_UP(len, PVIO_PAGE_SIZE);
	if (!READ_ONCE(q->connected) || len < PVIO_NETIF_FRAME_MIN ||
	    len > PVIO_NETIF_FRAME_MAX || !netfront_tx_offload(info, skb, &req)) {
		atomic64_inc(&q->stats.tx_dropped);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}

	spin_lock_bh(&q->tx_lock);
	if (!netfront_tx_room(q)) {
		/* Stopped when room ran short: should not happen. */
		netif_tx_stop_queue(txq);
		atomic64_inc(&q->stats.tx_stop);
		spin_unlock_bh(&q->tx_lock);
		return NETDEV_TX_BUSY;
	}
	id = q->tx_id_free[--q->tx_nr_id_free];
	sh = &q->tx_shadow[id];
	sh->nr_pages = nr;
	sh->bql_bytes = 0;
	for (i = 0; i < nr; i++)
		sh->pages[i] = q->tx_pool_free[--q->tx_pool_nr_free];
	spin_unlock_bh(&q->tx_lock);

	/* The pages are ours alone now: copy without the lock. */
	if (req.flags & PVIO_NETIF_TXF_GSO) {
		atomic64_inc(&q->stats.tx_gso);
		atomic64_add(len, &q->stats.tx_gso_bytes);
	}
	req.id = cpu_to_le16(id);
	req.nr_segs = nr;
	req.len = cpu_to_le32(len);
	for (i = 0; i < nr; i++) {
		n = min_t(u32, len - i * PVIO_PAGE_SIZE, PVIO_PAGE_SIZE);
		/* Cannot fail: the range lies inside the skb. */
		pvio_copy_from_skb(skb, i * PVIO_PAGE_SIZE,
				   netfront_tx_page(q, sh->pages[i]), n);
		req.seg[i].gref = cpu_to_le32(q->tx_pool_gref + sh->pages[i]);
		req.seg[i].len = cpu_to_le16(n);
	}

	spin_lock_bh(&q->tx_lock);
	slot = pvio_ring_prod_slot(&q->rings[NETFRONT_TX_REQ]);
	if (slot) {
		memcpy(slot, &req, sizeof(req));
		pvio_ring_prod_push(&q->rings[NETFRONT_TX_REQ]);
		trace_netfront_tx_push(dev, qid, id, len, nr, req.flags,
				       req.gso_type);
		atomic64_inc(&q->stats.tx_packets);
		atomic64_add(len, &q->stats.tx_bytes);
		/* BQL; kick unless more follows and the queue runs. */
		sh->sent = true;
		sh->bql_bytes = len;
		kick = __netdev_tx_sent_queue(txq, len, netdev_xmit_more());
	} else {
		/* Never full with one slot per id: the backend lies. */
		netfront_broken(q, "tx ring full");
		kick = true;
	}
	if (!netfront_tx_room(q)) {
		netif_tx_stop_queue(txq);
		atomic64_inc(&q->stats.tx_stop);
		kick = true;
	}
	if (kick)
		netfront_tx_kick(q);
	spin_unlock_bh(&q->tx_lock);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;
}

/**
 * netfront_tx_frame() - put a frame from XDP on the tx ring
 * @q: the queue; under its tx_lock
 * @data: the frame, copied at once: the caller keeps it
 * @len: its length
 *
 * Shares the ring with the stack's packets; not counted by BQL, which
 * sees only what the stack queued. Stops the stack's tx queue when room
 * runs short, as xmit does; completions wake it.
 *
 * Return: false if the queue is not connected, or has no room.
 */
bool netfront_tx_frame(struct netfront_queue *q, const void *data, u32 len)
{
	u32 nr = DIV_ROUND_UP(len, PVIO_PAGE_SIZE), i, n;
	struct pvio_netif_tx_request req = {};
	struct netfront_tx_shadow *sh;
	void *slot;
	u16 id;

	if (!q->connected || READ_ONCE(q->broken) ||
	    len < PVIO_NETIF_FRAME_MIN || len > PVIO_NETIF_FRAME_MAX ||
	    !q->tx_nr_id_free || q->tx_pool_nr_free < nr)
		return false;
	slot = pvio_ring_prod_slot(&q->rings[NETFRONT_TX_REQ]);
	if (!slot)
		return false;
	id = q->tx_id_free[--q->tx_nr_id_free];
	sh = &q->tx_shadow[id];
	sh->nr_pages = nr;
	sh->bql_bytes = 0;
	req.id = cpu_to_le16(id);
	req.nr_segs = nr;
	req.len = cpu_to_le32(len);
	for (i = 0; i < nr; i++) {
		sh->pages[i] = q->tx_pool_free[--q->tx_pool_nr_free];
		n = min_t(u32, len - i * PVIO_PAGE_SIZE, PVIO_PAGE_SIZE);
		pvio_copy(netfront_tx_page(q, sh->pages[i]),
			  data + i * PVIO_PAGE_SIZE, n);
		req.seg[i].gref = cpu_to_le32(q->tx_pool_gref + sh->pages[i]);
		req.seg[i].len = cpu_to_le16(n);
	}
	memcpy(slot, &req, sizeof(req));
	pvio_ring_prod_push(&q->rings[NETFRONT_TX_REQ]);
	sh->sent = true;
	atomic64_inc(&q->stats.tx_packets);
	atomic64_add(len, &q->stats.tx_bytes);
	if (!netfront_tx_room(q)) {
		netif_tx_stop_queue(netdev_get_tx_queue(q->info->dev, q->qid));
		atomic64_inc(&q->stats.tx_stop);
	}
	return true;
}

/* Give a sent packet's id and pool pages back. Under q->tx_lock. */
static void netfront_tx_put(struct netfront_queue *q, u16 id)
{
	struct netfront_tx_shadow *sh = &q->tx_shadow[id];
	u32 i;

	for (i = 0; i < sh->nr_pages; i++)
		q->tx_pool_free[q->tx_pool_nr_free++] = sh->pages[i];
	sh->nr_pages = 0;
	sh->bql_bytes = 0;
	sh->sent = false;
	q->tx_id_free[q->tx_nr_id_free++] = id;
}

/* Take the backend's answers to our packets; false if it lied. */
static bool netfront_tx_complete(struct netfront_queue *q)
{
	struct pvio_ring *r = &q->rings[NETFRONT_TX_RSP];
	struct pvio_netif_tx_response rsp;
	struct netdev_queue *txq;
	u32 pkts = 0, bytes = 0;
	bool ok = true;
	u16 id;

	if (pvio_ring_avail(r) < 0)
		return false;
	txq = netdev_get_tx_queue(q->info->dev, q->qid);
	spin_lock_bh(&q->tx_lock);
	while (!pvio_ring_cons_copy(r, &rsp)) {
		id = le16_to_cpu(rsp.id);
		/* Only ids on the ring: xmit fills others unlocked. */
		if (id >= r->size || !q->tx_shadow[id].sent) {
			ok = false;
			break;
		}
		trace_netfront_tx_response(q->info->dev, q->qid, id,
					   le16_to_cpu(rsp.status));
		if (le16_to_cpu(rsp.status) != PVIO_NETIF_RSP_OK)
			atomic64_inc(&q->stats.tx_errors);
		if (q->tx_shadow[id].bql_bytes) {
			pkts++;
			bytes += q->tx_shadow[id].bql_bytes;
		}
		netfront_tx_put(q, id);
	}
	/* Only what was reported sent, each once: ids in flight only. */
	netdev_tx_completed_queue(txq, pkts, bytes);
	if (ok && netif_tx_queue_stopped(txq) && netfront_tx_room(q) &&
	    READ_ONCE(q->connected)) {
		netif_tx_wake_queue(txq);
		atomic64_inc(&q->stats.tx_wake);
	}
	spin_unlock_bh(&q->tx_lock);
	return ok;
}

/* ---- receiving ---- */

/* Post every buffer not posted, while there is ring room. */
static void netfront_rx_refill(struct netfront_queue *q)
{
	struct pvio_ring *r = &q->rings[NETFRONT_RX_REQ];
	struct pvio_netif_rx_request *req;
	u16 id;

	while (q->rx_nr_id_free) {
		req = pvio_ring_prod_slot(r);
		if (!req)
			break;
		id = q->rx_id_free[--q->rx_nr_id_free];
		req->id = cpu_to_le16(id);
		req->gref = cpu_to_le32(q->rx_pool_gref + id);
		pvio_ring_prod_push(r);
		q->rx_posted[id] = true;
		trace_netfront_rx_post(q->info->dev, q->qid, id);
	}
	if (pvio_ring_publish(r) && q->ch)
		netfront_notify(q);
}

/* A packet's first response: only offloads negotiated, only as allowed. */
static bool netfront_rx_offload_valid(struct netfront_queue *q,
				      const struct pvio_netif_rx_response *rsp)
{
	u32 features = READ_ONCE(q->info->features);
	u8 allowed = PVIO_NETIF_RXF_MORE;

	if (features & PVIO_NETIF_FEAT_CSUM)
		allowed |= PVIO_NETIF_RXF_CSUM_VALID |
			   PVIO_NETIF_RXF_CSUM_PARTIAL;
	if (rsp->flags & ~allowed)
		return false;
	if (rsp->gso_type == PVIO_NETIF_GSO_NONE)
		return true;
	if (!pvio_netif_gso_ok(rsp->gso_type, features))
		return false;
	return (rsp->flags & PVIO_NETIF_RXF_CSUM_PARTIAL) &&
	       le16_to_cpu(rsp->gso_size);
}

/*
 * Apply the offload fields of the packet's first response, validated.
 * With rx-checksumming off (ethtool -K pvethN rx off) the backend's word
 * is not taken: a checked packet is checked again by the stack, and a
 * partial one gets its checksum filled in, then checked likewise; only
 * a super-packet stays partial, its checksums made as it is segmented.
 * Return: false if the headers do not bear them out.
 */
static bool netfront_rx_offload(struct netfront_queue *q, struct sk_buff *skb)
{
	const struct pvio_netif_rx_response *rsp = &q->rx_first;
	struct skb_shared_info *sh = skb_shinfo(skb);
	bool rxcsum = q->info->dev->features & NETIF_F_RXCSUM;

	if ((rsp->flags & PVIO_NETIF_RXF_CSUM_VALID) && rxcsum)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (!(rsp->flags & PVIO_NETIF_RXF_CSUM_PARTIAL))
		return true;
	/* Finds the L4 checksum's place from the headers, or fails. */
	skb_reset_network_header(skb);
	if (skb_checksum_setup(skb, false))
		return false;
	if (rsp->gso_type == PVIO_NETIF_GSO_NONE)
		return rxcsum || !skb_checksum_help(skb);
	sh->gso_size = le16_to_cpu(rsp->gso_size);
	sh->gso_type = pvio_netif_skb_gso(rsp->gso_type);
	/* Counted by the stack: the backend's word is not taken. */
	sh->gso_segs = 0;
	return true;
}

/**
 * netfront_rx_build() - an skb around a page of the rx page pool
 * @q: the queue
 * @page: the page, given to the skb (or back to the pool on failure)
 * @headroom: bytes before the data
 * @len: bytes of data; @headroom + @len <= NETFRONT_RX_HEAD_MAX
 *
 * Return: the skb, or NULL without memory.
 */
struct sk_buff *netfront_rx_build(struct netfront_queue *q, struct page *page,
				  u32 headroom, u32 len)
{
	struct sk_buff *skb;

	skb = napi_build_skb(page_address(page), PAGE_SIZE);
	if (!skb) {
		page_pool_put_full_page(q->rx_pp, page, true);
		return NULL;
	}
	/* Its pages go back to the pool when the skb is freed. */
	skb_mark_for_recycle(skb);
	skb_reserve(skb, headroom);
	skb_put(skb, len);
	return skb;
}

/* The packet being assembled is complete: hand it to the stack. */
static void netfront_rx_deliver(struct netfront_queue *q)
{
	struct sk_buff *skb = q->rx_skb;
	struct net_device *dev = q->info->dev;

	q->rx_skb = NULL;
	trace_netfront_rx_packet(dev, q->qid, skb->len, q->rx_bufs,
				 q->rx_first.flags, q->rx_first.gso_type);
	if (skb->len < PVIO_NETIF_FRAME_MIN) {
		atomic64_inc(&q->stats.rx_errors);
		dev_kfree_skb_any(skb);
		return;
	}
	skb->protocol = eth_type_trans(skb, dev);
	if (!netfront_rx_offload(q, skb)) {
		atomic64_inc(&q->stats.rx_errors);
		dev_kfree_skb_any(skb);
		return;
	}
	atomic64_inc(&q->stats.rx_packets);
	atomic64_add(skb->len + PVIO_NETIF_HLEN, &q->stats.rx_bytes);
	if (skb->ip_summed == CHECKSUM_UNNECESSARY)
		atomic64_inc(&q->stats.rx_csum_valid);
	else if (skb->ip_summed == CHECKSUM_NONE)
		atomic64_inc(&q->stats.rx_csum_none);
	skb_record_rx_queue(skb, q->qid);
	if (skb_is_gso(skb)) {
		atomic64_inc(&q->stats.rx_gso);
		netif_receive_skb(skb);
	} else {
		napi_gro_receive(&q->napi, skb);
	}
}

/* Copy one buffer into the packet being assembled. */
static void netfront_rx_append(struct netfront_queue *q, const void *src,
			       u32 len)
{
	struct page *page;
	u32 n = 0;

	if (!q->rx_skb) {
		n = min_t(u32, len, NETFRONT_RX_HEAD_MAX);
		page = page_pool_dev_alloc_pages(q->rx_pp);
		if (!page)
			goto nomem;
		pvio_copy(page_address(page) + NETFRONT_RX_HEADROOM, src, n);
		q->rx_skb = netfront_rx_build(q, page, NETFRONT_RX_HEADROOM, n);
		if (!q->rx_skb)
			goto nomem;
		if (n == len)
			return;
	}
	page = page_pool_dev_alloc_pages(q->rx_pp);
	if (!page)
		goto nomem;
	pvio_copy(page_address(page), src + n, len - n);
	skb_add_rx_frag(q->rx_skb, skb_shinfo(q->rx_skb)->nr_frags, page, 0,
			len - n, PAGE_SIZE);
	return;
nomem:
	atomic64_inc(&q->stats.rx_alloc_fail);
	dev_kfree_skb_any(q->rx_skb);
	q->rx_skb = NULL;
	q->rx_discard = true;
}

/*
 * Take one filled buffer, copied out of the ring. Return: 1 if it ended
 * a packet, 0 if not, -EPROTO if the backend broke the protocol.
 */
static int netfront_rx_one(struct netfront_queue *q,
			   const struct pvio_netif_rx_response *rsp,
			   struct bpf_prog *prog)
{
	u16 id = le16_to_cpu(rsp->id);
	u32 off = le16_to_cpu(rsp->offset), len = le16_to_cpu(rsp->len);
	bool more = rsp->flags & PVIO_NETIF_RXF_MORE;
	u32 total;

	if (id >= q->rings[NETFRONT_RX_RSP].size || !q->rx_posted[id] ||
	    !len || len > PVIO_PAGE_SIZE || off > PVIO_PAGE_SIZE - len ||
	    q->rx_bufs >= PVIO_NETIF_RX_BUFS_MAX)
		return -EPROTO;
	total = (q->rx_skb ? q->rx_skb->len : 0) + len;
	if (total > PVIO_NETIF_FRAME_MAX ||
	    (!q->rx_bufs && more && len < PVIO_NETIF_HLEN))
		return -EPROTO;
	if (!q->rx_bufs) {
		if (!netfront_rx_offload_valid(q, rsp))
			return -EPROTO;
		q->rx_first = *rsp;
	}
	q->rx_posted[id] = false;
	q->rx_bufs++;
	if (q->rx_discard || !netif_running(q->info->dev))
		q->rx_discard = true;
	else if (prog && !q->rx_skb)
		netfront_xdp_rx(q, prog, netfront_rx_page(q, id) + off, len,
				more);
	else
		netfront_rx_append(q, netfront_rx_page(q, id) + off, len);
	q->rx_id_free[q->rx_nr_id_free++] = id;
	if (more)
		return 0;
	if (q->rx_discard) {
		atomic64_inc(&q->stats.rx_dropped);
		q->rx_discard = false;
	} else if (q->rx_skb) {
		/* Not consumed by XDP. */
		netfront_rx_deliver(q);
	}
	q->rx_bufs = 0;
	return 1;
}

/* Up to @budget packets; -EPROTO if the backend broke the protocol. */
static int netfront_rx(struct netfront_queue *q, int budget)
{
	struct pvio_ring *r = &q->rings[NETFRONT_RX_RSP];
	struct pvio_netif_rx_response rsp;
	struct bpf_prog *prog;
	int done = 0, ret = 0;

	if (pvio_ring_avail(r) < 0)
		return -EPROTO;
	rcu_read_lock();
	prog = rcu_dereference(q->info->xdp_prog);
	while (done < budget && !pvio_ring_cons_copy(r, &rsp)) {
		ret = netfront_rx_one(q, &rsp, prog);
		if (ret < 0)
			break;
		done += ret;
	}
	rcu_read_unlock();
	netfront_xdp_poll_end(q);
	return ret < 0 ? ret : done;
}

/* ---- the poll ---- */

int netfront_poll(struct napi_struct *napi, int budget)
{
	struct netfront_queue *q = container_of(napi, struct netfront_queue,
						napi);
	u32 seen = q->rings[NETFRONT_TX_RSP].cons_pvt +
		   q->rings[NETFRONT_RX_RSP].cons_pvt;
	int done = 0;
	bool kick, more;

	if (!q->broken && !netfront_tx_complete(q))
		netfront_broken(q, "bad tx response");
	if (!q->broken) {
		done = netfront_rx(q, budget);
		if (done < 0) {
			netfront_broken(q, "bad rx response");
			done = 0;
		}
	}
	if (q->broken) {
		/* The lost work disconnects the queue. */
		napi_complete(napi);
		return 0;
	}
	kick = pvio_ring_cons_release(&q->rings[NETFRONT_TX_RSP]);
	kick |= pvio_ring_cons_release(&q->rings[NETFRONT_RX_RSP]);
	if (kick)
		netfront_notify(q);
	if (netif_running(q->info->dev))
		netfront_rx_refill(q);
	if (done >= budget)
		return budget;
	netfront_coal_sample(q);
	/*
	 * Moderated by ethtool -C or DIM once the poll found work. Armed
	 * while we still own the NAPI (virtio_net's order): a poll run on
	 * another CPU once we complete cannot race our event index writes,
	 * and a doorbell or timer between arming and completing marks the
	 * NAPI missed, so napi_complete_done() refuses and it polls again.
	 */
	seen -= q->rings[NETFRONT_TX_RSP].cons_pvt +
		q->rings[NETFRONT_RX_RSP].cons_pvt;
	more = netfront_coal_rearm(q, seen != 0);
	if (napi_complete_done(napi, done) && more)
		napi_schedule(napi);
	return done;
}

/* Hard or soft interrupt context: only schedule the poll. */
static void netfront_event(struct pvio_evtchn *ch, void *data)
{
	struct netfront_queue *q = data;

	atomic64_inc(&q->stats.irqs);
	trace_netfront_event(q->info->dev, q->qid);
	napi_schedule(&q->napi);
}

/* Run every connected queue's poll: refill after open, after connect. */
void netfront_rings_kick(struct netfront_info *info)
{
	unsigned int i;

	local_bh_disable();
	for (i = 0; i < info->nr_queues; i++)
		if (info->queues[i].napi_on)
			napi_schedule(&info->queues[i].napi);
	local_bh_enable();
}

/* ---- connecting rings to a backend ---- */

/* Bind the first free port of our end. */
static int netfront_bind_port(struct netfront_queue *q)
{
	struct pvio_evtchn *ch;
	unsigned int port;

	for (port = PVIO_PORT_CONTROL + 1; ; port++) {
		ch = pvio_evtchn_bind(q->info->link, PVIO_FRONTEND, port,
				      netfront_event, q);
		if (!IS_ERR(ch))
			break;
		if (PTR_ERR(ch) != -EBUSY)
			return PTR_ERR(ch) == -ERANGE ? -ENOSPC : PTR_ERR(ch);
	}
	q->ch = ch;
	q->port = port;
	return 0;
}

/* Fresh rings, every id free, and the queue's key for the backend. */
static int netfront_queue_connect(struct netfront_queue *q)
{
	struct netfront_info *info = q->info;
	unsigned int order = info->ring_order;
	u32 size = 1U << order, i, page;
	char key[PVIO_STORE_KEY_MAX];
	void *sh;
	int ret;

	for (i = 0, page = q->ring_page; i < NETFRONT_RINGS; i++) {
		sh = pvio_data_page(info->link, page);
		ret = pvio_ring_init_shared(sh, order, netfront_entry_size[i]);
		if (!ret)
			ret = pvio_ring_attach(&q->rings[i], sh, order,
					       netfront_entry_size[i]);
		if (ret)
			return ret;
		page += q->ring_pages[i];
	}
	for (i = 0; i < size; i++) {
		q->tx_shadow[i].nr_pages = 0;
		q->tx_shadow[i].bql_bytes = 0;
		q->tx_shadow[i].sent = false;
		q->tx_id_free[i] = size - 1 - i;
		q->rx_posted[i] = false;
		q->rx_id_free[i] = size - 1 - i;
	}
	q->tx_nr_id_free = size;
	q->rx_nr_id_free = size;
	for (i = 0; i < q->tx_pool_pages; i++)
		q->tx_pool_free[i] = q->tx_pool_pages - 1 - i;
	q->tx_pool_nr_free = q->tx_pool_pages;
	q->rx_bufs = 0;
	q->rx_discard = false;
	q->broken = false;
	/* Bound first: the poll kicks the backend through the channel. */
	ret = netfront_bind_port(q);
	if (ret)
		return ret;
	netfront_coal_queue_start(q);
	napi_enable(&q->napi);
	q->napi_on = true;
	snprintf(key, sizeof(key), "vif%u/q%u", info->pdev->index, q->qid);
	ret = pvio_store_printf(info->link, PVIO_STORE_FRONTEND, key,
				"%d %d %d %d %u", q->ring_gref[NETFRONT_TX_REQ],
				q->ring_gref[NETFRONT_TX_RSP],
				q->ring_gref[NETFRONT_RX_REQ],
				q->ring_gref[NETFRONT_RX_RSP], q->port);
	if (ret)
		return ret;
	spin_lock_bh(&q->tx_lock);
	WRITE_ONCE(q->connected, true);
	spin_unlock_bh(&q->tx_lock);
	return 0;
}

int netfront_rings_connect(struct netfront_info *info)
{
	char key[PVIO_STORE_KEY_MAX];
	unsigned int i;
	int ret;

	for (i = 0; i < info->nr_queues; i++) {
		ret = netfront_queue_connect(&info->queues[i]);
		if (ret) {
			netfront_rings_disconnect(info);
			return ret;
		}
	}
	snprintf(key, sizeof(key), "vif%u/rings", info->pdev->index);
	ret = pvio_store_printf(info->link, PVIO_STORE_FRONTEND, key,
				"%u %u %u", info->nr_queues, info->ring_order,
				info->features);
	if (ret)
		netfront_rings_disconnect(info);
	return ret;
}

/*
 * The backend is gone (or we are): stop using the rings. Packets on them
 * are lost, as on a wire. The caller stopped the device's tx queues
 * (netif_tx_disable()), so no xmit runs.
 */
static void netfront_queue_disconnect(struct netfront_queue *q)
{
	/* Under the lock: XDP's senders check it there (netfront_tx_frame). */
	spin_lock_bh(&q->tx_lock);
	WRITE_ONCE(q->connected, false);
	spin_unlock_bh(&q->tx_lock);
	if (q->napi_on) {
		napi_disable(&q->napi);
		q->napi_on = false;
		netfront_coal_queue_stop(q);
	}
	if (q->ch) {
		pvio_evtchn_unbind(q->ch);
		q->ch = NULL;
	}
	dev_kfree_skb_any(q->rx_skb);
	q->rx_skb = NULL;
	/* What was in flight will never complete: BQL starts over. */
	netdev_tx_reset_queue(netdev_get_tx_queue(q->info->dev, q->qid));
}

void netfront_rings_disconnect(struct netfront_info *info)
{
	unsigned int i;

	if (!info->rings_ready)
		return;
	for (i = 0; i < info->nr_queues; i++)
		netfront_queue_disconnect(&info->queues[i]);
}

/* ---- misbehaving on purpose (debugfs inject) ---- */

/* Spoil a request's offload fields (netfront_inject()). */
static void netfront_inject_gso(struct pvio_netif_tx_request *req, u8 type,
				u16 csum_start, u16 csum_offset, u16 gso_size,
				u16 len)
{
	req->flags = PVIO_NETIF_TXF_CSUM_PARTIAL | PVIO_NETIF_TXF_GSO;
	req->gso_type = type;
	req->csum_start = cpu_to_le16(csum_start);
	req->csum_offset = cpu_to_le16(csum_offset);
	req->gso_size = cpu_to_le16(gso_size);
	req->len = cpu_to_le32(len);
	req->seg[0].len = cpu_to_le16(len);
}

/**
 * netfront_inject() - send queue 0's backend something it must refuse
 * @info: the vif; under the RTNL
 * @what: which protocol violation (netfront_debugfs.c lists them)
 *
 * Return: 0; -ENOTCONN unless connected, -EBUSY without a free tx id or
 * pool page, -EINVAL for an unknown @what.
 */
int netfront_inject(struct netfront_info *info, const char *what)
{
	struct netfront_queue *q = &info->queues[0];
	struct pvio_ring *r = &q->rings[NETFRONT_TX_REQ];
	struct pvio_netif_tx_request req = {};
	struct netfront_tx_shadow *sh;
	void *slot;
	u16 id;
	int ret = 0;

	if (info->conn != NETFRONT_CONNECTED)
		return -ENOTCONN;
	spin_lock_bh(&q->tx_lock);
	if (!strcmp(what, "bad-index")) {
		/* What no honest producer publishes: more than a ring. */
		WRITE_ONCE(r->sh->prod, cpu_to_le32(r->prod_pub + r->size + 1));
		pvio_evtchn_notify(q->ch);
		goto out;
	}
	if (!q->tx_nr_id_free || !q->tx_pool_nr_free) {
		ret = -EBUSY;
		goto out;
	}
	/* A valid 60-byte frame in one segment, then spoiled. */
	id = q->tx_id_free[q->tx_nr_id_free - 1];
	sh = &q->tx_shadow[id];
	req.id = cpu_to_le16(id);
	req.nr_segs = 1;
	req.len = cpu_to_le32(60);
	req.seg[0].gref = cpu_to_le32(q->tx_pool_gref +
				      q->tx_pool_free[q->tx_pool_nr_free - 1]);
	req.seg[0].len = cpu_to_le16(60);
	if (!strcmp(what, "bad-len"))
		req.len = cpu_to_le32(61);
	else if (!strcmp(what, "bad-seg"))
		req.seg[0].offset = cpu_to_le16(PVIO_PAGE_SIZE - 59);
	else if (!strcmp(what, "bad-gref"))
		req.seg[0].gref = cpu_to_le32(U32_MAX);
	else if (!strcmp(what, "bad-flags"))
		req.flags = 0x80;
	else if (!strcmp(what, "no-segs"))
		req.nr_segs = 0;
	else if (!strcmp(what, "bad-gso-csum"))
		/* TCP GSO whose checksum is not the TCP header's. */
		netfront_inject_gso(&req, PVIO_NETIF_GSO_TCPV4, 20, 30, 1, 60);
	else if (!strcmp(what, "bad-udp-gso"))
		/* UDP GSO of more segments than the stack allows. */
		netfront_inject_gso(&req, PVIO_NETIF_GSO_UDP_L4, 34, 6, 1, 200);
	else
		ret = -EINVAL;
	if (ret)
		goto out;
	slot = pvio_ring_prod_slot(r);
	if (!slot) {
		ret = -EBUSY;
		goto out;
	}
	q->tx_nr_id_free--;
	sh->nr_pages = 1;
	sh->bql_bytes = 0;
	sh->pages[0] = q->tx_pool_free[--q->tx_pool_nr_free];
	memcpy(slot, &req, sizeof(req));
	pvio_ring_prod_push(r);
	sh->sent = true;
	netfront_tx_kick(q);
out:
	spin_unlock_bh(&q->tx_lock);
	return ret;
}
