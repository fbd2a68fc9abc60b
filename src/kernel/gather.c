/*
 * gather.c - what the trace's memory operations do to page tables, collected
 * into an mmu_gather: the range and levels cleared (the stride), the tables
 * unlinked, and the freed_tables / unshared_tables flags.
 * (include/asm-generic/tlb.h, mm/memory.c, mm/hugetlb.c, mm/khugepaged.c)
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

/* ------------------------------------------------------- mmu_gather */

/* tlb_gather_mmu() / __tlb_reset_range() */
void gather_init(struct gather *g, uint32_t mm, bool fullmm)
{
	memset(g, 0, sizeof(*g));
	g->mm = mm;
	g->start = NEVER;
	g->end = 0;
	g->fullmm = fullmm;
}

/* tlb_flush_{pte,pmd,pud,p4d}_range(): widen the range, note the level
 * (1 = PTE ... 4 = P4D) for tlb_get_unmap_shift(). */
void gather_adjust(struct gather *g, uint64_t start, uint64_t size, int level)
{
	if (start < g->start)
		g->start = start;
	if (start + size > g->end)
		g->end = start + size;
	g->cleared |= (uint8_t)(1u << level);
	g->tail_flushed = false;
}

/* tlb_flush_mmu_tlbonly() returns early unless one of these is set. */
bool gather_needs_flush(const struct gather *g)
{
	return g->split || g->freed_tables || g->cleared || g->unshared_tables;
}

/* tlb_get_unmap_shift(): the smallest level cleared decides the stride. */
uint8_t cleared_stride(uint8_t cleared)
{
	if (cleared & (1u << 1))
		return PAGE_SHIFT;
	if (cleared & (1u << 2))
		return PMD_SHIFT;
	if (cleared & (1u << 3))
		return PUD_SHIFT;
	if (cleared & (1u << 4))
		return PGDIR_SHIFT;
	return PAGE_SHIFT;
}

uint8_t gather_stride(const struct gather *g)
{
	return cleared_stride(g->cleared);
}

/* Remember that @mm no longer links @t, for the hazard checker. */
int gather_unlink(struct sim *s, struct gather *g, struct pt_table *t,
		  uint32_t mm)
{
	const struct pt_link *pl = pt_link_of(t, mm);
	struct dead_link *l;

	if (g->nlinks == g->caplinks) {
		uint32_t cap = g->caplinks ? 2 * g->caplinks : 8;
		struct dead_link *n = realloc(g->links, cap * sizeof(*n));

		if (!n)
			return TLBSIM_ENOMEM;
		g->links = n;
		g->caplinks = cap;
	}
	l = &g->links[g->nlinks++];
	memset(l, 0, sizeof(*l));
	l->table = t->id;
	l->level = t->level;
	l->ev = s->cur ? s->cur->kind : TLBSIM_EV_EXIT;
	l->mm = mm;
	l->mm_trace_id = mm_get(s, mm)->trace_id;
	l->ctx_id = mm_get(s, mm)->ctx_id;
	l->cpu = s->cur ? s->cur->cpu : 0;
	l->base = t->base;
	l->linked_at = pl ? pl->linked_at : 0;
	l->unlinked_at = sim_now(s);
	l->t = s->cur ? s->cur->t : s->last_t;
	pt_link_drop(t, mm);
	if (!t->nlinks)
		t->state = PT_UNLINKED;
	return 0;
}

/* ------------------------------------------------- table helpers */

uint32_t *pud_slot(struct sim *s, struct mm *mm, uint64_t addr)
{
	(void)s;
	return &mm->pgd[(addr >> PGDIR_SHIFT) & 511];
}

/* ensure_child()'s allocation (pud_alloc, pmd_alloc, pte_alloc): the
 * child table at @idx of @parent (at @pgd_slot when 0), missing until now.
 * 0 on allocation failure. */
uint32_t child_alloc(struct sim *s, uint32_t parent, uint32_t *pgd_slot,
		     unsigned idx, enum pt_level level, uint64_t base, uint32_t mm)
{
	uint32_t id = pt_alloc(s, level, base, mm, sim_now(s));

	if (!id)
		return NO_TABLE;
	/* pt_alloc may move the pool: index again */
	if (parent)
		s->tables[parent].child[idx] = id;
	else
		*pgd_slot = id;
	return id;
}

