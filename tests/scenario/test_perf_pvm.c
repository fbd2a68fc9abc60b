/* test_perf_pvm.c - captures of a PVM guest (traces/perf/pvm): the `pvm`
 * backend (remote flushes by hypercall, the initiator's through
 * native_flush_tlb_multi()), taken with the zero page and PCID from the
 * NAME.host.json beside each capture; and the zero page's part in the
 * reconstruction. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* Within @pct percent of the kernel's count. */
static bool within(long pred, long obs, long pct)
{
	return labs(pred - obs) * 100 <= pct * obs;
}

/*
 * The shipped workloads' munmap_tables and collapse, a thread that forks
 * (thrfork.c), fork_exit, a cargo build, a make -j2 (make.mk) and a dash
 * loop of pipelines (dash_loop.sh), on a PVM guest: no flush IPI,
 * no remote shootdown (the host flushes the other vCPUs), one
 * TLB_REMOTE_SEND_IPI per flush_tlb_multi() and the initiator's own
 * flush_tlb_func(). The observed counts are the captures' own; the
 * predictions are pinned, and held within 1 % (local shootdowns) and 2 %
 * (remote sends; cargo's 270 of 276 within 3 %: its rustc's jemalloc
 * purges, as pvm/rustc's below, rustc's flushes racing its threads'
 * switches; dash's 1021 of 1024 (1020 while perf-exec was taken to have
 * run on the other CPU: execs_next(), 1019 while its exec was
 * applied at its record, not at exec_mmap()), 982 before exec_began, 1005 before
 * rseq_resume, 1022 before peers_hold() found three writes of the shell
 * that copied nothing: three flushes the kernel did not make; its local
 * shootdowns 3549 -> 3545 with those and a child's tid write that made
 * the page it wrote its own) of the kernel's.
 */
static void test_pvm_captures(void **state)
{
	static const struct {
		const char *path;
		long sends_seen, sends, local_seen, local, sync_seen, sync, wrong;
	} caps[] = {
		{ "traces/perf/pvm/munmap_tables.perf.txt.xz", 503, 503, 512, 512, 0, 0, 2 },
		{ "traces/perf/pvm/collapse.perf.txt.xz", 103, 103, 112, 112, 50, 50, 2 },
		{ "traces/perf/pvm/thrfork.perf.txt.xz", 128, 126, 338, 337, 0, 0, 2 },
		{ "traces/perf/pvm/fork_exit.perf.txt.xz", 699, 692, 8003, 8002, 0, 0, 1 },
		{ "traces/perf/pvm/cargo.perf.txt.xz", 276, 270, 677, 674, 0, 0, 12 },
		{ "traces/perf/pvm/make.perf.txt.xz", 28, 28, 553, 553, 0, 0, 5 },
		{ "traces/perf/pvm/dash.perf.txt.xz", 1024, 1021, 3558, 3545, 0, 0, 43 },
		{ "traces/perf/pvm/dash_sig.perf.txt.xz", 919, 921, 3419, 3419, 0, 0, 28 },
		{ "traces/perf/pvm/bash.perf.txt.xz", 1764, 1762, 5196, 5196, 0, 0, 39 },
		{ "traces/perf/pvm/make_sig.perf.txt.xz", 36, 36, 611, 611, 0, 0, 11 },
		{ "traces/perf/pvm/pyspawn.perf.txt.xz", 576, 576, 5741, 5738, 0, 0, 21 },
		{ "traces/perf/pvm/tcl.perf.txt.xz", 1, 1, 131, 131, 0, 0, 1 },
		{ "traces/perf/pvm/gcc_lto.perf.txt.xz", 188, 188, 614, 614, 0, 0, 12 },
		{ "traces/perf/pvm/findgrep.perf.txt.xz", 10, 10, 119, 119, 0, 0, 6 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct tu_run r = tu_cli(NULL, "validate", caps[i].path, "--json", NULL);
		json_error_t e;
		json_t *doc = json_loads(r.out, 0, &e), *v;

		assert_int_equal(r.status, 0);
		assert_non_null(doc);
		/* what NAME.host.json said, said on stderr */
		assert_non_null(strstr(r.err, "--backend pvm from "));
		assert_non_null(strstr(r.err, "--zero-page off from "));
		v = json_object_get(doc, "validate");
		assert_string_equal(json_string_value(json_object_get(v, "backend")), "pvm");
		assert_int_equal(tu_counter(v, "flush_ipis", "observed"), 0);
		assert_int_equal(tu_counter(v, "flush_ipis", "predicted"), 0);
		assert_int_equal(tu_counter(v, "remote_shootdown", "observed"), 0);
		assert_int_equal(tu_counter(v, "remote_shootdown", "predicted"), 0);
		assert_int_equal(tu_counter(v, "remote_send_ipi", "observed"), caps[i].sends_seen);
		assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), caps[i].sends);
		assert_int_equal(tu_counter(v, "local_mm_shootdown", "observed"), caps[i].local_seen);
		assert_int_equal(tu_counter(v, "local_mm_shootdown", "predicted"), caps[i].local);
		assert_int_equal(tu_counter(v, "sync_ipis", "observed"), caps[i].sync_seen);
		assert_int_equal(tu_counter(v, "sync_ipis", "predicted"), caps[i].sync);
		assert_int_equal(tu_counter(v, "wrong_cpu", "predicted"), caps[i].wrong);
		/* cargo's: its rustc's purges (test_pvm_known_gaps) */
		assert_true(within(caps[i].sends, caps[i].sends_seen,
				   strstr(caps[i].path, "cargo") ? 3 : 2));
		assert_true(within(caps[i].local, caps[i].local_seen, 1));
		json_decref(doc);
		tu_run_free(&r);
	}
}

