// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The data path of a vbd's backend: per queue, a work item takes requests
 * off the request ring, validates each copy against Documentation/
 * blkif.rst and starts its I/O; the I/O's completion answers on the
 * response ring itself (as xen-blkback's end_io does), which saves a trip
 * through the work per request, except for a read ending in a hard
 * interrupt: its copy to the grants waits for the work. The work is the
 * only context that touches the request ring view once the queue is
 * connected; answers, from it or from completions, take the ring's
 * rsp_lock. A pass of the work takes what the ring holds under one
 * plug; the answers given during the pass (files, devices completing in
 * submit_bio()) are published once at its end, with at most one kick.
 *
 * The frontend is not trusted: a request it could not honestly have sent
 * is answered INVALID (or NOTSUPP) and counted; a frontend that breaks
 * the ring protocol itself is disconnected.
 */
#include <linux/blkdev.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "blkback.h"

/* Requests one run of the ring work takes before it yields. */
#define BLKBACK_BUDGET		64
/* How long a request waits for memory before it is tried again. */
#define BLKBACK_RETRY_NS	(10 * NSEC_PER_MSEC)
/* Slices of the wait for I/O at disconnect: below the hung-task limit. */
#define BLKBACK_DRAIN_SLICE	(10 * HZ)

/* A request passed a check. Anything else is a pvio_blkif_status. */
#define BLKBACK_OK		(-1)

#define BLKBACK_REQ_SIZE	sizeof(struct pvio_blkif_request)
#define BLKBACK_RSP_SIZE	sizeof(struct pvio_blkif_response)
#define BLKBACK_SECTORS_PER_PAGE (PVIO_PAGE_SIZE >> PVIO_BLKIF_SECTOR_SHIFT)

/* ---- scheduling the ring work ---- */

/* Hard or soft interrupt context: only schedule the work. */
static void blkback_ring_event(struct pvio_evtchn *ch, void *data)
{
	struct blkback_ring *ring = data;

	/* A pending rate-limit timer stays: the ring waits for tokens. */
	queue_delayed_work(blkback_wq, &ring->work, 0);
}

/* Run the ring work now, also if a rate-limit timer is pending. */
static void blkback_ring_run(struct blkback_ring *ring)
{
	mod_delayed_work(blkback_wq, &ring->work, 0);
}

static bool blkback_finish(struct blkback_ring *ring,
			   struct blkback_req *req);

/**
 * blkback_req_done() - a request's I/O is over: answer it
 * @req: the request
 * @error: 0 or a negative errno
 *
 * Any context: bio completion (soft or hard interrupt), or the ring work
 * for files and requests without I/O.
 */
void blkback_req_done(struct blkback_req *req, int error)
{
	struct blkback_ring *ring = req->ring;

	req->error = error;
	/*
	 * Once the request is answered (or on ->done) a disconnect may go
	 * on and free the ring: blkback_ring_disconnect() waits for this
	 * section to end.
	 */
	rcu_read_lock();
	if (in_hardirq() && req->op == PVIO_BLKIF_OP_READ) {
		/* Up to a request's worth of copying: not with irqs off. */
		if (llist_add(&req->node, &ring->done))
			blkback_ring_run(ring);
	} else if (blkback_finish(ring, req)) {
		blkback_ring_run(ring);
	}
	rcu_read_unlock();
}

/* The frontend broke the protocol: stop, and have the vbd disconnect. */
static int blkback_ring_broken(struct blkback_ring *ring, const char *why)
{
	if (!ring->broken) {
		WRITE_ONCE(ring->broken, true);
		dev_err_ratelimited(&ring->vbd->pdev->dev,
				    "queue %u: %s, disconnecting the frontend\n",
				    ring->qid, why);
		/*
		 * Not on blkback_wq: the disconnect waits for ring work,
		 * which under memory pressure may need the same rescuer.
		 */
		schedule_work(&ring->vbd->lost_work);
	}
	return -EPROTO;
}

/* ---- responses ---- */

/* Put an answer on the ring, unpublished. Under ring->rsp_lock. */
static void blkback_respond(struct blkback_ring *ring, u64 id, u8 op,
			    u16 status)
{
	struct pvio_blkif_response *rsp;

	lockdep_assert_held(&ring->rsp_lock);
	if (ring->broken)
		return;
	/* In flight <= ring size, so an honest frontend always left room. */
	rsp = pvio_ring_prod_slot(&ring->rsp);
	if (!rsp) {
		blkback_ring_broken(ring, "no room on the response ring");
		return;
	}
	rsp->id = cpu_to_le64(id);
	rsp->op = op;
	rsp->status = cpu_to_le16(status);
	pvio_ring_prod_push(&ring->rsp);
}

/* Publish the answers; kick the frontend if it asked. Under rsp_lock. */
static void blkback_rsp_publish(struct blkback_ring *ring)
{
	lockdep_assert_held(&ring->rsp_lock);
	if (!ring->broken && pvio_ring_publish(&ring->rsp) && ring->ch)
		pvio_evtchn_notify(ring->ch);
}

/* Answer a request refused before any I/O; the work's run publishes. */
static void blkback_answer(struct blkback_ring *ring,
			   const struct pvio_blkif_request *r, u16 status)
{
	unsigned long flags;

	spin_lock_irqsave(&ring->rsp_lock, flags);
	blkback_respond(ring, le64_to_cpu(r->id), r->op, status);
	spin_unlock_irqrestore(&ring->rsp_lock, flags);
	atomic64_inc(&ring->requests);
	atomic64_inc(&ring->errors);
}

/*
 * The unsolicited "disk changed" response goes out only while every
 * request the frontend has outstanding (in flight, held, or not read
 * yet) still has a slot after it, so it never makes an honest frontend
 * look like one that overfilled the ring.
 */
static void blkback_send_changed(struct blkback_ring *ring)
{
	unsigned long flags;
	int room, unread;

	if (!atomic_read(&ring->changed) || ring->broken)
		return;
	spin_lock_irqsave(&ring->rsp_lock, flags);
	room = pvio_ring_free(&ring->rsp);
	unread = pvio_ring_avail(&ring->req);
	if (room < 0 || unread < 0) {
		blkback_ring_broken(ring, "bad ring indices");
	} else if (room > atomic_read(&ring->inflight) + ring->raw_held +
			  unread) {
		atomic_set(&ring->changed, 0);
		blkback_respond(ring, PVIO_BLKIF_ID_CHANGED, 0,
				PVIO_BLKIF_RSP_OK);
	}	/* else a completion runs us again */
	spin_unlock_irqrestore(&ring->rsp_lock, flags);
}

/*
 * The end of a run of the work: kick for the slots released if the
 * frontend asked, publish the refusals. The vbd's interrupt coalescing
 * is the channel's (pvio_evtchn_set_coalesce()).
 */
static void blkback_publish(struct blkback_ring *ring)
{
	unsigned long flags;
	bool kick;

	if (ring->broken)
		return;
	kick = ring->req_kick;
	ring->req_kick = false;
	spin_lock_irqsave(&ring->rsp_lock, flags);
	kick |= pvio_ring_publish(&ring->rsp);
	if (kick && ring->ch)
		pvio_evtchn_notify(ring->ch);
	spin_unlock_irqrestore(&ring->rsp_lock, flags);
}

/* ---- requests: memory ---- */

/*
 * Bounce pages come from a small per-ring cache before the page
 * allocator: a 1 MiB request needs 256 of them, every time.
 */
#define BLKBACK_PAGE_CACHE	1024

static struct page *blkback_page_get(struct blkback_ring *ring)
{
	unsigned long flags;
	struct page *page;

	spin_lock_irqsave(&ring->pages_lock, flags);
	page = list_first_entry_or_null(&ring->free_pages, struct page, lru);
	if (page) {
		list_del(&page->lru);
		ring->nr_free_pages--;
	}
	spin_unlock_irqrestore(&ring->pages_lock, flags);
	return page ?: alloc_page(GFP_NOIO | __GFP_NOWARN);
}

/* Any context: completions free their requests' pages. */
static void blkback_page_put(struct blkback_ring *ring, struct page *page)
{
	unsigned long flags;

	spin_lock_irqsave(&ring->pages_lock, flags);
	if (ring->nr_free_pages < BLKBACK_PAGE_CACHE) {
		list_add(&page->lru, &ring->free_pages);
		ring->nr_free_pages++;
		page = NULL;
	}
	spin_unlock_irqrestore(&ring->pages_lock, flags);
	if (page)
		__free_page(page);
}

static void blkback_pages_drop(struct blkback_ring *ring)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &ring->free_pages, lru)
		__free_page(page);
	INIT_LIST_HEAD(&ring->free_pages);
	ring->nr_free_pages = 0;
}

