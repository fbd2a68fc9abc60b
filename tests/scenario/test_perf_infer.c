/*
 * test_perf_infer.c - the reconstruction's inference rules on hand-written
 * captures, each checked against what the kernel does (a count of flush
 * IPIs or local shootdowns, and the inference's own count): the mmap_lock
 * wait, wake-ups ahead of a task's records, the forked child's tid
 * write, exec images, vfork, rseq, subshells, brk, collapses, reused
 * pids, validate's profile. Forks' first runs: test_perf_fork.c.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "perf_infer/parts.h"

/* A predicted counter of a perf text, and how many times the
 * reconstruction made @inference. */
static long validate_ipis(const char *text, const char *inference, long *inferred)
{
	return tu_validate_counter(text, "flush_ipis", inference, inferred);
}

/* Threads 100 (cpu 0) and 101 (cpu 1) of one process touch a page each
 * of a fresh mapping; then 101 sleeps and cpu 1 goes idle (lazy). */
#define TWO_THREADS_CPU1_IDLE \
	"wl 100/100 [000] 1.000000100: syscalls:sys_enter_mmap: addr: 0x00000000, " \
	"len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000\n" \
	"wl 100/100 [000] 1.000000200: syscalls:sys_exit_mmap: 0x7f0000000000\n" \
	"wl 100/100 [000] 1.000000300: exceptions:page_fault_user: address=0x7f0000000000 " \
	"ip=0x1000 error_code=0x6\n" \
	"wl 100/101 [001] 1.000000400: exceptions:page_fault_user: address=0x7f0000001000 " \
	"ip=0x1000 error_code=0x6\n" \
	"wl 100/101 [001] 1.000001000: sched:sched_switch: prev_comm=wl prev_pid=101 " \
	"prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120\n"

/* Thread 100 zaps a page while thread 101 is idle on cpu 1 (lazy): no
 * IPI. When the zap blocks at once (prev_state=D: the mmap_lock), it
 * happens after thread 101 runs again on cpu 1, which then gets the IPI
 * (inference lock_wait). */
static long lock_wait_ipis(bool blocks, long *inferred)
{
	char text[4096];

	snprintf(text, sizeof(text),
		TWO_THREADS_CPU1_IDLE
		"wl 100/100 [000] 1.000002000: syscalls:sys_enter_madvise: start: 0x7f0000000000, "
		"len_in: 0x00002000, behavior: 0x00000004\n"
		"%s"
		"swapper 0/0 [001] 1.000010000: sched:sched_switch: prev_comm=swapper/1 prev_pid=0 "
		"prev_prio=120 prev_state=R ==> next_comm=wl next_pid=101 next_prio=120\n"
		"%s"
		"wl 100/100 [000] 1.000021000: syscalls:sys_exit_madvise: 0x0\n",
		blocks ? "wl 100/100 [000] 1.000003000: sched:sched_switch: prev_comm=wl "
			 "prev_pid=100 prev_prio=120 prev_state=D ==> next_comm=swapper/0 "
			 "next_pid=0 next_prio=120\n" : "",
		blocks ? "swapper 0/0 [000] 1.000020000: sched:sched_switch: prev_comm=swapper/0 "
			 "prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=wl next_pid=100 "
			 "next_prio=120\n" : "");
	return validate_ipis(text, "lock_wait", inferred);
}

/* Thread 101 is woken onto idle cpu 1 by an IPI (sched_ttwu_pending) at
 * @wake_us (0: never; negative: queued at 0.9 us, while 101 still runs
 * there, before cpu 1 goes idle at 1 us); perf shows no switch to it
 * there, only its own record at @next_us. A zap by thread 100 at @zap_us
 * reaches cpu 1 once 101 runs there, WAKE_LATENCY_NS (20 us) after the
 * IPI (inference wake_ahead); without the wake-up IPI cpu 1 stays idle
 * (lazy) for the model and gets none. */
