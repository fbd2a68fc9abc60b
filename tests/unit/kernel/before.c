/* before.c - test_kernel's cases of a CPU's state from before the trace
 * (ran_before, lazy_before, running_before), of exit and exec, of mremap
 * and of PCID. Expectations derived by hand from docs/MODEL.md. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "run.h"

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
 * A CPU running a task of the mm when the trace began (running_before):
 * cpu 1 holds mm 1, not lazy, its bit set, and no switch is counted for
 * it. Each flush of mm 1 finds it running the mm: should_flush_tlb() is
 * true, so the zap of one page (no table freed), the munmap and the last
 * zap each send it an IPI (3 sends, 3 flush IPIs, none to a lazy CPU).
 * The same with a `switch` of cpu 1 to mm 1 instead: the same IPIs, and
 * one more task switch (2 where running_before has cpu 0's alone).
 */
static void running_before(bool before, long switches)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .mm = 1, .kind = before ? TLBSIM_EV_RUNNING_BEFORE
						       : TLBSIM_EV_SWITCH);
	zap_unmap_zap(&r, 0x1000);
	res = run_end(&r);
	assert_int_equal(res->c.remote_send_ipi, 3);
	assert_int_equal(res->c.ipi_flush, 3);
	assert_int_equal(res->c.ipi_to_lazy, 0);
	assert_int_equal(res->c.wrong_cpu, 0);
	assert_int_equal(res->c.flush_task_switch + res->c.task_switch_noflush, switches);
	assert_int_equal(res->c.flush_local, 3);
	run_free(&r);
}

static void test_running_before(void **state) { (void)state; running_before(true, 1); }
static void test_switch_not_before(void **state) { (void)state; running_before(false, 2); }

/* A CPU that runs a user task cannot have been running another before the
 * trace: the model's error names the event and the CPU's mm. */
static void test_running_before_busy(void **state)
{
	struct run r;

	(void)state;
	run_start(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 2);
	assert_int_not_equal(ev(&r, 10, 1, TLBSIM_EV_RUNNING_BEFORE, 1, 0, 0), 0);
	assert_non_null(strstr(r.diag.msg, "running_before: cpu 1 runs mm 2 (a "
			       "user task); switch it to a kernel thread first"));
	run_free(&r);
}

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
 * Which pages a remap moves (move_page_tables()), probed after it by
 * one-page zaps of the new range: a zap flushes (one local flush) only
 * where it clears a present page. Two adjacent VMAs [0x400000, 0x600000)
 * and [0x600000, 0x800000), pages 0x402000-0x403fff, 0x5ff000 and
 * 0x600000 present (the last two one run across both the VMAs and the
 * 2 MiB regions), moved to 0x40000000; then a THP (a collapse of
 * [0xa00000, +2 MiB), which flushes) moved to 0x80000000, its pages as
 * PTEs. Each remap flushes once. Last, 32 TiB of unmapped memory moved: nothing, no
 * flush, and a walk that skips what has no tables (a page at a time it
 * was 2^33 steps).
 */
static void test_remap_runs(void **state)
{
	static const struct { uint64_t addr; bool present; } probe[] = {
		{ 0x40002000, true }, { 0x40003000, true }, { 0x40004000, false },
		{ 0x40001000, false }, { 0x401ff000, true }, { 0x40200000, true },
		{ 0x40201000, false }, { 0x80000000, true }, { 0x801ff000, true },
	};
	struct run r;
	const struct tlbsim_result *res;
	uint64_t t = 40000;
	long want = 3;   /* the collapse's flush, the two remaps that moved pages */

	(void)state;
	run_start(&r, 1, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x200000);
	EV(&r, .t = 11, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x600000, .len = 0x200000);
	EV(&r, .t = 12, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0xa00000, .len = 0x200000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x402000, .len = 0x2000);
	EV(&r, .t = 21, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x5ff000);
	EV(&r, .t = 22, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x600000);
	EV(&r, .t = 23, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0xa00000);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_COLLAPSE, .mm = 1, .addr = 0xa00000);
	EV(&r, .t = 10000, .cpu = 0, .kind = TLBSIM_EV_REMAP, .mm = 1, .addr = 0x400000,
	   .len = 0x400000, .start = 0x40000000);
	EV(&r, .t = 20000, .cpu = 0, .kind = TLBSIM_EV_REMAP, .mm = 1, .addr = 0xa00000,
	   .len = 0x200000, .start = 0x80000000);
	EV(&r, .t = 30000, .cpu = 0, .kind = TLBSIM_EV_REMAP, .mm = 1,
	   .addr = 0x100000000000, .len = 0x200000000000, .start = 0x400000000000);
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		EV(&r, .t = t, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1,
		   .addr = probe[i].addr, .len = 0x1000);
		t += 10000;
		want += probe[i].present;
	}
	res = run_end(&r);
	assert_int_equal(res->c.flush_local, want);
	assert_int_equal(res->c.faults, 0);
	run_free(&r);
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