/* ---- requests: the bounce memory budget ---- */

struct blkback_pages blkback_pages_all;

/* A budget below the largest request would keep that request waiting. */
static u32 blkback_budget(const unsigned int *param)
{
	return max(READ_ONCE(*param), blkback_max_segs);
}

static void blkback_peak(struct blkback_pages *p, int held)
{
	int peak = atomic_read(&p->peak);

	while (held > peak && !atomic_try_cmpxchg(&p->peak, &peak, held))
		;
}

/* Charge @nr pages to @p if it stays within @max. Any context. */
static bool blkback_pages_charge(struct blkback_pages *p, u32 nr, u32 max)
{
	int held = atomic_add_return(nr, &p->held);

	if (held > max) {
		atomic_sub(nr, &p->held);
		return false;
	}
	blkback_peak(p, held);
	return true;
}

/*
 * Charge a data request's pages to its vbd and to the module, or say it
 * must wait: pages come back as requests are answered, and an answer
 * on this ring runs the work again (blkback_finish()).
 */
static bool blkback_pages_reserve(struct blkback_ring *ring, u32 nr)
{
	struct blkback_pages *vbd = &ring->vbd->pages;

	if (blkback_pages_charge(vbd, nr,
				 blkback_budget(&blkback_max_vbd_pages))) {
		if (blkback_pages_charge(&blkback_pages_all, nr,
					 blkback_budget(&blkback_max_pages))) {
			WRITE_ONCE(ring->pages_wait, false);
			return true;
		}
		atomic_sub(nr, &vbd->held);
	}
	if (!ring->pages_wait) {
		WRITE_ONCE(ring->pages_wait, true);
		atomic64_inc(&vbd->waits);
		atomic64_inc(&blkback_pages_all.waits);
	}
	return false;
}

