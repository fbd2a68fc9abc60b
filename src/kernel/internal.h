/*
 * internal.h - the kernel model's state, shared by the files of src/kernel/
 * and by the hazard checker (which observes it, read-only).
 *
 * Names follow the kernel (arch/x86/mm/tlb.c, mm/mmu_gather.c): tlb_gen,
 * ctx_id, is_lazy, mm_cpumask, freed_tables, wake_lazy_cpus. Every function
 * that models a kernel function names it in a comment.
 */
#ifndef TLBSIM_KERNEL_INTERNAL_H
#define TLBSIM_KERNEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlbsim/engine.h"
#include "tlbsim/idmap.h"
#include "tlbsim/kernel.h"
#include "kernel/pgtable.h"

#define TLB_NR_DYN_ASIDS 6            /* per-CPU dynamic ASID slots */
#define TLB_FLUSH_CEILING 33          /* tlb_single_page_flush_ceiling */
#define ASID_GLOBAL 0xffff            /* loaded_asid: on the mm's global ASID */
#define INIT_MM 0                     /* index of init_mm in sim->mms */
#define INIT_MM_CTX_ID 1
#define NEVER UINT64_MAX

struct vma {
	uint64_t start, end;
	bool hugetlb;
	bool shared;   /* MAP_SHARED: page-cache pages, dirtied by writes */
};

/* A bitmap of CPUs (mm_cpumask). */
struct cpumask {
	uint64_t *bits;
};

/* Recent invalidations of an mm's translations, for stale_tlb. */
#define INVAL_RING 64
struct inval {
	uint64_t seq;
	uint64_t start, end;
	uint64_t done;            /* cycle its flush completed, NEVER until then */
	uint64_t t;               /* trace time of the event */
	uint32_t cpu;
	uint16_t ev;
};

struct mm {
	bool in_use;
	uint32_t trace_id;        /* the number the trace names it by */
	bool named;               /* mm_ids maps trace_id to it (until exit) */
	struct tlbsim_mm_counts counts; /* with cfg.per_mm */
	uint64_t ctx_id;
	uint64_t tlb_gen;         /* context.tlb_gen */
	struct cpumask cpumask;
	uint64_t next_trim;       /* cycle: should_trim_cpumask() */
	bool global_asid;         /* mm_global_asid() != 0 */
	bool asid_transition;     /* context.asid_transition */
	uint32_t *pgd;            /* PTRS_PER_TABLE PUD-table ids */
	struct vma *vmas;         /* sorted by start, non-overlapping */
	uint64_t *vend;           /* vmas[i].end, packed: what the search reads */
	uint32_t nvmas, capvmas;
	uint32_t vma_hint[64];    /* vma_index_after()'s last answer for each
				   * 2 MiB region, by its number mod 64 */
	uint64_t inval_seq;
	struct inval inval[INVAL_RING];
	/* the last flush that left a lazy CPU behind, for causal chains */
	uint64_t last_lazy_skip_t;
	uint32_t tlb_flush_pending; /* mmu_gathers in flight (inc_tlb_flush_pending) */
};

struct asid_ctx {
	uint64_t ctx_id;
	uint64_t tlb_gen;
	/* paging-structure-cache bookkeeping for this PCID (cycles) */
	uint64_t flushed_at;      /* last flush of this PCID */
	uint64_t loaded_since;    /* current load into CR3 (valid while loaded) */
	uint64_t last_unload;     /* end of the previous load, 0 if none */
};

enum skip_reason {
	SKIP_NONE = 0,
	SKIP_LAZY,          /* should_flush_tlb(): lazy, wake_lazy_cpus false */
	SKIP_HYPERV_LAZY,   /* hyperv_flush_tlb_multi(): do_lazy */
	SKIP_KVM_PREEMPTED, /* kvm_flush_tlb_multi(): preempted, flagged */
	SKIP_HYPERCALL,     /* flushed by the hypervisor: no handler ran */
};

/* A queued smp-call (csd) on a target CPU. */
enum csd_func { CSD_FLUSH_TLB_FUNC = 1, CSD_TABLE_SYNC };

