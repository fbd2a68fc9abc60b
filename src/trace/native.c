/*
 * native.c - the native trace format, version 1 (traces/FORMAT.md): one JSON
 * object per line, a header first, read into events. Everything outside
 * the contract (native_rules.c) is an error naming the line and what was
 * expected.
 */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/native.h"

/* jansson's message with the control bytes it quotes from the line (an
 * invalid token) written as \xNN: they would reach the terminal raw. */
static const char *jansson_text(char out[JSON_ERROR_TEXT_LENGTH * 4],
				const char *s)
{
	size_t at = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			at += (size_t)sprintf(out + at, "\\x%02x", c);
		else
			out[at++] = (char)c;
	}
	out[at] = '\0';
	return out;
}

/* A NUL byte would end the text jansson reads and hide the rest of the
 * line: an error, at its column (counted in characters, as jansson's). */
static int check_nul(struct native_ctx *x, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	int column = 1;

	if (!nul)
		return 0;
	for (const char *p = text; p < nul; p++)
		column += ((unsigned char)*p & 0xc0) != 0x80;
	return native_bad(x, "NUL byte at column %d (expected JSON text)", column);
}

static bool json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The key of the member whose value starts at @at in @text, into @key;
 * false when there is none to name (an array element, a key with
 * escapes or too long to show). */
static bool key_before(const char *text, size_t at, char *key, size_t cap)
{
	size_t end;

	while (at && json_space(text[at - 1]))
		at--;
	if (!at || text[--at] != ':')
		return false;
	while (at && json_space(text[at - 1]))
		at--;
	if (!at || text[--at] != '"')
		return false;
	end = at;
	while (at && text[at - 1] != '"' && text[at - 1] != '\\')
		at--;
	/* an opening quote follows '{', ',' or a space, never a backslash */
	if (!at || text[at - 1] != '"' || (at > 1 && text[at - 2] == '\\') ||
	    end - at >= cap)
		return false;
	memcpy(key, text + at, end - at);
	key[end - at] = '\0';
	return true;
}

/* jansson refuses an integer past 64-bit signed as "too big integer",
 * with no field: find the number (it ends at e->position) and its key. */
static int too_big(struct native_ctx *x, const char *text, const json_error_t *e)
{
	size_t end = (size_t)e->position, at = end;
	char num[48], key[48];
	int n;

	while (at && (isdigit((unsigned char)text[at - 1]) || text[at - 1] == '-'))
		at--;
	n = end - at > 40 ? 36 : (int)(end - at);
	snprintf(num, sizeof(num), "%.*s%s", n, text + at, end - at > 40 ? "..." : "");
	if (key_before(text, at, key, sizeof(key)))
		return native_int_limit(x, key, num, text[at] == '-');
	if (text[at] == '-')
		return native_bad(x, "integer %s at column %d is below -9223372036854775808 "
			   "(expected at least -2^63)", num, e->column);
	return native_bad(x, "integer %s at column %d is above 9223372036854775807 "
		   "(expected at most 2^63-1)", num, e->column);
}

static int parse_line(struct native_ctx *x, const char *text, size_t len,
		      json_t **out)
{
	char why[JSON_ERROR_TEXT_LENGTH * 4];
	json_error_t e;

	if (check_nul(x, text, len))
		return TLBSIM_EPARSE;
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	if (!*out) {
		if (json_error_code(&e) == json_error_numeric_overflow &&
		    !strncmp(e.text, "too big", 7) && (size_t)e.position <= len)
			return too_big(x, text, &e);
		if (strstr(e.text, "decode") || strstr(e.text, "UTF-8"))
			return native_bad(x, "invalid UTF-8 (%s)", jansson_text(why, e.text));
		return native_bad(x, "invalid JSON: %s at column %d", jansson_text(why, e.text),
			   e.column);
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		return native_bad(x, "expected a JSON object");
	}
	return 0;
}

