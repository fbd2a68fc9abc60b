/* diff.c - test_perf's cases of what validate shows beside the totals:
 * --by-process rows, --diff's flush-by-flush pairing, the send -> remote
 * shootdown latencies, and calibrate. */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "parts.h"

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
		assert_int_equal(tu_field(row, "local_mm_shootdown", "observed"), want[i].local);
		assert_int_equal(tu_field(row, "local_mm_shootdown", "predicted"), want[i].local);
		assert_int_equal(tu_field(row, "remote_send_ipi", "observed"), want[i].send);
		assert_int_equal(tu_field(row, "remote_send_ipi", "predicted"), want[i].send);
		assert_int_equal(tu_field(row, "remote_shootdown", "observed"), want[i].remote);
		assert_int_equal(tu_field(row, "remote_shootdown", "predicted"), want[i].remote);
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
	assert_int_equal(tu_field(json_object_get(v, "counters"), "local_mm_shootdown",
			     "observed"), 3);
	assert_int_equal(tu_field(json_object_get(v, "counters"), "local_mm_shootdown",
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
	assert_int_equal(tu_field(fd, "local_mm_shootdown", "paired"), 1);
	assert_int_equal(tu_field(fd, "local_mm_shootdown", "capture_only"), 1);
	assert_int_equal(tu_field(fd, "local_mm_shootdown", "model_only"), 1);
	assert_int_equal(tu_field(fd, "remote_send_ipi", "paired"), 0);
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
 * local shootdowns, remote sends and flush IPIs; for task switches, the
 * prediction as the capture records it, which leaves out the model's
 * switches in CPU 1's idle task: perf records nothing of it there) and
 * its one-thread replay predicts what the threaded one does. */
static void test_diff_totals(void **state)
{
	static const char *const kinds[] = { "local_mm_shootdown", "remote_send_ipi",
					     "flush_ipis", "task_switch_flush",
					     "task_switch_noflush" };
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
		long paired = tu_field(fd, kinds[i], "paired");

		assert_true(paired > 0);
		assert_int_equal(paired + tu_field(fd, kinds[i], "capture_only"),
				 tu_field(c, kinds[i], "observed"));
		assert_int_equal(paired + tu_field(fd, kinds[i], "model_only"),
				 tu_field(c, kinds[i], i < 3 ? "predicted" :
					  "predicted_in_capture"));
	}
	/* fork_exit: 30 task-switch flushes, 30 predicted as recorded (32
	 * in all), all 30 the same switches (28 while the CPUs' ASID slots
	 * were taken to hold init_mm as at boot: the exit's switch to it
	 * flushed in the kernel, asid_history) */
	assert_int_equal(tu_field(fd, "task_switch_flush", "paired"), 30);
	assert_int_equal(tu_field(c, "task_switch_flush", "predicted"), 32);
	assert_int_equal(tu_field(c, "task_switch_flush", "predicted_in_capture"), 30);
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

int perf_diff_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency_p50_p90),
		cmocka_unit_test(test_calibrate),
		cmocka_unit_test(test_by_process),
		cmocka_unit_test(test_diff_lines),
		cmocka_unit_test(test_kernel_write),
		cmocka_unit_test(test_diff_totals),
	};
	return cmocka_run_group_tests_name("perf_diff_tests", tests, NULL, NULL);
}
