/*
 * fuzz_perf.c - libFuzzer harness for the perf-text reader and the
 * reconstruction behind it: any bytes that the reader takes for a perf
 * capture must give events or one clean error, never a crash, leak or UB.
 * Inputs the reader takes for native traces are rejected from the corpus
 * (fuzz_native covers them), which keeps this harness on the perf path.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tlbsim/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_trace_event ev;
	struct tlbsim_diag d;
	FILE *f = fmemopen((void *)data, size, "rb");
	int keep = -1;

	if (!f)
		return 0;
	if (tlbsim_trace_open_stream(f, "fuzz", &r, &d) == 0) {
		if (!strcmp(tlbsim_trace_format(r), "perf")) {
			keep = 0;
			/* both readings of anonymous read faults (a PVM
			 * guest's no zero page): by the input's length */
			if (tlbsim_trace_set_zero_page(r, size & 1, &d))
				__builtin_trap();
			while (tlbsim_trace_next(r, &ev, &d) == 1)
				;
		}
		tlbsim_trace_close(r);
	}
	fclose(f);
	return keep;
}
