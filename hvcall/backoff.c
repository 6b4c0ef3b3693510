// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Pacing of a frontend's reconnect attempts. Each attempt (a read of the
 * backend's offer, rings laid out, Initialised published) costs the
 * frontend its lock, a teardown on the next loss, and a store read that
 * a torn area stretches to tens of milliseconds. A backend that flaps
 * between Closing and InitWait, or one that keeps its store torn, must
 * not get one per flap: after an attempt the next waits 10 ms, doubling
 * up to 1.28 s, until a connection stays up for 10 s. The waits are
 * counted from the last attempt, so a backend that comes and goes slower
 * than that never waits at all.
 */
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/seq_file.h>

#include "pvio.h"

unsigned long pvio_backoff_wait(const struct pvio_backoff *b)
{
	unsigned long now = jiffies;
	unsigned long due = b->last + msecs_to_jiffies(b->delay_ms);

	if (!b->delay_ms || !time_before(now, due))
		return 0;
	return due - now;
}
EXPORT_SYMBOL_GPL(pvio_backoff_wait);

void pvio_backoff_attempt(struct pvio_backoff *b)
{
	b->last = jiffies;
	WRITE_ONCE(b->delay_ms, b->delay_ms ?
		   min(2 * b->delay_ms, PVIO_BACKOFF_MAX_MS) :
		   PVIO_BACKOFF_MIN_MS);
	WRITE_ONCE(b->attempts, b->attempts + 1);
}
EXPORT_SYMBOL_GPL(pvio_backoff_attempt);

void pvio_backoff_up(struct pvio_backoff *b)
{
	b->up = true;
	b->up_since = jiffies;
}
EXPORT_SYMBOL_GPL(pvio_backoff_up);

void pvio_backoff_down(struct pvio_backoff *b)
{
	if (b->up && time_after_eq(jiffies, b->up_since +
				   msecs_to_jiffies(PVIO_BACKOFF_STABLE_MS)))
		WRITE_ONCE(b->delay_ms, 0);
	b->up = false;
}
EXPORT_SYMBOL_GPL(pvio_backoff_down);

void pvio_backoff_reset(struct pvio_backoff *b)
{
	WRITE_ONCE(b->delay_ms, 0);
}
EXPORT_SYMBOL_GPL(pvio_backoff_reset);

static int pvio_backoff_show(struct seq_file *m, void *unused)
{
	const struct pvio_backoff *b = m->private;

	seq_printf(m, "attempts %lu\ndelay_ms %u\n", READ_ONCE(b->attempts),
		   READ_ONCE(b->delay_ms));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvio_backoff);

void pvio_backoff_debugfs(struct dentry *dir, struct pvio_backoff *b)
{
	debugfs_create_file("reconnect", 0444, dir, b, &pvio_backoff_fops);
}
EXPORT_SYMBOL_GPL(pvio_backoff_debugfs);
