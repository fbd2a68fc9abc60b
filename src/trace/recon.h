/*
 * recon.h - the perf reconstruction's state and the helpers its files share
 * (internal to the trace module): recon_entries.c keeps processes and
 * tasks, recon_state.c their VMA mirror and page sets; recon_mm.c turns
 * address-space records (mmap, munmap, madvise, mprotect, collapse) into
 * model inputs, recon_fault.c page faults and their copy-on-write
 * flushes; recon_proc.c forks, execs and exits;
 * recon_sched.c which task runs where (switches, wake-ups) and the
 * kernel's observed flushes; perf_recon.c dispatches records.
 */
#ifndef TLBSIM_TRACE_RECON_H
#define TLBSIM_TRACE_RECON_H

#include <stdbool.h>
#include <stdint.h>

#include "tlbsim/idmap.h"
#include "trace/perf.h"

#define PAGE 4096ULL
#define PMD (2ULL << 20)
#define PUD (1ULL << 30)
#define USER_TOP (1ULL << 47)

/* inference kinds */
enum inf {
	INF_SWITCH_FROM_EVENT,   /* a task ran on a CPU without a sched_switch */
	INF_TGID_FROM_TID,       /* sched_switch to a tid never seen: tgid = tid */
	INF_MAP_BEFORE_CAPTURE,  /* a fault/munmap in a region mapped earlier */
	INF_MAP_REPLACED,        /* mmap over an existing mapping: unmapped first */
	INF_COW_FLUSH,           /* write fault on a present page: flush_tlb_page */
	INF_FORK_FLUSH,          /* dup_mmap() flush of the parent */
	INF_FORK_VMAS,           /* child inherits the parent's mappings */
	INF_EXEC_EXIT,           /* exec drops the old mm */
	INF_HUGETLB_GUESS,       /* shared fd mapping at 1 GiB alignment */
	INF_PMD_SHARE,           /* a hugetlb fault found another mm's PMD table */
	INF_KHUGEPAGED_MM,       /* khugepaged's collapse: whose mm, and where */
	INF_THREAD_FROM_RECORDS, /* a fork's child whose records name the parent's
				  * thread group: a thread (clone), no new mm */
	INF_EXEC_STACK,          /* exec moves the new stack: two local flushes */
	INF_LOCK_WAIT,           /* a munmap/mprotect/madvise whose task blocked
				  * at once (mmap_lock): applied when it runs */
	INF_FORK_SETTID,         /* a forked child's first run writes its tid
				  * (schedule_tail, CLONE_CHILD_SETTID): COW */
	INF_COLLAPSE_AT_ISOLATE, /* MADV_COLLAPSE's flush placed at its isolate
				  * record, not at the collapse's end */
	INF_WAKE_AHEAD,          /* a task woken onto an idle CPU runs there
				  * from the wake-up IPI (its switch-in unseen) */
	INF_VFORK,               /* a fork whose parent blocks at once (D): a
				  * vfork/posix_spawn child, in the parent's mm
				  * until it execs or exits */
	INF_FORK_RSEQ,           /* a forked child writes its rseq area on its
				  * way to user space (rseq_migrate): COW; on
				  * another CPU than its fork's, or on its own
				  * page when sys_enter_rseq and clone say */
	INF_EXEC_IMAGE,          /* a write to a present page no fault mapped,
				  * in an mm begun in the capture: a page-cache
				  * page mapped read-only by execve or
				  * fault-around, copied (wp_page_copy) */
	INF_KERNEL_WRITE,        /* an anonymous read-write mapping unmapped
				  * with no fault seen in it: a syscall wrote
				  * its first page (copy_to_user faults are the
				  * kernel's, not page_fault_user) */
	INF_MAP_POPULATE,        /* mmap(MAP_POPULATE): every page faulted in
				  * by the kernel (__mm_populate) */
	INF_RAN_ELSEWHERE,       /* a process older than the capture, switched
				  * in with a full flush on a 2-CPU machine,
				  * had run on the other CPU: its bit is in the
				  * mm's cpumask there */
	INF_PID_REUSED,          /* an exited process's pid in user mode (a
				  * fault, a syscall): a new process whose
				  * fork the capture lost; or a live one's pid
				  * for a forked child: its exit was lost */
	INF_VFORK_RELEASE,       /* a vfork parent runs again: its child let
				  * go of the parent's mm (exec_mmap() or
				  * exit_mm()) before its exec record: the
				  * child's CPU is lazy on it from then */
	INF_EXEC_MOVED,          /* an exec whose task showed its new comm on
				  * another CPU before it moved: exec_mmap()
				  * loaded the new mm there, whose bit stays */
	INF_LAZY_BEFORE,         /* a CPU no switch of the capture had set up
				  * took a flush IPI and left an mm for
				  * init_mm: it was lazy on the sender's mm */
	INF_RSEQ_RESUME,         /* a forking task back on a CPU after a switch
				  * away: the kernel wrote its rseq area, a
				  * page its fork left shared */
	INF_VFORK_EXEC,          /* a vfork child switched out for its own
				  * parent: it had done exec_mmap(), its CPU
				  * held its new mm (its exec record later) */
	INF_RUNNING_BEFORE,      /* a CPU's first record is a user task's own,
				  * with no switch to it: it ran that task
				  * when the capture began */
	INF_BRK_TRIM,            /* a not-present fault on a page the mm's own
				  * fault made present, in a mapping no mmap
				  * record made: brk() gave the heap's top back
				  * (a syscall the recipe does not record) */
	INF_IDLE_BETWEEN,        /* a task's record where another process ran,
				  * on a CPU whose idle task the capture never
				  * shows: it idled in between, unrecorded */
	INF_SLOT_BEFORE,         /* a process older than the capture, switched
				  * in with no flush (PCID): an ASID slot of
				  * that CPU still held its mm, current */
	INF_SIGCHLD_FRAME,       /* a process woken by its child's exit: the
				  * kernel wrote the SIGCHLD frame on its
				  * stack, pages its forks left shared */
	INF_SIGNAL_FRAME,        /* a traced signal_deliver to a handler: its
				  * frame's place on the stack (the stack
				  * pointer is not in the capture) */
	INF_SIGNAL_RSEQ,         /* the same delivery writes the thread's rseq
				  * area (rseq_signal_deliver()) */
	INF_SIGNAL_ONSTACK,      /* a delivery whose frame went on an alternate
				  * stack the capture does not place: none */
	INF_LATE_RECORD,         /* a record older than one already replayed
				  * (beyond the reorder window): taken then */
	INF_INIT_SLOT,           /* an ASID slot held init_mm from before the
				  * capture: an exit's switch to it traced no
				  * flush (init_slot_before()) */
	INF_UNSEEN_FLUSH,        /* a flush IPI no record sent: the flush of a
				  * task the capture records nothing of */
	INF_COUNT
};

