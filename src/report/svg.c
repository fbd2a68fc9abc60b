/*
 * svg.c - a standalone SVG timeline (see tlbsim/timeline.h).
 *
 * Time is drawn on an ordinal scale: every instant something happens gets
 * its own column, and the space between two instants is linear. Teaching
 * scenarios put microseconds of IPI traffic next to gaps of milliseconds;
 * a linear axis would crush the interesting part into a pixel.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlbsim/timeline.h"
#include "report/text.h"

#define MAX_EVENTS 200
#define MAX_CPUS 16
#define LANE_H 34
#define LEFT 90
#define COL_W 26

enum item_kind { IT_EVENT, IT_IPI, IT_HANDLER, IT_WAIT, IT_LAZY, IT_IRQ,
		 IT_GUP, IT_HAZARD };

struct item {
	uint8_t kind;
	bool sync;         /* IPI/handler of tlb_remove_table_smp_sync */
	int cpu, target;
	uint64_t c0, c1;   /* cycles */
	char label[96];
};

struct panel {
	struct tlbsim_svg *v;
	struct tlbsim_sim *sim;
	char name[64];
	struct item *it;
	size_t n, cap;
	unsigned events;
	bool truncated;
	uint64_t ipis;     /* pending IPI sends, matched by flow id */
};

struct tlbsim_svg {
	unsigned ncpus;
	struct panel p[8];
	size_t np;
};

struct sb {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct sb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap ? 2 * b->cap + (size_t)n : 4096 + (size_t)n;
		b->s = realloc(b->s, b->cap);
		if (!b->s) {
			b->oom = true;
			return;
		}
	}
}

static struct item *item_add(struct panel *p, enum item_kind k, int cpu,
			     uint64_t c0, uint64_t c1)
{
	struct item *it;

	if (p->truncated || cpu >= MAX_CPUS)
		return NULL;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct item *n = realloc(p->it, cap * sizeof(*n));

		if (!n)
			return NULL;
		p->it = n;
		p->cap = cap;
	}
	it = &p->it[p->n++];
	memset(it, 0, sizeof(*it));
	it->kind = (uint8_t)k;
	it->cpu = cpu;
	it->target = -1;
	it->c0 = c0;
	it->c1 = c1 > c0 ? c1 : c0;
	return it;
}

static void observe(void *ctx, const struct tlbsim_obs *o)
{
	struct panel *p = ctx;
	struct item *it;

	switch (o->kind) {
	case TLBSIM_OBS_EVENT:
		if (p->events == MAX_EVENTS) {
			p->truncated = true;
			return;
		}
		p->events++;
		it = item_add(p, IT_EVENT, o->cpu, o->cycle, o->cycle);
		if (it)
			snprintf(it->label, sizeof(it->label), "%s", o->text);
		break;
	case TLBSIM_OBS_IPI_SEND:
		it = item_add(p, IT_IPI, o->cpu, o->cycle, o->end);
		if (it) {
			it->target = o->target;
			it->sync = strcmp(o->func, "flush_tlb_func") != 0;
			snprintf(it->label, sizeof(it->label), "%" PRIu64, o->index);
		}
		break;
	case TLBSIM_OBS_HANDLER:
		it = item_add(p, IT_HANDLER, o->cpu, o->cycle, o->end);
		if (it) {
			it->sync = strcmp(o->func, "flush_tlb_func") != 0;
			snprintf(it->label, sizeof(it->label), "%" PRIu64, o->index);
		}
		break;
	case TLBSIM_OBS_WAIT:
		item_add(p, IT_WAIT, o->cpu, o->cycle, o->end);
		break;
	case TLBSIM_OBS_LAZY:
		item_add(p, IT_LAZY, o->cpu, o->cycle, o->end);
		break;
	case TLBSIM_OBS_IRQ_OFF:
		item_add(p, IT_IRQ, o->cpu, o->cycle, o->end);
		break;
	case TLBSIM_OBS_GUP_FAST:
		item_add(p, IT_GUP, o->cpu, o->cycle, o->end);
		break;
	case TLBSIM_OBS_HAZARD:
		it = item_add(p, IT_HAZARD, o->cpu, o->cycle, o->cycle);
		if (it)
			snprintf(it->label, sizeof(it->label), "%.95s", o->text);
		break;
	default:
		break;
	}
}

struct tlbsim_svg *tlbsim_svg_new(unsigned ncpus)
{
	struct tlbsim_svg *v = calloc(1, sizeof(*v));

	if (v)
		v->ncpus = ncpus;
	return v;
}

