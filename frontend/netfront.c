// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_netfront: the frontend of a vif. Probe creates the Ethernet
 * device pvethN at once, carrier off, with the MAC address the toolstack
 * chose; then it follows the backend's state through the handshake of
 * Documentation/netif.rst. The carrier is on while the backend is
 * connected and off while it is gone; the device stays through every
 * loss of the backend, and only removing the vif removes it.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "netfront.h"

static unsigned int max_queues = 4;
module_param(max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Queues per vif, at most (default 4, max 8)");

static unsigned int ring_order = 8;
module_param(ring_order, uint, 0444);
MODULE_PARM_DESC(ring_order,
		 "log2 of each ring's slots (default 8, min 5, max 10)");

/* ---- what the backend offers ---- */

struct netfront_offer {
	u32 queues;
	u32 order;
	u32 features;
	bool nonce;
};

/*
 * Sleeps: a torn store area makes the read retry for tens of ms, so
 * never under the RTNL (netfront_connect_work()).
 */
static int netfront_read_back(struct netfront_info *info,
			      struct netfront_offer *o)
{
	char key[PVIO_STORE_KEY_MAX], buf[PVIO_STORE_VALUE_MAX];
	int ret;

	snprintf(key, sizeof(key), "vif%u/back", info->pdev->index);
	ret = pvio_store_read(info->link, PVIO_STORE_BACKEND, key, buf,
			      sizeof(buf));
	if (ret)
		return ret;
	if (sscanf(buf, "%u %u %u", &o->queues, &o->order, &o->features) != 3 ||
	    !o->queues || o->order < PVIO_NETIF_RING_ORDER_MIN ||
	    o->order > PVIO_NETIF_RING_ORDER_MAX)
		return -EPROTO;
	o->nonce = o->features & PVIO_NETIF_FEAT_NONCE;
	/* Unknown bits are ignored; GSO only with checksum offload. */
	o->features &= NETFRONT_FEATURES;
	if (!(o->features & PVIO_NETIF_FEAT_CSUM))
		o->features = 0;
	return 0;
}

/* ---- our state ---- */

/*
 * Stop using the rings and tell the backend we start over; the carrier
 * is the caller's. Under RTNL, connected or Initialised.
 */
static void netfront_drop(struct netfront_info *info)
{
	/* Stops the tx queues and waits for every xmit under way. */
	netif_tx_disable(info->dev);
	netfront_rings_disconnect(info);
	info->conn = NETFRONT_DISCONNECTED;
	info->pdev->nr_rings = 0;
	pvio_backoff_down(&info->backoff);
	pvio_frontend_state_reset(info->link);
}

/* The backend is gone, or broke the protocol: start over. Under RTNL. */
static void netfront_lose(struct netfront_info *info)
{
	if (info->conn == NETFRONT_DISCONNECTED)
		return;
	if (info->conn == NETFRONT_CONNECTED)
		netdev_info(info->dev, "backend lost, carrier off until it is back\n");
	netif_carrier_off(info->dev);
	netfront_drop(info);
}

/* Show the stack @nr queues each way. Under RTNL. */
static int netfront_set_real_queues(struct net_device *dev, unsigned int nr)
{
	unsigned int old = dev->real_num_tx_queues;
	int ret;

	ret = netif_set_real_num_tx_queues(dev, nr);
	if (ret)
		return ret;
	ret = netif_set_real_num_rx_queues(dev, nr);
	if (ret)
		netif_set_real_num_tx_queues(dev, old);
	return ret;
}

/*
 * Allocate @nr rings of @order and show the stack as many queues. Under
 * RTNL, without rings.
 */
static int netfront_rings_make(struct netfront_info *info, unsigned int nr,
			       unsigned int order)
{
	int ret;

	info->nr_queues = nr;
	info->ring_order = order;
	ret = netfront_rings_alloc(info);
	if (!ret)
		ret = netfront_set_real_queues(info->dev, info->nr_queues);
	if (ret) {
		netfront_rings_free(info);
		netdev_err(info->dev, "cannot set up %u queues on the link: %d\n",
			   info->nr_queues, ret);
	}
	return ret;
}

/* Queues and ring order for an offer: as many as asked for, and CPUs. */
static void netfront_shape(const struct netfront_info *info, u32 queues,
			   u32 order, unsigned int *nr, unsigned int *ord)
{
	*nr = min3(queues, info->want_queues, num_online_cpus());
	*ord = min(order, info->want_order);
}

/*
 * Rings for this backend: as many queues and slots as asked for
 * (module parameters, ethtool) and as it offers. A new backend may offer
 * fewer or more than the last one: packets are not held across a loss
 * (recovery.rst), so the rings are simply made again, unconnected.
 * Should a larger shape not fit the link, the last one is kept if the
 * backend takes it. Under RTNL.
 */
static int netfront_rings_shape(struct netfront_info *info, u32 queues,
				u32 order)
{
	unsigned int old_nr = 0, old_ord = 0, nr, ord;
	int ret;

	netfront_shape(info, queues, order, &nr, &ord);
	if (info->rings_ready) {
		if (nr == info->nr_queues && ord == info->ring_order)
			return 0;
		old_nr = info->nr_queues;
		old_ord = info->ring_order;
		netdev_info(info->dev,
			    "backend takes %u queues of order %u (was %u, %u)\n",
			    nr, ord, old_nr, old_ord);
		netfront_rings_free(info);
	}
	ret = netfront_rings_make(info, nr, ord);
	if (ret && old_nr && (nr > old_nr || ord > old_ord))
		ret = netfront_rings_make(info, min(nr, old_nr),
					  min(ord, old_ord));
	return ret;
}

/*
 * The backend waits for us: publish rings, on the offer it made (read
 * before the RTNL was taken). Under RTNL.
 */
static int netfront_setup(struct netfront_info *info,
			  const struct netfront_offer *o)
{
	u32 features = o->features;
	int ret;

	/* XDP sees whole packets with whole checksums (netfront_xdp.c). */
	if (rtnl_dereference(info->xdp_prog))
		features = 0;
	info->offer_queues = o->queues;
	info->offer_order = o->order;
	ret = netfront_rings_shape(info, o->queues, o->order);
	if (ret)
		return ret;
	WRITE_ONCE(info->features, features);
	info->back_nonce = o->nonce;
	/* A fresh nonce, out before the keys it stands for. */
	info->nonce = pvio_nonce_new();
	ret = pvio_nonce_publish(info->pdev, info->nonce);
	if (!ret)
		ret = netfront_rings_connect(info);
	if (ret) {
		if (net_ratelimit())
			netdev_err(info->dev, "cannot publish rings: %d\n",
				   ret);
		return ret;
	}
	info->conn = NETFRONT_INITIALISED;
	pvio_state_set(info->link, PVIO_FRONTEND, PVIO_STATE_INITIALISED);
	return 0;
}

/*
 * A backend waits for us: attempt to connect from netfront_connect_work(),
 * no sooner than the backoff allows. A pending attempt is not put off.
 * Under RTNL.
 */
static void netfront_schedule_connect(struct netfront_info *info)
{
	if (!info->removing)
		queue_delayed_work(system_wq, &info->connect_work,
				   pvio_backoff_wait(&info->backoff));
}

/* The backend took our rings: carrier on. Under RTNL. */
static void netfront_connect(struct netfront_info *info)
{
	/* netfront_reshape() looks without the RTNL. */
	WRITE_ONCE(info->conn, NETFRONT_CONNECTED);
	info->pdev->ring_order = info->ring_order;
	info->pdev->nr_rings = info->nr_queues;
	pvio_backoff_up(&info->backoff);
	pvio_state_set(info->link, PVIO_FRONTEND, PVIO_STATE_CONNECTED);
	/* Offloads as this backend takes them (fix_features). */
	netdev_update_features(info->dev);
	netif_carrier_on(info->dev);
	if (netif_running(info->dev))
		netif_tx_wake_all_queues(info->dev);
	/* Post the receive buffers. */
	netfront_rings_kick(info);
	netdev_info(info->dev, "connected: %u queues of %u slots, features %#x\n",
		    info->nr_queues, 1U << info->ring_order, info->features);
	wake_up_all(&info->reshape_wq);
}

/*
 * Is a Connected backend on the rings we published last? One that claims
 * nonces must show ours; one that took an earlier description will see
 * the new one and come back to it (Documentation/netif.rst, "The ring
 * nonce"). Under RTNL.
 */
static bool netfront_backend_on_ours(struct netfront_info *info)
{
	if (!info->back_nonce || pvio_nonce_peer(info->pdev) == info->nonce)
		return true;
	if (net_ratelimit())
		netdev_info(info->dev,
			    "backend connected on other rings, waiting for it to take ours\n");
	return false;
}

/*
 * Act on where the backend is now (doorbells coalesce, so a restart may
 * show as its last state only). Under RTNL.
 */
static void netfront_follow(struct netfront_info *info, enum pvio_state peer)
{
	switch (peer) {
	case PVIO_STATE_INITWAIT:
		/* Connected to a backend now waiting: a new one. */
		if (info->conn == NETFRONT_CONNECTED)
			netfront_lose(info);
		if (info->conn == NETFRONT_DISCONNECTED)
			netfront_schedule_connect(info);
		break;
	case PVIO_STATE_CONNECTED:
		if (info->conn == NETFRONT_INITIALISED &&
		    netfront_backend_on_ours(info))
			netfront_connect(info);
		break;
	default:
		netfront_lose(info);
		break;
	}
}

/*
 * A backend waits, and we have nothing connected nor set up, nor rings
 * that ethtool dropped still retiring (netfront_retire_work() follows
 * the backend once they went). Under RTNL.
 */
static bool netfront_may_connect(struct netfront_info *info)
{
	return !info->removing && !info->retiring &&
	       info->conn == NETFRONT_DISCONNECTED &&
	       pvio_state_peer(info->link, PVIO_FRONTEND) ==
	       PVIO_STATE_INITWAIT;
}

/*
 * One attempt to connect to a backend in InitWait. Its offer is read
 * first, without the RTNL: a torn store area stretches the read to tens
 * of milliseconds, and a flapping backend would hold every `ip link`
 * behind it. An attempt that fails (torn, garbled, too little offered)
 * is tried again as the backoff allows, since a backend may mend its
 * store without changing its state.
 */
static void netfront_connect_work(struct work_struct *work)
{
	struct netfront_info *info = container_of(to_delayed_work(work),
						  struct netfront_info,
						  connect_work);
	struct netfront_offer offer;
	bool go;
	int ret;

	/* Counted before the read, the costly part, so that reads back off. */
	rtnl_lock();
	go = netfront_may_connect(info);
	if (go)
		pvio_backoff_attempt(&info->backoff);
	rtnl_unlock();
	if (!go)
		return;
	ret = netfront_read_back(info, &offer);
	rtnl_lock();
	/* Gone from InitWait meanwhile: its next InitWait schedules us. */
	if (!netfront_may_connect(info))
		goto out;
	if (ret) {
		if (net_ratelimit())
			netdev_err(info->dev, "backend's offer unusable: %d\n",
				   ret);
	} else {
		ret = netfront_setup(info, &offer);
	}
	if (ret)
		netfront_schedule_connect(info);
out:
	rtnl_unlock();
}

static void netfront_backend_changed(struct pvio_link *link,
				     enum pvio_role self,
				     enum pvio_state peer, void *data)
{
	struct netfront_info *info = data;

	rtnl_lock();
	if (!info->removing)
		netfront_follow(info, peer);
	rtnl_unlock();
}

/*
 * Lose the backend for a reason its state does not show, then act on
 * that state: a backend already waiting again (one that hung in
 * InitWait and came back, one restarted while we looked away) sends no
 * further change. Under RTNL.
 */
static void netfront_lose_and_follow(struct netfront_info *info)
{
	netfront_lose(info);
	netfront_follow(info, pvio_state_peer(info->link, PVIO_FRONTEND));
}

/*
 * Set up anew (XDP asked for other offloads; a reshape gave up): drop
 * the backend, and our rings once it let go of them. Under RTNL, which
 * the backend's reset takes too (on the loop provider it runs in this
 * kernel): the wait is in netfront_retire_work(), without it.
 */
int netfront_reconfigure(struct netfront_info *info)
{
	if (info->removing)
		return -ENODEV;
	netfront_lose(info);
	info->retiring = true;
	schedule_work(&info->retire_work);
	return 0;
}

/*
 * Free the rings netfront_reconfigure() dropped, once the backend no
 * longer uses them (never, if it does not let go), and set up anew.
 */
static void netfront_retire_work(struct work_struct *work)
{
	struct netfront_info *info = container_of(work, struct netfront_info,
						  retire_work);
	bool released = pvio_frontend_wait_released(info->pdev);

	rtnl_lock();
	/* Removal waits for us, then frees the rings itself. */
	if (!info->removing && info->retiring) {
		info->leak_pages = !released;
		netfront_rings_free(info);
		info->leak_pages = false;
		info->retiring = false;
		/* A backend waiting already says so no more: look now. */
		netfront_follow(info, pvio_state_peer(info->link,
						      PVIO_FRONTEND));
	}
	rtnl_unlock();
}

/*
 * How long ethtool -L or -G waits for the backend to connect on the new
 * rings: its release of the old ones (pvio_frontend_wait_released(), at
 * most 5 s) and a handshake, with room for a slow (debug) kernel.
 */
#define NETFRONT_RESHAPE_MS	10000

/* The wait of netfront_reshape() is over. Without the RTNL. */
static bool netfront_reshaped(struct netfront_info *info)
{
	return READ_ONCE(info->conn) == NETFRONT_CONNECTED ||
	       READ_ONCE(info->removing);
}

/**
 * netfront_reshape() - ethtool -L and -G: other rings, in use on return
 * @info: the vif; under the RTNL, which is dropped and taken again
 * @queues: queues asked for
 * @order: log2 of the ring slots asked for
 *
 * The protocol has no way to change the rings under a connected backend:
 * the frontend starts over with new ones (Documentation/netif.rst,
 * "Changing queues and rings"). So that the change is done when ethtool
 * returns, as on a NIC:
 *
 * - the stack is shown the new number of queues at once, under the RTNL
 *   (the shape follows from the backend's last offer), and the carrier
 *   stays on: the tx queues are stopped meanwhile, so the stack keeps
 *   what it sends in its qdisc, and nothing tells routing, bonding or
 *   addrconf that the link went down;
 * - the old rings are dropped and the backend told, as for a loss;
 * - the RTNL is dropped while we wait for the backend to connect on the
 *   new rings. The wait cannot hold it: the backend must let go of the
 *   old rings first, and on the loop provider its reset takes the RTNL
 *   in this kernel; our own handshake (netfront_retire_work(), then
 *   netfront_connect_work() and the state watch) takes it as well. The
 *   @reshaping flag keeps another reshape out meanwhile, and remove()
 *   waits for it to clear before it unregisters the device, so the
 *   device outlives the wait and our caller (the ethtool ioctl holds no
 *   reference of its own);
 * - back under the RTNL: connected on the rings asked for, done. If not
 *   within NETFRONT_RESHAPE_MS, the old values are asked for again, the
 *   stack shown the old queues, the carrier turned off until a backend
 *   connects, and the call fails.
 *
 * With no backend connected nor connecting, the values are kept for the
 * next one (as the module parameters are).
 *
 * Return: 0; -EBUSY if a reshape is under way, -ENODEV if the vif goes,
 * -ETIMEDOUT if the backend did not connect in time, -ENOSPC if it did
 * on other rings (the link had no room for the new ones), or the error
 * of setting the stack's queues.
 */
int netfront_reshape(struct netfront_info *info, unsigned int queues,
		     unsigned int order)
{
	unsigned int old_queues = info->want_queues, old_order = info->want_order;
	struct net_device *dev = info->dev;
	unsigned int old_nr = dev->real_num_tx_queues, nr, ord;
	int ret;

	ASSERT_RTNL();
	if (info->removing)
		return -ENODEV;
	if (info->reshaping)
		return -EBUSY;
	info->want_queues = queues;
	info->want_order = order;
	if (info->conn == NETFRONT_DISCONNECTED)
		return 0;
	netfront_shape(info, info->offer_queues, info->offer_order, &nr, &ord);
	if (netfront_rings_kept(info) && nr == info->nr_queues &&
	    ord == info->ring_order)
		return 0;
	ret = netfront_set_real_queues(dev, nr);
	if (ret) {
		info->want_queues = old_queues;
		info->want_order = old_order;
		return ret;
	}
	netdev_info(dev, "setting up %u queues of %u slots with the backend\n",
		    nr, 1U << ord);
	netfront_drop(info);
	info->retiring = true;
	/* Asked for, not a flapping backend: set up as soon as it let go. */
	pvio_backoff_reset(&info->backoff);
	schedule_work(&info->retire_work);

	WRITE_ONCE(info->reshaping, true);
	rtnl_unlock();
	wait_event_timeout(info->reshape_wq, netfront_reshaped(info),
			   msecs_to_jiffies(NETFRONT_RESHAPE_MS));
	rtnl_lock();
	WRITE_ONCE(info->reshaping, false);
	wake_up_all(&info->reshape_wq);

	if (info->removing)
		return -ENODEV;
	if (info->conn == NETFRONT_CONNECTED && nr == info->nr_queues &&
	    ord == info->ring_order)
		return 0;
	info->want_queues = old_queues;
	info->want_order = old_order;
	if (info->conn == NETFRONT_CONNECTED) {
		netdev_warn(dev, "backend took %u queues of %u slots, not %u of %u\n",
			    info->nr_queues, 1U << info->ring_order, nr,
			    1U << ord);
		return -ENOSPC;
	}
	netdev_warn(dev, "backend did not take %u queues of %u slots within %u ms, carrier off\n",
		    nr, 1U << ord, NETFRONT_RESHAPE_MS);
	netif_carrier_off(dev);
	/* Rings of the new shape go: the next backend gets the old one. */
	if (info->rings_ready)
		netfront_reconfigure(info);
	if (netfront_set_real_queues(dev, old_nr))
		netdev_warn(dev, "cannot show %u queues again\n", old_nr);
	return -ETIMEDOUT;
}

/* The backend broke the protocol: drop it and wait for a sane one. */
static void netfront_lost_work(struct work_struct *work)
{
	struct netfront_info *info = container_of(work, struct netfront_info,
						  lost_work);

	rtnl_lock();
	if (!info->removing)
		netfront_lose_and_follow(info);
	rtnl_unlock();
}

static void netfront_peer_gone(struct pvio_device *pdev)
{
	struct netfront_info *info = dev_get_drvdata(&pdev->dev);

	rtnl_lock();
	if (!info->removing)
		netfront_lose_and_follow(info);
	rtnl_unlock();
}

/* The peer beats again: its state may have moved with no change sent. */
static void netfront_peer_back(struct pvio_device *pdev)
{
	struct netfront_info *info = dev_get_drvdata(&pdev->dev);

	rtnl_lock();
	if (!info->removing)
		netfront_follow(info, pvio_state_peer(info->link, PVIO_FRONTEND));
	rtnl_unlock();
}

/* ---- the network device ---- */

static int netfront_open(struct net_device *dev)
{
	struct netfront_info *info = netdev_priv(dev);

	if (info->conn == NETFRONT_CONNECTED) {
		netif_tx_start_all_queues(dev);
		/* Post the receive buffers. */
		netfront_rings_kick(info);
	}
	return 0;
}

static int netfront_stop(struct net_device *dev)
{
	netif_tx_stop_all_queues(dev);
	return 0;
}

/* Offloads only as far as the backend takes them. */
static netdev_features_t netfront_fix_features(struct net_device *dev,
					       netdev_features_t features)
{
	struct netfront_info *info = netdev_priv(dev);
	u32 fe = READ_ONCE(info->features);

	/* Without CSUM the backend vouches for no received checksum. */
	if (!(fe & PVIO_NETIF_FEAT_CSUM))
		features &= ~(NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |
			      NETIF_F_RXCSUM);
	return features & ~(PVIO_NETIF_GSO_NETDEV & ~pvio_netif_gso_features(fe));
}

static void netfront_get_stats64(struct net_device *dev,
				 struct rtnl_link_stats64 *s)
{
	struct netfront_info *info = netdev_priv(dev);
	unsigned int i;

	for (i = 0; i < info->max_queues; i++) {
		struct netfront_stats *st = &info->queues[i].stats;

		s->rx_packets += atomic64_read(&st->rx_packets);
		s->rx_bytes += atomic64_read(&st->rx_bytes);
		s->rx_errors += atomic64_read(&st->rx_errors);
		s->rx_dropped += atomic64_read(&st->rx_dropped);
		s->tx_packets += atomic64_read(&st->tx_packets);
		s->tx_bytes += atomic64_read(&st->tx_bytes);
		s->tx_errors += atomic64_read(&st->tx_errors);
		s->tx_dropped += atomic64_read(&st->tx_dropped);
	}
}

static const struct net_device_ops netfront_netdev_ops = {
	.ndo_open		= netfront_open,
	.ndo_stop		= netfront_stop,
	.ndo_start_xmit		= netfront_start_xmit,
	.ndo_get_stats64	= netfront_get_stats64,
	.ndo_fix_features	= netfront_fix_features,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_change_mtu		= netfront_change_mtu,
	.ndo_bpf		= netfront_xdp,
	.ndo_xdp_xmit		= netfront_xdp_xmit,
};

/* ---- the driver ---- */

/* Counters for netlink: packets and bytes both ways, errors. */
static void netfront_get_stats(struct pvio_device *pdev,
			       struct pvio_dev_stats *stats)
{
	struct netfront_info *info = dev_get_drvdata(&pdev->dev);
	struct rtnl_link_stats64 s = {};

	netfront_get_stats64(info->dev, &s);
	stats->requests = s.rx_packets + s.tx_packets;
	stats->sectors = s.rx_bytes + s.tx_bytes;
	stats->errors = s.rx_errors + s.tx_errors;
}

/* The toolstack's MAC address, or a random one. */
static void netfront_set_mac(struct netfront_info *info)
{
	char key[PVIO_STORE_KEY_MAX], buf[PVIO_STORE_VALUE_MAX];
	u8 mac[ETH_ALEN];

	snprintf(key, sizeof(key), "vif%u/mac", info->pdev->index);
	if (!pvio_store_read(info->link, PVIO_STORE_TOOLSTACK, key, buf,
			     sizeof(buf)) &&
	    mac_pton(buf, mac) && is_valid_ether_addr(mac)) {
		eth_hw_addr_set(info->dev, mac);
		return;
	}
	dev_warn(&info->pdev->dev, "no valid MAC address given, using a random one\n");
	eth_hw_addr_random(info->dev);
}

static int netfront_probe(struct pvio_device *pdev)
{
	struct netfront_info *info;
	struct net_device *dev;
	unsigned int i;
	int ret;

	/*
	 * "pvethN", as the documents say, not the default "eth%d": a pvio
	 * interface is told apart from an emulated NIC at a glance. An
	 * enumerated name, so that udev may still rename it.
	 */
	dev = alloc_netdev_mqs(sizeof(*info), "pveth%d", NET_NAME_ENUM,
			       ether_setup, max_queues, max_queues);
	if (!dev)
		return -ENOMEM;
	info = netdev_priv(dev);
	info->pdev = pdev;
	info->link = pdev->link;
	info->dev = dev;
	info->max_queues = max_queues;
	info->want_queues = max_queues;
	info->want_order = ring_order;
	netfront_coal_init(info);
	INIT_WORK(&info->lost_work, netfront_lost_work);
	INIT_WORK(&info->retire_work, netfront_retire_work);
	INIT_DELAYED_WORK(&info->connect_work, netfront_connect_work);
	init_waitqueue_head(&info->reshape_wq);
	info->queues = kcalloc(max_queues, sizeof(*info->queues), GFP_KERNEL);
	if (!info->queues) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < max_queues; i++) {
		struct netfront_queue *q = &info->queues[i];

		q->info = info;
		q->qid = i;
		spin_lock_init(&q->tx_lock);
		netif_napi_add(dev, &q->napi, netfront_poll);
	}
	dev->netdev_ops = &netfront_netdev_ops;
	dev->ethtool_ops = &netfront_ethtool_ops;
	netfront_qstats_init(dev);
	dev->min_mtu = PVIO_NETIF_MTU_MIN;
	dev->max_mtu = PVIO_NETIF_MTU_MAX;
	/*
	 * Copied anyway: scatter-gather costs nothing. rx-checksumming is
	 * the backend's word that a packet was checked (or never left the
	 * driver domain), taken while it is on.
	 */
	dev->hw_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |
			   NETIF_F_RXCSUM | PVIO_NETIF_GSO_NETDEV;
	dev->features = dev->hw_features;
	pvio_compat_xdp_features(dev, NETDEV_XDP_ACT_BASIC |
				 NETDEV_XDP_ACT_REDIRECT |
				 NETDEV_XDP_ACT_NDO_XMIT);
	SET_NETDEV_DEV(dev, &pdev->dev);
	netfront_set_mac(info);
	netif_carrier_off(dev);
	dev_set_drvdata(&pdev->dev, info);
	ret = register_netdev(dev);
	if (ret)
		goto err_queues;
	pvio_frontend_state_reset(info->link);
	info->watch = pvio_state_watch_dev(pdev, netfront_backend_changed,
					   info);
	if (IS_ERR(info->watch)) {
		ret = PTR_ERR(info->watch);
		goto err_unregister;
	}
	netfront_debugfs_add(info);
	netdev_info(dev, "vif %u of link %u\n", pdev->index, info->link->id);
	return 0;

err_unregister:
	unregister_netdev(dev);
err_queues:
	for (i = 0; i < max_queues; i++)
		netif_napi_del(&info->queues[i].napi);
	kfree(info->queues);
err_free:
	free_netdev(dev);
	return ret;
}