struct vma_m {
	uint64_t start, end;
	bool huge;
	bool kwrite; /* anonymous, private, read-write, and no fault seen in it
		      * yet (INF_KERNEL_WRITE at its munmap) */
	bool file;   /* a private file mapping the capture saw made (mmap fd):
		      * read faults map page-cache pages, fault-around too.
		      * Mappings inferred from faults count as anonymous: the
		      * program's own segments made by execve() are file ones,
		      * but the ELF loader writes some of their pages itself */
	bool inferred; /* no mmap record made it: execve's segments, the
			* heap (brk), or mapped before the capture began */
	bool shared; /* MAP_SHARED (a file's or shmem's page cache): its
		      * write faults dirty the pages (the touch's write) */
};

/* A set of pages (recon_state.c): 1 MiB regions by open addressing, each
 * a bitmap of its 256 pages. */
struct ps_region {
	uint64_t key;        /* region number + 1; 0: an empty slot */
	uint64_t bits[4];
};

struct pageset {
	struct ps_region *r;
	uint32_t n, cap;     /* regions held, slots */
	uint32_t last;       /* the slot the previous call found */
};

struct proc {
	int32_t tgid;
	int32_t parent;      /* tgid it was forked from (COW peer) */
	/* the procs whose parent is this tgid, a list through procs[] by
	 * index + 1 (0: none): an exit or a copy-on-write visits its own
	 * children, not every process the capture ever saw */
	uint32_t kids, sib_prev, sib_next;
	uint32_t cow_peers;  /* live processes sharing pages copy-on-write */
	bool peer_up;        /* its parent is one of them */
	uint64_t brk;        /* the program break (sys_exit_brk), 0: unknown */
	bool live;
	bool switched_in;    /* a task switch to it was seen (ran_elsewhere) */
	uint64_t cpus_seen;  /* CPUs 0..63 the capture showed it on (a switch
			      * to it, running_before): slot_before's */
	bool exited;         /* its records until the next fork are exit paths */
	int32_t waiter;      /* who gets SIGCHLD at its exit: the tgid that
			      * forked it, or vforked the task that exec'd
			      * into it (0: unknown) */
	bool forks;          /* its program forks (not vfork): it forked in
			      * the capture, or its parent did and it runs
			      * that program still (no exec): a shell or the
			      * like, which handles SIGCHLD */
	bool sigchld;        /* a child of it exited since its threads last
			      * ran: a SIGCHLD frame is due (sigchld_frame()) */
	bool fresh;          /* its mm began in the capture (execve) and has
			      * not forked since: a P|W fault is a read-only
			      * page-cache page's (write_copies()) */
	struct vma_m *v;
	uint32_t nv, capv;
	uint32_t vhint;      /* vma_first_after()'s last answer */
	uint64_t dead_at;    /* capture time of its exit (emit_exit), 0:
			      * alive or revived: its entry is recycled
			      * RECYCLE_NS later (recycle()) */
	struct pageset chunks; /* 2 MiB chunks touched (PTE tables exist) */
	struct pageset thp;   /* chunks collapsed into a THP (a leaf PMD
			       * entry, no PTE table) until unmapped or zapped */
	uint64_t col_start, col_end; /* MADV_COLLAPSE range in progress */
	uint64_t gibs[8];     /* hugetlb GiBs whose PMD table this mm links */
	uint32_t ngibs;
	struct pageset rd;    /* pages first mapped by a read fault (zero page,
			       * page cache): a later write copies them */
	struct pageset wr;    /* pages written here: ours alone while no live
			       * parent or child shares them (cow_peers) */
	struct pageset cow_done; /* shared pages a peer has since copied */
	struct pageset dirty;    /* pages written since its last fork: its
				  * own and writable, a kernel write to one
				  * does not fault (sigchld_frame()) */
	struct pageset orphan;   /* pages whose original its parent left to
				  * it and its siblings by copying them */
	struct pageset faulted;  /* heap pages its own user faults made
				  * present, not unmapped or zapped since
				  * (brk_trim(), heap_page()) */
};

