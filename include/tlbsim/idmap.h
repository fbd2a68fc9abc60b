/*
 * idmap.h - a map from 32-bit ids (pids, a trace's mm ids) to 32-bit
 * values (an index into the user's array): open addressing with linear
 * probing, at most half full, deletion by backward shift. No tombstones:
 * a long capture's churn of pids does not slow its lookups.
 *
 * Its users embed it (a lookup per event must not chase a pointer first);
 * its fields are its own. A zeroed map is empty. Part of the engine
 * module: the model and the readers both use it.
 */
#ifndef TLBSIM_IDMAP_H
#define TLBSIM_IDMAP_H

#include <stdint.h>

#define TLBSIM_IDMAP_NONE UINT32_MAX

struct tlbsim_idmap {
	uint32_t *keys;
	uint32_t *vals;     /* TLBSIM_IDMAP_NONE: an empty slot */
	uint32_t cap, n;
};

/* The slot of @k, or the empty one where it would go (cap > 0). */
static inline uint32_t tlbsim_idmap_slot(const struct tlbsim_idmap *m, uint32_t k)
{
	uint32_t i = (k * 2654435761u) & (m->cap - 1);

	while (m->vals[i] != TLBSIM_IDMAP_NONE && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The value of @k, or TLBSIM_IDMAP_NONE. */
static inline uint32_t tlbsim_idmap_get(const struct tlbsim_idmap *m, uint32_t k)
{
	return m->cap ? m->vals[tlbsim_idmap_slot(m, k)] : TLBSIM_IDMAP_NONE;
}

/* @k now maps to @v (not TLBSIM_IDMAP_NONE), replacing what it did: 0, or
 * TLBSIM_ENOMEM with the map unchanged. */
int tlbsim_idmap_put(struct tlbsim_idmap *m, uint32_t k, uint32_t v);
/* @k maps to nothing (absent already: nothing happens). */
void tlbsim_idmap_del(struct tlbsim_idmap *m, uint32_t k);
void tlbsim_idmap_free(struct tlbsim_idmap *m);

#endif
