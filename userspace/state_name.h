/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/* The name a link end's state is shown by, in pvioctl and pvio. */
#ifndef PVIO_STATE_NAME_H
#define PVIO_STATE_NAME_H

#include <stdint.h>
#include <stdio.h>

#include "link.h"

/*
 * Lower-case, as pvioctl has always printed it. A peer may publish
 * anything: a state that is none is shown as its number, in a static
 * buffer (not reentrant, like the programs that use it).
 */
static inline const char *state_name(uint32_t state)
{
	static const char *const names[] = {
		[PVIO_STATE_UNKNOWN] = "unknown",
		[PVIO_STATE_INITIALISING] = "initialising",
		[PVIO_STATE_INITWAIT] = "initwait",
		[PVIO_STATE_INITIALISED] = "initialised",
		[PVIO_STATE_CONNECTED] = "connected",
		[PVIO_STATE_CLOSING] = "closing",
		[PVIO_STATE_CLOSED] = "closed",
	};
	static char buf[16];

	if (state < sizeof(names) / sizeof(names[0]))
		return names[state];
	snprintf(buf, sizeof(buf), "%u", state);
	return buf;
}

#endif
