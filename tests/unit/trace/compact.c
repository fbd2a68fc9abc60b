/* compact.c - test_trace's cases of the binary form 2 (binary_compact.c):
 * its bytes, written by hand from traces/FORMAT.md; every kind read back
 * as form 1 reads it; and the contract held, with each break named, on
 * both of the reader's paths (a record decoded where it lies in the input
 * chunk, or assembled piece by piece near the end of the file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "tlbsim/trace.h"
#include "parts.h"

static const char header[] = "\x89TLBSIMC\n{\"tlbsim\": 1, \"cpus\": 4}\n";

/* A form 2 file of the header and @n raw record bytes. */
static char *raw_file(const uint8_t *rec, size_t n)
{
	char tmpl[] = "/tmp/tlbsim-compact-XXXXXX";
	int fd = mkstemp(tmpl);
	FILE *f = fdopen(fd, "wb");

	fputs(header, f);
	fwrite(rec, 1, n, f);
	fclose(f);
	return strdup(tmpl);
}

/* A form 2 file of @evs written by tlbsim_trace_write_compact_event(). */
static char *compact_file(const struct tlbsim_trace_event *evs, size_t n)
{
	char tmpl[] = "/tmp/tlbsim-compact-XXXXXX";
	struct tlbsim_compact_writer w;
	struct tlbsim_trace_header h;
	int fd = mkstemp(tmpl);
	FILE *f = fdopen(fd, "wb");

	memset(&h, 0, sizeof(h));
	h.version = 1;
	h.cpus = 4;
	assert_int_equal(tlbsim_trace_write_compact_header(f, &w, &h), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tlbsim_trace_write_compact_event(f, &w, &evs[i]), 0);
	fclose(f);
	return strdup(tmpl);
}

/* The message reading @path ends with, "" when it reads to the end. */
static void read_all(const char *path, char *msg, size_t cap, size_t *n)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_trace_event e;
	struct tlbsim_diag d;
	int rc;

	*n = 0;
	assert_int_equal(tlbsim_trace_open(path, &r, &d), 0);
	assert_string_equal(tlbsim_trace_format(r), "binary");
	while ((rc = tlbsim_trace_next(r, &e, &d)) == 1)
		(*n)++;
	snprintf(msg, cap, "%s", rc ? d.msg + strlen(path) + 2 : "");
	tlbsim_trace_close(r);
}

/* Two touches, byte for byte: kind 2, flags2, two width bytes (cpu, t
 * difference, mm, addr's zigzag difference; len), the values. */
static void test_compact_bytes(void **state)
{
	struct tlbsim_trace_event e[2];
	uint8_t want[] = {
		2, 0, 0xc0, 0x00, 2, 10, 7,
		0x00, 0x20, 0x00, 0x00, 0x00, 0xfe, 0x00, 0x00, 0,
		2, 2, 0x40, 0x00, 2, 1, 7, 0x00, 0x20, 3,
	};
	uint8_t got[256], *rec;
	char *path;
	FILE *f;
	size_t n;

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].kind = TLBSIM_EV_TOUCH;
	e[0].cpu = 2;
	e[0].t = 10;
	e[0].mm = 7;
	e[0].addr = 0x7f0000001000;   /* zigzag of its difference from 0 */
	e[1] = e[0];
	e[1].t = 11;                  /* 1 after */
	e[1].addr = 0x7f0000002000;   /* 0x1000 after: zigzag 0x2000 */
	e[1].len = 3;
	e[1].write = true;
	path = compact_file(e, 2);
	f = fopen(path, "rb");
	n = fread(got, 1, sizeof(got), f);
	fclose(f);
	/* after the magic line and the header line */
	assert_memory_equal(got, "\x89TLBSIMC\n{", 10);
	rec = memchr(got + 9, '\n', n - 9) + 1;
	assert_int_equal(n - (size_t)(rec - got), sizeof(want));
	assert_memory_equal(rec, want, sizeof(want));
	unlink(path);
	free(path);
}

/* Every kind of the every-kind file, its flags set, through form 2 comes
 * back field for field, as through form 1 (write.c). */
static void test_compact_roundtrip(void **state)
{
	struct tlbsim_trace_event in[32];
	size_t n;

	(void)state;
	n = trace_every_kind_flagged(in);
	trace_assert_reads(compact_file(in, n), in, n);
}

/* @rec (@n bytes) must stop the reader with @want: alone
 * (assembled near the end of the file), and followed by 90 switches of
 * 6 bytes (decoded in place). */
static void bad(const uint8_t *rec, size_t n, const char *want)
{
	static const uint8_t sw[] = { 0, 0, 0x00, 0, 0, 1 };   /* switch to mm 1 */
	uint8_t b[600];
	char msg[512], *path;
	size_t got;

	assert_true(n + 90 * sizeof(sw) <= sizeof(b));
	memcpy(b, rec, n);
	for (unsigned i = 0; i < 90; i++)
		memcpy(b + n + i * sizeof(sw), sw, sizeof(sw));
	for (int room = 0; room < 2; room++) {
		path = raw_file(b, room ? n + 90 * sizeof(sw) : n);
		read_all(path, msg, sizeof(msg), &got);
		assert_string_equal(msg, want);
		unlink(path);
		free(path);
	}
}

static void test_compact_bad(void **state)
{
	/* kind 22: none */
	static const uint8_t kind[] = { 22, 0, 0, 0 };
	/* a switch with flag 1 (hugetlb): not one of a switch's */
	static const uint8_t flag[] = { 0, 1, 0x00, 0, 0, 1 };
	/* a switch's widths byte with bits above its three values */
	static const uint8_t unused[] = { 0, 0, 0x40, 0, 0, 1 };
	/* a switch on cpu 2^32 (8 bytes): not cut to cpu 0 */
	static const uint8_t cpu[] = { 0, 0, 0x03, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
	/* t 2^63 (8 bytes), past the contract's 2^63 - 1 */
	static const uint8_t t63[] = { 0, 0, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 1 };
	/* a touch cut inside its addr */
	static const uint8_t cut[] = { 2, 0, 0xc0, 0x00, 0, 1, 7, 0, 0x20 };
	/* a map of mm 0 */
	static const uint8_t mm0[] = { 1, 0, 0, 0x80, 0x00, 0, 1, 0, 0, 0x20, 0, 0x10, 0 };

	(void)state;
	bad(kind, sizeof(kind), "record 1: not a valid record (kind 22, flags 0x0, stride 0)");
	bad(flag, sizeof(flag), "record 1: not a valid record (kind 0, flags 0x1, stride 0)");
	bad(unused, sizeof(unused), "record 1: not a valid record (kind 0, flags 0x0, stride 0)");
	bad(cpu, sizeof(cpu), "record 1: cpu 4294967295 out of range (the trace has 4 CPUs: 0..3)");
	bad(t63, sizeof(t63), "record 1: field \"t\" is 9223372036854775808, above "
	    "9223372036854775807 (expected at most 2^63-1)");
	bad(mm0, sizeof(mm0), "record 1: field \"mm\" must be a positive integer");
	/* cut: only alone (the switches after it would be read as its bytes) */
	{
		char msg[512], *path = raw_file(cut, sizeof(cut));
		size_t got;

		read_all(path, msg, sizeof(msg), &got);
		assert_string_equal(msg, "record 1: truncated (the file ends inside it)");
		unlink(path);
		free(path);
	}
}

int trace_compact_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_bytes),
		cmocka_unit_test(test_compact_roundtrip),
		cmocka_unit_test(test_compact_bad),
	};

	return cmocka_run_group_tests_name("trace_compact_tests", tests, NULL, NULL);
}