static long wake_ahead_ipis(int wake_us, int zap_us, int next_us, long *inferred)
{
	char text[4096], wake[256] = "";

	if (wake_us)
		snprintf(wake, sizeof(wake), "wl 100/100 [000] 1.%09d: csd:csd_queue_cpu: "
			 "cpu=1 callsite=ttwu_queue_wakelist+0x11d func=sched_ttwu_pending "
			 "csd=0x0\n", wake_us < 0 ? 900 : wake_us * 1000);
	/* a queued wake-up at 0.9 us lands before the idle switch: the
	 * reader's reorder window puts it there */
	snprintf(text, sizeof(text), TWO_THREADS_CPU1_IDLE "%s"
		"wl 100/100 [000] 1.%09d: syscalls:sys_enter_madvise: start: 0x7f0000000000, "
		"len_in: 0x00002000, behavior: 0x00000004\n"
		"wl 100/101 [001] 1.%09d: exceptions:page_fault_user: address=0x7f0000001000 "
		"ip=0x1000 error_code=0x4\n", wake, zap_us * 1000, next_us * 1000);
	return validate_ipis(text, "wake_ahead", inferred);
}

static void test_wake_ahead(void **state)
{
	long inferred;

	(void)state;
	assert_int_equal(wake_ahead_ipis(0, 45, 100, &inferred), 0);
	assert_int_equal(inferred, 0);
	assert_int_equal(wake_ahead_ipis(20, 45, 100, &inferred), 1);
	assert_int_equal(inferred, 1);
	/* 10 us after the IPI 101 is not running yet: no IPI; it runs from
	 * 40 us, before its own record says so */
	assert_int_equal(wake_ahead_ipis(20, 30, 100, &inferred), 0);
	assert_int_equal(inferred, 1);
	/* its next record 1.5 ms later, past the 0.2 ms reorder window: the
	 * reader holds the wake-up's record that long */
	assert_int_equal(wake_ahead_ipis(20, 45, 1520, &inferred), 1);
	assert_int_equal(inferred, 1);
	/* queued while 101 was descheduling there: the idle loop runs it */
	assert_int_equal(wake_ahead_ipis(-1, 45, 100, &inferred), 1);
	assert_int_equal(inferred, 1);
}

static void test_lock_wait(void **state)
{
	long inferred;

	(void)state;
	assert_int_equal(lock_wait_ipis(false, &inferred), 0);
	assert_int_equal(inferred, 0);
	assert_int_equal(lock_wait_ipis(true, &inferred), 1);
	assert_int_equal(inferred, 1);
}

/* A forked child's first record: schedule_tail() has written its tid
 * (CLONE_CHILD_SETTID) into a page shared with its parent: a copy and a
 * one-page flush of the child's mm, before anything else of the child.
 * Not when the clone's flags lack CLONE_CHILD_SETTID, nor when the parent
 * copied that page first (the child's original is then its own). */
static int settid_flushes(const char *clone, bool parent_writes_first)
{
	char text[4096], *path;
	struct tu_run r;
	const char *child, *p;
	int n = 0;

	snprintf(text, sizeof(text),
		"wl 100/100 [000] 1.000000100: syscalls:sys_enter_mmap: addr: 0x00000000, "
		"len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000\n"
		"wl 100/100 [000] 1.000000200: syscalls:sys_exit_mmap: 0x7f0000000000\n"
		"wl 100/100 [000] 1.000000300: exceptions:page_fault_user: address=0x7f0000001a10 "
		"ip=0x1000 error_code=0x6\n"
		"%s"
		"wl 100/100 [000] 1.000000500: sched:sched_process_fork: comm=wl pid=100 "
		"child_comm=wl child_pid=200\n"
		"%s"
		"wl 200/200 [001] 1.000001000: exceptions:page_fault_user: address=0x7f0000000000 "
		"ip=0x1000 error_code=0x6\n",
		clone ? clone : "",
		parent_writes_first ? "wl 100/100 [000] 1.000000600: exceptions:page_fault_user: "
			"address=0x7f0000001a10 ip=0x1000 error_code=0x7\n" : "");
	path = tu_tmpfile(text, ".perf.txt");
	r = tu_cli(NULL, "import", path, NULL);
	assert_int_equal(r.status, 0);
	/* the child's one-page flushes, in order before its touch */
	child = strstr(r.out, "\"ev\": \"touch\", \"mm\": 200");
	assert_non_null(child);
	for (p = r.out; (p = strstr(p, "\"ev\": \"flush\", \"mm\": 200, \"start\": "
				    "\"0x7f0000001000\", \"end\": \"0x7f0000002000\"")) && p < child; p++)
		n++;
	tu_run_free(&r);
	unlink(path);
	free(path);
	return n;
}

