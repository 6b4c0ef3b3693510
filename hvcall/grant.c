// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The grant table. The frontend fills entries that give the backend access
 * to pages of the region's data area, read-only or read-write; a grant
 * reference is an index into the table. The backend resolves a reference
 * to an address only after checking the entry, which the frontend (or a
 * hostile peer posing as one) can rewrite at any moment: the entry is read
 * once, as one 8-byte word, and only that copy is looked at.
 *
 * Read-only is advisory (see "Who trusts what" in
 * Documentation/architecture.rst): on both providers the backend
 * could write anyway. It protects against backend bugs, not a hostile one.
 */
#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pvio.h"
#include "pvio_hv.h"

/*
 * The grant table, as 8-byte words: flags in the low half, page in the
 * high half. Where it starts is fixed (link.c checks a foreign header says
 * the same); the header's copy is never re-read.
 */
static __le64 *pvio_grant_table(struct pvio_link *link)
{
	return link->region + (size_t)PVIO_GRANT_OFFSET * PVIO_PAGE_SIZE;
}

static_assert(offsetof(struct pvio_grant_entry, flags) == 0);
static_assert(offsetof(struct pvio_grant_entry, page) == 4);

static u64 pvio_grant_word(u32 flags, u32 page)
{
	return (u64)page << 32 | flags;
}

/* Pages in the data area; data_offset < region_pages (link.c checks). */
static u32 pvio_data_pages(const struct pvio_link *link)
{
	return link->region_pages - link->data_offset;
}

static bool pvio_local(const struct pvio_link *link, enum pvio_role role)
{
	return link->local_roles & BIT(role);
}

void *pvio_data_page(struct pvio_link *link, u32 page)
{
	if (page >= pvio_data_pages(link))
		return NULL;
	return link->region +
	       ((size_t)link->data_offset + page) * PVIO_PAGE_SIZE;
}
EXPORT_SYMBOL_GPL(pvio_data_page);

int pvio_grant_access(struct pvio_link *link, u32 page, bool readonly)
{
	u32 flags = PVIO_GRANT_F_VALID | (readonly ? PVIO_GRANT_F_READONLY : 0);
	unsigned long irqflags;
	unsigned long gref;

	if (!pvio_local(link, PVIO_FRONTEND))
		return -EPERM;
	if (page >= pvio_data_pages(link))
		return -ERANGE;

	spin_lock_irqsave(&link->grant_lock, irqflags);
	gref = find_first_zero_bit(link->grant_map, link->grant_entries);
	if (gref >= link->grant_entries) {
		spin_unlock_irqrestore(&link->grant_lock, irqflags);
		return -ENOSPC;
	}
	__set_bit(gref, link->grant_map);
	/*
	 * The backend sees the data the frontend put in the page before the
	 * entry that grants it. Flags and page go out in one store, so the
	 * backend never sees a valid flag beside a stale page number.
	 */
	virt_wmb();
	WRITE_ONCE(pvio_grant_table(link)[gref],
		   cpu_to_le64(pvio_grant_word(flags, page)));
	spin_unlock_irqrestore(&link->grant_lock, irqflags);
	return gref;
}
EXPORT_SYMBOL_GPL(pvio_grant_access);

int pvio_grant_access_range(struct pvio_link *link, u32 page, u32 nr,
			    bool readonly)
{
	u32 flags = PVIO_GRANT_F_VALID | (readonly ? PVIO_GRANT_F_READONLY : 0);
	unsigned long irqflags;
	unsigned long gref;
	u32 i;

	if (!pvio_local(link, PVIO_FRONTEND))
		return -EPERM;
	if (!nr || page >= pvio_data_pages(link) ||
	    nr > pvio_data_pages(link) - page)
		return -ERANGE;

	spin_lock_irqsave(&link->grant_lock, irqflags);
	gref = bitmap_find_next_zero_area(link->grant_map, link->grant_entries,
					  0, nr, 0);
	if (gref >= link->grant_entries) {
		spin_unlock_irqrestore(&link->grant_lock, irqflags);
		return -ENOSPC;
	}
	bitmap_set(link->grant_map, gref, nr);
	/* As in pvio_grant_access(): the pages' data before the entries. */
	virt_wmb();
	for (i = 0; i < nr; i++)
		WRITE_ONCE(pvio_grant_table(link)[gref + i],
			   cpu_to_le64(pvio_grant_word(flags, page + i)));
	spin_unlock_irqrestore(&link->grant_lock, irqflags);
	return gref;
}
EXPORT_SYMBOL_GPL(pvio_grant_access_range);

