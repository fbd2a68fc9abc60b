/*
 * binary.c - the native trace's binary form 1, read and written, and
 * what form 2 (binary_compact.c) shares with it: the flags, the observed
 * record's tail.
 *
 *   line 1   "\x89TLBSIMB"             (magic; the 0x89 keeps it from
 *                                       passing for text)
 *   line 2   the native JSON header     ({"tlbsim": 1, "cpus": N, ...})
 *   records  little-endian, one per event:
 *            u8 kind, u8 flags (1 hugetlb, 2 freed_tables, 4 unshared_tables,
 *            8 observed's mm follows, 16 exit's exec, 32 switch's idle,
 *            64 ran_before's asid, 128 switch's or flush's unseen),
 *            u8 stride, u8 flags2 (1 map's shared, 2 touch's write; 0 in
 *            files from before them), u32 cpu, u64 t,
 *            then the kind's fields in this order, those it has only:
 *            u32 mm, u32 with, u64 addr, u64 len, u64 dur, u64 start, u64 end
 *            (observed: u8 n + what, u8 n + func, i64 reason, i64 pages,
 *            i32 target)
 *
 * Every record passes native_validate(), so a binary trace is held to the
 * same contract as its JSON original. Reader errors name the record ("f:
 * record 12: ..."); the model's errors name the line the event has in the
 * JSONL form (record + 1: the header is line 1).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trace/binary_check.h"

/* By length: a NUL after the magic must not pass for its end. */
int binary_probe(const char *line, size_t len)
{
	if (len != sizeof(BINARY_MAGIC) - 1)
		return 0;
	return !memcmp(line, BINARY_MAGIC, len) ? 1 : !memcmp(line, COMPACT_MAGIC, len) ? 2 : 0;
}

/* Field widths, in the order they are stored. */
static const struct { unsigned bit, size; } layout[] = {
	{ NATIVE_F_MM, 4 }, { NATIVE_F_WITH, 4 }, { NATIVE_F_ADDR, 8 },
	{ NATIVE_F_LEN, 8 }, { NATIVE_F_DUR, 8 }, { NATIVE_F_START, 8 },
	{ NATIVE_F_END, 8 },
};

uint64_t binary_field_get(const struct tlbsim_trace_event *ev, unsigned bit)
{
	switch (bit) {
	case NATIVE_F_MM: return ev->mm;
	case NATIVE_F_WITH: return ev->with;
	case NATIVE_F_ADDR: return ev->addr;
	case NATIVE_F_LEN: return ev->len;
	case NATIVE_F_DUR: return ev->dur;
	case NATIVE_F_START: return ev->start;
	default: return ev->end;
	}
}

/* The record's fields, which its kind decides, in layout[]'s order. Each
 * is read where it would be and kept or zeroed by arithmetic: kinds come
 * in no order, and a branch per field mispredicted several times per
 * record (cachegrind --branch-sim). @b is zeroed past the record. */
static void decode_fields(struct tlbsim_trace_event *ev, const uint8_t *b,
			  unsigned fields)
{
	uint64_t has, at = 0;

	has = !!(fields & NATIVE_F_MM);
	ev->mm = (uint32_t)(get_le(b + at, 4) & -has);
	at += 4 * has;
	has = !!(fields & NATIVE_F_WITH);
	ev->with = (uint32_t)(get_le(b + at, 4) & -has);
	at += 4 * has;
	has = !!(fields & NATIVE_F_ADDR);
	ev->addr = get_le(b + at, 8) & -has;
	at += 8 * has;
	has = !!(fields & NATIVE_F_LEN);
	ev->len = get_le(b + at, 8) & -has;
	at += 8 * has;
	has = !!(fields & NATIVE_F_DUR);
	ev->dur = get_le(b + at, 8) & -has;
	at += 8 * has;
	has = !!(fields & NATIVE_F_START);
	ev->start = get_le(b + at, 8) & -has;
	at += 8 * has;
	has = !!(fields & NATIVE_F_END);
	ev->end = get_le(b + at, 8) & -has;
}

