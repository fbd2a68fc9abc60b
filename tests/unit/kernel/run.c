/* run.c - the helpers of run.h. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "run.h"

static void start(struct run *r, unsigned cpus, const char *policy,
		  const char *backend, bool no_pcid,
		  const struct tlbsim_profile *prof, bool asid_history)
{
	struct tlbsim_sim_config cfg;

	memset(r, 0, sizeof(*r));
	assert_int_equal(tlbsim_topology_default(cpus, &r->topo, &r->diag), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.cpus = cpus;
	cfg.clock = TLBSIM_CLOCK_NS;
	cfg.ghz = 2.5;
	cfg.topo = r->topo;
	cfg.profile = prof ? prof : tlbsim_profile_builtin("generic");
	cfg.backend = tlbsim_backend_find(backend);
	cfg.trace_name = "test";
	cfg.no_pcid = no_pcid;
	cfg.asid_history = asid_history;
	assert_int_equal(tlbsim_policy_parse(policy, &cfg.policy, &r->diag), 0);
	assert_int_equal(tlbsim_sim_new(&cfg, &r->sim, &r->diag), 0);
}

void run_start_prof(struct run *r, unsigned cpus, const char *policy,
		    const char *backend, bool no_pcid,
		    const struct tlbsim_profile *prof)
{
	start(r, cpus, policy, backend, no_pcid, prof, false);
}

void run_start_history(struct run *r, unsigned cpus, const char *policy,
		       const char *backend)
{
	start(r, cpus, policy, backend, false, NULL, true);
}

void run_start_cfg(struct run *r, unsigned cpus, const char *policy,
		   const char *backend, bool no_pcid)
{
	run_start_prof(r, cpus, policy, backend, no_pcid, NULL);
}

void run_start(struct run *r, unsigned cpus, const char *policy,
	       const char *backend)
{
	run_start_cfg(r, cpus, policy, backend, false);
}

int ev(struct run *r, uint64_t t, uint32_t cpu, enum tlbsim_ev_kind k,
       uint32_t mm, uint64_t addr, uint64_t len)
{
	struct tlbsim_trace_event e;

	memset(&e, 0, sizeof(e));
	e.t = t;
	e.cpu = cpu;
	e.kind = (uint16_t)k;
	e.mm = mm;
	e.addr = addr;
	e.len = len;
	e.dur = len;
	e.line = ++r->line;
	return tlbsim_sim_apply(r->sim, &e, &r->diag);
}

int evx(struct run *r, struct tlbsim_trace_event e)
{
	e.line = ++r->line;
	return tlbsim_sim_apply(r->sim, &e, &r->diag);
}

const struct tlbsim_result *run_end(struct run *r)
{
	assert_int_equal(tlbsim_sim_finish(r->sim, &r->diag), 0);
	return tlbsim_sim_result(r->sim);
}

void run_free(struct run *r)
{
	tlbsim_sim_free(r->sim);
	tlbsim_topology_free(r->topo);
}
