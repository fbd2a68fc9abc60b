/*
 * perf_recon.c - model inputs reconstructed from a perf capture.
 *
 * Inputs only: which task runs where (sched_switch, and any event of a user
 * task on a CPU), the address-space operations from the syscalls (mmap,
 * munmap, madvise, mprotect, exit), faults, forks and execs. Outputs of
 * the kernel (tlb_flush, csd_queue_cpu, IPIs) become `observed` events,
 * never inputs: a prediction that copies an observation is none.
 * Whatever the capture cannot tell is inferred and counted by kind.
 * This file: scheduling, observations and the API; recon_proc.c fork,
 * exec and exit; recon_mm.c the address-space records; recon_state.c the
 * state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlbsim/machine.h"
#include "trace/recon.h"

static const char *const inf_names[INF_COUNT] = {
	"switch_from_event", "tgid_from_tid", "map_before_capture", "map_replaced",
	"cow_flush", "fork_flush", "fork_vmas", "exec_exit", "hugetlb_guess",
	"pmd_share", "khugepaged_mm", "thread_from_records", "exec_stack",
	"lock_wait", "fork_settid", "collapse_at_isolate", "wake_ahead",
	"vfork", "fork_rseq", "exec_image", "kernel_write", "map_populate",
	"ran_elsewhere", "pid_reused", "vfork_release",
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
	ev->t = p->rec->t_ns - p->t0;
	ev->line = p->rec->line;
	ev->target = -1;
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

/* A task id field ("%d" of a pid_t): from @min to 2^31-1. */
static bool need_tid(struct perf_recon *p, const struct perf_rec *r,
		     const char *key, uint64_t min, int32_t *out)
{
	uint64_t v;

	if (perf_field_num(r->text, key, &v) != 1 || v < min || v > INT32_MAX) {
		field_bad(p, key, perf_field_at(r->text, key), "a task id from %llu "
			  "to 2147483647", (unsigned long long)min);
		return false;
	}
	*out = (int32_t)v;
	return true;
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
	};

	if (pid <= 0)
		return true;
	/* asked for most records: compare only the prefixes that can match */
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (pre[i][0] == comm[0] && !strncmp(comm, pre[i], strlen(pre[i])))
			return true;
	return false;
}

/* ------------------------------------------------------------- events */

/* The task of this record runs on its CPU: say so if the model thinks not. */
bool exited(struct perf_recon *p, int32_t tgid)
{
	const struct proc *pr = proc_find(p, tgid);

	return pr && pr->exited;
}

/* A page fault or a syscall entry is user mode: a process that exited
 * cannot make one. Its pid was reused by a process whose fork record
 * the capture lost (perf drops records under load): a new process, of
 * which nothing is known yet. */
static bool user_mode(enum rec_kind kind)
{
	return kind == REC_FAULT || kind == REC_ENTER_MMAP || kind == REC_MUNMAP ||
	       kind == REC_MADVISE || kind == REC_MPROTECT || kind == REC_ENTER_CLONE ||
	       kind == REC_ENTER_RSEQ;
}

static void revive_if_reused(struct perf_recon *p, const struct perf_rec *r,
			     enum rec_kind kind)
{
	struct proc *pr;

	if (!user_mode(kind))
		return;
	if (r->pid <= 0 || !(pr = proc_find(p, r->pid)) || !pr->exited ||
	    is_kthread(r->comm, r->pid))
		return;   /* the common case first: a live process */
	proc_set_parent(p, pr, 0);
	pr->exited = false;
	pr->cow_peers = 0;
	pr->peer_up = false;
	pr->fresh = false;
	p->inf[INF_PID_REUSED]++;
}

