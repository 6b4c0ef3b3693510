// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The config store: the key/value pages that replace xenstore. Each area
 * (toolstack, backend, frontend) has one writer and a sequence count, as a
 * seqlock: the writer makes the count odd, changes entries, makes it even.
 * A reader copies entries, checks that the count was even and did not
 * move, and validates its copy. A writer that died mid-update leaves the
 * count odd for good: readers give up after a bounded number of retries
 * (-EIO) rather than spin.
 *
 * The writer keeps a private shadow of its area and never reads its own
 * area back: the peer can scribble over it, and the next write repairs
 * the entry it touches from the shadow.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pvio.h"
#include "pvio_hv.h"

/*
 * Retries of a reader that finds the area torn: first spins (an update
 * takes a few hundred nanoseconds), then sleeps, because a writer in
 * another VM can lose its vCPU mid-update for milliseconds: 20 to 40 ms in
 * all before the area counts as broken (-EIO).
 */
#define PVIO_STORE_SPINS	64
#define PVIO_STORE_SLEEPS	20
#define PVIO_STORE_SLEEP_US	1000

/**
 * struct pvio_store_shadow - what a local writer has published in an area
 * @seq: the area's sequence count, as last written
 * @entries: the entries, as last written; unused ones are all zero
 */
struct pvio_store_shadow {
	u32 seq;
	struct pvio_store_entry entries[PVIO_STORE_ENTRIES];
};

static struct pvio_store_area *pvio_store_area(struct pvio_link *link,
					       enum pvio_store_writer writer)
{
	return link->region +
	       (size_t)(PVIO_STORE_OFFSET + writer) * PVIO_PAGE_SIZE;
}

/* Write the shadow's sequence count into the area. */
static void pvio_store_put_seq(struct pvio_store_area *area,
			       const struct pvio_store_shadow *sh)
{
	WRITE_ONCE(area->seq, cpu_to_le32(sh->seq));
}

/*
 * Publish entry @i of @writer's shadow (@i < 0: every entry) under the
 * area's seqlock. Called with store_lock held.
 */
static void pvio_store_publish(struct pvio_link *link,
			       enum pvio_store_writer writer, int i)
{
	struct pvio_store_shadow *sh = link->store[writer];
	struct pvio_store_area *area = pvio_store_area(link, writer);

	lockdep_assert_held(&link->store_lock);
	/* A local reader must not wait for a writer that was preempted. */
	preempt_disable();
	sh->seq++;			/* odd: update in progress */
	pvio_store_put_seq(area, sh);
	/* Readers see the odd count before any entry changes. */
	virt_wmb();
	if (i < 0)
		memcpy(area->entries, sh->entries, sizeof(sh->entries));
	else
		memcpy(&area->entries[i], &sh->entries[i],
		       sizeof(sh->entries[i]));
	/* Readers see the new entries before the even count. */
	virt_wmb();
	sh->seq++;			/* even: consistent again */
	pvio_store_put_seq(area, sh);
	preempt_enable();
}

/* The shadow entry holding @key, or -ENOENT. */
static int pvio_store_find(const struct pvio_store_shadow *sh, const char *key)
{
	int i;

	for (i = 0; i < PVIO_STORE_ENTRIES; i++)
		if (!strcmp(sh->entries[i].key, key))
			return i;
	return -ENOENT;
}

static int pvio_store_check_key(const char *key)
{
	size_t len = strnlen(key, PVIO_STORE_KEY_MAX);

	if (!len)
		return -EINVAL;
	return len < PVIO_STORE_KEY_MAX ? 0 : -E2BIG;
}

