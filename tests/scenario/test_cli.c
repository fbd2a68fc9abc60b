/*
 * test_cli.c - the CLI's behaviours on shipped scenarios: stdin, xz,
 * fifos, binary traces, options, atomic output, help and exit codes;
 * cli/views.c explain, Perfetto and SVG; cli/baseline.c baseline/check.
 */
#include <jansson.h>
#include <math.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "tlbsim/policy.h"

#include "cli/parts.h"

static void test_stdin_same_as_file(void **state)
{
	char *text = tu_slurp(tu_src(UNSHARE));
	struct tu_run a = tu_cli(NULL, "compare", UNSHARE, NULL);
	struct tu_run b = tu_cli(text, "compare", "-", NULL);

	(void)state;
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	/* the same table but for the path in the first line */
	assert_string_equal(strchr(a.out, '\n'), strchr(b.out, '\n'));
	assert_non_null(strstr(a.out, "wake-lazy vs legacy: flush IPIs +1, sync IPIs -2, "
			       "IPIs in all -1, hazards -1\n"));
	free(text);
	tu_run_free(&a);
	tu_run_free(&b);
}

/* convert -> the binary form replays to the same report; import turns it
 * back into the same JSONL events. */
/* Two xz streams one after the other (xz a; xz b) are one file, as xzcat
 * reads them: every event of both, the same report as the plain trace. */
static void test_xz_concatenated(void **state)
{
	struct tu_run a = tu_cli(NULL, "compare", UNSHARE, "--json", NULL);
	struct tu_run b = tu_cli(NULL, "compare", "tests/data/unshare_lazy.concat.jsonl.xz",
				 "--json", NULL);

	(void)state;
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	assert_string_equal(strstr(a.out, "\"machine\""), strstr(b.out, "\"machine\""));
	assert_non_null(strstr(b.out, "\"events\":11"));
	tu_run_free(&a);
	tu_run_free(&b);
}

/* A trace.dat is known by trace-cmd's magic, not by its name: a JSONL
 * trace named *.dat reads as JSONL, and a trace.dat on a pipe (which
 * libtracecmd cannot seek) gets a message that says so. */
static void test_tracedat_by_content(void **state)
{
	char *text = tu_slurp(tu_src(UNSHARE)), *path;
	struct tu_run a, b;

	(void)state;
	assert_non_null(text);
	path = tu_tmpfile(text, ".dat");
	a = tu_cli(NULL, "compare", UNSHARE, "--json", NULL);
	b = tu_cli(NULL, "compare", path, "--json", NULL);
	assert_int_equal(b.status, 0);
	assert_string_equal(strstr(a.out, "\"machine\""), strstr(b.out, "\"machine\""));
	tu_run_free(&a);
	tu_run_free(&b);
	a = tu_cli("\027\010Dtracing6\n", "validate", "-", NULL);
	assert_int_equal(a.status, 2);
	assert_string_equal(a.err, "tlbsim: -: a trace-cmd trace.dat, which libtracecmd "
			    "reads only from a file (save it to one first)\n");
	tu_run_free(&a);
	unlink(path);
	free(path);
	free(text);
}

/* A trace on a pipe (a FIFO, or <(xzcat t) in bash) is read once: the
 * look for trace-cmd's magic once opened it first and took its bytes,
 * and the run then waited for a writer forever. */