static int truncated(struct native_ctx *x)
{
	return tlbsim_diag_set(x->diag, TLBSIM_EPARSE, "%s: record %llu: truncated "
			       "(the file ends inside it)", x->name,
			       (unsigned long long)x->line);
}

int binary_read_exact(struct native_ctx *x, struct input *in, void *buf, size_t n)
{
	int got = input_read(in, buf, n, x->diag);

	if (got < 0)
		return got;
	return (size_t)got == n ? 0 : truncated(x);
}

/* A u8-counted string, held to the checks its JSON form gets. */
static int read_string(struct native_ctx *x, struct input *in, const char *name,
		       char *out, size_t cap)
{
	char text[256];
	uint8_t n;
	int err = binary_read_exact(x, in, &n, 1);

	if (err || (err = binary_read_exact(x, in, text, n)))
		return err;
	if (native_string(x, "field ", name, text, n, cap))
		return TLBSIM_EPARSE;
	memcpy(out, text, n);
	out[n] = '\0';
	return 0;
}

int binary_read_observed(struct native_ctx *x, struct input *in, unsigned flags,
			 struct tlbsim_trace_event *ev)
{
	uint8_t b[24];
	int err;

	if ((err = read_string(x, in, "what", ev->what, sizeof(ev->what))) ||
	    (err = read_string(x, in, "func", ev->func, sizeof(ev->func))) ||
	    (err = binary_read_exact(x, in, b, (flags & B_OBS_MM) ? 24 : 20)))
		return err;
	ev->reason = (int64_t)get_le(b, 8);
	ev->pages = (int64_t)get_le(b + 8, 8);
	ev->target = (int32_t)(uint32_t)get_le(b + 16, 4);
	if (flags & B_OBS_MM)
		ev->mm = (uint32_t)get_le(b + 20, 4);
	return 0;
}

/* The bytes of the fixed fields @fields: 4 for mm and with, 8 for the
 * others (layout[]). */
static size_t fields_size(unsigned fields)
{
	return 4 * (size_t)(!!(fields & NATIVE_F_MM) + !!(fields & NATIVE_F_WITH)) +
	       8 * (size_t)(!!(fields & NATIVE_F_ADDR) + !!(fields & NATIVE_F_LEN) +
			    !!(fields & NATIVE_F_DUR) + !!(fields & NATIVE_F_START) +
			    !!(fields & NATIVE_F_END));
}

/* The flag bits kind @k may set in a record's flags byte, and in its
 * second (B2_*): none, and the byte is not in a form 2 record. */
unsigned binary_kind_flags(enum tlbsim_ev_kind k)
{
	unsigned f = native_fields(k);

	return ((f & NATIVE_F_HUGETLB) ? B_HUGETLB : 0) |
	       ((f & NATIVE_F_FREED) ? B_FREED | B_UNSHARED : 0) |
	       (k == TLBSIM_EV_OBSERVED ? B_OBS_MM : 0) |
	       ((f & NATIVE_F_EXEC) ? B_EXEC : 0) |
	       ((f & NATIVE_F_IDLE) ? B_IDLE : 0) |
	       ((f & NATIVE_F_ASID) ? B_ASID : 0) |
	       ((f & NATIVE_F_UNSEEN) ? B_UNSEEN : 0);
}

unsigned binary_kind_flags2(enum tlbsim_ev_kind k)
{
	unsigned f = native_fields(k);

	return ((f & NATIVE_F_SHARED) ? B2_SHARED : 0) | ((f & NATIVE_F_WRITE) ? B2_WRITE : 0);
}

/* The flags bytes of @ev as written (observed's B_OBS_MM aside): its
 * flags, those its kind takes (binary_set_flags() read backwards). */
unsigned binary_flags_of(const struct tlbsim_trace_event *ev)
{
	unsigned bits = (ev->hugetlb ? B_HUGETLB : 0) | (ev->freed_tables ? B_FREED : 0) |
			(ev->unshared_tables ? B_UNSHARED : 0) | (ev->exec ? B_EXEC : 0) |
			(ev->idle ? B_IDLE : 0) | (ev->asid ? B_ASID : 0) |
			(ev->unseen ? B_UNSEEN : 0);

	return bits & binary_kind_flags(ev->kind) & ~(unsigned)B_OBS_MM;
}

