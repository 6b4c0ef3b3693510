// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The data path of a vif's backend. Per queue one NAPI context does
 * everything: it takes the guest's packets off the tx request ring,
 * validates each copy against Documentation/netif.rst, copies the data
 * out of the granted pool into an skb for the stack, and answers; and it
 * copies the packets the stack queued for the guest (netback_start_xmit)
 * into the buffers the guest posted. No other context touches the rings,
 * so none needs a lock.
 *
 * Offloads go through as the frontend negotiated them: its partial
 * checksums and GSO packets become the stack's (CHECKSUM_PARTIAL, GSO
 * marked DODGY so the stack counts the segments itself), and the
 * stack's go to it as flags and GSO fields of the first response.
 *
 * The frontend is not trusted: a packet it could not honestly have sent
 * is dropped, answered ERROR and counted; a frontend that breaks the ring
 * protocol itself (indices, buffer ids, grants of posted buffers) is
 * disconnected. Packets for a guest that posts no buffers wait in a queue
 * of bounded size; beyond it they are dropped and counted, and after a
 * while the carrier goes down (netback_stall.c).
 *
 * What the guest sends is rate-limited (netback_rate.c): out of credit,
 * the poll leaves the rest on the ring for a timer to take.
 */
#include <linux/etherdevice.h>
#include <linux/mm.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/page_pool/helpers.h>

#include "netback.h"
#include "netback_trace.h"

#define NETBACK_TX_REQ_SIZE	sizeof(struct pvio_netif_tx_request)
#define NETBACK_TX_RSP_SIZE	sizeof(struct pvio_netif_tx_response)
#define NETBACK_RX_REQ_SIZE	sizeof(struct pvio_netif_rx_request)
#define NETBACK_RX_RSP_SIZE	sizeof(struct pvio_netif_rx_response)
/* Frames up to this size go into the skb's head; larger ones into pages. */
#define NETBACK_COPYBREAK	2048
/* Of a larger frame, the head gets this much: the headers. */
#define NETBACK_HEAD		256

static_assert(DIV_ROUND_UP(PVIO_NETIF_FRAME_MAX - NETBACK_HEAD, PAGE_SIZE) <=
	      MAX_SKB_FRAGS);

/* The frontend broke the protocol: stop, and have the vif disconnect. */
static void netback_broken(struct netback_queue *q, const char *why)
{
	if (q->broken)
		return;
	WRITE_ONCE(q->broken, true);
	dev_err_ratelimited(&q->vif->pdev->dev,
			    "queue %u: %s, disconnecting the frontend\n",
			    q->qid, why);
	schedule_work(&q->vif->lost_work);
}

/* ---- from the guest ---- */

/**
 * struct netback_cursor - where a copy out of a tx request's segments is
 * @seg: the segment
 * @off: bytes of it copied already
 */
struct netback_cursor {
	u32 seg;
	u32 off;
};

/* Copy the next @len bytes of the request's segments to @dst. */
static int netback_copy_segs(struct netback_queue *q,
			     const struct pvio_netif_tx_request *req,
			     struct netback_cursor *c, void *dst, u32 len)
{
	while (len) {
		const struct pvio_netif_seg *seg = &req->seg[c->seg];
		u32 seg_len = le16_to_cpu(seg->len);
		u32 n = min(len, seg_len - c->off);
		int ret;

		ret = pvio_grant_copy_from(q->vif->link, le32_to_cpu(seg->gref),
					   le16_to_cpu(seg->offset) + c->off,
					   dst, n);
		if (ret)
			return ret;
		dst += n;
		len -= n;
		c->off += n;
		if (c->off == seg_len) {
			c->seg++;
			c->off = 0;
		}
	}
	return 0;
}

