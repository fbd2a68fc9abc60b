/*
 * test_perf.c - the shipped perf and ftrace captures (traces/perf/):
 * every line parses, every tracepoint is counted exactly as the kernel's
 * ground truth says (ground-truth.json beside the captures), the observed
 * counters of `validate` equal the ground truth, and the predictions that
 * already agree with the kernel stay within 1 %.
 */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "perf/parts.h"

static json_t *truth_of(const char *gt_path, const char *capture)
{
	json_error_t e;
	json_t *doc = json_load_file(tu_src(gt_path), 0, &e), *t, *out = NULL;
	size_t i;

	assert_non_null(doc);
	json_array_foreach(json_object_get(doc, "traces"), i, t)
		if (!strcmp(json_string_value(json_object_get(t, "trace")), capture))
			out = json_incref(t);
	json_decref(doc);
	assert_non_null(out);
	return out;
}

static void check_capture(const char *dir, const char *capture)
{
	char path[256], gt[256];
	json_t *truth, *doc, *v, *tp, *counters, *events, *reasons, *x;
	const char *name;
	static const struct { const char *ours, *theirs; } reason_map[] = {
		{ "remote_send_ipi", "remote_ipi_send" },
		{ "remote_shootdown", "remote_shootdown" },
		{ "local_mm_shootdown", "local_mm_shootdown" },
		{ "wrong_cpu", "remote_wrong_cpu" },
	};

	snprintf(path, sizeof(path), "%s/%s", dir, capture);
	snprintf(gt, sizeof(gt), "%s/ground-truth.json", dir);
	truth = truth_of(gt, capture);
	doc = tu_validate(path);
	v = json_object_get(doc, "validate");
	tp = json_object_get(v, "tracepoints");
	counters = json_object_get(v, "counters");
	/* every tracepoint, used or not, counted exactly */
	events = json_object_get(truth, "events");
	assert_int_equal(json_object_size(tp), json_object_size(events));
	json_object_foreach(events, name, x) {
		json_t *ours = json_object_get(tp, name);

		if (!ours)
			print_error("%s: tracepoint %s missing\n", capture, name);
		assert_non_null(ours);
		assert_int_equal(json_integer_value(json_object_get(ours, "count")),
				 json_integer_value(x));
	}
	/* observed counters are the kernel's own */
	assert_int_equal(tu_field(counters, "flush_ipis", "observed"),
			 json_integer_value(json_object_get(truth, "flush_ipis")));
	assert_int_equal(tu_field(counters, "sync_ipis", "observed"),
			 json_integer_value(json_object_get(truth, "sync_ipis")));
	reasons = json_object_get(truth, "tlb_flush_reasons");
	for (size_t i = 0; i < sizeof(reason_map) / sizeof(reason_map[0]); i++)
		assert_int_equal(tu_field(counters, reason_map[i].ours, "observed"),
				 json_integer_value(json_object_get(reasons, reason_map[i].theirs)));
	assert_int_equal(tu_field(counters, "task_switch_flush", "observed") +
			 tu_field(counters, "task_switch_noflush", "observed"),
			 json_integer_value(json_object_get(reasons, "task_switch")));
	json_decref(truth);
	json_decref(doc);
}

/* The counter's error as the capture records it: without what the model
 * did where the capture is blind (predicted_in_capture), when it says. */
static void within_1pct(const char *path, const char *counter)
{
	json_t *doc = tu_validate(path);
	json_t *c = json_object_get(json_object_get(json_object_get(doc, "validate"),
						    "counters"), counter);
	json_t *in = json_object_get(c, "error_in_capture_pct");
	double err = json_real_value(in ? in : json_object_get(c, "error_pct"));

	if (fabs(err) > 1.0)
		print_error("%s %s: error %.2f%%\n", path, counter, err);
	assert_true(fabs(err) <= 1.0);
	json_decref(doc);
}