static void netfront_remove(struct pvio_device *pdev)
{
	struct netfront_info *info = dev_get_drvdata(&pdev->dev);
	struct net_device *dev = info->dev;
	unsigned int i;

	/* Takes the RTNL in its files: not under it. */
	netfront_debugfs_del(info);
	rtnl_lock();
	WRITE_ONCE(info->removing, true);
	netfront_lose(info);
	rtnl_unlock();
	/*
	 * An ethtool call waiting in netfront_reshape() returns once it has
	 * the RTNL back; unregistering only after it let go of the RTNL
	 * keeps the device there for it and its caller.
	 */
	wake_up_all(&info->reshape_wq);
	wait_event(info->reshape_wq, !READ_ONCE(info->reshaping));
	/* Neither may run once we go: they take the RTNL, so not under it. */
	pvio_state_unwatch(info->watch);
	cancel_work_sync(&info->lost_work);
	cancel_work_sync(&info->retire_work);
	/* Finds ->removing if it runs: it sets up and re-arms no more. */
	cancel_delayed_work_sync(&info->connect_work);

	unregister_netdev(dev);
	/*
	 * A backend still Connected, or connecting on our rings, may yet
	 * write into our rx buffers: if it does not let go, leak them.
	 */
	info->leak_pages = !pvio_frontend_wait_released(pdev);
	netfront_rings_free(info);
	if (pvio_state_get(info->link, PVIO_FRONTEND) != PVIO_STATE_CLOSED) {
		pvio_state_set(info->link, PVIO_FRONTEND, PVIO_STATE_CLOSING);
		pvio_state_set(info->link, PVIO_FRONTEND, PVIO_STATE_CLOSED);
	}
	for (i = 0; i < info->max_queues; i++)
		netif_napi_del(&info->queues[i].napi);
	kfree(info->queues);
	free_netdev(dev);
}