struct csd {
	uint8_t func;
	uint32_t from;            /* initiating CPU, whose op waits */
	uint64_t op_seq;          /* the op it belongs to */
	uint64_t sent;            /* cycle sent */
	uint64_t flow;            /* observer flow id */
};

struct csd_queue {
	struct csd *q;
	uint32_t head, len, cap;
};

enum lock_mode { LOCK_NONE = 0, LOCK_READ, LOCK_WRITE };

/* A trace event on its way in: its mmap_lock tickets (mm, with) and the
 * mode it takes the lock in, worked out once (mmlock_ticket()). Its event
 * holds what the model reads: the fields of an observed event (which never
 * gets here) stay empty, and are not copied from queue to queue. */
struct pending {
	uint64_t ticket[2];
	uint8_t mode;              /* enum lock_mode */
	struct tlbsim_trace_event ev;
};

#define PENDING_COPY (offsetof(struct pending, ev) + \
		      offsetof(struct tlbsim_trace_event, what))

/* Trace events waiting for their CPU (busy) or their turn (mmap_lock). */
struct deferred {
	struct pending *q;
	uint32_t head, len, cap;
};

/* Per trace mm id: tickets issued and started, current holders. */
struct mmlock {
	bool writer;
	bool gone;                 /* its mm exited: dropped once idle */
	uint32_t id;
	uint32_t readers;
	uint64_t issued, started;
};

/* What flush_tlb_mm_range() was asked to do (struct flush_tlb_info). */
struct flush_info {
	uint32_t mm;
	uint64_t start, end;      /* end == NEVER: TLB_FLUSH_ALL */
	uint8_t stride_shift;
	bool wake_lazy_cpus;      /* freed_tables before Lance Yang v10 */
	bool trim_cpumask;
	uint64_t new_tlb_gen;
	uint32_t initiating_cpu;
	bool unseen;              /* the initiator's own records are not in
				   * the capture (a `flush` with "unseen") */
};

/* Multi-stage operations an initiator runs while its later events wait. */
enum op_kind {
	OP_NONE = 0,
	OP_GATHER,   /* unmap / zap / protect / unshare / exit / raw flush:
		      * flush, sync if fully unshared, then free or hand over */
	OP_COLLAPSE, /* flush, sync, reuse the PTE table */
	OP_SYNC,     /* raw tlb_remove_table_sync_one() */
};

/* ST_WALK: between tlb_gather_mmu() and tlb_finish_mmu(), the initiator
 * walks the range (profile gather_walk); the flush stage follows. */
enum op_stage { ST_FLUSH = 0, ST_SYNC, ST_DONE, ST_WALK };

struct op {
	uint8_t kind;
	uint8_t stage;
	uint64_t seq;              /* unique */
	uint32_t pending;          /* acknowledgements still awaited */
	uint64_t started;          /* cycle the current wait began */
	uint64_t local_done;       /* cycle the initiator's own work ends */
	/* the initiator's own flush_tlb_func, due once its IPIs are out */
	bool local_pending, local_all;
	bool local_waiting;        /* due while stalled or in a handler */
	bool walk_blocked;         /* the walk's end came during a stall */
	bool sync_needed;
	bool exit_mm;              /* exit: the mm dies at the end */
	bool flush_pending;        /* holds one of the mm's tlb_flush_pending */
	uint32_t mm;
	struct tlbsim_trace_event ev; /* the trace event that started it */
	uint64_t inval_seq;        /* invalidation to mark done, 0 if none */
	struct dead_link *links;   /* unlinked tables to free/reuse/hand over */
	uint32_t nlinks, caplinks;
	struct flush_info fi;      /* the flush the IPIs carry */
	uint8_t lock_mode;         /* mmap_lock held until the op ends */
	uint32_t lock_mm, lock_with; /* trace ids */
	uint32_t sync_targets;     /* sync IPIs sent (0: skipped or none) */
	bool sync_skipped;
	/* flushes of full page batches (GATHER_PAGES_MAX) not yet done, and
	 * the gather's own flush, which follows them */
	uint32_t batch_flushes;
	bool batch_out;            /* the flush in flight is a batch's */
	/* the walk past the first page batch: its rest, walked a batch at a
	 * time between the batches' flushes (gather_step()) */
	uint64_t walk_rest, walk_batch;
	bool walk_due;             /* a batch flushed: walk the next first */
	bool walk_resume;          /* the ST_WALK under way is such a part */
	uint64_t fin_start, fin_end;
	uint8_t fin_stride;
	bool fin_wake;
	/* after a split gather's flush (and sync): the freed tables' flush */
	bool late;
	uint64_t late_start, late_end;
	uint8_t late_stride;
	bool late_wake;
};