/*
 * The captures of the twentieth session record signal:signal_deliver,
 * and perf script --header lists it: the frames come from the
 * deliveries, none is guessed. dash (SIGCHLD handled, 125 deliveries for
 * 160 exits): 29 frames copied a page a child still shared, and one
 * delivery its rseq area, before a child's first run did (paired with
 * the kernel's flush, where the child's own was not: its sends 920 ->
 * 921 of 919); bash (41
 * deliveries, one of them perf's own): its frames land on stack pages it wrote since the fork,
 * none copies; make (4 deliveries; it only vforks): below its lowest
 * stack fault, pages not there yet, none copies; Python (no handler;
 * its pyenv bash wrappers have one): 7. Without the deliveries and the
 * header, the guesses give the same counts but dash's (28 frames: its
 * sends 919, its local shootdowns 3418); bash's 1820 remote sends of 1764
 * were 56 copies of pages nobody shared any more (peers_hold(), and a
 * child's tid write that made its page its own). sigtimer (sigtimer.c)
 * forks 30 children while a SIGALRM handler runs every 2 ms, and
 * raise()s SIGUSR1 after each fork, its handler on an alternate stack:
 * each delivery writes the rseq area first (25 copies), the SIGALRM
 * frames copy 21 pages; the 30 frames on the alternate stack (which the
 * capture does not place) are left out: its local shootdowns 2139 of
 * 2198 (-2.7 %), all 59 missing after SIGUSR1's deliveries.
 */
