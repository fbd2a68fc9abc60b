/*
 * test_scenarios.c - every teaching scenario in traces/scenarios/, run
 * through the CLI (`tlbsim compare FILE --json` with the three policies
 * below), against values derived by hand from docs/MODEL.md and the
 * protocol spec. The derivation stands above each expectation.
 *
 * Policies, in this order: legacy (wake=freed,sync=always), wake-lazy
 * (wake=freed+unshared,sync=native), and the unsafe
 * wake=freed+unshared,sync=never.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define NPOL 3
#define NONE { { NULL, -1 } }

struct hz {
	const char *kind;
	int cpu;
};

struct expect {
	long flush, sync, to_lazy;
	struct hz hazards[3]; /* terminated by kind NULL */
};

/* Extra counters checked for every policy: name in the report, value. */
struct extra {
	const char *path; /* "flushes.partial", "counters.wrong_cpu", ... */
	long value;
};

static json_t *run_compare(const char *scenario)
{
	char path[256];
	struct tu_run r;
	json_error_t e;
	json_t *doc;

	snprintf(path, sizeof(path), "traces/scenarios/%s", scenario);
	r = tu_cli(NULL, "compare", path, "--json", "--policy", "legacy", "--policy",
		   "wake-lazy", "--policy", "wake=freed+unshared,sync=never", NULL);
	if (r.status)
		print_error("%s: %s", scenario, r.err);
	assert_int_equal(r.status, 0);
	doc = json_loads(r.out, 0, &e);
	assert_non_null(doc);
	tu_run_free(&r);
	return doc;
}

static long get(json_t *pol, const char *path)
{
	char group[32];
	const char *dot = strchr(path, '.');
	json_t *v;

	snprintf(group, sizeof(group), "%.*s", (int)(dot - path), path);
	v = json_object_get(json_object_get(pol, group), dot + 1);
	assert_true(json_is_integer(v));
	return (long)json_integer_value(v);
}

static void check(const char *scenario, const struct expect exp[NPOL],
		  const struct extra *extras)
{
	json_t *doc = run_compare(scenario), *pols = json_object_get(doc, "policies");

	assert_int_equal(json_array_size(pols), NPOL);
	for (size_t p = 0; p < NPOL; p++) {
		json_t *pol = json_array_get(pols, p), *hz = json_object_get(pol, "hazards");
		size_t n = 0;

		print_message("%s [%s]\n", scenario,
			      json_string_value(json_object_get(pol, "name")));
		assert_int_equal(get(pol, "ipis.flush"), exp[p].flush);
		assert_int_equal(get(pol, "ipis.sync"), exp[p].sync);
		assert_int_equal(get(pol, "ipis.to_lazy"), exp[p].to_lazy);
		assert_int_equal(get(pol, "ipis.total"), exp[p].flush + exp[p].sync);
		while (n < 3 && exp[p].hazards[n].kind)
			n++;
		assert_int_equal(json_array_size(hz), n);
		for (size_t i = 0; i < n; i++) {
			json_t *h = json_array_get(hz, i);

			assert_string_equal(json_string_value(json_object_get(h, "kind")),
					    exp[p].hazards[i].kind);
			assert_int_equal(json_integer_value(json_object_get(h, "cpu")),
					 exp[p].hazards[i].cpu);
			/* every hazard explains itself */
			assert_true(json_array_size(json_object_get(h, "chain")) >= 3);
		}
		for (const struct extra *x = extras; x && x->path; x++)
			assert_int_equal(get(pol, x->path), x->value);
	}
	json_decref(doc);
}

/*
 * t=0 cpus 0,1 switch to mm 1: slot 1 each, CR3 flush (task_switch 2).
 * t=10us cpu 0 zaps 4 present pages: freed=0 unshared=0 -> wake_lazy_cpus
 * false under every policy; path B (cpu 1's bit) -> should_flush_tlb(cpu 1):
 * lazy -> no IPI. cpu 0: 4 pages <= 33, one generation -> partial.
 * t=50us cpu 1 returns: ctxs.tlb_gen 0 < 1 -> CR3 flush (task_switch 3).
 */