unsigned binary_flags2_of(const struct tlbsim_trace_event *ev)
{
	return ((ev->shared ? B2_SHARED : 0) | (ev->write ? B2_WRITE : 0)) &
	       binary_kind_flags2(ev->kind);
}

/* An event's flags from a record's two flags bytes. */
void binary_set_flags(struct tlbsim_trace_event *ev, unsigned flags, unsigned flags2)
{
	ev->hugetlb = flags & B_HUGETLB;
	ev->freed_tables = flags & B_FREED;
	ev->unshared_tables = flags & B_UNSHARED;
	ev->exec = flags & B_EXEC;
	ev->idle = flags & B_IDLE;
	ev->asid = flags & B_ASID;
	ev->unseen = flags & B_UNSEEN;
	ev->shared = flags2 & B2_SHARED;
	ev->write = flags2 & B2_WRITE;
}

void binary_begin(struct native_ctx *x)
{
	for (unsigned k = 0; k < TLBSIM_EV_COUNT; k++) {
		unsigned f = native_fields((enum tlbsim_ev_kind)k);
		struct native_bin_kind *b = &x->bin[k];

		b->fields = f;
		b->size = (uint8_t)fields_size(f);
		b->flags = (uint8_t)binary_kind_flags((enum tlbsim_ev_kind)k);
		b->flags2 = (uint8_t)binary_kind_flags2((enum tlbsim_ev_kind)k);
		compact_shape(b, k == TLBSIM_EV_OBSERVED);
	}
}

/* The form 1 record at @h, when binary_record_check() takes it; *@size:
 * the bytes of its fields (u32 mm, then two u64: addr and len, or start
 * and end). */
static bool record_fast(struct native_ctx *x, const uint8_t *h,
			struct tlbsim_trace_event *ev, size_t *size)
{
	struct binary_record r = {
		.kind = h[0], .flags = h[1], .stride = h[2], .flags2 = h[3],
		.cpu = (uint32_t)get_le(h + 4, 4), .t = get_le(h + 8, 8),
		.mm = (uint32_t)get_le(h + 16, 4), .a = get_le(h + 20, 8),
		.b = get_le(h + 28, 8),
	};

	if (!binary_record_check(x, &r, ev))
		return false;
	*size = h[0] == TLBSIM_EV_SWITCH ? 4 : 20;
	return true;
}

/* Room for a record's header, its largest fixed fields, and the 8 bytes
 * decode_fields() may read past them. */
#define RECORD_ROOM (16 + 48 + 8)

