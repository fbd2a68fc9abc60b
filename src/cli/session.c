/*
 * session.c - open a trace, build its machine and simulations, feed events.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/fanout.h"

int cli_fail(const struct tlbsim_diag *d)
{
	fprintf(stderr, "tlbsim: %s\n", d->msg);
	return 2;
}

static bool is_capture(const struct tlbsim_trace_reader *r)
{
	const char *f = tlbsim_trace_format(r);

	return !strcmp(f, "perf") || !strcmp(f, "trace-cmd");
}

/* A topology error names where the topology came from: the trace's
 * header (its first line) or --topology. */
static int topology_error(const struct session *s, const struct cli_opts *o,
			  int err, struct tlbsim_diag *diag)
{
	char msg[sizeof(diag->msg)];

	snprintf(msg, sizeof(msg), "%s", diag->msg);
	if (o->topology)
		return tlbsim_diag_set(diag, err, "--topology: %s", msg);
	return tlbsim_diag_set(diag, err, "%s:1: header: %s", s->path, msg);
}

static int machine_setup(struct session *s, const struct tlbsim_trace_header *h,
			 const struct cli_opts *o, struct tlbsim_diag *diag)
{
	const char *fmt = tlbsim_trace_format(s->reader);
	bool capture = !strcmp(fmt, "perf") || !strcmp(fmt, "trace-cmd");
	const char *topo = o->topology ? o->topology : h->topology[0] ? h->topology : NULL;
	const char *profile = o->profile ? o->profile :
			      o->kvm_profile && !strcmp(s->backend->name, "kvm") ?
			      o->kvm_profile : NULL;
	const struct tlbsim_profile *p;
	int err;

	if (!topo)
		err = tlbsim_topology_default(h->cpus, &s->topo, diag);
	else if (!strncmp(topo, "xml:", 4))
		err = tlbsim_topology_xml(topo + 4, &s->topo, diag);
	else if (!strcmp(topo, "host"))
		err = tlbsim_topology_host(&s->topo, diag);
	else
		err = tlbsim_topology_synthetic(topo, h->cpus, &s->topo, diag);
	if (err)
		return topo ? topology_error(s, o, err, diag) : err;
	/* a capture on a described machine: CPUs idle at its start count too */
	if (capture && topo && (!strncmp(topo, "xml:", 4) || !strcmp(topo, "host")) &&
	    tlbsim_topology_cpus(s->topo) > h->cpus &&
	    (err = tlbsim_trace_set_cpus(s->reader, tlbsim_topology_cpus(s->topo), diag)))
		return err;
	if (tlbsim_topology_cpus(s->topo) != h->cpus) {
		tlbsim_diag_set(diag, TLBSIM_EINVAL, "topology \"%s\" has %u CPUs, "
			"the trace has %u", tlbsim_topology_desc(s->topo),
			tlbsim_topology_cpus(s->topo), h->cpus);
		return topology_error(s, o, TLBSIM_EINVAL, diag);
	}
	/* PCID: --pcid, else this host's when modeling it, else the trace's */
	s->no_pcid = h->no_pcid;
	if (profile && !strcmp(profile, "host")) {
		struct tlbsim_host host;

		if ((err = tlbsim_host_detect(&host, diag)))
			return err;
		p = tlbsim_profile_builtin(host.suggested_profile);
		s->no_pcid = !host.pcid;
	} else {
		p = tlbsim_profile_builtin(profile ? profile : "generic");
	}
	if (p)
		s->profile = *p;
	else if ((err = tlbsim_profile_load(profile, &s->profile, diag)))
		return err;
	s->ghz = h->ghz > 0 ? h->ghz : s->profile.ghz;
	if (o->pcid)
		s->no_pcid = !strcmp(o->pcid, "off");
	return 0;
}

int session_open(struct session *s, const char *path, const struct cli_opts *o,
		 struct tlbsim_diag *diag)
{
	static const char *const defaults[] = { "legacy", "wake-lazy" };
	const struct tlbsim_trace_header *h;
	const char *const *pols = o->npolicies ? o->policies : defaults;
	size_t npol = o->npolicies ? o->npolicies : 2;
	const char *bname;
	int err;

