/*
 * perf_parse.c - one line of `perf script -F comm,tid,pid,cpu,time,event,
 * trace`:
 *
 *      migration/0    18/18    [000]  4072.499411:  csd:csd_queue_cpu: cpu=1 ...
 *
 * The comm may hold spaces and slashes and the columns are padded, so the
 * line is anchored on the "[cpu]" field: the token before it is pid/tid
 * (perf prints the thread-group id first), everything before that the comm.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlbsim/machine.h"
#include "trace/perf.h"

/* The value of 8 decimal digits, the first in the lowest byte. */
static uint64_t swar8(uint64_t x)
{
	x -= 0x3030303030303030ULL;
	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffULL;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffULL;
	return (x * 10000 + (x >> 32)) & 0xffffffffULL;
}

/* How many of these 8 bytes, from the lowest, are decimal digits: a byte
 * is one when its high nibble is 3 both as it is and plus 6. A carry out
 * of a byte above '9' only disturbs the bytes after it. */
static unsigned digits8(uint64_t x)
{
	uint64_t hi = 0xf0f0f0f0f0f0f0f0ULL, three = 0x3030303030303030ULL;
	uint64_t m = ((x & hi) ^ three) | (((x + 0x0606060606060606ULL) & hi) ^ three);

	return m ? (unsigned)__builtin_ctzll(m) / 8 : 8;
}

/* strtoul(p, end, 10) when @p starts with at most 18 digits (most lines:
 * no locale, sign or overflow work); strtoul itself otherwise, so that odd
 * input reads, and fails, exactly as it did. Where 8 bytes before @lim
 * can be read, up to 8 digits are taken at once (SWAR): a digit at a time
 * was a tenth of the reading thread's instructions (PID, TID, CPU and the
 * two halves of the time on every line). */
static unsigned long dec(const char *p, const char *lim, char **end)
{
	unsigned long v = 0;
	const char *q = p;

	if (lim - p >= 8) {
		uint64_t x;
		unsigned n;

		memcpy(&x, p, 8);
		n = digits8(x);
		if (n && n < 8) {
			*end = (char *)p + n;
			return (unsigned long)swar8((x << (64 - 8 * n)) |
						    (0x3030303030303030ULL >> (8 * n)));
		}
		if (n == 8) {
			v = (unsigned long)swar8(x);
			q = p + 8;
		}
	}
	while (*q >= '0' && *q <= '9' && q - p < 18)
		v = v * 10 + (unsigned long)(*q++ - '0');
	if (q == p || (*q >= '0' && *q <= '9'))
		return strtoul(p, end, 10);
	*end = (char *)q;
	return v;
}

/* A PID or TID as perf script prints it (%d of the sample's pid_t): 0 to
 * 2^31-1, or -1 for a task perf could not name (a thread that had exited
 * by then: ":-1  4174/-1", in most shipped captures). It must end at
 * @stop. Anything else (a sign, letters, an overflow that would wrap to
 * another task) is not perf's: false. */
static bool task_id(const char *p, const char *lim, char stop, int32_t *out,
		    const char **end)
{
	char *e;
	unsigned long v;

	if (p[0] == '-' && p[1] == '1' && p[2] == stop) {
		*out = -1;
		*end = p + 2;
		return true;
	}
	if (*p < '0' || *p > '9')
		return false;
	v = dec(p, lim, &e);
	*end = e;
	if (*e != stop || e - p > 10 || v > INT32_MAX)
		return false;
	*out = (int32_t)v;
	return true;
}

static int bad(struct tlbsim_diag *d, const char *name, uint64_t line,
	       const char *what)
{
	return tlbsim_diag_set(d, TLBSIM_EPARSE, "%s:%llu: not a perf script line "
			       "(%s; expected 'COMM PID/TID [CPU] SECS.USECS: "
			       "EVENT: FIELDS')", name, (unsigned long long)line, what);
}

/* Is the token before @p (spaces skipped) "PID/TID": digits or -1, a
 * slash, digits or -1? */
static bool pid_tid_before(const char *s, const char *p)
{
	const char *q = p - 1;
	bool slash = false, digit = false;

	while (q > s && *q == ' ')
		q--;
	for (; q >= s && *q != ' '; q--) {
		if (*q == '/' && !slash)
			slash = true;
		else if (isdigit((unsigned char)*q))
			digit = true;
		else if (*q != '-')
			return false;
	}
	return slash && digit;
}