static void test_perf_captures(void **state)
{
	static const char *const caps[] = {
		"collapse.perf.txt.xz", "fork_exit.perf.txt.xz",
		"hugetlb_unshare.perf.txt.xz", "lazy_idle.perf.txt.xz",
		"mprotect.perf.txt.xz", "munmap_tables.perf.txt.xz",
		"tlb_flush1.perf.txt.xz", "tlb_flush3.perf.txt.xz",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		check_capture("traces/perf", caps[i]);
}

static void test_ftrace_captures(void **state)
{
	static const char *const caps[] = {
		"hugetlb_share.ftrace.txt.xz", "idle_lazy.ftrace.txt.xz",
		"munmap_big.ftrace.txt.xz", "thp_collapse.ftrace.txt.xz",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		check_capture("traces/perf/ftrace", caps[i]);
}

/* The nine shipped captures, the eight perf ones and the trace.dat one:
 * every counter within 1 % of the kernel's count as the capture records it (predicted_in_capture where validate gives
 * it: without what the model did where the capture is blind). The last
 * of the complete ones to get there, collapse's and munmap_tables' flush
 * IPIs (22 and 95, one short each), were perf-exec's: it had run on the
 * other CPU before the capture (ran_elsewhere); the last of all,
 * hugetlb_unshare's task-switch flushes (11 of 12) and wrong-CPU clearing
 * (0 of 1), a tokio worker's flush the capture holds no record of but
 * its IPI's handler (unseen_flush); the trace.dat capture's task
 * switches (one with flush and one without swapped), which slot held
 * init_mm on its busy CPU (slot_from_before()). */
static void test_perf_counters_all_1pct(void **state)
{
	static const char *const caps[] = {
		"collapse.perf.txt", "fork_exit.perf.txt", "hugetlb_unshare.perf.txt",
		"lazy_idle.perf.txt", "mprotect.perf.txt", "munmap_tables.perf.txt",
		"tlb_flush1.perf.txt", "tlb_flush3.perf.txt", "collapse.trace.dat",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char path[128];
		json_t *doc, *c, *x;
		const char *name;

		snprintf(path, sizeof(path), "traces/perf/%s.xz", caps[i]);
		doc = tu_validate(path);
		c = json_object_get(json_object_get(doc, "validate"), "counters");
		json_object_foreach(c, name, x) {
			json_t *in = json_object_get(x, "predicted_in_capture");
			long obs = (long)json_integer_value(json_object_get(x, "observed"));
			long pred = (long)json_integer_value(in ? in :
							     json_object_get(x, "predicted"));

			if (labs(pred - obs) * 100 > obs)
				print_error("%s %s: observed %ld predicted %ld\n", caps[i],
					    name, obs, pred);
			assert_true(labs(pred - obs) * 100 <= obs);
		}
		if (!strcmp(caps[i], "collapse.perf.txt") ||
		    !strcmp(caps[i], "munmap_tables.perf.txt")) {
			assert_int_equal(tu_field(c, "flush_ipis", "observed"),
					 tu_field(c, "flush_ipis", "predicted"));
			assert_true(json_integer_value(json_object_get(json_object_get(
				json_object_get(doc, "validate"), "inferences"),
				"ran_elsewhere")) >= 1);
		}
		json_decref(doc);
	}
}

/*
 * The mprotect capture's thread write-protects and reopens 64 present
 * pages 3000 times, 20.5 us an iteration, each flush IPIing the other
 * thread's CPU. Walked at the unmap rate (kvm-guest's 286 cycles a page:
 * 10.1 us to the flush where the kernel took 6.0), the model's loop ran
 * 24 us an iteration and fell 10 ms behind the capture: the counts held,
 * but validate --diff found 419 flush IPIs on each side with no partner
 * within 1 ms. At the protect rate (gather_walk_protect_page, 125) it
 * keeps time: every captured flush IPI paired, one of the model's not.
 */
static void test_protect_keeps_time(void **state)
{
	struct tu_run r = tu_cli(NULL, "validate", "traces/perf/mprotect.perf.txt.xz",
				 "--diff", "--json", NULL);
	json_error_t e;
	json_t *doc = json_loads(r.out, 0, &e), *fd;

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(doc);
	fd = json_object_get(json_object_get(json_object_get(doc, "validate"),
					     "flush_diff"), "flush_ipis");
	assert_int_equal(json_integer_value(json_object_get(fd, "paired")), 2986);
	assert_int_equal(json_integer_value(json_object_get(fd, "capture_only")), 0);
	assert_int_equal(json_integer_value(json_object_get(fd, "model_only")), 1);
	json_decref(doc);
	tu_run_free(&r);
}

/* Where the prediction already matches the kernel, it must keep matching. */
static void test_predictions_that_hold(void **state)
{
	(void)state;
	within_1pct("traces/perf/tlb_flush3.perf.txt.xz", "flush_ipis");
	within_1pct("traces/perf/tlb_flush3.perf.txt.xz", "remote_send_ipi");
	within_1pct("traces/perf/tlb_flush3.perf.txt.xz", "local_mm_shootdown");
	within_1pct("traces/perf/tlb_flush3.perf.txt.xz", "remote_shootdown");
	within_1pct("traces/perf/mprotect.perf.txt.xz", "flush_ipis");
	within_1pct("traces/perf/mprotect.perf.txt.xz", "local_mm_shootdown");
	within_1pct("traces/perf/tlb_flush1.perf.txt.xz", "flush_ipis");
	within_1pct("traces/perf/lazy_idle.perf.txt.xz", "flush_ipis");
	within_1pct("traces/perf/ftrace/idle_lazy.ftrace.txt.xz", "flush_ipis");
	within_1pct("traces/perf/ftrace/thp_collapse.ftrace.txt.xz", "sync_ipis");
	within_1pct("traces/perf/hugetlb_unshare.perf.txt.xz", "sync_ipis");
	within_1pct("traces/perf/ftrace/hugetlb_share.ftrace.txt.xz", "sync_ipis");
	within_1pct("traces/perf/ftrace/hugetlb_share.ftrace.txt.xz", "flush_ipis");
	/* the workload's thread is no fork: no dup_mmap() flush of its parent */
	within_1pct("traces/perf/fork_exit.perf.txt.xz", "flush_ipis");
	within_1pct("traces/perf/fork_exit.perf.txt.xz", "remote_send_ipi");
	within_1pct("traces/perf/fork_exit.perf.txt.xz", "remote_shootdown");
	within_1pct("traces/perf/hugetlb_unshare.perf.txt.xz", "flush_ipis");
	within_1pct("traces/perf/hugetlb_unshare.perf.txt.xz", "remote_send_ipi");
	within_1pct("traces/perf/hugetlb_unshare.perf.txt.xz", "remote_shootdown");
	within_1pct("traces/perf/mprotect.perf.txt.xz", "remote_send_ipi");
	within_1pct("traces/perf/tlb_flush3.perf.txt.xz", "remote_send_ipi");
	within_1pct("traces/perf/ftrace/idle_lazy.ftrace.txt.xz", "remote_send_ipi");
	/* threads' overlapping gathers nest (gather_walk), a munmap blocked on
	 * the mmap_lock flushes when it gets it (lock_wait) */
	within_1pct("traces/perf/ftrace/munmap_big.ftrace.txt.xz", "flush_ipis");
	within_1pct("traces/perf/ftrace/munmap_big.ftrace.txt.xz", "remote_send_ipi");
	within_1pct("traces/perf/ftrace/thp_collapse.ftrace.txt.xz", "remote_send_ipi");
	/* a forked child's first run writes its tid (fork_settid); a fork
	 * flushes its parent whatever the capture knows of its mappings; a
	 * child's copy leaves its parent the original */
	within_1pct("traces/perf/fork_exit.perf.txt.xz", "local_mm_shootdown");
	within_1pct("traces/perf/ftrace/hugetlb_share.ftrace.txt.xz", "remote_send_ipi");
	/* local mm shootdowns, with exec's stack move and fault-around copies */
	within_1pct("traces/perf/collapse.perf.txt.xz", "local_mm_shootdown");
	within_1pct("traces/perf/lazy_idle.perf.txt.xz", "local_mm_shootdown");
	within_1pct("traces/perf/munmap_tables.perf.txt.xz", "local_mm_shootdown");
	within_1pct("traces/perf/ftrace/idle_lazy.ftrace.txt.xz", "local_mm_shootdown");
	/* since fork_rseq took children that preempt their parent (-1.1 %,
	 * -1.4 % before) */
	within_1pct("traces/perf/ftrace/hugetlb_share.ftrace.txt.xz", "local_mm_shootdown");
	within_1pct("traces/perf/ftrace/thp_collapse.ftrace.txt.xz", "local_mm_shootdown");
	/*
	 * The initiator's own flush_tlb_func runs after its IPIs are out (a VM
	 * exit each: ipi_send), and a vCPU sent an IPI stalls until it arrives
	 * (ipi_target_stall): of two threads' flushes a few us apart, the
	 * second handles the first's IPI before its own call, which finds the
	 * CPU current. munmap_big and thp_collapse end with two simultaneous
	 * flushes that both skip their local call, as the kernel's do; their
	 * local counts (-2.2 % and -1.4 %) were exact before only because the
	 * model then traced both local calls, hiding two copy-on-write
	 * flushes it misses (docs/CAPTURES.md).
	 */
	within_1pct("traces/perf/tlb_flush1.perf.txt.xz", "remote_shootdown");
	within_1pct("traces/perf/tlb_flush1.perf.txt.xz", "local_mm_shootdown");
	within_1pct("traces/perf/ftrace/munmap_big.ftrace.txt.xz", "remote_shootdown");
	within_1pct("traces/perf/ftrace/thp_collapse.ftrace.txt.xz", "remote_shootdown");
	/* a munmap of a shared hugetlb GiB flushes its unshare, then its
	 * freed PUD table */
	within_1pct("traces/perf/hugetlb_unshare.perf.txt.xz", "local_mm_shootdown");
	/* the ftrace captures' local shootdowns are exact since a child's
	 * first run writes its rseq area where glibc puts it, 0x650 bytes
	 * after the tid the clone names (-0.7, -0.1, -1.1 and -0.7 % before):
	 * munmap_big's first child is one whose parent's mappings the capture
	 * had not shown when it forked (its tid's page mapped before) */
	for (int i = 0; i < 4; i++) {
		static const char *const ft[] = {
			"hugetlb_share", "idle_lazy", "munmap_big", "thp_collapse",
		};
		char path[96];
		json_t *doc, *c;

		snprintf(path, sizeof(path), "traces/perf/ftrace/%s.ftrace.txt.xz", ft[i]);
		doc = tu_validate(path);
		c = json_object_get(json_object_get(doc, "validate"), "counters");
		assert_int_equal(tu_field(c, "local_mm_shootdown", "observed"),
				 tu_field(c, "local_mm_shootdown", "predicted"));
		json_decref(doc);
	}
}

/* Real programs captured on the development machine (traces/perf/dev:
 * a PVM guest without PCID and without the zero page, as dev-host.json
 * says beside each capture): replayed on the pvm backend, the remote
 * sends within 1 % of the kernel's and the local shootdowns within 1 %. Until the fifteenth session there was
 * no pvm backend and only the local counters compared. zgrep was -4.0 %
 * before kernel_write (its 132 grep buffers) and -1.4 % before fork_rseq
 * took the children that preempt their parent, -1.9 % (5124) before it
 * took those another task preempted the parent for (-1.55 %), then the
 * shell's SIGCHLD frames (sigchld_frame): -0.6 %, its sends 715 -> 726;
 * with the frames its vfork children's exits write: +0.1 %, sends exact;
 * 741 and 5230 once a write finds no peer left holding its page
 * (peers_hold(): one of its own flushes the kernel did not make).
 * py's remote sends 165 -> 166 of 164 with them (its bash wrappers' frames,
 * flushed on both CPUs), its local shootdowns 1949 -> 1956 of 1960.
 * java's sends 288 -> 289, exact, once the writes to a shared mapping
 * dirty its pages: their unmap flushes at the end of the table. */
static void test_dev_captures(void **state)
{
	static const struct {
		const char *name;
		long sends, local, send_pct, local_pct;
	} caps[] = {
		{ "sort", 9, 29, 1, 1 }, { "java", 289, 301, 1, 1 },
		{ "py", 165, 1956, 1, 1 }, { "node", 651, 650, 1, 1 },
		{ "gcc", 55, 94, 1, 1 }, { "git", 257, 312, 1, 1 },
		{ "zgrep", 740, 5230, 1, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char path[128];
		struct tu_run r;
		json_error_t e;
		json_t *doc, *v, *c;
		long obs;

		snprintf(path, sizeof(path), "traces/perf/dev/%s.perf.txt.xz", caps[i].name);
		r = tu_cli(NULL, "validate", path, "--json", NULL);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.err, "--backend pvm from "));
		doc = json_loads(r.out, 0, &e);
		assert_non_null(doc);
		v = json_object_get(doc, "validate");
		c = json_object_get(v, "counters");
		assert_int_equal(tu_field(c, "flush_ipis", "predicted"), 0);
		assert_int_equal(tu_field(c, "remote_send_ipi", "predicted"), caps[i].sends);
		assert_int_equal(tu_field(c, "local_mm_shootdown", "predicted"), caps[i].local);
		obs = tu_field(c, "remote_send_ipi", "observed");
		assert_true(obs > 0 && labs(caps[i].sends - obs) * 100 <=
			    caps[i].send_pct * obs);
		obs = tu_field(c, "local_mm_shootdown", "observed");
		assert_true(obs > 0 && labs(caps[i].local - obs) * 100 <=
			    caps[i].local_pct * obs);
		/* that host flushes without IPIs: validate says so */
		assert_true(json_is_true(json_object_get(v, "flushes_without_ipis")));
		if (!strcmp(caps[i].name, "zgrep")) {
			assert_int_equal(obs, 5224);
			assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
					 "inferences"), "kernel_write")), 132);
		}
		json_decref(doc);
		tu_run_free(&r);
	}
}

