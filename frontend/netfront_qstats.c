// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Per-queue statistics of pvethN over the netdev netlink family
 * (`ynl --family netdev --dump qstats-get`), built on kernels that have
 * them (6.10 and later; Kbuild leaves the file out before).
 *
 * The counters are the ones ethtool -S and ndo_get_stats64 read, so the
 * three agree. Queues above the stack's real number (left by ethtool -L)
 * keep theirs: the base statistics carry them, so that the device's sum
 * is the interface's own counters whatever the number of queues, and a
 * queue taken into use again goes on from where it was, as virtio_net's
 * do.
 */
#include <net/netdev_queues.h>

#include "netfront.h"

static void netfront_qstats_rx_add(const struct netfront_stats *st,
				   struct netdev_queue_stats_rx *rx)
{
	rx->packets += atomic64_read(&st->rx_packets);
	rx->bytes += atomic64_read(&st->rx_bytes);
	rx->alloc_fail += atomic64_read(&st->rx_alloc_fail);
	rx->csum_unnecessary += atomic64_read(&st->rx_csum_valid);
	rx->csum_none += atomic64_read(&st->rx_csum_none);
}

static void netfront_qstats_tx_add(const struct netfront_stats *st,
				   struct netdev_queue_stats_tx *tx)
{
	tx->packets += atomic64_read(&st->tx_packets);
	tx->bytes += atomic64_read(&st->tx_bytes);
	tx->hw_gso_packets += atomic64_read(&st->tx_gso);
	tx->hw_gso_bytes += atomic64_read(&st->tx_gso_bytes);
	tx->stop += atomic64_read(&st->tx_stop);
	tx->wake += atomic64_read(&st->tx_wake);
}

/* The core hands them over unset: only what is set is reported. */
static void netfront_qstats_rx_zero(struct netdev_queue_stats_rx *rx)
{
	rx->packets = 0;
	rx->bytes = 0;
	rx->alloc_fail = 0;
	rx->csum_unnecessary = 0;
	rx->csum_none = 0;
}

static void netfront_qstats_tx_zero(struct netdev_queue_stats_tx *tx)
{
	tx->packets = 0;
	tx->bytes = 0;
	tx->hw_gso_packets = 0;
	tx->hw_gso_bytes = 0;
	tx->stop = 0;
	tx->wake = 0;
}

static void netfront_get_queue_stats_rx(struct net_device *dev, int idx,
					struct netdev_queue_stats_rx *rx)
{
	struct netfront_info *info = netdev_priv(dev);

	netfront_qstats_rx_zero(rx);
	netfront_qstats_rx_add(&info->queues[idx].stats, rx);
}

static void netfront_get_queue_stats_tx(struct net_device *dev, int idx,
					struct netdev_queue_stats_tx *tx)
{
	struct netfront_info *info = netdev_priv(dev);

	netfront_qstats_tx_zero(tx);
	netfront_qstats_tx_add(&info->queues[idx].stats, tx);
}

/* The queues the stack does not see now. Under the RTNL, as the above. */
static void netfront_get_base_stats(struct net_device *dev,
				    struct netdev_queue_stats_rx *rx,
				    struct netdev_queue_stats_tx *tx)
{
	struct netfront_info *info = netdev_priv(dev);
	unsigned int i;

	netfront_qstats_rx_zero(rx);
	netfront_qstats_tx_zero(tx);
	for (i = dev->real_num_rx_queues; i < info->max_queues; i++)
		netfront_qstats_rx_add(&info->queues[i].stats, rx);
	for (i = dev->real_num_tx_queues; i < info->max_queues; i++)
		netfront_qstats_tx_add(&info->queues[i].stats, tx);
}

static const struct netdev_stat_ops netfront_stat_ops = {
	.get_queue_stats_rx	= netfront_get_queue_stats_rx,
	.get_queue_stats_tx	= netfront_get_queue_stats_tx,
	.get_base_stats		= netfront_get_base_stats,
};

void netfront_qstats_init(struct net_device *dev)
{
	dev->stat_ops = &netfront_stat_ops;
}
