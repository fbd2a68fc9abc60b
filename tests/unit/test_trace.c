/* test_trace.c - the native reader: every kind's fields, streams, xz,
 * SHA-256, and the writer's round trip. Bad inputs: tests/scenario/test_bad.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "trace/input.h"
#include "trace/perf.h"
#include "trace/recon.h"
#include "trace/sha256.h"
#include "trace/window.h"
#include "tlbsim/trace.h"

#define EVERY "tests/data/every_kind.jsonl"

static struct tlbsim_trace_event next(struct tlbsim_trace_reader *r)
{
	struct tlbsim_trace_event ev;
	struct tlbsim_diag d;

	assert_int_equal(tlbsim_trace_next(r, &ev, &d), 1);
	return ev;
}

static void check_every_kind(struct tlbsim_trace_reader *r)
{
	const struct tlbsim_trace_header *h = tlbsim_trace_header(r);
	struct tlbsim_trace_event e;
	struct tlbsim_diag d;

	assert_int_equal(h->cpus, 4);
	assert_true(h->ghz == 3.0);
	assert_string_equal(h->backend, "kvm");
	assert_string_equal(h->topology, "pack:1 core:2 pu:2");
	assert_string_equal(h->comment, "every event kind once");
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_SWITCH);
	assert_int_equal(e.mm, 1);
	assert_int_equal(e.line, 2);
	e = next(r);
	assert_int_equal(e.mm, 0); /* null: a kernel thread */
	assert_int_equal(e.cpu, 1);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_MAP);
	assert_true(e.addr == 0x200000 && e.len == 0x200000 && !e.hugetlb);
	e = next(r);
	assert_true(e.addr == 0x40000000 && e.hugetlb);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_TOUCH);
	assert_true(e.addr == 0x200123 && e.len == 4096); /* default length */
	e = next(r);
	assert_true(e.len == 8192);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_UNMAP);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_ZAP);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_PROTECT);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_COLLAPSE);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_SHARE);
	assert_true(e.mm == 1 && e.with == 2 && e.addr == 0x40000000);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_UNSHARE);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_GUP_FAST);
	assert_true(e.dur == 500 && e.addr == 0x7000 && e.mm == 3);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_IRQ_OFF);
	assert_true(e.dur == 100);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_PREEMPT);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_GLOBAL_ASID);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_SPECULATE);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_EXIT);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_FLUSH);
	assert_true(e.start == 0x1000 && e.end == TLBSIM_END_ALL && e.stride == 21);
	assert_true(e.freed_tables && !e.unshared_tables);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_SYNC);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_OBSERVED);
	assert_string_equal(e.what, "csd_queue_cpu");
	assert_string_equal(e.func, "flush_tlb_func");
	assert_int_equal(e.target, 0);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_RAN_BEFORE);
	assert_true(e.cpu == 1 && e.mm == 2);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_LAZY_BEFORE);
	assert_true(e.cpu == 1 && e.mm == 2 && e.t == 36);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_REMAP);
	assert_true(e.mm == 2 && e.addr == 0x1000 && e.len == 8192 && e.start == 0x200000);
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_EXIT);
	assert_true(e.mm == 3 && e.exec);
	assert_int_equal(tlbsim_trace_next(r, &e, &d), 0);
	assert_int_equal(tlbsim_trace_events(r), 25);
}

static void test_every_kind(void **state)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	char sha[65];

	(void)state;
	assert_int_equal(tlbsim_trace_open(EVERY, &r, &d), 0);
	check_every_kind(r);
	assert_string_equal(tlbsim_trace_format(r), "native");
	tlbsim_trace_sha256(r, sha);
	/* sha256sum tests/data/every_kind.jsonl */
	assert_string_equal(sha, "3c5541715f377e36e92fd85cee5a694774354750e36320c94aaa9187f861846c");
	tlbsim_trace_close(r);
}

static void test_xz(void **state)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	char sha[65];

	(void)state;
	assert_int_equal(tlbsim_trace_open(EVERY ".xz", &r, &d), 0);
	check_every_kind(r);
	tlbsim_trace_sha256(r, sha);
	/* the hash is of the file as stored (compressed) */
	assert_string_equal(sha, "3840ffa3b698409ee3bd1f71f9e497eb442d84c634ea2d3fb5c547e82d1d08eb");
	tlbsim_trace_close(r);
}