static void test_lazy_skip_zap(void **state)
{
	static const struct expect e[NPOL] = {
		{ 0, 0, 0, NONE }, { 0, 0, 0, NONE }, { 0, 0, 0, NONE },
	};
	static const struct extra x[] = {
		{ "flushes.partial", 1 }, { "flushes.local", 1 },
		{ "flushes.task_switch", 3 }, { NULL, 0 },
	};

	(void)state;
	check("lazy_skip_zap.jsonl", e, x);
}

/*
 * The unmap clears one PTE, removes the only VMA and frees the PTE, PMD and
 * PUD tables: freed_tables -> unfiltered -> 1 IPI to lazy cpu 1 (to_lazy),
 * which switches to init_mm (slot 0 still init_mm's: no flush). Range:
 * the page plus the freed tables' entries -> over 33 pages -> full on cpu 0.
 */
static void test_freed_lazy(void **state)
{
	static const struct expect e[NPOL] = {
		{ 1, 0, 1, NONE }, { 1, 0, 1, NONE }, { 1, 0, 1, NONE },
	};
	static const struct extra x[] = {
		{ "flushes.full", 1 }, { "counters.task_switch_noflush", 1 },
		{ "counters.tables_freed", 3 }, { NULL, 0 },
	};

	(void)state;
	check("freed_lazy.jsonl", e, x);
}

/*
 * mm 1 shares mm 2's PMD table (2 users); cpu 1 lazy on mm 1; cpu 2 runs
 * mm 2. unshare: unshared_tables, 1 user left -> fully_unshared.
 * legacy: wake=false -> cpu 1 skipped (0 flush IPIs); sync_one -> IPIs to
 *   cpus 1, 2; at hand-over cpu 1 still has mm 1 in CR3, unflushed ->
 *   stale_psc on cpu 1.
 * wake-lazy: wake=true -> IPI to cpu 1 (lazy) -> init_mm; sync skipped
 *   (native): 1 flush, 0 sync, no hazard. sync=never: the same here.
 */
static void test_unshare_lazy(void **state)
{
	static const struct expect e[NPOL] = {
		{ 0, 2, 0, { { "stale_psc", 1 }, { NULL, -1 } } },
		{ 1, 0, 1, NONE },
		{ 1, 0, 1, NONE },
	};
	static const struct extra x[] = {
		{ "counters.sync_calls", 1 }, { "flushes.full", 1 }, { NULL, 0 },
	};

	(void)state;
	check("unshare_lazy.jsonl", e, x);
}

/*
 * mm 1 and mm 2 share mm 3's table (3 users). mm 1 unshares while cpu 1 is
 * lazy on it: 2 users left -> not fully unshared -> no sync anywhere.
 * legacy: lazy cpu 1 skipped -> stale_psc on cpu 1. wake-lazy/never: IPI.
 */
static void test_unshare_partial(void **state)
{
	static const struct expect e[NPOL] = {
		{ 0, 0, 0, { { "stale_psc", 1 }, { NULL, -1 } } },
		{ 1, 0, 1, NONE },
		{ 1, 0, 1, NONE },
	};
	static const struct extra x[] = {
		{ "counters.sync_calls", 0 }, { NULL, 0 },
	};

	(void)state;
	check("unshare_partial.jsonl", e, x);
}

/*
 * Two unshares, each by the only CPU in its mm's mask (path C, local).
 * mm 1's leaves 2 users: no sync. mm 2's leaves 1: sync_one from cpu 1:
 * legacy -> IPIs to cpus 0 and 2; native skip under wake-lazy and never.
 */
static void test_unshare_full_vs_partial(void **state)
{
	static const struct expect e[NPOL] = {
		{ 0, 2, 0, NONE }, { 0, 0, 0, NONE }, { 0, 0, 0, NONE },
	};
	static const struct extra x[] = {
		{ "counters.sync_calls", 1 }, { "flushes.local", 2 }, { NULL, 0 },
	};

	(void)state;
	check("unshare_full_vs_partial.jsonl", e, x);
}

/*
 * cpu 1 moves to mm 2; its bit stays in mm 1's mask.
 * zap (10 us): path B, trim only after 1 s -> should_flush_tlb(cpu 1)
 *   false -> no IPI (TLB_REMOTE_SEND_IPI still counted: 1).
 * unmap (20 us): tables freed -> unfiltered -> IPI cpu 1 -> wrong CPU,
 *   bit cleared (send 2).
 * zap (40 us): mask {0} -> path C, local.
 */
