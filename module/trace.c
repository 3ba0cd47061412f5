// SPDX-License-Identifier: GPL-2.0
/*
 * The module's tracepoints are instantiated here. See mojo_trace.h.
 */

#define CREATE_TRACE_POINTS
#include "mojo_trace.h"