/* A file of two xz streams (xz -d reads both) is read to its end, not to
 * the end of the first stream. */
static void test_xz_two_streams(void **state)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;

	(void)state;
	assert_int_equal(tlbsim_trace_open("tests/data/every_kind_2streams.jsonl.xz",
					   &r, &d), 0);
	check_every_kind(r);
	tlbsim_trace_close(r);
}

static void test_stream(void **state)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	FILE *f = fopen(EVERY, "rb");

	(void)state;
	assert_non_null(f);
	assert_int_equal(tlbsim_trace_open_stream(f, "stdin-like", &r, &d), 0);
	assert_string_equal(tlbsim_trace_name(r), "stdin-like");
	check_every_kind(r);
	tlbsim_trace_close(r);
	fclose(f);
}

/* Line @i of test_input_lines' file: a length that walks across every
 * chunk size input.c may use (64 KiB to 1 MiB), some lines ending in
 * "\r\n", a few empty. */
static size_t line_len(unsigned i)
{
	return i % 97 == 0 ? 0 : (size_t)(i * 7919u % 6007u);
}

static char line_byte(unsigned i, size_t k)
{
	return (char)('a' + (i + k) % 26);
}

/* Lines come out whole, their "\r" stripped, numbered, whether they lie
 * within a chunk (handed out in place) or across two (assembled), and a
 * last line without its newline still counts. */
static void test_input_lines(void **state)
{
	char path[] = "/tmp/tlbsim-input-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	unsigned n = 900, i;
	struct input in;
	struct tlbsim_diag d;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < n; i++) {
		for (size_t k = 0; k < line_len(i); k++)
			fputc(line_byte(i, k), f);
		if (i + 1 < n)
			fputs(i % 3 == 0 ? "\r\n" : "\n", f);
	}
	assert_true(ftell(f) > 2 * 1048576);
	rewind(f);
	assert_int_equal(input_open(&in, f, path), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(input_line(&in, &d), 1);
		assert_int_equal(in.lineno, i + 1);
		assert_int_equal(in.linelen, line_len(i));
		assert_int_equal(strlen(in.line), line_len(i));
		for (size_t k = 0; k < line_len(i); k++)
			if (in.line[k] != line_byte(i, k))
				fail_msg("line %u byte %zu", i + 1, k);
	}
	assert_int_equal(input_line(&in, &d), 0);
	assert_true(in.no_final_newline);
	/* the hasher thread, stopped wherever it is, and the rest hashed
	 * here: the digest of every byte, as one pass computes it */
	{
		struct sha256 h;
		char want[65], got[65], *all;
		long size;

		fseek(f, 0, SEEK_END);
		size = ftell(f);
		all = malloc((size_t)size);
		assert_non_null(all);
		assert_int_equal(pread(fileno(f), all, (size_t)size, 0), size);
		assert_int_equal(sha256_init(&h), 0);
		sha256_update(&h, all, (size_t)size);
		sha256_hex(&h, want);
		sha256_free(&h);
		free(all);
		input_sha256(&in, got);
		assert_string_equal(got, want);
		assert_int_equal(in.bytes, (uint64_t)size);
	}
	input_close(&in);
	fclose(f);
	unlink(path);
}

/* The result of reading a trace whose line 2 is an event padded by its
 * comment to @len bytes, ended by @eol; @msg gets the message. */
static int read_long_line(size_t len, const char *eol, char *msg, size_t cap)
{
	static const char head[] = "{\"t\": 0, \"cpu\": 0, \"ev\": \"sync\", \"comment\": \"";
	struct tlbsim_trace_reader *r;
	struct tlbsim_trace_event e;
	struct tlbsim_diag d;
	char *text = malloc(len + 64), *path;
	size_t at;
	int rc;

	assert_non_null(text);
	at = (size_t)sprintf(text, "{\"tlbsim\": 1, \"cpus\": 1}\n%s", head);
	memset(text + at, 'x', len - (sizeof(head) - 1) - 2);
	at += len - (sizeof(head) - 1) - 2;
	sprintf(text + at, "\"}%s", eol);
	path = tu_tmpfile(text, ".jsonl");
	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	while ((rc = tlbsim_trace_next(r, &e, &d)) == 1)
		;
	snprintf(msg, cap, "%s", rc ? d.msg + strlen(path) : "");
	tlbsim_trace_close(r);
	unlink(path);
	free(path);
	free(text);
	return rc;
}

