/*
 * test_gen.c - bench/gen_perf.c, tlbsim-gen's perf text form: a tiny
 * capture equals its expected file, a larger one has exactly the lines
 * per tracepoint this seed gives, the layout of perf script, pids that
 * only grow, and tlbsim reads every line of it (validate counts the same
 * tracepoints, and exits 0), at 4 and at 4096 CPUs.
 *
 * The generator is found through TLBSIM_GEN (tests/CMakeLists.txt).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

/* tlbsim-gen --format perf with @args: its output (caller frees), or NULL
 * when it did not exit 0. */
static char *gen(const char *args)
{
	char all[256];

	snprintf(all, sizeof(all), "--format perf %s", args);
	return tu_gen(all);
}

static char *to_tmp(const char *text)
{
	char *path = tu_tmpfile(text, ".perf.txt");

	assert_non_null(path);
	return path;
}

struct tp_count {
	const char *name;
	unsigned n;
};

/* Lines of tracepoint @name in @text ("... NAME: "), padded as perf pads it. */
static unsigned count_tp(const char *text, const char *name)
{
	char key[80];

	snprintf(key, sizeof(key), " %s: ", name);
	return tu_count(text, key);
}

static unsigned count_lines(const char *text)
{
	unsigned n = 0;

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

/* The expected file was written by this generator and checked by hand:
 * the mmap/fault/munmap pairs, the fork, the exec and the remote flushes'
 * IPI lines against traces/perf/ captures. A change of the mix or the
 * layout shows here first. */
static void test_tiny_equals_expected(void **state)
{
	char *got = gen("--cpus 2 --mms 2 --events 200 --seed 13");
	char *want = tu_slurp(tu_src("tests/data/gen_perf_seed13.perf.txt"));

	(void)state;
	assert_non_null(got);
	assert_non_null(want);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void test_same_seed_same_bytes(void **state)
{
	char *a = gen("--cpus 8 --events 5000 --seed 99"), *b = gen("--cpus 8 --events 5000 --seed 99");
	char *c = gen("--cpus 8 --events 5000 --seed 101");

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_string_equal(a, b);
	assert_true(strcmp(a, c) != 0);
	free(a);
	free(b);
	free(c);
}

/* 4 CPUs, 20000 lines, seed 1: the counts this seed gives. */
static const struct tp_count seed1[] = {
	{ "exceptions:page_fault_user", 10674 },
	{ "tlb:tlb_flush", 3216 },
	{ "syscalls:sys_exit_mmap", 1131 },
	{ "syscalls:sys_enter_mmap", 1131 },
	{ "sched:sched_switch", 618 },
	{ "syscalls:sys_exit_madvise", 493 },
	{ "syscalls:sys_enter_madvise", 493 },
	{ "syscalls:sys_exit_munmap", 342 },
	{ "syscalls:sys_enter_munmap", 342 },
	{ "syscalls:sys_exit_mprotect", 225 },
	{ "syscalls:sys_enter_mprotect", 225 },
	{ "syscalls:sys_exit_brk", 201 },
	{ "sched:sched_process_fork", 99 },
	{ "irq_vectors:call_function_single_exit", 94 },
	{ "irq_vectors:call_function_single_entry", 94 },
	{ "ipi:ipi_send_cpu", 94 },
	{ "csd:csd_queue_cpu", 94 },
	{ "csd:csd_function_exit", 94 },
	{ "csd:csd_function_entry", 94 },
	{ "syscalls:sys_enter_exit_group", 92 },
	{ "sched:sched_process_exit", 92 },
	{ "sched:sched_process_exec", 39 },
	{ "huge_memory:mm_collapse_huge_page", 24 },
};

/* Every line is perf script's "%16s %5d/%-5d [%03d] %5lu.%06lu: %38s: "
 * then the fields; times never go back; the first line is on the last
 * CPU (the reader counts CPUs in its first records). */
static void check_layout(const char *text, unsigned cpus)
{
	uint64_t last = 0;
	unsigned lineno = 0;

	for (const char *p = text; *p; lineno++) {
		const char *nl = strchr(p, '\n');
		char comm[32], ev[64], again[256];
		int pid, tid, used = 0;
		unsigned cpu;
		uint64_t sec, usec;

		assert_non_null(nl);
		assert_int_equal(sscanf(p, "%31s %d/%d [%u] %" SCNu64 ".%6" SCNu64 ": %63s %n",
					comm, &pid, &tid, &cpu, &sec, &usec, ev, &used), 7);
		ev[strlen(ev) - 1] = '\0';   /* its colon */
		snprintf(again, sizeof(again), "%16s %5d/%-5d [%03u] %5" PRIu64 ".%06" PRIu64
			 ": %38s: ", comm, pid, tid, cpu, sec, usec, ev);
		assert_int_equal((int)strlen(again), used);
		assert_memory_equal(again, p, (size_t)used);
		assert_true(cpu < cpus);
		if (lineno == 0)
			assert_int_equal(cpu, cpus - 1);
		assert_true(sec * 1000000 + usec >= last);
		last = sec * 1000000 + usec;
		p = nl + 1;
	}
}

/* Children's pids as forks give them: from the first after the
 * long-lived tasks' (1200 + 15 for the default 8 processes), by one. */
static void check_pids(const char *text, unsigned forks)
{
	unsigned n = 0;
	long want = 1215;

	for (const char *p = strstr(text, "child_pid="); p; p = strstr(p + 1, "child_pid="), n++)
		assert_int_equal(strtol(p + 10, NULL, 10), want++);
	assert_int_equal(n, forks);
}

/* validate reads the capture (exit 0) and counts the same lines per
 * tracepoint: nothing was refused or skipped. Returns its CPU count. */
static int check_validate(const char *path, const char *text, unsigned nlines)
{
	struct tu_run r = tu_cli(NULL, "validate", path, "--json", NULL);
	json_error_t je;
	json_t *root, *tps, *v;
	const char *name;
	unsigned total = 0;
	int cpus;

	assert_int_equal(r.status, 0);
	root = json_loads(r.out, 0, &je);
	assert_non_null(root);
	tps = json_object_get(json_object_get(root, "validate"), "tracepoints");
	assert_non_null(tps);
	json_object_foreach(tps, name, v) {
		unsigned n = (unsigned)json_integer_value(json_object_get(v, "count"));

		assert_int_equal(n, count_tp(text, name));
		total += n;
	}
	assert_int_equal(total, nlines);
	cpus = (int)json_integer_value(json_object_get(json_object_get(root, "machine"), "cpus"));
	json_decref(root);
	tu_run_free(&r);
	return cpus;
}

static void test_seed1_counts_and_reads_back(void **state)
{
	char *text = gen("--cpus 4 --events 20000 --seed 1"), *path;
	unsigned sum = 0;

	(void)state;
	assert_non_null(text);
	/* the step that reaches 20000 lines is finished: one line more */
	assert_int_equal(count_lines(text), 20001);
	for (size_t i = 0; i < sizeof(seed1) / sizeof(seed1[0]); i++) {
		assert_int_equal(count_tp(text, seed1[i].name), seed1[i].n);
		sum += seed1[i].n;
	}
	assert_int_equal(sum, 20001);   /* no other tracepoint */
	/* every syscall entered returns, every child that exited was forked */
	assert_int_equal(count_tp(text, "syscalls:sys_enter_mmap"),
			 count_tp(text, "syscalls:sys_exit_mmap"));
	assert_true(count_tp(text, "sched:sched_process_exit") <=
		    count_tp(text, "sched:sched_process_fork"));
	check_layout(text, 4);
	check_pids(text, 99);
	path = to_tmp(text);
	assert_int_equal(check_validate(path, text, 20001), 4);
	unlink(path);
	free(path);
	free(text);
}

/* 4096 CPUs: the reader learns them all from the first line's CPU. */
static void test_4096_cpus(void **state)
{
	char *text = gen("--cpus 4096 --events 5000 --seed 3"), *path;
	struct tu_run r;

	(void)state;
	assert_non_null(text);
	check_layout(text, 4096);
	path = to_tmp(text);
	assert_int_equal(check_validate(path, text, count_lines(text)), 4096);
	r = tu_cli(NULL, "compare", path, NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	unlink(path);
	free(path);
	free(text);
}

static void test_bad_format_is_usage(void **state)
{
	(void)state;
	assert_null(gen("--format jsonl"));   /* the last --format wins: refused */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiny_equals_expected),
		cmocka_unit_test(test_same_seed_same_bytes),
		cmocka_unit_test(test_seed1_counts_and_reads_back),
		cmocka_unit_test(test_4096_cpus),
		cmocka_unit_test(test_bad_format_is_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
