/* test_kernel.c - the kernel model driven event by event: the policies'
 * decisions (lazy CPUs, unshare, collapse, GUP-fast, the flush ceiling,
 * cpumask trims); kernel/before.c and kernel/gathers.c hold the rest.
 * Expectations are derived by hand from docs/MODEL.md (derivation beside
 * each). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "kernel/run.h"

/*
 * The format's example: cpu 1 lazy on mm 1, cpu 0 unmaps 2 MiB that frees
 * the PTE table. freed_tables -> unfiltered -> 1 IPI to lazy cpu 1, which
 * switches to init_mm; no hazard under either policy.
 */
static void freed_lazy(void **state, const char *policy)
{
	struct run r;
	const struct tlbsim_result *res;

	(void)state;
	run_start(&r, 2, policy, "native");
	assert_int_equal(ev(&r, 0, 0, TLBSIM_EV_SWITCH, 1, 0, 0), 0);
	assert_int_equal(ev(&r, 0, 1, TLBSIM_EV_SWITCH, 1, 0, 0), 0);
	assert_int_equal(ev(&r, 10, 0, TLBSIM_EV_MAP, 1, 0x200000, 0x200000), 0);
	assert_int_equal(ev(&r, 20, 1, TLBSIM_EV_TOUCH, 1, 0x200000, 4096), 0);
	assert_int_equal(ev(&r, 30, 1, TLBSIM_EV_SWITCH, 0, 0, 0), 0);
	assert_int_equal(ev(&r, 40, 0, TLBSIM_EV_UNMAP, 1, 0x200000, 0x200000), 0);
	res = run_end(&r);
	assert_int_equal(res->c.ipi_flush, 1);
	assert_int_equal(res->c.ipi_to_lazy, 1);
	assert_int_equal(res->c.ipi_sync, 0);
	assert_int_equal(res->nhazards, 0);
	/* PTE, PMD and PUD tables all freed: no VMA is left under them */
	assert_int_equal(res->c.tables_freed, 3);
	/* switches: cpu0 mm1 (new slot 1, flush), cpu1 mm1 (flush),
	 * cpu1 -> init_mm in the handler (slot 0 still init_mm's, gen 0: no flush) */
	assert_int_equal(res->c.flush_task_switch, 2);
	assert_int_equal(res->c.task_switch_noflush, 1);
	run_free(&r);
}

static void test_freed_lazy_legacy(void **state) { freed_lazy(state, "legacy"); }
static void test_freed_lazy_wake(void **state) { freed_lazy(state, "wake-lazy"); }

/*
 * The seed case: mm 2 owns a hugetlb PMD table, mm 1 shares it; cpu 1
 * touched through mm 1 and went lazy; cpu 0 (mm 1) unshares.
 * legacy: unshared only -> wake_lazy_cpus false -> cpu 1 (lazy) skipped;
 *   fully unshared -> sync IPI to cpus 1 and 2; cpu 1 still holds the PUD
 *   entry -> stale_psc on cpu 1 at hand-over.
 * wake-lazy: wake -> IPI to cpu 1 (lazy -> init_mm); sync skipped (native).
 */
