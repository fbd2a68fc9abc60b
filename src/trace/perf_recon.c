/*
 * perf_recon.c - model inputs reconstructed from a perf capture.
 *
 * Inputs only: which task runs where (sched_switch, and any event of a user
 * task on a CPU), the address-space operations from the syscalls (mmap,
 * munmap, madvise, mprotect, exit), faults, forks and execs. Outputs of
 * the kernel (tlb_flush, csd_queue_cpu, IPIs) become `observed` events,
 * never inputs: a prediction that copies an observation is none. Two
 * records serve as evidence of a CPU's state from before the capture
 * (ran_elsewhere(), lazy_before()): which flushes then reach it is the
 * model's.
 * Whatever the capture cannot tell is inferred and counted by kind.
 * This file: scheduling, observations and the API; recon_proc.c fork,
 * exec and exit; recon_mm.c the address-space records; recon_fault.c
 * page faults; recon_state.c the state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/recon.h"

static const char *const inf_names[INF_COUNT] = {
	"switch_from_event", "tgid_from_tid", "map_before_capture", "map_replaced",
	"cow_flush", "fork_flush", "fork_vmas", "exec_exit", "hugetlb_guess",
	"pmd_share", "khugepaged_mm", "thread_from_records", "exec_stack",
	"lock_wait", "fork_settid", "collapse_at_isolate", "wake_ahead",
	"vfork", "fork_rseq", "exec_image", "kernel_write", "map_populate",
	"ran_elsewhere", "pid_reused", "vfork_release", "exec_moved",
	"lazy_before", "rseq_resume", "vfork_exec", "running_before",
	"brk_trim", "idle_between", "slot_before", "sigchld_frame",
	"signal_frame", "signal_rseq", "signal_onstack", "late_record",
	"init_slot", "unseen_flush",
};

/* ------------------------------------------------------------ helpers */

struct tlbsim_trace_event *emit(struct perf_recon *p, enum tlbsim_ev_kind k,
				       uint32_t cpu)
{
	struct tlbsim_trace_event *ev;

	if (p->qlen == p->qcap) {
		uint32_t cap = p->qcap ? 2 * p->qcap : 64;
		struct tlbsim_trace_event *n = malloc(cap * sizeof(*n));

		if (!n)
			return NULL;
		for (uint32_t i = 0; i < p->qlen; i++)
			n[i] = p->q[(p->qhead + i) % p->qcap];
		free(p->q);
		p->q = n;
		p->qcap = cap;
		p->qhead = 0;
	}
	ev = &p->q[(p->qhead + p->qlen++) & (p->qcap - 1)];   /* qcap: 2^k */
	memset(ev, 0, sizeof(*ev));
	ev->kind = (uint16_t)k;
	ev->cpu = cpu;
	/* a late record's events go where the replay is (late_record) */
	ev->t = (p->rec->t_ns > p->t_emitted ? p->rec->t_ns : p->t_emitted) - p->t0;
	p->t_emitted = ev->t + p->t0;
	ev->line = p->rec->line;
	ev->target = -1;
	if (k == TLBSIM_EV_SWITCH || k == TLBSIM_EV_LAZY_BEFORE ||
	    k == TLBSIM_EV_RUNNING_BEFORE)
		p->ipi[cpu].known = true;
	return ev;
}

/* ---------------------------------------------------- needed fields */

void field_bad(struct perf_recon *p, const char *key, const char *value,
	       const char *expected_fmt, ...)
{
	va_list ap;
	size_t n = 0;

	if (p->bad_key)
		return;   /* the first is the one to fix */
	p->bad_key = key;
	p->bad_missing = !value;
	/* the value as far as it goes, printable: it ends up on a terminal */
	for (; value && value[n] && value[n] != ' ' && value[n] != ',' &&
	     n + 4 < sizeof(p->bad_got); n++)
		p->bad_got[n] = value[n] >= 0x20 && value[n] < 0x7f ? value[n] : '?';
	p->bad_got[n] = '\0';
	if (value && value[n] && value[n] != ' ' && value[n] != ',')
		memcpy(p->bad_got + n, "...", 4);
	va_start(ap, expected_fmt);
	vsnprintf(p->bad_expected, sizeof(p->bad_expected), expected_fmt, ap);
	va_end(ap);
}

