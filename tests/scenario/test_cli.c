/*
 * test_cli.c - the CLI's behaviours on shipped scenarios: stdin, atomic
 * output, explain's decisions, Perfetto and SVG structure, baseline/check
 * with a regression, help and exit codes.
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

#define UNSHARE "traces/scenarios/unshare_lazy.jsonl"

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

/* A CPU that ran the mm before the trace: explain says what it sets and
 * what clears it, and the zap's flush considers that CPU (a remote send)
 * but sends it nothing (it has init_mm loaded). */
static void test_explain_ran_before(void **state)
{
	char *path = tu_tmpfile("{\"tlbsim\": 1, \"cpus\": 2}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 0, \"cpu\": 1, \"ev\": \"ran_before\", \"mm\": 1}\n"
		"{\"t\": 10, \"cpu\": 0, \"ev\": \"map\", \"mm\": 1, \"addr\": \"0x400000\", \"len\": 65536}\n"
		"{\"t\": 20, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x400000\"}\n"
		"{\"t\": 30000, \"cpu\": 0, \"ev\": \"zap\", \"mm\": 1, \"addr\": \"0x400000\", \"len\": 4096}\n",
		".jsonl");
	struct tu_run r = tu_cli(NULL, "explain", path, "--policy", "legacy", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[2] t=0 cpu 1: ran_before mm 1\n"
			       "    t=0        mm_cpumask(): cpu 1 ran mm 1 before the trace: "
			       "its bit in mm_cpumask stays set"));
	assert_non_null(strstr(r.out, "other CPUs are in mm_cpumask: flush_tlb_multi()"));
	assert_null(strstr(r.out, "IPI cpu 0 -> cpu 1"));
	tu_run_free(&r);
	unlink(path);
	free(path);
}

/* A CPU lazy on the mm before the trace: explain says so, the CPU table
 * shows it holding mm 1 lazily, and the munmap that frees tables IPIs it
 * and it leaves for init_mm without flushing. */
static void test_explain_lazy_before(void **state)
{
	char *path = tu_tmpfile("{\"tlbsim\": 1, \"cpus\": 2}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 0, \"cpu\": 1, \"ev\": \"lazy_before\", \"mm\": 1}\n"
		"{\"t\": 10, \"cpu\": 0, \"ev\": \"map\", \"mm\": 1, \"addr\": \"0x400000\", \"len\": 65536}\n"
		"{\"t\": 20, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x400000\"}\n"
		"{\"t\": 30000, \"cpu\": 0, \"ev\": \"unmap\", \"mm\": 1, \"addr\": \"0x400000\", \"len\": 65536}\n",
		".jsonl");
	struct tu_run r = tu_cli(NULL, "explain", path, "--policy", "legacy", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[2] t=0 cpu 1: lazy_before mm 1\n"
			       "    t=0        enter_lazy_tlb(): cpu 1 was lazy on mm 1 "
			       "before the trace: mm 1 stays loaded"));
	assert_non_null(strstr(r.out, "    1    mm 1      yes   1     0/0             on\n"));
	assert_non_null(strstr(r.out, "IPI cpu 0 -> cpu 1 (flush_tlb_func), target lazy\n"));
	assert_non_null(strstr(r.out, "flush_tlb_func(): cpu 1 is lazy on mm 1: it "
			       "switches to init_mm instead of flushing\n"));
	assert_non_null(strstr(r.out, "to lazy CPUs 1, hazards 0"));
	tu_run_free(&r);
	unlink(path);
	free(path);
}

