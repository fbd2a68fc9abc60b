/*
 * hazard.c - the safety invariants of spec §6, checked where they can break:
 * when an unlinked table is freed, reused or handed over, when a CPU walks
 * speculatively, when a translation is used, when a broadcast flush ends.
 * It judges outcomes (which CPU can still reach what), not policies. Each
 * hazard carries its causal chain.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

const char *tlbsim_hazard_name(enum tlbsim_hazard_kind k)
{
	switch (k) {
	case TLBSIM_HAZARD_STALE_PSC: return "stale_psc";
	case TLBSIM_HAZARD_GUP_FAST: return "gup_fast";
	case TLBSIM_HAZARD_STALE_TLB: return "stale_tlb";
	case TLBSIM_HAZARD_ASID_TRANSITION: return "asid_transition";
	case TLBSIM_HAZARD_COUNT: break;
	}
	return "?";
}

/*
 * May @c's paging-structure caches still hold @l's link? It must have the
 * mm loaded now, on a slot of that mm not flushed since the unlink, and
 * have had that slot loaded at some moment while the link existed.
 */
bool psc_may_hold(const struct sim *s, uint32_t c, const struct dead_link *l)
{
	const struct cpu *cpu = &s->cpus[c];
	const struct asid_ctx *ctx;
	uint64_t from;

	if (cpu->loaded_mm != l->mm || s->mms[l->mm].ctx_id != l->ctx_id)
		return false;
	if (sim_now(s) < cpu->preempt_until && cpu->kvm_flush_pending)
		return false; /* the host flushes it before it runs again */
	ctx = cpu->loaded_asid == ASID_GLOBAL ? &cpu->global :
					       &cpu->ctxs[cpu->loaded_asid];
	if (ctx->flushed_at >= l->unlinked_at)
		return false;
	from = l->linked_at > ctx->flushed_at ? l->linked_at : ctx->flushed_at;
	return ctx->loaded_since <= l->unlinked_at || ctx->last_unload >= from;
}

/* ------------------------------------------------------ recording */

static bool already(const struct sim *s, enum tlbsim_hazard_kind k, uint32_t c,
		    const char *table, uint32_t mm)
{
	for (size_t i = 0; i < s->res.nhazards; i++) {
		const struct tlbsim_hazard *h = &s->res.hazards[i];

		if (h->kind == k && h->cpu == c && h->mm == mm &&
		    strcmp(h->table, table) == 0)
			return true;
	}
	return false;
}

static struct tlbsim_hazard *hazard_new(struct sim *s, enum tlbsim_hazard_kind k,
					uint32_t c, uint32_t mm, const char *table)
{
	struct tlbsim_hazard *h;

	if (already(s, k, c, table, mm))
		return NULL;
	if (s->res.nhazards == s->caphazards) {
		size_t cap = s->caphazards ? 2 * s->caphazards : 8;
		struct tlbsim_hazard *n = realloc(s->res.hazards, cap * sizeof(*n));

		if (!n)
			return NULL;
		s->res.hazards = n;
		s->caphazards = cap;
	}
	h = &s->res.hazards[s->res.nhazards++];
	memset(h, 0, sizeof(*h));
	h->kind = k;
	h->cpu = c;
	h->mm = mm;
	h->t = sim_t(s, sim_now(s));
	snprintf(h->table, sizeof(h->table), "%s", table);
	return h;
}