static void blkback_pages_release(struct blkback_ring *ring, u32 nr)
{
	atomic_sub(nr, &ring->vbd->pages.held);
	atomic_sub(nr, &blkback_pages_all.held);
}

/*
 * Requests come from a cache per ring, in two sizes: direct requests, and
 * indirect ones of up to blkback_max_segs segments. At most a ring's
 * worth is ever taken, so the cache holds at most that many, and
 * after the first requests nothing is allocated for one. The ring work
 * is the only taker (llist_del_first()); completions give back.
 */
static unsigned int blkback_req_class(u32 nr_segs)
{
	return nr_segs > PVIO_BLKIF_SEGS_DIRECT;
}

/* A request's segments, then its bvecs: a bounce page per segment at most. */
static size_t blkback_req_bvec_offset(u32 max_segs)
{
	struct blkback_req *req;

	return ALIGN(struct_size(req, segs, max_segs),
		     __alignof__(struct bio_vec));
}

/* Give a request back: its bounce pages, its budget, itself. */
static void blkback_req_free(struct blkback_req *req)
{
	struct blkback_ring *ring = req->ring;
	u32 i;

	for (i = 0; i < req->nr_pages; i++)
		blkback_page_put(ring, req->bvec[i].bv_page);
	if (req->nr_budget)
		blkback_pages_release(ring, req->nr_budget);
	llist_add(&req->node, &ring->req_cache[req->class]);
}

static void blkback_reqs_drop(struct blkback_ring *ring)
{
	struct blkback_req *req, *next;
	struct llist_node *list;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ring->req_cache); i++) {
		list = llist_del_all(&ring->req_cache[i]);
		llist_for_each_entry_safe(req, next, list, node)
			kfree(req);
	}
}

static struct blkback_req *blkback_req_alloc(struct blkback_ring *ring,
					     const struct pvio_blkif_request *r)
{
	u32 nr_segs = le16_to_cpu(r->nr_segs);
	unsigned int class = blkback_req_class(nr_segs);
	struct llist_node *node;
	struct blkback_req *req;
	u32 max;

	/* A bounce page holds at least a segment's worth. */
	BUILD_BUG_ON(PAGE_SIZE < PVIO_PAGE_SIZE);
	node = llist_del_first(&ring->req_cache[class]);
	if (node) {
		req = llist_entry(node, struct blkback_req, node);
	} else {
		max = class ? blkback_max_segs : PVIO_BLKIF_SEGS_DIRECT;
		req = kmalloc(size_add(blkback_req_bvec_offset(max),
				       array_size(max, sizeof(*req->bvec))),
			      GFP_NOIO);
		if (!req)
			return NULL;
		req->class = class;
		req->bvec = (void *)req + blkback_req_bvec_offset(max);
	}
	req->ring = ring;
	req->id = le64_to_cpu(r->id);
	req->sector = le64_to_cpu(r->sector);
	req->nr_sectors = le32_to_cpu(r->nr_sectors);
	req->op = r->op;
	req->flags = r->flags;
	req->status = 0;
	req->error = 0;
	atomic_set(&req->pending, 0);
	req->nr_segs = nr_segs;
	req->nr_pages = 0;
	req->nr_budget = 0;
	return req;
}

/* Bounce pages for the request's data, packed. */
static int blkback_req_alloc_pages(struct blkback_req *req)
{
	u32 bytes = req->nr_sectors << PVIO_BLKIF_SECTOR_SHIFT;
	u32 nr = DIV_ROUND_UP(bytes, PAGE_SIZE), i;

	for (i = 0; i < nr; i++) {
		struct page *page = blkback_page_get(req->ring);

		if (!page)
			return -ENOMEM;
		bvec_set_page(&req->bvec[i], page,
			      min_t(u32, bytes - i * PAGE_SIZE, PAGE_SIZE), 0);
		req->nr_pages = i + 1;
	}
	return 0;
}

/*
 * Copy the data between the grants and the bounce pages: to the grants
 * after a read, from them before a write. Every copy resolves its grant
 * again, so a grant revoked meanwhile fails here and nowhere worse.
 */
static int blkback_copy(struct blkback_req *req, bool to_grants)
{
	struct pvio_link *link = req->ring->vbd->link;
	u32 pos = 0, i;
	int ret;

	for (i = 0; i < req->nr_segs; i++) {
		const struct blkback_seg *seg = &req->segs[i];
		u32 off = seg->offset, len = seg->len;

		while (len) {
			u32 in = pos % PAGE_SIZE;
			u32 n = min_t(u32, len, PAGE_SIZE - in);
			void *buf = page_address(req->bvec[pos / PAGE_SIZE].bv_page) +
				    in;

			ret = to_grants ?
			      pvio_grant_copy_to(link, seg->gref, off, buf, n) :
			      pvio_grant_copy_from(link, seg->gref, off, buf, n);
			if (ret)
				return ret;
			pos += n;
			off += n;
			len -= n;
		}
	}
	return 0;
}

/* ---- requests: validation (blkif.rst, "Requests") ---- */

static int blkback_refuse(struct blkback_ring *ring,
			  enum blkback_refusal why, u16 status)
{
	ring->refused[why]++;
	return status;
}

static bool blkback_op_has_data(u8 op)
{
	return op == PVIO_BLKIF_OP_READ || op == PVIO_BLKIF_OP_WRITE;
}

