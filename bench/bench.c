/*
 * bench.c - throughput of each stage on one trace, printed as figures
 * (never asserted): reader only, model only (events parsed beforehand,
 * replayed from memory), and a full two-policy compare.
 *
 *   tlbsim-bench TRACE [--stage reader|model|compare]
 *
 * Prints events, seconds, events/s, ns/event, peak RSS (getrusage), and the
 * CPU time of all the process's threads over the same span: the input's
 * SHA-256 is hashed by a thread of its own, which a strict per-core figure
 * counts (events / CPU seconds).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tlbsim/kernel.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* user + system time of every thread of the process */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int make_sims(const struct tlbsim_trace_header *h, const char *const pols[2],
		     struct tlbsim_topology **topo, struct tlbsim_sim *sims[2])
{
	struct tlbsim_diag d;

	if (tlbsim_topology_default(h->cpus, topo, &d))
		return fprintf(stderr, "%s\n", d.msg), 2;
	for (int i = 0; i < 2 && pols[i]; i++) {
		struct tlbsim_sim_config cfg;

		memset(&cfg, 0, sizeof(cfg));
		tlbsim_policy_parse(pols[i], &cfg.policy, &d);
		cfg.cpus = h->cpus;
		cfg.clock = h->clock;
		cfg.ghz = h->ghz;
		cfg.topo = *topo;
		cfg.profile = tlbsim_profile_builtin("generic");
		cfg.backend = tlbsim_backend_find(h->backend[0] ? h->backend : "native");
		cfg.no_pcid = h->no_pcid;
		cfg.asid_history = h->asid_history;
		cfg.trace_name = "bench";
		if (tlbsim_sim_new(&cfg, &sims[i], &d))
			return fprintf(stderr, "%s\n", d.msg), 2;
	}
	return 0;
}

static void report(const char *stage, uint64_t n, double secs, double cpu)
{
	printf("%-8s %10llu events %8.3f s %12.0f events/s %8.1f ns/event  peak RSS %ld KiB"
	       "  CPU %.3f s, %.0f events/CPU-s\n",
	       stage, (unsigned long long)n, secs, (double)n / secs,
	       secs * 1e9 / (double)n, peak_rss_kb(), cpu, (double)n / cpu);
}

int main(int argc, char **argv)
{
	const char *stage = argc > 3 && !strcmp(argv[2], "--stage") ? argv[3] : "compare";
	/* --policy P after the stage: one policy instead of the two */
	const char *pols[2] = { "legacy", "wake-lazy" };
	struct tlbsim_trace_reader *r;
	struct tlbsim_trace_event ev, *all = NULL;
	struct tlbsim_topology *topo = NULL;
	struct tlbsim_sim *sims[2] = { NULL, NULL };
	struct tlbsim_diag d;
	uint64_t n = 0, cap = 0;
	double t0, c0, t1, c1;

	if (argc < 2) {
		fprintf(stderr, "usage: tlbsim-bench TRACE [--stage reader|model|compare "
			"[--policy P]]\n");
		return 2;
	}
	if (tlbsim_trace_open(argv[1], &r, &d))
		return fprintf(stderr, "%s\n", d.msg), 2;
	if (argc > 5 && !strcmp(argv[4], "--policy")) {
		pols[0] = argv[5];
		pols[1] = NULL;
	}
	if (strcmp(stage, "reader") && make_sims(tlbsim_trace_header(r), pols, &topo, sims))
		return 2;
	/* the stage decided once, not by a strcmp per event */
	bool compare = !strcmp(stage, "compare"), model = !strcmp(stage, "model");

	t0 = now_s();
	c0 = cpu_s();
	while (tlbsim_trace_next(r, &ev, &d) == 1) {
		n++;
		if (compare) {
			for (int i = 0; i < 2 && sims[i]; i++)
				if (tlbsim_sim_apply(sims[i], &ev, &d))
					return fprintf(stderr, "%s\n", d.msg), 2;
		} else if (model) {
			if (n > cap) {
				cap = cap ? 2 * cap : 1 << 16;
				all = realloc(all, cap * sizeof(*all));
				if (!all)
					return 2;
			}
			all[n - 1] = ev;
		}
	}
	if (model) {
		t0 = now_s();
		c0 = cpu_s();
		for (uint64_t k = 0; k < n; k++)
			for (int i = 0; i < 2 && sims[i]; i++)
				if (tlbsim_sim_apply(sims[i], &all[k], &d))
					return fprintf(stderr, "%s\n", d.msg), 2;
	}
	for (int i = 0; i < 2 && sims[i]; i++)
		tlbsim_sim_finish(sims[i], &d);
	/* the input's hash finished (its thread joined) inside the span, as
	 * a compare's report waits for it */
	tlbsim_trace_close(r);
	t1 = now_s();
	c1 = cpu_s();
	report(stage, n, t1 - t0, c1 - c0);
	for (int i = 0; i < 2; i++)
		tlbsim_sim_free(sims[i]);
	tlbsim_topology_free(topo);
	free(all);
	return 0;
}
