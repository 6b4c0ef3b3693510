// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * Links: a region (sealed memfd) with the header written before any QEMU
 * can connect, two sockets (one per end), and the toolstack's keys. The
 * header is laid out exactly as hvcall/link.c pvio_link_lay_out() does and
 * pvio_link_check_layout() checks it. pvio-hvd writes the header's ids,
 * generation and peer ids, a gone end's status, and the toolstack store
 * area; it never reads anything back from a region, which guests write.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvd.h"

static const char *const hvd_role_name[] = {
	[PVIO_BACKEND] = "backend",
	[PVIO_FRONTEND] = "frontend",
};

struct hvd_link *hvd_link_get(uint32_t id)
{
	return id < HVD_MAX_LINKS ? hvd.links[id] : NULL;
}

static void hvd_link_lay_out(struct hvd_link *link)
{
	struct pvio_link_header *hdr = hvd_link_header(link);
	uint32_t grant_pages = (link->grants + PVIO_GRANTS_PER_PAGE - 1) /
			       PVIO_GRANTS_PER_PAGE;

	/* A fresh memfd reads as zeroes: reserved fields and ends are 0. */
	hdr->magic = htole32(PVIO_LINK_MAGIC);
	hdr->abi_version = htole32(PVIO_LINK_ABI);
	hdr->region_pages = htole32(link->pages);
	hdr->backend_id = htole16(link->dom[PVIO_BACKEND]);
	hdr->frontend_id = htole16(link->dom[PVIO_FRONTEND]);
	hdr->generation = htole32(link->generation);
	hdr->grant_offset = htole32(PVIO_GRANT_OFFSET);
	hdr->grant_entries = htole32(link->grants);
	hdr->data_offset = htole32(PVIO_GRANT_OFFSET + grant_pages);
}

/*
 * Copy the keys into the link's toolstack store area under its seqlock, as
 * hvcall/store.c publishes: the frontend reads its public keys (capacity,
 * MAC) there. The count comes from our shadow, never from the region.
 */
static void hvd_link_publish_keys(struct hvd_link *link)
{
	struct pvio_store_area *area = (void *)((char *)link->shm.map +
		(PVIO_STORE_OFFSET + PVIO_STORE_TOOLSTACK) * PVIO_PAGE_SIZE);

	link->store_seq++;		/* odd: update in progress */
	__atomic_store_n(&area->seq, htole32(link->store_seq),
			 __ATOMIC_RELAXED);
	/* Readers see the odd count before any entry changes. */
	hvd_write_barrier();
	memcpy(area->entries, link->keys, sizeof(link->keys));
	/* Readers see the new entries before the even count. */
	hvd_write_barrier();
	link->store_seq++;		/* even: consistent again */
	__atomic_store_n(&area->seq, htole32(link->store_seq),
			 __ATOMIC_RELAXED);
}

/*
 * Both copies of the keys, then the news: the driver domain hears of its
 * record through the control device's vector 0 (hvd_table_update()),
 * the guest of its region's copy through its end's vector 0 (a key set
 * on a spare link makes its frontend device appear).
 */
static void hvd_link_keys_changed(struct hvd_link *link)
{
	hvd_link_publish_keys(link);
	hvd_table_update(link->id, link);
	hvd_end_ring(&link->end[PVIO_FRONTEND], 0);
}

static int hvd_link_check(size_t size, uint32_t grants, unsigned int vectors,
			  const char **err)
{
	uint64_t pages = size / PVIO_PAGE_SIZE;

	if (size % PVIO_PAGE_SIZE || (size & (size - 1)) ||
	    pages < PVIO_LINK_MIN_PAGES || pages > PVIO_LINK_MAX_PAGES) {
		*err = "size must be a power of two from 32768 to 67108864";
		return -EINVAL;
	}
	if (!grants || grants > PVIO_LINK_MAX_GRANTS ||
	    PVIO_GRANT_OFFSET + (grants + PVIO_GRANTS_PER_PAGE - 1) /
	    PVIO_GRANTS_PER_PAGE >= pages) {
		*err = "grants out of range for this size";
		return -EINVAL;
	}
	if (!vectors || vectors > HVD_MAX_VECTORS) {
		*err = "vectors must be 1 to 256";
		return -EINVAL;
	}
	return 0;
}