static void test_pvm_signal_frames(void **state)
{
	static const struct {
		const char *path;
		long delivered, frames, rseq, onstack;
	} caps[] = {
		{ "traces/perf/pvm/dash_sig.perf.txt.xz", 125, 29, 1, 0 },
		{ "traces/perf/pvm/bash.perf.txt.xz", 42, 0, 0, 0 },
		{ "traces/perf/pvm/make_sig.perf.txt.xz", 5, 0, 0, 0 },
		{ "traces/perf/pvm/pyspawn.perf.txt.xz", 41, 7, 0, 0 },
		{ "traces/perf/pvm/sigtimer.perf.txt.xz", 109, 21, 25, 30 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct tu_run r = tu_cli(NULL, "validate", caps[i].path, "--json", NULL);
		json_error_t e;
		json_t *doc = json_loads(r.out, 0, &e), *v, *tp;

		assert_int_equal(r.status, 0);
		assert_non_null(doc);
		v = json_object_get(doc, "validate");
		assert_int_equal(tu_field(v, "inferences", "signal_frame"), caps[i].frames);
		assert_int_equal(tu_field(v, "inferences", "sigchld_frame"), 0);
		assert_int_equal(tu_field(v, "inferences", "signal_rseq"), caps[i].rseq);
		assert_int_equal(tu_field(v, "inferences", "signal_onstack"), caps[i].onstack);
		tp = json_object_get(json_object_get(v, "tracepoints"),
				     "signal:signal_deliver");
		assert_int_equal(json_integer_value(json_object_get(tp, "count")),
				 caps[i].delivered);
		assert_true(json_is_true(json_object_get(tp, "used")));
		if (strstr(caps[i].path, "sigtimer")) {
			assert_int_equal(tu_counter(v, "local_mm_shootdown", "observed"), 2198);
			assert_int_equal(tu_counter(v, "local_mm_shootdown", "predicted"), 2139);
		}
		json_decref(doc);
		tu_run_free(&r);
	}
}

/*
 * make -j2 and the gcc driver spawn each child with vfork; 12 of the 18
 * children are preempted by their waking parent at exec_mmap() (the
 * parent runs, the child's exec record comes later): three task-switch
 * flushes each, where the exec record alone gave one (vfork_exec). Task
 * switches without PCID: 132 predicted, 130 traced, 130 as the capture
 * records them (111 before; 135 while a switch to an exited child was
 * read as one to its dead mm; 133 while perf's own wake-up on CPU 1,
 * before that CPU's tracepoints were on, counted one: wake_ahead()).
 */
static void test_pvm_make_spawns(void **state)
{
	struct tu_run r = tu_cli(NULL, "validate", "traces/perf/pvm/make.perf.txt.xz",
				 "--json", NULL);
	json_error_t e;
	json_t *doc = json_loads(r.out, 0, &e), *v;

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(doc);
	v = json_object_get(doc, "validate");
	assert_int_equal(tu_counter(v, "task_switch_flush", "observed"), 130);
	assert_int_equal(tu_counter(v, "task_switch_flush", "predicted"), 132);
	assert_int_equal(tu_field(v, "inferences", "vfork"), 18);
	assert_int_equal(tu_field(v, "inferences", "vfork_exec"), 12);
	json_decref(doc);
	tu_run_free(&r);
}

/*
 * tclsh exec's /bin/true five times (tcl_loop.tcl): each child, forked on
 * CPU 1, first runs on CPU 0, and its tid (child_tidptr at page offset
 * 0x2d0) and its rseq area (0x650 further, tclsh registered before the
 * capture) share a page: schedule_tail()'s tid write copies it, and the
 * migrated child's rseq write then finds its own copy. One flush each
 * (fork_settid), none for the rseq area (fork_rseq): the migration rule
 * is for captures without the clone's arguments. 136 local shootdowns
 * while it applied, 131 traced.
 */
static void test_pvm_tid_and_rseq_on_one_page(void **state)
{
	json_t *doc = tu_validate("traces/perf/pvm/tcl.perf.txt.xz"),
	       *v = json_object_get(doc, "validate");

	(void)state;
	assert_int_equal(tu_counter(v, "local_mm_shootdown", "observed"), 131);
	assert_int_equal(tu_counter(v, "local_mm_shootdown", "predicted"), 131);
	assert_int_equal(tu_field(v, "inferences", "fork_settid"), 5);
	assert_int_equal(tu_field(v, "inferences", "fork_rseq"), 0);
	json_decref(doc);
}

/*
 * Two captures the model does not yet follow within 1 %, held where they
 * are so that a change to them is seen (traces/perf/pvm/README.md says
 * why):
 * - rustc: jemalloc's MADV_DONTNEED purges of two threads at once, each
 *   a full flush (mm_tlb_flush_nested()); remote sends 194 of 202, local
 *   shootdowns 356 of 363. The model's gather walk (kvm-guest's, 2.8 us
 *   and 114 ns a page) is far shorter than this PVM guest's (tens of us:
 *   shadow page tables), so fewer of the two threads' gathers overlap.
 * - nodeworkers: two worker threads munmap and mprotect their heaps; one
 *   blocks on the mmap_lock the other holds (lock_wait 46), its CPU idles
 *   lazily, the holder's flush advances the mm's tlb_gen, and the waiter's
 *   return from lazy mode flushes (switch_mm_irqs_off()). The model's
 *   walk ends before the waiter's first, short wake, so its flush is
 *   taken there and not at the second: task-switch flushes 126 of 171.
 */
static void test_pvm_known_gaps(void **state)
{
	static const struct {
		const char *path;
		long sends_seen, sends, local_seen, local, ts_seen, ts, lock_wait;
	} caps[] = {
		{ "traces/perf/pvm/rustc.perf.txt.xz", 202, 194, 363, 356, 62, 66, 0 },
		{ "traces/perf/pvm/nodeworkers.perf.txt.xz", 591, 583, 589, 582, 171, 126, 46 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		json_t *doc = tu_validate(caps[i].path), *v = json_object_get(doc, "validate");

		assert_string_equal(json_string_value(json_object_get(v, "backend")), "pvm");
		assert_int_equal(tu_counter(v, "remote_send_ipi", "observed"), caps[i].sends_seen);
		assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), caps[i].sends);
		assert_int_equal(tu_counter(v, "local_mm_shootdown", "observed"), caps[i].local_seen);
		assert_int_equal(tu_counter(v, "local_mm_shootdown", "predicted"), caps[i].local);
		assert_int_equal(tu_counter(v, "task_switch_flush", "observed"), caps[i].ts_seen);
		assert_int_equal(tu_counter(v, "task_switch_flush", "predicted"), caps[i].ts);
		assert_int_equal(tu_field(v, "inferences", "lock_wait"), caps[i].lock_wait);
		json_decref(doc);
	}
}

