/* test_baseline.c - baselines, tolerance, the regression table, JUnit. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "tlbsim/baseline.h"

static struct tlbsim_result result(const char *policy, uint64_t flush,
				   uint64_t sync)
{
	struct tlbsim_result r;

	memset(&r, 0, sizeof(r));
	tlbsim_policy_parse(policy, &r.policy, NULL);
	r.backend = "native";
	r.c.ipi_flush = flush;
	r.c.ipi_sync = sync;
	r.c.flush_local = 100;
	return r;
}

static struct tlbsim_baseline *roundtrip(struct tlbsim_baseline *b)
{
	char *json = tlbsim_baseline_json(b), *path = tu_tmpfile(json, ".json");
	struct tlbsim_baseline *l;
	struct tlbsim_diag d;

	assert_int_equal(tlbsim_baseline_load(path, &l, &d), 0);
	unlink(path);
	free(path);
	free(json);
	tlbsim_baseline_free(b);
	return l;
}

static void test_tolerance(void **state)
{
	struct tlbsim_tolerance t;
	struct tlbsim_diag d;

	(void)state;
	assert_int_equal(tlbsim_tolerance_parse("2%", &t, &d), 0);
	assert_true(t.pct == 2.0 && t.abs == 0);
	assert_int_equal(tlbsim_tolerance_parse("3", &t, &d), 0);
	assert_true(t.pct == 0 && t.abs == 3);
	assert_int_equal(tlbsim_tolerance_parse("2%x", &t, &d), TLBSIM_EINVAL);
	assert_string_equal(d.msg, "bad tolerance \"2%x\" (expected a percentage "
			    "such as 2% or a count such as 3)");
}

/* legacy 100 flush IPIs; now 103: +3% > 2% -> failure; 101 within. */
static void test_check(void **state)
{
	struct tlbsim_baseline *b = tlbsim_baseline_new();
	struct tlbsim_result legacy = result("legacy", 100, 10);
	struct tlbsim_result wake = result("wake-lazy", 101, 0);
	struct tlbsim_tolerance tol = { 2.0, 0 };
	struct tlbsim_check *c;
	char *out = NULL, *junit;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(tlbsim_baseline_add(b, "a.jsonl", "aa", &legacy), 0);
	assert_int_equal(tlbsim_baseline_add(b, "a.jsonl", "aa", &wake), 0);
	b = roundtrip(b);
	legacy.c.ipi_flush = 103;
	wake.c.ipi_flush = 102; /* +1 of 101: within 2% */
	c = tlbsim_check_new(b, tol, false);
	assert_int_equal(tlbsim_check_result(c, "a.jsonl", "bb", &legacy), 0);
	assert_int_equal(tlbsim_check_result(c, "a.jsonl", "bb", &wake), 0);
	assert_true(tlbsim_check_failed(c));
	f = open_memstream(&out, &len);
	tlbsim_check_print(c, f);
	fclose(f);
	assert_non_null(strstr(out, "a.jsonl                              legacy"
			       "                         ipis.flush                            "
			       "100        103  +3 (+3.0%)\n"));
	assert_non_null(strstr(out, "note: a.jsonl [legacy]: the trace changed since "
			       "the baseline (sha256 aa... -> bb...)\n"));
	assert_null(strstr(out, "wake-lazy                      ipis.flush"));
	junit = tlbsim_check_junit(c);
	assert_non_null(strstr(junit, "tests=\"2\" failures=\"1\""));
	assert_non_null(strstr(junit, "ipis.flush: 100 -&gt; 103 +3 (+3.0%)"));
	free(junit);
	free(out);
	tlbsim_check_free(c);
	/* within tolerance everywhere: passes, says so */
	legacy.c.ipi_flush = 100;
	c = tlbsim_check_new(b, tol, false);
	tlbsim_check_result(c, "a.jsonl", "aa", &legacy);
	assert_false(tlbsim_check_failed(c));
	tlbsim_check_free(c);
	/* a hazard fails with --fail-on-hazard even when counters agree */
	{
		struct tlbsim_hazard h = { .kind = TLBSIM_HAZARD_STALE_PSC, .cpu = 1 };

		legacy.hazards = &h;
		legacy.nhazards = 1;
		c = tlbsim_check_new(b, tol, true);
		tlbsim_check_result(c, "a.jsonl", "aa", &legacy);
		assert_true(tlbsim_check_failed(c));
		tlbsim_check_free(c);
	}
	tlbsim_baseline_free(b);
}

static void test_load_errors(void **state)
{
	struct tlbsim_baseline *b;
	struct tlbsim_diag d;
	char *p = tu_tmpfile("{\"x\": 1}\n", ".json");

	(void)state;
	assert_int_equal(tlbsim_baseline_load(p, &b, &d), TLBSIM_EPARSE);
	assert_non_null(strstr(d.msg, ":1: not a tlbsim baseline"));
	unlink(p);
	free(p);
	p = tu_tmpfile("{\"x\": \n", ".json");
	assert_int_equal(tlbsim_baseline_load(p, &b, &d), TLBSIM_EPARSE);
	unlink(p);
	free(p);
}