struct task {
	int32_t tid, tgid;
	/* sys_enter_clone's arguments, for the fork that follows */
	uint64_t clone_flags, clone_tidptr;
	bool clone_known;
	/* a forked child that has not run yet: its first run writes its tid
	 * at settid_page (0: unknown) */
	bool settid;
	uint64_t settid_page, settid_addr;
	/* a forked child that has not run yet, and the CPU it was forked on */
	bool forked;
	uint32_t fork_cpu;
	uint64_t sp_near;   /* its lowest user fault on its stack (the
			     * process's highest mapping) since its last
			     * fork: near its stack pointer (sigchld_frame()) */
	bool sp_stale;      /* it forked since: the next fault there sets it */
	bool took_cpu;   /* it (or another task) preempted its parent at
			  * once, and it ran first (fork_rseq) */
	/* a forking thread: the child of its last fork, until it is first
	 * switched out (young_child), then the child it was preempted
	 * before, until either runs (left_child); 0: none */
	int32_t young_child, left_child;
	bool rseq_cow;   /* its rseq area's page write-protected by a fork
			  * of its own and not written since (rseq_resume()) */
	bool exec_stacked; /* its exec's setup_arg_pages() flushes are out
			    * already (vfork_exec()): not at its exec record */
	/* a memory operation waiting for the mmap_lock (INF_LOCK_WAIT) */
	struct tlbsim_trace_event held;
	bool holding;
	/* a vfork child (CLONE_VM | CLONE_VFORK) runs in this thread group's
	 * mm until it execs or exits (INF_VFORK); 0 otherwise */
	int32_t vfork_mm;
	bool vfork_released; /* a vfork child whose parent ran again */
	int32_t vfork_child; /* a vfork parent: the child that may hold its mm */
	uint32_t cpu;        /* the CPU of its last record */
	/* the comm its records show, the CPU of the first record showing
	 * it, and whether an earlier one showed another (exec_moved) */
	char comm[16];
	uint32_t comm_cpu;
	bool comm_changed;
	uint32_t moved_from; /* an exec's: that CPU + 1 until its next record */
	uint32_t mmap_cpu;   /* where its exec's exec_mmap() ran, + 1
			      * (exec_began()); 0: not seen */
	bool exec_mapped;    /* that exec_mmap() is applied (exec_mmap()):
			      * not at its exec record */
	uint64_t mmap_addr, mmap_len, mmap_flags, mmap_fd, mmap_prot;
	bool in_mmap;
	/* sys_enter_mremap's arguments, until its result is known */
	uint64_t mremap_addr, mremap_old, mremap_new, mremap_flags;
	bool in_mremap;
	uint64_t col_start, col_end;
	bool col_early;     /* the collapse went out at its isolate record */
	/* its rseq area (rseq(2)), which the kernel writes on its way back to
	 * user space; a forked child inherits it, an exec drops it. Known
	 * only when the capture records sys_enter_rseq (0: none registered) */
	uint64_t rseq_addr;
	bool rseq_known;
	uint64_t dead_at;   /* its sched_process_exit, 0: alive (a fork of
			     * the tid since revives it) */
};