/* traces/FORMAT.md: a line over 1 MiB is an error; one of exactly 1 MiB
 * is not, its "\r\n" or a missing newline notwithstanding. */
static void test_line_limit(void **state)
{
	char msg[512];

	(void)state;
	assert_int_equal(read_long_line(1 << 20, "\n", msg, sizeof(msg)), 0);
	assert_int_equal(read_long_line(1 << 20, "\r\n", msg, sizeof(msg)), 0);
	assert_int_equal(read_long_line(1 << 20, "", msg, sizeof(msg)), 0);
	assert_int_equal(read_long_line((1 << 20) + 1, "\n", msg, sizeof(msg)),
			 TLBSIM_EPARSE);
	assert_string_equal(msg, ":2: line longer than 1048576 bytes (expected at "
			    "most 1 MiB per line)");
	assert_int_equal(read_long_line((1 << 20) + 1, "", msg, sizeof(msg)),
			 TLBSIM_EPARSE);
	assert_int_equal(read_long_line((1 << 20) + 2, "\r\n", msg, sizeof(msg)),
			 TLBSIM_EPARSE);
}

/* FIPS 180-2 test vectors. */
static void test_sha256_vectors(void **state)
{
	struct sha256 h;
	char hex[65];
	const char *abc = "abc",
		*two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	assert_int_equal(sha256_init(&h), 0);
	sha256_hex(&h, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_update(&h, abc, 3);
	sha256_hex(&h, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_free(&h);
	assert_int_equal(sha256_init(&h), 0);
	sha256_update(&h, two, strlen(two));
	sha256_hex(&h, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	sha256_free(&h);
}

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
	assert_int_equal(tlbsim_trace_events(r2), 25);
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

/* Every kind through the binary form comes back field for field. */
static void test_binary_roundtrip(void **state)
{
	struct tlbsim_trace_event in[32], out;
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	size_t n = 0, i = 0;
	char *path;

	(void)state;
	assert_int_equal(tlbsim_trace_open(EVERY, &r, &d), 0);
	while (n < 32 && tlbsim_trace_next(r, &in[n], &d) == 1)
		n++;
	tlbsim_trace_close(r);
	assert_int_equal(n, 25);
	for (size_t k = 0; k < n; k++)   /* whose flush, optional (byproc) */
		if (in[k].kind == TLBSIM_EV_OBSERVED)
			in[k].mm = 4242;
	path = binary_file(in, n, 0);
	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	assert_string_equal(tlbsim_trace_format(r), "binary");
	assert_int_equal(tlbsim_trace_header(r)->cpus, 4);
	while (tlbsim_trace_next(r, &out, &d) == 1) {
		const struct tlbsim_trace_event *e = &in[i++];

		assert_int_equal(out.kind, e->kind);
		assert_int_equal(out.t, e->t);
		assert_int_equal(out.cpu, e->cpu);
		assert_int_equal(out.mm, e->mm);
		assert_int_equal(out.with, e->with);
		assert_int_equal(out.addr, e->addr);
		assert_int_equal(out.len, e->len);
		assert_int_equal(out.dur, e->dur);
		assert_int_equal(out.start, e->start);
		assert_int_equal(out.end, e->end);
		assert_int_equal(out.stride, e->stride);
		assert_int_equal(out.hugetlb, e->hugetlb);
		assert_int_equal(out.freed_tables, e->freed_tables);
		assert_int_equal(out.unshared_tables, e->unshared_tables);
		assert_string_equal(out.what, e->what);
		assert_string_equal(out.func, e->func);
		assert_int_equal(out.reason, e->reason);
		assert_int_equal(out.pages, e->pages);
		assert_int_equal(out.target, e->target);
		assert_int_equal(out.line, i + 1);   /* its JSONL line */
	}
	assert_int_equal(i, n);
	tlbsim_trace_close(r);
	unlink(path);
	free(path);
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
}

/* The line's numbers at every length the 8-byte reads meet: PIDs and TIDs
 * of 1 to 10 digits, a CPU at the line's 8 bytes before its end, times of
 * 6 and 9 fraction digits, and a 19-digit second count read by strtoul. */
static void test_perf_numbers(void **state)
{
	static const struct {
		const char *line;
		int32_t pid, tid;
		uint32_t cpu;
		uint64_t t_ns;
	} ok[] = {
		{ "a 1/2 [0] 3.000004: x:y: z", 1, 2, 0, 3000004000ULL },
		{ "cc1  12345678/123456789 [001] 4081.615273: tlb:tlb_flush: pages=1",
		  12345678, 123456789, 1, 4081615273000ULL },
		{ "w 1234567890/7 [4095] 10685.568866297: a:b: ", 1234567890, 7, 4095,
		  10685568866297ULL },
		{ "w 99999999/9 [12] 87654321.123456789: a:b:", 99999999, 9, 12,
		  87654321123456789ULL },
		{ "w 5/5 [3] 1844674407.000000001: a:b:", 5, 5, 3, 1844674407000000001ULL },
		/* perf's -1: a thread that had exited ("4174/-1", ":-1 -1/-1") */
		{ ":-1  4174/-1    [001] 4081.637753: a:b:", 4174, -1, 1, 4081637753000ULL },
		{ ":-1    -1/-1    [000] 1.5: a:b:", -1, -1, 0, 1500000000ULL },
		{ "w 2147483647/0 [0] 9223372036.854775807: a:b:", INT32_MAX, 0, 0,
		  (uint64_t)INT64_MAX },
	};
	static const char *const bad[] = {
		"w 5/5 [3] 1234567890123456789.5: a:b:",
		"w 5/5 [3] 12.1234567891: a:b:",
		/* beyond 2^63-1 ns: times are signed downstream */
		"w 5/5 [3] 9223372036.854775808: a:b:",
		"w 5/5 [3] 18446744072.999999: a:b:",
		/* PID/TID: what perf prints, nothing else */
		"w 4174/abc [0] 1.0: a:b:", "w 4174/ [0] 1.0: a:b:",
		"w 99999999999/99999999999 [0] 1.0: a:b:", "w 2147483648/1 [0] 1.0: a:b:",
		"w -5/-5 [0] 1.0: a:b:", "w 5/-2 [0] 1.0: a:b:", "w +5/5 [0] 1.0: a:b:",
		"w /5 [0] 1.0: a:b:", "w 5//5 [0] 1.0: a:b:", "w 5/5x [0] 1.0: a:b:",
		"w 5 [0] 1.0: a:b:",   /* a bare TID: perf's default fields */
		"", " [0] 1.0: a:b:",
	};
	struct perf_rec r;
	struct tlbsim_diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(perf_parse_line(ok[i].line, strlen(ok[i].line), 1, "t",
						 &r, &d), 0);
		assert_int_equal(r.pid, ok[i].pid);
		assert_int_equal(r.tid, ok[i].tid);
		assert_int_equal(r.cpu, ok[i].cpu);
		assert_int_equal(r.t_ns, ok[i].t_ns);
	}
	/* seconds of 19 digits (beyond what fits in nanoseconds), 10
	 * fraction digits */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (perf_parse_line(bad[i], strlen(bad[i]), 1, "t", &r, &d) != TLBSIM_EPARSE)
			fail_msg("'%s' parsed", bad[i]);
}

/* A fault record's addresses in one pass: every length from 1 to 16
 * digits in both cases (against strtoull), and the bytes beside the
 * digits' ranges ('/', ':', '@', 'G', '`', 'g') ending a number. */
static void test_perf_fault_hex(void **state)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	static const struct {
		const char *text;
		uint64_t address, error_code;
	} cases[] = {
		{ "address=0x7faf0010e408 ip=0x55c4c719643d error_code=0x7",
		  0x7faf0010e408ULL, 7 },
		{ "address=0xffffffffffffffff ip=0xabcdefABCDEF0123 error_code=0x14",
		  UINT64_MAX, 0x14 },
		{ "address=0x12345678 ip=0x9 error_code=0x4", 0x12345678, 4 },
		{ "address=0x0 ip=0x0 error_code=0x0", 0, 0 },
		{ "address=0x123456789 ip=0x1 error_code=0x2", 0x123456789ULL, 2 },
	};
	/* a byte just beside the digits' ranges, or a 17th digit: not the
	 * kernel's shape (the reconstruction then reads the fields one by
	 * one, and refuses these: perf_field_num()) */
	static const char *const other[] = {
		"address=0x12g4 ip=0x1 error_code=0x4", "address=0xab:cd ip=0x1 error_code=0x2",
		"address=0xf/ ip=0x1 error_code=0x2", "address=0x9@ ip=0x1 error_code=0x2",
		"address=0xAG ip=0x1 error_code=0x2", "address=0xa` ip=0x1 error_code=0x2",
		"address=0xQQ ip=0x1 error_code=0x6", "address=0x ip=0x1 error_code=0x6",
		"address=0x11111111111111111 ip=0x1 error_code=0x6",
		"address=0x1 ip=0x1 error_code=0x6z", "address=0x1 error_code=0x6",
	};
	char text[128], a[20], ip[20];
	uint64_t addr, ec, seed = 1;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(perf_fault_fields(cases[i].text, &addr, &ec));
		assert_int_equal(addr, cases[i].address);
		assert_int_equal(ec, cases[i].error_code);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		assert_false(perf_fault_fields(other[i], &addr, &ec));
		assert_int_equal(perf_field_num(other[i], "address", &addr),
				 i < sizeof(other) / sizeof(other[0]) - 2 ? -1 : 1);
	}
	for (unsigned n = 1; n <= 16; n++)
		for (int k = 0; k < 50; k++) {
			for (unsigned j = 0; j < n; j++) {
				seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
				a[j] = hex[(seed >> 33) % 22];
				ip[j] = hex[(seed >> 45) % 22];
			}
			a[n] = ip[n] = '\0';
			snprintf(text, sizeof(text), "address=0x%s ip=0x%s error_code=0x%x",
				 a, ip, (unsigned)(seed >> 60));
			assert_true(perf_fault_fields(text, &addr, &ec));
			assert_int_equal(addr, strtoull(a, NULL, 16));
			assert_int_equal(ec, seed >> 60);
		}
}

