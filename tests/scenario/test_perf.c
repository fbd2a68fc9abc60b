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

static long val(json_t *o, const char *a, const char *b)
{
	return (long)json_integer_value(json_object_get(json_object_get(o, a), b));
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
	assert_int_equal(val(counters, "flush_ipis", "observed"),
			 json_integer_value(json_object_get(truth, "flush_ipis")));
	assert_int_equal(val(counters, "sync_ipis", "observed"),
			 json_integer_value(json_object_get(truth, "sync_ipis")));
	reasons = json_object_get(truth, "tlb_flush_reasons");
	for (size_t i = 0; i < sizeof(reason_map) / sizeof(reason_map[0]); i++)
		assert_int_equal(val(counters, reason_map[i].ours, "observed"),
				 json_integer_value(json_object_get(reasons, reason_map[i].theirs)));
	assert_int_equal(val(counters, "task_switch_flush", "observed") +
			 val(counters, "task_switch_noflush", "observed"),
			 json_integer_value(json_object_get(reasons, "task_switch")));
	json_decref(truth);
	json_decref(doc);
}

static void within_1pct(const char *path, const char *counter)
{
	json_t *doc = tu_validate(path);
	json_t *c = json_object_get(json_object_get(json_object_get(doc, "validate"),
						    "counters"), counter);
	double err = json_real_value(json_object_get(c, "error_pct"));

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

/* The eight perf captures: every counter a perf capture sees completely
 * (validate's complete_in_capture) within 1 % of the kernel's count. The
 * last two to get there, collapse's and munmap_tables' flush IPIs (22
 * and 95, one short each), were perf-exec's: it had run on the other CPU
 * before the capture (ran_elsewhere). */
static void test_perf_counters_all_1pct(void **state)
{
	static const char *const caps[] = {
		"collapse", "fork_exit", "hugetlb_unshare", "lazy_idle",
		"mprotect", "munmap_tables", "tlb_flush1", "tlb_flush3",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char path[128];
		json_t *doc, *c, *x;
		const char *name;

		snprintf(path, sizeof(path), "traces/perf/%s.perf.txt.xz", caps[i]);
		doc = tu_validate(path);
		c = json_object_get(json_object_get(doc, "validate"), "counters");
		json_object_foreach(c, name, x) {
			long obs = (long)json_integer_value(json_object_get(x, "observed"));
			long pred = (long)json_integer_value(json_object_get(x, "predicted"));

			if (!json_is_true(json_object_get(x, "complete_in_capture")))
				continue;
			if (labs(pred - obs) * 100 > obs)
				print_error("%s %s: observed %ld predicted %ld\n", caps[i],
					    name, obs, pred);
			assert_true(labs(pred - obs) * 100 <= obs);
		}
		if (!strcmp(caps[i], "collapse") || !strcmp(caps[i], "munmap_tables")) {
			assert_int_equal(val(c, "flush_ipis", "observed"),
					 val(c, "flush_ipis", "predicted"));
			assert_true(json_integer_value(json_object_get(json_object_get(
				json_object_get(doc, "validate"), "inferences"),
				"ran_elsewhere")) >= 1);
		}
		json_decref(doc);
	}
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
}

/* Real programs captured on the development machine (traces/perf/dev:
 * a PVM guest without PCID, whose flushes send no IPIs): the local
 * shootdowns within 1 % of the kernel's. zgrep was -4.0 % before
 * kernel_write (its 132 grep buffers) and -1.4 % before fork_rseq took
 * the children that preempt their parent. */
static void test_dev_captures(void **state)
{
	static const char *const caps[] = { "sort", "java", "py", "node", "gcc", "git", "zgrep" };

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char path[128];
		struct tu_run r;
		json_error_t e;
		json_t *doc, *c;
		long obs, pred;

		snprintf(path, sizeof(path), "traces/perf/dev/%s.perf.txt.xz", caps[i]);
		r = tu_cli(NULL, "validate", path, "--json", "--backend", "native",
			   "--pcid", "off", NULL);
		assert_int_equal(r.status, 0);
		doc = json_loads(r.out, 0, &e);
		assert_non_null(doc);
		c = json_object_get(json_object_get(doc, "validate"), "counters");
		obs = val(c, "local_mm_shootdown", "observed");
		pred = val(c, "local_mm_shootdown", "predicted");
		if (labs(pred - obs) * 100 > obs)
			print_error("%s: local_mm_shootdown observed %ld predicted %ld\n",
				    caps[i], obs, pred);
		assert_true(obs > 0 && labs(pred - obs) * 100 <= obs);
		/* that host flushes without IPIs: validate says so */
		assert_true(json_is_true(json_object_get(json_object_get(doc, "validate"),
							 "flushes_without_ipis")));
		json_decref(doc);
		tu_run_free(&r);
	}
	{
		struct tu_run r = tu_cli(NULL, "validate", "traces/perf/dev/zgrep.perf.txt.xz",
					 "--json", "--backend", "native", "--pcid", "off", NULL);
		json_error_t e;
		json_t *doc = json_loads(r.out, 0, &e), *v;
		long obs, pred;

		assert_non_null(doc);
		v = json_object_get(doc, "validate");
		obs = val(json_object_get(v, "counters"), "local_mm_shootdown", "observed");
		pred = val(json_object_get(v, "counters"), "local_mm_shootdown", "predicted");
		assert_int_equal(obs, 5224);
		assert_true(pred > 5149);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
				 "inferences"), "kernel_write")), 132);
		json_decref(doc);
		tu_run_free(&r);
	}
}

