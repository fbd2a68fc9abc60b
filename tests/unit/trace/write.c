/* write.c - test_trace's cases of the writer: native text and binary
 * round trips, and the binary reader held to the contract. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "tlbsim/trace.h"
#include "parts.h"

/* write -> read gives the same events, byte for byte on a second write. */
static void test_roundtrip(void **state)
{
	struct tlbsim_trace_reader *r, *r2;
	struct tlbsim_trace_event e;
	struct tlbsim_diag d;
	char *buf = NULL, *buf2 = NULL, *path;
	size_t len = 0, len2 = 0;
	FILE *f = open_memstream(&buf, &len), *f2;

	(void)state;
	assert_int_equal(tlbsim_trace_open(EVERY, &r, &d), 0);
	fputs("{\"tlbsim\": 1, \"cpus\": 4}\n", f);
	while (tlbsim_trace_next(r, &e, &d) == 1) {
		assert_int_equal(tlbsim_trace_write_event(f, &e), 0);
		fputc('\n', f);
	}
	fclose(f);
	tlbsim_trace_close(r);
	path = tu_tmpfile(buf, ".jsonl");
	assert_int_equal(tlbsim_trace_open(path, &r2, &d), 0);
	f2 = open_memstream(&buf2, &len2);
	fputs("{\"tlbsim\": 1, \"cpus\": 4}\n", f2);
	while (tlbsim_trace_next(r2, &e, &d) == 1) {
		tlbsim_trace_write_event(f2, &e);
		fputc('\n', f2);
	}
	fclose(f2);
	assert_int_equal(tlbsim_trace_events(r2), 26);
	assert_string_equal(buf, buf2);
	tlbsim_trace_close(r2);
	unlink(path);
	free(path);
	free(buf);
	free(buf2);
}

/* An observed event's strings, control characters and all, and as long as
 * their fields hold, come back from the JSONL the writer makes. */
static void test_roundtrip_strings(void **state)
{
	struct tlbsim_trace_event e, back;
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	char *buf = NULL, *path;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	memset(&e, 0, sizeof(e));
	e.kind = TLBSIM_EV_OBSERVED;
	e.target = -1;
	snprintf(e.what, sizeof(e.what), "a\nb\"c\\d\x1b");
	memset(e.func, 'f', sizeof(e.func) - 1);   /* 39 bytes: all it holds */
	fputs("{\"tlbsim\": 1, \"cpus\": 1}\n", f);
	assert_int_equal(tlbsim_trace_write_event(f, &e), 0);
	fputc('\n', f);
	fclose(f);
	path = tu_tmpfile(buf, ".jsonl");
	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	assert_int_equal(tlbsim_trace_next(r, &back, &d), 1);
	assert_string_equal(back.what, e.what);
	assert_string_equal(back.func, e.func);
	tlbsim_trace_close(r);
	unlink(path);
	free(path);
	free(buf);
}

/* A binary trace written from @evs (with the 4-CPU header) to a temporary
 * file, cut to @cut bytes when non-zero. */
static char *binary_file(const struct tlbsim_trace_event *evs, size_t n, long cut)
{
	char tmpl[] = "/tmp/tlbsim-test-XXXXXX", *path;
	struct tlbsim_trace_header h;
	int fd = mkstemp(tmpl);
	FILE *f = fdopen(fd, "wb");

	memset(&h, 0, sizeof(h));
	h.version = 1;
	h.cpus = 4;
	assert_int_equal(tlbsim_trace_write_binary_header(f, &h), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tlbsim_trace_write_binary_event(f, &evs[i]), 0);
	fflush(f);
	if (cut)
		assert_int_equal(ftruncate(fileno(f), cut), 0);
	fclose(f);
	path = malloc(strlen(tmpl) + 6);
	sprintf(path, "%s.tlbb", tmpl);
	rename(tmpl, path);
	return path;
}