bool need_num(struct perf_recon *p, const struct perf_rec *r, const char *key,
	      uint64_t *out)
{
	if (perf_field_num(r->text, key, out) == 1)
		return true;
	field_bad(p, key, perf_field_at(r->text, key), NUM_EXPECTED);
	return false;
}

bool need_hex(struct perf_recon *p, const struct perf_rec *r, const char *key,
	      uint64_t *out)
{
	if (perf_field_hex(r->text, key, out) == 1)
		return true;
	field_bad(p, key, perf_field_at(r->text, key), "1 to 16 hex digits (%%lx)");
	return false;
}

bool opt_num(struct perf_recon *p, const struct perf_rec *r, const char *key,
	     uint64_t *out)
{
	int got = perf_field_num(r->text, key, out);

	if (got < 0)
		field_bad(p, key, perf_field_at(r->text, key), NUM_EXPECTED);
	return got == 1;
}

bool need_str(struct perf_recon *p, const struct perf_rec *r, const char *key,
	      char *out, size_t len)
{
	if (perf_field(r->text, key, out, len, false) && out[0])
		return true;
	field_bad(p, key, NULL, "a value (%s=...)", key);
	return false;
}

bool perf_recon_pop(struct perf_recon *p, struct tlbsim_trace_event *ev)
{
	if (!p->qlen)
		return false;
	*ev = p->q[p->qhead];
	p->qhead = (p->qhead + 1) & (p->qcap - 1);
	p->qlen--;
	return true;
}

/* A tracepoint name's hash from its length and its first and last 8
 * bytes ("system:" and the end of the name, which tell perf's names apart),
 * not a loop over every byte: asked for every record whose tracepoint is
 * not the one before's. Collisions only cost a strcmp() in name_entry(). */
static uint32_t name_hash(const char *s, size_t len)
{
	uint64_t a, b;
	uint32_t h = 2166136261u;   /* FNV-1a, for short names */

	if (len < 8) {
		while (*s)
			h = (h ^ (unsigned char)*s++) * 16777619u;
		return h;
	}
	memcpy(&a, s, 8);
	memcpy(&b, s + len - 8, 8);
	return (uint32_t)(((a * 0x9e3779b97f4a7c15ull) ^ b ^ len) * 0xff51afd7ed558ccdull >> 32);
}

/* The tracepoints the reconstruction reads, by perf's "system:name". */
static const char *const rec_names[REC_NKINDS] = {
	[REC_SWITCH] = "sched:sched_switch",
	[REC_ENTER_MMAP] = "syscalls:sys_enter_mmap",
	[REC_EXIT_MMAP] = "syscalls:sys_exit_mmap",
	[REC_MUNMAP] = "syscalls:sys_enter_munmap",
	[REC_MADVISE] = "syscalls:sys_enter_madvise",
	[REC_MPROTECT] = "syscalls:sys_enter_mprotect",
	[REC_FAULT] = "exceptions:page_fault_user",
	[REC_COLLAPSE] = "huge_memory:mm_collapse_huge_page",
	[REC_FORK] = "sched:sched_process_fork",
	[REC_EXEC] = "sched:sched_process_exec",
	[REC_EXIT] = "sched:sched_process_exit",
	[REC_TLB_FLUSH] = "tlb:tlb_flush",
	[REC_CSD_QUEUE] = "csd:csd_queue_cpu",
	[REC_ENTER_CLONE] = "syscalls:sys_enter_clone",
	[REC_ISOLATE] = "huge_memory:mm_collapse_huge_page_isolate",
	[REC_EXIT_BRK] = "syscalls:sys_exit_brk",
	[REC_ENTER_RSEQ] = "syscalls:sys_enter_rseq",
	[REC_CSD_ENTRY] = "csd:csd_function_entry",
	[REC_CSD_EXIT] = "csd:csd_function_exit",
	[REC_ENTER_MREMAP] = "syscalls:sys_enter_mremap",
	[REC_EXIT_MREMAP] = "syscalls:sys_exit_mremap",
	[REC_SIGNAL_DELIVER] = "signal:signal_deliver",
};

