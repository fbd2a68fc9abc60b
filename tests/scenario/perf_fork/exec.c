/* exec.c - test_perf_fork's cases of where an exec began: exec_mmap()
 * where the task's own task-switch record shows it (exec_began()), else
 * the CPU its new comm showed on (exec_moved). */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "parts.h"

/* Process 100 forks 200 on cpu 0, which runs there, execs there
 * (begin_new_exec() sets its comm to @comm), sleeps (state D: reading the
 * binary), and wakes on cpu 1, where its exec record comes; then it
 * mprotects a page of its new image. The old mm's teardown IPIs cpu 0,
 * lazy on it (a remote send and a flush IPI either way). With a new comm,
 * exec_mmap() loaded the new mm on cpu 0 (exec_moved): cpu 0's bit makes
 * the mprotect's flush a second remote send (no IPI: cpu 0 idles on
 * another mm). With the comm unchanged the capture cannot tell where the
 * exec began: cpu 1 alone. Records 100 us apart: the model's operations
 * take microseconds, and records closer than that would slip. */
#define MOVED(comm) MOVED_AFTER(comm, "")
#define MOVED_AFTER(comm, mmap_flush) \
	"wl 100/100 [000] 1.000100: exceptions:page_fault_user: " \
	"address=0x7f0000100000 ip=0x1000 error_code=0x6\n" \
	"wl 100/100 [000] 1.000200: sched:sched_process_fork: comm=wl " \
	"pid=100 child_comm=wl child_pid=200\n" \
	"wl 100/100 [000] 1.000300: sched:sched_switch: prev_comm=wl " \
	"prev_pid=100 prev_prio=120 prev_state=S ==> next_comm=wl " \
	"next_pid=200 next_prio=120\n" \
	"wl 200/200 [000] 1.000400: exceptions:page_fault_user: " \
	"address=0x7f0000100000 ip=0x1000 error_code=0x4\n" \
	mmap_flush \
	comm " 200/200 [000] 1.000500: sched:sched_switch: prev_comm=" comm \
	" prev_pid=200 prev_prio=120 prev_state=D ==> next_comm=swapper/0 " \
	"next_pid=0 next_prio=120\n" \
	comm " 200/200 [001] 1.000600: sched:sched_process_exec: " \
	"filename=/bin/" comm " pid=200 old_pid=200\n" \
	comm " 200/200 [001] 1.000700: syscalls:sys_enter_mmap: addr: 0x00000000, " \
	"len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, " \
	"off: 0x00000000\n" \
	comm " 200/200 [001] 1.000800: syscalls:sys_exit_mmap: 0x7f0000200000\n" \
	comm " 200/200 [001] 1.000900: exceptions:page_fault_user: " \
	"address=0x7f0000200000 ip=0x1000 error_code=0x6\n" \
	comm " 200/200 [001] 1.001000: syscalls:sys_enter_mprotect: " \
	"start: 0x7f0000200000, len: 0x00001000, prot: 0x00000001\n"

static void test_exec_moved(void **state)
{
	long moved;

	(void)state;
	assert_int_equal(tu_validate_counter(MOVED("gz"), "remote_send_ipi",
					     "exec_moved", &moved), 2);
	assert_int_equal(moved, 1);
	assert_int_equal(tu_validate_counter(MOVED("gz"), "flush_ipis",
					     "exec_moved", &moved), 1);
	assert_int_equal(tu_validate_counter(MOVED("wl"), "remote_send_ipi",
					     "exec_moved", &moved), 1);
	assert_int_equal(moved, 0);
}

/*
 * The same exec of a program of the same name, but the child traces a
 * task-switch flush on cpu 0 with no switch away from it first: it loaded
 * its new mm itself there (exec_mmap()), and its exec record is ahead, so
 * the exec is applied there, whatever the comm says (exec_began()): the
 * old mm is torn down from cpu 0 (no remote send: cpu 0 alone held it),
 * and the new mm's cpumask holds cpu 0 from the switch (no exec_moved).
 * No local shootdown places the stack's move: it comes at the exec record
 * on cpu 1, its two flushes and the mprotect's each a remote send for
 * cpu 0's bit, and the freed-tables one an IPI (cpu 0 idles lazily on
 * the new mm): three sends, one flush IPI.
 */
static void test_exec_began(void **state)
{
	const char *text = MOVED_AFTER("wl",
		"wl 200/200 [000] 1.000450: tlb:tlb_flush: pages:-1 reason:flush on "
		"task switch (0)\n");
	long moved;

	(void)state;
	assert_int_equal(tu_validate_counter(text, "remote_send_ipi", "exec_moved",
					     &moved), 3);
	assert_int_equal(moved, 0);
	assert_int_equal(tu_validate_counter(text, "flush_ipis", "exec_exit", &moved), 1);
	assert_int_equal(moved, 1);
}

/* The same, imported: the old mm's exit and the switch to the new one at
 * the task-switch record's time on cpu 0 (t 350 us from the first
 * record), not at the exec record's on cpu 1 (500 us), where the stack's
 * move comes (no local shootdown places it earlier). */
static void test_exec_at_exec_mmap(void **state)
{
	char *path = tu_tmpfile(MOVED_AFTER("wl",
		"wl 200/200 [000] 1.000450: tlb:tlb_flush: pages:-1 reason:flush on "
		"task switch (0)\n"), ".perf.txt");
	struct tu_run r = tu_cli(NULL, "import", path, "-o", "-", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "{\"t\": 350000, \"cpu\": 0, \"ev\": \"exit\", "
			       "\"mm\": 200, \"exec\": true}\n{\"t\": 350000, \"cpu\": 0, "
			       "\"ev\": \"switch\", \"mm\": 200}\n"));
	assert_non_null(strstr(r.out, "{\"t\": 500000, \"cpu\": 1, \"ev\": \"flush\", "
			       "\"mm\": 200, \"start\": \"0x7fffffffe000\""));
	assert_null(strstr(r.out, "{\"t\": 500000, \"cpu\": 1, \"ev\": \"exit\""));
	tu_run_free(&r);
	unlink(path);
	free(path);
}

int perf_exec_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_moved),
		cmocka_unit_test(test_exec_began),
		cmocka_unit_test(test_exec_at_exec_mmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