void trace_assert_event(const struct tlbsim_trace_event *out,
			const struct tlbsim_trace_event *e, uint64_t line)
{
	assert_int_equal(out->kind, e->kind);
	assert_int_equal(out->t, e->t);
	assert_int_equal(out->cpu, e->cpu);
	assert_int_equal(out->mm, e->mm);
	assert_int_equal(out->with, e->with);
	assert_int_equal(out->addr, e->addr);
	assert_int_equal(out->len, e->len);
	assert_int_equal(out->dur, e->dur);
	assert_int_equal(out->start, e->start);
	assert_int_equal(out->end, e->end);
	assert_int_equal(out->stride, e->stride);
	assert_int_equal(out->hugetlb, e->hugetlb);
	assert_int_equal(out->freed_tables, e->freed_tables);
	assert_int_equal(out->unshared_tables, e->unshared_tables);
	assert_int_equal(out->exec, e->exec);
	assert_int_equal(out->idle, e->idle);
	assert_int_equal(out->asid, e->asid);
	assert_int_equal(out->unseen, e->unseen);
	assert_int_equal(out->shared, e->shared);
	assert_int_equal(out->write, e->write);
	assert_string_equal(out->what, e->what);
	assert_string_equal(out->func, e->func);
	assert_int_equal(out->reason, e->reason);
	assert_int_equal(out->pages, e->pages);
	assert_int_equal(out->target, e->target);
	assert_int_equal(out->line, line);
}

/* The every-kind file's 26 events into @in, with every flag of the binary
 * forms set on the kinds that take it: the round trips' input. */
size_t trace_every_kind_flagged(struct tlbsim_trace_event in[32])
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	size_t n = 0;

	assert_int_equal(tlbsim_trace_open(EVERY, &r, &d), 0);
	while (n < 32 && tlbsim_trace_next(r, &in[n], &d) == 1)
		n++;
	tlbsim_trace_close(r);
	assert_int_equal(n, 26);
	for (size_t k = 0; k < n; k++) {   /* whose flush, optional (byproc) */
		if (in[k].kind == TLBSIM_EV_OBSERVED)
			in[k].mm = 4242;
		if (in[k].kind == TLBSIM_EV_SWITCH && !in[k].mm)
			in[k].idle = true;   /* flag 32 */
		if (in[k].kind == TLBSIM_EV_RAN_BEFORE) {
			in[k].asid = true;   /* flag 64 */
			in[k].mm = 0;        /* init_mm, with asid */
		}
		if ((in[k].kind == TLBSIM_EV_SWITCH && in[k].mm) ||
		    in[k].kind == TLBSIM_EV_FLUSH)
			in[k].unseen = true;   /* flag 128 */
		if (in[k].kind == TLBSIM_EV_MAP)
			in[k].shared = true;   /* flags2 1 */
		if (in[k].kind == TLBSIM_EV_TOUCH)
			in[k].write = true;   /* flags2 2 */
	}
	return n;
}

void trace_assert_reads(char *path, const struct tlbsim_trace_event *in, size_t n)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_trace_event out;
	struct tlbsim_diag d;
	size_t i = 0;

	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	assert_string_equal(tlbsim_trace_format(r), "binary");
	assert_int_equal(tlbsim_trace_header(r)->cpus, 4);
	while (tlbsim_trace_next(r, &out, &d) == 1) {
		i++;
		trace_assert_event(&out, &in[i - 1], i + 1);   /* its JSONL line */
	}
	assert_int_equal(i, n);
	tlbsim_trace_close(r);
	unlink(path);
	free(path);
}

/* Every kind through the binary form comes back field for field. */
static void test_binary_roundtrip(void **state)
{
	struct tlbsim_trace_event in[32];
	size_t n;

	(void)state;
	n = trace_every_kind_flagged(in);
	trace_assert_reads(binary_file(in, n, 0), in, n);
}