static void test_stale_cpumask(void **state)
{
	static const struct expect e[NPOL] = {
		{ 1, 0, 0, NONE }, { 1, 0, 0, NONE }, { 1, 0, 0, NONE },
	};
	static const struct extra x[] = {
		{ "counters.wrong_cpu", 1 }, { "counters.remote_send_ipi", 2 },
		{ "flushes.local", 3 }, { NULL, 0 },
	};

	(void)state;
	check("stale_cpumask.jsonl", e, x);
}

/*
 * mm 1 created at t=0: next_trim = 1 s. Stale cpu 1 (on mm 2).
 * 0.5 s: no trim -> skipped. 1.5 s: trim (next 2.5 s) -> IPI -> wrong CPU.
 * 1.55 s cpu 1 back on mm 1 and off again: bit set again.
 * 1.6 s: no trim -> skipped. 2.6 s: trim -> IPI -> wrong CPU.
 * 4 path-B flushes, 2 IPIs, 2 wrong CPU.
 */
static void test_trim_after_1s(void **state)
{
	static const struct expect e[NPOL] = {
		{ 2, 0, 0, NONE }, { 2, 0, 0, NONE }, { 2, 0, 0, NONE },
	};
	static const struct extra x[] = {
		{ "counters.wrong_cpu", 2 }, { "counters.remote_send_ipi", 4 },
		{ NULL, 0 },
	};

	(void)state;
	check("trim_after_1s.jsonl", e, x);
}

/*
 * Slots: init_mm 0; mm 1..5 -> 1..5 (5 flushes); mm 6 -> next_asid 6 wraps
 * to slot 0, next 1 (flush); mm 7 -> slot 1, evicting mm 1 (flush);
 * mm 2 -> slot 2 current (no flush); mm 1 -> slot 2, evicting mm 2
 * (flush); mm 3 -> slot 3 current (no flush). 8 flushes, 2 without.
 */
static void test_asid_reuse(void **state)
{
	static const struct expect e[NPOL] = {
		{ 0, 0, 0, NONE }, { 0, 0, 0, NONE }, { 0, 0, 0, NONE },
	};
	static const struct extra x[] = {
		{ "flushes.task_switch", 8 }, { "counters.task_switch_noflush", 2 },
		{ NULL, 0 },
	};

	(void)state;
	check("asid_reuse.jsonl", e, x);
}

/*
 * 33 present pages: (end-start)>>12 = 33, not > 33 -> partial on cpu 0 and
 * (one IPI) on cpu 1. 34 pages -> full on both.
 */
static void test_ceiling_33(void **state)
{
	static const struct expect e[NPOL] = {
		{ 2, 0, 0, NONE }, { 2, 0, 0, NONE }, { 2, 0, 0, NONE },
	};
	static const struct extra x[] = {
		{ "flushes.partial", 2 }, { "flushes.full", 2 },
		{ "flushes.local", 2 }, { "flushes.remote", 2 }, { NULL, 0 },
	};

	(void)state;
	check("ceiling_33.jsonl", e, x);
}

/*
 * collapse: flush_tlb_range -> freed_tables=true under every policy ->
 * IPIs to cpu 1 (running) and cpu 2 (lazy): 2 flush, 1 to lazy. Then
 * sync_one: legacy -> cpus 1, 2; native skip otherwise. PTE table reused.
 */
static void test_collapse_sync(void **state)
{
	static const struct expect e[NPOL] = {
		{ 2, 2, 1, NONE }, { 2, 0, 1, NONE }, { 2, 0, 1, NONE },
	};
	static const struct extra x[] = {
		{ "counters.tables_reused", 1 }, { "counters.faults", 0 }, { NULL, 0 },
	};

	(void)state;
	check("collapse_sync.jsonl", e, x);
}

/*
 * cpu 1 in gup_fast [2 us, 52 us). collapse at 10 us: the flush IPI to
 * cpu 1 waits until 52 us; cpu 0 waits for it, so the walk is over before
 * the sync (legacy: 1 IPI) or the reuse. No hazard, even with sync=never.
 */
