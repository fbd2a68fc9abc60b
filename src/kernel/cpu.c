/*
 * cpu.c - per-CPU TLB state (cpu_tlbstate): the loaded mm and ASID, the six
 * dynamic ASID slots, lazy mode, and what the TLB and paging-structure
 * caches may hold. (arch/x86/mm/tlb.c, arch/x86/include/asm/tlbflush.h)
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

struct asid_ctx *cpu_asid_ctx(struct cpu *cpu, uint16_t asid)
{
	return asid == ASID_GLOBAL ? &cpu->global : &cpu->ctxs[asid];
}

/* initialize_tlbstate_and_flush(): init_mm in slot 0, next_asid 1. A CPU
 * that ran before the trace (a capture's) has reused its slots since: what
 * slot 0 holds is unknown, not init_mm (the captures' first switches to
 * init_mm, at an exit or a kernel thread's flush, mostly flushed). */
void cpu_init(struct sim *s, uint32_t c)
{
	struct cpu *cpu = &s->cpus[c];

	cpu->loaded_mm = INIT_MM;
	cpu->loaded_asid = 0;
	cpu->next_asid = 1;
	cpu->ctxs[0].ctx_id = s->cfg.asid_history ? 0 : INIT_MM_CTX_ID;
	cpu->ctxs[0].tlb_gen = 0;
	cpu->ctxs[0].loaded_since = 0;
}

/* --------------------------------------------------------- TLB model */

static unsigned epoch_slot(uint16_t asid)
{
	return asid == ASID_GLOBAL ? TLB_NR_DYN_ASIDS : asid;
}

static struct tlb_entry *tlb_slot(struct sim *s, uint32_t c, uint64_t vpage,
				  bool alloc)
{
	struct cpu *cpu = &s->cpus[c];

	if (!cpu->tlb) {
		if (!alloc)
			return NULL;
		cpu->tlb = calloc(TLB_ENTRIES, sizeof(*cpu->tlb));
		if (!cpu->tlb)
			return NULL;
	}
	return &cpu->tlb[(vpage >> PAGE_SHIFT) % TLB_ENTRIES];
}

/* Entry @e now holds @vpage of @mm, filled at trace time @t on @asid. */
static void entry_fill(struct tlb_entry *e, const struct mm *mm, uint64_t vpage,
		       uint64_t size, uint64_t t, uint16_t asid, uint32_t epoch)
{
	e->vpage = vpage;
	e->ctx_id = mm->ctx_id;
	e->fill_seq = mm->inval_seq;
	e->fill_t = t;
	e->asid = asid;
	e->size = size;
	e->epoch = epoch;
}

/* The translation of @vpage enters @c's TLB on its current ASID. */
void tlb_fill(struct sim *s, uint32_t c, struct mm *mm, uint64_t vpage,
	      uint64_t size)
{
	struct tlb_entry *e = tlb_slot(s, c, vpage, true);
	uint16_t asid = s->cpus[c].loaded_asid;

	if (e)
		entry_fill(e, mm, vpage, size, s->cur ? s->cur->t : s->last_t, asid,
			   s->cpus[c].tlb_epoch[epoch_slot(asid)]);
}

/* An invalidation of @mm after entry @e's fill that removed @vpage and
 * whose flush completed by @now, or NULL. */
static const struct inval *stale_why(const struct mm *mm,
				     const struct tlb_entry *e, uint64_t vpage,
				     uint64_t now)
{
	uint64_t seq;

	/* older invalidations fell off the ring: cannot judge them */
	seq = e->fill_seq + 1;
	if (mm->inval_seq >= INVAL_RING && seq < mm->inval_seq - INVAL_RING + 1)
		seq = mm->inval_seq - INVAL_RING + 1;
	for (; seq <= mm->inval_seq; seq++) {
		const struct inval *iv = &mm->inval[seq % INVAL_RING];

		if (iv->seq != seq)
			continue; /* fell off the ring: cannot judge */
		if (iv->done <= now && vpage < iv->end &&
		    vpage + e->size > iv->start)
			return iv;
	}
	return NULL;
}

