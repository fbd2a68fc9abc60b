/* before.c - what a CPU held before the capture, read from the kernel's
 * own task-switch records (slot_before, ran_elsewhere). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
 * Tasks first seen switched to. Two threads of a daemon perf records
 * nothing of (tokio-rt-worker 68 and 75: no record of their own, the
 * switches back to wl lost too) are one process, 68's: the switch to 75
 * finds 68's slot current, no flush, as the kernel traced (a process of
 * its own would have flushed). perf's thread 201 shows its thread group
 * in its own record ahead (200/201): the switch to it is one to mm 200
 * (thread_from_records), not to a process 201 of its own.
 */
static void test_unseen_pool(void **state)
{
	static const char text[] =
		"wl 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000200: sched:sched_switch: prev_comm=wl prev_pid=100 "
		"prev_prio=120 prev_state=R ==> next_comm=tokio-rt-worker next_pid=68 "
		"next_prio=120\n"
		"wl 100/100 [000] 1.000000201: tlb:tlb_flush: pages:-1 reason:flush on task "
		"switch (0)\n"
		"wl 100/100 [000] 1.000000300: exceptions:page_fault_user: address=0x401000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000400: sched:sched_switch: prev_comm=wl prev_pid=100 "
		"prev_prio=120 prev_state=R ==> next_comm=tokio-rt-worker next_pid=75 "
		"next_prio=120\n"
		"wl 100/100 [000] 1.000000401: tlb:tlb_flush: pages:0 reason:flush on task "
		"switch (0)\n"
		"wl 100/100 [000] 1.000000500: exceptions:page_fault_user: address=0x402000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000600: sched:sched_switch: prev_comm=wl prev_pid=100 "
		"prev_prio=120 prev_state=S ==> next_comm=perf next_pid=201 next_prio=120\n"
		"wl 100/100 [000] 1.000000601: tlb:tlb_flush: pages:-1 reason:flush on task "
		"switch (0)\n"
		"perf 200/201 [000] 1.000000700: sched:sched_switch: prev_comm=perf "
		"prev_pid=201 prev_prio=120 prev_state=S ==> next_comm=wl next_pid=100 "
		"next_prio=120\n"
		"perf 200/201 [000] 1.000000701: tlb:tlb_flush: pages:0 reason:flush on task "
		"switch (0)\n";
	char *path = tu_tmpfile(text, ".perf.txt");
	struct tu_run r = tu_cli(NULL, "import", path, "-o", "-", NULL);
	json_t *doc = tu_validate_text(text), *v = json_object_get(doc, "validate");

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "{\"t\": 300, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 68}\n"));
	assert_non_null(strstr(r.out, "{\"t\": 500, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 200}\n"));
	assert_int_equal(tu_counter(v, "task_switch_flush", "predicted_in_capture"), 2);
	assert_int_equal(tu_counter(v, "task_switch_noflush", "predicted_in_capture"), 2);
	assert_int_equal(tu_counter(v, "task_switch_noflush", "observed"), 2);
	assert_int_equal(tu_field(v, "inferences", "tgid_from_tid"), 2);
	assert_int_equal(tu_field(v, "inferences", "thread_from_records"), 1);
	json_decref(doc);
	tu_run_free(&r);
	unlink(path);
	free(path);
}

int perf_before_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_before),
		cmocka_unit_test(test_slot_not_held),
		cmocka_unit_test(test_unseen_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
