/* flushdiff.c - see flushdiff.h. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/flushdiff.h"
#include "tlbsim/error.h"

enum { FD_LOCAL, FD_SEND, FD_IPI, FD_SWITCH, FD_SWITCH_NOFLUSH, FD_KINDS };
enum { SIDE_KERNEL, SIDE_MODEL, SIDES };

/* How many unpaired records of each side are kept for the listing
 * (a build for studying a capture may keep them all). */
#ifndef SHOWN
#define SHOWN 10
#endif

static const char *const fd_names[FD_KINDS] = {
	"local_mm_shootdown", "remote_send_ipi", "flush_ipis", "task_switch_flush",
	"task_switch_noflush",
};

/* A task switch's record is the CPU's: it pairs on the same CPU only (the
 * capture names the task switched from, the model the mm switched to). */
static bool by_cpu(unsigned kind)
{
	return kind == FD_SWITCH || kind == FD_SWITCH_NOFLUSH;
}

struct rec {
	uint64_t t;
	uint64_t line;     /* kernel: its capture line; model: the event's */
	uint32_t mm, cpu;  /* flush IPIs: the sender's CPU */
	uint8_t kind, side;
	uint16_t ev_kind;  /* model: the trace event being applied */
	bool paired;
};

struct cpu_last {
	uint64_t line;
	uint32_t mm;       /* a flush IPI's process: the sender's event's */
	uint16_t kind;
	bool set;
};

struct flushdiff {
	struct tlbsim_sim *sim;
	const struct tlbsim_trace_reader *reader;  /* what it holds of idle */
	struct rec *pend;          /* waiting for a pair, in arrival order */
	size_t head, n, cap;
	struct cpu_last *last;     /* per CPU: the event it applies */
	unsigned ncpus;
	uint64_t paired[FD_KINDS], only[SIDES][FD_KINDS];
	struct rec shown[SIDES][SHOWN];
	size_t nshown[SIDES];
	int err;
};

struct flushdiff *flushdiff_new(const struct tlbsim_trace_reader *reader, unsigned ncpus)
{
	struct flushdiff *d = calloc(1, sizeof(*d));

	if (d && !(d->last = calloc(ncpus ? ncpus : 1, sizeof(*d->last)))) {
		free(d);
		return NULL;
	}
	if (d) {
		d->ncpus = ncpus;
		d->reader = reader;
	}
	return d;
}

static uint64_t dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Is @p a better partner for @r than @best: the same process before
 * another one on the same CPU, then the nearer in time? */
static bool better(const struct rec *r, const struct rec *p, const struct rec *best)
{
	if (!best)
		return true;
	if ((p->mm == r->mm) != (best->mm == r->mm))
		return p->mm == r->mm;
	return dist(p->t, r->t) < dist(best->t, r->t);
}

/* The best waiting record of the other side, of the same kind, within the
 * window, for the same process or failing that on the same CPU; it is
 * paired off. False when there is none. The CPU matters where the capture
 * and the model name a flush's process differently: exec's flushes of
 * the new mm, which the capture's records of a vfork child still give to
 * its parent's. */
static bool pair_off(struct flushdiff *d, const struct rec *r)
{
	struct rec *best = NULL;

	for (size_t i = d->head; i < d->n; i++) {
		struct rec *p = &d->pend[i];

		if (p->paired || p->side == r->side || p->kind != r->kind ||
		    (p->mm != r->mm && p->cpu != r->cpu) ||
		    (by_cpu(r->kind) && p->cpu != r->cpu) ||
		    dist(p->t, r->t) > FLUSHDIFF_WINDOW)
			continue;
		if (better(r, p, best))
			best = p;
	}
	if (!best)
		return false;
	best->paired = true;
	d->paired[r->kind]++;
	return true;
}

static void add(struct flushdiff *d, const struct rec *r)
{
	if (pair_off(d, r))
		return;
	if (d->head && d->n == d->cap) {   /* reuse the settled front */
		memmove(d->pend, d->pend + d->head, (d->n - d->head) * sizeof(*d->pend));
		d->n -= d->head;
		d->head = 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 256;
		struct rec *p = realloc(d->pend, cap * sizeof(*p));

		if (!p) {
			d->err = TLBSIM_ENOMEM;
			return;
		}
		d->pend = p;
		d->cap = cap;
	}
	d->pend[d->n++] = *r;
}

