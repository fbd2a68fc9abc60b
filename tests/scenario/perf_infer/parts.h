/* parts.h - test_perf_infer's other files: the groups its main() runs,
 * each returning its failures. */
#ifndef TLBSIM_TEST_PERF_INFER_PARTS_H
#define TLBSIM_TEST_PERF_INFER_PARTS_H

int perf_brk_tests(void);   /* brk.c: the heap's break, recorded or not */
int perf_exit_tests(void);  /* exit.c: a task after its exit */
int perf_before_tests(void); /* before.c: what a CPU held before the capture */
int perf_signal_tests(void); /* signal.c: the SIGCHLD frame a wake writes */
int perf_cow_tests(void);    /* cow.c: the copies a fork's sharing costs */
int perf_pagecache_tests(void); /* pagecache.c: a shared mapping's dirty pages */
int perf_unseen_tests(void);  /* unseen.c: tasks and flushes perf records nothing of */

#endif