int binary_next(struct native_ctx *x, struct input *in, struct tlbsim_trace_event *ev)
{
	uint8_t copy[16], b[48 + 8] = { 0 };   /* b: a field is read past the record */
	const uint8_t *h;
	const struct native_bin_kind *kb;
	unsigned fields, flags;
	size_t size;
	bool in_place;
	int got = 0, err;

	/* the model's fields zeroed and the observed ones empty: not the
	 * whole event (176 bytes) for a record of 16 to 56 */
	memset(ev, 0, offsetof(struct tlbsim_trace_event, what));
	ev->what[0] = ev->func[0] = '\0';
	ev->reason = ev->pages = 0;
	ev->target = 0;
	/* most records lie whole in the input's chunk: decoded where they
	 * lie, not copied out first */
	in_place = in->len - in->pos >= RECORD_ROOM;
	if (in_place) {
		h = (const uint8_t *)in->buf + in->pos;
		in->pos += sizeof(copy);
	} else {
		got = input_read(in, copy, sizeof(copy), x->diag);
		if (got <= 0)
			return got;   /* the end, between records */
		h = copy;
	}
	x->line++;
	ev->line = x->line + 1;   /* the line it has in the JSONL form */
	if (in_place && record_fast(x, h, ev, &size)) {
		in->pos += size;
		return 1;
	}
	if (!in_place && (size_t)got < sizeof(copy))
		return truncated(x);
	ev->kind = h[0];
	flags = h[1];
	ev->stride = h[2];
	ev->cpu = (uint32_t)get_le(h + 4, 4);
	ev->t = get_le(h + 8, 8);
	/* an unknown kind, a flag the kind does not take (binary_begin()),
	 * or a stride */
	kb = ev->kind < TLBSIM_EV_COUNT ? &x->bin[ev->kind] : NULL;
	if (!kb || (flags & ~(unsigned)kb->flags) || (h[3] & ~(unsigned)kb->flags2) ||
	    (ev->stride && !(kb->fields & NATIVE_F_STRIDE)))
		return tlbsim_diag_set(x->diag, TLBSIM_EPARSE, "%s: record %llu: not a "
			"valid record (kind %u, flags 0x%x, stride %u)", x->name,
			(unsigned long long)x->line, h[0], flags, h[2]);
	fields = kb->fields;
	binary_set_flags(ev, flags, h[3]);
	if (ev->kind == TLBSIM_EV_OBSERVED) {
		if ((err = binary_read_observed(x, in, flags, ev)))
			return err;
		return native_validate(x, ev) ? TLBSIM_EPARSE : 1;
	}
	if (in_place) {
		decode_fields(ev, h + sizeof(copy), fields);
		in->pos += kb->size;
	} else {
		if ((err = binary_read_exact(x, in, b, kb->size)))
			return err;
		decode_fields(ev, b, fields);
	}
	return native_validate(x, ev) ? TLBSIM_EPARSE : 1;
}

/* ----------------------------------------------------------- writing */

int tlbsim_trace_write_binary_header(FILE *f, const struct tlbsim_trace_header *h)
{
	fputs(BINARY_MAGIC "\n", f);
	tlbsim_trace_write_header(f, h);
	fputc('\n', f);
	return ferror(f) ? TLBSIM_EIO : 0;
}

static void put_string(uint8_t *b, size_t *at, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap - 1);

	b[(*at)++] = (uint8_t)n;
	memcpy(b + *at, s, n);
	*at += n;
}

/* An observed record's tail (both forms): what, func, reason, pages,
 * target, and its mm when not 0 (the flags byte says so). Its bytes. */
size_t binary_put_observed(uint8_t *b, const struct tlbsim_trace_event *ev)
{
	size_t at = 0;

	put_string(b, &at, ev->what, sizeof(ev->what));
	put_string(b, &at, ev->func, sizeof(ev->func));
	put_le(b + at, (uint64_t)ev->reason, 8);
	put_le(b + at + 8, (uint64_t)ev->pages, 8);
	put_le(b + at + 16, (uint32_t)ev->target, 4);
	at += 20;
	if (ev->mm) {
		put_le(b + at, ev->mm, 4);
		at += 4;
	}
	return at;
}

int tlbsim_trace_write_binary_event(FILE *f, const struct tlbsim_trace_event *ev)
{
	uint8_t b[16 + 48 + 2 + 32 + 40 + 20 + 4];
	unsigned fields = native_fields(ev->kind);
	size_t at = 16;

	if (ev->kind >= TLBSIM_EV_COUNT)
		return TLBSIM_EINVAL;
	memset(b, 0, 16);
	b[0] = (uint8_t)ev->kind;
	b[1] = (uint8_t)binary_flags_of(ev);
	b[2] = (fields & NATIVE_F_STRIDE) ? ev->stride : 0;
	b[3] = (uint8_t)binary_flags2_of(ev);
	put_le(b + 4, ev->cpu, 4);
	put_le(b + 8, ev->t, 8);
	if (ev->kind == TLBSIM_EV_OBSERVED) {
		at += binary_put_observed(b + at, ev);
		if (ev->mm)
			b[1] |= B_OBS_MM;
	} else {
		for (size_t i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
			if (!(fields & layout[i].bit))
				continue;
			put_le(b + at, binary_field_get(ev, layout[i].bit), layout[i].size);
			at += layout[i].size;
		}
	}
	return fwrite(b, 1, at, f) == at ? 0 : TLBSIM_EIO;
}