static void unshare(void **state, const char *policy, uint64_t flush,
		    uint64_t sync, size_t hazards)
{
	struct run r;
	const struct tlbsim_result *res;
	const uint64_t G = 1ULL << 30;

	(void)state;
	run_start(&r, 3, policy, "native");
	assert_int_equal(ev(&r, 0, 2, TLBSIM_EV_SWITCH, 2, 0, 0), 0);
	assert_int_equal(ev(&r, 0, 0, TLBSIM_EV_SWITCH, 1, 0, 0), 0);
	assert_int_equal(ev(&r, 0, 1, TLBSIM_EV_SWITCH, 1, 0, 0), 0);
	{
		struct tlbsim_trace_event e;

		memset(&e, 0, sizeof(e));
		e.kind = TLBSIM_EV_MAP; e.cpu = 2; e.mm = 2; e.addr = G; e.len = G;
		e.hugetlb = true; e.t = 10; e.line = 90;
		assert_int_equal(tlbsim_sim_apply(r.sim, &e, &r.diag), 0);
		e.mm = 1; e.cpu = 0;
		assert_int_equal(tlbsim_sim_apply(r.sim, &e, &r.diag), 0);
	}
	assert_int_equal(ev(&r, 20, 2, TLBSIM_EV_TOUCH, 2, G, 4096), 0);
	{
		struct tlbsim_trace_event e;

		memset(&e, 0, sizeof(e));
		e.kind = TLBSIM_EV_SHARE; e.cpu = 0; e.mm = 1; e.with = 2;
		e.addr = G; e.t = 30; e.line = 91;
		assert_int_equal(tlbsim_sim_apply(r.sim, &e, &r.diag), 0);
	}
	assert_int_equal(ev(&r, 40, 1, TLBSIM_EV_TOUCH, 1, G, 4096), 0);
	assert_int_equal(ev(&r, 50, 1, TLBSIM_EV_SWITCH, 0, 0, 0), 0);
	assert_int_equal(ev(&r, 10000, 0, TLBSIM_EV_UNSHARE, 1, G, 0), 0);
	res = run_end(&r);
	assert_int_equal(res->c.ipi_flush, flush);
	assert_int_equal(res->c.ipi_sync, sync);
	assert_int_equal(res->nhazards, hazards);
	if (hazards) {
		assert_int_equal(res->hazards[0].kind, TLBSIM_HAZARD_STALE_PSC);
		assert_int_equal(res->hazards[0].cpu, 1);
		assert_string_equal(res->hazards[0].table, "pmd@0x40000000");
		print_message("cause: %s\n", res->hazards[0].cause);
	}
	run_free(&r);
}

static void test_unshare_legacy(void **state) { unshare(state, "legacy", 0, 2, 1); }
static void test_unshare_wake(void **state) { unshare(state, "wake-lazy", 1, 0, 0); }

/*
 * mm 1 (cpu 0) shares mm 2's hugetlb PMD table at 1 GiB, then munmaps the
 * GiB: the unshare is flushed at once (__unmap_hugepage_range(), then the
 * sync: mm 2 is left alone with the table), and free_pgtables() frees mm
 * 1's PUD table in a flush of its own: two flushes, one sync. cpu 1, idle
 * (lazy) on mm 1, gets the second one's IPI under legacy (freed_tables).
 */
static void test_unmap_unshared(void **state)
{
	struct run r;
	const struct tlbsim_result *res;
	const uint64_t G = 1ULL << 30;

	(void)state;
	run_start(&r, 3, "legacy", "native");
	EV(&r, .t = 0, .cpu = 2, .kind = TLBSIM_EV_SWITCH, .mm = 2);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 2, .kind = TLBSIM_EV_MAP, .mm = 2, .addr = G, .len = G,
	   .hugetlb = true);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = G, .len = G,
	   .hugetlb = true);
	EV(&r, .t = 20, .cpu = 2, .kind = TLBSIM_EV_TOUCH, .mm = 2, .addr = G, .len = 4096);
	EV(&r, .t = 30, .cpu = 0, .kind = TLBSIM_EV_SHARE, .mm = 1, .with = 2, .addr = G);
	EV(&r, .t = 40, .cpu = 1, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = G, .len = 4096);
	EV(&r, .t = 50, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 0);
	EV(&r, .t = 10000, .cpu = 0, .kind = TLBSIM_EV_UNMAP, .mm = 1, .addr = G, .len = G);
	res = run_end(&r);
	assert_int_equal(res->c.mm_flushes, 2);
	assert_int_equal(res->c.ipi_sync, 2);
	assert_int_equal(res->c.ipi_flush, 1);
	run_free(&r);
}

/*
 * THP collapse with cpu 1 running mm 1 and cpu 2 idle-lazy on it.
 * pmdp_collapse_flush -> flush_tlb_range: freed_tables=true, unfiltered:
 * IPIs to cpus 1 and 2 under every policy (to_lazy 1). Then
 * tlb_remove_table_sync_one: legacy -> IPIs to cpus 1, 2; wake-lazy on
 * native -> skipped; on kvm -> sent.
 */
