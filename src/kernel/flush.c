/*
 * flush.c - flush_tlb_mm_range(), the paravirt flush_tlb_multi backends,
 * should_flush_tlb() and flush_tlb_func(). (arch/x86/mm/tlb.c,
 * arch/x86/kernel/kvm.c, arch/x86/hyperv/mmu.c, arch/x86/xen/mmu_pv.c)
 */
#include <string.h>

#include "kernel/internal.h"

static bool is_full(const struct flush_info *f)
{
	return f->end == NEVER;
}

static void note_skip(struct sim *s, uint32_t c, uint32_t mm,
		      enum skip_reason why)
{
	struct cpu *cpu = &s->cpus[c];

	cpu->skip_reason = (uint8_t)why;
	cpu->skip_mm = mm;
	cpu->skip_t = s->cur ? s->cur->t : s->last_t;
}

/* should_flush_tlb(): is @c worth an IPI for this flush? */
static bool should_flush_tlb(struct sim *s, uint32_t c, const struct flush_info *f)
{
	const struct cpu *cpu = &s->cpus[c];

	if (cpu->is_lazy)
		return false; /* flushed at its next switch, via tlb_gen */
	if (cpu->loaded_mm == f->mm)
		return true;
	return f->trim_cpumask; /* a stale CPU: it will clear its bit */
}

/* Say why should_flush_tlb() left @c out, and what happens to it later. */
static void explain_skip(struct sim *s, uint32_t me, uint32_t c,
			 const struct flush_info *f)
{
	const struct cpu *cpu = &s->cpus[c];
	const struct mm *mm = mm_get(s, f->mm);

	if (cpu->is_lazy && cpu->loaded_mm == f->mm)
		sim_observe(s, TLBSIM_OBS_DECISION, (int)me, (int)c, sim_now(s), 0,
			"should_flush_tlb",
			"cpu %u is lazy and wake_lazy_cpus is false: should_flush_tlb() "
			"skips it; it will flush when it next switches to mm %u because "
			"its tlb_gen %llu < %llu", c, mm->trace_id,
			(unsigned long long)cpu->ctxs[cpu->loaded_asid].tlb_gen,
			(unsigned long long)f->new_tlb_gen);
	else if (cpu->is_lazy)
		sim_observe(s, TLBSIM_OBS_DECISION, (int)me, (int)c, sim_now(s), 0,
			"should_flush_tlb",
			"cpu %u is lazy (on another mm): should_flush_tlb() skips it",
			c);
	else
		sim_observe(s, TLBSIM_OBS_DECISION, (int)me, (int)c, sim_now(s), 0,
			"should_flush_tlb",
			"cpu %u has a stale bit in mm %u's cpumask (it runs %s%u) and "
			"trim_cpumask is false: should_flush_tlb() skips it", c,
			mm->trace_id, cpu->loaded_mm == INIT_MM ? "init_mm" : "mm ",
			cpu->loaded_mm == INIT_MM ? 0 : s->mms[cpu->loaded_mm].trace_id);
}

/* ------------------------------------------------------ flush_tlb_func */