/* The op is known and offered; the flags are known and fit it. */
static int blkback_check_op(struct blkback_ring *ring,
			    const struct pvio_blkif_request *r)
{
	switch (r->op) {
	case PVIO_BLKIF_OP_READ:
	case PVIO_BLKIF_OP_WRITE:
	case PVIO_BLKIF_OP_FLUSH:
	case PVIO_BLKIF_OP_WRITE_ZEROES:
		break;
	case PVIO_BLKIF_OP_DISCARD:
		if (ring->vbd->features & PVIO_BLKIF_FEAT_DISCARD)
			break;
		fallthrough;
	default:
		return blkback_refuse(ring, BLKBACK_BAD_OP,
				      PVIO_BLKIF_RSP_NOTSUPP);
	}
	if (r->flags & ~(PVIO_BLKIF_F_FUA | PVIO_BLKIF_F_INDIRECT))
		return blkback_refuse(ring, BLKBACK_BAD_FLAGS,
				      PVIO_BLKIF_RSP_NOTSUPP);
	if (((r->flags & PVIO_BLKIF_F_FUA) && r->op != PVIO_BLKIF_OP_WRITE) ||
	    ((r->flags & PVIO_BLKIF_F_INDIRECT) && !blkback_op_has_data(r->op)))
		return blkback_refuse(ring, BLKBACK_BAD_FLAGS,
				      PVIO_BLKIF_RSP_INVALID);
	return BLKBACK_OK;
}

/* Segment counts: in range for the op, indirect pages to match. */
static int blkback_check_counts(struct blkback_ring *ring,
				const struct pvio_blkif_request *r)
{
	u32 nr_segs = le16_to_cpu(r->nr_segs);
	u32 nr_ind = le16_to_cpu(r->nr_indirect);
	bool data = blkback_op_has_data(r->op);

	if (data ? !nr_segs || nr_segs > blkback_max_segs : nr_segs)
		return blkback_refuse(ring, BLKBACK_BAD_NR_SEGS,
				      PVIO_BLKIF_RSP_INVALID);
	if ((r->flags & PVIO_BLKIF_F_INDIRECT) ?
	    nr_ind != DIV_ROUND_UP(nr_segs, PVIO_BLKIF_SEGS_PER_INDIRECT) :
	    nr_ind || nr_segs > PVIO_BLKIF_SEGS_DIRECT)
		return blkback_refuse(ring, BLKBACK_BAD_INDIRECT,
				      PVIO_BLKIF_RSP_INVALID);
	/* Each segment is at most a page: the sum cannot be more. */
	if (data && le32_to_cpu(r->nr_sectors) >
		    nr_segs * BLKBACK_SECTORS_PER_PAGE)
		return blkback_refuse(ring, BLKBACK_BAD_SUM,
				      PVIO_BLKIF_RSP_INVALID);
	/* Bounded work per request, as for data ops. */
	if (!data && le32_to_cpu(r->nr_sectors) > PVIO_BLKIF_ZERO_SECTORS_MAX)
		return blkback_refuse(ring, BLKBACK_BAD_SUM,
				      PVIO_BLKIF_RSP_INVALID);
	return BLKBACK_OK;
}

/* Inside the disk, in whole logical blocks, writable if it writes. */
static int blkback_check_range(struct blkback_ring *ring,
			       const struct pvio_blkif_request *r)
{
	struct blkback_vbd *vbd = ring->vbd;
	u64 sector = le64_to_cpu(r->sector);
	u32 nr = le32_to_cpu(r->nr_sectors);
	u64 capacity = READ_ONCE(vbd->sectors);

	if (r->op == PVIO_BLKIF_OP_FLUSH)
		return BLKBACK_OK;
	if (sector > capacity || nr > capacity - sector)
		return blkback_refuse(ring, BLKBACK_OUT_OF_RANGE,
				      PVIO_BLKIF_RSP_INVALID);
	if ((sector | nr) & (vbd->lbs_sectors - 1))
		return blkback_refuse(ring, BLKBACK_MISALIGNED,
				      PVIO_BLKIF_RSP_INVALID);
	if (!vbd->backing.rw && r->op != PVIO_BLKIF_OP_READ)
		return blkback_refuse(ring, BLKBACK_READONLY,
				      PVIO_BLKIF_RSP_ERROR);
	return BLKBACK_OK;
}

/* Everything that can be checked in the slot alone. */
static int blkback_check_slot(struct blkback_ring *ring,
			      const struct pvio_blkif_request *r)
{
	int status;

	status = blkback_check_op(ring, r);
	if (status == BLKBACK_OK)
		status = blkback_check_counts(ring, r);
	if (status == BLKBACK_OK)
		status = blkback_check_range(ring, r);
	return status;
}

static void blkback_seg_load(struct blkback_seg *dst,
			     const struct pvio_blkif_seg *src)
{
	dst->gref = le32_to_cpu(src->gref);
	dst->offset = le16_to_cpu(src->offset);
	dst->len = le16_to_cpu(src->len);
}

