/*
 * idmap.c - the id map (tlbsim/idmap.h): growth by doubling, deletion by
 * backward shift.
 */
#include <stdlib.h>
#include <string.h>

#include "tlbsim/error.h"
#include "tlbsim/idmap.h"

static int idmap_grow(struct tlbsim_idmap *m)
{
	struct tlbsim_idmap g = { NULL, NULL, m->cap ? 2 * m->cap : 64, 0 };

	g.keys = malloc(g.cap * sizeof(*g.keys));
	g.vals = malloc(g.cap * sizeof(*g.vals));
	if (!g.keys || !g.vals) {
		free(g.keys);
		free(g.vals);
		return TLBSIM_ENOMEM;
	}
	memset(g.vals, 0xff, g.cap * sizeof(*g.vals));
	for (uint32_t i = 0; i < m->cap; i++)
		if (m->vals[i] != TLBSIM_IDMAP_NONE) {
			uint32_t j = tlbsim_idmap_slot(&g, m->keys[i]);

			g.keys[j] = m->keys[i];
			g.vals[j] = m->vals[i];
			g.n++;
		}
	free(m->keys);
	free(m->vals);
	*m = g;
	return 0;
}

int tlbsim_idmap_put(struct tlbsim_idmap *m, uint32_t k, uint32_t v)
{
	uint32_t i;

	if (2 * (m->n + 1) > m->cap && idmap_grow(m))
		return TLBSIM_ENOMEM;
	i = tlbsim_idmap_slot(m, k);
	if (m->vals[i] == TLBSIM_IDMAP_NONE)
		m->n++;
	m->keys[i] = k;
	m->vals[i] = v;
	return 0;
}

/* The entries after @k's in its run move back into the hole when their
 * home slot allows. */
void tlbsim_idmap_del(struct tlbsim_idmap *m, uint32_t k)
{
	uint32_t mask = m->cap - 1, i, j;

	if (!m->cap || m->vals[i = tlbsim_idmap_slot(m, k)] == TLBSIM_IDMAP_NONE)
		return;
	m->n--;
	for (j = i;;) {
		m->vals[i] = TLBSIM_IDMAP_NONE;
		for (;;) {
			uint32_t home;

			j = (j + 1) & mask;
			if (m->vals[j] == TLBSIM_IDMAP_NONE)
				return;
			home = (m->keys[j] * 2654435761u) & mask;
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

void tlbsim_idmap_free(struct tlbsim_idmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = m->vals = NULL;
	m->cap = m->n = 0;
}
