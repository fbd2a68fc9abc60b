/*
 * native_rules.c - the native format's contract as both of its forms hold
 * it (traces/FORMAT.md): the event kinds and the fields each takes, the
 * ranges, alignments and string rules of their values, and the one-line
 * messages that name what was expected. native.c reads the JSON text into
 * events through these; binary.c checks its decoded records with
 * native_validate().
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trace/native.h"

/* The fields' bits (native.h), short: the table below reads as a table. */
enum {
	F_MM = NATIVE_F_MM, F_WITH = NATIVE_F_WITH, F_ADDR = NATIVE_F_ADDR,
	F_LEN = NATIVE_F_LEN, F_DUR = NATIVE_F_DUR, F_HUGETLB = NATIVE_F_HUGETLB,
	F_START = NATIVE_F_START, F_END = NATIVE_F_END, F_STRIDE = NATIVE_F_STRIDE,
	F_FREED = NATIVE_F_FREED, F_UNSHARED = NATIVE_F_UNSHARED, F_WHAT = NATIVE_F_WHAT,
	F_EXEC = NATIVE_F_EXEC, F_IDLE = NATIVE_F_IDLE, F_ASID = NATIVE_F_ASID,
	F_UNSEEN = NATIVE_F_UNSEEN, F_SHARED = NATIVE_F_SHARED, F_WRITE = NATIVE_F_WRITE,
};

int native_bad(struct native_ctx *x, const char *fmt, ...)
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

static const char *const ev_names[TLBSIM_EV_COUNT] = {
	"switch", "map", "touch", "unmap", "zap", "protect", "collapse", "share",
	"unshare", "gup_fast", "irq_off", "preempt", "global_asid", "speculate",
	"exit", "flush", "sync", "observed", "ran_before", "lazy_before", "remap",
	"running_before",
};

const char *tlbsim_ev_name(enum tlbsim_ev_kind k)
{
	return (unsigned)k < TLBSIM_EV_COUNT ? ev_names[k] : NULL;
}

static const char *const field_names[] = {
	"mm", "with", "addr", "len", "dur", "hugetlb", "start", "end", "stride",
	"freed_tables", "unshared_tables", "what", "exec", "idle", "asid", "unseen",
	"shared", "write",
};
_Static_assert(sizeof(field_names) / sizeof(field_names[0]) == NATIVE_NFIELDS,
	       "a name for each field bit");

struct kind_spec {
	unsigned required, optional;
};

static const struct kind_spec specs[TLBSIM_EV_COUNT] = {
	[TLBSIM_EV_SWITCH] = { F_MM, F_IDLE | F_UNSEEN },
	[TLBSIM_EV_MAP] = { F_MM | F_ADDR | F_LEN, F_HUGETLB | F_SHARED },
	[TLBSIM_EV_TOUCH] = { F_MM | F_ADDR, F_LEN | F_WRITE },
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
	[TLBSIM_EV_EXIT] = { F_MM, F_EXEC },
	[TLBSIM_EV_FLUSH] = { F_MM | F_START | F_END | F_STRIDE | F_FREED | F_UNSHARED, F_UNSEEN },
	[TLBSIM_EV_SYNC] = { 0, 0 },
	[TLBSIM_EV_OBSERVED] = { F_WHAT, 0 },
	[TLBSIM_EV_RAN_BEFORE] = { F_MM, F_ASID },
	[TLBSIM_EV_LAZY_BEFORE] = { F_MM, 0 },
	[TLBSIM_EV_REMAP] = { F_MM | F_ADDR | F_LEN | F_START, 0 },
	[TLBSIM_EV_RUNNING_BEFORE] = { F_MM, 0 },
};

/* Input text in a message, as a JSON string body: control characters
 * escaped (a newline in an event name must not break the one-line
 * message) and long text cut at a character boundary, marked "...". */
const char *native_shown(char out[NATIVE_SHOWN], const char *s)
{
	size_t at = 0;

	for (; *s && at < NATIVE_SHOWN - 12; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			at += (size_t)snprintf(out + at, NATIVE_SHOWN - at, "\\%c", c);
		else if (c < 0x20)
			at += (size_t)snprintf(out + at, NATIVE_SHOWN - at, "\\u%04x", c);
		else
			out[at++] = (char)c;
	}
	if (*s && ((unsigned char)*s & 0xc0) == 0x80) {   /* cut inside one */
		while (at && ((unsigned char)out[at - 1] & 0xc0) == 0x80)
			at--;
		at -= at > 0;   /* its first byte */
	}
	snprintf(out + at, NATIVE_SHOWN - at, "%s", *s ? "..." : "");
	return out;
}

