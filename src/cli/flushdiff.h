/*
 * flushdiff.h - validate --diff: the kernel's tlb_flush records and the
 * model's, one by one. Each local MM shootdown and each remote IPI send the
 * capture holds is paired with one the model made for the same process
 * (mm) within a window of time; what stays unpaired is listed, the
 * kernel's by the capture line that recorded it, the model's by the trace
 * event it was applying and that event's capture line: where to look when
 * the counts part. Task switches (CR3 writes with and without flush) pair
 * on the same CPU.
 *
 * Streaming: a record waits at most the window for its pair, so memory
 * follows the flush rate, not the capture's length.
 */
#ifndef TLBSIM_CLI_FLUSHDIFF_H
#define TLBSIM_CLI_FLUSHDIFF_H

#include <jansson.h>
#include <stdio.h>

#include "tlbsim/kernel.h"
#include "tlbsim/trace.h"

/* Pairing window, in trace units (ns for captures). */
#define FLUSHDIFF_WINDOW 1000000

struct flushdiff;

/* NULL when out of memory; @ncpus: the simulation's CPUs; @reader (may be
 * NULL) says which CPUs' idle tasks the capture records: the model's task
 * switches where it records none are left out, as predicted_in_capture
 * leaves them. */
struct flushdiff *flushdiff_new(const struct tlbsim_trace_reader *reader, unsigned ncpus);
/* Watch @sim's flushes (it must run serially, on the caller's thread). */
int flushdiff_attach(struct flushdiff *d, struct tlbsim_sim *sim);
/* A capture record (observed event); others are ignored. */
void flushdiff_observed(struct flushdiff *d, const struct tlbsim_trace_event *ev);
/* The replay reached trace time @t: records older than the window settle. */
void flushdiff_advance(struct flushdiff *d, uint64_t t);
/* The replay ended: every record settles. */
void flushdiff_finish(struct flushdiff *d);
/* TLBSIM_ENOMEM once a record could not be kept, else 0. */
int flushdiff_error(const struct flushdiff *d);
void flushdiff_table(FILE *f, const struct flushdiff *d);
json_t *flushdiff_json(const struct flushdiff *d);
void flushdiff_free(struct flushdiff *d);

#endif
