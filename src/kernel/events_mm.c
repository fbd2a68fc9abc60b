/*
 * events_mm.c - the trace events that change an address space and end in a
 * flush: unmap, zap, protect and remap (a gather over a range, after the
 * walk), collapse, unshare, exit and a raw flush; and PMD sharing. The
 * gather's flush goes out through flush_tlb_mm_range() (flush.c), its
 * freed tables to RCU or reuse when the op ends (op.c). See docs/MODEL.md
 * section 5.
 */
#include <stdlib.h>

#include "kernel/internal.h"

/* tlb_finish_mmu(): mm_tlb_flush_nested(), another thread's gather on
 * this mm is in flight (both under mmap_lock for read): it may have skipped
 * PTEs this one cleared, so flush everything, as if tables were freed. */
static void nested_flush(struct sim *s, uint32_t c, struct gather *g,
			 const struct mm *mm)
{
	g->fullmm = true;
	g->freed_tables = true;
	s->res.c.nested_flushes++;
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"tlb_finish_mmu", "mm_tlb_flush_nested(): %u gathers "
			"of mm %u are in flight: flush the whole TLB, "
			"freed_tables=1", mm->tlb_flush_pending, mm->trace_id);
}

/*
 * The gather's flush, after one flush per full page batch when it queued
 * more pages than its batches hold (zap_pte_range() -> tlb_flush_mmu():
 * a 200 MiB munmap flushes four times). Those go first, each waited for
 * (op_continue() sends the next): a range of thousands of pages, a full
 * flush, before any table is freed (no lazy CPU woken). So do the flushes
 * forced at the end of each PTE table that held a dirty page-cache page
 * (zap_pte_range()'s force_flush; a linker's munmap of its output file's
 * mapping: one per 2 MiB written). When the last of those flushed all
 * the gather holds (no table freed after it), tlb_finish_mmu() finds
 * nothing left: it is the gather's own.
 */
static void gather_send_flush(struct sim *s, uint32_t c, const struct gather *g,
			      uint64_t start, uint64_t end, uint8_t stride, bool wake)
{
	struct op *op = &s->cpus[c].op;
	uint32_t forced = g->dirty_flushes - (g->dirty_flushes && g->tail_flushed);

	op->batch_flushes = (uint32_t)(g->freed_pages / GATHER_PAGES_MAX) + forced;
	if (g->dirty_flushes && sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"zap_pte_range", "%u page table(s) held dirty page-cache pages: "
			"force_flush flushes at the end of each%s", g->dirty_flushes,
			g->tail_flushed ? ", the last one all the gather held" : "");
	op->fin_start = start;
	op->fin_end = end;
	op->fin_stride = stride;
	op->fin_wake = wake;
	if (op->batch_flushes && sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"zap_pte_range", "%llu pages queued for freeing fill the "
			"mmu_gather's batches (%u pages) %u time(s): tlb_flush_mmu() "
			"flushes each time before the gather's own flush",
			(unsigned long long)g->freed_pages, GATHER_PAGES_MAX,
			op->batch_flushes);
	gather_step(s, c);
}

/*
 * The op's next step after the first page batch's walk: zap_pte_range()
 * walks a batch, tlb_flush_mmu() flushes it, and on, the gather's own
 * flush after the last part (tlb_finish_mmu()). A batch's flush sent, the
 * walk of the next comes before the next flush.
 */
void gather_step(struct sim *s, uint32_t c)
{
	struct op *op = &s->cpus[c].op;
	uint64_t part;

	if (op->walk_rest && (op->walk_due || !op->batch_flushes)) {
		part = op->batch_flushes && op->walk_rest > op->walk_batch ?
		       op->walk_batch : op->walk_rest;
		op->walk_rest -= part;
		op->walk_due = false;
		op->walk_resume = true;
		op->stage = ST_WALK;
		op->local_done = sim_now(s) + part;
		return;
	}
	op->walk_due = false;
	gather_next_flush(s, c);
	op->walk_due = op->batch_out;
}

/* The op's next flush: a full batch's, or the gather's own. */
void gather_next_flush(struct sim *s, uint32_t c)
{
	struct op *op = &s->cpus[c].op;

	if (op->batch_flushes) {
		op->batch_flushes--;
		flush_tlb_mm_range(s, c, op, op->fin_start, op->fin_end, PAGE_SHIFT,
				   false);
		op->batch_out = true;
		return;
	}
	op->batch_out = false;
	flush_tlb_mm_range(s, c, op, op->fin_start, op->fin_end, op->fin_stride,
			   op->fin_wake);
}

