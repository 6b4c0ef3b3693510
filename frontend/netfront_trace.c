// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/* The tracepoints of netfront_trace.h, defined once. */
#define CREATE_TRACE_POINTS
#include "netfront_trace.h"