static void collapse(const char *policy, const char *backend, uint64_t sync,
		     uint64_t skipped)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 3, policy, backend);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 2, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 30, .cpu = 2, .kind = TLBSIM_EV_SWITCH, .mm = 0);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_COLLAPSE, .mm = 1, .addr = 0x400000);
	/* the huge page is mapped now: touching it needs no PTE table */
	EV(&r, .t = 100000, .cpu = 1, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	res = run_end(&r);
	assert_int_equal(res->c.ipi_flush, 2);
	assert_int_equal(res->c.ipi_to_lazy, 1);
	assert_int_equal(res->c.ipi_sync, sync);
	assert_int_equal(res->c.sync_calls, 1);
	assert_int_equal(res->c.sync_skipped, skipped);
	assert_int_equal(res->c.tables_reused, 1);
	/* 2 MiB at stride 12 = 512 pages > 33: full everywhere it flushes:
	 * cpu 0 locally, cpu 1 remotely; cpu 2 switched to init_mm */
	assert_int_equal(res->c.flush_full, 2);
	assert_int_equal(res->c.flush_local, 1);
	assert_int_equal(res->c.flush_remote, 1);
	assert_int_equal(res->nhazards, 0);
	assert_int_equal(res->c.faults, 0);
	run_free(&r);
}

static void test_collapse_legacy(void **state) { (void)state; collapse("legacy", "native", 2, 0); }
static void test_collapse_wake(void **state) { (void)state; collapse("wake-lazy", "native", 0, 1); }
static void test_collapse_wake_kvm(void **state) { (void)state; collapse("wake-lazy", "kvm", 2, 0); }

/*
 * gup_fast on cpu 1 (IRQs off 50 us), preempted for 200 us from t=10 us;
 * cpu 0 collapses at t=20 us. kvm skips the preempted vCPU's flush IPI.
 * sync=always/native: the sync IPI waits until cpu 1 runs with IRQs on
 * (t = 250 us) -> no hazard. sync=never: the table is reused while cpu 1's
 * walk is open (it ends at 50+200 us) -> gup_fast on cpu 1.
 */
static void gup_kvm(const char *policy, size_t hazards, uint64_t sync)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 2, policy, "kvm");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000, .len = 0x10000);
	EV(&r, .t = 1000, .cpu = 1, .kind = TLBSIM_EV_GUP_FAST, .mm = 1, .addr = 0x400000, .dur = 50000);
	EV(&r, .t = 10000, .cpu = 1, .kind = TLBSIM_EV_PREEMPT, .dur = 200000);
	EV(&r, .t = 20000, .cpu = 0, .kind = TLBSIM_EV_COLLAPSE, .mm = 1, .addr = 0x400000);
	res = run_end(&r);
	assert_int_equal(res->c.ipi_flush, 0);
	assert_int_equal(res->c.kvm_deferred, 1);
	assert_int_equal(res->c.ipi_sync, sync);
	assert_int_equal(res->nhazards, hazards);
	if (hazards) {
		assert_int_equal(res->hazards[0].kind, TLBSIM_HAZARD_GUP_FAST);
		assert_int_equal(res->hazards[0].cpu, 1);
		assert_string_equal(res->hazards[0].table, "pte@0x400000");
	}
	run_free(&r);
}

static void test_gup_kvm_legacy(void **state) { (void)state; gup_kvm("legacy", 0, 1); }
static void test_gup_kvm_wake(void **state) { (void)state; gup_kvm("wake-lazy", 0, 1); }
static void test_gup_kvm_never(void **state) { (void)state; gup_kvm("wake=freed+unshared,sync=never", 1, 0); }

/*
 * tlb_single_page_flush_ceiling: 33 present pages zapped -> partial on both
 * CPUs; 34 -> full. cpu 1 runs mm 1 too, so each zap is one IPI.
 */
static void ceiling(uint64_t pages, uint64_t partial, uint64_t full)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x100000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000, .len = pages * 4096);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = 0x100000);
	res = run_end(&r);
	assert_int_equal(res->c.ipi_flush, 1);
	assert_int_equal(res->c.flush_partial, partial);
	assert_int_equal(res->c.flush_full, full);
	assert_int_equal(res->c.tables_freed, 0);
	run_free(&r);
}

