/*
 * events.c - one handler per trace event kind (ROSS-style table): what the
 * modeled kernel does when the event happens on its CPU. See docs/MODEL.md.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

static struct mm *mm_of(struct sim *s, const struct tlbsim_trace_event *ev,
			uint32_t trace_id, uint32_t *idx)
{
	if (mm_lookup(s, trace_id, true, idx)) {
		sim_model_error(s, "out of memory creating mm %u", trace_id);
		return NULL;
	}
	(void)ev;
	return mm_get(s, *idx);
}

/* The CPU must run @mm (not lazily) for a user access or gup_fast. */
static int require_running(struct sim *s, uint32_t c, uint32_t idx,
			   const char *what)
{
	const struct cpu *cpu = &s->cpus[c];

	if (cpu->loaded_mm == idx && !cpu->is_lazy)
		return 0;
	if (cpu->loaded_mm == INIT_MM)
		return sim_model_error(s, "%s: cpu %u does not run mm %u (it has "
			"init_mm loaded; add a switch first)", what, c,
			mm_get(s, idx)->trace_id);
	if (cpu->loaded_mm == idx)
		return sim_model_error(s, "%s: cpu %u is lazy on mm %u (a kernel "
			"thread runs); switch to the mm first", what, c,
			mm_get(s, idx)->trace_id);
	return sim_model_error(s, "%s: cpu %u runs mm %u, not mm %u", what, c,
		mm_get(s, s->cpus[c].loaded_mm)->trace_id, mm_get(s, idx)->trace_id);
}

static int ev_switch(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;

	if (!ev->mm) {
		enter_lazy_tlb(s, c);
		return 0;
	}
	if (!mm_of(s, ev, ev->mm, &idx))
		return s->err;
	switch_mm_irqs_off(s, c, idx);
	return 0;
}

static int ev_map(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);
	int err;

	(void)c;
	if (!mm)
		return s->err;
	err = vma_add(s, mm, ev->addr, ev->addr + ev->len, ev->hugetlb);
	if (err == TLBSIM_EMODEL)
		return sim_model_error(s, "map: [0x%llx, 0x%llx) overlaps an existing "
			"mapping of mm %u", (unsigned long long)ev->addr,
			(unsigned long long)(ev->addr + ev->len), ev->mm);
	if (err)
		return sim_model_error(s, "out of memory");
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0, "mmap_region",
			"mm %u gets a %sVMA [0x%llx, 0x%llx); no page tables yet", ev->mm,
			ev->hugetlb ? "hugetlb " : "", (unsigned long long)ev->addr,
			(unsigned long long)(ev->addr + ev->len));
	return 0;
}

static int ev_touch(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);

	if (!mm || require_running(s, c, idx, "touch"))
		return s->err;
	if (gather_touch(s, c, mm, ev->addr, ev->len ? ev->len : PAGE_SIZE))
		return sim_model_error(s, "out of memory");
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"handle_mm_fault", "cpu %u accesses [0x%llx, +0x%llx) of mm %u: "
			"missing page tables are allocated, the pages made present, and "
			"their translations enter cpu %u's TLB", c,
			(unsigned long long)ev->addr,
			(unsigned long long)(ev->len ? ev->len : PAGE_SIZE), ev->mm, c);
	return 0;
}

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
 * flush, before any table is freed (no lazy CPU woken).
 */
