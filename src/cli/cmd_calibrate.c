/*
 * cmd_calibrate.c - `tlbsim calibrate`: fit a profile's IPI delivery
 * latency to the send -> remote shootdown latencies of real captures.
 *
 * For each capture the base profile's predicted p50 is set beside the
 * observed one; the median difference over the captures, in cycles, is
 * added to the delivery latency of every distance class. The result is
 * checked by replaying the captures again and written as a profile whose
 * calibrated fields say how they were obtained.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/capture.h"

static const char help[] =
"usage: tlbsim calibrate CAPTURE... -o PROFILE.json [--profile BASE] [--backend B]\n"
"\n"
"Fit the IPI delivery latency of BASE (default generic) so that the predicted\n"
"send -> remote shootdown p50 matches the captures' (each replayed under\n"
"legacy with backend B, default kvm), print observed vs predicted p50 and p90\n"
"per capture with the fitted profile, and write the profile.\n";

struct src_ctx {
	char note[600];
	const char *base;
};

static const char *field_source(const char *field, void *ctx)
{
	struct src_ctx *c = ctx;
	static char other[160];

	if (!strncmp(field, "ipi_latency.", 12) && strcmp(field, "ipi_latency.self"))
		return c->note;
	snprintf(other, sizeof(other), "as in the base profile %s (profiles/%s.json "
		 "gives its source)", c->base, c->base);
	return other;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Replay every capture with profile @prof; print p50/p90 rows when @print;
 * fill @delta with observed - predicted p50 (ns) per capture. */
static int pass(const struct cli_opts *o, const char *prof, bool print,
		int64_t *delta, size_t *ndelta, struct tlbsim_diag *d)
{
	*ndelta = 0;
	for (size_t i = 0; i < o->ntraces; i++) {
		struct cli_opts oo = *o;
		struct session s;
		struct lat_obs lat;
		uint64_t obs[V_COUNT] = { 0 };
		int err;

		memset(&lat, 0, sizeof(lat));
		oo.profile = prof;
		err = capture_replay(&s, o->traces[i], &oo, obs, &lat, NULL, NULL, d);
		if (!err && lat.n && s.results[0]->send_to_remote_flush.n) {
			uint64_t p50 = lat_pct(&lat, 0.5), p90 = lat_pct(&lat, 0.9);
			const struct tlbsim_latency *l = &s.results[0]->send_to_remote_flush;

			delta[(*ndelta)++] = (int64_t)p50 - (int64_t)l->p50;
			if (print)
				printf("%-48s p50 %8llu %8llu %+6.1f%%   p90 %8llu %8llu %+6.1f%%\n",
				       o->traces[i], (unsigned long long)p50,
				       (unsigned long long)l->p50,
				       100.0 * ((double)l->p50 - (double)p50) / (double)p50,
				       (unsigned long long)p90, (unsigned long long)l->p90,
				       100.0 * ((double)l->p90 - (double)p90) / (double)p90);
		} else if (!err && print) {
			printf("%-48s (no remote shootdowns to compare)\n", o->traces[i]);
		}
		free(lat.v);
		session_close(&s);
		if (err)
			return err;
	}
	return 0;
}

int cmd_calibrate(int argc, char **argv)
{
	struct cli_opts o;
	struct tlbsim_profile prof;
	const struct tlbsim_profile *b;
	struct src_ctx sc;
	struct tlbsim_diag d;
	int64_t *delta, shift;
	size_t n;
	char *json = NULL, *tmp;
	int err;

	if ((err = cli_parse(argc, argv, "calibrate", "backend output profile", &o)))
		return err;
	if (o.help) {
		fputs(help, stdout);
		return 0;
	}
	if (!o.ntraces || !o.output)
		return cli_usage("calibrate", "needs CAPTURE... and -o PROFILE.json");
	if (!o.backend)
		o.backend = "kvm";
	o.policies[0] = "legacy";
	o.npolicies = 1;
	sc.base = o.profile ? o.profile : "generic";
	if ((b = tlbsim_profile_builtin(sc.base)))
		prof = *b;
	else if ((err = tlbsim_profile_load(sc.base, &prof, &d)))
		return cli_fail(&d);
	delta = calloc(o.ntraces, sizeof(*delta));
	if (!delta)
		return 2;
	err = pass(&o, sc.base, false, delta, &n, &d);
	if (!err && !n)
		err = tlbsim_diag_set(&d, TLBSIM_EINVAL, "no capture shows remote "
				      "shootdowns to calibrate on");
	if (err) {
		free(delta);
		return cli_fail(&d);
	}
	qsort(delta, n, sizeof(*delta), cmp_i64);
	shift = (int64_t)((double)delta[n / 2] * prof.ghz); /* ns -> cycles */
	for (int c = TLBSIM_DIST_SMT; c < TLBSIM_DIST_COUNT; c++)
		prof.ipi_latency[c] = (uint32_t)((int64_t)prof.ipi_latency[c] + shift > 0 ?
						 (int64_t)prof.ipi_latency[c] + shift : 0);
	snprintf(prof.name, sizeof(prof.name), "calibrated");
	snprintf(sc.note, sizeof(sc.note), "calibration: tlbsim calibrate on %zu "
		 "capture(s) (first: %s), backend %s: the base profile %s plus the median "
		 "observed - predicted send -> remote shootdown p50, %lld ns = %lld cycles",
		 o.ntraces, o.traces[0], o.backend, sc.base, (long long)delta[n / 2],
		 (long long)shift);
	json = tlbsim_profile_json(&prof, field_source, &sc);
	tmp = json ? strdup("/tmp/tlbsim-calibrate-XXXXXX") : NULL;
	if (tmp) {
		int fd = mkstemp(tmp);

		if (fd >= 0 && write(fd, json, strlen(json)) == (ssize_t)strlen(json)) {
			close(fd);
			printf("capture                                          "
			       "   observed  predicted (ns)\n");
			err = pass(&o, tmp, true, delta, &n, &d);
		} else {
			if (fd >= 0)
				close(fd);
			err = tlbsim_diag_set(&d, TLBSIM_EIO, "cannot write a temporary profile");
		}
		unlink(tmp);
	}
	if (!err)
		err = json ? tlbsim_write_file_atomic(o.output, json, strlen(json), &d) :
			     tlbsim_diag_set(&d, TLBSIM_ENOMEM, "out of memory");
	free(tmp);
	free(json);
	free(delta);
	return err ? cli_fail(&d) : 0;
}