/* A non-negative integer that fits in 64 bits (jansson caps at INT64_MAX). */
static int get_uint(struct native_ctx *x, json_t *v, const char *name,
		    uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return native_bad(x, "field \"%s\" must be a non-negative integer", name);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* The hex digits of a "0x..." address string, 0 when it is not one:
 * strtoull() alone would also take "0x0x200000", a sign or spaces. */
static size_t hex_digits(const char *s)
{
	size_t n;

	if (strncmp(s, "0x", 2))
		return 0;
	n = strspn(s + 2, "0123456789abcdefABCDEF");
	return n <= 16 && !s[2 + n] ? n : 0;
}

/* An address: an integer or a "0x..." string, in user space. */
static int get_addr(struct native_ctx *x, json_t *v, const char *name,
		    uint64_t *out)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char q[NATIVE_SHOWN];

		if (!hex_digits(s))
			return native_bad(x, "field \"%s\" must be an integer or \"0x\" and 1 to "
				   "16 hex digits (got \"%s\")", name, native_shown(q, s));
		*out = strtoull(s + 2, NULL, 16);
	} else if (get_uint(x, v, name, out)) {
		return native_bad(x, "field \"%s\" must be an integer or \"0x\" and 1 to 16 "
			   "hex digits", name);
	}
	if (*out >= NATIVE_USER_TOP)
		return native_bad(x, "field \"%s\" is 0x%" PRIx64 ": not a user-space "
			   "address (must be below 0x%llx)", name, *out,
			   (unsigned long long)NATIVE_USER_TOP);
	return 0;
}

static int get_bool(struct native_ctx *x, json_t *v, const char *name, bool *out)
{
	if (!json_is_boolean(v))
		return native_bad(x, "field \"%s\" must be true or false", name);
	*out = json_is_true(v);
	return 0;
}

static int get_mm(struct native_ctx *x, json_t *v, const char *name,
		  uint32_t *out, bool null_ok)
{
	uint64_t u = 0;

	if (json_is_null(v) && null_ok) {
		*out = 0;
		return 0;
	}
	if (get_uint(x, v, name, &u) || u == 0 || u > INT32_MAX)
		return native_bad(x, "field \"%s\" must be a positive integer%s", name,
			   null_ok ? " or null" : "");
	*out = (uint32_t)u;
	return 0;
}

/* A JSON string into a field of @cap bytes: jansson has checked it is
 * UTF-8 without NUL; what the field cannot hold is an error, not cut. */
static int get_string(struct native_ctx *x, const char *prefix, const char *name,
		      json_t *v, char *out, size_t cap)
{
	if (!json_is_string(v))
		return native_bad(x, "%s\"%s\" must be a string", prefix, name);
	if (native_string(x, prefix, name, json_string_value(v),
			  json_string_length(v), cap))
		return TLBSIM_EPARSE;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* observed: keep the tracepoint fields tlbsim compares, ignore the rest. */
static int parse_observed(struct native_ctx *x, json_t *o,
			  struct tlbsim_trace_event *ev)
{
	json_t *v;

	if (get_string(x, "field ", "what", json_object_get(o, "what"), ev->what,
		       sizeof(ev->what)))
		return TLBSIM_EPARSE;
	ev->target = -1;
	if ((v = json_object_get(o, "reason")) && !json_is_integer(v))
		return native_bad(x, "field \"reason\" must be an integer");
	ev->reason = v ? json_integer_value(v) : 0;
	if ((v = json_object_get(o, "pages")) && !json_is_integer(v))
		return native_bad(x, "field \"pages\" must be an integer");
	ev->pages = v ? json_integer_value(v) : 0;
	if ((v = json_object_get(o, "target"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) >= (json_int_t)x->cpus)
			return native_bad(x, "field \"target\" must be a CPU id below %u", x->cpus);
		ev->target = (int32_t)json_integer_value(v);
	}
	if ((v = json_object_get(o, "func")) &&
	    get_string(x, "field ", "func", v, ev->func, sizeof(ev->func)))
		return TLBSIM_EPARSE;
	if ((v = json_object_get(o, "mm"))) {   /* whose flush: optional */
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT32_MAX)
			return native_bad(x, "field \"mm\" must be an integer from 0 to %u",
				   UINT32_MAX);
		ev->mm = (uint32_t)json_integer_value(v);
	}
	return 0;
}

