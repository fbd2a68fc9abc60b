/*
 * native.c - the native trace format, version 1 (traces/FORMAT.md): one JSON
 * object per line, a header first. Everything outside the contract is an
 * error naming the line and what was expected.
 */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/native.h"

static const char *const ev_names[TLBSIM_EV_COUNT] = {
	"switch", "map", "touch", "unmap", "zap", "protect", "collapse", "share",
	"unshare", "gup_fast", "irq_off", "preempt", "global_asid", "speculate",
	"exit", "flush", "sync", "observed", "ran_before",
};

const char *tlbsim_ev_name(enum tlbsim_ev_kind k)
{
	return (unsigned)k < TLBSIM_EV_COUNT ? ev_names[k] : NULL;
}

/* Fields an event may carry, as bits (native.h names them for the
 * binary form). */
enum {
	F_MM = NATIVE_F_MM, F_WITH = NATIVE_F_WITH, F_ADDR = NATIVE_F_ADDR,
	F_LEN = NATIVE_F_LEN, F_DUR = NATIVE_F_DUR, F_HUGETLB = NATIVE_F_HUGETLB,
	F_START = NATIVE_F_START, F_END = NATIVE_F_END, F_STRIDE = NATIVE_F_STRIDE,
	F_FREED = NATIVE_F_FREED, F_UNSHARED = NATIVE_F_UNSHARED, F_WHAT = 1 << 11,
};

static const char *const field_names[] = {
	"mm", "with", "addr", "len", "dur", "hugetlb", "start", "end", "stride",
	"freed_tables", "unshared_tables", "what",
};

struct kind_spec {
	unsigned required, optional;
};

static const struct kind_spec specs[TLBSIM_EV_COUNT] = {
	[TLBSIM_EV_SWITCH] = { F_MM, 0 },
	[TLBSIM_EV_MAP] = { F_MM | F_ADDR | F_LEN, F_HUGETLB },
	[TLBSIM_EV_TOUCH] = { F_MM | F_ADDR, F_LEN },
	[TLBSIM_EV_UNMAP] = { F_MM | F_ADDR | F_LEN, 0 },
	[TLBSIM_EV_ZAP] = { F_MM | F_ADDR | F_LEN, 0 },
	[TLBSIM_EV_PROTECT] = { F_MM | F_ADDR | F_LEN, 0 },
	[TLBSIM_EV_COLLAPSE] = { F_MM | F_ADDR, 0 },
	[TLBSIM_EV_SHARE] = { F_MM | F_WITH | F_ADDR, 0 },
	[TLBSIM_EV_UNSHARE] = { F_MM | F_ADDR, 0 },
	[TLBSIM_EV_GUP_FAST] = { F_MM | F_ADDR | F_DUR, 0 },
	[TLBSIM_EV_IRQ_OFF] = { F_DUR, 0 },
	[TLBSIM_EV_PREEMPT] = { F_DUR, 0 },
	[TLBSIM_EV_GLOBAL_ASID] = { F_MM, 0 },
	[TLBSIM_EV_SPECULATE] = { F_MM | F_ADDR, 0 },
	[TLBSIM_EV_EXIT] = { F_MM, 0 },
	[TLBSIM_EV_FLUSH] = { F_MM | F_START | F_END | F_STRIDE | F_FREED | F_UNSHARED, 0 },
	[TLBSIM_EV_SYNC] = { 0, 0 },
	[TLBSIM_EV_OBSERVED] = { F_WHAT, 0 },
	[TLBSIM_EV_RAN_BEFORE] = { F_MM, 0 },
};

#define USER_TOP (1ULL << 47)

