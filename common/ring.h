/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/* Copyright (C) 2026 The pvio authors. */
/*
 * Single-producer single-consumer ring in memory shared between two domains.
 *
 * The shared part (struct pvio_ring_shared) is wire ABI: two cache lines of
 * indices, each written by one side only, followed by 2^order slots of
 * entry_size bytes. Indices run freely over 32 bits; a slot is index & mask.
 *
 * Each side keeps a private view (struct pvio_ring) and never reads back an
 * index it owns from shared memory: the peer can write anywhere in the
 * region. What it reads from the peer is read once, checked against what an
 * honest peer could have written, and a violation breaks the view for good
 * (-EPROTO from every later call); the caller then tears the link down.
 *
 * Notifications use event indices as in virtio and Xen: a side that wants a
 * kick writes the index it waits for into the peer's event field, issues a
 * full barrier, and checks again; the other side publishes, issues a full
 * barrier, and kicks only if it moved its index past that event. A consumer
 * that does not re-arm gets at most one kick, so there is no separate
 * "disable notifications" call: not re-arming is disabling.
 *
 * The same file builds in the kernel and in userspace tests.
 */

#ifndef _PVIO_RING_H
#define _PVIO_RING_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>
#else
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
/* uapi types: the same __u32/__le32 as any other userspace header uses */
#include <linux/types.h>

#ifndef cpu_to_le32
#define cpu_to_le16(x)	htole16(x)
#define le16_to_cpu(x)	le16toh(x)
#define cpu_to_le32(x)	htole32(x)
#define le32_to_cpu(x)	le32toh(x)
#define cpu_to_le64(x)	htole64(x)
#define le64_to_cpu(x)	le64toh(x)
#endif

/*
 * Relaxed atomics rather than volatile: the same code, but the C11 memory
 * model then gives the fences below their meaning.
 */
#ifndef READ_ONCE
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
#endif

#ifndef virt_mb
#define virt_mb()	/* earlier accesses before later ones */ \
	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define virt_rmb()	/* acquire: earlier loads before later accesses */ \
	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virt_wmb()	/* release: earlier accesses before later stores */ \
	__atomic_thread_fence(__ATOMIC_RELEASE)
#define virt_load_acquire(p)	/* later accesses after this load */ \
	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define virt_store_release(p, v) /* earlier accesses before this store */ \
	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif
#endif /* __KERNEL__ */

/* Largest ring: 2^15 slots. */
#define PVIO_RING_ORDER_MAX	15
/* Entry sizes: multiples of 8 so 8-byte fields in a slot stay aligned. */
#define PVIO_RING_ENTRY_ALIGN	8
#define PVIO_RING_ENTRY_MIN	8
#define PVIO_RING_ENTRY_MAX	4096

/**
 * struct pvio_ring_shared - ring header and slots, in shared memory
 * @prod: entries published so far; written by the producer only
 * @cons_event: producer asks for a kick once the consumer releases the entry
 *	with this index (@cons moves past it)
 * @pad0: keeps the producer's line apart from the consumer's; zero
 * @cons: entries released so far; written by the consumer only
 * @prod_event: consumer asks for a kick once the producer publishes the entry
 *	with this index (@prod moves past it)
 * @pad1: keeps the slots off the consumer's line; zero
 * @slots: 2^order entries of entry_size bytes, both agreed out of band
 *
 * All indices are little-endian and free-running. Line 0 (bytes 0-63) is
 * written only by the producer, line 1 (bytes 64-127) only by the consumer.
 * Place the structure at a 64-byte-aligned offset (a page in practice).
 *
 * Do not change: it breaks existing peers.
 */
struct pvio_ring_shared {
	__le32 prod;
	__le32 cons_event;
	__u8 pad0[56];
	__le32 cons;
	__le32 prod_event;
	__u8 pad1[56];
	__u8 slots[];
};

static_assert(sizeof(struct pvio_ring_shared) == 128, "ring ABI");
static_assert(offsetof(struct pvio_ring_shared, prod) == 0, "ring ABI");
static_assert(offsetof(struct pvio_ring_shared, cons_event) == 4, "ring ABI");
static_assert(offsetof(struct pvio_ring_shared, cons) == 64, "ring ABI");
static_assert(offsetof(struct pvio_ring_shared, prod_event) == 68, "ring ABI");
static_assert(offsetof(struct pvio_ring_shared, slots) == 128, "ring ABI");