/* Run on @c, from the IPI or locally. Returns the cycles it took. */
uint64_t flush_tlb_func(struct sim *s, uint32_t c, const struct flush_info *f)
{
	struct cpu *cpu = &s->cpus[c];
	struct mm *mm = mm_get(s, f->mm);
	bool local = c == f->initiating_cpu;
	const struct tlbsim_profile *p = &s->prof;
	uint64_t local_gen, mm_gen, nr;
	struct asid_ctx *ctx;

	if (cpu->loaded_mm != f->mm) {
		/* Wrong CPU: a stale mm_cpumask bit, cleared now. */
		cpumask_clear(&mm->cpumask, c);
		s->res.c.wrong_cpu++;
		s->res.per_cpu[c].idle_irq_wrong_cpu += cpu->in_idle;
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
				"flush_tlb_func",
				"cpu %u no longer runs mm %u: wrong CPU, it clears its "
				"bit in mm_cpumask", c, mm->trace_id);
		return p->flush_handler;
	}
	if (f->mm != INIT_MM && mm->global_asid && s->cfg.backend->global_asids &&
	    cpu->loaded_asid != ASID_GLOBAL) {
		/* mm_needs_global_asid(): switch_mm to move to the global ASID
		 * (this also ends lazy mode). */
		cpu->is_lazy = false;
		switch_mm_irqs_off(s, c, f->mm);
		return p->flush_handler + p->cr3_noflush;
	}
	if (cpu->loaded_asid == ASID_GLOBAL)
		return p->flush_handler; /* INVLPGB keeps global ASIDs current */
	if (cpu->is_lazy) {
		/* Lazy: switch to init_mm rather than flush (the TLB may hold
		 * garbage from freed tables otherwise). */
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
				"flush_tlb_func",
				"cpu %u is lazy on mm %u: it switches to init_mm instead "
				"of flushing", c, mm->trace_id);
		switch_mm_irqs_off(s, c, INIT_MM);
		return p->flush_handler + p->cr3_flush;
	}
	ctx = &cpu->ctxs[cpu->loaded_asid];
	local_gen = ctx->tlb_gen;
	if (f->new_tlb_gen <= local_gen) {
		/* someone already caught us up: no flush, no trace */
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
				"flush_tlb_func",
				"cpu %u is already at tlb_gen %llu >= %llu (a flush it ran "
				"meanwhile caught it up): it returns without flushing, "
				"and traces nothing", c, (unsigned long long)local_gen,
				(unsigned long long)f->new_tlb_gen);
		return p->flush_handler;
	}
	mm_gen = mm->tlb_gen;
	if (local_gen == mm_gen) {
		nr = 0;
	} else if (!is_full(f) && f->new_tlb_gen == local_gen + 1 &&
		   f->new_tlb_gen == mm_gen) {
		/* Partial: only when exactly one generation behind. */
		nr = (f->end - f->start) >> f->stride_shift;
		cpu_flush_asid(s, c, cpu->loaded_asid, false, f->start, f->end);
		s->res.c.flush_partial++;
		ctx->tlb_gen = mm_gen;
	} else {
		nr = UINT64_MAX;
		cpu_flush_asid(s, c, cpu->loaded_asid, true, 0, NEVER);
		s->res.c.flush_full++;
		ctx->tlb_gen = mm_gen;
	}
	if (local) {
		s->res.c.flush_local++;
		s->res.per_cpu[c].unseen_flush_local += f->unseen;
		mm->counts.flush_local += !f->unseen;
	} else {
		s->res.c.flush_remote++;
		s->res.per_cpu[c].idle_irq_remote += cpu->in_idle;
		mm->counts.flush_remote++;
	}
	if (sim_observing(s)) {   /* the tlb_flush record the kernel writes */
		s->obs_index = mm->trace_id;
		sim_observe(s, TLBSIM_OBS_FLUSH, (int)c, -1, sim_now(s), 0,
			    "flush_tlb_func", "%s%s", local && f->unseen ? "unseen_" : "",
			    local ? "local" : "remote");
	}
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"flush_tlb_func", "cpu %u %s: %s (tlb_gen %llu -> %llu)", c,
			local ? "flushes locally" : "handles the shootdown",
			nr == 0 ? "already current, nothing to flush" :
			nr == UINT64_MAX ? "full flush" : "partial flush (INVLPG)",
			(unsigned long long)local_gen, (unsigned long long)mm_gen);
	if (nr == UINT64_MAX)
		return p->flush_handler + p->full_flush + p->tlb_refill;
	return p->flush_handler + nr * p->invlpg;
}

/* ---------------------------------------------------------- backends */

static uint64_t local_flush(struct sim *s, uint32_t c, struct op *op)
{
	return flush_tlb_func(s, c, &op->fi);
}

/* Does the initiator run flush_tlb_func itself (SCF_RUN_LOCAL)? Asked
 * once its IPIs are out, as smp_call_function_many_cond() does. */
static bool local_qualifies(struct sim *s, uint32_t me, const struct op *op)
{
	const struct mm *mm = mm_get(s, op->fi.mm);

	return cpumask_test(&mm->cpumask, me) &&
	       (op->local_all || should_flush_tlb(s, me, &op->fi));
}

