// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * ethtool for pvif<link>.<index>: driver info, link, per-queue counters
 * (-S), the queues and ring size in use (-l, -g; the frontend chooses
 * them).
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "netback.h"

static const char netback_stat_names[][ETH_GSTRING_LEN] = {
	"rx_packets", "rx_bytes", "rx_errors", "rx_dropped", "rx_gso_packets",
	"rx_throttled", "tx_packets", "tx_bytes", "tx_dropped",
	"tx_gso_packets", "tx_stalls",
};

#define NETBACK_NR_STATS	ARRAY_SIZE(netback_stat_names)

static void netback_get_drvinfo(struct net_device *dev,
				struct ethtool_drvinfo *info)
{
	struct netback_vif *vif = netdev_priv(dev);

	strscpy(info->driver, "pvio_netback", sizeof(info->driver));
	strscpy(info->bus_info, dev_name(&vif->pdev->dev),
		sizeof(info->bus_info));
}

static int netback_get_sset_count(struct net_device *dev, int sset)
{
	struct netback_vif *vif = netdev_priv(dev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return vif->max_queues * NETBACK_NR_STATS;
}

static void netback_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	struct netback_vif *vif = netdev_priv(dev);
	unsigned int q, i;

	if (sset != ETH_SS_STATS)
		return;
	for (q = 0; q < vif->max_queues; q++)
		for (i = 0; i < NETBACK_NR_STATS; i++)
			ethtool_sprintf(&data, "q%u_%s", q,
					netback_stat_names[i]);
}

static void netback_get_ethtool_stats(struct net_device *dev,
				      struct ethtool_stats *stats, u64 *data)
{
	struct netback_vif *vif = netdev_priv(dev);
	unsigned int q;

	for (q = 0; q < vif->max_queues; q++) {
		struct netback_stats *st = &vif->queues[q].stats;

		*data++ = atomic64_read(&st->rx_packets);
		*data++ = atomic64_read(&st->rx_bytes);
		*data++ = atomic64_read(&st->rx_errors);
		*data++ = atomic64_read(&st->rx_dropped);
		*data++ = atomic64_read(&st->rx_gso);
		*data++ = atomic64_read(&st->rx_throttled);
		*data++ = atomic64_read(&st->tx_packets);
		*data++ = atomic64_read(&st->tx_bytes);
		*data++ = atomic64_read(&st->tx_dropped);
		*data++ = atomic64_read(&st->tx_gso);
		*data++ = atomic64_read(&st->tx_stalls);
	}
}

static void netback_get_channels(struct net_device *dev,
				 struct ethtool_channels *ch)
{
	struct netback_vif *vif = netdev_priv(dev);

	ch->max_combined = vif->max_queues;
	ch->combined_count = READ_ONCE(vif->pdev->nr_rings);
}

static void netback_get_ringparam(struct net_device *dev,
				  struct ethtool_ringparam *ring,
				  struct kernel_ethtool_ringparam *kring,
				  struct netlink_ext_ack *extack)
{
	struct netback_vif *vif = netdev_priv(dev);
	u32 size = READ_ONCE(vif->pdev->nr_rings) ?
		   1U << READ_ONCE(vif->pdev->ring_order) : 0;

	ring->rx_max_pending = 1U << PVIO_NETIF_RING_ORDER_MAX;
	ring->tx_max_pending = 1U << PVIO_NETIF_RING_ORDER_MAX;
	ring->rx_pending = size;
	ring->tx_pending = size;
}

const struct ethtool_ops netback_ethtool_ops = {
	.get_drvinfo		= netback_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= netback_get_sset_count,
	.get_strings		= netback_get_strings,
	.get_ethtool_stats	= netback_get_ethtool_stats,
	.get_channels		= netback_get_channels,
	.get_ringparam		= netback_get_ringparam,
};
