/*
 * window.c - the perf reader's reorder window (see trace/window.h).
 *
 * A sorted run of 24-byte keys (time, seq, slot) orders the records,
 * which stay where they were parsed (half a KiB each). perf script and
 * trace-cmd print records almost in time order, so a new key goes at the
 * run's end or a few places before it (a heap paid log n on every push
 * and pop), and the earliest leaves from the front. The run lives in an
 * array twice the slots' size, moved back to its start when it reaches
 * the end: at most once per as many pops as slots. Each task's pending
 * records also form a doubly linked list in key order, so the record the
 * window gives up, its earliest, is the head of its task's list.
 *
 * The records' texts are copied at push into chunks of 64 KiB, one after
 * the other in input order; a chunk is reused once every record whose
 * text it holds has left (records leave almost in input order). The
 * window holds thousands of records (the reader's prescan, a fork's
 * 20 ms): as 536-byte records with their text in them they were 2 to 8
 * MiB, each fed long after the cache had lost it.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tlbsim/error.h"
#include "trace/window.h"

#define NONE UINT32_MAX

struct win_key {
	uint64_t t_ns, seq;
	uint32_t slot;
};

struct task_list {
	int32_t tid;
	bool used;
	uint32_t head, tail;
};

#define TEXT_CHUNK 65536

struct window {
	struct perf_rec *pool;   /* by slot */
	uint32_t *chunk_of;      /* by slot: the chunk holding its text */
	char **chunks;           /* text chunks, never moved */
	uint32_t *live;          /* by chunk: records whose text it holds */
	uint32_t *freechunks;
	uint32_t nchunks, nfreechunks, cur, used; /* filling chunks[cur] */
	struct win_key *keys;    /* the run: keys[head, tail), sorted */
	uint32_t *freeslots;
	uint32_t *next, *prev;   /* by slot: the task's list */
	uint32_t npool, cap, head, tail, nfree;
	struct task_list *tasks; /* by tid, open addressing; tasks_grow() drops
				 * the empty lists */
	uint32_t ntasks, captasks;
};

static bool key_before(const struct win_key *x, const struct win_key *y)
{
	return x->t_ns != y->t_ns ? x->t_ns < y->t_ns : x->seq < y->seq;
}

static bool rec_before(const struct perf_rec *x, const struct perf_rec *y)
{
	return x->t_ns != y->t_ns ? x->t_ns < y->t_ns : x->seq < y->seq;
}

struct window *window_new(void)
{
	return calloc(1, sizeof(struct window));
}

void window_free(struct window *w)
{
	if (!w)
		return;
	free(w->pool);
	free(w->keys);
	free(w->freeslots);
	free(w->next);
	free(w->prev);
	free(w->tasks);
	free(w->chunk_of);
	for (uint32_t i = 0; i < w->nchunks; i++)
		free(w->chunks[i]);
	free(w->chunks);
	free(w->live);
	free(w->freechunks);
	free(w);
}

/* Every per-slot array grown to @cap; on failure the old ones stay. */
static int grow_slots(struct window *w, uint32_t cap)
{
	void *p;

	if (!(p = realloc(w->pool, cap * sizeof(*w->pool))))
		return TLBSIM_ENOMEM;
	w->pool = p;
	if (!(p = realloc(w->keys, 2 * (size_t)cap * sizeof(*w->keys))))
		return TLBSIM_ENOMEM;
	w->keys = p;
	if (!(p = realloc(w->freeslots, cap * sizeof(*w->freeslots))))
		return TLBSIM_ENOMEM;
	w->freeslots = p;
	if (!(p = realloc(w->next, cap * sizeof(*w->next))))
		return TLBSIM_ENOMEM;
	w->next = p;
	if (!(p = realloc(w->prev, cap * sizeof(*w->prev))))
		return TLBSIM_ENOMEM;
	w->prev = p;
	if (!(p = realloc(w->chunk_of, cap * sizeof(*w->chunk_of))))
		return TLBSIM_ENOMEM;
	w->chunk_of = p;
	w->cap = cap;
	return 0;
}

uint32_t window_slot(struct window *w)
{
	if (w->nfree)
		return w->freeslots[--w->nfree];
	/* from 64 slots (32 KiB): a long capture doubles its way up in a
	 * few steps, a short one (a fuzzer's input) allocates little */
	if (w->npool == w->cap && grow_slots(w, w->cap ? 2 * w->cap : 64))
		return NONE;
	return w->npool++;
}