static enum rec_kind rec_kind_of(const char *name)
{
	for (int k = REC_OTHER + 1; k < REC_NKINDS; k++)
		if (!strcmp(name, rec_names[k]))
			return (enum rec_kind)k;
	return REC_OTHER;
}

/* The count of an event name, added on first sight with its kind (so the
 * name is compared with the known ones once, not on every record); NULL
 * when out of memory. Most records name the tracepoint the one before did
 * (runs of faults): that entry is tried first, before the hash. */
static struct name_count *name_entry(struct perf_recon *p, const char *name)
{
	size_t len = strlen(name);
	uint32_t h;
	struct name_count *n;

	if (p->last_name < p->nnames && p->names[p->last_name].len == len &&
	    !memcmp(p->names[p->last_name].name, name, len))
		return &p->names[p->last_name];
	h = name_hash(name, len);
	for (uint32_t i = 0; i < p->nnames; i++)
		if (p->names[i].hash == h && !strcmp(p->names[i].name, name)) {
			p->last_name = i;
			return &p->names[i];
		}
	p->names = grow(p->names, &p->capnames, p->nnames + 1, sizeof(*p->names));
	if (!p->names)
		return NULL;
	n = &p->names[p->nnames++];
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->len = (uint32_t)strlen(n->name);
	n->hash = h;
	p->last_name = p->nnames - 1;
	n->count = 0;
	n->used = false;
	n->kind = rec_kind_of(name);
	return n;
}

/* Kernel threads and idle have no mm: a switch to them is lazy TLB. */
bool is_kthread(const char *comm, int32_t pid)
{
	static const char *const pre[] = {
		"swapper", "kworker/", "ksoftirqd/", "migration/", "rcu_", "kthreadd",
		"khugepaged", "kcompactd", "kswapd", "watchdog", "cpuhp/", "idle_inject",
		"irq/", "jbd2/", "kauditd", "oom_reaper", "writeback", "kblockd",
		"ksmd", "kdevtmpfs", "scsi_", "kintegrityd", "ext4-", "xfs",
		/* DAMON's monitor (the PVM hosts run one: 85 switches in
		 * their captures, each flushing twice without PCID as a
		 * user mm), the hung-task watchdog, hwrng's feeder, ... */
		"kdamond", "khungtaskd", "hwrng", "kthrotld", "napi/", "psimon",
		"pool_workqueue_",
	};

	if (pid <= 0)
		return true;
	/* asked for most records: compare only the prefixes that can match */
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (pre[i][0] == comm[0] && !strncmp(comm, pre[i], strlen(pre[i])))
			return true;
	return false;
}

int perf_recon_feed(struct perf_recon *p, const struct perf_rec *r,
		    struct tlbsim_diag *diag)
{
	const struct perf_rec *own = r;   /* as the capture has it */
	struct perf_rec borrowed;
	const char *ev = r->event;
	struct name_count *nc;
	enum rec_kind kind;
	struct task *t;
	uint32_t target;
	bool used = true;