/* A binary trace is held to the contract: each break names its record. */
static void binary_bad(const struct tlbsim_trace_event *evs, size_t n, long cut,
		       const char *want)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_trace_event e;
	struct tlbsim_diag d;
	char *path = binary_file(evs, n, cut), msg[512];
	int rc;

	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	while ((rc = tlbsim_trace_next(r, &e, &d)) == 1)
		;
	assert_int_equal(rc, TLBSIM_EPARSE);
	snprintf(msg, sizeof(msg), "%s: %s", path, want);
	assert_string_equal(d.msg, msg);
	tlbsim_trace_close(r);
	unlink(path);
	free(path);
}

static void test_binary_bad(void **state)
{
	struct tlbsim_trace_event e[2];

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].kind = e[1].kind = TLBSIM_EV_SWITCH;
	e[0].mm = e[1].mm = 1;
	e[0].t = 100;
	e[1].t = 50;
	binary_bad(e, 2, 0, "record 2: time 50 is before the previous event's 100");
	/* magic line (9), header line (40), 16 of the 20 bytes of record 1 */
	binary_bad(e, 1, 9 + 40 + 16, "record 1: truncated (the file ends inside it)");
	e[0].cpu = 9;
	binary_bad(e, 1, 0, "record 1: cpu 9 out of range (the trace has 4 CPUs: 0..3)");
	e[0].cpu = 0;
	e[0].kind = TLBSIM_EV_MAP;
	e[0].addr = 0x1234;
	e[0].len = 4096;
	binary_bad(e, 1, 0, "record 1: field \"addr\" must be 4 KiB aligned (got 0x1234)");
	e[0].kind = TLBSIM_EV_SWITCH;
	e[0].idle = true;   /* to the idle task, yet an mm of its own */
	binary_bad(e, 1, 0, "record 1: switch: \"idle\" is a switch to the idle task, "
		   "whose \"mm\" is null (it has none of its own)");
}

/* Events @e[0..n) and, after them, switches enough that a record's bytes
 * and the reader's margin past it are all in its buffer: the reader
 * decodes such records by its fast path (binary.c: record_fast()). */
static size_t with_room(struct tlbsim_trace_event *e, size_t n)
{
	for (size_t k = n; k < n + 6; k++) {
		memset(&e[k], 0, sizeof(e[k]));
		e[k].kind = TLBSIM_EV_SWITCH;
		e[k].mm = 1;
		e[k].t = 1000;
	}
	return n + 6;
}

/* Touches read through the fast path are the events the general one
 * makes (a missing length is a page), and every value the contract
 * refuses there gets the general path's message. */
static void test_binary_touch(void **state)
{
	struct tlbsim_trace_event e[16], out;
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	size_t n;
	char *path;

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].kind = TLBSIM_EV_TOUCH;
	e[0].cpu = 2;
	e[0].t = 10;
	e[0].mm = 7;
	e[0].addr = 0x7f0000001000;   /* no len: one page */
	e[1] = e[0];
	e[1].t = 11;
	e[1].len = 3 * 4096;
	e[1].write = true;
	n = with_room(e, 2);
	path = binary_file(e, n, 0);
	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	assert_int_equal(tlbsim_trace_next(r, &out, &d), 1);
	assert_int_equal(out.kind, TLBSIM_EV_TOUCH);
	assert_int_equal(out.cpu, 2);
	assert_int_equal(out.t, 10);
	assert_int_equal(out.mm, 7);
	assert_int_equal(out.addr, 0x7f0000001000);
	assert_int_equal(out.len, 4096);
	assert_false(out.write);
	assert_int_equal(out.line, 2);
	assert_int_equal(tlbsim_trace_next(r, &out, &d), 1);
	assert_int_equal(out.t, 11);
	assert_int_equal(out.len, 3 * 4096);
	assert_true(out.write);
	assert_int_equal(out.with, 0);
	assert_int_equal(out.stride, 0);
	assert_int_equal(out.line, 3);
	tlbsim_trace_close(r);
	unlink(path);
	free(path);

	e[1].cpu = 4;
	binary_bad(e, n, 0, "record 2: cpu 4 out of range (the trace has 4 CPUs: 0..3)");
	e[1].cpu = 2;
	e[1].t = 9;
	binary_bad(e, n, 0, "record 2: time 9 is before the previous event's 10");
	e[1].t = 11;
	e[1].mm = 0;
	binary_bad(e, n, 0, "record 2: field \"mm\" must be a positive integer");
	e[1].mm = 0x80000000u;
	binary_bad(e, n, 0, "record 2: field \"mm\" must be a positive integer");
	e[1].mm = 7;
	e[1].addr = 1ULL << 47;
	binary_bad(e, n, 0, "record 2: field \"addr\" is 0x800000000000: not a "
		   "user-space address (must be below 0x800000000000)");
	e[1].addr = 0x7f0000001000;
	e[1].len = (1ULL << 30) + 4096;
	binary_bad(e, n, 0, "record 2: touch: \"len\" is 1073745920 bytes, more than "
		   "1 GiB (faults a page at a time: split it)");
	e[1].addr = (1ULL << 47) - 4096;
	e[1].len = 2 * 4096;
	binary_bad(e, n, 0, "record 2: range [0x7ffffffff000, +0x2000) ends outside "
		   "user space");
}