/*
 * Start the flush stage of an op from a gather: x86 tlb_flush() with the
 * policy's wake rule, or nothing when tlb_flush_mmu_tlbonly() has nothing
 * to do (then the op ends at once).
 */
static int gather_flush(struct sim *s, uint32_t c, enum op_kind kind,
			uint32_t idx, struct gather *g, uint64_t inval, bool exit_mm,
			bool walked)
{
	bool wake;
	uint64_t start = g->start, end = g->end;
	uint32_t unlinked = g->nlinks;   /* op_begin() takes the links */
	struct mm *mm = mm_get(s, idx);

	if (walked) {
		/* the op and its tlb_flush_pending began with the walk: an empty
		 * gather still flushes everything when another gather of the mm
		 * is in flight (tlb_finish_mmu(), mm_tlb_flush_nested()) */
		op_adopt(s, c, g, inval);
		if (mm->tlb_flush_pending > 1 && !g->fullmm)
			nested_flush(s, c, g, mm);
		if (!gather_needs_flush(g)) {
			if (sim_observing(s))
				sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
					"tlb_flush_mmu_tlbonly", "nothing present was cleared "
					"and no table freed: no flush at all");
			op_arm(s, c);
			return 0;
		}
	} else {
		if (!gather_needs_flush(g) && !exit_mm) {
			if (sim_observing(s))
				sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
					"tlb_flush_mmu_tlbonly", "nothing present was cleared and "
					"no table freed: no flush at all");
			free(g->links);
			return 0;
		}
		op_begin(s, c, kind, idx, g, inval);
		s->cpus[c].op.exit_mm = exit_mm;
		if (!gather_needs_flush(g)) {
			op_arm(s, c);
			return 0;
		}
		/* inc_tlb_flush_pending(), held until the flush is acknowledged */
		mm->tlb_flush_pending++;
		s->cpus[c].op.flush_pending = true;
		if (mm->tlb_flush_pending > 1 && !g->fullmm)
			nested_flush(s, c, g, mm);
	}
	if (g->fullmm) {
		start = 0;
		end = NEVER;
	}
	wake = tlbsim_policy_wake_lazy(&s->cfg.policy, g->freed_tables,
				       g->unshared_tables);
	if (sim_observing(s)) {
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"tlb_finish_mmu", "the mmu_gather collected [0x%llx, 0x%llx) at "
			"stride 2^%u and %u page-table page(s) unlinked%s",
			(unsigned long long)g->start, (unsigned long long)g->end,
			gather_stride(g), unlinked, g->fully_unshared_tables ?
			"; the last unshare left a single owner (fully_unshared_tables)" : "");
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0, "tlb_flush",
			"freed_tables=%d unshared_tables=%d -> wake_lazy_cpus=%s "
			"(policy wake=%s)", g->freed_tables, g->unshared_tables,
			wake ? "true" : "false", tlbsim_wake_name(s->cfg.policy.wake));
	}
	if (g->split) {
		/* the unshare's flush first; the freed tables' after it */
		struct op *op = &s->cpus[c].op;

		op->late = g->freed_tables || g->cleared;
		op->late_start = start;
		op->late_end = end;
		op->late_stride = gather_stride(g);
		op->late_wake = wake;
		gather_send_flush(s, c, g, g->unshare_start, g->unshare_end,
				  cleared_stride(g->unshare_cleared),
				  tlbsim_policy_wake_lazy(&s->cfg.policy, false, true));
	} else {
		gather_send_flush(s, c, g, start, end, gather_stride(g), wake);
	}
	op_arm(s, c);
	return 0;
}

/* Why a remap cannot be applied (its checks are gather_remap()'s). */
static int remap_refused(struct sim *s, struct mm *mm,
			 const struct tlbsim_trace_event *ev)
{
	if (vma_intersects(mm, ev->start, ev->start + ev->len))
		return sim_model_error(s, "remap: the destination [0x%llx, 0x%llx) "
			"overlaps a mapping of mm %u (mremap() moves to a free range)",
			(unsigned long long)ev->start,
			(unsigned long long)(ev->start + ev->len), ev->mm);
	return sim_model_error(s, "remap: [0x%llx, 0x%llx) of mm %u is hugetlb: "
		"moving hugetlb mappings is not modeled",
		(unsigned long long)ev->addr,
		(unsigned long long)(ev->addr + ev->len), ev->mm);
}

/* The range operation itself: clear what the event covers into a gather
 * and flush it. @walked: its op began with the walk (ST_WALK). */
