// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Liveness: each end of a link that lives in this kernel bumps its
 * heartbeat in the link header and watches the other end's. An end whose
 * heartbeat stops, or a new link generation (the hypervisor side says the
 * peer changed), is "peer gone"; the first beat under the current
 * generation after that is "peer back". Drivers hear both through
 * struct pvio_driver and hold or replay their I/O.
 *
 * What the peer says lives in shared memory (its heartbeat, the
 * generation it attached to), never in the number of notifications:
 * doorbells coalesce. The link's generation itself comes from
 * pvio_link_generation(), never from what a peer could have written.
 */
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "pvio.h"
#include "pvio_hv.h"

static unsigned int heartbeat_ms = 100;
module_param(heartbeat_ms, uint, 0644);
MODULE_PARM_DESC(heartbeat_ms, "Heartbeat period in ms (10-10000). Default: 100");

static unsigned int peer_timeout_ms = 3000;
module_param(peer_timeout_ms, uint, 0644);
MODULE_PARM_DESC(peer_timeout_ms,
		 "A peer silent this long (ms, >= 2 heartbeats) is gone. Default: 3000");

/**
 * struct pvio_liveness - heartbeat and peer watch of one local end
 * @link: the link
 * @self: the local end
 * @work: beats and watches every heartbeat_ms
 * @beat: our heartbeat count
 * @generation: the link generation we last saw
 * @peer_beat: the peer's heartbeat when we last looked
 * @peer_beat_at: jiffies when @peer_beat last changed
 * @peer_seen: the peer has beaten under @generation
 * @peer_gone: "peer gone" was reported and "peer back" not yet
 *
 * Only @work touches these after start, so they need no lock.
 */
struct pvio_liveness {
	struct pvio_link *link;
	enum pvio_role self;
	struct delayed_work work;
	u32 beat;
	u32 generation;
	u32 peer_beat;
	unsigned long peer_beat_at;
	bool peer_seen;
	bool peer_gone;
};

static unsigned long pvio_heartbeat_period(void)
{
	return msecs_to_jiffies(clamp(READ_ONCE(heartbeat_ms), 10U, 10000U));
}

static unsigned long pvio_peer_timeout(void)
{
	unsigned int beat = clamp(READ_ONCE(heartbeat_ms), 10U, 10000U);

	return msecs_to_jiffies(max(READ_ONCE(peer_timeout_ms), 2 * beat));
}

struct pvio_peer_event {
	struct pvio_link *link;
	enum pvio_role role;
	bool back;
};

/* Tell the driver bound to one device of the link's @role end, if any. */
static int pvio_tell_driver(struct device *dev, void *data)
{
	struct pvio_device *pdev = to_pvio_device(dev);
	struct pvio_peer_event *ev = data;
	struct pvio_driver *drv;

	if (pdev->link != ev->link || pdev->role != ev->role)
		return 0;
	device_lock(dev);
	if (dev->driver) {
		drv = to_pvio_driver(dev->driver);
		if (ev->back && drv->peer_back)
			drv->peer_back(pdev);
		else if (!ev->back && drv->peer_gone)
			drv->peer_gone(pdev);
	}
	device_unlock(dev);
	return 0;
}

static void pvio_report_peer(struct pvio_liveness *lv, bool back)
{
	struct pvio_peer_event ev = {
		.link = lv->link, .role = lv->self, .back = back,
	};

	pr_debug_ratelimited("link %u %s: peer %s\n", lv->link->id,
			     pvio_role_name(lv->self), back ? "back" : "gone");
	if (!back)
		pvio_recovery_peer_gone(lv->link, lv->self);
	bus_for_each_dev(&pvio_bus_type, NULL, &ev, pvio_tell_driver);
}

static void pvio_liveness_work(struct work_struct *work)
{
	struct pvio_liveness *lv = container_of(to_delayed_work(work),
						struct pvio_liveness, work);
	struct pvio_link_header *hdr = lv->link->hdr;
	struct pvio_link_end *own = &hdr->ends[lv->self];
	struct pvio_link_end *peer = &hdr->ends[pvio_peer(lv->self)];
	u32 gen = pvio_link_generation(lv->link);
	u32 peer_beat, peer_gen;

	WRITE_ONCE(own->generation, cpu_to_le32(gen));
	WRITE_ONCE(own->heartbeat, cpu_to_le32(++lv->beat));

	if (gen != lv->generation) {
		/* A new generation: whoever we talked to is gone. */
		lv->generation = gen;
		if (lv->peer_seen && !lv->peer_gone) {
			lv->peer_gone = true;
			pvio_report_peer(lv, false);
		}
		lv->peer_seen = false;
	}

	peer_beat = le32_to_cpu(READ_ONCE(peer->heartbeat));
	peer_gen = le32_to_cpu(READ_ONCE(peer->generation));
	if (peer_beat != lv->peer_beat && peer_gen == gen) {
		lv->peer_beat = peer_beat;
		lv->peer_beat_at = jiffies;
		lv->peer_seen = true;
		if (lv->peer_gone) {
			lv->peer_gone = false;
			pvio_report_peer(lv, true);
		}
	} else if (lv->peer_seen && !lv->peer_gone &&
		   time_after(jiffies, lv->peer_beat_at + pvio_peer_timeout())) {
		lv->peer_gone = true;
		pvio_report_peer(lv, false);
	}

	queue_delayed_work(system_wq, &lv->work, pvio_heartbeat_period());
}

bool pvio_peer_alive(struct pvio_link *link, enum pvio_role self)
{
	struct pvio_liveness *lv = link->liveness[self];

	return lv && READ_ONCE(lv->peer_seen) && !READ_ONCE(lv->peer_gone);
}
EXPORT_SYMBOL_GPL(pvio_peer_alive);

