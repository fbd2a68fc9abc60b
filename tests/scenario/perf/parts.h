/* parts.h - test_perf's other files: the groups its main() runs, each
 * returning its failures. */
#ifndef TLBSIM_TEST_PERF_PARTS_H
#define TLBSIM_TEST_PERF_PARTS_H

int perf_diff_tests(void);   /* diff.c: --by-process, --diff, latency, calibrate */
int perf_idle_tests(void);   /* idle.c: predictions as the capture records them */

#endif