int tlbsim_svg_attach(struct tlbsim_svg *v, struct tlbsim_sim *sim,
		      const char *name)
{
	struct panel *p;

	if (v->np == sizeof(v->p) / sizeof(v->p[0]))
		return TLBSIM_EINVAL;
	p = &v->p[v->np++];
	p->v = v;
	p->sim = sim;
	snprintf(p->name, sizeof(p->name), "%s", name);
	return tlbsim_sim_observe(sim, observe, p);
}

/* ---------------------------------------------------------- time axis */

struct axis {
	uint64_t *t;
	size_t n;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int axis_build(struct axis *ax, const struct tlbsim_svg *v)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < v->np; i++)
		n += 2 * v->p[i].n;
	ax->t = malloc((n + 1) * sizeof(*ax->t));
	if (!ax->t)
		return TLBSIM_ENOMEM;
	for (size_t i = 0; i < v->np; i++)
		for (size_t j = 0; j < v->p[i].n; j++) {
			ax->t[k++] = v->p[i].it[j].c0;
			ax->t[k++] = v->p[i].it[j].c1;
		}
	if (!k)
		ax->t[k++] = 0;
	qsort(ax->t, k, sizeof(*ax->t), cmp_u64);
	ax->n = 0;
	for (size_t i = 0; i < k; i++)
		if (!ax->n || ax->t[ax->n - 1] != ax->t[i])
			ax->t[ax->n++] = ax->t[i];
	return 0;
}

static double axis_x(const struct axis *ax, uint64_t t)
{
	size_t lo = 0, hi = ax->n;

	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;

		if (ax->t[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (lo + 1 < ax->n && ax->t[lo + 1] > ax->t[lo])
		return LEFT + COL_W * ((double)lo + (double)(t - ax->t[lo]) /
				       (double)(ax->t[lo + 1] - ax->t[lo]));
	return LEFT + COL_W * (double)lo;
}

/* ------------------------------------------------------------- render */

static const char *colour(const struct item *it)
{
	switch (it->kind) {
	case IT_LAZY: return "#dbe9f6";
	case IT_IRQ: return "#f6c89f";
	case IT_GUP: return "#e8a0a0";
	case IT_WAIT: return "#b0b0b0";
	case IT_HANDLER: return it->sync ? "#8e44ad" : "#1f6fb2";
	case IT_IPI: return it->sync ? "#8e44ad" : "#1f6fb2";
	default: return "#333333";
	}
}

/* The IPI's handler (same flow id), where its arrow ends. */
static uint64_t ipi_end(const struct panel *p, const struct item *ipi)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->it[i].kind == IT_HANDLER &&
		    strcmp(p->it[i].label, ipi->label) == 0)
			return p->it[i].c0;
	return ipi->c1;
}

