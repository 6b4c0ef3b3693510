// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The data path of pvio_blkfront: per queue a request ring and a response
 * ring, a pool of pages granted once, and a shadow of every request sent.
 *
 * A request's data is copied between the bio and pool pages: the region
 * may have no struct pages (Documentation/architecture.rst, "The link
 * and its region") and no grant is made per
 * request. Request ids are shadow indexes, not blk-mq tags, so after the
 * backend is lost every shadowed request can be handed back to blk-mq and
 * sent again, its write data copied again from the bio, to whichever
 * backend comes next (Documentation/blkif.rst, "Losing the other end").
 */
#include <linux/blk-mq.h>
#include <linux/highmem.h>
#include <linux/slab.h>

#include "blkfront.h"

#define BLKFRONT_REQ_SIZE	sizeof(struct pvio_blkif_request)
#define BLKFRONT_RSP_SIZE	sizeof(struct pvio_blkif_response)

static u32 blkfront_ring_pages(unsigned int order, u32 entry_size)
{
	return DIV_ROUND_UP(PVIO_RING_BYTES(order, entry_size), PVIO_PAGE_SIZE);
}

/* Indirect pages a request with @nr_data data pages needs. */
static u32 blkfront_nr_indirect(u32 nr_data)
{
	if (nr_data <= PVIO_BLKIF_SEGS_DIRECT)
		return 0;
	return DIV_ROUND_UP(nr_data, PVIO_BLKIF_SEGS_PER_INDIRECT);
}

/*
 * Pool pages a request with @nr_data data pages needs when it goes in
 * parts of at most @segs data pages, each with its own indirect pages.
 */
u32 blkfront_rq_pages(u32 nr_data, u32 segs)
{
	return nr_data + nr_data / segs * blkfront_nr_indirect(segs) +
	       blkfront_nr_indirect(nr_data % segs);
}

static void *blkfront_pool_addr(struct blkfront_ring *ring, u32 idx)
{
	return pvio_data_page(ring->info->link, ring->pool_page + idx);
}

/* ---- setting rings up and down ---- */

/* The pages and grants of a ring and its pool go back to the link. */
static void blkfront_ring_release(struct blkfront_ring *ring)
{
	struct pvio_link *link = ring->info->link;

	if (ring->pool_gref >= 0)
		pvio_grant_revoke_range(link, ring->pool_gref, ring->pool_pages);
	if (ring->pool_pages)
		pvio_data_free(link, ring->pool_page, ring->pool_pages);
	if (ring->req_gref >= 0)
		pvio_grant_revoke_range(link, ring->req_gref, ring->req_pages);
	if (ring->rsp_gref >= 0)
		pvio_grant_revoke_range(link, ring->rsp_gref, ring->rsp_pages);
	if (ring->req_pages)
		pvio_data_free(link, ring->ring_page,
			       ring->req_pages + ring->rsp_pages);
}

static void blkfront_ring_free(struct blkfront_ring *ring)
{
	u32 i;

	/* Else leaked: a backend that never let go may still use them. */
	if (!ring->info->leak_pages)
		blkfront_ring_release(ring);
	if (ring->shadow)
		for (i = 0; i < ring->nr_shadows; i++)
			kfree(ring->shadow[i].pages);
	kfree(ring->shadow);
	kfree(ring->shadow_free);
	kfree(ring->done);
	kfree(ring->pool_free);
}

/* Reserve and grant @nr data pages; returns the first gref. */
static int blkfront_grant_new(struct pvio_link *link, u32 nr, u32 *page)
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

static int blkfront_ring_alloc(struct blkfront_info *info,
			       struct blkfront_ring *ring, u32 pool_pages)
{
	u32 size = 1U << info->ring_order;
	u32 per_rq = info->max_pages + blkfront_nr_indirect(info->max_pages);
	u32 i;

	ring->req.size = size;
	ring->nr_shadows = size;
	ring->shadow = kcalloc(size, sizeof(*ring->shadow), GFP_KERNEL);
	ring->shadow_free = kcalloc(size, sizeof(u32), GFP_KERNEL);
	ring->done = kcalloc(size, sizeof(u32), GFP_KERNEL);
	ring->pool_free = kcalloc(pool_pages, sizeof(u32), GFP_KERNEL);
	if (!ring->shadow || !ring->shadow_free || !ring->done ||
	    !ring->pool_free)
		return -ENOMEM;
	for (i = 0; i < size; i++) {
		ring->shadow[i].pages = kcalloc(per_rq, sizeof(u32),
						GFP_KERNEL);
		if (!ring->shadow[i].pages)
			return -ENOMEM;
		ring->shadow_free[i] = size - 1 - i;
	}
	ring->shadow_nr_free = size;

	ring->req_pages = blkfront_ring_pages(info->ring_order,
					      BLKFRONT_REQ_SIZE);
	ring->rsp_pages = blkfront_ring_pages(info->ring_order,
					      BLKFRONT_RSP_SIZE);
	i = pvio_data_alloc(info->link, ring->req_pages + ring->rsp_pages);
	if ((int)i < 0) {
		ring->req_pages = 0;
		return i;
	}
	ring->ring_page = i;
	ring->req_gref = pvio_grant_access_range(info->link, ring->ring_page,
						 ring->req_pages, false);
	if (ring->req_gref < 0)
		return ring->req_gref;
	ring->rsp_gref = pvio_grant_access_range(info->link,
						 ring->ring_page + ring->req_pages,
						 ring->rsp_pages, false);
	if (ring->rsp_gref < 0)
		return ring->rsp_gref;

	ring->pool_gref = blkfront_grant_new(info->link, pool_pages,
					     &ring->pool_page);
	if (ring->pool_gref < 0)
		return ring->pool_gref;
	ring->pool_pages = pool_pages;
	for (i = 0; i < pool_pages; i++)
		ring->pool_free[i] = pool_pages - 1 - i;
	ring->pool_nr_free = pool_pages;
	return 0;
}

/*
 * Size the pools from what the link has left, shared evenly among the
 * queues, and fix the largest request: half a pool, so two of the
 * largest can be under way at once.
 */
static int blkfront_size_pool(struct blkfront_info *info, u32 *pool_pages)
{
	u32 rings = blkfront_ring_pages(info->ring_order, BLKFRONT_REQ_SIZE) +
		    blkfront_ring_pages(info->ring_order, BLKFRONT_RSP_SIZE);
	u32 avail = min(pvio_data_free_pages(info->link),
			pvio_grant_free_entries(info->link));
	u32 per_queue = avail / info->nr_queues;

	if (per_queue < rings + 4)
		return -ENOSPC;
	*pool_pages = min(per_queue - rings, blkfront_pool_pages);
	info->max_pages = min3(info->di.max_segs, (u32)PVIO_BLKIF_SEGS_MAX,
			       *pool_pages / 2);
	return 0;
}

static void blkfront_more_work(struct work_struct *work);

int blkfront_rings_alloc(struct blkfront_info *info)
{
	u32 pool_pages;
	unsigned int q;
	int ret;

	ret = blkfront_size_pool(info, &pool_pages);
	if (ret)
		return ret;
	info->rings = kcalloc(info->nr_queues, sizeof(*info->rings),
			      GFP_KERNEL);
	if (!info->rings)
		return -ENOMEM;
	for (q = 0; q < info->nr_queues; q++) {
		struct blkfront_ring *ring = &info->rings[q];

		ring->info = info;
		ring->qid = q;
		ring->req_gref = -1;
		ring->rsp_gref = -1;
		ring->pool_gref = -1;
		spin_lock_init(&ring->lock);
		INIT_WORK(&ring->more_work, blkfront_more_work);
		ret = blkfront_ring_alloc(info, ring, pool_pages);
		if (ret) {
			info->nr_queues = q + 1;
			blkfront_rings_free(info);
			return ret;
		}
	}
	return 0;
}

void blkfront_rings_free(struct blkfront_info *info)
{
	unsigned int q;

	if (!info->rings)
		return;
	for (q = 0; q < info->nr_queues; q++)
		blkfront_ring_free(&info->rings[q]);
	kfree(info->rings);
	info->rings = NULL;
}

/* ---- the event handler: responses ---- */

static blk_status_t blkfront_status(u16 status)
{
	switch (status) {
	case PVIO_BLKIF_RSP_OK:
		return BLK_STS_OK;
	case PVIO_BLKIF_RSP_NOTSUPP:
		return BLK_STS_NOTSUPP;
	default:
		return BLK_STS_IOERR;
	}
}

/*
 * Take one response, copied out of the ring. Returns false if the backend
 * broke the protocol. Called under ring->lock.
 */
static bool blkfront_take_response(struct blkfront_ring *ring,
				   const struct pvio_blkif_response *rsp,
				   u32 *nr_done)
{
	u64 id = le64_to_cpu(rsp->id);
	struct blkfront_shadow *sh;
	struct blkfront_pdu *pdu;

	if (id == PVIO_BLKIF_ID_CHANGED && ring->qid == 0) {
		/*
		 * One notice at a time: the work takes it back before it
		 * reads "disk", and an honest backend sends the next only
		 * for a later change. A flood of them is no notice.
		 */
		if (test_and_set_bit(0, &ring->info->changed_pending))
			return false;
		schedule_work(&ring->info->changed_work);
		return true;
	}
	if (id >= ring->req.size)
		return false;
	sh = &ring->shadow[id];
	if (sh->state != BLKFRONT_SHADOW_SENT || sh->op != rsp->op)
		return false;
	sh->state = BLKFRONT_SHADOW_DONE;
	sh->status = le16_to_cpu(rsp->status);
	/* A request in parts is done with its last part; it fails with any. */
	pdu = blk_mq_rq_to_pdu(sh->rq);
	if (pdu->status == PVIO_BLKIF_RSP_OK)
		pdu->status = sh->status;
	if (--pdu->parts_left)
		return true;
	ring->done[(*nr_done)++] = id;
	return true;
}

static void blkfront_ring_broken(struct blkfront_ring *ring)
{
	ring->broken = true;
	dev_err_ratelimited(&ring->info->pdev->dev,
			    "queue %u: backend broke the protocol, reconnecting\n",
			    ring->qid);
	schedule_work(&ring->info->lost_work);
}

/*
 * Out of budget with responses maybe left: mask the channel and take the
 * rest from a work item, so the vCPU gets its interrupts back between
 * ring's worths. Under ring->lock; the disconnect cancels the work after
 * it cleared ->connected, before it unbinds the channel.
 */
static void blkfront_ring_defer(struct blkfront_ring *ring)
{
	if (!ring->connected)
		return;
	ring->deferred++;
	pvio_evtchn_mask(ring->ch);
	queue_work(system_highpri_wq, &ring->more_work);
}

static void blkfront_more_work(struct work_struct *work)
{
	struct blkfront_ring *ring = container_of(work, struct blkfront_ring,
						  more_work);

	pvio_evtchn_unmask(ring->ch);
	/* No doorbell may come for what is left: look as if one had. */
	pvio_evtchn_inject(ring->ch);
}

static void blkfront_complete_pass(struct blkfront_ring *ring, u32 nr_done);

/*
 * At most a ring's worth of responses per run: a backend that keeps
 * moving its index must not keep us here with interrupts off.
 */
static void blkfront_ring_event(struct pvio_evtchn *ch, void *data)
{
	struct blkfront_ring *ring = data;
	struct pvio_blkif_response rsp;
	u32 budget = ring->rsp.size, nr_done = 0;
	bool kick = false;

	spin_lock(&ring->lock);
	if (ring->broken)
		goto out;
	do {
		if (pvio_ring_avail(&ring->rsp) < 0)
			goto broken;
		while (budget && !pvio_ring_cons_copy(&ring->rsp, &rsp)) {
			if (!blkfront_take_response(ring, &rsp, &nr_done))
				goto broken;
			budget--;
		}
		kick |= pvio_ring_cons_release(&ring->rsp);
		if (!budget) {
			blkfront_ring_defer(ring);
			goto out;
		}
	} while (pvio_ring_cons_enable_notify(&ring->rsp));
	goto out;
broken:
	blkfront_ring_broken(ring);
out:
	spin_unlock(&ring->lock);
	if (kick)
		pvio_evtchn_notify(ch);
	/* Outside the lock: the completions take it. */
	blkfront_complete_pass(ring, nr_done);
}

/* ---- connecting rings to a backend ---- */

/* Bind the first free port of our end. */
static int blkfront_bind_port(struct blkfront_ring *ring)
{
	struct pvio_evtchn *ch;
	unsigned int port;

	for (port = PVIO_PORT_CONTROL + 1; ; port++) {
		ch = pvio_evtchn_bind(ring->info->link, PVIO_FRONTEND, port,
				      blkfront_ring_event, ring);
		if (!IS_ERR(ch))
			break;
		if (PTR_ERR(ch) != -EBUSY)
			return PTR_ERR(ch) == -ERANGE ? -ENOSPC : PTR_ERR(ch);
	}
	ring->ch = ch;
	ring->port = port;
	return 0;
}

/*
 * A ring laid out afresh, maybe smaller or larger than the last: the
 * free shadows are those of its slots not still held by a request
 * answered before, whose completion gives it back. Under ring->lock.
 */
static void blkfront_shadows_reset(struct blkfront_ring *ring)
{
	u32 id;

	ring->shadow_nr_free = 0;
	for (id = ring->req.size; id-- > 0; )
		if (ring->shadow[id].state == BLKFRONT_SHADOW_FREE)
			ring->shadow_free[ring->shadow_nr_free++] = id;
}

/* Fresh rings in the pages we hold, and their key for the backend. */
static int blkfront_ring_connect(struct blkfront_ring *ring)
{
	struct blkfront_info *info = ring->info;
	void *req = pvio_data_page(info->link, ring->ring_page);
	void *rsp = pvio_data_page(info->link,
				   ring->ring_page + ring->req_pages);
	char key[PVIO_STORE_KEY_MAX];
	int ret;

	ret = pvio_ring_init_shared(req, info->active_order, BLKFRONT_REQ_SIZE);
	if (!ret)
		ret = pvio_ring_init_shared(rsp, info->active_order,
					    BLKFRONT_RSP_SIZE);
	if (!ret)
		ret = pvio_ring_attach(&ring->req, req, info->active_order,
				       BLKFRONT_REQ_SIZE);
	if (!ret)
		ret = pvio_ring_attach(&ring->rsp, rsp, info->active_order,
				       BLKFRONT_RSP_SIZE);
	if (ret)
		return ret;
	ret = blkfront_bind_port(ring);
	if (ret)
		return ret;
	snprintf(key, sizeof(key), "vbd%u/q%u", info->pdev->index, ring->qid);
	ret = pvio_store_printf(info->link, PVIO_STORE_FRONTEND, key,
				"%d %d %u", ring->req_gref, ring->rsp_gref,
				ring->port);
	if (ret)
		return ret;
	spin_lock_irq(&ring->lock);
	blkfront_shadows_reset(ring);
	ring->broken = false;
	ring->connected = true;
	spin_unlock_irq(&ring->lock);
	return 0;
}

int blkfront_rings_connect(struct blkfront_info *info)
{
	char key[PVIO_STORE_KEY_MAX];
	unsigned int q;
	int ret;

	for (q = 0; q < info->nr_active; q++) {
		ret = blkfront_ring_connect(&info->rings[q]);
		if (ret) {
			blkfront_rings_disconnect(info, true);
			return ret;
		}
	}
	snprintf(key, sizeof(key), "vbd%u/rings", info->pdev->index);
	ret = pvio_store_printf(info->link, PVIO_STORE_FRONTEND, key, "%u %u",
				info->nr_active, info->active_order);
	if (ret)
		blkfront_rings_disconnect(info, true);
	return ret;
}

/* Give a sent request's pool pages and shadow back. Under ring->lock. */
static void blkfront_shadow_put(struct blkfront_ring *ring, u32 id)
{
	struct blkfront_shadow *sh = &ring->shadow[id];
	u32 i;

	for (i = 0; i < sh->nr_pages; i++)
		ring->pool_free[ring->pool_nr_free++] = sh->pages[i];
	sh->nr_pages = 0;
	sh->rq = NULL;
	sh->state = BLKFRONT_SHADOW_FREE;
	/* Answered under a larger ring than this backend's: not for now. */
	if (id < ring->req.size)
		ring->shadow_free[ring->shadow_nr_free++] = id;
}

/* Give back every part of the request whose first part is @id. */
static void blkfront_parts_put(struct blkfront_ring *ring, u32 id)
{
	u32 next;

	for (; id != BLKFRONT_NO_PART; id = next) {
		next = ring->shadow[id].next;
		blkfront_shadow_put(ring, id);
	}
}

/*
 * The backend is gone (or we are): take every request it had back from
 * the ring and hand it to blk-mq to send again (@replay) or fail it.
 * Answered requests still waiting for ->complete() finish on their own.
 * The caller has quiesced the queues, so nothing is being sent.
 */
static void blkfront_ring_disconnect(struct blkfront_ring *ring, bool replay)
{
	struct blkfront_info *info = ring->info;
	unsigned int replayed = 0;
	struct request *rq;
	u32 id;

	/* The handler defers no more work; what it deferred is over. */
	spin_lock_irq(&ring->lock);
	ring->connected = false;
	spin_unlock_irq(&ring->lock);
	cancel_work_sync(&ring->more_work);
	if (ring->ch) {
		/* When it returns the handler is not running, and won't. */
		pvio_evtchn_unbind(ring->ch);
		ring->ch = NULL;
	}
	spin_lock_irq(&ring->lock);
	for (id = 0; id < ring->nr_shadows; id++) {
		if (ring->shadow[id].state != BLKFRONT_SHADOW_SENT)
			continue;
		/*
		 * The whole request goes back, also its parts answered
		 * already: sending them again is harmless (recovery.rst),
		 * and blk-mq may build it otherwise the next time.
		 */
		rq = ring->shadow[id].rq;
		blkfront_parts_put(ring,
				   ((struct blkfront_pdu *)blk_mq_rq_to_pdu(rq))->id);
		spin_unlock_irq(&ring->lock);
		if (replay) {
			replayed++;
			blk_mq_requeue_request(rq, false);
		} else {
			atomic64_inc(&info->stats.errors);
			blk_mq_end_request(rq, BLK_STS_IOERR);
		}
		spin_lock_irq(&ring->lock);
	}
	spin_unlock_irq(&ring->lock);
	/* Counted by the core: sysfs, netlink and pvio status. */
	pvio_recovery_replayed(info->link, PVIO_FRONTEND, replayed);
}

void blkfront_rings_disconnect(struct blkfront_info *info, bool replay)
{
	unsigned int q;

	for (q = 0; q < info->nr_queues; q++)
		blkfront_ring_disconnect(&info->rings[q], replay);
}

/* Connected again, queue unquiesced: send what waited, replays first. */
void blkfront_rings_resume(struct blkfront_info *info)
{
	struct request_queue *q = info->disk->queue;

	blk_mq_start_stopped_hw_queues(q, true);
	blk_mq_kick_requeue_list(q);
}

u64 blkfront_in_flight(struct blkfront_info *info)
{
	u64 n = 0;
	unsigned int q;

	if (!info->rings)
		return 0;
	for (q = 0; q < info->nr_queues; q++) {
		struct blkfront_ring *ring = &info->rings[q];

		spin_lock_irq(&ring->lock);
		n += ring->req.size - ring->shadow_nr_free;
		spin_unlock_irq(&ring->lock);
	}
	return n;
}

/* ---- blk-mq: sending requests ---- */

static int blkfront_op(struct blkfront_info *info, struct request *rq)
{
	switch (req_op(rq)) {
	case REQ_OP_READ:
		return PVIO_BLKIF_OP_READ;
	case REQ_OP_WRITE:
		return PVIO_BLKIF_OP_WRITE;
	case REQ_OP_FLUSH:
		return PVIO_BLKIF_OP_FLUSH;
	case REQ_OP_DISCARD:
		return PVIO_BLKIF_OP_DISCARD;
	case REQ_OP_WRITE_ZEROES:
		return PVIO_BLKIF_OP_WRITE_ZEROES;
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * Copy a request's data between its bio pages and its pool pages, where
 * it lies packed, part after part from the shadow @id: into the pool for
 * a write (@to_pool), out for a read.
 */
static void blkfront_copy(struct blkfront_ring *ring, struct request *rq,
			  u32 id, bool to_pool)
{
	const struct blkfront_shadow *sh = &ring->shadow[id];
	struct req_iterator iter;
	struct bio_vec bv;
	u32 pg = 0, off = 0, done, n;
	void *pool, *bio;

	/* The iterator advances by bv.bv_len: walk a copy of it. */
	rq_for_each_segment(bv, rq, iter) {
		for (done = 0; done < bv.bv_len; done += n) {
			if (pg == sh->nr_data) {
				/* Every part but the last is whole pages. */
				sh = &ring->shadow[sh->next];
				pg = 0;
			}
			n = min_t(u32, bv.bv_len - done, PVIO_PAGE_SIZE - off);
			pool = blkfront_pool_addr(ring, sh->pages[pg]) + off;
			bio = kmap_local_page(bv.bv_page) + bv.bv_offset + done;
			if (to_pool) {
				pvio_copy(pool, bio, n);
			} else {
				pvio_copy(bio, pool, n);
				flush_dcache_page(bv.bv_page);
			}
			kunmap_local(bio);
			off += n;
			if (off == PVIO_PAGE_SIZE) {
				pg++;
				off = 0;
			}
		}
	}
}

static void blkfront_set_seg(struct pvio_blkif_seg *seg, u32 gref, u32 len)
{
	seg->gref = cpu_to_le32(gref);
	seg->offset = 0;
	seg->len = cpu_to_le16(len);
}

/*
 * Describe the data: @nr_data pool pages, each full but the last. Beyond
 * what a slot holds, the segments go into the indirect pages that follow
 * the data pages in sh->pages[].
 */
static void blkfront_fill_segs(struct blkfront_ring *ring,
			       struct pvio_blkif_request *req,
			       const struct blkfront_shadow *sh,
			       u32 nr_data, u32 bytes)
{
	u32 nr_ind = sh->nr_pages - nr_data;
	struct pvio_blkif_seg *seg, *ind;
	u32 i, len;

	req->nr_segs = cpu_to_le16(nr_data);
	if (nr_ind) {
		req->flags |= PVIO_BLKIF_F_INDIRECT;
		req->nr_indirect = cpu_to_le16(nr_ind);
	}
	for (i = 0; i < nr_data; i++) {
		len = min_t(u32, bytes - i * PVIO_PAGE_SIZE, PVIO_PAGE_SIZE);
		if (!nr_ind) {
			seg = &req->seg[i];
		} else {
			ind = blkfront_pool_addr(ring, sh->pages[nr_data +
					i / PVIO_BLKIF_SEGS_PER_INDIRECT]);
			seg = &ind[i % PVIO_BLKIF_SEGS_PER_INDIRECT];
		}
		blkfront_set_seg(seg, ring->pool_gref + sh->pages[i], len);
	}
	for (i = 0; i < nr_ind; i++) {
		len = min_t(u32, nr_data - i * PVIO_BLKIF_SEGS_PER_INDIRECT,
			    PVIO_BLKIF_SEGS_PER_INDIRECT);
		blkfront_set_seg(&req->seg[i],
				 ring->pool_gref + sh->pages[nr_data + i],
				 len * sizeof(struct pvio_blkif_seg));
	}
}

/* Publish what was pushed; kick the backend if it asked. */
static void blkfront_ring_kick(struct blkfront_ring *ring)
{
	if (pvio_ring_publish(&ring->req) && ring->ch)
		pvio_evtchn_notify(ring->ch);
}

/*
 * Take the shadows and pool pages of a request with @nr_data data pages,
 * sent in parts of at most @segs of them (one part without data), or say
 * the queue must wait. Returns the first part's id. Under ring->lock.
 */
static int blkfront_parts_get(struct blkfront_ring *ring, struct request *rq,
			      u8 op, u32 nr_data, u32 segs)
{
	u32 nr_parts = nr_data ? DIV_ROUND_UP(nr_data, segs) : 1;
	u32 id = BLKFRONT_NO_PART, part, n, i;
	struct blkfront_shadow *sh;

	if (!ring->connected || ring->shadow_nr_free < nr_parts ||
	    ring->pool_nr_free < blkfront_rq_pages(nr_data, segs))
		return -EBUSY;
	if (nr_parts > 1)
		ring->split++;
	/* From the last part back, so each links to the one after it. */
	for (part = nr_parts; part-- > 0; ) {
		n = nr_data ? min(segs, nr_data - part * segs) : 0;
		sh = &ring->shadow[ring->shadow_free[--ring->shadow_nr_free]];
		sh->nr_data = n;
		sh->nr_pages = n + blkfront_nr_indirect(n);
		for (i = 0; i < sh->nr_pages; i++)
			sh->pages[i] = ring->pool_free[--ring->pool_nr_free];
		sh->rq = rq;
		sh->op = op;
		sh->next = id;
		/*
		 * Not SENT until it is on the ring: a backend answering an id
		 * it guessed must not complete a request we are still
		 * building.
		 */
		sh->state = BLKFRONT_SHADOW_RESERVED;
		id = sh - ring->shadow;
	}
	return id;
}

/* One part: @bytes of data (none but for reads and writes) at @sector. */
static void blkfront_build(struct blkfront_ring *ring, struct request *rq,
			   struct pvio_blkif_request *req, u32 id, u8 op,
			   u64 sector, u32 bytes)
{
	const struct blkfront_shadow *sh = &ring->shadow[id];

	memset(req, 0, sizeof(*req));
	req->id = cpu_to_le64(id);
	req->op = op;
	req->sector = cpu_to_le64(sector);
	req->nr_sectors = cpu_to_le32(blk_rq_sectors(rq));
	if (op == PVIO_BLKIF_OP_WRITE && (rq->cmd_flags & REQ_FUA))
		req->flags |= PVIO_BLKIF_F_FUA;
	if (op != PVIO_BLKIF_OP_READ && op != PVIO_BLKIF_OP_WRITE)
		return;
	req->nr_sectors = cpu_to_le32(bytes >> PVIO_BLKIF_SECTOR_SHIFT);
	blkfront_fill_segs(ring, req, sh, sh->nr_data, bytes);
}

/*
 * A hardware queue sends on a ring of the current backend's: blk-mq may
 * have more hardware queues than it takes until blkfront.c reshapes them.
 */
static struct blkfront_ring *blkfront_hctx_ring(struct blk_mq_hw_ctx *hctx)
{
	struct blkfront_info *info =
		((struct blkfront_ring *)hctx->driver_data)->info;

	return &info->rings[hctx->queue_num % READ_ONCE(info->nr_active)];
}

static blk_status_t blkfront_queue_rq(struct blk_mq_hw_ctx *hctx,
				      const struct blk_mq_queue_data *bd)
{
	struct blkfront_ring *ring = hctx->driver_data;
	struct blkfront_info *info = ring->info;
	struct blkfront_pdu *pdu = blk_mq_rq_to_pdu(bd->rq);
	struct request *rq = bd->rq;
	struct pvio_blkif_request req;
	u32 nr_data = 0, segs, bytes, left, id, next;
	u64 sector;
	void *slot;
	int op, ret;

	if (READ_ONCE(info->removing))
		return BLK_STS_IOERR;
	if (READ_ONCE(info->failing)) {
		/* No backend for io_timeout seconds (blkfront.c). */
		atomic64_inc(&info->stats.timed_out);
		atomic64_inc(&info->stats.errors);
		return BLK_STS_IOERR;
	}
	op = blkfront_op(info, rq);
	if (op < 0)
		return BLK_STS_NOTSUPP;
	if (op == PVIO_BLKIF_OP_READ || op == PVIO_BLKIF_OP_WRITE)
		nr_data = DIV_ROUND_UP(blk_rq_bytes(rq), PVIO_PAGE_SIZE);
	if (nr_data > info->max_pages)
		return BLK_STS_IOERR;	/* larger than the limits we set */
	/*
	 * Built for an earlier backend's limits, a request may be larger
	 * than this one takes: it goes in parts. Both values change only
	 * while the queue is quiesced.
	 */
	ring = blkfront_hctx_ring(hctx);
	segs = READ_ONCE(info->active_segs);

	blk_mq_start_request(rq);
	pdu->ring = ring;
	pdu->parts_left = nr_data ? DIV_ROUND_UP(nr_data, segs) : 1;
	pdu->status = PVIO_BLKIF_RSP_OK;
	spin_lock_irq(&ring->lock);
	ret = blkfront_parts_get(ring, rq, op, nr_data, segs);
	if (ret < 0) {
		blk_mq_stop_hw_queue(hctx);
		ring->stopped = true;
		spin_unlock_irq(&ring->lock);
		return BLK_STS_DEV_RESOURCE;
	}
	spin_unlock_irq(&ring->lock);

	/* The pages are ours alone now: copy without the lock. */
	pdu->id = ret;
	if (op == PVIO_BLKIF_OP_WRITE)
		blkfront_copy(ring, rq, pdu->id, true);
	sector = blk_rq_pos(rq);
	left = blk_rq_bytes(rq);
	for (id = pdu->id; id != BLKFRONT_NO_PART; id = next) {
		/* Once on the ring the part is the backend's to answer. */
		next = ring->shadow[id].next;
		bytes = min_t(u32, left,
			      ring->shadow[id].nr_data * PVIO_PAGE_SIZE);
		blkfront_build(ring, rq, &req, id, op, sector, bytes);
		sector += bytes >> PVIO_BLKIF_SECTOR_SHIFT;
		left -= bytes;

		spin_lock_irq(&ring->lock);
		slot = pvio_ring_prod_slot(&ring->req);
		if (slot) {
			memcpy(slot, &req, sizeof(req));
			pvio_ring_prod_push(&ring->req);
			if (bd->last && next == BLKFRONT_NO_PART)
				blkfront_ring_kick(ring);
		} else if (!ring->broken) {
			/* Never full with one slot per shadow: the backend lies. */
			blkfront_ring_broken(ring);
		}
		/* Either way the disconnect to come must find it and replay it. */
		ring->shadow[id].state = BLKFRONT_SHADOW_SENT;
		spin_unlock_irq(&ring->lock);
	}
	return BLK_STS_OK;
}

static void blkfront_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct blkfront_ring *ring = blkfront_hctx_ring(hctx);

	spin_lock_irq(&ring->lock);
	blkfront_ring_kick(ring);
	spin_unlock_irq(&ring->lock);
}

/* Copy a read's data out of the pool and count the request. */
static blk_status_t blkfront_finish_rq(struct request *rq)
{
	struct blkfront_pdu *pdu = blk_mq_rq_to_pdu(rq);
	struct blkfront_ring *ring = pdu->ring;
	struct blkfront_info *info = ring->info;
	blk_status_t status = blkfront_status(pdu->status);

	if (status == BLK_STS_OK &&
	    ring->shadow[pdu->id].op == PVIO_BLKIF_OP_READ)
		blkfront_copy(ring, rq, pdu->id, false);
	atomic64_inc(&info->stats.requests);
	atomic64_add(blk_rq_sectors(rq), &info->stats.sectors);
	if (status != BLK_STS_OK)
		atomic64_inc(&info->stats.errors);
	return status;
}

/*
 * End a release of slots: drop the ring's lock and, if the ring had
 * stopped the queues for want of slots, start them again.
 */
static void blkfront_release_end(struct blkfront_ring *ring,
				 struct request_queue *q, unsigned long flags)
	__releases(&ring->lock)
{
	bool restart = ring->stopped;

	ring->stopped = false;
	spin_unlock_irqrestore(&ring->lock, flags);
	if (restart)
		blk_mq_start_stopped_hw_queues(q, true);
}

/* Softirq (or the handler's context): finish an answered request. */
static void blkfront_complete_rq(struct request *rq)
{
	struct blkfront_pdu *pdu = blk_mq_rq_to_pdu(rq);
	struct blkfront_ring *ring = pdu->ring;
	blk_status_t status = blkfront_finish_rq(rq);
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	blkfront_parts_put(ring, pdu->id);
	blkfront_release_end(ring, rq->q, flags);
	blk_mq_end_request(rq, status);
}

/*
 * The handler's successful answers of one pass, all of one ring, ended
 * as one batch (as nvme_irq() does): their slots given back under one
 * lock, blk-mq's accounting done once.
 */
static void blkfront_complete_batch(struct io_comp_batch *iob)
{
	struct request *first = rq_list_peek(&iob->req_list), *rq;
	struct blkfront_pdu *pdu = blk_mq_rq_to_pdu(first);
	struct blkfront_ring *ring = pdu->ring;
	unsigned long flags;

	rq_list_for_each(&iob->req_list, rq)
		blkfront_finish_rq(rq);
	spin_lock_irqsave(&ring->lock, flags);
	rq_list_for_each(&iob->req_list, rq) {
		pdu = blk_mq_rq_to_pdu(rq);
		blkfront_parts_put(ring, pdu->id);
	}
	blkfront_release_end(ring, first->q, flags);
	blk_mq_end_request_batch(iob);
}

/*
 * Complete what a pass of the handler took: on the submitting CPU where
 * blk-mq wants it there, else here, in one batch where it can be.
 */
static void blkfront_complete_pass(struct blkfront_ring *ring, u32 nr_done)
{
	DEFINE_IO_COMP_BATCH(iob);
	struct blkfront_pdu *pdu;
	struct request *rq;
	u32 i;

	for (i = 0; i < nr_done; i++) {
		rq = ring->shadow[ring->done[i]].rq;
		if (blk_mq_complete_request_remote(rq))
			continue;
		pdu = blk_mq_rq_to_pdu(rq);
		if (!blk_mq_add_to_batch(rq, &iob,
					 pdu->status != PVIO_BLKIF_RSP_OK,
					 blkfront_complete_batch))
			blkfront_complete_rq(rq);
	}
	if (iob.complete)
		iob.complete(&iob);
}

/*
 * A request answers when the backend does: while it is gone, or slow
 * under emulation, waiting longer is right and failing is not.
 */
static enum blk_eh_timer_return blkfront_timeout(struct request *rq)
{
	return BLK_EH_RESET_TIMER;
}

static int blkfront_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			      unsigned int index)
{
	struct blkfront_info *info = data;

	hctx->driver_data = &info->rings[index];
	return 0;
}

const struct blk_mq_ops blkfront_mq_ops = {
	.queue_rq	= blkfront_queue_rq,
	.commit_rqs	= blkfront_commit_rqs,
	.complete	= blkfront_complete_rq,
	.timeout	= blkfront_timeout,
	.init_hctx	= blkfront_init_hctx,
};
