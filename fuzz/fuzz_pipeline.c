/*
 * fuzz_pipeline.c - libFuzzer harness for the whole pipeline on native
 * input: reader, two simulations (legacy and an unsafe policy, so every
 * hazard path runs), the report. Model errors are fine; crashes are not.
 * Traces of the kvm backend run with the kvm-guest profile.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlbsim/kernel.h"
#include "tlbsim/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run(struct tlbsim_trace_reader *r, struct tlbsim_topology *topo)
{
	static const char *const pols[2] = { "legacy", "wake=freed+unshared,sync=never" };
	const struct tlbsim_trace_header *h = tlbsim_trace_header(r);
	const struct tlbsim_backend *b = tlbsim_backend_find(h->backend[0] ? h->backend : "native");
	/* a kvm trace runs with the kvm-guest profile, as validate does: its
	 * long sends and the vCPU stall (deferred local flushes, held walks) */
	const char *prof = b && b->id == TLBSIM_BACKEND_KVM ? "kvm-guest" : "generic";
	struct tlbsim_sim *sims[2] = { NULL, NULL };
	const struct tlbsim_result *res[2];
	struct tlbsim_trace_event ev;
	struct tlbsim_diag d;
	int err = 0, n = 0;
	uint64_t touched = 0;

	for (int i = 0; i < 2 && !err; i++) {
		struct tlbsim_sim_config cfg;

		memset(&cfg, 0, sizeof(cfg));
		tlbsim_policy_parse(pols[i], &cfg.policy, &d);
		cfg.cpus = h->cpus;
		cfg.clock = h->clock;
		cfg.ghz = h->ghz;
		cfg.topo = topo;
		cfg.profile = tlbsim_profile_builtin(prof);
		cfg.backend = b;
		cfg.no_pcid = h->no_pcid;
		cfg.asid_history = h->asid_history;
		cfg.trace_name = "fuzz";
		err = tlbsim_sim_new(&cfg, &sims[i], &d);
	}
	/* bound the simulated work per input: events, and pages touched (a
	 * touch may fault 1 GiB, a page at a time) */
	while (!err && n++ < 2000 && tlbsim_trace_next(r, &ev, &d) == 1) {
		if (ev.kind == TLBSIM_EV_TOUCH && (touched += ev.len) > (256u << 20))
			break;
		for (int i = 0; i < 2 && !err; i++)
			err = tlbsim_sim_apply(sims[i], &ev, &d);
	}
	for (int i = 0; i < 2 && !err; i++) {
		err = tlbsim_sim_finish(sims[i], &d);
		res[i] = tlbsim_sim_result(sims[i]);
	}
	if (!err) {
		struct tlbsim_report_input in;

		memset(&in, 0, sizeof(in));
		in.trace_path = "fuzz";
		in.trace_format = "native";
		in.cpus = h->cpus;
		in.topology = "t";
		in.profile = prof;
		in.backend = b->name;
		in.nresults = 2;
		in.results = res;
		free(tlbsim_report_json(&in));
	}
	for (int i = 0; i < 2; i++)
		tlbsim_sim_free(sims[i]);
	return err;
}

/* Topologies by CPU count, loaded once: hwloc costs milliseconds. (A
 * harness may keep state across inputs; the library keeps none.) */
static struct tlbsim_topology *topos[17];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlbsim_trace_reader *r;
	struct tlbsim_diag d;
	FILE *f = fmemopen((void *)data, size, "rb");

	if (!f)
		return 0;
	if (tlbsim_trace_open_stream(f, "fuzz", &r, &d) == 0) {
		unsigned cpus = tlbsim_trace_header(r)->cpus;

		/* keep machines small */
		if (cpus <= 16 && (topos[cpus] ||
				   !tlbsim_topology_default(cpus, &topos[cpus], &d)))
			run(r, topos[cpus]);
		tlbsim_trace_close(r);
	}
	fclose(f);
	return 0;
}
