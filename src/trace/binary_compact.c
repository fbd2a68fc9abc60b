/*
 * binary_compact.c - form 2 of the native trace's binary form, read and
 * written: the events of form 1 (binary.c) in two fifths of its bytes.
 *
 *   line 1   "\x89TLBSIMC"
 *   line 2   the native JSON header
 *   records  u8 kind; u8 flags if the kind takes any (form 1's bits);
 *            u8 stride (flush); u8 flags2 (map, touch);
 *            the widths of its values, 2 bits each (0: 1 byte, 1: 2,
 *            2: 4, 3: 8), four to a byte from the low bits, unused bits 0;
 *            its values, little-endian: cpu, t minus the last record's t,
 *            then those of mm, with, addr, len, dur, start, end the kind
 *            has, addr as the zigzag of its difference from the last
 *            record's addr (mod 2^64); observed: form 1's tail after them.
 *
 * Why: the input's SHA-256 is hashed over every byte (reports name the
 * trace by it), a tenth of a compare's CPU time at form 1's 35 bytes an
 * event; form 2 takes about 14 (tlbsim-gen's mix). Widths by a 2-bit code,
 * not varints: a value is one load and a mask, no branch on its length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/binary_check.h"

/* The kind's fields stored as values, in their order. */
static const unsigned value_bits[] = {
	NATIVE_F_MM, NATIVE_F_WITH, NATIVE_F_ADDR, NATIVE_F_LEN, NATIVE_F_DUR,
	NATIVE_F_START, NATIVE_F_END,
};
#define NVALUE_BITS (sizeof(value_bits) / sizeof(value_bits[0]))
/* kind, three flag bytes, three width bytes, nine values of 8 bytes */
#define RECORD_MAX (1 + 3 + 3 + 9 * 8)
/* and the 8 bytes a value's load may read past the record */
#define RECORD_ROOM (RECORD_MAX + 8)

static const uint64_t width_mask[4] = { 0xff, 0xffff, 0xffffffff, UINT64_MAX };

/* The fields stored as values, of all */
#define VALUE_FIELDS (NATIVE_F_MM | NATIVE_F_WITH | NATIVE_F_ADDR | NATIVE_F_LEN | \
		      NATIVE_F_DUR | NATIVE_F_START | NATIVE_F_END)

void compact_shape(struct native_bin_kind *b, bool observed)
{
	b->values = observed ? 0 : b->fields & VALUE_FIELDS;
	b->nflags = (uint8_t)(!!b->flags + !!(b->fields & NATIVE_F_STRIDE) + !!b->flags2);
	b->nvalues = (uint8_t)(2 + __builtin_popcount(b->values));   /* cpu and t */
	b->nwidths = (uint8_t)((b->nvalues + 3) / 4);
}

static uint64_t zigzag(uint64_t d)
{
	return (d << 1) ^ (uint64_t)-(int64_t)(d >> 63);
}

static uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (uint64_t)-(int64_t)(z & 1);
}

/* ------------------------------------------------------------ reading */

static int not_valid(struct native_ctx *x, unsigned kind, unsigned flags,
		     unsigned stride)
{
	return tlbsim_diag_set(x->diag, TLBSIM_EPARSE, "%s: record %llu: not a "
		"valid record (kind %u, flags 0x%x, stride %u)", x->name,
		(unsigned long long)x->line, kind, flags, stride);
}

/* The record's bytes, when the input's chunk does not hold RECORD_ROOM
 * more: read piece by piece into @b (zeroed: values are loaded 8 bytes
 * at a time), its shape known from its kind, then its widths. 0 at the
 * end of the input, between records. */
static int assemble(struct native_ctx *x, struct input *in, uint8_t *b)
{
	const struct native_bin_kind *kb;
	size_t at = 1, n = 0;
	int got, err;

	memset(b, 0, RECORD_ROOM);
	if ((got = input_read(in, b, 1, x->diag)) <= 0)
		return got;
	x->line++;
	if (b[0] >= TLBSIM_EV_COUNT)
		return not_valid(x, b[0], 0, 0);
	kb = &x->bin[b[0]];
	if ((err = binary_read_exact(x, in, b + at, kb->nflags + kb->nwidths)))
		return err;
	at += kb->nflags;
	for (unsigned i = 0; i < kb->nvalues; i++)
		n += 1u << ((b[at + i / 4] >> (2 * (i % 4))) & 3);
	at += kb->nwidths;
	if ((err = binary_read_exact(x, in, b + at, n)))
		return err;
	return 1;
}