/* -------------------------------------------------- clearing entries */

enum clear_mode { CLEAR_ENTRIES, CHANGE_PROT };

/* huge_pmd_unshare(): if @mm's PMD table at the 1 GiB @addr is shared,
 * clear @mm's PUD entry (tlb_unshare_pmd_ptdesc): range PUD_SIZE at PMD
 * level, unshared_tables, and fully_unshared_tables when one user is left. */
int gather_unshare(struct sim *s, struct mm *mm, uint64_t addr,
		   struct gather *g, bool *was_shared)
{
	uint32_t path[3], mmi = (uint32_t)(mm - s->mms);
	struct pt_table *pmd;
	int err;

	*was_shared = false;
	pt_walk(s, mm, addr, path);
	pmd = pt_get(s, path[1]);
	if (!pmd || pmd->nlinks < 2)
		return 0;
	s->tables[path[0]].child[(addr >> PUD_SHIFT) & 511] = NO_TABLE;
	err = gather_unlink(s, g, pmd, mmi);
	if (err)
		return err;
	gather_adjust(g, addr & ~(PUD_SIZE - 1), PUD_SIZE, 2);
	g->unshared_tables = true;
	if (pmd->nlinks == 1)
		g->fully_unshared_tables = true;
	*was_shared = true;
	return 0;
}

/* zap_huge_pmd-like clearing of 2 MiB leaves in one PMD table. */
static void clear_pmd_leaves(struct pt_table *pmd, uint64_t lo, uint64_t hi,
			     enum clear_mode mode, struct gather *g)
{
	for (uint64_t a = lo & ~(PMD_SIZE - 1); a < hi; a += PMD_SIZE) {
		unsigned i = (a >> PMD_SHIFT) & 511;

		if (!leaf_test(pmd, i))
			continue;
		if (mode == CLEAR_ENTRIES) {
			leaf_clear(pmd, i);
			g->freed_pages++;   /* one folio */
		}
		gather_adjust(g, a, PMD_SIZE, 2); /* tlb_remove_huge_tlb_entry */
	}
}

/* Word @w of @pte's leaf bitmap, only the entries in [first, last). */
static uint64_t leaf_word(const struct pt_table *pte, unsigned w, unsigned first,
			  unsigned last)
{
	uint64_t bits = pte->leaf[w];

	if (w == first / 64)
		bits &= ~0ULL << (first % 64);
	if ((w + 1) * 64 > last)
		bits &= ~0ULL >> (64 - (last - w * 64));
	return bits;
}

/* zap_pte_range(): each present PTE cleared is one page of range, which
 * tlb_remove_tlb_entry() adds to the gather. The present entries of
 * [lo, hi) within one PTE table (lo and hi in the same 2 MiB), a word of
 * the leaf bitmap at a time, all of a word's cleared at once (a loop
 * over each bit branched on data: cachegrind --branch-sim); the range
 * grows to the first and last present entries. A dirty page-cache page among them
 * (zap_present_folio_ptes(): not anon, pte_dirty, tlb_delay_rmap()) sets
 * force_flush: the TLB is flushed at the table's end, before the page
 * table lock is dropped and the rmap removed (tlb_flush_mmu_tlbonly()). */
POPCNT_CLONES static void clear_ptes(struct pt_table *pte, uint64_t lo, uint64_t hi,
		       enum clear_mode mode, struct gather *g)
{
	uint64_t base = lo & ~(PMD_SIZE - 1);
	unsigned first = (unsigned)((lo - base) >> PAGE_SHIFT);
	unsigned last = (unsigned)((hi - base + PAGE_SIZE - 1) >> PAGE_SHIFT); /* excl. */
	unsigned w0 = first / 64, w1 = (last - 1) / 64, low = UINT_MAX, high = 0;
	uint64_t dirty = 0;

