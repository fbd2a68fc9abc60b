/*
 * test_independent.c - a second set of teaching scenarios, written and
 * derived by hand from docs/MODEL.md and the protocol spec by another
 * developer, without running the model (it did not exist yet): a
 * cross-check of the model against an independent reading.
 *
 * Each test runs
 *   tlbsim compare traces/scenarios/independent/X.jsonl --json --policy legacy
 *          --policy wake-lazy --policy wake=freed+unshared,sync=never
 * and asserts, for each of the three policies, ipis.flush, ipis.sync,
 * ipis.to_lazy and the exact hazard list as (kind, cpu) pairs, plus the
 * flush/counter figures that the scenario is about.
 *
 * The expectations were written before the model existed: a mismatch means
 * either the model or the derivation beside the expectation is wrong. The
 * derivation is therefore spelled out event by event, with the kernel
 * function that takes each decision, so that the two can be compared line by
 * line.
 *
 * Conventions used in every derivation (MODEL.md §1-§3):
 * - every CPU boots on init_mm: slot 0 = {ctx 1, gen 0}, next_asid = 1;
 * - user mms get ctx_id 2, 3, ... in order of first mention, tlb_gen 0,
 *   next_trim_cpumask = first mention + 1 s;
 * - a CPU's first switch to a new mm misses every slot, takes slot
 *   next_asid++ and reloads CR3 with a flush: one flushes.task_switch;
 * - "ts" below counts flushes.task_switch, "gen" is M.tlb_gen, "lg" the
 *   CPU's ctxs[asid].tlb_gen;
 * - a flush of n pages is partial iff n <= 33 (tlb_single_page_flush_ceiling)
 *   and, in flush_tlb_func(), new_tlb_gen == lg + 1 == gen;
 * - policies: P0 = legacy (wake=freed, sync=always), P1 = wake-lazy
 *   (wake=freed+unshared, sync=native), P2 = wake=freed+unshared,sync=never.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

#define NPOL 3
#define MAX_HAZARDS 4
#define MAX_FIELDS 12
#define MAX_EVENTS 25

static const char *const policy_arg[NPOL] = {
	"legacy", "wake-lazy", "wake=freed+unshared,sync=never",
};
/* The report repeats each policy's two switches: checked so that a swapped
 * policy order cannot pass as a correct result. */
static const char *const policy_wake[NPOL] = {
	"freed", "freed+unshared", "freed+unshared",
};
static const char *const policy_sync[NPOL] = { "always", "native", "never" };

struct hazard_expect {
	const char *kind; /* stale_psc, gup_fast, stale_tlb, asid_transition */
	int cpu;
};

/* One integer of policies[i].<group>.<key>; group NULL ends a list. */
struct field_expect {
	const char *group; /* "flushes" or "counters" */
	const char *key;
	long long value;
};

struct policy_expect {
	long long flush, sync, to_lazy;
	size_t nhazards;
	struct hazard_expect hazards[MAX_HAZARDS]; /* in report order (time) */
	struct field_expect fields[MAX_FIELDS];    /* this policy only */
};

struct scenario_expect {
	const char *file;                         /* under traces/scenarios/independent/ */
	struct field_expect common[MAX_FIELDS];   /* every policy */
	struct policy_expect pol[NPOL];
};

/* Every scenario file, so that a new file without a test is noticed. */
static const char *const scenario_files[] = {
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
	"raw_flush_sync.jsonl",
	"stale_cpumask.jsonl",
	"trim_after_1s.jsonl",
	"unshare_full_vs_partial.jsonl",
	"unshare_lazy.jsonl",
	"unshare_partial.jsonl",
	"xen_flush.jsonl",
};
#define NSCENARIOS (sizeof(scenario_files) / sizeof(scenario_files[0]))

static const char *scenario_path(const char *file)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "traces/scenarios/independent/%s", file);
	return tu_src(rel);
}

static struct tu_run run_compare(const char *path)
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

