/* views.c - test_cli's cases of the views a learner reads: explain's
 * decisions and CPU tables, Perfetto's tracks and SVG's structure. */
#include <jansson.h>
#include <math.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "parts.h"

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

/* A CPU running a task of the mm when the trace began: explain says so,
 * its CPU table row holds mm 1 not lazily, and the zap of one page (no
 * table freed) IPIs it, as it would a CPU switched to mm 1. */
static void test_explain_running_before(void **state)
{
	char *path = tu_tmpfile("{\"tlbsim\": 1, \"cpus\": 2}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 0, \"cpu\": 1, \"ev\": \"running_before\", \"mm\": 1}\n"
		"{\"t\": 10, \"cpu\": 0, \"ev\": \"map\", \"mm\": 1, \"addr\": \"0x400000\", \"len\": 65536}\n"
		"{\"t\": 20, \"cpu\": 0, \"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x400000\"}\n"
		"{\"t\": 30000, \"cpu\": 0, \"ev\": \"zap\", \"mm\": 1, \"addr\": \"0x400000\", \"len\": 4096}\n",
		".jsonl");
	struct tu_run r = tu_cli(NULL, "explain", path, "--policy", "legacy", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[2] t=0 cpu 1: running_before mm 1\n"
			       "    t=0        switch_mm_irqs_off(): cpu 1 ran a task of "
			       "mm 1 when the trace began: mm 1 is loaded, its bit in "
			       "mm_cpumask is set, and no task switch is counted"));
	assert_non_null(strstr(r.out, "    1    mm 1      -     1     0/0             on\n"));
	assert_non_null(strstr(r.out, "IPI cpu 0 -> cpu 1 (flush_tlb_func)"));
	assert_null(strstr(r.out, "target lazy"));
	assert_non_null(strstr(r.out, "flush IPIs 1, sync IPIs 0, to lazy CPUs 0, hazards 0"));
	tu_run_free(&r);
	unlink(path);
	free(path);
}

/* Without PCID explain says why every switch flushes: one ASID, no slot
 * to find (it once spoke of round-robin slots there too). */
static void test_explain_no_pcid(void **state)
{
	char *path = tu_tmpfile("{\"tlbsim\": 1, \"cpus\": 1}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 10, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 2}\n"
		"{\"t\": 20, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n", ".jsonl");
	struct tu_run r = tu_cli(NULL, "explain", path, "--policy", "legacy",
				 "--pcid", "off", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[3] t=20 cpu 0: switch to mm 1\n"
			       "    t=20       choose_new_asid(): cpu 0 switches to mm 1: "
			       "without PCID there is one ASID, so a switch to another mm "
			       "flushes (CR3 write with flush)\n"));
	assert_null(strstr(r.out, "round robin"));
	tu_run_free(&r);
	unlink(path);
	free(path);
}

/* A switch to the idle task is named so, and so is what runs lazily:
 * its idle task, or a kernel thread. */
static void test_explain_idle(void **state)
{
	char *path = tu_tmpfile("{\"tlbsim\": 1, \"cpus\": 1}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 10, \"cpu\": 0, \"ev\": \"switch\", \"mm\": null, \"idle\": true}\n"
		"{\"t\": 20, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 2}\n"
		"{\"t\": 30, \"cpu\": 0, \"ev\": \"switch\", \"mm\": null}\n", ".jsonl");
	struct tu_run r = tu_cli(NULL, "explain", path, "--policy", "legacy", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[2] t=10 cpu 0: switch to its idle task\n"
			       "    t=10       enter_lazy_tlb(): cpu 0 runs its idle task: "
			       "it keeps mm 1 loaded and becomes lazy (is_lazy = true)\n"));
	assert_non_null(strstr(r.out, "[4] t=30 cpu 0: switch to a kernel thread\n"
			       "    t=30       enter_lazy_tlb(): cpu 0 runs a kernel thread: "
			       "it keeps mm 2 loaded and becomes lazy (is_lazy = true)\n"));
	tu_run_free(&r);
	unlink(path);
	free(path);
}

/* What an importer inferred of the capture's gaps says so: a slot held
 * before the trace, which the switch back finds current, and a switch
 * the capture lost. */
static void test_explain_inferred(void **state)
{
	char *path = tu_tmpfile("{\"tlbsim\": 1, \"cpus\": 2}\n"
		"{\"t\": 0, \"cpu\": 0, \"ev\": \"switch\", \"mm\": 1}\n"
		"{\"t\": 0, \"cpu\": 1, \"ev\": \"ran_before\", \"mm\": 2, \"asid\": true}\n"
		"{\"t\": 10, \"cpu\": 1, \"ev\": \"switch\", \"mm\": 2, \"unseen\": true}\n",
		".jsonl");
	struct tu_run r = tu_cli(NULL, "explain", path, "--policy", "legacy", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[2] t=0 cpu 1: ran_before mm 2 (an ASID slot still "
			       "holds it)\n"));
	assert_non_null(strstr(r.out, "[3] t=10 cpu 1: switch to mm 2 (not in the capture: "
			       "inferred from a later record)\n    t=10       choose_new_asid(): "
			       "cpu 1 switches to mm 2: ASID slot 5 still holds it at tlb_gen 0 = 0, "
			       "CR3 write without flush\n"));
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

int cli_view_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_explain_unshare),
		cmocka_unit_test(test_explain_ran_before),
		cmocka_unit_test(test_explain_lazy_before),
		cmocka_unit_test(test_explain_running_before),
		cmocka_unit_test(test_explain_no_pcid),
		cmocka_unit_test(test_explain_idle),
		cmocka_unit_test(test_explain_inferred),
		cmocka_unit_test(test_perfetto),
		cmocka_unit_test(test_perfetto_stall),
		cmocka_unit_test(test_svg),
	};
	return cmocka_run_group_tests_name("cli_view_tests", tests, NULL, NULL);
}