/*
 * Does @c's TLB hold, on its current ASID, a translation of @vpage that an
 * invalidation of @mm removed, whose flush has completed? (*@why: which.)
 */
bool tlb_lookup_stale(struct sim *s, uint32_t c, struct mm *mm,
		      uint64_t vpage, const struct inval **why)
{
	struct tlb_entry *e = tlb_slot(s, c, vpage, false);

	if (!e || e->vpage != vpage || e->ctx_id != mm->ctx_id ||
	    e->asid != s->cpus[c].loaded_asid ||
	    e->epoch != s->cpus[c].tlb_epoch[epoch_slot(e->asid)])
		return false;
	*why = stale_why(mm, e, vpage, sim_now(s));
	return *why != NULL;
}

/*
 * The 4 KiB pages [first, end) enter @c's TLB, each after the look for a
 * stale translation of it (tlb_lookup_stale(), then tlb_fill(), page by
 * page): what a touch does per page, with what does not change from one
 * page to the next worked out once.
 */
void tlb_touch_pages(struct sim *s, uint32_t c, struct mm *mm, uint64_t first,
		     uint64_t end)
{
	struct cpu *cpu = &s->cpus[c];
	uint16_t asid = cpu->loaded_asid;
	uint32_t epoch = cpu->tlb_epoch[epoch_slot(asid)];
	uint64_t now = sim_now(s), t = s->cur ? s->cur->t : s->last_t;

	if (first >= end || !tlb_slot(s, c, first, true))
		return;
	for (uint64_t p = first; p < end; p += PAGE_SIZE) {
		struct tlb_entry *e = &cpu->tlb[(p >> PAGE_SHIFT) % TLB_ENTRIES];

		/* one branch, not four: whether a page is cached is data */
		if ((e->vpage == p) & (e->ctx_id == mm->ctx_id) & (e->asid == asid) &
		    (e->epoch == epoch)) {
			const struct inval *why = stale_why(mm, e, p, now);

			if (why)
				hazard_stale_tlb(s, c, mm, p, why);
		}
		entry_fill(e, mm, p, PAGE_SIZE, t, asid, epoch);
	}
}

static void tlb_drop_slot(struct tlb_entry *e, uint16_t asid, uint64_t start,
			  uint64_t end)
{
	if (!e->vpage || e->asid != asid)
		return;
	if (e->vpage >= end || e->vpage + e->size <= start)
		return;
	e->vpage = 0;
}

/* Partial flush: drop the entries of one ASID in [start, end). The TLB is
 * direct-mapped by page number (tlb_slot), so a range of fewer pages than
 * entries visits only its pages' slots and those of its 2 MiB pages. */
static void tlb_drop(struct sim *s, uint32_t c, uint16_t asid, uint64_t start,
		     uint64_t end)
{
	struct cpu *cpu = &s->cpus[c];
	uint64_t first = start & ~(PAGE_SIZE - 1);

	if (!cpu->tlb)
		return;
	if (end > first && (end - first) / PAGE_SIZE < TLB_ENTRIES) {
		for (uint64_t p = first; p < end; p += PAGE_SIZE)
			tlb_drop_slot(&cpu->tlb[(p >> PAGE_SHIFT) % TLB_ENTRIES],
				      asid, start, end);
		for (uint64_t p = start & ~(PMD_SIZE - 1); p < end; p += PMD_SIZE)
			tlb_drop_slot(&cpu->tlb[(p >> PAGE_SHIFT) % TLB_ENTRIES],
				      asid, start, end);
		return;
	}
	for (unsigned i = 0; i < TLB_ENTRIES; i++)
		tlb_drop_slot(&cpu->tlb[i], asid, start, end);
}

/*
 * Flush the TLB entries of one ASID: full (CR3 reload, flush_tlb_local) or
 * INVLPG over [start, end). Both drop the paging-structure caches of that
 * PCID (INVLPG invalidates all PSC entries of the current PCID: SDM 4.10.4.1).
 */