/* The parse's copies at every length a copy move changes at (and the
 * text's truncation to 399 bytes), and a fault's fields read from the
 * line: only for exceptions:page_fault_user in the kernel's shape. */
static void test_perf_parse_copies(void **state)
{
	static const char *const head = "  my comm  12/13 [001] 5.000001: ";
	struct {
		const char *event, *text;
		bool fault;
	} faults[] = {
		{ "exceptions:page_fault_user", "address=0x7f00 ip=0x1 error_code=0x6", true },
		{ "exceptions:page_fault_user", "address=0x7f00 ip=0x1 error_code=0x6z", false },
		{ "exceptions:page_fault_use", "address=0x7f00 ip=0x1 error_code=0x6", false },
		{ "exceptions:page_fault_users", "address=0x7f00 ip=0x1 error_code=0x6", false },
	};
	char line[600], want[400];
	struct perf_rec r;
	struct tlbsim_diag d;

	(void)state;
	for (size_t n = 0; n <= 420; n++) {
		int k = snprintf(line, sizeof(line), "%sa:b: ", head);

		for (size_t i = 0; i < n; i++)
			line[k + i] = (char)('!' + i % 90);
		line[k + n] = '\0';
		assert_int_equal(perf_parse_line(line, strlen(line), 1, "t", &r, &d), 0);
		snprintf(want, sizeof(want), "%s", line + k);
		assert_int_equal(r.text_len, strlen(want));
		assert_memory_equal(r.text, want, r.text_len);
		assert_string_equal(r.comm, "my comm");
		assert_string_equal(r.event, "a:b");
		assert_false(r.fault);
	}
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		snprintf(line, sizeof(line), "%s%s: %s", head, faults[i].event, faults[i].text);
		assert_int_equal(perf_parse_line(line, strlen(line), 1, "t", &r, &d), 0);
		assert_int_equal(r.fault, faults[i].fault);
		assert_string_equal(r.text, faults[i].text);
		assert_int_equal(r.text_len, strlen(faults[i].text));
		if (faults[i].fault) {
			assert_int_equal(r.fault_addr, 0x7f00);
			assert_int_equal(r.fault_err, 6);
		}
	}
}