void pvio_grant_revoke_range(struct pvio_link *link, u32 gref, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++)
		WARN_ON_ONCE(pvio_grant_revoke(link, gref + i));
}
EXPORT_SYMBOL_GPL(pvio_grant_revoke_range);

int pvio_grant_revoke(struct pvio_link *link, u32 gref)
{
	unsigned long irqflags;
	int ret = 0;

	if (!pvio_local(link, PVIO_FRONTEND))
		return -EPERM;
	if (gref >= link->grant_entries)
		return -ERANGE;

	spin_lock_irqsave(&link->grant_lock, irqflags);
	if (__test_and_clear_bit(gref, link->grant_map))
		WRITE_ONCE(pvio_grant_table(link)[gref], 0);
	else
		ret = -ENOENT;
	spin_unlock_irqrestore(&link->grant_lock, irqflags);
	return ret;
}
EXPORT_SYMBOL_GPL(pvio_grant_revoke);

void *pvio_grant_map(struct pvio_link *link, u32 gref, u32 access)
{
	u32 flags, page;
	u64 entry;

	if (!pvio_local(link, PVIO_BACKEND))
		return ERR_PTR(-EPERM);
	if (!access || access & ~(PVIO_GRANT_READ | PVIO_GRANT_WRITE))
		return ERR_PTR(-EINVAL);
	if (gref >= link->grant_entries)
		return ERR_PTR(-ERANGE);

	/* Once, whole: the frontend may rewrite the entry meanwhile. */
	entry = le64_to_cpu(READ_ONCE(pvio_grant_table(link)[gref]));
	flags = lower_32_bits(entry);
	page = upper_32_bits(entry);
	if (!(flags & PVIO_GRANT_F_VALID))
		return ERR_PTR(-ENOENT);
	if ((access & PVIO_GRANT_WRITE) && (flags & PVIO_GRANT_F_READONLY))
		return ERR_PTR(-EACCES);
	if (page >= pvio_data_pages(link))
		return ERR_PTR(-EFAULT);
	/*
	 * We read the entry before the page it grants: the frontend's data
	 * is there once the entry is (pairs with the virt_wmb() in
	 * pvio_grant_access()).
	 */
	virt_rmb();
	return pvio_data_page(link, page);
}
EXPORT_SYMBOL_GPL(pvio_grant_map);

void *pvio_grant_map_range(struct pvio_link *link, u32 gref, u32 nr,
			   u32 access)
{
	void *first, *addr;
	u32 i;

	if (!nr || gref >= link->grant_entries ||
	    nr > link->grant_entries - gref)
		return ERR_PTR(-ERANGE);
	first = pvio_grant_map(link, gref, access);
	for (i = 1; i < nr && !IS_ERR(first); i++) {
		addr = pvio_grant_map(link, gref + i, access);
		if (IS_ERR(addr))
			return addr;
		if (addr != first + (size_t)i * PVIO_PAGE_SIZE)
			return ERR_PTR(-EFAULT);
	}
	return first;
}
EXPORT_SYMBOL_GPL(pvio_grant_map_range);

int pvio_data_alloc(struct pvio_link *link, u32 nr)
{
	unsigned long irqflags;
	unsigned long page;

	if (!pvio_local(link, PVIO_FRONTEND))
		return -EPERM;
	if (!nr || nr > pvio_data_pages(link))
		return -ENOSPC;
	spin_lock_irqsave(&link->grant_lock, irqflags);
	page = bitmap_find_next_zero_area(link->data_map,
					  pvio_data_pages(link), 0, nr, 0);
	if (page < pvio_data_pages(link))
		bitmap_set(link->data_map, page, nr);
	spin_unlock_irqrestore(&link->grant_lock, irqflags);
	return page < pvio_data_pages(link) ? (int)page : -ENOSPC;
}
EXPORT_SYMBOL_GPL(pvio_data_alloc);