struct cpu {
	bool active;               /* a trace event has named it */
	uint8_t *dist;             /* distance class to each CPU, made at its
				    * first table-sync broadcast */
	uint32_t loaded_mm;        /* mm index; INIT_MM = init_mm */
	uint16_t loaded_asid;      /* 0..5, or ASID_GLOBAL */
	uint16_t next_asid;
	bool is_lazy;              /* cpu_tlbstate_shared.is_lazy */
	bool in_idle;              /* lazy in its idle task (a switch with
				    * "idle": true), not a kernel thread */
	struct asid_ctx ctxs[TLB_NR_DYN_ASIDS];
	struct asid_ctx global;    /* PSC bookkeeping of the global ASID */
	/* time windows (cycles); merged when they overlap */
	uint64_t irq_off_since, irq_off_until;
	uint64_t preempt_since, preempt_until;
	uint64_t gup_since, gup_until;
	uint32_t gup_mm;
	uint32_t gup_path[3];      /* PUD, PMD, PTE tables walked */
	uint64_t gup_t;
	bool kvm_flush_pending;    /* KVM_VCPU_FLUSH_TLB set by a flusher */
	uint64_t handler_until;    /* running an IPI handler until */
	struct op op;              /* what this CPU initiated and waits for */
	struct csd_queue csd;
	struct deferred deferred;
	bool on_waiting;           /* listed in sim->waiting */
	uint64_t lazy_since;       /* for the observer */
	/* why the last flush of an mm did not reach this CPU (causal chains) */
	uint8_t skip_reason;       /* enum skip_reason */
	uint32_t skip_mm;
	uint64_t skip_t;
	struct csd cur;            /* the csd whose handler is running */
	bool in_handler;
	bool switch_unseen;   /* applying a `switch` the capture holds no record of */
	bool busy_before;     /* ran a user task when the trace began
			       * (running_before): init_mm's slot is old */
	/* IPIs in flight to it whose stall has begun (ipi_target_stall):
	 * it runs nothing until they arrive */
	uint32_t stalls;
	uint64_t stall_since;
	/* a small TLB for stale_tlb: direct mapped */
	struct tlb_entry *tlb;
	/* a full flush of an ASID bumps its epoch: O(1), no scan of the TLB */
	uint32_t tlb_epoch[TLB_NR_DYN_ASIDS + 1];
};

#define TLB_ENTRIES 256
struct tlb_entry {
	uint64_t vpage;            /* 0: empty (page 0 is never user-mapped) */
	uint64_t ctx_id;
	uint64_t fill_seq;         /* mm->inval_seq at fill */
	uint64_t fill_t;           /* trace time of the fill */
	uint64_t size;             /* 4 KiB or 2 MiB */
	uint32_t epoch;            /* valid while equal to its ASID's epoch */
	uint16_t asid;
};

struct rcu_cb {
	struct dead_link link;
	uint64_t gp_start;         /* cycle call_rcu() ran */
};

/*
 * A latency histogram with bounded memory: values below 128 exactly, above
 * that 64 buckets per power of two (under 1.6 % error), up to 2^48.
 */