static void test_trace_on_fifo(void **state)
{
	char dir[] = "/tmp/tlbsim-fifo-XXXXXX", fifo[64], cmd[512], out[64], *text;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/t.jsonl", dir);
	snprintf(out, sizeof(out), "%s/out.txt", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(cmd, sizeof(cmd), "(cat '%s' > '%s' &); timeout 20 '%s' compare '%s' > '%s'",
		 tu_src(UNSHARE), fifo, getenv("TLBSIM_BIN"), fifo, out);
	assert_int_equal(system(cmd), 0);
	text = tu_slurp(out);
	assert_non_null(text);
	assert_non_null(strstr(text, "(11 events, 3 CPUs, native backend)"));
	free(text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_convert_binary(void **state)
{
	const char *bin = "/tmp/tlbsim-cli-convert.tlbb";
	struct tu_run c, a, b, i, j;

	(void)state;
	unlink(bin);
	c = tu_cli(NULL, "convert", UNSHARE, "-o", bin, NULL);
	assert_int_equal(c.status, 0);
	a = tu_cli(NULL, "compare", UNSHARE, "--json", NULL);
	b = tu_cli(NULL, "compare", bin, "--json", NULL);
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	assert_non_null(strstr(b.out, "\"format\":\"binary\""));
	/* from the machine on, the reports are the same */
	assert_string_equal(strstr(a.out, "\"machine\""), strstr(b.out, "\"machine\""));
	assert_non_null(strstr(b.out, "\"name\":\"legacy\",\"wake\":\"freed\","
			       "\"sync\":\"always\",\"ipis\":{\"flush\":0,\"sync\":2,"));
	i = tu_cli(NULL, "import", UNSHARE, NULL);
	j = tu_cli(NULL, "import", bin, NULL);
	assert_int_equal(j.status, 0);
	assert_string_equal(i.out, j.out);
	/* convert needs somewhere to write */
	tu_run_free(&c);
	c = tu_cli(NULL, "convert", UNSHARE, NULL);
	assert_int_equal(c.status, 2);
	unlink(bin);
	tu_run_free(&a);
	tu_run_free(&b);
	tu_run_free(&c);
	tu_run_free(&i);
	tu_run_free(&j);
}

/* The first line of @path: the binary form's magic. */
static bool starts_with(const char *path, const char *magic)
{
	char line[16] = "";
	FILE *f = fopen(path, "rb");

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return !strcmp(line, magic);
}

/* convert writes form 2 unless told --form 1; both replay alike */
static void test_convert_forms(void **state)
{
	const char *one = "/tmp/tlbsim-cli-form1.tlbb", *two = "/tmp/tlbsim-cli-form2.tlbb";
	struct tu_run c, d, a, b;

	(void)state;
	c = tu_cli(NULL, "convert", UNSHARE, "-o", two, NULL);
	d = tu_cli(NULL, "convert", UNSHARE, "--form", "1", "-o", one, NULL);
	assert_int_equal(c.status, 0);
	assert_int_equal(d.status, 0);
	assert_true(starts_with(two, "\x89TLBSIMC\n"));
	assert_true(starts_with(one, "\x89TLBSIMB\n"));
	a = tu_cli(NULL, "import", one, NULL);
	b = tu_cli(NULL, "import", two, NULL);
	assert_int_equal(b.status, 0);
	assert_string_equal(a.out, b.out);
	tu_run_free(&c);
	c = tu_cli(NULL, "convert", UNSHARE, "--form", "3", "-o", one, NULL);
	assert_int_equal(c.status, 2);
	assert_string_equal(c.err, "tlbsim convert: --form is 1 or 2, not '3' "
			    "(see tlbsim convert --help)\n");
	unlink(one);
	unlink(two);
	tu_run_free(&a);
	tu_run_free(&b);
	tu_run_free(&c);
	tu_run_free(&d);
}

/*
 * Quiet CPUs (no trace event names them) take a broadcast's IPIs by
 * computation, not queue events; narrated runs (--perfetto) model each IPI.
 * collapse_sync on 16 CPUs: legacy's table sync reaches the 15 others, 13
 * of them quiet; both ways give the same report.
 */
static void test_quiet_cpus(void **state)
{
	char *text = tu_slurp(tu_src("traces/scenarios/collapse_sync.jsonl"));
	char *p = strstr(text, "\"cpus\": 3"), *path;
	struct tu_run a, b;

	(void)state;
	assert_non_null(p);
	memcpy(p, "\"cpus\":16", 9);   /* same length as "cpus": 3 */
	path = tu_tmpfile(text, ".jsonl");
	a = tu_cli(NULL, "compare", path, "--json", NULL);
	b = tu_cli(NULL, "compare", path, "--json", "--perfetto", "/tmp/tlbsim-quiet.pftrace", NULL);
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	assert_non_null(strstr(a.out, "\"name\":\"legacy\",\"wake\":\"freed\","
			       "\"sync\":\"always\",\"ipis\":{\"flush\":2,\"sync\":15,"));
	assert_string_equal(a.out, b.out);
	unlink("/tmp/tlbsim-quiet.pftrace");
	unlink(path);
	free(path);
	free(text);
	tu_run_free(&a);
	tu_run_free(&b);
}

/* --pcid off: every switch to another mm flushes; the report says so. */
static void test_pcid_option(void **state)
{
	struct tu_run a = tu_cli(NULL, "run", UNSHARE, "--json", NULL);
	struct tu_run b = tu_cli(NULL, "run", UNSHARE, "--json", "--pcid", "off", NULL);
	struct tu_run c = tu_cli(NULL, "run", UNSHARE, "--pcid", "maybe", NULL);

	(void)state;
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	assert_non_null(strstr(a.out, "\"backend\":\"native\",\"pcid\":true}"));
	assert_non_null(strstr(b.out, "\"backend\":\"native\",\"pcid\":false}"));
	assert_int_equal(c.status, 2);
	assert_string_equal(c.err, "tlbsim run: --pcid takes on or off (got 'maybe')\n");
	tu_run_free(&a);
	tu_run_free(&b);
	tu_run_free(&c);
}

/* host -o writes this machine's hwloc XML: as many PUs as host counts. */
static void test_host_xml(void **state)
{
	const char *xml = "/tmp/tlbsim-host-topology.xml";
	struct tu_run r;
	char *text, *p;
	int pus = 0, cpus;

	(void)state;
	unlink(xml);
	r = tu_cli(NULL, "host", "--json", "-o", xml, NULL);
	assert_int_equal(r.status, 0);
	p = strstr(r.out, "\"cpus\": ");
	assert_non_null(p);
	cpus = atoi(p + 8);
	text = tu_slurp(xml);
	assert_non_null(text);
	for (p = text; (p = strstr(p, "type=\"PU\"")); p++)
		pus++;
	assert_true(cpus > 0);
	assert_int_equal(pus, cpus);
	free(text);
	unlink(xml);
	tu_run_free(&r);
}

static void test_output_atomic(void **state)
{
	struct tu_run r;
	char *json;

	(void)state;
	unlink("/tmp/tlbsim-cli-report.json");
	r = tu_cli(NULL, "run", UNSHARE, "--json", "-o", "/tmp/tlbsim-cli-report.json", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	json = tu_slurp("/tmp/tlbsim-cli-report.json");
	assert_non_null(json);
	assert_non_null(strstr(json, "\"name\":\"legacy\""));
	free(json);
	tu_run_free(&r);
	r = tu_cli(NULL, "run", UNSHARE, "-o", "/nonexistent-dir/report.txt", NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "/nonexistent-dir/report.txt: cannot create"));
	tu_run_free(&r);
	/* the report cannot be created: no timeline is written either */
	unlink("/tmp/tlbsim-cli-side.svg");
	unlink("/tmp/tlbsim-cli-side.json");
	r = tu_cli(NULL, "compare", UNSHARE, "--svg", "/tmp/tlbsim-cli-side.svg", "--perfetto",
		   "/tmp/tlbsim-cli-side.json", "-o", "/nonexistent-dir/report.txt", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim: /nonexistent-dir/report.txt: cannot create: "
			    "No such file or directory\n");
	assert_int_equal(access("/tmp/tlbsim-cli-side.svg", F_OK), -1);
	assert_int_equal(access("/tmp/tlbsim-cli-side.json", F_OK), -1);
	tu_run_free(&r);
	r = tu_cli(NULL, "compare", UNSHARE, "--perfetto", "/tmp/tlbsim-cli-side.json",
		   "--svg", "/nonexistent-dir/x.svg", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_int_equal(access("/tmp/tlbsim-cli-side.json", F_OK), -1);
	tu_run_free(&r);
	unlink("/tmp/tlbsim-cli-report.json");
}

/* A device is written in place: a temporary file renamed over /dev/null
 * would make it a regular file (as root it did, for every later user). */
static void test_output_device(void **state)
{
	struct tu_run r;
	struct stat st;

	(void)state;
	r = tu_cli(NULL, "compare", UNSHARE, "-o", "/dev/null", "--svg", "/dev/null",
		   "--perfetto", "/dev/null", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	tu_run_free(&r);
}

/* An output that is the trace itself, or another output, is refused before
 * anything is read or written: the trace stays as it was. */
static void test_output_is_input(void **state)
{
	char *text = tu_slurp(tu_src(UNSHARE)), *path, *after;
	struct tu_run r;

	(void)state;
	assert_non_null(text);
	path = tu_tmpfile(text, ".jsonl");
	r = tu_cli(NULL, "compare", path, "-o", path, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "is also an input (it would be replaced)"));
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);   /* one line */
	after = tu_slurp(path);
	assert_string_equal(after, text);
	tu_run_free(&r);
	r = tu_cli(NULL, "compare", UNSHARE, "-o", "/tmp/tlbsim-twice.json", "--svg",
		   "/tmp/tlbsim-twice.json", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim compare: -o and --svg name the same file "
			    "/tmp/tlbsim-twice.json\n");
	assert_int_equal(access("/tmp/tlbsim-twice.json", F_OK), -1);
	tu_run_free(&r);
	unlink(path);
	free(path);
	free(after);
	free(text);
}

static void test_help_and_errors(void **state)
{
	struct tu_run r;

	(void)state;
	r = tu_cli(NULL, "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: tlbsim <command>"));
	tu_run_free(&r);
	r = tu_cli(NULL, "compare", "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: tlbsim compare TRACE"));
	tu_run_free(&r);
	r = tu_cli(NULL, "--version", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "tlbsim 0.1.0\n");
	tu_run_free(&r);
	r = tu_cli(NULL, "compare", UNSHARE, "--frobnicate", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim compare: unknown option '--frobnicate' "
			    "(see tlbsim compare --help)\n");
	tu_run_free(&r);
	r = tu_cli(NULL, "compare", UNSHARE, "--policy", "wake=sometimes", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim: unknown policy \"wake=sometimes\" (expected "
			    "legacy, wake-lazy or wake=freed|freed+unshared,"
			    "sync=always|native|never)\n");
	tu_run_free(&r);
	r = tu_cli(NULL, "frob", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim: unknown command 'frob' (see tlbsim --help)\n");
	tu_run_free(&r);
	/* usage errors: one line each, not the whole help */
	r = tu_cli(NULL, "convert", UNSHARE, NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim convert: needs -o FILE.tlbb, or -o - for stdout "
			    "(see tlbsim convert --help)\n");
	tu_run_free(&r);
	r = tu_cli(NULL, "import", UNSHARE, UNSHARE, NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim import: takes one TRACE (got 2) "
			    "(see tlbsim import --help)\n");
	tu_run_free(&r);
	r = tu_cli(NULL, "run", UNSHARE, "--policy", "legacy", "--policy", "wake-lazy", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim run: takes one --policy (compare takes several) "
			    "(see tlbsim run --help)\n");
	tu_run_free(&r);
	r = tu_cli(NULL, "validate", UNSHARE, NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim: " UNSHARE ": no observed events: validate "
			    "compares the model with a capture (perf text, trace.dat, or "
			    "their import)\n");
	tu_run_free(&r);
	r = tu_cli(NULL, "compare", UNSHARE, "--profile", "/nonexistent.json", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim: /nonexistent.json: unable to open "
			    "/nonexistent.json: No such file or directory\n");
	tu_run_free(&r);
	r = tu_cli(NULL, "compare", "traces", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "tlbsim: traces: is a directory (expected a trace "
			    "file)\n");
	tu_run_free(&r);
}

/* One worker thread running both policies or one each (src/cli/fanout.c
 * picks by the CPUs there are): the same report, byte for byte. */
static void test_workers_same_report(void **state)
{
	struct tu_run one, two;

	(void)state;
	setenv("TLBSIM_WORKERS", "1", 1);
	one = tu_cli(NULL, "compare", "traces/perf/tlb_flush3.perf.txt.xz", "--json", NULL);
	setenv("TLBSIM_WORKERS", "2", 1);
	two = tu_cli(NULL, "compare", "traces/perf/tlb_flush3.perf.txt.xz", "--json", NULL);
	unsetenv("TLBSIM_WORKERS");
	assert_int_equal(one.status, 0);
	assert_int_equal(two.status, 0);
	assert_non_null(strstr(one.out, "{\"name\":\"wake-lazy\","));
	assert_string_equal(one.out, two.out);
	tu_run_free(&one);
	tu_run_free(&two);
}

static void test_host_json(void **state)
{
	struct tu_run r = tu_cli(NULL, "host", "--json", NULL);
	json_error_t e;
	json_t *doc;

	(void)state;
	assert_int_equal(r.status, 0);
	doc = json_loads(r.out, 0, &e);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "tlbsim_host")), 1);
	assert_true(json_is_boolean(json_object_get(doc, "pcid")));
	assert_true(json_is_boolean(json_object_get(doc, "invlpgb")));
	assert_true(json_integer_value(json_object_get(doc, "cpus")) >= 1);
	/* the kernel's side: a backend tlbsim knows, or null (log unread) */
	assert_true(json_is_null(json_object_get(doc, "flush_backend")) ||
		    tlbsim_backend_find(json_string_value(json_object_get(doc,
					"flush_backend"))));
	assert_true(json_is_boolean(json_object_get(doc, "zero_page")));
	json_decref(doc);
	tu_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdin_same_as_file),
		cmocka_unit_test(test_convert_binary),
		cmocka_unit_test(test_convert_forms),
		cmocka_unit_test(test_quiet_cpus),
		cmocka_unit_test(test_pcid_option),
		cmocka_unit_test(test_host_xml),
		cmocka_unit_test(test_output_atomic),
		cmocka_unit_test(test_xz_concatenated),
		cmocka_unit_test(test_tracedat_by_content),
		cmocka_unit_test(test_trace_on_fifo),
		cmocka_unit_test(test_output_device),
		cmocka_unit_test(test_output_is_input),
		cmocka_unit_test(test_help_and_errors),
		cmocka_unit_test(test_host_json),
		cmocka_unit_test(test_workers_same_report),
	};
	int failed = cmocka_run_group_tests_name("cli_io_tests", tests, NULL, NULL);

	failed += cli_view_tests();
	failed += cli_baseline_tests();
	return failed;
}