/*
 * smp_call_function_many_cond() runs the function locally only after it
 * has queued the csds and sent the IPIs: in a KVM guest each send is a VM
 * exit, and the captures show the initiator's flush_tlb_func 7-8 us after
 * its TLB_REMOTE_SEND_IPI. An IPI that reaches the initiator meanwhile (a
 * concurrent flush of the same mm from another CPU) is handled first: its
 * flush_tlb_func catches the CPU up to the mm's tlb_gen, so the local call
 * finds f->new_tlb_gen <= local_tlb_gen and returns without a trace. So
 * does one whose stall (ipi_target_stall) holds the initiator when the
 * call is due: in tlb_flush1, of two threads' flushes 3-5 us apart, the
 * second sender ran the first one's IPI at its usual 13-14 us latency,
 * then its own flush_tlb_func (20 us after its send, not 7), which traced
 * nothing: 129 of the capture's 2957 IPIs found their target current, and
 * 130 local flushes were skipped.
 */
static void local_flush_later(struct sim *s, uint32_t me, struct op *op,
			      bool all, uint32_t sent)
{
	struct ev_op ev = { me, op->seq };

	op->local_pending = true;
	op->local_all = all;
	op->local_waiting = false;
	sim_schedule(s, sim_now(s) + s->prof.ipi_send +
		     (uint64_t)sent * s->prof.ipi_send_per_target,
		     SEV_LOCAL_FLUSH, &ev, sizeof(ev));
}

/* The initiator's deferred local flush is due (SEV_LOCAL_FLUSH). */
void flush_local_due(struct sim *s, uint32_t c, uint64_t op_seq)
{
	struct cpu *cpu = &s->cpus[c];
	struct op *op = &cpu->op;
	uint64_t now = sim_now(s), cost = 0;
	struct ev_cpu ev = { c };

	if (op->seq != op_seq || !op->local_pending)
		return;
	if (cpu->in_handler || cpu->stalls) {
		/* in an IPI handler, or held until one arrives: the call
		 * waits for the handler to return (ipi_handler_done) */
		if (sim_observing(s) && !op->local_waiting)
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, now, 0,
				"smp_call_function_many_cond", "cpu %u has sent its "
				"IPIs, but %s: its own flush_tlb_func runs after that "
				"handler", c, cpu->in_handler ? "an IPI handler is running" :
				"an incoming IPI holds it");
		op->local_waiting = true;
		return;
	}
	op->local_pending = op->local_waiting = false;
	if (local_qualifies(s, c, op))
		cost = local_flush(s, c, op);
	if (op->local_done < now + cost)
		op->local_done = now + cost;
	if (!op->pending)   /* the acks came first: op_ack() left it to us */
		sim_schedule(s, op->local_done, SEV_OP_CONTINUE, &ev, sizeof(ev));
}

/* trace_tlb_flush(TLB_REMOTE_SEND_IPI): native_flush_tlb_multi() traces
 * it on entry, whatever it then sends. */
static void trace_remote_send(struct sim *s, uint32_t me, struct mm *mm,
			      const struct flush_info *f)
{
	s->res.c.remote_send_ipi++;
	s->res.per_cpu[me].unseen_flush_send += f->unseen;
	mm->counts.remote_send_ipi += !f->unseen;
	if (sim_observing(s)) {
		s->obs_index = mm->trace_id;
		sim_observe(s, TLBSIM_OBS_FLUSH, (int)me, -1, sim_now(s), 0,
			    "flush_tlb_multi", "%s", f->unseen ? "unseen_send" : "send");
	}
}

/*
 * native_flush_tlb_multi(): on_each_cpu_mask when waking lazy CPUs (or in
 * an ASID transition), else on_each_cpu_cond_mask(should_flush_tlb). The
 * caller runs the function locally when it qualifies (SCF_RUN_LOCAL).
 * kvm_flush_tlb_multi() first takes preempted vCPUs out of the mask.
 */
