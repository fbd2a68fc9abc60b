/* idle.c - test_kernel's cases of what a CPU does in its idle task (a
 * `switch` with "idle": true), counted apart per CPU for captures that
 * record nothing of it (tlbsim_cpu_stats). Expectations derived by hand
 * from docs/MODEL.md. */
#include "testutil.h"
#include "run.h"

#define SWITCH(t_, cpu_, mm_, idle_) \
	EV(r, .t = (t_), .cpu = (cpu_), .kind = TLBSIM_EV_SWITCH, .mm = (mm_), .idle = (idle_))

/*
 * cpu 1 runs mm 2, then its idle task, then mm 1: a new ASID, a flush,
 * out of idle. Idle again, then mm 2: its ASID slot is current, no flush,
 * out of idle. A kernel thread (lazy, not idle), then mm 1 again: no
 * flush, not out of idle. Task switches: cpu 0's and cpu 1's first (two
 * flushes), then the three: 3 flushes, 2 without, 1 and 1 out of idle.
 */
static void test_idle_switches(void **state)
{
	struct run run, *r = &run;
	const struct tlbsim_result *res;

	(void)state;
	run_start(r, 2, "legacy", "native");
	SWITCH(0, 0, 1, false);
	SWITCH(0, 1, 2, false);
	SWITCH(10, 1, 0, true);
	SWITCH(20, 1, 1, false);
	SWITCH(30, 1, 0, true);
	SWITCH(40, 1, 2, false);
	SWITCH(50, 1, 0, false);
	SWITCH(60, 1, 1, false);
	res = run_end(r);
	assert_int_equal(res->c.flush_task_switch, 3);
	assert_int_equal(res->c.task_switch_noflush, 2);
	assert_int_equal(res->per_cpu[1].idle_switch_flush, 1);
	assert_int_equal(res->per_cpu[1].idle_switch_noflush, 1);
	assert_int_equal(res->per_cpu[0].idle_switch_flush + res->per_cpu[0].idle_switch_noflush, 0);
	assert_int_equal(res->per_cpu[1].idle_irq_switch_flush +
			 res->per_cpu[1].idle_irq_switch_noflush, 0);
	run_free(r);
}

/*
 * cpu 1 ran mm 1 and idles on it, lazily (@idle: its idle task; else a
 * kernel thread). cpu 0 unmaps a VMA of mm 1 whose page it wrote: its
 * tables are freed, so the flush wakes the lazy cpu 1 (legacy), whose
 * handler switches it to init_mm: slot 0 holds init_mm at its current
 * generation, no flush. That CR3 load is counted in the idle task's
 * handlers only when cpu 1 is in it.
 */
static void lazy_leave(bool idle)
{
	struct run run, *r = &run;
	const struct tlbsim_result *res;

	run_start(r, 2, "legacy", "native");
	SWITCH(0, 0, 1, false);
	SWITCH(0, 1, 1, false);
	SWITCH(10, 1, 0, idle);
	EV(r, .t = 20, .cpu = 0, .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x10000);
	EV(r, .t = 30, .cpu = 0, .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000);
	EV(r, .t = 30000, .cpu = 0, .kind = TLBSIM_EV_UNMAP, .mm = 1, .addr = 0x400000, .len = 0x10000);
	res = run_end(r);
	assert_int_equal(res->c.ipi_to_lazy, 1);
	assert_int_equal(res->c.flush_task_switch, 2);
	assert_int_equal(res->c.task_switch_noflush, 1);
	assert_int_equal(res->per_cpu[1].idle_irq_switch_noflush, idle);
	assert_int_equal(res->per_cpu[1].idle_irq_switch_flush, 0);
	assert_int_equal(res->per_cpu[1].idle_irq_remote + res->per_cpu[1].idle_irq_wrong_cpu, 0);
	run_free(r);
}

static void test_lazy_leave_idle(void **state) { (void)state; lazy_leave(true); }
static void test_lazy_leave_kthread(void **state) { (void)state; lazy_leave(false); }

/*
 * A switch the capture lost ("unseen"): cpu 1 runs mm 2, idles, and comes
 * back to mm 1 by a switch no record shows (a new ASID: a flush), then to
 * mm 2 the same way (its slot current: no flush). Its CR3 writes count
 * apart (unseen), not as out of idle: predicted_in_capture leaves them
 * out whatever the capture holds of the idle task. The task-switch
 * counters still count them: the kernel made them.
 */
static void test_unseen_switches(void **state)
{
	struct run run, *r = &run;
	const struct tlbsim_result *res;

	(void)state;
	run_start(r, 2, "legacy", "native");
	SWITCH(0, 0, 1, false);
	SWITCH(0, 1, 2, false);
	SWITCH(10, 1, 0, true);
	EV(r, .t = 20, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 1, .unseen = true);
	EV(r, .t = 30, .cpu = 1, .kind = TLBSIM_EV_SWITCH, .mm = 2, .unseen = true);
	res = run_end(r);
	assert_int_equal(res->c.flush_task_switch, 3);
	assert_int_equal(res->c.task_switch_noflush, 1);
	assert_int_equal(res->per_cpu[1].unseen_switch_flush, 1);
	assert_int_equal(res->per_cpu[1].unseen_switch_noflush, 1);
	assert_int_equal(res->per_cpu[1].idle_switch_flush + res->per_cpu[1].idle_switch_noflush, 0);
	run_free(r);
}

int kernel_idle_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_switches),
		cmocka_unit_test(test_lazy_leave_idle),
		cmocka_unit_test(test_lazy_leave_kthread),
		cmocka_unit_test(test_unseen_switches),
	};
	return cmocka_run_group_tests_name("kernel_idle_tests", tests, NULL, NULL);
}
