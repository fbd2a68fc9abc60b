/*
 * fault.c - a `touch`: the page faults that make a range present
 * (handle_mm_fault: the tables allocated on the way, the leaf set) and the
 * translations entering the CPU's TLB, with the look for a stale one first.
 * (mm/memory.c)
 */
#include "kernel/internal.h"

/* inlined, as it was while touch_vma() had one caller */
static inline __attribute__((always_inline)) uint32_t
ensure_pmd_table(struct sim *s, uint32_t mmi, uint64_t addr)
{
	struct mm *mm = mm_get(s, mmi);
	uint32_t pud = ensure_child(s, 0, pud_slot(s, mm, addr), 0, PT_PUD,
				    addr & ~(PGDIR_SIZE - 1), mmi);

	if (!pud)
		return NO_TABLE;
	return ensure_child(s, pud, NULL, (addr >> PUD_SHIFT) & 511, PT_PMD,
			    addr & ~(PUD_SIZE - 1), mmi);
}

/* One page (or hugetlb/THP page) at @vpage enters @c's TLB; first a look
 * for a stale translation of it the TLB still holds. */
static void touch_page(struct sim *s, uint32_t c, struct mm *mm, uint64_t vpage,
		       uint64_t size)
{
	const struct inval *why = NULL;

	if (tlb_lookup_stale(s, c, mm, vpage, &why))
		hazard_stale_tlb(s, c, mm, vpage, why);
	tlb_fill(s, c, mm, vpage, size);
}

/* Touch [page, stop) of VMA @v, 2 MiB at a time: the walk to the PTE table
 * (handle_mm_fault's descent, allocating the tables missing on the way) is
 * done once per table, not once per page. A hugetlb page, or a THP left by
 * collapse, is a leaf PMD entry. With @fill the translations enter @c's
 * TLB (a fault); without, the entries are only made present (a remap's
 * move). Returns the address reached, 0 on allocation failure. Inlined
 * into both callers, each with @fill constant: as a call it cost a
 * compare 1 % more instructions (callgrind), the touches being its
 * hottest path. */
static inline __attribute__((always_inline)) uint64_t
touch_vma(struct sim *s, uint32_t c, struct mm *mm,
	  const struct vma *v, uint64_t page, uint64_t stop,
	  bool fill, bool write)
{
	uint32_t mmi = (uint32_t)(mm - s->mms);

	while (page < stop) {
		uint64_t region = page & ~(PMD_SIZE - 1);
		uint64_t last = region + PMD_SIZE < stop ? region + PMD_SIZE : stop;
		unsigned pmd_i = (page >> PMD_SHIFT) & 511;
		uint32_t pmd = ensure_pmd_table(s, mmi, page), pte;

		if (!pmd)
			return 0;
		if (v->hugetlb || leaf_test(&s->tables[pmd], pmd_i)) {
			leaf_set(&s->tables[pmd], pmd_i);
			if (fill)
				touch_page(s, c, mm, region, PMD_SIZE);
			page = region + PMD_SIZE;
			continue;
		}
		pte = ensure_child(s, pmd, NULL, pmd_i, PT_PTE, region, mmi);
		if (!pte)
			return 0;
		last = (last + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		leaf_set_range(&s->tables[pte], (page >> PAGE_SHIFT) & 511,
			       (unsigned)((last - region) >> PAGE_SHIFT));
		/* a write to a page-cache page sets its PTE dirty (a shared
		 * file mapping's first write faults: page_mkwrite, wp_page_shared) */
		if (write && v->shared)
			bits_set_range(s->tables[pte].dirty, (page >> PAGE_SHIFT) & 511,
				       (unsigned)((last - region) >> PAGE_SHIFT));
		if (fill)
			tlb_touch_pages(s, c, mm, page, last);
		page = last;
	}
	return page;
}

/* `touch`: CPU @c, running @mm, accesses [addr, addr+len); @write: writes. */
int gather_touch(struct sim *s, uint32_t c, struct mm *mm, uint64_t addr,
		 uint64_t len, bool write)
{
	uint64_t end = addr + len, page = addr & ~(PAGE_SIZE - 1);

	while (page < end) {
		const struct vma *v = vma_find(mm, page);

		if (!v) {
			/* SIGSEGV: nothing mapped here, up to the next VMA (a page
			 * at a time would be O(len) for a huge touch) */
			const struct inval *why = NULL;
			uint32_t next = vma_index_after(mm, page);
			uint64_t stop = next < mm->nvmas && mm->vmas[next].start < end ?
					mm->vmas[next].start : end;
			uint64_t n = (stop - page + PAGE_SIZE - 1) / PAGE_SIZE;

			if (tlb_lookup_stale(s, c, mm, page, &why))
				hazard_stale_tlb(s, c, mm, page, why);
			s->res.c.faults += n;
			page += n * PAGE_SIZE;
			continue;
		}
		page = touch_vma(s, c, mm, v, page, v->end < end ? v->end : end, true,
				 write);
		if (!page)
			return TLBSIM_ENOMEM;
	}
	return 0;
}

/* Make [addr, end) of the VMA there present, allocating its tables, with
 * no TLB entry filled: move_ptes() setting the entries it moved. */
int pt_populate(struct sim *s, struct mm *mm, uint64_t addr, uint64_t end)
{
	const struct vma *v = vma_find(mm, addr);

	if (!v || end > v->end)
		return TLBSIM_EMODEL;
	return touch_vma(s, 0, mm, v, addr, end, false, false) ? 0 : TLBSIM_ENOMEM;
}
