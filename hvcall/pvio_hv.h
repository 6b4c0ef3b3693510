/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_hv.ko internals shared between its files, grouped by the file that
 * implements them. The API for other modules is in pvio.h.
 */
#ifndef _PVIO_HV_H
#define _PVIO_HV_H

#include <linux/device/bus.h>

#include "pvio.h"

/* bus.c */
extern PVIO_BUS_TYPE pvio_bus_type;
int pvio_bus_init(void);
void pvio_bus_exit(void);

/* provider.c */
const struct pvio_provider *pvio_provider_get(const char *name);
void pvio_provider_put(const struct pvio_provider *prov);

/* link.c */
void pvio_link_exit(void);

/* debugfs.c */
void pvio_debugfs_init(void);
void pvio_debugfs_exit(void);
void pvio_debugfs_link_add(struct pvio_link *link);
void pvio_debugfs_link_del(struct pvio_link *link);
void pvio_debugfs_device_add(struct pvio_device *pdev);
void pvio_debugfs_device_del(struct pvio_device *pdev);

/* liveness.c */
int pvio_liveness_start(struct pvio_link *link);
void pvio_liveness_stop(struct pvio_link *link);

#endif /* _PVIO_HV_H */