static int clear_range_now(struct sim *s, uint32_t c,
			   const struct tlbsim_trace_event *ev, uint32_t idx,
			   bool walked)
{
	struct mm *mm = mm_get(s, idx);
	struct gather g;
	uint64_t inval, moved;
	int err;

	gather_init(&g, idx, false);
	inval = inval_begin(mm, ev->addr, ev->addr + ev->len, ev);
	switch (ev->kind) {
	case TLBSIM_EV_UNMAP:
		err = gather_unmap(s, mm, ev->addr, ev->addr + ev->len, &g);
		break;
	case TLBSIM_EV_ZAP:
		err = gather_zap(s, mm, ev->addr, ev->addr + ev->len, &g);
		break;
	case TLBSIM_EV_REMAP:
		err = gather_remap(s, mm, ev->addr, ev->addr + ev->len, ev->start, &g,
				   &moved);
		if (err == TLBSIM_EMODEL)
			err = remap_refused(s, mm, ev);
		else if (!err && sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
				"move_ptes", "mremap() moves %llu present page(s) of mm "
				"%u to 0x%llx (no TLB entry follows them); %s",
				(unsigned long long)moved, ev->mm,
				(unsigned long long)ev->start, moved ?
				"flush_tlb_range() flushes the old range, and on x86 it "
				"says freed_tables" : "nothing moved, nothing to flush "
				"but freed tables");
		break;
	default:
		err = gather_protect(s, mm, ev->addr, ev->addr + ev->len, &g);
		break;
	}
	if (err) {
		free(g.links);
		return s->err ? s->err : sim_model_error(s, "out of memory");
	}
	return gather_flush(s, c, OP_GATHER, idx, &g, inval, false, walked);
}

/*
 * unmap / zap / protect / remap. tlb_gather_mmu() raises the mm's
 * tlb_flush_pending (inc_tlb_flush_pending) before the walk, and
 * tlb_finish_mmu() looks at it after: the walk takes the profile's
 * gather_walk cycles, during which another thread's gather of the mm makes
 * both nested. With gather_walk 0 the range is cleared at once.
 */
int ev_clear(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = ev_mm(s, ev->mm, &idx);
	struct op *op = &s->cpus[c].op;
	uint64_t present, walk, per_page;

	if (!mm)
		return s->err;
	if (!s->prof.gather_walk && !s->prof.gather_walk_page &&
	    !s->prof.gather_walk_protect_page)
		return clear_range_now(s, c, ev, idx, false);
	/* change_protection() rewrites each entry; zap_pte_range() also drops
	 * the rmap and frees the page: two rates per present page */
	per_page = ev->kind == TLBSIM_EV_PROTECT ? s->prof.gather_walk_protect_page :
		   s->prof.gather_walk_page;
	present = per_page ? gather_count_present(s, mm, ev->addr, ev->addr + ev->len) : 0;
	/* the first page batch's walk before the range is cleared; the rest
	 * between its batches' flushes (gather_step()) */
	walk = s->prof.gather_walk + (present < GATHER_PAGES_MAX ? present :
				      GATHER_PAGES_MAX) * per_page;
	op_begin(s, c, OP_GATHER, idx, NULL, 0);
	op->walk_rest = present > GATHER_PAGES_MAX ?
			(present - GATHER_PAGES_MAX) * per_page : 0;
	op->walk_batch = (uint64_t)GATHER_PAGES_MAX * per_page;
	op->stage = ST_WALK;
	op->flush_pending = true;
	mm->tlb_flush_pending++;
	op->local_done = sim_now(s) + walk;
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"tlb_gather_mmu", "inc_tlb_flush_pending(mm %u): %u gather(s) "
			"in flight; the walk of [0x%llx, 0x%llx), %llu present "
			"page(s), takes %llu cycles", ev->mm, mm->tlb_flush_pending,
			(unsigned long long)ev->addr,
			(unsigned long long)(ev->addr + ev->len),
			(unsigned long long)present, (unsigned long long)(walk + op->walk_rest));
	op_arm(s, c);
	return 0;
}

/* The walk of CPU @c's range operation is over (op_continue, ST_WALK). */
int gather_walk_done(struct sim *s, uint32_t c)
{
	struct op *op = &s->cpus[c].op;
	const struct tlbsim_trace_event *was = s->cur;
	int err;

	s->cur = &op->ev;   /* unlinked tables name the event that unlinked them */
	err = clear_range_now(s, c, &op->ev, op->mm, true);
	s->cur = was;
	return err;
}

int ev_unshare(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = ev_mm(s, ev->mm, &idx);
	struct gather g;
	bool shared;

	if (!mm)
		return s->err;
	gather_init(&g, idx, false);
	if (gather_unshare(s, mm, ev->addr, &g, &shared)) {
		free(g.links);
		return sim_model_error(s, "out of memory");
	}
	if (!shared) {
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
				"huge_pmd_unshare", "mm %u's PMD table at 0x%llx is not "
				"shared: nothing to unshare", ev->mm,
				(unsigned long long)ev->addr);
		free(g.links);
		return 0;
	}
	return gather_flush(s, c, OP_GATHER, idx, &g,
			    inval_begin(mm, ev->addr, ev->addr + PUD_SIZE, ev), false, false);
}