static int bad(struct native_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct native_ctx *x, const char *fmt, ...)
{
	char reason[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (x->unit)
		return tlbsim_diag_set(x->diag, TLBSIM_EPARSE, "%s: %s %llu: %s",
				       x->name, x->unit, (unsigned long long)x->line,
				       reason);
	return tlbsim_diag_set(x->diag, TLBSIM_EPARSE, "%s:%llu: %s", x->name,
			       (unsigned long long)x->line, reason);
}

/* Room for an input string quoted in a message by shown(). */
enum { SHOWN = 96 };

/* Input text in a message, as a JSON string body: control characters
 * escaped (a newline in an event name must not break the one-line
 * message) and long text cut at a character boundary, marked "...". */
static const char *shown(char out[SHOWN], const char *s)
{
	size_t at = 0;

	for (; *s && at < SHOWN - 12; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			at += (size_t)snprintf(out + at, SHOWN - at, "\\%c", c);
		else if (c < 0x20)
			at += (size_t)snprintf(out + at, SHOWN - at, "\\u%04x", c);
		else
			out[at++] = (char)c;
	}
	if (*s && ((unsigned char)*s & 0xc0) == 0x80) {   /* cut inside one */
		while (at && ((unsigned char)out[at - 1] & 0xc0) == 0x80)
			at--;
		at -= at > 0;   /* its first byte */
	}
	snprintf(out + at, SHOWN - at, "%s", *s ? "..." : "");
	return out;
}

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
	return bad(x, "NUL byte at column %d (expected JSON text)", column);
}

/* tlbsim's integers are jansson's: 64-bit signed. A value past them is
 * an error naming the field and the limit, in both forms. */
static int int_limit(struct native_ctx *x, const char *field, const char *num,
		     bool negative)
{
	char q[SHOWN];

	if (negative)
		return bad(x, "field \"%s\" is %s, below -9223372036854775808 "
			   "(expected at least -2^63)", shown(q, field), num);
	return bad(x, "field \"%s\" is %s, above 9223372036854775807 (expected "
		   "at most 2^63-1)", shown(q, field), num);
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
		return int_limit(x, key, num, text[at] == '-');
	if (text[at] == '-')
		return bad(x, "integer %s at column %d is below -9223372036854775808 "
			   "(expected at least -2^63)", num, e->column);
	return bad(x, "integer %s at column %d is above 9223372036854775807 "
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
			return bad(x, "invalid UTF-8 (%s)", jansson_text(why, e.text));
		return bad(x, "invalid JSON: %s at column %d", jansson_text(why, e.text),
			   e.column);
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		return bad(x, "expected a JSON object");
	}
	return 0;
}

/* A non-negative integer that fits in 64 bits (jansson caps at INT64_MAX). */
static int get_uint(struct native_ctx *x, json_t *v, const char *name,
		    uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(x, "field \"%s\" must be a non-negative integer", name);
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
		char q[SHOWN];

		if (!hex_digits(s))
			return bad(x, "field \"%s\" must be an integer or \"0x\" and 1 to "
				   "16 hex digits (got \"%s\")", name, shown(q, s));
		*out = strtoull(s + 2, NULL, 16);
	} else if (get_uint(x, v, name, out)) {
		return bad(x, "field \"%s\" must be an integer or \"0x\" and 1 to 16 "
			   "hex digits", name);
	}
	if (*out >= USER_TOP)
		return bad(x, "field \"%s\" is 0x%" PRIx64 ": not a user-space "
			   "address (must be below 0x%llx)", name, *out,
			   (unsigned long long)USER_TOP);
	return 0;
}

static int check_aligned(struct native_ctx *x, const char *name, uint64_t v,
			 uint64_t align, const char *what)
{
	if (v % align)
		return bad(x, "field \"%s\" must be %s aligned (got 0x%" PRIx64 ")",
			   name, what, v);
	return 0;
}

static int get_bool(struct native_ctx *x, json_t *v, const char *name, bool *out)
{
	if (!json_is_boolean(v))
		return bad(x, "field \"%s\" must be true or false", name);
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
		return bad(x, "field \"%s\" must be a positive integer%s", name,
			   null_ok ? " or null" : "");
	*out = (uint32_t)u;
	return 0;
}