/* Offload flags and their fields: only what the frontend negotiated. */
static bool netback_tx_offload_valid(struct netback_queue *q,
				     const struct pvio_netif_tx_request *req)
{
	u32 features = READ_ONCE(q->vif->features), allowed = 0;
	u32 len = le32_to_cpu(req->len), gso_size;
	u16 csum_off = le16_to_cpu(req->csum_offset);

	if (features & PVIO_NETIF_FEAT_CSUM)
		allowed |= PVIO_NETIF_TXF_CSUM_PARTIAL;
	if (features & (PVIO_NETIF_FEAT_GSO_TCPV4 | PVIO_NETIF_FEAT_GSO_TCPV6 |
			PVIO_NETIF_FEAT_GSO_UDP_L4))
		allowed |= PVIO_NETIF_TXF_GSO;
	if (req->flags & ~allowed)
		return false;
	if ((req->flags & PVIO_NETIF_TXF_CSUM_PARTIAL) &&
	    (u32)le16_to_cpu(req->csum_start) +
	    le16_to_cpu(req->csum_offset) + sizeof(__sum16) > len)
		return false;
	if (!(req->flags & PVIO_NETIF_TXF_GSO))
		return true;
	gso_size = le16_to_cpu(req->gso_size);
	if (!(req->flags & PVIO_NETIF_TXF_CSUM_PARTIAL) || !gso_size ||
	    gso_size == GSO_BY_FRAGS ||
	    !pvio_netif_gso_ok(req->gso_type, features))
		return false;
	/*
	 * The checksum the segments get must be the L4 header's, and UDP's
	 * segments as few as the stack allows (as virtio_net_hdr_to_skb()
	 * checks): else a segment's checksum lands on its headers, or one
	 * slot becomes thousands of datagrams.
	 */
	if (req->gso_type == PVIO_NETIF_GSO_UDP_L4)
		return csum_off == offsetof(struct udphdr, check) &&
		       len <= gso_size * UDP_MAX_SEGMENTS;
	return csum_off == offsetof(struct tcphdr, check);
}

/* The slot alone: counts, lengths, offsets, flags. */
static bool netback_tx_valid(struct netback_queue *q,
			     const struct pvio_netif_tx_request *req)
{
	u32 len = le32_to_cpu(req->len), sum = 0, i;

	if (le16_to_cpu(req->id) >= q->tx_req.size ||
	    !req->nr_segs || req->nr_segs > PVIO_NETIF_TX_SEGS_MAX ||
	    len < PVIO_NETIF_FRAME_MIN || len > PVIO_NETIF_FRAME_MAX ||
	    !netback_tx_offload_valid(q, req))
		return false;
	for (i = 0; i < req->nr_segs; i++) {
		u32 off = le16_to_cpu(req->seg[i].offset);
		u32 n = le16_to_cpu(req->seg[i].len);

		if (!n || n > PVIO_PAGE_SIZE || off > PVIO_PAGE_SIZE - n)
			return false;
		sum += n;
	}
	return sum == len;
}

/*
 * With the queue's NAPI, for its life: a poll takes the pages, the stack
 * gives them back when it frees the skbs (at once if in this NAPI's
 * context). Pages still in skbs keep the pool until they come back.
 */
int netback_tx_pool_create(struct netback_queue *q)
{
	struct page_pool_params pp = {
		.order = 0,
		/* A 64 KiB packet per slot of a default ring at most. */
		.pool_size = 256,
		.nid = NUMA_NO_NODE,
		.dev = q->vif->dev->dev.parent,
	};
	struct page_pool *pool;

	pvio_compat_pp_owner(&pp, &q->napi, q->vif->dev);
	pool = page_pool_create(&pp);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	q->tx_pp = pool;
	return 0;
}

void netback_tx_pool_destroy(struct netback_queue *q)
{
	if (q->tx_pp)
		page_pool_destroy(q->tx_pp);
	q->tx_pp = NULL;
}