static void draw_panel(struct sb *b, const struct panel *p, const struct axis *ax,
		       unsigned ncpus, double y0, double width)
{
	char e1[200], e2[200];
	unsigned lanes = ncpus < MAX_CPUS ? ncpus : MAX_CPUS;

	sb_printf(b, "<g class=\"panel\" data-policy=\"%s\">\n",
		  xml_escape(p->name, e1, sizeof(e1)));
	sb_printf(b, "<text x=\"10\" y=\"%.1f\" font-weight=\"bold\">%s</text>\n",
		  y0 + 14, e1);
	for (unsigned c = 0; c < lanes; c++) {
		double y = y0 + 30 + c * LANE_H;

		sb_printf(b, "<g class=\"lane\" data-cpu=\"%u\"><text x=\"10\" y=\"%.1f\">"
			  "cpu %u</text><line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			  "stroke=\"#999\"/></g>\n", c, y + 4, c, LEFT, y, width - 10, y);
	}
	/* windows first (underneath), then bars, then arrows and marks */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < p->n; i++) {
			const struct item *it = &p->it[i];
			double x0 = axis_x(ax, it->c0), x1 = axis_x(ax, it->c1);
			double y = y0 + 30 + it->cpu * LANE_H;
			bool window = it->kind == IT_LAZY || it->kind == IT_IRQ ||
				      it->kind == IT_GUP;
			bool bar = it->kind == IT_WAIT || it->kind == IT_HANDLER;

			if ((pass == 0) != window || (pass == 1) != bar)
				continue;
			if (window)
				sb_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
					  "width=\"%.1f\" height=\"%d\" fill=\"%s\" "
					  "opacity=\"0.8\"/>\n", it->kind == IT_LAZY ? "lazy" :
					  it->kind == IT_IRQ ? "irqoff" : "gup", x0,
					  y - (it->kind == IT_LAZY ? 14 : 10), x1 - x0 + 1,
					  it->kind == IT_LAZY ? 28 : 20, colour(it));
			else if (bar)
				sb_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
					  "width=\"%.1f\" height=\"8\" fill=\"%s\"/>\n",
					  it->kind == IT_WAIT ? "wait" : "handler", x0,
					  y - 4, x1 - x0 + 2, colour(it));
			else if (it->kind == IT_IPI && it->target >= 0 &&
				 it->target < MAX_CPUS)
				sb_printf(b, "<line class=\"ipi %s\" x1=\"%.1f\" y1=\"%.1f\" "
					  "x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
					  "stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n",
					  it->sync ? "sync" : "flush", x0, y,
					  axis_x(ax, ipi_end(p, it)),
					  y0 + 30 + it->target * LANE_H, colour(it));
			else if (it->kind == IT_EVENT)
				sb_printf(b, "<g class=\"event\"><circle cx=\"%.1f\" cy=\"%.1f\" "
					  "r=\"3\" fill=\"#333\"/><text x=\"%.1f\" y=\"%.1f\" "
					  "font-size=\"9\">%s</text></g>\n", x0, y, x0 + 2,
					  y - 6 - 8.0 * (double)(i % 2),
					  xml_escape(it->label, e2, sizeof(e2)));
			else if (it->kind == IT_HAZARD)
				sb_printf(b, "<g class=\"hazard\"><title>%s</title><circle "
					  "cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" "
					  "stroke=\"#d00\" stroke-width=\"2.5\"/><text x=\"%.1f\" "
					  "y=\"%.1f\" font-size=\"10\" fill=\"#d00\">hazard</text>"
					  "</g>\n", xml_escape(it->label, e2, sizeof(e2)), x0, y,
					  x0 + 9, y + 14);
		}
	}
	if (p->truncated)
		sb_printf(b, "<text class=\"truncated\" x=\"%d\" y=\"%.1f\" fill=\"#d00\">"
			  "truncated: only the first %d trace events are drawn</text>\n",
			  LEFT, y0 + 30 + lanes * LANE_H - 10, MAX_EVENTS);
	if (ncpus > MAX_CPUS)
		sb_printf(b, "<text class=\"truncated\" x=\"%d\" y=\"%.1f\" fill=\"#d00\">"
			  "truncated: only cpus 0-%d are drawn</text>\n", LEFT + 400,
			  y0 + 30 + lanes * LANE_H - 10, MAX_CPUS - 1);
	sb_printf(b, "</g>\n");
}

static void legend(struct sb *b, double y)
{
	static const struct { const char *fill, *text; } keys[] = {
		{ "#dbe9f6", "lazy (kernel thread on a borrowed mm)" },
		{ "#f6c89f", "IRQs off" },
		{ "#e8a0a0", "gup_fast walk" },
		{ "#b0b0b0", "initiator waits for acks" },
		{ "#1f6fb2", "flush IPI / flush_tlb_func" },
		{ "#8e44ad", "table-sync IPI" },
	};
	double x = 10;

	sb_printf(b, "<g class=\"legend\">\n");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		sb_printf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" "
			  "fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\" font-size=\"11\">%s"
			  "</text>\n", x, y, keys[i].fill, x + 16, y + 10, keys[i].text);
		x += 30 + 6.2 * (double)strlen(keys[i].text);
	}
	sb_printf(b, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"6\" fill=\"none\" "
		  "stroke=\"#d00\" stroke-width=\"2.5\"/><text x=\"%.0f\" y=\"%.0f\" "
		  "font-size=\"11\">hazard</text>\n</g>\n", x + 6, y + 6, x + 16, y + 10);
}

char *tlbsim_svg_render(struct tlbsim_svg *v, const char *title)
{
	struct sb b = { 0 };
	struct axis ax;
	unsigned lanes = v->ncpus < MAX_CPUS ? v->ncpus : MAX_CPUS;
	double panel_h = 40 + lanes * LANE_H, width, height;
	char e[300];

	if (axis_build(&ax, v))
		return NULL;
	width = LEFT + COL_W * (double)(ax.n ? ax.n : 1) + 60;
	if (width < 1000)
		width = 1000;
	height = 40 + panel_h * (double)v->np + 40;
	sb_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		  "height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
		  "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" "
		  "refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
		  "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>\n"
		  "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		  "<text x=\"10\" y=\"22\" font-size=\"15\">%s</text>\n",
		  width, height, xml_escape(title ? title : "tlbsim", e, sizeof(e)));
	for (size_t i = 0; i < v->np; i++)
		draw_panel(&b, &v->p[i], &ax, v->ncpus, 34 + panel_h * (double)i, width);
	legend(&b, height - 28);
	sb_printf(&b, "</svg>\n");
	free(ax.t);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

void tlbsim_svg_free(struct tlbsim_svg *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->np; i++) {
		tlbsim_sim_unobserve(v->p[i].sim, &v->p[i]);
		free(v->p[i].it);
	}
	free(v);
}