static uint64_t native_flush_tlb_multi(struct sim *s, uint32_t me, struct op *op)
{
	const struct flush_info *f = &op->fi;
	struct mm *mm = mm_get(s, f->mm);
	bool all = f->wake_lazy_cpus || mm->asid_transition;
	bool kvm = s->cfg.backend->skips_preempted;
	uint64_t cost = 0;
	uint32_t sent = 0;

	trace_remote_send(s, me, mm, &op->fi);

	for (uint32_t c = cpumask_next(&mm->cpumask, 0, s->ncpus); c < s->ncpus;
	     c = cpumask_next(&mm->cpumask, c + 1, s->ncpus)) {
		struct cpu *cpu = &s->cpus[c];

		if (c == me)
			continue;
		if (kvm && sim_now(s) < cpu->preempt_until) {
			/* KVM_VCPU_PREEMPTED: flag KVM_VCPU_FLUSH_TLB instead */
			cpu->kvm_flush_pending = true;
			s->res.c.kvm_deferred++;
			note_skip(s, c, f->mm, SKIP_KVM_PREEMPTED);
			if (sim_observing(s))
				sim_observe(s, TLBSIM_OBS_DECISION, (int)me, (int)c,
					sim_now(s), 0, "kvm_flush_tlb_multi",
					"vCPU %u is preempted: no IPI; it is flagged "
					"KVM_VCPU_FLUSH_TLB and the host flushes its TLB "
					"before it runs again", c);
			continue;
		}
		if (!all && !should_flush_tlb(s, c, f)) {
			if (cpu->is_lazy)
				note_skip(s, c, f->mm, SKIP_LAZY);
			if (sim_observing(s))
				explain_skip(s, me, c, f);
			continue;
		}
		if (sim_observing(s) && all && cpu->is_lazy)
			sim_observe(s, TLBSIM_OBS_DECISION, (int)me, (int)c, sim_now(s),
				0, "native_flush_tlb_multi",
				"cpu %u is lazy but %s: on_each_cpu_mask() sends it the "
				"IPI anyway", c, f->wake_lazy_cpus ?
				"wake_lazy_cpus is true" : "mm is in an ASID transition");
		ipi_send(s, me, c, CSD_FLUSH_TLB_FUNC, op);
		cost += s->prof.ipi_send_per_target;
		sent++;
	}
	if (sent) {
		local_flush_later(s, me, op, all, sent);
		return cost + s->prof.ipi_send;
	}
	/* no CPU qualified: smp_call_function_many_cond() sent nothing (no
	 * VM exit) and runs the function locally at once; the captures show
	 * the local flush in the same microsecond as TLB_REMOTE_SEND_IPI */
	op->local_all = all;
	if (local_qualifies(s, me, op))
		cost += local_flush(s, me, op);
	return cost;
}

/*
 * pvm_flush_tlb_multi() after its hypercall: native_flush_tlb_multi() on
 * the initiator alone, which traces TLB_REMOTE_SEND_IPI and runs
 * flush_tlb_func locally when it qualifies (policy.c says how the
 * captures show this).
 */
static uint64_t native_flush_tlb_self(struct sim *s, uint32_t me, struct op *op)
{
	struct mm *mm = mm_get(s, op->fi.mm);

	trace_remote_send(s, me, mm, &op->fi);
	op->local_all = op->fi.wake_lazy_cpus || mm->asid_transition;
	return local_qualifies(s, me, op) ? local_flush(s, me, op) : 0;
}

/*
 * hyperv_flush_tlb_multi() / xen_flush_tlb_multi(): the hypervisor flushes
 * the vCPUs of the mask without interrupting them; Hyper-V leaves lazy
 * CPUs out unless wake_lazy_cpus (do_lazy). No flush_tlb_func runs. PVM's
 * hypercall flushes the others, and the initiator flushes itself.
 */
static uint64_t hypercall_flush_tlb_multi(struct sim *s, uint32_t me,
					  struct op *op)
{
	const struct flush_info *f = &op->fi;
	struct mm *mm = mm_get(s, f->mm);
	bool filter = s->cfg.backend->hypercall_lazy_filter && !f->wake_lazy_cpus;
	bool others = s->cfg.backend->hypercall_others;