/*
 * Exited processes and tasks, in the order they exited. Their entries are
 * recycled RECYCLE_NS of capture time later: a dying task's last records
 * (its switch away, its mm's teardown) come microseconds after its exit,
 * while a capture of a build sees hundreds of thousands of pids come and
 * go, whose entries must not stay (memory follows the machine).
 */
#define RECYCLE_NS 1000000000ULL

struct grave {
	uint64_t t;          /* its exit: the entry's dead_at */
	int32_t id;          /* tgid or tid */
	bool task;
};

/* The records the reconstruction reads (perf_recon.c rec_names). */
enum rec_kind {
	REC_OTHER, REC_SWITCH, REC_ENTER_MMAP, REC_EXIT_MMAP, REC_MUNMAP,
	REC_MADVISE, REC_MPROTECT, REC_FAULT, REC_COLLAPSE, REC_FORK, REC_EXEC,
	REC_EXIT, REC_TLB_FLUSH, REC_CSD_QUEUE, REC_ENTER_CLONE, REC_ISOLATE,
	REC_EXIT_BRK, REC_ENTER_RSEQ, REC_CSD_ENTRY, REC_CSD_EXIT,
	REC_ENTER_MREMAP, REC_EXIT_MREMAP, REC_SIGNAL_DELIVER,
	REC_NKINDS
};

struct name_count {
	uint32_t hash;
	uint32_t len;
	char name[48];
	uint64_t count;
	bool used;
	enum rec_kind kind;
};

/* What a CPU's flush IPIs say of its state before the capture
 * (lazy_before()). */
struct cpu_ipi {
	int32_t from;        /* mm of the last flush_tlb_func queued to it */
	int32_t handling;    /* that mm while its handler runs, else 0 */
	bool known;          /* a switch of the capture set up its mm */
	uint64_t ttwu_ns;    /* a wake-up queued to it while it ran a task, 0 none */
	uint64_t wake_at;    /* wake_ahead(): when it switches to wake_tgid, 0 none */
	int32_t wake_tgid;
	bool idle;             /* it runs its idle task (a switch to pid 0),
				* not a kernel thread, since its last switch */
	uint64_t idle_switches; /* sched_switch records out of its idle task */
	uint64_t idle_records;  /* its idle task's other records (handlers) */
	bool after_switch;      /* its last record was a sched_switch */
	bool init_known;        /* a switch of it to init_mm was traced */
	uint32_t flush_queued;  /* flush_tlb_func csds queued to it, not yet
				 * run (csd_handler()) */
};

