/*
 * pgtable.c - page-table pages as objects with identity and lifetime.
 *
 * Each mm has a PGD (an array of PUD-table ids). PUD and PMD tables hold
 * child ids; PTE tables, and PMD tables of hugetlb ranges, hold leaf bits.
 * A PMD table may be linked by several mms (hugetlb PMD sharing): its links
 * say who and since when, which the paging-structure-cache model needs.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

const char *pt_level_name(enum pt_level l)
{
	switch (l) {
	case PT_PTE: return "pte";
	case PT_PMD: return "pmd";
	case PT_PUD: return "pud";
	}
	return "?";
}

struct pt_table *pt_get(struct sim *s, uint32_t id)
{
	return id ? &s->tables[id] : NULL;
}

static uint32_t pt_slot(struct sim *s)
{
	if (s->ntable_free)
		return s->table_free[--s->ntable_free];
	if (s->ntables >= s->captables) {
		uint32_t cap = s->captables ? 2 * s->captables : 64;
		struct pt_table *t = realloc(s->tables, cap * sizeof(*t));

		if (!t)
			return NO_TABLE;
		memset(t + s->captables, 0, (cap - s->captables) * sizeof(*t));
		s->tables = t;
		s->captables = cap;
	}
	return s->ntables++;
}

void pt_link_add(struct sim *s, struct pt_table *t, uint32_t mm, uint64_t now)
{
	(void)s;
	if (t->nlinks == t->caplinks) {
		uint32_t cap = t->caplinks ? 2 * t->caplinks : 2;
		struct pt_link *l = realloc(t->links, cap * sizeof(*l));

		if (!l)
			return;
		t->links = l;
		t->caplinks = cap;
	}
	t->links[t->nlinks++] = (struct pt_link){ mm, now };
}

const struct pt_link *pt_link_of(const struct pt_table *t, uint32_t mm)
{
	for (uint32_t i = 0; i < t->nlinks; i++)
		if (t->links[i].mm == mm)
			return &t->links[i];
	return NULL;
}

void pt_link_drop(struct pt_table *t, uint32_t mm)
{
	for (uint32_t i = 0; i < t->nlinks; i++) {
		if (t->links[i].mm != mm)
			continue;
		t->links[i] = t->links[--t->nlinks];
		return;
	}
}

/* A new table page (pte_alloc / pmd_alloc / pud_alloc), linked by @mm. */
uint32_t pt_alloc(struct sim *s, enum pt_level level, uint64_t base,
		  uint32_t mm, uint64_t now)
{
	uint32_t id = pt_slot(s);
	struct pt_table *t;

	if (id == NO_TABLE)
		return NO_TABLE;
	t = &s->tables[id];
	t->id = id;
	t->level = (uint8_t)level;
	t->state = PT_LIVE;
	t->nr_present = 0;
	t->base = base;
	t->nlinks = 0;
	memset(t->leaf, 0, sizeof(t->leaf));
	memset(t->dirty, 0, sizeof(t->dirty));
	if (level != PT_PTE) {
		if (!t->child)
			t->child = calloc(PTRS_PER_TABLE, sizeof(uint32_t));
		else
			memset(t->child, 0, PTRS_PER_TABLE * sizeof(uint32_t));
		if (!t->child)
			return NO_TABLE;
	}
	pt_link_add(s, t, mm, now);
	return id;
}

/* The table page goes back to the allocator (after its grace period, its
 * reuse or, for an unshared table, never: it stays with its owners). */
void pt_release(struct sim *s, uint32_t id)
{
	struct pt_table *t = pt_get(s, id);
	uint32_t *f;

	if (!t || t->state == PT_FREE_SLOT)
		return;
	t->state = PT_FREE_SLOT;
	t->nlinks = 0;
	if (s->ntable_free == s->captable_free) {
		/* doubled, not grown by one: a realloc per freed table was
		 * 1.6 % of a compare (callgrind) */
		uint32_t cap = s->captable_free ? 2 * s->captable_free : 64;

		f = realloc(s->table_free, cap * sizeof(*f));
		if (!f)
			return;
		s->table_free = f;
		s->captable_free = cap;
	}
	s->table_free[s->ntable_free++] = id;
}

/* The tables a walk of @addr in @mm goes through: PUD, PMD, PTE (0 where
 * there is none). */
void pt_walk(struct sim *s, struct mm *mm, uint64_t addr, uint32_t path[3])
{
	struct pt_table *pud, *pmd;

	path[0] = path[1] = path[2] = NO_TABLE;
	path[0] = mm->pgd[(addr >> PGDIR_SHIFT) & 511];
	pud = pt_get(s, path[0]);
	if (!pud)
		return;
	path[1] = pud->child[(addr >> PUD_SHIFT) & 511];
	pmd = pt_get(s, path[1]);
	if (!pmd)
		return;
	path[2] = pmd->child[(addr >> PMD_SHIFT) & 511];
}