/* validate --by-process: hugetlb_unshare's parent (4186) and its five
 * children, each flush where the kernel made it. */
static void test_by_process(void **state)
{
	static const struct { long mm, local, send, remote; } want[] = {
		{ 4186, 51, 39, 38 }, { 4189, 8, 0, 0 }, { 4190, 11, 0, 0 },
		{ 4191, 11, 0, 0 }, { 4192, 11, 0, 0 }, { 4193, 11, 0, 0 },
	};
	struct tu_run r = tu_cli(NULL, "validate", "traces/perf/hugetlb_unshare.perf.txt.xz",
				 "--by-process", "--json", NULL);
	json_error_t e;
	json_t *doc, *rows;

	(void)state;
	assert_int_equal(r.status, 0);
	doc = json_loads(r.out, 0, &e);
	assert_non_null(doc);
	assert_true(json_is_false(json_object_get(json_object_get(doc, "validate"),
						  "flushes_without_ipis")));
	rows = json_object_get(json_object_get(doc, "validate"), "by_process");
	assert_int_equal(json_array_size(rows), 6);
	for (size_t i = 0; i < 6; i++) {
		json_t *row = json_array_get(rows, i);

		assert_int_equal(json_integer_value(json_object_get(row, "mm")), want[i].mm);
		assert_int_equal(val(row, "local_mm_shootdown", "observed"), want[i].local);
		assert_int_equal(val(row, "local_mm_shootdown", "predicted"), want[i].local);
		assert_int_equal(val(row, "remote_send_ipi", "observed"), want[i].send);
		assert_int_equal(val(row, "remote_send_ipi", "predicted"), want[i].send);
		assert_int_equal(val(row, "remote_shootdown", "observed"), want[i].remote);
		assert_int_equal(val(row, "remote_shootdown", "predicted"), want[i].remote);
	}
	json_decref(doc);
	tu_run_free(&r);
	r = tu_cli(NULL, "validate", "traces/perf/hugetlb_unshare.perf.txt.xz",
		   "--by-process", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "      4186                  51/51"
				      "                  39/39                  38/38\n"));
	assert_non_null(strstr(r.out, "(6 processes flushed)\n"));
	tu_run_free(&r);
}

/* tests/data/kernel_write.perf.txt: an anonymous read-write buffer
 * unmapped with no fault seen in it flushes one page (a syscall wrote it:
 * kernel_write); a PROT_NONE MAP_NORESERVE reservation does not; a buffer
 * the task faulted on gets no extra page; MAP_POPULATE's pages are all
 * present (map_populate). The kernel flushed three times, as predicted. */
static void test_kernel_write(void **state)
{
	json_t *doc = tu_validate("tests/data/kernel_write.perf.txt"), *v;
	struct tu_run r;

	(void)state;
	v = json_object_get(doc, "validate");
	assert_int_equal(val(json_object_get(v, "counters"), "local_mm_shootdown",
			     "observed"), 3);
	assert_int_equal(val(json_object_get(v, "counters"), "local_mm_shootdown",
			     "predicted"), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
			 "inferences"), "kernel_write")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
			 "inferences"), "map_populate")), 1);
	json_decref(doc);
	r = tu_cli(NULL, "import", "tests/data/kernel_write.perf.txt", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "{\"t\": 40000, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 100, "
				      "\"addr\": \"0x7f0000000000\", \"len\": 4096}\n"
				      "{\"t\": 40000, \"cpu\": 0, \"ev\": \"unmap\""));
	assert_non_null(strstr(r.out, "{\"t\": 3001000, \"cpu\": 0, \"ev\": \"touch\", "
				      "\"mm\": 100, \"addr\": \"0x7f3000000000\", \"len\": 16384}\n"));
	assert_null(strstr(r.out, "\"touch\", \"mm\": 100, \"addr\": \"0x7f1"));
	assert_null(strstr(r.out, "\"touch\", \"mm\": 100, \"addr\": \"0x7f2000000000\""));
	tu_run_free(&r);
}

/* validate --diff on a hand-written capture (tests/data/diff.perf.txt):
 * the first munmap's flush (line 5) is the kernel's record at line 6, so
 * they pair; the record at line 8 has no cause the model sees (capture
 * only); the second munmap (line 9) flushes in the model, and the capture
 * holds no record of it (model only). */
