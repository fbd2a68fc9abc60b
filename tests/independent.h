/*
 * independent.h - the expectations of the independent teaching scenarios
 * (traces/scenarios/independent/) and the check that replays one under
 * the three policies (independent.c): shared by test_independent.c and
 * test_independent_backends.c.
 */
#ifndef TLBSIM_TESTS_INDEPENDENT_H
#define TLBSIM_TESTS_INDEPENDENT_H

#include <stddef.h>

#include "testutil.h"

#define NPOL 3
#define MAX_HAZARDS 4
#define MAX_FIELDS 12
#define MAX_EVENTS 25

struct hazard_expect {
	const char *kind; /* stale_psc, gup_fast, stale_tlb, asid_transition */
	int cpu;
};

/* One integer of policies[i].<group>.<key>; group NULL ends a list. */
struct field_expect {
	const char *group; /* "flushes" or "counters" */
	const char *key;
	long long value;
};

struct policy_expect {
	long long flush, sync, to_lazy;
	size_t nhazards;
	struct hazard_expect hazards[MAX_HAZARDS]; /* in report order (time) */
	struct field_expect fields[MAX_FIELDS];    /* this policy only */
};

struct scenario_expect {
	const char *file;                         /* under traces/scenarios/independent/ */
	struct field_expect common[MAX_FIELDS];   /* every policy */
	struct policy_expect pol[NPOL];
};

/* Every scenario file, so that a new file without a test is noticed. */
extern const char *const ind_scenario_files[];
extern const size_t ind_nscenarios;

/* traces/scenarios/independent/@file in the source tree. */
const char *ind_scenario_path(const char *file);
/* tlbsim compare @path --json under the three policies. */
struct tu_run ind_run_compare(const char *path);
/* Run one scenario under the three policies and check every expectation. */
void ind_check_scenario(const struct scenario_expect *e);

#endif