/**
 * PVIO_RING_BYTES() - shared memory a ring takes, header included
 * @order: log2 of the number of slots
 * @entry_size: bytes per slot
 */
#define PVIO_RING_BYTES(order, entry_size) \
	(sizeof(struct pvio_ring_shared) + ((size_t)(entry_size) << (order)))

/**
 * struct pvio_ring - one side's private view of a ring
 * @sh: the shared ring
 * @size: number of slots, 2^order
 * @mask: @size - 1
 * @entry_size: bytes per slot
 * @prod_pvt: producer: index of the next slot to fill
 * @prod_pub: producer: last index written to @sh->prod
 * @cons_seen: producer: last validated value of @sh->cons
 * @cons_pvt: consumer: index of the next entry to copy out
 * @cons_pub: consumer: last index written to @sh->cons
 * @prod_seen: consumer: last validated value of @sh->prod
 * @err: 0, or -EPROTO once the peer broke the protocol; sticky
 *
 * Lives in private memory: nothing here can be changed by the peer. One side
 * uses only the producer fields or only the consumer fields.
 */
struct pvio_ring {
	struct pvio_ring_shared *sh;
	__u32 size;
	__u32 mask;
	__u32 entry_size;
	__u32 prod_pvt;
	__u32 prod_pub;
	__u32 cons_seen;
	__u32 cons_pvt;
	__u32 cons_pub;
	__u32 prod_seen;
	int err;
};

/**
 * pvio_need_event() - whether moving an index past an event index needs a kick
 * @event: index the peer asked to be told about
 * @new_idx: index just published
 * @old: index published before
 *
 * The peer wants a kick once the entry at @event is covered, i.e. when
 * @event lies in [@old, @new_idx) modulo 2^32 (virtio's vring_need_event()).
 *
 * Return: true if the peer must be kicked.
 */
static inline bool pvio_need_event(__u32 event, __u32 new_idx, __u32 old)
{
	return (__u32)(new_idx - event - 1) < (__u32)(new_idx - old);
}

/**
 * pvio_ring_params_valid() - check a ring's geometry
 * @order: log2 of the number of slots
 * @entry_size: bytes per slot
 *
 * Return: true if @order is at most PVIO_RING_ORDER_MAX and @entry_size is a
 * multiple of PVIO_RING_ENTRY_ALIGN between PVIO_RING_ENTRY_MIN and
 * PVIO_RING_ENTRY_MAX.
 */
static inline bool pvio_ring_params_valid(unsigned int order, __u32 entry_size)
{
	return order <= PVIO_RING_ORDER_MAX &&
	       entry_size >= PVIO_RING_ENTRY_MIN &&
	       entry_size <= PVIO_RING_ENTRY_MAX &&
	       entry_size % PVIO_RING_ENTRY_ALIGN == 0;
}

/**
 * pvio_ring_init_shared() - lay out a new ring
 * @sh: PVIO_RING_BYTES(@order, @entry_size) bytes of shared memory
 * @order: log2 of the number of slots
 * @entry_size: bytes per slot
 *
 * Called by the side that owns the memory (the frontend) before either side
 * attaches. Zeroes the whole ring so no stale data is exposed to the peer.
 *
 * Return: 0, or -EINVAL on bad geometry.
 */
static inline int pvio_ring_init_shared(struct pvio_ring_shared *sh,
					unsigned int order, __u32 entry_size)
{
	if (!pvio_ring_params_valid(order, entry_size))
		return -EINVAL;
	memset(sh, 0, PVIO_RING_BYTES(order, entry_size));
	return 0;
}

/**
 * pvio_ring_attach() - set up a private view of a shared ring
 * @r: the view to fill
 * @sh: the shared ring
 * @order: log2 of the number of slots
 * @entry_size: bytes per slot
 *
 * Reads the shared indices once and starts from them, so a side that
 * re-attaches after a restart resumes where the ring stands. The same view
 * serves either role.
 *
 * Return: 0; -EINVAL on bad geometry; -EPROTO if the indices are more than
 * a ring apart.
 */