/* The "[ddd]" field: returns its '[' or NULL. The first " [ddd]" after a
 * "PID/TID": a comm may hold one of its own (prctl(PR_SET_NAME) takes any
 * bytes); without a PID/TID anywhere, the first, for the message. */
static const char *find_cpu(const char *s)
{
	const char *first = NULL;

	for (const char *p = strchr(s, '['); p; p = strchr(p + 1, '[')) {
		const char *q = p + 1;

		while (isdigit((unsigned char)*q))
			q++;
		if (q > p + 1 && *q == ']' && p > s && p[-1] == ' ') {
			if (pid_tid_before(s, p))
				return p;
			if (!first)
				first = p;
		}
	}
	return first;
}

/* snprintf(out, len, "%.*s", n, from) without the format machinery: this
 * runs for every line (and window_push() copies the text so). Copied in 16-, 8- or 4-byte moves,
 * the last overlapping the one before, never beyond @from + n: gcc
 * expanded the memcpy() of a size it knew below 400 into `rep movsq`,
 * whose start-up cost more than the copy of a line's text (a third of
 * the parse, in cycles). */
void perf_copy_span(char *out, size_t len, const char *from, size_t n)
{
	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	if (n >= 16) {
		/* i + 16 < len is implied (n < len), but said: gcc's -O3 with a
		 * profile unrolled the loop for the 48-byte event name and
		 * warned of a move at 48 it could not rule out */
		for (size_t i = 0; i + 16 < n && i + 16 < len; i += 16)
			memcpy(out + i, from + i, 16);
		memcpy(out + n - 16, from + n - 16, 16);
	} else if (n >= 8) {
		memcpy(out, from, 8);
		memcpy(out + n - 8, from + n - 8, 8);
	} else if (n >= 4) {
		memcpy(out, from, 4);
		memcpy(out + n - 4, from + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			out[i] = from[i];
	}
	out[n] = '\0';
}

static void trim_copy(char *out, size_t len, const char *from, const char *to)
{
	while (from < to && *from == ' ')
		from++;
	while (to > from && to[-1] == ' ')
		to--;
	perf_copy_span(out, len, from, (size_t)(to - from));
}

#define FORK_EVENT "sched:sched_process_fork"
#define CSD_QUEUE_EVENT "csd:csd_queue_cpu"
#define WAKE_FUNC "func=sched_ttwu_pending "
#define FAULT_EVENT "exceptions:page_fault_user"

static bool fault_fields(const char *text, const char *lim, uint64_t *address,
			 uint64_t *error_code);

/* strstr(p, ": "): from colon to colon (the event's "system:name" has
 * one before its end), a vector strchr() each; glibc's strstr() cost
 * more than the rest of the parse. */
static const char *event_end(const char *p)
{
	for (p = strchr(p, ':'); p; p = strchr(p + 1, ':'))
		if (p[1] == ' ')
			return p;
	return NULL;
}

bool perf_probe(const char *line)
{
	const char *b = find_cpu(line);

	return b && strchr(b, ':') && line[0] != '{';
}

/* A token of @n bytes at @p: "SECS.FRAC:"? */
static bool time_token(const char *p, size_t n)
{
	size_t i = 0, d;

	for (d = i; i < n && isdigit((unsigned char)p[i]); i++)
		;
	if (i == d || i == n || p[i++] != '.')
		return false;
	for (d = i; i < n && isdigit((unsigned char)p[i]); i++)
		;
	return i > d && i == n - 1 && p[i] == ':';
}

/* A token of @n bytes at @p: "system:event:"? */
static bool event_token(const char *p, size_t n)
{
	const char *c = memchr(p, ':', n);

	return n > 3 && c && c > p && c < p + n - 2 && p[n - 1] == ':' &&
	       !memchr(c + 1, ':', (size_t)(p + n - 2 - c));
}

/* perf script's "SECS.FRAC:" then "system:event:" with no "[CPU]"
 * before them: its text, in a layout of other -F fields. */
static bool perf_other_layout(const char *line)
{
	bool time = false;

	if (line[0] == '{')
		return false;   /* a JSON object, whatever its strings say */
	for (const char *p = line + strspn(line, " \t"); *p; p += strspn(p, " \t")) {
		size_t n = strcspn(p, " \t");

		if (!time)
			time = time_token(p, n);
		else if (event_token(p, n))
			return true;
		p += n;
	}
	return false;
}

int perf_not_records(const char *line, uint64_t lineno, const char *name,
		     bool after_header, struct tlbsim_diag *diag)
{
	if (!line)
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: only '#' lines, "
				       "perf script's header (expected records after "
				       "it: perf script -F comm,tid,pid,cpu,time,event,trace)",
				       name);
	if (perf_other_layout(line))
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:%llu: perf script text "
				       "without the fields tlbsim reads (expected the "
				       "lines of perf script -F comm,tid,pid,cpu,time,event,"
				       "trace: 'COMM PID/TID [CPU] SECS.USECS: EVENT: "
				       "FIELDS')", name, (unsigned long long)lineno);
	if (after_header)
		return bad(diag, name, lineno, "no [CPU] field after perf's '#' header");
	return 0;
}

