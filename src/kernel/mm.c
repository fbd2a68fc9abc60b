/*
 * mm.c - address spaces: identity (ctx_id), mm_cpumask, VMAs, and the log of
 * recent invalidations used to judge stale TLB entries.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

/* ------------------------------------------------------------- cpumask */

bool cpumask_test(const struct cpumask *m, uint32_t cpu)
{
	return m->bits && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

void cpumask_set(struct cpumask *m, uint32_t cpu)
{
	m->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

void cpumask_clear(struct cpumask *m, uint32_t cpu)
{
	if (m->bits)
		m->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
}

/* Cost is O(words skipped): sparse masks of big machines stay cheap. */
uint32_t cpumask_next(const struct cpumask *m, uint32_t from, uint32_t ncpus)
{
	uint32_t w = from / 64;

	if (!m->bits || from >= ncpus)
		return ncpus;
	for (uint64_t word = m->bits[w] & (~0ULL << (from % 64));;) {
		if (word) {
			uint32_t c = w * 64 + (uint32_t)__builtin_ctzll(word);

			return c < ncpus ? c : ncpus;
		}
		if (++w * 64 >= ncpus)
			return ncpus;
		word = m->bits[w];
	}
}

/* cpumask_any_but(mask, cpu) < nr_cpu_ids */
bool cpumask_any_but(const struct cpumask *m, uint32_t cpu, uint32_t ncpus)
{
	for (uint32_t c = cpumask_next(m, 0, ncpus); c < ncpus;
	     c = cpumask_next(m, c + 1, ncpus))
		if (c != cpu)
			return true;
	return false;
}

/* ------------------------------------------------------------------ mm */

struct mm *mm_get(struct sim *s, uint32_t idx)
{
	return &s->mms[idx];
}

/* init_new_context(): a fresh ctx_id (never reused), tlb_gen 0, an empty
 * cpumask, and the first trim allowed one second after creation. */
static int mm_create(struct sim *s, uint32_t trace_id, uint32_t *idx)
{
	struct mm *mm;
	uint32_t i;

	if (s->nmm_free) {
		i = s->mm_free[--s->nmm_free];
	} else {
		if (s->nmms == s->capmms) {
			uint32_t cap = s->capmms ? 2 * s->capmms : 16;
			struct mm *m = realloc(s->mms, cap * sizeof(*m));

			if (!m)
				return TLBSIM_ENOMEM;
			s->mms = m;
			s->capmms = cap;
		}
		i = s->nmms++;
		memset(&s->mms[i], 0, sizeof(s->mms[i]));
	}
	mm = &s->mms[i];
	mm->in_use = true;
	mm->trace_id = trace_id;
	memset(&mm->counts, 0, sizeof(mm->counts));
	mm->counts.mm = trace_id;
	mm->ctx_id = s->next_ctx_id++;
	mm->tlb_gen = 0;
	mm->global_asid = mm->asid_transition = false;
	mm->nvmas = 0;
	mm->inval_seq = 0;
	mm->tlb_flush_pending = 0;
	memset(mm->inval, 0, sizeof(mm->inval));
	mm->next_trim = sim_now(s) + sim_second(s);
	if (!mm->cpumask.bits)
		mm->cpumask.bits = calloc((s->ncpus + 63) / 64, sizeof(uint64_t));
	else
		memset(mm->cpumask.bits, 0, (s->ncpus + 63) / 64 * sizeof(uint64_t));
	if (!mm->pgd)
		mm->pgd = calloc(PTRS_PER_TABLE, sizeof(uint32_t));
	else
		memset(mm->pgd, 0, PTRS_PER_TABLE * sizeof(uint32_t));
	if (!mm->cpumask.bits || !mm->pgd)
		return TLBSIM_ENOMEM;
	*idx = i;
	mm->named = false;
	if (!trace_id)
		return 0;
	if (tlbsim_idmap_put(&s->mm_ids, trace_id, i))
		return TLBSIM_ENOMEM;
	mm->named = true;
	return 0;
}

int mm_lookup(struct sim *s, uint32_t trace_id, bool create, uint32_t *idx)
{
	uint32_t v = trace_id ? tlbsim_idmap_get(&s->mm_ids, trace_id) : TLBSIM_IDMAP_NONE;

	if (v != TLBSIM_IDMAP_NONE) {
		*idx = v;
		return 0;
	}
	if (!create)
		return TLBSIM_EINVAL;
	return mm_create(s, trace_id, idx);
}

/*
 * The trace's `exit` names the mm for the last time: a later mention of
 * the id is a new mm (a reused PID), even while this one's teardown is
 * still in flight.
 */
void mm_unname(struct sim *s, uint32_t idx)
{
	struct mm *mm = mm_get(s, idx);

	if (tlbsim_idmap_get(&s->mm_ids, mm->trace_id) == idx)
		tlbsim_idmap_del(&s->mm_ids, mm->trace_id);
	mm->named = false;
}

/*
 * The mm's last user is gone (__mmput). Its struct stays while a CPU still
 * has it loaded (the lazy reference of mmgrab_lazy_tlb).
 */
/* With cfg.per_mm: @mm's flush counts join the result (at its end or the
 * run's), when it flushed at all. */
void mm_counts_save(struct sim *s, struct mm *mm)
{
	struct tlbsim_mm_counts *c = &mm->counts;
	void *grown;

	if (!s->cfg.per_mm || !(c->flush_local | c->flush_remote | c->remote_send_ipi))
		return;
	if (s->res.nper_mm == s->cap_per_mm) {
		size_t cap = s->cap_per_mm ? 2 * s->cap_per_mm : 64;

		if (!(grown = realloc(s->res.per_mm, cap * sizeof(*s->res.per_mm)))) {
			s->err = sim_model_error(s, "out of memory");
			return;
		}
		s->res.per_mm = grown;
		s->cap_per_mm = cap;
	}
	s->res.per_mm[s->res.nper_mm++] = *c;
	memset(c, 0, sizeof(*c));
	c->mm = mm->trace_id;
}

void mm_destroy(struct sim *s, uint32_t idx)
{
	struct mm *mm = mm_get(s, idx);
	uint32_t *grown;

	mm_counts_save(s, mm);
	mm_unname(s, idx);
	mm->in_use = false;
	mm->nvmas = 0;
	for (uint32_t c = 0; c < s->ncpus; c++)
		if (s->cpus[c].loaded_mm == idx)
			return;
	grown = realloc(s->mm_free, (s->nmm_free + 1) * sizeof(uint32_t));
	if (!grown)
		return;   /* the slot is not reused: only memory is lost */
	s->mm_free = grown;
	s->mm_free[s->nmm_free++] = idx;
}

/* ---------------------------------------------------------------- VMAs */

/* The first VMA ending above @addr (mm->nvmas if none): a binary search
 * without branches on the data, which a touch's random addresses would
 * mispredict at every step. Accesses come in runs over one VMA (a fault's
 * pages, a zap's range), and return to the VMAs touched before: the last
 * answer for the address's 2 MiB region (one of 64 hints) is tried first
 * (3 % more events/s than one hint on bench/run.sh's trace). Any index is
 * checked against the array as it is now, so the hints need no care when
 * VMAs come and go. */
uint32_t vma_index_after(struct mm *mm, uint64_t addr)
{
	const uint64_t *e = mm->vend, *b = e;
	uint32_t len = mm->nvmas, *hint = &mm->vma_hint[(addr >> PMD_SHIFT) % 64];
	uint32_t h = *hint;

	if (h < len && e[h] > addr && (!h || e[h - 1] <= addr))
		return h;
	/* a VMA mapped or unmapped below since moved the answer by one: in
	 * the captures' mix (a map or munmap in ten events) most touches
	 * found their hint one off, and searched */
	if (h + 1 < len && e[h + 1] > addr && e[h] <= addr)
		return *hint = h + 1;
	if (h && h - 1 < len && e[h - 1] > addr && (h == 1 || e[h - 2] <= addr))
		return *hint = h - 1;
	if (!len)
		return 0;
	/* over the packed ends, not the VMAs: a third of the cache lines,
	 * the last steps of the search within one */
	while (len > 1) {
		uint32_t half = len / 2;

		/* a product, not a ?: the compiler made that a branch, which
		 * mispredicted half the time (cachegrind --branch-sim) */
		b += (size_t)(b[half - 1] <= addr) * half;
		len -= half;
	}
	h = (uint32_t)(b - e) + (*b <= addr);
	*hint = h;
	return h;
}

const struct vma *vma_find(struct mm *mm, uint64_t addr)
{
	uint32_t i = vma_index_after(mm, addr);

	if (i < mm->nvmas && mm->vmas[i].start <= addr)
		return &mm->vmas[i];
	return NULL;
}

bool vma_intersects(struct mm *mm, uint64_t start, uint64_t end)
{
	uint32_t i = vma_index_after(mm, start);

	return i < mm->nvmas && mm->vmas[i].start < end;
}

/* Room for @n VMAs in both arrays. */
static int vma_reserve(struct mm *mm, uint32_t n)
{
	uint32_t cap = mm->capvmas ? mm->capvmas : 8;
	struct vma *v;
	uint64_t *e;

	if (n <= mm->capvmas)
		return 0;
	while (cap < n)
		cap *= 2;
	if (!(v = realloc(mm->vmas, cap * sizeof(*v))))
		return TLBSIM_ENOMEM;
	mm->vmas = v;
	if (!(e = realloc(mm->vend, cap * sizeof(*e))))
		return TLBSIM_ENOMEM;
	mm->vend = e;
	mm->capvmas = cap;
	return 0;
}

int vma_add(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
	    bool hugetlb, bool shared)
{
	uint32_t i;

	(void)s;
	if (vma_intersects(mm, start, end))
		return TLBSIM_EMODEL;
	if (vma_reserve(mm, mm->nvmas + 1))
		return TLBSIM_ENOMEM;
	i = vma_index_after(mm, start);   /* nothing overlaps: the sorted place */
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nvmas - i) * sizeof(struct vma));
	memmove(&mm->vend[i + 1], &mm->vend[i], (mm->nvmas - i) * sizeof(uint64_t));
	mm->vmas[i] = (struct vma){ start, end, hugetlb, shared };
	mm->vend[i] = end;
	mm->nvmas++;
	return 0;
}