void cpu_flush_asid(struct sim *s, uint32_t c, uint16_t asid, bool full,
		    uint64_t start, uint64_t end)
{
	cpu_asid_ctx(&s->cpus[c], asid)->flushed_at = sim_now(s);
	if (full)
		s->cpus[c].tlb_epoch[epoch_slot(asid)]++;
	else
		tlb_drop(s, c, asid, start, end);
}

/* Everything, every ASID: a host-side flush of a vCPU, a Xen multicall. */
void cpu_flush_all(struct sim *s, uint32_t c)
{
	struct cpu *cpu = &s->cpus[c];
	uint64_t now = sim_now(s);

	for (int i = 0; i < TLB_NR_DYN_ASIDS; i++)
		cpu->ctxs[i].flushed_at = now;
	cpu->global.flushed_at = now;
	for (unsigned i = 0; i <= TLB_NR_DYN_ASIDS; i++)
		cpu->tlb_epoch[i]++;
}

/* ------------------------------------------------------ lazy TLB mode */

/* enter_lazy_tlb(): a kernel thread or idle borrows the mm; only is_lazy
 * changes. Nothing to do when init_mm is loaded. */
void enter_lazy_tlb(struct sim *s, uint32_t c)
{
	struct cpu *cpu = &s->cpus[c];

	if (cpu->loaded_mm == INIT_MM || cpu->is_lazy)
		return;
	cpu->is_lazy = true;
	cpu->lazy_since = sim_now(s);
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			    "enter_lazy_tlb",
			    "cpu %u runs %s: it keeps mm %u loaded and "
			    "becomes lazy (is_lazy = true)", c,
			    cpu->in_idle ? "its idle task" : "a kernel thread",
			    mm_get(s, cpu->loaded_mm)->trace_id);
}

/* ------------------------------------------------------- ASID choice */

/*
 * choose_new_asid(): the mm's global ASID; else the slot that already holds
 * its ctx_id (flush iff that slot's tlb_gen is behind); else the next slot,
 * round robin, with a flush. Without X86_FEATURE_PCID there is one slot,
 * ASID 0, and every switch to another mm flushes. Inlined into both
 * callers (switch_mm_irqs_off() is the hot one), as it was with one.
 */
static inline __attribute__((always_inline)) uint16_t
choose_new_asid(struct sim *s, struct cpu *cpu, struct mm *mm,
		uint64_t next_tlb_gen, bool *need_flush)
{
	uint16_t asid;

	if (mm->global_asid && s->cfg.backend->global_asids) {
		*need_flush = false;
		return ASID_GLOBAL;
	}
	if (s->cfg.no_pcid) {
		*need_flush = true;
		return 0;
	}
	for (uint16_t i = 0; i < TLB_NR_DYN_ASIDS; i++) {
		if (cpu->ctxs[i].ctx_id != mm->ctx_id)
			continue;
		*need_flush = cpu->ctxs[i].tlb_gen < next_tlb_gen;
		return i;
	}
	asid = cpu->next_asid++;
	if (asid >= TLB_NR_DYN_ASIDS) {
		asid = 0;
		cpu->next_asid = 1;
	}
	*need_flush = true;
	return asid;
}

/* A CR3 load in @c's idle task: its switch out of it, or in an IPI
 * handler the lazy CPU's switch to init_mm (tlbsim_cpu_stats). Its
 * trace_tlb_flush(TLB_FLUSH_ON_TASK_SWITCH) in switch_mm_irqs_off() fires
 * before `current` changes: a record of the idle task. */
static void idle_count_switch(struct sim *s, uint32_t c, bool flush)
{
	struct tlbsim_cpu_stats *st = &s->res.per_cpu[c];

	if (s->cpus[c].in_handler)
		*(flush ? &st->idle_irq_switch_flush : &st->idle_irq_switch_noflush) += 1;
	else
		*(flush ? &st->idle_switch_flush : &st->idle_switch_noflush) += 1;
}

