// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_netback: the backend of a vif. Probe creates the network device
 * pvif<link>.<index> (carrier off) and publishes what the backend offers;
 * then the vif follows the frontend's state through the handshake of
 * Documentation/netif.rst, carrier on while both are connected, and waits
 * for the next frontend whenever this one goes. The device stays until
 * the vif is removed.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "netback.h"

static unsigned int max_queues = 4;
module_param(max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Queues per vif offered, at most (default 4, max 8)");

static unsigned int max_ring_order = 8;
module_param(max_ring_order, uint, 0444);
MODULE_PARM_DESC(max_ring_order,
		 "log2 of ring slots offered, at most (default 8, min 5, max 10)");

unsigned int netback_rx_queue_bytes = SZ_1M;
module_param_named(rx_queue_bytes, netback_rx_queue_bytes, uint, 0444);
MODULE_PARM_DESC(rx_queue_bytes,
		 "Memory (skb truesize) per queue of packets waiting for the guest's buffers, at most; beyond, packets are dropped (default 1 MiB, min 64 KiB)");

unsigned int netback_rx_stall_ms = 10000;
module_param_named(rx_stall_ms, netback_rx_stall_ms, uint, 0644);
MODULE_PARM_DESC(rx_stall_ms,
		 "Milliseconds packets wait for the guest's buffers before the vif's carrier goes down; 0 never (default 10000)");

/* ---- the handshake ---- */

/*
 * Stop serving the rings; then, and only then, withdraw our nonce: the
 * frontend may reuse the pages. Under vif->lock.
 */
static void netback_disconnect(struct netback_vif *vif)
{
	/* After: a last poll could bring a stalled carrier back. */
	netback_queues_disconnect(vif);
	netif_carrier_off(vif->dev);
	if (vif->connected)
		netdev_info(vif->dev, "disconnected\n");
	vif->connected = false;
	WRITE_ONCE(vif->pdev->nr_rings, 0);
	WRITE_ONCE(vif->pdev->ring_order, 0);
	if (vif->nonce)
		pvio_nonce_publish(vif->pdev, 0);
	vif->nonce = 0;
}

/* Read and check "rings". Under vif->lock. */
static int netback_read_rings(struct netback_vif *vif, unsigned int *nr,
			      unsigned int *order, unsigned int *features)
{
	char key[PVIO_STORE_KEY_MAX], buf[PVIO_STORE_VALUE_MAX];
	int ret;

	snprintf(key, sizeof(key), "vif%u/rings", vif->pdev->index);
	ret = pvio_store_read(vif->link, PVIO_STORE_FRONTEND, key, buf,
			      sizeof(buf));
	if (!ret && (sscanf(buf, "%u %u %u", nr, order, features) != 3 ||
		     !*nr || *nr > vif->max_queues ||
		     *order < PVIO_NETIF_RING_ORDER_MIN ||
		     *order > max_ring_order))
		ret = -EPROTO;
	/* Only what we offer; GSO only with checksum offload. */
	if (!ret && ((*features & ~NETBACK_FEATURES) ||
		     ((*features & ~PVIO_NETIF_FEAT_CSUM) &&
		      !(*features & PVIO_NETIF_FEAT_CSUM))))
		ret = -EPROTO;
	return ret;
}

/*
 * The frontend is Initialised: take its rings. Its nonce is claimed
 * before any page is touched, and must still be the frontend's when we
 * go Connected (Documentation/netif.rst, "The ring nonce"). Under
 * vif->lock.
 */
static void netback_connect(struct netback_vif *vif)
{
	u64 nonce = pvio_nonce_peer(vif->pdev);
	unsigned int nr, order, features;
	int ret;

	if (!pvio_backend_claim(vif->pdev, nonce))
		return;
	vif->nonce = nonce;
	ret = netback_read_rings(vif, &nr, &order, &features);
	if (!ret)
		ret = netback_queues_connect(vif, nr, order, features);
	if (ret) {
		dev_err(&vif->pdev->dev,
			"cannot use the frontend's rings: %d\n", ret);
		netback_disconnect(vif);
		return;
	}
	if (!pvio_backend_may_connect(vif->pdev, nonce)) {
		netdev_info(vif->dev,
			    "frontend took its rings back while we connected\n");
		netback_disconnect(vif);
		return;
	}
	vif->connected = true;
	WRITE_ONCE(vif->pdev->ring_order, order);
	WRITE_ONCE(vif->pdev->nr_rings, nr);
	netif_carrier_on(vif->dev);
	pvio_backend_state_walk(vif->link, PVIO_STATE_CONNECTED);
	netdev_info(vif->dev, "connected: %u queues of %u slots, features %#x\n",
		    nr, 1U << order, features);
}

/* Drop this frontend and wait for the next one. Under vif->lock. */
static void netback_reset(struct netback_vif *vif)
{
	netback_disconnect(vif);
	pvio_backend_state_walk(vif->link, PVIO_STATE_INITWAIT);
}

/* Act on where the frontend is now. Under vif->lock. */
static void netback_follow(struct netback_vif *vif, enum pvio_state peer)
{
	switch (peer) {
	case PVIO_STATE_INITIALISED:
		/* Connected on that very description: nothing new. */
		if (vif->connected && vif->nonce &&
		    pvio_nonce_peer(vif->pdev) == vif->nonce)
			break;
		/* Still connected: it restarted between two looks. */
		if (vif->connected)
			netback_reset(vif);
		netback_connect(vif);
		break;
	case PVIO_STATE_CONNECTED:
		break;
	default:
		if (vif->connected)
			netback_reset(vif);
		break;
	}
}

static void netback_frontend_changed(struct pvio_link *link,
				     enum pvio_role self,
				     enum pvio_state peer, void *data)
{
	struct netback_vif *vif = data;

	mutex_lock(&vif->lock);
	if (!vif->removing)
		netback_follow(vif, peer);
	mutex_unlock(&vif->lock);
}

static bool netback_queues_broken(struct netback_vif *vif)
{
	unsigned int i;

	for (i = 0; i < vif->nr_queues; i++)
		if (READ_ONCE(vif->queues[i].broken))
			return true;
	return false;
}

/* A queue broke (netback_ring.c): drop the frontend. */
static void netback_lost_work(struct work_struct *work)
{
	struct netback_vif *vif = container_of(work, struct netback_vif,
					       lost_work);

	mutex_lock(&vif->lock);
	if (!vif->removing && netback_queues_broken(vif))
		netback_reset(vif);
	mutex_unlock(&vif->lock);
}

/* ---- the network device ---- */

static int netback_open(struct net_device *dev)
{
	netif_tx_start_all_queues(dev);
	return 0;
}

static int netback_stop(struct net_device *dev)
{
	netif_tx_stop_all_queues(dev);
	return 0;
}

/* Offloads only as far as the frontend takes them. */
static netdev_features_t netback_fix_features(struct net_device *dev,
					      netdev_features_t features)
{
	struct netback_vif *vif = netdev_priv(dev);
	u32 fe = READ_ONCE(vif->features);

	if (!(fe & PVIO_NETIF_FEAT_CSUM))
		features &= ~(NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM);
	/* Without them the stack segments in software before xmit. */
	return features & ~(PVIO_NETIF_GSO_NETDEV & ~pvio_netif_gso_features(fe));
}

static void netback_get_stats64(struct net_device *dev,
				struct rtnl_link_stats64 *s)
{
	struct netback_vif *vif = netdev_priv(dev);
	unsigned int i;

	for (i = 0; i < vif->max_queues; i++) {
		struct netback_stats *st = &vif->queues[i].stats;

		s->rx_packets += atomic64_read(&st->rx_packets);
		s->rx_bytes += atomic64_read(&st->rx_bytes);
		s->rx_errors += atomic64_read(&st->rx_errors);
		s->rx_dropped += atomic64_read(&st->rx_dropped);
		s->tx_packets += atomic64_read(&st->tx_packets);
		s->tx_bytes += atomic64_read(&st->tx_bytes);
		s->tx_dropped += atomic64_read(&st->tx_dropped);
	}
}

static const struct net_device_ops netback_netdev_ops = {
	.ndo_open		= netback_open,
	.ndo_stop		= netback_stop,
	.ndo_start_xmit		= netback_start_xmit,
	.ndo_get_stats64	= netback_get_stats64,
	.ndo_fix_features	= netback_fix_features,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

/* ---- the driver ---- */

static void netback_peer_gone(struct pvio_device *pdev)
{
	struct netback_vif *vif = dev_get_drvdata(&pdev->dev);

	mutex_lock(&vif->lock);
	if (!vif->removing && vif->connected)
		netback_reset(vif);
	mutex_unlock(&vif->lock);
}

static void netback_peer_back(struct pvio_device *pdev)
{
	struct netback_vif *vif = dev_get_drvdata(&pdev->dev);

	mutex_lock(&vif->lock);
	if (!vif->removing && !vif->connected)
		netback_follow(vif, pvio_state_peer(vif->link, PVIO_BACKEND));
	mutex_unlock(&vif->lock);
}

/* The toolstack rewrote our keys (netlink vif-set): the rate limit. */
static int netback_config_changed(struct pvio_device *pdev)
{
	struct netback_vif *vif = dev_get_drvdata(&pdev->dev);
	int ret = 0;

	mutex_lock(&vif->lock);
	if (!vif->removing)
		ret = netback_rate_read(vif);
	mutex_unlock(&vif->lock);
	return ret;
}

/* Counters for netlink: packets and bytes both ways, refusals, queued. */
static void netback_get_stats(struct pvio_device *pdev,
			      struct pvio_dev_stats *stats)
{
	struct netback_vif *vif = dev_get_drvdata(&pdev->dev);
	struct rtnl_link_stats64 s = {};
	unsigned int i;

	netback_get_stats64(vif->dev, &s);
	stats->requests = s.rx_packets + s.tx_packets;
	stats->sectors = s.rx_bytes + s.tx_bytes;
	stats->errors = s.rx_errors;
	for (i = 0; i < vif->max_queues; i++)
		stats->in_flight += skb_queue_len_lockless(&vif->queues[i].rx_queue);
}

/* The toolstack's "queues": how many we offer, within max_queues. */
static unsigned int netback_read_queues(struct pvio_device *pdev)
{
	char key[PVIO_STORE_KEY_MAX];
	u32 n;

	snprintf(key, sizeof(key), "vif%u/queues", pdev->index);
	if (pvio_toolstack_read_u32(pdev->link, key, &n) || !n)
		return max_queues;
	return min(n, max_queues);
}

static int netback_publish(struct netback_vif *vif)
{
	char key[PVIO_STORE_KEY_MAX];

	snprintf(key, sizeof(key), "vif%u/back", vif->pdev->index);
	return pvio_store_printf(vif->link, PVIO_STORE_BACKEND, key,
				 "%u %u %u", vif->max_queues, max_ring_order,
				 NETBACK_FEATURES | PVIO_NETIF_FEAT_NONCE);
}

static void netback_unpublish(struct netback_vif *vif)
{
	char key[PVIO_STORE_KEY_MAX];

	snprintf(key, sizeof(key), "vif%u/back", vif->pdev->index);
	pvio_store_remove(vif->link, PVIO_STORE_BACKEND, key);
}

static const u8 netback_mac[ETH_ALEN] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct net_device *netback_alloc_netdev(struct pvio_device *pdev,
					       unsigned int nr)
{
	char name[IFNAMSIZ];
	struct net_device *dev;

	if (snprintf(name, sizeof(name), "pvif%u.%u", pdev->link->id,
		     pdev->index) >= sizeof(name)) {
		pdev->probe_msg = "vif name pvif<link>.<index> too long";
		return ERR_PTR(-ENAMETOOLONG);
	}
	dev = alloc_netdev_mqs(sizeof(struct netback_vif), name,
			       NET_NAME_PREDICTABLE, ether_setup, nr, nr);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->netdev_ops = &netback_netdev_ops;
	dev->ethtool_ops = &netback_ethtool_ops;
	dev->min_mtu = PVIO_NETIF_MTU_MIN;
	dev->max_mtu = PVIO_NETIF_MTU_MAX;
	/* Copied anyway: scatter-gather costs nothing. */
	dev->hw_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |
			   PVIO_NETIF_GSO_NETDEV;
	dev->features = dev->hw_features;
	/*
	 * As Xen's vifs: never the lowest address on a bridge, so the
	 * bridge keeps its real port's address.
	 */
	eth_hw_addr_set(dev, netback_mac);
	SET_NETDEV_DEV(dev, &pdev->dev);
	return dev;
}

static int netback_probe(struct pvio_device *pdev)
{
	struct netback_vif *vif;
	struct net_device *dev;
	unsigned int nr, i;
	int ret;

	nr = netback_read_queues(pdev);
	dev = netback_alloc_netdev(pdev, nr);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	vif = netdev_priv(dev);
	vif->pdev = pdev;
	vif->link = pdev->link;
	vif->dev = dev;
	vif->max_queues = nr;
	mutex_init(&vif->lock);
	spin_lock_init(&vif->rate_lock);
	spin_lock_init(&vif->stall_lock);
	INIT_WORK(&vif->lost_work, netback_lost_work);
	vif->queues = kcalloc(nr, sizeof(*vif->queues), GFP_KERNEL);
	if (!vif->queues) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < nr; i++) {
		struct netback_queue *q = &vif->queues[i];

		q->vif = vif;
		q->qid = i;
		skb_queue_head_init(&q->rx_queue);
		netback_rate_init(q);
		netback_stall_init(q);
		netif_napi_add(dev, &q->napi, netback_poll);
		ret = netback_tx_pool_create(q);
		if (ret)
			goto err_queues;
	}
	ret = netback_rate_read(vif);
	if (ret)
		goto err_queues;
	netif_carrier_off(dev);
	ret = register_netdev(dev);
	if (ret) {
		pdev->probe_msg = "cannot register the vif's network device";
		goto err_queues;
	}
	ret = netback_publish(vif);
	if (ret) {
		pdev->probe_msg = "cannot publish the vif";
		goto err_unregister;
	}
	dev_set_drvdata(&pdev->dev, vif);
	pvio_backend_state_walk(vif->link, PVIO_STATE_INITWAIT);
	vif->watch = pvio_state_watch_dev(pdev, netback_frontend_changed, vif);
	if (IS_ERR(vif->watch)) {
		ret = PTR_ERR(vif->watch);
		pdev->probe_msg = "cannot watch the frontend's state";
		goto err_state;
	}
	netback_debugfs_add(vif);
	netdev_info(dev, "vif %u of link %u, up to %u queues\n", pdev->index,
		    vif->link->id, nr);
	return 0;

err_state:
	pvio_backend_state_walk(vif->link, PVIO_STATE_CLOSED);
	netback_unpublish(vif);
err_unregister:
	unregister_netdev(dev);
err_queues:
	for (i = 0; i < nr; i++) {
		/* Those not reached yet: zeroed by kcalloc. */
		if (!vif->queues[i].vif)
			break;
		/* With its NAPI disabled, as page_pool_destroy() wants. */
		netback_tx_pool_destroy(&vif->queues[i]);
		netif_napi_del(&vif->queues[i].napi);
	}
	kfree(vif->queues);
err_free:
	free_netdev(dev);
	return ret;
}

static void netback_remove(struct pvio_device *pdev)
{
	struct netback_vif *vif = dev_get_drvdata(&pdev->dev);
	struct net_device *dev = vif->dev;
	unsigned int i;

	/* Takes vif->lock in its files: not under it. */
	netback_debugfs_del(vif);
	mutex_lock(&vif->lock);
	vif->removing = true;
	mutex_unlock(&vif->lock);
	/* Neither may run once we go: they take vif->lock, so not under it. */
	pvio_state_unwatch(vif->watch);
	cancel_work_sync(&vif->lost_work);

	mutex_lock(&vif->lock);
	netback_disconnect(vif);
	mutex_unlock(&vif->lock);
	/* A poll may have queued it before the disconnect stopped them. */
	cancel_work_sync(&vif->lost_work);
	pvio_backend_state_walk(vif->link, PVIO_STATE_CLOSED);
	netback_unpublish(vif);
	unregister_netdev(dev);
	for (i = 0; i < vif->max_queues; i++) {
		/* xmit may have queued after the disconnect's purge */
		skb_queue_purge(&vif->queues[i].rx_queue);
		/* With its NAPI disabled, as page_pool_destroy() wants. */
		netback_tx_pool_destroy(&vif->queues[i]);
		netif_napi_del(&vif->queues[i].napi);
	}
	kfree(vif->queues);
	free_netdev(dev);
}

static const struct attribute_group *netback_dev_groups[] = {
	&netback_dev_group,
	NULL,
};

static struct pvio_driver netback_driver = {
	.driver.name	= "pvio_netback",
	.driver.dev_groups = netback_dev_groups,
	.type		= PVIO_DEV_VIF,
	.role		= PVIO_BACKEND,
	.probe		= netback_probe,
	.remove		= netback_remove,
	.peer_gone	= netback_peer_gone,
	.peer_back	= netback_peer_back,
	.config_changed	= netback_config_changed,
	.get_stats	= netback_get_stats,
};

static int __init netback_init(void)
{
	int ret;

	if (!max_queues || max_queues > PVIO_NETIF_QUEUES_MAX ||
	    max_ring_order < PVIO_NETIF_RING_ORDER_MIN ||
	    max_ring_order > PVIO_NETIF_RING_ORDER_MAX ||
	    netback_rx_queue_bytes < SZ_64K) {
		pr_err("bad module parameters\n");
		return -EINVAL;
	}
	netback_debugfs_init();
	ret = pvio_driver_register(&netback_driver);
	if (ret)
		netback_debugfs_exit();
	return ret;
}

static void __exit netback_exit(void)
{
	pvio_driver_unregister(&netback_driver);
	netback_debugfs_exit();
}

module_init(netback_init);
module_exit(netback_exit);

MODULE_DESCRIPTION("pvio network backend: a vif netdev per guest interface");
MODULE_AUTHOR("The pvio authors");
MODULE_LICENSE("GPL");
MODULE_ALIAS("pvio:vif-backend");