static inline int pvio_ring_attach(struct pvio_ring *r,
				   struct pvio_ring_shared *sh,
				   unsigned int order, __u32 entry_size)
{
	__u32 prod, cons;

	if (!pvio_ring_params_valid(order, entry_size))
		return -EINVAL;
	prod = le32_to_cpu(READ_ONCE(sh->prod));
	cons = le32_to_cpu(READ_ONCE(sh->cons));
	if (prod - cons > 1U << order)
		return -EPROTO;
	*r = (struct pvio_ring) {
		.sh = sh,
		.size = 1U << order,
		.mask = (1U << order) - 1,
		.entry_size = entry_size,
		.prod_pvt = prod,
		.prod_pub = prod,
		.cons_seen = cons,
		.cons_pvt = cons,
		.cons_pub = cons,
		/* nothing validated yet: pvio_ring_avail() reads prod */
		.prod_seen = cons,
	};
	return 0;
}

/**
 * pvio_ring_slot() - address of the slot an index maps to
 * @r: the view
 * @idx: free-running index
 *
 * Return: pointer into @r->sh->slots; always inside the ring.
 */
static inline void *pvio_ring_slot(const struct pvio_ring *r, __u32 idx)
{
	return r->sh->slots + (size_t)(idx & r->mask) * r->entry_size;
}

/**
 * pvio_ring_break() - record a protocol violation by the peer
 * @r: the view
 *
 * Return: -EPROTO, which every later call on @r returns too.
 */
static inline int pvio_ring_break(struct pvio_ring *r)
{
	r->err = -EPROTO;
	return r->err;
}

/**
 * pvio_ring_free() - producer: number of slots free to fill
 * @r: producer view
 *
 * Reads the consumer index once. An honest consumer only moves it forward
 * and never past what was published.
 *
 * Return: free slots (0 when full), or -EPROTO.
 */
static inline int pvio_ring_free(struct pvio_ring *r)
{
	__u32 cons;

	if (r->err)
		return r->err;
	/*
	 * Acquire: the consumer's reads of the slots it released happen
	 * before we overwrite them (pairs with virt_store_release() in
	 * pvio_ring_cons_release()).
	 */
	cons = le32_to_cpu(virt_load_acquire(&r->sh->cons));
	if (cons - r->cons_seen > r->prod_pub - r->cons_seen)
		return pvio_ring_break(r);
	r->cons_seen = cons;
	return r->size - (r->prod_pvt - cons);
}

/**
 * pvio_ring_prod_slot() - producer: next slot to fill, zeroed
 * @r: producer view
 *
 * The slot is cleared so that no padding or stale bytes reach the peer.
 * Fill it, then call pvio_ring_prod_push(); nothing is visible to the
 * consumer before pvio_ring_publish().
 *
 * Return: the slot, or NULL if the ring is full or broken.
 */
static inline void *pvio_ring_prod_slot(struct pvio_ring *r)
{
	void *slot;

	if (r->err)
		return NULL;
	if (r->prod_pvt - r->cons_seen >= r->size && pvio_ring_free(r) <= 0)
		return NULL;
	slot = pvio_ring_slot(r, r->prod_pvt);
	memset(slot, 0, r->entry_size);
	return slot;
}

/**
 * pvio_ring_prod_push() - producer: commit the slot from pvio_ring_prod_slot()
 * @r: producer view
 *
 * Call only after pvio_ring_prod_slot() returned a slot. The entry stays
 * private until pvio_ring_publish().
 */
static inline void pvio_ring_prod_push(struct pvio_ring *r)
{
	r->prod_pvt++;
}

/**
 * pvio_ring_publish() - producer: make pushed entries visible
 * @r: producer view
 *
 * Return: true if the consumer asked to be kicked for one of the entries
 * just published; the caller then notifies it.
 */
static inline bool pvio_ring_publish(struct pvio_ring *r)
{
	__u32 old = r->prod_pub, new_idx = r->prod_pvt;

	if (new_idx == old)
		return false;
	/* The consumer sees the slots filled before the index covering them. */
	virt_wmb();
	WRITE_ONCE(r->sh->prod, cpu_to_le32(new_idx));
	r->prod_pub = new_idx;
	/*
	 * The consumer sees the new index before we read prod_event: either
	 * its pvio_ring_cons_enable_notify() re-check finds the entries, or
	 * we find its event (pairs with the virt_mb() there).
	 */
	virt_mb();
	return pvio_need_event(le32_to_cpu(READ_ONCE(r->sh->prod_event)),
			       new_idx, old);
}

