/*
 * byproc.h - validate --by-process: the kernel's flushes and the model's,
 * process by process (thread group, the mm), to see where they part. The
 * kernel's come from the capture's tlb_flush records, attributed to the
 * task that ran them; the model's from the simulation's per-mm counts.
 */
#ifndef TLBSIM_CLI_BYPROC_H
#define TLBSIM_CLI_BYPROC_H

#include <jansson.h>
#include <stdio.h>

#include "tlbsim/result.h"
#include "tlbsim/trace.h"

enum { BP_LOCAL, BP_SEND, BP_REMOTE, BP_COUNT };

struct byproc_row {
	uint32_t mm;
	uint64_t obs[BP_COUNT], pred[BP_COUNT];
};

struct byproc {
	struct byproc_row *rows;   /* sorted by mm once byproc_predicted() ran */
	size_t n, cap;
	int err;                   /* TLBSIM_ENOMEM once a row could not be added */
};

/* An observed event: a tlb_flush of reason 1, 3 or 4 counts for its mm. */
void byproc_observed(struct byproc *b, const struct tlbsim_trace_event *ev);
/* The model's counts (config per_mm), then the rows sorted by mm. */
void byproc_predicted(struct byproc *b, const struct tlbsim_result *r);
/* The ten rows that differ most, as a table. */
void byproc_table(FILE *f, const struct byproc *b);
/* Every row: [{"mm", "local_mm_shootdown": {"observed", "predicted"}, ...}]. */
json_t *byproc_json(const struct byproc *b);
void byproc_free(struct byproc *b);

#endif
