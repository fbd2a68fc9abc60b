/*
 * recon_state.c - what the perf reconstruction knows of each process and
 * task: found by id through open-addressing maps (captures of real
 * workloads hold thousands of tasks, and every record looks one up), the
 * mirror of its VMAs (sorted, searched), and sets of pages.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/recon.h"

void *grow(void *p, uint32_t *cap, uint32_t need, size_t sz)
{
	uint32_t c = *cap ? *cap : 8;
	void *n;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	n = realloc(p, c * sz);
	if (n)
		*cap = c;
	return n;
}

static uint32_t idmap_slot(const struct idmap *m, int32_t k)
{
	uint32_t i = ((uint32_t)k * 2654435761u) & (m->cap - 1);

	while (m->vals[i] != UINT32_MAX && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static uint32_t idmap_get(const struct idmap *m, int32_t k)
{
	return m->cap ? m->vals[idmap_slot(m, k)] : UINT32_MAX;
}

static int idmap_put(struct idmap *m, int32_t k, uint32_t v)
{
	if (2 * (m->n + 1) > m->cap) {   /* at most half full */
		struct idmap g = { NULL, NULL, m->cap ? 2 * m->cap : 64, 0 };

		g.keys = malloc(g.cap * sizeof(*g.keys));
		g.vals = malloc(g.cap * sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return -1;
		}
		memset(g.vals, 0xff, g.cap * sizeof(*g.vals));
		for (uint32_t i = 0; i < m->cap; i++)
			if (m->vals[i] != UINT32_MAX) {
				uint32_t j = idmap_slot(&g, m->keys[i]);

				g.keys[j] = m->keys[i];
				g.vals[j] = m->vals[i];
				g.n++;
			}
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	uint32_t i = idmap_slot(m, k);

	if (m->vals[i] == UINT32_MAX)
		m->n++;
	m->keys[i] = k;
	m->vals[i] = v;
	return 0;
}

/* Take @k out: the entries after it in its run move back into the hole
 * when their home slot allows (linear probing keeps no tombstones). */
static void idmap_del(struct idmap *m, int32_t k)
{
	uint32_t mask = m->cap - 1, i, j;

	if (!m->cap || m->vals[i = idmap_slot(m, k)] == UINT32_MAX)
		return;
	m->n--;
	for (j = i;;) {
		m->vals[i] = UINT32_MAX;
		for (;;) {
			uint32_t home;

			j = (j + 1) & mask;
			if (m->vals[j] == UINT32_MAX)
				return;
			home = ((uint32_t)m->keys[j] * 2654435761u) & mask;
			/* j's entry may fill the hole unless its home lies
			 * cyclically in (i, j] */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		i = j;
	}
}

void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
}

struct proc *proc_find(struct perf_recon *p, int32_t tgid)
{
	uint32_t i = idmap_get(&p->procmap, tgid);

	return i == UINT32_MAX ? NULL : &p->procs[i];
}

static uint32_t proc_ref(const struct perf_recon *p, const struct proc *pr)
{
	return (uint32_t)(pr - p->procs) + 1;
}

/* Out of its parent's list of children. */
static void kid_unlink(struct perf_recon *p, struct proc *c)
{
	struct proc *up = c->parent ? proc_find(p, c->parent) : NULL;

	if (c->sib_prev)
		p->procs[c->sib_prev - 1].sib_next = c->sib_next;
	else if (up && up->kids == proc_ref(p, c))
		up->kids = c->sib_next;
	if (c->sib_next)
		p->procs[c->sib_next - 1].sib_prev = c->sib_prev;
	c->sib_prev = c->sib_next = 0;
}

/* @c was forked from @parent (a tgid reused moves to its new parent). */
void proc_set_parent(struct perf_recon *p, struct proc *c, int32_t parent)
{
	struct proc *up;

	kid_unlink(p, c);
	c->parent = parent;
	up = proc_find(p, parent);
	if (!up || up == c)
		return;
	c->sib_next = up->kids;
	if (up->kids)
		p->procs[up->kids - 1].sib_prev = proc_ref(p, c);
	up->kids = proc_ref(p, c);
}