static void test_ceiling_33(void **state) { (void)state; ceiling(33, 2, 0); }
static void test_ceiling_34(void **state) { (void)state; ceiling(34, 0, 2); }

/*
 * Stale cpumask bit and trimming. cpu 1 ran mm 1, then mm 2: its bit stays
 * in mm 1's mask. A zap of mm 1 at t=0.5 s: should_flush_tlb(cpu 1) is false
 * (not lazy, other mm, no trim before 1 s) -> no IPI. At t=1.5 s: trim ->
 * IPI -> wrong CPU -> bit cleared. At t=1.6 s: cpu 0 alone -> local only.
 */
static void test_trim(void **state)
{
	struct run r;
	const struct tlbsim_result *res;

	(void)state;
	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x10000);
	EV(&r, .t = 100, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 2);
	for (uint64_t t = 500000000; t <= 1600000000; t += 100000000) {
		if (t != 500000000 && t != 1500000000 && t != 1600000000)
			continue;
		EV(&r, .t = t, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
		EV(&r, .t = t + 10, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = 0x10000);
	}
	res = run_end(&r);
	assert_int_equal(res->c.ipi_flush, 1);
	assert_int_equal(res->c.wrong_cpu, 1);
	/* path B twice (cpu 1's bit set), path C once */
	assert_int_equal(res->c.remote_send_ipi, 2);
	assert_int_equal(res->c.flush_local, 3);
	run_free(&r);
}

/*
 * A flush whose other CPUs all fail should_flush_tlb() (cpu 1 lazy, no
 * table freed): flush_tlb_multi() is called (a remote send) but
 * smp_call_function_many_cond() sends nothing and runs the local flush at
 * once, so the initiator waits exactly as long as when cpu 1 never ran
 * the mm (cpumask {0}: a local flush only). It once paid an IPI send for
 * the IPI it did not send (7.4 us on kvm-guest: a capture's run of
 * copy-on-write flushes fell milliseconds behind).
 */
static const struct tlbsim_result *zap_beside(struct run *r, uint32_t cpu1_mm)
{
	run_start(r, 2, "legacy", "native");
	EV(r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = cpu1_mm);
	EV(r, .t = 100, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 0);
	EV(r, .t = 200, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x10000);
	EV(r, .t = 300, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(r, .t = 30000, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = 0x1000);
	return run_end(r);
}

static void test_send_to_none(void **state)
{
	struct run lazy, other;
	const struct tlbsim_result *a, *b;

	(void)state;
	a = zap_beside(&lazy, 1);
	b = zap_beside(&other, 2);
	assert_int_equal(a->c.remote_send_ipi, 1);
	assert_int_equal(b->c.remote_send_ipi, 0);
	assert_int_equal(a->c.ipi_flush + b->c.ipi_flush, 0);
	assert_int_equal(a->c.flush_local, 1);
	assert_int_equal(b->c.flush_local, 1);
	assert_true(a->c.cycles_wait > 0);
	assert_int_equal(a->c.cycles_wait, b->c.cycles_wait);
	run_free(&lazy);
	run_free(&other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unmap_unshared),
		cmocka_unit_test(test_collapse_legacy),
		cmocka_unit_test(test_collapse_wake),
		cmocka_unit_test(test_collapse_wake_kvm),
		cmocka_unit_test(test_gup_kvm_legacy),
		cmocka_unit_test(test_gup_kvm_wake),
		cmocka_unit_test(test_gup_kvm_never),
		cmocka_unit_test(test_ceiling_33),
		cmocka_unit_test(test_ceiling_34),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_send_to_none),
		cmocka_unit_test(test_freed_lazy_legacy),
		cmocka_unit_test(test_freed_lazy_wake),
		cmocka_unit_test(test_unshare_legacy),
		cmocka_unit_test(test_unshare_wake),
	};
	int failed = cmocka_run_group_tests_name("kernel_policy_tests", tests, NULL, NULL);

	failed += kernel_before_tests();
	failed += kernel_gather_tests();
	failed += kernel_idle_tests();
	return failed;
}