/* load_new_mm_cr3(): the CR3 write, with or without flush. */
static void load_new_mm_cr3(struct sim *s, uint32_t c, struct mm *next,
			    uint16_t asid, uint64_t next_tlb_gen, bool need_flush)
{
	struct cpu *cpu = &s->cpus[c];
	struct asid_ctx *old = cpu_asid_ctx(cpu, cpu->loaded_asid);
	struct asid_ctx *ctx = cpu_asid_ctx(cpu, asid);
	uint64_t now = sim_now(s);

	old->last_unload = now;
	if (need_flush) {
		ctx->ctx_id = next->ctx_id;
		ctx->tlb_gen = next_tlb_gen;
		cpu_flush_asid(s, c, asid, true, 0, NEVER);
		s->res.c.flush_task_switch++;
	} else {
		s->res.c.task_switch_noflush++;
	}
	if (cpu->switch_unseen)
		*(need_flush ? &s->res.per_cpu[c].unseen_switch_flush :
		  &s->res.per_cpu[c].unseen_switch_noflush) += 1;
	else if (cpu->in_idle)
		idle_count_switch(s, c, need_flush);
	if (sim_observing(s)) {   /* the tlb_flush record the kernel writes */
		s->obs_index = next->trace_id;
		sim_observe(s, TLBSIM_OBS_FLUSH, (int)c, -1, now, 0, "switch_mm_irqs_off",
			    "%s%s", cpu->switch_unseen ? "unseen_" : !cpu->in_idle ? "" :
			    cpu->in_handler ? "idle_irq_" : "idle_",
			    need_flush ? "switch" : "switch_noflush");
	}
	ctx->loaded_since = now;
	cpu->loaded_mm = (uint32_t)(next - s->mms);
	cpu->loaded_asid = asid;
}

static void explain_switch(struct sim *s, uint32_t c, uint32_t next_idx,
			   uint16_t asid, bool need_flush, uint64_t gen)
{
	const struct cpu *cpu = &s->cpus[c];
	const struct mm *next = mm_get(s, next_idx);
	char who[16];

	if (next_idx == INIT_MM)
		snprintf(who, sizeof(who), "init_mm");
	else
		snprintf(who, sizeof(who), "mm %u", next->trace_id);
	if (asid == ASID_GLOBAL)
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"choose_new_asid", "cpu %u switches to %s on its global ASID: "
			"CR3 write without flush (INVLPGB keeps it current)", c, who);
	else if (s->cfg.no_pcid)
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"choose_new_asid", "cpu %u switches to %s: without PCID "
			"there is one ASID, so a switch to another mm flushes (CR3 "
			"write with flush)", c, who);
	else if (cpu->ctxs[asid].ctx_id == next->ctx_id)
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"choose_new_asid", "cpu %u switches to %s: ASID slot %u still "
			"holds it at tlb_gen %llu %s %llu, CR3 write %s", c, who, asid,
			(unsigned long long)cpu->ctxs[asid].tlb_gen,
			need_flush ? "<" : "=", (unsigned long long)gen,
			need_flush ? "with flush" : "without flush");
	else
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"choose_new_asid", "cpu %u switches to %s: no ASID slot holds "
			"it, so it takes slot %u (round robin)%s and flushes", c, who,
			asid, cpu->ctxs[asid].ctx_id ? ", evicting its owner" : "");
}

static void leave_zombie(struct sim *s, uint32_t prev)
{
	/* the last lazy user of an exited mm let it go (mmdrop_lazy_tlb) */
	if (prev != INIT_MM && !mm_get(s, prev)->in_use)
		mm_destroy(s, prev);
}

