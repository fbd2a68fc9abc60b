/* binary.h - the native trace in compact binary form (internal).
 *
 * The JSON reader is bounded by json_loads() building a tree per line;
 * this form carries the same events and header and passes the same checks
 * (native_validate), several times faster. See traces/FORMAT.md. */
#ifndef TLBSIM_TRACE_BINARY_H
#define TLBSIM_TRACE_BINARY_H

#include <stdbool.h>
#include <stddef.h>

#include "trace/input.h"
#include "trace/native.h"

/* The first line of a binary trace (then the JSON header line, then
 * records). */
#define BINARY_MAGIC "\x89TLBSIMB"

bool binary_probe(const char *line, size_t len);
/* @x reads records from now on: each kind's layout worked out once, not
 * per record. */
void binary_begin(struct native_ctx *x);
/* The next record: 1, 0 at the end, <0 with the diagnostic set. */
int binary_next(struct native_ctx *x, struct input *in, struct tlbsim_trace_event *ev);

#endif
