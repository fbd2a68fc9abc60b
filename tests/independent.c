/*
 * independent.c - replaying an independent teaching scenario under the
 * three policies and checking it against its hand-derived expectations
 * (independent.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "independent.h"

static const char *const policy_arg[NPOL] = {
	"legacy", "wake-lazy", "wake=freed+unshared,sync=never",
};
/* The report repeats each policy's two switches: checked so that a swapped
 * policy order cannot pass as a correct result. */
static const char *const policy_wake[NPOL] = {
	"freed", "freed+unshared", "freed+unshared",
};
static const char *const policy_sync[NPOL] = { "always", "native", "never" };

/* Every scenario file, so that a new file without a test is noticed. */
const char *const ind_scenario_files[] = {
	"asid_reuse.jsonl",
	"ceiling_33.jsonl",
	"collapse_sync.jsonl",
	"exit_lazy.jsonl",
	"freed_lazy.jsonl",
	"gup_fast_kvm_preempted.jsonl",
	"gup_fast_native.jsonl",
	"hyperv_lazy.jsonl",
	"invlpgb_transition.jsonl",
	"lazy_skip_zap.jsonl",
	"protect_active.jsonl",
	"pvm_exit.jsonl",
	"raw_flush_sync.jsonl",
	"stale_cpumask.jsonl",
	"trim_after_1s.jsonl",
	"unshare_full_vs_partial.jsonl",
	"unshare_lazy.jsonl",
	"unshare_partial.jsonl",
	"xen_flush.jsonl",
};
const size_t ind_nscenarios = sizeof(ind_scenario_files) / sizeof(ind_scenario_files[0]);

const char *ind_scenario_path(const char *file)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "traces/scenarios/independent/%s", file);
	return tu_src(rel);
}

struct tu_run ind_run_compare(const char *path)
{
	return tu_cli(NULL, "compare", path, "--json",
		      "--policy", policy_arg[0],
		      "--policy", policy_arg[1],
		      "--policy", policy_arg[2], NULL);
}

static long long get_int(const char *file, const char *pname,
			 json_t *pol, const char *group, const char *key)
{
	json_t *v = json_object_get(json_object_get(pol, group), key);

	if (!json_is_integer(v))
		fail_msg("%s [%s]: %s.%s missing or not an integer", file,
			 pname, group, key);
	return json_integer_value(v);
}

static void expect_int(const char *file, const char *pname, json_t *pol,
		       const char *group, const char *key, long long want)
{
	long long got = get_int(file, pname, pol, group, key);

	if (got != want)
		fail_msg("%s [%s]: %s.%s = %lld, expected %lld", file, pname,
			 group, key, got, want);
}

static void expect_str(const char *file, const char *pname, json_t *pol,
		       const char *key, const char *want)
{
	const char *got = json_string_value(json_object_get(pol, key));

	if (!got || strcmp(got, want) != 0)
		fail_msg("%s [%s]: %s = \"%s\", expected \"%s\"", file, pname,
			 key, got ? got : "(missing)", want);
}

static void expect_fields(const char *file, const char *pname, json_t *pol,
			  const struct field_expect *f)
{
	for (size_t i = 0; i < MAX_FIELDS && f[i].group; i++)
		expect_int(file, pname, pol, f[i].group, f[i].key, f[i].value);
}

static void expect_hazards(const char *file, const char *pname, json_t *pol,
			   const struct policy_expect *pe)
{
	json_t *hz = json_object_get(pol, "hazards");

	if (!json_is_array(hz))
		fail_msg("%s [%s]: hazards is not an array", file, pname);
	if (json_array_size(hz) != pe->nhazards) {
		char *dump = json_dumps(hz, JSON_COMPACT);

		fail_msg("%s [%s]: %zu hazards, expected %zu: %s", file, pname,
			 json_array_size(hz), pe->nhazards, dump ? dump : "?");
	}
	for (size_t i = 0; i < pe->nhazards; i++) {
		json_t *h = json_array_get(hz, i);
		const char *kind = json_string_value(json_object_get(h, "kind"));
		json_t *cpu = json_object_get(h, "cpu");

		if (!kind || strcmp(kind, pe->hazards[i].kind) != 0 ||
		    !json_is_integer(cpu) ||
		    json_integer_value(cpu) != pe->hazards[i].cpu)
			fail_msg("%s [%s]: hazard %zu is (%s, %lld), expected (%s, %d)",
				 file, pname, i, kind ? kind : "?",
				 json_is_integer(cpu) ?
					 (long long)json_integer_value(cpu) : -1LL,
				 pe->hazards[i].kind, pe->hazards[i].cpu);
	}
}

void ind_check_scenario(const struct scenario_expect *e)
{
	struct tu_run r = ind_run_compare(ind_scenario_path(e->file));
	json_error_t jerr;
	json_t *root, *pols;

	if (r.status != 0)
		fail_msg("%s: exit %d, stderr: %s", e->file, r.status,
			 r.err ? r.err : "");
	root = json_loads(r.out, 0, &jerr);
	if (!root)
		fail_msg("%s: stdout is not JSON (%s)", e->file, jerr.text);
	assert_int_equal(json_integer_value(json_object_get(root,
							     "tlbsim_report")), 1);
	pols = json_object_get(root, "policies");
	assert_true(json_is_array(pols));
	assert_int_equal(json_array_size(pols), NPOL);
	for (size_t i = 0; i < NPOL; i++) {
		json_t *pol = json_array_get(pols, i);
		const struct policy_expect *pe = &e->pol[i];
		const char *pname = policy_arg[i];

		expect_str(e->file, pname, pol, "wake", policy_wake[i]);
		expect_str(e->file, pname, pol, "sync", policy_sync[i]);
		expect_int(e->file, pname, pol, "ipis", "flush", pe->flush);
		expect_int(e->file, pname, pol, "ipis", "sync", pe->sync);
		/* total = flush + sync: there is no third kind of IPI here */
		expect_int(e->file, pname, pol, "ipis", "total",
			   pe->flush + pe->sync);
		expect_int(e->file, pname, pol, "ipis", "to_lazy", pe->to_lazy);
		expect_hazards(e->file, pname, pol, pe);
		expect_fields(e->file, pname, pol, e->common);
		expect_fields(e->file, pname, pol, pe->fields);
	}
	json_decref(root);
	tu_run_free(&r);
}