/*
 * import writes the machine the capture ran on into the native trace's
 * header (backend, PCID from make.host.json), so validate of the imported
 * file replays it as validate of the capture does: the pvm backend, the
 * same 28 remote sends and 132 task-switch flushes, no flush IPI.
 */
static void test_pvm_import_replays(void **state)
{
	struct tu_run imp = tu_cli(NULL, "import", "traces/perf/pvm/make.perf.txt.xz", NULL);
	char *path;
	struct tu_run r;
	json_error_t e;
	json_t *doc, *v;

	(void)state;
	assert_int_equal(imp.status, 0);
	assert_non_null(strstr(imp.out, "{\"tlbsim\": 1, \"cpus\": 2, \"clock\": \"ns\", "
			       "\"backend\": \"pvm\", \"pcid\": false, "));
	assert_non_null(strstr(imp.err, "tlbsim import: --backend pvm from "));
	path = tu_tmpfile(imp.out, ".jsonl");
	r = tu_cli(NULL, "validate", path, "--json", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(doc = json_loads(r.out, 0, &e));
	v = json_object_get(doc, "validate");
	assert_string_equal(json_string_value(json_object_get(v, "backend")), "pvm");
	assert_int_equal(tu_counter(v, "flush_ipis", "predicted"), 0);
	assert_int_equal(tu_counter(v, "remote_send_ipi", "observed"), 28);
	assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), 28);
	assert_int_equal(tu_counter(v, "task_switch_flush", "predicted"), 132);
	json_decref(doc);
	tu_run_free(&r);
	tu_run_free(&imp);
	unlink(path);
	free(path);
}

/*
 * The same cargo build replayed as a KVM guest's with the zero page: 65
 * flush IPIs where there were none, half the remote sends (a flush IPI's
 * wrong-CPU handler clears the stale bits the hypercall leaves), and 63
 * copy-on-write flushes too many (rustc's writes after its reads reuse the
 * page its read fault allocated: pvm_no_zero_page=1).
 */
static void test_pvm_as_kvm(void **state)
{
	struct tu_run r = tu_cli(NULL, "validate", "traces/perf/pvm/cargo.perf.txt.xz",
				 "--json", "--backend", "kvm", "--zero-page", "on", NULL);
	json_error_t e;
	json_t *doc = json_loads(r.out, 0, &e), *v;

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(doc);
	assert_null(strstr(r.err, "--backend pvm"));
	v = json_object_get(doc, "validate");
	assert_int_equal(tu_counter(v, "flush_ipis", "predicted"), 65);
	assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), 136);
	assert_int_equal(tu_counter(v, "local_mm_shootdown", "predicted"), 737);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
			 "inferences"), "cow_flush")), 428);
	json_decref(doc);
	tu_run_free(&r);
}