/* switch_mm_irqs_off() (the first argument is ignored on x86). */
void switch_mm_irqs_off(struct sim *s, uint32_t c, uint32_t next_idx)
{
	struct cpu *cpu = &s->cpus[c];
	struct mm *next = mm_get(s, next_idx);
	uint32_t prev = cpu->loaded_mm;
	uint16_t prev_asid = cpu->loaded_asid;
	bool was_lazy = cpu->is_lazy, need_flush;
	uint64_t next_tlb_gen;
	uint16_t asid;

	if (was_lazy) {
		cpu->is_lazy = false;
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_LAZY, (int)c, -1,
				    cpu->lazy_since, sim_now(s), NULL, "lazy");
	}
	if (prev == next_idx) {
		if (next_idx != INIT_MM && next->global_asid &&
		    s->cfg.backend->global_asids && prev_asid != ASID_GLOBAL) {
			/* mm_needs_global_asid(): move to the global ASID */
			load_new_mm_cr3(s, c, next, ASID_GLOBAL, next->tlb_gen, false);
			return;
		}
		if (prev_asid == ASID_GLOBAL || !was_lazy)
			return;
		/* Lazy return: the smp_mb() orders is_lazy = false before the
		 * tlb_gen read, so a skipped flush is seen here. */
		next_tlb_gen = next->tlb_gen;
		if (cpu->ctxs[prev_asid].tlb_gen == next_tlb_gen)
			return;
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
				"switch_mm_irqs_off",
				"cpu %u returns from lazy mode to mm %u: its tlb_gen %llu "
				"< mm tlb_gen %llu, so it flushes now (CR3 write with flush)",
				c, next->trace_id,
				(unsigned long long)cpu->ctxs[prev_asid].tlb_gen,
				(unsigned long long)next_tlb_gen);
		load_new_mm_cr3(s, c, next, prev_asid, next_tlb_gen, true);
		return;
	}
	/* A real switch. The bit in prev's mm_cpumask stays (lazy cpumask). */
	if (next_idx != INIT_MM)
		cpumask_set(&next->cpumask, c);
	next_tlb_gen = next->tlb_gen;
	asid = choose_new_asid(s, cpu, next, next_tlb_gen, &need_flush);
	if (sim_observing(s))
		explain_switch(s, c, next_idx, asid, need_flush, next_tlb_gen);
	load_new_mm_cr3(s, c, next, asid, next_tlb_gen, need_flush);
	leave_zombie(s, prev);
}

/*
 * An importer's inference (lazy_before, running_before): c had @idx in CR3
 * when the trace began, since a switch no record shows, and ran a kernel
 * thread or idle on it (@lazy) or a task of its own. It holds the state
 * that switch_mm_irqs_off() (and enter_lazy_tlb()) would have left: @idx
 * in an ASID slot at its tlb_gen now (what the TLB cached before is
 * unknown: nothing), its bit in mm_cpumask. No task switch is counted:
 * none happened in the trace.
 */
void cpu_load_before(struct sim *s, uint32_t c, uint32_t idx, bool lazy)
{
	struct cpu *cpu = &s->cpus[c];
	struct mm *mm = mm_get(s, idx);
	uint32_t prev = cpu->loaded_mm;
	struct asid_ctx *ctx;
	bool need_flush;
	uint16_t asid;

	cpumask_set(&mm->cpumask, c);
	if (prev != idx) {
		/* a CPU that has not switched since the start of a capture
		 * (asid_history): the slot loaded then, whose content was
		 * unknown, is the one this mm was loaded in */
		if (prev == INIT_MM && !cpu_asid_ctx(cpu, cpu->loaded_asid)->ctx_id) {
			asid = cpu->loaded_asid;
			need_flush = true;
			cpu->busy_before = !lazy;
		} else {
			asid = choose_new_asid(s, cpu, mm, mm->tlb_gen, &need_flush);
		}
		ctx = cpu_asid_ctx(cpu, asid);
		if (need_flush) {
			ctx->ctx_id = mm->ctx_id;
			ctx->tlb_gen = mm->tlb_gen;
			cpu_flush_asid(s, c, asid, true, 0, NEVER);
		}
		cpu_asid_ctx(cpu, cpu->loaded_asid)->last_unload = sim_now(s);
		ctx->loaded_since = sim_now(s);
		cpu->loaded_mm = idx;
		cpu->loaded_asid = asid;
	}
	if (lazy && !cpu->is_lazy) {
		cpu->is_lazy = true;
		cpu->lazy_since = sim_now(s);
	} else if (!lazy && cpu->is_lazy) {
		cpu->is_lazy = false;
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_LAZY, (int)c, -1,
				    cpu->lazy_since, sim_now(s), NULL, "lazy");
	}
	if (!lazy)
		cpu->in_idle = false;   /* a user task runs */
	if (prev != idx)
		leave_zombie(s, prev);
}

