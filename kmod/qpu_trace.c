// SPDX-License-Identifier: GPL-2.0
/* qpu_trace.c - instantiates the tracepoints declared in qpu_trace.h. */
#define CREATE_TRACE_POINTS
#include "qpu_trace.h"
