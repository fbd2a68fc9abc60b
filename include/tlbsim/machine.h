/*
 * machine.h - the modeled machine: topology, cost profile, host detection.
 *
 * Topology comes from hwloc: a synthetic description ("pack:2 core:32 pu:2"),
 * an XML file (lstopo --of xml) or this host. What the simulator needs from
 * it is one dense table: the distance class of every pair of CPUs, computed
 * once at load (hwloc_get_common_ancestor_obj of the two PUs).
 *
 * The cost profile is a small transparent value: cycles per modeled
 * operation. Built-in profiles are compiled in; every figure names its
 * source in the profile's JSON (see profiles/ and issue #4).
 *
 * Host detection (libcpuid) describes this machine for `tlbsim host`.
 */
#ifndef TLBSIM_MACHINE_H
#define TLBSIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "tlbsim/error.h"

#define TLBSIM_MAX_CPUS 4096

/* Distance classes between two CPUs, nearest first. */
enum tlbsim_distance {
	TLBSIM_DIST_SELF = 0,
	TLBSIM_DIST_SMT,     /* same core (SMT siblings) */
	TLBSIM_DIST_L2,      /* share an L2 */
	TLBSIM_DIST_L3,      /* share an L3 */
	TLBSIM_DIST_PACKAGE, /* same package, no shared cache */
	TLBSIM_DIST_NUMA,    /* same NUMA node, other package */
	TLBSIM_DIST_REMOTE,  /* other package and node */
	TLBSIM_DIST_COUNT
};

const char *tlbsim_distance_name(enum tlbsim_distance d);

struct tlbsim_topology;

/* "pack:1 core:N pu:1": the default when a trace names no topology. */
int tlbsim_topology_default(unsigned cpus, struct tlbsim_topology **out,
			    struct tlbsim_diag *diag);
/* An hwloc synthetic description; it must have exactly @cpus PUs
 * (@cpus == 0: any count). */
int tlbsim_topology_synthetic(const char *desc, unsigned cpus,
			      struct tlbsim_topology **out,
			      struct tlbsim_diag *diag);
/* An hwloc XML file; CPUs are the PUs' OS indexes, which must be dense. */
int tlbsim_topology_xml(const char *path, struct tlbsim_topology **out,
			struct tlbsim_diag *diag);
/* This machine. */
int tlbsim_topology_host(struct tlbsim_topology **out,
			 struct tlbsim_diag *diag);
/* Write this host's topology as hwloc XML to @path (what `lstopo --of xml`
 * writes), for --topology xml: on another machine. */
int tlbsim_topology_host_export(const char *path, struct tlbsim_diag *diag);
void tlbsim_topology_free(struct tlbsim_topology *t);

unsigned tlbsim_topology_cpus(const struct tlbsim_topology *t);
/* The description as given (synthetic string, "xml:PATH" or "host"). */
const char *tlbsim_topology_desc(const struct tlbsim_topology *t);
/* O(1): a lookup in the table computed at load. a, b < cpus. */
enum tlbsim_distance tlbsim_topology_distance(const struct tlbsim_topology *t,
					      unsigned a, unsigned b);

/* Cycles per modeled operation (all integers are cycles). */
struct tlbsim_profile {
	char name[32];
	double ghz;                      /* core frequency */
	uint32_t ipi_send;               /* sender: one smp-call IPI, fixed part */
	uint32_t ipi_send_per_target;    /* sender: per target CPU queued */
	uint32_t ipi_latency[TLBSIM_DIST_COUNT]; /* send -> target interrupt */
	uint32_t ipi_target_stall;       /* before it: the target runs nothing */
	uint32_t irq_entry;              /* interrupt entry on the target */
	uint32_t irq_exit;               /* interrupt exit on the target */
	uint32_t flush_handler;          /* flush_tlb_func fixed cost */
	uint32_t invlpg;                 /* one INVLPG */
	uint32_t full_flush;             /* CR3 reload of the current PCID */
	uint32_t tlb_refill;             /* refill misses after a full flush */
	uint32_t cr3_noflush;            /* CR3 write, NOFLUSH */
	uint32_t cr3_flush;              /* CR3 write with flush */
	uint32_t invlpgb;                /* one INVLPGB */
	uint32_t tlbsync;                /* TLBSYNC wait */
	uint32_t hypercall_flush;        /* Hyper-V / Xen flush hypercall */
	uint32_t kvm_preempted_flush;    /* host flush of a preempted vCPU */
	uint32_t context_switch;         /* scheduler switch, without the CR3 part */
	uint32_t ack;                    /* target csd unlock seen by the sender */
	uint64_t rcu_grace;              /* minimum RCU grace period */
	uint32_t gather_walk;            /* unmap/zap/protect: tlb_gather_mmu ->
					  * tlb_finish_mmu (0: instantaneous) */
	uint32_t gather_walk_page;       /* ... plus this per present page */
	uint32_t gather_walk_protect_page; /* ... per present page of a protect:
					  * change_pte_range() rewrites the
					  * entry, no rmap, no free */
};

/* A compiled-in profile by name ("generic", ...), or NULL. */
const struct tlbsim_profile *tlbsim_profile_builtin(const char *name);
/* Their names for a message, "generic, ... or intel-spr-server", into @buf. */
void tlbsim_profile_names(char *buf, size_t size);
/* Load a profile JSON file (every field required, each with a "source"). */
int tlbsim_profile_load(const char *path, struct tlbsim_profile *out,
			struct tlbsim_diag *diag);

/* The profile as JSON in the format tlbsim_profile_load() reads, with the
 * source of each field given by @source (field name -> text). Caller frees. */
char *tlbsim_profile_json(const struct tlbsim_profile *p,
			  const char *(*source)(const char *field, void *ctx),
			  void *ctx);

/* This host as libcpuid sees it (raw CPUID leaves decoded where libcpuid has
 * no flag: PCID, INVPCID, INVLPGB). */
struct tlbsim_host {
	char vendor[16];
	char brand[64];
	int family, model, stepping;
	unsigned logical_cpus, cores;
	bool pcid, invpcid, invlpgb, x2apic, hypervisor;
	unsigned invlpgb_max_pages;
	char suggested_profile[32];
	/* The hypervisor's CPUID leaves (0x40000000-1): a KVM that offers
	 * the pv TLB flush (pv_tlb_flush_supported() would use it), a KVM
	 * that does not. */
	bool kvm_pv_flush, kvm_no_pv_flush;
	/* From the running kernel (tlbsim_host_kernel()): its flush backend
	 * as tlbsim names it ("" when nothing says), where that came from
	 * ("log": what the kernel logged at boot; when the log ring has lost
	 * that, "cmdline": a PVM guest's pvm_ parameters, "cpuid": no
	 * hypervisor, or KVM's feature leaves), and whether it maps the zero
	 * page on anonymous read faults. */
	char flush_backend[16];
	char flush_backend_from[8];
	bool zero_page;
};
int tlbsim_host_detect(struct tlbsim_host *out, struct tlbsim_diag *diag);

#endif
