/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Copyright (C) 2026 The pvio authors. */
/*
 * The block protocol between pvio_blkfront and pvio_blkback: wire ABI,
 * described in Documentation/blkif.rst. Do not change a field: it breaks
 * existing peers. New fields go into reserved space behind a feature bit.
 *
 * Each queue is a pair of rings (common/ring.h) in pages the frontend
 * grants: requests flow frontend -> backend, responses backend ->
 * frontend. Data travels in pages of the frontend's pool, granted once
 * (persistent grants): a request names them by grant reference.
 *
 * Negotiation goes through the config store (keys below, one value
 * each, decimal numbers separated by single spaces).
 */
#ifndef _PVIO_BLKIF_H
#define _PVIO_BLKIF_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include <assert.h>
#include <stddef.h>
#include <linux/types.h>
#endif

/* Sectors are 512 bytes on the wire, whatever the disk's block size. */
#define PVIO_BLKIF_SECTOR_SHIFT		9

/* Request operations. An unknown op gets PVIO_BLKIF_RSP_NOTSUPP. */
enum pvio_blkif_op {
	PVIO_BLKIF_OP_READ = 0,
	PVIO_BLKIF_OP_WRITE = 1,
	PVIO_BLKIF_OP_FLUSH = 2,	/* no data; earlier writes durable */
	PVIO_BLKIF_OP_DISCARD = 3,	/* no data; nr_sectors from sector */
	PVIO_BLKIF_OP_WRITE_ZEROES = 4,	/* no data; nr_sectors from sector */
};

/* Request flags. Unknown flags get PVIO_BLKIF_RSP_NOTSUPP. */
#define PVIO_BLKIF_F_FUA	(1u << 0)	/* write: durable on completion */
#define PVIO_BLKIF_F_INDIRECT	(1u << 1)	/* seg[] names indirect pages */

/**
 * struct pvio_blkif_seg - a piece of data in a granted pool page
 * @gref: grant reference of the page
 * @offset: first byte in the page, a multiple of 512
 * @len: bytes, a multiple of 512, 512 to 4096; @offset + @len <= 4096
 */
struct pvio_blkif_seg {
	__le32 gref;
	__le16 offset;
	__le16 len;
};

/* Segments a request slot holds itself. */
#define PVIO_BLKIF_SEGS_DIRECT		12
/* Segments one indirect page holds. */
#define PVIO_BLKIF_SEGS_PER_INDIRECT	512
/* The most segments a request may carry, whatever is negotiated. */
#define PVIO_BLKIF_SEGS_MAX		1024
/* The most sectors one discard or write-zeroes request may cover (2 GiB). */
#define PVIO_BLKIF_ZERO_SECTORS_MAX	(1u << 22)

/**
 * struct pvio_blkif_request - one request slot (128 bytes)
 * @id: the frontend's own identifier, echoed in the response
 * @sector: first 512-byte sector
 * @op: enum pvio_blkif_op
 * @flags: PVIO_BLKIF_F_*
 * @nr_segs: data segments (read and write; 0 otherwise)
 * @nr_sectors: sectors moved, discarded or zeroed; for read and write the
 *	sum of the segments' lengths in sectors
 * @nr_indirect: with PVIO_BLKIF_F_INDIRECT, how many of @seg name indirect
 *	pages (each full of struct pvio_blkif_seg, @nr_segs in all, the
 *	last page partly used); 0 otherwise
 * @reserved: zero
 * @seg: the data segments, or the indirect pages (whose @offset is 0 and
 *	@len the bytes of segments in them)
 */
struct pvio_blkif_request {
	__le64 id;
	__le64 sector;
	__u8 op;
	__u8 flags;
	__le16 nr_segs;
	__le32 nr_sectors;
	__le16 nr_indirect;
	__u8 reserved[6];
	struct pvio_blkif_seg seg[PVIO_BLKIF_SEGS_DIRECT];
};