static void ensure_running(struct perf_recon *p, const struct perf_rec *r)
{
	int32_t want;
	struct tlbsim_trace_event *ev;

	/* the common case: the CPU already runs this live process (a
	 * kernel thread never becomes a CPU's running mm) */
	if (r->pid > 0 && p->cur[r->cpu] == r->pid && !exited(p, r->pid))
		return;
	/* after its mm is gone, an exiting task runs on a borrowed one */
	want = is_kthread(r->comm, r->pid) || exited(p, r->pid) ? 0 : r->pid;

	if (p->cur[r->cpu] == want)
		return;
	ev = emit(p, TLBSIM_EV_SWITCH, r->cpu);
	if (!ev)
		return;
	ev->mm = (uint32_t)want;
	p->cur[r->cpu] = want;
	if (want)
		proc_get(p, want)->live = true;
	p->inf[INF_SWITCH_FROM_EVENT]++;
}

/* A forked child that has not run yet preempting its parent on the fork's
 * CPU (prev_state R): it flushes a second page at its start, as a migrated
 * one does (fork_rseq, on_first_run(): rseq_handle_notify_resume() writes
 * its rseq area on the way to user space, wp_page_copy() flushes): 35 of
 * 35 such children did in the captures that show it (ftrace ones, a
 * Python and a zgrep one). */
static void child_takes_cpu(struct perf_recon *p, const struct perf_rec *r,
			    int32_t next)
{
	char state[8];
	struct task *c;
	struct proc *pr;

	if (!perf_field(r->text, "prev_state", state, sizeof(state), false) ||
	    state[0] != 'R' || !(c = task_find(p, next)) || !c->forked ||
	    c->fork_cpu != r->cpu || !(pr = proc_find(p, c->tgid)) ||
	    pr->parent != r->pid)
		return;
	c->took_cpu = true;
}

static void on_sched_switch(struct perf_recon *p, const struct perf_rec *r)
{
	char comm[32];
	int32_t next;
	int32_t tgid;
	struct tlbsim_trace_event *ev;

	/* who runs next is what the record is read for; the rest
	 * (next_comm, prev_state) only refines it */
	if (!need_tid(p, r, "next_pid", 0, &next))
		return;
	child_takes_cpu(p, r, next);
	comm[0] = '\0';
	perf_field(r->text, "next_comm", comm, sizeof(comm), false);
	if (is_kthread(comm, next)) {
		tgid = 0;
	} else {
		tgid = tgid_of(p, next);
		if (!tgid) {
			tgid = next;
			p->inf[INF_TGID_FROM_TID]++;
		}
	}
	if (p->cur[r->cpu] == tgid)
		return;
	ev = emit(p, TLBSIM_EV_SWITCH, r->cpu);
	if (!ev)
		return;
	ev->mm = (uint32_t)tgid;
	p->cur[r->cpu] = tgid;
}

/*
 * The first task switch to a process older than the capture, on a CPU
 * that had no current ASID for its mm (the switch flushed everything:
 * switch_mm_irqs_off() traced pages -1), says where it ran before: on the
 * other CPU of a 2-CPU machine, whose bit in the mm's cpumask stays set
 * (nothing clears it on a switch away), so a flush of that mm later
 * reaches that CPU. perf's workload child (perf-exec) is the usual case:
 * forked onto one CPU before the capture, woken on the other to exec, its
 * old mm's teardown IPIs the first (4 of the 8 shipped perf captures).
 * The CPU is switched to the mm and back to what it ran. With more CPUs
 * the capture does not say which one: nothing is assumed.
 */
static void ran_elsewhere(struct perf_recon *p, const struct perf_rec *r,
			  int64_t reason, int64_t pages)
{
	int32_t tgid = r->cpu < p->cpus ? p->cur[r->cpu] : 0;
	struct tlbsim_trace_event *ev;
	struct proc *pr;
	uint32_t other;

	if (reason != 0 || !tgid || !(pr = proc_get(p, tgid)) || pr->switched_in)
		return;
	pr->switched_in = true;
	if (pages != -1 || p->cpus != 2 || pr->parent || pr->fresh)
		return;
	other = 1 - r->cpu;
	if (!(ev = emit(p, TLBSIM_EV_SWITCH, other)))
		return;
	ev->mm = (uint32_t)tgid;
	if (!(ev = emit(p, TLBSIM_EV_SWITCH, other)))
		return;
	ev->mm = (uint32_t)p->cur[other];
	p->inf[INF_RAN_ELSEWHERE]++;
}