/* Remove [start, end) from the VMAs, splitting one that straddles it
 * (__split_vma + vms_gather_munmap_vmas). The VMAs it overlaps are found
 * by binary search and replaced by what is left of the first and the last:
 * at most two pieces, so a hole punched in one VMA grows the array by one
 * (munmaps that only punch holes, one after another, grow it each time). */
int vma_remove(struct mm *mm, uint64_t start, uint64_t end)
{
	uint32_t i = vma_index_after(mm, start), j = i, npieces = 0;
	struct vma *v = mm->vmas, piece[2];

	while (j < mm->nvmas && v[j].start < end)
		j++;
	if (i == j)
		return 0;
	if (v[i].start < start)
		piece[npieces++] = (struct vma){ v[i].start, start, v[i].hugetlb,
						 v[i].shared };
	if (v[j - 1].end > end)
		piece[npieces++] = (struct vma){ end, v[j - 1].end, v[j - 1].hugetlb,
						 v[j - 1].shared };
	if (vma_reserve(mm, mm->nvmas - (j - i) + npieces))
		return TLBSIM_ENOMEM;
	v = mm->vmas;
	memmove(&v[i + npieces], &v[j], (mm->nvmas - j) * sizeof(*v));
	memmove(&mm->vend[i + npieces], &mm->vend[j], (mm->nvmas - j) * sizeof(uint64_t));
	memcpy(&v[i], piece, npieces * sizeof(*piece));
	for (uint32_t k = 0; k < npieces; k++)
		mm->vend[i + k] = piece[k].end;
	mm->nvmas = mm->nvmas - (j - i) + npieces;
	return 0;
}

/* ------------------------------------------------------- invalidations */

/* An operation is about to remove translations in [start, end). */
uint64_t inval_begin(struct mm *mm, uint64_t start, uint64_t end,
		     const struct tlbsim_trace_event *ev)
{
	struct inval *iv = &mm->inval[++mm->inval_seq % INVAL_RING];

	iv->seq = mm->inval_seq;
	iv->start = start;
	iv->end = end;
	iv->done = NEVER;
	iv->t = ev ? ev->t : 0;
	iv->cpu = ev ? ev->cpu : 0;
	iv->ev = ev ? ev->kind : 0;
	return iv->seq;
}

/* Its flush completed at @cycle (tlb_flush_mmu_tlbonly returned). */
void inval_done(struct mm *mm, uint64_t seq, uint64_t cycle)
{
	struct inval *iv = &mm->inval[seq % INVAL_RING];

	if (seq && iv->seq == seq)
		iv->done = cycle;
}