/*
 * The trace-cmd capture (traces/perf/README.md: 4160 lines of trace-cmd
 * report, its "cpus=2" header included; tlb_flush by reason {0: 7, 1: 14,
 * 3: 54, 4: 38, 5: 1}; flush_tlb_func 17 and tlb_remove_table_smp_sync 7
 * smp-calls) is read through libtracecmd and validated like the others.
 * CPU 1 is idle and lazy on bash's mm when it begins: bash's fork flush
 * IPIs it and it leaves for init_mm inside the handler (lazy_before, once);
 * 21 of bash's copy-on-write flushes then find its bit in the mask and
 * trace a send without IPI: 38 sends and 17 flush IPIs, as the kernel's.
 * bash's mappings show only after its fork: its child's tid write is taken
 * to lie in the first (fork_settid), the kernel's 54 local flushes. The
 * child's exec loads its new mm before the old one's teardown, whose own
 * flush_tlb_func() finds CPU 1 on another mm: the one wrong CPU.
 */
static void test_tracedat(void **state)
{
	const char *dat = "traces/perf/collapse.trace.dat.xz";
	json_t *doc, *v, *c, *x;
	long records = 0;
	const char *name;

	(void)state;
	doc = tu_validate(dat);
	v = json_object_get(doc, "validate");
	json_object_foreach(json_object_get(v, "tracepoints"), name, x)
		records += (long)json_integer_value(json_object_get(x, "count"));
	assert_int_equal(records, 4160 - 1);
	c = json_object_get(v, "counters");
	assert_int_equal(tu_field(c, "flush_ipis", "observed"), 17);
	assert_int_equal(tu_field(c, "sync_ipis", "observed"), 7);
	assert_int_equal(tu_field(c, "task_switch_flush", "observed") +
			 tu_field(c, "task_switch_noflush", "observed"), 7);
	assert_int_equal(tu_field(c, "remote_shootdown", "observed"), 14);
	assert_int_equal(tu_field(c, "local_mm_shootdown", "observed"), 54);
	assert_int_equal(tu_field(c, "remote_send_ipi", "observed"), 38);
	assert_int_equal(tu_field(c, "wrong_cpu", "observed"), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc,
		"trace"), "format")), "trace-cmd");
	assert_int_equal(tu_field(c, "flush_ipis", "predicted"), 17);
	assert_int_equal(tu_field(c, "remote_send_ipi", "predicted"), 38);
	assert_int_equal(tu_field(c, "wrong_cpu", "predicted"), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
		"inferences"), "lazy_before")), 1);
	json_decref(doc);
	within_1pct(dat, "sync_ipis");
	within_1pct(dat, "flush_ipis");
	within_1pct(dat, "remote_send_ipi");
	within_1pct(dat, "local_mm_shootdown");
}