static void chain_add(struct tlbsim_hazard *h, uint64_t t, int cpu,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void chain_add(struct tlbsim_hazard *h, uint64_t t, int cpu,
		      const char *fmt, ...)
{
	struct tlbsim_chain_step *st;
	va_list ap;

	if (h->chain_len == TLBSIM_CHAIN_MAX)
		return;
	st = &h->chain[h->chain_len++];
	st->t = t;
	st->cpu = cpu;
	va_start(ap, fmt);
	vsnprintf(st->what, sizeof(st->what), fmt, ap);
	va_end(ap);
}

/* The chain as one sentence: "t=40 cpu 0: ...; t=40 cpu 1: ...". */
static void chain_sentence(struct tlbsim_hazard *h)
{
	size_t n = 0;

	for (unsigned i = 0; i < h->chain_len && n < sizeof(h->cause); i++) {
		const struct tlbsim_chain_step *st = &h->chain[i];
		int w;

		if (st->cpu >= 0)
			w = snprintf(h->cause + n, sizeof(h->cause) - n, "%st=%llu cpu %d: %s",
				     i ? "; " : "", (unsigned long long)st->t, st->cpu,
				     st->what);
		else
			w = snprintf(h->cause + n, sizeof(h->cause) - n, "%st=%llu: %s",
				     i ? "; " : "", (unsigned long long)st->t, st->what);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

static void publish(struct sim *s, struct tlbsim_hazard *h)
{
	chain_sentence(h);
	if (sim_observing(s)) {
		s->obs_index = s->res.nhazards - 1;
		sim_observe(s, TLBSIM_OBS_HAZARD, (int)h->cpu, -1, sim_now(s),
			    sim_now(s), NULL, "%s: %s", tlbsim_hazard_name(h->kind),
			    h->cause);
	}
}

/* ------------------------------------------------------ chain steps */

static void table_name(const struct dead_link *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s@0x%llx", pt_level_name((enum pt_level)l->level),
		 (unsigned long long)l->base);
}

static const char *unlink_text(const struct dead_link *l)
{
	switch (l->ev) {
	case TLBSIM_EV_UNSHARE:
		return "cleared its PUD entry to the shared PMD table (huge_pmd_unshare)";
	case TLBSIM_EV_COLLAPSE:
		return "detached the PTE table (pmdp_collapse_flush)";
	case TLBSIM_EV_EXIT:
		return "tore the mm down (exit_mmap) and unlinked the table";
	default:
		return "unlinked the table (free_pgtables)";
	}
}

static void step_unlink(struct tlbsim_hazard *h, const struct dead_link *l)
{
	chain_add(h, l->t, (int)l->cpu, "%s of mm %u %s", tlbsim_ev_name(l->ev),
		  l->mm_trace_id, unlink_text(l));
}

/* Why the last flush of the mm did not reach @c. */
static void step_why_missed(struct sim *s, struct tlbsim_hazard *h, uint32_t c,
			    const struct dead_link *l)
{
	const struct cpu *cpu = &s->cpus[c];
	bool recent = cpu->skip_mm == l->mm && cpu->skip_t >= l->t;

	switch (recent ? cpu->skip_reason : SKIP_NONE) {
	case SKIP_LAZY:
		chain_add(h, cpu->skip_t, (int)c, "was lazy and wake_lazy_cpus was "
			  "false (policy wake=%s): should_flush_tlb() skipped it, no IPI",
			  tlbsim_wake_name(s->cfg.policy.wake));
		return;
	case SKIP_HYPERV_LAZY:
		chain_add(h, cpu->skip_t, (int)c, "was lazy: hyperv_flush_tlb_multi() "
			  "left it out of the hypercall (do_lazy)");
		return;
	case SKIP_KVM_PREEMPTED:
		chain_add(h, cpu->skip_t, (int)c, "was a preempted vCPU: "
			  "kvm_flush_tlb_multi() flagged it instead of sending an IPI");
		return;
	case SKIP_HYPERCALL:
		chain_add(h, cpu->skip_t, (int)c, "was flushed by a hypercall: no "
			  "interrupt reached it");
		return;
	default:
		break;
	}
	chain_add(h, l->t, (int)c, "%s mm %u loaded and received no flush of its ASID",
		  cpu->is_lazy ? "was lazy with" : "had", l->mm_trace_id);
}

static void step_gone(struct sim *s, struct tlbsim_hazard *h,
		      const struct dead_link *l, enum gone_how how,
		      const struct op *op)
{
	uint64_t t = sim_t(s, sim_now(s));

	switch (how) {
	case GONE_FREED:
		chain_add(h, t, -1, "the table was freed after its RCU grace period");
		return;
	case GONE_REUSED:
		if (op && op->sync_skipped)
			chain_add(h, t, -1, "tlb_remove_table_sync_one() was skipped "
				  "(policy sync=%s) and the PTE table was reused at once",
				  tlbsim_sync_name(s->cfg.policy.sync));
		else
			chain_add(h, t, -1, "the PTE table was reused at once "
				  "(deposited for the huge page)");
		return;
	case GONE_HANDED_OVER:
		chain_add(h, t, -1, "the PMD table now belongs to the other sharers "
			  "alone: they may free or rewrite it with no IPI to mm %u's "
			  "CPUs", l->mm_trace_id);
		return;
	}
}

/* ------------------------------------------------------------ checks */

static void check_psc(struct sim *s, const struct dead_link *l,
		      enum gone_how how, const struct op *op)
{
	char table[48];

	for (uint32_t i = 0; i < s->nactive; i++) {
		uint32_t c = s->active[i];   /* only they ever load a user mm */
		struct tlbsim_hazard *h;

		if (!psc_may_hold(s, c, l))
			continue;
		table_name(l, table, sizeof(table));  /* rare: only for a hazard */
		h = hazard_new(s, TLBSIM_HAZARD_STALE_PSC, c, l->mm_trace_id, table);
		if (!h)
			continue;
		step_unlink(h, l);
		step_why_missed(s, h, c, l);
		chain_add(h, l->t, (int)c, "still has mm %u in CR3%s: its "
			  "paging-structure caches may hold the link to %s",
			  l->mm_trace_id, s->cpus[c].is_lazy ? " (lazy)" : "", table);
		step_gone(s, h, l, how, op);
		publish(s, h);
	}
}

static bool on_gup_path(const struct cpu *cpu, uint32_t table)
{
	return cpu->gup_path[0] == table || cpu->gup_path[1] == table ||
	       cpu->gup_path[2] == table;
}

static void check_gup(struct sim *s, const struct dead_link *l,
		      enum gone_how how, const struct op *op)
{
	uint64_t now = sim_now(s);
	char table[48];

	for (uint32_t i = 0; i < s->nactive; i++) {
		uint32_t c = s->active[i];   /* gup_fast is a trace event */
		const struct cpu *cpu = &s->cpus[c];
		struct tlbsim_hazard *h;

		if (now >= cpu->gup_until || cpu->gup_mm != l->mm ||
		    cpu->gup_since > l->unlinked_at || !on_gup_path(cpu, l->table))
			continue;
		table_name(l, table, sizeof(table));
		h = hazard_new(s, TLBSIM_HAZARD_GUP_FAST, c, l->mm_trace_id, table);
		if (!h)
			continue;
		chain_add(h, cpu->gup_t, (int)c, "entered gup_fast on mm %u with IRQs "
			  "off; its walk goes through %s", l->mm_trace_id, table);
		step_unlink(h, l);
		step_why_missed(s, h, c, l);
		step_gone(s, h, l, how, op);
		chain_add(h, sim_t(s, now), (int)c, "was still inside gup_fast "
			  "(until t=%llu)", (unsigned long long)sim_t(s, cpu->gup_until));
		publish(s, h);
	}
}

/* @l's table is no longer safe to reach: who still can? */
void hazard_link_gone(struct sim *s, struct dead_link *l, enum gone_how how,
		      const struct op *op)
{
	l->how = (uint8_t)how;
	l->gone_at = sim_now(s);
	check_psc(s, l, how, op);
	check_gup(s, l, how, op);
	s->gone[s->gone_next++ % (sizeof(s->gone) / sizeof(s->gone[0]))] = *l;
}

/* `speculate`: a speculative walk on @c through @mm at @addr uses whatever
 * the paging-structure caches still hold. */
void hazard_speculate(struct sim *s, uint32_t c, struct mm *mm, uint64_t addr)
{
	size_t n = sizeof(s->gone) / sizeof(s->gone[0]);
	uint32_t idx = (uint32_t)(mm - s->mms);

	for (size_t i = 0; i < n; i++) {
		const struct dead_link *l = &s->gone[i];
		uint64_t span = l->level == PT_PTE ? PMD_SIZE :
				l->level == PT_PMD ? PUD_SIZE : PGDIR_SIZE;
		struct tlbsim_hazard *h;
		char table[48];

		if (!l->how || l->mm != idx || l->ctx_id != mm->ctx_id ||
		    addr < l->base || addr >= l->base + span || !psc_may_hold(s, c, l))
			continue;
		table_name(l, table, sizeof(table));
		h = hazard_new(s, TLBSIM_HAZARD_STALE_PSC, c, mm->trace_id, table);
		if (!h)
			continue;
		step_unlink(h, l);
		step_why_missed(s, h, c, l);
		chain_add(h, sim_t(s, sim_now(s)), (int)c, "walked 0x%llx "
			  "speculatively through the stale link into %s",
			  (unsigned long long)addr, table);
		publish(s, h);
	}
}

void hazard_stale_tlb(struct sim *s, uint32_t c, struct mm *mm, uint64_t addr,
		      const struct inval *why)
{
	struct tlbsim_hazard *h;
	char page[48];

	snprintf(page, sizeof(page), "page@0x%llx", (unsigned long long)addr);
	h = hazard_new(s, TLBSIM_HAZARD_STALE_TLB, c, mm->trace_id, page);
	if (!h)
		return;
	chain_add(h, why->t, (int)why->cpu, "%s of mm %u removed the translation "
		  "of 0x%llx", tlbsim_ev_name(why->ev), mm->trace_id,
		  (unsigned long long)addr);
	chain_add(h, sim_t(s, why->done), -1, "its flush completed");
	chain_add(h, sim_t(s, sim_now(s)), (int)c, "used the old translation, "
		  "still in its TLB");
	publish(s, h);
}

void hazard_asid_transition(struct sim *s, uint32_t c, struct mm *mm)
{
	struct tlbsim_hazard *h = hazard_new(s, TLBSIM_HAZARD_ASID_TRANSITION, c,
					     mm->trace_id, "");

	if (!h)
		return;
	chain_add(h, sim_t(s, sim_now(s)), (int)c, "ran mm %u on dynamic ASID %u "
		  "during its global-ASID transition", mm->trace_id,
		  s->cpus[c].loaded_asid);
	chain_add(h, sim_t(s, sim_now(s)), -1, "the INVLPGB broadcast covered only "
		  "the global ASID and no IPI reached cpu %u", c);
	publish(s, h);
}
