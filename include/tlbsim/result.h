/*
 * result.h - what one simulation produced: counters, per-CPU figures and
 * hazards. Plain data, written by the kernel model, read by the report.
 */
#ifndef TLBSIM_RESULT_H
#define TLBSIM_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlbsim/policy.h"

enum tlbsim_hazard_kind {
	TLBSIM_HAZARD_STALE_PSC = 0,  /* PSC may reach a freed/unshared table */
	TLBSIM_HAZARD_GUP_FAST,       /* lockless walker vs table free/reuse */
	TLBSIM_HAZARD_STALE_TLB,      /* translation used after its flush completed */
	TLBSIM_HAZARD_ASID_TRANSITION,/* old-ASID CPU missed during transition */
	TLBSIM_HAZARD_COUNT
};

const char *tlbsim_hazard_name(enum tlbsim_hazard_kind k);

#define TLBSIM_CHAIN_MAX 6

/* One step of a causal chain: at trace time t, on cpu, what happened. */
struct tlbsim_chain_step {
	uint64_t t;
	int32_t cpu; /* -1: not CPU-specific */
	char what[200];
};

struct tlbsim_hazard {
	enum tlbsim_hazard_kind kind;
	uint32_t cpu;      /* the CPU at risk */
	uint32_t mm;
	uint64_t t;        /* trace time the hazard arose */
	char table[48];    /* "pmd@0x40000000" ("" when not about a table) */
	char cause[600];   /* the chain as one sentence */
	unsigned chain_len;
	struct tlbsim_chain_step chain[TLBSIM_CHAIN_MAX];
};

struct tlbsim_cpu_stats {
	uint64_t flush_ipis_received;
	uint64_t sync_ipis_received;
	uint64_t lazy_ipis_received; /* flush IPIs that found the CPU lazy */
	uint64_t flush_ipis_sent;
	uint64_t sync_ipis_sent;
	uint64_t handler_cycles;
	uint64_t wait_cycles;
	uint64_t slip_cycles;
	/* Done in the CPU's idle task (a `switch` with "idle": true), counted
	 * apart as well: a capture that records nothing of the idle task on
	 * that CPU lacks them (validate's predicted_in_capture). Task
	 * switches out of it; in its IPI handlers, the lazy CPU's switch to
	 * init_mm, remote shootdowns and wrong-CPU clearings. */
	uint64_t idle_switch_flush, idle_switch_noflush;
	uint64_t idle_irq_switch_flush, idle_irq_switch_noflush;
	uint64_t idle_irq_remote, idle_irq_wrong_cpu;
	/* Task switches the capture holds no record of (a `switch` with
	 * "unseen": true, an importer's inference), counted here and not
	 * above: predicted_in_capture leaves them out. */
	uint64_t unseen_switch_flush, unseen_switch_noflush;
	/* A flush the capture lost the records of (a `flush` with "unseen":
	 * true): the initiator's local flush, its remote-send record and the
	 * flush IPIs it queued, counted here too; the handlers it caused on
	 * other CPUs are recorded there and stay in. */
	uint64_t unseen_flush_local, unseen_flush_send, unseen_flush_ipis;
};

struct tlbsim_counters {
	/* IPIs (report ipis.*) */
	uint64_t ipi_flush, ipi_sync, ipi_to_lazy;
	/* flushes (report flushes.*) */
	uint64_t flush_local;       /* flush_tlb_func on the initiator, mm flush */
	uint64_t flush_remote;      /* flush_tlb_func on a target: TLB_REMOTE_SHOOTDOWN */
	uint64_t flush_full;        /* full flushes done by flush_tlb_func */
	uint64_t flush_partial;     /* INVLPG-range flushes done by flush_tlb_func */
	uint64_t flush_task_switch; /* CR3 loads with flush (TLB_FLUSH_ON_TASK_SWITCH, -1) */
	uint64_t task_switch_noflush; /* CR3 loads without flush */
	uint64_t wrong_cpu;         /* TLB_REMOTE_WRONG_CPU: stale cpumask bits cleared */
	uint64_t remote_send_ipi;   /* TLB_REMOTE_SEND_IPI: flush_tlb_multi calls */
	uint64_t hypercall_flushes; /* CPUs flushed by a Hyper-V/Xen hypercall */
	uint64_t invlpgb_flushes;   /* broadcast_tlb_flush calls */
	uint64_t kvm_deferred;      /* preempted vCPUs flagged KVM_VCPU_FLUSH_TLB */
	uint64_t sync_calls;        /* tlb_remove_table_sync_one() calls */
	uint64_t sync_skipped;      /* ... that returned without IPIs */
	uint64_t tables_freed;      /* page-table pages freed (after RCU) */
	uint64_t tables_reused;     /* freed without grace period (collapse deposit) */
	uint64_t mm_flushes;        /* flush_tlb_mm_range calls */
	uint64_t nested_flushes;    /* gathers made full by mm_tlb_flush_nested() */
	uint64_t faults;            /* touches outside any mapping (SIGSEGV) */
	/* cycles (report cycles.*) */
	uint64_t cycles_total, cycles_wait, cycles_handlers, cycles_slip;
};

/* A latency distribution, in trace time units (ns for ns traces). */
struct tlbsim_latency {
	uint64_t n;
	uint64_t p50, p90, p99;
};

/* Flushes of one mm (by the trace's id), with config per_mm: the same
 * counts as counters.flush_local, flush_remote and remote_send_ipi, as a
 * capture holds them: an unseen flush's own (tlbsim_cpu_stats) left out.
 * An id the trace reuses (exec, a pid again) may appear more than once. */
struct tlbsim_mm_counts {
	uint32_t mm;
	uint64_t flush_local, flush_remote, remote_send_ipi;
};

struct tlbsim_result {
	struct tlbsim_policy policy;
	const char *backend;
	struct tlbsim_counters c;
	unsigned ncpus;
	struct tlbsim_cpu_stats *per_cpu; /* ncpus entries */
	size_t nhazards;
	struct tlbsim_hazard *hazards;
	/* initiator's send -> last acknowledgement, per flush with IPIs */
	struct tlbsim_latency shootdown;
	/* send -> the target's flush (TLB_REMOTE_SHOOTDOWN), per flush IPI */
	struct tlbsim_latency send_to_remote_flush;
	size_t nper_mm;
	struct tlbsim_mm_counts *per_mm;
};

/*
 * Every counter of struct tlbsim_counters by its report name ("ipis.flush",
 * "counters.wrong_cpu", ...): one table for the report, the baseline and
 * the checker, so a name can never mean two things.
 */
struct tlbsim_counter_def {
	const char *name;
	size_t offset;       /* into struct tlbsim_counters */
	bool cycles;         /* depends on the cost profile, not the protocol */
};
const struct tlbsim_counter_def *tlbsim_counter_defs(size_t *n);
uint64_t tlbsim_counter_get(const struct tlbsim_counters *c,
			    const struct tlbsim_counter_def *d);

#endif
