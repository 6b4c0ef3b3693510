/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The pvio authors. */
/* pvio's version, from the tree's VERSION file (userspace/Makefile). */
#ifndef PVIO_USER_VERSION_H
#define PVIO_USER_VERSION_H

#ifndef PVIO_VERSION
#define PVIO_VERSION "unknown"
#endif

#endif
