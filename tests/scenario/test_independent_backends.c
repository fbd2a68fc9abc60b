/*
 * test_independent_backends.c - the independent teaching scenarios of the
 * other backends and paths (gup_fast, KVM's preempted vCPUs, Hyper-V,
 * INVLPGB, exit, Xen, PVM, raw flushes, mprotect), derived by hand as in
 * test_independent.c (its header says how to read the derivations); and
 * the scenario files themselves: well formed, each with a test and a
 * README line, replayed deterministically.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "independent.h"

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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
}

/*
 * pvm_exit (pvm, 3 CPUs; cpu2 on init_mm)
 * t=0      cpu0, cpu1 sw 1: ts=2; mask={0,1}
 * t=20000  cpu0 touch 0x200000, 0x201000; t=30000 cpu1 touch 0x200000
 * t=40000  cpu0 zap 0x201000: gen 0→1, path B (cpu1 in the mask):
 *          pvm_flush_tlb_multi: the hypercall flushes cpu1
 *          (hypercall_flushes=1), then native_flush_tlb_multi() on cpu0
 *          alone: remote_send_ipi=1, cpu0's own flush_tlb_func: lg 0,
 *          new 1 = mm gen → partial local (local=1, partial=1). No IPI.
 * t=50000  cpu1 lazy
 * t=60000  cpu0 exit: exit_mm() leaves cpu0 lazy on mm1. The guest's
 *          flush_tlb_mm() first: gen 1→2, cpu1 still in the mask (no
 *          flush_tlb_func ever ran there to clear it): hypercall flushes
 *          cpu1, lazy (hypercall_flushes=2); remote_send_ipi=2; cpu0's
 *          flush_tlb_func runs unfiltered (freed_tables): lazy → switch to
 *          init_mm (task_switch_noflush=1, not counted as a flush). Then
 *          exit_mmap()'s gather: 3 tables freed, gen 2→3, cpu1 in the mask
 *          again: hypercall (3), remote_send_ipi=3; cpu0's bit is still
 *          set and the flush unfiltered: flush_tlb_func finds init_mm →
 *          wrong CPU (wrong_cpu=1), bit cleared. mm_flushes=3.
 *   Every policy alike: no IPI at all, no sync (an exit frees its tables
 *          by RCU), cpu1 flushed by the host after the unlink → no
 *          stale_psc.
 */
static void test_pvm_exit(void **state)
{
	static const struct scenario_expect e = {
		.file = "pvm_exit.jsonl",
		.common = {
			{ "flushes", "task_switch", 2 },
			{ "flushes", "local", 1 },
			{ "flushes", "remote", 0 },
			{ "flushes", "partial", 1 },
			{ "counters", "hypercall_flushes", 3 },
			{ "counters", "remote_send_ipi", 3 },
			{ "counters", "task_switch_noflush", 1 },
			{ "counters", "wrong_cpu", 1 },
			{ "counters", "mm_flushes", 3 },
			{ "counters", "tables_freed", 3 },
		},
		.pol = {
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
			{ .flush = 0, .sync = 0, .to_lazy = 0 },
		},
	};

	(void)state;
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
}

/* ------------------------------------------------------------------ */

/* Same input, same options → byte-identical output (design.md). */
static void test_deterministic(void **state)
{
	const char *path = ind_scenario_path("unshare_lazy.jsonl");
	struct tu_run a = ind_run_compare(path);
	struct tu_run b = ind_run_compare(path);

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
	r = ind_run_compare(path);
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
	for (size_t i = 0; i < ind_nscenarios; i++) {
		const char *file = ind_scenario_files[i];
		char *text = tu_slurp(ind_scenario_path(file));
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
		for (size_t i = 0; i < ind_nscenarios; i++)
			listed |= strcmp(de->d_name, ind_scenario_files[i]) == 0;
		if (!listed)
			fail_msg("%s is not in ind_scenario_files (tests/independent.c): "
				 "give it a test", de->d_name);
	}
	closedir(d);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_well_formed),
		cmocka_unit_test(test_gup_fast_native),
		cmocka_unit_test(test_gup_fast_kvm_preempted),
		cmocka_unit_test(test_hyperv_lazy),
		cmocka_unit_test(test_invlpgb_transition),
		cmocka_unit_test(test_exit_lazy),
		cmocka_unit_test(test_xen_flush),
		cmocka_unit_test(test_pvm_exit),
		cmocka_unit_test(test_raw_flush_sync),
		cmocka_unit_test(test_protect_active),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_touch_not_running_is_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
