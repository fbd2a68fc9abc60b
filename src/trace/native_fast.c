/*
 * native_fast.c - a native JSONL event line decoded without jansson, when
 * it is in the plain form tlbsim's own writers and most tools produce: one
 * flat object of known keys, ASCII strings without escapes, integers
 * without sign, fraction or exponent, true and false (and null for a
 * switch's mm). Such a line is
 * decoded and checked in place, with the same checks as native.c; any
 * other line, or one a check refuses, is left to native.c (jansson), so
 * that every message stays that path's. jansson's tree of a line (an
 * allocation per value, a hash table per object) was twenty thousand
 * instructions per event, this path about 1 500 (callgrind).
 *
 * The fuzz builds decode every line both ways and abort when they differ
 * (native_event() in native.c).
 */
#include <string.h>

#include "trace/native.h"

/* At most this many members: more is left to jansson. */
enum { FAST_MEMBERS = 12, FAST_KEY = 16 };

struct fast_value {
	const char *key, *s;   /* the key; a string's first byte */
	size_t keylen, n;      /* their lengths */
	enum { FV_INT, FV_STR, FV_TRUE, FV_FALSE, FV_NULL } type;
	uint64_t u;            /* FV_INT */
};

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* A string after its opening quote: printable ASCII, no escape. Returns
 * the byte after the closing quote, NULL to fall back. */
static const char *scan_string(const char *p, const char *end, const char **s,
			       size_t *n)
{
	const char *q = p;

	while (q < end && *q != '"') {
		unsigned char c = (unsigned char)*q;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			return NULL;
		q++;
	}
	if (q == end)
		return NULL;
	*s = p;
	*n = (size_t)(q - p);
	return q + 1;
}

/* A value at @p; NULL to fall back (null, a number jansson would read
 * otherwise, an array, an object, a string with escapes...). */
static const char *scan_value(const char *p, const char *end, struct fast_value *v)
{
	if (p == end)
		return NULL;
	if (*p == '"') {
		v->type = FV_STR;
		return scan_string(p + 1, end, &v->s, &v->n);
	}
	if (*p >= '0' && *p <= '9') {
		const char *q = p;
		uint64_t u = 0;

		while (q < end && *q >= '0' && *q <= '9')
			u = u * 10 + (uint64_t)(*q++ - '0');
		/* a leading zero, 19 digits or more (jansson's limit is
		 * INT64_MAX), a fraction or an exponent: jansson's to judge */
		if ((*p == '0' && q - p > 1) || q - p > 18 ||
		    (q < end && (*q == '.' || *q == 'e' || *q == 'E')))
			return NULL;
		v->type = FV_INT;
		v->u = u;
		return q;
	}
	if (end - p >= 4 && !memcmp(p, "true", 4)) {
		v->type = FV_TRUE;
		return p + 4;
	}
	if (end - p >= 5 && !memcmp(p, "false", 5)) {
		v->type = FV_FALSE;
		return p + 5;
	}
	if (end - p >= 4 && !memcmp(p, "null", 4)) {
		v->type = FV_NULL;
		return p + 4;
	}
	return NULL;
}

/* The members of the one flat object on the line; 0 to fall back. */
static size_t scan_object(const char *text, size_t len, struct fast_value *m)
{
	const char *p = text, *end = text + len;
	size_t n = 0;

	p = skip_space(p, end);
	if (p == end || *p++ != '{')
		return 0;
	for (;;) {
		p = skip_space(p, end);
		if (p == end || *p != '"' || n == FAST_MEMBERS)
			return 0;
		p = scan_string(p + 1, end, &m[n].key, &m[n].keylen);
		if (!p || !m[n].keylen || m[n].keylen >= FAST_KEY)
			return 0;
		p = skip_space(p, end);
		if (p == end || *p++ != ':')
			return 0;
		p = scan_value(skip_space(p, end), end, &m[n]);
		if (!p)
			return 0;
		n++;
		p = skip_space(p, end);
		if (p == end)
			return 0;
		if (*p == '}')
			break;
		if (*p++ != ',')
			return 0;
	}
	return skip_space(p + 1, end) == end ? n : 0;
}

/* Member @v's key is the string literal @lit. */
#define KEY_IS(v, lit) ((v)->keylen == sizeof(lit) - 1 && \
			!memcmp((v)->key, lit, sizeof(lit) - 1))

/* An address as native.c's get_addr() takes it: an integer, or "0x" and
 * 1 to 16 hex digits; below NATIVE_USER_TOP. */
static bool fast_addr(const struct fast_value *v, uint64_t *out)
{
	uint64_t u = 0;

	if (v->type == FV_INT) {
		u = v->u;
	} else if (v->type == FV_STR && v->n > 2 && v->n <= 18 && v->s[0] == '0' &&
		   v->s[1] == 'x') {
		for (size_t i = 2; i < v->n; i++) {
			char c = v->s[i];
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
				     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
				     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;

			if (d == 16)
				return false;
			u = u << 4 | d;
		}
	} else {
		return false;
	}
	*out = u;
	return u < NATIVE_USER_TOP;
}

static bool fast_bool(const struct fast_value *v, bool *out)
{
	*out = v->type == FV_TRUE;
	return v->type == FV_TRUE || v->type == FV_FALSE;
}

/* A field of the event's kind, as native.c's parse_field() takes it;
 * false to fall back (it would refuse it, or read it otherwise). */
