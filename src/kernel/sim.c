/*
 * sim.c - one simulation: life cycle, the clock, the event loop, and CPUs
 * that apply their trace events late while busy. observe.c: the observer
 * hook and the model's errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

/* ---------------------------------------------------------------- time */

/* ns -> cycles with integer arithmetic (ghz kept in thousandths) so that
 * the same input gives the same cycles on every machine. */
static uint64_t ghz_milli_of(const struct sim *s)
{
	double g = s->cfg.ghz > 0 ? s->cfg.ghz : s->prof.ghz;
	uint64_t m = (uint64_t)(g * 1000.0 + 0.5);

	return m ? m : 1;
}

/* The products fit 64 bits for the first ~40 days of simulated time at
 * 5 GHz; only later ones need the (slower) 128-bit division. */
static uint64_t t_to_cycles(const struct sim *s, uint64_t t)
{
	uint64_t m = s->ghz_milli;

	if (s->cfg.clock == TLBSIM_CLOCK_CYCLES)
		return t;
	if (t <= s->t_fast_max)
		return t * m / 1000;
	return (uint64_t)(((unsigned __int128)t * m) / 1000);
}

uint64_t sim_cycles(const struct sim *s, uint64_t t)
{
	return t_to_cycles(s, t);
}

/* The model's clock ends at 2^62 cycles (58 years at 2.5 GHz): room above
 * it for the costs added to any event's time, none of which may wrap (a
 * time whose cycles passed 2^64 once wrapped and the run never ended). */
#define CLOCK_MAX ((uint64_t)1 << 62)

static bool t_fits(const struct sim *s, uint64_t t, uint64_t *cycles)
{
	unsigned __int128 c;

	if (s->cfg.clock == TLBSIM_CLOCK_CYCLES)
		c = t;
	else if (t <= s->t_fast_max)   /* no 128-bit division */
		c = t * s->ghz_milli / 1000;
	else
		c = (unsigned __int128)t * s->ghz_milli / 1000;

	*cycles = c > CLOCK_MAX ? CLOCK_MAX : (uint64_t)c;
	return c <= CLOCK_MAX;
}

/* An event's time (*@at, in cycles), and the end of its duration, within
 * the clock. */
static int clock_check(struct sim *s, const struct tlbsim_trace_event *ev,
		       uint64_t *at)
{
	uint64_t d;

	if (t_fits(s, ev->t, at) && (!ev->dur || (t_fits(s, ev->dur, &d) &&
					  d <= CLOCK_MAX - *at)))
		return 0;
	s->cur = ev;   /* the error names its line */
	if (!t_fits(s, ev->t, at))
		return sim_model_error(s, "t %llu is past the model's clock (at most "
			"%llu: 2^62 cycles at %.3f GHz)", (unsigned long long)ev->t,
			(unsigned long long)sim_t(s, CLOCK_MAX), s->ghz_milli / 1000.0);
	return sim_model_error(s, "dur %llu ends past the model's clock (t + "
			"dur at most %llu: 2^62 cycles at %.3f GHz)",
			(unsigned long long)ev->dur,
			(unsigned long long)sim_t(s, CLOCK_MAX), s->ghz_milli / 1000.0);
}

uint64_t sim_second(const struct sim *s)
{
	return s->ghz_milli * 1000000ULL;
}

uint64_t sim_t(const struct sim *s, uint64_t cycles)
{
	if (s->cfg.clock == TLBSIM_CLOCK_CYCLES)
		return cycles;
	if (cycles <= UINT64_MAX / 1000)
		return cycles * 1000 / s->ghz_milli;
	return (uint64_t)(((unsigned __int128)cycles * 1000) / s->ghz_milli);
}

uint64_t tlbsim_sim_cycles_to_t(const struct tlbsim_sim *ss, uint64_t cycles)
{
	return sim_t((const struct sim *)ss, cycles);
}

uint64_t sim_now(const struct sim *s)
{
	return tlbsim_engine_now(s->eng);
}

void sim_schedule(struct sim *s, uint64_t at, int kind, const void *data,
		  size_t len)
{
	uint64_t now = sim_now(s);

	/* Scheduling can only fail on allocation; the model cannot go on
	 * without its event, so remember the error for the caller. */
	if (tlbsim_engine_schedule(s->eng, at < now ? now : at, kind, data, len,
				   NULL) && !s->err)
		s->err = tlbsim_diag_set(s->diag, TLBSIM_ENOMEM,
					 "out of memory scheduling an event");
}

