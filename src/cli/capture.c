/* capture.c - see capture.h. */
#include <stdlib.h>
#include <string.h>

#include "cli/capture.h"
#include "cli/fanout.h"

/* Observed send -> remote shootdown latencies: each TLB_REMOTE_SHOOTDOWN
 * on a CPU pairs with the latest TLB_REMOTE_SEND_IPI on another CPU, as
 * ground-truth.json counts them. */
static void lat_note(struct lat_obs *l, const struct tlbsim_trace_event *ev)
{
	uint64_t best = 0;
	bool found = false;

	if (strcmp(ev->what, "tlb_flush") || ev->cpu >= 64)
		return;
	if (ev->reason == 4) {
		l->last_send_t[ev->cpu] = ev->t;
		l->have_send[ev->cpu] = true;
		return;
	}
	if (ev->reason != 1)
		return;
	for (unsigned c = 0; c < 64; c++)
		if (c != ev->cpu && l->have_send[c] && l->last_send_t[c] <= ev->t &&
		    (!found || l->last_send_t[c] > best)) {
			best = l->last_send_t[c];
			found = true;
		}
	if (!found)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v) {
			l->n = l->cap = 0;
			return;
		}
	}
	l->v[l->n++] = ev->t - best;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the observed latencies, in trace units. */
uint64_t lat_pct(struct lat_obs *l, double q)
{
	size_t i;

	if (!l->n)
		return 0;
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
	i = (size_t)(q * (double)(l->n - 1) + 0.5);
	return l->v[i];
}

static void tally(uint64_t obs[V_COUNT], const struct tlbsim_trace_event *ev)
{
	if (!strcmp(ev->what, "csd_queue_cpu")) {
		if (!strcmp(ev->func, "flush_tlb_func"))
			obs[V_FLUSH]++;
		else if (!strcmp(ev->func, "tlb_remove_table_smp_sync"))
			obs[V_SYNC]++;
		return;
	}
	if (strcmp(ev->what, "tlb_flush"))
		return;
	switch (ev->reason) {
	case 0: obs[ev->pages ? V_TS_FLUSH : V_TS_NOFLUSH]++; break;
	case 1: obs[V_REMOTE]++; break;
	case 3: obs[V_LOCAL]++; break;
	case 4: obs[V_SEND]++; break;
	case 5: obs[V_WRONG]++; break;
	default: break;
	}
}

struct tally_ctx {
	uint64_t *obs;
	struct lat_obs *lat;
	struct byproc *bp;
};

/* On the reading thread: the kernel's outputs are counted here, and only
 * the model's inputs go on to the simulation. */
static bool keep_input(void *ctx, const struct tlbsim_trace_event *ev)
{
	struct tally_ctx *t = ctx;

	if (ev->kind != TLBSIM_EV_OBSERVED)
		return true;
	tally(t->obs, ev);
	lat_note(t->lat, ev);
	if (t->bp)
		byproc_observed(t->bp, ev);
	return false;
}

/* --diff: one thread, the capture's flushes and the model's side by side
 * as the replay goes (the model's are observed as it makes them). */
static int replay_diff(struct session *s, struct tally_ctx *t, struct flushdiff *fd,
		       struct tlbsim_diag *d)
{
	struct tlbsim_trace_event ev;
	int r;

	if (flushdiff_attach(fd, s->sims[0]))
		return tlbsim_diag_set(d, TLBSIM_ENOMEM, "out of memory");
	while ((r = tlbsim_trace_next(s->reader, &ev, d)) > 0) {
		if (!keep_input(t, &ev)) {
			flushdiff_observed(fd, &ev);
			continue;
		}
		/* the model's flushes up to this time first, then what is
		 * older than the window has had its chance to pair */
		if ((r = tlbsim_sim_advance(s->sims[0], ev.t, d)))
			return r;
		flushdiff_advance(fd, ev.t);
		if ((r = tlbsim_sim_apply(s->sims[0], &ev, d)))
			return r;
	}
	return r;
}

int capture_replay(struct session *s, const char *path, const struct cli_opts *o,
		   uint64_t obs[V_COUNT], struct lat_obs *lat, struct byproc *bp,
		   struct flushdiff **fd, struct tlbsim_diag *d)
{
	struct tally_ctx t = { obs, lat, bp };
	int err;

	err = session_open(s, path, o, d);
	if (!err && o->diff) {
		*fd = flushdiff_new(s->reader, tlbsim_trace_header(s->reader)->cpus);
		err = *fd ? replay_diff(s, &t, *fd, d) :
			    tlbsim_diag_set(d, TLBSIM_ENOMEM, "out of memory");
	} else if (!err) {
		err = fanout_run(s->reader, s->sims, 1, keep_input, &t, d);
	}
	if (!err)
		err = tlbsim_sim_finish(s->sims[0], d);
	if (!err)
		s->results[0] = tlbsim_sim_result(s->sims[0]);
	return err;
}