/* Every capture's reconstruction is a valid native trace: import, then
 * the native reader and the model take it without a complaint. */
static void test_import_all(void **state)
{
	static const char *const caps[] = {
		"traces/perf/collapse.perf.txt.xz", "traces/perf/fork_exit.perf.txt.xz",
		"traces/perf/hugetlb_unshare.perf.txt.xz", "traces/perf/lazy_idle.perf.txt.xz",
		"traces/perf/mprotect.perf.txt.xz", "traces/perf/munmap_tables.perf.txt.xz",
		"traces/perf/tlb_flush1.perf.txt.xz", "traces/perf/tlb_flush3.perf.txt.xz",
		"traces/perf/ftrace/hugetlb_share.ftrace.txt.xz",
		"traces/perf/ftrace/idle_lazy.ftrace.txt.xz",
		"traces/perf/ftrace/munmap_big.ftrace.txt.xz",
		"traces/perf/ftrace/thp_collapse.ftrace.txt.xz",
		"traces/perf/collapse.trace.dat.xz",
		/* remap events (mremap), exits with exec */
		"traces/perf/intel/sqlite.perf.txt.xz",
		"traces/perf/intel/realloc.perf.txt.xz",
	};
	const char *out = "/tmp/tlbsim-import-all.jsonl";

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct tu_run a = tu_cli(NULL, "import", caps[i], "-o", out, NULL), b;

		assert_int_equal(a.status, 0);
		b = tu_cli(NULL, "run", out, "--backend", "kvm", "-o", "/dev/null", NULL);
		if (b.status)
			print_error("%s: %s", caps[i], b.err);
		assert_int_equal(b.status, 0);
		tu_run_free(&a);
		tu_run_free(&b);
	}
	unlink(out);
}