static int parse_field(struct native_ctx *x, int f, json_t *v,
		       struct tlbsim_trace_event *ev)
{
	const char *n = native_field_name(f);

	switch (1u << f) {
	case NATIVE_F_MM: return get_mm(x, v, n, &ev->mm, ev->kind == TLBSIM_EV_SWITCH ||
					 ev->kind == TLBSIM_EV_RAN_BEFORE);
	case NATIVE_F_WITH: return get_mm(x, v, n, &ev->with, false);
	case NATIVE_F_ADDR: return get_addr(x, v, n, &ev->addr);
	case NATIVE_F_START: return get_addr(x, v, n, &ev->start);
	case NATIVE_F_END:
		if (json_is_string(v) && strcmp(json_string_value(v), "all") == 0) {
			ev->end = TLBSIM_END_ALL;
			return 0;
		}
		return get_addr(x, v, n, &ev->end);
	case NATIVE_F_LEN:
		if (get_uint(x, v, n, &ev->len) || !ev->len)
			return native_bad(x, "field \"len\" must be a positive integer (bytes)");
		return 0;
	case NATIVE_F_DUR:
		if (get_uint(x, v, n, &ev->dur) || !ev->dur)
			return native_bad(x, "field \"dur\" must be a positive integer");
		return 0;
	case NATIVE_F_STRIDE: {
		uint64_t s = 0;

		if (get_uint(x, v, n, &s) || (s != 12 && s != 21 && s != 30))
			return native_bad(x, "field \"stride\" must be 12, 21 or 30");
		ev->stride = (uint8_t)s;
		return 0;
	}
	case NATIVE_F_HUGETLB: return get_bool(x, v, n, &ev->hugetlb);
	case NATIVE_F_FREED: return get_bool(x, v, n, &ev->freed_tables);
	case NATIVE_F_UNSHARED: return get_bool(x, v, n, &ev->unshared_tables);
	case NATIVE_F_EXEC: return get_bool(x, v, n, &ev->exec);
	case NATIVE_F_IDLE: return get_bool(x, v, n, &ev->idle);
	case NATIVE_F_ASID: return get_bool(x, v, n, &ev->asid);
	case NATIVE_F_UNSEEN: return get_bool(x, v, n, &ev->unseen);
	case NATIVE_F_SHARED: return get_bool(x, v, n, &ev->shared);
	case NATIVE_F_WRITE: return get_bool(x, v, n, &ev->write);
	}
	return 0;
}

/* What every event has: "ev", "t", "cpu", and maybe a "comment". */
static int event_common(struct native_ctx *x, json_t *o,
			struct tlbsim_trace_event *ev)
{
	json_t *v, *evname = json_object_get(o, "ev");
	uint64_t t = 0, cpu = 0;
	char q[NATIVE_SHOWN];

	if (!json_is_string(evname))
		return native_bad(x, "field \"ev\" missing or not a string");
	ev->kind = (uint16_t)native_kind_find(json_string_value(evname));
	if (ev->kind == TLBSIM_EV_COUNT)
		return native_bad(x, "unknown event \"%s\"",
			   native_shown(q, json_string_value(evname)));
	if (!json_object_get(o, "t") || get_uint(x, json_object_get(o, "t"), "t", &t))
		return native_bad(x, "field \"t\" missing or not a non-negative integer");
	if (!json_object_get(o, "cpu") ||
	    get_uint(x, json_object_get(o, "cpu"), "cpu", &cpu))
		return native_bad(x, "field \"cpu\" missing or not a non-negative integer");
	if (cpu >= x->cpus)
		return native_bad(x, "cpu %" PRIu64 " out of range (the trace has %u CPUs: "
			   "0..%u)", cpu, x->cpus, x->cpus - 1);
	if (x->have_last && t < x->last_t)
		return native_bad(x, "time %" PRIu64 " is before the previous event's %" PRIu64,
			   t, x->last_t);
	/* ignored, but held to its type as the header's is */
	if ((v = json_object_get(o, "comment")) && !json_is_string(v))
		return native_bad(x, "field \"comment\" must be a string");
	ev->t = t;
	ev->cpu = (uint32_t)cpu;
	return 0;
}

