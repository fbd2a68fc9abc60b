/*
 * ipi.c - smp-call IPIs: sending (smp_call_function_many_cond), delivery
 * when the target can take interrupts, the handler occupying its CPU, and
 * the acknowledgement the sender waits for (csd unlock). (kernel/smp.c)
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

static int csd_push(struct csd_queue *q, const struct csd *c)
{
	if (q->len == q->cap) {
		uint32_t cap = q->cap ? 2 * q->cap : 4;
		struct csd *n = malloc(cap * sizeof(*n));

		if (!n)
			return TLBSIM_ENOMEM;
		for (uint32_t i = 0; i < q->len; i++)
			n[i] = q->q[(q->head + i) % q->cap];
		free(q->q);
		q->q = n;
		q->cap = cap;
		q->head = 0;
	}
	q->q[(q->head + q->len) % q->cap] = *c;
	q->len++;
	return 0;
}

/* Queue @f on @target for the op of @from and send the IPI. */
void ipi_send(struct sim *s, uint32_t from, uint32_t target, enum csd_func f,
	      struct op *op)
{
	struct ev_ipi ev;
	struct cpu *t = &s->cpus[target];
	enum tlbsim_distance d = tlbsim_topology_distance(s->cfg.topo, from, target);
	uint64_t at = sim_now(s) + s->prof.ipi_send +
		      (uint64_t)op->pending * s->prof.ipi_send_per_target +
		      s->prof.ipi_latency[d];

	memset(&ev, 0, sizeof(ev));
	ev.target = target;
	ev.csd.func = (uint8_t)f;
	ev.csd.from = from;
	ev.csd.op_seq = op->seq;
	ev.csd.sent = sim_now(s);
	ev.csd.flow = ++s->flow_seq;
	op->pending++;
	if (f == CSD_FLUSH_TLB_FUNC) {
		s->res.c.ipi_flush++;
		s->res.per_cpu[from].flush_ipis_sent++;
		s->res.per_cpu[from].unseen_flush_ipis += op->fi.unseen;
		s->res.per_cpu[target].flush_ipis_received++;
		if (t->is_lazy) {
			s->res.c.ipi_to_lazy++;
			s->res.per_cpu[target].lazy_ipis_received++;
		}
	} else {
		s->res.c.ipi_sync++;
		s->res.per_cpu[from].sync_ipis_sent++;
		s->res.per_cpu[target].sync_ipis_received++;
	}
	s->obs_index = ev.csd.flow;
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_IPI_SEND, (int)from, (int)target,
			    sim_now(s), at, f == CSD_FLUSH_TLB_FUNC ?
			    "flush_tlb_func" : "tlb_remove_table_smp_sync",
			    "IPI cpu %u -> cpu %u%s%s", from, target,
			    t->is_lazy ? " (lazy)" : "",
			    op->fi.unseen ? " (sender unseen)" : "");
	if (s->prof.ipi_target_stall) {
		struct ev_cpu k = { target };
		uint64_t stall = s->prof.ipi_target_stall;

		sim_schedule(s, at - (stall < at - sim_now(s) ? stall : at - sim_now(s)),
			     SEV_IPI_STALL, &k, sizeof(k));
	}
	sim_schedule(s, at, SEV_IPI_ARRIVE, &ev, sizeof(ev));
}

/*
 * A vCPU target is kicked out of the guest well before the host injects
 * the interrupt, and runs nothing meanwhile (ipi_target_stall, measured on
 * the captures: a thread faulting every 2 us records nothing for the last
 * 5-14 us, about 8 in the median, before its call_function_single_entry).
 * Its own work (a gather's walk, a local flush) waits with it.
 */
void ipi_stall_begin(struct sim *s, uint32_t c)
{
	struct cpu *cpu = &s->cpus[c];

	if (!cpu->stalls++)
		cpu->stall_since = sim_now(s);
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			"kvm_vcpu_kick", "vCPU %u is kicked out of the guest for an IPI "
			"on its way: it runs nothing until the host injects it", c);
}

static void ipi_stall_end(struct sim *s, uint32_t c)
{
	struct cpu *cpu = &s->cpus[c];
	struct op *op = &cpu->op;
	struct ev_cpu ev = { c };

	if (!s->prof.ipi_target_stall || !cpu->stalls || --cpu->stalls)
		return;
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_STALL, (int)c, -1, cpu->stall_since,
			    sim_now(s), "kvm_vcpu_kick", "vCPU %u held by the host "
			    "until the IPI is injected", c);
	if (op->kind == OP_NONE || op->stage != ST_WALK)
		return;
	/* the walk stood still from the stall (or its own start) until now */
	op->local_done += sim_now(s) - (cpu->stall_since > op->started ?
					cpu->stall_since : op->started);
	if (op->walk_blocked) {
		op->walk_blocked = false;
		sim_schedule(s, op->local_done, SEV_OP_CONTINUE, &ev, sizeof(ev));
	}
}