/* Read the indirect pages the slot names into @req->segs. */
static int blkback_load_indirect(struct blkback_ring *ring,
				 struct blkback_req *req,
				 const struct pvio_blkif_request *r)
{
	u32 nr_ind = le16_to_cpu(r->nr_indirect), i, j, n;
	struct pvio_blkif_seg *page;
	struct blkback_seg ind;
	int status = BLKBACK_OK;

	page = ring->ind_page;
	for (i = 0; i < nr_ind && status == BLKBACK_OK; i++) {
		n = min_t(u32, req->nr_segs - i * PVIO_BLKIF_SEGS_PER_INDIRECT,
			  PVIO_BLKIF_SEGS_PER_INDIRECT);
		blkback_seg_load(&ind, &r->seg[i]);
		if (ind.offset || ind.len != n * sizeof(*page)) {
			status = blkback_refuse(ring, BLKBACK_BAD_INDIRECT,
						PVIO_BLKIF_RSP_INVALID);
			break;
		}
		if (pvio_grant_copy_from(ring->vbd->link, ind.gref, 0, page,
					 ind.len)) {
			status = blkback_refuse(ring, BLKBACK_BAD_GRANT,
						PVIO_BLKIF_RSP_INVALID);
			break;
		}
		for (j = 0; j < n; j++)
			blkback_seg_load(&req->segs[i *
					 PVIO_BLKIF_SEGS_PER_INDIRECT + j],
					 &page[j]);
	}
	return status;
}

/* The segments, in the slot or behind it; each in one page, 512-aligned. */
static int blkback_load_segs(struct blkback_ring *ring,
			     struct blkback_req *req,
			     const struct pvio_blkif_request *r)
{
	u64 bytes = 0;
	u32 i;
	int status;

	if (r->flags & PVIO_BLKIF_F_INDIRECT) {
		status = blkback_load_indirect(ring, req, r);
		if (status != BLKBACK_OK)
			return status;
	} else {
		for (i = 0; i < req->nr_segs; i++)
			blkback_seg_load(&req->segs[i], &r->seg[i]);
	}
	for (i = 0; i < req->nr_segs; i++) {
		const struct blkback_seg *seg = &req->segs[i];

		if (!seg->len || seg->offset % 512 || seg->len % 512 ||
		    seg->offset + seg->len > PVIO_PAGE_SIZE)
			return blkback_refuse(ring, BLKBACK_BAD_SEG,
					      PVIO_BLKIF_RSP_INVALID);
		bytes += seg->len;
	}
	if (bytes != (u64)req->nr_sectors << PVIO_BLKIF_SECTOR_SHIFT)
		return blkback_refuse(ring, BLKBACK_BAD_SUM,
				      PVIO_BLKIF_RSP_INVALID);
	return BLKBACK_OK;
}

/* A read writes into the frontend's pages: each grant must allow it. */
static int blkback_check_read_grants(struct blkback_ring *ring,
				     struct blkback_req *req)
{
	u32 i;

	for (i = 0; i < req->nr_segs; i++)
		if (IS_ERR(pvio_grant_map(ring->vbd->link, req->segs[i].gref,
					  PVIO_GRANT_WRITE)))
			return blkback_refuse(ring, BLKBACK_BAD_GRANT,
					      PVIO_BLKIF_RSP_INVALID);
	return BLKBACK_OK;
}

/*
 * Segments, grants and bounce pages of a data request. Return: a status,
 * BLKBACK_OK, or -ENOMEM to try again later.
 */
static int blkback_prepare_data(struct blkback_ring *ring,
				struct blkback_req *req,
				const struct pvio_blkif_request *r)
{
	int status;

	status = blkback_load_segs(ring, req, r);
	if (status != BLKBACK_OK)
		return status;
	if (req->op == PVIO_BLKIF_OP_READ) {
		status = blkback_check_read_grants(ring, req);
		if (status != BLKBACK_OK)
			return status;
	}
	if (blkback_req_alloc_pages(req))
		return -ENOMEM;
	/* A write's grants are checked by copying from them. */
	if (req->op == PVIO_BLKIF_OP_WRITE && blkback_copy(req, false))
		return blkback_refuse(ring, BLKBACK_BAD_GRANT,
				      PVIO_BLKIF_RSP_INVALID);
	return BLKBACK_OK;
}

/*
 * What a request costs against the bytes limit: what it moves, or for
 * write-zeroes what it writes (a device without it gets zero pages
 * written). Flush and discard move nothing; every request costs one IOP.
 */
static u32 blkback_cost(const struct pvio_blkif_request *r)
{
	if (!blkback_op_has_data(r->op) && r->op != PVIO_BLKIF_OP_WRITE_ZEROES)
		return 0;
	return le32_to_cpu(r->nr_sectors) << PVIO_BLKIF_SECTOR_SHIFT;
}

/* Bounce pages a validated data request needs. */
static u32 blkback_data_pages(const struct pvio_blkif_request *r)
{
	return DIV_ROUND_UP(le32_to_cpu(r->nr_sectors) <<
			    PVIO_BLKIF_SECTOR_SHIFT, PAGE_SIZE);
}

/*
 * Take the request in @ring->raw: answer it or start it. Return: 0, or
 * -EBUSY with *@wait_ns set if it must wait (tokens, memory, the bounce
 * page budget) and stay held.
 */