/* tlb:tlb_flush, "pages:%ld reason:%s (%d)": an observed event with the
 * page count and the reason's number (validate counts by it). */
static void observe_flush(struct perf_recon *p, const struct perf_rec *r)
{
	const char *open = strrchr(r->text, '('), *q;
	struct tlbsim_trace_event *ev;
	int64_t pages, reason = 0;

	if (perf_field_snum(r->text, "pages", &pages) != 1) {
		field_bad(p, "pages", perf_field_at(r->text, "pages"), "a page count "
			  "(decimal, -1 for all)");
		return;
	}
	for (q = open ? open + 1 : NULL; q && *q >= '0' && *q <= '9' && reason < 1000; q++)
		reason = reason * 10 + (*q - '0');
	if (!q || q == open + 1 || *q != ')' || q[1 + strspn(q + 1, " ")]) {
		field_bad(p, "reason", perf_field_at(r->text, "reason"), "the reason "
			  "with its number in parentheses at the end, as in "
			  "'reason:remote shootdown (1)'");
		return;
	}
	if (!(ev = emit(p, TLBSIM_EV_OBSERVED, r->cpu)))
		return;
	snprintf(ev->what, sizeof(ev->what), "tlb_flush");
	ev->pages = pages;
	ev->reason = reason;
	/* whose: the mm the record's task runs in (validate --by-process) */
	if (r->pid > 0 && !is_kthread(r->comm, r->pid))
		ev->mm = (uint32_t)r->pid;
	ran_elsewhere(p, r, ev->reason, ev->pages);
}

/* The target CPU of csd:csd_queue_cpu ("cpu=%u"): one the model has. A
 * CPU beyond the capture's first records' is the same case as a record
 * on such a CPU (perf_recon_feed()): the topology gives the count. */
static bool csd_target(struct perf_recon *p, const struct perf_rec *r,
		       uint32_t *cpu)
{
	uint64_t v;

	if (perf_field_num(r->text, "cpu", &v) != 1 || v >= TLBSIM_MAX_CPUS) {
		field_bad(p, "cpu", perf_field_at(r->text, "cpu"), "a CPU id from 0 to %d",
			  TLBSIM_MAX_CPUS - 1);
		return false;
	}
	if (v >= p->cpus) {
		field_bad(p, "cpu", perf_field_at(r->text, "cpu"), "one of the %u CPUs "
			  "the capture's first records showed: give the capture host's "
			  "topology with --topology xml:FILE", p->cpus);
		return false;
	}
	*cpu = (uint32_t)v;
	return true;
}

static void observe_csd(struct perf_recon *p, const struct perf_rec *r,
			uint32_t target)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_OBSERVED, r->cpu);
	char s[40];

	if (!ev)
		return;
	snprintf(ev->what, sizeof(ev->what), "csd_queue_cpu");
	ev->target = (int32_t)target;
	if (!perf_field(r->text, "func", s, sizeof(s), false))
		return;
	/* a kernel symbol: what import writes must read back as JSONL */
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.")]) {
		field_bad(p, "func", perf_field_at(r->text, "func"),
			  "a kernel function name (letters, digits, _ and .)");
		return;
	}
	snprintf(ev->func, sizeof(ev->func), "%s", s);
}

/*
 * ttwu_queue_wakelist(): a task is woken onto another CPU by an IPI
 * (sched_ttwu_pending). perf records nothing of an idle CPU's switch to the
 * task it wakes, so when the target is idle here and its next record, within
 * 0.2 ms (the reorder window), is a user task's own, that task runs there
 * from now: a flush sent meanwhile must reach it (munmap_tables).
 */
static void wake_ahead(struct perf_recon *p, const struct perf_rec *r,
		       uint32_t cpu)
{
	const struct perf_rec *n;
	struct tlbsim_trace_event *ev;
	int32_t tgid;

	if (!p->peek_cpu || p->cur[cpu] != 0)
		return;
	n = p->peek_cpu(p->peek_ctx, cpu);
	if (!n || n->t_ns > r->t_ns + 200000 || n->pid <= 0 ||
	    is_kthread(n->comm, n->pid) || exited(p, n->pid))
		return;
	if ((tgid = tgid_of(p, n->tid)) <= 0)   /* a vfork child: its parent's */
		tgid = n->pid;
	ev = emit(p, TLBSIM_EV_SWITCH, cpu);
	if (!ev)
		return;
	ev->mm = (uint32_t)tgid;
	p->cur[cpu] = tgid;
	proc_get(p, tgid)->live = true;
	p->inf[INF_WAKE_AHEAD]++;
}

