/* tracedat.h - trace-cmd trace.dat files as perf-script lines (internal). */
#ifndef TLBSIM_TRACE_TRACEDAT_H
#define TLBSIM_TRACE_TRACEDAT_H

#include <stdbool.h>
#include <stddef.h>

#include "tlbsim/error.h"

struct tracedat;

/* By name: *.dat or *.dat.xz (libtracecmd needs a seekable file; an .xz
 * is decompressed to a temporary file first). */
bool tracedat_is(const char *path);
int tracedat_open(const char *path, struct tracedat **out, unsigned *cpus,
		  struct tlbsim_diag *diag);
/* The next record, in time order across CPUs, as one perf-script line:
 * 1, or 0 at the end. */
int tracedat_next_line(struct tracedat *t, char *buf, size_t len);
void tracedat_close(struct tracedat *t);

#endif
