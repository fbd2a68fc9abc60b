/*
 * timeline.h - timelines of a run: Chrome trace-event JSON as the Perfetto UI
 * (ui.perfetto.dev) opens it. One process per policy, a track per CPU for
 * handlers and initiator waits, a second track per CPU for windows (IRQs
 * off, gup_fast, lazy), a flow arrow from each IPI send to its handler, and
 * an instant event per hazard.
 *
 * Events are written as they are observed: memory does not grow with the
 * run. The caller opens and closes the stream around the runs.
 */
#ifndef TLBSIM_TIMELINE_H
#define TLBSIM_TIMELINE_H

#include <stdio.h>

#include "tlbsim/kernel.h"

struct tlbsim_perfetto;

/* Start the JSON document on @out. */
struct tlbsim_perfetto *tlbsim_perfetto_new(FILE *out);
/* Record @sim as process @pid named @name (e.g. the policy); @ghz turns
 * cycles into microseconds. @ncpus tracks are named. */
int tlbsim_perfetto_attach(struct tlbsim_perfetto *p, struct tlbsim_sim *sim,
			   int pid, const char *name, unsigned ncpus, double ghz);
/* End the document (after the simulations finished). 0 or TLBSIM_EIO. */
int tlbsim_perfetto_end(struct tlbsim_perfetto *p);
void tlbsim_perfetto_free(struct tlbsim_perfetto *p);

/*
 * A standalone SVG timeline for documents and slides: CPUs as lanes, lazy
 * periods shaded, IPIs as arrows, waits as bars, hazards marked, a legend;
 * one panel per policy. Readable up to 16 CPUs and 200 trace events: beyond
 * that it draws the first ones and says so in the picture.
 */
struct tlbsim_svg;

struct tlbsim_svg *tlbsim_svg_new(unsigned ncpus);
int tlbsim_svg_attach(struct tlbsim_svg *v, struct tlbsim_sim *sim,
		      const char *name);
/* The document (after the simulations finished); caller frees. */
char *tlbsim_svg_render(struct tlbsim_svg *v, const char *title);
void tlbsim_svg_free(struct tlbsim_svg *v);

#endif