/* Run one scenario under the three policies and check every expectation. */
static void check_scenario(const struct scenario_expect *e)
{
	struct tu_run r = run_compare(scenario_path(e->file));
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

/* ------------------------------------------------------------------ */

/*
 * lazy_skip_zap (native, 2 CPUs)
 * t=0      cpu0 switch 1: mm1 created (ctx 2); miss → slot 1, ts=1; mask={0}
 * t=0      cpu1 switch 1: slot 1, ts=2; mask={0,1}
 * t=10000  map [0x200000, +2 MiB)
 * t=20000  cpu0 touch 4 pages: PUD, PMD, PTE tables allocated, 4 present
 * t=30000  cpu1 touch 0x200000 (already present)
 * t=40000  cpu1 switch null: enter_lazy_tlb → lazy on mm1
 * t=50000  cpu0 zap 4 pages: 4 present cleared, no table freed →
 *          freed=0 unshared=0 → wake_lazy_cpus=false under every policy.
 *          flush_tlb_mm_range: gen 0→1; range [0x200000,0x204000) stride 12
 *          = 4 pages ≤ 33 → not full. Path B (cpu1 in mask): trim? 50 µs <
 *          1 s → no; remote_send_ipi=1. native_flush_tlb_multi filtered:
 *          should_flush_tlb(cpu1) = false (is_lazy) → 0 IPIs. cpu0:
 *          loaded_mm == M → flush_tlb_func locally: lg 0, new 1 == lg+1 ==
 *          gen → partial (local=1, partial=1). No sync: not a table op.
 * t=60000  cpu1 switch 1: same mm, was lazy: lg(slot 1)=0 < gen 1 → CR3
 *          write with flush, ts=3 (this is where the skipped CPU catches up).
 * t=70000  cpu1 touch 0x200000: refault inside the VMA; cpu1's TLB was
 *          flushed at t=60000 → no stale_tlb.
 * Every policy: flush 0, sync 0, to_lazy 0, no hazard.
 */
static void test_lazy_skip_zap(void **state)
{
	static const struct scenario_expect e = {
		.file = "lazy_skip_zap.jsonl",
		.common = {
			{ "flushes", "task_switch", 3 },
			{ "flushes", "local", 1 },
			{ "flushes", "remote", 0 },
			{ "flushes", "partial", 1 },
			{ "flushes", "full", 0 },
			{ "counters", "remote_send_ipi", 1 },
			{ "counters", "wrong_cpu", 0 },
		},
		.pol = {
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * freed_lazy (native, 2 CPUs; the trace-format example, times ×1000)
 * t=0      cpu0, cpu1 switch 1: slot 1 each, ts=2; mask={0,1}
 * t=10000  map [0x200000, +2 MiB)
 * t=20000  cpu1 touch 0x200000: PUD@0, PMD@0, PTE@0x200000 allocated
 * t=30000  cpu1 lazy on mm1
 * t=40000  cpu0 unmap the VMA: present 0x200000 cleared (PTE level
 *          [0x200000,+4K)); free_pgtables: the mm has no VMA left, so the
 *          PTE table (adds [0x200000,+4K) at PMD level), the PMD table
 *          (adds [0,+4K) at PUD level) and the PUD table (adds [0,+4K) at
 *          P4D level) are freed → freed_tables=1. Range [0, 0x201000),
 *          stride 12 (smallest level cleared) = 513 pages > 33 → full.
 *          wake_lazy_cpus = freed = true under every policy.
 *          gen 0→1, path B (cpu1 in mask), no trim. Unfiltered
 *          (on_each_cpu_mask): IPI → cpu1 (flush=1, lazy at send →
 *          to_lazy=1); its flush_tlb_func: loaded_mm == M, lazy →
 *          switch_mm_irqs_off(init_mm): slot 0 holds init_mm at gen 0 →
 *          NOFLUSH, not a task_switch flush, not a remote flush. cpu0 runs
 *          flush_tlb_func locally: lg 0, full → local=1, full=1.
 *          No sync (unmap frees through RCU).
 *          RCU end: cpu1 on init_mm, cpu0's slot flushed after the unlink
 *          → no stale_psc.
 * Every policy: flush 1, sync 0, to_lazy 1, no hazard.
 */
static void test_freed_lazy(void **state)
{
	static const struct scenario_expect e = {
		.file = "freed_lazy.jsonl",
		.common = {
			{ "flushes", "task_switch", 2 },
			{ "flushes", "local", 1 },
			{ "flushes", "remote", 0 },
			{ "flushes", "full", 1 },
			{ "flushes", "partial", 0 },
			{ "counters", "wrong_cpu", 0 },
		},
		.pol = {
			{ .flush = 1, .sync = 0, .to_lazy = 1 },
			{ .flush = 1, .sync = 0, .to_lazy = 1 },
			{ .flush = 1, .sync = 0, .to_lazy = 1 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * unshare_lazy (native, 4 CPUs) — the seed case.
 * t=0      cpu0 switch 1 (ctx 2), cpu1 switch 1, cpu2 switch 2 (ctx 3):
 *          slot 1 each, ts=3; mask(1)={0,1}, mask(2)={2}; cpu3 on init_mm.
 * t=10000  hugetlb VMAs [1 GiB, 2 GiB) in mm1 and mm2
 * t=20000  cpu2 touch mm2 1 GiB: mm2's PUD table and PMD table T allocated,
 *          2 MiB leaf present.
 * t=30000  share mm1 with mm2: mm1's PUD table allocated, its entry at
 *          1 GiB → T; share count 2.
 * t=40000  cpu1 touch mm1 1 GiB through T (cpu1 may now cache PUD→T).
 * t=50000  cpu1 lazy on mm1 (slot 1 last flushed at t=0, before the link).
 * t=60000  cpu0 unshare mm1 1 GiB: T shared → clear mm1's PUD entry, count
 *          2→1 → unshared_tables=1, fully_unshared_tables=1, freed=0.
 *          Range 1 GiB at PMD level (stride 21): 512 > 33 → full.
 *          gen(mm1) 0→1, path B (cpu1 in mask), no trim.
 *   P0 legacy: wake_lazy = freed = false → on_each_cpu_cond_mask:
 *          should_flush_tlb(cpu1) false (lazy) → 0 flush IPIs. cpu0 local
 *          full (local=1, full=1). Fully unshared → sync_one, sync=always →
 *          IPIs to {1,2,3}: sync=3. End of the unshare gather: T handed
 *          over to mm2; cpu1 still has mm1 loaded (lazy), may cache PUD→T
 *          (loaded on slot 1 since t=0, link at t=30000) and slot 1 was not
 *          flushed since the unlink → stale_psc on cpu1. cpu0 flushed → no.
 *   P1 wake-lazy: wake_lazy = freed||unshared = true → unfiltered: IPI to
 *          cpu1 (flush=1, to_lazy=1) → lazy → switch to init_mm (NOFLUSH).
 *          cpu0 local full. sync=native on native → skipped (sync=0,
 *          sync_skipped=1). At hand-over cpu1 is on init_mm → no hazard.
 *   P2 wake=freed+unshared,sync=never: the same flush; sync skipped; no
 *          gup_fast window → no hazard.
 */
static void test_unshare_lazy(void **state)
{
	static const struct scenario_expect e = {
		.file = "unshare_lazy.jsonl",
		.common = {
			{ "flushes", "task_switch", 3 },
			{ "flushes", "local", 1 },
			{ "flushes", "remote", 0 },
			{ "flushes", "full", 1 },
			{ "flushes", "partial", 0 },
			{ "counters", "remote_send_ipi", 1 },
		},
		.pol = {
			{ .flush = 0, .sync = 3, .to_lazy = 0,
			  .nhazards = 1, .hazards = { { "stale_psc", 1 } },
			  .fields = { { "counters", "sync_skipped", 0 } } },
			{ .flush = 1, .sync = 0, .to_lazy = 1,
			  .fields = { { "counters", "sync_skipped", 1 } } },
			{ .flush = 1, .sync = 0, .to_lazy = 1,
			  .fields = { { "counters", "sync_skipped", 1 } } },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * unshare_partial (native, 4 CPUs)
 * t=0      cpu0 sw 1, cpu1 sw 1, cpu3 sw 2, cpu2 sw 3: ts=4;
 *          mask(1)={0,1}
 * t=10000  hugetlb [1 GiB, 2 GiB) in mm1, mm2, mm3
 * t=20000  cpu2 touch mm3: PMD table T (mm3's)
 * t=30000  share mm1 with mm3, share mm2 with mm3: count 3
 * t=40000  cpu1 touch mm1 through T; t=50000 cpu1 lazy on mm1
 * t=60000  cpu0 unshare mm1: count 3→2 → unshared_tables=1 but NOT
 *          fully_unshared → tlb_flush_unshared_tables() flushes only, no
 *          sync_one under any policy (sync_calls 0). Full flush (1 GiB at
 *          stride 21), gen 0→1, path B, no trim.
 *   P0: filtered → lazy cpu1 skipped → 0 IPIs; hand-over at the end of the
 *          unshare gather (T now belongs to mm2 and mm3, which may rewrite
 *          or free it with no IPI to mm1's CPUs) → stale_psc on cpu1.
 *   P1, P2: unfiltered → IPI to cpu1 (to_lazy) → init_mm; no hazard.
 */
static void test_unshare_partial(void **state)
{
	static const struct scenario_expect e = {
		.file = "unshare_partial.jsonl",
		.common = {
			{ "flushes", "task_switch", 4 },
			{ "flushes", "local", 1 },
			{ "flushes", "full", 1 },
			{ "counters", "sync_skipped", 0 },
		},
		.pol = {
			{ .flush = 0, .sync = 0, .to_lazy = 0,
			  .nhazards = 1, .hazards = { { "stale_psc", 1 } } },
			{ .flush = 1, .sync = 0, .to_lazy = 1 },
			{ .flush = 1, .sync = 0, .to_lazy = 1 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * unshare_full_vs_partial (native, 4 CPUs; no lazy CPU anywhere)
 * t=0      cpu0 sw 1, cpu1 sw 2, cpu2 sw 3: ts=3; each mask has one CPU.
 * t=20000  cpu2 touch mm3: T; t=30000 mm1 and mm2 share T (count 3)
 * t=40000  cpu0 touch mm1, cpu1 touch mm2 through T
 * t=50000  cpu0 unshare mm1: count 3→2, not fully → no sync. gen(mm1)
 *          0→1; mask(1)={0} → path C: local flush_tlb_func, full (1 GiB at
 *          stride 21). Hand-over: only cpu0 has mm1, flushed → no hazard.
 * t=60000  cpu1 unshare mm2: count 2→1, fully unshared. mask(2)={1} →
 *          path C, local full. Then sync_one:
 *   P0: always → IPIs to {0,2,3}: sync=3.
 *   P1: native backend → skipped: sync=0, sync_skipped=1.
 *   P2: never → skipped: sync=0, sync_skipped=1.
 * No flush IPI at all, no hazard.
 */
static void test_unshare_full_vs_partial(void **state)
{
	static const struct scenario_expect e = {
		.file = "unshare_full_vs_partial.jsonl",
		.common = {
			{ "flushes", "task_switch", 3 },
			{ "flushes", "local", 2 },
			{ "flushes", "remote", 0 },
			{ "flushes", "full", 2 },
			{ "counters", "remote_send_ipi", 0 },
		},
		.pol = {
			{ .flush = 0, .sync = 3, .to_lazy = 0,
			  .fields = { { "counters", "sync_skipped", 0 } } },
			{ .flush = 0, .sync = 0, .to_lazy = 0,
			  .fields = { { "counters", "sync_skipped", 1 } } },
			{ .flush = 0, .sync = 0, .to_lazy = 0,
			  .fields = { { "counters", "sync_skipped", 1 } } },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * stale_cpumask (native, 2 CPUs)
 * t=0      cpu0, cpu1 switch 1: slot 1 each, ts=2; mask(1)={0,1}
 * t=10000  VMAs A [0x200000,+2M) and B [0x400000,+2M): one PTE table each,
 *          same PMD table
 * t=20000  cpu0 touch 0x200000 and 0x400000
 * t=30000  cpu1 switch 2 (ctx 3): miss → slot 2, ts=3; bit 1 stays in
 *          mask(1) (stale)
 * t=40000  cpu0 zap 0x200000: 1 page, no table → filtered. gen 0→1,
 *          path B (cpu1 in mask; remote_send_ipi=1), no trim:
 *          should_flush_tlb(cpu1): not lazy, loaded mm2 ≠ mm1, no trim →
 *          false → 0 IPIs. cpu0 local partial (lg 0 → 1).
 * t=50000  cpu0 unmap B: 0x400000 cleared; B's PTE table spans no VMA →
 *          freed (PMD table still spans A → kept). Range [0x400000,+4K) at
 *          PTE and PMD levels, stride 12, 1 page. freed → wake_lazy under
 *          every policy → unfiltered: gen 1→2, path B (remote_send_ipi=2),
 *          IPI → cpu1 (flush=1, not lazy). cpu1 flush_tlb_func: loaded_mm ≠
 *          mm1 → wrong CPU: clear bit (wrong_cpu=1). cpu0 local partial
 *          (lg 1, new 2 = gen).
 * t=55000  cpu0 touch 0x200000 again (present)
 * t=60000  cpu0 unmap A: 0x200000 cleared; PTE, PMD and PUD tables freed
 *          (no VMA left): range [0, 0x201000) = 513 pages → full.
 *          gen 2→3; mask(1)={0} → path C: local full; no flush_tlb_multi.
 *          Tables freed after RCU: only cpu0 has mm1, flushed → no hazard.
 * Every policy: flush 1, sync 0, to_lazy 0, no hazard.
 */
static void test_stale_cpumask(void **state)
{
	static const struct scenario_expect e = {
		.file = "stale_cpumask.jsonl",
		.common = {
			{ "flushes", "task_switch", 3 },
			{ "flushes", "local", 3 },
			{ "flushes", "remote", 0 },
			{ "flushes", "partial", 2 },
			{ "flushes", "full", 1 },
			{ "counters", "wrong_cpu", 1 },
			{ "counters", "remote_send_ipi", 2 },
		},
		.pol = {
			{ .flush = 1, .sync = 0, .to_lazy = 0 },
			{ .flush = 1, .sync = 0, .to_lazy = 0 },
			{ .flush = 1, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * trim_after_1s (native, 3 CPUs)
 * t=0      cpu0, cpu1, cpu2 switch 1 (first mention at t=0 →
 *          next_trim = 1 s): slot 1 each, ts=3; mask(1)={0,1,2}
 * t=20000  cpu0 touch 0x200000, 0x201000
 * t=30000  cpu1 switch 2: slot 2, ts=4; cpu1 stale in mask(1)
 * t=40000  cpu0 zap 0x200000: 1 page, filtered. gen 0→1, path B
 *          (remote_send_ipi=1); should_trim: 40 µs > 1 s? no.
 *          cpu1: not lazy, mm2, no trim → skip. cpu2: loaded mm1 → IPI
 *          (flush=1): lg 0, new 1 → partial (remote). cpu0 local partial.
 * t=1.1 s  cpu0 zap 0x201000: gen 1→2, path B (remote_send_ipi=2);
 *          should_trim: 1.1 s > 1 s → yes, next_trim = 2.1 s.
 *          cpu1: not lazy, not loaded, trim → IPI (flush=2) → wrong CPU,
 *          bit cleared (wrong_cpu=1). cpu2: loaded → IPI (flush=3), lg 1,
 *          new 2 → partial. cpu0 local partial.
 * t=1.10001 s cpu2 switch 2: slot 2, ts=5; cpu2 now stale in mask(1)={0,2}
 * t=1.15 s cpu0 touch 0x200000 again
 * t=1.2 s  cpu0 zap 0x200000: gen 2→3, path B (cpu2's bit;
 *          remote_send_ipi=3); should_trim: 1.2 s > 2.1 s? no → cpu2
 *          skipped, 0 IPIs. cpu0 local partial.
 * Every policy: flush 3, sync 0, to_lazy 0, no hazard; partial = 3 local
 * + 2 remote.
 */
static void test_trim_after_1s(void **state)
{
	static const struct scenario_expect e = {
		.file = "trim_after_1s.jsonl",
		.common = {
			{ "flushes", "task_switch", 5 },
			{ "flushes", "local", 3 },
			{ "flushes", "remote", 2 },
			{ "flushes", "partial", 5 },
			{ "flushes", "full", 0 },
			{ "counters", "wrong_cpu", 1 },
			{ "counters", "remote_send_ipi", 3 },
		},
		.pol = {
			{ .flush = 3, .sync = 0, .to_lazy = 0 },
			{ .flush = 3, .sync = 0, .to_lazy = 0 },
			{ .flush = 3, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * asid_reuse (native, 2 CPUs). cpu0's slots, [slot]=mm, "n" = next_asid:
 * t=0      sw 1 → miss, slot 1 (n=2), ts=1
 * t=10000  sw 2 → slot 2 (n=3), ts=2
 * t=20000  sw 3 → slot 3 (n=4), ts=3
 * t=30000  sw 4 → slot 4 (n=5), ts=4
 * t=40000  sw 5 → slot 5 (n=6), ts=5
 * t=50000  sw 6 → n=6 reaches TLB_NR_DYN_ASIDS → slot 0 (evicts init_mm),
 *          n=1, ts=6
 * t=60000  sw 7 → slot 1 (evicts mm1), n=2, ts=7
 *          slots now: 0=mm6 1=mm7 2=mm2 3=mm3 4=mm4 5=mm5
 * t=70000  sw 1 → no slot has mm1's ctx → slot 2 (evicts mm2), n=3, ts=8
 * t=80000  sw 3 → slot 3 still mm3 at gen 0 == gen(mm3) 0 → NOFLUSH
 *          (task_switch_noflush=1)
 * t=90000  cpu1 sw 4 → cpu1 slot 1, ts=9; mask(4)={0,1} (cpu0 stale)
 * t=110000 cpu1 touch mm4; t=120000 cpu1 zap 1 page: gen(mm4) 0→1, path B
 *          (cpu0 in mask; remote_send_ipi=1), filtered: cpu0 runs mm3,
 *          no trim → skipped. cpu1 local partial.
 * t=130000 cpu0 sw 4 → slot 4 holds mm4 at gen 0 < 1 → flush, ts=10
 * t=140000 cpu0 sw 2 → mm2's slot was recycled at t=70000 → miss → slot 3
 *          (evicts mm3), n=4, ts=11
 * t=150000 cpu0 sw 5 → slot 5 still mm5, gen 0 == 0 → NOFLUSH (noflush=2)
 * Every policy: no IPI, no hazard; ts=11, noflush=2.
 */
static void test_asid_reuse(void **state)
{
	static const struct scenario_expect e = {
		.file = "asid_reuse.jsonl",
		.common = {
			{ "flushes", "task_switch", 11 },
			{ "counters", "task_switch_noflush", 2 },
			{ "flushes", "local", 1 },
			{ "flushes", "partial", 1 },
			{ "counters", "remote_send_ipi", 1 },
			{ "counters", "wrong_cpu", 0 },
		},
		.pol = {
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * ceiling_33 (native, 2 CPUs; cpu1 stays on init_mm, so every flush of
 * mm1 takes path C: local only)
 * t=0      cpu0 sw 1: ts=1; mask={0}
 * t=20000  touch 33 pages [0x200000, 0x221000)
 * t=30000  zap them: range = 33 present pages; 33 > 33? no → partial.
 *          gen 0→1, lg 0 → partial (local=1, partial=1)
 * t=40000  touch 34 pages [0x200000, 0x222000)
 * t=50000  zap them: 34 > 33 → range collapses to full. gen 2, lg 1 → full
 * t=60000  touch 0x200000 and 0x210000 only
 * t=70000  zap all 2 MiB: only the two present pages enter the range
 *          (tlb_remove_tlb_entry per present PTE): [0x200000, 0x211000) =
 *          17 pages → partial; gen 3, lg 2 → partial
 * Every policy: no IPI, no hazard; partial 2, full 1.
 */
static void test_ceiling_33(void **state)
{
	static const struct scenario_expect e = {
		.file = "ceiling_33.jsonl",
		.common = {
			{ "flushes", "task_switch", 1 },
			{ "flushes", "local", 3 },
			{ "flushes", "remote", 0 },
			{ "flushes", "partial", 2 },
			{ "flushes", "full", 1 },
			{ "counters", "remote_send_ipi", 0 },
		},
		.pol = {
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * collapse_sync (native, 4 CPUs)
 * t=0      cpu0, cpu1, cpu2 sw 1: ts=3; mask={0,1,2}; cpu3 on init_mm
 * t=20000  cpu1 touch 0x200000-0x201fff: PTE table P at 0x200000
 * t=30000  cpu2 touch 0x202000; t=40000 cpu2 lazy
 * t=50000  cpu0 collapse 0x200000: pmdp_collapse_flush = flush_tlb_range,
 *          2 MiB at stride 12 = 512 pages → full, freed_tables=true under
 *          every policy. gen 0→1, path B, no trim; unfiltered: IPI → cpu1
 *          (running: lg 0 → full remote flush), IPI → cpu2 (lazy at send:
 *          to_lazy=1; → init_mm, no flush counted). flush=2. cpu0 local
 *          full. Then tlb_remove_table_sync_one():
 *   P0: always → IPIs to {1,2,3}: sync=3.
 *   P1: native → skipped (sync_skipped=1). P2: never → skipped.
 *          P reused at once: cpu1 flushed after the unlink, cpu2 on
 *          init_mm, no gup_fast window → no hazard under any policy.
 */
static void test_collapse_sync(void **state)
{
	static const struct scenario_expect e = {
		.file = "collapse_sync.jsonl",
		.common = {
			{ "flushes", "task_switch", 3 },
			{ "flushes", "local", 1 },
			{ "flushes", "remote", 1 },
			{ "flushes", "full", 2 },
			{ "flushes", "partial", 0 },
		},
		.pol = {
			{ .flush = 2, .sync = 3, .to_lazy = 1,
			  .fields = { { "counters", "sync_skipped", 0 } } },
			{ .flush = 2, .sync = 0, .to_lazy = 1,
			  .fields = { { "counters", "sync_skipped", 1 } } },
			{ .flush = 2, .sync = 0, .to_lazy = 1,
			  .fields = { { "counters", "sync_skipped", 1 } } },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * gup_fast_native (native, 3 CPUs; cpu2 on init_mm)
 * t=0      cpu0, cpu1 sw 1: ts=2; mask={0,1}
 * t=20000  cpu1 touch 0x200000: PTE table P
 * t=30000  cpu1 gup_fast at 0x200000 for 50 µs: IRQs off [30000, 80000),
 *          P on its path
 * t=40000  cpu0 collapse: full flush, freed → unfiltered under every
 *          policy: IPI → cpu1 (flush=1, not lazy); it arrives while IRQs
 *          are off and runs at t≥80000 (full remote flush, lg 0); cpu0
 *          runs its local full flush and waits for the ack. Then sync:
 *   P0: IPIs to {1,2}: sync=2 (cpu1's IRQs are on again by then).
 *   P1, P2: skipped.
 *          P reused after the flush completed, i.e. after the gup_fast
 *          window closed → no gup_fast hazard; cpu1 flushed → no stale_psc.
 */
static void test_gup_fast_native(void **state)
{
	static const struct scenario_expect e = {
		.file = "gup_fast_native.jsonl",
		.common = {
			{ "flushes", "task_switch", 2 },
			{ "flushes", "local", 1 },
			{ "flushes", "remote", 1 },
			{ "flushes", "full", 2 },
		},
		.pol = {
			{ .flush = 1, .sync = 2, .to_lazy = 0 },
			{ .flush = 1, .sync = 0, .to_lazy = 0 },
			{ .flush = 1, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * gup_fast_kvm_preempted (kvm, 3 CPUs; cpu2 on init_mm)
 * t=0      cpu0, cpu1 sw 1: ts=2; mask={0,1}
 * t=20000  cpu1 touch 0x200000: PTE table P
 * t=30000  cpu1 gup_fast 20 µs: window [30000, 50000)
 * t=35000  cpu1 preempted 100 µs [35000, 135000): it starts inside the
 *          window, which is lengthened to [30000, 150000)
 * t=50000  cpu0 collapse: full flush, freed → unfiltered; gen 0→1, path B.
 *          kvm_flush_tlb_multi: cpu1 preempted at send → no IPI,
 *          KVM_VCPU_FLUSH_TLB flagged (kvm_deferred=1, flush=0). cpu0
 *          local full. Then tlb_remove_table_sync_one():
 *   P0 (always) and P1 (native, but the backend is kvm → not skipped):
 *          IPIs to {1,2}: sync=2. cpu1 takes it only when it runs with
 *          IRQs on, at t≥150000: P is reused after the walk → no gup_fast.
 *          Then cpu1 has been flushed by the host on its return → no
 *          stale_psc.
 *   P2 (never): skipped → P reused at once, while cpu1's window (open
 *          until 150000) has P on its path → gup_fast on cpu1. No
 *          stale_psc: cpu1 is preempted with a pending host flush.
 */
static void test_gup_fast_kvm_preempted(void **state)
{
	static const struct scenario_expect e = {
		.file = "gup_fast_kvm_preempted.jsonl",
		.common = {
			{ "flushes", "task_switch", 2 },
			{ "flushes", "local", 1 },
			{ "flushes", "remote", 0 },
			{ "flushes", "full", 1 },
			{ "counters", "kvm_deferred", 1 },
		},
		.pol = {
			{ .flush = 0, .sync = 2, .to_lazy = 0,
			  .fields = { { "counters", "sync_skipped", 0 } } },
			{ .flush = 0, .sync = 2, .to_lazy = 0,
			  .fields = { { "counters", "sync_skipped", 0 } } },
			{ .flush = 0, .sync = 0, .to_lazy = 0,
			  .nhazards = 1, .hazards = { { "gup_fast", 1 } },
			  .fields = { { "counters", "sync_skipped", 1 } } },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * hyperv_lazy (hyperv, 4 CPUs)
 * t=0      cpu0 sw 1, cpu1 sw 1, cpu2 sw 2: ts=3; mask(1)={0,1}
 * t=10000  mm1: normal VMA [0x200000,+2M) and hugetlb [1G,2G); mm2 hugetlb
 * t=20000  cpu2 touch mm2 → T; cpu0 touch mm1 0x200000
 * t=30000  share mm1 with mm2 (count 2); t=40000 cpu1 touch mm1 via T
 * t=50000  cpu1 lazy on mm1
 * t=60000  cpu0 zap 0x200000: 1 page, freed=unshared=0 → wake_lazy false
 *          under every policy. gen 0→1, path B. hyperv_flush_tlb_multi:
 *          do_lazy → cpu1 skipped; hypercall flushes {0}
 *          (hypercall_flushes=1). No IPI.
 * t=70000  cpu0 unshare mm1: count 2→1, fully unshared; full; gen 1→2,
 *          path B.
 *   P0: wake false → do_lazy → hypercall flushes {0} (total 2); sync
 *          always → IPIs {1,2,3}: sync=3. Hand-over: cpu1 lazy on mm1,
 *          may cache PUD→T (slot 1 last flushed at t=0; the t=60000 flush
 *          skipped it), not flushed since the unlink → stale_psc on cpu1.
 *   P1: wake true → hypercall flushes {0,1} (total 3): cpu1's TLB and
 *          paging-structure caches are flushed by the hypervisor (no
 *          handler: it stays lazy on mm1, but holds no link) → no hazard.
 *          sync=native, backend hyperv → not skipped: sync=3.
 *   P2: as P1 but the sync is skipped: sync=0; no hazard (no gup_fast).
 * ipis.flush is 0 everywhere: hypercall flushes are not IPIs.
 */
static void test_hyperv_lazy(void **state)
{
	static const struct scenario_expect e = {
		.file = "hyperv_lazy.jsonl",
		.common = {
			{ "flushes", "task_switch", 3 },
		},
		.pol = {
			{ .flush = 0, .sync = 3, .to_lazy = 0,
			  .nhazards = 1, .hazards = { { "stale_psc", 1 } },
			  .fields = { { "counters", "hypercall_flushes", 2 },
				      { "counters", "sync_skipped", 0 } } },
			{ .flush = 0, .sync = 3, .to_lazy = 0,
			  .fields = { { "counters", "hypercall_flushes", 3 },
				      { "counters", "sync_skipped", 0 } } },
			{ .flush = 0, .sync = 0, .to_lazy = 0,
			  .fields = { { "counters", "hypercall_flushes", 3 },
				      { "counters", "sync_skipped", 1 } } },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * invlpgb_transition (invlpgb, 3 CPUs)
 * t=0      cpu0, cpu1, cpu2 sw 1 (no global ASID yet): dynamic slot 1
 *          each, ts=3; mask={0,1,2}
 * t=20000  cpu0 touch 0x200000, 0x201000
 * t=30000  global_asid mm1: mm_assign_global_asid, transition open
 * t=40000  cpu0 zap 0x200000: gen 0→1. Path A (global ASID):
 *          broadcast_tlb_flush (invlpgb_flushes=1), then
 *          finish_asid_transition(): cpus 0, 1, 2 have loaded_mm == mm1 on
 *          a dynamic ASID → flush_tlb_multi on the mask, unfiltered
 *          (transition): IPIs → cpu1, cpu2 (flush=2); cpu0 runs
 *          flush_tlb_func locally. Each: step 2 moves it to the global ASID
 *          (same-mm switch_mm_irqs_off, no flush), step 3 done. Transition
 *          stays open. Every CPU on a dynamic ASID got the IPI (cpu0: the
 *          local call) → no asid_transition hazard.
 * t=50000  cpu0 zap 0x201000: gen 1→2, path A (invlpgb_flushes=2);
 *          finish_asid_transition finds every CPU on the global ASID →
 *          closes the transition, no IPI.
 * Every policy (wake and sync do not enter path A): flush 2, sync 0.
 */
static void test_invlpgb_transition(void **state)
{
	static const struct scenario_expect e = {
		.file = "invlpgb_transition.jsonl",
		.common = {
			{ "flushes", "task_switch", 3 },
			{ "counters", "invlpgb_flushes", 2 },
			{ "counters", "wrong_cpu", 0 },
		},
		.pol = {
			{ .flush = 2, .sync = 0, .to_lazy = 0 },
			{ .flush = 2, .sync = 0, .to_lazy = 0 },
			{ .flush = 2, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * exit_lazy (native, 3 CPUs)
 * t=0      cpu0, cpu1, cpu2 sw 1: ts=3; mask(1)={0,1,2}
 * t=20000  cpu0 touch 0x200000; t=30000 cpu1 lazy on mm1
 * t=40000  cpu2 sw 2: slot 2, ts=4; cpu2 stale in mask(1)
 * t=50000  cpu0 exit mm1: exit_mm → enter_lazy_tlb: cpu0 lazy on mm1.
 *          exit_mmap: full-mm gather, every table freed, one full flush
 *          with freed_tables → wake_lazy under every policy. gen 0→1,
 *          path B, unfiltered: IPI → cpu1 (lazy: to_lazy=1; → init_mm,
 *          NOFLUSH), IPI → cpu2 (loaded mm2 ≠ mm1: wrong CPU, wrong_cpu=1).
 *          cpu0, in the mask and unfiltered, runs flush_tlb_func locally:
 *          lazy → switch to init_mm (NOFLUSH), so no local flush is
 *          counted. No sync. Tables freed after RCU: no CPU has mm1
 *          loaded → no hazard.
 * Every policy: flush 2, sync 0, to_lazy 1, no hazard.
 */
static void test_exit_lazy(void **state)
{
	static const struct scenario_expect e = {
		.file = "exit_lazy.jsonl",
		.common = {
			{ "flushes", "task_switch", 4 },
			{ "flushes", "local", 0 },
			{ "flushes", "remote", 0 },
			{ "flushes", "full", 0 },
			{ "flushes", "partial", 0 },
			{ "counters", "wrong_cpu", 1 },
			{ "counters", "remote_send_ipi", 1 },
		},
		.pol = {
			{ .flush = 2, .sync = 0, .to_lazy = 1 },
			{ .flush = 2, .sync = 0, .to_lazy = 1 },
			{ .flush = 2, .sync = 0, .to_lazy = 1 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * xen_flush (xen, 3 CPUs; cpu2 on init_mm)
 * t=0      cpu0, cpu1 sw 1: ts=2; mask={0,1}
 * t=20000  cpu0 touch 0x200000, 0x201000; t=30000 cpu1 touch 0x200000
 * t=40000  cpu1 lazy
 * t=50000  cpu0 zap 0x201000: gen 0→1, path B; xen_flush_tlb_multi has no
 *          lazy filter: hypercall flushes {0,1} (hypercall_flushes=2),
 *          no IPI.
 * t=60000  cpu0 collapse: gen 1→2, path B, hypercall flushes {0,1}
 *          (total 4). Sync:
 *   P0 always, P1 native but backend xen → not skipped: IPIs {1,2}: sync=2.
 *   P2 never: skipped.
 *          P reused: cpu1 still lazy on mm1 but flushed by the hypervisor
 *          after the unlink → no stale_psc; no gup_fast window → no hazard.
 */
static void test_xen_flush(void **state)
{
	static const struct scenario_expect e = {
		.file = "xen_flush.jsonl",
		.common = {
			{ "flushes", "task_switch", 2 },
			{ "counters", "hypercall_flushes", 4 },
		},
		.pol = {
			{ .flush = 0, .sync = 2, .to_lazy = 0 },
			{ .flush = 0, .sync = 2, .to_lazy = 0 },
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * raw_flush_sync (native, 4 CPUs)
 * t=0      cpu0, cpu1, cpu2 sw 1: ts=3; mask={0,1,2}
 * t=10000  cpu1 lazy
 * t=20000  cpu0 raw flush [0x200000, 0x201000) stride 12, freed=0,
 *          unshared=1: 1 page → not full. gen 0→1, path B, no trim.
 *   P0: wake=freed → false → filtered: cpu1 lazy → skip; cpu2 loaded →
 *          IPI (flush=1): lg 0, new 1 → partial remote.
 *   P1, P2: wake=freed+unshared → true → unfiltered: cpu1 (to_lazy=1,
 *          → init_mm) and cpu2 (partial remote): flush=2.
 *          cpu0 local partial in every policy.
 * t=30000  cpu3 raw sync:
 *   P0: always → IPIs {0,1,2}: sync=3. P1: native backend → skipped.
 *   P2: never → skipped.
 * No table was unlinked → no hazard.
 */
static void test_raw_flush_sync(void **state)
{
	static const struct scenario_expect e = {
		.file = "raw_flush_sync.jsonl",
		.common = {
			{ "flushes", "task_switch", 3 },
			{ "flushes", "local", 1 },
			{ "flushes", "remote", 1 },
			{ "flushes", "partial", 2 },
			{ "flushes", "full", 0 },
		},
		.pol = {
			{ .flush = 1, .sync = 3, .to_lazy = 0,
			  .fields = { { "counters", "sync_skipped", 0 } } },
			{ .flush = 2, .sync = 0, .to_lazy = 1,
			  .fields = { { "counters", "sync_skipped", 1 } } },
			{ .flush = 2, .sync = 0, .to_lazy = 1,
			  .fields = { { "counters", "sync_skipped", 1 } } },
		},
	};

	(void)state;
	check_scenario(&e);
}

/*
 * protect_active (native, 4 CPUs; cpu3 on init_mm)
 * t=0      cpu0, cpu1, cpu2 sw 1: ts=3; mask={0,1,2}
 * t=20000  cpu0 touch 3 pages; t=30000 cpu1 touch 0x201000
 * t=40000  cpu0 protect the 3 pages: 3 present → range 3 pages, stride 12,
 *          no table → filtered. gen 0→1, path B: cpu1, cpu2 loaded, not
 *          lazy → IPIs (flush=2); each lg 0 → partial remote; cpu0 local
 *          partial. cpu3 is not in the mask.
 * Every policy: flush 2, sync 0, to_lazy 0; partial 3 (1 local, 2 remote).
 */
static void test_protect_active(void **state)
{
	static const struct scenario_expect e = {
		.file = "protect_active.jsonl",
		.common = {
			{ "flushes", "task_switch", 3 },
			{ "flushes", "local", 1 },
			{ "flushes", "remote", 2 },
			{ "flushes", "partial", 3 },
			{ "flushes", "full", 0 },
			{ "counters", "remote_send_ipi", 1 },
		},
		.pol = {
			{ .flush = 2, .sync = 0, .to_lazy = 0 },
			{ .flush = 2, .sync = 0, .to_lazy = 0 },
			{ .flush = 2, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	check_scenario(&e);
}

/* ------------------------------------------------------------------ */

/* Same input, same options → byte-identical output (design.md). */
static void test_deterministic(void **state)
{
	const char *path = scenario_path("unshare_lazy.jsonl");
	struct tu_run a = run_compare(path);
	struct tu_run b = run_compare(path);

	(void)state;
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	assert_true(a.out[0] != '\0');
	assert_string_equal(a.out, b.out);
	tu_run_free(&a);
	tu_run_free(&b);
}

/*
 * A touch on a CPU that does not run the mm non-lazily is outside the
 * contract (MODEL.md §5b): exit 2, "file:line:" on stderr, no report.
 * @bad_line is the 1-based line of the offending event.
 */
static void expect_model_error(const char *text, int bad_line)
{
	char *path = tu_tmpfile(text, ".jsonl");
	char want[4200];
	struct tu_run r;

	assert_non_null(path);
	r = run_compare(path);
	snprintf(want, sizeof(want), "%s:%d:", path, bad_line);
	/* removed before any assertion can jump out of this function */
	unlink(path);
	free(path);
	if (r.status != 2)
		fail_msg("exit %d, expected 2; stderr: %s", r.status, r.err);
	if (!strstr(r.err, want))
		fail_msg("stderr lacks \"%s\": %s", want, r.err);
	assert_string_equal(r.out, "");
	tu_run_free(&r);
}

static void test_touch_not_running_is_error(void **state)
{
	(void)state;
	/* cpu1 never switched to mm 1 */
	expect_model_error(
		"{\"tlbsim\": 1, \"cpus\": 2, \"clock\": \"ns\", \"comment\": \"touch on a CPU not running the mm\"}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 10000, \"cpu\": 0, \"ev\": \"map\", \"mm\": 1, \"addr\": \"0x200000\", \"len\": 4096}\n"
		"{\"t\": 20000, \"cpu\": 1, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x200000\"}\n",
		4);
	/* cpu1 holds mm 1, but lazily: a kernel thread has no user mm */
	expect_model_error(
		"{\"tlbsim\": 1, \"cpus\": 2, \"clock\": \"ns\", \"comment\": \"touch on a lazy CPU\"}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 0, \"cpu\": 1, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 10000, \"cpu\": 0, \"ev\": \"map\", \"mm\": 1, \"addr\": \"0x200000\", \"len\": 4096}\n"
		"{\"t\": 20000, \"cpu\": 1, \"ev\": \"switch\", \"mm\": null}\n"
		"{\"t\": 30000, \"cpu\": 1, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x200000\"}\n",
		6);
}

/* ------------------------------------------------------------------ */

static bool known_event(const char *ev)
{
	static const char *const names[] = {
		"switch", "map", "touch", "unmap", "zap", "protect",
		"collapse", "share", "unshare", "gup_fast", "irq_off",
		"preempt", "global_asid", "speculate", "exit", "flush",
		"sync",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(ev, names[i]) == 0)
			return true;
	return false;
}

/*
 * The scenario files themselves (checkable before the model exists): a
 * header with a comment, 2-4 CPUs, at most 25 events, times non-decreasing,
 * CPUs in range, known event kinds; every file in the directory has a test
 * above and a line in the README.
 */
static void test_files_well_formed(void **state)
{
	char *readme = tu_slurp(tu_src("traces/scenarios/independent/README.md"));
	DIR *d;
	struct dirent *de;

	(void)state;
	assert_non_null(readme);
	for (size_t i = 0; i < NSCENARIOS; i++) {
		const char *file = scenario_files[i];
		char *text = tu_slurp(scenario_path(file));
		char *save = NULL, *line;
		long long cpus = 0, last_t = 0;
		unsigned lineno = 0, events = 0;

		if (!text)
			fail_msg("%s: unreadable", file);
		if (!strstr(readme, file))
			fail_msg("README.md does not list %s", file);
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			json_error_t jerr;
			json_t *o = json_loads(line, 0, &jerr);

			lineno++;
			if (!o)
				fail_msg("%s:%u: %s", file, lineno, jerr.text);
			if (lineno == 1) {
				const char *c = json_string_value(
					json_object_get(o, "comment"));

				assert_int_equal(json_integer_value(
					json_object_get(o, "tlbsim")), 1);
				cpus = json_integer_value(json_object_get(o, "cpus"));
				assert_in_range(cpus, 2, 4);
				if (!c || strlen(c) < 40)
					fail_msg("%s: header comment missing", file);
			} else {
				long long t = json_integer_value(
					json_object_get(o, "t"));
				json_t *cpu = json_object_get(o, "cpu");
				const char *ev = json_string_value(
					json_object_get(o, "ev"));

				events++;
				if (t < last_t)
					fail_msg("%s:%u: time goes back", file, lineno);
				last_t = t;
				if (!json_is_integer(cpu) ||
				    json_integer_value(cpu) < 0 ||
				    json_integer_value(cpu) >= cpus)
					fail_msg("%s:%u: bad cpu", file, lineno);
				if (!ev || !known_event(ev))
					fail_msg("%s:%u: unknown ev", file, lineno);
			}
			json_decref(o);
		}
		if (events == 0 || events > MAX_EVENTS)
			fail_msg("%s: %u events", file, events);
		free(text);
	}
	d = opendir(tu_src("traces/scenarios/independent"));
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		bool listed = false;

		if (n < 6 || strcmp(de->d_name + n - 6, ".jsonl") != 0)
			continue;
		for (size_t i = 0; i < NSCENARIOS; i++)
			listed |= strcmp(de->d_name, scenario_files[i]) == 0;
		if (!listed)
			fail_msg("%s has no test in test_scenarios.c", de->d_name);
	}
	closedir(d);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_well_formed),
		cmocka_unit_test(test_lazy_skip_zap),
		cmocka_unit_test(test_freed_lazy),
		cmocka_unit_test(test_unshare_lazy),
		cmocka_unit_test(test_unshare_partial),
		cmocka_unit_test(test_unshare_full_vs_partial),
		cmocka_unit_test(test_stale_cpumask),
		cmocka_unit_test(test_trim_after_1s),
		cmocka_unit_test(test_asid_reuse),
		cmocka_unit_test(test_ceiling_33),
		cmocka_unit_test(test_collapse_sync),
		cmocka_unit_test(test_gup_fast_native),
		cmocka_unit_test(test_gup_fast_kvm_preempted),
		cmocka_unit_test(test_hyperv_lazy),
		cmocka_unit_test(test_invlpgb_transition),
		cmocka_unit_test(test_exit_lazy),
		cmocka_unit_test(test_xen_flush),
		cmocka_unit_test(test_raw_flush_sync),
		cmocka_unit_test(test_protect_active),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_touch_not_running_is_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