/* Response status. */
enum pvio_blkif_status {
	PVIO_BLKIF_RSP_OK = 0,
	PVIO_BLKIF_RSP_ERROR = 1,	/* the I/O failed */
	PVIO_BLKIF_RSP_NOTSUPP = 2,	/* op or flag not offered */
	PVIO_BLKIF_RSP_INVALID = 3,	/* the request broke the protocol */
};

/**
 * struct pvio_blkif_response - one response slot (16 bytes)
 * @id: the request's @id
 * @op: the request's @op
 * @reserved0: zero
 * @status: enum pvio_blkif_status
 * @reserved: zero
 */
struct pvio_blkif_response {
	__le64 id;
	__u8 op;
	__u8 reserved0;
	__le16 status;
	__le32 reserved;
};

/* Backend features (the "disk" key). Unknown bits are ignored. */
#define PVIO_BLKIF_FEAT_FLUSH		(1u << 0)
#define PVIO_BLKIF_FEAT_FUA		(1u << 1)
#define PVIO_BLKIF_FEAT_DISCARD		(1u << 2)
#define PVIO_BLKIF_FEAT_WRITE_ZEROES	(1u << 3)
#define PVIO_BLKIF_FEAT_READONLY	(1u << 4)
/* The backend claims the frontend's "nonce" in its own (see below). */
#define PVIO_BLKIF_FEAT_NONCE		(1u << 5)

/* Limits the backend may offer and the frontend may ask for. */
#define PVIO_BLKIF_QUEUES_MAX		16
#define PVIO_BLKIF_RING_ORDER_MAX	10

/*
 * Config store keys, "vbd<index>/<name>", in the area of their writer:
 *
 * toolstack "params"  the backing path (read by the backend)
 * toolstack "mode"    "r" (read-only) or "w"
 * backend   "disk"    "<sectors> <logical block size> <physical block size>
 *                     <features> <max segments> <max queues>
 *                     <max ring order> <discard granularity>"
 * backend   "serial"  the serial number (at most 20 printable bytes)
 * backend   "nonce"   the frontend's "nonce" whose rings the backend took,
 *                     written before it touches them, removed once it
 *                     stopped using them (FEAT_NONCE)
 * frontend  "nonce"   16 hex digits, never 0: fresh for each ring
 *                     description, written before "rings" and "q<n>"
 * frontend  "rings"   "<queues> <ring order>"
 * frontend  "q<n>"    "<request ring gref> <response ring gref> <port>"
 *                     for queue n: each ring lies in consecutive data
 *                     pages granted under consecutive references
 *
 * The backend rewrites "disk" when the capacity changes and says so with a
 * response whose id is PVIO_BLKIF_ID_CHANGED on queue 0.
 */
#define PVIO_BLKIF_ID_CHANGED		(~0ULL)
#define PVIO_BLKIF_SERIAL_MAX		20

static_assert(sizeof(struct pvio_blkif_seg) == 8, "blkif ABI");
static_assert(sizeof(struct pvio_blkif_request) == 128, "blkif ABI");
static_assert(offsetof(struct pvio_blkif_request, sector) == 8, "blkif ABI");
static_assert(offsetof(struct pvio_blkif_request, op) == 16, "blkif ABI");
static_assert(offsetof(struct pvio_blkif_request, flags) == 17, "blkif ABI");
static_assert(offsetof(struct pvio_blkif_request, nr_segs) == 18, "blkif ABI");
static_assert(offsetof(struct pvio_blkif_request, nr_sectors) == 20,
	      "blkif ABI");
static_assert(offsetof(struct pvio_blkif_request, nr_indirect) == 24,
	      "blkif ABI");
static_assert(offsetof(struct pvio_blkif_request, seg) == 32, "blkif ABI");
static_assert(sizeof(struct pvio_blkif_response) == 16, "blkif ABI");
static_assert(offsetof(struct pvio_blkif_response, status) == 10,
	      "blkif ABI");

#endif /* _PVIO_BLKIF_H */
