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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "independent.h"

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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	ind_check_scenario(&e);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
