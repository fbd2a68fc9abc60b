/* parts.h - test_trace's other files: the groups its main() runs (each
 * returns its failures), and the file every kind is in once. */
#ifndef TLBSIM_TEST_TRACE_PARTS_H
#define TLBSIM_TEST_TRACE_PARTS_H

#define EVERY "tests/data/every_kind.jsonl"

#include <stdint.h>

#include "tlbsim/trace.h"

/* write.c: @out is @e field for field, read from JSONL line @line */
void trace_assert_event(const struct tlbsim_trace_event *out,
			const struct tlbsim_trace_event *e, uint64_t line);

int trace_write_tests(void);   /* write.c: the writer, text and binary */
int trace_perf_tests(void);    /* perf.c: the perf parse, recon state, window */
int trace_fast_tests(void);    /* fast.c: the JSONL fast path against jansson's */
int trace_compact_tests(void); /* compact.c: the binary form 2 */

#endif
