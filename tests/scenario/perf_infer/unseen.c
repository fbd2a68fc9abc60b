/* unseen.c - what the capture holds no record of but its effects: a
 * daemon's threads perf records nothing of (unseen_pool), and their
 * flushes, seen only where their IPIs land (unseen_flush). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "parts.h"

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

/*
 * cpu 1's wl thread switches to tokio-rt-worker 68 (a new ASID: flush)
 * and back (the switch lost); cpu 0's switches to 75, another thread of
 * that pool (68's mm, new on cpu 0: flush). A flush IPI's handler runs on
 * cpu 1 with no csd_queue_cpu of the capture behind it, and finds wl
 * there (wrong CPU): the pool's task on cpu 0 flushed (unseen_flush), a
 * flush that frees tables, so sent to cpu 1 whatever it runs; its own
 * records are not in the capture (in the model: a local flush, a send, a
 * flush IPI, none as the capture records them). The flush advanced the
 * pool's tlb_gen: cpu 1's next switch to 68 flushes, as the kernel's did.
 * Without it the model's would not, and would clear no bit.
 */
static void test_unseen_flush(void **state)
{
	static const char text[] =
		"wl 100/100 [000] 1.000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/101 [001] 1.000110: exceptions:page_fault_user: address=0x401000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/101 [001] 1.000200: sched:sched_switch: prev_comm=wl "
		"prev_pid=101 prev_prio=120 prev_state=R ==> next_comm=tokio-rt-worker "
		"next_pid=68 next_prio=120\n"
		"wl 100/101 [001] 1.000201: tlb:tlb_flush: pages:-1 reason:flush on task "
		"switch (0)\n"
		"wl 100/101 [001] 1.000300: exceptions:page_fault_user: address=0x402000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000400: sched:sched_switch: prev_comm=wl "
		"prev_pid=100 prev_prio=120 prev_state=R ==> next_comm=tokio-rt-worker "
		"next_pid=75 next_prio=120\n"
		"wl 100/100 [000] 1.000401: tlb:tlb_flush: pages:-1 reason:flush on task "
		"switch (0)\n"
		"wl 100/101 [001] 1.000500: csd:csd_function_entry: func=flush_tlb_func, "
		"csd=0xffff888627d2e3e0\n"
		"wl 100/101 [001] 1.000501: tlb:tlb_flush: pages:0 reason:remote wrong "
		"CPU (5)\n"
		"wl 100/101 [001] 1.000502: csd:csd_function_exit: func=flush_tlb_func, "
		"csd=0xffff888627d2e3e0\n"
		"wl 100/100 [000] 1.000600: exceptions:page_fault_user: address=0x403000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/101 [001] 1.000700: sched:sched_switch: prev_comm=wl "
		"prev_pid=101 prev_prio=120 prev_state=R ==> next_comm=tokio-rt-worker "
		"next_pid=68 next_prio=120\n"
		"wl 100/101 [001] 1.000701: tlb:tlb_flush: pages:-1 reason:flush on task "
		"switch (0)\n";
	json_t *doc = tu_validate_text(text), *v = json_object_get(doc, "validate");

	(void)state;
	assert_int_equal(tu_field(v, "inferences", "unseen_flush"), 1);
	assert_int_equal(tu_counter(v, "wrong_cpu", "observed"), 1);
	assert_int_equal(tu_seen(v, "wrong_cpu"), 1);
	assert_int_equal(tu_counter(v, "task_switch_flush", "observed"), 3);
	assert_int_equal(tu_seen(v, "task_switch_flush"), 3);
	assert_int_equal(tu_counter(v, "local_mm_shootdown", "predicted"), 1);
	assert_int_equal(tu_seen(v, "local_mm_shootdown"), 0);
	assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), 1);
	assert_int_equal(tu_seen(v, "remote_send_ipi"), 0);
	assert_int_equal(tu_counter(v, "flush_ipis", "predicted"), 1);
	assert_int_equal(tu_seen(v, "flush_ipis"), 0);
	json_decref(doc);
}

/*
 * The same handler while no CPU runs a task of the pool as far as the
 * capture shows: cpu 0 ran one (tokio-rt-worker 75: its bit in the pool's
 * mask), cpu 1 went idle. With one pool and one idle CPU, the pool's task
 * ran there, its switch from idle lost with the idle task's records: an
 * unseen switch, the unseen flush, back to idle; the IPI finds cpu 0 on
 * wl (wrong CPU). Nothing sent it before.
 */
static void test_unseen_flush_from_idle(void **state)
{
	static const char text[] =
		"wl 100/100 [000] 1.000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/101 [001] 1.000110: exceptions:page_fault_user: address=0x401000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000200: sched:sched_switch: prev_comm=wl "
		"prev_pid=100 prev_prio=120 prev_state=R ==> next_comm=tokio-rt-worker "
		"next_pid=75 next_prio=120\n"
		"wl 100/100 [000] 1.000201: tlb:tlb_flush: pages:-1 reason:flush on task "
		"switch (0)\n"
		"wl 100/100 [000] 1.000300: exceptions:page_fault_user: address=0x402000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/101 [001] 1.000400: sched:sched_switch: prev_comm=wl "
		"prev_pid=101 prev_prio=120 prev_state=S ==> next_comm=swapper/1 "
		"next_pid=0 next_prio=120\n"
		"wl 100/100 [000] 1.000500: csd:csd_function_entry: func=flush_tlb_func, "
		"csd=0xffff888627c339a0\n"
		"wl 100/100 [000] 1.000501: tlb:tlb_flush: pages:0 reason:remote wrong "
		"CPU (5)\n"
		"wl 100/100 [000] 1.000502: csd:csd_function_exit: func=flush_tlb_func, "
		"csd=0xffff888627c339a0\n";
	json_t *doc = tu_validate_text(text), *v = json_object_get(doc, "validate");

	(void)state;
	assert_int_equal(tu_field(v, "inferences", "unseen_flush"), 1);
	assert_int_equal(tu_seen(v, "wrong_cpu"), 1);
	assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), 1);
	assert_int_equal(tu_seen(v, "remote_send_ipi"), 0);
	assert_int_equal(tu_seen(v, "task_switch_flush"), 1);
	json_decref(doc);
}

int perf_unseen_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unseen_pool),
		cmocka_unit_test(test_unseen_flush),
		cmocka_unit_test(test_unseen_flush_from_idle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