	for (uint32_t c = cpumask_next(&mm->cpumask, 0, s->ncpus); c < s->ncpus;
	     c = cpumask_next(&mm->cpumask, c + 1, s->ncpus)) {
		if (others && c == me)
			continue;
		if (filter && s->cpus[c].is_lazy) {
			note_skip(s, c, f->mm, SKIP_HYPERV_LAZY);
			if (sim_observing(s))
				sim_observe(s, TLBSIM_OBS_DECISION, (int)me, (int)c,
					sim_now(s), 0, "hyperv_flush_tlb_multi",
					"cpu %u is lazy and wake_lazy_cpus is false: "
					"do_lazy leaves it out of the hypercall", c);
			continue;
		}
		cpu_flush_all(s, c);
		s->res.c.hypercall_flushes++;
		if (c != me)
			note_skip(s, c, f->mm, SKIP_HYPERCALL);
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)me, (int)c, sim_now(s), 0,
				s->cfg.backend->models, "the hypervisor flushes cpu %u's "
				"whole TLB%s: no IPI, no flush_tlb_func there, its tlb_gen "
				"stays %llu", c, s->cpus[c].is_lazy ? " (lazy)" : "",
				(unsigned long long)s->cpus[c].ctxs[s->cpus[c].loaded_asid].tlb_gen);
	}
	if (others) {
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)me, -1, sim_now(s), 0,
				"native_flush_tlb_multi", "cpu %u, on itself alone: "
				"TLB_REMOTE_SEND_IPI is traced, and its own flush_tlb_func "
				"runs if it qualifies; nothing clears the other CPUs' bits "
				"in mm %u's cpumask", me, mm->trace_id);
		return s->prof.hypercall_flush + native_flush_tlb_self(s, me, op);
	}
	return s->prof.hypercall_flush;
}

/* The IPI-sending half of finish_asid_transition(): while a CPU still runs
 * the mm on a dynamic ASID, flush_tlb_multi() reaches every CPU of the mask. */
static uint64_t finish_asid_transition(struct sim *s, uint32_t me, struct op *op)
{
	struct mm *mm = mm_get(s, op->fi.mm);
	uint64_t cost = 0;
	bool any = false;

	if (!mm->asid_transition)
		return 0;
	for (uint32_t c = 0; c < s->ncpus; c++) {
		const struct cpu *cpu = &s->cpus[c];

		if (cpu->loaded_mm == op->fi.mm && cpu->loaded_asid != ASID_GLOBAL)
			any = true;
	}
	if (!any) {
		mm->asid_transition = false;
		return 0;
	}
	cost = native_flush_tlb_multi(s, me, op);
	/* Every CPU still on an old ASID must have been reached. */
	for (uint32_t c = 0; c < s->ncpus; c++) {
		const struct cpu *cpu = &s->cpus[c];

		if (c != me && cpu->loaded_mm == op->fi.mm &&
		    cpu->loaded_asid != ASID_GLOBAL &&
		    !cpumask_test(&mm->cpumask, c))
			hazard_asid_transition(s, c, mm);
	}
	return cost;
}

/* broadcast_tlb_flush(): INVLPGB for the global ASID on every CPU, lazy
 * ones included, then TLBSYNC. No IPI, no handler. */
static uint64_t broadcast_tlb_flush(struct sim *s, uint32_t me, struct op *op)
{
	uint64_t now = sim_now(s);
	uint64_t cost = s->prof.invlpgb + s->prof.tlbsync;

	for (uint32_t c = 0; c < s->ncpus; c++) {
		struct cpu *cpu = &s->cpus[c];

		cpu->global.flushed_at = now;
		if (cpu->loaded_asid == ASID_GLOBAL && cpu->loaded_mm == op->fi.mm)
			cpu_flush_asid(s, c, ASID_GLOBAL, true, 0, NEVER);
	}
	s->res.c.invlpgb_flushes++;
	return cost + finish_asid_transition(s, me, op);
}