/**
 * pvio_ring_prod_arm_space() - producer: ask to be kicked when a slot frees
 * @r: producer view
 *
 * For a producer that found the ring full and wants to sleep. Publish
 * first: the consumer cannot free slots it has not seen. If this returns
 * false, sleep until kicked; otherwise retry at once.
 *
 * Return: true if space appeared (or the ring broke: pvio_ring_free() says
 * which) while arming, false if the caller may sleep.
 */
static inline bool pvio_ring_prod_arm_space(struct pvio_ring *r)
{
	/* cons passing prod_pvt - size frees one slot */
	WRITE_ONCE(r->sh->cons_event, cpu_to_le32(r->prod_pvt - r->size));
	/*
	 * The consumer sees cons_event before we re-read cons: either it
	 * kicks us or we see its release (pairs with the virt_mb() in
	 * pvio_ring_cons_release()).
	 */
	virt_mb();
	return pvio_ring_free(r) != 0;
}

/**
 * pvio_ring_avail() - consumer: number of entries ready to copy out
 * @r: consumer view
 *
 * Reads the producer index once. An honest producer only moves it forward
 * and never more than the ring size past what was released.
 *
 * Return: entries available, or -EPROTO.
 */
static inline int pvio_ring_avail(struct pvio_ring *r)
{
	__u32 prod;

	if (r->err)
		return r->err;
	prod = le32_to_cpu(READ_ONCE(r->sh->prod));
	if (prod - r->prod_seen > r->cons_pub + r->size - r->prod_seen)
		return pvio_ring_break(r);
	r->prod_seen = prod;
	/*
	 * We read the index before the slots it covers (pairs with the
	 * virt_wmb() in pvio_ring_publish()).
	 */
	virt_rmb();
	return prod - r->cons_pvt;
}

/**
 * pvio_ring_cons_copy() - consumer: copy the next entry out of the ring
 * @r: consumer view
 * @dst: entry_size bytes of private memory
 *
 * The slot is read once; the peer may still change it, so validate @dst,
 * never the slot. The slot stays reserved until pvio_ring_cons_release().
 *
 * Return: 0; -ENODATA if pvio_ring_avail() reported no entry left; -EPROTO.
 */
static inline int pvio_ring_cons_copy(struct pvio_ring *r, void *dst)
{
	if (r->err)
		return r->err;
	if (r->cons_pvt == r->prod_seen)
		return -ENODATA;
	memcpy(dst, pvio_ring_slot(r, r->cons_pvt), r->entry_size);
	r->cons_pvt++;
	return 0;
}

/**
 * pvio_ring_cons_release() - consumer: hand copied slots back to the producer
 * @r: consumer view
 *
 * Return: true if the producer asked to be kicked for one of the slots just
 * released; the caller then notifies it.
 */
static inline bool pvio_ring_cons_release(struct pvio_ring *r)
{
	__u32 old = r->cons_pub, new_idx = r->cons_pvt;

	if (new_idx == old)
		return false;
	/*
	 * Release: our reads of the slots finish before the producer sees
	 * them freed and refills them (pairs with virt_load_acquire() in
	 * pvio_ring_free()).
	 */
	virt_store_release(&r->sh->cons, cpu_to_le32(new_idx));
	r->cons_pub = new_idx;
	/*
	 * The producer sees the new index before we read cons_event: either
	 * its pvio_ring_prod_arm_space() re-check finds the space, or we
	 * find its event (pairs with the virt_mb() there).
	 */
	virt_mb();
	return pvio_need_event(le32_to_cpu(READ_ONCE(r->sh->cons_event)),
			       new_idx, old);
}

/**
 * pvio_ring_cons_enable_notify() - consumer: ask to be kicked for new entries
 * @r: consumer view
 *
 * For a consumer that found the ring empty and wants to sleep (Xen's
 * RING_FINAL_CHECK_FOR_REQUESTS, virtio's virtqueue_enable_cb()). If this
 * returns false, sleep until kicked; otherwise keep consuming. Until it is
 * called again the producer kicks at most once.
 *
 * Return: true if entries are pending (or the ring broke: pvio_ring_avail()
 * says which), false if the caller may sleep.
 */
