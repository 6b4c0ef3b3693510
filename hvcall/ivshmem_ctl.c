// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The control region pvio-hvd shares with the driver domain only
 * (common/hvd_control.h): which links this domain serves as the backend,
 * their generations and the toolstack's keys. No guest maps it, so what
 * it says is what a backend may trust; still, every read is a copy taken
 * between two equal, even sequence counts and validated, as from any
 * other VM (pvio-hvd may be mid-update, or dead).
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ivshmem.h"

/* Retries of a torn read: spins, then (when allowed) sleeps. */
#define PVIO_CTL_SPINS		64
#define PVIO_CTL_SLEEPS		20

static const struct pvio_hvd_ctl_header *ctl_hdr(const void *ctl)
{
	return ctl;
}

static const struct pvio_hvd_ctl_record *ctl_rec(const void *ctl, u32 i)
{
	return ctl + (size_t)(1 + i) * PVIO_PAGE_SIZE;
}

bool pvio_ivshmem_ctl_valid(const void *ctl, size_t size)
{
	const struct pvio_hvd_ctl_header *h = ctl_hdr(ctl);

	return size >= (size_t)PVIO_HVD_CTL_PAGES * PVIO_PAGE_SIZE &&
	       le32_to_cpu(READ_ONCE(h->magic)) == PVIO_HVD_CTL_MAGIC &&
	       le32_to_cpu(READ_ONCE(h->abi_version)) == PVIO_HVD_CTL_ABI;
}

/*
 * Copy @len bytes at @off of record @i into @dst, consistent: the
 * seqlock's read side. -EIO if the region stays torn.
 */
static int ctl_copy(const void *ctl, u32 i, size_t off, void *dst,
		    size_t len, bool may_sleep)
{
	const struct pvio_hvd_ctl_header *h = ctl_hdr(ctl);
	int try, tries = PVIO_CTL_SPINS + (may_sleep ? PVIO_CTL_SLEEPS : 0);
	u32 seq;

	if (i >= PVIO_HVD_CTL_RECORDS)
		return -ERANGE;
	for (try = 0; try < tries; try++) {
		if (try >= PVIO_CTL_SPINS)
			usleep_range(1000, 2000);
		else if (try)
			cpu_relax();
		seq = le32_to_cpu(READ_ONCE(h->seq));
		if (seq & 1)
			continue;
		/* The count before the record (pvio-hvd: wmb after odd). */
		virt_rmb();
		memcpy(dst, (const void *)ctl_rec(ctl, i) + off, len);
		/* The record before the count again (wmb before even). */
		virt_rmb();
		if (le32_to_cpu(READ_ONCE(h->seq)) == seq)
			return 0;
	}
	return -EIO;
}

int pvio_ivshmem_ctl_head(const void *ctl, u32 index,
			  struct pvio_ivshmem_head *head, bool may_sleep)
{
	/* The fields before the keys only: a page is too big a copy. */
	u8 buf[offsetof(struct pvio_hvd_ctl_record, keys)] __aligned(8);
	const struct pvio_hvd_ctl_record *r = (const void *)buf;
	int ret;

	ret = ctl_copy(ctl, index, 0, buf, sizeof(buf), may_sleep);
	if (ret)
		return ret;
	memset(head, 0, sizeof(*head));
	head->used = le32_to_cpu(r->flags) & PVIO_HVD_CTL_F_USED &&
		     le32_to_cpu(r->link_id) == index;
	if (!head->used)
		return 0;
	head->serial = le32_to_cpu(r->serial);
	head->backend_id = le16_to_cpu(r->backend_id);
	head->frontend_id = le16_to_cpu(r->frontend_id);
	head->generation = le32_to_cpu(r->generation);
	head->backend_peer = le32_to_cpu(r->backend_peer);
	return 0;
}

/* The record whose backend end is ivshmem peer @peer: this domain's. */
int pvio_ivshmem_ctl_find(const void *ctl, u32 peer, u32 *index,
			  struct pvio_ivshmem_head *head)
{
	u32 i;
	int ret;

	if (!peer)
		return -ENOENT;
	for (i = 0; i < PVIO_HVD_CTL_RECORDS; i++) {
		ret = pvio_ivshmem_ctl_head(ctl, i, head, true);
		if (ret)
			return ret;
		if (head->used && head->backend_peer == peer) {
			*index = i;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * The keys of record @index, if it still describes the link of @serial;
 * each one terminated (an unterminated key or value is dropped, as the
 * config store drops a malformed area).
 */
int pvio_ivshmem_ctl_keys(const void *ctl, u32 index, u32 serial,
			  struct pvio_store_entry *keys)
{
	struct pvio_hvd_ctl_record *r;
	int i, ret;

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	ret = ctl_copy(ctl, index, 0, r, sizeof(*r), true);
	if (ret)
		goto out;
	ret = -ENOENT;
	if (!(le32_to_cpu(r->flags) & PVIO_HVD_CTL_F_USED) ||
	    le32_to_cpu(r->link_id) != index || le32_to_cpu(r->serial) != serial)
		goto out;
	for (i = 0; i < PVIO_STORE_ENTRIES; i++) {
		keys[i] = r->keys[i];
		if (strnlen(keys[i].key, sizeof(keys[i].key)) ==
			    sizeof(keys[i].key) ||
		    strnlen(keys[i].value, sizeof(keys[i].value)) ==
			    sizeof(keys[i].value))
			memset(&keys[i], 0, sizeof(keys[i]));
	}
	ret = 0;
out:
	kfree(r);
	return ret;
}
