/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Copyright (C) 2026 The pvio authors. */
/*
 * The network protocol between pvio_netfront and pvio_netback: wire ABI,
 * described in Documentation/netif.rst. Do not change a field: it breaks
 * existing peers. New fields go into reserved space behind a feature bit.
 *
 * Each queue is four rings (common/ring.h) in pages the frontend grants:
 *
 *   tx requests   frontend -> backend   packets the guest sends
 *   tx responses  backend -> frontend   one per tx request, same id
 *   rx requests   frontend -> backend   empty buffers the guest posts
 *   rx responses  backend -> frontend   one per rx request, same id,
 *                                       filled with (part of) a packet
 *
 * Packet data travels in pages of the frontend's pool, granted once
 * (persistent grants): requests name them by grant reference and offset;
 * nothing is granted per packet. Both ends copy.
 *
 * Negotiation goes through the config store (keys below, one value each,
 * decimal numbers separated by single spaces).
 */
#ifndef _PVIO_NETIF_H
#define _PVIO_NETIF_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include <assert.h>
#include <stddef.h>
#include <linux/types.h>
#endif

/* The largest MTU, and so the largest frame (Ethernet header included). */
#define PVIO_NETIF_MTU_MIN	68
#define PVIO_NETIF_MTU_MAX	65535
#define PVIO_NETIF_HLEN		14
#define PVIO_NETIF_FRAME_MAX	(PVIO_NETIF_MTU_MAX + PVIO_NETIF_HLEN)
/* The smallest frame: an Ethernet header. */
#define PVIO_NETIF_FRAME_MIN	PVIO_NETIF_HLEN

/* Segments a tx request holds: a largest frame from page offset 0. */
#define PVIO_NETIF_TX_SEGS_MAX	18

/**
 * struct pvio_netif_seg - a piece of a packet in a granted pool page
 * @gref: grant reference of the page
 * @offset: first byte in the page
 * @len: bytes, 1 to 4096; @offset + @len <= 4096
 */
struct pvio_netif_seg {
	__le32 gref;
	__le16 offset;
	__le16 len;
};

/* tx request flags. Unknown or unnegotiated flags drop the packet. */
/* FEAT_CSUM: fill the checksum in at csum_start + csum_offset. */
#define PVIO_NETIF_TXF_CSUM_PARTIAL	(1u << 0)
/* FEAT_GSO_*: gso_size and gso_type are valid. */
#define PVIO_NETIF_TXF_GSO		(1u << 1)

/* GSO types (gso_type). */
enum pvio_netif_gso_type {
	PVIO_NETIF_GSO_NONE = 0,
	PVIO_NETIF_GSO_TCPV4 = 1,
	PVIO_NETIF_GSO_TCPV6 = 2,
	PVIO_NETIF_GSO_UDP_L4 = 3,
};

/**
 * struct pvio_netif_tx_request - one tx request slot (160 bytes)
 * @id: the frontend's own identifier, echoed in the response; below the
 *	ring size
 * @nr_segs: entries of @seg in use, 1 to PVIO_NETIF_TX_SEGS_MAX
 * @flags: PVIO_NETIF_TXF_*
 * @len: the frame's length, PVIO_NETIF_FRAME_MIN to PVIO_NETIF_FRAME_MAX;
 *	the sum of the segments' lengths
 * @csum_start: with TXF_CSUM_PARTIAL, where checksumming starts
 * @csum_offset: with TXF_CSUM_PARTIAL, where the checksum goes, from
 *	@csum_start
 * @gso_size: with TXF_GSO, payload bytes per segment
 * @gso_type: with TXF_GSO, enum pvio_netif_gso_type
 * @reserved: zero
 * @seg: the frame's data, in order
 */
struct pvio_netif_tx_request {
	__le16 id;
	__u8 nr_segs;
	__u8 flags;
	__le32 len;
	__le16 csum_start;
	__le16 csum_offset;
	__le16 gso_size;
	__u8 gso_type;
	__u8 reserved;
	struct pvio_netif_seg seg[PVIO_NETIF_TX_SEGS_MAX];
};

/* tx response status. */
enum pvio_netif_status {
	PVIO_NETIF_RSP_OK = 0,
	PVIO_NETIF_RSP_ERROR = 1,	/* dropped: broke the protocol */
	PVIO_NETIF_RSP_DROPPED = 2,	/* dropped: no room, link down */
};

/**
 * struct pvio_netif_tx_response - one tx response slot (8 bytes)
 * @id: the request's @id
 * @status: enum pvio_netif_status
 * @reserved: zero
 */
struct pvio_netif_tx_response {
	__le16 id;
	__le16 status;
	__le32 reserved;
};

/**
 * struct pvio_netif_rx_request - one posted receive buffer (8 bytes)
 * @id: the frontend's own identifier, echoed in the response; below the
 *	ring size
 * @reserved: zero
 * @gref: a granted pool page the backend may write; the whole page is
 *	the buffer
 */
struct pvio_netif_rx_request {
	__le16 id;
	__le16 reserved;
	__le32 gref;
};

/* rx response flags. */
/* The packet goes on in the next response. */
#define PVIO_NETIF_RXF_MORE		(1u << 0)
/* FEAT_CSUM: the checksum was checked already. */
#define PVIO_NETIF_RXF_CSUM_VALID	(1u << 1)
/*
 * FEAT_CSUM: the L4 checksum field holds the pseudo-header sum only; the
 * packet is as good as checked (it never left the driver domain), and
 * the frontend finds the checksum's place from the headers.
 */
#define PVIO_NETIF_RXF_CSUM_PARTIAL	(1u << 2)