static void gather_send_flush(struct sim *s, uint32_t c, const struct gather *g,
			      uint64_t start, uint64_t end, uint8_t stride, bool wake)
{
	struct op *op = &s->cpus[c].op;

	op->batch_flushes = (uint32_t)(g->freed_pages / GATHER_PAGES_MAX);
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
	gather_next_flush(s, c);
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

/* The range operation itself: clear what the event covers into a gather
 * and flush it. @walked: its op began with the walk (ST_WALK). */
static int clear_range_now(struct sim *s, uint32_t c,
			   const struct tlbsim_trace_event *ev, uint32_t idx,
			   bool walked)
{
	struct mm *mm = mm_get(s, idx);
	struct gather g;
	uint64_t inval;
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
 * unmap / zap / protect. tlb_gather_mmu() raises the mm's
 * tlb_flush_pending (inc_tlb_flush_pending) before the walk, and
 * tlb_finish_mmu() looks at it after: the walk takes the profile's
 * gather_walk cycles, during which another thread's gather of the mm makes
 * both nested. With gather_walk 0 the range is cleared at once.
 */
static int ev_clear(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);
	struct op *op = &s->cpus[c].op;
	uint64_t present, walk;

	if (!mm)
		return s->err;
	if (!s->prof.gather_walk && !s->prof.gather_walk_page)
		return clear_range_now(s, c, ev, idx, false);
	present = s->prof.gather_walk_page ?
		  gather_count_present(s, mm, ev->addr, ev->addr + ev->len) : 0;
	walk = s->prof.gather_walk + present * s->prof.gather_walk_page;
	op_begin(s, c, OP_GATHER, idx, NULL, 0);
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
			(unsigned long long)present, (unsigned long long)walk);
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

static int ev_unshare(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);
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

static int ev_share(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t a, b;
	struct mm *mm = mm_of(s, ev, ev->mm, &a), *with;

	if (!mm)
		return s->err;
	with = mm_of(s, ev, ev->with, &b);
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
static int ev_collapse(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx, pte;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);
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

static int ev_exit(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);
	struct gather g;
	int err;

	if (!mm)
		return s->err;
	/* exit_mm(): the task drops its mm and runs on it lazily */
	if (s->cpus[c].loaded_mm == idx)
		enter_lazy_tlb(s, c);
	mm_unname(s, idx);
	mmlock_exit(s, ev->mm);
	gather_init(&g, idx, true);
	err = gather_exit(s, mm, &g);
	if (err) {
		free(g.links);
		return sim_model_error(s, "out of memory");
	}
	return gather_flush(s, c, OP_GATHER, idx, &g,
			    inval_begin(mm, 0, USER_TOP, ev), true, false);
}

static int ev_flush(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);
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

static int ev_sync(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	(void)ev;
	op_begin(s, c, OP_SYNC, INIT_MM, NULL, 0);
	tlb_remove_table_sync_one(s, c, &s->cpus[c].op);
	op_arm(s, c);
	return 0;
}

/* Open (or extend) an IRQ-off window on @c until @until. */
static void irq_window(struct sim *s, uint32_t c, uint64_t until)
{
	struct cpu *cpu = &s->cpus[c];
	struct ev_cpu wake = { c };
	uint64_t now = sim_now(s);

	if (now >= cpu->irq_off_until)
		cpu->irq_off_since = now;
	if (until > cpu->irq_off_until)
		cpu->irq_off_until = until;
	sim_schedule(s, cpu->irq_off_until, SEV_CPU_WAKE, &wake, sizeof(wake));
}

static int ev_irq_off(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint64_t now = sim_now(s), until = now + sim_cycles(s, ev->dur);

	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_IRQ_OFF, (int)c, -1, now, until,
			    "local_irq_disable", "IRQs off");
	irq_window(s, c, until);
	return 0;
}

/* gup_fast(): local_irq_save(), then a lockless walk of current->mm. */
static int ev_gup_fast(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);
	struct cpu *cpu = &s->cpus[c];
	uint64_t now = sim_now(s), until = now + sim_cycles(s, ev->dur);

	if (!mm || require_running(s, c, idx, "gup_fast"))
		return s->err;
	pt_walk(s, mm, ev->addr, cpu->gup_path);
	cpu->gup_mm = idx;
	cpu->gup_since = now;
	cpu->gup_until = until;
	cpu->gup_t = ev->t;
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_GUP_FAST, (int)c, -1, now, until,
			    "gup_fast", "lockless walk of mm %u at 0x%llx",
			    ev->mm, (unsigned long long)ev->addr);
	irq_window(s, c, until);
	return 0;
}

/* The host deschedules the vCPU: windows it was in last longer. */
static int ev_preempt(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	struct cpu *cpu = &s->cpus[c];
	struct ev_cpu wake = { c };
	uint64_t now = sim_now(s), d = sim_cycles(s, ev->dur);

	if (now >= cpu->preempt_until)
		cpu->preempt_since = now;
	if (now + d > cpu->preempt_until)
		cpu->preempt_until = now + d;
	if (cpu->irq_off_until > now)
		cpu->irq_off_until += d;
	if (cpu->gup_until > now)
		cpu->gup_until += d;
	sim_schedule(s, cpu->preempt_until, SEV_CPU_WAKE, &wake, sizeof(wake));
	return 0;
}