/* tlbsim's integers are jansson's: 64-bit signed. A value past them is
 * an error naming the field and the limit, in both forms. */
int native_int_limit(struct native_ctx *x, const char *field, const char *num,
		     bool negative)
{
	char q[NATIVE_SHOWN];

	if (negative)
		return native_bad(x, "field \"%s\" is %s, below -9223372036854775808 "
			   "(expected at least -2^63)", native_shown(q, field), num);
	return native_bad(x, "field \"%s\" is %s, above 9223372036854775807 (expected "
		   "at most 2^63-1)", native_shown(q, field), num);
}

static int check_aligned(struct native_ctx *x, const char *name, uint64_t v,
			 uint64_t align, const char *what)
{
	if (v % align)
		return native_bad(x, "field \"%s\" must be %s aligned (got 0x%" PRIx64 ")",
			   name, what, v);
	return 0;
}

/* @s (@n bytes, not NUL-terminated) is @name: the first bytes compared
 * before any call, most names differing there. */
static bool name_is(const char *name, const char *s, size_t n)
{
	return name[0] == s[0] && !strncmp(name, s, n) && name[n] == '\0';
}

int native_field_findn(const char *key, size_t n)
{
	for (size_t i = 0; n && i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if (name_is(field_names[i], key, n))
			return (int)i;
	return -1;
}

int native_kind_findn(const char *name, size_t n)
{
	int k;

	for (k = 0; k < TLBSIM_EV_COUNT; k++)
		if (n && name_is(ev_names[k], name, n))
			break;
	return k;
}

int native_field_index(const char *key)
{
	return native_field_findn(key, strlen(key));
}

int native_kind_find(const char *name)
{
	return native_kind_findn(name, strlen(name));
}

unsigned native_required(enum tlbsim_ev_kind k)
{
	return (unsigned)k < TLBSIM_EV_COUNT ? specs[k].required : 0;
}

const char *native_field_name(int f)
{
	return field_names[f];
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
		return native_bad(x, "%s\"%s\" is %zu bytes long (expected at most %zu)",
			   prefix, name, n, cap - 1);
	if ((nul = memchr(s, '\0', n)))
		return native_bad(x, "%s\"%s\": NUL byte at offset %zu (expected text)",
			   prefix, name, (size_t)(nul - s));
	if ((end = utf8_end((const unsigned char *)s, n)) < n)
		return native_bad(x, "%s\"%s\": invalid UTF-8 (unable to decode byte 0x%02x "
			   "at offset %zu)", prefix, name, (unsigned char)s[end], end);
	return 0;
}

/* Range and alignment rules of the contract, per kind. */
int native_check_event(struct native_ctx *x, struct tlbsim_trace_event *ev)
{
	const uint64_t page = 4096, pmd = 2ULL << 20, pud = 1ULL << 30;

	switch (ev->kind) {
	case TLBSIM_EV_RAN_BEFORE:
		if (!ev->mm && !ev->asid)
			return native_bad(x, "ran_before: \"mm\" null (init_mm) only with "
				   "\"asid\": true, an ASID slot still holding it (expected "
				   "a positive integer)");
		return 0;
	case TLBSIM_EV_SWITCH:
		if (ev->idle && ev->mm)
			return native_bad(x, "switch: \"idle\" is a switch to the idle task, "
				   "whose \"mm\" is null (it has none of its own)");
		return 0;
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
			return native_bad(x, "touch: \"len\" is %" PRIu64 " bytes, more than "
				   "1 GiB (faults a page at a time: split it)", ev->len);
		if (ev->len > NATIVE_USER_TOP - ev->addr)
			return native_bad(x, "range [0x%" PRIx64 ", +0x%" PRIx64 ") ends outside "
				   "user space", ev->addr, ev->len);
		return 0;
	case TLBSIM_EV_REMAP:
		if (check_aligned(x, "addr", ev->addr, page, "4 KiB") ||
		    check_aligned(x, "len", ev->len, page, "4 KiB") ||
		    check_aligned(x, "start", ev->start, page, "4 KiB"))
			return TLBSIM_EPARSE;
		if (ev->len > NATIVE_USER_TOP - ev->addr ||
		    ev->len > NATIVE_USER_TOP - ev->start)
			return native_bad(x, "remap: [0x%" PRIx64 ", +0x%" PRIx64 ") or its "
				   "destination at 0x%" PRIx64 " ends outside user space",
				   ev->addr, ev->len, ev->start);
		if (ev->start < ev->addr + ev->len && ev->addr < ev->start + ev->len)
			return native_bad(x, "remap: the destination at 0x%" PRIx64 " overlaps "
				   "the range [0x%" PRIx64 ", +0x%" PRIx64 ") it moves",
				   ev->start, ev->addr, ev->len);
		return 0;
	case TLBSIM_EV_COLLAPSE:
		return check_aligned(x, "addr", ev->addr, pmd, "2 MiB");
	case TLBSIM_EV_SHARE:
		if (ev->with == ev->mm)
			return native_bad(x, "field \"with\" must name another mm");
		/* fallthrough */
	case TLBSIM_EV_UNSHARE:
		return check_aligned(x, "addr", ev->addr, pud, "1 GiB");
	case TLBSIM_EV_FLUSH:
		if (ev->end != TLBSIM_END_ALL && ev->start >= ev->end)
			return native_bad(x, "flush: \"start\" must be below \"end\"");
		return 0;
	default:
		return 0;
	}
}

unsigned native_fields(enum tlbsim_ev_kind k)
{
	return (unsigned)k < TLBSIM_EV_COUNT ? specs[k].required | specs[k].optional : 0;
}

static int check_user(struct native_ctx *x, const char *name, uint64_t v)
{
	if (v >= NATIVE_USER_TOP)
		return native_bad(x, "field \"%s\" is 0x%" PRIx64 ": not a user-space "
			   "address (must be below 0x%llx)", name, v,
			   (unsigned long long)NATIVE_USER_TOP);
	return 0;
}

static int check_mm(struct native_ctx *x, const char *name, uint32_t v, bool null_ok)
{
	if ((!v && !null_ok) || v > INT32_MAX)
		return native_bad(x, "field \"%s\" must be a positive integer%s", name,
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
		return native_bad(x, "unknown event kind %u", ev->kind);
	if (ev->cpu >= x->cpus)
		return native_bad(x, "cpu %u out of range (the trace has %u CPUs: 0..%u)",
			   ev->cpu, x->cpus, x->cpus - 1);
	if (ev->t > INT64_MAX)
		return native_int_limit(x, "t", u64_text(num, ev->t), false);
	if (x->have_last && ev->t < x->last_t)
		return native_bad(x, "time %" PRIu64 " is before the previous event's %" PRIu64,
			   ev->t, x->last_t);
	if ((f & F_DUR) && ev->dur > INT64_MAX)
		return native_int_limit(x, "dur", u64_text(num, ev->dur), false);
	if (ev->kind == TLBSIM_EV_OBSERVED) {
		if (ev->target < -1 || ev->target >= (int32_t)x->cpus)
			return native_bad(x, "field \"target\" must be a CPU id below %u", x->cpus);
	} else {
		if ((f & F_MM) && check_mm(x, "mm", ev->mm, ev->kind == TLBSIM_EV_SWITCH ||
					   ev->kind == TLBSIM_EV_RAN_BEFORE))
			return TLBSIM_EPARSE;
		if ((f & F_WITH) && check_mm(x, "with", ev->with, false))
			return TLBSIM_EPARSE;
		if (((f & F_ADDR) && check_user(x, "addr", ev->addr)) ||
		    ((f & F_START) && check_user(x, "start", ev->start)) ||
		    ((f & F_END) && ev->end != TLBSIM_END_ALL && check_user(x, "end", ev->end)))
			return TLBSIM_EPARSE;
		if ((f & F_LEN) && !ev->len && ev->kind != TLBSIM_EV_TOUCH)
			return native_bad(x, "field \"len\" must be a positive integer (bytes)");
		if ((f & F_DUR) && !ev->dur)
			return native_bad(x, "field \"dur\" must be a positive integer");
		if ((f & F_STRIDE) && ev->stride != 12 && ev->stride != 21 && ev->stride != 30)
			return native_bad(x, "field \"stride\" must be 12, 21 or 30");
		if (native_check_event(x, ev))
			return TLBSIM_EPARSE;
	}
	x->last_t = ev->t;
	x->have_last = true;
	return 0;
}
