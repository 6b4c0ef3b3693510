/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * Kernel only: the GSO types of the wire (common/netif.h) and of the
 * stack's skbs, mapped one way and the other, for both ends of a vif.
 */
#ifndef _PVIO_NETIF_GSO_H
#define _PVIO_NETIF_GSO_H

#include <linux/skbuff.h>

#include "netif.h"

/* The wire type of @skb's GSO if the peer takes it (@features), or NONE. */
static inline u8 pvio_netif_gso_type(const struct sk_buff *skb, u32 features)
{
	unsigned int type = skb_shinfo(skb)->gso_type;

	if ((type & SKB_GSO_TCPV4) && (features & PVIO_NETIF_FEAT_GSO_TCPV4))
		return PVIO_NETIF_GSO_TCPV4;
	if ((type & SKB_GSO_TCPV6) && (features & PVIO_NETIF_FEAT_GSO_TCPV6))
		return PVIO_NETIF_GSO_TCPV6;
	if ((type & SKB_GSO_UDP_L4) && (features & PVIO_NETIF_FEAT_GSO_UDP_L4))
		return PVIO_NETIF_GSO_UDP_L4;
	return PVIO_NETIF_GSO_NONE;
}

/* Is the peer's wire GSO type @type one that was negotiated? */
static inline bool pvio_netif_gso_ok(u8 type, u32 features)
{
	switch (type) {
	case PVIO_NETIF_GSO_TCPV4:
		return features & PVIO_NETIF_FEAT_GSO_TCPV4;
	case PVIO_NETIF_GSO_TCPV6:
		return features & PVIO_NETIF_FEAT_GSO_TCPV6;
	case PVIO_NETIF_GSO_UDP_L4:
		return features & PVIO_NETIF_FEAT_GSO_UDP_L4;
	default:
		return false;
	}
}

/*
 * The skb gso_type of a wire type pvio_netif_gso_ok() accepted; DODGY:
 * the stack checks the headers and counts the segments itself.
 */
static inline unsigned int pvio_netif_skb_gso(u8 type)
{
	switch (type) {
	case PVIO_NETIF_GSO_TCPV4:
		return SKB_GSO_TCPV4 | SKB_GSO_DODGY;
	case PVIO_NETIF_GSO_TCPV6:
		return SKB_GSO_TCPV6 | SKB_GSO_DODGY;
	default:
		return SKB_GSO_UDP_L4 | SKB_GSO_DODGY;
	}
}

/* The netdev GSO features the peer's @features allow. */
static inline netdev_features_t pvio_netif_gso_features(u32 features)
{
	netdev_features_t f = 0;

	if (features & PVIO_NETIF_FEAT_GSO_TCPV4)
		f |= NETIF_F_TSO;
	if (features & PVIO_NETIF_FEAT_GSO_TCPV6)
		f |= NETIF_F_TSO6;
	if (features & PVIO_NETIF_FEAT_GSO_UDP_L4)
		f |= NETIF_F_GSO_UDP_L4;
	return f;
}

#define PVIO_NETIF_GSO_NETDEV	(NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_GSO_UDP_L4)

#endif /* _PVIO_NETIF_GSO_H */