/*
 * A ran_before with an ASID slot (asid): cpu 1 holds mm 1's ctx in a slot
 * at mm 1's tlb_gen, init_mm loaded. Its switch to mm 1 finds the slot
 * current: no flush (choose_new_asid()); cpu 0's own first switch flushes.
 * Without the slot, or without PCID (no slot to hold), cpu 1's switch
 * flushes too. A zap of mm 1 on cpu 0 first (tlb_gen 0 -> 1; cpu 1 is in
 * the mask on init_mm: a send, no IPI) leaves the slot behind: a flush.
 */
static void slot_switch(bool no_pcid, bool asid, bool zap, uint64_t flushes,
			uint64_t noflush)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start_cfg(&r, 2, "legacy", "native", no_pcid);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 0, .cpu = 1, .kind = TLBSIM_EV_RAN_BEFORE, .mm = 1, .asid = asid);
	if (zap) {
		EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000,
		   .len = 0x10000);
		EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
		EV(&r, .t = 30, .cpu = 0, .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000,
		   .len = 0x1000);
	}
	EV(&r, .t = 100000, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	res = run_end(&r);
	assert_int_equal(res->c.flush_task_switch, flushes);
	assert_int_equal(res->c.task_switch_noflush, noflush);
	assert_int_equal(res->c.ipi_flush, 0);
	run_free(&r);
}

/*
 * cpu 0 runs mm 1's last task, which exits: exit_mm() leaves cpu 0 lazy,
 * and exit_mmap()'s flush switches it to init_mm (flush_tlb_func()). As
 * booted, slot 0 holds init_mm: no flush. A CPU that ran before the trace
 * (asid_history) holds it in no slot: it takes one and flushes, unless a
 * ran_before of init_mm ("mm": null) with asid says a slot still holds it.
 */
static void exit_to_init(bool history, bool held, uint64_t flushes, uint64_t noflush)
{
	struct run r;
	const struct tlbsim_result *res;

	if (history)
		run_start_history(&r, 2, "legacy", "native");
	else
		run_start(&r, 2, "legacy", "native");
	if (held)
		EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_RAN_BEFORE, .mm = 0, .asid = true);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000,
	   .len = 0x10000);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_EXIT, .mm = 1);
	res = run_end(&r);
	assert_int_equal(res->c.flush_task_switch, flushes);
	assert_int_equal(res->c.task_switch_noflush, noflush);
	run_free(&r);
}

static void test_exit_to_init(void **state)
{
	(void)state;
	exit_to_init(false, false, 1, 1);
	exit_to_init(true, false, 2, 0);
	exit_to_init(true, true, 1, 1);
}

/*
 * The round robin of a CPU that ran before the trace (asid_history): the
 * task running at the start (running_before mm 1) was loaded in the slot
 * loaded then (0), and a mm whose slot outlived the trace's start
 * (ran_before mm 2 with asid) holds the one taken last before it (5): the
 * round robin stays at slot 1. Five new mms take slots 1 to 5, the fifth
 * evicting mm 2: the switch back to mm 1 needs no flush, the one to mm 2
 * flushes. Had mm 1 and mm 2 taken round-robin slots (1 and 2), mms 6 and
 * 7 would have evicted them both: seven flushes.
 */
