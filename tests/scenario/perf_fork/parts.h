/* parts.h - test_perf_fork's other files: the groups its main() runs,
 * each returning its failures. */
#ifndef TLBSIM_TEST_PERF_FORK_PARTS_H
#define TLBSIM_TEST_PERF_FORK_PARTS_H

int perf_exec_tests(void);   /* exec.c: where an exec began */

#endif