/* A slot for a new entry: a recycled one first, else the array's next. */
static uint32_t slot_take(void **arr, uint32_t *n, uint32_t *cap, size_t sz,
			  uint32_t *free_slots, uint32_t *nfree)
{
	void *a;

	if (*nfree)
		return free_slots[--*nfree];
	if (!(a = grow(*arr, cap, *n + 1, sz)))
		return UINT32_MAX;
	*arr = a;
	return (*n)++;
}

struct proc *proc_get(struct perf_recon *p, int32_t tgid)
{
	struct proc *pr = proc_find(p, tgid);
	uint32_t i;

	if (pr)
		return pr;
	i = slot_take((void **)&p->procs, &p->nprocs, &p->capprocs, sizeof(*p->procs),
		      p->free_procs, &p->nfree_procs);
	if (i == UINT32_MAX || idmap_put(&p->procmap, tgid, i))
		return NULL;
	memset(&p->procs[i], 0, sizeof(p->procs[0]));
	p->procs[i].tgid = tgid;
	return &p->procs[i];
}

struct task *task_get(struct perf_recon *p, int32_t tid)
{
	uint32_t i = idmap_get(&p->taskmap, tid);

	if (i != UINT32_MAX)
		return &p->tasks[i];
	i = slot_take((void **)&p->tasks, &p->ntasks, &p->captasks, sizeof(*p->tasks),
		      p->free_tasks, &p->nfree_tasks);
	if (i == UINT32_MAX || idmap_put(&p->taskmap, tid, i))
		return NULL;
	memset(&p->tasks[i], 0, sizeof(p->tasks[0]));
	p->tasks[i].tid = tid;
	return &p->tasks[i];
}

/* ---------------------------------------------------- recycling entries */

static void grave_push(struct perf_recon *p, uint64_t t, int32_t id, bool task)
{
	if (p->glen == p->gcap) {
		uint32_t cap = p->gcap ? 2 * p->gcap : 64;
		struct grave *g = malloc(cap * sizeof(*g));

		if (!g)
			return;   /* the entry stays: only memory is lost */
		for (uint32_t i = 0; i < p->glen; i++)
			g[i] = p->graves[(p->ghead + i) % p->gcap];
		free(p->graves);
		p->graves = g;
		p->gcap = cap;
		p->ghead = 0;
	}
	p->graves[(p->ghead + p->glen++) % p->gcap] = (struct grave){ t, id, task };
}

/* Capture time of the record being fed, + 1: dead_at 0 means alive. */
static uint64_t stamp(const struct perf_recon *p)
{
	return (p->rec ? p->rec->t_ns : 0) + 1;
}

/* emit_exit(): @pr is gone; its entry is recycled later unless its pid
 * comes back first (a fork, a reused pid: it is alive again). It keeps
 * its parent's tgid. */
void proc_dies(struct perf_recon *p, struct proc *pr)
{
	/* out of its parent's list: a shell or make forks thousands of
	 * children, and a copy-on-write of the parent visits the list
	 * (cow_copied()): the live ones only */
	kid_unlink(p, pr);
	pr->dead_at = stamp(p);
	grave_push(p, pr->dead_at, pr->tgid, false);
}

/* sched_process_exit of the task itself (any thread of a group). */
void task_dies(struct perf_recon *p, struct task *t)
{
	t->dead_at = stamp(p);
	grave_push(p, t->dead_at, t->tid, true);
}

static bool free_slot(uint32_t **slots, uint32_t *n, uint32_t *cap, uint32_t i)
{
	uint32_t *s = grow(*slots, cap, *n + 1, sizeof(**slots));

	if (!s)
		return false;
	*slots = s;
	s[(*n)++] = i;
	return true;
}

/* Out of every list: its parent's children, its own children's links
 * (they keep its tgid as their parent, as they did while it lay dead). */
static void proc_recycle(struct perf_recon *p, struct proc *pr)
{
	uint32_t i = (uint32_t)(pr - p->procs);

	if (!free_slot(&p->free_procs, &p->nfree_procs, &p->capfree_procs, i))
		return;
	kid_unlink(p, pr);
	for (uint32_t k = pr->kids; k;) {
		struct proc *c = &p->procs[k - 1];

		k = c->sib_next;
		c->sib_prev = c->sib_next = 0;
	}
	idmap_del(&p->procmap, pr->tgid);
	proc_release(pr);
	memset(pr, 0, sizeof(*pr));
}