struct perf_rec *window_rec(struct window *w, uint32_t slot)
{
	return &w->pool[slot];
}

void window_unget(struct window *w, uint32_t slot)
{
	w->freeslots[w->nfree++] = slot;
}

/* ------------------------------------------------------ task lists */

static uint32_t tid_hash(int32_t tid, uint32_t mask)
{
	return ((uint32_t)tid * 2654435761u) & mask;
}

static struct task_list *task_find(const struct window *w, int32_t tid)
{
	uint32_t mask = w->captasks - 1;

	if (!w->captasks)
		return NULL;
	for (uint32_t h = tid_hash(tid, mask); w->tasks[h].used; h = (h + 1) & mask)
		if (w->tasks[h].tid == tid)
			return &w->tasks[h];
	return NULL;
}

/* The table is half full: rebuilt with the tasks that have records in
 * the window, a quarter full at most. A capture of a build sees hundreds
 * of thousands of tids come and go; their empty lists must not stay
 * (memory follows the machine, not the capture's length). */
static int tasks_grow(struct window *w)
{
	uint32_t cap = 64, live = 0, n = 0;
	struct task_list *t;

	for (uint32_t i = 0; i < w->captasks; i++)
		live += w->tasks[i].used && w->tasks[i].head != NONE;
	while ((live + 1) * 4 > cap)
		cap *= 2;
	if (!(t = calloc(cap, sizeof(*t))))
		return TLBSIM_ENOMEM;
	for (uint32_t i = 0; i < w->captasks; i++) {
		uint32_t h;

		if (!w->tasks[i].used || w->tasks[i].head == NONE)
			continue;
		n++;
		for (h = tid_hash(w->tasks[i].tid, cap - 1); t[h].used; h = (h + 1) & (cap - 1))
			;
		t[h] = w->tasks[i];
	}
	free(w->tasks);
	w->tasks = t;
	w->captasks = cap;
	w->ntasks = n;
	return 0;
}

static struct task_list *task_get(struct window *w, int32_t tid)
{
	struct task_list *t = task_find(w, tid);
	uint32_t h;

	if (t)
		return t;
	if ((w->ntasks + 1) * 2 > w->captasks && tasks_grow(w))
		return NULL;
	for (h = tid_hash(tid, w->captasks - 1); w->tasks[h].used; h = (h + 1) & (w->captasks - 1))
		;
	w->tasks[h] = (struct task_list){ tid, true, NONE, NONE };
	w->ntasks++;
	return &w->tasks[h];
}

/* Into its task's list, after the last record that comes before it. */
static void list_insert(struct window *w, struct task_list *t, uint32_t slot)
{
	uint32_t after = t->tail;

	while (after != NONE && rec_before(&w->pool[slot], &w->pool[after]))
		after = w->prev[after];
	w->prev[slot] = after;
	w->next[slot] = after == NONE ? t->head : w->next[after];
	if (after == NONE)
		t->head = slot;
	else
		w->next[after] = slot;
	if (w->next[slot] == NONE)
		t->tail = slot;
	else
		w->prev[w->next[slot]] = slot;
}

static void list_remove(struct window *w, struct task_list *t, uint32_t slot)
{
	if (w->prev[slot] == NONE)
		t->head = w->next[slot];
	else
		w->next[w->prev[slot]] = w->next[slot];
	if (w->next[slot] == NONE)
		t->tail = w->prev[slot];
	else
		w->prev[w->next[slot]] = w->prev[slot];
}

/* ------------------------------------------------------------ texts */

/* A chunk to fill from its start: a free one, or a new one. */
static int chunk_next(struct window *w)
{
	void *p;
	char *c;

	if (w->nchunks && !w->live[w->cur])
		w->freechunks[w->nfreechunks++] = w->cur;   /* nothing left in it */
	if (w->nfreechunks) {
		w->cur = w->freechunks[--w->nfreechunks];
		w->used = 0;
		return 0;
	}
	/* the arrays grown one at a time: a chunk holds hundreds of texts */
	if (!(p = realloc(w->chunks, (w->nchunks + 1) * sizeof(*w->chunks))))
		return TLBSIM_ENOMEM;
	w->chunks = p;
	if (!(p = realloc(w->live, (w->nchunks + 1) * sizeof(*w->live))))
		return TLBSIM_ENOMEM;
	w->live = p;
	if (!(p = realloc(w->freechunks, (w->nchunks + 1) * sizeof(*w->freechunks))))
		return TLBSIM_ENOMEM;
	w->freechunks = p;
	if (!(c = malloc(TEXT_CHUNK)))
		return TLBSIM_ENOMEM;
	w->chunks[w->nchunks] = c;
	w->live[w->nchunks] = 0;
	w->cur = w->nchunks++;
	w->used = 0;
	return 0;
}

