/* binary_check.h - the checks of the common records, for both binary
 * forms' readers (binary.c, binary_compact.c): inlined into each, as
 * they were into form 1's reader alone (a call cost a tenth of it). */
#ifndef TLBSIM_TRACE_BINARY_CHECK_H
#define TLBSIM_TRACE_BINARY_CHECK_H

#include "trace/binary.h"

/* The common records' checks (native_validate(), native_check_event()),
 * for values already decoded. */
static inline bool mm_ok(uint32_t mm, bool null_ok)
{
	return (mm || null_ok) && mm <= INT32_MAX;
}

static inline bool range_ok(uint64_t addr, uint64_t len, bool hugetlb)
{
	uint64_t align = hugetlb ? 2ULL << 20 : 4096;

	return len && !(addr % align) && !(len % align) && addr < NATIVE_USER_TOP &&
	       len <= NATIVE_USER_TOP - addr;
}

/*
 * The records of the kinds that make up nineteen in twenty of a trace
 * (touch, switch, map, unmap, zap, protect, flush), when every value
 * passes the contract, checked here at once and put in @ev: the event the
 * general path makes of it (native_validate(), native_check_event()), for
 * a third of its instructions. False for any other record, or one that
 * path refuses or would change otherwise, which it then reads and names
 * the error of. @r: the record's header and values, @a and @b its addr
 * and len, or a flush's start and end. Both forms' readers use it.
 */
static inline __attribute__((always_inline)) bool
binary_record_check(struct native_ctx *x, const struct binary_record *r,
		    struct tlbsim_trace_event *ev)
{
	unsigned flags = r->flags, flags2 = r->flags2;
	uint32_t mm = r->mm;
	uint64_t a = r->a, b = r->b;

	if (r->cpu >= x->cpus || r->t > INT64_MAX || (x->have_last && r->t < x->last_t))
		return false;
	switch (r->kind) {
	case TLBSIM_EV_TOUCH:
		b = b ? b : 4096;   /* a touch without a length is one page */
		if (flags || r->stride || (flags2 & ~(unsigned)B2_WRITE) || !mm_ok(mm, false) ||
		    a >= NATIVE_USER_TOP || b > (1ULL << 30) || b > NATIVE_USER_TOP - a)
			return false;
		ev->write = flags2 & B2_WRITE;
		break;
	case TLBSIM_EV_SWITCH:
		if ((flags & ~(unsigned)(B_IDLE | B_UNSEEN)) || r->stride || flags2 ||
		    !mm_ok(mm, true) || ((flags & B_IDLE) && mm))
			return false;
		ev->idle = flags & B_IDLE;
		ev->unseen = flags & B_UNSEEN;
		a = b = 0;
		break;
	case TLBSIM_EV_MAP:
		if ((flags & ~(unsigned)B_HUGETLB) || r->stride || (flags2 & ~(unsigned)B2_SHARED) ||
		    !mm_ok(mm, false) || !range_ok(a, b, flags & B_HUGETLB))
			return false;
		ev->hugetlb = flags & B_HUGETLB;
		ev->shared = flags2 & B2_SHARED;
		break;
	case TLBSIM_EV_UNMAP:
	case TLBSIM_EV_ZAP:
	case TLBSIM_EV_PROTECT:
		if (flags || r->stride || flags2 || !mm_ok(mm, false) || !range_ok(a, b, false))
			return false;
		break;
	case TLBSIM_EV_FLUSH:
		if ((flags & ~(unsigned)(B_FREED | B_UNSHARED | B_UNSEEN)) || flags2 ||
		    (r->stride != 12 && r->stride != 21 && r->stride != 30) || !mm_ok(mm, false) ||
		    a >= NATIVE_USER_TOP ||
		    (b != TLBSIM_END_ALL && (b >= NATIVE_USER_TOP || a >= b)))
			return false;
		ev->stride = r->stride;
		ev->freed_tables = flags & B_FREED;
		ev->unshared_tables = flags & B_UNSHARED;
		ev->unseen = flags & B_UNSEEN;
		ev->start = a;
		ev->end = b;
		a = b = 0;
		break;
	default:
		return false;
	}
	ev->kind = r->kind;
	ev->cpu = r->cpu;
	ev->t = r->t;
	ev->mm = mm;
	ev->addr = a;
	ev->len = b;
	x->last_t = r->t;
	x->have_last = true;
	return true;
}

#endif
