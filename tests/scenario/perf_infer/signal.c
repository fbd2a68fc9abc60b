/* signal.c - what the kernel writes on a task's way back to user space
 * after a child's exit: the SIGCHLD frame on its stack, guessed
 * (sigchld_frame) or from a traced signal_deliver (signal_frame). */
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
static void frame_text(char *text, size_t len, const char *header,
		       bool two, bool rewrites, const char *deliver)
{
	snprintf(text, len,
		"%s"
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
		"%s"
		"sh 100/100 [000] 1.000000700: exceptions:page_fault_user: "
		"address=0x400000 ip=0x1000 error_code=0x4\n",
		header,
		two ? "sh 100/100 [000] 1.000000250: sched:sched_process_fork: "
		      "comm=sh pid=100 child_comm=sh child_pid=300\n" : "",
		rewrites ? "sh 100/100 [000] 1.000000310: exceptions:page_fault_user: "
			   "address=0x7ffd00100e00 ip=0x1000 error_code=0x7\n" : "",
		deliver);
}

static long frame_case(bool two, bool rewrites, long *frames)
{
	char text[4096];

	frame_text(text, sizeof(text), "", two, rewrites, "");
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

/* perf script --header's line for the tracepoint, as perf prints it */
#define DELIVER_RECORDED "# event : name = signal:signal_deliver, , id = { 259, 260 }, " \
	"type = 2, size = 128, config = 0x104\n"
#define DELIVER(handler, flags) "sh 100/100 [000] 1.000000650: signal:signal_deliver: " \
	"sig=17 errno=0 code=1 sa_handler=" handler " sa_flags=" flags "\n"

/* validate @text: its predicted local shootdowns, and into @counts the
 * inferences @names[0..n) */
static long local_and(const char *text, const char *const *names, long *counts,
		      size_t n)
{
	json_t *doc = tu_validate_text(text), *v, *inf;
	long local;

	v = json_object_get(doc, "validate");
	inf = json_object_get(v, "inferences");
	local = tu_counter(v, "local_mm_shootdown", "predicted");
	for (size_t i = 0; i < n; i++)
		counts[i] = (long)json_integer_value(json_object_get(inf, names[i]));
	json_decref(doc);
	return local;
}

/* frame_case(true, false) with perf's header and a delivery: local
 * shootdowns, the frames guessed, the frames from deliveries */
static long deliver_case(const char *header, const char *deliver,
			 long *guessed, long *traced)
{
	static const char *const names[] = { "sigchld_frame", "signal_frame" };
	char text[4096];
	long counts[2], n;

	frame_text(text, sizeof(text), header, true, false, deliver);
	n = local_and(text, names, counts, 2);
	*guessed = counts[0];
	*traced = counts[1];
	return n;
}

/*
 * The case of test_sigchld_frame() whose frame copies 0x...100000 (5
 * local shootdowns with it, 4 without), with signal:signal_deliver
 * recorded: the delivery says whether a handler ran (its frame then) and
 * none is guessed. Header lines are perf script --header's. sa_flags
 * 0x4000000 is SA_RESTORER (dash's), 0xc000000 adds SA_ONSTACK: the frame
 * goes on an alternate stack the capture does not show.
 */
static void test_signal_deliver(void **state)
{
	long guessed, traced;

	(void)state;
	/* a handler: its frame copies the page */
	assert_int_equal(deliver_case(DELIVER_RECORDED, DELIVER("55acd1525dc0", "4000000"),
				      &guessed, &traced), 5);
	assert_int_equal(guessed, 0);
	assert_int_equal(traced, 1);
	/* SIG_DFL (SIGCHLD's default: ignored), and SA_ONSTACK: no frame here */
	assert_int_equal(deliver_case(DELIVER_RECORDED, DELIVER("0", "0"),
				      &guessed, &traced), 4);
	assert_int_equal(guessed + traced, 0);
	assert_int_equal(deliver_case(DELIVER_RECORDED, DELIVER("55acd1525dc0", "c000000"),
				      &guessed, &traced), 4);
	assert_int_equal(guessed + traced, 0);
	/* recorded, and no delivery came: the kernel ran no handler */
	assert_int_equal(deliver_case(DELIVER_RECORDED, "", &guessed, &traced), 4);
	assert_int_equal(guessed + traced, 0);
	/* no header (perf script without --header): guessed at the switch-in,
	 * before the delivery record, which finds the page copied */
	assert_int_equal(deliver_case("", DELIVER("55acd1525dc0", "4000000"),
				      &guessed, &traced), 5);
	assert_int_equal(guessed, 1);
	assert_int_equal(traced, 0);
}

/*
 * make (exec'd in the capture) spawns with vfork only, and handles
 * SIGCHLD. Its lowest stack fault, a write at 0x...100400, puts the frame
 * from 0x...0ff680: on 0x...0ff000, a page not yet there, which the
 * write faults in (no copy, no flush: a PVM make -j2 capture), and on its
 * own 0x...100000. With @read, a read at 0x...0ff900 mapped the zero page
 * there first, and is the lowest fault: the frame, from 0x...0feb80,
 * copies that page (0x...0fe000 is not there yet). Local shootdowns:
 * 100's and 200's execs, two each; the zero page's copy (@read).
 */
static void test_signal_fresh(void **state)
{
	static const char *const names[] = { "signal_frame" };
	char text[4096];
	long flushes[2], frames[2];

	(void)state;
	for (int read = 0; read < 2; read++) {
		snprintf(text, sizeof(text),
			DELIVER_RECORDED
			"make 100/100 [000] 1.000000050: sched:sched_process_exec: "
			"filename=/usr/bin/make pid=100 old_pid=100\n"
			"make 100/100 [000] 1.000000100: exceptions:page_fault_user: "
			"address=0x7ffd00100400 ip=0x1000 error_code=0x6\n"
			"%s"
			"make 100/100 [000] 1.000000200: sched:sched_process_fork: comm=make "
			"pid=100 child_comm=make child_pid=200\n"
			"make 100/100 [000] 1.000000210: sched:sched_switch: prev_comm=make "
			"prev_pid=100 prev_prio=120 prev_state=D ==> next_comm=make "
			"next_pid=200 next_prio=120\n"
			"make 200/200 [000] 1.000000300: sched:sched_process_exec: "
			"filename=/bin/true pid=200 old_pid=200\n"
			"true 200/200 [000] 1.000000500: sched:sched_process_exit: "
			"comm=true pid=200 prio=120 group_dead=true\n"
			"true 200/200 [000] 1.000000600: sched:sched_switch: prev_comm=true "
			"prev_pid=200 prev_prio=120 prev_state=Z ==> next_comm=make "
			"next_pid=100 next_prio=120\n"
			"make 100/100 [000] 1.000000650: signal:signal_deliver: sig=17 "
			"errno=0 code=1 sa_handler=55824a0bbc20 sa_flags=14000000\n"
			"make 100/100 [000] 1.000000700: exceptions:page_fault_user: "
			"address=0x500000 ip=0x1000 error_code=0x4\n",
			read ? "make 100/100 [000] 1.000000110: exceptions:page_fault_user: "
			       "address=0x7ffd000ff900 ip=0x1000 error_code=0x4\n" : "");
		flushes[read] = local_and(text, names, &frames[read], 1);
	}
	assert_int_equal(flushes[0], 4);
	assert_int_equal(frames[0], 0);
	assert_int_equal(flushes[1], 5);
	assert_int_equal(frames[1], 1);
}

/*
 * Process 100 registers its rseq area at 0x7f0000001060 (rseq(2): the page
 * faulted in by its own write first), forks 200, which stays and never
 * writes, and takes two signals to a handler on an alternate stack
 * (SA_ONSTACK, with SA_RESTORER): setup_rt_frame() -> rseq_signal_deliver()
 * writes the area at each. The first copies the page the fork shares
 * (signal_rseq), the second finds it 100's own. The frames go on the
 * alternate stack, which the capture does not place: counted
 * (signal_onstack), no flush. Local shootdowns: the fork's flush of 100,
 * the rseq page's copy (@registered: with no sys_enter_rseq the area is
 * unknown, nothing written).
 */
static void test_signal_rseq(void **state)
{
	static const char *const names[] = { "signal_rseq", "signal_onstack" };
	long flushes[2], counts[2][2];
	char text[4096];

	(void)state;
	for (int registered = 0; registered < 2; registered++) {
		snprintf(text, sizeof(text),
			DELIVER_RECORDED
			"go 100/100 [000] 1.000000100: exceptions:page_fault_user: "
			"address=0x7f0000001078 ip=0x1000 error_code=0x6\n"
			"%s"
			"go 100/100 [000] 1.000000200: sched:sched_process_fork: comm=go "
			"pid=100 child_comm=go child_pid=200\n"
			"go 100/100 [000] 1.000000300: signal:signal_deliver: sig=10 errno=0 "
			"code=-6 sa_handler=5644090a5330 sa_flags=1c000000\n"
			"go 100/100 [000] 1.000000400: signal:signal_deliver: sig=10 errno=0 "
			"code=-6 sa_handler=5644090a5330 sa_flags=1c000000\n"
			"go 100/100 [000] 1.000000500: exceptions:page_fault_user: "
			"address=0x500000 ip=0x1000 error_code=0x4\n",
			registered ? "go 100/100 [000] 1.000000110: syscalls:sys_enter_rseq: "
				     "rseq: 0x7f0000001060, rseq_len: 0x00000020, flags: "
				     "0x00000000, sig: 0x53053053\n" : "");
		flushes[registered] = local_and(text, names, counts[registered], 2);
	}
	assert_int_equal(flushes[0], 1);
	assert_int_equal(counts[0][0], 0);
	assert_int_equal(counts[0][1], 2);
	assert_int_equal(flushes[1], 2);
	assert_int_equal(counts[1][0], 1);
	assert_int_equal(counts[1][1], 2);
}

int perf_signal_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigchld_frame),
		cmocka_unit_test(test_sigchld_vfork),
		cmocka_unit_test(test_signal_deliver),
		cmocka_unit_test(test_signal_fresh),
		cmocka_unit_test(test_signal_rseq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
