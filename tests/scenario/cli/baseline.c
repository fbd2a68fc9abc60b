/* baseline.c - test_cli's cases of the CI outputs: several traces in
 * one report, baseline and check with a regression and a bad baseline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "parts.h"

/* As many traces as a shell glob expands to: 300 copies of a scenario,
 * one baseline entry each (there was a limit of 256). */
static void test_many_traces(void **state)
{
	char dir[] = "/tmp/tlbsim-many-XXXXXX", cmd[512], path[128];
	char *text = tu_slurp(tu_src(UNSHARE)), *json;
	const char *p;
	int n = 0;

	(void)state;
	assert_non_null(text);
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 300; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/t%03d.jsonl", dir, i);
		assert_non_null(f = fopen(path, "w"));
		fputs(text, f);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "'%s' baseline %s/*.jsonl -o %s/b.json",
		 getenv("TLBSIM_BIN"), dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/b.json", dir);
	json = tu_slurp(path);
	assert_non_null(json);
	for (p = json; (p = strstr(p, "\"path\"")); p++)
		n++;
	assert_int_equal(n, 300);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(json);
	free(text);
}

/* A malformed baseline is an input error: exit 2, its one line on
 * stderr, nothing run (a negative counter once read as 2^64-5: rc 1). */
static void test_check_bad_baseline(void **state)
{
	char *path = tu_tmpfile("{\"tlbsim_baseline\": 1, \"traces\": [{\"path\": "
				"\"" UNSHARE "\", \"sha256\": \"ab\", \"policies\": "
				"[{\"name\": \"legacy\", \"counters\": {\"ipis.flush\": "
				"-5}}]}]}\n", ".json"), want[512];
	struct tu_run r = tu_cli(NULL, "check", "--baseline", path, UNSHARE, NULL);

	(void)state;
	snprintf(want, sizeof(want), "tlbsim: %s: traces[0] (\"" UNSHARE "\"): "
		 "policies[0] (\"legacy\"): counter \"ipis.flush\" is -5 (expected "
		 "a count, an integer from 0)\n", path);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	tu_run_free(&r);
	unlink(path);
	free(path);
}

/*
 * A baseline passes against itself; a changed model constant (here the
 * IPI latency of the cost profile, which moves the cycle counters) makes
 * check fail with rows naming trace, policy, counter, old, new and delta.
 */
static void test_baseline_check(void **state)
{
	const char *base = "/tmp/tlbsim-cli-baseline.json", *junit = "/tmp/tlbsim-cli.xml";
	char *prof = tu_slurp(tu_src("profiles/generic.json")), *p, *path, *x;
	struct tu_run r;

	(void)state;
	r = tu_cli(NULL, "baseline", UNSHARE, "traces/scenarios/collapse_sync.jsonl",
		   "-o", base, NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	r = tu_cli(NULL, "check", "--baseline", base, UNSHARE,
		   "traces/scenarios/collapse_sync.jsonl", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "ok: "));
	tu_run_free(&r);
	/* ipi_latency.package 3000 -> 4000: the CPUs of the default topology
	 * (one package, no shared cache) are "package" apart */
	p = strstr(prof, "\"ipi_latency.package\": {\"value\": 3000");
	assert_non_null(p);
	memcpy(strstr(p, "3000"), "4000", 4);
	path = tu_tmpfile(prof, ".json");
	r = tu_cli(NULL, "check", "--baseline", base, UNSHARE, "--profile", path,
		   "--tolerance", "1%", "--junit", junit, NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "trace "));
	/* legacy waits once for sync IPIs that now arrive 1000 cycles later */
	assert_non_null(strstr(r.out, "traces/scenarios/unshare_lazy.jsonl  legacy"
			       "                         cycles.initiator_wait      "
			       "          7800       8800  +1000 (+12.8%)\n"));
	assert_null(strstr(r.out, "ipis.flush")); /* the protocol did not change */
	x = tu_slurp(junit);
	assert_non_null(x);
	assert_non_null(strstr(x, "<failure message="));
	free(x);
	tu_run_free(&r);
	unlink(path);
	unlink(junit);
	unlink(base);
	free(path);
	free(prof);
}

int cli_baseline_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_check),
		cmocka_unit_test(test_many_traces),
		cmocka_unit_test(test_check_bad_baseline),
	};
	return cmocka_run_group_tests_name("cli_baseline_tests", tests, NULL, NULL);
}