/* tgid or tid -> index: captures of real workloads hold thousands of
 * tasks, and every record looks one up. Open addressing; entries are
 * never removed (an exited process keeps its slot). */
struct perf_recon {
	unsigned cpus;
	int32_t *cur;            /* per CPU: tgid of the user mm running, 0 none */
	int32_t *last_tid;       /* per CPU: the task of its last record */
	struct cpu_ipi *ipi;     /* per CPU: flush IPIs to it (lazy_before),
				  * its idle task (predicted_in_capture) */
	struct proc *procs;
	uint32_t nprocs, capprocs;
	struct tlbsim_idmap procmap;
	struct task *tasks;
	uint32_t ntasks, captasks;
	struct tlbsim_idmap taskmap;
	/* entries recycled (tgid or tid 0 while free), reused first */
	uint32_t *free_procs, nfree_procs, capfree_procs;
	uint32_t *free_tasks, nfree_tasks, capfree_tasks;
	struct grave *graves;    /* a ring, oldest first */
	uint32_t ghead, glen, gcap;
	struct tlbsim_trace_event *q;
	uint32_t qhead, qlen, qcap;
	uint64_t t0;
	uint64_t wake_next;      /* the earliest cpu_ipi.wake_at, 0 none */
	bool no_zero_page;       /* anonymous read faults map a page of their
				  * own (perf_recon_set_zero_page()) */
	bool signals_traced;     /* signal:signal_deliver was recorded (perf's
				  * header says so, or a record of it came):
				  * frames come from it, not from guesses */
	uint64_t t0_line;        /* the line of the record that set t0 */
	bool have_t0;
	/* The first field of the record being fed that tlbsim needs and could
	 * not read (field_bad()): the handlers just return, and
	 * perf_recon_feed() turns it into the record's one diagnostic. */
	const char *bad_key;     /* NULL: none */
	bool bad_missing;        /* the record has no such field */
	char bad_got[48];        /* else its value, as printable text */
	char bad_expected[160];
	const struct perf_rec *rec;
	struct name_count *names;
	uint32_t nnames, capnames;
	uint32_t last_name;     /* the entry the previous record named */
	const char **name_ptrs;
	uint64_t *name_counts;
	bool *name_used;
	uint64_t inf[INF_COUNT];
	uint64_t t_emitted;      /* the latest event time emitted (emit()) */
	/* khugepaged: the tracepoint names the mm by kernel pointer */
	char mmptr[8][24];
	int32_t mmptr_tgid[8];
	uint32_t nmmptr;
	/* the reader's look-ahead: the thread group of a tid in the records
	 * not yet fed, or 0 (sched_process_fork does not say fork or thread) */
	int32_t (*peek_tgid)(void *ctx, int32_t tid);
	const struct perf_rec *(*peek_next)(void *ctx, int32_t tid,
					    const struct perf_rec *after);
	const struct perf_rec *(*peek_cpu)(void *ctx, uint32_t cpu);
	void *peek_ctx;
	/* tasks no record of which names their thread group, by comm
	 * (unseen_pool()) */
	char unseen_comm[8][16];
	int32_t unseen_tgid[8];
	uint32_t nunseen;
	int32_t hint_tgid;           /* last MADV_HUGEPAGE: a khugepaged candidate */
	uint64_t hint_start, hint_end;
};

/* recon_entries.c */
void *grow(void *p, uint32_t *cap, uint32_t need, size_t sz);
struct proc *proc_find(struct perf_recon *p, int32_t tgid);
struct proc *proc_get(struct perf_recon *p, int32_t tgid);

/* The capture showed @pr on @cpu (CPUs past 63: taken as shown). */
static inline void proc_seen_on(struct proc *pr, uint32_t cpu)
{
	if (cpu < 64)
		pr->cpus_seen |= 1ULL << cpu;
}

static inline bool proc_was_on(const struct proc *pr, uint32_t cpu)
{
	return cpu >= 64 || (pr->cpus_seen >> cpu & 1);
}
void proc_set_parent(struct perf_recon *p, struct proc *c, int32_t parent);
struct task *task_get(struct perf_recon *p, int32_t tid);
struct task *task_find(struct perf_recon *p, int32_t tid);   /* no new entry */
void proc_dies(struct perf_recon *p, struct proc *pr);
void task_dies(struct perf_recon *p, struct task *t);
void recycle(struct perf_recon *p, uint64_t now);
int32_t tgid_of(struct perf_recon *p, int32_t tid);