/* The other kinds of the fast path: what it reads, and what it leaves to
 * the general path's messages. */
static void test_binary_fast_kinds(void **state)
{
	struct tlbsim_trace_event e[16], out;
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	size_t n;
	char *path;

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].kind = TLBSIM_EV_SWITCH;
	e[0].t = 5;
	e[0].idle = true;   /* mm null: the idle task */
	e[1].kind = TLBSIM_EV_MAP;
	e[1].t = 6;
	e[1].mm = 3;
	e[1].addr = 0x40000000;
	e[1].len = 4ULL << 20;
	e[1].hugetlb = true;
	e[2].kind = TLBSIM_EV_FLUSH;
	e[2].t = 7;
	e[2].mm = 3;
	e[2].start = 0x1000;
	e[2].end = TLBSIM_END_ALL;
	e[2].stride = 21;
	e[2].freed_tables = e[2].unseen = true;
	n = with_room(e, 3);
	path = binary_file(e, n, 0);
	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	assert_int_equal(tlbsim_trace_next(r, &out, &d), 1);
	assert_int_equal(out.kind, TLBSIM_EV_SWITCH);
	assert_int_equal(out.mm, 0);
	assert_true(out.idle);
	assert_false(out.unseen);
	assert_int_equal(tlbsim_trace_next(r, &out, &d), 1);
	assert_int_equal(out.kind, TLBSIM_EV_MAP);
	assert_int_equal(out.addr, 0x40000000);
	assert_int_equal(out.len, 4ULL << 20);
	assert_true(out.hugetlb);
	assert_false(out.shared);
	assert_int_equal(tlbsim_trace_next(r, &out, &d), 1);
	assert_int_equal(out.kind, TLBSIM_EV_FLUSH);
	assert_int_equal(out.mm, 3);
	assert_int_equal(out.start, 0x1000);
	assert_true(out.end == TLBSIM_END_ALL);
	assert_int_equal(out.addr, 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(out.stride, 21);
	assert_true(out.freed_tables);
	assert_false(out.unshared_tables);
	assert_true(out.unseen);
	assert_int_equal(out.line, 4);
	tlbsim_trace_close(r);
	unlink(path);
	free(path);

	e[0].mm = 1;
	binary_bad(e, n, 0, "record 1: switch: \"idle\" is a switch to the idle task, "
		   "whose \"mm\" is null (it has none of its own)");
	e[0].idle = false;
	e[1].addr = 0x40001000;
	binary_bad(e, n, 0, "record 2: field \"addr\" must be 2 MiB aligned (got 0x40001000)");
	e[1].kind = TLBSIM_EV_UNMAP;
	e[1].hugetlb = false;
	e[1].len = 0;
	binary_bad(e, n, 0, "record 2: field \"len\" must be a positive integer (bytes)");
	e[1].len = 4096;
	e[2].end = 0x1000;
	binary_bad(e, n, 0, "record 3: flush: \"start\" must be below \"end\"");
	e[2].end = 0x2000;
	e[2].stride = 13;
	binary_bad(e, n, 0, "record 3: field \"stride\" must be 12, 21 or 30");
}

