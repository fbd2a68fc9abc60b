/*
 * policy.h - what differs between flush policies and flush backends.
 *
 * A policy is two independent switches (the seed patch made two changes):
 *   wake: which mmu_gather flags wake lazy CPUs in the x86 tlb_flush()
 *         (freed_tables only, as before the patch; or freed || unshared);
 *   sync: when tlb_remove_table_sync_one() sends its broadcast IPI
 *         (always; not on the native IPI backend, as the patch's static key
 *         tlb_ipi_broadcast_key; never, which is unsafe on purpose).
 * Named: legacy = wake=freed,sync=always; wake-lazy = wake=freed+unshared,
 * sync=native.
 *
 * A backend is data, in the manner of Redis' dictType: the paravirt
 * flush_tlb_multi implementation the modeled kernel uses.
 */
#ifndef TLBSIM_POLICY_H
#define TLBSIM_POLICY_H

#include <stdbool.h>

#include "tlbsim/error.h"

enum tlbsim_wake { TLBSIM_WAKE_FREED = 0, TLBSIM_WAKE_FREED_UNSHARED };
enum tlbsim_sync { TLBSIM_SYNC_ALWAYS = 0, TLBSIM_SYNC_NATIVE, TLBSIM_SYNC_NEVER };

struct tlbsim_policy {
	char name[64]; /* "legacy", "wake-lazy" or "wake=...,sync=..." */
	enum tlbsim_wake wake;
	enum tlbsim_sync sync;
};

/* Parse "legacy", "wake-lazy" or "wake=freed|freed+unshared,sync=always|native|never"
 * (either key may be omitted: wake defaults to freed, sync to always). */
int tlbsim_policy_parse(const char *s, struct tlbsim_policy *out,
			struct tlbsim_diag *diag);
const char *tlbsim_wake_name(enum tlbsim_wake w);
const char *tlbsim_sync_name(enum tlbsim_sync s);

enum tlbsim_backend_id {
	TLBSIM_BACKEND_NATIVE = 0,
	TLBSIM_BACKEND_KVM,
	TLBSIM_BACKEND_HYPERV,
	TLBSIM_BACKEND_XEN,
	TLBSIM_BACKEND_INVLPGB,
	TLBSIM_BACKEND_PVM,
	TLBSIM_BACKEND_COUNT
};

/* pv_ops.mmu.flush_tlb_multi as data. */
struct tlbsim_backend {
	enum tlbsim_backend_id id;
	const char *name;
	const char *models;      /* kernel function modeled */
	bool skips_preempted;    /* kvm_flush_tlb_multi: preempted vCPUs flagged */
	bool hypercall;          /* hyperv/xen: hypervisor flushes, no handler runs */
	bool hypercall_lazy_filter; /* hyperv: do_lazy = !wake_lazy_cpus */
	bool hypercall_others;   /* pvm: the hypercall flushes the other vCPUs,
				  * native_flush_tlb_multi() the initiator */
	bool exit_flush;         /* pvm: exit_mmap() flushes the mm first */
	bool global_asids;       /* invlpgb: broadcast_tlb_flush for global ASIDs */
	bool ipi_broadcast_key;  /* native_pv_tlb_init() would enable tlb_ipi_broadcast_key */
};

/* By name ("native", "kvm", "hyperv", "xen", "invlpgb", "pvm"), or NULL. */
const struct tlbsim_backend *tlbsim_backend_find(const char *name);
const struct tlbsim_backend *tlbsim_backend_get(enum tlbsim_backend_id id);
/* Their names for a message, "native, kvm, ... or pvm", into @buf. */
void tlbsim_backend_names(char *buf, size_t size);

/* x86 tlb_flush(): wake_lazy_cpus for a gather with these flags. */
bool tlbsim_policy_wake_lazy(const struct tlbsim_policy *p, bool freed_tables,
			     bool unshared_tables);
/* tlb_remove_table_sync_one(): true when the broadcast is skipped. */
bool tlbsim_policy_skip_sync(const struct tlbsim_policy *p,
			     const struct tlbsim_backend *b);

#endif
