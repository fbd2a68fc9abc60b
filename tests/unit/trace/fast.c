/* fast.c - test_trace's cases of the JSONL fast path (native_fast.c): the
 * lines it takes decode as jansson's path decodes them, those it does not
 * take it leaves whole to that path, and a refusal by the shared rules has
 * that path's message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "trace/native.h"
#include "parts.h"

static struct native_ctx ctx(struct tlbsim_diag *d)
{
	struct native_ctx x;

	memset(&x, 0, sizeof(x));
	x.name = "t.jsonl";
	x.line = 2;
	x.cpus = 4;
	x.diag = d;
	return x;
}

/* Every line of the every-kind file but the observed one is taken, and
 * gives jansson's event byte for byte: 25 of 26. */
static void test_fast_every_kind(void **state)
{
	char *line = NULL;
	size_t cap = 0, taken = 0, lines = 0;
	ssize_t n;
	struct tlbsim_diag fd, jd;
	struct native_ctx fx = ctx(&fd), jx = ctx(&jd);
	FILE *f = fopen(EVERY, "r");

	(void)state;
	assert_non_null(f);
	assert_true(getline(&line, &cap, f) > 0);   /* the header */
	while ((n = getline(&line, &cap, f)) > 0) {
		struct tlbsim_trace_event fev, jev;
		int fast;

		line[--n] = '\0';   /* the newline */
		fx.line = jx.line = ++lines + 1;
		fast = native_event_fast(&fx, line, (size_t)n, &fev);
		assert_int_equal(native_event_json(&jx, line, (size_t)n, &jev), 0);
		if (fast == NATIVE_FALL_BACK) {
			assert_int_equal(jev.kind, TLBSIM_EV_OBSERVED);
			fx = jx;
			fx.diag = &fd;
			continue;
		}
		assert_int_equal(fast, 0);
		assert_memory_equal(&fev, &jev, sizeof(fev));
		assert_true(fx.last_t == jx.last_t && fx.have_last);
		taken++;
	}
	assert_int_equal(lines, 26);
	assert_int_equal(taken, 25);
	free(line);
	fclose(f);
}

/* Each its own reason to leave a line to jansson: an escape, a sign, a
 * fraction, a leading zero, a key twice, an unknown key, null where only a
 * switch takes it, a field missing, a CPU out of range, text after the
 * object, 19 digits, time going back, a non-ASCII byte, an observed event,
 * no object, a NUL byte. */
static void test_fast_falls_back(void **state)
{
	static const char *const lines[] = {
		"{\"t\": 1, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\", \"comment\": \"a\\\"b\"}",
		"{\"t\": -1, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\"}",
		"{\"t\": 1.5, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\"}",
		"{\"t\": 01, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\"}",
		"{\"t\": 1, \"t\": 2, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\"}",
		"{\"t\": 1, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\", \"bogus\": 1}",
		"{\"t\": 1, \"cpu\": 0, \"ev\": \"touch\", \"mm\": null, \"addr\": \"0x1000\"}",
		"{\"t\": 1, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1}",
		"{\"t\": 1, \"cpu\": 4, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\"}",
		"{\"t\": 1, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\"} x",
		"{\"t\": 1234567890123456789, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": 4096}",
		"{\"t\": 5, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\"}",
		"{\"t\": 7, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x1000\", \"comment\": \"\xc3\xa9\"}",
		"{\"t\": 7, \"cpu\": 0, \"ev\": \"observed\", \"what\": \"csd_queue_cpu\"}",
		"[1]",
	};
	struct tlbsim_diag d;
	struct tlbsim_trace_event ev;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct native_ctx x = ctx(&d);

		x.have_last = true;
		x.last_t = 6;   /* the twelfth line goes back to 5 */
		assert_int_equal(native_event_fast(&x, lines[i], strlen(lines[i]), &ev),
				 NATIVE_FALL_BACK);
		assert_true(x.last_t == 6);
	}
	{
		/* a NUL byte, which jansson's path names with its column */
		const char nul[] = "{\"t\": 7, \"cpu\": 0, \"ev\": \"sw\0tch\", \"mm\": 1}";
		struct native_ctx x = ctx(&d);

		assert_int_equal(native_event_fast(&x, nul, sizeof(nul) - 1, &ev),
				 NATIVE_FALL_BACK);
		assert_int_equal(native_event(&x, nul, sizeof(nul) - 1, &ev), TLBSIM_EPARSE);
		assert_string_equal(d.msg, "t.jsonl:2: NUL byte at column 29 (expected JSON text)");
	}
}

/* A plain line the kind's rules refuse: the fast path gives the error,
 * worded as jansson's path words it. */
static void test_fast_rule_errors(void **state)
{
	static const char *const lines[] = {
		"{\"t\": 1, \"cpu\": 0, \"ev\": \"map\", \"mm\": 1, \"addr\": \"0x1001\", \"len\": 4096}",
		"{\"t\": 1, \"cpu\": 0, \"ev\": \"share\", \"mm\": 1, \"with\": 1, \"addr\": \"0x40000000\"}",
		"{\"t\": 1, \"cpu\": 0, \"ev\": \"flush\", \"mm\": 1, \"start\": 8192, \"end\": \"0x1000\", "
		"\"stride\": 12, \"freed_tables\": false, \"unshared_tables\": false}",
	};
	static const char *const want[] = {
		"t.jsonl:2: field \"addr\" must be 4 KiB aligned (got 0x1001)",
		"t.jsonl:2: field \"with\" must name another mm",
		"t.jsonl:2: flush: \"start\" must be below \"end\"",
	};
	struct tlbsim_diag fd, jd;
	struct tlbsim_trace_event ev;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct native_ctx fx = ctx(&fd), jx = ctx(&jd);

		assert_int_equal(native_event_fast(&fx, lines[i], strlen(lines[i]), &ev),
				 TLBSIM_EPARSE);
		assert_string_equal(fd.msg, want[i]);
		assert_int_equal(native_event_json(&jx, lines[i], strlen(lines[i]), &ev),
				 TLBSIM_EPARSE);
		assert_string_equal(jd.msg, want[i]);
		assert_false(fx.have_last);
	}
}

/* Spacing jansson allows (tabs, none, a CR before the line's end) and a
 * switch to no mm: taken, with the values written. */
static void test_fast_spacing(void **state)
{
	static const char line[] =
		"\t{\"t\":3,\"cpu\" :\t2 , \"ev\":\"switch\",\"mm\":null, \"idle\": true}\r";
	struct tlbsim_diag d;
	struct native_ctx x = ctx(&d);
	struct tlbsim_trace_event ev;

	(void)state;
	assert_int_equal(native_event_fast(&x, line, sizeof(line) - 1, &ev), 0);
	assert_int_equal(ev.kind, TLBSIM_EV_SWITCH);
	assert_true(ev.t == 3 && ev.cpu == 2 && ev.mm == 0 && ev.idle && ev.line == 2);
	assert_true(x.have_last && x.last_t == 3);
}

int trace_fast_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_every_kind),
		cmocka_unit_test(test_fast_falls_back),
		cmocka_unit_test(test_fast_rule_errors),
		cmocka_unit_test(test_fast_spacing),
	};

	return cmocka_run_group_tests_name("trace_fast_tests", tests, NULL, NULL);
}
