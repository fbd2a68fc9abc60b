/*
 * events.c - one handler per trace event kind (ROSS-style table): what the
 * modeled kernel does when the event happens on its CPU. The operations on
 * an address space that end in a flush (unmap, zap, protect, remap,
 * collapse, unshare, exit, a raw flush) are in events_mm.c. See
 * docs/MODEL.md.
 */
#include "kernel/internal.h"

/* ev_mm() of an id that names no mm yet: a new mm, named by it (by 0:
 * a new unnamed one). */
struct mm *ev_mm_new(struct sim *s, uint32_t trace_id, uint32_t *idx)
{
	if (mm_lookup(s, trace_id, true, idx)) {
		sim_model_error(s, "out of memory creating mm %u", trace_id);
		return NULL;
	}
	return mm_get(s, *idx);
}

/* Why @c cannot make a user access to mm @idx: the model's error. */
static __attribute__((cold, noinline)) int not_running(struct sim *s, uint32_t c,
						       uint32_t idx, const char *what)
{
	const struct cpu *cpu = &s->cpus[c];

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

/* The CPU must run @mm (not lazily) for a user access or gup_fast. */
static inline int require_running(struct sim *s, uint32_t c, uint32_t idx,
				  const char *what)
{
	const struct cpu *cpu = &s->cpus[c];

	if (cpu->loaded_mm == idx && !cpu->is_lazy)
		return 0;
	return not_running(s, c, idx, what);
}

static int ev_switch(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;

	if (!ev->mm) {
		s->cpus[c].in_idle = ev->idle;
		enter_lazy_tlb(s, c);
		return 0;
	}
	if (!ev_mm(s, ev->mm, &idx))
		return s->err;
	/* counted out of idle, if it was, or apart if the capture lost it */
	s->cpus[c].switch_unseen = ev->unseen;
	switch_mm_irqs_off(s, c, idx);
	s->cpus[c].switch_unseen = false;
	s->cpus[c].in_idle = false;
	return 0;
}

static int ev_map(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx;
	struct mm *mm = ev_mm(s, ev->mm, &idx);
	int err;

	(void)c;
	if (!mm)
		return s->err;
	err = vma_add(s, mm, ev->addr, ev->addr + ev->len, ev->hugetlb, ev->shared);
	if (err == TLBSIM_EMODEL)
		return sim_model_error(s, "map: [0x%llx, 0x%llx) overlaps an existing "
			"mapping of mm %u", (unsigned long long)ev->addr,
			(unsigned long long)(ev->addr + ev->len), ev->mm);
	if (err)
		return sim_model_error(s, "out of memory");
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0, "mmap_region",
			"mm %u gets a %sVMA [0x%llx, 0x%llx); no page tables yet", ev->mm,
			ev->hugetlb ? "hugetlb " : ev->shared ? "shared " : "", (unsigned long long)ev->addr,
			(unsigned long long)(ev->addr + ev->len));
	return 0;
}

/* The mm a user access on @c names, which @c must run: found as the one
 * it runs, without the id's hash probe, when it is (as it must be). */
static inline struct mm *running_mm(struct sim *s, uint32_t c, uint32_t trace_id,
				    const char *what)
{
	const struct cpu *cpu = &s->cpus[c];
	uint32_t idx;
	struct mm *mm;

	if (cpu->loaded_mm != INIT_MM && !cpu->is_lazy &&
	    s->mms[cpu->loaded_mm].named && s->mms[cpu->loaded_mm].trace_id == trace_id)
		return &s->mms[cpu->loaded_mm];
	mm = ev_mm(s, trace_id, &idx);
	return mm && !require_running(s, c, idx, what) ? mm : NULL;
}

