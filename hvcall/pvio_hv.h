/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_hv.ko internals shared between its files. Grouped by the file that
 * implements them.
 */
#ifndef _PVIO_HV_H
#define _PVIO_HV_H

#include <linux/device/bus.h>

/* bus.c */
extern PVIO_BUS_TYPE pvio_bus_type;
int pvio_bus_init(void);
void pvio_bus_exit(void);

#endif /* _PVIO_HV_H */
