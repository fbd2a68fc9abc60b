/* signal.c - what the kernel writes on a task's way back to user space
 * after a child's exit: the SIGCHLD frame on its stack (sigchld_frame). */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "testutil.h"
#include "parts.h"

/*
 * Shell 100 writes two pages of its stack (the highest mapping: a 2 MiB
 * one inferred around the faults), 0x...101000 and 0x...100000 below it,
 * forks 200 and, with @two, 300; writes 0x...101bc8 again (a copy: the
 * fork shares it) and, with @rewrites, 0x...100e00 too; sleeps; 200
 * exits, and 100 is switched back in. do_notify_parent() sent it SIGCHLD:
 * on its way to user space the kernel writes the signal frame, about
 * 3.4 KiB below its stack pointer (near its lowest stack fault since the
 * fork): from 0x...100e18 up, the page 0x...100000 and its own copy
 * 0x...101000. Local shootdowns, all on cpu 0: each fork's flush of 100
 * (flush_tlb_mm), 100's copy at each rewrite, 200's tid write at its
 * first run (fork_settid), and the frame's copy of 0x...100000 while 300
 * still shares it. Rewritten, the frame lies on pages 100 copied since
 * the fork (writable: no fault), from 0x...100050: no copy. With 200
 * alone, the page is 100's alone once 200 exited: no copy either.
 */
static long frame_case(bool two, bool rewrites, long *frames)
{
	char text[4096];

	snprintf(text, sizeof(text),
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: "
		"address=0x7ffd00101bc8 ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000110: exceptions:page_fault_user: "
		"address=0x7ffd00100e00 ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000200: sched:sched_process_fork: comm=sh "
		"pid=100 child_comm=sh child_pid=200\n"
		"%s"
		"sh 100/100 [000] 1.000000300: exceptions:page_fault_user: "
		"address=0x7ffd00101bc8 ip=0x1000 error_code=0x7\n"
		"%s"
		"sh 100/100 [000] 1.000000400: sched:sched_switch: prev_comm=sh "
		"prev_pid=100 prev_prio=120 prev_state=S ==> next_comm=sh "
		"next_pid=200 next_prio=120\n"
		"sh 200/200 [000] 1.000000500: sched:sched_process_exit: comm=sh "
		"pid=200 prio=120 group_dead=true\n"
		"sh 200/200 [000] 1.000000600: sched:sched_switch: prev_comm=sh "
		"prev_pid=200 prev_prio=120 prev_state=Z ==> next_comm=sh "
		"next_pid=100 next_prio=120\n"
		"sh 100/100 [000] 1.000000700: exceptions:page_fault_user: "
		"address=0x400000 ip=0x1000 error_code=0x4\n",
		two ? "sh 100/100 [000] 1.000000250: sched:sched_process_fork: "
		      "comm=sh pid=100 child_comm=sh child_pid=300\n" : "",
		rewrites ? "sh 100/100 [000] 1.000000310: exceptions:page_fault_user: "
			   "address=0x7ffd00100e00 ip=0x1000 error_code=0x7\n" : "");
	return tu_validate_counter(text, "local_mm_shootdown", "sigchld_frame", frames);
}

static void test_sigchld_frame(void **state)
{
	long frames;

	(void)state;
	/* 2 forks + 1 copy + 200's tid + the frame's copy */
	assert_int_equal(frame_case(true, false, &frames), 5);
	assert_int_equal(frames, 1);
	/* 2 forks + 2 copies + 200's tid */
	assert_int_equal(frame_case(true, true, &frames), 5);
	assert_int_equal(frames, 0);
	/* 1 fork + 1 copy + 200's tid */
	assert_int_equal(frame_case(false, false, &frames), 3);
	assert_int_equal(frames, 0);
}

/*
 * Shell 100 begins in the capture (exec): it writes its stack at
 * 0x...101bc8 and reads 0x...100e00 (the zero page there), forks 300 with
 * @forks, then vforks 200 (it blocks at once, D), which execs and exits:
 * SIGCHLD. A process that forks, or runs the program of one that forked
 * it, is taken to handle SIGCHLD (a shell); one that only spawns with
 * vfork to leave it ignored (gcc's driver): no frame. The frame, below
 * 100's lowest stack fault (0x...100e00), writes the zero page's
 * 0x...100000: a copy. Local shootdowns: 100's and 200's execs (two
 * each: setup_arg_pages()'s move and its freed tables), the fork's flush
 * of 100 (@forks), the frame's copy (@forks).
 */
static long spawn_case(bool forks, long *frames)
{
	char text[4096];

	snprintf(text, sizeof(text),
		"sh 100/100 [000] 1.000000050: sched:sched_process_exec: "
		"filename=/bin/sh pid=100 old_pid=100\n"
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: "
		"address=0x7ffd00101bc8 ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000110: exceptions:page_fault_user: "
		"address=0x7ffd00100e00 ip=0x1000 error_code=0x4\n"
		"%s"
		"sh 100/100 [000] 1.000000200: sched:sched_process_fork: comm=sh "
		"pid=100 child_comm=sh child_pid=200\n"
		"sh 100/100 [000] 1.000000210: sched:sched_switch: prev_comm=sh "
		"prev_pid=100 prev_prio=120 prev_state=D ==> next_comm=sh "
		"next_pid=200 next_prio=120\n"
		"sh 200/200 [000] 1.000000300: sched:sched_process_exec: "
		"filename=/bin/true pid=200 old_pid=200\n"
		"true 200/200 [000] 1.000000400: exceptions:page_fault_user: "
		"address=0x400000 ip=0x1000 error_code=0x4\n"
		"true 200/200 [000] 1.000000500: sched:sched_process_exit: "
		"comm=true pid=200 prio=120 group_dead=true\n"
		"true 200/200 [000] 1.000000600: sched:sched_switch: prev_comm=true "
		"prev_pid=200 prev_prio=120 prev_state=Z ==> next_comm=sh "
		"next_pid=100 next_prio=120\n"
		"sh 100/100 [000] 1.000000700: exceptions:page_fault_user: "
		"address=0x500000 ip=0x1000 error_code=0x4\n",
		forks ? "sh 100/100 [000] 1.000000150: sched:sched_process_fork: "
			"comm=sh pid=100 child_comm=sh child_pid=300\n" : "");
	return tu_validate_counter(text, "local_mm_shootdown", "sigchld_frame", frames);
}

static void test_sigchld_vfork(void **state)
{
	long frames;

	(void)state;
	assert_int_equal(spawn_case(false, &frames), 4);
	assert_int_equal(frames, 0);
	assert_int_equal(spawn_case(true, &frames), 6);
	assert_int_equal(frames, 1);
}

int perf_signal_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigchld_frame),
		cmocka_unit_test(test_sigchld_vfork),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
