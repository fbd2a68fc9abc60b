/*
 * baseline.h - CI regression checks on the report counters.
 *
 * A baseline records, per trace (path and sha256) and per policy, every
 * counter of the report and the number of hazards, with the tool version.
 * A check runs the traces again and compares: a counter outside the
 * tolerance is a failure (rows name trace, policy, counter, old, new,
 * delta); a trace whose sha256 changed is said; JUnit XML for CI systems.
 */
#ifndef TLBSIM_BASELINE_H
#define TLBSIM_BASELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tlbsim/error.h"
#include "tlbsim/result.h"

struct tlbsim_baseline;

struct tlbsim_baseline *tlbsim_baseline_new(void);
void tlbsim_baseline_free(struct tlbsim_baseline *b);
/* Record one policy's result for @trace. */
int tlbsim_baseline_add(struct tlbsim_baseline *b, const char *trace,
			const char *sha256, const struct tlbsim_result *r);
/* The baseline document (stable key order, newline-terminated); caller
 * frees. */
char *tlbsim_baseline_json(const struct tlbsim_baseline *b);
int tlbsim_baseline_load(const char *path, struct tlbsim_baseline **out,
			 struct tlbsim_diag *diag);

/* "2%" (relative) or "3" (absolute count). */
struct tlbsim_tolerance {
	double pct;
	uint64_t abs;
};
int tlbsim_tolerance_parse(const char *s, struct tlbsim_tolerance *t,
			   struct tlbsim_diag *diag);

struct tlbsim_check;

struct tlbsim_check *tlbsim_check_new(const struct tlbsim_baseline *base,
				      struct tlbsim_tolerance tol,
				      bool fail_on_hazard);
/* Compare one policy's fresh result for @trace with the baseline. */
int tlbsim_check_result(struct tlbsim_check *c, const char *trace,
			const char *sha256, const struct tlbsim_result *r);
bool tlbsim_check_failed(const struct tlbsim_check *c);
/* The table of failures and notes, or one line saying all is within. */
void tlbsim_check_print(const struct tlbsim_check *c, FILE *out);
/* JUnit XML: one testcase per (trace, policy); caller frees. */
char *tlbsim_check_junit(const struct tlbsim_check *c);
void tlbsim_check_free(struct tlbsim_check *c);

#endif
