/* gathers.c - test_kernel's cases of mmu_gather batches: unmaps that
 * punch holes, nested and empty gathers, per-page walks, batch flushes,
 * flushes forced by dirty page-cache pages,
 * the mmap lock's order and the model's clock. Expectations derived by
 * hand from docs/MODEL.md. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "run.h"

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
	if (!walk)   /* as a profile from before the three */
		prof.gather_walk_page = prof.gather_walk_protect_page = 0;
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
 *
 * A protect walks at its own rate (gather_walk_protect_page;
 * change_pte_range(): no rmap, no free): cpu 0 write-protects the 64
 * pages at 1 us, cpu 1 goes idle at 8 us. Generic: 7000 + 64 * 125 =
 * 15000 cycles (6.0 us), the flush at 7.0 us while cpu 1 still runs mm 1:
 * one IPI. At the unmap rate (286 a page, 10.1 us) the flush would find
 * cpu 1 lazy, and a protect frees no table: none.
 */
static void walk_64(enum tlbsim_ev_kind kind, uint32_t per_page, uint64_t idle_at,
		    uint64_t ipis)
{
	struct tlbsim_profile prof = *tlbsim_profile_builtin("generic");
	struct run r;
	const struct tlbsim_result *res;

	*(kind == TLBSIM_EV_PROTECT ? &prof.gather_walk_protect_page :
	  &prof.gather_walk_page) = per_page;
	run_start_prof(&r, 2, "legacy", "native", false, &prof);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x400000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000, .len = 0x40000);
	EV(&r, .t = 1000, .cpu = 0, .kind = kind, .mm = 1, .addr = 0x400000, .len = 0x40000);
	EV(&r, .t = 2000, .cpu = 1, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x600000);
	EV(&r, .t = idle_at, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 0);
	res = run_end(&r);
	assert_int_equal(res->c.mm_flushes, 1);
	assert_int_equal(res->c.ipi_flush, ipis);
	assert_int_equal(res->c.cycles_slip, 0);   /* cpu 1's fault did not wait */
	run_free(&r);
}

static void test_walk_per_page(void **state)
{
	(void)state;
	walk_64(TLBSIM_EV_ZAP, 286, 4000, 0);
	walk_64(TLBSIM_EV_ZAP, 0, 4000, 1);
	walk_64(TLBSIM_EV_PROTECT, 125, 8000, 1);
	walk_64(TLBSIM_EV_PROTECT, 286, 8000, 0);
}

/*
 * cpu 0 touches @pages pages of mm 1, which cpu 1 also runs, then unmaps
 * them: each time the gather's page batches fill (GATHER_PAGES_MAX, 9678
 * pages) zap_pte_range() flushes before going on, then the gather's own
 * flush; each reaches cpu 1.
 *
 * The walk goes on between the batches' flushes: zap_pte_range() walks a
 * batch, tlb_flush_mmu() flushes it, and on. With cpu 1 idle at @idle_at
 * (0: never), 2 * 9678 + 5 present pages unmapped at 1 ms (generic: 7000
 * + 9678 * 286 cycles, 1.11 ms, a batch): the first batch's flush at 2.11
 * ms IPIs cpu 1, which still runs mm 1; cpu 1 idles at 2.6 ms; the second
 * batch's flush, a batch's walk later (3.2 ms), finds it lazy and frees
 * no table: no IPI; the gather's own, its tables freed, wakes it. Two
 * IPIs; one while the whole walk came first and the three flushes went
 * out together at 3.2 ms.
 */
static void batch_flushes(uint64_t pages, uint64_t idle_at, uint64_t flushes,
			  uint64_t ipis)
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
	if (idle_at)
		EV(&r, .t = idle_at, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 0);
	res = run_end(&r);
	assert_int_equal(res->c.mm_flushes, flushes);
	assert_int_equal(res->c.ipi_flush, ipis);
	run_free(&r);
}

static void test_batch_flushes(void **state)
{
	(void)state;
	batch_flushes(9677, 0, 1, 1);
	batch_flushes(9678, 0, 2, 2);
	batch_flushes(2 * 9678 + 5, 0, 3, 3);
	batch_flushes(2 * 9678 + 5, 2600000, 3, 2);
}

/*
 * A 6 MiB MAP_SHARED mapping (three PTE tables) that cpu 1 also runs: cpu 0
 * writes the first @written bytes (dirty page-cache pages), reads @read
 * pages of the third table, then unmaps (or, @zap, MADV_DONTNEED) it
 * all. zap_pte_range() flushes at the end of each table that held a
 * dirty page (force_flush), then tlb_finish_mmu() flushes what is left:
 * the clean table's entries, or the tables an unmap frees. A zap of
 * dirty tables only has nothing left after its last forced flush. Each
 * flush reaches cpu 1. The same writes to a private mapping: one flush.
 */
static void dirty_flushes(bool shared, uint64_t written, uint64_t read, bool zap,
			  uint64_t flushes)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x40000000,
	   .len = 0x600000, .shared = shared);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x40000000,
	   .len = written, .write = true);
	if (read)
		EV(&r, .t = 30, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1,
		   .addr = 0x40400000, .len = read * 4096);
	EV(&r, .t = 1000000, .cpu = 0, .kind = zap ? TLBSIM_EV_ZAP : TLBSIM_EV_UNMAP,
	   .mm = 1, .addr = 0x40000000, .len = 0x600000);
	res = run_end(&r);
	assert_int_equal(res->c.mm_flushes, flushes);
	assert_int_equal(res->c.ipi_flush, flushes);
	run_free(&r);
}

static void test_dirty_page_cache_flushes(void **state)
{
	(void)state;
	dirty_flushes(true, 0x400000, 2, false, 3);   /* 2 forced + the rest */
	dirty_flushes(true, 0x400000, 0, false, 3);   /* 2 forced + freed tables */
	dirty_flushes(true, 0x400000, 0, true, 2);    /* 2 forced, nothing left */
	dirty_flushes(true, 0x400000, 2, true, 3);    /* 2 forced + the clean one */
	dirty_flushes(true, 0x1000, 0, true, 1);      /* one page: its table's */
	dirty_flushes(false, 0x400000, 2, false, 1);  /* anon: no force */
	dirty_flushes(false, 0x400000, 0, true, 1);
}

static void test_empty_gathers_nest(void **state)
{
	(void)state;
	empty_nested(7000, 2, 2);
	empty_nested(0, 0, 0);
}

int kernel_gather_tests(void)
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
		cmocka_unit_test(test_dirty_page_cache_flushes),
	};
	return cmocka_run_group_tests_name("kernel_gather_tests", tests, NULL, NULL);
}
