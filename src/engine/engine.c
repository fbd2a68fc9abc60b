/*
 * engine.c - clock and event queue (see tlbsim/engine.h).
 *
 * A binary min-heap on (time, seq). seq comes from a counter that only grows,
 * so equal times pop in schedule order: determinism without looking at
 * addresses (slot numbers are reused, but never compared). Cancel is O(n)
 * (find, re-heapify): it is rare, and the heap holds only what is in
 * flight.
 */
#include <stdlib.h>
#include <string.h>

#include "tlbsim/engine.h"
#include "tlbsim/error.h"

/* The heap moves 24-byte keys; payloads stay in a pool of slots, found
 * through the key. At 4096 CPUs the queue holds thousands of IPIs in
 * flight and moving whole 88-byte events was 40 % of the run. */
struct key {
	uint64_t time, seq;
	uint32_t slot;
};

/* Only @len bytes of a payload are copied in and out: clearing the rest
 * (a `rep stos` of up to 64 bytes) was a third of a schedule's cycles. */
struct payload {
	int kind;
	uint32_t len;
	unsigned char data[TLBSIM_EVENT_DATA];
};

struct tlbsim_engine {
	uint64_t now;
	uint64_t next_seq;
	uint64_t popped;
	uint64_t ties;
	uint64_t last_pop_time; /* valid when popped > 0 */
	size_t len, cap;        /* heap keys; every array has cap entries */
	struct key *heap;
	struct payload *pool;   /* by slot */
	uint32_t *free_slots;   /* cap - len of them */
	size_t nfree, used;     /* slots ever handed out: used <= cap */
};

static bool key_before(const struct key *a, const struct key *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	return a->seq < b->seq;
}

/* Move the hole at @i up to where @k belongs, then put @k there. */
static void sift_up(struct key *h, size_t i, struct key k)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!key_before(&k, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = k;
}

static void sift_down(struct key *h, size_t len, size_t i, struct key k)
{
	for (;;) {
		size_t l = 2 * i + 1, m = l;

		if (l >= len)
			break;
		if (l + 1 < len && key_before(&h[l + 1], &h[l]))
			m = l + 1;
		if (!key_before(&h[m], &k))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = k;
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
	free(e->pool);
	free(e->free_slots);
	free(e);
}

static void *dup_array(const void *p, size_t n, size_t size)
{
	void *c = malloc(n * size);

	if (c && n)
		memcpy(c, p, n * size);
	return c;
}

struct tlbsim_engine *tlbsim_engine_clone(const struct tlbsim_engine *e)
{
	struct tlbsim_engine *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *e;
	c->heap = NULL;
	c->pool = NULL;
	c->free_slots = NULL;
	if (e->cap) {
		c->heap = dup_array(e->heap, e->cap, sizeof(*e->heap));
		c->pool = dup_array(e->pool, e->cap, sizeof(*e->pool));
		c->free_slots = dup_array(e->free_slots, e->cap, sizeof(*e->free_slots));
		if (!c->heap || !c->pool || !c->free_slots) {
			tlbsim_engine_free(c);
			return NULL;
		}
	}
	return c;
}

uint64_t tlbsim_engine_now(const struct tlbsim_engine *e)
{
	return e->now;
}

static int grow(struct tlbsim_engine *e)
{
	size_t cap = e->cap ? 2 * e->cap : 64;
	struct key *h = realloc(e->heap, cap * sizeof(*h));
	struct payload *p;
	uint32_t *f;

	if (!h)
		return TLBSIM_ENOMEM;
	e->heap = h;
	p = realloc(e->pool, cap * sizeof(*p));
	if (!p)
		return TLBSIM_ENOMEM;
	/* zeroed: a pop copies a slot's whole payload area (see there) */
	memset(p + e->cap, 0, (cap - e->cap) * sizeof(*p));
	e->pool = p;
	f = realloc(e->free_slots, cap * sizeof(*f));
	if (!f)
		return TLBSIM_ENOMEM;
	e->free_slots = f;
	e->cap = cap;
	return 0;
}

/* The payload's @len bytes into a slot: the simulator's sizes (a CPU id,
 * an op, an IPI's smp-call) copied inline, not by a call to memcpy() with
 * a length known only here (a tenth of scheduling's instructions). */
static inline void copy_payload(unsigned char *to, const void *from, size_t len)
{
	switch (len) {
	case 0:
		break;
	case 4:
		memcpy(to, from, 4);
		break;
	case 16:
		memcpy(to, from, 16);
		break;
	case 40:
		memcpy(to, from, 40);
		break;
	default:
		memcpy(to, from, len);
	}
}

int tlbsim_engine_schedule(struct tlbsim_engine *e, uint64_t time, int kind,
			   const void *data, size_t len, uint64_t *id)
{
	struct payload *pl;
	struct key k;

	if (time < e->now || len > TLBSIM_EVENT_DATA)
		return TLBSIM_EINVAL;
	if (e->len == e->cap && grow(e))
		return TLBSIM_ENOMEM;
	k.time = time;
	k.seq = e->next_seq++;
	k.slot = e->nfree ? e->free_slots[--e->nfree] : (uint32_t)e->used++;
	pl = &e->pool[k.slot];
	pl->kind = kind;
	pl->len = (uint32_t)len;
	copy_payload(pl->data, data, len);
	if (id)
		*id = k.seq;
	sift_up(e->heap, e->len++, k);
	return 0;
}

/* Take @i's key out of the heap and give its slot back. */
static void remove_at(struct tlbsim_engine *e, size_t i)
{
	struct key last = e->heap[--e->len];

	e->free_slots[e->nfree++] = e->heap[i].slot;
	if (i == e->len)
		return;
	if (i > 0 && key_before(&last, &e->heap[(i - 1) / 2]))
		sift_up(e->heap, i, last);
	else
		sift_down(e->heap, e->len, i, last);
}

bool tlbsim_engine_cancel(struct tlbsim_engine *e, uint64_t id)
{
	for (size_t i = 0; i < e->len; i++) {
		if (e->heap[i].seq != id)
			continue;
		remove_at(e, i);
		return true;
	}
	return false;
}

bool tlbsim_engine_pop(struct tlbsim_engine *e, uint64_t limit,
		       struct tlbsim_event *out)
{
	const struct key top = e->len ? e->heap[0] : (struct key){ 0, 0, 0 };
	const struct payload *pl;

	if (e->len == 0 || top.time > limit)
		return false;
	pl = &e->pool[top.slot];
	out->time = top.time;
	out->seq = top.seq;
	out->kind = pl->kind;
	/* the whole area, a constant size copied inline: past pl->len it
	 * holds bytes the caller does not read (zeroed or an earlier
	 * payload's), whatever the length */
	memcpy(out->data, pl->data, TLBSIM_EVENT_DATA);
	remove_at(e, 0);
	if (e->popped && out->time == e->last_pop_time)
		e->ties++;
	e->popped++;
	e->last_pop_time = out->time;
	e->now = out->time;
	return true;
}

int tlbsim_engine_advance(struct tlbsim_engine *e, uint64_t time)
{
	if (e->len && e->heap[0].time < time)
		return TLBSIM_EINVAL;
	if (time > e->now)
		e->now = time;
	return 0;
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
