/*
 * engine.c - clock and event queue (see tlbsim/engine.h).
 *
 * A binary min-heap on (time, seq). seq comes from a counter that only grows,
 * so equal times pop in schedule order: determinism without looking at
 * addresses. Cancel is O(n) (find, swap with the last, re-heapify): it is
 * rare, and the heap holds only what is in flight, a few entries per CPU.
 */
#include <stdlib.h>
#include <string.h>

#include "tlbsim/engine.h"
#include "tlbsim/error.h"

struct tlbsim_engine {
	uint64_t now;
	uint64_t next_seq;
	uint64_t popped;
	uint64_t ties;
	uint64_t last_pop_time; /* valid when popped > 0 */
	size_t len, cap;
	struct tlbsim_event *heap;
};

static bool event_before(const struct tlbsim_event *a,
			 const struct tlbsim_event *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	return a->seq < b->seq;
}

static void heap_swap(struct tlbsim_event *h, size_t i, size_t j)
{
	struct tlbsim_event tmp = h[i];

	h[i] = h[j];
	h[j] = tmp;
}

static void sift_up(struct tlbsim_event *h, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!event_before(&h[i], &h[parent]))
			break;
		heap_swap(h, i, parent);
		i = parent;
	}
}

static void sift_down(struct tlbsim_event *h, size_t len, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < len && event_before(&h[l], &h[m]))
			m = l;
		if (r < len && event_before(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(h, i, m);
		i = m;
	}
}

struct tlbsim_engine *tlbsim_engine_new(void)
{
	return calloc(1, sizeof(struct tlbsim_engine));
}

void tlbsim_engine_free(struct tlbsim_engine *e)
{
	if (!e)
		return;
	free(e->heap);
	free(e);
}

struct tlbsim_engine *tlbsim_engine_clone(const struct tlbsim_engine *e)
{
	struct tlbsim_engine *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *e;
	c->heap = NULL;
	if (e->cap) {
		c->heap = malloc(e->cap * sizeof(*c->heap));
		if (!c->heap) {
			free(c);
			return NULL;
		}
		memcpy(c->heap, e->heap, e->len * sizeof(*c->heap));
	}
	return c;
}

uint64_t tlbsim_engine_now(const struct tlbsim_engine *e)
{
	return e->now;
}

int tlbsim_engine_schedule(struct tlbsim_engine *e, uint64_t time, int kind,
			   const void *data, size_t len, uint64_t *id)
{
	struct tlbsim_event *ev;

	if (time < e->now || len > TLBSIM_EVENT_DATA)
		return TLBSIM_EINVAL;
	if (e->len == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		struct tlbsim_event *h = realloc(e->heap, cap * sizeof(*h));

		if (!h)
			return TLBSIM_ENOMEM;
		e->heap = h;
		e->cap = cap;
	}
	ev = &e->heap[e->len];
	memset(ev, 0, sizeof(*ev));
	ev->time = time;
	ev->seq = e->next_seq++;
	ev->kind = kind;
	if (len)
		memcpy(ev->data, data, len);
	if (id)
		*id = ev->seq;
	sift_up(e->heap, e->len++);
	return 0;
}

bool tlbsim_engine_cancel(struct tlbsim_engine *e, uint64_t id)
{
	for (size_t i = 0; i < e->len; i++) {
		if (e->heap[i].seq != id)
			continue;
		e->heap[i] = e->heap[--e->len];
		if (i < e->len) {
			sift_down(e->heap, e->len, i);
			sift_up(e->heap, i);
		}
		return true;
	}
	return false;
}

bool tlbsim_engine_pop(struct tlbsim_engine *e, uint64_t limit,
		       struct tlbsim_event *out)
{
	if (e->len == 0 || e->heap[0].time > limit)
		return false;
	*out = e->heap[0];
	e->heap[0] = e->heap[--e->len];
	sift_down(e->heap, e->len, 0);
	if (e->popped && out->time == e->last_pop_time)
		e->ties++;
	e->popped++;
	e->last_pop_time = out->time;
	e->now = out->time;
	return true;
}

uint64_t tlbsim_engine_next_time(const struct tlbsim_engine *e)
{
	return e->len ? e->heap[0].time : UINT64_MAX;
}

size_t tlbsim_engine_pending(const struct tlbsim_engine *e)
{
	return e->len;
}

uint64_t tlbsim_engine_popped(const struct tlbsim_engine *e)
{
	return e->popped;
}

uint64_t tlbsim_engine_ties(const struct tlbsim_engine *e)
{
	return e->ties;
}
