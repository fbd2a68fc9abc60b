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
	/* the compact binary form (2): its records' times and addresses are
	 * differences from the last ones */
	bool compact;
	uint64_t last_addr;
	/* the binary form's record layout of each kind (binary_begin()) */
	struct native_bin_kind {
		uint32_t fields;        /* native_fields() */
		uint8_t size;           /* bytes of its fixed fields */
		uint8_t flags, flags2;  /* the header's flag bits it may set */
		/* form 2: its flag bytes, values (cpu and t among them),
		 * width bytes, and the fields stored as values */
		uint8_t nflags, nvalues, nwidths;
		uint32_t values;
	} bin[TLBSIM_EV_COUNT];
};

/* @text is a line of @len bytes: NUL bytes in it are errors. */
int native_header(struct native_ctx *x, const char *text, size_t len,
		  struct tlbsim_trace_header *h);
int native_event(struct native_ctx *x, const char *text, size_t len,
		 struct tlbsim_trace_event *ev);
/* native_event()'s two ways: the plain form's decoder (native_fast.c),
 * which gives 0, an error as jansson's way would, or NATIVE_FALL_BACK for
 * a line it does not take (@ev overwritten, nothing else done); and
 * jansson's, which takes any line and words every refusal. */
enum { NATIVE_FALL_BACK = 1 };
int native_event_fast(struct native_ctx *x, const char *text, size_t len,
		      struct tlbsim_trace_event *ev);
int native_event_json(struct native_ctx *x, const char *text, size_t len,
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
/* The fields an event may carry, as bits, in the order the binary form
 * stores them; `what` (observed) is not among a record's fixed fields. */
enum {
	NATIVE_F_MM = 1 << 0, NATIVE_F_WITH = 1 << 1, NATIVE_F_ADDR = 1 << 2,
	NATIVE_F_LEN = 1 << 3, NATIVE_F_DUR = 1 << 4, NATIVE_F_HUGETLB = 1 << 5,
	NATIVE_F_START = 1 << 6, NATIVE_F_END = 1 << 7, NATIVE_F_STRIDE = 1 << 8,
	NATIVE_F_FREED = 1 << 9, NATIVE_F_UNSHARED = 1 << 10, NATIVE_F_WHAT = 1 << 11,
	NATIVE_F_EXEC = 1 << 12, NATIVE_F_IDLE = 1 << 13, NATIVE_F_ASID = 1 << 14,
	NATIVE_F_UNSEEN = 1 << 15, NATIVE_F_SHARED = 1 << 16, NATIVE_F_WRITE = 1 << 17,
};
#define NATIVE_NFIELDS 18
/* Addresses are user space: below 2^47. */
#define NATIVE_USER_TOP (1ULL << 47)

/* The fields kind @k takes (required or optional), and those it needs. */
unsigned native_fields(enum tlbsim_ev_kind k);
unsigned native_required(enum tlbsim_ev_kind k);
/* The kind named @name ("touch"), TLBSIM_EV_COUNT when none. */
int native_kind_find(const char *name);
/* A flush backend a header may name ("native", "kvm", ...). */
bool native_backend_known(const char *b);
/* Their names for a message: "native, kvm, ..." with @last before the
 * last one (", " or " or "). */
void native_backend_names(char *buf, size_t size, const char *last);
/* Field bit number @f's name, and the number of the field named @key
 * (-1: no such field). */
const char *native_field_name(int f);
int native_field_index(const char *key);
/* The same for a name of @n bytes, not NUL-terminated. */
int native_field_findn(const char *key, size_t n);
int native_kind_findn(const char *name, size_t n);

/* "name:line: reason" (or "name: record N: reason") in x->diag, from a
 * printf format: TLBSIM_EPARSE. */
int native_bad(struct native_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Input text quoted in a message: control characters escaped, cut at
 * NATIVE_SHOWN bytes (marked "..."). Returns @out. */
enum { NATIVE_SHOWN = 96 };
const char *native_shown(char out[NATIVE_SHOWN], const char *s);
/* A 64-bit integer field past tlbsim's range (jansson's, signed), @num
 * its digits: the message names the field and the limit. */
int native_int_limit(struct native_ctx *x, const char *field, const char *num,
		     bool negative);
/* The range and alignment rules of @ev's kind; a touch without a length
 * gets its default page here. */
int native_check_event(struct native_ctx *x, struct tlbsim_trace_event *ev);

#endif