/* A dead task's entry, unless it still holds an operation half done. */
static bool task_recycle(struct perf_recon *p, struct task *t)
{
	if (t->holding || t->in_mmap || t->forked || t->vfork_mm || t->clone_known)
		return false;
	if (!free_slot(&p->free_tasks, &p->nfree_tasks, &p->capfree_tasks,
		       (uint32_t)(t - p->tasks)))
		return true;
	idmap_del(&p->taskmap, t->tid);
	memset(t, 0, sizeof(*t));
	return true;
}

/* Recycle the entries of what died RECYCLE_NS before @now, and has not
 * come back since (its dead_at is still its grave's). Called between
 * records: no entry pointer is held across it. */
void recycle(struct perf_recon *p, uint64_t now)
{
	while (p->glen) {
		struct grave g = p->graves[p->ghead];
		struct proc *pr;
		struct task *t;

		if (g.t - 1 + RECYCLE_NS > now)
			return;
		p->ghead = (p->ghead + 1) % p->gcap;
		p->glen--;
		if (g.task) {
			t = task_find(p, g.id);
			if (t && t->dead_at == g.t && !task_recycle(p, t))
				task_dies(p, t);   /* its operation first: later */
			continue;
		}
		pr = proc_find(p, g.id);
		if (pr && pr->dead_at == g.t && pr->exited && !pr->live)
			proc_recycle(p, pr);
	}
}

void perf_recon_entries(const struct perf_recon *p, uint32_t *procs, uint32_t *tasks)
{
	*procs = p->nprocs - p->nfree_procs;
	*tasks = p->ntasks - p->nfree_tasks;
}

struct task *task_find(struct perf_recon *p, int32_t tid)
{
	uint32_t i = idmap_get(&p->taskmap, tid);

	return i == UINT32_MAX ? NULL : &p->tasks[i];
}

int32_t tgid_of(struct perf_recon *p, int32_t tid)
{
	uint32_t i = idmap_get(&p->taskmap, tid);

	return i == UINT32_MAX ? 0 : p->tasks[i].tgid;
}

/* The mirror is sorted by start and its VMAs do not overlap (maps go in
 * after the range is removed, inferred maps only fill holes): the first
 * VMA ending after @a, by a binary search without branches on the data
 * (see vma_index_after() in the kernel model). A process's faults come in
 * runs over one mapping: the previous answer is tried first, checked
 * against the array as it is now. */
uint32_t vma_first_after(const struct proc *pr, uint64_t a)
{
	const struct vma_m *b = pr->v;
	uint32_t len = pr->nv, h = pr->vhint;

	if (h < len && b[h].end > a && (!h || b[h - 1].end <= a))
		return h;
	if (!len)
		return 0;
	while (len > 1) {
		uint32_t half = len / 2;

		b += (size_t)(b[half - 1].end <= a) * half;
		len -= half;
	}
	h = (uint32_t)(b - pr->v) + (b->end <= a);
	((struct proc *)pr)->vhint = h;   /* a hint, not content */
	return h;
}

bool vma_overlaps(const struct proc *pr, uint64_t s, uint64_t e)
{
	uint32_t i = vma_first_after(pr, s);

	return i < pr->nv && pr->v[i].start < e;
}

const struct vma_m *vma_at(const struct proc *pr, uint64_t a)
{
	uint32_t i = vma_first_after(pr, a);

	return i < pr->nv && pr->v[i].start <= a ? &pr->v[i] : NULL;
}

struct vma_m *vma_at_mut(struct proc *pr, uint64_t a)
{
	uint32_t i = vma_first_after(pr, a);

	return i < pr->nv && pr->v[i].start <= a ? &pr->v[i] : NULL;
}

/* munmap() of [s, e) in the mirror: the VMAs it overlaps are found by
 * binary search and replaced by what is left of the first and the last
 * (at most two pieces), so an unmap costs O(log n + tail move). */