	if (!p->have_t0) {
		p->t0 = r->t_ns;
		p->t0_line = r->line;
		p->have_t0 = true;
	}
	/* Times are from the first record: an earlier one, which the reorder
	 * window could not put first, would wrap to ~2^64 ns. perf script
	 * prints records in time order, up to the per-CPU merge's jitter. */
	if (r->t_ns < p->t0)
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "time %llu.%09llu s is "
				       "before the capture's first record's %llu.%09llu s "
				       "(line %llu), further back than the reader's reorder "
				       "window (expected records in time order, as perf "
				       "script prints them)",
				       (unsigned long long)(r->t_ns / 1000000000ULL),
				       (unsigned long long)(r->t_ns % 1000000000ULL),
				       (unsigned long long)(p->t0 / 1000000000ULL),
				       (unsigned long long)(p->t0 % 1000000000ULL),
				       (unsigned long long)p->t0_line);
	/* A record older than events already emitted: perf's merge of the
	 * per-CPU buffers put it further back than the reader's reorder window
	 * (perf record's "out of order events" warning). Its events are taken
	 * at the replay's time (emit()), which moves on in order, and it is
	 * counted: a native trace (import) must keep time in order. */
	if (r->t_ns < p->t_emitted)
		p->inf[INF_LATE_RECORD]++;
	p->rec = r;
	p->bad_key = NULL;
	recycle(p, r->t_ns);
	if (r->cpu < p->cpus)
		wakes_due(p, r);
	if (r->cpu >= p->cpus)
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "cpu %u appears after the "
				       "capture's first records, which showed %u CPUs: give "
				       "the capture host's topology with --topology xml:FILE "
				       "(traces/capture.sh saves it)", r->cpu, p->cpus);
	t = task_get(p, r->tid);
	if (t) {
		t->cpu = r->cpu;
		task_note_comm(t, r);
	}
	p->last_tid[r->cpu] = r->tid;
	/* a vfork child's records happen in its parent's mm (on_fork), until
	 * it lets go of it (vfork_release()) */
	if (t && t->vfork_mm && !t->vfork_released) {
		borrowed = *r;
		borrowed.pid = t->vfork_mm;
		r = &borrowed;
	}
	if (t && r->pid > 0)
		t->tgid = r->pid;
	nc = name_entry(p, ev);
	kind = nc ? nc->kind : rec_kind_of(ev);
	if (r->tid == 0)
		*(kind == REC_SWITCH ? &p->ipi[r->cpu].idle_switches :
		  &p->ipi[r->cpu].idle_records) += 1;
	/* The record's task runs on its CPU (for sched_switch: the prev task).
	 * Not for the task-switch tlb_flush: switch_mm_irqs_off() traces it
	 * before `current` changes, so it still names the previous task. */
	revive_if_reused(p, r, kind);
	if (t && t->moved_from && kind != REC_EXEC)
		exec_moved_bit(p, t);
	if (t && t->vfork_child && user_mode(kind))
		vfork_release(p, t, r->cpu);
	/* a released vfork child in user mode runs its new image: its exec
	 * record was lost (perf drops records under load) */
	if (t && t->vfork_mm && t->vfork_released && user_mode(kind)) {
		t->vfork_mm = 0;
		t->vfork_released = false;
	}
	/* in user mode after an exec_mmap() whose exec record was lost */
	if (t && t->exec_mapped && user_mode(kind))
		exec_done(p, t, r->cpu);
	/* a released vfork child is on its exec or exit path: it runs on
	 * no mm of its own until its exec record */
	if (kind != REC_FORK && !(kind == REC_TLB_FLUSH && strstr(r->text, "(0)")) &&
	    !(t && t->vfork_mm && t->vfork_released))
		ensure_running(p, r);
	/* a held operation happens once its task runs again: at its first
	 * record that is not the switch away from it */
	if (t && t->holding && kind != REC_SWITCH)
		held_release(p, t, r->cpu);
	if (t && t->forked && kind != REC_FORK)
		on_first_run(p, r, t);
	switch (kind) {
	case REC_SWITCH:
		on_sched_switch(p, r);
		break;
	case REC_ENTER_MMAP:
		if (!(used = t != NULL))
			break;
		/* the syscall tracepoint prints every argument */
		t->in_mmap = need_num(p, r, "len", &t->mmap_len) &&
			     need_num(p, r, "flags", &t->mmap_flags) &&
			     need_num(p, r, "prot", &t->mmap_prot) &&
			     need_num(p, r, "fd", &t->mmap_fd);
		break;
	case REC_EXIT_MMAP:
		if ((used = t != NULL))
			on_mmap_exit(p, r, t);
		break;
	case REC_MUNMAP:
		on_munmap(p, r, t);
		break;
	case REC_MADVISE:
		if ((used = t != NULL))
			on_madvise(p, r, t);
		break;
	case REC_MPROTECT:
		on_mprotect(p, r, t);
		break;
	case REC_EXIT_BRK:
		on_brk_exit(p, r);
		break;
	case REC_FAULT:
		on_fault(p, r, t);
		break;
	case REC_COLLAPSE:
		on_collapse(p, r);
		break;
	case REC_FORK:
		on_fork(p, r);
		break;
	case REC_EXEC:
		if (t)
			t->rseq_addr = 0;   /* rseq_execve(): registered anew */
		on_exec(p, own, t);
		if (t && t->vfork_mm) {
			t->vfork_mm = 0;
			t->vfork_released = false;
			t->tgid = own->pid;
		}
		break;
	case REC_EXIT:
		on_proc_exit(p, own);
		break;
	case REC_TLB_FLUSH:
		observe_flush(p, r);
		break;
	case REC_CSD_QUEUE:
		if (!csd_target(p, r, &target))
			break;
		observe_csd(p, r, target);
		if (strstr(r->text, "func=sched_ttwu_pending"))
			wake_queued(p, r, target);
		break;
	case REC_ENTER_MREMAP:
		if ((used = t != NULL))
			on_mremap_enter(p, r, t);
		break;
	case REC_EXIT_MREMAP:
		if ((used = t != NULL))
			on_mremap_exit(p, r, t);
		break;
	case REC_CSD_ENTRY:
	case REC_CSD_EXIT:
		csd_handler(p, r, kind == REC_CSD_ENTRY);
		break;
	case REC_ISOLATE:
		if ((used = t != NULL))
			on_isolate(p, r, t);
		break;
	case REC_ENTER_RSEQ:
		if ((used = t != NULL))
			on_rseq(p, r, t);
		break;
	case REC_SIGNAL_DELIVER:
		if ((used = t != NULL))
			on_signal_deliver(p, r, t);
		p->signals_traced = true;
		break;
	case REC_ENTER_CLONE:
		if (!(used = t != NULL))
			break;
		t->clone_known = need_num(p, r, "clone_flags", &t->clone_flags) &&
				 need_num(p, r, "child_tidptr", &t->clone_tidptr);
		break;
	default:
		used = false;
		break;
	}
	if (p->bad_key)
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: field %s: expected %s, %s%s%s",
				       own->event, p->bad_key, p->bad_expected,
				       p->bad_missing ? "not in the record" : "got '",
				       p->bad_missing ? "" : p->bad_got,
				       p->bad_missing ? "" : "'");
	if (nc) {
		nc->count++;
		nc->used |= used;
	}
	if (r->cpu < p->cpus)
		p->ipi[r->cpu].after_switch = kind == REC_SWITCH;
	return 0;
}

