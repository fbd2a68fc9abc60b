/* brk.c - the heap's break: sys_exit_brk where the capture has it, and
 * brk_trim where it does not (the shipped recipe records no brk). */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"
#include "parts.h"

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

#define FAULT(t, addr, err) \
	"wl 100/100 [000] 1.000000" t ": exceptions:page_fault_user: address=" addr \
	" ip=0x1000 error_code=" err "\n"

/* Process 100 (older than the capture) writes two pages of a region no
 * mmap record made (its heap: mapped before the capture, inferred), then
 * @records: the local shootdowns predicted, *@trims the brk_trim
 * inferences. */
static long heap_case(const char *records, long *trims)
{
	char text[4096];

	snprintf(text, sizeof(text),
		FAULT("100", "0x5600000000", "0x6")
		FAULT("200", "0x5600001008", "0x6")
		"%s", records);
	return tu_validate_counter(text, "local_mm_shootdown", "brk_trim", trims);
}

/*
 * A not-present fault on a heap page the process's own fault made present
 * says brk() took it away (glibc's trim), unseen: the unmap from that page
 * up goes out there, one local flush. Not for a write to a present page,
 * nor below mmap_min_addr (a SIGSEGV: no mapping there), nor in a mapping
 * an mmap record made, nor after a recorded munmap or MADV_DONTNEED of
 * the page (its own flush, the page gone), nor after a recorded brk().
 */
static void test_brk_trim(void **state)
{
	static const struct {
		const char *what, *records;
		long local, trims;
	} cases[] = {
		{ "refault", FAULT("300", "0x5600001010", "0x6"), 1, 1 },
		{ "read refault", FAULT("300", "0x5600001010", "0x4"), 1, 1 },
		{ "the lower page too", FAULT("300", "0x5600001010", "0x6")
		  FAULT("400", "0x5600000010", "0x6"), 2, 2 },
		{ "a fresh page", FAULT("300", "0x5600002000", "0x6"), 0, 0 },
		{ "present", FAULT("300", "0x5600001010", "0x7"), 0, 0 },
		{ "page 0, twice", FAULT("300", "0x8", "0x4")
		  FAULT("400", "0x10", "0x4"), 0, 0 },
		{ "an mmap's", "wl 100/100 [000] 1.000000300: syscalls:sys_enter_mmap: "
		  "addr: 0x00000000, len: 0x00002000, prot: 0x00000003, flags: 0x00000022, "
		  "fd: 0xffffffff, off: 0x00000000\n"
		  "wl 100/100 [000] 1.000000310: syscalls:sys_exit_mmap: 0x5700000000\n"
		  FAULT("400", "0x5700000000", "0x6") FAULT("500", "0x5700000010", "0x6"), 0, 0 },
		{ "zapped", "wl 100/100 [000] 1.000000300: syscalls:sys_enter_madvise: "
		  "start: 0x5600001000, len_in: 0x00001000, behavior: 0x00000004\n"
		  FAULT("400", "0x5600001010", "0x6"), 1, 0 },
		{ "unmapped", "wl 100/100 [000] 1.000000300: syscalls:sys_enter_munmap: "
		  "addr: 0x5600001000, len: 0x00001000\n"
		  FAULT("400", "0x5600001010", "0x6"), 1, 0 },
		{ "brk recorded", "wl 100/100 [000] 1.000000300: syscalls:sys_exit_brk: 0x5600002000\n"
		  "wl 100/100 [000] 1.000000310: syscalls:sys_exit_brk: 0x5600001000\n"
		  FAULT("400", "0x5600001010", "0x6"), 1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long trims = -1, local = heap_case(cases[i].records, &trims);

		if (local != cases[i].local || trims != cases[i].trims)
			fail_msg("%s: %ld local shootdowns, %ld brk_trim; expected %ld, %ld",
				 cases[i].what, local, trims, cases[i].local, cases[i].trims);
	}
}

/*
 * Captures without sys_exit_brk (the shipped recipe's event list): an
 * Intel git capture (git log -p: glibc trims the heap of one process 280
 * times, 117 of them over present pages, flushing) and a build (cc1s).
 * Without brk_trim the git capture predicted 1161 remote sends and 3394
 * local shootdowns, the build 474 and 18741; with the records, 1257 and
 * 3544, 482 and 18784 (the kernel's: 1257 and 3550, 482 and 18784).
 */
static void test_recipe_without_brk(void **state)
{
	static const struct {
		const char *path;
		long trims, sends, local;
	} caps[] = {
		{ "traces/perf/intel/git.perf.txt.xz", 99, 1241, 3510 },
		{ "traces/perf/intel/build.perf.txt.xz", 48, 479, 18789 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char *path = tu_capture_without(caps[i].path, "syscalls:sys_exit_brk");
		struct tu_run r = tu_cli(NULL, "validate", path, "--json",
					 "--profile", "kvm-guest-intel", NULL);
		json_error_t e;
		json_t *doc = json_loads(r.out, 0, &e), *v;

		assert_int_equal(r.status, 0);
		assert_non_null(doc);
		v = json_object_get(doc, "validate");
		assert_int_equal(tu_field(v, "inferences", "brk_trim"), caps[i].trims);
		assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), caps[i].sends);
		assert_int_equal(tu_counter(v, "local_mm_shootdown", "predicted"), caps[i].local);
		json_decref(doc);
		tu_run_free(&r);
		unlink(path);
		free(path);
	}
}

/*
 * With the brk records, the heap is brk's mapping, not one inferred from
 * before the capture: a page of it faulted in again (a record lost between
 * the two faults) is no brk_trim, and nothing flushes. When brk's growth
 * was marked inferred, it was one (a local flush).
 */
static void test_brk_grown_not_inferred(void **state)
{
	static const char text[] =
		"wl 100/100 [000] 1.000000100: syscalls:sys_exit_brk: 0x5600000000\n"
		"wl 100/100 [000] 1.000000200: syscalls:sys_exit_brk: 0x5600021000\n"
		"wl 100/100 [000] 1.000000300: exceptions:page_fault_user: address=0x5600000000 "
		"ip=0x1000 error_code=0x6\n"
		"wl 100/100 [000] 1.000000400: exceptions:page_fault_user: address=0x5600000000 "
		"ip=0x1000 error_code=0x6\n";
	long inferred;

	(void)state;
	assert_int_equal(tu_validate_counter(text, "local_mm_shootdown", "brk_trim",
					     &inferred), 0);
	assert_int_equal(inferred, 0);
}

int perf_brk_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brk),
		cmocka_unit_test(test_brk_trim),
		cmocka_unit_test(test_recipe_without_brk),
		cmocka_unit_test(test_brk_grown_not_inferred),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
