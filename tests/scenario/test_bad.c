/*
 * test_bad.c - the bad-input corpus (tests/bad/): each malformed file gives
 * exactly its one-line message on stderr (tests/bad/NAME.expect), exit 2,
 * nothing on stdout and no output file.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static const char *const corpus[] = {
	"addr_out_of_range.jsonl",
	"addr_unaligned.jsonl",
	"bad_pcid.jsonl",
	"bad_stride.jsonl",
	"binary_bad_kind.tlbb",
	"compact_bad_kind.tlbb",
	"compact_truncated.tlbb",
	"compact_width_bits.tlbb",
	"compact_cpu_2p32.tlbb",
	"binary_truncated.tlbb",
	"binary_exec_flag.tlbb",
	"binary_asid_flag.tlbb",
	"binary_unseen_flag.tlbb",
	"bad_utf8.jsonl",
	"bad_version.jsonl",
	"blank_line.jsonl",
	"collapse_unaligned.jsonl",
	"empty.jsonl",
	"header_missing.jsonl",
	"huge_number.jsonl",
	"map_overlap.jsonl",
	"missing_field.jsonl",
	"mm_zero.jsonl",
	"ran_before_null.jsonl",
	"lazy_before_null.jsonl",
	"lazy_before_running.jsonl",
	"running_before_null.jsonl",
	"running_before_running.jsonl",
	"remap_overlap.jsonl",
	"remap_onto_mapping.jsonl",
	"remap_unaligned.jsonl",
	"exec_not_bool.jsonl",
	"exec_on_zap.jsonl",
	"switch_idle_mm.jsonl",
	"idle_on_zap.jsonl",
	"asid_on_switch.jsonl",
	"asid_not_bool.jsonl",
	"unseen_on_map.jsonl",
	"negative_time.jsonl",
	"not_a_trace.jsonl",
	"not_object.jsonl",
	"garbage.jsonl",
	"perf_bad_time.jsonl",
	"perf_blank_line.perf.txt",
	"perf_cpu_huge.perf.txt",
	"perf_default_fields.perf.txt",
	"perf_func_bytes.perf.txt",
	"perf_munmap_badlen.perf.txt",
	"perf_signal_handler.perf.txt",
	"perf_header_unclosed.perf.txt",
	"perf_no_cpu.perf.txt",
	"perf_tid_garbage.perf.txt",
	"perf_fork_pid0.perf.txt",
	"perf_time_beyond.perf.txt",
	"share_self.jsonl",
	"time_backwards.jsonl",
	"too_many_cpus.jsonl",
	"topology_huge.jsonl",
	"topology_mismatch.jsonl",
	"touch_not_running.jsonl",
	"touch_too_long.jsonl",
	"tracedat_event_format.dat",
	"tracedat_garbage.dat",
	"tracedat_page_commit.dat",
	"tracedat_records_loop.dat",
	"tracedat_cpus_reread.dat",
	"tracedat_truncated.dat",
	"truncated.jsonl.xz",
	"xz_trailing.jsonl.xz",
	"truncated_line.jsonl",
	"unknown_cpu.jsonl",
	"unknown_event.jsonl",
	"unknown_field.jsonl",
	"wrong_type.jsonl",
	"line_over_1MiB.jsonl.xz",
	"nul_header.jsonl",
	"nul_midline.jsonl",
	"nul_line_start.jsonl",
	"binary_nul_header.tlbb",
	"unknown_event_newline.jsonl",
	"header_field_control.jsonl",
	"addr_hex_double_prefix.jsonl",
	"addr_hex_sign.jsonl",
	"addr_hex_space.jsonl",
	"comment_not_string.jsonl",
	"observed_comment_number.jsonl",
	"time_backwards_observed.jsonl",
	"ghz_too_high.jsonl",
	"time_above_2p63.jsonl",
	"binary_time_2p63.tlbb",
	"binary_dur_2p63.tlbb",
	"binary_what_utf8.tlbb",
	"binary_what_nul.tlbb",
	"binary_func_surrogate.tlbb",
	"binary_func_long.tlbb",
	"observed_what_long.jsonl",
	"observed_func_long.jsonl",
	"header_topology_long.jsonl",
	"header_comment_long.jsonl",
	"invalid_token_control.jsonl",
	"xz_trailing_garbage.jsonl.xz",
	"model_error_before_parse_error.jsonl",
	"parse_error_before_model_error.jsonl",
	"perf_data_file.data",
	"gzip_trace.jsonl.gz",
	"utf8_bom.jsonl",
};

static void check_one(const char *file)
{
	char path[256], expect_path[256], out[] = "/tmp/tlbsim-bad-out.json";
	char *expect, *want;
	struct tu_run r;

	snprintf(path, sizeof(path), "tests/bad/%s", file);
	snprintf(expect_path, sizeof(expect_path), "tests/bad/%.*s.expect",
		 (int)strcspn(file, "."), file);
	expect = tu_slurp(tu_src(expect_path));
	assert_non_null(expect);
	unlink(out);
	r = tu_cli(NULL, "compare", path, "--json", "-o", out, NULL);
	want = malloc(strlen(expect) + 16);
	sprintf(want, "tlbsim: %s", expect);
	if (strcmp(r.err, want))
		print_error("%s: got  %swanted %s", file, r.err, want);
	assert_string_equal(r.err, want);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_int_equal(access(out, F_OK), -1); /* no partial report */
	free(want);
	free(expect);
	tu_run_free(&r);
}

static void test_corpus(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		check_one(corpus[i]);
}

/* Every NAME.expect in tests/bad/ has its input in the list above: a file
 * added to the corpus without a line here would never run. */
static void test_corpus_listed(void **state)
{
	DIR *d = opendir(tu_src("tests/bad"));
	struct dirent *e;
	int expects = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name), i;

		if (n < 8 || strcmp(e->d_name + n - 7, ".expect"))
			continue;
		expects++;
		for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
			if (!strncmp(corpus[i], e->d_name, n - 7) && corpus[i][n - 7] == '.')
				break;
		if (i == sizeof(corpus) / sizeof(corpus[0]))
			fail_msg("tests/bad/%s has no input in test_bad.c's corpus", e->d_name);
	}
	closedir(d);
	assert_int_equal(expects, sizeof(corpus) / sizeof(corpus[0]));
}

/* The simulations run in worker threads beside the reader (cli/fanout.c): the
 * error reported is still the sequential loop's, the first in trace
 * order, whichever thread met its own first. Run it many times. */
static void test_first_error_wins(void **state)
{
	(void)state;
	for (int i = 0; i < 20; i++) {
		/* one worker for both simulations, and one each */
		setenv("TLBSIM_WORKERS", i % 2 ? "2" : "1", 1);
		check_one("model_error_before_parse_error.jsonl");
		check_one("parse_error_before_model_error.jsonl");
	}
	unsetenv("TLBSIM_WORKERS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_listed),
		cmocka_unit_test(test_first_error_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