static struct pvio_driver netfront_driver = {
	.driver.name	= "pvio_netfront",
	.type		= PVIO_DEV_VIF,
	.role		= PVIO_FRONTEND,
	.probe		= netfront_probe,
	.remove		= netfront_remove,
	.peer_gone	= netfront_peer_gone,
	.peer_back	= netfront_peer_back,
	.get_stats	= netfront_get_stats,
};

static int __init netfront_init(void)
{
	int ret;

	if (!max_queues || max_queues > PVIO_NETIF_QUEUES_MAX ||
	    ring_order < PVIO_NETIF_RING_ORDER_MIN ||
	    ring_order > PVIO_NETIF_RING_ORDER_MAX) {
		pr_err("bad module parameters\n");
		return -EINVAL;
	}
	netfront_debugfs_init();
	ret = pvio_driver_register(&netfront_driver);
	if (ret)
		netfront_debugfs_exit();
	return ret;
}

static void __exit netfront_exit(void)
{
	pvio_driver_unregister(&netfront_driver);
	netfront_debugfs_exit();
}

module_init(netfront_init);
module_exit(netfront_exit);

MODULE_DESCRIPTION("pvio network frontend: pvethN over a pvio link");
MODULE_AUTHOR("The pvio authors");
MODULE_LICENSE("GPL");
MODULE_ALIAS("pvio:vif-frontend");