static void test_gup_fast_native(void **state)
{
	static const struct expect e[NPOL] = {
		{ 1, 1, 0, NONE }, { 1, 0, 0, NONE }, { 1, 0, 0, NONE },
	};

	(void)state;
	check("gup_fast_native.jsonl", e, NULL);
}

/*
 * kvm: cpu 1 in gup_fast from 1 us, preempted at 10 us for 200 us (the
 * walk now ends at 251 us). collapse at 20 us: cpu 1 preempted -> flagged,
 * no flush IPI. legacy/wake-lazy: sync is not skipped on kvm -> IPI to
 * cpu 1, taken at 251 us -> reuse after the walk. never: reuse right after
 * the flush while cpu 1 walks the PTE table -> gup_fast on cpu 1.
 */
static void test_gup_fast_kvm_preempted(void **state)
{
	static const struct expect e[NPOL] = {
		{ 0, 1, 0, NONE },
		{ 0, 1, 0, NONE },
		{ 0, 0, 0, { { "gup_fast", 1 }, { NULL, -1 } } },
	};
	static const struct extra x[] = {
		{ "counters.kvm_deferred", 1 }, { NULL, 0 },
	};

	(void)state;
	check("gup_fast_kvm_preempted.jsonl", e, x);
}

/*
 * hyperv: no flush IPIs ever. legacy: do_lazy leaves lazy cpu 1 out of the
 * hypercall (only cpu 0 flushed) -> stale_psc on cpu 1; sync IPIs to cpus
 * 1, 2 (not native). wake-lazy: cpus 0 and 1 flushed by the hypervisor, sync
 * still sent. never: both flushed, no sync.
 */
static void test_hyperv_lazy(void **state)
{
	static const struct expect e[NPOL] = {
		{ 0, 2, 0, { { "stale_psc", 1 }, { NULL, -1 } } },
		{ 0, 2, 0, NONE },
		{ 0, 0, 0, NONE },
	};

	(void)state;
	check("hyperv_lazy.jsonl", e, NULL);
}

/* xen: the multicall flushes every CPU of the mask, lazy ones too. */
static void test_xen_unshare(void **state)
{
	static const struct expect e[NPOL] = {
		{ 0, 2, 0, NONE }, { 0, 2, 0, NONE }, { 0, 0, 0, NONE },
	};
	static const struct extra x[] = {
		{ "counters.hypercall_flushes", 2 }, { NULL, 0 },
	};

	(void)state;
	check("xen_unshare.jsonl", e, x);
}

/*
 * invlpgb: zap 1 -> broadcast; transition open and cpus 0-2 on dynamic
 * ASIDs -> native_flush_tlb_multi unfiltered: IPIs to cpus 1, 2; each
 * flush_tlb_func moves its CPU to the global ASID (CR3 without flush: 3).
 * zap 2 -> broadcast, every CPU global -> transition closed, no IPI.
 */
static void test_invlpgb_transition(void **state)
{
	static const struct expect e[NPOL] = {
		{ 2, 0, 0, NONE }, { 2, 0, 0, NONE }, { 2, 0, 0, NONE },
	};
	static const struct extra x[] = {
		{ "counters.invlpgb_flushes", 2 },
		{ "counters.task_switch_noflush", 3 }, { NULL, 0 },
	};

	(void)state;
	check("invlpgb_transition.jsonl", e, x);
}

/*
 * exit on cpu 0: exit_mm makes cpu 0 lazy; fullmm frees every table ->
 * unfiltered: IPIs to lazy cpu 1 (init_mm) and stale cpu 2 (wrong CPU);
 * cpu 0's own flush_tlb_func finds it lazy -> init_mm.
 */
static void test_exit_lazy(void **state)
{
	static const struct expect e[NPOL] = {
		{ 2, 0, 1, NONE }, { 2, 0, 1, NONE }, { 2, 0, 1, NONE },
	};
	static const struct extra x[] = {
		{ "counters.wrong_cpu", 1 }, { "counters.task_switch_noflush", 2 },
		{ "counters.tables_freed", 3 }, { NULL, 0 },
	};

	(void)state;
	check("exit_lazy.jsonl", e, x);
}

/*
 * raw flush (unshared only) with cpu 1 lazy, cpu 2 running:
 * legacy -> cpu 2 only; wake=freed+unshared -> cpus 1, 2 (to_lazy 1).
 * raw sync from cpu 0: legacy -> cpus 1, 2; native skip otherwise.
 */