/* ----------------------------------------------------------- CPU state */

bool cpu_can_take_irq(const struct sim *s, const struct cpu *cpu)
{
	uint64_t now = sim_now(s);

	return now >= cpu->irq_off_until && now >= cpu->preempt_until &&
	       !cpu->in_handler;
}

/* A CPU cannot apply trace events while it runs a handler, waits for
 * acknowledgements, or is descheduled by the host. */
bool cpu_busy(const struct sim *s, const struct cpu *cpu)
{
	return cpu->op.kind != OP_NONE || cpu->in_handler ||
	       sim_now(s) < cpu->preempt_until;
}

/* Fill @p from @from (NULL: only its observed fields, left empty): a copy
 * of what the model reads of a pending event, not of its whole 200 bytes
 * (two copies of each event per policy). */
static void pending_take(struct pending *p, const struct pending *from)
{
	if (from)
		memcpy(p, from, PENDING_COPY);
	p->ev.what[0] = p->ev.func[0] = '\0';
	p->ev.reason = p->ev.pages = 0;
	p->ev.target = -1;
}

static int deferred_push(struct deferred *d, const struct pending *p)
{
	if (d->len == d->cap) {
		uint32_t cap = d->cap ? 2 * d->cap : 8;
		struct pending *q = malloc(cap * sizeof(*q));

		if (!q)
			return TLBSIM_ENOMEM;
		for (uint32_t i = 0; i < d->len; i++)
			memcpy(&q[i], &d->q[(d->head + i) % d->cap], PENDING_COPY);
		free(d->q);
		d->q = q;
		d->cap = cap;
		d->head = 0;
	}
	memcpy(&d->q[(d->head + d->len) % d->cap], p, PENDING_COPY);
	d->len++;
	return 0;
}

/* Apply @ev, whose time is cycle @at, on its CPU now. */
static int apply_at(struct sim *s, const struct tlbsim_trace_event *ev, uint64_t at)
{
	const struct tlbsim_trace_event *saved = s->cur;
	uint64_t now = sim_now(s);
	int err;

	s->cur = ev;
	if (now > at) {
		uint64_t slip = now - at;

		s->res.c.cycles_slip += slip;
		s->res.per_cpu[ev->cpu].slip_cycles += slip;
	}
	if (s->nobs)
		sim_observe(s, TLBSIM_OBS_EVENT, (int)ev->cpu, -1, now, now,
			    NULL, "%s", tlbsim_ev_name(ev->kind));
	err = sim_dispatch(s, ev->cpu, ev);
	s->cur = saved;
	return err;
}

/* Apply @ev, holding the mmap_lock in @mode (of its mm, and of @with
 * when not 0): an operation it starts keeps the lock until it ends
 * (op_done); otherwise it is released here. */
static void apply_locked(struct sim *s, const struct tlbsim_trace_event *ev,
			 uint64_t at, enum lock_mode mode, uint32_t with)
{
	struct cpu *cpu = &s->cpus[ev->cpu];
	uint64_t seq = s->op_seq;

	apply_at(s, ev, at);
	if (mode == LOCK_NONE)
		return;
	if (cpu->op.kind != OP_NONE && cpu->op.seq > seq) {
		cpu->op.lock_mode = (uint8_t)mode;
		cpu->op.lock_mm = ev->mm;
		cpu->op.lock_with = with;
	} else {
		mmlock_release(s, ev->mm, with, mode);
	}
}

/* Apply an event whose turn it is: it takes the mmap_lock. */
static void apply_pending(struct sim *s, const struct pending *p)
{
	mmlock_take(s, p);
	apply_locked(s, &p->ev, t_to_cycles(s, p->ev.t), p->mode,
		     p->ticket[1] ? p->ev.with : 0);
}

/* The CPU became free, or a lock it waits for: apply what waited. */
void cpu_try_resume(struct sim *s, uint32_t c)
{
	struct cpu *cpu = &s->cpus[c];

	while (cpu->deferred.len && !cpu_busy(s, cpu) && !s->err &&
	       mmlock_ready(s, &cpu->deferred.q[cpu->deferred.head])) {
		struct pending p;

		pending_take(&p, &cpu->deferred.q[cpu->deferred.head]);

		cpu->deferred.head = (cpu->deferred.head + 1) % cpu->deferred.cap;
		cpu->deferred.len--;
		apply_pending(s, &p);
	}
}

