/*
 * report.h - turning results into the report contract (JSON, version 1) and
 * the human-readable side-by-side table. Reads results, never model state.
 */
#ifndef TLBSIM_REPORT_H
#define TLBSIM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tlbsim/error.h"
#include "tlbsim/result.h"

struct tlbsim_report_input {
	const char *trace_path;
	const char *trace_format;   /* "native" */
	char trace_sha256[65];
	uint64_t trace_events;
	uint64_t trace_bytes;
	unsigned cpus;
	const char *topology;       /* description */
	const char *profile;        /* profile name */
	double ghz;
	const char *backend;
	bool no_pcid;               /* machine.pcid false */
	size_t nresults;
	const struct tlbsim_result *const *results;
};

/* The report as one JSON text (compact, keys in contract order, newline
 * terminated). Caller frees. NULL on allocation failure. */
char *tlbsim_report_json(const struct tlbsim_report_input *in);

/* The policies side by side, one column each, hazards listed below. */
int tlbsim_report_table(const struct tlbsim_report_input *in, FILE *out,
			bool color);

/*
 * Write @len bytes of @data to @path atomically: a temporary file in the
 * same directory, fsync'd, then renamed; "-" writes to stdout. Never leaves
 * a partial file behind.
 */
int tlbsim_write_file_atomic(const char *path, const char *data, size_t len,
			     struct tlbsim_diag *diag);

/*
 * A stream that becomes @path only when committed: written to a temporary
 * file in the same directory, renamed into place by tlbsim_atomic_commit();
 * tlbsim_atomic_abort() (or any failure) leaves nothing behind. "-" is
 * stdout, committed as is.
 */
struct tlbsim_atomic {
	FILE *f;
	char *tmp;
	char *path;
};
int tlbsim_atomic_open(const char *path, struct tlbsim_atomic *a,
		       struct tlbsim_diag *diag);
int tlbsim_atomic_commit(struct tlbsim_atomic *a, struct tlbsim_diag *diag);
void tlbsim_atomic_abort(struct tlbsim_atomic *a);

#endif