static void test_slot_round_robin(void **state)
{
	struct run r;
	const struct tlbsim_result *res;

	(void)state;
	run_start_history(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_RUNNING_BEFORE, .mm = 1);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_RAN_BEFORE, .mm = 2, .asid = true);
	for (uint32_t mm = 3; mm <= 7; mm++)
		EV(&r, .t = mm * 1000, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = mm);
	EV(&r, .t = 10000, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 1);
	EV(&r, .t = 11000, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 2);
	res = run_end(&r);
	assert_int_equal(res->c.flush_task_switch, 6);
	assert_int_equal(res->c.task_switch_noflush, 1);
	run_free(&r);
}

/*
 * init_mm's slot from before the trace (ran_before of init_mm with asid):
 * on a CPU that ran a user task when the trace began (running_before),
 * the one the round robin takes next (slot 1): mm 2's new ASID evicts it,
 * and mm 2's exit, switching the CPU to init_mm, flushes. On one idle
 * then (lazy_before) the one taken last (5): it survives, no flush.
 */
static void init_slot(bool busy, uint64_t flushes, uint64_t noflush)
{
	struct run r;
	const struct tlbsim_result *res;

	run_start_history(&r, 2, "legacy", "native");
	EV(&r, .t = 0, .cpu = 0, .kind = busy ? TLBSIM_EV_RUNNING_BEFORE :
	   TLBSIM_EV_LAZY_BEFORE, .mm = 1);
	EV(&r, .t = 0, .cpu = 0, .kind = TLBSIM_EV_RAN_BEFORE, .mm = 0, .asid = true);
	EV(&r, .t = 10, .cpu = 0, .kind = TLBSIM_EV_SWITCH, .mm = 2);
	EV(&r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 2, .addr = 0x400000,
	   .len = 0x10000);
	EV(&r, .t = 30, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 2, .addr = 0x400000);
	EV(&r, .t = 1000, .cpu = 0, .kind = TLBSIM_EV_EXIT, .mm = 2);
	res = run_end(&r);
	assert_int_equal(res->c.flush_task_switch, flushes);
	assert_int_equal(res->c.task_switch_noflush, noflush);
	run_free(&r);
}

static void test_init_slot_busy(void **state) { (void)state; init_slot(true, 2, 0); }
static void test_init_slot_idle(void **state) { (void)state; init_slot(false, 1, 1); }

static void test_slot_before(void **state) { (void)state; slot_switch(false, true, false, 1, 1); }
static void test_no_slot_before(void **state) { (void)state; slot_switch(false, false, false, 2, 0); }
static void test_slot_no_pcid(void **state) { (void)state; slot_switch(true, true, false, 2, 0); }
static void test_slot_behind(void **state) { (void)state; slot_switch(false, true, true, 2, 0); }

int kernel_before_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ran_before),
		cmocka_unit_test(test_not_ran_before),
		cmocka_unit_test(test_lazy_before),
		cmocka_unit_test(test_not_lazy_before),
		cmocka_unit_test(test_running_before),
		cmocka_unit_test(test_switch_not_before),
		cmocka_unit_test(test_running_before_busy),
		cmocka_unit_test(test_exit_lazy),
		cmocka_unit_test(test_exec_wrong_cpu),
		cmocka_unit_test(test_remap_moves),
		cmocka_unit_test(test_remap_nothing_present),
		cmocka_unit_test(test_remap_runs),
		cmocka_unit_test(test_pcid),
		cmocka_unit_test(test_no_pcid),
		cmocka_unit_test(test_slot_before),
		cmocka_unit_test(test_no_slot_before),
		cmocka_unit_test(test_slot_no_pcid),
		cmocka_unit_test(test_slot_behind),
		cmocka_unit_test(test_exit_to_init),
		cmocka_unit_test(test_slot_round_robin),
		cmocka_unit_test(test_init_slot_busy),
		cmocka_unit_test(test_init_slot_idle),
	};
	return cmocka_run_group_tests_name("kernel_before_tests", tests, NULL, NULL);
}
