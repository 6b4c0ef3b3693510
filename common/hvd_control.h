/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Copyright (C) 2026 The pvio authors. */
/*
 * The control region of the ivshmem provider: wire ABI between pvio-hvd
 * (the host) and the driver domain's kernel. Do not change a field: it
 * breaks existing readers. New fields go into reserved space and come with
 * a new PVIO_HVD_CTL_ABI.
 *
 * pvio-hvd maps this region into the driver domain only (a second
 * ivshmem-doorbell device of that VM, socket control.sock); no guest ever
 * maps it, so it is where the trusted facts of every link live: who the
 * two ends are, the generation, and the toolstack's keys (which device to
 * export, read-only or not, limits). The copy of those keys in a link's
 * own region is for the frontend's information only.
 *
 *   page 0                  struct pvio_hvd_ctl_header
 *   pages 1..nr_records     one struct pvio_hvd_ctl_record per page;
 *                           record i describes the link with id i
 *
 * Single writer: pvio-hvd. The whole region is under one seqlock (@seq of
 * the header): pvio-hvd makes it odd, changes header and records, then
 * makes it even, with a write barrier between each step. A reader copies
 * what it needs between two reads of an even, equal @seq (read barriers
 * between), retries a bounded number of times, and validates the copy.
 * After every change pvio-hvd rings vector 0 of the control device.
 * All values are little-endian.
 */
#ifndef _PVIO_HVD_CONTROL_H
#define _PVIO_HVD_CONTROL_H

#include "link.h"

#define PVIO_HVD_CTL_MAGIC	0x43485650	/* "PVHC" */
#define PVIO_HVD_CTL_ABI	1
/* Link ids, and so records, run from 0 to PVIO_HVD_CTL_RECORDS - 1. */
#define PVIO_HVD_CTL_RECORDS	255
/* Header page plus one page per record: 1 MiB, a power of two for QEMU. */
#define PVIO_HVD_CTL_PAGES	(1 + PVIO_HVD_CTL_RECORDS)

/**
 * struct pvio_hvd_ctl_header - page 0 of the control region
 * @magic: PVIO_HVD_CTL_MAGIC
 * @abi_version: PVIO_HVD_CTL_ABI
 * @seq: seqlock count of the whole region: odd while pvio-hvd writes
 * @generation: bumped on every change to the table (a link added or
 *	removed, a peer come or gone, a key set or deleted)
 * @nr_records: number of record pages following the header
 *	(PVIO_HVD_CTL_RECORDS)
 * @nr_links: number of records in use
 * @record_offset: first page of the records (1)
 * @record_size: bytes per record (PVIO_PAGE_SIZE)
 * @reserved: zero
 */
struct pvio_hvd_ctl_header {
	__le32 magic;
	__le32 abi_version;
	__le32 seq;
	__le32 generation;
	__le32 nr_records;
	__le32 nr_links;
	__le32 record_offset;
	__le32 record_size;
	__u8 reserved[32];
};

/* pvio_hvd_ctl_record.flags */
#define PVIO_HVD_CTL_F_USED	(1u << 0)	/* the record describes a link */

/**
 * struct pvio_hvd_ctl_record - one link, all fields written by pvio-hvd
 * @flags: PVIO_HVD_CTL_F_*; a record without F_USED is all zero
 * @link_id: the link's id (equal to the record's index)
 * @serial: unique per link-add over pvio-hvd's life, so that a link
 *	deleted and added again under the same id is seen as a new link
 * @backend_id: domain id of the backend end (the toolstack's, from
 *	link-add; the same as in the link header)
 * @frontend_id: domain id of the frontend end
 * @generation: the link's generation, the same as its header's: 1 at
 *	creation, bumped each time a peer of the link goes
 * @region_pages: size of the link's region in wire pages (power of two)
 * @grant_entries: number of grant table entries of the region
 * @vectors: MSI-X vectors (eventfds) of each end's ivshmem device
 * @backend_peer: ivshmem peer id of the backend end's QEMU, 0 if none
 * @frontend_peer: ivshmem peer id of the frontend end's QEMU, 0 if none
 * @nr_keys: number of used entries of @keys
 * @reserved: zero
 * @keys: the link's toolstack keys (vbd0/params, ...), entries in use
 *	first; an unused entry is all zero
 */
struct pvio_hvd_ctl_record {
	__le32 flags;
	__le32 link_id;
	__le32 serial;
	__le16 backend_id;
	__le16 frontend_id;
	__le32 generation;
	__le32 region_pages;
	__le32 grant_entries;
	__le32 vectors;
	__le32 backend_peer;
	__le32 frontend_peer;
	__le32 nr_keys;
	__u8 reserved[20];
	struct pvio_store_entry keys[PVIO_STORE_ENTRIES];
	__u8 reserved2[PVIO_PAGE_SIZE - 64 -
		       PVIO_STORE_ENTRIES * sizeof(struct pvio_store_entry)];
};

static_assert(sizeof(struct pvio_hvd_ctl_header) == 64, "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_header, seq) == 8,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_header, generation) == 12,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_header, nr_records) == 16,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_header, nr_links) == 20,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_header, record_offset) == 24,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_header, record_size) == 28,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, serial) == 8,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, backend_id) == 12,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, frontend_id) == 14,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, generation) == 16,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, region_pages) == 20,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, grant_entries) == 24,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, vectors) == 28,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, backend_peer) == 32,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, frontend_peer) == 36,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, nr_keys) == 40,
	      "hvd control ABI");
static_assert(offsetof(struct pvio_hvd_ctl_record, keys) == 64,
	      "hvd control ABI");
static_assert(sizeof(struct pvio_hvd_ctl_record) == PVIO_PAGE_SIZE,
	      "hvd control ABI");

#endif /* _PVIO_HVD_CONTROL_H */
