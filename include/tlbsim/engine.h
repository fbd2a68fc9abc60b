/*
 * engine.h - the discrete-event core: a clock in cycles and an event queue.
 *
 * Events are ordered by (time, sequence number). The sequence number is
 * assigned at schedule time and grows monotonically, so two events at the
 * same cycle run in the order they were scheduled: runs are deterministic and
 * never depend on pointer values (libuv's timer heap, ROSS's tie-breaking).
 *
 * The engine knows nothing about x86: an event is a kind (an int owned by the
 * caller) and a small payload copied by value. The engine is plain data: it
 * can be cloned (tlbsim_engine_clone) for state-space exploration.
 */
#ifndef TLBSIM_ENGINE_H
#define TLBSIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLBSIM_EVENT_DATA 64 /* payload bytes carried by value */

struct tlbsim_event {
	uint64_t time; /* cycle at which it fires */
	uint64_t seq;  /* schedule order; also the event's id for cancel */
	int kind;      /* caller-defined */
	unsigned char data[TLBSIM_EVENT_DATA];
};

struct tlbsim_engine;

struct tlbsim_engine *tlbsim_engine_new(void);
void tlbsim_engine_free(struct tlbsim_engine *e);
/* A deep copy with the same clock, queue and next sequence number. */
struct tlbsim_engine *tlbsim_engine_clone(const struct tlbsim_engine *e);

/* Current simulated cycle: the time of the last event popped (or set). */
uint64_t tlbsim_engine_now(const struct tlbsim_engine *e);

/*
 * Schedule an event of @kind at cycle @time (>= now) with @len bytes of
 * payload (<= TLBSIM_EVENT_DATA). On success stores its id in *@id (may be
 * NULL) and returns 0; TLBSIM_EINVAL when @time is in the past or the
 * payload too large, TLBSIM_ENOMEM.
 */
int tlbsim_engine_schedule(struct tlbsim_engine *e, uint64_t time, int kind,
			   const void *data, size_t len, uint64_t *id);

/* Remove a scheduled event. Returns true if it was still pending. O(n). */
bool tlbsim_engine_cancel(struct tlbsim_engine *e, uint64_t id);

/*
 * Pop the earliest event whose time is <= @limit into *@out and advance the
 * clock to its time: the payload's bytes are the first of @out->data, the
 * rest of it is left as it was. Returns false when no such event is pending.
 */
bool tlbsim_engine_pop(struct tlbsim_engine *e, uint64_t limit,
		       struct tlbsim_event *out);

/*
 * Move the clock forward to @time without an event: nothing may be pending
 * before it (pop those first). TLBSIM_EINVAL when something is. A clock
 * already past @time stays where it is.
 */
int tlbsim_engine_advance(struct tlbsim_engine *e, uint64_t time);

/* Time of the earliest pending event, or UINT64_MAX when empty. */
uint64_t tlbsim_engine_next_time(const struct tlbsim_engine *e);

size_t tlbsim_engine_pending(const struct tlbsim_engine *e);

/* Events popped so far, and how many of them shared their cycle with the
 * event popped just before (ties resolved by sequence number). */
uint64_t tlbsim_engine_popped(const struct tlbsim_engine *e);
uint64_t tlbsim_engine_ties(const struct tlbsim_engine *e);

#endif
