/*
 * fuzz_tracedat.c - libFuzzer harness for the trace-cmd trace.dat reader:
 * the bytes go to a file (libtracecmd reads files and seeks in them), the
 * reader opens it and reconstructs every record: the decoder
 * (src/trace/tracedat_decode.c: libtracecmd, the pass that learns threads,
 * records rendered as perf-script lines), the line handling and diagnostics
 * of src/trace/tracedat.c, the perf-line parser and the reconstruction.
 *
 * tlbsim runs the decoder in a child process (src/trace/tracedat.h) so that
 * libtracecmd's crashes on corrupt files come back as one diagnostic. A fork
 * per input ran at 10-30 executions/s under ASan, and libFuzzer saw none of
 * the child's coverage. The fuzz build (-DTLBSIM_FUZZ) decodes in-process
 * through tracedat_fuzz_decode(), given here: a fault while the decoder
 * holds control is what the child's death is in tlbsim, so the handler
 * jumps back out of it and the reader reports "libtracecmd crashed"; a fault
 * anywhere else goes to the handler it displaced (ASan's or libFuzzer's)
 * and is a finding. What libtracecmd allocated before such a fault is lost,
 * so leak checking is off for this harness. About one input in ten faults
 * in libtracecmd, which is not instrumented: what it wrote out of bounds
 * before the fault stays in the heap and can make a later input fail in a
 * way that input alone does not (a bad free in tracecmd_close()). fuzz/run.sh
 * runs each finding again alone and sets aside those that pass.
 * Seed: fuzz/seeds/collapse-mini.dat (fuzz/mini_tracedat.py).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tlbsim/trace.h"
#include "trace/tracedat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int tracedat_fuzz_decode(const char *path, FILE *out);

static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction displaced[sizeof(faults) / sizeof(faults[0])];
static sigjmp_buf escape;
static volatile sig_atomic_t in_decoder;

static void on_fault(int sig, siginfo_t *info, void *ctx)
{
	size_t i = 0;

	if (in_decoder) {
		in_decoder = 0;
		siglongjmp(escape, 1);
	}
	while (faults[i] != sig)
		i++;
	if (displaced[i].sa_flags & SA_SIGINFO)
		displaced[i].sa_sigaction(sig, info, ctx);
	else if (displaced[i].sa_handler != SIG_IGN && displaced[i].sa_handler != SIG_DFL)
		displaced[i].sa_handler(sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* After libFuzzer and the sanitizers installed theirs: ours goes first. */
static void faults_catch(void)
{
	static int done;
	struct sigaction sa;

	if (done++)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigaction(faults[i], &sa, &displaced[i]);
}

/* 0 decoded, 1 refused, -1 libtracecmd faulted (the child's signal). */
int tracedat_fuzz_decode(const char *path, FILE *out)
{
	faults_catch();
	if (sigsetjmp(escape, 1) == 0) {
		int rc;

		in_decoder = 1;
		rc = tracedat_decode(path, out);
		in_decoder = 0;
		return rc ? 1 : 0;
	}
	return -1;
}

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