static int blkback_take(struct blkback_ring *ring, u64 *wait_ns)
{
	const struct pvio_blkif_request *r = &ring->raw;
	struct blkback_req *req;
	int status;

	status = blkback_check_slot(ring, r);
	if (status != BLKBACK_OK) {
		blkback_answer(ring, r, status);
		return 0;
	}
	if (!ring->raw_charged) {
		*wait_ns = blkback_limit_take(&ring->vbd->limit,
					      blkback_cost(r));
		if (*wait_ns)
			return -EBUSY;
		ring->raw_charged = true;
	}
	req = blkback_req_alloc(ring, r);
	if (!req)
		goto wait;
	status = BLKBACK_OK;
	if (blkback_op_has_data(r->op)) {
		if (!blkback_pages_reserve(ring, blkback_data_pages(r))) {
			blkback_req_free(req);
			goto wait;
		}
		req->nr_budget = blkback_data_pages(r);
		status = blkback_prepare_data(ring, req, r);
	}
	if (status == -ENOMEM) {
		blkback_req_free(req);
		goto wait;
	}
	if (status != BLKBACK_OK) {
		blkback_req_free(req);
		blkback_answer(ring, r, status);
		return 0;
	}
	atomic_inc(&ring->inflight);
	blkback_io_start(req);
	return 0;
wait:
	/* Memory or bounce pages: a completion or the timer runs us again. */
	*wait_ns = BLKBACK_RETRY_NS;
	return -EBUSY;
}

/* Copy the next slot out, if there is one and room for it in flight. */
static int blkback_fetch(struct blkback_ring *ring)
{
	int avail;

	if (atomic_read(&ring->inflight) >= ring->req.size)
		return -ENOSPC;	/* a completion runs us again */
	for (;;) {
		avail = pvio_ring_avail(&ring->req);
		if (avail < 0)
			return blkback_ring_broken(ring,
						   "bad request ring indices");
		if (avail)
			break;
		if (!pvio_ring_cons_enable_notify(&ring->req))
			return -ENODATA;
	}
	if (pvio_ring_cons_copy(&ring->req, &ring->raw))
		return blkback_ring_broken(ring, "bad request ring indices");
	/*
	 * Its slot goes back at once: the answer may be published (by a
	 * completion) before this run ends, and a frontend with one slot
	 * per request in flight reuses the slot once it has the answer.
	 */
	ring->req_kick |= pvio_ring_cons_release(&ring->req);
	ring->raw_held = true;
	ring->raw_charged = false;
	return 0;
}

/*
 * Take requests until the ring is empty (notifications re-armed), the
 * budget is spent (return 1: run again), a request must wait (-EBUSY,
 * *@wait_ns set) or the ring broke.
 */
static int blkback_intake(struct blkback_ring *ring, u64 *wait_ns)
{
	unsigned int budget = BLKBACK_BUDGET;
	int ret;

	while (!ring->broken) {
		if (!ring->raw_held) {
			if (!budget--)
				return 1;
			ret = blkback_fetch(ring);
			if (ret)
				return ret == -EPROTO ? ret : 0;
		}
		ret = blkback_take(ring, wait_ns);
		if (ret)
			return ret;
		ring->raw_held = false;
		cond_resched();
	}
	return -EPROTO;
}

/* ---- completions ---- */

static u16 blkback_status(struct blkback_req *req)
{
	switch (req->error) {
	case 0:
		return PVIO_BLKIF_RSP_OK;
	case -EOPNOTSUPP:
		return PVIO_BLKIF_RSP_NOTSUPP;
	default:
		return PVIO_BLKIF_RSP_ERROR;
	}
}

/* Answer a finished request; publish it unless a pass of the work will. */
static void blkback_answer_done(struct blkback_ring *ring,
				struct blkback_req *req)
{
	u16 status = blkback_status(req);
	unsigned long flags;

	if (status == PVIO_BLKIF_RSP_OK && req->op == PVIO_BLKIF_OP_READ &&
	    blkback_copy(req, true))
		status = PVIO_BLKIF_RSP_ERROR;	/* grant revoked */
	if (req->error && status == PVIO_BLKIF_RSP_ERROR)
		dev_err_ratelimited(&ring->vbd->pdev->dev,
				    "queue %u: op %u at sector %llu failed: %d\n",
				    ring->qid, req->op, req->sector, req->error);
	spin_lock_irqsave(&ring->rsp_lock, flags);
	blkback_respond(ring, req->id, req->op, status);
	/*
	 * Inside a pass of the work (files, a device completing in
	 * submit_bio(), an interrupt on the work's stack) the pass
	 * publishes every answer at its end, with one kick.
	 */
	if (READ_ONCE(ring->pass) != current)
		blkback_rsp_publish(ring);
	spin_unlock_irqrestore(&ring->rsp_lock, flags);
	atomic64_inc(&ring->requests);
	if (blkback_op_has_data(req->op))
		atomic64_add(req->nr_sectors, &ring->sectors);
	if (status != PVIO_BLKIF_RSP_OK)
		atomic64_inc(&ring->errors);
}

/*
 * Answer a finished request (unless disconnecting) and free it. Return
 * whether the work must run: it stopped taking requests with the ring's
 * worth in flight, or a capacity-change notice waits for room.
 */
