/* parts.h - test_cli's other files: the groups its main() runs, each
 * returning its failures, and the scenario they share. */
#ifndef TLBSIM_TEST_CLI_PARTS_H
#define TLBSIM_TEST_CLI_PARTS_H

#define UNSHARE "traces/scenarios/unshare_lazy.jsonl"

int cli_view_tests(void);       /* views.c: explain, Perfetto, SVG */
int cli_baseline_tests(void);   /* baseline.c: many traces, baseline, check */

#endif
