// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * ethtool for pvethN: driver info, link, per-queue counters (-S), the
 * number of queues (-L, combined) and the ring size (-G, rx and tx
 * alike: one ring order per vif). Changing either sets the vif up again
 * with the backend before the call returns (netfront_reshape()): packets
 * on the rings are lost, as on a wire, the carrier stays on. Interrupt
 * moderation (-c, -C) is netfront_coal.c's.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "netfront.h"

static const char netfront_stat_names[][ETH_GSTRING_LEN] = {
	"rx_packets", "rx_bytes", "rx_errors", "rx_dropped", "rx_gso_packets",
	"tx_packets", "tx_bytes", "tx_errors", "tx_dropped", "tx_gso_packets",
	"xdp_pass", "xdp_drop", "xdp_tx", "xdp_redirect", "xdp_xmit",
	"xdp_xmit_err",
	"irqs", "coal_polls",
};

#define NETFRONT_NR_STATS	ARRAY_SIZE(netfront_stat_names)

static void netfront_get_drvinfo(struct net_device *dev,
				 struct ethtool_drvinfo *info)
{
	struct netfront_info *nf = netdev_priv(dev);

	strscpy(info->driver, "pvio_netfront", sizeof(info->driver));
	strscpy(info->bus_info, dev_name(&nf->pdev->dev),
		sizeof(info->bus_info));
}

static int netfront_get_sset_count(struct net_device *dev, int sset)
{
	struct netfront_info *info = netdev_priv(dev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return info->max_queues * NETFRONT_NR_STATS;
}

static void netfront_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	struct netfront_info *info = netdev_priv(dev);
	unsigned int q, i;

	if (sset != ETH_SS_STATS)
		return;
	for (q = 0; q < info->max_queues; q++)
		for (i = 0; i < NETFRONT_NR_STATS; i++)
			ethtool_sprintf(&data, "q%u_%s", q,
					netfront_stat_names[i]);
}

static void netfront_get_ethtool_stats(struct net_device *dev,
				       struct ethtool_stats *stats, u64 *data)
{
	struct netfront_info *info = netdev_priv(dev);
	unsigned int q;

	for (q = 0; q < info->max_queues; q++) {
		struct netfront_stats *st = &info->queues[q].stats;

		*data++ = atomic64_read(&st->rx_packets);
		*data++ = atomic64_read(&st->rx_bytes);
		*data++ = atomic64_read(&st->rx_errors);
		*data++ = atomic64_read(&st->rx_dropped);
		*data++ = atomic64_read(&st->rx_gso);
		*data++ = atomic64_read(&st->tx_packets);
		*data++ = atomic64_read(&st->tx_bytes);
		*data++ = atomic64_read(&st->tx_errors);
		*data++ = atomic64_read(&st->tx_dropped);
		*data++ = atomic64_read(&st->tx_gso);
		*data++ = atomic64_read(&st->xdp_pass);
		*data++ = atomic64_read(&st->xdp_drop);
		*data++ = atomic64_read(&st->xdp_tx);
		*data++ = atomic64_read(&st->xdp_redirect);
		*data++ = atomic64_read(&st->xdp_xmit);
		*data++ = atomic64_read(&st->xdp_xmit_err);
		*data++ = atomic64_read(&st->irqs);
		*data++ = atomic64_read(&st->coal_polls);
	}
}

static void netfront_get_channels(struct net_device *dev,
				  struct ethtool_channels *ch)
{
	struct netfront_info *info = netdev_priv(dev);

	ch->max_combined = info->max_queues;
	ch->combined_count = netfront_rings_kept(info) ? info->nr_queues :
			     info->want_queues;
}

static int netfront_set_channels(struct net_device *dev,
				 struct ethtool_channels *ch)
{
	struct netfront_info *info = netdev_priv(dev);

	if (ch->rx_count || ch->tx_count || ch->other_count ||
	    !ch->combined_count || ch->combined_count > info->max_queues)
		return -EINVAL;
	if (netfront_rings_kept(info) && ch->combined_count == info->nr_queues)
		return 0;
	return netfront_reshape(info, ch->combined_count, info->want_order);
}

static void netfront_get_ringparam(struct net_device *dev,
				   struct ethtool_ringparam *ring,
				   struct kernel_ethtool_ringparam *kring,
				   struct netlink_ext_ack *extack)
{
	struct netfront_info *info = netdev_priv(dev);
	u32 size = 1U << (netfront_rings_kept(info) ? info->ring_order :
			  info->want_order);

	ring->rx_max_pending = 1U << PVIO_NETIF_RING_ORDER_MAX;
	ring->tx_max_pending = 1U << PVIO_NETIF_RING_ORDER_MAX;
	ring->rx_pending = size;
	ring->tx_pending = size;
}

static int netfront_set_ringparam(struct net_device *dev,
				  struct ethtool_ringparam *ring,
				  struct kernel_ethtool_ringparam *kring,
				  struct netlink_ext_ack *extack)
{
	struct netfront_info *info = netdev_priv(dev);
	u32 size = ring->rx_pending;

	if (ring->rx_mini_pending || ring->rx_jumbo_pending) {
		NL_SET_ERR_MSG(extack, "only rx and tx rings");
		return -EINVAL;
	}
	if (ring->tx_pending != size || !is_power_of_2(size) ||
	    size < 1U << PVIO_NETIF_RING_ORDER_MIN ||
	    size > 1U << PVIO_NETIF_RING_ORDER_MAX) {
		NL_SET_ERR_MSG(extack,
			       "rx and tx the same power of two, 32 to 1024");
		return -EINVAL;
	}
	if (netfront_rings_kept(info) && size == 1U << info->ring_order)
		return 0;
	if (info->reshaping) {
		NL_SET_ERR_MSG(extack, "the rings are being set up anew");
		return -EBUSY;
	}
	return netfront_reshape(info, info->want_queues, ilog2(size));
}

const struct ethtool_ops netfront_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_USECS |
				     ETHTOOL_COALESCE_MAX_FRAMES |
				     ETHTOOL_COALESCE_USE_ADAPTIVE_RX,
	.get_drvinfo		= netfront_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= netfront_get_sset_count,
	.get_strings		= netfront_get_strings,
	.get_ethtool_stats	= netfront_get_ethtool_stats,
	.get_channels		= netfront_get_channels,
	.set_channels		= netfront_set_channels,
	.get_ringparam		= netfront_get_ringparam,
	.set_ringparam		= netfront_set_ringparam,
	.get_coalesce		= netfront_get_coalesce,
	.set_coalesce		= netfront_set_coalesce,
};