void mirror_remove(struct proc *pr, uint64_t s, uint64_t e)
{
	uint32_t i = vma_first_after(pr, s), j = i, npieces = 0;
	struct vma_m piece[2];

	while (j < pr->nv && pr->v[j].start < e)
		j++;
	if (i < j) {
		if (pr->v[i].start < s) {
			piece[npieces] = pr->v[i];
			piece[npieces++].end = s;
		}
		if (pr->v[j - 1].end > e) {
			piece[npieces] = pr->v[j - 1];
			piece[npieces++].start = e;
		}
		pr->v = grow(pr->v, &pr->capv, pr->nv + 1, sizeof(*pr->v));
		if (!pr->v) {
			pr->nv = 0;
			return;
		}
		memmove(&pr->v[i + npieces], &pr->v[j], (pr->nv - j) * sizeof(*pr->v));
		memcpy(&pr->v[i], piece, npieces * sizeof(*piece));
		pr->nv = pr->nv - (j - i) + npieces;
	}
	chunks_forget(pr, s, e);
	for (uint32_t k = 0; k < pr->ngibs;)
		if (pr->gibs[k] + PUD > s && pr->gibs[k] < e)
			pr->gibs[k] = pr->gibs[--pr->ngibs];
		else
			k++;
}

bool gib_linked(const struct proc *pr, uint64_t g)
{
	for (uint32_t i = 0; i < pr->ngibs; i++)
		if (pr->gibs[i] == g)
			return true;
	return false;
}

void gib_link(struct proc *pr, uint64_t g)
{
	if (!gib_linked(pr, g) && pr->ngibs < 8)
		pr->gibs[pr->ngibs++] = g;
}

void mirror_add(struct proc *pr, uint64_t s, uint64_t e, bool huge)
{
	uint32_t i;

	pr->v = grow(pr->v, &pr->capv, pr->nv + 1, sizeof(*pr->v));
	if (!pr->v) {
		pr->nv = 0;
		return;
	}
	i = vma_first_after(pr, s);   /* keep the mirror sorted */
	memmove(&pr->v[i + 1], &pr->v[i], (pr->nv - i) * sizeof(*pr->v));
	pr->v[i] = (struct vma_m){ .start = s, .end = e, .huge = huge };
	pr->nv++;
}

/* A set of pages: open addressing over 1 MiB regions, each a bitmap of
 * its 256 pages, never shrunk (a region whose pages all left stays, empty).
 * A page per slot hashed every fault to its own cache line: on a build's
 * capture, a miss for most faults (12 % of the reading thread). Faults
 * come in runs over nearby pages: one region's line serves the run, and
 * the region the previous call found is tried first. The hash mixes all
 * of the region number's bits: sets of 2 MiB-aligned chunks use it too. */
#define PS_PAGES 256u

static uint64_t ps_key(uint64_t page)
{
	return (page >> 12) / PS_PAGES + 1;
}

static uint32_t ps_bit(uint64_t page)
{
	return (uint32_t)((page >> 12) % PS_PAGES);
}