/* Build the skb of a validated request; NULL if a grant fails or memory. */
static struct sk_buff *netback_tx_skb(struct netback_queue *q,
				      const struct pvio_netif_tx_request *req,
				      bool *bad)
{
	u32 len = le32_to_cpu(req->len);
	u32 head = len <= NETBACK_COPYBREAK ? len : NETBACK_HEAD;
	struct netback_cursor c = {};
	struct sk_buff *skb;
	u32 done, n;

	skb = napi_alloc_skb(&q->napi, head);
	if (!skb)
		return NULL;
	if (netback_copy_segs(q, req, &c, skb_put(skb, head), head))
		goto bad;
	skb_mark_for_recycle(skb);
	for (done = head; done < len; done += n) {
		struct page *page = page_pool_dev_alloc_pages(q->tx_pp);

		if (!page)
			goto free;
		n = min_t(u32, len - done, PAGE_SIZE);
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, n,
				PAGE_SIZE);
		if (netback_copy_segs(q, req, &c, page_address(page), n))
			goto bad;
	}
	if (req->flags & PVIO_NETIF_TXF_CSUM_PARTIAL) {
		u16 start = le16_to_cpu(req->csum_start);
		u16 off = le16_to_cpu(req->csum_offset);

		/* The checksum's place must lie in the head (no log line). */
		if ((u32)start + off + sizeof(__sum16) > skb_headlen(skb) ||
		    !skb_partial_csum_set(skb, start, off))
			goto bad;
	}
	if (req->flags & PVIO_NETIF_TXF_GSO) {
		struct skb_shared_info *sh = skb_shinfo(skb);

		sh->gso_size = le16_to_cpu(req->gso_size);
		sh->gso_type = pvio_netif_skb_gso(req->gso_type);
		/* Counted by the stack: the guest's word is not taken. */
		sh->gso_segs = 0;
	}
	return skb;
bad:
	*bad = true;
free:
	kfree_skb(skb);
	return NULL;
}

static void netback_tx_respond(struct netback_queue *q, u16 id, u16 status)
{
	struct pvio_netif_tx_response *rsp;

	/* Answered at once: an honest frontend always left room. */
	rsp = pvio_ring_prod_slot(&q->tx_rsp);
	if (!rsp) {
		netback_broken(q, "no room on the tx response ring");
		return;
	}
	rsp->id = cpu_to_le16(id);
	rsp->status = cpu_to_le16(status);
	pvio_ring_prod_push(&q->tx_rsp);
}

/* One request, copied out of the ring: answer it, pass its packet on. */
static void netback_tx_one(struct netback_queue *q,
			   const struct pvio_netif_tx_request *req)
{
	struct net_device *dev = q->vif->dev;
	enum netback_drop_reason why = NETBACK_DROP_DOWN;
	u16 status = PVIO_NETIF_RSP_OK;
	struct sk_buff *skb = NULL;
	bool bad = false;

	if (!netback_tx_valid(q, req)) {
		bad = true;
	} else if (!netif_running(dev)) {
		status = PVIO_NETIF_RSP_DROPPED;
		atomic64_inc(&q->stats.rx_dropped);
	} else {
		skb = netback_tx_skb(q, req, &bad);
		if (!skb && !bad) {
			status = PVIO_NETIF_RSP_DROPPED;
			why = NETBACK_DROP_NOMEM;
			atomic64_inc(&q->stats.rx_dropped);
		}
	}
	if (bad) {
		status = PVIO_NETIF_RSP_ERROR;
		why = NETBACK_DROP_INVALID;
		atomic64_inc(&q->stats.rx_errors);
		netdev_dbg(dev, "queue %u: invalid tx request dropped\n",
			   q->qid);
	}
	trace_netback_tx_request(dev, q->qid, le16_to_cpu(req->id),
				 le32_to_cpu(req->len), req->nr_segs,
				 req->flags, status);
	if (status != PVIO_NETIF_RSP_OK)
		trace_netback_drop(dev, q->qid, le32_to_cpu(req->len), why);
	netback_tx_respond(q, le16_to_cpu(req->id), status);
	if (!skb)
		return;
	atomic64_inc(&q->stats.rx_packets);
	atomic64_add(skb->len, &q->stats.rx_bytes);
	skb->protocol = eth_type_trans(skb, dev);
	skb_record_rx_queue(skb, q->qid);
	if (skb_is_gso(skb)) {
		atomic64_inc(&q->stats.rx_gso);
		netif_receive_skb(skb);
	} else {
		napi_gro_receive(&q->napi, skb);
	}
}

/* Take up to @budget of the guest's packets. */
static int netback_tx(struct netback_queue *q, int budget)
{
	struct pvio_netif_tx_request req;
	int done = 0, avail;

	q->throttled = false;
	while (done < budget && !q->broken) {
		avail = pvio_ring_avail(&q->tx_req);
		if (avail < 0) {
			netback_broken(q, "bad tx request ring indices");
			break;
		}
		if (!avail)
			break;
		while (done < budget && !q->broken && netback_rate_credit(q) &&
		       !pvio_ring_cons_copy(&q->tx_req, &req)) {
			netback_tx_one(q, &req);
			/* At most a frame, whatever it claims. */
			netback_rate_charge(q, min_t(u32, le32_to_cpu(req.len),
						     PVIO_NETIF_FRAME_MAX));
			done++;
		}
		if (q->throttled)
			break;
	}
	return done;
}

