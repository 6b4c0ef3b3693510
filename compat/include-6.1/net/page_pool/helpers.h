/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * Kernels before 6.6 keep the page pool's helpers in <net/page_pool.h>;
 * frontend/Kbuild puts this directory on the include path only there.
 */
#ifndef _PVIO_COMPAT_PAGE_POOL_HELPERS_H
#define _PVIO_COMPAT_PAGE_POOL_HELPERS_H

#include <net/page_pool.h>

#endif /* _PVIO_COMPAT_PAGE_POOL_HELPERS_H */
