/*
 * test_perf_text.c - perf script text the reader must refuse or accept as it
 * comes: malformed fields (one clear line, exit 2), records before the
 * first one's time, header lines, a CPU first seen late. Real captures:
 * test_perf.c.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

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
	assert_non_null(strstr(r.out, "{\"t\": 0, \"cpu\": 0, \"ev\": \"running_before\""));
	assert_null(strstr(r.out, "\"t\": 18446"));
	tu_run_free(&r);
	unlink(path);
	free(path);
	free(text);
}

/* A record behind events already replayed, but after the first record
 * (perf's "out of order events": 20000 faults 100 us apart, then one
 * 1.5 s back) is counted (late_record) and taken at the replay's time:
 * import writes a native trace whose time never goes back, which reads
 * back. It was written with its own time, which the JSONL reader refuses. */
static void test_time_behind_replay(void **state)
{
	size_t cap = 20002 * 120, len = 0;
	char *text = malloc(cap), *path, *out, *line;
	uint64_t prev = 0, t, late = 0, before = 0;
	struct tu_run r;
	json_t *doc;

	(void)state;
	for (int i = 0; i < 20000; i++)
		len += (size_t)snprintf(text + len, cap - len, "prog 100/100 [000] "
			"%d.%06d: exceptions:page_fault_user: address=0x%x ip=0x1000 "
			"error_code=0x6\n", 1000 + i / 10000, (i % 10000) * 100,
			0x400000 + 4096 * (i % 64));
	snprintf(text + len, cap - len, "prog 100/100 [000] 1000.500000: "
		 "exceptions:page_fault_user: address=0x900000 ip=0x1000 error_code=0x6\n");
	path = tu_tmpfile(text, ".perf.txt");
	out = malloc(strlen(path) + 8);
	sprintf(out, "%s.jsonl", path);
	r = tu_cli(NULL, "import", path, "-o", out, NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	line = tu_slurp(out);
	assert_non_null(line);
	for (char *q = strstr(line, "\"t\": "); q; q = strstr(q + 1, "\"t\": ")) {
		t = strtoull(q + 5, NULL, 10);
		assert_true(t >= prev);
		if (strstr(q, "0x900000") && strchr(q, '\n') > strstr(q, "0x900000")) {
			late = t;
			before = prev;
		}
		prev = t;
	}
	/* the late fault (its map first), at the time of the event before:
	 * where the replay was when the reader let it go, past 1.5 s */
	assert_true(late > 1500000000ULL);
	assert_int_equal(late, before);
	free(line);
	r = tu_cli(NULL, "compare", out, "--json", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	doc = tu_validate(path);
	assert_int_equal(tu_field(json_object_get(doc, "validate"), "inferences",
				  "late_record"), 1);
	json_decref(doc);
	unlink(out);
	unlink(path);
	free(out);
	free(path);
	free(text);
}

/* perf script --header prints '#' lines before the records: skipped, the
 * capture reads as without them, its lines numbered as in the file; so
 * does a header whose recorded command line holds newlines. */
static void test_header_lines(void **state)
{
	static const char header[] =
		"# ========\n# captured on    : Thu Jan  1 00:00:00 2026\n"
		"# cmdline : /usr/bin/perf record -e tlb:tlb_flush\n# ========\n#\n";
	static const char multi[] =
		"# ========\n# captured on    : Thu Jan  1 00:00:00 2026\n"
		"# cmdline : /usr/bin/perf record -e tlb:tlb_flush -a -- python3 "
		"-c import os\nfor i in range(3):\n    os.fork()\n"
		"# event : name = tlb:tlb_flush, , id = { 1 }\n# ========\n#\n";
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
	tu_run_free(&b);
	unlink(headed);
	free(headed);
	/* a recorded command line with newlines in an argument continues
	 * "# cmdline :" on lines with no '#', up to the closing banner */
	snprintf(text, sizeof(text), "%s%s", multi, records);
	headed = tu_tmpfile(text, ".perf.txt");
	b = tu_cli(NULL, "import", headed, NULL);
	assert_int_equal(b.status, 0);
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

/* The machine of a validate report on @path, with @extra options. */
static json_t *machine_of(const char *path, const char *extra, struct tu_run *r)
{
	json_error_t e;
	json_t *doc;

	*r = tu_cli(NULL, "validate", path, "--json", extra, NULL);
	assert_int_equal(r->status, 0);
	doc = json_loads(r->out, 0, &e);
	assert_non_null(doc);
	return doc;
}

/*
 * traces/capture.sh saves NAME.host.json and NAME.topology.xml beside
 * NAME.perf.txt.xz: validate (and compare) take the profile, PCID and
 * topology they state when the command line says none, and say so on
 * stderr (import the PCID, which its header carries); --profile wins; a
 * host file that does not parse is named and left alone, and so is each
 * field of it that is not what tlbsim host writes.
 */
static void test_beside_files(void **state)
{
	char *path = tu_tmpfile("wl 100/100 [000] 1.000000100: exceptions:page_fault_user: "
				"address=0x400000 ip=0x1000 error_code=0x6\n", ".perf.txt");
	char stem[256], host[300], topo[300], want[1100];
	struct tu_run r;
	json_t *doc, *m;
	FILE *f;

	(void)state;
	snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(path) - strlen(".perf.txt")), path);
	snprintf(host, sizeof(host), "%s.host.json", stem);
	snprintf(topo, sizeof(topo), "%s.topology.xml", stem);
	f = fopen(host, "w");
	fputs("{\"tlbsim_host\": 1, \"pcid\": false, \"suggested_profile\": "
	      "\"kvm-guest-intel\"}\n", f);
	fclose(f);
	assert_int_equal(symlink(tu_src("tests/data/4cpu.topology.xml"), topo), 0);

	doc = machine_of(path, "--diff", &r);
	m = json_object_get(doc, "machine");
	assert_string_equal(json_string_value(json_object_get(m, "profile")), "kvm-guest-intel");
	assert_true(json_is_false(json_object_get(m, "pcid")));
	assert_int_equal(json_integer_value(json_object_get(m, "cpus")), 4);
	snprintf(want, sizeof(want), "tlbsim validate: --profile kvm-guest-intel from %s\n"
		 "tlbsim validate: --pcid off from %s\n"
		 "tlbsim validate: --topology xml:%s\n", host, host, topo);
	assert_string_equal(r.err, want);
	json_decref(doc);
	tu_run_free(&r);

	/* import writes what the host had: its header says "pcid": false */
	r = tu_cli(NULL, "import", path, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"clock\": \"ns\", \"pcid\": false, "));
	snprintf(want, sizeof(want), "tlbsim import: --pcid off from %s\n", host);
	assert_string_equal(r.err, want);
	tu_run_free(&r);

	doc = machine_of(path, "--profile=generic", &r);
	m = json_object_get(doc, "machine");
	assert_string_equal(json_string_value(json_object_get(m, "profile")), "generic");
	json_decref(doc);
	tu_run_free(&r);

	f = fopen(host, "w");
	fputs("not json\n", f);
	fclose(f);
	unlink(topo);
	doc = machine_of(path, "--diff", &r);
	m = json_object_get(doc, "machine");
	assert_string_equal(json_string_value(json_object_get(m, "profile")), "kvm-guest");
	assert_non_null(strstr(r.err, "beside the capture is not `tlbsim host --json` output"));
	json_decref(doc);
	tu_run_free(&r);

	/* a field that is there but not what tlbsim host writes: each said,
	 * none used (the kvm backend, PCID on: validate's defaults) */
	f = fopen(host, "w");
	fputs("{\"tlbsim_host\": 1, \"flush_backend\": \"banana\", \"pcid\": \"no\"}\n", f);
	fclose(f);
	doc = machine_of(path, "--diff", &r);
	m = json_object_get(doc, "machine");
	assert_true(json_is_true(json_object_get(m, "pcid")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc,
			    "validate"), "backend")), "kvm");
	snprintf(want, sizeof(want), "tlbsim validate: %s: \"pcid\" is not true or "
		 "false: not used\ntlbsim validate: %s: \"flush_backend\" is not a "
		 "backend tlbsim models (native, kvm, hyperv, xen, invlpgb or pvm): "
		 "not used\n", host, host);
	assert_string_equal(r.err, want);
	json_decref(doc);
	tu_run_free(&r);
	unlink(host);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_fields),
		cmocka_unit_test(test_time_before_first),
		cmocka_unit_test(test_time_behind_replay),
		cmocka_unit_test(test_header_lines),
		cmocka_unit_test(test_late_cpu),
		cmocka_unit_test(test_beside_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
