/*
 * op.c - the operations an initiator runs in stages while its later trace
 * events wait: flush (and wait), then table sync (and wait), then free,
 * reuse or hand over the unlinked tables. (tlb_finish_mmu,
 * collapse_huge_page, huge_pmd_unshare_flush)
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

/* The gather's unlinked tables (and whether they need a sync) move into
 * the op. */
static void op_take_links(struct op *op, struct gather *g)
{
	op->links = g->links;
	op->nlinks = g->nlinks;
	op->caplinks = g->caplinks;
	op->sync_needed = g->fully_unshared_tables;
	g->links = NULL;
	g->nlinks = g->caplinks = 0;
}

/* Start an op on CPU @c; the gather's unlinked tables move into it. */
void op_begin(struct sim *s, uint32_t c, enum op_kind kind, uint32_t mm,
	      struct gather *g, uint64_t inval_seq)
{
	struct op *op = &s->cpus[c].op;

	free(op->links);
	/* all of it zeroed but the event, of which only the model's fields
	 * are copied: the observed ones are 96 of its 176 bytes */
	memset(op, 0, offsetof(struct op, ev));
	memset(&op->ev + 1, 0, sizeof(*op) - offsetof(struct op, ev) - sizeof(op->ev));
	if (s->cur)
		memcpy(&op->ev, s->cur, offsetof(struct tlbsim_trace_event, what));
	else
		memset(&op->ev, 0, offsetof(struct tlbsim_trace_event, what));
	op->ev.what[0] = op->ev.func[0] = '\0';
	op->ev.reason = op->ev.pages = 0;
	op->ev.target = 0;
	op->kind = (uint8_t)kind;
	op->stage = kind == OP_SYNC ? ST_SYNC : ST_FLUSH;
	op->seq = ++s->op_seq;
	op->started = sim_now(s);
	op->local_done = sim_now(s);
	op->mm = mm;
	op->inval_seq = inval_seq;
	if (g)
		op_take_links(op, g);
}

/* The walk of an op begun before its gather is over: the gather's tables
 * and invalidation join it and its flush stage starts now. */
void op_adopt(struct sim *s, uint32_t c, struct gather *g, uint64_t inval_seq)
{
	struct op *op = &s->cpus[c].op;

	free(op->links);
	op_take_links(op, g);
	op->inval_seq = inval_seq;
	op->stage = ST_FLUSH;
	op->started = sim_now(s);
	op->local_done = sim_now(s);
}

/* The stage's requests are out: continue when the last ack arrives, or
 * when the initiator's own work is done if nothing was sent. */
void op_arm(struct sim *s, uint32_t c)
{
	struct op *op = &s->cpus[c].op;
	struct ev_cpu ev = { c };

	if (!op->pending && !op->local_pending)
		sim_schedule(s, op->local_done, SEV_OP_CONTINUE, &ev, sizeof(ev));
}

/* A target's handler returned (csd_unlock). */
void op_ack(struct sim *s, uint32_t c, uint64_t op_seq)
{
	struct op *op = &s->cpus[c].op;
	struct ev_cpu ev = { c };
	uint64_t at;

	if (op->kind == OP_NONE || op->seq != op_seq || !op->pending)
		return;
	if (--op->pending)
		return;
	at = sim_now(s) + s->prof.ack;
	if (op->stage == ST_FLUSH)
		hist_add(&s->lat_shootdown, at - op->started);
	if (at < op->local_done)
		at = op->local_done;
	/* an initiator inside a handler sees the ack when it returns */
	if (s->cpus[c].in_handler && at < s->cpus[c].handler_until)
		at = s->cpus[c].handler_until;
	if (op->local_pending) {
		/* its own flush_tlb_func is still to run: flush_local_due()
		 * continues the op after it */
		op->local_done = at;
		return;
	}
	sim_schedule(s, at, SEV_OP_CONTINUE, &ev, sizeof(ev));
}

/* @n acknowledgements at once (a broadcast's quiet targets, all due at
 * one time): what n op_ack() calls do, without n calls on a 4096-CPU
 * machine. */
void op_ack_many(struct sim *s, uint32_t c, uint64_t op_seq, uint32_t n)
{
	struct op *op = &s->cpus[c].op;

	if (!n || op->kind == OP_NONE || op->seq != op_seq || !op->pending)
		return;
	if (n < op->pending) {
		op->pending -= n;
		return;
	}
	op->pending = 1;
	op_ack(s, c, op_seq);
}