	if (last <= first)
		return;
	for (unsigned w = w0; w <= w1; w++) {
		uint64_t bits = pte->leaf[w];

		if (w == w0)
			bits &= ~0ULL << (first % 64);
		if (w == w1)
			bits &= ~0ULL >> (63 - (last - 1) % 64);
		if (!bits)
			continue;
		if (low == UINT_MAX)
			low = w * 64 + (unsigned)__builtin_ctzll(bits);
		high = w * 64 + 63 - (unsigned)__builtin_clzll(bits);
		if (mode == CLEAR_ENTRIES) {
			g->freed_pages += popcount64(bits);
			pte->leaf[w] &= ~bits;
			dirty |= pte->dirty[w] & bits;
			pte->dirty[w] &= ~bits;
		}
	}
	if (low == UINT_MAX)
		return;
	/* the range grown once to the first and last entries found: the
	 * same as growing it word by word */
	gather_adjust(g, base + ((uint64_t)low << PAGE_SHIFT), PAGE_SIZE, 1);
	gather_adjust(g, base + ((uint64_t)high << PAGE_SHIFT), PAGE_SIZE, 1);
	if (dirty) {
		g->dirty_flushes++;
		g->tail_flushed = true;
	}
}

static int clear_hugetlb(struct sim *s, struct mm *mm, uint64_t lo,
			 uint64_t hi, enum clear_mode mode, struct gather *g)
{
	for (uint64_t chunk = lo & ~(PUD_SIZE - 1); chunk < hi; chunk += PUD_SIZE) {
		uint64_t a = chunk > lo ? chunk : lo;
		uint64_t b = chunk + PUD_SIZE < hi ? chunk + PUD_SIZE : hi;
		uint32_t path[3];
		bool shared;
		int err;

		/* __unmap_hugepage_range / hugetlb_change_protection unshare a
		 * shared PMD table instead of touching its entries. */
		err = gather_unshare(s, mm, chunk, g, &shared);
		if (err)
			return err;
		if (shared)
			continue;
		pt_walk(s, mm, chunk, path);
		if (path[1])
			clear_pmd_leaves(pt_get(s, path[1]), a, b, mode, g);
	}
	return 0;
}

static void clear_normal(struct sim *s, struct mm *mm, uint64_t lo,
			 uint64_t hi, enum clear_mode mode, struct gather *g)
{
	for (uint64_t reg = lo & ~(PMD_SIZE - 1); reg < hi; reg += PMD_SIZE) {
		uint64_t a = reg > lo ? reg : lo;
		uint64_t b = reg + PMD_SIZE < hi ? reg + PMD_SIZE : hi;
		uint32_t path[3];
		struct pt_table *pmd;

		pt_walk(s, mm, reg, path);
		/* no PUD or PMD table: nothing present below it, skip it whole
		 * (a huge range costs what its tables hold, not its size) */
		if (!path[0]) {
			reg = (reg & ~(PGDIR_SIZE - 1)) + PGDIR_SIZE - PMD_SIZE;
			continue;
		}
		pmd = pt_get(s, path[1]);
		if (!pmd) {
			reg = (reg & ~(PUD_SIZE - 1)) + PUD_SIZE - PMD_SIZE;
			continue;
		}
		if (leaf_test(pmd, (reg >> PMD_SHIFT) & 511)) {
			/* a THP from collapse (zap_huge_pmd) */
			clear_pmd_leaves(pmd, reg, reg + 1, mode, g);
			continue;
		}
		if (path[2])
			clear_ptes(pt_get(s, path[2]), a, b, mode, g);
	}
}

/* unmap_vmas() / change_protection() over [start, end). */
static int clear_range(struct sim *s, struct mm *mm, uint64_t start,
		       uint64_t end, enum clear_mode mode, struct gather *g)
{
	/* the VMAs are sorted: from the first that ends above @start to the
	 * last that begins below @end */
	for (uint32_t i = vma_index_after(mm, start);
	     i < mm->nvmas && mm->vmas[i].start < end; i++) {
		const struct vma v = mm->vmas[i];
		uint64_t lo = v.start > start ? v.start : start;
		uint64_t hi = v.end < end ? v.end : end;
		int err;

		if (lo >= hi)
			continue;
		if (v.hugetlb) {
			err = clear_hugetlb(s, mm, lo, hi, mode, g);
			if (err)
				return err;
		} else {
			clear_normal(s, mm, lo, hi, mode, g);
		}
	}
	return 0;
}