/**
 * struct pvio_netif_rx_response - one filled buffer (16 bytes)
 * @id: the rx request's @id
 * @offset: first byte of data in the buffer's page
 * @len: bytes of data, 1 to 4096; @offset + @len <= 4096
 * @flags: PVIO_NETIF_RXF_*
 * @gso_type: in the first buffer of a packet: enum pvio_netif_gso_type
 *	(FEAT_GSO_* only; else PVIO_NETIF_GSO_NONE)
 * @gso_size: in the first buffer of a packet, with @gso_type
 * @reserved: zero
 *
 * A packet is one response, or several whose all but last carry
 * RXF_MORE, consecutive on the ring; at most PVIO_NETIF_RX_BUFS_MAX
 * buffers and PVIO_NETIF_FRAME_MAX bytes in all.
 */
struct pvio_netif_rx_response {
	__le16 id;
	__le16 offset;
	__le16 len;
	__u8 flags;
	__u8 gso_type;
	__le16 gso_size;
	__u8 reserved[6];
};

/* Buffers a largest frame takes. */
#define PVIO_NETIF_RX_BUFS_MAX	17

/*
 * Backend features (the "back" key). A frontend uses only what is
 * offered, and says what it uses in its "rings" key; unknown bits are
 * ignored. GSO needs CSUM: a GSO packet is also a partial checksum.
 */
#define PVIO_NETIF_FEAT_CSUM		(1u << 0)
#define PVIO_NETIF_FEAT_GSO_TCPV4	(1u << 1)
#define PVIO_NETIF_FEAT_GSO_TCPV6	(1u << 2)
#define PVIO_NETIF_FEAT_GSO_UDP_L4	(1u << 3)
/*
 * The backend claims the frontend's "nonce" in its own (below). Offered
 * in "back" only; never in "rings", which lists offloads.
 */
#define PVIO_NETIF_FEAT_NONCE		(1u << 4)

/* Limits the backend may offer and the frontend may ask for. */
#define PVIO_NETIF_QUEUES_MAX		8
#define PVIO_NETIF_RING_ORDER_MIN	5
#define PVIO_NETIF_RING_ORDER_MAX	10

/*
 * Config store keys, "vif<index>/<name>", in the area of their writer:
 *
 * toolstack "mac"     the frontend's MAC address, "xx:xx:xx:xx:xx:xx"
 * toolstack "queues"  queues the backend may offer, 1 to QUEUES_MAX
 * backend   "back"    "<max queues> <max ring order> <features>"
 * backend   "nonce"   the frontend's "nonce" whose rings the backend took,
 *                     written before it touches them, removed once it
 *                     stopped using them (FEAT_NONCE)
 * frontend  "nonce"   16 hex digits, never 0: fresh for each ring
 *                     description, written before "rings" and "q<n>"
 * frontend  "rings"   "<queues> <ring order> <features>": what the
 *                     frontend uses, within what "back" offers
 * frontend  "q<n>"    "<tx req gref> <tx rsp gref> <rx req gref>
 *                     <rx rsp gref> <port>" for queue n: each ring lies
 *                     in consecutive data pages granted under
 *                     consecutive references; one port for all four
 *
 * The MTU is not negotiated: each end accepts frames up to
 * PVIO_NETIF_FRAME_MAX whatever its own MTU.
 */

static_assert(sizeof(struct pvio_netif_seg) == 8, "netif ABI");
static_assert(sizeof(struct pvio_netif_tx_request) == 160, "netif ABI");
static_assert(offsetof(struct pvio_netif_tx_request, nr_segs) == 2,
	      "netif ABI");
static_assert(offsetof(struct pvio_netif_tx_request, flags) == 3,
	      "netif ABI");
static_assert(offsetof(struct pvio_netif_tx_request, len) == 4, "netif ABI");
static_assert(offsetof(struct pvio_netif_tx_request, csum_start) == 8,
	      "netif ABI");
static_assert(offsetof(struct pvio_netif_tx_request, csum_offset) == 10,
	      "netif ABI");
static_assert(offsetof(struct pvio_netif_tx_request, gso_size) == 12,
	      "netif ABI");
static_assert(offsetof(struct pvio_netif_tx_request, gso_type) == 14,
	      "netif ABI");
static_assert(offsetof(struct pvio_netif_tx_request, seg) == 16,
	      "netif ABI");
static_assert(sizeof(struct pvio_netif_tx_response) == 8, "netif ABI");
static_assert(offsetof(struct pvio_netif_tx_response, status) == 2,
	      "netif ABI");
static_assert(sizeof(struct pvio_netif_rx_request) == 8, "netif ABI");
static_assert(offsetof(struct pvio_netif_rx_request, gref) == 4, "netif ABI");
static_assert(sizeof(struct pvio_netif_rx_response) == 16, "netif ABI");
static_assert(offsetof(struct pvio_netif_rx_response, offset) == 2,
	      "netif ABI");
static_assert(offsetof(struct pvio_netif_rx_response, len) == 4, "netif ABI");
static_assert(offsetof(struct pvio_netif_rx_response, flags) == 6,
	      "netif ABI");
static_assert(offsetof(struct pvio_netif_rx_response, gso_type) == 7,
	      "netif ABI");
static_assert(offsetof(struct pvio_netif_rx_response, gso_size) == 8,
	      "netif ABI");
static_assert(PVIO_NETIF_RX_BUFS_MAX * 4096 >= PVIO_NETIF_FRAME_MAX,
	      "netif ABI");
static_assert((PVIO_NETIF_TX_SEGS_MAX - 1) * 4096 >= PVIO_NETIF_FRAME_MAX,
	      "netif ABI");

#endif /* _PVIO_NETIF_H */