static int field_index(const char *key)
{
	for (size_t i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if (strcmp(key, field_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Where @s (@n bytes) stops being UTF-8 as RFC 3629 has it (no overlong
 * forms, no surrogates, nothing past U+10FFFF), as jansson checks JSON
 * text; @n when it is all UTF-8. */
static size_t utf8_end(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], len = c < 0x80 ? 1 : c < 0xc2 ? 0 : c < 0xe0 ? 2 :
					c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
		uint32_t cp = c & (0x7fu >> len);

		if (!len || n - i < len)
			return i;
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return i;
		i += len;
	}
	return n;
}

int native_string(struct native_ctx *x, const char *prefix, const char *name,
		  const char *s, size_t n, size_t cap)
{
	const char *nul;
	size_t end;

	if (n >= cap)
		return bad(x, "%s\"%s\" is %zu bytes long (expected at most %zu)",
			   prefix, name, n, cap - 1);
	if ((nul = memchr(s, '\0', n)))
		return bad(x, "%s\"%s\": NUL byte at offset %zu (expected text)",
			   prefix, name, (size_t)(nul - s));
	if ((end = utf8_end((const unsigned char *)s, n)) < n)
		return bad(x, "%s\"%s\": invalid UTF-8 (unable to decode byte 0x%02x "
			   "at offset %zu)", prefix, name, (unsigned char)s[end], end);
	return 0;
}

/* A JSON string into a field of @cap bytes: jansson has checked it is
 * UTF-8 without NUL; what the field cannot hold is an error, not cut. */
static int get_string(struct native_ctx *x, const char *prefix, const char *name,
		      json_t *v, char *out, size_t cap)
{
	if (!json_is_string(v))
		return bad(x, "%s\"%s\" must be a string", prefix, name);
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
		return bad(x, "field \"reason\" must be an integer");
	ev->reason = v ? json_integer_value(v) : 0;
	if ((v = json_object_get(o, "pages")) && !json_is_integer(v))
		return bad(x, "field \"pages\" must be an integer");
	ev->pages = v ? json_integer_value(v) : 0;
	if ((v = json_object_get(o, "target"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) >= (json_int_t)x->cpus)
			return bad(x, "field \"target\" must be a CPU id below %u", x->cpus);
		ev->target = (int32_t)json_integer_value(v);
	}
	if ((v = json_object_get(o, "func")) &&
	    get_string(x, "field ", "func", v, ev->func, sizeof(ev->func)))
		return TLBSIM_EPARSE;
	if ((v = json_object_get(o, "mm"))) {   /* whose flush: optional */
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT32_MAX)
			return bad(x, "field \"mm\" must be an integer from 0 to %u",
				   UINT32_MAX);
		ev->mm = (uint32_t)json_integer_value(v);
	}
	return 0;
}

static int parse_field(struct native_ctx *x, int f, json_t *v,
		       struct tlbsim_trace_event *ev)
{
	const char *n = field_names[f];

	switch (1u << f) {
	case F_MM: return get_mm(x, v, n, &ev->mm, ev->kind == TLBSIM_EV_SWITCH);
	case F_WITH: return get_mm(x, v, n, &ev->with, false);
	case F_ADDR: return get_addr(x, v, n, &ev->addr);
	case F_START: return get_addr(x, v, n, &ev->start);
	case F_END:
		if (json_is_string(v) && strcmp(json_string_value(v), "all") == 0) {
			ev->end = TLBSIM_END_ALL;
			return 0;
		}
		return get_addr(x, v, n, &ev->end);
	case F_LEN:
		if (get_uint(x, v, n, &ev->len) || !ev->len)
			return bad(x, "field \"len\" must be a positive integer (bytes)");
		return 0;
	case F_DUR:
		if (get_uint(x, v, n, &ev->dur) || !ev->dur)
			return bad(x, "field \"dur\" must be a positive integer");
		return 0;
	case F_STRIDE: {
		uint64_t s = 0;

		if (get_uint(x, v, n, &s) || (s != 12 && s != 21 && s != 30))
			return bad(x, "field \"stride\" must be 12, 21 or 30");
		ev->stride = (uint8_t)s;
		return 0;
	}
	case F_HUGETLB: return get_bool(x, v, n, &ev->hugetlb);
	case F_FREED: return get_bool(x, v, n, &ev->freed_tables);
	case F_UNSHARED: return get_bool(x, v, n, &ev->unshared_tables);
	}
	return 0;
}

/* Range and alignment rules of the contract, per kind. */
static int check_event(struct native_ctx *x, struct tlbsim_trace_event *ev)
{
	const uint64_t page = 4096, pmd = 2ULL << 20, pud = 1ULL << 30;

	switch (ev->kind) {
	case TLBSIM_EV_MAP:
	case TLBSIM_EV_UNMAP:
	case TLBSIM_EV_ZAP:
	case TLBSIM_EV_PROTECT:
		if (check_aligned(x, "addr", ev->addr, page, "4 KiB") ||
		    check_aligned(x, "len", ev->len, page, "4 KiB"))
			return TLBSIM_EPARSE;
		if (ev->hugetlb && (check_aligned(x, "addr", ev->addr, pmd, "2 MiB") ||
				    check_aligned(x, "len", ev->len, pmd, "2 MiB")))
			return TLBSIM_EPARSE;
		/* fallthrough */
	case TLBSIM_EV_TOUCH:
		if (ev->kind == TLBSIM_EV_TOUCH && !ev->len)
			ev->len = page;
		if (ev->kind == TLBSIM_EV_TOUCH && ev->len > (1ULL << 30))
			return bad(x, "touch: \"len\" is %" PRIu64 " bytes, more than "
				   "1 GiB (faults a page at a time: split it)", ev->len);
		if (ev->len > USER_TOP - ev->addr)
			return bad(x, "range [0x%" PRIx64 ", +0x%" PRIx64 ") ends outside "
				   "user space", ev->addr, ev->len);
		return 0;
	case TLBSIM_EV_COLLAPSE:
		return check_aligned(x, "addr", ev->addr, pmd, "2 MiB");
	case TLBSIM_EV_SHARE:
		if (ev->with == ev->mm)
			return bad(x, "field \"with\" must name another mm");
		/* fallthrough */
	case TLBSIM_EV_UNSHARE:
		return check_aligned(x, "addr", ev->addr, pud, "1 GiB");
	case TLBSIM_EV_FLUSH:
		if (ev->end != TLBSIM_END_ALL && ev->start >= ev->end)
			return bad(x, "flush: \"start\" must be below \"end\"");
		return 0;
	default:
		return 0;
	}
}

/* What every event has: "ev", "t", "cpu", and maybe a "comment". */
static int event_common(struct native_ctx *x, json_t *o,
			struct tlbsim_trace_event *ev)
{
	json_t *v, *evname = json_object_get(o, "ev");
	uint64_t t = 0, cpu = 0;
	char q[SHOWN];

	if (!json_is_string(evname))
		return bad(x, "field \"ev\" missing or not a string");
	for (ev->kind = 0; ev->kind < TLBSIM_EV_COUNT; ev->kind++)
		if (strcmp(ev_names[ev->kind], json_string_value(evname)) == 0)
			break;
	if (ev->kind == TLBSIM_EV_COUNT)
		return bad(x, "unknown event \"%s\"",
			   shown(q, json_string_value(evname)));
	if (!json_object_get(o, "t") || get_uint(x, json_object_get(o, "t"), "t", &t))
		return bad(x, "field \"t\" missing or not a non-negative integer");
	if (!json_object_get(o, "cpu") ||
	    get_uint(x, json_object_get(o, "cpu"), "cpu", &cpu))
		return bad(x, "field \"cpu\" missing or not a non-negative integer");
	if (cpu >= x->cpus)
		return bad(x, "cpu %" PRIu64 " out of range (the trace has %u CPUs: "
			   "0..%u)", cpu, x->cpus, x->cpus - 1);
	if (x->have_last && t < x->last_t)
		return bad(x, "time %" PRIu64 " is before the previous event's %" PRIu64,
			   t, x->last_t);
	/* ignored, but held to its type as the header's is */
	if ((v = json_object_get(o, "comment")) && !json_is_string(v))
		return bad(x, "field \"comment\" must be a string");
	ev->t = t;
	ev->cpu = (uint32_t)cpu;
	return 0;
}

/* The fields of a modeled event's kind, as its spec says. */
static int event_fields(struct native_ctx *x, json_t *o,
			struct tlbsim_trace_event *ev)
{
	const struct kind_spec *spec = &specs[ev->kind];
	unsigned seen = 0;
	const char *key;
	json_t *v;
	char q[SHOWN];

	json_object_foreach(o, key, v) {
		int f;

		if (!strcmp(key, "t") || !strcmp(key, "cpu") || !strcmp(key, "ev") ||
		    !strcmp(key, "comment"))
			continue;
		f = field_index(key);
		if (f < 0 || !((spec->required | spec->optional) & (1u << f)))
			return bad(x, "unexpected field \"%s\" for \"%s\"", shown(q, key),
				   ev_names[ev->kind]);
		if (parse_field(x, f, v, ev))
			return TLBSIM_EPARSE;
		seen |= 1u << f;
	}
	for (size_t f = 0; f < sizeof(field_names) / sizeof(field_names[0]); f++)
		if ((spec->required & (1u << f)) && !(seen & (1u << f)))
			return bad(x, "\"%s\" needs field \"%s\"", ev_names[ev->kind],
				   field_names[f]);
	return check_event(x, ev) ? TLBSIM_EPARSE : 0;
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

unsigned native_fields(enum tlbsim_ev_kind k)
{
	return (unsigned)k < TLBSIM_EV_COUNT ? specs[k].required | specs[k].optional : 0;
}

static int check_user(struct native_ctx *x, const char *name, uint64_t v)
{
	if (v >= USER_TOP)
		return bad(x, "field \"%s\" is 0x%" PRIx64 ": not a user-space "
			   "address (must be below 0x%llx)", name, v,
			   (unsigned long long)USER_TOP);
	return 0;
}

static int check_mm(struct native_ctx *x, const char *name, uint32_t v, bool null_ok)
{
	if ((!v && !null_ok) || v > INT32_MAX)
		return bad(x, "field \"%s\" must be a positive integer%s", name,
			   null_ok ? " or null" : "");
	return 0;
}

static const char *u64_text(char out[24], uint64_t v)
{
	snprintf(out, 24, "%" PRIu64, v);
	return out;
}

int native_validate(struct native_ctx *x, struct tlbsim_trace_event *ev)
{
	unsigned f = native_fields(ev->kind);
	char num[24];

	if (ev->kind >= TLBSIM_EV_COUNT)
		return bad(x, "unknown event kind %u", ev->kind);
	if (ev->cpu >= x->cpus)
		return bad(x, "cpu %u out of range (the trace has %u CPUs: 0..%u)",
			   ev->cpu, x->cpus, x->cpus - 1);
	if (ev->t > INT64_MAX)
		return int_limit(x, "t", u64_text(num, ev->t), false);
	if (x->have_last && ev->t < x->last_t)
		return bad(x, "time %" PRIu64 " is before the previous event's %" PRIu64,
			   ev->t, x->last_t);
	if ((f & F_DUR) && ev->dur > INT64_MAX)
		return int_limit(x, "dur", u64_text(num, ev->dur), false);
	if (ev->kind == TLBSIM_EV_OBSERVED) {
		if (ev->target < -1 || ev->target >= (int32_t)x->cpus)
			return bad(x, "field \"target\" must be a CPU id below %u", x->cpus);
	} else {
		if ((f & F_MM) && check_mm(x, "mm", ev->mm, ev->kind == TLBSIM_EV_SWITCH))
			return TLBSIM_EPARSE;
		if ((f & F_WITH) && check_mm(x, "with", ev->with, false))
			return TLBSIM_EPARSE;
		if (((f & F_ADDR) && check_user(x, "addr", ev->addr)) ||
		    ((f & F_START) && check_user(x, "start", ev->start)) ||
		    ((f & F_END) && ev->end != TLBSIM_END_ALL && check_user(x, "end", ev->end)))
			return TLBSIM_EPARSE;
		if ((f & F_LEN) && !ev->len && ev->kind != TLBSIM_EV_TOUCH)
			return bad(x, "field \"len\" must be a positive integer (bytes)");
		if ((f & F_DUR) && !ev->dur)
			return bad(x, "field \"dur\" must be a positive integer");
		if ((f & F_STRIDE) && ev->stride != 12 && ev->stride != 21 && ev->stride != 30)
			return bad(x, "field \"stride\" must be 12, 21 or 30");
		if (check_event(x, ev))
			return TLBSIM_EPARSE;
	}
	x->last_t = ev->t;
	x->have_last = true;
	return 0;
}

int native_event(struct native_ctx *x, const char *text, size_t len,
		 struct tlbsim_trace_event *ev)
{
	json_t *o;
	int err;

	if (!len)
		return bad(x, "empty line (expected one JSON object per line)");
	err = parse_line(x, text, len, &o);
	if (err)
		return err;
	err = event_from(x, o, ev);
	json_decref(o);
	return err;
}

static const char *const backends[] = { "native", "kvm", "hyperv", "xen", "invlpgb" };

static int header_field(struct native_ctx *x, const char *key, json_t *v,
			struct tlbsim_trace_header *h)
{
	if (!strcmp(key, "tlbsim")) {
		if (!json_is_integer(v) || json_integer_value(v) != 1)
			return bad(x, "header: \"tlbsim\" must be 1 (the format version)");
	} else if (!strcmp(key, "cpus")) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 4096)
			return bad(x, "header: \"cpus\" must be an integer from 1 to 4096");
		h->cpus = (unsigned)json_integer_value(v);
	} else if (!strcmp(key, "clock")) {
		const char *c = json_string_value(v);

		if (!c || (strcmp(c, "ns") && strcmp(c, "cycles")))
			return bad(x, "header: \"clock\" must be \"ns\" or \"cycles\"");
		h->clock = strcmp(c, "ns") ? TLBSIM_CLOCK_CYCLES : TLBSIM_CLOCK_NS;
	} else if (!strcmp(key, "ghz")) {
		if (!json_is_number(v) || json_number_value(v) <= 0 ||
		    json_number_value(v) > 100)
			return bad(x, "header: \"ghz\" must be a number above 0 and "
				   "at most 100");
		h->ghz = json_number_value(v);
	} else if (!strcmp(key, "backend")) {
		const char *b = json_string_value(v);
		size_t i;

		for (i = 0; b && i < sizeof(backends) / sizeof(backends[0]); i++)
			if (!strcmp(b, backends[i]))
				break;
		if (!b || i == sizeof(backends) / sizeof(backends[0]))
			return bad(x, "header: \"backend\" must be one of native, kvm, "
				   "hyperv, xen, invlpgb");
		snprintf(h->backend, sizeof(h->backend), "%s", b);
	} else if (!strcmp(key, "pcid")) {
		if (!json_is_boolean(v))
			return bad(x, "header: \"pcid\" must be true or false");
		h->no_pcid = !json_is_true(v);
	} else if (!strcmp(key, "topology")) {
		return get_string(x, "header: ", key, v, h->topology,
				  sizeof(h->topology));
	} else if (!strcmp(key, "comment")) {
		return get_string(x, "header: ", key, v, h->comment, sizeof(h->comment));
	} else {
		char q[SHOWN];

		return bad(x, "header: unexpected field \"%s\"", shown(q, key));
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
		return bad(x, "not a tlbsim trace (expected a header line "
			   "{\"tlbsim\": 1, \"cpus\": N, ...})");
	}
	h->version = 1;
	json_object_foreach(o, key, v) {
		err = header_field(x, key, v, h);
		if (err)
			break;
	}
	if (!err && !h->cpus)
		err = bad(x, "header: \"cpus\" is required");
	json_decref(o);
	x->cpus = h->cpus;
	return err;
}
