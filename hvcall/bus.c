// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The pvio bus (/sys/bus/pvio): every frontend and backend device of every
 * link hangs off it, and the block and network drivers bind to it by device
 * type and role.
 */
#include <linux/device.h>
#include <linux/module.h>

#include "pvio_hv.h"

/*
 * The match rule: a driver binds a device of its type and role. Until
 * devices exist every driver would match every device, so nothing binds.
 */
static int pvio_bus_match(struct device *dev,
			  pvio_compat_const_drv struct device_driver *drv)
{
	return 0;
}

PVIO_BUS_TYPE pvio_bus_type = {
	.name	= "pvio",
	.match	= pvio_bus_match,
};
EXPORT_SYMBOL_GPL(pvio_bus_type);

int pvio_bus_init(void)
{
	return bus_register(&pvio_bus_type);
}

void pvio_bus_exit(void)
{
	bus_unregister(&pvio_bus_type);
}