/* Only CPUs that have events waiting are visited: a release must not cost
 * O(cpus) on a 4096-CPU machine. */
static void resume_waiters(struct sim *s)
{
	while (s->resume_waiters && !s->err) {
		uint32_t out = 0;

		s->resume_waiters = false;
		for (uint32_t i = 0; i < s->nwaiting && !s->err; i++)
			cpu_try_resume(s, s->waiting[i]);
		for (uint32_t i = 0; i < s->nwaiting; i++) {
			struct cpu *cpu = &s->cpus[s->waiting[i]];

			if (cpu->deferred.len)
				s->waiting[out++] = s->waiting[i];
			else
				cpu->on_waiting = false;
		}
		s->nwaiting = out;
	}
}

/* ---------------------------------------------------------- event loop */

static void dispatch(struct sim *s, const struct tlbsim_event *e)
{
	struct ev_cpu c;
	struct ev_ipi ipi;

	switch (e->kind) {
	case SEV_IPI_ARRIVE:
		memcpy(&ipi, e->data, sizeof(ipi));
		ipi_arrive(s, &ipi);
		break;
	case SEV_HANDLER_DONE:
		memcpy(&c, e->data, sizeof(c));
		ipi_handler_done(s, c.cpu);
		break;
	case SEV_CPU_WAKE:
		memcpy(&c, e->data, sizeof(c));
		ipi_run_pending(s, c.cpu);
		cpu_try_resume(s, c.cpu);
		break;
	case SEV_OP_CONTINUE:
		memcpy(&c, e->data, sizeof(c));
		op_continue(s, c.cpu);
		break;
	case SEV_RCU_CHECK:
		s->rcu_check_scheduled = false;
		rcu_check(s);
		break;
	case SEV_ACK_MANY: {
		struct ev_acks a;

		memcpy(&a, e->data, sizeof(a));
		op_ack_many(s, a.cpu, a.op_seq, a.n);
		break;
	}
	case SEV_LOCAL_FLUSH: {
		struct ev_op o;

		memcpy(&o, e->data, sizeof(o));
		flush_local_due(s, o.cpu, o.op_seq);
		break;
	}
	case SEV_IPI_STALL:
		memcpy(&c, e->data, sizeof(c));
		ipi_stall_begin(s, c.cpu);
		break;
	case SEV_QUIET_DONE:
		memcpy(&c, e->data, sizeof(c));
		s->cpus[c.cpu].in_handler = false;
		ipi_run_pending(s, c.cpu);
		cpu_try_resume(s, c.cpu);
		break;
	}
}

static void run_until(struct sim *s, uint64_t limit)
{
	struct tlbsim_event e;

	while (!s->err && tlbsim_engine_pop(s->eng, limit, &e)) {
		dispatch(s, &e);
		resume_waiters(s);
	}
}

/* Run what is pending up to @at, then move the clock there: a trace event
 * happens at its own time even when nothing else does (no queue entry for
 * it: most trace events find the queue empty before them). */
static void advance_clock(struct sim *s, uint64_t at)
{
	if (tlbsim_engine_next_time(s->eng) <= at)   /* mostly nothing is due */
		run_until(s, at);
	if (!s->err && tlbsim_engine_advance(s->eng, at))
		sim_model_error(s, "clock cannot move to cycle %llu",
				(unsigned long long)at);
}

/* Into the active list, which stays in CPU order (so do the hazards and
 * checks that walk it). */
static void cpu_activate(struct sim *s, uint32_t c)
{
	uint32_t i = s->nactive;

	while (i && s->active[i - 1] > c) {
		s->active[i] = s->active[i - 1];
		i--;
	}
	s->active[i] = c;
	s->nactive++;
	s->cpus[c].active = true;
	quiet_fold(s, c);
	ipi_quiet_wake(s, c);
}

int tlbsim_sim_apply(struct tlbsim_sim *ss, const struct tlbsim_trace_event *ev,
		     struct tlbsim_diag *diag)
{
	struct sim *s = (struct sim *)ss;
	struct pending p;
	struct cpu *cpu;
	uint64_t at;