static bool blkback_finish(struct blkback_ring *ring, struct blkback_req *req)
{
	int left;

	if (READ_ONCE(ring->stopping)) {
		blkback_req_free(req);
		if (atomic_dec_and_test(&ring->inflight))
			wake_up(&ring->idle);
		return false;
	}
	blkback_answer_done(ring, req);
	blkback_req_free(req);
	left = atomic_dec_return(&ring->inflight);
	/*
	 * A disconnect may have begun since we looked. wq_has_sleeper()'s
	 * barrier pairs with the one in blkback_ring_drain()'s wait: it
	 * sees @inflight at zero, or we see it waiting.
	 */
	if (!left && wq_has_sleeper(&ring->idle))
		wake_up(&ring->idle);
	return left + 1 >= ring->req.size || atomic_read(&ring->changed) ||
	       READ_ONCE(ring->pages_wait);
}

/* Answer the reads that ended in hard interrupts, oldest first. */
static void blkback_retire(struct blkback_ring *ring)
{
	struct llist_node *list = llist_del_all(&ring->done);
	struct blkback_req *req, *next;

	list = llist_reverse_order(list);
	llist_for_each_entry_safe(req, next, list, node)
		blkback_finish(ring, req);
}

static void blkback_ring_work(struct work_struct *work)
{
	struct blkback_ring *ring = container_of(to_delayed_work(work),
						 struct blkback_ring, work);
	/* We serve a disk: allocating must not recurse into I/O. */
	unsigned int noio = memalloc_noio_save();
	struct blk_plug plug;
	u64 wait_ns = 0;
	int ret = 0;

	WRITE_ONCE(ring->pass, current);
	WRITE_ONCE(ring->passes, ring->passes + 1);
	blkback_retire(ring);
	if (!READ_ONCE(ring->stopping)) {
		/* The pass's bios go down together, at the end. */
		blk_start_plug(&plug);
		ret = blkback_intake(ring, &wait_ns);
		blk_finish_plug(&plug);
		blkback_send_changed(ring);
	}
	/*
	 * From here a completion publishes its own answer; the ones before
	 * are on the ring, unpublished, and go out with the refusals.
	 */
	WRITE_ONCE(ring->pass, NULL);
	blkback_publish(ring);
	if (ret == 1)
		queue_delayed_work(blkback_wq, &ring->work, 0);
	else if (ret == -EBUSY)
		queue_delayed_work(blkback_wq, &ring->work,
				   nsecs_to_jiffies(wait_ns) + 1);
	memalloc_noio_restore(noio);
}

/* ---- connecting ---- */

static void blkback_ring_coalesce(struct blkback_ring *ring)
{
	struct pvio_coalesce c = { .usecs = ring->vbd->coalesce_usecs };

	/* In range: the toolstack key was checked against a smaller max. */
	WARN_ON_ONCE(pvio_evtchn_set_coalesce(ring->ch, &c));
}

/* Map one ring of @entry_size slots at @gref and attach to it. */
static int blkback_map_ring(struct blkback_vbd *vbd, struct pvio_ring *r,
			    u32 gref, u32 entry_size)
{
	u32 pages = DIV_ROUND_UP(PVIO_RING_BYTES(vbd->ring_order, entry_size),
				 PVIO_PAGE_SIZE);
	void *sh;

	sh = pvio_grant_map_range(vbd->link, gref, pages,
				  PVIO_GRANT_READ | PVIO_GRANT_WRITE);
	if (IS_ERR(sh))
		return PTR_ERR(sh);
	return pvio_ring_attach(r, sh, vbd->ring_order, entry_size);
}

static int blkback_ring_connect(struct blkback_ring *ring)
{
	struct blkback_vbd *vbd = ring->vbd;
	char key[PVIO_STORE_KEY_MAX], buf[PVIO_STORE_VALUE_MAX];
	u32 req_gref, rsp_gref, port;
	struct pvio_evtchn *ch;
	int ret;

	/* The indirect pages of a request, read in turn by the work. */
	ring->ind_page = kmalloc(PVIO_PAGE_SIZE, GFP_KERNEL);
	if (!ring->ind_page)
		return -ENOMEM;
	snprintf(key, sizeof(key), "vbd%u/q%u", vbd->pdev->index, ring->qid);
	ret = pvio_store_read(vbd->link, PVIO_STORE_FRONTEND, key, buf,
			      sizeof(buf));
	if (ret)
		return ret;
	if (sscanf(buf, "%u %u %u", &req_gref, &rsp_gref, &port) != 3 ||
	    port == PVIO_PORT_CONTROL)
		return -EPROTO;
	ret = blkback_map_ring(vbd, &ring->req, req_gref, BLKBACK_REQ_SIZE);
	if (!ret)
		ret = blkback_map_ring(vbd, &ring->rsp, rsp_gref,
				       BLKBACK_RSP_SIZE);
	if (ret)
		return ret;
	ch = pvio_evtchn_bind(vbd->link, PVIO_BACKEND, port,
			      blkback_ring_event, ring);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	ring->ch = ch;
	blkback_ring_coalesce(ring);
	return 0;
}

/**
 * blkback_rings_connect() - map the frontend's rings and serve them
 * @vbd: the vbd, not connected; under @vbd->lock
 * @nr: queues, validated by the caller
 * @order: log2 of each ring's slots, validated by the caller
 *
 * Return: 0, or a negative errno with nothing left connected.
 */
