/*
 * perfetto.c - Chrome trace-event JSON for the Perfetto UI (see
 * tlbsim/timeline.h). ts/dur are microseconds; cycles go in args.
 *
 * Tracks (tid) per CPU c: c for handlers and waits (they nest: a waiting
 * initiator may run a handler), 10000 + c for windows (IRQs off, gup_fast,
 * lazy), which may overlap the former. Flows: "s" at the send on the
 * sender's track, "f" (binding point "e") at the handler's start.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tlbsim/timeline.h"

#define WINDOW_TID 10000

struct attach {
	struct tlbsim_perfetto *p;
	struct tlbsim_sim *sim;
	int pid;
	double ghz;
};

struct tlbsim_perfetto {
	FILE *out;
	bool first;
	struct attach *a;
	size_t na;
};

static double us(const struct attach *a, uint64_t cycles)
{
	return (double)cycles / (a->ghz * 1000.0);
}

/* JSON string body, escaped. */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void sep(struct tlbsim_perfetto *p)
{
	fputs(p->first ? "\n" : ",\n", p->out);
	p->first = false;
}

static void meta(struct tlbsim_perfetto *p, int pid, int tid, const char *what,
		 const char *name)
{
	sep(p);
	fprintf(p->out, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"%s\","
		"\"args\":{\"name\":", pid, tid, what);
	put_str(p->out, name);
	fputs("}}", p->out);
}

static void slice(struct attach *a, int tid, const char *cat, const char *name,
		  uint64_t from, uint64_t to, const char *text)
{
	FILE *f = a->p->out;

	sep(a->p);
	fprintf(f, "{\"ph\":\"X\",\"pid\":%d,\"tid\":%d,\"cat\":\"%s\",\"name\":",
		a->pid, tid, cat);
	put_str(f, name);
	fprintf(f, ",\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"cycles\":%" PRIu64
		",\"what\":", us(a, from), us(a, to - from), to - from);
	put_str(f, text);
	fputs("}}", f);
}

static void flow(struct attach *a, char ph, int tid, uint64_t at, uint64_t id)
{
	sep(a->p);
	fprintf(a->p->out, "{\"ph\":\"%c\",\"pid\":%d,\"tid\":%d,\"cat\":\"ipi\","
		"\"name\":\"ipi\",\"id\":%" PRIu64 ",\"ts\":%.3f%s}", ph, a->pid,
		tid, id, us(a, at), ph == 'f' ? ",\"bp\":\"e\"" : "");
}

static void instant(struct attach *a, int tid, const char *name, uint64_t at,
		    const char *text)
{
	FILE *f = a->p->out;

	sep(a->p);
	fprintf(f, "{\"ph\":\"i\",\"s\":\"t\",\"pid\":%d,\"tid\":%d,\"cat\":"
		"\"hazard\",\"name\":", a->pid, tid);
	put_str(f, name);
	fprintf(f, ",\"ts\":%.3f,\"args\":{\"cause\":", us(a, at));
	put_str(f, text);
	fputs("}}", f);
}

static void observe(void *ctx, const struct tlbsim_obs *o)
{
	struct attach *a = ctx;

	switch (o->kind) {
	case TLBSIM_OBS_IPI_SEND:
		/* a zero-length slice gives the flow a place to start */
		slice(a, o->cpu, "ipi", "send IPI", o->cycle, o->cycle, o->text);
		flow(a, 's', o->cpu, o->cycle, o->index);
		break;
	case TLBSIM_OBS_HANDLER:
		slice(a, o->cpu, "handler", o->func, o->cycle, o->end, o->text);
		flow(a, 'f', o->cpu, o->cycle, o->index);
		break;
	case TLBSIM_OBS_WAIT:
		slice(a, o->cpu, "wait", "initiator wait", o->cycle, o->end, o->func);
		break;
	case TLBSIM_OBS_IRQ_OFF:
		slice(a, WINDOW_TID + o->cpu, "window", "IRQs off", o->cycle, o->end,
		      o->text);
		break;
	case TLBSIM_OBS_GUP_FAST:
		slice(a, WINDOW_TID + o->cpu, "window", "gup_fast", o->cycle, o->end,
		      o->text);
		break;
	case TLBSIM_OBS_STALL:
		slice(a, WINDOW_TID + o->cpu, "window", "vCPU held", o->cycle, o->end,
		      o->text);
		break;
	case TLBSIM_OBS_LAZY:
		slice(a, WINDOW_TID + o->cpu, "window", "lazy", o->cycle, o->end,
		      "lazy TLB mode: a kernel thread runs on the borrowed mm");
		break;
	case TLBSIM_OBS_HAZARD:
		instant(a, o->cpu, "hazard", o->cycle, o->text);
		break;
	default:
		break;
	}
}

struct tlbsim_perfetto *tlbsim_perfetto_new(FILE *out)
{
	struct tlbsim_perfetto *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->out = out;
	p->first = true;
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
	return p;
}

int tlbsim_perfetto_attach(struct tlbsim_perfetto *p, struct tlbsim_sim *sim,
			   int pid, const char *name, unsigned ncpus, double ghz)
{
	struct attach *na;
	char buf[32];

	/* fixed array: observers hold pointers into it */
	if (!p->a) {
		p->a = calloc(16, sizeof(*p->a));
		if (!p->a)
			return TLBSIM_ENOMEM;
	}
	if (p->na == 16)
		return TLBSIM_EINVAL;
	na = &p->a[p->na++];
	na->p = p;
	na->sim = sim;
	na->pid = pid;
	na->ghz = ghz > 0 ? ghz : 1.0;
	meta(p, pid, 0, "process_name", name);
	for (unsigned c = 0; c < ncpus; c++) {
		snprintf(buf, sizeof(buf), "cpu %u", c);
		meta(p, pid, (int)c, "thread_name", buf);
		snprintf(buf, sizeof(buf), "cpu %u windows", c);
		meta(p, pid, WINDOW_TID + (int)c, "thread_name", buf);
	}
	return tlbsim_sim_observe(sim, observe, na);
}

int tlbsim_perfetto_end(struct tlbsim_perfetto *p)
{
	fputs("\n]}\n", p->out);
	return ferror(p->out) ? TLBSIM_EIO : 0;
}

void tlbsim_perfetto_free(struct tlbsim_perfetto *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->na; i++)
		tlbsim_sim_unobserve(p->a[i].sim, &p->a[i]);
	free(p->a);
	free(p);
}