	memset(s, 0, sizeof(*s));
	s->path = path;
	s->per_mm = o->by_process;
	err = tlbsim_trace_open(path, &s->reader, diag);
	if (err)
		return err;
	if (o->zero_page &&
	    (err = tlbsim_trace_set_zero_page(s->reader, strcmp(o->zero_page, "off"), diag)))
		return err;
	/* a capture's header says it too (what import writes) */
	if (o->pcid && is_capture(s->reader) &&
	    (err = tlbsim_trace_set_pcid(s->reader, strcmp(o->pcid, "off"), diag)))
		return err;
	h = tlbsim_trace_header(s->reader);
	bname = o->backend ? o->backend : h->backend[0] ? h->backend :
		o->backend_default ? o->backend_default : "native";
	s->backend = tlbsim_backend_find(bname);
	if (!s->backend) {
		char names[80];

		tlbsim_backend_names(names, sizeof(names));
		return tlbsim_diag_set(diag, TLBSIM_EINVAL, "unknown backend \"%s\" "
			"(expected %s)", bname, names);
	}
	err = machine_setup(s, h, o, diag);
	if (err)
		return err;
	for (size_t i = 0; i < npol; i++) {
		struct tlbsim_sim_config cfg;

		memset(&cfg, 0, sizeof(cfg));
		err = tlbsim_policy_parse(pols[i], &cfg.policy, diag);
		if (err)
			return err;
		cfg.cpus = h->cpus;
		cfg.clock = h->clock;
		cfg.ghz = s->ghz;
		cfg.topo = s->topo;
		cfg.profile = &s->profile;
		cfg.backend = s->backend;
		cfg.no_pcid = s->no_pcid;
		cfg.asid_history = h->asid_history;
		cfg.per_mm = s->per_mm;
		cfg.trace_name = tlbsim_trace_name(s->reader);
		err = tlbsim_sim_new(&cfg, &s->sims[i], diag);
		if (err)
			return err;
		s->n++;
	}
	return 0;
}

/* Apply every event to each simulation: in threads (fanout.h), unless
 * something observes the simulations or steps with them. */
static int session_feed(struct session *s, session_hook hook, void *ctx,
			struct tlbsim_diag *diag)
{
	struct tlbsim_trace_event ev;
	int r;

	if (!hook && !s->serial && s->n)
		return fanout_run(s->reader, s->sims, s->n, NULL, NULL, diag);
	while ((r = tlbsim_trace_next(s->reader, &ev, diag)) > 0) {
		if (hook) {
			for (size_t i = 0; i < s->n; i++)
				if ((r = tlbsim_sim_advance(s->sims[i], ev.t, diag)))
					return r;
			hook(ctx, &ev);
		}
		for (size_t i = 0; i < s->n; i++)
			if ((r = tlbsim_sim_apply(s->sims[i], &ev, diag)))
				return r;
	}
	return r;
}

int session_run(struct session *s, session_hook hook, void *ctx,
		struct tlbsim_diag *diag)
{
	int r = session_feed(s, hook, ctx, diag);

	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n; i++) {
		if ((r = tlbsim_sim_finish(s->sims[i], diag)))
			return r;
		s->results[i] = tlbsim_sim_result(s->sims[i]);
	}
	return 0;
}

void session_report_input(const struct session *s, struct tlbsim_report_input *in)
{
	memset(in, 0, sizeof(*in));
	in->trace_path = s->path;
	in->trace_format = tlbsim_trace_format(s->reader);
	tlbsim_trace_sha256(s->reader, in->trace_sha256);
	in->trace_events = tlbsim_trace_events(s->reader);
	in->trace_bytes = tlbsim_trace_bytes(s->reader);
	in->cpus = tlbsim_topology_cpus(s->topo);
	in->topology = tlbsim_topology_desc(s->topo);
	in->profile = s->profile.name;
	in->ghz = s->ghz;
	in->backend = s->backend->name;
	in->no_pcid = s->no_pcid;
	in->nresults = s->n;
	in->results = s->results;
}

void session_close(struct session *s)
{
	for (size_t i = 0; i < s->n; i++)
		tlbsim_sim_free(s->sims[i]);
	tlbsim_topology_free(s->topo);
	tlbsim_trace_close(s->reader);
	memset(s, 0, sizeof(*s));
}