/* ---- to the guest ---- */

/*
 * Take posted buffers off the ring into the stash until it holds @need
 * of them. Return: true if it does; false to wait for the guest's next
 * post (notification armed) or if the ring broke.
 */
static bool netback_rx_stash(struct netback_queue *q, u32 need)
{
	struct pvio_netif_rx_request *req;
	int avail;

	while (q->nr_stash < need) {
		avail = pvio_ring_avail(&q->rx_req);
		if (avail < 0) {
			netback_broken(q, "bad rx request ring indices");
			return false;
		}
		if (!avail) {
			if (pvio_ring_cons_enable_notify(&q->rx_req))
				continue;
			return false;
		}
		req = &q->stash[q->nr_stash];
		if (pvio_ring_cons_copy(&q->rx_req, req))
			return false;
		if (le16_to_cpu(req->id) >= q->rx_rsp.size ||
		    IS_ERR(pvio_grant_map(q->vif->link, le32_to_cpu(req->gref),
					  PVIO_GRANT_WRITE))) {
			netback_broken(q, "bad rx buffer posted");
			return false;
		}
		q->nr_stash++;
	}
	return true;
}

/* The offload fields of a packet's first response. */
static void netback_rx_offload(struct netback_queue *q, struct sk_buff *skb,
			       struct pvio_netif_rx_response *rsp)
{
	struct skb_shared_info *sh = skb_shinfo(skb);

	if (skb->ip_summed == CHECKSUM_PARTIAL)
		rsp->flags |= PVIO_NETIF_RXF_CSUM_PARTIAL;
	else if (skb->ip_summed == CHECKSUM_UNNECESSARY &&
		 (READ_ONCE(q->vif->features) & PVIO_NETIF_FEAT_CSUM))
		rsp->flags |= PVIO_NETIF_RXF_CSUM_VALID;
	if (!skb_is_gso(skb))
		return;
	/* netback_rx_prepare() made sure it is a type the guest takes. */
	rsp->gso_type = pvio_netif_gso_type(skb, READ_ONCE(q->vif->features));
	rsp->gso_size = cpu_to_le16(sh->gso_size);
}

/*
 * Make a packet fit what the frontend took: a checksum it did not take
 * is filled in here. Return: false to drop it (GSO it did not take: the
 * vif's features keep the stack from sending such, but for a packet
 * queued before it reconnected).
 */
static bool netback_rx_prepare(struct netback_queue *q, struct sk_buff *skb)
{
	u32 features = READ_ONCE(q->vif->features);

	if (skb_is_gso(skb) &&
	    pvio_netif_gso_type(skb, features) == PVIO_NETIF_GSO_NONE)
		return false;
	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    !(features & PVIO_NETIF_FEAT_CSUM) && skb_checksum_help(skb))
		return false;
	return true;
}

/* Copy @skb into the first buffers of the stash and answer them. */
static bool netback_rx_fill(struct netback_queue *q, struct sk_buff *skb,
			    u32 need)
{
	struct pvio_netif_rx_response *rsp;
	u32 i, done = 0, n;
	void *buf;

	for (i = 0; i < need; i++) {
		const struct pvio_netif_rx_request *req = &q->stash[i];

		n = min_t(u32, skb->len - done, PVIO_PAGE_SIZE);
		/* Resolved again: the guest may have revoked it since. */
		buf = pvio_grant_map(q->vif->link, le32_to_cpu(req->gref),
				     PVIO_GRANT_WRITE);
		rsp = pvio_ring_prod_slot(&q->rx_rsp);
		if (IS_ERR(buf) || !rsp) {
			netback_broken(q, IS_ERR(buf) ? "rx buffer revoked" :
				       "no room on the rx response ring");
			return false;
		}
		/* Cannot fail: the range lies inside the skb. */
		pvio_copy_from_skb(skb, done, buf, n);
		rsp->id = req->id;
		rsp->len = cpu_to_le16(n);
		if (i + 1 < need)
			rsp->flags = PVIO_NETIF_RXF_MORE;
		if (!i)
			netback_rx_offload(q, skb, rsp);
		pvio_ring_prod_push(&q->rx_rsp);
		done += n;
	}
	q->nr_stash -= need;
	memmove(q->stash, q->stash + need, q->nr_stash * sizeof(*q->stash));
	return true;
}

