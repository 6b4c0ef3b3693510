// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Receive memory and XDP for pvio_netfront.
 *
 * Each rx queue has a page pool: received data is copied out of the
 * granted rx pool (which may have no struct pages: "The link and its
 * region" in Documentation/architecture.rst) into
 * its pages, XDP's headroom first, and skbs are built around them.
 *
 * XDP runs from the NAPI poll only, on packets that arrive in one buffer
 * and fit one page with the headroom and an skb_shared_info (single
 * buffer: no multi-buffer programs); bigger ones are dropped and counted
 * as rx_dropped while a program is attached. The MTU is held to that
 * limit while one is. XDP_TX and ndo_xdp_xmit copy the frame onto the tx
 * ring of a queue (XDP_TX: the queue it came in on) under the queue's
 * tx_lock, the lock the stack's xmit takes too; the copy means the frame
 * is given back at once. They are not counted by BQL.
 *
 * While a program is attached the frontend takes no offloads from the
 * backend: a packet with only a partial checksum or a GSO packet is not
 * one a program can pass on as it is. Attaching the first program or
 * detaching the last therefore sets the vif up again with the backend
 * (the carrier goes off and on, as for ethtool -L).
 */
#include <linux/bpf_trace.h>
#include <linux/filter.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/page_pool/helpers.h>

#include "netfront.h"

/* ---- the page pool and XDP's rx queue, with the queue's rings ---- */

/* Under the RTNL, with the queue's NAPI disabled. */
int netfront_rxq_init(struct netfront_queue *q)
{
	struct page_pool_params pp = {
		.order = 0,
		/* One page in flight per rx ring slot recycles at best. */
		.pool_size = 1U << q->info->ring_order,
		.nid = NUMA_NO_NODE,
		.dev = q->info->dev->dev.parent,
	};
	struct page_pool *pool;
	int ret;

	pvio_compat_pp_owner(&pp, &q->napi, q->info->dev);
	pool = page_pool_create(&pp);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	ret = xdp_rxq_info_reg(&q->xdp_rxq, q->info->dev, q->qid,
			       q->napi.napi_id);
	if (ret)
		goto err_pool;
	ret = xdp_rxq_info_reg_mem_model(&q->xdp_rxq, MEM_TYPE_PAGE_POOL,
					 pool);
	if (ret)
		goto err_rxq;
	q->rx_pp = pool;
	return 0;

err_rxq:
	xdp_rxq_info_unreg(&q->xdp_rxq);
err_pool:
	page_pool_destroy(pool);
	return ret;
}

/*
 * Pages still in skbs or redirected frames go back to the pool later;
 * it lives until the last one does.
 */
void netfront_rxq_exit(struct netfront_queue *q)
{
	if (!q->rx_pp)
		return;
	xdp_rxq_info_unreg(&q->xdp_rxq);
	page_pool_destroy(q->rx_pp);
	q->rx_pp = NULL;
}

/* ---- running the program ---- */

/* XDP_TX: back out on the tx ring of the same queue pair. */
static bool netfront_xdp_tx(struct netfront_queue *q, struct xdp_buff *xdp)
{
	bool ok;

	spin_lock(&q->tx_lock);
	ok = netfront_tx_frame(q, xdp->data, xdp->data_end - xdp->data);
	spin_unlock(&q->tx_lock);
	if (ok)
		q->xdp_tx_kick = true;
	return ok;
}

/* Run the program on a copy of @src in a pool page; act on its verdict. */
static void netfront_xdp_run(struct netfront_queue *q, struct bpf_prog *prog,
			     struct page *page, u32 len)
{
	struct net_device *dev = q->info->dev;
	void *hard = page_address(page);
	struct xdp_buff xdp;
	u32 act;

	xdp_init_buff(&xdp, PAGE_SIZE, &q->xdp_rxq);
	xdp_prepare_buff(&xdp, hard, NETFRONT_RX_HEADROOM, len, false);
	act = bpf_prog_run_xdp(prog, &xdp);
	switch (act) {
	case XDP_PASS:
		atomic64_inc(&q->stats.xdp_pass);
		/* The program may have moved the start and the end. */
		q->rx_skb = netfront_rx_build(q, page, xdp.data - hard,
					      xdp.data_end - xdp.data);
		if (!q->rx_skb)
			q->rx_discard = true;
		return;
	case XDP_TX:
		if (!netfront_xdp_tx(q, &xdp))
			break;
		atomic64_inc(&q->stats.xdp_tx);
		/* Copied onto the ring: the page is free again. */
		page_pool_put_full_page(q->rx_pp, page, true);
		return;
	case XDP_REDIRECT:
		if (xdp_do_redirect(dev, &xdp, prog))
			break;
		atomic64_inc(&q->stats.xdp_redirect);
		q->xdp_flush = true;
		return;
	default:
		bpf_warn_invalid_xdp_action(dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
	case XDP_DROP:
		break;
	}
	if (act != XDP_DROP)
		trace_xdp_exception(dev, prog, act);
	atomic64_inc(&q->stats.xdp_drop);
	page_pool_put_full_page(q->rx_pp, page, true);
}

/**
 * netfront_xdp_rx() - a packet's first buffer, a program attached
 * @q: the queue, in its NAPI poll
 * @prog: the program
 * @src: the buffer in the rx pool
 * @len: its length
 * @more: more buffers follow
 *
 * On XDP_PASS the packet goes on as q->rx_skb; a packet the program
 * cannot see (more than one buffer or page, shorter than an Ethernet
 * header) or must not (a partial checksum or GSO, from a backend that
 * had not yet taken its offloads back when the program came) is
 * discarded.
 */
void netfront_xdp_rx(struct netfront_queue *q, struct bpf_prog *prog,
		     const void *src, u32 len, bool more)
{
	const struct pvio_netif_rx_response *first = &q->rx_first;
	struct page *page;

	if (more || len < PVIO_NETIF_FRAME_MIN || len > NETFRONT_RX_HEAD_MAX ||
	    (first->flags & PVIO_NETIF_RXF_CSUM_PARTIAL) ||
	    first->gso_type != PVIO_NETIF_GSO_NONE) {
		q->rx_discard = true;
		return;
	}
	page = page_pool_dev_alloc_pages(q->rx_pp);
	if (!page) {
		atomic64_inc(&q->stats.rx_alloc_fail);
		q->rx_discard = true;
		return;
	}
	pvio_copy(page_address(page) + NETFRONT_RX_HEADROOM, src, len);
	netfront_xdp_run(q, prog, page, len);
}

/* End of a poll's receiving: send what XDP_TX and XDP_REDIRECT queued. */
void netfront_xdp_poll_end(struct netfront_queue *q)
{
	if (q->xdp_tx_kick) {
		q->xdp_tx_kick = false;
		spin_lock(&q->tx_lock);
		netfront_tx_kick(q);
		spin_unlock(&q->tx_lock);
	}
	if (q->xdp_flush) {
		q->xdp_flush = false;
		xdp_do_flush();
	}
}

/* ---- frames redirected to us ---- */

/**
 * netfront_xdp_xmit() - ndo_xdp_xmit: send frames XDP redirected here
 * @dev: pvethN
 * @n: frames
 * @frames: them
 * @flags: XDP_XMIT_*
 *
 * On the queue of this CPU, copied; the frames sent are returned to
 * their owners here, the others stay the caller's.
 *
 * Return: frames sent, or a negative errno.
 */
int netfront_xdp_xmit(struct net_device *dev, int n,
		      struct xdp_frame **frames, u32 flags)
{
	struct netfront_info *info = netdev_priv(dev);
	unsigned int nq = READ_ONCE(info->nr_queues);
	struct netfront_queue *q;
	int i;

	if (flags & ~XDP_XMIT_FLAGS_MASK)
		return -EINVAL;
	if (!nq)
		return -ENXIO;
	q = &info->queues[smp_processor_id() % nq];
	spin_lock_bh(&q->tx_lock);
	for (i = 0; i < n; i++)
		if (xdp_frame_has_frags(frames[i]) ||
		    !netfront_tx_frame(q, frames[i]->data, frames[i]->len))
			break;
	if (i)
		netfront_tx_kick(q);
	spin_unlock_bh(&q->tx_lock);
	atomic64_add(i, &q->stats.xdp_xmit);
	atomic64_add(n - i, &q->stats.xdp_xmit_err);
	for (n = 0; n < i; n++)
		xdp_return_frame(frames[n]);
	return i;
}

/* ---- attaching ---- */

/* ndo_change_mtu: within the single buffer a program sees, if one is. */
int netfront_change_mtu(struct net_device *dev, int mtu)
{
	struct netfront_info *info = netdev_priv(dev);

	if (mtu > NETFRONT_XDP_MTU_MAX && rtnl_dereference(info->xdp_prog)) {
		if (net_ratelimit())
			netdev_warn(dev, "MTU %d refused: above %u, the single-buffer limit of the XDP program attached\n",
				    mtu, NETFRONT_XDP_MTU_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(dev->mtu, mtu);
	return 0;
}

static int netfront_xdp_set(struct net_device *dev, struct bpf_prog *prog,
			    struct netlink_ext_ack *extack)
{
	struct netfront_info *info = netdev_priv(dev);
	struct bpf_prog *old;

	if (prog && dev->mtu > NETFRONT_XDP_MTU_MAX) {
		pvio_compat_extack_fmt(extack,
				       "MTU above the single-buffer limit of XDP",
				       "MTU %u above the single-buffer limit of XDP, %u",
				       dev->mtu, NETFRONT_XDP_MTU_MAX);
		return -EINVAL;
	}
	old = rcu_replace_pointer(info->xdp_prog, prog, lockdep_rtnl_is_held());
	if (old)
		bpf_prog_put(old);
	/* Offloads off with a program, on without: a new setup. */
	if (!old != !prog && !info->removing)
		return netfront_reconfigure(info);
	return 0;
}

/* ndo_bpf. Under the RTNL. */
int netfront_xdp(struct net_device *dev, struct netdev_bpf *bpf)
{
	switch (bpf->command) {
	case XDP_SETUP_PROG:
		return netfront_xdp_set(dev, bpf->prog, bpf->extack);
	default:
		return -EINVAL;
	}
}
