/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Copyright (C) 2026 The pvio authors. */
/*
 * The shared region of a pvio link: wire ABI between a backend domain and
 * a frontend domain. Do not change a field: it breaks existing peers. New
 * fields go into reserved space and are announced by a feature bit.
 *
 *   page 0              header: ids, generation, each end's state,
 *                       heartbeat and features
 *   pages 1..3          config store, one page per writer (toolstack,
 *                       backend, frontend), each under its own seqlock
 *   grant_offset ...    grant table: grant_entries entries of 8 bytes
 *   data_offset ... end rings and the frontend's buffer pool; grants
 *                       refer to pages of this area only
 *
 * All values are little-endian. Each field has exactly one writer, named
 * beside it; everything read from the other end is read once, validated,
 * and never trusted (a peer can write anything, any time).
 */
#ifndef _PVIO_LINK_H
#define _PVIO_LINK_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include <assert.h>
#include <stddef.h>
#include <linux/types.h>
#endif

#define PVIO_LINK_MAGIC		0x4f495650	/* "PVIO" */
#define PVIO_LINK_ABI		1
/* The wire page: grants and offsets count in 4 KiB units on every arch. */
#define PVIO_PAGE_SHIFT		12
#define PVIO_PAGE_SIZE		(1u << PVIO_PAGE_SHIFT)

/* The two ends of a link; indexes pvio_link_header.ends[]. */
enum pvio_role {
	PVIO_BACKEND = 0,
	PVIO_FRONTEND = 1,
};

/* Connection states, numbered as xenbus' (XenbusState*). */
enum pvio_state {
	PVIO_STATE_UNKNOWN = 0,
	PVIO_STATE_INITIALISING = 1,
	PVIO_STATE_INITWAIT = 2,
	PVIO_STATE_INITIALISED = 3,
	PVIO_STATE_CONNECTED = 4,
	PVIO_STATE_CLOSING = 5,
	PVIO_STATE_CLOSED = 6,
};

/**
 * struct pvio_link_end - one end's status, written only by that end
 * @state: enum pvio_state
 * @heartbeat: bumped periodically while the end is alive
 * @generation: the link generation this end last attached to
 * @features: feature bits this end offers (PVIO_LINK_F_*)
 * @connects: times this end went Connected since it started; a report
 *	for the toolstack (pvio status), trusted by no one; 0 from an end
 *	that does not count
 * @last_downtime_ms: how long, in ms, this end was without a connected
 *	peer the last time it lost one; a report, like @connects
 * @replays: requests this end sent again to a new peer since it started
 *	(a block frontend's); a report, like @connects
 * @reserved: zero
 */
struct pvio_link_end {
	__le32 state;
	__le32 heartbeat;
	__le32 generation;
	__le32 reserved0;
	__le64 features;
	__le32 connects;
	__le32 last_downtime_ms;
	__le32 replays;
	__u8 reserved[28];
};

/**
 * struct pvio_link_header - page 0 of a link region
 * @magic: PVIO_LINK_MAGIC
 * @abi_version: PVIO_LINK_ABI
 * @region_pages: size of the region in wire pages
 * @backend_id: domain id of the backend end
 * @frontend_id: domain id of the frontend end
 * @generation: bumped on every peer change; written by whoever creates the
 *	link (the loop provider, pvio-hvd), never by a guest
 * @grant_offset: first page of the grant table
 * @grant_entries: number of grant table entries
 * @data_offset: first page of the ring and pool area
 * @backend_peer: ivshmem peer id of the backend end's QEMU (the doorbell's
 *	destination), 0 while none is connected; written by pvio-hvd, zero on
 *	the loop provider
 * @frontend_peer: the same for the frontend end
 * @reserved: zero
 * @ends: per-end status, indexed by enum pvio_role, one cache line each
 */
struct pvio_link_header {
	__le32 magic;
	__le32 abi_version;
	__le32 region_pages;
	__le16 backend_id;
	__le16 frontend_id;
	__le32 generation;
	__le32 grant_offset;
	__le32 grant_entries;
	__le32 data_offset;
	__le32 backend_peer;
	__le32 frontend_peer;
	__u8 reserved[24];
	struct pvio_link_end ends[2];
};

/* Config store: one page per writer. */
enum pvio_store_writer {
	PVIO_STORE_TOOLSTACK = 0,
	PVIO_STORE_BACKEND = 1,
	PVIO_STORE_FRONTEND = 2,
	PVIO_STORE_NR = 3,
};