int blkback_rings_connect(struct blkback_vbd *vbd, unsigned int nr,
			  unsigned int order)
{
	unsigned int q;
	int ret;

	vbd->rings = kcalloc(nr, sizeof(*vbd->rings), GFP_KERNEL);
	if (!vbd->rings)
		return -ENOMEM;
	vbd->nr_rings = nr;
	vbd->ring_order = order;
	for (q = 0; q < nr; q++) {
		struct blkback_ring *ring = &vbd->rings[q];

		ring->vbd = vbd;
		ring->qid = q;
		INIT_DELAYED_WORK(&ring->work, blkback_ring_work);
		INIT_LIST_HEAD(&ring->free_pages);
		spin_lock_init(&ring->pages_lock);
		spin_lock_init(&ring->rsp_lock);
		init_llist_head(&ring->done);
		init_llist_head(&ring->req_cache[0]);
		init_llist_head(&ring->req_cache[1]);
		init_waitqueue_head(&ring->idle);
	}
	for (q = 0; q < nr; q++) {
		ret = blkback_ring_connect(&vbd->rings[q]);
		if (ret) {
			blkback_rings_disconnect(vbd);
			return ret;
		}
	}
	/* Requests sent before the ports were bound rang nobody. */
	blkback_rings_kick(vbd);
	return 0;
}

/* Wait for the I/O a ring started, in slices the hung-task check likes. */
static void blkback_ring_drain(struct blkback_ring *ring)
{
	while (!wait_event_timeout(ring->idle,
				   !atomic_read(&ring->inflight),
				   BLKBACK_DRAIN_SLICE))
		dev_warn(&ring->vbd->pdev->dev,
			 "queue %u: still waiting for %d requests\n",
			 ring->qid, atomic_read(&ring->inflight));
}

static void blkback_ring_disconnect(struct blkback_ring *ring)
{
	struct blkback_vbd *vbd = ring->vbd;

	struct pvio_evtchn *ch;

	WRITE_ONCE(ring->stopping, true);
	/* After this the work takes no request; completions answer none. */
	cancel_delayed_work_sync(&ring->work);
	spin_lock_irq(&ring->rsp_lock);
	ch = ring->ch;
	ring->ch = NULL;
	spin_unlock_irq(&ring->rsp_lock);
	if (ch)
		pvio_evtchn_unbind(ch);
	/*
	 * A read on ->done whose kick the cancel swallowed has nobody to
	 * retire it: run the work for it (later ones kick for themselves).
	 */
	blkback_ring_run(ring);
	blkback_ring_drain(ring);
	/* No blkback_req_done() still touching the ring or running work. */
	synchronize_rcu();
	cancel_delayed_work_sync(&ring->work);
	blkback_retire(ring);
	blkback_pages_drop(ring);
	blkback_reqs_drop(ring);
	kfree(ring->ind_page);
	ring->ind_page = NULL;
	/* The counters outlive the rings. */
	vbd->stats.requests += atomic64_read(&ring->requests);
	vbd->stats.sectors += atomic64_read(&ring->sectors);
	vbd->stats.errors += atomic64_read(&ring->errors);
}

/**
 * blkback_rings_disconnect() - stop serving the rings and drop them
 * @vbd: the vbd; under @vbd->lock
 *
 * Waits for every request in flight; their answers go nowhere.
 */
void blkback_rings_disconnect(struct blkback_vbd *vbd)
{
	unsigned int q;

	if (!vbd->rings)
		return;
	for (q = 0; q < vbd->nr_rings; q++)
		blkback_ring_disconnect(&vbd->rings[q]);
	kfree(vbd->rings);
	vbd->rings = NULL;
	vbd->nr_rings = 0;
}

/* Run every ring's work: new limits, or requests that rang nobody. */
void blkback_rings_kick(struct blkback_vbd *vbd)
{
	unsigned int q;

	for (q = 0; q < vbd->nr_rings; q++)
		blkback_ring_run(&vbd->rings[q]);
}

/*
 * Interrupt coalescing: the vbd's coalesce time on every ring's channel.
 * The first kick held back waits that long and every answer meanwhile
 * shares it: fewer interrupts, each answer up to that much later (as
 * NVMe's aggregation time). Under vbd->lock.
 */
void blkback_rings_coalesce(struct blkback_vbd *vbd)
{
	unsigned int q;

	for (q = 0; q < vbd->nr_rings; q++)
		if (vbd->rings[q].ch)
			blkback_ring_coalesce(&vbd->rings[q]);
}

/* Tell the frontend on queue 0 that "disk" changed. Under vbd->lock. */
void blkback_ring_changed(struct blkback_vbd *vbd)
{
	if (!vbd->rings)
		return;
	atomic_set(&vbd->rings[0].changed, 1);
	blkback_ring_run(&vbd->rings[0]);
}

/* The vbd's counters, past rings' and current ones. Under vbd->lock. */
void blkback_rings_stats(struct blkback_vbd *vbd, struct pvio_dev_stats *st)
{
	unsigned int q;

	*st = vbd->stats;
	for (q = 0; q < vbd->nr_rings; q++) {
		struct blkback_ring *ring = &vbd->rings[q];

		st->requests += atomic64_read(&ring->requests);
		st->sectors += atomic64_read(&ring->sectors);
		st->errors += atomic64_read(&ring->errors);
		st->in_flight += atomic_read(&ring->inflight);
	}
}
