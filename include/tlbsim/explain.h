/*
 * explain.h - a narrated walk through a run, one block per trace event:
 * what happened, the kernel function modeled, each decision with the
 * condition that made it, the per-CPU state after the step, and hazards as
 * they arise. With several policies, the blocks say where they part ways.
 *
 * The narrator observes simulations (tlbsim_sim_observe); the caller feeds
 * it events in order:
 *
 *	for each event ev:
 *		tlbsim_sim_advance(every sim, ev.t)   consequences of the last one
 *		tlbsim_explain_step(x, &ev)           prints the last block
 *		tlbsim_sim_apply(every sim, &ev)
 *	tlbsim_sim_finish(every sim); tlbsim_explain_end(x)
 */
#ifndef TLBSIM_EXPLAIN_H
#define TLBSIM_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tlbsim/kernel.h"

struct tlbsim_explain;

/* @names[i] names @sims[i]; both arrays are borrowed for x's lifetime. */
struct tlbsim_explain *tlbsim_explain_new(FILE *out, bool color, size_t nsims,
					  struct tlbsim_sim *const *sims,
					  const char *const *names);
/* Close the previous event's block (print it) and open one for @ev. */
void tlbsim_explain_step(struct tlbsim_explain *x,
			 const struct tlbsim_trace_event *ev);
/* Print the last block and a closing summary. */
void tlbsim_explain_end(struct tlbsim_explain *x);
void tlbsim_explain_free(struct tlbsim_explain *x);

#endif
