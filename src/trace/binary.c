/*
 * binary.c - the native trace's binary form, read and written.
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

#include "trace/binary.h"

enum { B_HUGETLB = 1, B_FREED = 2, B_UNSHARED = 4,
       B_OBS_MM = 8, /* observed: an mm follows (4 bytes) */
       B_EXEC = 16,
       B_IDLE = 32, /* switch: to the idle task */
       B_ASID = 64, /* ran_before: an ASID slot holds the mm */
       B_UNSEEN = 128 /* switch: not in the capture */ };
/* the record header's fourth byte */
enum { B2_SHARED = 1, /* map: a shared (page cache) mapping */
       B2_WRITE = 2 /* touch: a write */ };

/* By length: a NUL after the magic must not pass for its end. */
bool binary_probe(const char *line, size_t len)
{
	return len == sizeof(BINARY_MAGIC) - 1 && !memcmp(line, BINARY_MAGIC, len);
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n == 8 || n == 4) {   /* one load, where the byte loop was eight */
		uint32_t w;

		if (n == 8) {
			memcpy(&v, p, 8);
			return v;
		}
		memcpy(&w, p, 4);
		return w;
	}
#endif
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Field widths, in the order they are stored. */
static const struct { unsigned bit, size; } layout[] = {
	{ NATIVE_F_MM, 4 }, { NATIVE_F_WITH, 4 }, { NATIVE_F_ADDR, 8 },
	{ NATIVE_F_LEN, 8 }, { NATIVE_F_DUR, 8 }, { NATIVE_F_START, 8 },
	{ NATIVE_F_END, 8 },
};

static uint64_t field_get(const struct tlbsim_trace_event *ev, unsigned bit)
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

static int read_exact(struct native_ctx *x, struct input *in, void *buf, size_t n)
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
	int err = read_exact(x, in, &n, 1);

	if (err || (err = read_exact(x, in, text, n)))
		return err;
	if (native_string(x, "field ", name, text, n, cap))
		return TLBSIM_EPARSE;
	memcpy(out, text, n);
	out[n] = '\0';
	return 0;
}

static int read_observed(struct native_ctx *x, struct input *in,
			 struct tlbsim_trace_event *ev)
{
	uint8_t b[20];
	int err;

	if ((err = read_string(x, in, "what", ev->what, sizeof(ev->what))) ||
	    (err = read_string(x, in, "func", ev->func, sizeof(ev->func))) ||
	    (err = read_exact(x, in, b, sizeof(b))))
		return err;
	ev->reason = (int64_t)get_le(b, 8);
	ev->pages = (int64_t)get_le(b + 8, 8);
	ev->target = (int32_t)(uint32_t)get_le(b + 16, 4);
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

void binary_begin(struct native_ctx *x)
{
	for (unsigned k = 0; k < TLBSIM_EV_COUNT; k++) {
		unsigned f = native_fields((enum tlbsim_ev_kind)k);
		struct native_bin_kind *b = &x->bin[k];

		b->fields = f;
		b->size = (uint8_t)fields_size(f);
		b->flags = (uint8_t)(((f & NATIVE_F_HUGETLB) ? B_HUGETLB : 0) |
				     ((f & NATIVE_F_FREED) ? B_FREED | B_UNSHARED : 0) |
				     (k == TLBSIM_EV_OBSERVED ? B_OBS_MM : 0) |
				     ((f & NATIVE_F_EXEC) ? B_EXEC : 0) |
				     ((f & NATIVE_F_IDLE) ? B_IDLE : 0) |
				     ((f & NATIVE_F_ASID) ? B_ASID : 0) |
				     ((f & NATIVE_F_UNSEEN) ? B_UNSEEN : 0));
		b->flags2 = (uint8_t)(((f & NATIVE_F_SHARED) ? B2_SHARED : 0) |
				      ((f & NATIVE_F_WRITE) ? B2_WRITE : 0));
	}
}

/* The common records' checks (native_validate(), native_check_event()),
 * for values already decoded. */
static bool mm_ok(uint32_t mm, bool null_ok)
{
	return (mm || null_ok) && mm <= INT32_MAX;
}

static bool range_ok(uint64_t addr, uint64_t len, bool hugetlb)
{
	uint64_t align = hugetlb ? 2ULL << 20 : 4096;

	return len && !(addr % align) && !(len % align) && addr < NATIVE_USER_TOP &&
	       len <= NATIVE_USER_TOP - addr;
}

/*
 * The records of the kinds that make up nineteen in twenty of a trace
 * (touch, switch, map, unmap, zap, protect, flush), when every value
 * passes the contract, decoded and checked here at once: the event the
 * general path makes of it (decode_fields(), native_validate(),
 * native_check_event()), for a third of its instructions. False for any
 * other record, or one that path refuses or would change otherwise, which
 * it then reads and names the error of. @h: the header, the fields after
 * it (u32 mm, then two u64: addr and len, or start and end); *@size: the
 * bytes of the fields.
 */
static bool record_fast(struct native_ctx *x, const uint8_t *h,
			struct tlbsim_trace_event *ev, size_t *size)
{
	unsigned flags = h[1], flags2 = h[3];
	uint32_t cpu = (uint32_t)get_le(h + 4, 4), mm = (uint32_t)get_le(h + 16, 4);
	uint64_t t = get_le(h + 8, 8), a = get_le(h + 20, 8), b = get_le(h + 28, 8);