void ipi_arrive(struct sim *s, const struct ev_ipi *ev)
{
	ipi_stall_end(s, ev->target);
	if (csd_push(&s->cpus[ev->target].csd, &ev->csd) && !s->err)
		s->err = tlbsim_diag_set(s->diag, TLBSIM_ENOMEM, "out of memory");
	ipi_run_pending(s, ev->target);
}

/* Run the next queued function if the CPU can take the interrupt now;
 * otherwise come back when its IRQ-off or preempted window ends. */
void ipi_run_pending(struct sim *s, uint32_t c)
{
	struct cpu *cpu = &s->cpus[c];
	uint64_t now = sim_now(s), cost, refill = 0;
	struct ev_cpu ev = { c };

	if (now >= cpu->preempt_until && cpu->kvm_flush_pending) {
		/* record_steal_time(): the host flushes a flagged vCPU's
		 * whole TLB before it runs again (kvm_vcpu_flush_tlb_guest) */
		cpu->kvm_flush_pending = false;
		cpu_flush_all(s, c);
	}
	if (!cpu->csd.len || cpu->in_handler)
		return;
	if (!cpu_can_take_irq(s, cpu)) {
		uint64_t wake = cpu->irq_off_until > cpu->preempt_until ?
				cpu->irq_off_until : cpu->preempt_until;

		sim_schedule(s, wake, SEV_CPU_WAKE, &ev, sizeof(ev));
		return;
	}
	cpu->cur = cpu->csd.q[cpu->csd.head];
	cpu->csd.head = (cpu->csd.head + 1) % cpu->csd.cap;
	cpu->csd.len--;
	cpu->in_handler = true;
	cost = s->prof.irq_entry + s->prof.irq_exit;
	if (cpu->cur.func == CSD_FLUSH_TLB_FUNC) {
		uint64_t remote = s->res.c.flush_remote, full = s->res.c.flush_full;
		uint64_t f = flush_tlb_func(s, c, &s->cpus[cpu->cur.from].op.fi);

		/* a full flush's TLB refills come after the handler, as the
		 * CPU runs on: they are its cost, but neither the tracepoint
		 * nor the csd unlock the sender waits for waits for them */
		if (s->res.c.flush_full != full)
			refill = s->prof.tlb_refill;
		cost += f - refill;
		/* trace_tlb_flush(TLB_REMOTE_SHOOTDOWN) fires as it ends */
		if (s->res.c.flush_remote != remote)
			hist_add(&s->lat_remote, now + cost - s->prof.irq_exit -
				 cpu->cur.sent);
	}
	/* tlb_remove_table_smp_sync() is empty: taking the IRQ is the point */
	cpu->handler_until = now + cost;
	if (cpu->op.kind != OP_NONE && cpu->op.stage == ST_WALK)
		cpu->op.local_done += cost;  /* the walk resumes after it */
	s->res.c.cycles_handlers += cost + refill;
	s->res.per_cpu[c].handler_cycles += cost + refill;
	s->obs_index = cpu->cur.flow;
	if (sim_observing(s))
		sim_observe(s, TLBSIM_OBS_HANDLER, (int)c, (int)cpu->cur.from, now,
			    now + cost, cpu->cur.func == CSD_FLUSH_TLB_FUNC ?
			    "flush_tlb_func" : "tlb_remove_table_smp_sync",
			    "cpu %u runs the IPI from cpu %u", c, cpu->cur.from);
	sim_schedule(s, now + cost, SEV_HANDLER_DONE, &ev, sizeof(ev));
}

void ipi_handler_done(struct sim *s, uint32_t c)
{
	struct cpu *cpu = &s->cpus[c];

	cpu->in_handler = false;
	op_ack(s, cpu->cur.from, cpu->cur.op_seq);
	ipi_run_pending(s, c);
	if (cpu->op.local_waiting)
		flush_local_due(s, c, cpu->op.seq);
	cpu_try_resume(s, c);
}

/*
 * A broadcast's IPI to a quiet CPU, one no trace event has named yet: it
 * runs nothing but IPI handlers (it is in no mm_cpumask and never has IRQs
 * off), so its handler starts when the IPI arrives or its previous handler
 * ends, and nothing else can happen to it meanwhile. Computed here instead
 * of three queue events per target: what keeps a 4096-CPU machine whose
 * trace uses a few CPUs near the cost of a small one. Same counters, same
 * times; the caller acknowledges all quiet targets at the latest end.
 */
