/*
 * kernel.h - one simulation: the x86 Linux TLB-flush protocol on a modeled
 * machine under one policy and one backend.
 *
 * The caller feeds trace events in trace order with tlbsim_sim_apply(); the
 * simulation converts trace time to cycles, runs its event queue up to that
 * point (IPIs in flight, handlers, RCU grace periods), and applies the event
 * on its CPU, late if that CPU is busy (the slip is counted). After the last
 * event, tlbsim_sim_finish() drains the queue. The result is plain data.
 *
 * All state is owned by struct tlbsim_sim: several simulations may run in
 * one process (compare feeds one trace to one simulation per policy).
 */
#ifndef TLBSIM_KERNEL_H
#define TLBSIM_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "tlbsim/error.h"
#include "tlbsim/machine.h"
#include "tlbsim/policy.h"
#include "tlbsim/result.h"
#include "tlbsim/trace.h"

struct tlbsim_sim;

struct tlbsim_sim_config {
	unsigned cpus;
	enum tlbsim_clock clock;  /* unit of trace times */
	double ghz;               /* ns -> cycles */
	const struct tlbsim_topology *topo;   /* borrowed; cpus PUs */
	const struct tlbsim_profile *profile; /* borrowed */
	struct tlbsim_policy policy;
	const struct tlbsim_backend *backend;
	const char *trace_name;   /* for "file:line" in model errors */
	bool no_pcid;             /* the CPUs lack PCID: every mm switch flushes */
	bool asid_history;        /* the CPUs ran before the trace: init_mm in
				   * no ASID slot (header "asid_history") */
	bool per_mm;              /* keep flush counts per mm (result.per_mm) */
};

int tlbsim_sim_new(const struct tlbsim_sim_config *cfg, struct tlbsim_sim **out,
		   struct tlbsim_diag *diag);
void tlbsim_sim_free(struct tlbsim_sim *s);

/* Apply one trace event. A negative return (TLBSIM_EMODEL) means the event
 * is outside the contract for the model's state (e.g. a touch on a CPU that
 * does not run that mm); @diag holds "file:line: reason". */
int tlbsim_sim_apply(struct tlbsim_sim *s, const struct tlbsim_trace_event *ev,
		     struct tlbsim_diag *diag);
/* Run what is pending up to trace time @t (inclusive) without applying an
 * event: what tlbsim_sim_apply() does first. Lets a narrator attribute the
 * consequences of one event (IPI handlers, acknowledgements) to it. */
int tlbsim_sim_advance(struct tlbsim_sim *s, uint64_t t, struct tlbsim_diag *diag);
/* Run everything still pending (acknowledgements, grace periods). */
int tlbsim_sim_finish(struct tlbsim_sim *s, struct tlbsim_diag *diag);

const struct tlbsim_result *tlbsim_sim_result(const struct tlbsim_sim *s);

/* ---- observation, for explain / timelines ---- */

enum tlbsim_obs_kind {
	TLBSIM_OBS_EVENT = 0,   /* a trace event is applied on cpu */
	TLBSIM_OBS_DECISION,    /* a modeled decision, with its condition (text) */
	TLBSIM_OBS_IPI_SEND,    /* cpu -> target, func */
	TLBSIM_OBS_HANDLER,     /* target ran func from cycle to end */
	TLBSIM_OBS_WAIT,        /* cpu waited from cycle to end */
	TLBSIM_OBS_LAZY,        /* cpu lazy from cycle to end (end 0: open) */
	TLBSIM_OBS_IRQ_OFF,     /* cpu had IRQs off from cycle to end */
	TLBSIM_OBS_GUP_FAST,    /* cpu in gup_fast from cycle to end */
	TLBSIM_OBS_HAZARD,      /* a hazard arose (index into result.hazards) */
	TLBSIM_OBS_STALL,       /* vCPU cpu held by the host from cycle to end,
				 * an IPI on its way (ipi_target_stall) */
	TLBSIM_OBS_FLUSH,       /* cpu wrote a tlb_flush record: text "local"
				 * (TLB_LOCAL_MM_SHOOTDOWN), "remote"
				 * (TLB_REMOTE_SHOOTDOWN), "send"
				 * (TLB_REMOTE_SEND_IPI), "switch" or
				 * "switch_noflush" (TLB_FLUSH_ON_TASK_SWITCH,
				 * a CR3 write with or without flush; in the
				 * idle task prefixed "idle_", in an IPI
				 * handler there "idle_irq_", of a switch the
				 * capture lost "unseen_"); index the mm
				 * (a switch's: the one loaded, 0 init_mm) */
};

struct tlbsim_obs {
	enum tlbsim_obs_kind kind;
	uint64_t cycle, end;    /* cycles */
	uint64_t t;             /* trace time of the event being applied */
	int cpu, target;        /* target -1 when none */
	const char *func;       /* kernel function modeled */
	const char *text;       /* what happened and why */
	const struct tlbsim_trace_event *ev; /* OBS_EVENT */
	uint64_t index;         /* HAZARD: hazard index; IPI_SEND, HANDLER: flow id */
};

typedef void (*tlbsim_observer_fn)(void *ctx, const struct tlbsim_obs *o);
/* Add an observer (at most 4); remove every observer registered with @ctx. */
int tlbsim_sim_observe(struct tlbsim_sim *s, tlbsim_observer_fn fn, void *ctx);
void tlbsim_sim_unobserve(struct tlbsim_sim *s, void *ctx);

/* A read-only view of one CPU, for state tables. */
struct tlbsim_cpu_view {
	uint32_t loaded_mm;   /* 0 = init_mm */
	bool is_lazy;
	bool irqs_off;
	bool preempted;
	unsigned asid;        /* loaded_mm_asid */
	uint64_t ctx_tlb_gen; /* ctxs[asid].tlb_gen */
	uint64_t mm_tlb_gen;  /* loaded mm's context.tlb_gen */
};
void tlbsim_sim_cpu_view(const struct tlbsim_sim *s, unsigned cpu,
			 struct tlbsim_cpu_view *out);
/* Convert cycles to trace time units. */
uint64_t tlbsim_sim_cycles_to_t(const struct tlbsim_sim *s, uint64_t cycles);

#endif