/* perf_field_num: keys match at a field start only; values are numbers as
 * the tracepoints print them ("0x" and 1 to 16 hex digits, or decimal
 * within 64 bits), or the field is malformed (-1): strtoull() read "0xZZ"
 * as 0, "-4096" as 2^64-4096 and too many digits as 2^64-1. */
static void test_perf_fields(void **state)
{
	static const char *const malformed[] = {
		"n=-1", "n=-4096", "n=banana", "n=0xZZZZ", "n=0x", "n=12)", "n=0x12g4",
		"n=0x1ffffffffffffffff", "n=18446744073709551616",
		"n=99999999999999999999999", "n=+5", "n= ", "n=1.5",
	};
	uint64_t v;
	int64_t sv;

	(void)state;
	assert_int_equal(perf_field_num("address=0x7faf0010e408 ip=0x55c4c719643d "
					"error_code=0x7", "address", &v), 1);
	assert_int_equal(v, 0x7faf0010e408ULL);
	assert_int_equal(perf_field_num("address=0x7faf0010e408 ip=0x55c4c719643d "
					"error_code=0x7", "ip", &v), 1);
	assert_int_equal(v, 0x55c4c719643dULL);
	assert_int_equal(perf_field_num("prev_len=5 len=4096", "len", &v), 1);
	assert_int_equal(v, 4096);
	assert_int_equal(perf_field_num("xlen: 3, len: 0x10", "len", &v), 1);
	assert_int_equal(v, 16);
	assert_int_equal(perf_field_num("fd=010", "fd", &v), 1);   /* decimal, not octal */
	assert_int_equal(v, 10);
	assert_int_equal(perf_field_num("fd=0xffffffff", "fd", &v), 1);
	assert_int_equal(v, 0xffffffffULL);
	assert_int_equal(perf_field_num("n=18446744073709551615", "n", &v), 1);
	assert_int_equal(v, UINT64_MAX);                           /* 20 digits */
	assert_int_equal(perf_field_num("n=0xffffffffffffffff,", "n", &v), 1);
	assert_int_equal(v, UINT64_MAX);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		if (perf_field_num(malformed[i], "n", &v) != -1)
			fail_msg("%s read as a number", malformed[i]);
	}
	assert_int_equal(perf_field_num("plen=4", "len", &v), 0);  /* absent */
	assert_int_equal(perf_field_snum("pages:-1 reason:x (0)", "pages", &sv), 1);
	assert_int_equal(sv, -1);
	assert_int_equal(perf_field_snum("pages:512", "pages", &sv), 1);
	assert_int_equal(sv, 512);
	assert_int_equal(perf_field_snum("n=-9223372036854775808", "n", &sv), 1);
	assert_true(sv == INT64_MIN);
	assert_int_equal(perf_field_snum("n=9223372036854775808", "n", &sv), -1);
	assert_int_equal(perf_field_snum("n=-", "n", &sv), -1);
	assert_int_equal(perf_field_snum("pages:abc", "pages", &sv), -1);
	assert_true(perf_ret("0x7f0000000000", &v) && v == 0x7f0000000000ULL);
	assert_false(perf_ret("12", &v));
	assert_false(perf_ret("0xQQ", &v));
}