/* recon_state.c */
uint32_t vma_first_after(const struct proc *pr, uint64_t a);
bool vma_overlaps(const struct proc *pr, uint64_t s, uint64_t e);
const struct vma_m *vma_at(const struct proc *pr, uint64_t a);
struct vma_m *vma_at_mut(struct proc *pr, uint64_t a);
void mirror_remove(struct proc *pr, uint64_t s, uint64_t e);
void mirror_add(struct proc *pr, uint64_t s, uint64_t e, bool huge);
bool gib_linked(const struct proc *pr, uint64_t g);
void gib_link(struct proc *pr, uint64_t g);
void pageset_add(struct pageset *ps, uint64_t page);
bool pageset_take(struct pageset *ps, uint64_t page);
bool pageset_has(const struct pageset *ps, uint64_t page);
void pageset_free(struct pageset *ps);
void pages_forget(struct pageset *ps, uint64_t s, uint64_t e);
void proc_release(struct proc *pr);
void chunk_touch(struct proc *pr, uint64_t a);
bool chunk_touched(const struct proc *pr, uint64_t c);
void chunk_forget(struct proc *pr, uint64_t c);
void chunks_forget(struct proc *pr, uint64_t s, uint64_t e);
void thp_forget(struct proc *pr, uint64_t s, uint64_t e);
void chunk_mark_thp(struct proc *pr, uint64_t c);
bool chunk_is_thp(const struct proc *pr, uint64_t c);

/* perf_recon.c: the fields of the record being fed that tlbsim needs. On
 * a field missing or not what the tracepoint prints, they note it as the
 * record's error (field_bad(): the first one counts) and return false. */
#define NUM_EXPECTED "a number (0x and 1 to 16 hex digits, or decimal below 2^64)"
void field_bad(struct perf_recon *p, const char *key, const char *value,
	       const char *expected_fmt, ...) __attribute__((format(printf, 4, 5)));
bool need_num(struct perf_recon *p, const struct perf_rec *r, const char *key,
	      uint64_t *out);
/* a field printed "%lx", hex digits without "0x" */
bool need_hex(struct perf_recon *p, const struct perf_rec *r, const char *key,
	      uint64_t *out);
/* need_num() of a field the record may lack: false, and no error, then */
bool opt_num(struct perf_recon *p, const struct perf_rec *r, const char *key,
	     uint64_t *out);
bool need_str(struct perf_recon *p, const struct perf_rec *r, const char *key,
	      char *out, size_t len);
struct tlbsim_trace_event *emit(struct perf_recon *p, enum tlbsim_ev_kind k,
				uint32_t cpu);
bool is_kthread(const char *comm, int32_t pid);
void held_release(struct perf_recon *p, struct task *t, uint32_t cpu);
bool blocks_at_once(const struct perf_recon *p, const struct task *t);

/* recon_sched.c */
bool exited(struct perf_recon *p, int32_t tgid);
bool task_gone(struct perf_recon *p, int32_t tid);
bool execs_next(struct perf_recon *p, int32_t tid, bool no_send);
bool flush_reason(const char *text, int64_t *reason);
/* recon_evidence.c */
void slot_before(struct perf_recon *p, const struct perf_rec *r, int32_t tgid);
void init_slot_before(struct perf_recon *p, const struct perf_rec *r);
void thread_exits_on(struct perf_recon *p, uint32_t cpu, int32_t tgid);
bool user_mode(enum rec_kind kind);
void revive_if_reused(struct perf_recon *p, const struct perf_rec *r,
			     enum rec_kind kind);
void ensure_running(struct perf_recon *p, const struct perf_rec *r);
void on_sched_switch(struct perf_recon *p, const struct perf_rec *r);
void observe_flush(struct perf_recon *p, const struct perf_rec *r);
bool csd_target(struct perf_recon *p, const struct perf_rec *r,
		       uint32_t *cpu);