#define HIST_BUCKETS (128 + 41 * 64)
struct hist {
	uint64_t n;
	uint32_t b[HIST_BUCKETS];
};
struct sim {
	struct tlbsim_sim_config cfg;
	struct tlbsim_profile prof;
	uint64_t ghz_milli;        /* clock: GHz in thousandths (sim.c) */
	uint64_t t_fast_max;       /* UINT64_MAX / ghz_milli: the times whose
				    * cycles a 64-bit product gives, worked
				    * out once, not by a division (tens of
				    * cycles) per event */
	struct tlbsim_engine *eng;
	unsigned ncpus;
	struct cpu *cpus;
	/* CPUs a trace event has named, in CPU order: only they can load a
	 * user mm, open an IRQ-off, gup_fast or preemption window, so the
	 * checks that look for such state visit them, not the machine. */
	uint32_t *active;
	uint32_t nactive;
	/* Quiet CPUs (not active) only take broadcast IPIs: their handlers'
	 * end and the count they took, packed (ipi_quiet()); folded into
	 * struct cpu and the per-CPU results when one becomes active and at
	 * the end (quiet_fold()). */
	uint64_t *quiet_until;
	uint32_t *quiet_taken;
	struct mm *mms;            /* index 0: init_mm */
	uint32_t nmms, capmms;
	uint32_t *mm_free;         /* free mm indexes */
	uint32_t nmm_free;
	struct tlbsim_idmap mm_ids;   /* trace id -> index in mms */
	uint64_t next_ctx_id;
	struct pt_table *tables;   /* pool; id = index; 0 unused */
	uint32_t ntables, captables;
	uint32_t *table_free;
	uint32_t ntable_free, captable_free;
	bool resume_waiters;       /* a lock was released */
	uint32_t *waiting;         /* CPUs with deferred events (no O(cpus) scans) */
	uint32_t nwaiting;
	struct mmlock *locks;      /* found by trace mm id in lock_ids */
	uint32_t nlocks, caplocks;
	struct tlbsim_idmap lock_ids;
	uint32_t *lock_free, nlock_free;   /* slots of dropped locks */
	struct rcu_cb *rcu;        /* pending callbacks, FIFO */
	uint32_t rcu_head, rcu_len, rcu_cap;
	bool rcu_check_scheduled;
	uint64_t op_seq;
	uint64_t flow_seq;
	uint64_t last_t;           /* trace time of the last applied event */
	struct tlbsim_result res;
	size_t cap_per_mm;          /* res.per_mm's room */
	struct hist lat_shootdown;   /* cycles */
	struct hist lat_remote;      /* cycles */
	size_t caphazards;
	/* recently gone links, for speculate */
	struct dead_link gone[64];
	uint32_t gone_next;
	tlbsim_observer_fn obs[4];  /* explain, timelines: several at once */
	void *obs_ctx[4];
	unsigned nobs;
	uint64_t obs_index;        /* index reported with the next observation */
	struct tlbsim_diag *diag;  /* where apply-time model errors go */
	const struct tlbsim_trace_event *cur; /* event being applied */
	int err;                   /* first model error while draining */
};

/* engine event kinds */
enum sim_ev {
	SEV_IPI_ARRIVE = 1,  /* data: struct ev_ipi */
	SEV_HANDLER_DONE,    /* data: struct ev_cpu */
	SEV_CPU_WAKE,        /* data: struct ev_cpu */
	SEV_OP_CONTINUE,     /* data: struct ev_cpu */
	SEV_RCU_CHECK,
	SEV_ACK_MANY,        /* data: struct ev_acks */
	SEV_QUIET_DONE,      /* data: struct ev_cpu */
	SEV_LOCAL_FLUSH,     /* data: struct ev_op */
	SEV_IPI_STALL,       /* data: struct ev_cpu */
};

/* A stage of the op @op_seq of CPU @cpu. */
struct ev_op {
	uint32_t cpu;
	uint64_t op_seq;
};

/* The acknowledgements of a broadcast's quiet targets, at once. */
struct ev_acks {
	uint32_t cpu, n;
	uint64_t op_seq;
};

struct ev_cpu {
	uint32_t cpu;
};

struct ev_ipi {
	uint32_t target;
	struct csd csd;
};

/* ---- latency.c ---- */
void hist_add(struct hist *h, uint64_t v);
void hist_result(const struct hist *h, struct tlbsim_latency *out,
		 uint64_t (*conv)(const struct sim *, uint64_t), const struct sim *s);

/* ---- sim.c ---- */
uint64_t sim_now(const struct sim *s);
uint64_t sim_second(const struct sim *s); /* cycles in one second */
uint64_t sim_cycles(const struct sim *s, uint64_t t); /* trace units -> cycles */
uint64_t sim_t(const struct sim *s, uint64_t cycles); /* cycles -> trace units */
void sim_schedule(struct sim *s, uint64_t at, int kind, const void *data,
		  size_t len);