int perf_recon_new(unsigned cpus, struct perf_recon **out)
{
	struct perf_recon *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return TLBSIM_ENOMEM;
	p->cpus = cpus;
	p->cur = calloc(cpus, sizeof(*p->cur));
	p->last_tid = calloc(cpus, sizeof(*p->last_tid));
	p->ipi = calloc(cpus, sizeof(*p->ipi));
	if (!p->cur || !p->last_tid || !p->ipi) {
		free(p->cur);
		free(p->last_tid);
		free(p->ipi);
		free(p);
		return TLBSIM_ENOMEM;
	}
	*out = p;
	return 0;
}

void perf_recon_set_peek(struct perf_recon *p, int32_t (*peek)(void *, int32_t),
			 const struct perf_rec *(*next)(void *, int32_t,
							const struct perf_rec *),
			 const struct perf_rec *(*on_cpu)(void *, uint32_t),
			 void *ctx)
{
	p->peek_tgid = peek;
	p->peek_next = next;
	p->peek_cpu = on_cpu;
	p->peek_ctx = ctx;
}

/* A per-CPU array grown from @old to @cpus entries of @size bytes, the
 * new ones zero; NULL when out of memory (@arr is left as it was). */
static void *grow_per_cpu(void *arr, size_t size, unsigned old, unsigned cpus)
{
	char *n = realloc(arr, cpus * size);

	if (n)
		memset(n + old * size, 0, (cpus - old) * size);
	return n;
}