void csd_handler(struct perf_recon *p, const struct perf_rec *r, bool entry);
void observe_csd(struct perf_recon *p, const struct perf_rec *r,
			uint32_t target);
void wakes_due(struct perf_recon *p, const struct perf_rec *r);
void wake_queued(struct perf_recon *p, const struct perf_rec *r,
		       uint32_t cpu);
void vfork_release(struct perf_recon *p, struct task *parent, uint32_t cpu);
void exec_stack(struct perf_recon *p, struct proc *pr, uint32_t cpu);
void rseq_resume(struct perf_recon *p, struct task *t, uint32_t cpu);
void sigchld_frame(struct perf_recon *p, struct task *t, uint32_t cpu);
void on_signal_deliver(struct perf_recon *p, const struct perf_rec *r,
		       struct task *t);
void back_to_user(struct perf_recon *p, struct task *t, uint32_t cpu);

/* recon_proc.c */
/* The `exit` of @pr's mm on @cpu, or NULL when it has none (not live, or
 * out of memory). */
struct tlbsim_trace_event *emit_exit(struct perf_recon *p, struct proc *pr,
				      uint32_t cpu);
void on_fork(struct perf_recon *p, const struct perf_rec *r);
void on_exec(struct perf_recon *p, const struct perf_rec *r, struct task *t);
bool exec_mmap(struct perf_recon *p, uint32_t cpu, struct task *t);

/* recon_unseen.c */
int32_t unseen_pool(struct perf_recon *p, const char *comm, int32_t tid);
void unseen_flush(struct perf_recon *p, const struct perf_rec *r);
void exec_stack_due(struct perf_recon *p, const struct perf_rec *r);
void exec_done(struct perf_recon *p, struct task *t, uint32_t cpu);
void task_note_comm(struct task *t, const struct perf_rec *r);
void exec_moved_bit(struct perf_recon *p, struct task *t);
void on_proc_exit(struct perf_recon *p, const struct perf_rec *r);
void on_rseq(struct perf_recon *p, const struct perf_rec *r, struct task *t);

/* recon_mm.c: one handler per record kind */
void on_mmap_exit(struct perf_recon *p, const struct perf_rec *r, struct task *t);
void on_munmap(struct perf_recon *p, const struct perf_rec *r, struct task *t);
void on_madvise(struct perf_recon *p, const struct perf_rec *r, struct task *t);
void on_collapse(struct perf_recon *p, const struct perf_rec *r);
void on_isolate(struct perf_recon *p, const struct perf_rec *r, struct task *t);
void on_brk_exit(struct perf_recon *p, const struct perf_rec *r);
void on_mprotect(struct perf_recon *p, const struct perf_rec *r, struct task *t);
struct tlbsim_trace_event *emit_map(struct perf_recon *p, struct proc *pr,
				    uint64_t s, uint64_t e, bool huge);
/* The mapping emit_map() just made at @s is MAP_SHARED (page cache). */
void map_shared(struct proc *pr, struct tlbsim_trace_event *ev, uint64_t s);
/* [s, e) mapped, what was not inferred as mapped before the capture */
void emit_range(struct perf_recon *p, enum tlbsim_ev_kind k,
		struct proc *pr, uint64_t s, uint64_t e);
void mark_inferred(struct proc *pr, uint64_t a);
uint32_t fill_holes(struct perf_recon *p, struct proc *pr, uint64_t s,
		    uint64_t e, bool inferred);
void on_mremap_enter(struct perf_recon *p, const struct perf_rec *r,
		     struct task *t);
void on_mremap_exit(struct perf_recon *p, const struct perf_rec *r,
		    struct task *t);
void ensure_mapped(struct perf_recon *p, struct proc *pr, uint64_t s,
		   uint64_t e);
/* huge_pmd_share() at @page's GiB, when another mm maps it the same way */
void maybe_share(struct perf_recon *p, struct proc *pr,
		 const struct vma_m *v, uint64_t page);

/* recon_fault.c: page faults, copy-on-write, a child's first run */
void on_fault(struct perf_recon *p, const struct perf_rec *r, struct task *t);
void on_first_run(struct perf_recon *p, const struct perf_rec *r, struct task *t);

#endif
