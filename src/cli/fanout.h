/*
 * fanout.h - one trace fed to several simulations at once: the calling
 * thread reads, worker threads apply the events to the simulations (one
 * each, or several each when the machine has fewer CPUs than that).
 *
 * The simulations share nothing mutable (each has its own kernel model;
 * topology and profile are read-only) and each sees every event in trace
 * order, so every result, and the error reported, are those of the
 * sequential loop (read an event, apply it to simulation 0, 1, ...). What
 * changes is the wall time: reading and reconstructing a capture overlaps
 * the models. Not for runs with observers (explain, --perfetto, --svg),
 * whose output interleaves the simulations.
 */
#ifndef TLBSIM_CLI_FANOUT_H
#define TLBSIM_CLI_FANOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "tlbsim/kernel.h"
#include "tlbsim/trace.h"

/* Runs on the reading thread for each event; false keeps it from the
 * simulations (validate tallies the observed events so). */
typedef bool (*fanout_keep)(void *ctx, const struct tlbsim_trace_event *ev);

/* Read @r to its end and apply every kept event to each of @sims (n >= 1,
 * at most CLI_MAX_POLICIES). 0, or the first error in sequential order
 * with @diag filled. The simulations are not finished. */
int fanout_run(struct tlbsim_trace_reader *r, struct tlbsim_sim **sims, size_t n,
	       fanout_keep keep, void *ctx, struct tlbsim_diag *diag);

#endif
