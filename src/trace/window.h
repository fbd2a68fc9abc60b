/*
 * window.h - the perf reader's reorder window: records parsed but not yet
 * fed to the reconstruction, in (time, input order). perf merges per-CPU
 * buffers, so lines can be out of time order by a few microseconds; the
 * reader holds each record until it has read far enough past it.
 *
 * Records stay in the slot they were parsed into; a sorted run of keys
 * orders them, and each task's pending records are also kept in a list in
 * key order, so that the reconstruction's look-ahead ("what does this
 * task do next?") costs O(1) rather than a pass over the window.
 */
#ifndef TLBSIM_TRACE_WINDOW_H
#define TLBSIM_TRACE_WINDOW_H

#include <stdint.h>

#include "trace/perf.h"

struct window;

struct window *window_new(void);
void window_free(struct window *w);

/* A free slot to parse a record into: its number, or UINT32_MAX when out
 * of memory. The record lives at window_rec(w, slot) until released. */
uint32_t window_slot(struct window *w);
struct perf_rec *window_rec(struct window *w, uint32_t slot);
/* Give back a slot that was not pushed (a line that did not parse). */
void window_unget(struct window *w, uint32_t slot);

/* The record in @slot joins the window as the @seq-th read (window_push
 * sets its seq), its text (text_len bytes, or none when NULL) copied into
 * the window. 0, or TLBSIM_ENOMEM. */
int window_push(struct window *w, uint32_t slot, uint64_t seq);
uint32_t window_len(const struct window *w);
/* The earliest record (NULL when empty), and taking it out: it and its
 * text stay readable until the next window_slot() and window_push(). */
const struct perf_rec *window_top(const struct window *w);
void window_prefetch_top(const struct window *w);
const struct perf_rec *window_pop(struct window *w);
/* The @i-th record in time order, for scans of the window. */
const struct perf_rec *window_at(const struct window *w, uint32_t i);

/* The earliest pending record of task @tid, or NULL; the one of the same
 * task after @rec (a pending record), or NULL. */
const struct perf_rec *window_next_of(const struct window *w, int32_t tid);
const struct perf_rec *window_after(const struct window *w,
				    const struct perf_rec *rec);

/* Tasks the window keeps a list for (for tests): those with records in
 * it, and those whose lists emptied since the table was last rebuilt. */
uint32_t window_tasks(const struct window *w);

#endif
