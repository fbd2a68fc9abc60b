/* test_kernel.c - the kernel model driven event by event. Expectations are
 * derived by hand from docs/MODEL.md (derivation beside each). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlbsim/kernel.h"

struct run {
	struct tlbsim_topology *topo;
	struct tlbsim_sim *sim;
	struct tlbsim_diag diag;
	uint64_t line;
};

/* @prof: NULL for the generic profile. */
static void run_start_prof(struct run *r, unsigned cpus, const char *policy,
			   const char *backend, bool no_pcid,
			   const struct tlbsim_profile *prof)
{
	struct tlbsim_sim_config cfg;

	memset(r, 0, sizeof(*r));
	assert_int_equal(tlbsim_topology_default(cpus, &r->topo, &r->diag), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.cpus = cpus;
	cfg.clock = TLBSIM_CLOCK_NS;
	cfg.ghz = 2.5;
	cfg.topo = r->topo;
	cfg.profile = prof ? prof : tlbsim_profile_builtin("generic");
	cfg.backend = tlbsim_backend_find(backend);
	cfg.trace_name = "test";
	cfg.no_pcid = no_pcid;
	assert_int_equal(tlbsim_policy_parse(policy, &cfg.policy, &r->diag), 0);
	assert_int_equal(tlbsim_sim_new(&cfg, &r->sim, &r->diag), 0);
}

static void run_start_cfg(struct run *r, unsigned cpus, const char *policy,
			  const char *backend, bool no_pcid)
{
	run_start_prof(r, cpus, policy, backend, no_pcid, NULL);
}

static void run_start(struct run *r, unsigned cpus, const char *policy,
		      const char *backend)
{
	run_start_cfg(r, cpus, policy, backend, false);
}

static int ev(struct run *r, uint64_t t, uint32_t cpu, enum tlbsim_ev_kind k,
	      uint32_t mm, uint64_t addr, uint64_t len)
{
	struct tlbsim_trace_event e;

	memset(&e, 0, sizeof(e));
	e.t = t;
	e.cpu = cpu;
	e.kind = (uint16_t)k;
	e.mm = mm;
	e.addr = addr;
	e.len = len;
	e.dur = len;
	e.line = ++r->line;
	return tlbsim_sim_apply(r->sim, &e, &r->diag);
}

static int evx(struct run *r, struct tlbsim_trace_event e)
{
	e.line = ++r->line;
	return tlbsim_sim_apply(r->sim, &e, &r->diag);
}

#define EV(r, ...) assert_int_equal(evx((r), (struct tlbsim_trace_event){ __VA_ARGS__ }), 0)

static const struct tlbsim_result *run_end(struct run *r)
{
	assert_int_equal(tlbsim_sim_finish(r->sim, &r->diag), 0);
	return tlbsim_sim_result(r->sim);
}

static void run_free(struct run *r)
{
	tlbsim_sim_free(r->sim);
	tlbsim_topology_free(r->topo);
}

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

/* cpu 0, running mm 1: a VMA of 16 pages, its first page written; a zap
 * of @zap bytes from it; the munmap of the VMA (its tables freed); the VMA
 * again, its first page written, and the same zap. */
static void zap_unmap_zap(struct run *r, uint64_t zap)
{
	EV(r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x10000);
	EV(r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(r, .t = 30000, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = zap);
	EV(r, .t = 60000, .cpu = 0, .kind = TLBSIM_EV_UNMAP, .mm = 1, .addr = 0x400000, .len = 0x10000);
	EV(r, .t = 90000, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x10000);
	EV(r, .t = 90010, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(r, .t = 120000, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = zap);
}

/*
 * A CPU that ran the mm before the trace (ran_before): its bit only. cpu 1
 * keeps init_mm loaded. A zap of mm 1 (no table freed): cpu 1 is in the
 * mask, so cpu 0 sends (flush_tlb_multi(), remote_send_ipi 1), but
 * should_flush_tlb() is false for it (not lazy, another mm loaded): no IPI.
 * The munmap of the whole VMA frees its tables: freed_tables sends to
 * every CPU in the mask (remote_send_ipi 2, one flush IPI), and cpu 1's
 * flush_tlb_func() finds init_mm loaded: wrong CPU, bit cleared. The last
 * zap: cpu 0 alone, local only. Without the ran_before: nothing remote.
 */
static void ran_before(bool ran, long sends, long ipis, long wrong)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	if (ran)
		EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_RAN_BEFORE, .mm = 1);
	zap_unmap_zap(&r, 0x10000);
	res = run_end(&r);
	assert_int_equal(res->c.remote_send_ipi, sends);
	assert_int_equal(res->c.ipi_flush, ipis);
	assert_int_equal(res->c.wrong_cpu, wrong);
	assert_int_equal(res->c.flush_local, 3);
	run_free(&r);
}

static void test_ran_before(void **state) { (void)state; ran_before(true, 2, 1, 1); }
static void test_not_ran_before(void **state) { (void)state; ran_before(false, 0, 0, 0); }

/*
 * A CPU lazy on the mm before the trace (lazy_before): cpu 1 holds mm 1
 * lazily with its bit set; no switch is counted for it. The zap of one
 * page frees no table: cpu 0 sends (remote_send_ipi 1), but
 * should_flush_tlb() skips a lazy CPU (legacy, no tables freed): no IPI.
 * The munmap of the whole VMA frees its tables: cpu 1 gets the IPI
 * (remote_send_ipi 2, flush IPI 1, to a lazy CPU) and its flush_tlb_func()
 * switches it to init_mm (a CR3 load). The last zap: cpu 1's bit stays
 * but it has init_mm loaded: a send without IPI (3). Task switches: cpu
 * 0's to mm 1 and cpu 1's to init_mm. Without the lazy_before: nothing
 * remote, one switch.
 */
static void lazy_before(bool lazy, long sends, long ipis, long switches)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	if (lazy)
		EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_LAZY_BEFORE, .mm = 1);
	zap_unmap_zap(&r, 0x1000);
	res = run_end(&r);
	assert_int_equal(res->c.remote_send_ipi, sends);
	assert_int_equal(res->c.ipi_flush, ipis);
	assert_int_equal(res->c.ipi_to_lazy, ipis);
	assert_int_equal(res->c.wrong_cpu, 0);
	assert_int_equal(res->c.flush_task_switch + res->c.task_switch_noflush, switches);
	assert_int_equal(res->c.flush_local, 3);
	run_free(&r);
}

