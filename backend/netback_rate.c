// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * A vif's rate limit: what the guest sends (its tx, the vif's rx) goes
 * through one token bucket of the core (pvio_bucket) per vif, shared by
 * its queues, as Xen's vif "rate" does. Out of credit, a queue's poll
 * stops taking requests and a timer schedules it again when the bucket
 * has refilled: nothing is dropped, the guest's tx ring fills and holds
 * the guest back. What the guest receives is not limited.
 *
 * The toolstack's keys vif<N>/rate (bytes per second) and vif<N>/burst
 * (bytes; absent: 100 ms worth) set it at probe and whenever netlink
 * vif-set rewrites them.
 */
#include <linux/device.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>

#include "netback.h"

/* An optional key of the vif: absent is 0. */
static int netback_rate_key(struct netback_vif *vif, const char *name, u32 *val)
{
	char key[PVIO_STORE_KEY_MAX];
	int ret;

	snprintf(key, sizeof(key), "vif%u/%s", vif->pdev->index, name);
	ret = pvio_toolstack_read_u32(vif->link, key, val);
	if (ret == -ENOENT) {
		*val = 0;
		ret = 0;
	}
	return ret;
}

/**
 * netback_rate_read() - apply the toolstack's rate and burst keys
 * @vif: the vif; process context
 *
 * The bucket starts full. Queues waiting for credit are scheduled: a
 * higher rate takes effect at once.
 *
 * Return: 0, or -EINVAL (with probe_msg set) if a key is not a number.
 */
int netback_rate_read(struct netback_vif *vif)
{
	u32 rate, burst;
	unsigned int i;

	if (netback_rate_key(vif, "rate", &rate) ||
	    netback_rate_key(vif, "burst", &burst)) {
		vif->pdev->probe_msg = "vif rate or burst is not a decimal number";
		return -EINVAL;
	}
	spin_lock_bh(&vif->rate_lock);
	pvio_bucket_set(&vif->bucket, rate, burst, ktime_get_ns());
	WRITE_ONCE(vif->rate, rate);
	WRITE_ONCE(vif->burst, burst);
	spin_unlock_bh(&vif->rate_lock);
	for (i = 0; i < vif->max_queues; i++)
		netback_rate_kick(&vif->queues[i]);
	return 0;
}

/**
 * netback_rate_credit() - may the queue take the guest's next packet?
 * @q: the queue; from its poll
 *
 * Return: true if so (then netback_rate_charge() it); false with the
 * queue's timer armed to poll again once the bucket has refilled.
 */
bool netback_rate_credit(struct netback_queue *q)
{
	struct netback_vif *vif = q->vif;
	u64 wait;

	if (!READ_ONCE(vif->rate))
		return true;
	spin_lock(&vif->rate_lock);
	wait = pvio_bucket_wait(&vif->bucket, ktime_get_ns());
	spin_unlock(&vif->rate_lock);
	if (!wait)
		return true;
	q->throttled = true;
	atomic64_inc(&q->stats.rx_throttled);
	hrtimer_start(&q->rate_timer, ns_to_ktime(wait),
		      HRTIMER_MODE_REL_SOFT);
	return false;
}

/* Charge the packet of @len bytes the credit let through. */
void netback_rate_charge(struct netback_queue *q, u32 len)
{
	struct netback_vif *vif = q->vif;

	if (!READ_ONCE(vif->rate))
		return;
	spin_lock(&vif->rate_lock);
	pvio_bucket_charge(&vif->bucket, len);
	spin_unlock(&vif->rate_lock);
}

/* The bucket has refilled: poll again. */
static enum hrtimer_restart netback_rate_timer(struct hrtimer *t)
{
	struct netback_queue *q = container_of(t, struct netback_queue,
					       rate_timer);

	napi_schedule(&q->napi);
	return HRTIMER_NORESTART;
}

void netback_rate_init(struct netback_queue *q)
{
	hrtimer_init(&q->rate_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	q->rate_timer.function = netback_rate_timer;
}

/* Poll now a queue that waits for credit; a disabled NAPI ignores it. */
void netback_rate_kick(struct netback_queue *q)
{
	if (hrtimer_try_to_cancel(&q->rate_timer) > 0) {
		local_bh_disable();
		napi_schedule(&q->napi);
		local_bh_enable();
	}
}

/* sysfs: the rate in effect, bytes per second (0: none). */
static ssize_t rate_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct netback_vif *vif = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(vif->rate));
}
static DEVICE_ATTR_RO(rate);

/* sysfs: the burst the rate allows, bytes (0: 100 ms of the rate). */
static ssize_t burst_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct netback_vif *vif = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(vif->burst));
}
static DEVICE_ATTR_RO(burst);

static struct attribute *netback_dev_attrs[] = {
	&dev_attr_rate.attr,
	&dev_attr_burst.attr,
	NULL,
};

const struct attribute_group netback_dev_group = {
	.attrs = netback_dev_attrs,
};