#define PVIO_STORE_OFFSET	1	/* first page of the config store */
#define PVIO_STORE_KEY_MAX	32	/* bytes, including the NUL */
#define PVIO_STORE_VALUE_MAX	96	/* bytes, including the NUL */
#define PVIO_STORE_ENTRIES	31

/**
 * struct pvio_store_entry - one key/value pair; both NUL-terminated
 * @key: empty for an unused entry
 * @value: the value, as text
 */
struct pvio_store_entry {
	char key[PVIO_STORE_KEY_MAX];
	char value[PVIO_STORE_VALUE_MAX];
};

/**
 * struct pvio_store_area - one writer's page of the config store
 * @seq: seqlock count: odd while the writer is changing the entries
 * @reserved: zero
 * @entries: the pairs
 */
struct pvio_store_area {
	__le32 seq;
	__u8 reserved[60];
	struct pvio_store_entry entries[PVIO_STORE_ENTRIES];
};

/* Grant table entry flags. */
#define PVIO_GRANT_F_VALID	(1u << 0)	/* the entry grants a page */
#define PVIO_GRANT_F_READONLY	(1u << 1)	/* the backend may only read */

/**
 * struct pvio_grant_entry - one grant, written only by the frontend
 * @flags: PVIO_GRANT_F_*
 * @page: the granted page, counted from data_offset
 */
struct pvio_grant_entry {
	__le32 flags;
	__le32 page;
};

/*
 * Region layout limits, shared by the kernel (hvcall/link.c) and pvio-hvd,
 * which lays out the regions of the ivshmem provider. The grant table
 * follows the config store; a region's layout is fixed.
 */
#define PVIO_GRANT_OFFSET	(PVIO_STORE_OFFSET + PVIO_STORE_NR)
#define PVIO_GRANTS_PER_PAGE \
	(PVIO_PAGE_SIZE / sizeof(struct pvio_grant_entry))
#define PVIO_LINK_DEFAULT_PAGES		256	/* 1 MiB */
#define PVIO_LINK_MAX_PAGES		16384	/* 64 MiB */
#define PVIO_LINK_DEFAULT_GRANTS	512	/* one page of entries */
#define PVIO_LINK_MAX_GRANTS		65536
/* The smallest region: header, store, one page of grants, one data page. */
#define PVIO_LINK_MIN_PAGES	(PVIO_STORE_OFFSET + PVIO_STORE_NR + 2)

static_assert(sizeof(struct pvio_link_end) == 64, "link ABI");
static_assert(offsetof(struct pvio_link_end, heartbeat) == 4, "link ABI");
static_assert(offsetof(struct pvio_link_end, generation) == 8, "link ABI");
static_assert(offsetof(struct pvio_link_end, features) == 16, "link ABI");
static_assert(offsetof(struct pvio_link_end, connects) == 24, "link ABI");
static_assert(offsetof(struct pvio_link_end, last_downtime_ms) == 28,
	      "link ABI");
static_assert(offsetof(struct pvio_link_end, replays) == 32, "link ABI");
static_assert(offsetof(struct pvio_link_header, region_pages) == 8, "link ABI");
static_assert(offsetof(struct pvio_link_header, backend_id) == 12, "link ABI");
static_assert(offsetof(struct pvio_link_header, frontend_id) == 14, "link ABI");
static_assert(offsetof(struct pvio_link_header, generation) == 16, "link ABI");
static_assert(offsetof(struct pvio_link_header, grant_offset) == 20, "link ABI");
static_assert(offsetof(struct pvio_link_header, grant_entries) == 24, "link ABI");
static_assert(offsetof(struct pvio_link_header, data_offset) == 28, "link ABI");
static_assert(offsetof(struct pvio_link_header, backend_peer) == 32, "link ABI");
static_assert(offsetof(struct pvio_link_header, frontend_peer) == 36, "link ABI");
static_assert(offsetof(struct pvio_link_header, ends) == 64, "link ABI");
static_assert(sizeof(struct pvio_link_header) == 192, "link ABI");
static_assert(sizeof(struct pvio_store_entry) == 128, "link ABI");
static_assert(offsetof(struct pvio_store_area, entries) == 64, "link ABI");
static_assert(sizeof(struct pvio_store_area) <= PVIO_PAGE_SIZE, "link ABI");
static_assert(sizeof(struct pvio_grant_entry) == 8, "link ABI");

#endif /* _PVIO_LINK_H */