/* The reconstruction's VMA mirror: an unmap trims, splits and drops, and
 * forgets the 2 MiB chunks it covers. */
static void test_mirror_remove(void **state)
{
	struct proc pr;

	(void)state;
	memset(&pr, 0, sizeof(pr));
	mirror_add(&pr, 0x1000, 0x5000, false);
	mirror_add(&pr, 0xa000, 0xc000, false);
	mirror_add(&pr, 0x6000, 0x9000, true);
	assert_int_equal(pr.nv, 3);
	mirror_remove(&pr, 0x2000, 0x7000);   /* trims the first two */
	assert_int_equal(pr.nv, 3);
	assert_true(pr.v[0].start == 0x1000 && pr.v[0].end == 0x2000);
	assert_true(pr.v[1].start == 0x7000 && pr.v[1].end == 0x9000 && pr.v[1].huge);
	assert_true(pr.v[2].start == 0xa000 && pr.v[2].end == 0xc000);
	mirror_remove(&pr, 0xa800, 0xb000);   /* a hole: two pieces */
	assert_int_equal(pr.nv, 4);
	assert_true(pr.v[2].start == 0xa000 && pr.v[2].end == 0xa800);
	assert_true(pr.v[3].start == 0xb000 && pr.v[3].end == 0xc000);
	mirror_remove(&pr, 0x5000, 0x6000);   /* nothing there */
	assert_int_equal(pr.nv, 4);
	mirror_remove(&pr, 0, 0xb800);        /* all but the last's tail */
	assert_int_equal(pr.nv, 1);
	assert_true(pr.v[0].start == 0xb800 && pr.v[0].end == 0xc000);
	assert_non_null(vma_at(&pr, 0xb800));
	assert_null(vma_at(&pr, 0xb7ff));

	chunk_touch(&pr, 0x0);                /* chunk 0 is a chunk too */
	chunk_touch(&pr, 0x200123);
	chunk_touch(&pr, 0x400000);
	assert_true(chunk_touched(&pr, 0) && chunk_touched(&pr, 0x200000) &&
		    chunk_touched(&pr, 0x400000));
	mirror_remove(&pr, 0x400000, 0x401000);
	assert_false(chunk_touched(&pr, 0x400000));
	assert_true(chunk_touched(&pr, 0x200000));
	chunks_forget(&pr, 0x200000, 1ULL << 46); /* the pass over the set */
	assert_false(chunk_touched(&pr, 0x200000));
	assert_true(chunk_touched(&pr, 0));
	chunks_forget(&pr, 0x1fffff, 0x200000);   /* its last byte */
	assert_false(chunk_touched(&pr, 0));
	proc_release(&pr);
}