int perf_parse_line(const char *line, size_t len, uint64_t lineno, const char *name,
		    struct perf_rec *r, struct tlbsim_diag *diag)
{
	const char *b = find_cpu(line), *p, *tok, *colon, *id_end;
	const char *lim = line + len + 1;   /* readable: the line and its NUL */
	char *end;
	const char *tstart, *event;
	bool pid_ok;
	unsigned long sec, frac;
	size_t digits, event_len;

	/* every field is set below: no memset of the half-KiB record */
	r->t_ns = r->seq = 0;
	r->cpu = 0;
	r->tid = r->pid = 0;
	r->comm[0] = r->event[0] = '\0';
	r->text = "";
	r->text_len = 0;
	r->hold = HOLD_NONE;
	r->fault = false;
	r->line = lineno;
	/* perf script prints a blank line only after a sample's callchain,
	 * and tlbsim reads no callchains: a blank line means another -F
	 * layout, or an edited file. Skipping it would hide that. */
	if (!len)
		return bad(diag, name, lineno, "a blank line: perf script prints "
			   "those only after callchains, which tlbsim does not read");
	if (!b)
		return bad(diag, name, lineno, "no [CPU] field");
	/* tid/pid: the last token before '[' */
	p = b - 1;
	while (p > line && *p == ' ')
		p--;
	tok = p;
	while (tok > line && tok[-1] != ' ')
		tok--;
	/* perf script prints "PID/TID" (print_sample_start(): "%7d/%-7d"),
	 * or the TID alone when -F has tid but not pid (its default fields
	 * for tracepoints): without the thread group the mm is unknown */
	pid_ok = task_id(tok, lim, '/', &r->pid, &id_end);
	if (!pid_ok && task_id(tok, lim, ' ', &r->pid, &id_end))   /* no '/' */
		return bad(diag, name, lineno, "a TID without its PID: perf "
			   "script's default fields; record the text with perf script "
			   "-F comm,tid,pid,cpu,time,event,trace");
	if (!pid_ok || !task_id(id_end + 1, lim, ' ', &r->tid, &id_end)) {
		char what[160];

		snprintf(what, sizeof(what), "PID/TID '%.*s' is not two task ids (0 to "
			 "2147483647, or -1) joined by a slash", (int)(p + 1 - tok) < 40 ?
			 (int)(p + 1 - tok) : 40, tok);
		return bad(diag, name, lineno, *p == ' ' ? "no PID/TID before [CPU]" : what);
	}
	trim_copy(r->comm, sizeof(r->comm), line, tok);
	{
		char *cend;
		unsigned long cpu = dec(b + 1, lim, &cend);

		if (cpu >= TLBSIM_MAX_CPUS)
			return bad(diag, name, lineno, "CPU id beyond what tlbsim models "
				   "(0..4095)");
		r->cpu = (uint32_t)cpu;
	}
	/* time: "SECS.FRAC:" */
	p = strchr(b, ']') + 1;
	while (*p == ' ')
		p++;
	sec = dec(p, lim, &end);
	if (end == p || *end != '.')
		return bad(diag, name, lineno, "no timestamp");
	if (sec >= UINT64_MAX / 1000000000ULL)
		return bad(diag, name, lineno, "bad timestamp");
	tstart = p;
	p = end + 1;
	frac = dec(p, lim, &end);
	digits = (size_t)(end - p);
	if (!digits || *end != ':' || digits > 9)
		return bad(diag, name, lineno, "bad timestamp");
	while (digits++ < 9)
		frac *= 10;
	r->t_ns = (uint64_t)sec * 1000000000ULL + frac;
	/* event times are signed 64-bit nanoseconds downstream (the JSONL
	 * form reads them back as such): a time beyond would wrap there */
	if (r->t_ns > (uint64_t)INT64_MAX)
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:%llu: timestamp %.*s s "
				       "is beyond 2^63-1 ns (expected a time below "
				       "9223372036.854775808 s)", name,
				       (unsigned long long)lineno, (int)(end - tstart), tstart);
	/* event: up to ": " */
	p = end + 1;
	while (*p == ' ')
		p++;
	colon = event_end(p);
	if (!colon) {
		colon = p + strlen(p);
		if (colon == p || colon[-1] != ':')
			return bad(diag, name, lineno, "no EVENT:");
		colon--;
	}
	if ((size_t)(colon - p) >= sizeof(r->event) || !memchr(p, ':', (size_t)(colon - p)))
		return bad(diag, name, lineno, "bad event name");
	event = p;
	event_len = (size_t)(colon - p);
	perf_copy_span(r->event, sizeof(r->event), p, event_len);
	if (colon - p == sizeof(FORK_EVENT) - 1 &&
	    !memcmp(p, FORK_EVENT, sizeof(FORK_EVENT) - 1))
		r->hold = HOLD_FORK;
	else if (colon - p == sizeof(CSD_QUEUE_EVENT) - 1 &&
		 !memcmp(p, CSD_QUEUE_EVENT, sizeof(CSD_QUEUE_EVENT) - 1) &&
		 strstr(colon, WAKE_FUNC))   /* the line ends in a NUL */
		r->hold = HOLD_WAKE;
	p = *colon ? colon + 1 : colon;
	while (*p == ' ')
		p++;
	/* the line's length is known: strlen() here, the first load of the
	 * line's last bytes after input.c stored its NUL, cost as much as
	 * the rest of the parse. The text stays in the line: window_push()
	 * copies it. */
	r->text = p;
	r->text_len = (uint16_t)(line + len - p < TEXT_MAX ? line + len - p : TEXT_MAX - 1);
	/* from the line, not the copies just stored (a load across two
	 * stores is not forwarded from them); the line ends in a NUL as the
	 * text does, and the fields' 78 bytes at most lie well within the
	 * text's copy: both read the same */
	r->fault = event_len == sizeof(FAULT_EVENT) - 1 &&
		   !memcmp(event, FAULT_EVENT, sizeof(FAULT_EVENT) - 1) &&
		   fault_fields(p, line + len + 1, &r->fault_addr, &r->fault_err);
	return 0;
}

