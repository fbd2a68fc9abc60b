/* tracedat.h - trace-cmd trace.dat files as perf-script lines (internal).
 *
 * libtracecmd runs in a child process that writes the lines into a pipe:
 * Debian's libtracecmd dereferences NULL on some corrupt files (a ring
 * buffer page whose commit field exceeds the page, found by
 * fuzz/fuzz_tracedat), and tlbsim must answer bad input with a message,
 * never a crash. The child's death becomes that message. The fuzz build
 * (-DTLBSIM_FUZZ) decodes in-process instead, through a function
 * fuzz/fuzz_tracedat.c gives, which turns a fault into the same message. */
#ifndef TLBSIM_TRACE_TRACEDAT_H
#define TLBSIM_TRACE_TRACEDAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tlbsim/error.h"

#define TRACEDAT_LINE_MAX 2048

struct tracedat;

/* trace-cmd's magic, the first 10 bytes of every trace.dat. */
#define TRACEDAT_MAGIC "\027\010Dtracing"
#define TRACEDAT_MAGIC_LEN 10

/* A file that starts with the magic, or one named *.dat or *.dat.xz whose
 * content is not plainly another trace (a JSON header, the binary form's
 * magic): libtracecmd needs a seekable file, and an .xz is decompressed
 * to a temporary file first. */
bool tracedat_is(const char *path);
int tracedat_open(const char *path, struct tracedat **out, unsigned *cpus,
		  struct tlbsim_diag *diag);
/* The next record, in time order across CPUs, as one perf-script line in
 * buf (TRACEDAT_LINE_MAX bytes): 1, 0 at the end, or an error. */
int tracedat_next_line(struct tracedat *t, char *buf, struct tlbsim_diag *diag);
void tracedat_close(struct tracedat *t);

/* The child's side: decode PATH into OUT ("C <cpus>" or "E <reason>",
 * then the lines); 0 on success. */
int tracedat_decode(const char *path, FILE *out);

#endif