/* The lesson's key decisions, word for word. */
static void test_explain_unshare(void **state)
{
	struct tu_run r = tu_cli(NULL, "explain", UNSHARE, NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[10] t=10000 cpu 0: unshare mm 1 at 0x40000000\n"
			       "  >> the policies part ways here\n  legacy:\n"));
	assert_non_null(strstr(r.out, "tlb_flush(): freed_tables=0 unshared_tables=1 -> "
			       "wake_lazy_cpus=false (policy wake=freed)\n"));
	assert_non_null(strstr(r.out, "should_flush_tlb(): cpu 1 is lazy and "
			       "wake_lazy_cpus is false: should_flush_tlb() skips it; it "
			       "will flush when it next switches to mm 1 because its "
			       "tlb_gen 0 < 1\n"));
	assert_non_null(strstr(r.out, "tlb_flush(): freed_tables=0 unshared_tables=1 -> "
			       "wake_lazy_cpus=true (policy wake=freed+unshared)\n"));
	assert_non_null(strstr(r.out, "flush_tlb_func(): cpu 1 is lazy on mm 1: it "
			       "switches to init_mm instead of flushing\n"));
	assert_non_null(strstr(r.out, "tlb_remove_table_sync_one(): sync=native on "
			       "the native backend: the broadcast IPI is skipped\n"));
	assert_non_null(strstr(r.out, "HAZARD stale_psc: t=10000 cpu 0: unshare of mm 1 "
			       "cleared its PUD entry to the shared PMD table"));
	assert_non_null(strstr(r.out, "switch_mm_irqs_off(): cpu 1 returns from lazy "
			       "mode to mm 1: its tlb_gen 0 < mm tlb_gen 1, so it flushes "
			       "now (CR3 write with flush)\n"));
	assert_non_null(strstr(r.out, "11 events; the policies part ways at 2 of them.\n"));
	tu_run_free(&r);
	/* freed_lazy: unmapping the only 2 MiB frees its PTE, PMD and PUD tables */
	r = tu_cli(NULL, "explain", "traces/scenarios/freed_lazy.jsonl", "--policy", "legacy", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "tlb_finish_mmu(): the mmu_gather collected [0x0, "
			       "0x201000) at stride 2^12 and 3 page-table page(s) unlinked\n"));
	tu_run_free(&r);
}

static json_t *events_of(json_t *doc, int pid, const char *ph)
{
	json_t *out = json_array(), *ev;
	size_t i;

	json_array_foreach(json_object_get(doc, "traceEvents"), i, ev)
		if (json_integer_value(json_object_get(ev, "pid")) == pid &&
		    !strcmp(json_string_value(json_object_get(ev, "ph")), ph))
			json_array_append(out, ev);
	return out;
}

/* One process per policy, a named track per CPU, one flow per IPI, the
 * hazard as an instant in legacy only. */
static void test_perfetto(void **state)
{
	const char *path = "/tmp/tlbsim-cli.perfetto.json";
	struct tu_run r = tu_cli(NULL, "compare", UNSHARE, "--perfetto", path, NULL);
	json_error_t e;
	json_t *doc, *m, *s, *f, *i;

	(void)state;
	assert_int_equal(r.status, 0);
	doc = json_load_file(path, 0, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "displayTimeUnit")), "ns");
	for (int pid = 1; pid <= 2; pid++) {
		m = events_of(doc, pid, "M");
		/* process name + 2 tracks for each of 3 CPUs */
		assert_int_equal(json_array_size(m), 7);
		assert_string_equal(json_string_value(json_object_get(json_object_get(
			json_array_get(m, 0), "args"), "name")), pid == 1 ? "legacy" : "wake-lazy");
		s = events_of(doc, pid, "s");
		f = events_of(doc, pid, "f");
		i = events_of(doc, pid, "i");
		/* legacy: 2 sync IPIs; wake-lazy: 1 flush IPI */
		assert_int_equal(json_array_size(s), pid == 1 ? 2 : 1);
		assert_int_equal(json_array_size(f), json_array_size(s));
		assert_int_equal(json_array_size(i), pid == 1 ? 1 : 0);
		json_decref(m);
		json_decref(s);
		json_decref(f);
		json_decref(i);
	}
	json_decref(doc);
	unlink(path);
	tu_run_free(&r);
}

/* Under kvm-guest each vCPU an IPI is on its way to is held for the
 * profile's ipi_target_stall, 15000 cycles at 2.5 GHz: 6 us, a "vCPU held"
 * slice on its window track (tid 10000 + cpu), one per IPI: cpu 1 for cpu
 * 0's, cpu 0 for cpu 1's, in each policy (scenario concurrent_flush_kvm). */
