/* run.h - the kernel model driven event by event, for test_kernel's
 * files: a simulation of a default topology, events applied one by one. */
#ifndef TLBSIM_TEST_KERNEL_RUN_H
#define TLBSIM_TEST_KERNEL_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "tlbsim/kernel.h"

struct run {
	struct tlbsim_topology *topo;
	struct tlbsim_sim *sim;
	struct tlbsim_diag diag;
	uint64_t line;
};

/* @prof: NULL for the generic profile. */
void run_start_prof(struct run *r, unsigned cpus, const char *policy,
		    const char *backend, bool no_pcid,
		    const struct tlbsim_profile *prof);
void run_start_cfg(struct run *r, unsigned cpus, const char *policy,
		   const char *backend, bool no_pcid);
void run_start(struct run *r, unsigned cpus, const char *policy,
	       const char *backend);
/* The CPUs ran before the trace (a capture's): init_mm in no ASID slot. */
void run_start_history(struct run *r, unsigned cpus, const char *policy,
		       const char *backend);
/* One event; its result (0, or the model's error with r->diag set). */
int ev(struct run *r, uint64_t t, uint32_t cpu, enum tlbsim_ev_kind k,
       uint32_t mm, uint64_t addr, uint64_t len);
int evx(struct run *r, struct tlbsim_trace_event e);
const struct tlbsim_result *run_end(struct run *r);
void run_free(struct run *r);

#define EV(r, ...) assert_int_equal(evx((r), (struct tlbsim_trace_event){ __VA_ARGS__ }), 0)

/* The groups of the other files, run by test_kernel.c's main(): each
 * returns its failures. */
int kernel_before_tests(void);
int kernel_gather_tests(void);
int kernel_idle_tests(void);

#endif