/*
 * A vfork parent runs again (a record of its own in user mode: a fault, a
 * syscall; before it blocked, it may have traced the child's wake-up):
 * its child let go of its mm, exec_mmap() or exit_mm() ->
 * complete_vfork_done(), which the capture shows only later (the child's
 * sched_process_exec comes at the exec's end; the parent's next munmap,
 * of posix_spawn's stack, often before it). The child's CPU, if the
 * child is what it runs, holds the parent's mm lazily from then: a flush
 * of the parent's that frees no table skips it. In a build captured on
 * an Intel host 17 flush IPIs the model sent and the kernel did not were
 * such munmaps (60 predicted, 43 observed; now 43).
 */
static void vfork_release(struct perf_recon *p, struct task *parent, uint32_t cpu)
{
	struct task *c = task_find(p, parent->vfork_child);
	struct tlbsim_trace_event *ev;

	parent->vfork_child = 0;
	if (!c || c->vfork_mm != parent->tgid || c->vfork_released)
		return;
	c->vfork_released = true;
	if (c->cpu == cpu || c->cpu >= p->cpus || p->cur[c->cpu] != parent->tgid ||
	    p->last_tid[c->cpu] != c->tid)
		return;
	if (!(ev = emit(p, TLBSIM_EV_SWITCH, c->cpu)))
		return;
	ev->mm = 0;
	p->cur[c->cpu] = 0;
	p->inf[INF_VFORK_RELEASE]++;
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
	p->rec = r;
	p->bad_key = NULL;
	recycle(p, r->t_ns);
	if (r->cpu >= p->cpus)
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "cpu %u appears after the "
				       "capture's first records, which showed %u CPUs: give "
				       "the capture host's topology with --topology xml:FILE "
				       "(traces/capture.sh saves it)", r->cpu, p->cpus);
	t = task_get(p, r->tid);
	if (t)
		t->cpu = r->cpu;
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
	/* The record's task runs on its CPU (for sched_switch: the prev task).
	 * Not for the task-switch tlb_flush: switch_mm_irqs_off() traces it
	 * before `current` changes, so it still names the previous task. */
	revive_if_reused(p, r, kind);
	if (t && t->vfork_child && user_mode(kind))
		vfork_release(p, t, r->cpu);
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
		on_fault(p, r);
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
		on_exec(p, own, t && t->vfork_mm);
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
			wake_ahead(p, r, target);
		break;
	case REC_ISOLATE:
		if ((used = t != NULL))
			on_isolate(p, r, t);
		break;
	case REC_ENTER_RSEQ:
		if ((used = t != NULL))
			on_rseq(p, r, t);
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
	if (!p->cur || !p->last_tid) {
		free(p->cur);
	free(p->last_tid);
		free(p->last_tid);
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

int perf_recon_set_cpus(struct perf_recon *p, unsigned cpus)
{
	int32_t *cur;

	if (cpus <= p->cpus)
		return 0;
	cur = realloc(p->cur, cpus * sizeof(*cur));
	if (!cur)
		return TLBSIM_ENOMEM;
	memset(cur + p->cpus, 0, (cpus - p->cpus) * sizeof(*cur));
	p->cur = cur;
	if (!(cur = realloc(p->last_tid, cpus * sizeof(*cur))))
		return TLBSIM_ENOMEM;
	memset(cur + p->cpus, 0, (cpus - p->cpus) * sizeof(*cur));
	p->last_tid = cur;
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
	idmap_free(&p->procmap);
	free(p->tasks);
	idmap_free(&p->taskmap);
	free(p->free_procs);
	free(p->free_tasks);
	free(p->graves);
	free(p->q);
	free(p->cur);
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