/* The value at *@p of width code @w; *@p moves past it. */
static inline uint64_t take(const uint8_t **p, unsigned w)
{
	uint64_t v = get_le(*p, 8) & width_mask[w];

	*p += 1u << w;
	return v;
}

/* The same for a field the record has when @has, else 0 and nothing
 * taken: by arithmetic, not a branch per field (kinds come in no order;
 * form 1's decode_fields() does the same). */
static inline uint64_t take_if(const uint8_t **p, uint32_t *widths, unsigned has)
{
	unsigned w = *widths & 3;
	uint64_t v = get_le(*p, 8) & width_mask[w] & -(uint64_t)has;

	*p += (size_t)has << w;
	*widths >>= 2 * has;
	return v;
}

/* A value for a 32-bit field: one past 2^32 - 1 is kept out of range,
 * not cut into it. */
static uint32_t narrow(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/*
 * Decode the record at @h (RECORD_ROOM bytes readable) into @r and @ev:
 * the bytes it takes, or <0 for a record no kind's shape allows. The
 * values of a record with more than 2^63 - 1 of time, or a 32-bit field
 * above 2^32 - 1, decode out of range, for the checks to name.
 */
static long decode(struct native_ctx *x, const uint8_t *h, struct binary_record *r,
		   struct tlbsim_trace_event *ev)
{
	const struct native_bin_kind *kb;
	const uint8_t *p = h + 1;
	uint32_t widths, f;
	uint64_t dt;

	r->kind = h[0];
	if (r->kind >= TLBSIM_EV_COUNT)
		return not_valid(x, r->kind, 0, 0);
	kb = &x->bin[r->kind];
	r->flags = kb->flags ? *p++ : 0;
	r->stride = (kb->fields & NATIVE_F_STRIDE) ? *p++ : 0;
	r->flags2 = kb->flags2 ? *p++ : 0;
	widths = (uint32_t)get_le(p, 4) & ((1u << (8 * kb->nwidths)) - 1);
	if ((r->flags & ~(unsigned)kb->flags) || (r->flags2 & ~(unsigned)kb->flags2) ||
	    (widths >> (2 * kb->nvalues)))
		return not_valid(x, r->kind, r->flags, r->stride);
	p += kb->nwidths;
	r->cpu = narrow(take(&p, widths & 3));
	dt = take(&p, (widths >> 2) & 3);
	widths >>= 4;
	r->t = x->last_t + dt < x->last_t ? UINT64_MAX : x->last_t + dt;
	f = kb->values;
	ev->mm = narrow(take_if(&p, &widths, !!(f & NATIVE_F_MM)));
	ev->with = narrow(take_if(&p, &widths, !!(f & NATIVE_F_WITH)));
	x->last_addr += unzigzag(take_if(&p, &widths, !!(f & NATIVE_F_ADDR)));
	ev->addr = x->last_addr & -(uint64_t)!!(f & NATIVE_F_ADDR);
	ev->len = take_if(&p, &widths, !!(f & NATIVE_F_LEN));
	ev->dur = take_if(&p, &widths, !!(f & NATIVE_F_DUR));
	ev->start = take_if(&p, &widths, !!(f & NATIVE_F_START));
	ev->end = take_if(&p, &widths, !!(f & NATIVE_F_END));
	r->mm = ev->mm;
	r->a = r->kind == TLBSIM_EV_FLUSH ? ev->start : ev->addr;
	r->b = r->kind == TLBSIM_EV_FLUSH ? ev->end : ev->len;
	return p - h;
}

/*
 * decode() of the kinds that make up nineteen in twenty of a trace, their
 * shapes written out: touch, map, unmap, zap, protect (mm, addr, len),
 * switch (mm), flush (mm, start, end). 0 for any other kind.
 */
static long decode_common(struct native_ctx *x, const uint8_t *h,
			  struct binary_record *r, struct tlbsim_trace_event *ev)
{
	const uint8_t *p = h + 1;
	unsigned widths;
	uint64_t dt;

	r->flags = r->stride = r->flags2 = 0;
	switch (h[0]) {
	case TLBSIM_EV_TOUCH:
		r->flags2 = *p++;
		break;
	case TLBSIM_EV_MAP:
		r->flags = *p++;
		r->flags2 = *p++;
		break;
	case TLBSIM_EV_UNMAP:
	case TLBSIM_EV_ZAP:
	case TLBSIM_EV_PROTECT:
		break;
	case TLBSIM_EV_SWITCH:
		r->flags = *p++;
		break;
	case TLBSIM_EV_FLUSH:
		r->flags = *p++;
		r->stride = *p++;
		break;
	default:
		return 0;
	}
	r->kind = h[0];
	/* the widths: of cpu, t, mm (a switch's one byte), then of two more
	 * values (two bytes); the unused bits must be 0 */
	if (r->kind == TLBSIM_EV_SWITCH) {
		widths = *p++;
		if (widths >> 6)
			return 0;
	} else {
		widths = (unsigned)p[0] | (unsigned)p[1] << 8;
		p += 2;
		if (widths >> 10)
			return 0;
	}
	r->cpu = narrow(take(&p, widths & 3));
	dt = take(&p, (widths >> 2) & 3);
	r->t = x->last_t + dt < x->last_t ? UINT64_MAX : x->last_t + dt;
	r->mm = narrow(take(&p, (widths >> 4) & 3));
	r->a = r->b = 0;
	if (r->kind != TLBSIM_EV_SWITCH) {
		r->a = take(&p, (widths >> 6) & 3);
		r->b = take(&p, (widths >> 8) & 3);
		if (r->kind != TLBSIM_EV_FLUSH)
			r->a = x->last_addr += unzigzag(r->a);
	}
	ev->mm = r->mm;
	return p - h;
}

#ifdef TLBSIM_FUZZ
/* The fuzz builds decode each record decode_common() took both ways, from
 * the state before it (@last_t, @have_last, @last_addr), and abort on any
 * difference: in the values, the bytes taken, the last address after. */
static void decode_both(const struct native_ctx *x, const uint8_t *h, long size,
			const struct binary_record *r, uint64_t last_t, bool have_last,
			uint64_t last_addr)
{
	struct native_ctx y = *x;
	struct tlbsim_diag d = { { 0 } };
	struct tlbsim_trace_event e;
	struct binary_record q;

	memset(&e, 0, sizeof(e));
	y.diag = &d;
	y.last_t = last_t;
	y.have_last = have_last;
	y.last_addr = last_addr;
	if (decode(&y, h, &q, &e) != size || q.kind != r->kind || q.flags != r->flags ||
	    q.stride != r->stride || q.flags2 != r->flags2 || q.cpu != r->cpu ||
	    q.mm != r->mm || q.t != r->t || q.a != r->a || q.b != r->b ||
	    y.last_addr != x->last_addr)
		abort();
}
#endif

int compact_next(struct native_ctx *x, struct input *in, struct tlbsim_trace_event *ev)
{
	uint8_t b[RECORD_ROOM];   /* zeroed by assemble() */
	const uint8_t *h;
	struct binary_record r;
	uint64_t last_addr;
	long size;
	int err;

	/* binary_next()'s start: the model's fields zeroed, observed's empty */
	memset(ev, 0, offsetof(struct tlbsim_trace_event, what));
	ev->what[0] = ev->func[0] = '\0';
	ev->reason = ev->pages = 0;
	ev->target = 0;
	if (in->len - in->pos >= RECORD_ROOM) {
		/* where it lies in the input's chunk, most records */
		h = (const uint8_t *)in->buf + in->pos;
		x->line++;
	} else {
		if ((err = assemble(x, in, b)) <= 0)
			return err;
		h = b;
	}
	ev->line = x->line + 1;   /* the line it has in the JSONL form */
	last_addr = x->last_addr;
#ifdef TLBSIM_FUZZ
	uint64_t last_t = x->last_t;
	bool have_last = x->have_last;
#endif
	size = decode_common(x, h, &r, ev);
	if (size > 0 && binary_record_check(x, &r, ev)) {
#ifdef TLBSIM_FUZZ
		decode_both(x, h, size, &r, last_t, have_last, last_addr);
#endif
		if (h != b)
			in->pos += (size_t)size;
		return 1;
	}
	/* any other record, or one the checks refuse: the general way, which
	 * names the error (from the last address before this record) */
	x->last_addr = last_addr;
	if ((size = decode(x, h, &r, ev)) < 0)
		return (int)size;
	if (h != b)
		in->pos += (size_t)size;
	if (binary_record_check(x, &r, ev))
		return 1;
	ev->kind = r.kind;
	ev->cpu = r.cpu;
	ev->t = r.t;
	ev->stride = (uint8_t)r.stride;
	binary_set_flags(ev, r.flags, r.flags2);
	if (r.kind == TLBSIM_EV_OBSERVED &&
	    (err = binary_read_observed(x, in, r.flags, ev)))
		return err;
	return native_validate(x, ev) ? TLBSIM_EPARSE : 1;
}

/* ------------------------------------------------------------ writing */

int tlbsim_trace_write_compact_header(FILE *f, struct tlbsim_compact_writer *w,
				      const struct tlbsim_trace_header *h)
{
	memset(w, 0, sizeof(*w));
	fputs(COMPACT_MAGIC "\n", f);
	tlbsim_trace_write_header(f, h);
	fputc('\n', f);
	return ferror(f) ? TLBSIM_EIO : 0;
}

/* The width code of @v: the fewest of 1, 2, 4, 8 bytes that hold it. */
static unsigned width_of(uint64_t v)
{
	return v <= 0xff ? 0 : v <= 0xffff ? 1 : v <= 0xffffffff ? 2 : 3;
}

int tlbsim_trace_write_compact_event(FILE *f, struct tlbsim_compact_writer *w,
				     const struct tlbsim_trace_event *ev)
{
	uint8_t b[RECORD_MAX + 100];
	uint64_t v[9];
	unsigned n = 0;
	bool observed = ev->kind == TLBSIM_EV_OBSERVED;
	struct native_bin_kind k;
	size_t at = 0;

	if (ev->kind >= TLBSIM_EV_COUNT || ev->t < w->last_t)
		return TLBSIM_EINVAL;
	k.fields = native_fields(ev->kind);
	k.flags = (uint8_t)binary_kind_flags(ev->kind);
	k.flags2 = (uint8_t)binary_kind_flags2(ev->kind);
	compact_shape(&k, observed);
	b[at++] = (uint8_t)ev->kind;
	if (k.flags)
		b[at++] = (uint8_t)(binary_flags_of(ev) | (observed && ev->mm ? B_OBS_MM : 0));
	if (k.fields & NATIVE_F_STRIDE)
		b[at++] = ev->stride;
	if (k.flags2)
		b[at++] = (uint8_t)binary_flags2_of(ev);
	v[n++] = ev->cpu;
	v[n++] = ev->t - w->last_t;
	w->last_t = ev->t;
	for (unsigned i = 0; i < NVALUE_BITS; i++) {
		if (!(k.values & value_bits[i]))
			continue;
		v[n] = binary_field_get(ev, value_bits[i]);
		if (value_bits[i] == NATIVE_F_ADDR) {
			uint64_t d = v[n] - w->last_addr;

			w->last_addr = v[n];
			v[n] = zigzag(d);
		}
		n++;
	}
	memset(b + at, 0, k.nwidths);
	for (unsigned i = 0; i < n; i++)
		b[at + i / 4] |= (uint8_t)(width_of(v[i]) << (2 * (i % 4)));
	at += k.nwidths;
	for (unsigned i = 0; i < n; i++) {
		unsigned bytes = 1u << width_of(v[i]);

		put_le(b + at, v[i], bytes);
		at += bytes;
	}
	if (observed)
		at += binary_put_observed(b + at, ev);
	return fwrite(b, 1, at, f) == at ? 0 : TLBSIM_EIO;
}