/* Page sets hold pages by 1 MiB region, a bitmap each: pages at a
 * region's first and last slot and across its edge are told apart, a take
 * removes one page of its region only, and 300 regions (the table grows
 * from 16 slots) all stay found. */
static void test_pageset(void **state)
{
	struct pageset ps = { 0 };
	(void)state;

	pageset_add(&ps, 0x0);          /* page 0 of region 0 */
	pageset_add(&ps, 0xff000);      /* page 255 of region 0 */
	pageset_add(&ps, 0x100000);     /* page 0 of region 1 */
	assert_int_equal(ps.n, 2);
	assert_true(pageset_has(&ps, 0x0) && pageset_has(&ps, 0xff000) &&
		    pageset_has(&ps, 0x100000));
	assert_false(pageset_has(&ps, 0x1000));
	assert_false(pageset_has(&ps, 0xfe000));
	assert_false(pageset_has(&ps, 0x101000));
	assert_true(pageset_take(&ps, 0xff000));
	assert_false(pageset_take(&ps, 0xff000));   /* gone */
	assert_true(pageset_has(&ps, 0x0));
	assert_false(pageset_take(&ps, 0x7f0000000000)); /* no such region */
	for (uint64_t i = 0; i < 300; i++)
		pageset_add(&ps, 0x10000000 + i * 0x100000 + (i % 256) * 0x1000);
	assert_int_equal(ps.n, 302);
	assert_int_equal(ps.cap, 1024);   /* at most half full: 16 doubled 6 times */
	for (uint64_t i = 0; i < 300; i++) {
		uint64_t page = 0x10000000 + i * 0x100000 + (i % 256) * 0x1000;

		assert_true(pageset_has(&ps, page));
		assert_false(pageset_has(&ps, page ^ 0x1000));
	}
	assert_true(pageset_has(&ps, 0x0) && pageset_has(&ps, 0x100000));
	pageset_free(&ps);
	assert_false(pageset_has(&ps, 0x0));
}

/* The reorder window: records leave in (time, input order); a task's next
 * pending record is found without a pass over the window, also when its
 * records arrived out of time order. */
static void push(struct window *w, uint64_t t, uint64_t seq, int32_t tid)
{
	uint32_t slot = window_slot(w);
	struct perf_rec *r;

	assert_int_not_equal(slot, UINT32_MAX);
	r = window_rec(w, slot);
	memset(r, 0, sizeof(*r));
	r->t_ns = t;
	r->tid = tid;
	assert_int_equal(window_push(w, slot, seq), 0);
	assert_int_equal(r->seq, seq);
}

static void test_window(void **state)
{
	struct window *w = window_new();
	const struct perf_rec *r;
	static const uint64_t order[] = { 5, 10, 10, 20, 30, 40 };

	(void)state;
	assert_non_null(w);
	assert_null(window_top(w));
	assert_null(window_next_of(w, 7));
	push(w, 30, 0, 7);
	push(w, 10, 1, 8);
	push(w, 20, 2, 7);   /* task 7's records out of time order */
	push(w, 10, 3, 7);
	push(w, 40, 4, 8);
	push(w, 5, 5, 9);
	assert_int_equal(window_len(w), 6);
	assert_int_equal(window_next_of(w, 7)->t_ns, 10);
	assert_int_equal(window_next_of(w, 7)->seq, 3);
	assert_int_equal(window_next_of(w, 8)->t_ns, 10);
	/* task 7's records in time order: 10, 20, 30, then none */
	assert_int_equal(window_after(w, window_next_of(w, 7))->t_ns, 20);
	assert_int_equal(window_after(w, window_after(w, window_next_of(w, 7)))->t_ns, 30);
	assert_null(window_after(w, window_after(w, window_after(w, window_next_of(w, 7)))));
	for (unsigned i = 0; i < 6; i++) {
		r = window_pop(w);
		assert_non_null(r);
		assert_int_equal(r->t_ns, order[i]);
		if (i == 2)   /* the two at 10 in input order: task 8's, then 7's */
			assert_int_equal(r->tid, 7);
		if (i == 2) {
			assert_int_equal(window_next_of(w, 7)->t_ns, 20);
			assert_null(window_next_of(w, 9));
		}
	}
	assert_null(window_pop(w));
	assert_null(window_next_of(w, 8));
	/* slots are reused */
	push(w, 50, 6, 7);
	assert_int_equal(window_next_of(w, 7)->t_ns, 50);
	window_free(w);
}