/* Move up to @budget queued packets into the guest's buffers. */
static int netback_rx(struct netback_queue *q, int budget)
{
	struct sk_buff *skb;
	int done = 0;
	u32 need;

	while (done < budget && !q->broken) {
		/* Only we dequeue: the skb stays while we look at it. */
		spin_lock_bh(&q->rx_queue.lock);
		skb = skb_peek(&q->rx_queue);
		spin_unlock_bh(&q->rx_queue.lock);
		if (!skb)
			break;
		need = DIV_ROUND_UP(skb->len, PVIO_PAGE_SIZE);
		if (!netback_rx_stash(q, need)) {
			if (!q->broken)
				netback_stall_starved(q);
			break;
		}
		netback_stall_fed(q);
		spin_lock_bh(&q->rx_queue.lock);
		__skb_unlink(skb, &q->rx_queue);
		q->rx_queue_bytes -= skb->truesize;
		spin_unlock_bh(&q->rx_queue.lock);
		if (!netback_rx_prepare(q, skb)) {
			trace_netback_drop(q->vif->dev, q->qid, skb->len,
					   NETBACK_DROP_OFFLOAD);
			atomic64_inc(&q->stats.tx_dropped);
			dev_kfree_skb_any(skb);
			continue;
		}
		if (skb_is_gso(skb))
			atomic64_inc(&q->stats.tx_gso);
		if (!netback_rx_fill(q, skb, need)) {
			trace_netback_drop(q->vif->dev, q->qid, skb->len,
					   NETBACK_DROP_BROKEN);
			dev_kfree_skb_any(skb);
			break;
		}
		trace_netback_rx_copy(q->vif->dev, q->qid, skb->len, need,
				      skb_is_gso(skb) ?
				      skb_shinfo(skb)->gso_size : 0);
		atomic64_inc(&q->stats.tx_packets);
		atomic64_add(skb->len, &q->stats.tx_bytes);
		napi_consume_skb(skb, budget);
		done++;
	}
	return done;
}

/* ---- the poll ---- */

/* Break the protocol once, as debugfs inject asked (netback_debugfs.c). */
static void netback_inject(struct netback_queue *q, int what)
{
	struct pvio_netif_tx_response *tx;
	struct pvio_netif_rx_response *rx;
	struct pvio_ring *r = &q->rx_rsp;

	switch (what) {
	case NETBACK_INJECT_TX_ID:
		tx = pvio_ring_prod_slot(&q->tx_rsp);
		if (!tx)
			return;
		tx->id = cpu_to_le16(U16_MAX);
		pvio_ring_prod_push(&q->tx_rsp);
		break;
	case NETBACK_INJECT_RX_ID:
	case NETBACK_INJECT_RX_LEN:
		if (what == NETBACK_INJECT_RX_LEN && !netback_rx_stash(q, 1))
			return;
		rx = pvio_ring_prod_slot(r);
		if (!rx)
			return;
		if (what == NETBACK_INJECT_RX_ID) {
			rx->id = cpu_to_le16(U16_MAX);
			rx->len = cpu_to_le16(60);
		} else {
			/* A buffer the guest posted, answered empty. */
			rx->id = q->stash[0].id;
			q->nr_stash--;
			memmove(q->stash, q->stash + 1,
				q->nr_stash * sizeof(*q->stash));
		}
		pvio_ring_prod_push(r);
		break;
	case NETBACK_INJECT_INDEX:
		/* What no honest producer publishes: more than a ring. */
		WRITE_ONCE(r->sh->prod, cpu_to_le32(r->prod_pub + r->size + 1));
		pvio_evtchn_notify(q->ch);
		break;
	}
}

