/*
 * test_gen_native.c - bench/gen.c, tlbsim-gen's native form: the default
 * mix (--mix captures) gives each event kind the share the shipped
 * captures give it (bench/mix.sh measures theirs), exactly the events
 * per kind this seed gives, and a trace tlbsim replays; --mix stress is
 * the generator's former mix, byte for byte; a mix it does not know is a
 * usage error.
 *
 * The generator is found through TLBSIM_GEN (tests/CMakeLists.txt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

struct kind_count {
	const char *kind;
	unsigned n;
};

/* Lines of event kind @kind in @text. */
static unsigned count_kind(const char *text, const char *kind)
{
	char key[64];

	snprintf(key, sizeof(key), "\"ev\": \"%s\"", kind);
	return tu_count(text, key);
}

/*
 * The mean share of each kind over the 47 shipped captures' imports (the
 * importer's inferences about the time before a capture left out), as
 * bench/mix.sh printed it, in hundredths of a percent, and how far the
 * generator may be from it. THP collapses and hugetlb share/unshare are
 * rarer than 0.01 % there; the generator runs them at 0.05 % (below).
 */
static const struct {
	const char *kind;
	unsigned mean, within;
} captures[] = {
	{ "touch", 6963, 150 }, { "map", 820, 100 }, { "flush", 777, 60 },
	{ "switch", 742, 60 }, { "protect", 355, 50 }, { "unmap", 289, 40 },
	{ "exit", 38, 25 }, { "zap", 13, 10 },
};

static void test_captures_mix_shares(void **state)
{
	char *text = tu_gen("--events 200000 --seed 1");
	unsigned total = 0, sw;

	(void)state;
	assert_non_null(text);
	total = tu_count(text, "\"ev\": ");
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		unsigned share = (unsigned)((uint64_t)count_kind(text, captures[i].kind) *
					    10000 / total);

		if (share + captures[i].within < captures[i].mean ||
		    share > captures[i].mean + captures[i].within)
			fail_msg("%s: %u.%02u %% of the events, the captures' mean "
				 "%u.%02u %%", captures[i].kind, share / 100, share % 100,
				 captures[i].mean / 100, captures[i].mean % 100);
	}
	/* the rare kinds present, at about 0.05 % */
	assert_in_range(count_kind(text, "collapse"), 40, 150);
	assert_in_range(count_kind(text, "share") + count_kind(text, "unshare"), 40, 150);
	/* 44 % of the captures' switches are to idle (a kernel thread) */
	sw = count_kind(text, "switch");
	assert_in_range(tu_count(text, "\"switch\", \"mm\": null") * 100 / sw, 41, 47);
	/* a page fault is one page: no touch has a length but setup's */
	assert_int_equal(tu_count(text, "\"touch\", \"mm\": 1, \"addr\": \"0x10000000000\"}"), 1);
	assert_int_equal(tu_count(text, "\"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x10000000000\", \"len\""), 0);
	free(text);
}

/* Exactly what seed 1 gives at 20000 steps (setup's 8 hugetlb maps, its
 * switch and its touch among them); the trace replays under both
 * policies without a model error. */
static const struct kind_count seed1[] = {
	{ "touch", 15155 }, { "map", 2148 }, { "switch", 1702 }, { "flush", 1701 },
	{ "protect", 765 }, { "unmap", 594 }, { "exit", 50 }, { "zap", 23 },
	{ "share", 8 }, { "collapse", 7 }, { "unshare", 1 },
};

static void test_seed1_counts_and_replays(void **state)
{
	char *text = tu_gen("--events 20000 --seed 1"), *path;
	unsigned sum = 0;
	struct tu_run r;
	json_t *root;

	(void)state;
	assert_non_null(text);
	for (size_t i = 0; i < sizeof(seed1) / sizeof(seed1[0]); i++) {
		assert_int_equal(count_kind(text, seed1[i].kind), seed1[i].n);
		sum += seed1[i].n;
	}
	assert_int_equal(tu_count(text, "\"ev\": "), sum);   /* no other kind */
	assert_int_equal(tu_count(text, "\"switch\", \"mm\": null"), 792);
	assert_int_equal(tu_count(text, "\"end\": \"all\", \"stride\": 12, "
				   "\"freed_tables\": true"), 93);
	path = tu_tmpfile(text, ".jsonl");
	assert_non_null(path);
	r = tu_cli(NULL, "compare", path, "--json", NULL);
	assert_int_equal(r.status, 0);
	root = json_loads(r.out, 0, NULL);
	assert_non_null(root);
	/* the table syncs (collapses, table frees): each its own broadcast
	 * under legacy, all skipped on the native backend under wake-lazy */
	for (int i = 0; i < 2; i++) {
		json_t *c = json_object_get(json_array_get(json_object_get(root,
					    "policies"), (size_t)i), "counters");

		assert_int_equal(json_integer_value(json_object_get(c, "sync_calls")), 13);
		assert_int_equal(json_integer_value(json_object_get(c, "sync_skipped")),
				 i ? 13 : 0);
	}
	json_decref(root);
	tu_run_free(&r);
	unlink(path);
	free(path);
	free(text);
}

/* --mix stress: what tlbsim-gen wrote before the captures' mix (touches
 * of several pages, a switch to idle one time in five). */
static void test_stress_mix_unchanged(void **state)
{
	static const char want[] =
		"{\"tlbsim\": 1, \"cpus\": 2, \"clock\": \"ns\", \"backend\": \"native\", "
		"\"comment\": \"synthetic: tlbsim-gen, seed 7\"}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"map\", \"mm\": 1, \"addr\": \"0x10000000000\", "
		"\"len\": 1073741824, \"hugetlb\": true}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"map\", \"mm\": 2, \"addr\": \"0x10000000000\", "
		"\"len\": 1073741824, \"hugetlb\": true}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x10000000000\"}\n"
		"{\"t\": 4743, \"cpu\": 1, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 21491, \"cpu\": 1, \"ev\": \"map\", \"mm\": 1, \"addr\": \"0x11600000\", "
		"\"len\": 2097152}\n"
		"{\"t\": 21491, \"cpu\": 1, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x11775000\", "
		"\"len\": 24576}\n"
		"{\"t\": 35396, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 49613, \"cpu\": 1, \"ev\": \"map\", \"mm\": 1, \"addr\": \"0x10e00000\", "
		"\"len\": 2097152}\n"
		"{\"t\": 49613, \"cpu\": 1, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x10e22000\", "
		"\"len\": 45056}\n";
	char *text = tu_gen("--mix stress --events 4 --seed 7 --mms 2 --cpus 2");

	(void)state;
	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

static void test_bad_mix_is_usage(void **state)
{
	(void)state;
	assert_null(tu_gen("--mix heavy --events 10 2>/dev/null"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captures_mix_shares),
		cmocka_unit_test(test_seed1_counts_and_replays),
		cmocka_unit_test(test_stress_mix_unchanged),
		cmocka_unit_test(test_bad_mix_is_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
