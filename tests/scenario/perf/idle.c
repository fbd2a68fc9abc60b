/* idle.c - test_perf's cases of predictions as the capture records them
 * (validate's predicted_in_capture): what a CPU does in its idle task is
 * missing from a capture that holds nothing of that task there. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "parts.h"

/* In the "validate" object of @doc: counter @name's @which. */
static long counter(json_t *doc, const char *name, const char *which)
{
	return tu_counter(json_object_get(doc, "validate"), name, which);
}

/*
 * cpu 1 runs process 101, which sleeps (a switch to swapper/1); process
 * 102 runs there next, its switch in a flush (a new mm on that CPU).
 * @seen: the capture records that switch out of the idle task; without
 * it (perf on the capture hosts' KVM guests records nothing of cpu 1's
 * idle task), the model's flush there is not in what the capture can
 * hold: predicted 1, in the capture 0.
 */
static json_t *idle_case(bool seen)
{
	char text[2048];

	snprintf(text, sizeof(text),
		"wl 100/100 [000] 1.000000100: exceptions:page_fault_user: "
		"address=0x7f0000000000 ip=0x1000 error_code=0x6\n"
		"wl 101/101 [001] 1.000000200: exceptions:page_fault_user: "
		"address=0x7f1000000000 ip=0x1000 error_code=0x6\n"
		"wl 101/101 [001] 1.000000300: sched:sched_switch: prev_comm=wl "
		"prev_pid=101 prev_prio=120 prev_state=S ==> next_comm=swapper/1 "
		"next_pid=0 next_prio=120\n"
		"%s"
		"wl 102/102 [001] 1.000100000: exceptions:page_fault_user: "
		"address=0x7f2000000000 ip=0x1000 error_code=0x6\n",
		seen ? "swapper 0/0 [001] 1.000090000: sched:sched_switch: "
		"prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> "
		"next_comm=wl next_pid=102 next_prio=120\n" : "");
	return tu_validate_text(text);
}

static void test_switch_out_of_idle(void **state)
{
	json_t *doc;

	(void)state;
	doc = idle_case(false);
	assert_int_equal(counter(doc, "task_switch_flush", "predicted"), 1);
	assert_int_equal(counter(doc, "task_switch_flush", "predicted_in_capture"), 0);
	json_decref(doc);
	doc = idle_case(true);
	assert_int_equal(counter(doc, "task_switch_flush", "predicted"), 1);
	assert_int_equal(counter(doc, "task_switch_flush", "predicted_in_capture"), 1);
	json_decref(doc);
}

/*
 * lazy_idle (a thread that mostly sleeps; perf on its host records
 * nothing of cpu 1's idle task): the model's 21 task-switch flushes, 24
 * without flush and 18 wrong-CPU clearings are mostly cpu 1's, in its idle
 * task, where the kernel's are not in the capture either (1, 5 and 0);
 * cpu 1's first switch to init_mm flushes (asid_history: 20 and 25 while
 * its slot 0 held init_mm as at boot), cpu 0's at the exit does not, as
 * the kernel's record says (init_slot).
 * As the capture records them: 1, 5 and 0 (4, 3 and 0 until slot_before:
 * two processes older than the capture came back to cpu 0 with no
 * flush, their ASID slots current; 2, 5 and 0 until perf's own wake-up
 * on cpu 1 before that CPU's tracepoints were on no longer counted a
 * switch, wake_ahead()). The complete counters keep
 * predicted_in_capture out (nothing of them is missed).
 */
static void test_lazy_idle_in_capture(void **state)
{
	json_t *doc = tu_validate("traces/perf/lazy_idle.perf.txt.xz");
	json_t *c = json_object_get(json_object_get(doc, "validate"), "counters");

	(void)state;
	assert_int_equal(counter(doc, "task_switch_flush", "predicted"), 21);
	assert_int_equal(counter(doc, "task_switch_flush", "predicted_in_capture"), 1);
	assert_int_equal(counter(doc, "task_switch_noflush", "predicted"), 24);
	assert_int_equal(counter(doc, "task_switch_noflush", "predicted_in_capture"), 5);
	assert_int_equal(tu_field(json_object_get(doc, "validate"), "inferences",
				  "slot_before"), 2);
	assert_int_equal(tu_field(json_object_get(doc, "validate"), "inferences",
				  "init_slot"), 1);
	assert_int_equal(counter(doc, "wrong_cpu", "predicted"), 18);
	assert_int_equal(counter(doc, "wrong_cpu", "predicted_in_capture"), 0);
	assert_null(json_object_get(json_object_get(c, "flush_ipis"), "predicted_in_capture"));
	json_decref(doc);
}

/*
 * wl (100) runs on cpu 1, switches to a tokio worker (process 68, a flush:
 * no slot held it) and is back 100 us later with no switch recorded
 * between. On a CPU whose idle task the capture never shows, the worker
 * went idle and wl came back from idle, neither recorded (idle_between):
 * the model's switch back (no flush: wl's slot is current) is one out of
 * the idle task, not in what the capture can hold. With a switch out of
 * cpu 1's idle task in the capture, it is a switch from the worker the
 * capture lost ("unseen": its CR3 write's record is lost with it): not in
 * what the capture holds either, and no idle spell.
 */
static json_t *between_case(bool seen)
{
	char text[2048];

	snprintf(text, sizeof(text),
		"%s"
		"wl 100/100 [001] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [001] 1.000000200: sched:sched_switch: prev_comm=wl prev_pid=100 "
		"prev_prio=120 prev_state=R ==> next_comm=tokio-rt-worker next_pid=68 "
		"next_prio=120\n"
		"wl 100/100 [001] 1.000000201: tlb:tlb_flush: pages:-1 reason:flush on task "
		"switch (0)\n"
		"wl 100/100 [001] 1.000100000: exceptions:page_fault_user: address=0x401000 "
		"ip=0x1000 error_code=0x6\n",
		seen ? "swapper 0/0 [001] 1.000000050: sched:sched_switch: "
		"prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> "
		"next_comm=wl next_pid=100 next_prio=120\n" : "");
	return tu_validate_text(text);
}

static void test_idle_between(void **state)
{
	json_t *doc = between_case(false);

	(void)state;
	assert_int_equal(counter(doc, "task_switch_noflush", "predicted"), 1);
	assert_int_equal(counter(doc, "task_switch_noflush", "predicted_in_capture"), 0);
	assert_int_equal(counter(doc, "task_switch_flush", "predicted_in_capture"), 1);
	assert_int_equal(tu_field(json_object_get(doc, "validate"), "inferences",
				  "idle_between"), 1);
	json_decref(doc);
	doc = between_case(true);
	assert_int_equal(counter(doc, "task_switch_noflush", "predicted"), 1);
	assert_int_equal(counter(doc, "task_switch_noflush", "predicted_in_capture"), 0);
	assert_int_equal(tu_field(json_object_get(doc, "validate"), "inferences",
				  "idle_between"), 0);
	json_decref(doc);
}

int perf_idle_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_out_of_idle),
		cmocka_unit_test(test_lazy_idle_in_capture),
		cmocka_unit_test(test_idle_between),
	};
	return cmocka_run_group_tests_name("perf_idle_tests", tests, NULL, NULL);
}