int ev_share(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t a, b;
	struct mm *mm = ev_mm(s, ev->mm, &a), *with;

	if (!mm)
		return s->err;
	with = ev_mm(s, ev->with, &b);
	if (!with)
		return s->err;
	mm = mm_get(s, a); /* creating `with` may have moved the array */
	if (pt_share(s, mm, with, ev->addr))
		return s->err;
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"huge_pmd_share", "mm %u's PUD entry at 0x%llx now points to "
			"mm %u's PMD table, which has %u users", ev->mm,
			(unsigned long long)ev->addr, ev->with,
			pt_get(s, s->tables[s->mms[a].pgd[(ev->addr >> PGDIR_SHIFT) & 511]]
			       .child[(ev->addr >> PUD_SHIFT) & 511])->nlinks);
	return 0;
}

/* collapse_huge_page(): pmdp_collapse_flush() is flush_tlb_range(), whose
 * freed_tables is true on x86 whatever the policy; then the sync. */
int ev_collapse(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx, pte;
	struct mm *mm = ev_mm(s, ev->mm, &idx);
	struct gather g;
	uint64_t inval;

	if (!mm)
		return s->err;
	inval = inval_begin(mm, ev->addr, ev->addr + PMD_SIZE, ev);
	if (pt_collapse(s, mm, ev->addr, &pte))
		return s->err;
	gather_init(&g, idx, false);
	if (gather_unlink(s, &g, pt_get(s, pte), idx))
		return sim_model_error(s, "out of memory");
	op_begin(s, c, OP_COLLAPSE, idx, &g, inval);
	flush_tlb_mm_range(s, c, &s->cpus[c].op, ev->addr, ev->addr + PMD_SIZE,
			   PAGE_SHIFT, true);
	op_arm(s, c);
	return 0;
}

/*
 * exec_mmap(): the task switches to its new mm, which the trace's id names
 * from now on, before mmput() tears the old one down: the teardown's flush
 * finds this CPU on another mm (flush_tlb_func(): wrong CPU, its bit
 * cleared), where an exit's finds it lazy on the old one.
 */
static int exec_mmap(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t next;

	if (!ev_mm(s, ev->mm, &next))
		return s->err;
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"exec_mmap", "cpu %u execs: it switches to the new mm %u "
			"before the old one is torn down, whose flush then finds it "
			"on another mm (wrong CPU)", c, ev->mm);
	switch_mm_irqs_off(s, c, next);
	return 0;
}

int ev_exit(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = ev_mm(s, ev->mm, &idx);
	struct gather g;
	int err;

	if (!mm)
		return s->err;
	/* exit_mm(): the task drops its mm and runs on it lazily */
	if (s->cpus[c].loaded_mm == idx && !ev->exec)
		enter_lazy_tlb(s, c);
	mm_unname(s, idx);
	mmlock_exit(s, ev->mm);
	if (ev->exec) {
		if (exec_mmap(s, c, ev))
			return s->err;
		mm = mm_get(s, idx);   /* the new mm may have moved the array */
	}
	/* a PVM guest's exit flushes its mm before exit_mmap() (policy.c) */
	if (s->cfg.backend->exit_flush && !ev->exec) {
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
				"flush_tlb_mm", "a PVM guest flushes the whole mm %u "
				"before exit_mmap() unmaps it (in its captures every "
				"exit that sends, sends twice)", ev->mm);
		flush_tlb_mm_now(s, c, idx);
	}
	gather_init(&g, idx, true);
	err = gather_exit(s, mm, &g);
	if (err) {
		free(g.links);
		return sim_model_error(s, "out of memory");
	}
	return gather_flush(s, c, OP_GATHER, idx, &g,
			    inval_begin(mm, 0, USER_TOP, ev), true, false);
}

int ev_flush(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = ev_mm(s, ev->mm, &idx);
	bool wake;

	if (!mm)
		return s->err;
	wake = tlbsim_policy_wake_lazy(&s->cfg.policy, ev->freed_tables,
				       ev->unshared_tables);
	op_begin(s, c, OP_GATHER, idx, NULL, 0);
	flush_tlb_mm_range(s, c, &s->cpus[c].op, ev->start,
			   ev->end == TLBSIM_END_ALL ? NEVER : ev->end,
			   ev->stride, wake);
	op_arm(s, c);
	return 0;
}
