/*
 * explain.c - the narrated walk (see tlbsim/explain.h).
 *
 * Each simulation's observer appends lines to its own buffer; at the end of
 * a step the buffers are compared: equal ones are printed once for all
 * policies, different ones per policy, under a marker that says the
 * policies part ways here.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tlbsim/explain.h"

struct buf {
	char *s;
	size_t len, cap;
};

struct narr {
	struct tlbsim_explain *x;
	struct tlbsim_sim *sim;
	const char *name;
	struct buf lines;
	struct buf state;
	size_t hazards;
};

struct tlbsim_explain {
	FILE *out;
	bool color;
	size_t n;
	struct narr *narr;
	bool open;
	struct tlbsim_trace_event ev;
	uint64_t steps, diverged;
};

static void buf_put(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = realloc(b->s, cap);
		if (!b->s) {
			b->len = b->cap = 0;
			return;
		}
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

static const char *col(const struct tlbsim_explain *x, const char *code)
{
	return x->color ? code : "";
}

#define C_RESET "\033[0m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_YEL "\033[33m"
#define C_CYAN "\033[36m"

static void observe(void *ctx, const struct tlbsim_obs *o)
{
	struct narr *n = ctx;
	const struct tlbsim_explain *x = n->x;
	uint64_t t = tlbsim_sim_cycles_to_t(n->sim, o->cycle);
	char line[900];

	switch (o->kind) {
	case TLBSIM_OBS_DECISION:
		snprintf(line, sizeof(line), "    t=%-8" PRIu64 " %s%s()%s: %s\n", t,
			 col(x, C_CYAN), o->func ? o->func : "?", col(x, C_RESET),
			 o->text);
		break;
	case TLBSIM_OBS_IPI_SEND:
		snprintf(line, sizeof(line), "    t=%-8" PRIu64 " IPI cpu %d -> cpu %d "
			 "(%s)%s\n", t, o->cpu, o->target, o->func,
			 strstr(o->text, "lazy") ? ", target lazy" : "");
		break;
	case TLBSIM_OBS_HANDLER:
		snprintf(line, sizeof(line), "    t=%-8" PRIu64 " cpu %d runs %s() for "
			 "cpu %d until t=%" PRIu64 "\n", t, o->cpu, o->func, o->target,
			 tlbsim_sim_cycles_to_t(n->sim, o->end));
		break;
	case TLBSIM_OBS_WAIT:
		snprintf(line, sizeof(line), "    t=%-8" PRIu64 " cpu %d has every "
			 "acknowledgement of %s() (it waited from t=%" PRIu64 ")\n",
			 tlbsim_sim_cycles_to_t(n->sim, o->end), o->cpu, o->func, t);
		break;
	case TLBSIM_OBS_HAZARD:
		snprintf(line, sizeof(line), "    %sHAZARD%s %s\n", col(x, C_RED),
			 col(x, C_RESET), o->text);
		n->hazards++;
		break;
	default:
		return;
	}
	buf_put(&n->lines, line);
}

struct tlbsim_explain *tlbsim_explain_new(FILE *out, bool color, size_t nsims,
					  struct tlbsim_sim *const *sims,
					  const char *const *names)
{
	struct tlbsim_explain *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->narr = calloc(nsims, sizeof(*x->narr));
	if (!x->narr) {
		free(x);
		return NULL;
	}
	x->out = out;
	x->color = color;
	x->n = nsims;
	for (size_t i = 0; i < nsims; i++) {
		x->narr[i].x = x;
		x->narr[i].sim = sims[i];
		x->narr[i].name = names[i];
		tlbsim_sim_observe(sims[i], observe, &x->narr[i]);
	}
	return x;
}

/* The small per-CPU table printed after each step. */
static void state_table(struct narr *n, unsigned cpus)
{
	char line[160];

	n->state.len = 0;
	if (n->state.s)
		n->state.s[0] = '\0';
	buf_put(&n->state, "    cpu  loaded    lazy  asid  tlb_gen(cpu/mm)  irqs\n");
	for (unsigned c = 0; c < cpus && c < 16; c++) {
		struct tlbsim_cpu_view v;
		char mm[16], asid[8];

		tlbsim_sim_cpu_view(n->sim, c, &v);
		if (v.asid == 0xffff)
			snprintf(asid, sizeof(asid), "glob");
		else
			snprintf(asid, sizeof(asid), "%u", v.asid);
		if (v.loaded_mm)
			snprintf(mm, sizeof(mm), "mm %u", v.loaded_mm);
		else
			snprintf(mm, sizeof(mm), "init_mm");
		snprintf(line, sizeof(line), "    %-4u %-9s %-5s %-5s %" PRIu64 "/%-13" PRIu64 " %s\n",
			 c, mm, v.is_lazy ? "yes" : "-", asid, v.ctx_tlb_gen, v.mm_tlb_gen,
			 v.preempted ? "preempted" : v.irqs_off ? "off" : "on");
		buf_put(&n->state, line);
	}
	if (cpus > 16) {
		snprintf(line, sizeof(line), "    (%u more CPUs not shown)\n", cpus - 16);
		buf_put(&n->state, line);
	}
}

