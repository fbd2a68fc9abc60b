/*
 * remap.c - a `remap`: mremap() moving a range to another place
 * (mm/mremap.c: move_vma(), move_page_tables()), its present entries set
 * at the new place and the old range unmapped into an mmu_gather.
 */
#include <string.h>

#include "kernel/internal.h"

/* What the walk of the old range carries: the run of present pages it
 * has found and not yet moved, [lo, hi), and where the range goes. */
struct remap_walk {
	uint64_t start, to;    /* the old range's start, the new one's */
	uint64_t lo, hi;       /* the run (empty: lo == hi) */
	uint64_t moved;        /* pages moved so far */
};

/* The run made present at its new place (move_ptes()). */
static int move_run(struct sim *s, struct mm *mm, struct remap_walk *w)
{
	if (w->lo == w->hi)
		return 0;
	w->moved += (w->hi - w->lo) / PAGE_SIZE;
	return pt_populate(s, mm, w->to + (w->lo - w->start), w->to + (w->hi - w->start));
}

/* Present pages [a, b): the run goes on when they follow it; otherwise
 * it is moved and they begin the next. */
static int take_present(struct sim *s, struct mm *mm, struct remap_walk *w,
			uint64_t a, uint64_t b)
{
	int err = 0;

	if (w->hi != a || w->lo == w->hi) {
		err = move_run(s, mm, w);
		w->lo = a;
	}
	w->hi = b;
	return err;
}

/* The present pages of [a, b), within the 2 MiB region @reg of a PTE
 * table whose present bits are @leaf (copied: moving a run may grow the
 * table array), as runs of set bits. */
static int take_table(struct sim *s, struct mm *mm, struct remap_walk *w,
		      const uint64_t leaf[PTRS_PER_TABLE / 64], uint64_t reg,
		      uint64_t a, uint64_t b)
{
	unsigned i = (unsigned)((a - reg) >> PAGE_SHIFT);
	unsigned last = (unsigned)((b - reg) >> PAGE_SHIFT);
	int err = 0;

	while (i < last && !err) {
		unsigned j;

		if (!((leaf[i / 64] >> (i % 64)) & 1)) {
			i++;
			continue;
		}
		for (j = i + 1; j < last && ((leaf[j / 64] >> (j % 64)) & 1); j++)
			;
		err = take_present(s, mm, w, reg + (uint64_t)i * PAGE_SIZE,
				   reg + (uint64_t)j * PAGE_SIZE);
		i = j;
	}
	return err;
}

/*
 * The present pages of VMA @v's part [lo, hi) of the old range, in
 * address order: a 2 MiB leaf's as one extent (a THP's pages, moved as
 * PTEs), a PTE table's by its bits. Regions without tables are skipped a
 * PGD or PUD entry at a time, as gather_count_present() skips them: the
 * walk costs what the tables hold, not the range's length (a page at a
 * time, a 1 TiB remap of unmapped memory took two seconds, 83 under ASan).
 */
static int take_vma(struct sim *s, struct mm *mm, struct remap_walk *w,
		    uint64_t lo, uint64_t hi)
{
	int err = 0;

	for (uint64_t reg = lo & ~(PMD_SIZE - 1); reg < hi && !err; reg += PMD_SIZE) {
		uint64_t a = reg > lo ? reg : lo, b = reg + PMD_SIZE < hi ? reg + PMD_SIZE : hi;
		uint64_t leaf[PTRS_PER_TABLE / 64];
		const struct pt_table *pmd, *pte;
		uint32_t path[3];

		pt_walk(s, mm, reg, path);
		if (!path[0]) {
			reg = (reg & ~(PGDIR_SIZE - 1)) + PGDIR_SIZE - PMD_SIZE;
			continue;
		}
		if (!(pmd = pt_get(s, path[1]))) {
			reg = (reg & ~(PUD_SIZE - 1)) + PUD_SIZE - PMD_SIZE;
			continue;
		}
		if (leaf_test(pmd, (reg >> PMD_SHIFT) & 511)) {
			err = take_present(s, mm, w, a, b);
			continue;
		}
		if (!(pte = pt_get(s, path[2])))
			continue;
		memcpy(leaf, pte->leaf, sizeof(leaf));
		err = take_table(s, mm, w, leaf, reg, a, b);
	}
	return err;
}

/*
 * mremap() moving [start, end) to @to (move_vma()): the new VMA, the
 * present entries set there (move_ptes(); a THP's pages as PTEs, as
 * split_huge_pmd() leaves them), then the old range unmapped into @g
 * (do_vmi_munmap(): its entries, now moved, and its empty tables). The
 * pages move, nothing is freed. Where an entry moved, move_ptes() flushed
 * the old range with flush_tlb_range(), which on x86 says freed_tables:
 * the one flush here says so too, and covers the tables freed after (the
 * kernel's second flush, when there is one). *@moved: the entries moved.
 * TLBSIM_EMODEL: @to's range is mapped, or the old one is hugetlb. The
 * new range does not overlap the old (the trace's contract).
 */
int gather_remap(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
		 uint64_t to, struct gather *g, uint64_t *moved)
{
	struct remap_walk w = { .start = start, .to = to };
	int err = 0;

	for (uint32_t i = vma_index_after(mm, start);
	     i < mm->nvmas && mm->vmas[i].start < end; i++)
		if (mm->vmas[i].hugetlb)
			return TLBSIM_EMODEL;
	if (vma_intersects(mm, to, to + (end - start)))
		return TLBSIM_EMODEL;
	if ((err = vma_add(s, mm, to, to + (end - start), false,
			   vma_find(mm, start) && vma_find(mm, start)->shared)))
		return err;
	/* runs of present pages, each made present at its new place; the
	 * new VMA lies outside [start, end), so the old VMAs keep their
	 * indices while the runs are moved */
	for (uint32_t i = vma_index_after(mm, start);
	     !err && i < mm->nvmas && mm->vmas[i].start < end; i++)
		err = take_vma(s, mm, &w, mm->vmas[i].start > start ? mm->vmas[i].start : start,
			       mm->vmas[i].end < end ? mm->vmas[i].end : end);
	if (err || (err = move_run(s, mm, &w)))
		return err;
	*moved = w.moved;
	if ((err = gather_unmap(s, mm, start, end, g)))
		return err;
	/* move_ptes() moved the entries, it freed and zapped nothing (the
	 * moved pages' dirty bits are not carried over) */
	g->freed_pages = 0;
	g->dirty_flushes = 0;
	if (*moved)
		g->freed_tables = true;
	return 0;
}