/*
 * The slot a mm still held from before the trace: one whose content the
 * trace has not shown (choose_new_asid()'s round robin has not reached it
 * since the trace began, or the mm would have lost it). cpu_init() puts
 * the round robin at slot 1, so the slots were last taken in the order 1,
 * 2, ... 5, 0. A
 * process that ran before the trace holds the one taken last first (0,
 * unless loaded, then 5, 4, ...): it ran recently. So does init_mm on a
 * CPU that idled then (a lazy CPU's flush IPIs switch it to init_mm); on
 * one that ran a user task (running_before) init_mm's is the one taken
 * first that the round robin has not reached yet (@oldest). A trace-cmd
 * collapse capture: CPU 0, running bash, lost init_mm's slot to the next
 * new ASID; CPU 1, lazy, kept it past two. Taking one leaves the round
 * robin where it is: the kernel's passed that slot before the trace.
 * UINT16_MAX when every slot is the trace's.
 */
static uint16_t slot_from_before(const struct cpu *cpu, bool oldest)
{
	for (uint16_t j = 0; j < TLB_NR_DYN_ASIDS; j++) {
		uint16_t asid = oldest ? (uint16_t)((cpu->next_asid + j) % TLB_NR_DYN_ASIDS) :
			(uint16_t)((TLB_NR_DYN_ASIDS - j) % TLB_NR_DYN_ASIDS);

		if (!cpu->ctxs[asid].ctx_id && asid != cpu->loaded_asid)
			return asid;
	}
	return UINT16_MAX;
}

/*
 * An importer's inference (ran_before with asid): an ASID slot of c still
 * holds @idx at its tlb_gen now, as a switch away from it after its last
 * flush leaves it: the kernel's first switch back in the capture traced no
 * flush (choose_new_asid() found the slot current). The slot is one whose
 * content is unknown (slot_from_before()), never the one c has loaded;
 * what the TLB cached under it is unknown: nothing. Without PCID there is
 * no slot to hold, and a global ASID needs none. init_mm (@idx INIT_MM,
 * "mm": null) when c has not left it since the trace began: the loaded
 * slot is its.
 */
void cpu_slot_before(struct sim *s, uint32_t c, uint32_t idx)
{
	struct cpu *cpu = &s->cpus[c];
	struct mm *mm = mm_get(s, idx);
	struct asid_ctx *ctx;
	bool need_flush;
	uint16_t asid;

	if (s->cfg.no_pcid || (mm->global_asid && s->cfg.backend->global_asids))
		return;
	if (cpu->loaded_mm == idx) {   /* init_mm, still loaded since the start */
		ctx = cpu_asid_ctx(cpu, cpu->loaded_asid);
		ctx->ctx_id = mm->ctx_id;
		ctx->tlb_gen = mm->tlb_gen;
		return;
	}
	for (asid = 0; asid < TLB_NR_DYN_ASIDS; asid++)
		if (cpu->ctxs[asid].ctx_id == mm->ctx_id)
			break;
	if (asid == TLB_NR_DYN_ASIDS)
		asid = slot_from_before(cpu, idx == INIT_MM && cpu->busy_before);
	if (asid == UINT16_MAX) {   /* the round robin passed them all */
		asid = choose_new_asid(s, cpu, mm, mm->tlb_gen, &need_flush);
		if (asid == cpu->loaded_asid)
			asid = choose_new_asid(s, cpu, mm, mm->tlb_gen, &need_flush);
	}
	ctx = cpu_asid_ctx(cpu, asid);
	if (ctx->ctx_id != mm->ctx_id) {
		ctx->ctx_id = mm->ctx_id;
		cpu_flush_asid(s, c, asid, true, 0, NEVER);
	}
	ctx->tlb_gen = mm->tlb_gen;
	ctx->last_unload = sim_now(s);
}
