// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/* The tracepoints of netback_trace.h, defined once. */
#define CREATE_TRACE_POINTS
#include "netback_trace.h"
