/* test_trace.c - the native reader: every kind's fields, streams, xz,
 * input lines, SHA-256; trace/write.c the writer's round trips, trace/perf.c
 * the perf parse and reconstruction state, trace/fast.c the JSONL fast
 * path, trace/compact.c the binary form 2. Bad inputs: tests/scenario/test_bad.c. */
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

#include "trace/parts.h"

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
	e = next(r);
	assert_int_equal(e.kind, TLBSIM_EV_RUNNING_BEFORE);
	assert_true(e.cpu == 2 && e.mm == 2 && e.t == 39);
	assert_int_equal(tlbsim_trace_next(r, &e, &d), 0);
	assert_int_equal(tlbsim_trace_events(r), 26);
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
	assert_string_equal(sha, "b3e56acba5b535cbcec0c578f446bdd4a2c80adc59cfd3ee83b0e971d67af733");
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
	assert_string_equal(sha, "e32d20b977812d88f5b49c0837f99c6dd274e43bb1d1074addb8f8d60fcb9d02");
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
	};
	int failed = cmocka_run_group_tests_name("trace_native_tests", tests, NULL, NULL);

	failed += trace_write_tests();
	failed += trace_perf_tests();
	failed += trace_fast_tests();
	failed += trace_compact_tests();
	return failed;
}