/* Narrate the flush request and the path flush_tlb_mm_range() takes. */
static void explain_flush(struct sim *s, uint32_t me, const struct flush_info *f,
			  uint64_t start, uint64_t end)
{
	struct mm *mm = mm_get(s, f->mm);
	char range[96];
	const char *path;

	if (end == NEVER)
		snprintf(range, sizeof(range), "everything");
	else if (f->end == NEVER)
		snprintf(range, sizeof(range), "[0x%llx, 0x%llx): %llu strides > %d, "
			 "so a full flush", (unsigned long long)start,
			 (unsigned long long)end,
			 (unsigned long long)((end - start) >> f->stride_shift),
			 TLB_FLUSH_CEILING);
	else
		snprintf(range, sizeof(range), "[0x%llx, 0x%llx) at stride 2^%u",
			 (unsigned long long)start, (unsigned long long)end,
			 f->stride_shift);
	if (mm->global_asid && s->cfg.backend->global_asids)
		path = "mm has a global ASID: broadcast_tlb_flush() (INVLPGB)";
	else if (cpumask_any_but(&mm->cpumask, me, s->ncpus))
		path = "other CPUs are in mm_cpumask: flush_tlb_multi()";
	else if (s->cpus[me].loaded_mm == f->mm)
		path = "no other CPU in mm_cpumask: local flush only";
	else
		path = "no CPU has the mm loaded: nothing to flush";
	sim_observe(s, TLBSIM_OBS_DECISION, (int)me, -1, sim_now(s), 0,
		    "flush_tlb_mm_range",
		    "mm %u tlb_gen %llu -> %llu; range %s; wake_lazy_cpus=%s; %s",
		    mm->trace_id, (unsigned long long)(f->new_tlb_gen - 1),
		    (unsigned long long)f->new_tlb_gen, range,
		    f->wake_lazy_cpus ? "true" : "false", path);
}

/* should_trim_cpumask(): at most once a second per mm. */
static bool should_trim_cpumask(struct sim *s, struct mm *mm)
{
	uint64_t now = sim_now(s);

	if (now <= mm->next_trim)
		return false;
	mm->next_trim = now + sim_second(s);
	return true;
}

/*
 * flush_tlb_mm() outside any operation of the CPU's: for a backend that
 * sends no IPI (pvm), whose flush ends before it returns.
 */
void flush_tlb_mm_now(struct sim *s, uint32_t c, uint32_t idx)
{
	struct op tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.mm = idx;
	flush_tlb_mm_range(s, c, &tmp, 0, NEVER, PAGE_SHIFT, true);
}

/*
 * flush_tlb_mm_range(): bump the mm's generation, then flush everywhere it
 * may be cached. Returns through the op: the IPIs it sent are counted in
 * op->pending; the local work is charged to the initiator.
 */
void flush_tlb_mm_range(struct sim *s, uint32_t me, struct op *op,
			uint64_t start, uint64_t end, uint8_t stride,
			bool wake_lazy_cpus)
{
	struct mm *mm = mm_get(s, op->mm);
	struct flush_info *f = &op->fi;
	uint64_t cost = 0;

	memset(f, 0, sizeof(*f));
	f->mm = op->mm;
	f->new_tlb_gen = ++mm->tlb_gen; /* inc_mm_tlb_gen(): a full barrier */
	f->initiating_cpu = me;
	/* a raw `flush` the capture holds no record of (op_begin() kept
	 * the event) */
	f->unseen = op->ev.kind == TLBSIM_EV_FLUSH && op->ev.unseen;
	f->stride_shift = stride;
	f->wake_lazy_cpus = wake_lazy_cpus;
	f->start = start;
	f->end = end;
	/* get_flush_tlb_info(): more than the ceiling collapses to a full flush */
	if (end == NEVER || ((end - start) >> stride) > TLB_FLUSH_CEILING) {
		f->start = 0;
		f->end = NEVER;
	}
	s->res.c.mm_flushes++;
	if (sim_observing(s))
		explain_flush(s, me, f, start, end);
	if (mm->global_asid && s->cfg.backend->global_asids) {
		cost = broadcast_tlb_flush(s, me, op);
	} else if (cpumask_any_but(&mm->cpumask, me, s->ncpus)) {
		f->trim_cpumask = should_trim_cpumask(s, mm);
		if (s->cfg.backend->hypercall)
			cost = hypercall_flush_tlb_multi(s, me, op);
		else
			cost = native_flush_tlb_multi(s, me, op);
	} else if (s->cpus[me].loaded_mm == op->mm) {
		cost = local_flush(s, me, op);
	}
	op->local_done = sim_now(s) + cost;
}
