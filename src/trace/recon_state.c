/*
 * recon_state.c - what the perf reconstruction knows of each process's
 * memory: the mirror of its VMAs (sorted, searched) and sets of pages
 * (which it read, wrote, shares, and where it has page tables). The
 * entries themselves: recon_entries.c.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/recon.h"

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
	pages_forget(&pr->faulted, s, e);
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

/* Region @g's pages in [s, e) leave the set: a mask per word. */
static void region_forget(struct ps_region *g, uint64_t s, uint64_t e)
{
	uint64_t base = ((g->key - 1) * PS_PAGES) << 12, end = base + (PS_PAGES << 12);
	uint32_t b0, b1;

	if (s >= end || e <= base)
		return;
	b0 = s > base ? ps_bit(s) : 0;
	b1 = e < end ? (uint32_t)((e - base + PAGE - 1) >> 12) : PS_PAGES;
	for (uint32_t w = b0 / 64; w < 4 && w * 64 < b1; w++) {
		uint32_t lo = b0 > w * 64 ? b0 - w * 64 : 0,
			 hi = b1 < (w + 1) * 64 ? b1 - w * 64 : 64;
		uint64_t m = (hi == 64 ? ~0ull : (1ull << hi) - 1) & ~((1ull << lo) - 1);

		g->bits[w] &= ~m;
	}
}

/* The pages of [s, e) leave @ps: region by region when the range spans
 * fewer regions than the set has slots, else by a pass over the set (a
 * munmap of a TiB reservation). */
void pages_forget(struct pageset *ps, uint64_t s, uint64_t e)
{
	if (!ps->n || s >= e)
		return;
	if (ps_key(e - 1) - ps_key(s) < ps->cap) {
		for (uint64_t k = ps_key(s); k <= ps_key(e - 1); k++) {
			struct ps_region *g = ps_find(ps, k);

			if (g)
				region_forget(g, s, e);
		}
		return;
	}
	for (uint32_t i = 0; i < ps->cap; i++)
		if (ps->r[i].key)
			region_forget(&ps->r[i], s, e);
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
	pageset_free(&pr->dirty);
	pageset_free(&pr->orphan);
	pageset_free(&pr->faulted);
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