/* The present translations an unmap/zap/protect of [start, end) will
 * visit, without touching them: what its walk costs (zap_pte_range() and
 * the page frees behind it are per present page). A 2 MiB leaf counts one. */
POPCNT_CLONES uint64_t gather_count_present(struct sim *s, struct mm *mm, uint64_t start,
					    uint64_t end)
{
	uint64_t n = 0;

	for (uint32_t i = vma_index_after(mm, start);
	     i < mm->nvmas && mm->vmas[i].start < end; i++) {
		uint64_t lo = mm->vmas[i].start > start ? mm->vmas[i].start : start;
		uint64_t hi = mm->vmas[i].end < end ? mm->vmas[i].end : end;

		for (uint64_t reg = lo & ~(PMD_SIZE - 1); reg < hi; reg += PMD_SIZE) {
			uint64_t a = reg > lo ? reg : lo, b = reg + PMD_SIZE < hi ? reg + PMD_SIZE : hi;
			uint32_t path[3];
			const struct pt_table *pmd, *pte;
			unsigned first, last;

			pt_walk(s, mm, reg, path);
			if (!path[0]) {
				reg = (reg & ~(PGDIR_SIZE - 1)) + PGDIR_SIZE - PMD_SIZE;
				continue;
			}
			if (!(pmd = pt_get(s, path[1])) ||
			    (mm->vmas[i].hugetlb && pmd->nlinks > 1)) {
				/* none, or a shared hugetlb PMD table: unshared
				 * with one PUD entry (huge_pmd_unshare), not walked */
				reg = (reg & ~(PUD_SIZE - 1)) + PUD_SIZE - PMD_SIZE;
				continue;
			}
			if (leaf_test(pmd, (reg >> PMD_SHIFT) & 511)) {
				n++;
				continue;
			}
			if (!(pte = pt_get(s, path[2])))
				continue;
			first = (unsigned)((a - reg) >> PAGE_SHIFT);
			last = (unsigned)((b - reg + PAGE_SIZE - 1) >> PAGE_SHIFT);
			for (unsigned w = first / 64; w * 64 < last; w++)
				n += popcount64(leaf_word(pte, w, first, last));
		}
	}
	return n;
}

/* ------------------------------------------------------ free_pgtables */

/* The first index in [i, end) of a set entry of @child, or @end: empty
 * entries are passed eight at a time (an exit's walk went entry by entry
 * over thousands of empty ones: a tenth of a compare in the captures'
 * mix, callgrind). */
static unsigned next_child(const uint32_t *child, unsigned i, unsigned end)
{
	for (; i < end && i % 8; i++)
		if (child[i])
			return i;
	for (; i + 8 <= end; i += 8) {
		uint64_t w[4];

		memcpy(w, child + i, sizeof(w));
		if (w[0] | w[1] | w[2] | w[3])
			break;
	}
	for (; i < end; i++)
		if (child[i])
			return i;
	return end;
}

static int unlink_subtree(struct sim *s, struct gather *g, uint32_t id,
			  uint32_t mmi)
{
	struct pt_table *t = pt_get(s, id);
	int err;

	if (t->level != PT_PTE) {
		for (unsigned i = next_child(t->child, 0, PTRS_PER_TABLE);
		     i < PTRS_PER_TABLE;
		     i = next_child(s->tables[id].child, i + 1, PTRS_PER_TABLE)) {
			uint32_t child = s->tables[id].child[i];

			s->tables[id].child[i] = NO_TABLE;
			/* a shared PMD table is not ours to free */
			if (s->tables[child].nlinks > 1) {
				pt_link_drop(&s->tables[child], mmi);
				continue;
			}
			err = unlink_subtree(s, g, child, mmi);
			if (err)
				return err;
		}
	}
	g->freed_tables = true;
	return gather_unlink(s, g, &s->tables[id], mmi);
}

/*
 * free_pgtables() / free_pgd_range(): a table is freed when no VMA is left
 * in the span it covers (the kernel's floor/ceiling arithmetic). Each freed
 * table adds a page of range one level up (pte_free_tlb & co.).
 */
