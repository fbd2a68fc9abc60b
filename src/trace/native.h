/* native.h - the native JSONL format, line by line (internal). */
#ifndef TLBSIM_TRACE_NATIVE_H
#define TLBSIM_TRACE_NATIVE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "tlbsim/trace.h"

struct native_ctx {
	const char *name;
	uint64_t line;
	unsigned cpus;
	uint64_t last_t;
	bool have_last;
	struct tlbsim_diag *diag;
};

int native_header(struct native_ctx *x, const char *text,
		  struct tlbsim_trace_header *h);
int native_event(struct native_ctx *x, const char *text,
		 struct tlbsim_trace_event *ev);

#endif