/* The fields of a modeled event's kind, as its spec says. */
static int event_fields(struct native_ctx *x, json_t *o,
			struct tlbsim_trace_event *ev)
{
	unsigned required = native_required(ev->kind), seen = 0;
	const char *key;
	json_t *v;
	char q[NATIVE_SHOWN];

	json_object_foreach(o, key, v) {
		int f;

		if (!strcmp(key, "t") || !strcmp(key, "cpu") || !strcmp(key, "ev") ||
		    !strcmp(key, "comment"))
			continue;
		f = native_field_index(key);
		if (f < 0 || !(native_fields(ev->kind) & (1u << f)))
			return native_bad(x, "unexpected field \"%s\" for \"%s\"",
					  native_shown(q, key), tlbsim_ev_name(ev->kind));
		if (parse_field(x, f, v, ev))
			return TLBSIM_EPARSE;
		seen |= 1u << f;
	}
	for (int f = 0; f < NATIVE_NFIELDS; f++)
		if ((required & (1u << f)) && !(seen & (1u << f)))
			return native_bad(x, "\"%s\" needs field \"%s\"",
					  tlbsim_ev_name(ev->kind), native_field_name(f));
	return native_check_event(x, ev) ? TLBSIM_EPARSE : 0;
}

static int event_from(struct native_ctx *x, json_t *o,
		      struct tlbsim_trace_event *ev)
{
	int err;

	memset(ev, 0, sizeof(*ev));
	ev->line = x->line;
	if ((err = event_common(x, o, ev)))
		return err;
	/* an observed event is in the time order too: the binary form and
	 * FORMAT.md ("non-decreasing from line to line") hold it to it */
	err = ev->kind == TLBSIM_EV_OBSERVED ? parse_observed(x, o, ev) :
	      event_fields(x, o, ev);
	if (err)
		return err;
	x->last_t = ev->t;
	x->have_last = true;
	return 0;
}

int native_event_json(struct native_ctx *x, const char *text, size_t len,
		      struct tlbsim_trace_event *ev)
{
	json_t *o;
	int err;

	if (!len)
		return native_bad(x, "empty line (expected one JSON object per line)");
	err = parse_line(x, text, len, &o);
	if (err)
		return err;
	err = event_from(x, o, ev);
	json_decref(o);
	return err;
}

#ifdef TLBSIM_FUZZ
/* The fuzz builds decode each line both ways: where the fast path takes a
 * line, it must give what jansson's gives (the event, or the error and
 * its message, and the time order's state). */
static int event_both(struct native_ctx *x, const char *text, size_t len,
		      struct tlbsim_trace_event *ev)
{
	struct native_ctx fx = *x;
	struct tlbsim_diag fd = { { 0 } }, jd = { { 0 } }, *d = x->diag;
	struct tlbsim_trace_event fev;
	int fast, json;

	fx.diag = &fd;
	fast = len ? native_event_fast(&fx, text, len, &fev) : NATIVE_FALL_BACK;
	x->diag = &jd;
	json = native_event_json(x, text, len, ev);
	x->diag = d;
	if (d)
		*d = jd;
	if (fast != NATIVE_FALL_BACK &&
	    (fast != json || fx.last_t != x->last_t || fx.have_last != x->have_last ||
	     strcmp(fd.msg, jd.msg) || (!json && memcmp(&fev, ev, sizeof(fev)))))
		abort();
	return json;
}
#endif

int native_event(struct native_ctx *x, const char *text, size_t len,
		 struct tlbsim_trace_event *ev)
{
#ifdef TLBSIM_FUZZ
	return event_both(x, text, len, ev);
#else
	int err = len ? native_event_fast(x, text, len, ev) : NATIVE_FALL_BACK;