static void test_perfetto_stall(void **state)
{
	const char *path = "/tmp/tlbsim-cli.stall.json";
	struct tu_run r = tu_cli(NULL, "compare", "traces/scenarios/concurrent_flush_kvm.jsonl",
				 "--profile", "kvm-guest", "--perfetto", path, NULL);
	json_error_t e;
	json_t *doc, *x, *ev;
	size_t i;

	(void)state;
	assert_int_equal(r.status, 0);
	doc = json_load_file(path, 0, &e);
	assert_non_null(doc);
	for (int pid = 1; pid <= 2; pid++) {
		int held[2] = { 0, 0 };

		x = events_of(doc, pid, "X");
		json_array_foreach(x, i, ev) {
			const char *name = json_string_value(json_object_get(ev, "name"));
			long tid = (long)json_integer_value(json_object_get(ev, "tid"));

			if (!name || strcmp(name, "vCPU held"))
				continue;
			assert_true(tid == 10000 || tid == 10001);
			assert_true(fabs(json_number_value(json_object_get(ev, "dur")) - 6.0) < 1e-9);
			held[tid - 10000]++;
		}
		assert_int_equal(held[0], 1);
		assert_int_equal(held[1], 1);
		json_decref(x);
	}
	json_decref(doc);
	unlink(path);
	tu_run_free(&r);
}

static int xpath_count(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;
	int n;

	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
	o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	n = o && o->nodesetval ? o->nodesetval->nodeNr : -1;
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return n;
}

/* The SVG parses as XML, one lane per CPU per policy, one arrow per IPI. */
static void test_svg(void **state)
{
	const char *path = "/tmp/tlbsim-cli.svg";
	struct tu_run r = tu_cli(NULL, "compare", UNSHARE, "--svg", path, NULL);
	xmlDocPtr doc;

	(void)state;
	assert_int_equal(r.status, 0);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	assert_int_equal(xpath_count(doc, "//s:g[@class='panel']"), 2);
	assert_int_equal(xpath_count(doc, "//s:g[@class='panel'][1]/s:g[@class='lane']"), 3);
	assert_int_equal(xpath_count(doc, "//s:g[@class='panel'][2]/s:g[@class='lane']"), 3);
	assert_int_equal(xpath_count(doc, "//s:g[@data-policy='legacy']/s:line[@class='ipi sync']"), 2);
	assert_int_equal(xpath_count(doc, "//s:g[@data-policy='wake-lazy']/s:line[@class='ipi flush']"), 1);
	assert_int_equal(xpath_count(doc, "//s:line[starts-with(@class,'ipi')]"), 3);
	assert_int_equal(xpath_count(doc, "//s:g[@data-policy='legacy']/s:g[@class='hazard']"), 1);
	assert_int_equal(xpath_count(doc, "//s:g[@class='legend']"), 1);
	assert_int_equal(xpath_count(doc, "//s:text[@class='truncated']"), 0);
	xmlFreeDoc(doc);
	unlink(path);
	tu_run_free(&r);
}

/* As many traces as a shell glob expands to: 300 copies of a scenario,
 * one baseline entry each (there was a limit of 256). */
static void test_many_traces(void **state)
{
	char dir[] = "/tmp/tlbsim-many-XXXXXX", cmd[512], path[128];
	char *text = tu_slurp(tu_src(UNSHARE)), *json;
	const char *p;
	int n = 0;

	(void)state;
	assert_non_null(text);
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 300; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/t%03d.jsonl", dir, i);
		assert_non_null(f = fopen(path, "w"));
		fputs(text, f);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "'%s' baseline %s/*.jsonl -o %s/b.json",
		 getenv("TLBSIM_BIN"), dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/b.json", dir);
	json = tu_slurp(path);
	assert_non_null(json);
	for (p = json; (p = strstr(p, "\"path\"")); p++)
		n++;
	assert_int_equal(n, 300);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(json);
	free(text);
}