/* Two events of @lines (after a 2-CPU header) read into @e, then written
 * back: what is written must be @lines again. */
static void read_write_two(const char *lines, struct tlbsim_trace_event e[2])
{
	char text[512], *path, *out = NULL;
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	snprintf(text, sizeof(text), "{\"tlbsim\": 1, \"cpus\": 2}\n%s\n", lines);
	path = tu_tmpfile(text, ".jsonl");
	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	assert_int_equal(tlbsim_trace_next(r, &e[0], &d), 1);
	assert_int_equal(tlbsim_trace_next(r, &e[1], &d), 1);
	assert_int_equal(tlbsim_trace_write_event(f, &e[0]), 0);
	fputc('\n', f);
	assert_int_equal(tlbsim_trace_write_event(f, &e[1]), 0);
	fclose(f);
	assert_string_equal(out, lines);
	tlbsim_trace_close(r);
	unlink(path);
	free(path);
	free(out);
}

/* A switch to the idle task ("idle": true, flag 32 in the binary form) is
 * read, and written back as it was; a switch to a kernel thread has none. */
static void test_idle_switch(void **state)
{
	struct tlbsim_trace_event e[2];

	(void)state;
	read_write_two("{\"t\": 0, \"cpu\": 1, \"ev\": \"switch\", \"mm\": null, "
		       "\"idle\": true}\n{\"t\": 1, \"cpu\": 1, \"ev\": \"switch\", "
		       "\"mm\": null}", e);
	assert_true(e[0].idle);
	assert_false(e[1].idle);
}

/* A ran_before whose ASID slot still holds the mm ("asid": true, flag 64
 * in the binary form) is read, and written back as it was. */
static void test_ran_before_asid(void **state)
{
	struct tlbsim_trace_event e[2];

	(void)state;
	read_write_two("{\"t\": 0, \"cpu\": 1, \"ev\": \"ran_before\", \"mm\": 3, "
		       "\"asid\": true}\n{\"t\": 1, \"cpu\": 1, \"ev\": \"ran_before\", "
		       "\"mm\": 4}", e);
	assert_true(e[0].asid);
	assert_false(e[1].asid);
	/* init_mm ("mm": null) in a slot: with asid only (tests/bad) */
	read_write_two("{\"t\": 0, \"cpu\": 1, \"ev\": \"ran_before\", \"mm\": null, "
		       "\"asid\": true}\n{\"t\": 1, \"cpu\": 0, \"ev\": \"ran_before\", "
		       "\"mm\": 4}", e);
	assert_int_equal(e[0].mm, 0);
	assert_true(e[0].asid);
}

/* A capture's header says its CPUs ran before the trace ("asid_history":
 * true): read, and written back as it was; absent, false. */
static void test_asid_history_header(void **state)
{
	char *path = tu_tmpfile("{\"tlbsim\": 1, \"cpus\": 2, \"asid_history\": true}\n", ".jsonl");
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	assert_true(tlbsim_trace_header(r)->asid_history);
	assert_int_equal(tlbsim_trace_write_header(f, tlbsim_trace_header(r)), 0);
	fclose(f);
	assert_string_equal(out, "{\"tlbsim\": 1, \"cpus\": 2, \"clock\": \"ns\", "
			    "\"asid_history\": true}");
	tlbsim_trace_close(r);
	unlink(path);
	free(path);
	free(out);
}

/* A switch the capture holds no record of ("unseen": true, flag 128 in
 * the binary form) is read, and written back as it was. */