/* Where the value of field @key starts in @text, or NULL. Jump from field
 * start to field start (the text's, and each after a run of spaces and
 * commas) rather than strstr(): the keys match at a start or nowhere, and
 * strcspn() crosses a field's value in a few vector steps. */
static const char *field_value(const char *text, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = text; *p; p += strspn(p, " ,")) {
		const char *v;

		if (*p != key[0] || strncmp(p, key, k) ||
		    (p[k] != '=' && p[k] != ':')) {
			p += strcspn(p, " ,");
			continue;
		}
		v = p + k + 1;
		while (*v == ' ')
			v++;
		return v;
	}
	return NULL;
}

bool perf_field(const char *text, const char *key, char *out, size_t len,
		bool rest)
{
	const char *v = field_value(text, key), *e;

	if (!v)
		return false;
	e = v;
	if (rest)
		e = v + strlen(v);
	else
		while (*e && *e != ' ' && *e != ',')
			e++;
	perf_copy_span(out, len, v, (size_t)(e - v));
	return true;
}

static bool value_end(char c)
{
	return !c || c == ' ' || c == ',';
}

/* Each byte's value as a hex digit, or 16: no <ctype.h> call and one load
 * per digit (a fault record has three 12-digit numbers). */
#define H16 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16
static const uint8_t hex_value[256] = {
	H16, H16, H16,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 16, 16, 16, 16, 16,
	16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16, H16,
	16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16, H16,
	H16, H16, H16, H16, H16, H16, H16, H16,
};
#undef H16

/* Up to 16 hex digits at @p into *@out; where they end, or @p if there
 * are none. */
static const char *hex_digits(const char *p, uint64_t *out)
{
	const char *end = p + 16;
	uint64_t x = 0;
	unsigned d;

	while (p < end && (d = hex_value[(unsigned char)*p]) < 16) {
		x = x * 16 + d;
		p++;
	}
	*out = x;
	return p;
}