static void test_lazy_before(void **state) { (void)state; lazy_before(true, 3, 1, 2); }
static void test_not_lazy_before(void **state) { (void)state; lazy_before(false, 0, 0, 1); }

/*
 * mremap moving 32 pages from 0x400000 to 0x800000; cpu 1 ran mm 1 and
 * idles, lazy. With two pages @touched: they move, and move_ptes()'s
 * flush_tlb_range() of the old range says freed_tables on x86, so legacy
 * IPIs the lazy cpu (one flush IPI, to a lazy CPU); the zap of the first
 * page at its new place finds it present and flushes (local flushes 2).
 * Untouched: no table, nothing moved, no flush at all, and the zap finds
 * nothing. Either way the old range is gone: a touch there faults.
 */
static void remap(bool touched, long ipis, long local)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 5, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 0);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x20000);
	if (touched)
		EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000, .len = 0x2000);
	EV(&r, .t = 30000, .cpu = 0, .kind = TLBSIM_EV_REMAP, .mm = 1, .addr = 0x400000,
	   .len = 0x20000, .start = 0x800000);
	EV(&r, .t = 60000, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x800000, .len = 0x1000);
	EV(&r, .t = 90000, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x401000);
	res = run_end(&r);
	assert_int_equal(res->c.ipi_flush, ipis);
	assert_int_equal(res->c.ipi_to_lazy, ipis);
	assert_int_equal(res->c.flush_local, local);
	assert_int_equal(res->c.faults, 1);
	run_free(&r);
}

/*
 * The last task of mm 1 leaves it on cpu 0; cpu 1 ran mm 1 and idles on
 * it. An exit: exit_mm() leaves cpu 0 lazy on mm 1, and the teardown's
 * flush (fullmm, tables freed) wakes both lazy CPUs: cpu 1 by IPI, cpu 0
 * by its own flush_tlb_func(), each switching to init_mm (four switches
 * with the two to mm 1). An exec: exec_mmap() switches cpu 0 to the new
 * mm 1 first, so the teardown's own call finds it on another mm: wrong
 * CPU; cpu 1 is woken as before (four switches: two to mm 1, one to the
 * new mm, cpu 1's to init_mm). A touch of mm 1 after the exec is the new mm's, which
 * cpu 0 runs: no error.
 */