void pvio_data_free(struct pvio_link *link, u32 page, u32 nr)
{
	unsigned long irqflags;

	if (WARN_ON_ONCE(page >= pvio_data_pages(link) ||
			 nr > pvio_data_pages(link) - page))
		return;
	spin_lock_irqsave(&link->grant_lock, irqflags);
	bitmap_clear(link->data_map, page, nr);
	spin_unlock_irqrestore(&link->grant_lock, irqflags);
}
EXPORT_SYMBOL_GPL(pvio_data_free);

u32 pvio_data_free_pages(struct pvio_link *link)
{
	unsigned long irqflags;
	u32 used;

	spin_lock_irqsave(&link->grant_lock, irqflags);
	used = bitmap_weight(link->data_map, pvio_data_pages(link));
	spin_unlock_irqrestore(&link->grant_lock, irqflags);
	return pvio_data_pages(link) - used;
}
EXPORT_SYMBOL_GPL(pvio_data_free_pages);

u32 pvio_grant_free_entries(struct pvio_link *link)
{
	unsigned long irqflags;
	u32 used;

	spin_lock_irqsave(&link->grant_lock, irqflags);
	used = bitmap_weight(link->grant_map, link->grant_entries);
	spin_unlock_irqrestore(&link->grant_lock, irqflags);
	return link->grant_entries - used;
}
EXPORT_SYMBOL_GPL(pvio_grant_free_entries);

/* @offset + @len within one page, without overflowing u32. */
static bool pvio_grant_span_ok(u32 offset, u32 len)
{
	return offset <= PVIO_PAGE_SIZE && len <= PVIO_PAGE_SIZE - offset;
}

int pvio_grant_copy_from(struct pvio_link *link, u32 gref, u32 offset,
			 void *dst, u32 len)
{
	void *page;

	if (!pvio_grant_span_ok(offset, len))
		return -EINVAL;
	page = pvio_grant_map(link, gref, PVIO_GRANT_READ);
	if (IS_ERR(page))
		return PTR_ERR(page);
	pvio_copy(dst, page + offset, len);
	return 0;
}
EXPORT_SYMBOL_GPL(pvio_grant_copy_from);

int pvio_grant_copy_to(struct pvio_link *link, u32 gref, u32 offset,
		       const void *src, u32 len)
{
	void *page;

	if (!pvio_grant_span_ok(offset, len))
		return -EINVAL;
	page = pvio_grant_map(link, gref, PVIO_GRANT_WRITE);
	if (IS_ERR(page))
		return PTR_ERR(page);
	pvio_copy(page + offset, src, len);
	return 0;
}
EXPORT_SYMBOL_GPL(pvio_grant_copy_to);

/*
 * A new link: the bitmap of grant references in use. A local frontend is
 * a new incarnation and grants afresh, so it clears a table a previous
 * one may have left in a region it did not lay out.
 */
int pvio_grant_link_init(struct pvio_link *link)
{
	spin_lock_init(&link->grant_lock);
	link->grant_map = bitmap_zalloc(link->grant_entries, GFP_KERNEL);
	link->data_map = bitmap_zalloc(pvio_data_pages(link), GFP_KERNEL);
	if (!link->grant_map || !link->data_map) {
		pvio_grant_link_exit(link);
		return -ENOMEM;
	}
	if (pvio_local(link, PVIO_FRONTEND))
		memset(pvio_grant_table(link), 0,
		       array_size(link->grant_entries,
				  sizeof(struct pvio_grant_entry)));
	return 0;
}

void pvio_grant_link_exit(struct pvio_link *link)
{
	bitmap_free(link->grant_map);
	bitmap_free(link->data_map);
	link->grant_map = NULL;
	link->data_map = NULL;
}
