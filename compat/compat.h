/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * Every difference between the kernels pvio builds for (Debian's 6.1 and
 * 6.12) lives here, force-included into every object by Kbuild, so that no
 * driver file carries a LINUX_VERSION_CODE test.
 */
#ifndef _PVIO_COMPAT_H
#define _PVIO_COMPAT_H

#include <linux/version.h>

/*
 * struct bus_type's ->match() takes a const driver since 6.11; declare
 * pvio's match functions with this type so both kernels take them.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define pvio_compat_const_drv const
#else
#define pvio_compat_const_drv
#endif

/*
 * The driver core takes const struct bus_type pointers since 6.4; before,
 * it kept its private state in the bus_type, so it must stay writable.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define PVIO_BUS_TYPE const struct bus_type
#else
#define PVIO_BUS_TYPE struct bus_type
#endif

/* struct bus_type's ->uevent() takes a const device since 6.3. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define PVIO_UEVENT_DEV const
#else
#define PVIO_UEVENT_DEV
#endif

#endif /* _PVIO_COMPAT_H */