static void netback_publish(struct netback_queue *q)
{
	bool kick;

	if (q->broken)
		return;
	kick = pvio_ring_cons_release(&q->tx_req);
	kick |= pvio_ring_publish(&q->tx_rsp);
	kick |= pvio_ring_cons_release(&q->rx_req);
	kick |= pvio_ring_publish(&q->rx_rsp);
	if (kick) {
		trace_netback_notify(q->vif->dev, q->qid);
		pvio_evtchn_notify(q->ch);
	}
}

int netback_poll(struct napi_struct *napi, int budget)
{
	struct netback_queue *q = container_of(napi, struct netback_queue,
					       napi);
	int tx, rx, inject;

	if (q->broken) {
		/* The vif's lost_work disconnects it. */
		napi_complete(napi);
		return 0;
	}
	inject = xchg(&q->inject, NETBACK_INJECT_NONE);
	if (inject)
		netback_inject(q, inject);
	tx = netback_tx(q, budget);
	rx = netback_rx(q, budget);
	netback_publish(q);
	if (!q->broken && (tx >= budget || rx >= budget))
		return budget;
	/*
	 * Re-arm the tx request ring, unless the rate limit's timer polls
	 * again: meanwhile the guest's requests wait, unannounced, on the
	 * ring. netback_rx() armed the rx request ring if it waits for
	 * buffers, and xmit schedules us for packets.
	 */
	if (napi_complete_done(napi, tx) && !q->broken && !q->throttled &&
	    pvio_ring_cons_enable_notify(&q->tx_req))
		napi_schedule(napi);
	return min(tx, budget - 1);
}

/* Hard or soft interrupt context: only schedule the poll. */
static void netback_event(struct pvio_evtchn *ch, void *data)
{
	struct netback_queue *q = data;

	trace_netback_event(q->vif->dev, q->qid);
	napi_schedule(&q->napi);
}

netdev_tx_t netback_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct netback_vif *vif = netdev_priv(dev);
	u16 qid = skb_get_queue_mapping(skb);
	struct netback_queue *q;
	bool queued = false;

	if (qid >= vif->max_queues)
		qid = 0;
	q = &vif->queues[qid];
	if (READ_ONCE(q->connected) && skb->len <= PVIO_NETIF_FRAME_MAX) {
		spin_lock(&q->rx_queue.lock);
		/*
		 * What the packet costs, not what it carries: a small frame
		 * still holds a whole buffer. An empty queue takes any
		 * packet: a GRO'd frame's truesize may be over the limit.
		 */
		if (skb_queue_empty(&q->rx_queue) ||
		    (u64)q->rx_queue_bytes + skb->truesize <=
		    netback_rx_queue_bytes) {
			__skb_queue_tail(&q->rx_queue, skb);
			q->rx_queue_bytes += skb->truesize;
			queued = true;
		}
		spin_unlock(&q->rx_queue.lock);
	}
	if (!queued) {
		trace_netback_drop(dev, qid, skb->len, NETBACK_DROP_QUEUE);
		atomic64_inc(&q->stats.tx_dropped);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	napi_schedule(&q->napi);
	return NETDEV_TX_OK;
}

/* ---- connecting ---- */

/* Map one ring of @entry_size slots at @gref and attach to it. */
static int netback_map_ring(struct netback_vif *vif, struct pvio_ring *r,
			    u32 gref, u32 entry_size)
{
	u32 pages = DIV_ROUND_UP(PVIO_RING_BYTES(vif->ring_order, entry_size),
				 PVIO_PAGE_SIZE);
	void *sh;

	sh = pvio_grant_map_range(vif->link, gref, pages,
				  PVIO_GRANT_READ | PVIO_GRANT_WRITE);
	if (IS_ERR(sh))
		return PTR_ERR(sh);
	return pvio_ring_attach(r, sh, vif->ring_order, entry_size);
}

