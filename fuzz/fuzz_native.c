/*
 * fuzz_native.c - libFuzzer harness for the native trace reader: any bytes
 * must give events or one clean error, never a crash, a leak or UB.
 */
#include <stdint.h>
#include <stdio.h>

#include "tlbsim/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_trace_event ev;
	struct tlbsim_diag d;
	FILE *f = fmemopen((void *)data, size, "rb");

	if (!f)
		return 0;
	if (tlbsim_trace_open_stream(f, "fuzz", &r, &d) == 0) {
		while (tlbsim_trace_next(r, &ev, &d) == 1)
			;
		tlbsim_trace_close(r);
	}
	fclose(f);
	return 0;
}