static void exit_or_exec(bool exec, long switches, long wrong)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 5, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 0);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x10000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(&r, .t = 30000, .cpu = 0, .kind = TLBSIM_EV_EXIT, .mm = 1, .exec = exec);
	if (exec) {
		EV(&r, .t = 60000, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x1000);
		EV(&r, .t = 60010, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	}
	res = run_end(&r);
	assert_int_equal(res->c.ipi_flush, 1);
	assert_int_equal(res->c.ipi_to_lazy, 1);
	assert_int_equal(res->c.wrong_cpu, wrong);
	assert_int_equal(res->c.flush_task_switch + res->c.task_switch_noflush, switches);
	run_free(&r);
}

static void test_exit_lazy(void **state) { (void)state; exit_or_exec(false, 4, 0); }
static void test_exec_wrong_cpu(void **state) { (void)state; exit_or_exec(true, 4, 1); }

static void test_remap_moves(void **state) { (void)state; remap(true, 1, 2); }
static void test_remap_nothing_present(void **state) { (void)state; remap(false, 0, 0); }

/*
 * munmaps that only punch holes: one 21-page VMA, then pages 1, 3, ..., 19
 * unmapped one at a time, no map between: 11 VMAs (the even pages). The
 * array grows on the splits alone (it once wrote past its end at the
 * ninth). Touching pages 0..20: the 10 odd ones fault (SIGSEGV), the even
 * ones are mapped. Unmapping all of it then frees the PTE, PMD and PUD
 * tables: no VMA is left under them.
 */
static void test_unmap_holes(void **state)
{
	struct run r;
	const struct tlbsim_result *res;
	uint64_t base = 0x400000, page = 0x1000, t = 10;

	(void)state;
	run_start(&r, 1, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = t++, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = base, .len = 21 * page);
	for (uint64_t p = 1; p < 21; p += 2)
		EV(&r, .t = t++, .cpu = 0, .kind = TLBSIM_EV_UNMAP, .mm = 1,
		   .addr = base + p * page, .len = page);
	for (uint64_t p = 0; p < 21; p++)
		EV(&r, .t = t++, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1,
		   .addr = base + p * page, .len = page);
	EV(&r, .t = t++, .cpu = 0, .kind = TLBSIM_EV_UNMAP, .mm = 1, .addr = base, .len = 21 * page);
	res = run_end(&r);
	assert_int_equal(res->c.faults, 10);
	assert_int_equal(res->c.tables_freed, 3);
	assert_int_equal(res->nhazards, 0);
	run_free(&r);
}

/*
 * The clock ends at 2^62 cycles: at 2.5 GHz, t = 2^62 / 2.5 ns is the last
 * time an event may have. A time whose cycles passed 2^64 once wrapped and
 * the run never ended; a duration that would end past the clock is refused
 * the same way.
 */
