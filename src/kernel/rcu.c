/*
 * rcu.c - table freeing after an RCU grace period (tlb_remove_table ->
 * call_rcu, MMU_GATHER_RCU_TABLE_FREE unconditional on x86).
 *
 * A grace period that began at cycle g is over once every CPU has passed a
 * point where it ran with IRQs on: a CPU that has been in one IRQ-off (or
 * gup_fast) window, or descheduled by the host, since before g holds it up.
 * One pass over the CPUs per check finds the earliest such "blocked since";
 * every callback queued before it is done.
 */
#include <stdlib.h>

#include "kernel/internal.h"

void call_rcu_table(struct sim *s, const struct dead_link *l)
{
	if (s->rcu_len == s->rcu_cap) {
		uint32_t cap = s->rcu_cap ? 2 * s->rcu_cap : 16;
		struct rcu_cb *n = malloc(cap * sizeof(*n));

		if (!n) {
			if (!s->err)
				s->err = tlbsim_diag_set(s->diag, TLBSIM_ENOMEM,
							 "out of memory");
			return;
		}
		for (uint32_t i = 0; i < s->rcu_len; i++)
			n[i] = s->rcu[(s->rcu_head + i) % s->rcu_cap];
		free(s->rcu);
		s->rcu = n;
		s->rcu_cap = cap;
		s->rcu_head = 0;
	}
	s->rcu[(s->rcu_head + s->rcu_len) % s->rcu_cap] =
		(struct rcu_cb){ *l, sim_now(s) };
	s->rcu_len++;
	if (!s->rcu_check_scheduled) {
		s->rcu_check_scheduled = true;
		sim_schedule(s, sim_now(s) + s->prof.rcu_grace, SEV_RCU_CHECK,
			     NULL, 0);
	}
}

void rcu_check(struct sim *s)
{
	uint64_t now = sim_now(s), blocked = NEVER, unblock = NEVER, next;

	/* IRQ-off and preemption windows are trace events: active CPUs only */
	for (uint32_t i = 0; i < s->nactive; i++) {
		const struct cpu *cpu = &s->cpus[s->active[i]];

		if (now < cpu->irq_off_until) {
			if (cpu->irq_off_since < blocked)
				blocked = cpu->irq_off_since;
			if (cpu->irq_off_until < unblock)
				unblock = cpu->irq_off_until;
		}
		if (now < cpu->preempt_until) {
			if (cpu->preempt_since < blocked)
				blocked = cpu->preempt_since;
			if (cpu->preempt_until < unblock)
				unblock = cpu->preempt_until;
		}
	}
	while (s->rcu_len) {
		struct rcu_cb *cb = &s->rcu[s->rcu_head];

		if (cb->gp_start + s->prof.rcu_grace > now || cb->gp_start >= blocked)
			break;
		hazard_link_gone(s, &cb->link, GONE_FREED, NULL);
		pt_release(s, cb->link.table);
		s->res.c.tables_freed++;
		s->rcu_head = (s->rcu_head + 1) % s->rcu_cap;
		s->rcu_len--;
	}
	if (!s->rcu_len)
		return;
	next = s->rcu[s->rcu_head].gp_start + s->prof.rcu_grace;
	if (next <= now)
		next = unblock;
	s->rcu_check_scheduled = true;
	sim_schedule(s, next, SEV_RCU_CHECK, NULL, 0);
}