/* mm_assign_global_asid(): only the INVLPGB backend hands them out. */
static int ev_global_asid(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);

	if (!mm)
		return s->err;
	if (!s->cfg.backend->global_asids) {
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
				"use_global_asid", "the %s backend has no INVLPGB: "
				"no global ASID", s->cfg.backend->name);
		return 0;
	}
	if (!mm->global_asid) {
		mm->global_asid = true;
		mm->asid_transition = true;
	}
	return 0;
}

static int ev_speculate(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);

	if (!mm)
		return s->err;
	if (s->cpus[c].loaded_mm == idx)
		hazard_speculate(s, c, mm, ev->addr);
	return 0;
}

/*
 * The CPU ran @mm before the trace began (an importer's inference): its
 * bit in mm_cpumask stays set, since switch_mm_irqs_off() leaves prev's
 * bit when the CPU switches away and only flush_tlb_func()'s wrong-CPU
 * path (or a trim) clears it. What the CPU has loaded now, lazily or not,
 * and its ASID slots are not changed: nothing says what they hold.
 */
static int ev_ran_before(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);

	if (!mm)
		return s->err;
	cpumask_set(&mm->cpumask, c);
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"mm_cpumask", "cpu %u ran mm %u before the trace: its bit "
			"in mm_cpumask stays set (switch_mm_irqs_off() leaves it), "
			"so mm %u's flushes consider it until one finds it on "
			"another mm and clears it (flush_tlb_func(): wrong CPU)",
			c, ev->mm, ev->mm);
	return 0;
}

/*
 * The CPU was lazy on @mm when the trace began (an importer's inference: a
 * flush IPI the capture shows it leave @mm for init_mm, before any switch
 * of its was recorded): a kernel thread or idle runs with @mm in CR3 and
 * its bit in mm_cpumask. cpu_lazy_before() sets that state; no switch is
 * counted. A user task running on the CPU contradicts it.
 */
static int ev_lazy_before(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	const struct cpu *cpu = &s->cpus[c];
	uint32_t idx;
	struct mm *mm = mm_of(s, ev, ev->mm, &idx);

	if (!mm)
		return s->err;
	if (cpu->loaded_mm != INIT_MM && !cpu->is_lazy)
		return sim_model_error(s, "lazy_before: cpu %u runs mm %u (a user "
			"task); switch it to a kernel thread first", c,
			mm_get(s, cpu->loaded_mm)->trace_id);
	cpu_lazy_before(s, c, idx);
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"enter_lazy_tlb", "cpu %u was lazy on mm %u before the trace: "
			"mm %u stays loaded, its bit in mm_cpumask is set, and a flush "
			"that wakes lazy CPUs sends it an IPI that switches it to "
			"init_mm (flush_tlb_func(): is_lazy)", c, ev->mm, ev->mm);
	return 0;
}

typedef int (*ev_handler)(struct sim *, uint32_t, const struct tlbsim_trace_event *);

static const ev_handler handlers[TLBSIM_EV_COUNT] = {
	[TLBSIM_EV_SWITCH] = ev_switch,
	[TLBSIM_EV_MAP] = ev_map,
	[TLBSIM_EV_TOUCH] = ev_touch,
	[TLBSIM_EV_UNMAP] = ev_clear,
	[TLBSIM_EV_ZAP] = ev_clear,
	[TLBSIM_EV_PROTECT] = ev_clear,
	[TLBSIM_EV_COLLAPSE] = ev_collapse,
	[TLBSIM_EV_SHARE] = ev_share,
	[TLBSIM_EV_UNSHARE] = ev_unshare,
	[TLBSIM_EV_GUP_FAST] = ev_gup_fast,
	[TLBSIM_EV_IRQ_OFF] = ev_irq_off,
	[TLBSIM_EV_PREEMPT] = ev_preempt,
	[TLBSIM_EV_GLOBAL_ASID] = ev_global_asid,
	[TLBSIM_EV_SPECULATE] = ev_speculate,
	[TLBSIM_EV_EXIT] = ev_exit,
	[TLBSIM_EV_FLUSH] = ev_flush,
	[TLBSIM_EV_SYNC] = ev_sync,
	[TLBSIM_EV_RAN_BEFORE] = ev_ran_before,
	[TLBSIM_EV_LAZY_BEFORE] = ev_lazy_before,
};

int sim_dispatch(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	if (ev->kind >= TLBSIM_EV_COUNT || !handlers[ev->kind])
		return 0; /* observed: not an input of the model */
	return handlers[ev->kind](s, c, ev);
}