	s->diag = diag;
	if (clock_check(s, ev, &at))
		return s->err;
	if (ev->kind == TLBSIM_EV_OBSERVED)
		return 0; /* what the real kernel did: for validate, not the model */
	if (ev->cpu >= s->ncpus) {
		s->cur = ev;
		return sim_model_error(s, "cpu %u out of range", ev->cpu);
	}
	advance_clock(s, at);
	if (s->err)
		return s->err;
	s->last_t = ev->t;
	cpu = &s->cpus[ev->cpu];
	if (!cpu->active)
		cpu_activate(s, ev->cpu);
	/* An event on a free CPU with nothing waiting, unobserved, whose
	 * mmap_lock turn is now (faults and switches take none: mmlock.c):
	 * applied from the caller's event, not from a pending copy with its
	 * tickets (nineteen events in twenty; the copy and the lock's calls
	 * were a seventh of a compare's work). */
	if (!s->nobs && ev->kind != TLBSIM_EV_PREEMPT && !cpu->deferred.len &&
	    !cpu_busy(s, cpu)) {
		int mode = mmlock_take_now(s, ev);

		if (mode >= 0) {
			apply_locked(s, ev, at, (enum lock_mode)mode, 0);
			resume_waiters(s);
			return s->err;
		}
	}
	pending_take(&p, NULL);
	memcpy(&p.ev, ev, offsetof(struct tlbsim_trace_event, what));
	if (mmlock_ticket(s, &p))
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	/* A host preemption happens to the vCPU whatever it is doing. */
	if (ev->kind != TLBSIM_EV_PREEMPT &&
	    (cpu_busy(s, cpu) || cpu->deferred.len || !mmlock_ready(s, &p))) {
		if (deferred_push(&cpu->deferred, &p))
			return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
		if (!cpu->on_waiting) {
			cpu->on_waiting = true;
			s->waiting[s->nwaiting++] = ev->cpu;
		}
		return 0;
	}
	apply_pending(s, &p);
	resume_waiters(s);
	return s->err;
}

int tlbsim_sim_advance(struct tlbsim_sim *ss, uint64_t t, struct tlbsim_diag *diag)
{
	struct sim *s = (struct sim *)ss;
	uint64_t at;

	s->diag = diag;
	t_fits(s, t, &at);   /* past the clock: its event's apply says so */
	advance_clock(s, at);
	return s->err;
}

int tlbsim_sim_finish(struct tlbsim_sim *ss, struct tlbsim_diag *diag)
{
	struct sim *s = (struct sim *)ss;

	s->diag = diag;
	run_until(s, NEVER);
	if (s->err)
		return s->err;
	for (unsigned c = 0; c < s->ncpus; c++)
		if (s->cpus[c].deferred.len || s->cpus[c].op.kind != OP_NONE)
			return tlbsim_diag_set(diag, TLBSIM_EMODEL,
				"%s: cpu %u never became free to apply its last events",
				s->cfg.trace_name, c);
	for (uint32_t c = 0; c < s->ncpus; c++)
		if (!s->cpus[c].active)
			quiet_fold(s, c);
	/* CPU time the protocol cost: initiators waiting, targets handling */
	s->res.c.cycles_total = s->res.c.cycles_wait + s->res.c.cycles_handlers;
	for (uint32_t i = 0; i < s->nmms; i++)
		if (s->mms[i].in_use)
			mm_counts_save(s, &s->mms[i]);
	if (s->err)
		return s->err;
	hist_result(&s->lat_shootdown, &s->res.shootdown, sim_t, s);
	hist_result(&s->lat_remote, &s->res.send_to_remote_flush, sim_t, s);
	for (unsigned c = 0; c < s->ncpus && sim_observing(s); c++)
		if (s->cpus[c].is_lazy)
			sim_observe(s, TLBSIM_OBS_LAZY, (int)c, -1,
				    s->cpus[c].lazy_since, sim_now(s), NULL, "lazy");
	return 0;
}

const struct tlbsim_result *tlbsim_sim_result(const struct tlbsim_sim *ss)
{
	return &((const struct sim *)ss)->res;
}

void tlbsim_sim_cpu_view(const struct tlbsim_sim *ss, unsigned c,
			 struct tlbsim_cpu_view *out)
{
	const struct sim *s = (const struct sim *)ss;
	const struct cpu *cpu = &s->cpus[c];
	const struct mm *mm = &s->mms[cpu->loaded_mm];
	uint64_t now = sim_now(s);