static void test_diff_lines(void **state)
{
	struct tu_run r = tu_cli(NULL, "validate", "tests/data/diff.perf.txt", "--diff",
				 "--json", NULL);
	json_error_t e;
	json_t *doc, *fd, *x;

	(void)state;
	assert_int_equal(r.status, 0);
	doc = json_loads(r.out, 0, &e);
	assert_non_null(doc);
	fd = json_object_get(json_object_get(doc, "validate"), "flush_diff");
	assert_int_equal(val(fd, "local_mm_shootdown", "paired"), 1);
	assert_int_equal(val(fd, "local_mm_shootdown", "capture_only"), 1);
	assert_int_equal(val(fd, "local_mm_shootdown", "model_only"), 1);
	assert_int_equal(val(fd, "remote_send_ipi", "paired"), 0);
	assert_int_equal(json_array_size(json_object_get(fd, "capture_only")), 1);
	x = json_array_get(json_object_get(fd, "capture_only"), 0);
	assert_int_equal(json_integer_value(json_object_get(x, "line")), 8);
	assert_int_equal(json_integer_value(json_object_get(x, "t")), 5000000);
	assert_int_equal(json_integer_value(json_object_get(x, "mm")), 100);
	assert_int_equal(json_array_size(json_object_get(fd, "model_only")), 1);
	x = json_array_get(json_object_get(fd, "model_only"), 0);
	assert_int_equal(json_integer_value(json_object_get(x, "line")), 9);
	assert_string_equal(json_string_value(json_object_get(x, "event")), "unmap");
	/* the munmap entered at 10 ms; its flush follows its walk */
	assert_true(json_integer_value(json_object_get(x, "t")) > 10000000);
	assert_true(json_integer_value(json_object_get(x, "t")) < 10100000);
	json_decref(doc);
	tu_run_free(&r);
	r = tu_cli(NULL, "validate", "tests/data/diff.perf.txt", "--diff", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "local_mm_shootdown              1              1"
				      "            1\n"));
	assert_non_null(strstr(r.out, "mm 100      local_mm_shootdown   capture line 8\n"));
	assert_non_null(strstr(r.out, "applying unmap from capture line 9\n"));
	tu_run_free(&r);
}

/* On a real capture, --diff accounts for every record on both sides
 * (paired + capture only = observed, paired + model only = predicted:
 * local shootdowns, remote sends and flush IPIs) and
 * its one-thread replay predicts what the threaded one does. */
static void test_diff_totals(void **state)
{
	static const char *const kinds[] = { "local_mm_shootdown", "remote_send_ipi",
					     "flush_ipis" };
	json_t *plain = tu_validate("traces/perf/fork_exit.perf.txt.xz"), *doc, *fd, *c;
	struct tu_run r = tu_cli(NULL, "validate", "traces/perf/fork_exit.perf.txt.xz",
				 "--diff", "--json", NULL);
	json_error_t e;

	(void)state;
	assert_int_equal(r.status, 0);
	doc = json_loads(r.out, 0, &e);
	assert_non_null(doc);
	fd = json_object_get(json_object_get(doc, "validate"), "flush_diff");
	c = json_object_get(json_object_get(doc, "validate"), "counters");
	assert_true(json_equal(c, json_object_get(json_object_get(plain, "validate"),
						  "counters")));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		long paired = val(fd, kinds[i], "paired");

		assert_true(paired > 0);
		assert_int_equal(paired + val(fd, kinds[i], "capture_only"),
				 val(c, kinds[i], "observed"));
		assert_int_equal(paired + val(fd, kinds[i], "model_only"),
				 val(c, kinds[i], "predicted"));
	}
	json_decref(doc);
	json_decref(plain);
	tu_run_free(&r);
}

/* With the kvm-guest profile, the predicted send -> remote shootdown p50 is
 * within 20 % of the kernel's on every capture that shows remote
 * shootdowns of a running CPU, and so is the p90 but on two captures: the
 * model's latencies barely spread, and the tails of tlb_flush1 (targets in
 * a page fault) and hugetlb_share (targets after a kernel thread) reach
 * 21 and 18.4 us where it predicts 16.1 and 14.0 (docs/MODEL.md, section 9). */
static double latency_pct(const json_t *lat, const char *pct, bool observed)
{
	return (double)json_integer_value(json_object_get(json_object_get(lat,
		observed ? "observed_send_to_remote_flush_ns" :
			   "predicted_send_to_remote_flush_ns"), pct));
}