/* validate's profile follows the backend: kvm-guest on kvm (the default
 * backend), generic on native, the one given otherwise. */
static void test_validate_profile(void **state)
{
	static const struct { const char *backend, *profile, *want; } c[] = {
		{ NULL, NULL, "kvm-guest" }, { "native", NULL, "generic" },
		{ "kvm", "generic", "generic" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct tu_run r = tu_cli(NULL, "validate", "traces/perf/tlb_flush3.perf.txt.xz",
					 "--json", c[i].backend ? "--backend" : NULL,
					 c[i].backend, c[i].profile ? "--profile" : NULL,
					 c[i].profile, NULL);
		json_error_t e;
		json_t *doc = json_loads(r.out, 0, &e);

		assert_non_null(doc);
		assert_string_equal(json_string_value(json_object_get(json_object_get(doc,
				    "machine"), "profile")), c[i].want);
		json_decref(doc);
		tu_run_free(&r);
	}
}

static void test_fork_settid(void **state)
{
	const char *glibc = "wl 100/100 [000] 1.000000400: syscalls:sys_enter_clone: "
		"clone_flags: 0x01200011, newsp: 0x00000000, parent_tidptr: 0x00000000, "
		"child_tidptr: 0x7f0000001a10, tls: 0x00000000\n";
	const char *plain = "wl 100/100 [000] 1.000000400: syscalls:sys_enter_clone: "
		"clone_flags: 0x00000011, newsp: 0x00000000, parent_tidptr: 0x00000000, "
		"child_tidptr: 0x7f0000001a10, tls: 0x00000000\n";

	(void)state;
	assert_int_equal(settid_flushes(glibc, false), 1);
	assert_int_equal(settid_flushes(plain, false), 0);
	assert_int_equal(settid_flushes(glibc, true), 0);
}

/* Process 100 writes (P|W) a present page no fault of the capture mapped.
 * After an execve in the capture the page came from the page cache (the
 * program's image, mapped by execve; fault-around): a copy and a one-page
 * flush (exec_image), besides exec's own two (exec_stack). Without the
 * execve, or after a fork, the page is taken for its own anonymous one. */
static long exec_image_flushes(bool exec, bool forked, long *inferred)
{
	char text[4096];

	snprintf(text, sizeof(text),
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x4\n"
		"%s%s"
		"wl 100/100 [000] 1.000010000: exceptions:page_fault_user: address=0x401008 "
		"ip=0x1000 error_code=0x7\n",
		exec ? "wl 100/100 [000] 1.000000200: sched:sched_process_exec: "
		       "filename=/bin/wl pid=100 old_pid=100\n"
		       "wl 100/100 [000] 1.000000300: exceptions:page_fault_user: "
		       "address=0x400000 ip=0x1000 error_code=0x4\n" : "",
		forked ? "wl 100/100 [000] 1.000000400: sched:sched_process_fork: comm=wl "
			 "pid=100 child_comm=wl child_pid=200\n"
			 "wl 100/100 [000] 1.000000500: exceptions:page_fault_user: "
			 "address=0x402000 ip=0x1000 error_code=0x4\n"
			 "wl 200/200 [001] 1.000000600: sched:sched_process_exit: comm=wl "
			 "pid=200 prio=120 group_dead=true\n" : "");
	return tu_validate_counter(text, "local_mm_shootdown", "exec_image", inferred);
}

static void test_exec_image(void **state)
{
	long inferred;

	(void)state;
	assert_int_equal(exec_image_flushes(true, false, &inferred), 3);
	assert_int_equal(inferred, 1);
	assert_int_equal(exec_image_flushes(false, false, &inferred), 0);
	assert_int_equal(inferred, 0);
	/* the fork flushes the parent (fork_flush), the child, first run on
	 * another CPU, writes its tid and rseq area (fork_settid, fork_rseq);
	 * the parent's later write is not exec_image's */
	assert_int_equal(exec_image_flushes(true, true, &inferred), 5);
	assert_int_equal(inferred, 0);
}

/* Shell 100 forks 200, which faults a page and execs /bin/wl. When the
 * shell blocks at once (state D, behind a wake-up IPI: vfork,
 * posix_spawn), the child ran in the shell's mm: no fork flush, no tid
 * write, its fault in the shell's mm; only the exec's two flushes. A fork
 * whose parent goes on adds the fork flush of the parent and the child's
 * tid and rseq writes (it first runs on cpu 1: fork_rseq). */
static long vfork_flushes(bool blocks, long *inferred)
{
	char text[4096];

	snprintf(text, sizeof(text),
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000200: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=200\n"
		"sh 100/100 [000] 1.000000300: ipi:ipi_send_cpu: cpu=1 "
		"callsite=ttwu_queue_wakelist+0x0 callback=0x0\n"
		"sh 100/100 [000] 1.000000400: sched:sched_switch: prev_comm=sh prev_pid=100 "
		"prev_prio=120 prev_state=%s ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
		"sh 200/200 [001] 1.000001000: exceptions:page_fault_user: address=0x402000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 200/200 [001] 1.000002000: sched:sched_process_exec: filename=/bin/wl "
		"pid=200 old_pid=200\n"
		"wl 200/200 [001] 1.000003000: exceptions:page_fault_user: address=0x500000 "
		"ip=0x1000 error_code=0x6\n",
		blocks ? "D" : "S");
	return tu_validate_counter(text, "local_mm_shootdown", "vfork", inferred);
}

static void test_vfork(void **state)
{
	long inferred;

	(void)state;
	assert_int_equal(vfork_flushes(true, &inferred), 2);
	assert_int_equal(inferred, 1);
	assert_int_equal(vfork_flushes(false, &inferred), 5);
	assert_int_equal(inferred, 0);
}

/* Process 100 forks 200 on cpu 0. The child first runs on cpu 1: it was
 * migrated, and writes its rseq area on the way to user space, a second
 * COW copy and flush after its tid's (fork_rseq). On cpu 0, the tid's
 * only. Both add the parent's fork flush. */
static long fork_rseq_flushes(unsigned child_cpu, long *inferred)
{
	char text[4096];

	snprintf(text, sizeof(text),
		"wl 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000200: sched:sched_process_fork: comm=wl pid=100 "
		"child_comm=wl child_pid=200\n"
		"wl 100/100 [000] 1.000000300: exceptions:page_fault_user: address=0x500000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 200/200 [00%u] 1.000001000: exceptions:page_fault_user: address=0x600000 "
		"ip=0x1000 error_code=0x6\n", child_cpu);
	return tu_validate_counter(text, "local_mm_shootdown", "fork_rseq", inferred);
}

static void test_fork_rseq(void **state)
{
	long inferred;

	(void)state;
	assert_int_equal(fork_rseq_flushes(1, &inferred), 3);
	assert_int_equal(inferred, 1);
	assert_int_equal(fork_rseq_flushes(0, &inferred), 2);
	assert_int_equal(inferred, 0);
}

/* Process 100 forks 200 on cpu 0 and is preempted there at once (R) by
 * task 300 of another process, which then sleeps: the child runs next,
 * before its parent, and flushes twice at its start as a migrated child
 * does (fork_rseq: 36 of 36 such children in a zgrep capture). With
 * @parent_back the parent ran again first and slept (S): the child
 * starts as one that stayed, its tid's flush only. With @sleeps the
 * parent's first switch was no preemption (S). */
static long preempted_parent(bool parent_back, bool sleeps, long *inferred)
{
	char text[4096];
	const char *back = parent_back ?
		"ot 300/300 [000] 1.000000500: sched:sched_switch: prev_comm=ot "
		"prev_pid=300 prev_prio=120 prev_state=S ==> next_comm=wl "
		"next_pid=100 next_prio=120\n"
		"wl 100/100 [000] 1.000000600: sched:sched_switch: prev_comm=wl "
		"prev_pid=100 prev_prio=120 prev_state=S ==> next_comm=wl "
		"next_pid=200 next_prio=120\n" :
		"ot 300/300 [000] 1.000000500: sched:sched_switch: prev_comm=ot "
		"prev_pid=300 prev_prio=120 prev_state=S ==> next_comm=wl "
		"next_pid=200 next_prio=120\n";

	snprintf(text, sizeof(text),
		"wl 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000200: sched:sched_process_fork: comm=wl pid=100 "
		"child_comm=wl child_pid=200\n"
		"wl 100/100 [000] 1.000000300: sched:sched_switch: prev_comm=wl "
		"prev_pid=100 prev_prio=120 prev_state=%s ==> next_comm=ot "
		"next_pid=300 next_prio=120\n"
		"%s"
		"wl 200/200 [000] 1.000001000: exceptions:page_fault_user: address=0x600000 "
		"ip=0x1000 error_code=0x6\n", sleeps ? "S" : "R", back);
	return tu_validate_counter(text, "local_mm_shootdown", "fork_rseq", inferred);
}

static void test_fork_rseq_preempted(void **state)
{
	long inferred;

	(void)state;
	/* the fork's flush, the child's tid's and its rseq area's */
	assert_int_equal(preempted_parent(false, false, &inferred), 3);
	assert_int_equal(inferred, 1);
	assert_int_equal(preempted_parent(true, false, &inferred), 2);
	assert_int_equal(inferred, 0);
	assert_int_equal(preempted_parent(false, true, &inferred), 2);
	assert_int_equal(inferred, 0);
}

/* Shell 100 forks 200, which writes a page (its own copy), forks 300 and
 * writes the page again after 300 copied it: 200's copy is its alone
 * again, though 200 still shares other pages with 100 (a bash subshell's
 * subshell): no flush. When 200 wrote another page first, the one 300
 * copied is still shared by 100 and 200: 200's write copies it, one flush
 * more. All on cpu 0 (no fork_rseq). */
static long subshell_flushes(uint64_t first_write)
{
	char text[4096];
	long inferred;

	snprintf(text, sizeof(text),
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000110: exceptions:page_fault_user: address=0x401000 "
		"ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000200: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=200\n"
		"sh 200/200 [000] 1.000000300: exceptions:page_fault_user: address=0x%llx "
		"ip=0x1000 error_code=0x7\n"
		"sh 200/200 [000] 1.000000400: sched:sched_process_fork: comm=sh pid=200 "
		"child_comm=sh child_pid=300\n"
		"sh 300/300 [000] 1.000000500: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x7\n"
		"sh 200/200 [000] 1.000000600: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x7\n", (unsigned long long)first_write);
	return tu_validate_counter(text, "local_mm_shootdown", "fork_settid", &inferred);
}

/* Subshell 200 of shell 100 writes page 0x400000 (its copy: a
 * copy-on-write flush), forks 300, and after @child's end writes @page:
 * - "exit": 300 exited; 0x400000, written here, is 200's alone again
 *   (no child left to share it): reused, no flush;
 * - "alive": 300 still shares it: copied, a flush;
 * - "exec": 300 exec'd, then its new image exited; 0x401000, never
 *   written by 200, is still shared with 100: copied, a flush (the exit
 *   of 300's new image once counted again against 200's peers, and 200
 *   took the page for its own). Returns the copy-on-write flushes. */
static long child_gone_copies(const char *child, uint64_t page)
{
	char text[4096], end[512] = "";
	long cow;

	if (!strcmp(child, "exit") || !strcmp(child, "exec"))
		snprintf(end, sizeof(end), "%s"
			"%s 300/300 [000] 1.000000600: sched:sched_process_exit: comm=sh "
			"pid=300 prio=120 group_dead=true\n",
			!strcmp(child, "exec") ? "true 300/300 [000] 1.000000500: "
			"sched:sched_process_exec: filename=/bin/true pid=300 "
			"old_pid=300\n" : "",
			!strcmp(child, "exec") ? "true" : "sh");
	snprintf(text, sizeof(text),
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000110: exceptions:page_fault_user: address=0x401000 "
		"ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000200: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=200\n"
		"sh 200/200 [000] 1.000000300: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x7\n"
		"sh 200/200 [000] 1.000000400: sched:sched_process_fork: comm=sh pid=200 "
		"child_comm=sh child_pid=300\n"
		"%s"
		"sh 200/200 [000] 1.000000700: exceptions:page_fault_user: address=0x%llx "
		"ip=0x1000 error_code=0x7\n", end, (unsigned long long)page);
	tu_validate_counter(text, "local_mm_shootdown", "cow_flush", &cow);
	return cow;
}

static void test_subshell_child_gone(void **state)
{
	(void)state;
	assert_int_equal(child_gone_copies("exit", 0x400000), 1);
	assert_int_equal(child_gone_copies("alive", 0x400000), 2);
	assert_int_equal(child_gone_copies("exec", 0x401000), 2);
}

/* Shell 100 forks 200 and 300 (a pipeline), then writes page 0x400000:
 * it copies, and its original stays with both children (orphan). 200's
 * write copies too, 300 still holding the original; 300's, the last to
 * hold it, reuses it. With 300 gone first, 200 holds it alone: reused.
 * Returns the copy-on-write flushes (100's, then the children's). */
static long pipeline_copies(bool second_exits)
{
	char text[4096];
	long cow;

	snprintf(text, sizeof(text),
		"sh 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x6\n"
		"sh 100/100 [000] 1.000000200: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=200\n"
		"sh 100/100 [000] 1.000000300: sched:sched_process_fork: comm=sh pid=100 "
		"child_comm=sh child_pid=300\n"
		"sh 100/100 [000] 1.000000400: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x7\n"
		"%s"
		"sh 200/200 [000] 1.000000600: exceptions:page_fault_user: address=0x400000 "
		"ip=0x1000 error_code=0x7\n"
		"%s",
		second_exits ? "sh 300/300 [001] 1.000000500: sched:sched_process_exit: "
			       "comm=sh pid=300 prio=120 group_dead=true\n" : "",
		second_exits ? "" : "sh 300/300 [001] 1.000000700: exceptions:page_fault_user: "
			       "address=0x400000 ip=0x1000 error_code=0x7\n");
	tu_validate_counter(text, "local_mm_shootdown", "cow_flush", &cow);
	return cow;
}

static void test_pipeline_pages(void **state)
{
	(void)state;
	assert_int_equal(pipeline_copies(false), 2);
	assert_int_equal(pipeline_copies(true), 1);
}

static void test_subshell_pages(void **state)
{
	(void)state;
	/* two fork flushes, two tid writes, 200's first write, 300's copy */
	assert_int_equal(subshell_flushes(0x400000), 6);
	assert_int_equal(subshell_flushes(0x401000), 7);
}

/* A capture that lost records: a 2 MiB chunk collapsed by MADV_COLLAPSE,
 * then (its munmap and mmap lost) faulted again and collapsed again. The
 * kernel cannot collapse a THP; the reconstruction must not ask the model
 * to (it once did: "collapse: mm 100 has no PTE table", exit 2). One
 * collapse, one local flush (pmdp_collapse_flush). */
static void test_collapse_thp_again(void **state)
{
	long inferred;
	static const char text[] =
		"wl 100/100 [000] 1.000000100: syscalls:sys_enter_mmap: addr: 0x00000000, "
		"len: 0x00200000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000\n"
		"wl 100/100 [000] 1.000000200: syscalls:sys_exit_mmap: 0x7f0000000000\n"
		"wl 100/100 [000] 1.000000300: exceptions:page_fault_user: address=0x7f0000000000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000400: syscalls:sys_enter_madvise: start: 0x7f0000000000, "
		"len_in: 0x00200000, behavior: 0x00000019\n"
		"wl 100/100 [000] 1.000000500: huge_memory:mm_collapse_huge_page: "
		"mm=0xffff888106e60640, isolated=1, status=succeeded\n"
		"wl 100/100 [000] 1.000000600: syscalls:sys_exit_madvise: 0x0\n"
		"wl 100/100 [000] 1.000000700: exceptions:page_fault_user: address=0x7f0000001000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000800: syscalls:sys_enter_madvise: start: 0x7f0000000000, "
		"len_in: 0x00200000, behavior: 0x00000019\n"
		"wl 100/100 [000] 1.000000900: huge_memory:mm_collapse_huge_page: "
		"mm=0xffff888106e60640, isolated=1, status=succeeded\n"
		"wl 100/100 [000] 1.000001000: syscalls:sys_exit_madvise: 0x0\n";

	(void)state;
	assert_int_equal(tu_validate_counter(text, "local_mm_shootdown", "khugepaged_mm",
					  &inferred), 1);
	assert_int_equal(inferred, 0);
}

/* A capture that lost a fork: process 100 exits, and a new process that
 * got pid 100 faults later. A process that exited cannot fault: the pid
 * was reused (inference pid_reused), and the new process runs on its CPU
 * (it once was left on the exited one's borrowed mm: "touch: cpu 0 does
 * not run mm 100", exit 2). */
static void test_pid_reused(void **state)
{
	long inferred;
	static const char text[] =
		"wl 100/100 [000] 1.000000100: exceptions:page_fault_user: address=0x7f0000000000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000200: sched:sched_process_exit: comm=wl pid=100 "
		"prio=120 group_dead=true\n"
		"wl 100/100 [000] 1.000000300: sched:sched_switch: prev_comm=wl prev_pid=100 "
		"prev_prio=120 prev_state=X ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
		"sh 100/100 [000] 1.000001000: exceptions:page_fault_user: address=0x7f0000000000 "
		"ip=0x1000 error_code=0x6\n";

	(void)state;
	tu_validate_counter(text, "local_mm_shootdown", "pid_reused", &inferred);
	assert_int_equal(inferred, 1);
}

/* A capture that lost an exit: child 200 of process 100 runs and its
 * exit is not recorded; later 100 forks again and gets pid 200 back. A
 * live process cannot be a new child: the first 200 exited (pid_reused),
 * and the new one inherits 100's mapping (it was mapped twice: "map:
 * overlaps an existing mapping of mm 200", exit 2). */
static void test_fork_reuses_live_pid(void **state)
{
	long inferred;
	static const char text[] =
		"wl 100/100 [000] 1.000000100: syscalls:sys_enter_mmap: addr: 0x00000000, "
		"len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000\n"
		"wl 100/100 [000] 1.000000200: syscalls:sys_exit_mmap: 0x7f0000000000\n"
		"wl 100/100 [000] 1.000000300: sched:sched_process_fork: comm=wl pid=100 "
		"child_comm=wl child_pid=200\n"
		"wl 200/200 [001] 1.000000400: exceptions:page_fault_user: address=0x7f0000000000 "
		"ip=0x1000 error_code=0x4\n"
		"wl 100/100 [000] 1.000100000: sched:sched_process_fork: comm=wl pid=100 "
		"child_comm=wl child_pid=200\n"
		"wl 200/200 [001] 1.000100100: exceptions:page_fault_user: address=0x7f0000001000 "
		"ip=0x1000 error_code=0x4\n";

	(void)state;
	tu_validate_counter(text, "local_mm_shootdown", "pid_reused", &inferred);
	assert_int_equal(inferred, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_ahead),
		cmocka_unit_test(test_lock_wait),
		cmocka_unit_test(test_validate_profile),
		cmocka_unit_test(test_fork_settid),
		cmocka_unit_test(test_exec_image),
		cmocka_unit_test(test_vfork),
		cmocka_unit_test(test_fork_rseq),
		cmocka_unit_test(test_fork_rseq_preempted),
		cmocka_unit_test(test_subshell_pages),
		cmocka_unit_test(test_subshell_child_gone),
		cmocka_unit_test(test_pipeline_pages),
		cmocka_unit_test(test_collapse_thp_again),
		cmocka_unit_test(test_pid_reused),
		cmocka_unit_test(test_fork_reuses_live_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL) + perf_brk_tests() +
	       perf_exit_tests() + perf_before_tests() + perf_signal_tests() +
	       perf_cow_tests() + perf_pagecache_tests() + perf_unseen_tests();
}
