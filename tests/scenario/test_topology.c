/*
 * test_topology.c - the machine's shape: a 4096-CPU topology gives the same
 * IPI counts as a small one when the scenario uses few CPUs, and IPI
 * latency grows with the distance class as the profile says.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* The scenario with its header's "cpus" replaced. */
static char *with_cpus(const char *scenario, unsigned cpus)
{
	char *text = tu_slurp(tu_src(scenario)), *p, *out, *path;
	size_t len;

	assert_non_null(text);
	p = strstr(text, "\"cpus\": ");
	assert_non_null(p);
	len = strlen(text) + 16;
	out = malloc(len);
	snprintf(out, len, "%.*s\"cpus\": %u%s", (int)(p - text), text, cpus,
		 strchr(p + 8, ','));
	path = tu_tmpfile(out, ".jsonl");
	free(text);
	free(out);
	return path;
}

static json_t *policy0(const char *out)
{
	json_error_t e;
	json_t *doc = json_loads(out, 0, &e);

	assert_non_null(doc);
	return doc;
}

static long ipis(json_t *doc, int pol, const char *what)
{
	return (long)json_integer_value(json_object_get(json_object_get(
		json_array_get(json_object_get(doc, "policies"), (size_t)pol), "ipis"), what));
}

/* freed_lazy, stale_cpumask and ceiling_33 use at most 3 CPUs and send no
 * table sync (which goes to every CPU): on 4096 CPUs the counts match. */
static void test_4096_same_counts(void **state)
{
	static const char *const sc[] = {
		"traces/scenarios/freed_lazy.jsonl",
		"traces/scenarios/stale_cpumask.jsonl",
		"traces/scenarios/ceiling_33.jsonl",
		"traces/scenarios/lazy_skip_zap.jsonl",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		char *big = with_cpus(sc[i], 4096);
		struct tu_run a = tu_cli(NULL, "compare", sc[i], "--json", NULL);
		struct tu_run b = tu_cli(NULL, "compare", big, "--json", "--topology",
					 "pack:4 core:512 pu:2", NULL);
		json_t *da, *db;

		assert_int_equal(a.status, 0);
		if (b.status)
			print_error("%s\n", b.err);
		assert_int_equal(b.status, 0);
		da = policy0(a.out);
		db = policy0(b.out);
		for (int p = 0; p < 2; p++) {
			assert_int_equal(ipis(db, p, "flush"), ipis(da, p, "flush"));
			assert_int_equal(ipis(db, p, "sync"), ipis(da, p, "sync"));
			assert_int_equal(ipis(db, p, "to_lazy"), ipis(da, p, "to_lazy"));
		}
		assert_int_equal(json_integer_value(json_object_get(json_object_get(db,
			"machine"), "cpus")), 4096);
		json_decref(da);
		json_decref(db);
		unlink(big);
		free(big);
		tu_run_free(&a);
		tu_run_free(&b);
	}
}

static long remote_p50(const char *trace, const char *topo)
{
	struct tu_run r = tu_cli(NULL, "run", trace, "--json", "--topology", topo, NULL);
	json_t *doc;
	long v;

	if (r.status)
		print_error("%s\n", r.err);
	assert_int_equal(r.status, 0);
	doc = policy0(r.out);
	v = (long)json_integer_value(json_object_get(json_object_get(json_object_get(
		json_array_get(json_object_get(doc, "policies"), 0), "latency"),
		"send_to_remote_flush_ns"), "p50"));
	json_decref(doc);
	tu_run_free(&r);
	return v;
}

/*
 * ceiling_33's two flush IPIs go from cpu 0 to cpu 1. generic profile at
 * 2.5 GHz: SMT 1500 cycles, another package of the same node 5000: the
 * send -> remote flush latency grows by 3500 cycles = 1400 ns (within the
 * histogram's 1.6 % bucket width).
 */
static void test_latency_by_distance(void **state)
{
	long smt, pkg, numa;

	(void)state;
	smt = remote_p50("traces/scenarios/ceiling_33.jsonl", "pack:1 core:1 pu:2");
	pkg = remote_p50("traces/scenarios/ceiling_33.jsonl", "pack:1 core:2 pu:1");
	numa = remote_p50("traces/scenarios/ceiling_33.jsonl", "pack:2 core:1 pu:1");
	assert_true(smt < pkg && pkg < numa);
	assert_in_range(numa - smt, 1400 - 60, 1400 + 60);
	assert_in_range(pkg - smt, 600 - 60, 600 + 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_4096_same_counts),
		cmocka_unit_test(test_latency_by_distance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