/* The record's text_len bytes of text, and a NUL, into the chunks. */
static int text_copy(struct window *w, uint32_t slot)
{
	struct perf_rec *rec = &w->pool[slot];
	size_t n = rec->text ? rec->text_len : 0;
	char *to;

	if ((!w->nchunks || w->used + n + 1 > TEXT_CHUNK) && chunk_next(w))
		return TLBSIM_ENOMEM;
	to = w->chunks[w->cur] + w->used;
	perf_copy_span(to, n + 1, rec->text ? rec->text : "", n);
	rec->text = to;
	w->used += (uint32_t)n + 1;
	w->chunk_of[slot] = w->cur;
	w->live[w->cur]++;
	return 0;
}

/* ------------------------------------------------------------- run */

/* The key's seq comes from the argument, not from the record: one 16-byte
 * load of t_ns and seq, just stored apart by the parse and the reader,
 * could not be forwarded from the two stores and stalled (a tenth of the
 * reading thread). */
int window_push(struct window *w, uint32_t slot, uint64_t seq)
{
	struct perf_rec *rec = &w->pool[slot];
	struct win_key k = { rec->t_ns, seq, slot };
	struct task_list *t = task_get(w, rec->tid);
	uint32_t i;

	rec->seq = seq;
	if (!t || text_copy(w, slot))
		return TLBSIM_ENOMEM;
	list_insert(w, t, slot);
	if (w->tail == 2 * w->cap) {   /* at the array's end: move back */
		memmove(w->keys, w->keys + w->head,
			(w->tail - w->head) * sizeof(*w->keys));
		w->tail -= w->head;
		w->head = 0;
	}
	for (i = w->tail++; i > w->head && key_before(&k, &w->keys[i - 1]); i--)
		w->keys[i] = w->keys[i - 1];
	w->keys[i] = k;
	return 0;
}

uint32_t window_len(const struct window *w)
{
	return w->tail - w->head;
}

const struct perf_rec *window_top(const struct window *w)
{
	return w->tail > w->head ? &w->pool[w->keys[w->head].slot] : NULL;
}

/* The next record to leave was parsed a window's length ago and has
 * left the nearest caches: its first lines (times, names, the start of
 * the text) are fetched while the one before is reconstructed. */
void window_prefetch_top(const struct window *w)
{
	const char *p;

	if (w->tail <= w->head)
		return;
	p = (const char *)&w->pool[w->keys[w->head].slot];
	__builtin_prefetch(p);
	__builtin_prefetch(p + 64);
	__builtin_prefetch(p + 128);
}

const struct perf_rec *window_at(const struct window *w, uint32_t i)
{
	return &w->pool[w->keys[w->head + i].slot];
}

const struct perf_rec *window_pop(struct window *w)
{
	uint32_t top;

	if (w->tail == w->head)
		return NULL;
	top = w->keys[w->head++].slot;
	if (w->head == w->tail)
		w->head = w->tail = 0;
	list_remove(w, task_find(w, w->pool[top].tid), top);
	w->freeslots[w->nfree++] = top;
	/* the chunk being filled is freed when it is left (chunk_next()) */
	if (!--w->live[w->chunk_of[top]] && w->chunk_of[top] != w->cur)
		w->freechunks[w->nfreechunks++] = w->chunk_of[top];
	return &w->pool[top];
}

const struct perf_rec *window_next_of(const struct window *w, int32_t tid)
{
	const struct task_list *t = task_find(w, tid);

	return t && t->head != NONE ? &w->pool[t->head] : NULL;
}

const struct perf_rec *window_after(const struct window *w,
				    const struct perf_rec *rec)
{
	uint32_t slot = (uint32_t)(rec - w->pool);

	return w->next[slot] != NONE ? &w->pool[w->next[slot]] : NULL;
}

uint32_t window_tasks(const struct window *w)
{
	return w->ntasks;
}
