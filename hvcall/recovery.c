// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * How each local end of a link came through its outages: how many times
 * it went Connected, how long it was without a connected peer the last
 * time, and for how long it has been now. An outage starts when the end
 * leaves Connected or, earlier, when its heartbeat declares the peer gone
 * while it still is Connected; it ends when the end is Connected again.
 * The counters live with the state they count (under the link's
 * state_lock) and are published in the end's own header record, so that
 * whoever maps the region (pvio-hvd, for `pvio status`) can show them.
 * Nobody trusts those published figures for anything: they are a report.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/spinlock.h>

#include "pvio.h"
#include "pvio_hv.h"

static u32 pvio_ns_to_ms32(u64 ns)
{
	return min_t(u64, div_u64(ns, NSEC_PER_MSEC), U32_MAX);
}

/* The end's figures in its header record. Under state_lock. */
static void pvio_recovery_publish(struct pvio_link *link, enum pvio_role self)
{
	struct pvio_end_recovery *rec = &link->recovery[self];
	struct pvio_link_end *end = &link->hdr->ends[self];

	WRITE_ONCE(end->connects, cpu_to_le32(rec->connects));
	WRITE_ONCE(end->last_downtime_ms,
		   cpu_to_le32(pvio_ns_to_ms32(rec->last_downtime)));
	WRITE_ONCE(end->replays, cpu_to_le32(rec->replays));
}

/* An outage of @self starts now, unless one already runs. */
static void pvio_recovery_down(struct pvio_end_recovery *rec)
{
	if (rec->connects && !rec->down_since)
		rec->down_since = ktime_get_ns() ?: 1;
}

/*
 * pvio_state_set() moved local end @self from @from to @to: count a
 * connection, end or start an outage. Under state_lock.
 */
void pvio_recovery_moved(struct pvio_link *link, enum pvio_role self,
			 enum pvio_state from, enum pvio_state to)
{
	struct pvio_end_recovery *rec = &link->recovery[self];

	if (to == PVIO_STATE_CONNECTED) {
		rec->connects++;
		if (rec->down_since) {
			rec->last_downtime = ktime_get_ns() - rec->down_since;
			rec->down_since = 0;
		}
		pvio_recovery_publish(link, self);
	} else if (from == PVIO_STATE_CONNECTED) {
		pvio_recovery_down(rec);
	}
}

/*
 * The heartbeat of local end @self declared its peer gone: if the end is
 * still Connected, its outage starts here, before its driver reacts.
 */
void pvio_recovery_peer_gone(struct pvio_link *link, enum pvio_role self)
{
	unsigned long flags;

	spin_lock_irqsave(&link->state_lock, flags);
	if (link->state[self] == PVIO_STATE_CONNECTED)
		pvio_recovery_down(&link->recovery[self]);
	spin_unlock_irqrestore(&link->state_lock, flags);
}

void pvio_recovery_replayed(struct pvio_link *link, enum pvio_role self,
			    unsigned int n)
{
	unsigned long flags;

	if (!n)
		return;
	spin_lock_irqsave(&link->state_lock, flags);
	link->recovery[self].replays += n;
	pvio_recovery_publish(link, self);
	spin_unlock_irqrestore(&link->state_lock, flags);
}
EXPORT_SYMBOL_GPL(pvio_recovery_replayed);

/* Local end @self restarts as a new incarnation: it starts from nothing. */
void pvio_recovery_reset(struct pvio_link *link, enum pvio_role self)
{
	lockdep_assert_held(&link->state_lock);
	memset(&link->recovery[self], 0, sizeof(link->recovery[self]));
	pvio_recovery_publish(link, self);
}

/* Add the figures of local end @self to @stats, for netlink and sysfs. */
void pvio_recovery_get(struct pvio_link *link, enum pvio_role self,
		       struct pvio_dev_stats *stats)
{
	struct pvio_end_recovery rec;
	unsigned long flags;

	spin_lock_irqsave(&link->state_lock, flags);
	rec = link->recovery[self];
	spin_unlock_irqrestore(&link->state_lock, flags);

	stats->replays = rec.replays;
	stats->generation = pvio_link_generation(link);
	stats->reconnects = rec.connects ? rec.connects - 1 : 0;
	stats->last_downtime_ms = div_u64(rec.last_downtime, NSEC_PER_MSEC);
	stats->down_ms = rec.down_since ?
			 div_u64(ktime_get_ns() - rec.down_since,
				 NSEC_PER_MSEC) : 0;
}