static uint32_t ps_hash(uint64_t key, uint32_t mask)
{
	return (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

/* The region holding @key, or NULL. */
static struct ps_region *ps_find(const struct pageset *ps, uint64_t key)
{
	uint32_t mask = ps->cap - 1, h;

	if (!ps->cap)
		return NULL;
	if (ps->r[ps->last].key == key)
		return &ps->r[ps->last];
	for (h = ps_hash(key, mask); ps->r[h].key; h = (h + 1) & mask)
		if (ps->r[h].key == key) {
			((struct pageset *)ps)->last = h;   /* a hint, not content */
			return &ps->r[h];
		}
	return NULL;
}

static bool ps_grow(struct pageset *ps)
{
	uint32_t cap = ps->cap ? 2 * ps->cap : 16, h;
	struct ps_region *t = calloc(cap, sizeof(*t));

	if (!t)
		return false;
	for (uint32_t i = 0; i < ps->cap; i++) {
		if (!ps->r[i].key)
			continue;
		for (h = ps_hash(ps->r[i].key, cap - 1); t[h].key; h = (h + 1) & (cap - 1))
			;
		t[h] = ps->r[i];
	}
	free(ps->r);
	ps->r = t;
	ps->cap = cap;
	ps->last = 0;
	return true;
}

void pageset_add(struct pageset *ps, uint64_t page)
{
	uint64_t key = ps_key(page);
	struct ps_region *g = ps_find(ps, key);
	uint32_t h;

	if (!g) {
		if ((ps->n + 1) * 2 > ps->cap && !ps_grow(ps))
			return;
		for (h = ps_hash(key, ps->cap - 1); ps->r[h].key; h = (h + 1) & (ps->cap - 1))
			;
		g = &ps->r[h];
		g->key = key;
		ps->last = h;
		ps->n++;
	}
	g->bits[ps_bit(page) / 64] |= 1ull << (ps_bit(page) % 64);
}

bool pageset_take(struct pageset *ps, uint64_t page)
{
	struct ps_region *g = ps_find(ps, ps_key(page));
	uint64_t m = 1ull << (ps_bit(page) % 64);

	if (!g || !(g->bits[ps_bit(page) / 64] & m))
		return false;
	g->bits[ps_bit(page) / 64] &= ~m;
	return true;
}

bool pageset_has(const struct pageset *ps, uint64_t page)
{
	const struct ps_region *g = ps_find(ps, ps_key(page));

	return g && (g->bits[ps_bit(page) / 64] >> (ps_bit(page) % 64) & 1);
}

void pageset_free(struct pageset *ps)
{
	free(ps->r);
	ps->r = NULL;
	ps->n = ps->cap = ps->last = 0;
}

/* An mm's mirror and page sets are gone: free them. */
void proc_release(struct proc *pr)
{
	free(pr->v);
	pr->v = NULL;
	pr->nv = pr->capv = 0;
	pageset_free(&pr->chunks);
	pageset_free(&pr->thp);
	pr->ngibs = 0;
	pageset_free(&pr->rd);
	pageset_free(&pr->wr);
	pageset_free(&pr->cow_done);
	pr->brk = 0;
}

/* The 2 MiB chunks of an mm where PTE tables exist, as a page set keyed
 * chunk + PAGE (a set holds no 0). */
static uint64_t chunk_key(uint64_t c)
{
	return c + PAGE;
}

void chunk_touch(struct proc *pr, uint64_t a)
{
	pageset_add(&pr->chunks, chunk_key(a & ~(PMD - 1)));
}

bool chunk_touched(const struct proc *pr, uint64_t c)
{
	return pageset_has(&pr->chunks, chunk_key(c));
}

void chunk_forget(struct proc *pr, uint64_t c)
{
	pageset_take(&pr->chunks, chunk_key(c));
}

/* A chunk collapse_next() made a THP, until unmapped or zapped. */
void chunk_mark_thp(struct proc *pr, uint64_t c)
{
	pageset_add(&pr->thp, chunk_key(c));
}

bool chunk_is_thp(const struct proc *pr, uint64_t c)
{
	return pageset_has(&pr->thp, chunk_key(c));
}

/* Every chunk of @ps overlapping [s, e): by address when the range spans
 * fewer chunks than the set has slots, else by a pass over the set. */
static void set_forget(struct pageset *ps, uint64_t s, uint64_t e)
{
	uint64_t first = s & ~(PMD - 1);

	if (!ps->n || s >= e)
		return;
	if ((e - first) / PMD < ps->cap) {
		for (uint64_t c = first; c < e; c += PMD)
			pageset_take(ps, chunk_key(c));
		return;
	}
	for (uint32_t i = 0; i < ps->cap; i++) {
		struct ps_region *g = &ps->r[i];

		for (uint32_t w = 0; g->key && w < 4; w++)
			for (uint64_t x = g->bits[w]; x; x &= x - 1) {
				uint32_t b = w * 64 + (uint32_t)__builtin_ctzll(x);
				uint64_t c = (((g->key - 1) * PS_PAGES + b) << 12) - PAGE;

				if (c + PMD > s && c < e)
					g->bits[w] &= ~(1ull << (b % 64));
			}
	}
}

/* munmap: the range's page tables go (free_pgtables), THPs with them. */
void chunks_forget(struct proc *pr, uint64_t s, uint64_t e)
{
	set_forget(&pr->chunks, s, e);
	set_forget(&pr->thp, s, e);
}

/* MADV_DONTNEED over a THP clears its PMD entry (zap_huge_pmd(), the whole
 * 2 MiB whatever part the range covers): a fault there next makes a PTE
 * table, and the chunk can be collapsed again. */
void thp_forget(struct proc *pr, uint64_t s, uint64_t e)
{
	set_forget(&pr->thp, s, e);
}
