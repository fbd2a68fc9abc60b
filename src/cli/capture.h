/*
 * capture.h - replaying a capture under the captured kernel's policy and
 * keeping what the kernel did beside it (validate, calibrate).
 */
#ifndef TLBSIM_CLI_CAPTURE_H
#define TLBSIM_CLI_CAPTURE_H

#include "cli/byproc.h"
#include "cli/cli.h"
#include "cli/flushdiff.h"

enum { V_FLUSH, V_SYNC, V_SEND, V_REMOTE, V_LOCAL, V_TS_FLUSH, V_TS_NOFLUSH,
       V_WRONG, V_COUNT };


/* Observed send -> remote shootdown latencies, in trace units. */
struct lat_obs {
	uint64_t last_send_t[64];
	bool have_send[64];
	uint64_t *v;
	size_t n, cap;
};

/* Nearest-rank percentile of the observed latencies (sorts them). */
uint64_t lat_pct(struct lat_obs *l, double q);

/*
 * Open @path as a session with o's options (one policy: legacy, backend
 * default kvm), feed it, tally the kernel's outputs into @obs and @lat (and
 * per process into @bp, unless NULL) and finish the simulation. The
 * session is left open for the caller. With o->diff, *@fd gets the flush
 * by flush comparison (flushdiff.h; the caller frees it) and the replay
 * runs on one thread.
 */
int capture_replay(struct session *s, const char *path, const struct cli_opts *o,
		   uint64_t obs[V_COUNT], struct lat_obs *lat, struct byproc *bp,
		   struct flushdiff **fd, struct tlbsim_diag *d);

#endif