int hvd_link_add(uint32_t id, uint16_t backend, uint16_t frontend,
		 size_t size, uint32_t grants, unsigned int vectors,
		 const char **err)
{
	struct hvd_link *link;
	char name[64];
	int r, ret;

	if (id >= HVD_MAX_LINKS) {
		*err = "link id out of range";
		return -EINVAL;
	}
	if (hvd.links[id]) {
		*err = "link exists";
		return -EEXIST;
	}
	if (backend == frontend) {
		*err = "backend and frontend must be different domains";
		return -EINVAL;
	}
	ret = hvd_link_check(size, grants, vectors, err);
	if (ret)
		return ret;
	link = calloc(1, sizeof(*link));
	if (!link) {
		*err = "out of memory";
		return -ENOMEM;
	}
	link->id = id;
	link->serial = ++hvd.next_serial;
	link->dom[PVIO_BACKEND] = backend;
	link->dom[PVIO_FRONTEND] = frontend;
	link->pages = size / PVIO_PAGE_SIZE;
	link->grants = grants;
	link->vectors = vectors;
	link->generation = 1;
	snprintf(name, sizeof(name), "pvio-link%u", id);
	ret = hvd_shm_create(&link->shm, name, size);
	if (ret) {
		*err = "cannot create the region's memfd";
		goto err_free;
	}
	/* Before any socket exists: no QEMU can see a region unlaid. */
	hvd_link_lay_out(link);
	hvd_link_publish_keys(link);
	for (r = PVIO_BACKEND; r <= PVIO_FRONTEND; r++) {
		hvd_end_init(&link->end[r], link, r);
		snprintf(name, sizeof(name), "link%u-%s.sock", id,
			 hvd_role_name[r]);
		ret = hvd_end_listen(&link->end[r], name);
		if (ret) {
			*err = "cannot listen on the link's sockets";
			goto err_ends;
		}
	}
	hvd.links[id] = link;
	hvd_table_update(id, link);
	hvd_log(LOG_INFO, "link %u added: backend %u frontend %u, %zu bytes, %u grants, %u vectors",
		id, backend, frontend, size, grants, vectors);
	return 0;

err_ends:
	while (r-- > PVIO_BACKEND)
		hvd_end_close(&link->end[r]);
	hvd_shm_destroy(&link->shm);
err_free:
	free(link);
	return ret;
}

static void hvd_link_free(struct hvd_link *link)
{
	hvd_end_close(&link->end[PVIO_BACKEND]);
	hvd_end_close(&link->end[PVIO_FRONTEND]);
	hvd_shm_destroy(&link->shm);
	hvd.links[link->id] = NULL;
	free(link);
}

/*
 * The peers' QEMUs keep their mapping of the region; they only lose the
 * server (and a guest cannot learn that from QEMU). Take the link down in
 * the guests first.
 */
void hvd_link_del(struct hvd_link *link)
{
	uint32_t id = link->id;

	hvd_link_free(link);
	hvd_table_update(id, NULL);
	hvd_log(LOG_INFO, "link %u deleted", id);
}

void hvd_links_destroy(void)
{
	unsigned int i;

	for (i = 0; i < HVD_MAX_LINKS; i++)
		if (hvd.links[i])
			hvd_link_free(hvd.links[i]);
}

/*
 * A new QEMU came to @end (@peer_id), or its QEMU went (0). A going peer
 * makes a new generation and leaves its end's status zeroed, so that the
 * survivor sees neither a stale state nor a stale heartbeat of it; the
 * caller then tells the survivor (disconnect message, vector 0).
 */
void hvd_link_peer_changed(struct hvd_end *end, uint32_t peer_id)
{
	struct hvd_link *link = end->link;
	struct pvio_link_header *hdr = hvd_link_header(link);
	__le32 *peer = end->role == PVIO_BACKEND ? &hdr->backend_peer :
						   &hdr->frontend_peer;

	if (!peer_id) {
		memset(&hdr->ends[end->role], 0, sizeof(hdr->ends[0]));
		link->generation++;
		/* The zeroed end before the generation that announces it. */
		hvd_write_barrier();
		__atomic_store_n(&hdr->generation, htole32(link->generation),
				 __ATOMIC_RELAXED);
	}
	__atomic_store_n(peer, htole32(peer_id), __ATOMIC_RELAXED);
	hvd_table_update(link->id, link);
}

static int hvd_key_find(const struct hvd_link *link, const char *key)
{
	unsigned int i;

	for (i = 0; i < link->nr_keys; i++)
		if (!strcmp(link->keys[i].key, key))
			return i;
	return -1;
}

int hvd_link_key_set(struct hvd_link *link, const char *key,
		     const char *value, const char **err)
{
	int i;

	if (!*key || strlen(key) >= PVIO_STORE_KEY_MAX) {
		*err = "key must be 1 to 31 bytes";
		return -EINVAL;
	}
	if (strlen(value) >= PVIO_STORE_VALUE_MAX) {
		*err = "value must be at most 95 bytes";
		return -EINVAL;
	}
	i = hvd_key_find(link, key);
	if (i < 0) {
		if (link->nr_keys == PVIO_STORE_ENTRIES) {
			*err = "no room for another key";
			return -ENOSPC;
		}
		i = link->nr_keys++;
	}
	memset(&link->keys[i], 0, sizeof(link->keys[i]));
	strcpy(link->keys[i].key, key);
	strcpy(link->keys[i].value, value);
	hvd_link_keys_changed(link);
	return 0;
}

int hvd_link_key_del(struct hvd_link *link, const char *key,
		     const char **err)
{
	int i = hvd_key_find(link, key);

	if (i < 0) {
		*err = "no such key";
		return -ENOENT;
	}
	/* Keep the used entries first: the last one fills the hole. */
	link->nr_keys--;
	link->keys[i] = link->keys[link->nr_keys];
	memset(&link->keys[link->nr_keys], 0, sizeof(link->keys[0]));
	hvd_link_keys_changed(link);
	return 0;
}