/* 100000 tasks pass through the window one record each, while task 7's
 * one record waits at its end: the table of task lists is rebuilt when
 * half full (64 entries at most, 32 in use), keeping task 7, so it holds
 * 1 + ((n - 1) mod 31) + 1 lists after n new tasks: 26 for n = 100000,
 * not 100001 (a list per task the capture ever showed). */
static void test_window_forgets_tasks(void **state)
{
	struct window *w = window_new();
	uint64_t seq = 0;

	(void)state;
	push(w, 1000000000000ULL, seq++, 7);
	for (int32_t tid = 100001; tid <= 200000; tid++) {
		push(w, (uint64_t)tid, seq++, tid);
		assert_int_equal(window_pop(w)->tid, tid);
	}
	assert_int_equal(window_tasks(w), 26);
	assert_int_equal(window_next_of(w, 7)->t_ns, 1000000000000ULL);
	assert_null(window_next_of(w, 200000));
	window_free(w);
}

/* Texts copied at push outlive the line they came from, across the
 * window's chunks and their reuse (every pop checked; a run of 200 to 800
 * pending records of up to 399 bytes each fills and frees many chunks). */
static void test_window_texts(void **state)
{
	struct window *w = window_new();
	char line[420], want[420];
	uint64_t pushed = 0, popped = 0;

	(void)state;
	assert_non_null(w);
	while (popped < 20000) {
		uint64_t pending = pushed - popped, cap = 200 + (pushed / 3000 % 3) * 300;

		if (pushed < 20000 && (pending < cap || pushed % 7 == 0)) {
			uint32_t slot = window_slot(w);
			struct perf_rec *r;
			int n = snprintf(line, sizeof(line), "%llu ", (unsigned long long)pushed);

			assert_int_not_equal(slot, UINT32_MAX);
			r = window_rec(w, slot);
			memset(r, 0, sizeof(*r));
			while (n < (int)(pushed * 37 % 410))
				line[n] = (char)('a' + n % 26), n++;
			line[n] = '\0';
			r->t_ns = pushed;
			r->tid = (int32_t)(pushed % 5);
			r->text = line;
			r->text_len = (uint16_t)(n < 400 ? n : 399);
			assert_int_equal(window_push(w, slot, pushed), 0);
			memset(line, 'X', sizeof(line));   /* the window keeps its copy */
			pushed++;
		} else {
			const struct perf_rec *r = window_pop(w);
			int n = snprintf(want, sizeof(want), "%llu ", (unsigned long long)popped);

			assert_non_null(r);
			assert_int_equal(r->t_ns, popped);
			while (n < (int)(popped * 37 % 410))
				want[n] = (char)('a' + n % 26), n++;
			want[n < 400 ? n : 399] = '\0';
			assert_string_equal(r->text, want);
			popped++;
		}
	}
	assert_null(window_pop(w));
	window_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_xz),
		cmocka_unit_test(test_xz_two_streams),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_input_lines),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_strings),
		cmocka_unit_test(test_binary_roundtrip),
		cmocka_unit_test(test_binary_bad),
		cmocka_unit_test(test_perf_fields),
		cmocka_unit_test(test_perf_numbers),
		cmocka_unit_test(test_perf_fault_hex),
		cmocka_unit_test(test_perf_parse_copies),
		cmocka_unit_test(test_mirror_remove),
		cmocka_unit_test(test_pageset),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_window_forgets_tasks),
		cmocka_unit_test(test_window_texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