static void test_latency_p50_p90(void **state)
{
	/* the AMD host's captures with kvm-guest, the Intel host's with the
	 * profile calibrated there (its p90, 27 us, is 30 % above the p50) */
	static const struct { const char *path; bool p90; const char *prof; } caps[] = {
		{ "traces/perf/collapse.perf.txt.xz", true, "kvm-guest" },
		{ "traces/perf/fork_exit.perf.txt.xz", true, "kvm-guest" },
		{ "traces/perf/hugetlb_unshare.perf.txt.xz", true, "kvm-guest" },
		{ "traces/perf/mprotect.perf.txt.xz", true, "kvm-guest" },
		{ "traces/perf/munmap_tables.perf.txt.xz", true, "kvm-guest" },
		{ "traces/perf/tlb_flush1.perf.txt.xz", false, "kvm-guest" },
		{ "traces/perf/tlb_flush3.perf.txt.xz", true, "kvm-guest" },
		{ "traces/perf/collapse.trace.dat.xz", true, "kvm-guest" },
		{ "traces/perf/ftrace/hugetlb_share.ftrace.txt.xz", false, "kvm-guest" },
		{ "traces/perf/ftrace/munmap_big.ftrace.txt.xz", false, "kvm-guest" },
		{ "traces/perf/ftrace/thp_collapse.ftrace.txt.xz", false, "kvm-guest" },
		{ "traces/perf/intel/xz.perf.txt.xz", false, "kvm-guest-intel" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct tu_run r = tu_cli(NULL, "validate", caps[i].path, "--json",
					 "--profile", caps[i].prof, NULL);
		json_error_t e;
		json_t *doc = json_loads(r.out, 0, &e), *lat;

		assert_non_null(doc);
		lat = json_object_get(json_object_get(doc, "validate"), "latency");
		for (int q = 0; q < (caps[i].p90 ? 2 : 1); q++) {
			const char *pct = q ? "p90" : "p50";
			double obs = latency_pct(lat, pct, true);
			double pred = latency_pct(lat, pct, false);

			if (fabs(pred - obs) > 0.2 * obs)
				print_error("%s: %s observed %.0f predicted %.0f\n",
					    caps[i].path, pct, obs, pred);
			assert_true(obs > 0 && fabs(pred - obs) <= 0.2 * obs);
		}
		json_decref(doc);
		tu_run_free(&r);
	}
}

/* calibrate fits the delivery latency: the written profile loads, and with
 * it the predicted p50 of each capture it was fitted on is within 20 %. */
static void test_calibrate(void **state)
{
	const char *out = "/tmp/tlbsim-calibrated.json";
	const char *caps[] = { "traces/perf/tlb_flush3.perf.txt.xz",
			       "traces/perf/mprotect.perf.txt.xz",
			       "traces/perf/collapse.perf.txt.xz" };
	struct tu_run r;

	(void)state;
	r = tu_cli(NULL, "calibrate", caps[0], caps[1], caps[2], "-o", out, NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	for (size_t i = 0; i < 3; i++) {
		json_error_t e;
		json_t *doc, *lat;
		double obs, pred;

		r = tu_cli(NULL, "validate", caps[i], "--json", "--profile", out, NULL);
		assert_int_equal(r.status, 0);
		doc = json_loads(r.out, 0, &e);
		lat = json_object_get(json_object_get(doc, "validate"), "latency");
		obs = (double)json_integer_value(json_object_get(json_object_get(lat,
			"observed_send_to_remote_flush_ns"), "p50"));
		pred = (double)json_integer_value(json_object_get(json_object_get(lat,
			"predicted_send_to_remote_flush_ns"), "p50"));
		assert_true(obs > 0 && fabs(pred - obs) <= 0.2 * obs);
		json_decref(doc);
		tu_run_free(&r);
	}
	remove(out);
}

/*
 * The trace-cmd capture (traces/perf/README.md: 4160 lines of trace-cmd
 * report, its "cpus=2" header included; tlb_flush by reason {0: 7, 1: 14,
 * 3: 54, 4: 38, 5: 1}; flush_tlb_func 17 and tlb_remove_table_smp_sync 7
 * smp-calls) is read through libtracecmd and validated like the others.
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
	assert_int_equal(val(c, "flush_ipis", "observed"), 17);
	assert_int_equal(val(c, "sync_ipis", "observed"), 7);
	assert_int_equal(val(c, "task_switch_flush", "observed") +
			 val(c, "task_switch_noflush", "observed"), 7);
	assert_int_equal(val(c, "remote_shootdown", "observed"), 14);
	assert_int_equal(val(c, "local_mm_shootdown", "observed"), 54);
	assert_int_equal(val(c, "remote_send_ipi", "observed"), 38);
	assert_int_equal(val(c, "wrong_cpu", "observed"), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc,
		"trace"), "format")), "trace-cmd");
	json_decref(doc);
	within_1pct(dat, "sync_ipis");
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

/* The record a malformed payload replaces, after a mapping of process
 * 100 and a thread 101 on cpu 1 (so that every handler has its state). */
#define MALFORMED_PRELUDE \
	"wl 100/100 [000] 1.000000100: syscalls:sys_enter_mmap: addr: 0x00000000, " \
	"len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000\n" \
	"wl 100/100 [000] 1.000000200: syscalls:sys_exit_mmap: 0x7f0000000000\n" \
	"wl 100/101 [001] 1.000000250: exceptions:page_fault_user: address=0x7f0000001000 " \
	"ip=0x1000 error_code=0x6\n"

/* A record of a tracepoint tlbsim reads whose field it needs is missing
 * or not what the kernel prints: an error naming the line, tracepoint and
 * field, never a silent skip or a misread (fuzz_perf once found a fork
 * naming its own task as the child: copying its mappings into itself
 * never ended). The line is line 4. */
static void test_malformed_fields(void **state)
{
	static const struct { const char *rec, *msg; } c[] = {
		{ "syscalls:sys_enter_munmap: addr: 0xZZZZ, len: 0x1000",
		  "syscalls:sys_enter_munmap: field addr: expected a number (0x and 1 to "
		  "16 hex digits, or decimal below 2^64), got '0xZZZZ'" },
		{ "syscalls:sys_enter_munmap: addr: 0x7f0000000000, len: banana",
		  "syscalls:sys_enter_munmap: field len: expected a number (0x and 1 to "
		  "16 hex digits, or decimal below 2^64), got 'banana'" },
		{ "syscalls:sys_enter_munmap: addr: 0x7f0000000000",
		  "syscalls:sys_enter_munmap: field len: expected a number (0x and 1 to "
		  "16 hex digits, or decimal below 2^64), not in the record" },
		{ "syscalls:sys_enter_munmap: addr: 0x7f0000000000, len: -4096",
		  "field len: expected a number (0x and 1 to 16 hex digits, or decimal "
		  "below 2^64), got '-4096'" },
		{ "syscalls:sys_enter_munmap: addr: 0xfffffffffffff000, len: 0x2000",
		  NULL },   /* past 2^64: the kernel's EINVAL, a real call a
			     * program can make; nothing to unmap */
		{ "syscalls:sys_enter_munmap: addr: 0x17f0000000000000, len: 0x1000",
		  NULL },   /* 16 digits: the kernel's EINVAL, nothing to unmap */
		{ "syscalls:sys_enter_munmap: addr: 0x17f0000000000000a, len: 0x1000",
		  "field addr: expected a number (0x and 1 to 16 hex digits, or decimal "
		  "below 2^64), got '0x17f0000000000000a'" },
		{ "syscalls:sys_enter_munmap: addr: 0x7f0000000000, len: 99999999999999999999999",
		  "field len: expected a number (0x and 1 to 16 hex digits, or decimal "
		  "below 2^64), got '99999999999999999999999'" },
		{ "syscalls:sys_enter_madvise: start: 0x7f0000000000, len_in: 0x00002000",
		  "syscalls:sys_enter_madvise: field behavior: expected a number" },
		{ "syscalls:sys_enter_mprotect: start: 0x7f000000000g, len: 0x1000",
		  "syscalls:sys_enter_mprotect: field start: expected a number" },
		{ "syscalls:sys_enter_mmap: addr: 0x00000000, len: 0x00002000, prot: 0x3, "
		  "flags: 0x22, off: 0x0", "syscalls:sys_enter_mmap: field fd: expected a "
		  "number (0x and 1 to 16 hex digits, or decimal below 2^64), not in the "
		  "record" },
		{ "syscalls:sys_exit_mmap: 0xzz", "syscalls:sys_exit_mmap: field ret: "
		  "expected the return value, 0x and 1 to 16 hex digits, got '0xzz'" },
		{ "syscalls:sys_exit_brk: 5600000000", "syscalls:sys_exit_brk: field "
		  "ret: expected the return value, 0x and 1 to 16 hex digits, got "
		  "'5600000000'" },
		{ "syscalls:sys_enter_clone: clone_flags: 0x01200011, newsp: 0x0",
		  "syscalls:sys_enter_clone: field child_tidptr: expected a number" },
		{ "exceptions:page_fault_user: address=0xQQ ip=0x1 error_code=0x6",
		  "exceptions:page_fault_user: field address: expected a number (0x and 1 "
		  "to 16 hex digits, or decimal below 2^64), got '0xQQ'" },
		{ "exceptions:page_fault_user: address=0x7f0000000000 ip=0x1 error_code=0xZ",
		  "exceptions:page_fault_user: field error_code: expected a number" },
		{ "exceptions:page_fault_user: ip=0x1 error_code=0x6",
		  "exceptions:page_fault_user: field address: expected a number (0x and 1 "
		  "to 16 hex digits, or decimal below 2^64), not in the record" },
		{ "exceptions:page_fault_user: address=0x7f0000000000 error_code=0x6",
		  NULL },   /* ip: not read */
		{ "tlb:tlb_flush: pages:abc reason:remote shootdown (1)",
		  "tlb:tlb_flush: field pages: expected a page count (decimal, -1 for "
		  "all), got 'abc'" },
		{ "tlb:tlb_flush: pages:1 reason:remote shootdown",
		  "tlb:tlb_flush: field reason: expected the reason with its number in "
		  "parentheses at the end, as in 'reason:remote shootdown (1)', got "
		  "'remote'" },
		{ "csd:csd_queue_cpu: cpu=99999 callsite=x func=flush_tlb_func csd=0x0",
		  "csd:csd_queue_cpu: field cpu: expected a CPU id from 0 to 4095, got "
		  "'99999'" },
		{ "csd:csd_queue_cpu: cpu=-1 callsite=x func=flush_tlb_func csd=0x0",
		  "csd:csd_queue_cpu: field cpu: expected a CPU id from 0 to 4095, got '-1'" },
		{ "csd:csd_queue_cpu: cpu=3 callsite=x func=flush_tlb_func csd=0x0",
		  "csd:csd_queue_cpu: field cpu: expected one of the 2 CPUs the capture's "
		  "first records showed: give the capture host's topology with --topology "
		  "xml:FILE, got '3'" },
		{ "sched:sched_switch: prev_comm=wl prev_pid=100 prev_prio=120 prev_state=R ==>",
		  "sched:sched_switch: field next_pid: expected a task id from 0 to "
		  "2147483647, not in the record" },
		{ "sched:sched_switch: prev_comm=wl prev_pid=100 prev_prio=120 prev_state=R "
		  "==> next_comm=x next_pid=4294967295 next_prio=120",
		  "field next_pid: expected a task id from 0 to 2147483647, got '4294967295'" },
		{ "sched:sched_process_fork: comm=wl pid=100 child_comm=wl child_pid=100",
		  "sched:sched_process_fork: field child_pid: expected the new task's id, "
		  "not the forking task's own, got '100'" },
		{ "sched:sched_process_fork: comm=wl pid=100",
		  "sched:sched_process_fork: field child_pid: expected a task id from 1 to "
		  "2147483647, not in the record" },
		{ "sched:sched_process_fork: comm=wl pid=100 child_comm=wl child_pid=4294967295",
		  "field child_pid: expected a task id from 1 to 2147483647, got "
		  "'4294967295'" },
		{ "sched:sched_process_exit: comm=wl prio=120 group_dead=true",
		  "sched:sched_process_exit: field pid: expected a task id from 0 to "
		  "2147483647, not in the record" },
		{ "sched:sched_process_exit: comm=wl pid=100 prio=120 group_dead=yes",
		  "sched:sched_process_exit: field group_dead: expected true or false, got "
		  "'yes'" },
		{ "sched:sched_process_exit: comm=wl pid=100 prio=120", NULL },
		{ "huge_memory:mm_collapse_huge_page: mm=0xffff888106e60640, isolated=1",
		  "huge_memory:mm_collapse_huge_page: field status: expected a value "
		  "(status=...), not in the record" },
		{ "huge_memory:mm_collapse_huge_page_isolate: scan_pfn=0x1, none_or_zero=0",
		  "huge_memory:mm_collapse_huge_page_isolate: field status: expected a "
		  "value (status=...), not in the record" },
		/* tracepoints tlbsim does not read: their fields are their own */
		{ "syscalls:sys_exit_munmap: banana", NULL },
		{ "ipi:ipi_send_cpu: cpu=-5 callsite=x callback=0x0", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char text[1024], want[1024], *path;
		struct tu_run r;

		snprintf(text, sizeof(text), MALFORMED_PRELUDE "wl 100/100 [000] "
			 "1.000000300: %s\n", c[i].rec);
		path = tu_tmpfile(text, ".perf.txt");
		r = tu_cli(NULL, "compare", path, "--json", NULL);
		if (c[i].msg) {
			snprintf(want, sizeof(want), "tlbsim: %s:4: ", path);
			if (r.status != 2 || strncmp(r.err, want, strlen(want)) ||
			    !strstr(r.err, c[i].msg) || strchr(r.err, '\n') !=
			    r.err + strlen(r.err) - 1 || r.out[0])
				fail_msg("'%s': status %d, stderr %s", c[i].rec, r.status, r.err);
		} else if (r.status != 0) {
			fail_msg("'%s' refused: %s", c[i].rec, r.err);
		}
		tu_run_free(&r);
		unlink(path);
		free(path);
	}
}

/* perf script prints records in time order, up to the per-CPU merge's
 * jitter, which the reorder window absorbs. A record further back than
 * the first one fed (here after 4100 records 1 us apart, past the first
 * 4096 the reader holds to count CPUs) is an error naming the times: its
 * time from the first record once wrapped to ~2^64 ns, which the JSONL
 * form cannot read back. One within the window is put in its place. */
static void test_time_before_first(void **state)
{
	size_t cap = 4200 * 120, len = 0;
	char *text = malloc(cap), *path, want[512];
	struct tu_run r;

	(void)state;
	for (int i = 0; i < 4100; i++)
		len += (size_t)snprintf(text + len, cap - len, "prog 100/100 [000] "
			"1000.%06d: exceptions:page_fault_user: address=0x%x ip=0x1000 "
			"error_code=0x6\n", 1000 + i, 0x400000 + 4096 * (i % 64));
	/* 150 us behind the newest: within the window, taken in order */
	len += (size_t)snprintf(text + len, cap - len, "prog 100/100 [001] "
		"1000.004950: exceptions:page_fault_user: address=0x400000 ip=0x1000 "
		"error_code=0x6\n");
	snprintf(text + len, cap - len, "prog 100/100 [000] 999.000000: "
		 "exceptions:page_fault_user: address=0x400000 ip=0x1000 error_code=0x6\n");
	path = tu_tmpfile(text, ".perf.txt");
	r = tu_cli(NULL, "compare", path, "--json", NULL);
	snprintf(want, sizeof(want), "tlbsim: %s:4102: time 999.000000000 s is before "
		 "the capture's first record's 1000.001000000 s (line 1), further back "
		 "than the reader's reorder window (expected records in time order, as "
		 "perf script prints them)\n", path);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	tu_run_free(&r);
	/* without the last line: read, every time from the first record */
	text[strlen(text) - 1] = '\0';
	strrchr(text, '\n')[1] = '\0';
	unlink(path);
	free(path);
	path = tu_tmpfile(text, ".perf.txt");
	r = tu_cli(NULL, "import", path, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\""));
	assert_null(strstr(r.out, "\"t\": 18446"));
	tu_run_free(&r);
	unlink(path);
	free(path);
	free(text);
}

/* perf script --header prints '#' lines before the records: skipped, the
 * capture reads as without them, its lines numbered as in the file. */
static void test_header_lines(void **state)
{
	static const char header[] =
		"# ========\n# captured on    : Thu Jan  1 00:00:00 2026\n"
		"# cmdline : /usr/bin/perf record -e tlb:tlb_flush\n# ========\n#\n";
	static const char records[] = MALFORMED_PRELUDE;
	static const char fork[] = "wl 100/100 [000] 1.000000300: "
		"sched:sched_process_fork: comm=wl pid=100\n";
	char text[2048], want[512], *plain, *headed;
	struct tu_run a, b;

	(void)state;
	plain = tu_tmpfile(records, ".perf.txt");
	snprintf(text, sizeof(text), "%s%s", header, records);
	headed = tu_tmpfile(text, ".perf.txt");
	a = tu_cli(NULL, "import", plain, NULL);
	b = tu_cli(NULL, "import", headed, NULL);
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	/* past the JSONL header line, which names the file */
	assert_string_equal(strchr(a.out, '\n'), strchr(b.out, '\n'));
	tu_run_free(&a);
	tu_run_free(&b);
	unlink(headed);
	free(headed);
	/* a bad record after the header: its line as the file has it */
	snprintf(text, sizeof(text), "%s%s%s", header, records, fork);
	headed = tu_tmpfile(text, ".perf.txt");
	b = tu_cli(NULL, "compare", headed, NULL);
	snprintf(want, sizeof(want), "tlbsim: %s:9: sched:sched_process_fork: field "
		 "child_pid: expected a task id from 1 to 2147483647, not in the "
		 "record\n", headed);
	assert_int_equal(b.status, 2);
	assert_string_equal(b.err, want);
	tu_run_free(&b);
	unlink(headed);
	free(headed);
	/* nothing after the header */
	headed = tu_tmpfile(header, ".perf.txt");
	b = tu_cli(NULL, "compare", headed, NULL);
	snprintf(want, sizeof(want), "tlbsim: %s: only '#' lines, perf script's "
		 "header (expected records after it: perf script -F comm,tid,pid,cpu,"
		 "time,event,trace)\n", headed);
	assert_int_equal(b.status, 2);
	assert_string_equal(b.err, want);
	tu_run_free(&b);
	unlink(headed);
	free(headed);
	unlink(plain);
	free(plain);
}

/* A CPU that first shows up after the records that size the capture: a
 * clear error, and the capture host's topology gives the size instead. */
static void test_late_cpu(void **state)
{
	size_t cap = 4200 * 120, len = 0;
	char *text = malloc(cap), *path, want[512], topo[600];
	struct tu_run r;

	(void)state;
	for (int i = 0; i < 4100; i++)
		len += (size_t)snprintf(text + len, cap - len, "prog 100/100 [000] "
			"1.%09d: exceptions:page_fault_user: address=0x%x ip=0x1000 "
			"error_code=0x6\n", 1000 + i, 0x400000 + 4096 * (i % 64));
	snprintf(text + len, cap - len, "prog 100/100 [003] 2.000000000: "
		 "exceptions:page_fault_user: address=0x400000 ip=0x1000 error_code=0x6\n");
	path = tu_tmpfile(text, ".perf.txt");
	r = tu_cli(NULL, "compare", path, NULL);
	assert_int_equal(r.status, 2);
	snprintf(want, sizeof(want), "tlbsim: %s:4101: cpu 3 appears after the "
		 "capture's first records, which showed 2 CPUs: give the capture "
		 "host's topology with --topology xml:FILE (traces/capture.sh saves "
		 "it)\n", path);
	assert_string_equal(r.err, want);
	tu_run_free(&r);
	snprintf(topo, sizeof(topo), "xml:%s", tu_src("tests/data/4cpu.topology.xml"));
	r = tu_cli(NULL, "compare", path, "--topology", topo, "--json", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"machine\":{\"cpus\":4,"));
	tu_run_free(&r);
	/* --topology-xml FILE says the same */
	r = tu_cli(NULL, "compare", path, "--topology-xml",
		   tu_src("tests/data/4cpu.topology.xml"), "--json", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"machine\":{\"cpus\":4,"));
	tu_run_free(&r);
	unlink(path);
	free(path);
	free(text);
}

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