/* A malformed baseline is an input error: exit 2, its one line on
 * stderr, nothing run (a negative counter once read as 2^64-5: rc 1). */
static void test_check_bad_baseline(void **state)
{
	char *path = tu_tmpfile("{\"tlbsim_baseline\": 1, \"traces\": [{\"path\": "
				"\"" UNSHARE "\", \"sha256\": \"ab\", \"policies\": "
				"[{\"name\": \"legacy\", \"counters\": {\"ipis.flush\": "
				"-5}}]}]}\n", ".json"), want[512];
	struct tu_run r = tu_cli(NULL, "check", "--baseline", path, UNSHARE, NULL);

	(void)state;
	snprintf(want, sizeof(want), "tlbsim: %s: traces[0] (\"" UNSHARE "\"): "
		 "policies[0] (\"legacy\"): counter \"ipis.flush\" is -5 (expected "
		 "a count, an integer from 0)\n", path);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	tu_run_free(&r);
	unlink(path);
	free(path);
}

/*
 * A baseline passes against itself; a changed model constant (here the
 * IPI latency of the cost profile, which moves the cycle counters) makes
 * check fail with rows naming trace, policy, counter, old, new and delta.
 */
static void test_baseline_check(void **state)
{
	const char *base = "/tmp/tlbsim-cli-baseline.json", *junit = "/tmp/tlbsim-cli.xml";
	char *prof = tu_slurp(tu_src("profiles/generic.json")), *p, *path, *x;
	struct tu_run r;

	(void)state;
	r = tu_cli(NULL, "baseline", UNSHARE, "traces/scenarios/collapse_sync.jsonl",
		   "-o", base, NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	r = tu_cli(NULL, "check", "--baseline", base, UNSHARE,
		   "traces/scenarios/collapse_sync.jsonl", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "ok: "));
	tu_run_free(&r);
	/* ipi_latency.package 3000 -> 4000: the CPUs of the default topology
	 * (one package, no shared cache) are "package" apart */
	p = strstr(prof, "\"ipi_latency.package\": {\"value\": 3000");
	assert_non_null(p);
	memcpy(strstr(p, "3000"), "4000", 4);
	path = tu_tmpfile(prof, ".json");
	r = tu_cli(NULL, "check", "--baseline", base, UNSHARE, "--profile", path,
		   "--tolerance", "1%", "--junit", junit, NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "trace "));
	/* legacy waits once for sync IPIs that now arrive 1000 cycles later */
	assert_non_null(strstr(r.out, "traces/scenarios/unshare_lazy.jsonl  legacy"
			       "                         cycles.initiator_wait      "
			       "          7800       8800  +1000 (+12.8%)\n"));
	assert_null(strstr(r.out, "ipis.flush")); /* the protocol did not change */
	x = tu_slurp(junit);
	assert_non_null(x);
	assert_non_null(strstr(x, "<failure message="));
	free(x);
	tu_run_free(&r);
	unlink(path);
	unlink(junit);
	unlink(base);
	free(path);
	free(prof);
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
		cmocka_unit_test(test_quiet_cpus),
		cmocka_unit_test(test_pcid_option),
		cmocka_unit_test(test_host_xml),
		cmocka_unit_test(test_output_atomic),
		cmocka_unit_test(test_xz_concatenated),
		cmocka_unit_test(test_tracedat_by_content),
		cmocka_unit_test(test_trace_on_fifo),
		cmocka_unit_test(test_output_device),
		cmocka_unit_test(test_output_is_input),
		cmocka_unit_test(test_explain_unshare),
		cmocka_unit_test(test_explain_ran_before),
		cmocka_unit_test(test_explain_lazy_before),
		cmocka_unit_test(test_perfetto),
		cmocka_unit_test(test_perfetto_stall),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_baseline_check),
		cmocka_unit_test(test_many_traces),
		cmocka_unit_test(test_check_bad_baseline),
		cmocka_unit_test(test_help_and_errors),
		cmocka_unit_test(test_host_json),
		cmocka_unit_test(test_workers_same_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