static int netback_queue_connect(struct netback_queue *q)
{
	struct netback_vif *vif = q->vif;
	char key[PVIO_STORE_KEY_MAX], buf[PVIO_STORE_VALUE_MAX];
	u32 txq, txs, rxq, rxs, port;
	struct pvio_evtchn *ch;
	int ret;

	snprintf(key, sizeof(key), "vif%u/q%u", vif->pdev->index, q->qid);
	ret = pvio_store_read(vif->link, PVIO_STORE_FRONTEND, key, buf,
			      sizeof(buf));
	if (ret)
		return ret;
	if (sscanf(buf, "%u %u %u %u %u", &txq, &txs, &rxq, &rxs,
		   &port) != 5 || port == PVIO_PORT_CONTROL)
		return -EPROTO;
	ret = netback_map_ring(vif, &q->tx_req, txq, NETBACK_TX_REQ_SIZE);
	if (!ret)
		ret = netback_map_ring(vif, &q->tx_rsp, txs,
				       NETBACK_TX_RSP_SIZE);
	if (!ret)
		ret = netback_map_ring(vif, &q->rx_req, rxq,
				       NETBACK_RX_REQ_SIZE);
	if (!ret)
		ret = netback_map_ring(vif, &q->rx_rsp, rxs,
				       NETBACK_RX_RSP_SIZE);
	if (ret)
		return ret;
	q->broken = false;
	q->nr_stash = 0;
	/* Bound first: the poll kicks the frontend through the channel. */
	ch = pvio_evtchn_bind(vif->link, PVIO_BACKEND, port, netback_event, q);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	q->ch = ch;
	napi_enable(&q->napi);
	q->napi_on = true;
	WRITE_ONCE(q->connected, true);
	return 0;
}

static void netback_queue_disconnect(struct netback_queue *q)
{
	WRITE_ONCE(q->connected, false);
	if (q->napi_on) {
		/* When it returns the poll is not running, and won't. */
		napi_disable(&q->napi);
		q->napi_on = false;
	}
	/* Their callbacks only schedule the (disabled) poll. */
	hrtimer_cancel(&q->rate_timer);
	netback_stall_stop(q);
	if (q->ch) {
		pvio_evtchn_unbind(q->ch);
		q->ch = NULL;
	}
	/* No xmit still sees @connected: nothing is queued after this. */
	synchronize_net();
	spin_lock_bh(&q->rx_queue.lock);
	atomic64_add(skb_queue_len(&q->rx_queue), &q->stats.tx_dropped);
	__skb_queue_purge(&q->rx_queue);
	q->rx_queue_bytes = 0;
	spin_unlock_bh(&q->rx_queue.lock);
	q->nr_stash = 0;
}

/**
 * netback_queues_connect() - map the frontend's rings and serve them
 * @vif: the vif, not connected; under @vif->lock
 * @nr: queues, validated by the caller
 * @order: log2 of each ring's slots, validated by the caller
 * @features: PVIO_NETIF_FEAT_* the frontend uses, validated by the caller
 *
 * Return: 0, or a negative errno with nothing left connected.
 */
int netback_queues_connect(struct netback_vif *vif, unsigned int nr,
			   unsigned int order, u32 features)
{
	unsigned int i;
	int ret;

	vif->ring_order = order;
	vif->nr_queues = nr;
	rtnl_lock();
	ret = netif_set_real_num_tx_queues(vif->dev, nr);
	if (!ret)
		ret = netif_set_real_num_rx_queues(vif->dev, nr);
	if (!ret) {
		/* Offloads as the frontend takes them (fix_features). */
		WRITE_ONCE(vif->features, features);
		netdev_update_features(vif->dev);
	}
	rtnl_unlock();
	if (ret)
		return ret;
	for (i = 0; i < nr; i++) {
		ret = netback_queue_connect(&vif->queues[i]);
		if (ret) {
			netback_queues_disconnect(vif);
			return ret;
		}
	}
	/* Packets sent before the ports were bound rang nobody. */
	for (i = 0; i < nr; i++) {
		local_bh_disable();
		napi_schedule(&vif->queues[i].napi);
		local_bh_enable();
	}
	return 0;
}

/**
 * netback_queues_disconnect() - stop serving the rings
 * @vif: the vif; under @vif->lock
 *
 * Packets queued for the guest are dropped and counted.
 */
void netback_queues_disconnect(struct netback_vif *vif)
{
	unsigned int i;

	for (i = 0; i < vif->nr_queues; i++)
		netback_queue_disconnect(&vif->queues[i]);
	vif->nr_queues = 0;
	rtnl_lock();
	WRITE_ONCE(vif->features, 0);
	netdev_update_features(vif->dev);
	rtnl_unlock();
}