/* Forget everything about the peer, as a freshly booted end would. */
static void pvio_liveness_reset(struct pvio_liveness *lv, u32 generation)
{
	lv->beat = 0;
	lv->generation = generation;
	lv->peer_beat = 0;
	lv->peer_seen = false;
	lv->peer_gone = false;
}

static void pvio_liveness_cancel(struct pvio_link *link)
{
	int role;

	for (role = PVIO_BACKEND; role <= PVIO_FRONTEND; role++) {
		if (link->liveness[role])
			cancel_delayed_work_sync(&link->liveness[role]->work);
	}
}

/*
 * Start beating for every end of @link that lives here. On failure the
 * ends started are stopped again; what was allocated goes with the link
 * (pvio_liveness_free()).
 */
int pvio_liveness_start(struct pvio_link *link)
{
	struct pvio_liveness *lv;
	int role;

	for (role = PVIO_BACKEND; role <= PVIO_FRONTEND; role++) {
		if (!(link->local_roles & BIT(role)))
			continue;
		lv = kzalloc(sizeof(*lv), GFP_KERNEL);
		if (!lv) {
			/* Not visible yet: no restart to wait for. */
			pvio_liveness_cancel(link);
			return -ENOMEM;
		}
		lv->link = link;
		lv->self = role;
		INIT_DELAYED_WORK(&lv->work, pvio_liveness_work);
		link->liveness[role] = lv;
		queue_delayed_work(system_wq, &lv->work, 0);
	}
	return 0;
}

/*
 * Stop beating and watching. The state stays until the link's last
 * reference goes: drivers still bound while the link is destroyed, or
 * anyone else holding a reference, may call pvio_peer_alive().
 */
void pvio_liveness_stop(struct pvio_link *link)
{
	/* A restart under way queues the work again: let it finish first. */
	mutex_lock(&link->restart_lock);
	pvio_liveness_cancel(link);
	mutex_unlock(&link->restart_lock);
}

/* The link's final release: pvio_liveness_stop() ran, if start did. */
void pvio_liveness_free(struct pvio_link *link)
{
	int role;

	for (role = PVIO_BACKEND; role <= PVIO_FRONTEND; role++) {
		kfree(link->liveness[role]);
		link->liveness[role] = NULL;
	}
}

/**
 * struct pvio_restart - one end's restart, device by device
 * @link: the link
 * @role: the end restarting
 * @attach: binding drivers again, else unbinding them
 * @err: the first error binding a device again
 */
struct pvio_restart {
	struct pvio_link *link;
	enum pvio_role role;
	bool attach;
	int err;
};

static int pvio_restart_device(struct device *dev, void *data)
{
	struct pvio_device *pdev = to_pvio_device(dev);
	struct pvio_restart *r = data;
	int ret;

	if (pdev->link != r->link || pdev->role != r->role)
		return 0;
	if (!r->attach) {
		device_release_driver(dev);
		return 0;
	}
	/*
	 * Every device gets its chance, whatever the others did. The
	 * driver core keeps a probe's error to itself and says "none
	 * bound" (0); pvio_bus_probe() kept it (still 0 when no driver
	 * is loaded).
	 */
	ret = device_attach(dev);
	if (!ret)
		ret = pdev->probe_err;
	if (ret < 0 && !r->err)
		r->err = ret;
	return 0;
}

int pvio_link_restart_end(struct pvio_link *link, enum pvio_role end)
{
	struct pvio_restart r = { .link = link, .role = end };
	struct pvio_link_header *hdr = link->hdr;
	struct pvio_liveness *lv;
	unsigned long flags;
	u32 gen;

	if ((unsigned int)end > PVIO_FRONTEND)
		return -EINVAL;
	/* Only where this kernel owns the header, as the hypervisor would. */
	if (!link->provider->restarts_ends ||
	    !(link->local_roles & BIT(end)))
		return -EOPNOTSUPP;

	mutex_lock(&link->restart_lock);
	/*
	 * Destroy sets ->dead before pvio_liveness_stop() takes the lock:
	 * after that stop, no restart brings the heartbeat back.
	 */
	lv = link->liveness[end];
	if (READ_ONCE(link->dead) || !lv) {
		mutex_unlock(&link->restart_lock);
		return -ENODEV;
	}
	bus_for_each_dev(&pvio_bus_type, NULL, &r, pvio_restart_device);
	cancel_delayed_work_sync(&lv->work);
	/*
	 * The dead end's status goes with it, its state too (Unknown is 0),
	 * here and in pvio_state_set()'s record, so that the new end's
	 * drivers start from Unknown...
	 */
	spin_lock_irqsave(&link->state_lock, flags);
	memset(&hdr->ends[end], 0, sizeof(hdr->ends[end]));
	link->state[end] = PVIO_STATE_UNKNOWN;
	pvio_recovery_reset(link, end);
	spin_unlock_irqrestore(&link->state_lock, flags);
	/* ...and the survivor learns of it from the generation, first. */
	virt_wmb();
	gen = link->generation + 1;
	WRITE_ONCE(link->generation, gen);
	WRITE_ONCE(hdr->generation, cpu_to_le32(gen));
	pvio_link_changed(link);
	/* The new end starts afresh in the new generation. */
	pvio_liveness_reset(lv, gen);
	queue_delayed_work(system_wq, &lv->work, 0);
	r.attach = true;
	bus_for_each_dev(&pvio_bus_type, NULL, &r, pvio_restart_device);
	mutex_unlock(&link->restart_lock);
	return r.err;
}
EXPORT_SYMBOL_GPL(pvio_link_restart_end);