static int ev_touch(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	struct mm *mm = running_mm(s, c, ev->mm, "touch");

	if (!mm)
		return s->err;
	if (gather_touch(s, c, mm, ev->addr, ev->len ? ev->len : PAGE_SIZE, ev->write))
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
	struct mm *mm = ev_mm(s, ev->mm, &idx);
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
	struct mm *mm = ev_mm(s, ev->mm, &idx);

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
	struct mm *mm = ev_mm(s, ev->mm, &idx);

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
 * is not changed; its ASID slots only with @asid: one of them still holds
 * the mm, current (cpu_slot_before()).
 */
static int ev_ran_before(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	uint32_t idx = INIT_MM;   /* "mm": null, with "asid" (native_rules.c) */
	struct mm *mm = ev->mm ? ev_mm(s, ev->mm, &idx) : mm_get(s, INIT_MM);

	if (!mm)
		return s->err;
	if (idx != INIT_MM)   /* init_mm's mask means nothing */
		cpumask_set(&mm->cpumask, c);
	if (ev->asid)
		cpu_slot_before(s, c, idx);
	if (sim_observing(s) && idx == INIT_MM)
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"choose_new_asid", "an ASID slot of cpu %u still holds init_mm "
			"from before the trace: a switch to it needs no flush", c);
	else if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"mm_cpumask", "cpu %u ran mm %u before the trace: its bit "
			"in mm_cpumask stays set (switch_mm_irqs_off() leaves it), "
			"so mm %u's flushes consider it until one finds it on "
			"another mm and clears it (flush_tlb_func(): wrong CPU)%s",
			c, ev->mm, ev->mm, ev->asid ? "; an ASID slot still holds "
			"it at its tlb_gen, so a switch back needs no flush "
			"(choose_new_asid())" : "");
	return 0;
}

/*
 * The CPU had @mm in CR3 when the trace began (an importer's inference),
 * lazily (lazy_before: a flush IPI the capture shows it leave @mm for
 * init_mm, before any switch of its was recorded) or running a task of
 * @mm (running_before: the CPU's first record is that task's own, with no
 * switch to it). cpu_load_before() sets that state; no switch is counted.
 * A user task already running on the CPU contradicts either.
 */
static int load_before(struct sim *s, uint32_t c,
		       const struct tlbsim_trace_event *ev, bool lazy)
{
	const struct cpu *cpu = &s->cpus[c];
	const char *name = lazy ? "lazy_before" : "running_before";
	uint32_t idx;
	struct mm *mm = ev_mm(s, ev->mm, &idx);

	if (!mm)
		return s->err;
	if (cpu->loaded_mm != INIT_MM && !cpu->is_lazy)
		return sim_model_error(s, "%s: cpu %u runs mm %u (a user "
			"task); switch it to a kernel thread first", name, c,
			mm_get(s, cpu->loaded_mm)->trace_id);
	cpu_load_before(s, c, idx, lazy);
	if (!sim_observing(s))
		return 0;
	if (lazy)
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"enter_lazy_tlb", "cpu %u was lazy on mm %u before the trace: "
			"mm %u stays loaded, its bit in mm_cpumask is set, and a flush "
			"that wakes lazy CPUs sends it an IPI that switches it to "
			"init_mm (flush_tlb_func(): is_lazy)", c, ev->mm, ev->mm);
	else
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"switch_mm_irqs_off", "cpu %u ran a task of mm %u when the "
			"trace began: mm %u is loaded, its bit in mm_cpumask is set, "
			"and no task switch is counted (none is in the trace)",
			c, ev->mm, ev->mm);
	return 0;
}

static int ev_lazy_before(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	return load_before(s, c, ev, true);
}

static int ev_running_before(struct sim *s, uint32_t c,
			     const struct tlbsim_trace_event *ev)
{
	return load_before(s, c, ev, false);
}

typedef int (*ev_handler)(struct sim *, uint32_t, const struct tlbsim_trace_event *);

static const ev_handler handlers[TLBSIM_EV_COUNT] = {
	[TLBSIM_EV_SWITCH] = ev_switch,
	[TLBSIM_EV_MAP] = ev_map,
	[TLBSIM_EV_TOUCH] = ev_touch,
	[TLBSIM_EV_UNMAP] = ev_clear,
	[TLBSIM_EV_ZAP] = ev_clear,
	[TLBSIM_EV_PROTECT] = ev_clear,
	[TLBSIM_EV_REMAP] = ev_clear,
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
	[TLBSIM_EV_RUNNING_BEFORE] = ev_running_before,
};

int sim_dispatch(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev)
{
	if (ev->kind >= TLBSIM_EV_COUNT || !handlers[ev->kind])
		return 0; /* observed: not an input of the model */
	return handlers[ev->kind](s, c, ev);
}
