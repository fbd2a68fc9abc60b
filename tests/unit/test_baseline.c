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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
