/* binary.h - the native trace in binary form, 1 (binary.c) and 2, the
 * compact one (binary_compact.c) (internal).
 *
 * The JSON reader is bounded by json_loads() building a tree per line;
 * this form carries the same events and header and passes the same checks
 * (native_validate), several times faster. See traces/FORMAT.md. */
#ifndef TLBSIM_TRACE_BINARY_H
#define TLBSIM_TRACE_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trace/input.h"
#include "trace/native.h"

/* The first line of a binary trace (then the JSON header line, then
 * records): form 1 (binary.c), form 2, the compact one (binary_compact.c). */
#define BINARY_MAGIC "\x89TLBSIMB"
#define COMPACT_MAGIC "\x89TLBSIMC"

/* 1 or 2: the form whose magic @line is; 0: neither. */
int binary_probe(const char *line, size_t len);
/* @x reads records from now on: each kind's layout worked out once, not
 * per record. */
void binary_begin(struct native_ctx *x);
/* The next record: 1, 0 at the end, <0 with the diagnostic set. */
int binary_next(struct native_ctx *x, struct input *in, struct tlbsim_trace_event *ev);
int compact_next(struct native_ctx *x, struct input *in, struct tlbsim_trace_event *ev);
/* A kind's form 2 shape into @b, from its fields and flags there. */
void compact_shape(struct native_bin_kind *b, bool observed);

/* ---- shared by the two forms' readers ---- */

/* The flags byte */
enum { B_HUGETLB = 1, B_FREED = 2, B_UNSHARED = 4,
       B_OBS_MM = 8, /* observed: an mm follows (4 bytes) */
       B_EXEC = 16,
       B_IDLE = 32, /* switch: to the idle task */
       B_ASID = 64, /* ran_before: an ASID slot holds the mm */
       B_UNSEEN = 128 /* switch: not in the capture */ };
/* The second flags byte (form 1: the record header's fourth) */
enum { B2_SHARED = 1, /* map: a shared (page cache) mapping */
       B2_WRITE = 2 /* touch: a write */ };

static inline uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n == 8 || n == 4) {   /* one load, where the byte loop was eight */
		uint32_t w;

		if (n == 8) {
			memcpy(&v, p, 8);
			return v;
		}
		memcpy(&w, p, 4);
		return w;
	}
#endif
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The value of field NATIVE_F_@bit (mm, with, addr, len, dur, start, end). */
uint64_t binary_field_get(const struct tlbsim_trace_event *ev, unsigned bit);

/* A record's header and values as decoded: @a and @b are addr and len,
 * or a flush's start and end. */
struct binary_record {
	unsigned kind, flags, stride, flags2;
	uint32_t cpu, mm;
	uint64_t t, a, b;
};
/* The flag bits a kind's records may set (none: form 2 has no such byte),
 * those an event sets, and the event's flags from them. */
unsigned binary_kind_flags(enum tlbsim_ev_kind k);
unsigned binary_kind_flags2(enum tlbsim_ev_kind k);
unsigned binary_flags_of(const struct tlbsim_trace_event *ev);
unsigned binary_flags2_of(const struct tlbsim_trace_event *ev);
void binary_set_flags(struct tlbsim_trace_event *ev, unsigned flags, unsigned flags2);
/* An observed record's tail at @b (room for 100 bytes): its bytes. */
size_t binary_put_observed(uint8_t *b, const struct tlbsim_trace_event *ev);
/* @n bytes, or the error of a record cut short */
int binary_read_exact(struct native_ctx *x, struct input *in, void *buf, size_t n);
/* an observed record's strings, reason, pages and target, and its mm
 * when @flags has B_OBS_MM */
int binary_read_observed(struct native_ctx *x, struct input *in, unsigned flags,
			 struct tlbsim_trace_event *ev);

#endif