static void test_raw_flush_sync(void **state)
{
	static const struct expect e[NPOL] = {
		{ 1, 2, 0, NONE }, { 2, 0, 1, NONE }, { 2, 0, 1, NONE },
	};

	(void)state;
	check("raw_flush_sync.jsonl", e, NULL);
}

/* Same input and options, byte-identical output. */
static void test_deterministic(void **state)
{
	struct tu_run a, b;

	(void)state;
	a = tu_cli(NULL, "compare", "traces/scenarios/gup_fast_kvm_preempted.jsonl",
		   "--json", NULL);
	b = tu_cli(NULL, "compare", "traces/scenarios/gup_fast_kvm_preempted.jsonl",
		   "--json", NULL);
	assert_int_equal(a.status, 0);
	assert_string_equal(a.out, b.out);
	tu_run_free(&a);
	tu_run_free(&b);
}

/*
 * concurrent_flush_kvm (kvm-guest profile, 2.5 GHz): cpu 0 zaps at 250000
 * cycles, its walk (7000 + 286 per present page) ends at 257286: tlb_gen
 * 0 -> 1, IPI to cpu 1 arriving 18500 + 13150 later (288936), cpu 1 held
 * from 15000 before (273936), cpu 0's own call due 18500 + 300 after the
 * send (276086). cpu 1 zaps at 257500 (cpu 0's gather in flight: nested,
 * full, freed_tables), its walk ends at 264786: tlb_gen 2, IPI to cpu 0
 * arriving 296436, holding it from 281436; its own call due at 283586,
 * when cpu 0's IPI already holds it: it waits. 276086: cpu 0 runs its
 * call: new gen 1, local 0, mm 2 -> full flush to 2 (local 1). 288936:
 * cpu 1 runs cpu 0's IPI: full flush to 2 (remote 1), then its own call
 * finds 2 <= 2: nothing. 296436: cpu 1's IPI finds cpu 0 at 2: nothing.
 * Handlers: 2000 + 300 + 500 + 2500 (refill) and 2000 + 300 = 7600.
 * With the generic profile nothing holds a CPU and the sends are short:
 * the two flushes run one after the other, two partial flushes each.
 */
static void test_concurrent_flush_kvm(void **state)
{
	static const char *const profiles[] = { "kvm-guest", "generic" };
	static const long want[2][5] = {
		/* ipis.flush, local, remote, full, partial */
		{ 2, 1, 1, 2, 0 },
		{ 2, 2, 2, 0, 4 },
	};

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct tu_run r = tu_cli(NULL, "compare",
			"traces/scenarios/concurrent_flush_kvm.jsonl", "--json",
			"--profile", profiles[i], NULL);
		json_error_t e;
		json_t *doc = json_loads(r.out, 0, &e), *pols;

		assert_int_equal(r.status, 0);
		assert_non_null(doc);
		pols = json_object_get(doc, "policies");
		assert_int_equal(json_array_size(pols), 2);
		for (size_t p = 0; p < 2; p++) {
			json_t *pol = json_array_get(pols, p);

			assert_int_equal(get(pol, "ipis.flush"), want[i][0]);
			assert_int_equal(get(pol, "flushes.local"), want[i][1]);
			assert_int_equal(get(pol, "flushes.remote"), want[i][2]);
			assert_int_equal(get(pol, "flushes.full"), want[i][3]);
			assert_int_equal(get(pol, "flushes.partial"), want[i][4]);
			assert_int_equal(json_array_size(json_object_get(pol, "hazards")), 0);
			if (i == 0)
				assert_int_equal(get(pol, "cycles.handlers"), 7600);
		}
		json_decref(doc);
		tu_run_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
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
		cmocka_unit_test(test_concurrent_flush_kvm),
		cmocka_unit_test(test_gup_fast_native),
		cmocka_unit_test(test_gup_fast_kvm_preempted),
		cmocka_unit_test(test_hyperv_lazy),
		cmocka_unit_test(test_xen_unshare),
		cmocka_unit_test(test_invlpgb_transition),
		cmocka_unit_test(test_exit_lazy),
		cmocka_unit_test(test_raw_flush_sync),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