void perf_recon_recorded(struct perf_recon *p, const char *name)
{
	if (rec_kind_of(name) == REC_SIGNAL_DELIVER)
		p->signals_traced = true;
}

void perf_recon_set_zero_page(struct perf_recon *p, bool zero_page)
{
	p->no_zero_page = !zero_page;
}

/* What the capture holds of @cpu's idle task: perf on the capture hosts'
 * KVM guests records nothing of it on CPU 1, ftrace its IPI handlers but
 * not its switches out of it (traces/perf/README.md). */
unsigned perf_recon_idle_seen(const struct perf_recon *p, unsigned cpu)
{
	if (cpu >= p->cpus)
		return 0;
	return (p->ipi[cpu].idle_switches ? TLBSIM_IDLE_SWITCHES : 0) |
	       (p->ipi[cpu].idle_records ? TLBSIM_IDLE_IRQS : 0);
}

int perf_recon_set_cpus(struct perf_recon *p, unsigned cpus)
{
	void *n;

	if (cpus <= p->cpus)
		return 0;
	if (!(n = grow_per_cpu(p->cur, sizeof(*p->cur), p->cpus, cpus)))
		return TLBSIM_ENOMEM;
	p->cur = n;
	if (!(n = grow_per_cpu(p->last_tid, sizeof(*p->last_tid), p->cpus, cpus)))
		return TLBSIM_ENOMEM;
	p->last_tid = n;
	if (!(n = grow_per_cpu(p->ipi, sizeof(*p->ipi), p->cpus, cpus)))
		return TLBSIM_ENOMEM;
	p->ipi = n;
	p->cpus = cpus;
	return 0;
}

void perf_recon_free(struct perf_recon *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->nprocs; i++)
		proc_release(&p->procs[i]);
	free(p->procs);
	tlbsim_idmap_free(&p->procmap);
	free(p->tasks);
	tlbsim_idmap_free(&p->taskmap);
	free(p->free_procs);
	free(p->free_tasks);
	free(p->graves);
	free(p->q);
	free(p->cur);
	free(p->last_tid);
	free(p->ipi);
	free(p->names);
	free(p->name_ptrs);
	free(p->name_counts);
	free(p->name_used);
	free(p);
}

size_t perf_recon_counts(const struct perf_recon *cp, const char ***names,
			 const uint64_t **counts, const bool **used)
{
	struct perf_recon *p = (struct perf_recon *)cp;

	free(p->name_ptrs);
	free(p->name_counts);
	free(p->name_used);
	p->name_ptrs = calloc(p->nnames + 1, sizeof(char *));
	p->name_counts = calloc(p->nnames + 1, sizeof(uint64_t));
	p->name_used = calloc(p->nnames + 1, sizeof(bool));
	if (!p->name_ptrs || !p->name_counts || !p->name_used)
		return 0;
	for (uint32_t i = 0; i < p->nnames; i++) {
		p->name_ptrs[i] = p->names[i].name;
		p->name_counts[i] = p->names[i].count;
		p->name_used[i] = p->names[i].used;
	}
	*names = p->name_ptrs;
	*counts = p->name_counts;
	*used = p->name_used;
	return p->nnames;
}

size_t perf_recon_inferences(const struct perf_recon *p, const char ***names,
			     const uint64_t **counts)
{
	*names = (const char **)inf_names;
	*counts = p->inf;
	return INF_COUNT;
}