static void op_done(struct sim *s, uint32_t c)
{
	struct op *op = &s->cpus[c].op;

	mmlock_release(s, op->lock_mm, op->lock_with, (enum lock_mode)op->lock_mode);
	op->lock_mode = LOCK_NONE;
	if (op->flush_pending && mm_get(s, op->mm)->tlb_flush_pending)
		mm_get(s, op->mm)->tlb_flush_pending--;   /* tlb_finish_mmu() */
	op->flush_pending = false;
	op->kind = OP_NONE;
	free(op->links);
	op->links = NULL;
	op->nlinks = op->caplinks = 0;
	cpu_try_resume(s, c);
}

static void op_sync(struct sim *s, uint32_t c)
{
	struct op *op = &s->cpus[c].op;

	op->stage = ST_SYNC;
	op->started = sim_now(s);
	tlb_remove_table_sync_one(s, c, op);
	op_arm(s, c);
}

static void links_gone(struct sim *s, struct op *op, enum gone_how how)
{
	for (uint32_t i = 0; i < op->nlinks; i++) {
		hazard_link_gone(s, &op->links[i], how, op);
		if (how == GONE_REUSED) {
			pt_release(s, op->links[i].table);
			s->res.c.tables_reused++;
		}
	}
}

/* The current stage's wait is over: go to the next stage. */
void op_continue(struct sim *s, uint32_t c)
{
	struct op *op = &s->cpus[c].op;
	uint64_t waited = sim_now(s) - op->started;

	if (op->stage == ST_WALK) {   /* the initiator's own work, not a wait */
		struct ev_cpu ev = { c };

		if (s->cpus[c].stalls) {   /* ipi_stall_end() goes on */
			op->walk_blocked = true;
			return;
		}
		if (sim_now(s) < op->local_done) {   /* handlers paused it */
			sim_schedule(s, op->local_done, SEV_OP_CONTINUE, &ev, sizeof(ev));
			return;
		}
		if (op->walk_resume) {   /* a later page batch walked */
			op->walk_resume = false;
			op->stage = ST_FLUSH;
			op->started = sim_now(s);
			gather_step(s, c);
			op_arm(s, c);
			return;
		}
		gather_walk_done(s, c);
		return;
	}
	s->res.c.cycles_wait += waited;
	s->res.per_cpu[c].wait_cycles += waited;
	if (sim_observing(s) && waited)
		sim_observe(s, TLBSIM_OBS_WAIT, (int)c, -1, op->started, sim_now(s),
			    op->stage == ST_SYNC ? "tlb_remove_table_sync_one" :
			    "flush_tlb_mm_range", "cpu %u waited for acknowledgements", c);
	if (sim_observing(s) && op->stage == ST_FLUSH && op->kind == OP_COLLAPSE)
		sim_observe(s, TLBSIM_OBS_DECISION, (int)c, -1, sim_now(s), 0,
			    "collapse_huge_page", "the flush is done; before the detached "
			    "PTE table is reused, tlb_remove_table_sync_one() must make "
			    "sure no gup_fast() walker is still inside it");
	if (op->stage == ST_FLUSH && op->batch_out) {
		/* a full page batch's flush is done: its pages are freed
		 * (tlb_batch_pages_flush) and the walk goes on to the next */
		op->started = sim_now(s);
		gather_step(s, c);
		op_arm(s, c);
		return;
	}
	if (op->stage == ST_FLUSH) {
		inval_done(mm_get(s, op->mm), op->inval_seq, sim_now(s));
		op->inval_seq = 0;
	}
	switch (op->kind) {
	case OP_GATHER:
		if (op->stage == ST_FLUSH && op->sync_needed) {
			/* tlb_flush_unshared_tables(): fully unshared */
			op->sync_needed = false;
			op_sync(s, c);
			return;
		}
		if (op->late) {
			/* a split gather: free_pgtables()'s own flush */
			op->late = false;
			op->stage = ST_FLUSH;
			op->started = sim_now(s);
			flush_tlb_mm_range(s, c, op, op->late_start, op->late_end,
					   op->late_stride, op->late_wake);
			op_arm(s, c);
			return;
		}
		/*
		 * tlb_finish_mmu(): freed tables go to RCU (tlb_table_flush);
		 * a table other mms still link is theirs from now on: the
		 * unsharer dropped i_mmap_rwsem (huge_pmd_unshare_flush).
		 */
		for (uint32_t i = 0; i < op->nlinks; i++) {
			if (pt_get(s, op->links[i].table)->nlinks)
				hazard_link_gone(s, &op->links[i],
						 GONE_HANDED_OVER, op);
			else
				call_rcu_table(s, &op->links[i]);
		}
		if (op->exit_mm)
			mm_destroy(s, op->mm);
		break;
	case OP_COLLAPSE:
		if (op->stage == ST_FLUSH) {
			op_sync(s, c);
			return;
		}
		/* the detached PTE table is deposited and reused at once */
		links_gone(s, op, GONE_REUSED);
		break;
	default:
		break;
	}
	op_done(s, c);
}