static const char *str(const struct buf *b)
{
	return b->s ? b->s : "";
}

static void event_header(struct tlbsim_explain *x)
{
	const struct tlbsim_trace_event *ev = &x->ev;
	const char *name = tlbsim_ev_name(ev->kind);

	fprintf(x->out, "\n%s[%" PRIu64 "] t=%" PRIu64 " cpu %u: %s", col(x, C_BOLD),
		x->steps, ev->t, ev->cpu, name ? name : "?");
	if (ev->kind == TLBSIM_EV_SWITCH)
		ev->mm ? fprintf(x->out, " to mm %u", ev->mm) :
			 fprintf(x->out, " to %s", ev->idle ? "its idle task" :
				 "a kernel thread");
	else if (ev->mm)
		fprintf(x->out, " mm %u", ev->mm);
	if (ev->with)
		fprintf(x->out, " with mm %u", ev->with);
	if (ev->addr || ev->kind == TLBSIM_EV_MAP)
		fprintf(x->out, " at 0x%" PRIx64, ev->addr);
	if (ev->len)
		fprintf(x->out, " len 0x%" PRIx64, ev->len);
	if (ev->kind == TLBSIM_EV_REMAP)
		fprintf(x->out, " to 0x%" PRIx64, ev->start);
	if (ev->dur)
		fprintf(x->out, " for %" PRIu64, ev->dur);
	if (ev->kind == TLBSIM_EV_SWITCH && ev->unseen)
		fputs(" (not in the capture: inferred from a later record)", x->out);
	if (ev->kind == TLBSIM_EV_RAN_BEFORE && ev->asid)
		fputs(" (an ASID slot still holds it)", x->out);
	fprintf(x->out, "%s\n", col(x, C_RESET));
}

static void close_block(struct tlbsim_explain *x)
{
	bool same = true;
	unsigned cpus;

	if (!x->open)
		return;
	cpus = tlbsim_sim_result(x->narr[0].sim)->ncpus;
	for (size_t i = 0; i < x->n; i++)
		state_table(&x->narr[i], cpus);
	for (size_t i = 1; i < x->n; i++)
		if (strcmp(str(&x->narr[i].lines), str(&x->narr[0].lines)) ||
		    strcmp(str(&x->narr[i].state), str(&x->narr[0].state)))
			same = false;
	event_header(x);
	if (same) {
		if (x->n > 1)
			fprintf(x->out, "  %s(every policy)%s\n", col(x, C_DIM), col(x, C_RESET));
		fputs(str(&x->narr[0].lines), x->out);
		fputs(str(&x->narr[0].state), x->out);
	} else {
		x->diverged++;
		fprintf(x->out, "  %s>> the policies part ways here%s\n", col(x, C_YEL),
			col(x, C_RESET));
		for (size_t i = 0; i < x->n; i++) {
			fprintf(x->out, "  %s%s:%s\n", col(x, C_BOLD), x->narr[i].name,
				col(x, C_RESET));
			fputs(str(&x->narr[i].lines), x->out);
			fputs(str(&x->narr[i].state), x->out);
		}
	}
	for (size_t i = 0; i < x->n; i++) {
		x->narr[i].lines.len = 0;
		if (x->narr[i].lines.s)
			x->narr[i].lines.s[0] = '\0';
	}
	x->open = false;
}

void tlbsim_explain_step(struct tlbsim_explain *x,
			 const struct tlbsim_trace_event *ev)
{
	close_block(x);
	if (ev->kind == TLBSIM_EV_OBSERVED)
		return;
	x->ev = *ev;
	x->steps++;
	x->open = true;
}

void tlbsim_explain_end(struct tlbsim_explain *x)
{
	close_block(x);
	fprintf(x->out, "\n%" PRIu64 " events; the policies part ways at %" PRIu64
		" of them.\n", x->steps, x->diverged);
	for (size_t i = 0; i < x->n; i++) {
		const struct tlbsim_result *r = tlbsim_sim_result(x->narr[i].sim);

		fprintf(x->out, "  %-32s flush IPIs %" PRIu64 ", sync IPIs %" PRIu64
			", to lazy CPUs %" PRIu64 ", hazards %zu\n", x->narr[i].name,
			r->c.ipi_flush, r->c.ipi_sync, r->c.ipi_to_lazy, r->nhazards);
	}
}

void tlbsim_explain_free(struct tlbsim_explain *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++) {
		tlbsim_sim_unobserve(x->narr[i].sim, &x->narr[i]);
		free(x->narr[i].lines.s);
		free(x->narr[i].state.s);
	}
	free(x->narr);
	free(x);
}