static int free_pgtables(struct sim *s, struct mm *mm, uint64_t start,
			 uint64_t end, struct gather *g)
{
	uint32_t mmi = (uint32_t)(mm - s->mms);
	int err;

	for (uint64_t pb = start & ~(PGDIR_SIZE - 1); pb < end; pb += PGDIR_SIZE) {
		uint32_t *slot = pud_slot(s, mm, pb), pud = *slot;

		if (!pud) {
			/* to the next present PGD entry, eight empty ones at a
			 * time: an exit spans 256 of them, most empty */
			unsigned i = (unsigned)((pb >> PGDIR_SHIFT) & 511);

			pb += (uint64_t)(next_child(mm->pgd, i + 1, PTRS_PER_TABLE) - i - 1) *
			      PGDIR_SIZE;
			continue;
		}
		/* the PUD entries [mlo, mhi) the range covers, the present ones */
		uint64_t m0 = pb > (start & ~(PUD_SIZE - 1)) ? pb : (start & ~(PUD_SIZE - 1));
		uint64_t mlim = end < pb + PGDIR_SIZE ? end : pb + PGDIR_SIZE;
		unsigned mlo = (unsigned)((m0 - pb) >> PUD_SHIFT);
		unsigned mhi = m0 < mlim ? (unsigned)((mlim - pb + PUD_SIZE - 1) >> PUD_SHIFT) : mlo;

		for (unsigned mi = next_child(s->tables[pud].child, mlo, mhi); mi < mhi;
		     mi = next_child(s->tables[pud].child, mi + 1, mhi)) {
			uint64_t mb = pb + ((uint64_t)mi << PUD_SHIFT);
			uint32_t pmd = s->tables[pud].child[mi];
			uint64_t t0 = mb > (start & ~(PMD_SIZE - 1)) ? mb : (start & ~(PMD_SIZE - 1));
			uint64_t tlim = end < mb + PUD_SIZE ? end : mb + PUD_SIZE;
			unsigned tlo = (unsigned)((t0 - mb) >> PMD_SHIFT);
			unsigned thi = t0 < tlim ? (unsigned)((tlim - mb + PMD_SIZE - 1) >> PMD_SHIFT) : tlo;

			if (s->tables[pmd].nlinks > 1)
				continue;
			for (unsigned ti = next_child(s->tables[pmd].child, tlo, thi); ti < thi;
			     ti = next_child(s->tables[pmd].child, ti + 1, thi)) {
				uint64_t tb = mb + ((uint64_t)ti << PMD_SHIFT);
				uint32_t pte = s->tables[pmd].child[ti];

				if (vma_intersects(mm, tb, tb + PMD_SIZE))
					continue;
				s->tables[pmd].child[ti] = NO_TABLE;
				g->freed_tables = true;
				gather_adjust(g, tb, PAGE_SIZE, 2); /* pte_free_tlb */
				err = gather_unlink(s, g, &s->tables[pte], mmi);
				if (err)
					return err;
			}
			if (vma_intersects(mm, mb, mb + PUD_SIZE))
				continue;
			s->tables[pud].child[mi] = NO_TABLE;
			gather_adjust(g, mb, PAGE_SIZE, 3); /* pmd_free_tlb */
			err = unlink_subtree(s, g, pmd, mmi);
			if (err)
				return err;
		}
		if (vma_intersects(mm, pb, pb + PGDIR_SIZE))
			continue;
		*slot = NO_TABLE;
		gather_adjust(g, pb, PAGE_SIZE, 4); /* pud_free_tlb */
		err = unlink_subtree(s, g, pud, mmi);
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------- the trace's verbs */

/* munmap: unmap_region() = unmap_vmas + free_pgtables in one gather. */
int gather_unmap(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
		 struct gather *g)
{
	int err = clear_range(s, mm, start, end, CLEAR_ENTRIES, g);

	if (err)
		return err;
	if (g->unshared_tables && !g->fullmm) {
		/* __unmap_hugepage_range() flushes what it unshared before it
		 * drops i_mmap_rwsem (tlb_flush_mmu_tlbonly, then the sync when
		 * fully unshared), which resets the range (__tlb_reset_range):
		 * free_pgtables() gathers for a flush of its own. A captured
		 * munmap of a shared hugetlb GiB: pages:-1, the sync IPI, then
		 * pages:0 for the PUD table freed (stride 2^39). */
		g->split = true;
		g->unshare_start = g->start;
		g->unshare_end = g->end;
		g->unshare_cleared = g->cleared;
		g->start = NEVER;
		g->end = 0;
		g->cleared = 0;
		g->unshared_tables = false;
	}
	if ((err = vma_remove(mm, start, end)))
		return err;
	return free_pgtables(s, mm, start, end, g);
}


/* MADV_DONTNEED (zap_page_range_single): entries cleared, tables stay. */
int gather_zap(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
	       struct gather *g)
{
	return clear_range(s, mm, start, end, CLEAR_ENTRIES, g);
}

/* mprotect (change_protection with an mmu_gather): entries change. */
int gather_protect(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
		   struct gather *g)
{
	return clear_range(s, mm, start, end, CHANGE_PROT, g);
}

/* exit_mmap(): a fullmm gather over everything. */
int gather_exit(struct sim *s, struct mm *mm, struct gather *g)
{
	return gather_unmap(s, mm, 0, USER_TOP, g);
}

/* huge_pmd_share(): @mm's PUD entry at @addr points to @with's PMD table. */
int pt_share(struct sim *s, struct mm *mm, struct mm *with, uint64_t addr)
{
	uint32_t mpath[3], wpath[3], mmi = (uint32_t)(mm - s->mms), pud;
	const struct vma *a = vma_find(mm, addr), *b = vma_find(with, addr);

	if (!a || !a->hugetlb || a->start > addr || a->end < addr + PUD_SIZE)
		return sim_model_error(s, "share: mm %u has no hugetlb mapping covering "
			"[0x%llx, +1 GiB)", mm->trace_id, (unsigned long long)addr);
	if (!b || !b->hugetlb || b->start > addr || b->end < addr + PUD_SIZE)
		return sim_model_error(s, "share: mm %u has no hugetlb mapping covering "
			"[0x%llx, +1 GiB)", with->trace_id, (unsigned long long)addr);
	pt_walk(s, with, addr, wpath);
	if (!wpath[1])
		return sim_model_error(s, "share: mm %u has no PMD table at 0x%llx "
			"(touch it first)", with->trace_id, (unsigned long long)addr);
	pt_walk(s, mm, addr, mpath);
	if (mpath[1])
		return sim_model_error(s, "share: mm %u already has a PMD table at 0x%llx",
			mm->trace_id, (unsigned long long)addr);
	pud = ensure_child(s, 0, pud_slot(s, mm, addr), 0, PT_PUD,
			   addr & ~(PGDIR_SIZE - 1), mmi);
	if (!pud)
		return TLBSIM_ENOMEM;
	s->tables[pud].child[(addr >> PUD_SHIFT) & 511] = wpath[1];
	pt_link_add(s, &s->tables[wpath[1]], mmi, sim_now(s));
	return 0;
}

/* collapse_huge_page(): detach the PTE table under the 2 MiB @addr
 * (pmdp_collapse_flush clears the PMD entry) and install a huge leaf. */
int pt_collapse(struct sim *s, struct mm *mm, uint64_t addr, uint32_t *pte)
{
	uint32_t path[3];
	const struct vma *v = vma_find(mm, addr);

	pt_walk(s, mm, addr, path);
	if (!v || v->hugetlb || v->start > addr || v->end < addr + PMD_SIZE)
		return sim_model_error(s, "collapse: mm %u has no (non-hugetlb) mapping "
			"covering [0x%llx, +2 MiB)", mm->trace_id, (unsigned long long)addr);
	if (!path[2])
		return sim_model_error(s, "collapse: mm %u has no PTE table at 0x%llx "
			"(touch the range first)", mm->trace_id, (unsigned long long)addr);
	s->tables[path[1]].child[(addr >> PMD_SHIFT) & 511] = NO_TABLE;
	leaf_set(&s->tables[path[1]], (addr >> PMD_SHIFT) & 511);
	*pte = path[2];
	return 0;
}