/* Thread 101 is woken onto idle cpu 1 by an IPI (sched_ttwu_pending); perf
 * shows no switch to it there, only its own record later. A zap by thread
 * 100 in between reaches cpu 1 (inference wake_ahead); without the wake-up
 * IPI cpu 1 stays idle (lazy) for the model and gets none. */
static long wake_ahead_ipis(bool wakeup, long *inferred)
{
	char text[4096];

	snprintf(text, sizeof(text),
		TWO_THREADS_CPU1_IDLE
		"%s"
		"wl 100/100 [000] 1.000030000: syscalls:sys_enter_madvise: start: 0x7f0000000000, "
		"len_in: 0x00002000, behavior: 0x00000004\n"
		"wl 100/101 [001] 1.000100000: exceptions:page_fault_user: address=0x7f0000001000 "
		"ip=0x1000 error_code=0x4\n",
		wakeup ? "wl 100/100 [000] 1.000020000: csd:csd_queue_cpu: cpu=1 "
			 "callsite=ttwu_queue_wakelist+0x11d func=sched_ttwu_pending csd=0x0\n" : "");
	return validate_ipis(text, "wake_ahead", inferred);
}

static void test_wake_ahead(void **state)
{
	long inferred;

	(void)state;
	assert_int_equal(wake_ahead_ipis(false, &inferred), 0);
	assert_int_equal(inferred, 0);
	assert_int_equal(wake_ahead_ipis(true, &inferred), 1);
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
			 "address=0x400000 ip=0x1000 error_code=0x4\n"
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

static void test_subshell_pages(void **state)
{
	(void)state;
	/* two fork flushes, two tid writes, 200's first write, 300's copy */
	assert_int_equal(subshell_flushes(0x400000), 6);
	assert_int_equal(subshell_flushes(0x401000), 7);
}

/* A process finds its break (brk(0)), grows the heap by 0x21000, writes
 * two pages there and gives the top back (glibc's trim): brk() unmaps
 * it, one local flush. The heap's map comes from brk, not from the
 * faults (no map_before_capture). Without the brk records the faults
 * infer a mapping and nothing is unmapped. */
static long brk_flushes(bool brk, long *inferred)
{
	char text[4096];

	snprintf(text, sizeof(text),
		"%s"
		"wl 100/100 [000] 1.000000300: exceptions:page_fault_user: address=0x5600000000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000400: exceptions:page_fault_user: address=0x5600020000 "
		"ip=0x1000 error_code=0x6\n"
		"%s",
		brk ? "wl 100/100 [000] 1.000000100: syscalls:sys_exit_brk: 0x5600000000\n"
		      "wl 100/100 [000] 1.000000200: syscalls:sys_exit_brk: 0x5600021000\n" : "",
		brk ? "wl 100/100 [000] 1.000000500: syscalls:sys_exit_brk: 0x5600001000\n" : "");
	return tu_validate_counter(text, "local_mm_shootdown", "map_before_capture", inferred);
}

static void test_brk(void **state)
{
	long inferred;

	(void)state;
	assert_int_equal(brk_flushes(true, &inferred), 1);
	assert_int_equal(inferred, 0);
	assert_int_equal(brk_flushes(false, &inferred), 0);
	assert_int_equal(inferred, 1);
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
		cmocka_unit_test(test_perf_captures),
		cmocka_unit_test(test_ftrace_captures),
		cmocka_unit_test(test_predictions_that_hold),
		cmocka_unit_test(test_latency_p50_p90),
		cmocka_unit_test(test_calibrate),
		cmocka_unit_test(test_tracedat),
		cmocka_unit_test(test_import_roundtrip),
		cmocka_unit_test(test_import_all),
		cmocka_unit_test(test_late_cpu),
		cmocka_unit_test(test_malformed_fields),
		cmocka_unit_test(test_time_before_first),
		cmocka_unit_test(test_header_lines),
		cmocka_unit_test(test_lock_wait),
		cmocka_unit_test(test_wake_ahead),
		cmocka_unit_test(test_fork_settid),
		cmocka_unit_test(test_exec_image),
		cmocka_unit_test(test_vfork),
		cmocka_unit_test(test_fork_rseq),
		cmocka_unit_test(test_dev_captures),
		cmocka_unit_test(test_perf_counters_all_1pct),
		cmocka_unit_test(test_by_process),
		cmocka_unit_test(test_diff_lines),
		cmocka_unit_test(test_kernel_write),
		cmocka_unit_test(test_diff_totals),
		cmocka_unit_test(test_subshell_pages),
		cmocka_unit_test(test_brk),
		cmocka_unit_test(test_collapse_thp_again),
		cmocka_unit_test(test_pid_reused),
		cmocka_unit_test(test_fork_reuses_live_pid),
		cmocka_unit_test(test_validate_profile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