/* Settle the front records older than @t minus the window (all if @all). */
static void settle(struct flushdiff *d, uint64_t t, bool all)
{
	while (d->head < d->n &&
	       (all || d->pend[d->head].t + FLUSHDIFF_WINDOW < t)) {
		const struct rec *r = &d->pend[d->head++];

		if (r->paired)
			continue;
		d->only[r->side][r->kind]++;
		if (d->nshown[r->side] < SHOWN)
			d->shown[r->side][d->nshown[r->side]++] = *r;
	}
}

void flushdiff_observed(struct flushdiff *d, const struct tlbsim_trace_event *ev)
{
	struct rec r = { .t = ev->t, .line = ev->line, .mm = ev->mm, .cpu = ev->cpu,
			 .side = SIDE_KERNEL };

	if (!strcmp(ev->what, "csd_queue_cpu") && !strcmp(ev->func, "flush_tlb_func")) {
		r.kind = FD_IPI;   /* a flush IPI queued for another CPU */
		add(d, &r);
		return;
	}
	if (strcmp(ev->what, "tlb_flush") || (ev->reason != 0 && ev->reason != 3 &&
					       ev->reason != 4))
		return;
	r.kind = ev->reason == 3 ? FD_LOCAL : ev->reason == 4 ? FD_SEND :
		 ev->pages ? FD_SWITCH : FD_SWITCH_NOFLUSH;
	add(d, &r);
}

/* Would the capture hold this CR3 write of the model's? Not one in the
 * idle task where it holds no record of that task (validate's
 * predicted_in_capture leaves the same out). */
static bool switch_in_capture(const struct flushdiff *d, const struct tlbsim_obs *o)
{
	unsigned seen;

	if (!strncmp(o->text, "unseen_", 7))
		return false;   /* the capture lost its record */
	if (strncmp(o->text, "idle_", 5) || !d->reader)
		return true;
	seen = tlbsim_trace_idle_seen(d->reader, (unsigned)o->cpu);
	return !strncmp(o->text, "idle_irq_", 9) ? (seen & TLBSIM_IDLE_IRQS) != 0 :
						   (seen & TLBSIM_IDLE_SWITCHES) != 0;
}

static void observe(void *ctx, const struct tlbsim_obs *o)
{
	struct flushdiff *d = ctx;
	struct rec r = { 0 };

	if (o->kind == TLBSIM_OBS_EVENT && o->ev && (unsigned)o->cpu < d->ncpus) {
		d->last[o->cpu].line = o->ev->line;
		d->last[o->cpu].mm = o->ev->mm;
		d->last[o->cpu].kind = o->ev->kind;
		d->last[o->cpu].set = true;
		return;
	}
	if (o->kind == TLBSIM_OBS_IPI_SEND) {
		if (!o->func || strcmp(o->func, "flush_tlb_func") ||
		    (unsigned)o->cpu >= d->ncpus || strstr(o->text, "(sender unseen)"))
			return;   /* the capture lost the sender's records */
		r.kind = FD_IPI;
		r.mm = d->last[o->cpu].mm;
	} else if (o->kind == TLBSIM_OBS_FLUSH && strstr(o->text, "switch")) {
		if (!switch_in_capture(d, o))
			return;
		r.kind = strstr(o->text, "noflush") ? FD_SWITCH_NOFLUSH : FD_SWITCH;
		r.mm = (uint32_t)o->index;
	} else if (o->kind == TLBSIM_OBS_FLUSH && strcmp(o->text, "remote")) {
		if (!strncmp(o->text, "unseen_", 7))
			return;   /* the capture lost its record */
		r.kind = strcmp(o->text, "local") ? FD_SEND : FD_LOCAL;
		r.mm = (uint32_t)o->index;
	} else {
		return;
	}
	r.t = tlbsim_sim_cycles_to_t(d->sim, o->cycle);
	r.cpu = (uint32_t)o->cpu;
	r.side = SIDE_MODEL;
	if ((unsigned)o->cpu < d->ncpus && d->last[o->cpu].set) {
		r.line = d->last[o->cpu].line;
		r.ev_kind = d->last[o->cpu].kind;
	}
	add(d, &r);
}