	memset(out, 0, sizeof(*out));
	out->loaded_mm = cpu->loaded_mm == INIT_MM ? 0 : mm->trace_id;
	out->is_lazy = cpu->is_lazy;
	out->irqs_off = now < cpu->irq_off_until;
	out->preempted = now < cpu->preempt_until;
	out->asid = cpu->loaded_asid;
	out->ctx_tlb_gen = cpu->loaded_asid == ASID_GLOBAL ?
		mm->tlb_gen : cpu->ctxs[cpu->loaded_asid].tlb_gen;
	out->mm_tlb_gen = mm->tlb_gen;
}

/* ----------------------------------------------------------- lifecycle */

int tlbsim_sim_new(const struct tlbsim_sim_config *cfg, struct tlbsim_sim **out,
		   struct tlbsim_diag *diag)
{
	struct sim *s;
	uint32_t idx;

	*out = NULL;
	if (!cfg->cpus || cfg->cpus > TLBSIM_MAX_CPUS || !cfg->profile ||
	    !cfg->backend)
		return tlbsim_diag_set(diag, TLBSIM_EINVAL,
				       "simulation needs 1..%d CPUs, a profile and a backend",
				       TLBSIM_MAX_CPUS);
	s = calloc(1, sizeof(*s));
	if (!s)
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	s->cfg = *cfg;
	s->prof = *cfg->profile;
	s->ghz_milli = ghz_milli_of(s);   /* every clock conversion needs it */
	s->t_fast_max = UINT64_MAX / s->ghz_milli;
	s->ncpus = cfg->cpus;
	s->diag = diag;
	s->eng = tlbsim_engine_new();
	s->cpus = calloc(s->ncpus, sizeof(*s->cpus));
	s->waiting = calloc(s->ncpus, sizeof(*s->waiting));
	s->active = calloc(s->ncpus, sizeof(*s->active));
	s->quiet_until = calloc(s->ncpus, sizeof(*s->quiet_until));
	s->quiet_taken = calloc(s->ncpus, sizeof(*s->quiet_taken));
	s->res.per_cpu = calloc(s->ncpus, sizeof(*s->res.per_cpu));
	if (!s->eng || !s->cpus || !s->res.per_cpu || !s->waiting || !s->active ||
	    !s->quiet_until || !s->quiet_taken)
		goto nomem;
	s->res.policy = cfg->policy;
	s->res.backend = cfg->backend->name;
	s->res.ncpus = s->ncpus;
	s->next_ctx_id = INIT_MM_CTX_ID;
	s->ntables = 1; /* id 0 means "no table" */
	/* init_mm: index 0, ctx_id 1, never flushed by mm flushes */
	if (mm_lookup(s, 0, true, &idx) || idx != INIT_MM)
		goto nomem;
	for (uint32_t c = 0; c < s->ncpus; c++)
		cpu_init(s, c);
	*out = (struct tlbsim_sim *)s;
	return 0;
nomem:
	tlbsim_sim_free((struct tlbsim_sim *)s);
	return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
}

void tlbsim_sim_free(struct tlbsim_sim *ss)
{
	struct sim *s = (struct sim *)ss;

	if (!s)
		return;
	for (uint32_t c = 0; s->cpus && c < s->ncpus; c++) {
		free(s->cpus[c].csd.q);
		free(s->cpus[c].deferred.q);
		free(s->cpus[c].op.links);
		free(s->cpus[c].tlb);
		free(s->cpus[c].dist);
	}
	for (uint32_t i = 0; i < s->nmms; i++) {
		free(s->mms[i].pgd);
		free(s->mms[i].vmas);
		free(s->mms[i].vend);
		free(s->mms[i].cpumask.bits);
	}
	for (uint32_t i = 0; s->tables && i < s->ntables; i++) {
		free(s->tables[i].child);
		free(s->tables[i].links);
	}
	free(s->tables);
	free(s->table_free);
	free(s->mms);
	free(s->mm_free);
	tlbsim_idmap_free(&s->mm_ids);
	free(s->rcu);
	free(s->locks);
	free(s->lock_free);
	tlbsim_idmap_free(&s->lock_ids);
	free(s->waiting);
	free(s->active);
	free(s->quiet_until);
	free(s->quiet_taken);
	free(s->cpus);
	free(s->res.per_cpu);
	free(s->res.per_mm);
	free(s->res.hazards);
	tlbsim_engine_free(s->eng);
	free(s);
}
