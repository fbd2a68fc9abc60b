/* exit.c - a task after its exit: no mm of its own (exit_mm()), so a CPU
 * that runs it runs lazily, on a borrowed mm. */
#include <jansson.h>
#include <stdio.h>

#include "testutil.h"
#include "parts.h"

#define SW(t, prev, state, next)                                                  \
	"sh " #prev "/" #prev " [000] 1.000000" #t ": sched:sched_switch: "      \
	"prev_comm=sh prev_pid=" #prev " prev_prio=120 prev_state=" state       \
	" ==> next_comm=sh next_pid=" #next " next_prio=120\n"

/*
 * A subshell as dash runs one (an Intel capture, PCID): sh 100 forks 200,
 * which runs and exits; sh, woken by the exit, preempts it (R+), switches
 * back to let it die (S) and the dying task switches to sh (Z). The
 * kernel traced one flush (200's new mm) and two CR3 loads without one:
 * exit_mmap()'s switch of the lazy CPU to init_mm (its record says an
 * ASID slot still held init_mm: init_slot; without it a capture's CPU is
 * taken to hold init_mm in none, and the switch flushes), and init_mm ->
 * sh. The last two switches load nothing: 200 has no mm (lazy, sh's
 * stays loaded), and sh's mm is the one loaded. Read as switches to 200's
 * dead mm, they counted a flush and a switch back (2 and 3 before).
 */
static void test_switch_to_exited_child(void **state)
{
	static const char text[] =
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000200: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=200\n"
		SW(300, 100, "S", 200)
		"sh 200/200 [000] 1.000000400: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x7\n"
		"sh 200/200 [000] 1.000000500: sched:sched_process_exit: comm=sh pid=200 "
		"prio=120 group_dead=true\n"
		"sh 200/200 [000] 1.000000550: tlb:tlb_flush: pages:0 reason:flush on "
		"task switch (0)\n"
		SW(600, 200, "R+", 100)
		SW(700, 100, "S", 200)
		SW(800, 200, "Z", 100)
		"sh 100/100 [000] 1.000000900: exceptions:page_fault_user: address=0x401000 "
		"ip=0x1000 error_code=0x6\n";
	json_t *doc = tu_validate_text(text), *v;

	(void)state;
	assert_non_null(doc);
	v = json_object_get(doc, "validate");
	assert_int_equal(tu_counter(v, "task_switch_flush", "predicted"), 1);
	assert_int_equal(tu_counter(v, "task_switch_noflush", "predicted"), 2);
	assert_int_equal(tu_field(v, "inferences", "switch_from_event"), 0);
	assert_int_equal(tu_field(v, "inferences", "init_slot"), 1);
	json_decref(doc);
}

/*
 * Thread 101 exits on CPU 1 (group_dead=false); 100 zaps a page on CPU 0
 * before CPU 1 switches away, in a record perf names `:-1 100/-1` (the
 * thread is gone). exit_mm() left CPU 1 lazy: the zap frees no page
 * table, so should_flush_tlb() passes it by under legacy (the send is
 * traced, no IPI goes), and the record of the dead thread does not bring
 * its mm back (one flush IPI and a switch_from_event before).
 */
static void test_thread_exit_lazy(void **state)
{
	static const char text[] =
		"wl 100/100 [000] 1.000000100: syscalls:sys_enter_mmap: addr: 0x00000000, "
		"len: 0x00200000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, "
		"off: 0x00000000\n"
		"wl 100/100 [000] 1.000000200: syscalls:sys_exit_mmap: 0x7f0000000000\n"
		"wl 100/101 [001] 1.000000250: exceptions:page_fault_user: "
		"address=0x7f0000001000 ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000300: exceptions:page_fault_user: "
		"address=0x7f0000000000 ip=0x1000 error_code=0x6\n"
		"wl 100/101 [001] 1.000000400: sched:sched_process_exit: comm=wl pid=101 "
		"prio=120 group_dead=false\n"
		"wl 100/100 [000] 1.000000500: syscalls:sys_enter_madvise: "
		"start: 0x7f0000000000, len_in: 0x00001000, behavior: 0x00000004\n"
		":-1 100/-1 [001] 1.000050000: sched:sched_switch: prev_comm=wl prev_pid=101 "
		"prev_prio=120 prev_state=X ==> next_comm=swapper/1 next_pid=0 next_prio=120\n";
	json_t *doc = tu_validate_text(text), *v;

	(void)state;
	assert_non_null(doc);
	v = json_object_get(doc, "validate");
	assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), 1);
	assert_int_equal(tu_counter(v, "flush_ipis", "predicted"), 0);
	assert_int_equal(tu_counter(v, "task_switch_flush", "predicted"), 0);
	assert_int_equal(tu_field(v, "inferences", "switch_from_event"), 0);
	json_decref(doc);
}

int perf_exit_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_to_exited_child),
		cmocka_unit_test(test_thread_exit_lazy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
