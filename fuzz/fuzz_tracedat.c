/*
 * fuzz_tracedat.c - libFuzzer harness for the trace-cmd trace.dat reader:
 * the bytes go to a file (libtracecmd reads files and seeks in them), the
 * reader opens it, renders and reconstructs every record. libtracecmd runs
 * in a child process (src/trace/tracedat.h): its crashes on corrupt files
 * must come back as one diagnostic, which is what this harness checks, with
 * the perf-line parser and the reconstruction behind it.
 * Seed: fuzz/seeds/collapse-mini.dat (fuzz/mini_tracedat.py).
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "tlbsim/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_trace_event ev;
	struct tlbsim_diag d;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/dev/shm/tlbsim-fuzz-%d.dat", (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (fwrite(data, 1, size, f) != size) {
		fclose(f);
		unlink(path);
		return 0;
	}
	fclose(f);
	if (tlbsim_trace_open(path, &r, &d) == 0) {
		while (tlbsim_trace_next(r, &ev, &d) == 1)
			;
		tlbsim_trace_close(r);
	}
	unlink(path);
	return 0;
}
