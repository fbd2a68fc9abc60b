/* before.c - what a CPU held before the capture, read from the kernel's
 * own task-switch records (slot_before, ran_elsewhere). */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "testutil.h"
#include "parts.h"

/*
 * wl (100) runs on cpu 0 when the capture begins (running_before) and
 * switches to `other` (300), older than the capture, whose switch traced
 * @pages; then back to wl, which traced no flush (wl's slot is current).
 * pages 0 (PCID): an ASID slot of cpu 0 held 300's mm, current: a
 * ran_before with asid on cpu 0 (slot_before), and the model's switch
 * finds the slot: two switches without flush, as the kernel's. pages -1:
 * no slot held it; on a 2-CPU machine it had run on cpu 1
 * (ran_elsewhere): one flush, one without.
 */
static void slot_case(int pages, long flush, long noflush, long slot, long elsewhere)
{
	char text[2048];
	json_t *doc, *v;

	snprintf(text, sizeof(text),
		"wl 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000200: sched:sched_switch: prev_comm=wl prev_pid=100 "
		"prev_prio=120 prev_state=S ==> next_comm=other next_pid=300 next_prio=120\n"
		"wl 100/100 [000] 1.000000201: tlb:tlb_flush: pages:%d reason:flush on task "
		"switch (0)\n"
		"other 300/300 [000] 1.000000300: exceptions:page_fault_user: address=0x500000 "
		"ip=0x1000 error_code=0x6\n"
		"other 300/300 [000] 1.000000400: sched:sched_switch: prev_comm=other "
		"prev_pid=300 prev_prio=120 prev_state=S ==> next_comm=wl next_pid=100 "
		"next_prio=120\n"
		"other 300/300 [000] 1.000000401: tlb:tlb_flush: pages:0 reason:flush on task "
		"switch (0)\n", pages);
	doc = tu_validate_text(text);
	v = json_object_get(doc, "validate");
	assert_int_equal(tu_counter(v, "task_switch_flush", "predicted"), flush);
	assert_int_equal(tu_counter(v, "task_switch_flush", "observed"), flush);
	assert_int_equal(tu_counter(v, "task_switch_noflush", "predicted"), noflush);
	assert_int_equal(tu_field(v, "inferences", "slot_before"), slot);
	assert_int_equal(tu_field(v, "inferences", "ran_elsewhere"), elsewhere);
	json_decref(doc);
}

static void test_slot_before(void **state) { (void)state; slot_case(0, 0, 2, 1, 0); }
static void test_slot_not_held(void **state) { (void)state; slot_case(-1, 1, 1, 0, 1); }

/*
 * perf's workload child (300), older than the capture, switched to on cpu
 * 0 with a full flush, execs 0.2 ms later. Its old mm's teardown traced a
 * send (@send): the mm's cpumask held the other CPU, it ran there
 * (ran_elsewhere), and the model's teardown sends too. It traced none:
 * the flush said nothing of where it ran (every switch flushes without
 * PCID), and the model sends nothing either (execs_next()).
 */
static void exec_case(bool send, long elsewhere, long sends)
{
	char text[2048];
	json_t *doc, *v;

	snprintf(text, sizeof(text),
		"wl 100/100 [000] 1.000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000200: sched:sched_switch: prev_comm=wl prev_pid=100 "
		"prev_prio=120 prev_state=S ==> next_comm=perf-exec next_pid=300 "
		"next_prio=120\n"
		"wl 100/100 [000] 1.000201: tlb:tlb_flush: pages:-1 reason:flush on task "
		"switch (0)\n"
		"perf-exec 300/300 [000] 1.000300: exceptions:page_fault_user: "
		"address=0x500000 ip=0x1000 error_code=0x6\n"
		"perf-exec 300/300 [000] 1.000400: tlb:tlb_flush: pages:-1 reason:flush on "
		"task switch (0)\n%s"
		"prog 300/300 [000] 1.000500: sched:sched_process_exec: filename=./prog "
		"pid=300 old_pid=300\n"
		"prog 300/300 [000] 1.000600: exceptions:page_fault_user: address=0x600000 "
		"ip=0x1000 error_code=0x6\n",
		send ? "perf-exec 300/300 [000] 1.000401: tlb:tlb_flush: pages:-1 "
		"reason:remote IPI send (4)\n" : "");
	doc = tu_validate_text(text);
	v = json_object_get(doc, "validate");
	assert_int_equal(tu_field(v, "inferences", "ran_elsewhere"), elsewhere);
	assert_int_equal(tu_counter(v, "remote_send_ipi", "observed"), sends);
	assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), sends);
	json_decref(doc);
}

static void test_exec_sends(void **state) { (void)state; exec_case(true, 1, 1); }
static void test_exec_sends_none(void **state) { (void)state; exec_case(false, 0, 0); }

int perf_before_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_before),
		cmocka_unit_test(test_slot_not_held),
		cmocka_unit_test(test_exec_sends),
		cmocka_unit_test(test_exec_sends_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