static void test_clock_end(void **state)
{
	struct run r;
	uint64_t last = ((uint64_t)1 << 62) * 2 / 5;   /* ns at 2.5 GHz */

	(void)state;
	run_start(&r, 1, "legacy", "native");
	EV(&r, .t = last, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	assert_int_equal(ev(&r, last + 1, 0, TLBSIM_EV_SWITCH, 2, 0, 0), TLBSIM_EMODEL);
	assert_non_null(strstr(r.diag.msg, "test:2: t 1844674407370955162 is past the "
			       "model's clock (at most 1844674407370955161"));
	run_free(&r);
	run_start(&r, 1, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	assert_int_equal(ev(&r, 1000, 0, TLBSIM_EV_IRQ_OFF, 0, 0, last), TLBSIM_EMODEL);
	assert_non_null(strstr(r.diag.msg, "ends past the model's clock"));
	run_free(&r);
}

/*
 * mmap_lock ordering: cpu 1's munmap waits 50 us for cpu 0 (IRQs off) and
 * holds mmap_lock for write all along; cpu 0's mmap of the same range, later
 * in the trace, must wait for it (and slip) instead of overlapping it.
 */
static void test_mmap_lock_orders(void **state)
{
	struct run r;
	const struct tlbsim_result *res;

	(void)state;
	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 1, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 20, .cpu = 1, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_IRQ_OFF, .dur = 50000);
	EV(&r, .t = 2000, .cpu = 1, .kind = TLBSIM_EV_UNMAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 3000, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 3100, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	res = run_end(&r);
	assert_int_equal(res->c.ipi_flush, 1);
	assert_int_equal(res->c.faults, 0);
	/* cpu 0 applied its map only after the unmap's IPI at 51 us and ack */
	assert_true(res->per_cpu[0].slip_cycles > (uint64_t)(48000 * 2.5));
	run_free(&r);
}

/*
 * A PID reused while the exit's teardown is in flight: cpu 0's exit of mm 1
 * waits for lazy cpu 1 (IRQs off for 50 us); meanwhile cpu 2 runs a new
 * mm 1 (the format: an mm exists until `exit`). The switch, map and touch
 * name the new mm, not the one being torn down.
 */
static void test_reused_id_during_teardown(void **state)
{
	struct run r;
	const struct tlbsim_result *res;

	(void)state;
	run_start(&r, 3, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 20, .cpu = 1, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(&r, .t = 30, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 0);
	EV(&r, .t = 40, .cpu = 1, .kind = TLBSIM_EV_IRQ_OFF, .dur = 50000);
	EV(&r, .t = 100, .cpu = 0, .kind = TLBSIM_EV_EXIT, .mm = 1);
	EV(&r, .t = 200, .cpu = 2, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 300, .cpu = 2, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 400, .cpu = 2, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	res = run_end(&r);
	/* the exit freed tables: lazy cpu 1 gets the one flush IPI */
	assert_int_equal(res->c.ipi_flush, 1);
	assert_int_equal(res->c.ipi_to_lazy, 1);
	assert_int_equal(res->nhazards, 0);
	run_free(&r);
}

/*
 * mm_tlb_flush_nested(): threads on cpu 0 and cpu 1 zap a page each of the
 * same mm 1 ns apart, both under mmap_lock for read. Each gather raises
 * tlb_flush_pending before its walk (generic gather_walk: 7000 cycles,
 * 2.8 us) and looks at it after: each finds the other's in flight, so both
 * flush the whole TLB with freed_tables, an IPI each to the other CPU,
 * which runs mm 1.
 */
static void test_nested_gathers(void **state)
{
	struct run r;
	const struct tlbsim_result *res;

	(void)state;
	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(&r, .t = 30, .cpu = 1, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x401000);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = 0x1000);
	EV(&r, .t = 1001, .cpu = 1, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x401000, .len = 0x1000);
	res = run_end(&r);
	assert_int_equal(res->c.mm_flushes, 2);
	assert_int_equal(res->c.nested_flushes, 2);
	assert_int_equal(res->c.ipi_flush, 2);
	/* two zaps 10 us apart do not overlap: walk 2.8 us, IPI acknowledged
	 * within another ~1.2 us (generic) */
	run_free(&r);
	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(&r, .t = 30, .cpu = 1, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x401000);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = 0x1000);
	EV(&r, .t = 11000, .cpu = 1, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x401000, .len = 0x1000);
	res = run_end(&r);
	assert_int_equal(res->c.nested_flushes, 0);
	assert_int_equal(res->c.ipi_flush, 2);
	run_free(&r);
}

/*
 * Two threads exit at once and MADV_DONTNEED their stacks, where nothing
 * is present (thp_collapse, munmap_big): alone, a gather that cleared
 * nothing flushes nothing; overlapping, tlb_finish_mmu() finds the other
 * in flight and flushes everything, an IPI each way. With gather_walk 0
 * (a profile from before the field existed) the gathers cannot overlap.
 */
static void empty_nested(uint32_t walk, uint64_t flushes, uint64_t ipis)
{
	struct tlbsim_profile prof = *tlbsim_profile_builtin("generic");
	struct run r;
	const struct tlbsim_result *res;

	prof.gather_walk = walk;
	if (!walk)
		prof.gather_walk_page = 0;   /* as a profile from before both */
	run_start_prof(&r, 2, "legacy", "native", false, &prof);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x800000);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = 0x400000);
	EV(&r, .t = 1021, .cpu = 1, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x800000, .len = 0x400000);
	res = run_end(&r);
	assert_int_equal(res->c.mm_flushes, flushes);
	assert_int_equal(res->c.nested_flushes, flushes);
	assert_int_equal(res->c.ipi_flush, ipis);
	run_free(&r);
}

/*
 * The walk costs gather_walk + gather_walk_page per present page: cpu 0
 * zaps 64 present pages at 1 us, cpu 1 (running mm 1, faulting elsewhere
 * in it meanwhile without waiting: page faults take the VMA's lock, not
 * the mmap_lock) goes idle at 4 us. Generic: 7000 + 64 * 286 = 25304
 * cycles (10.1 us), so cpu 1 is lazy when the flush goes out and, no table
 * freed, gets no IPI. Without the per-page cost the flush goes at 3.8 us,
 * while cpu 1 still runs mm 1: one IPI.
 */
