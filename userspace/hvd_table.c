// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * The control region (common/hvd_control.h): the table of links that only
 * pvio-hvd and the driver domain map. pvio-hvd is its single writer; every
 * change goes under the region's seqlock and ends with a ring of the
 * driver domain's control device, vector 0.
 */
#include <endian.h>
#include <string.h>

#include "hvd.h"

static struct pvio_hvd_ctl_header *hvd_table_header(void)
{
	return hvd.ctl_shm.map;
}

static struct pvio_hvd_ctl_record *hvd_table_record(uint32_t id)
{
	return (void *)((char *)hvd.ctl_shm.map + (1 + id) * PVIO_PAGE_SIZE);
}

int hvd_table_init(void)
{
	struct pvio_hvd_ctl_header *hdr;
	int ret;

	ret = hvd_shm_create(&hvd.ctl_shm, "pvio-control",
			     (size_t)PVIO_HVD_CTL_PAGES * PVIO_PAGE_SIZE);
	if (ret)
		return ret;
	hdr = hvd_table_header();
	hdr->magic = htole32(PVIO_HVD_CTL_MAGIC);
	hdr->abi_version = htole32(PVIO_HVD_CTL_ABI);
	hdr->generation = htole32(hvd.ctl_generation = 1);
	hdr->nr_records = htole32(PVIO_HVD_CTL_RECORDS);
	hdr->record_offset = htole32(1);
	hdr->record_size = htole32(PVIO_PAGE_SIZE);
	return 0;
}

void hvd_table_exit(void)
{
	hvd_shm_destroy(&hvd.ctl_shm);
}

static void hvd_table_fill(struct pvio_hvd_ctl_record *rec,
			   const struct hvd_link *link)
{
	const struct hvd_peer *be = link->end[PVIO_BACKEND].peer;
	const struct hvd_peer *fe = link->end[PVIO_FRONTEND].peer;

	memset(rec, 0, sizeof(*rec));
	rec->flags = htole32(PVIO_HVD_CTL_F_USED);
	rec->link_id = htole32(link->id);
	rec->serial = htole32(link->serial);
	rec->backend_id = htole16(link->dom[PVIO_BACKEND]);
	rec->frontend_id = htole16(link->dom[PVIO_FRONTEND]);
	rec->generation = htole32(link->generation);
	rec->region_pages = htole32(link->pages);
	rec->grant_entries = htole32(link->grants);
	rec->vectors = htole32(link->vectors);
	rec->backend_peer = htole32(be ? be->id : 0);
	rec->frontend_peer = htole32(fe ? fe->id : 0);
	rec->nr_keys = htole32(link->nr_keys);
	memcpy(rec->keys, link->keys, sizeof(rec->keys));
}

void hvd_table_update(uint32_t id, const struct hvd_link *link)
{
	struct pvio_hvd_ctl_header *hdr = hvd_table_header();
	uint32_t nr_links = 0, i;

	for (i = 0; i < HVD_MAX_LINKS; i++)
		nr_links += !!hvd.links[i];
	hvd.ctl_seq++;			/* odd: update in progress */
	__atomic_store_n(&hdr->seq, htole32(hvd.ctl_seq), __ATOMIC_RELAXED);
	/* Readers see the odd count before anything changes. */
	hvd_write_barrier();
	if (link)
		hvd_table_fill(hvd_table_record(id), link);
	else
		memset(hvd_table_record(id), 0, PVIO_PAGE_SIZE);
	hdr->generation = htole32(++hvd.ctl_generation);
	hdr->nr_links = htole32(nr_links);
	/* Readers see the new table before the even count. */
	hvd_write_barrier();
	hvd.ctl_seq++;			/* even: consistent again */
	__atomic_store_n(&hdr->seq, htole32(hvd.ctl_seq), __ATOMIC_RELAXED);
	hvd_end_ring(&hvd.ctl_end, 0);
}