	if (cpu >= x->cpus || t > INT64_MAX || (x->have_last && t < x->last_t))
		return false;
	switch (h[0]) {
	case TLBSIM_EV_TOUCH:
		b = b ? b : 4096;   /* a touch without a length is one page */
		if (flags || h[2] || (flags2 & ~(unsigned)B2_WRITE) || !mm_ok(mm, false) ||
		    a >= NATIVE_USER_TOP || b > (1ULL << 30) || b > NATIVE_USER_TOP - a)
			return false;
		ev->write = flags2 & B2_WRITE;
		*size = 20;
		break;
	case TLBSIM_EV_SWITCH:
		if ((flags & ~(unsigned)(B_IDLE | B_UNSEEN)) || h[2] || flags2 ||
		    !mm_ok(mm, true) || ((flags & B_IDLE) && mm))
			return false;
		ev->idle = flags & B_IDLE;
		ev->unseen = flags & B_UNSEEN;
		a = b = 0;
		*size = 4;
		break;
	case TLBSIM_EV_MAP:
		if ((flags & ~(unsigned)B_HUGETLB) || h[2] || (flags2 & ~(unsigned)B2_SHARED) ||
		    !mm_ok(mm, false) || !range_ok(a, b, flags & B_HUGETLB))
			return false;
		ev->hugetlb = flags & B_HUGETLB;
		ev->shared = flags2 & B2_SHARED;
		*size = 20;
		break;
	case TLBSIM_EV_UNMAP:
	case TLBSIM_EV_ZAP:
	case TLBSIM_EV_PROTECT:
		if (flags || h[2] || flags2 || !mm_ok(mm, false) || !range_ok(a, b, false))
			return false;
		*size = 20;
		break;
	case TLBSIM_EV_FLUSH:
		if ((flags & ~(unsigned)(B_FREED | B_UNSHARED | B_UNSEEN)) || flags2 ||
		    (h[2] != 12 && h[2] != 21 && h[2] != 30) || !mm_ok(mm, false) ||
		    a >= NATIVE_USER_TOP ||
		    (b != TLBSIM_END_ALL && (b >= NATIVE_USER_TOP || a >= b)))
			return false;
		ev->stride = h[2];
		ev->freed_tables = flags & B_FREED;
		ev->unshared_tables = flags & B_UNSHARED;
		ev->unseen = flags & B_UNSEEN;
		ev->start = a;
		ev->end = b;
		a = b = 0;
		*size = 20;
		break;
	default:
		return false;
	}
	ev->kind = h[0];
	ev->cpu = cpu;
	ev->t = t;
	ev->mm = mm;
	ev->addr = a;
	ev->len = b;
	x->last_t = t;
	x->have_last = true;
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
	ev->hugetlb = flags & B_HUGETLB;
	ev->freed_tables = flags & B_FREED;
	ev->unshared_tables = flags & B_UNSHARED;
	ev->exec = flags & B_EXEC;
	ev->idle = flags & B_IDLE;
	ev->asid = flags & B_ASID;
	ev->unseen = flags & B_UNSEEN;
	ev->shared = h[3] & B2_SHARED;
	ev->write = h[3] & B2_WRITE;
	if (ev->kind == TLBSIM_EV_OBSERVED) {
		if ((err = read_observed(x, in, ev)))
			return err;
		if ((flags & B_OBS_MM) && (err = read_exact(x, in, b, 4)))
			return err;
		if (flags & B_OBS_MM)
			ev->mm = (uint32_t)get_le(b, 4);
		return native_validate(x, ev) ? TLBSIM_EPARSE : 1;
	}
	if (in_place) {
		decode_fields(ev, h + sizeof(copy), fields);
		in->pos += kb->size;
	} else {
		if ((err = read_exact(x, in, b, kb->size)))
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

int tlbsim_trace_write_binary_event(FILE *f, const struct tlbsim_trace_event *ev)
{
	uint8_t b[16 + 48 + 2 + 32 + 40 + 20 + 4];
	unsigned fields = native_fields(ev->kind);
	size_t at = 16;

	if (ev->kind >= TLBSIM_EV_COUNT)
		return TLBSIM_EINVAL;
	memset(b, 0, 16);
	b[0] = (uint8_t)ev->kind;
	b[1] = (uint8_t)(((fields & NATIVE_F_HUGETLB) && ev->hugetlb ? B_HUGETLB : 0) |
			 ((fields & NATIVE_F_FREED) && ev->freed_tables ? B_FREED : 0) |
			 ((fields & NATIVE_F_UNSHARED) && ev->unshared_tables ? B_UNSHARED : 0) |
			 ((fields & NATIVE_F_EXEC) && ev->exec ? B_EXEC : 0) |
			 ((fields & NATIVE_F_IDLE) && ev->idle ? B_IDLE : 0) |
			 ((fields & NATIVE_F_ASID) && ev->asid ? B_ASID : 0) |
			 ((fields & NATIVE_F_UNSEEN) && ev->unseen ? B_UNSEEN : 0));
	b[2] = (fields & NATIVE_F_STRIDE) ? ev->stride : 0;
	b[3] = (uint8_t)(((fields & NATIVE_F_SHARED) && ev->shared ? B2_SHARED : 0) |
			 ((fields & NATIVE_F_WRITE) && ev->write ? B2_WRITE : 0));
	put_le(b + 4, ev->cpu, 4);
	put_le(b + 8, ev->t, 8);
	if (ev->kind == TLBSIM_EV_OBSERVED) {
		put_string(b, &at, ev->what, sizeof(ev->what));
		put_string(b, &at, ev->func, sizeof(ev->func));
		put_le(b + at, (uint64_t)ev->reason, 8);
		put_le(b + at + 8, (uint64_t)ev->pages, 8);
		put_le(b + at + 16, (uint32_t)ev->target, 4);
		at += 20;
		if (ev->mm) {
			b[1] |= B_OBS_MM;
			put_le(b + at, ev->mm, 4);
			at += 4;
		}
	} else {
		for (size_t i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
			if (!(fields & layout[i].bit))
				continue;
			put_le(b + at, field_get(ev, layout[i].bit), layout[i].size);
			at += layout[i].size;
		}
	}
	return fwrite(b, 1, at, f) == at ? 0 : TLBSIM_EIO;
}