static void walk_per_page(uint32_t per_page, uint64_t ipis)
{
	struct tlbsim_profile prof = *tlbsim_profile_builtin("generic");
	struct run r;
	const struct tlbsim_result *res;

	prof.gather_walk_page = per_page;
	run_start_prof(&r, 2, "legacy", "native", false, &prof);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x400000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000, .len = 0x40000);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = 0x40000);
	EV(&r, .t = 2000, .cpu = 1, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x600000);
	EV(&r, .t = 4000, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 0);
	res = run_end(&r);
	assert_int_equal(res->c.mm_flushes, 1);
	assert_int_equal(res->c.ipi_flush, ipis);
	assert_int_equal(res->c.cycles_slip, 0);   /* cpu 1's fault did not wait */
	run_free(&r);
}

static void test_walk_per_page(void **state)
{
	(void)state;
	walk_per_page(286, 0);
	walk_per_page(0, 1);
}

/*
 * cpu 0 touches @pages pages of mm 1, which cpu 1 also runs, then unmaps
 * them: each time the gather's page batches fill (GATHER_PAGES_MAX, 9678
 * pages) zap_pte_range() flushes before going on, then the gather's own
 * flush; each reaches cpu 1.
 */
static void batch_flushes(uint64_t pages, uint64_t flushes)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x40000000,
	   .len = 0x5000000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x40000000,
	   .len = pages * 4096);
	EV(&r, .t = 1000000, .cpu = 0, .kind = TLBSIM_EV_UNMAP, .mm = 1,
	   .addr = 0x40000000, .len = 0x5000000);
	res = run_end(&r);
	assert_int_equal(res->c.mm_flushes, flushes);
	assert_int_equal(res->c.ipi_flush, flushes);
	run_free(&r);
}

static void test_batch_flushes(void **state)
{
	(void)state;
	batch_flushes(9677, 1);
	batch_flushes(9678, 2);
	batch_flushes(2 * 9678 + 5, 3);
}

static void test_empty_gathers_nest(void **state)
{
	(void)state;
	empty_nested(7000, 2, 2);
	empty_nested(0, 0, 0);
}

/*
 * One CPU alternates between mm 1 and mm 2, four switches. With PCID the
 * first two take new ASID slots (flush) and the next two find their slot
 * current (no flush); without PCID every switch to another mm loads ASID 0
 * with a flush.
 */
static void pcid_switches(bool no_pcid, uint64_t flushes, uint64_t noflush)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start_cfg(&r, 2, "legacy", "native", no_pcid);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 2);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 30, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 2);
	res = run_end(&r);
	assert_int_equal(res->c.flush_task_switch, flushes);
	assert_int_equal(res->c.task_switch_noflush, noflush);
	run_free(&r);
}

static void test_pcid(void **state) { (void)state; pcid_switches(false, 2, 2); }
static void test_no_pcid(void **state) { (void)state; pcid_switches(true, 4, 0); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unmap_holes),
		cmocka_unit_test(test_clock_end),
		cmocka_unit_test(test_mmap_lock_orders),
		cmocka_unit_test(test_reused_id_during_teardown),
		cmocka_unit_test(test_nested_gathers),
		cmocka_unit_test(test_empty_gathers_nest),
		cmocka_unit_test(test_walk_per_page),
		cmocka_unit_test(test_batch_flushes),
		cmocka_unit_test(test_unmap_unshared),
		cmocka_unit_test(test_pcid),
		cmocka_unit_test(test_no_pcid),
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
		cmocka_unit_test(test_ran_before),
		cmocka_unit_test(test_not_ran_before),
		cmocka_unit_test(test_lazy_before),
		cmocka_unit_test(test_not_lazy_before),
		cmocka_unit_test(test_exit_lazy),
		cmocka_unit_test(test_exec_wrong_cpu),
		cmocka_unit_test(test_remap_moves),
		cmocka_unit_test(test_remap_nothing_present),
		cmocka_unit_test(test_freed_lazy_legacy),
		cmocka_unit_test(test_freed_lazy_wake),
		cmocka_unit_test(test_unshare_legacy),
		cmocka_unit_test(test_unshare_wake),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