	return err != NATIVE_FALL_BACK ? err : native_event_json(x, text, len, ev);
#endif
}

static const char *const backends[] = { "native", "kvm", "hyperv", "xen", "invlpgb", "pvm" };

/* A header's "backend" (the trace module does not reach the policies'). */
bool native_backend_known(const char *b)
{
	for (size_t i = 0; b && i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(b, backends[i]))
			return true;
	return false;
}

void native_backend_names(char *buf, size_t size, const char *last)
{
	size_t n = sizeof(backends) / sizeof(backends[0]), len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					!i ? "" : i + 1 < n ? ", " : last, backends[i]);
}

static int header_field(struct native_ctx *x, const char *key, json_t *v,
			struct tlbsim_trace_header *h)
{
	if (!strcmp(key, "tlbsim")) {
		if (!json_is_integer(v) || json_integer_value(v) != 1)
			return native_bad(x, "header: \"tlbsim\" must be 1 (the format version)");
	} else if (!strcmp(key, "cpus")) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 4096)
			return native_bad(x, "header: \"cpus\" must be an integer from 1 to 4096");
		h->cpus = (unsigned)json_integer_value(v);
	} else if (!strcmp(key, "clock")) {
		const char *c = json_string_value(v);

		if (!c || (strcmp(c, "ns") && strcmp(c, "cycles")))
			return native_bad(x, "header: \"clock\" must be \"ns\" or \"cycles\"");
		h->clock = strcmp(c, "ns") ? TLBSIM_CLOCK_CYCLES : TLBSIM_CLOCK_NS;
	} else if (!strcmp(key, "ghz")) {
		if (!json_is_number(v) || json_number_value(v) <= 0 ||
		    json_number_value(v) > 100)
			return native_bad(x, "header: \"ghz\" must be a number above 0 and "
				   "at most 100");
		h->ghz = json_number_value(v);
	} else if (!strcmp(key, "backend")) {
		const char *b = json_string_value(v);

		char names[80];

		native_backend_names(names, sizeof(names), ", ");
		if (!native_backend_known(b))
			return native_bad(x, "header: \"backend\" must be one of %s", names);
		snprintf(h->backend, sizeof(h->backend), "%s", b);
	} else if (!strcmp(key, "pcid")) {
		if (!json_is_boolean(v))
			return native_bad(x, "header: \"pcid\" must be true or false");
		h->no_pcid = !json_is_true(v);
	} else if (!strcmp(key, "asid_history")) {
		if (!json_is_boolean(v))
			return native_bad(x, "header: \"asid_history\" must be true or false");
		h->asid_history = json_is_true(v);
	} else if (!strcmp(key, "topology")) {
		return get_string(x, "header: ", key, v, h->topology,
				  sizeof(h->topology));
	} else if (!strcmp(key, "comment")) {
		return get_string(x, "header: ", key, v, h->comment, sizeof(h->comment));
	} else {
		char q[NATIVE_SHOWN];

		return native_bad(x, "header: unexpected field \"%s\"", native_shown(q, key));
	}
	return 0;
}

int native_header(struct native_ctx *x, const char *text, size_t len,
		  struct tlbsim_trace_header *h)
{
	json_t *o, *v;
	const char *key;
	int err;

	memset(h, 0, sizeof(*h));
	err = parse_line(x, text, len, &o);
	if (err)
		return err;
	if (!json_object_get(o, "tlbsim")) {
		json_decref(o);
		return native_bad(x, "not a tlbsim trace (expected a header line "
			   "{\"tlbsim\": 1, \"cpus\": N, ...})");
	}
	h->version = 1;
	json_object_foreach(o, key, v) {
		err = header_field(x, key, v, h);
		if (err)
			break;
	}
	if (!err && !h->cpus)
		err = native_bad(x, "header: \"cpus\" is required");
	json_decref(o);
	x->cpus = h->cpus;
	return err;
}