/*
 * An anonymous page read, then written (a copy of the zero page and its
 * one-page flush: do_wp_page() -> wp_page_copy()), and one written twice
 * (the second write to a present page of its own: reused, no flush). With
 * no zero page the read maps a page of its own too: no flush at all. The
 * native trace `import` writes says the same.
 */
static const char zero_page_capture[] =
"prog  4242/4242  [000] 100.000100: syscalls:sys_enter_mmap: addr: 0x00000000, "
"len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000\n"
"prog  4242/4242  [000] 100.000110: syscalls:sys_exit_mmap: 0x7f0000000000\n"
"prog  4242/4242  [000] 100.000200: exceptions:page_fault_user: "
"address=0x7f0000000010 ip=0x401000 error_code=0x4\n"
"prog  4242/4242  [000] 100.000300: exceptions:page_fault_user: "
"address=0x7f0000000020 ip=0x401000 error_code=0x7\n"
"prog  4242/4242  [000] 100.000400: exceptions:page_fault_user: "
"address=0x7f0000001000 ip=0x401000 error_code=0x6\n"
"prog  4242/4242  [000] 100.000500: exceptions:page_fault_user: "
"address=0x7f0000001008 ip=0x401000 error_code=0x7\n";

static void test_zero_page(void **state)
{
	char *path = tu_tmpfile(zero_page_capture, ".perf.txt");
	static const char *const modes[] = { "on", "off" };

	(void)state;
	assert_non_null(path);
	for (int i = 0; i < 2; i++) {
		struct tu_run r = tu_cli(NULL, "validate", path, "--json",
					 "--zero-page", modes[i], NULL);
		struct tu_run imp = tu_cli(NULL, "import", path, "--zero-page",
					   modes[i], NULL);
		json_error_t e;
		json_t *doc = json_loads(r.out, 0, &e), *v;
		const char *flush = strstr(imp.out, "\"ev\": \"flush\"");

		assert_int_equal(r.status, 0);
		assert_int_equal(imp.status, 0);
		assert_non_null(doc);
		v = json_object_get(doc, "validate");
		assert_int_equal(tu_counter(v, "local_mm_shootdown", "predicted"), 1 - i);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
				 "inferences"), "cow_flush")), 1 - i);
		if (i == 0) {   /* the zero page's one page */
			assert_non_null(flush);
			assert_non_null(strstr(flush, "\"start\": \"0x7f0000000000\", "
					       "\"end\": \"0x7f0000001000\""));
			assert_null(strstr(flush + 1, "\"ev\": \"flush\""));
		} else {
			assert_null(flush);
		}
		json_decref(doc);
		tu_run_free(&r);
		tu_run_free(&imp);
	}
	unlink(path);
	free(path);
}

/* `--zero-page` is a capture's: a native trace refuses it, on one line */
static void test_zero_page_native(void **state)
{
	struct tu_run r = tu_cli(NULL, "compare", "traces/scenarios/unshare_lazy.jsonl",
				 "--zero-page", "off", NULL);

	(void)state;
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "only a capture"));
	assert_string_equal(r.out, "");
	tu_run_free(&r);
	r = tu_cli(NULL, "validate", "traces/perf/pvm/thrfork.perf.txt.xz",
		   "--zero-page", "maybe", NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--zero-page takes on or off (got 'maybe')"));
	tu_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pvm_captures),
		cmocka_unit_test(test_pvm_make_spawns),
		cmocka_unit_test(test_pvm_tid_and_rseq_on_one_page),
		cmocka_unit_test(test_pvm_known_gaps),
		cmocka_unit_test(test_pvm_signal_frames),
		cmocka_unit_test(test_pvm_import_replays),
		cmocka_unit_test(test_pvm_as_kvm),
		cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_zero_page_native),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