static uint64_t ipi_quiet(struct sim *s, uint32_t from, uint32_t target,
			  enum tlbsim_distance d, struct op *op)
{
	uint64_t *until = &s->quiet_until[target];
	uint64_t at = sim_now(s) + s->prof.ipi_send +
		      (uint64_t)op->pending * s->prof.ipi_send_per_target +
		      s->prof.ipi_latency[d];
	uint64_t cost = s->prof.irq_entry + s->prof.irq_exit;

	++s->flow_seq;
	op->pending++;
	s->res.c.ipi_sync++;
	s->res.per_cpu[from].sync_ipis_sent++;
	s->quiet_taken[target]++;
	if (*until > at)
		at = *until;   /* its csd queue: one after the other */
	*until = at + cost;
	s->res.c.cycles_handlers += cost;
	return *until;
}

/* What the quiet CPU @c took, into its struct cpu and per-CPU results:
 * before it is modeled event by event, and at the end. The packed arrays
 * keep a broadcast to 4095 quiet CPUs off 4095 cpu structs (a cache miss
 * each: the broadcast's cost was its memory traffic). */
void quiet_fold(struct sim *s, uint32_t c)
{
	uint64_t n = s->quiet_taken[c];

	if (s->quiet_until[c] > s->cpus[c].handler_until)
		s->cpus[c].handler_until = s->quiet_until[c];
	s->res.per_cpu[c].sync_ipis_received += n;
	s->res.per_cpu[c].handler_cycles += n * (s->prof.irq_entry + s->prof.irq_exit);
	s->quiet_taken[c] = 0;
}

/* A quiet CPU named by its first trace event while its last handler runs:
 * from now on it is modeled event by event, so it is in that handler. */
void ipi_quiet_wake(struct sim *s, uint32_t c)
{
	struct cpu *cpu = &s->cpus[c];
	struct ev_cpu ev = { c };

	if (sim_now(s) >= cpu->handler_until || cpu->in_handler)
		return;
	cpu->in_handler = true;
	sim_schedule(s, cpu->handler_until, SEV_QUIET_DONE, &ev, sizeof(ev));
}

/*
 * tlb_remove_table_sync_one(): an empty IPI to every online CPU but the
 * caller, waiting for all of them, unless the policy's sync rule skips it
 * (tlb_table_flush_implies_ipi_broadcast()).
 */
void tlb_remove_table_sync_one(struct sim *s, uint32_t c, struct op *op)
{
	struct ev_acks acks = { 0, 0, 0 };
	uint64_t quiet_end = 0;
	uint8_t *dist = s->cpus[c].dist;

	s->res.c.sync_calls++;
	op->sync_targets = 0;
	op->sync_skipped = tlbsim_policy_skip_sync(&s->cfg.policy, s->cfg.backend);
	if (op->sync_skipped) {
		s->res.c.sync_skipped++;
		if (sim_observing(s))
			sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
				"tlb_remove_table_sync_one",
				"sync=%s on the %s backend: the broadcast IPI is skipped",
				tlbsim_sync_name(s->cfg.policy.sync), s->cfg.backend->name);
		op->local_done = sim_now(s);
		return;
	}
	/* the sender's distances, once: a broadcast reaches every CPU, and
	 * each lookup walks two CPUs' ancestor ids */
	if (!dist && (dist = malloc(s->ncpus))) {
		for (uint32_t t = 0; t < s->ncpus; t++)
			dist[t] = (uint8_t)tlbsim_topology_distance(s->cfg.topo, c, t);
		s->cpus[c].dist = dist;
	}
	for (uint32_t t = 0, a = 0; t < s->ncpus; t++) {
		/* whether @t is active, from the sorted active list: no
		 * struct cpu is read for a quiet one */
		while (a < s->nactive && s->active[a] < t)
			a++;
		if (t == c)
			continue;
		/* narrated runs show every IPI; others compute quiet ones */
		if (!(a < s->nactive && s->active[a] == t) && !sim_observing(s)) {
			uint64_t end = ipi_quiet(s, c, t, dist ? (enum tlbsim_distance)dist[t] :
						 tlbsim_topology_distance(s->cfg.topo, c, t), op);

			if (end > quiet_end)
				quiet_end = end;
			acks.n++;
		} else {
			ipi_send(s, c, t, CSD_TABLE_SYNC, op);
		}
		op->sync_targets++;
	}
	if (acks.n) {
		acks.cpu = c;
		acks.op_seq = op->seq;
		sim_schedule(s, quiet_end, SEV_ACK_MANY, &acks, sizeof(acks));
	}
	op->local_done = sim_now(s) + s->prof.ipi_send;
}
