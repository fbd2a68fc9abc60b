/* parts.h - test_trace's other files: the groups its main() runs (each
 * returns its failures), and the file every kind is in once. */
#ifndef TLBSIM_TEST_TRACE_PARTS_H
#define TLBSIM_TEST_TRACE_PARTS_H

#define EVERY "tests/data/every_kind.jsonl"

#include <stddef.h>
#include <stdint.h>

#include "tlbsim/trace.h"

/* write.c: the every-kind file's events with every binary flag set (26) */
size_t trace_every_kind_flagged(struct tlbsim_trace_event in[32]);
/* write.c: the binary trace at @path (with write.c's 4-CPU header) reads
 * back as @in[0..n); the file is removed, @path freed */
void trace_assert_reads(char *path, const struct tlbsim_trace_event *in, size_t n);
/* write.c: @out is @e field for field, read from JSONL line @line */
void trace_assert_event(const struct tlbsim_trace_event *out,
			const struct tlbsim_trace_event *e, uint64_t line);

int trace_write_tests(void);   /* write.c: the writer, text and binary */
int trace_perf_tests(void);    /* perf.c: the perf parse, recon state, window */
int trace_fast_tests(void);    /* fast.c: the JSONL fast path against jansson's */
int trace_compact_tests(void); /* compact.c: the binary form 2 */

#endif