static bool fast_field(int f, const struct fast_value *v, struct tlbsim_trace_event *ev)
{
	switch (1u << f) {
	case NATIVE_F_MM:
		/* a switch to no mm (the idle task), as get_mm() takes it */
		if (v->type == FV_NULL && (ev->kind == TLBSIM_EV_SWITCH ||
					   ev->kind == TLBSIM_EV_RAN_BEFORE)) {
			ev->mm = 0;
			return true;
		}
		/* fall through */
	case NATIVE_F_WITH:
		if (v->type != FV_INT || !v->u || v->u > INT32_MAX)
			return false;
		*((1u << f) == NATIVE_F_MM ? &ev->mm : &ev->with) = (uint32_t)v->u;
		return true;
	case NATIVE_F_ADDR: return fast_addr(v, &ev->addr);
	case NATIVE_F_START: return fast_addr(v, &ev->start);
	case NATIVE_F_END:
		if (v->type == FV_STR && v->n == 3 && !memcmp(v->s, "all", 3)) {
			ev->end = TLBSIM_END_ALL;
			return true;
		}
		return fast_addr(v, &ev->end);
	case NATIVE_F_LEN:
		if (v->type != FV_INT || !v->u)
			return false;
		ev->len = v->u;
		return true;
	case NATIVE_F_DUR:
		if (v->type != FV_INT || !v->u)
			return false;
		ev->dur = v->u;
		return true;
	case NATIVE_F_STRIDE:
		if (v->type != FV_INT || (v->u != 12 && v->u != 21 && v->u != 30))
			return false;
		ev->stride = (uint8_t)v->u;
		return true;
	case NATIVE_F_HUGETLB: return fast_bool(v, &ev->hugetlb);
	case NATIVE_F_FREED: return fast_bool(v, &ev->freed_tables);
	case NATIVE_F_UNSHARED: return fast_bool(v, &ev->unshared_tables);
	case NATIVE_F_EXEC: return fast_bool(v, &ev->exec);
	case NATIVE_F_IDLE: return fast_bool(v, &ev->idle);
	case NATIVE_F_ASID: return fast_bool(v, &ev->asid);
	case NATIVE_F_UNSEEN: return fast_bool(v, &ev->unseen);
	case NATIVE_F_SHARED: return fast_bool(v, &ev->shared);
	case NATIVE_F_WRITE: return fast_bool(v, &ev->write);
	}
	return false;   /* "what": observed events are jansson's */
}

/* "ev", "t", "cpu" and "comment" (the members every event may have) into
 * @ev; false to fall back. Sets @common to the members they were. */
static bool fast_common(struct native_ctx *x, const struct fast_value *m, size_t n,
			struct tlbsim_trace_event *ev, uint32_t *common)
{
	bool have_t = false, have_cpu = false, have_ev = false, have_comment = false;

	*common = 0;
	for (size_t i = 0; i < n; i++) {
		const struct fast_value *v = &m[i];

		/* a key twice is jansson's to refuse: every known key is
		 * counted once here or in native_event_fast()'s @seen, and an
		 * unknown one falls back */
		if (KEY_IS(v, "t")) {
			if (v->type != FV_INT || have_t)
				return false;
			ev->t = v->u;
			have_t = true;
		} else if (KEY_IS(v, "cpu")) {
			if (v->type != FV_INT || v->u >= x->cpus || have_cpu)
				return false;
			ev->cpu = (uint32_t)v->u;
			have_cpu = true;
		} else if (KEY_IS(v, "ev")) {
			if (v->type != FV_STR || have_ev)
				return false;
			ev->kind = (uint16_t)native_kind_findn(v->s, v->n);
			have_ev = true;
		} else if (KEY_IS(v, "comment")) {
			if (v->type != FV_STR || have_comment)
				return false;
			have_comment = true;
		} else {
			continue;
		}
		*common |= 1u << i;
	}
	return have_t && have_cpu && have_ev && ev->kind != TLBSIM_EV_COUNT &&
	       ev->kind != TLBSIM_EV_OBSERVED && !(x->have_last && ev->t < x->last_t);
}

int native_event_fast(struct native_ctx *x, const char *text, size_t len,
		      struct tlbsim_trace_event *ev)
{
	struct fast_value m[FAST_MEMBERS];
	size_t n = scan_object(text, len, m);
	unsigned seen = 0, allowed;
	uint32_t common;

	if (!n)
		return NATIVE_FALL_BACK;
	memset(ev, 0, sizeof(*ev));
	ev->line = x->line;
	if (!fast_common(x, m, n, ev, &common))
		return NATIVE_FALL_BACK;
	allowed = native_fields(ev->kind);
	for (size_t i = 0; i < n; i++) {
		int f;

		if (common & (1u << i))
			continue;
		f = native_field_findn(m[i].key, m[i].keylen);
		if (f < 0 || !(allowed & (1u << f)) || (seen & (1u << f)) ||
		    !fast_field(f, &m[i], ev))
			return NATIVE_FALL_BACK;
		seen |= 1u << f;
	}
	if ((native_required(ev->kind) & seen) != native_required(ev->kind))
		return NATIVE_FALL_BACK;
	/* the kind's range and alignment rules: their messages are the same
	 * whichever path reached them with this event */
	if (native_check_event(x, ev))
		return TLBSIM_EPARSE;
	x->last_t = ev->t;
	x->have_last = true;
	return 0;
}
