/*
 * write.c - one event as a native-format line (for importers and tools):
 * fields in a fixed order, addresses as "0x..." strings, so the output is
 * byte-stable and reads back to the same event.
 */
#include <inttypes.h>
#include <stdio.h>

#include "tlbsim/trace.h"
#include "trace/native.h"

/* A JSON string body: quotes, backslashes and control characters escaped. */
static void json_chars(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

/* A string member: control characters escaped, not dropped, so that the
 * line reads back to the same string. */
static void str_field(FILE *f, const char *key, const char *s)
{
	fprintf(f, ", \"%s\": \"", key);
	json_chars(f, s);
	fputc('"', f);
}

int tlbsim_trace_write_header(FILE *f, const struct tlbsim_trace_header *h)
{
	fprintf(f, "{\"tlbsim\": 1, \"cpus\": %u, \"clock\": \"%s\"", h->cpus,
		h->clock == TLBSIM_CLOCK_CYCLES ? "cycles" : "ns");
	if (h->ghz > 0)
		fprintf(f, ", \"ghz\": %.17g", h->ghz);
	if (h->backend[0])
		fprintf(f, ", \"backend\": \"%s\"", h->backend);
	if (h->no_pcid)
		fputs(", \"pcid\": false", f);
	if (h->asid_history)
		fputs(", \"asid_history\": true", f);
	if (h->topology[0]) {
		fputs(", \"topology\": \"", f);
		json_chars(f, h->topology);
		fputc('"', f);
	}
	if (h->comment[0]) {
		fputs(", \"comment\": \"", f);
		json_chars(f, h->comment);
		fputc('"', f);
	}
	fputc('}', f);
	return ferror(f) ? TLBSIM_EIO : 0;
}

int tlbsim_trace_write_event(FILE *f, const struct tlbsim_trace_event *ev)
{
	const char *name = tlbsim_ev_name(ev->kind);
	unsigned fields = native_fields(ev->kind);

	if (!name)
		return TLBSIM_EINVAL;
	fprintf(f, "{\"t\": %" PRIu64 ", \"cpu\": %u, \"ev\": \"%s\"", ev->t,
		ev->cpu, name);
	switch (ev->kind) {
	case TLBSIM_EV_SWITCH:
		if (ev->mm)
			fprintf(f, ", \"mm\": %u", ev->mm);
		else
			fputs(", \"mm\": null", f);
		if (ev->idle)
			fputs(", \"idle\": true", f);
		if (ev->unseen)
			fputs(", \"unseen\": true", f);
		break;
	case TLBSIM_EV_IRQ_OFF:
	case TLBSIM_EV_PREEMPT:
		fprintf(f, ", \"dur\": %" PRIu64, ev->dur);
		break;
	case TLBSIM_EV_SYNC:
		break;
	case TLBSIM_EV_OBSERVED:
		str_field(f, "what", ev->what);
		fprintf(f, ", \"reason\": %" PRId64 ", \"pages\": %" PRId64, ev->reason,
			ev->pages);
		if (ev->target >= 0)
			fprintf(f, ", \"target\": %d", ev->target);
		if (ev->func[0])
			str_field(f, "func", ev->func);
		if (ev->mm)
			fprintf(f, ", \"mm\": %u", ev->mm);
		break;
	case TLBSIM_EV_FLUSH:
		fprintf(f, ", \"mm\": %u, \"start\": \"0x%" PRIx64 "\"", ev->mm, ev->start);
		if (ev->end == TLBSIM_END_ALL)
			fputs(", \"end\": \"all\"", f);
		else
			fprintf(f, ", \"end\": \"0x%" PRIx64 "\"", ev->end);
		fprintf(f, ", \"stride\": %u, \"freed_tables\": %s, \"unshared_tables\": %s",
			ev->stride, ev->freed_tables ? "true" : "false",
			ev->unshared_tables ? "true" : "false");
		if (ev->unseen)
			fputs(", \"unseen\": true", f);
		break;
	default:
		/* the fields the kind's spec gives it (native_rules.c); a
		 * ran_before's init_mm is null */
		if (ev->mm || ev->kind != TLBSIM_EV_RAN_BEFORE)
			fprintf(f, ", \"mm\": %u", ev->mm);
		else
			fputs(", \"mm\": null", f);
		if (fields & NATIVE_F_WITH)
			fprintf(f, ", \"with\": %u", ev->with);
		if (fields & NATIVE_F_ADDR)
			fprintf(f, ", \"addr\": \"0x%" PRIx64 "\"", ev->addr);
		if (fields & NATIVE_F_LEN)
			fprintf(f, ", \"len\": %" PRIu64, ev->len);
		if (fields & NATIVE_F_DUR)
			fprintf(f, ", \"dur\": %" PRIu64, ev->dur);
		if ((fields & NATIVE_F_HUGETLB) && ev->hugetlb)
			fputs(", \"hugetlb\": true", f);
		if ((fields & NATIVE_F_SHARED) && ev->shared)
			fputs(", \"shared\": true", f);
		if ((fields & NATIVE_F_WRITE) && ev->write)
			fputs(", \"write\": true", f);
		if ((fields & NATIVE_F_EXEC) && ev->exec)
			fputs(", \"exec\": true", f);
		if ((fields & NATIVE_F_ASID) && ev->asid)
			fputs(", \"asid\": true", f);
		if (fields & NATIVE_F_START)   /* a remap's destination */
			fprintf(f, ", \"start\": \"0x%" PRIx64 "\"", ev->start);
		break;
	}
	fputc('}', f);
	return ferror(f) ? TLBSIM_EIO : 0;
}