static void test_unseen_switch(void **state)
{
	struct tlbsim_trace_event e[2];

	(void)state;
	read_write_two("{\"t\": 0, \"cpu\": 1, \"ev\": \"switch\", \"mm\": 3, "
		       "\"unseen\": true}\n{\"t\": 1, \"cpu\": 1, \"ev\": \"switch\", "
		       "\"mm\": 4}", e);
	assert_true(e[0].unseen);
	assert_false(e[1].unseen);
}

/* A flush whose records the capture lost (an unseen task's: "unseen":
 * true, flag 128 too) is read, and written back as it was. */
static void test_unseen_flush(void **state)
{
	struct tlbsim_trace_event e[2];

	(void)state;
	read_write_two("{\"t\": 0, \"cpu\": 1, \"ev\": \"flush\", \"mm\": 3, \"start\": "
		       "\"0x0\", \"end\": \"all\", \"stride\": 12, \"freed_tables\": true, "
		       "\"unshared_tables\": false, \"unseen\": true}\n{\"t\": 1, \"cpu\": 1, "
		       "\"ev\": \"flush\", \"mm\": 3, \"start\": \"0x1000\", \"end\": "
		       "\"0x2000\", \"stride\": 12, \"freed_tables\": false, "
		       "\"unshared_tables\": false}", e);
	assert_true(e[0].unseen);
	assert_false(e[1].unseen);
}

/* A MAP_SHARED mapping ("shared": true) and a write to it ("write": true;
 * flags2 1 and 2 in the binary form) are read, and written back as they
 * were; neither is taken where the kind has no such field. */
static void test_shared_write(void **state)
{
	static const char *const bad[] = {
		"{\"tlbsim\": 1, \"cpus\": 2}\n{\"t\": 0, \"cpu\": 0, \"ev\": \"touch\", "
		"\"mm\": 3, \"addr\": \"0x1000\", \"shared\": true}\n",
		"{\"tlbsim\": 1, \"cpus\": 2}\n{\"t\": 0, \"cpu\": 0, \"ev\": \"map\", "
		"\"mm\": 3, \"addr\": \"0x1000\", \"len\": 4096, \"write\": true}\n",
	};
	static const char *const why[] = {
		":2: unexpected field \"shared\" for \"touch\"",
		":2: unexpected field \"write\" for \"map\"",
	};
	struct tlbsim_trace_event e[2];

	(void)state;
	read_write_two("{\"t\": 0, \"cpu\": 1, \"ev\": \"map\", \"mm\": 3, "
		       "\"addr\": \"0x40000000\", \"len\": 8192, \"shared\": true}\n"
		       "{\"t\": 1, \"cpu\": 1, \"ev\": \"touch\", \"mm\": 3, "
		       "\"addr\": \"0x40000000\", \"len\": 4096, \"write\": true}", e);
	assert_true(e[0].shared);
	assert_true(e[1].write);
	for (size_t i = 0; i < 2; i++) {
		char *path = tu_tmpfile(bad[i], ".jsonl");
		struct tlbsim_trace_reader *r;
		struct tlbsim_trace_event ev;
		struct tlbsim_diag d;

		assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
		assert_int_equal(tlbsim_trace_next(r, &ev, &d), TLBSIM_EPARSE);
		assert_non_null(strstr(d.msg, why[i]));
		tlbsim_trace_close(r);
		unlink(path);
		free(path);
	}
}

int trace_write_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_strings),
		cmocka_unit_test(test_asid_history_header),
		cmocka_unit_test(test_binary_roundtrip),
		cmocka_unit_test(test_binary_bad),
		cmocka_unit_test(test_binary_touch),
		cmocka_unit_test(test_binary_fast_kinds),
		cmocka_unit_test(test_idle_switch),
		cmocka_unit_test(test_ran_before_asid),
		cmocka_unit_test(test_unseen_switch),
		cmocka_unit_test(test_unseen_flush),
		cmocka_unit_test(test_shared_write),
	};
	return cmocka_run_group_tests_name("trace_write_tests", tests, NULL, NULL);
}