/* A baseline is checked whole when loaded: every malformed part is a
 * refusal naming where it is and what was expected, never a counter read
 * as another number (-5 as 2^64-5) or skipped ("8"). */
static void test_load_malformed(void **state)
{
#define TRACE(body) "{\"tlbsim_baseline\": 1, \"traces\": [" body "]}\n"
#define ENTRY(path, pols) "{\"path\": \"" path "\", \"sha256\": \"ab\", " \
	"\"backend\": \"native\", \"policies\": " pols "}"
#define POL(counters) "[{\"name\": \"legacy\", \"counters\": " counters "}]"
	static const struct { const char *text, *msg; } c[] = {
		{ TRACE(ENTRY("a", POL("{\"ipis.flush\": -5}"))), "traces[0] (\"a\"): "
		  "policies[0] (\"legacy\"): counter \"ipis.flush\" is -5 (expected a "
		  "count, an integer from 0)" },
		{ TRACE(ENTRY("a", POL("{\"ipis.flush\": \"8\"}"))), "counter "
		  "\"ipis.flush\" is a string (expected a count, an integer from 0)" },
		{ TRACE(ENTRY("a", POL("{\"ipis.flush\": 1.5}"))), "counter "
		  "\"ipis.flush\" is 1.5 (expected a count, an integer from 0)" },
		{ TRACE(ENTRY("a", POL("{\"ipis.flush\": null}"))), "is null (expected" },
		{ TRACE(ENTRY("a", "[{\"name\": \"legacy\"}]")), "traces[0] (\"a\"): "
		  "policies[0] (\"legacy\"): \"counters\" is missing (expected an object "
		  "of counts)" },
		{ TRACE(ENTRY("a", POL("[1]"))), "\"counters\" is an array (expected" },
		{ TRACE(ENTRY("a", "\"legacy\"")), "traces[0] (\"a\"): \"policies\" is "
		  "a string (expected an array of {\"name\": ..., \"counters\": {...}})" },
		{ TRACE(ENTRY("a", "[\"legacy\"]")), "policies[0] is a string (expected "
		  "an object" },
		{ TRACE(ENTRY("a", "[{\"name\": 1, \"counters\": {}}]")), "policies[0] "
		  "is without a string \"name\"" },
		{ TRACE(ENTRY("a", "[{\"name\": \"x\", \"counters\": {}}, "
			      "{\"name\": \"x\", \"counters\": {}}]")),
		  "policies[1]: \"x\" is policies[0] already (expected each policy once)" },
		{ TRACE(ENTRY("a", POL("{}")) ", " ENTRY("a", POL("{}"))),
		  "traces[1]: \"a\" is traces[0] already (expected each trace once)" },
		{ TRACE("\"a\""), "traces[0] is a string (expected an object" },
		{ TRACE("{\"sha256\": \"ab\", \"policies\": []}"), "traces[0]: \"path\" "
		  "is missing (expected the trace's path, a string)" },
		{ TRACE("{\"path\": \"a\", \"sha256\": 12, \"policies\": []}"),
		  "traces[0] (\"a\"): \"sha256\" is 12 (expected the trace's SHA-256, "
		  "a string)" },
		{ TRACE("{\"path\": \"a\", \"sha256\": \"ab\", \"backend\": 1, "
			"\"policies\": []}"), "\"backend\" is 1 (expected" },
		{ "{\"tlbsim_baseline\": 1, \"traces\": [], \"traces\": []}\n",
		  ":1: duplicate object key near '\"traces\"'" },
		{ TRACE(ENTRY("a", POL("{\"ipis.flush\": 1, \"ipis.flush\": 2}"))),
		  "duplicate object key" },
	};
	struct tlbsim_baseline *b;
	struct tlbsim_diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *p = tu_tmpfile(c[i].text, ".json");

		assert_int_equal(tlbsim_baseline_load(p, &b, &d), TLBSIM_EPARSE);
		assert_null(b);
		if (strncmp(d.msg, p, strlen(p)) || !strstr(d.msg, c[i].msg))
			fail_msg("case %zu: got %s", i, d.msg);
		unlink(p);
		free(p);
	}
	/* what tlbsim writes loads, counters missing included (an older
	 * tlbsim wrote fewer; the check notes them) */
	{
		char *p = tu_tmpfile(TRACE(ENTRY("a", POL("{}")) ", " ENTRY("b",
				     POL("{\"ipis.flush\": 0}"))), ".json");

		assert_int_equal(tlbsim_baseline_load(p, &b, &d), 0);
		tlbsim_baseline_free(b);
		unlink(p);
		free(p);
	}
#undef POL
#undef ENTRY
#undef TRACE
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