void sim_observe(struct sim *s, enum tlbsim_obs_kind kind, int cpu,
		 int target, uint64_t cycle, uint64_t end, const char *func,
		 const char *fmt, ...) __attribute__((format(printf, 8, 9)));
bool sim_observing(const struct sim *s);
int sim_model_error(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cpu_try_resume(struct sim *s, uint32_t c);
bool cpu_can_take_irq(const struct sim *s, const struct cpu *cpu);
bool cpu_busy(const struct sim *s, const struct cpu *cpu);

/* ---- mm.c ---- */
struct mm *mm_get(struct sim *s, uint32_t idx);
int mm_lookup(struct sim *s, uint32_t trace_id, bool create, uint32_t *idx);
void mm_unname(struct sim *s, uint32_t idx);
void mm_destroy(struct sim *s, uint32_t idx);
bool cpumask_test(const struct cpumask *m, uint32_t cpu);
void cpumask_set(struct cpumask *m, uint32_t cpu);
void cpumask_clear(struct cpumask *m, uint32_t cpu);
/* next set bit >= from, or ncpus */
uint32_t cpumask_next(const struct cpumask *m, uint32_t from, uint32_t ncpus);
bool cpumask_any_but(const struct cpumask *m, uint32_t cpu, uint32_t ncpus);
int vma_add(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
	    bool hugetlb, bool shared);
int vma_remove(struct mm *mm, uint64_t start, uint64_t end);
/* The first VMA (index) ending above @addr; nvmas when none. */
uint32_t vma_index_after(struct mm *mm, uint64_t addr);
const struct vma *vma_find(struct mm *mm, uint64_t addr);
bool vma_intersects(struct mm *mm, uint64_t start, uint64_t end);
uint64_t inval_begin(struct mm *mm, uint64_t start, uint64_t end,
		     const struct tlbsim_trace_event *ev);
void inval_done(struct mm *mm, uint64_t seq, uint64_t cycle);

/* ---- pgtable.c ---- */
struct pt_table *pt_get(struct sim *s, uint32_t id);
uint32_t pt_alloc(struct sim *s, enum pt_level level, uint64_t base,
		  uint32_t mm, uint64_t now);
void pt_link_add(struct sim *s, struct pt_table *t, uint32_t mm, uint64_t now);
void pt_link_drop(struct pt_table *t, uint32_t mm);
const struct pt_link *pt_link_of(const struct pt_table *t, uint32_t mm);
void pt_release(struct sim *s, uint32_t id);
void pt_walk(struct sim *s, struct mm *mm, uint64_t addr, uint32_t path[3]);
const char *pt_level_name(enum pt_level l);

/* ---- gather.c: trace events that change page tables ---- */
/* mmu_gather's page batches: the on-stack bundle (MMU_GATHER_BUNDLE, 8)
 * and at most MAX_GATHER_BATCH_COUNT (10000 / 510 = 19) batch pages of
 * MAX_GATHER_BATCH (510) entries, each left one entry short of full
 * (__tlb_remove_folio_pages_size() keeps room for a page + nr pair): the
 * add that fills the last returns "full", and zap_pte_range() flushes
 * (tlb_flush_mmu) and goes on with the batches emptied. */
#define GATHER_PAGES_MAX (7 + 19 * 509)

struct gather {
	uint32_t mm;
	uint64_t start, end;       /* range; start > end: empty */
	uint64_t freed_pages;      /* pages (folios) unmap/zap queued to free */
	/* PTE tables whose zap cleared a dirty page-cache page: each forced
	 * a flush at its end; tail_flushed: nothing gathered since the last */
	uint32_t dirty_flushes;
	bool tail_flushed;
	/* an unmap that unshared hugetlb PMD tables flushed them at once
	 * (split), before free_pgtables() gathered the rest: that flush */
	bool split;
	uint64_t unshare_start, unshare_end;
	uint8_t unshare_cleared;
	uint8_t cleared;           /* bitmask: 1<<level cleared (1=pte..4=p4d) */
	bool freed_tables;
	bool unshared_tables;
	bool fully_unshared_tables;
	bool fullmm;
	struct dead_link *links;   /* unlinked tables, owned by the op after */
	uint32_t nlinks, caplinks;
};
void gather_init(struct gather *g, uint32_t mm, bool fullmm);
void gather_adjust(struct gather *g, uint64_t start, uint64_t size, int level);
int gather_unlink(struct sim *s, struct gather *g, struct pt_table *t,
		  uint32_t mm);
bool gather_needs_flush(const struct gather *g);
uint8_t gather_stride(const struct gather *g);
uint8_t cleared_stride(uint8_t cleared);
int gather_touch(struct sim *s, uint32_t cpu, struct mm *mm, uint64_t addr,
		 uint64_t len, bool write);
int pt_populate(struct sim *s, struct mm *mm, uint64_t addr, uint64_t end);
int gather_remap(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
		 uint64_t to, struct gather *g, uint64_t *moved);
int gather_unmap(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
		 struct gather *g);
int gather_zap(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
	       struct gather *g);
uint64_t gather_count_present(struct sim *s, struct mm *mm, uint64_t start,
			      uint64_t end);
uint32_t *pud_slot(struct sim *s, struct mm *mm, uint64_t addr);
/* The child table id at @idx of @parent (or *@pgd_slot when @parent is
 * 0), allocated when missing (pud_alloc, pmd_alloc, pte_alloc); 0 when out
 * of memory. */
uint32_t child_alloc(struct sim *s, uint32_t parent, uint32_t *pgd_slot,
		     unsigned idx, enum pt_level level, uint64_t base, uint32_t mm);
/* The child table id of @parent (of the PGD slot @pgd_slot when 0) at
 * @idx, allocated when missing (child_alloc()). 0 on allocation failure.
 * The look inline: a fault finds its tables present nearly always (a call
 * per level was 6 % of a touch: callgrind). */
static inline uint32_t ensure_child(struct sim *s, uint32_t parent, uint32_t *pgd_slot,
				    unsigned idx, enum pt_level level, uint64_t base,
				    uint32_t mm)
{
	uint32_t id = parent ? s->tables[parent].child[idx] : *pgd_slot;

	return id ? id : child_alloc(s, parent, pgd_slot, idx, level, base, mm);
}
int gather_protect(struct sim *s, struct mm *mm, uint64_t start, uint64_t end,
		   struct gather *g);
int gather_unshare(struct sim *s, struct mm *mm, uint64_t addr,
		   struct gather *g, bool *was_shared);
int gather_exit(struct sim *s, struct mm *mm, struct gather *g);
int pt_share(struct sim *s, struct mm *mm, struct mm *with, uint64_t addr);
int pt_collapse(struct sim *s, struct mm *mm, uint64_t addr, uint32_t *pte);

/* ---- cpu.c ---- */
void cpu_init(struct sim *s, uint32_t c);
void enter_lazy_tlb(struct sim *s, uint32_t c);
void switch_mm_irqs_off(struct sim *s, uint32_t c, uint32_t next);
void cpu_load_before(struct sim *s, uint32_t c, uint32_t idx, bool lazy);
void cpu_slot_before(struct sim *s, uint32_t c, uint32_t idx);
void cpu_flush_asid(struct sim *s, uint32_t c, uint16_t asid, bool full,
		    uint64_t start, uint64_t end);
void cpu_flush_all(struct sim *s, uint32_t c);
struct asid_ctx *cpu_asid_ctx(struct cpu *cpu, uint16_t asid);
void tlb_fill(struct sim *s, uint32_t c, struct mm *mm, uint64_t vpage,
	      uint64_t size);
void tlb_touch_pages(struct sim *s, uint32_t c, struct mm *mm, uint64_t first,
		     uint64_t end);
bool tlb_lookup_stale(struct sim *s, uint32_t c, struct mm *mm,
		      uint64_t vpage, const struct inval **why);

/* ---- flush.c ---- */
void flush_tlb_mm_range(struct sim *s, uint32_t initiator, struct op *op,
			uint64_t start, uint64_t end, uint8_t stride,
			bool wake_lazy_cpus);
uint64_t flush_tlb_func(struct sim *s, uint32_t c, const struct flush_info *f);
void flush_tlb_mm_now(struct sim *s, uint32_t c, uint32_t idx);
void flush_local_due(struct sim *s, uint32_t c, uint64_t op_seq);
void mm_counts_save(struct sim *s, struct mm *mm);

/* ---- ipi.c ---- */
void ipi_send(struct sim *s, uint32_t from, uint32_t target, enum csd_func f,
	      struct op *op);
void ipi_arrive(struct sim *s, const struct ev_ipi *ev);
void ipi_stall_begin(struct sim *s, uint32_t c);
void ipi_quiet_wake(struct sim *s, uint32_t c);
void quiet_fold(struct sim *s, uint32_t c);
void ipi_run_pending(struct sim *s, uint32_t c);
void ipi_handler_done(struct sim *s, uint32_t c);
void tlb_remove_table_sync_one(struct sim *s, uint32_t c, struct op *op);

/* ---- op.c ---- */
void op_begin(struct sim *s, uint32_t c, enum op_kind kind, uint32_t mm,
	      struct gather *g, uint64_t inval_seq);
void op_arm(struct sim *s, uint32_t c);
void op_ack(struct sim *s, uint32_t c, uint64_t op_seq);
void op_ack_many(struct sim *s, uint32_t c, uint64_t op_seq, uint32_t n);
void op_continue(struct sim *s, uint32_t c);
void op_adopt(struct sim *s, uint32_t c, struct gather *g, uint64_t inval_seq);
/* ---- events.c ---- */
int gather_walk_done(struct sim *s, uint32_t c);
/* events_mm.c: the handlers of the address-space events (events.c's table) */
struct mm *ev_mm_new(struct sim *s, uint32_t trace_id, uint32_t *idx);
/* The mm an event names (*@idx: its index), created at its first mention
 * (NULL: out of memory, s->err set). The lookup inline: every event of a
 * policy makes it, and the call was 1 % of a compare. */
static inline struct mm *ev_mm(struct sim *s, uint32_t trace_id, uint32_t *idx)
{
	uint32_t v = trace_id ? tlbsim_idmap_get(&s->mm_ids, trace_id) : TLBSIM_IDMAP_NONE;

	if (v == TLBSIM_IDMAP_NONE)
		return ev_mm_new(s, trace_id, idx);
	*idx = v;
	return &s->mms[v];
}
int ev_clear(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev);
int ev_unshare(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev);
int ev_share(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev);
int ev_collapse(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev);
int ev_exit(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev);
int ev_flush(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev);
void gather_next_flush(struct sim *s, uint32_t c);
void gather_step(struct sim *s, uint32_t c);

/* ---- mmlock.c ---- */
int mmlock_ticket(struct sim *s, struct pending *p);
bool mmlock_ready(struct sim *s, const struct pending *p);
void mmlock_take(struct sim *s, const struct pending *p);
int mmlock_take_now(struct sim *s, const struct tlbsim_trace_event *ev);
void mmlock_release(struct sim *s, uint32_t id, uint32_t with,
		    enum lock_mode mode);
void mmlock_exit(struct sim *s, uint32_t id);

/* ---- rcu.c ---- */
void call_rcu_table(struct sim *s, const struct dead_link *l);
void rcu_check(struct sim *s);

/* ---- events.c: trace event handlers ---- */
int sim_dispatch(struct sim *s, uint32_t c, const struct tlbsim_trace_event *ev);

/* ---- hazard (src/hazard/) ---- */
void hazard_link_gone(struct sim *s, struct dead_link *l, enum gone_how how,
		      const struct op *op);
void hazard_speculate(struct sim *s, uint32_t c, struct mm *mm, uint64_t addr);
void hazard_stale_tlb(struct sim *s, uint32_t c, struct mm *mm, uint64_t addr,
		      const struct inval *why);
void hazard_asid_transition(struct sim *s, uint32_t c, struct mm *mm);
bool psc_may_hold(const struct sim *s, uint32_t c, const struct dead_link *l);

#endif
