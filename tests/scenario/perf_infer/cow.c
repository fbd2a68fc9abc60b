/* cow.c - which writes copy a page a fork left shared: the copies a
 * fork's children took, and the page the parent is left alone with. */
#include <stdbool.h>
#include <stdio.h>

#include "testutil.h"
#include "parts.h"

/*
 * Shell 100 writes page 0x400000, forks 200 (a subshell: it stays, and
 * never writes the page) and writes the page again: a copy, its own now,
 * 200 holding the original. It forks 300, which shares 100's copy, and
 * which execs (with @exec) or stays; 100 writes a third time. With 300
 * gone to its new image, nobody holds 100's page (200 holds the
 * original, not this copy): reused, no flush (a bash pipeline loop,
 * whose subshell outlives the children it forks after: 38 such flushes
 * in a PVM capture that the kernel did not make). With 300 still there,
 * a second copy. Returns the copy-on-write flushes.
 */
static long subshell_copies(bool exec)
{
	char text[4096];
	long cow;

	snprintf(text, sizeof(text),
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000200: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=200\n"
		"sh 100/100 [000] 1.000000300: exceptions:page_fault_user: address=0x400a00 "
		"ip=0x1000 error_code=0x7\n"
		"sh 100/100 [000] 1.000000400: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=300\n"
		"%s"
		"sh 100/100 [000] 1.000000700: exceptions:page_fault_user: address=0x400c00 "
		"ip=0x1000 error_code=0x7\n",
		exec ? "sh 300/300 [001] 1.000000600: sched:sched_process_exec: "
		       "filename=/usr/bin/tr pid=300 old_pid=300\n" : "");
	tu_validate_counter(text, "local_mm_shootdown", "cow_flush", &cow);
	return cow;
}

static void test_subshell_outlives(void **state)
{
	(void)state;
	assert_int_equal(subshell_copies(true), 1);
	assert_int_equal(subshell_copies(false), 2);
}

/*
 * Shell 100 writes page 0x400000, clones 200 with its tid at 0x400a10
 * (CLONE_CHILD_SETTID: glibc's fork) and writes the page again: a copy,
 * 200 holding the original. 200's first run writes its tid on that
 * original: the kernel's write, which reuses it (200's alone: no flush),
 * and makes it 200's own. 100 forks 300, which execs, and writes the page
 * a third time: nobody holds its copy now, reused. 200's tid write once
 * left 200 taken for a holder of its parent's page: a copy, and its flush,
 * the kernel never made (a PVM bash loop's subshells). Returns the
 * copy-on-write flushes (the settid writes count as fork_settid).
 */
static long settid_then_copy(void)
{
	long cow;

	tu_validate_counter(
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000150: syscalls:sys_enter_clone: clone_flags: "
		"0x01200011, newsp: 0x00000000, parent_tidptr: 0x00000000, child_tidptr: "
		"0x00400a10, tls: 0x00000000\n"
		"sh 100/100 [000] 1.000000200: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=200\n"
		"sh 100/100 [000] 1.000000300: exceptions:page_fault_user: address=0x400b00 "
		"ip=0x1000 error_code=0x7\n"
		"sh 100/100 [000] 1.000000400: sched:sched_switch: prev_comm=sh prev_pid=100 "
		"prev_prio=120 prev_state=S ==> next_comm=sh next_pid=200 next_prio=120\n"
		"sh 200/200 [000] 1.000000450: exceptions:page_fault_user: address=0x500000 "
		"ip=0x1000 error_code=0x4\n"
		"sh 200/200 [000] 1.000000500: sched:sched_switch: prev_comm=sh prev_pid=200 "
		"prev_prio=120 prev_state=S ==> next_comm=sh next_pid=100 next_prio=120\n"
		"sh 100/100 [000] 1.000000600: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=300\n"
		"sh 300/300 [001] 1.000000700: sched:sched_process_exec: "
		"filename=/usr/bin/tr pid=300 old_pid=300\n"
		"sh 100/100 [000] 1.000000800: exceptions:page_fault_user: address=0x400c00 "
		"ip=0x1000 error_code=0x7\n",
		"local_mm_shootdown", "cow_flush", &cow);
	return cow;
}

static void test_settid_makes_own(void **state)
{
	(void)state;
	assert_int_equal(settid_then_copy(), 1);
}

int perf_cow_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subshell_outlives),
		cmocka_unit_test(test_settid_makes_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