int flushdiff_attach(struct flushdiff *d, struct tlbsim_sim *sim)
{
	d->sim = sim;
	return tlbsim_sim_observe(sim, observe, d);
}

void flushdiff_advance(struct flushdiff *d, uint64_t t)
{
	settle(d, t, false);
}

void flushdiff_finish(struct flushdiff *d)
{
	settle(d, 0, true);
}

int flushdiff_error(const struct flushdiff *d)
{
	return d->err;
}

static void print_rec(FILE *f, const struct rec *r)
{
	fprintf(f, "  t=%" PRIu64 ".%09" PRIu64 "  cpu %-4u mm %-8u %-19s", r->t / 1000000000,
		r->t % 1000000000, r->cpu, r->mm, fd_names[r->kind]);
	if (r->side == SIDE_KERNEL)
		fprintf(f, "  capture line %" PRIu64 "\n", r->line);
	else if (r->line)
		fprintf(f, "  applying %s from capture line %" PRIu64 "\n",
			tlbsim_ev_name(r->ev_kind), r->line);
	else
		fputc('\n', f);
}

void flushdiff_table(FILE *f, const struct flushdiff *d)
{
	static const char *const side_what[SIDES] = {
		"only in the capture (the model made none for that process within the window)",
		"only in the model (the capture holds none for that process within the window)",
	};

	fprintf(f, "\nflush by flush (a capture record paired with the model's nearest for "
		"the same process, a task switch's on the same CPU, within %d us; times "
		"from the capture's start):\n", FLUSHDIFF_WINDOW / 1000);
	fprintf(f, "%-22s %10s %14s %12s\n", "", "paired", "capture only", "model only");
	for (int k = 0; k < FD_KINDS; k++)
		fprintf(f, "%-22s %10" PRIu64 " %14" PRIu64 " %12" PRIu64 "\n", fd_names[k],
			d->paired[k], d->only[SIDE_KERNEL][k], d->only[SIDE_MODEL][k]);
	for (int s = 0; s < SIDES; s++) {
		if (!d->nshown[s])
			continue;
		fprintf(f, "first %zu %s:\n", d->nshown[s], side_what[s]);
		for (size_t i = 0; i < d->nshown[s]; i++)
			print_rec(f, &d->shown[s][i]);
	}
}

static json_t *rec_json(const struct rec *r)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:s}", "t", (json_int_t)r->t,
			      "cpu", (json_int_t)r->cpu, "mm", (json_int_t)r->mm,
			      "what", fd_names[r->kind]);

	if (o && r->side == SIDE_MODEL && r->line)
		json_object_set_new(o, "event", json_string(tlbsim_ev_name(r->ev_kind)));
	if (o && r->line)
		json_object_set_new(o, "line", json_integer((json_int_t)r->line));
	return o;
}

json_t *flushdiff_json(const struct flushdiff *d)
{
	json_t *o = json_pack("{s:I}", "window_ns", (json_int_t)FLUSHDIFF_WINDOW);
	static const char *const side_key[SIDES] = { "capture_only", "model_only" };

	for (int k = 0; o && k < FD_KINDS; k++)
		json_object_set_new(o, fd_names[k], json_pack("{s:I, s:I, s:I}",
			"paired", (json_int_t)d->paired[k],
			"capture_only", (json_int_t)d->only[SIDE_KERNEL][k],
			"model_only", (json_int_t)d->only[SIDE_MODEL][k]));
	for (int s = 0; o && s < SIDES; s++) {
		json_t *a = json_array();

		for (size_t i = 0; a && i < d->nshown[s]; i++)
			json_array_append_new(a, rec_json(&d->shown[s][i]));
		json_object_set_new(o, side_key[s], a);
	}
	return o;
}

void flushdiff_free(struct flushdiff *d)
{
	if (!d)
		return;
	free(d->pend);
	free(d->last);
	free(d);
}