static inline bool pvio_ring_cons_enable_notify(struct pvio_ring *r)
{
	/* kick me when the entry at cons_pvt is published */
	WRITE_ONCE(r->sh->prod_event, cpu_to_le32(r->cons_pvt));
	/*
	 * The producer sees prod_event before we re-read prod: either it
	 * kicks us or we see its entries (pairs with the virt_mb() in
	 * pvio_ring_publish()).
	 */
	virt_mb();
	return pvio_ring_avail(r) != 0;
}

/**
 * pvio_ring_cons_enable_notify_after() - consumer: ask for a kick later
 * @r: consumer view
 * @n: entries, at least 1, that must be pending before the kick
 *
 * As pvio_ring_cons_enable_notify(), but the producer kicks only once it
 * publishes the @n-th entry after what was copied out so far: interrupt
 * moderation by frame count. The consumer needs a timer of its own for
 * fewer than @n entries. With @n 1 this is pvio_ring_cons_enable_notify().
 *
 * Return: true if @n entries are pending already (or the ring broke:
 * pvio_ring_avail() says which), false if the caller may sleep.
 */
static inline bool pvio_ring_cons_enable_notify_after(struct pvio_ring *r,
						      __u32 n)
{
	int avail;

	/* kick me when the entry at cons_pvt + n - 1 is published */
	WRITE_ONCE(r->sh->prod_event, cpu_to_le32(r->cons_pvt + n - 1));
	/* Pairs with the virt_mb() in pvio_ring_publish(), as above. */
	virt_mb();
	avail = pvio_ring_avail(r);
	return avail < 0 || (__u32)avail >= n;
}

/**
 * struct pvio_coalesce - notification coalescing parameters
 * @max_frames: kick once this many entries are pending; 0: no frame limit
 * @usecs: kick at the latest this long after the first pending entry;
 *	   0: no time limit
 *
 * Both 0 (the default) turns coalescing off: every kick goes out at once.
 * As with ethtool's rx-frames, @max_frames alone can hold a kick back until
 * more entries come; set @usecs to bound the delay.
 */
struct pvio_coalesce {
	__u32 max_frames;
	__u32 usecs;
};

/**
 * pvio_coalesce_fire_now() - whether a held-back kick must go out now
 * @c: coalescing parameters
 * @pending: entries published since the last kick
 * @now_ns: current time
 * @first_pending_ns: time the first of them was published
 *
 * Times are on one clock in nanoseconds; the elapsed time is computed
 * modulo 2^64, so a clock wrapping between the two readings is handled.
 *
 * Return: true if @pending is not 0 and coalescing is off, @max_frames is
 * reached or @usecs have elapsed.
 */
static inline bool pvio_coalesce_fire_now(const struct pvio_coalesce *c,
					  __u32 pending, __u64 now_ns,
					  __u64 first_pending_ns)
{
	if (!pending)
		return false;
	if (!c->max_frames && !c->usecs)
		return true;
	if (c->max_frames && pending >= c->max_frames)
		return true;
	return c->usecs &&
	       now_ns - first_pending_ns >= (__u64)c->usecs * 1000;
}

/**
 * pvio_coalesce_deadline_ns() - when the coalescing timer must fire
 * @c: coalescing parameters
 * @first_pending_ns: time the first held-back entry was published
 *
 * Computed modulo 2^64 like pvio_coalesce_fire_now(); a deadline landing
 * exactly on 0 is moved to 1 ns later, as 0 means no timer.
 *
 * Return: the deadline on @first_pending_ns's clock, or 0 if @usecs is 0
 * and no timer is needed.
 */
static inline __u64 pvio_coalesce_deadline_ns(const struct pvio_coalesce *c,
					      __u64 first_pending_ns)
{
	__u64 deadline;

	if (!c->usecs)
		return 0;
	deadline = first_pending_ns + (__u64)c->usecs * 1000;
	return deadline ? deadline : 1;
}

#endif /* _PVIO_RING_H */
