/* native.h - the native JSONL format, line by line (internal). */
#ifndef TLBSIM_TRACE_NATIVE_H
#define TLBSIM_TRACE_NATIVE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlbsim/trace.h"

struct native_ctx {
	const char *name;
	uint64_t line;
	const char *unit;   /* NULL: "name:line:"; "record": "name: record N:" */
	unsigned cpus;
	uint64_t last_t;
	bool have_last;
	struct tlbsim_diag *diag;
};

/* @text is a line of @len bytes: NUL bytes in it are errors. */
int native_header(struct native_ctx *x, const char *text, size_t len,
		  struct tlbsim_trace_header *h);
int native_event(struct native_ctx *x, const char *text, size_t len,
		 struct tlbsim_trace_event *ev);
/* The contract's value rules for an event decoded from the binary form
 * (the JSON path checks them as it parses): CPU range, time order, the
 * kind's fields and their ranges and alignment. */
int native_validate(struct native_ctx *x, struct tlbsim_trace_event *ev);
/* A string field of @n bytes at @s (not NUL-terminated) for a buffer of
 * @cap bytes: too long for it, a NUL byte or invalid UTF-8 is an error
 * ("@prefix\"@name\" ..."), in the binary form as in JSON text. */
int native_string(struct native_ctx *x, const char *prefix, const char *name,
		  const char *s, size_t n, size_t cap);
/* Which of the kind's fields the binary form stores, in order. */
enum {
	NATIVE_F_MM = 1 << 0, NATIVE_F_WITH = 1 << 1, NATIVE_F_ADDR = 1 << 2,
	NATIVE_F_LEN = 1 << 3, NATIVE_F_DUR = 1 << 4, NATIVE_F_HUGETLB = 1 << 5,
	NATIVE_F_START = 1 << 6, NATIVE_F_END = 1 << 7, NATIVE_F_STRIDE = 1 << 8,
	NATIVE_F_FREED = 1 << 9, NATIVE_F_UNSHARED = 1 << 10,
};
unsigned native_fields(enum tlbsim_ev_kind k);

#endif