/* The number at @v as the tracepoints tlbsim reads print theirs: "0x"
 * and 1 to 16 hex digits (the syscalls' "0x%08lx", a fault's "0x%lx"), or
 * decimal digits whose value fits 64 bits ("%d", "%u", "%lu"), ending the
 * value (a space, a comma or the text's end). Nothing else: strtoull()
 * read "0xZZZZ" as 0, "-4096" as 2^64-4096 and 23 digits as 2^64-1, and a
 * misread address or length is a wrong model input, not a refusal. */
static bool parse_num(const char *v, uint64_t *out)
{
	const char *e;
	uint64_t x = 0;

	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		e = hex_digits(v + 2, &x);
		if (e == v + 2 || !value_end(*e))
			return false;
		*out = x;
		return true;
	}
	for (e = v; *e >= '0' && *e <= '9'; e++) {
		unsigned d = (unsigned)(*e - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;   /* would wrap */
		x = x * 10 + d;
	}
	if (e == v || !value_end(*e))
		return false;
	*out = x;
	return true;
}

/* exceptions:page_fault_user prints "address=0x%lx ip=0x%lx error_code=0x%lx"
 * (arch/x86/include/asm/trace/exceptions.h): read in one pass, which is
 * most of a capture's records; any other shape field by field. */
/* strncmp(s, lit, n) == 0 for a literal of n bytes: a loop the compiler
 * unrolls, which stops at the first byte that differs (a NUL included),
 * so it never reads past the string. */
static inline bool starts(const char *s, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != lit[i])
			return false;
	return true;
}

/* starts() for a literal, where the bytes from @s to @lim can be read:
 * then one fixed-size compare, a few wide loads, not a loop of bytes (a
 * fault's three literals were a sixth of its parse) */
#define STARTS(s, lim, lit) ((size_t)((lim) - (s)) >= sizeof(lit) - 1 ? \
			     !memcmp((s), (lit), sizeof(lit) - 1) :         \
			     starts((s), (lit), sizeof(lit) - 1))

/* perf_fault_fields() of @text, whose bytes up to @lim can be read */
static bool fault_fields(const char *text, const char *lim, uint64_t *address,
			 uint64_t *error_code)
{
	const char *a = text + 10, *ip, *ec, *end;
	uint64_t ipv;

	return STARTS(text, lim, "address=0x") &&
	       (ip = hex_digits(a, address)) > a && STARTS(ip, lim, " ip=0x") &&
	       (ec = hex_digits(ip + 6, &ipv)) > ip + 6 &&
	       STARTS(ec, lim, " error_code=0x") &&
	       (end = hex_digits(ec + 14, error_code)) > ec + 14 && value_end(*end);
}

bool perf_fault_fields(const char *text, uint64_t *address, uint64_t *error_code)
{
	return fault_fields(text, text + strlen(text) + 1, address, error_code);
}

const char *perf_field_at(const char *text, const char *key)
{
	return field_value(text, key);
}

int perf_field_num(const char *text, const char *key, uint64_t *out)
{
	const char *v = field_value(text, key);

	if (!v)
		return 0;
	return parse_num(v, out) ? 1 : -1;
}

/* "%lx": 1 to 16 hex digits, no "0x" (signal_deliver's sa_handler) */
int perf_field_hex(const char *text, const char *key, uint64_t *out)
{
	const char *v = field_value(text, key), *e;

	if (!v)
		return 0;
	e = hex_digits(v, out);
	return e != v && value_end(*e) ? 1 : -1;
}

int perf_field_snum(const char *text, const char *key, int64_t *out)
{
	const char *v = field_value(text, key);
	uint64_t x;

	if (!v)
		return 0;
	if (*v == '-') {
		/* "%ld": a minus and decimal digits, down to -2^63 */
		if (v[1] < '0' || v[1] > '9' || !parse_num(v + 1, &x) ||
		    x > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = (int64_t)(0 - x);
		return 1;
	}
	if (!parse_num(v, &x) || x > (uint64_t)INT64_MAX)
		return -1;
	*out = (int64_t)x;
	return 1;
}

bool perf_ret(const char *text, uint64_t *out)
{
	return text[0] == '0' && text[1] == 'x' && parse_num(text, out);
}