/* import writes a native trace that replays to the same prediction. */
static void test_import_roundtrip(void **state)
{
	const char *out = "/tmp/tlbsim-import.jsonl";
	struct tu_run a, b;
	json_t *da, *db;
	json_error_t e;

	(void)state;
	a = tu_cli(NULL, "import", "traces/perf/munmap_tables.perf.txt.xz", "-o", out, NULL);
	assert_int_equal(a.status, 0);
	tu_run_free(&a);
	/* a capture's CPUs ran before it: its header says so */
	{
		char *text = tu_slurp(out);

		assert_non_null(text);
		assert_non_null(strstr(text, "\"asid_history\": true"));
		free(text);
	}
	a = tu_cli(NULL, "run", "traces/perf/munmap_tables.perf.txt.xz", "--backend",
		   "kvm", "--json", NULL);
	b = tu_cli(NULL, "run", out, "--backend", "kvm", "--json", NULL);
	assert_int_equal(b.status, 0);
	da = json_loads(a.out, 0, &e);
	db = json_loads(b.out, 0, &e);
	assert_true(json_equal(json_object_get(json_array_get(json_object_get(da, "policies"), 0), "ipis"),
			       json_object_get(json_array_get(json_object_get(db, "policies"), 0), "ipis")));
	json_decref(da);
	json_decref(db);
	tu_run_free(&a);
	tu_run_free(&b);
	remove(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_captures),
		cmocka_unit_test(test_ftrace_captures),
		cmocka_unit_test(test_predictions_that_hold),
		cmocka_unit_test(test_protect_keeps_time),
		cmocka_unit_test(test_tracedat),
		cmocka_unit_test(test_import_roundtrip),
		cmocka_unit_test(test_import_all),
		cmocka_unit_test(test_dev_captures),
		cmocka_unit_test(test_perf_counters_all_1pct),
	};
	int failed = cmocka_run_group_tests_name("perf_capture_tests", tests, NULL, NULL);

	failed += perf_diff_tests();
	failed += perf_idle_tests();
	return failed;
}