int pvio_store_write(struct pvio_link *link, enum pvio_store_writer writer,
		     const char *key, const char *value)
{
	struct pvio_store_shadow *sh;
	int i, ret;

	ret = pvio_store_check_key(key);
	if (ret)
		return ret;
	if (strnlen(value, PVIO_STORE_VALUE_MAX) >= PVIO_STORE_VALUE_MAX)
		return -E2BIG;
	if ((unsigned int)writer >= PVIO_STORE_NR)
		return -EPERM;

	mutex_lock(&link->store_lock);
	sh = link->store[writer];
	if (!sh) {
		ret = -EPERM;
		goto out;
	}
	i = pvio_store_find(sh, key);
	if (i < 0)
		i = pvio_store_find(sh, "");
	if (i < 0) {
		ret = -ENOSPC;
		goto out;
	}
	/* Whole entry rewritten: no stale bytes after either NUL. */
	memset(&sh->entries[i], 0, sizeof(sh->entries[i]));
	strscpy(sh->entries[i].key, key, sizeof(sh->entries[i].key));
	strscpy(sh->entries[i].value, value, sizeof(sh->entries[i].value));
	pvio_store_publish(link, writer, i);
out:
	mutex_unlock(&link->store_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pvio_store_write);

int pvio_store_printf(struct pvio_link *link, enum pvio_store_writer writer,
		      const char *key, const char *fmt, ...)
{
	char value[PVIO_STORE_VALUE_MAX];
	va_list args;
	int len;

	va_start(args, fmt);
	len = vsnprintf(value, sizeof(value), fmt, args);
	va_end(args);
	if (len >= sizeof(value))
		return -E2BIG;
	return pvio_store_write(link, writer, key, value);
}
EXPORT_SYMBOL_GPL(pvio_store_printf);

int pvio_store_remove(struct pvio_link *link, enum pvio_store_writer writer,
		      const char *key)
{
	struct pvio_store_shadow *sh;
	int i, ret = 0;

	if (!*key)
		return -ENOENT;
	if ((unsigned int)writer >= PVIO_STORE_NR)
		return -EPERM;

	mutex_lock(&link->store_lock);
	sh = link->store[writer];
	if (!sh) {
		ret = -EPERM;
		goto out;
	}
	i = pvio_store_find(sh, key);
	if (i < 0) {
		ret = i;
		goto out;
	}
	memset(&sh->entries[i], 0, sizeof(sh->entries[i]));
	pvio_store_publish(link, writer, i);
out:
	mutex_unlock(&link->store_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pvio_store_remove);

/*
 * One pass over an area: copy each entry once and look at the copy only.
 * Returns 0 with the value of @key in @found, -ENOENT, or -EPROTO for a
 * used entry whose key or value is not terminated. Only meaningful if the
 * sequence count held still around the pass.
 */
static int pvio_store_scan(const struct pvio_store_area *area,
			   const char *key, size_t keylen,
			   struct pvio_store_entry *found)
{
	struct pvio_store_entry e;
	int i, ret = -ENOENT;

	for (i = 0; i < PVIO_STORE_ENTRIES; i++) {
		memcpy(&e, &area->entries[i], sizeof(e));
		if (!e.key[0])
			continue;
		if (strnlen(e.key, sizeof(e.key)) == sizeof(e.key) ||
		    strnlen(e.value, sizeof(e.value)) == sizeof(e.value))
			return -EPROTO;
		/* First match wins; an honest writer has no duplicates. */
		if (ret && !memcmp(e.key, key, keylen + 1)) {
			*found = e;
			ret = 0;
		}
	}
	return ret;
}

/*
 * A consistent copy of @key's entry: the seqlock read side. -EIO if the
 * area stays torn (an odd or moving count) through every retry.
 */
static int pvio_store_lookup(struct pvio_link *link,
			     enum pvio_store_writer writer, const char *key,
			     struct pvio_store_entry *found)
{
	const struct pvio_store_area *area = pvio_store_area(link, writer);
	size_t keylen = strlen(key);
	int try, ret;
	u32 seq;

	for (try = 0; try < PVIO_STORE_SPINS + PVIO_STORE_SLEEPS; try++) {
		if (try >= PVIO_STORE_SPINS)
			usleep_range(PVIO_STORE_SLEEP_US,
				     2 * PVIO_STORE_SLEEP_US);
		else if (try)
			cpu_relax();
		seq = le32_to_cpu(READ_ONCE(area->seq));
		if (seq & 1)
			continue;
		/*
		 * We read the count before the entries (pairs with the first
		 * virt_wmb() in the writer's pvio_store_publish()).
		 */
		virt_rmb();
		ret = pvio_store_scan(area, key, keylen, found);
		/*
		 * We read the entries before re-reading the count (pairs with
		 * the second virt_wmb() in pvio_store_publish()).
		 */
		virt_rmb();
		if (le32_to_cpu(READ_ONCE(area->seq)) == seq)
			return ret;
	}
	return -EIO;
}

int pvio_store_read(struct pvio_link *link, enum pvio_store_writer writer,
		    const char *key, char *buf, size_t len)
{
	struct pvio_store_entry e;
	int ret;

	might_sleep();
	ret = pvio_store_check_key(key);
	if (ret)
		return ret == -E2BIG ? -ENOENT : ret;
	if ((unsigned int)writer >= PVIO_STORE_NR)
		return -EINVAL;
	ret = pvio_store_lookup(link, writer, key, &e);
	if (ret)
		return ret;
	if (strscpy(buf, e.value, len) < 0)
		return -E2BIG;
	return 0;
}
EXPORT_SYMBOL_GPL(pvio_store_read);

int pvio_store_read_u32(struct pvio_link *link,
			enum pvio_store_writer writer, const char *key,
			u32 *val)
{
	char buf[PVIO_STORE_VALUE_MAX];
	int ret;

	ret = pvio_store_read(link, writer, key, buf, sizeof(buf));
	if (ret)
		return ret;
	return kstrtou32(buf, 10, val);
}
EXPORT_SYMBOL_GPL(pvio_store_read_u32);

int pvio_toolstack_read(struct pvio_link *link, const char *key, char *buf,
			size_t len)
{
	const struct pvio_store_shadow *sh;
	int i, ret;

	might_sleep();
	if (pvio_store_check_key(key))
		return -ENOENT;
	if (!link->provider->keeps_records)
		return link->provider->ops->read_record ?
		       link->provider->ops->read_record(link, key, buf, len) :
		       -EPERM;
	mutex_lock(&link->store_lock);
	/* The private shadow the region's area is published from. */
	sh = link->store[PVIO_STORE_TOOLSTACK];
	if (!sh) {
		ret = -EPERM;
		goto out;
	}
	i = pvio_store_find(sh, key);
	if (i < 0)
		ret = i;
	else
		ret = strscpy(buf, sh->entries[i].value, len) < 0 ? -E2BIG : 0;
out:
	mutex_unlock(&link->store_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pvio_toolstack_read);

int pvio_toolstack_read_u32(struct pvio_link *link, const char *key,
			    u32 *val)
{
	char buf[PVIO_STORE_VALUE_MAX];
	int ret;

	ret = pvio_toolstack_read(link, key, buf, sizeof(buf));
	if (ret)
		return ret;
	return kstrtou32(buf, 10, val);
}
EXPORT_SYMBOL_GPL(pvio_toolstack_read_u32);

/* May this kernel write @writer's area of @link? See pvio.h. */
static bool pvio_store_writable(const struct pvio_link *link,
				enum pvio_store_writer writer)
{
	switch (writer) {
	case PVIO_STORE_TOOLSTACK:
		return link->provider->keeps_records;
	case PVIO_STORE_BACKEND:
		return link->local_roles & BIT(PVIO_BACKEND);
	case PVIO_STORE_FRONTEND:
		return link->local_roles & BIT(PVIO_FRONTEND);
	default:
		return false;
	}
}

/*
 * A new link: a shadow for each area this kernel writes, and the area
 * emptied, under its seqlock, of what a previous incarnation of the
 * writer left in a region this kernel did not lay out.
 */
int pvio_store_link_init(struct pvio_link *link)
{
	enum pvio_store_writer w;

	mutex_init(&link->store_lock);
	for (w = 0; w < PVIO_STORE_NR; w++) {
		if (!pvio_store_writable(link, w))
			continue;
		link->store[w] = kzalloc(sizeof(*link->store[w]), GFP_KERNEL);
		if (!link->store[w]) {
			pvio_store_link_exit(link);
			return -ENOMEM;
		}
		/*
		 * Go on from the count a previous writer left (made even),
		 * never back to 0: a reader that saw count N before our
		 * update and N again after it would take a torn copy.
		 */
		link->store[w]->seq =
			(le32_to_cpu(READ_ONCE(pvio_store_area(link, w)->seq)) +
			 1) & ~1u;
		mutex_lock(&link->store_lock);
		pvio_store_publish(link, w, -1);
		mutex_unlock(&link->store_lock);
	}
	return 0;
}

void pvio_store_link_exit(struct pvio_link *link)
{
	enum pvio_store_writer w;

	for (w = 0; w < PVIO_STORE_NR; w++) {
		kfree(link->store[w]);
		link->store[w] = NULL;
	}
	mutex_destroy(&link->store_lock);
}
