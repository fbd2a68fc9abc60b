/*
 * recon_sched.c - which task runs where, as the perf reconstruction reads
 * it from the capture: sched_switch, a task's records on a CPU without a
 * switch seen, wake-ups onto idle CPUs, a vfork parent running again; and
 * the kernel's own flushes and csd queueings, kept as observed events for
 * validate (outputs: the model never reads them).
 */
#include <stdlib.h>
#include <string.h>

#include "tlbsim/machine.h"
#include "trace/perf.h"
#include "trace/recon.h"

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

/* Has @tgid's process exited (its records now exit paths)? */
bool exited(struct perf_recon *p, int32_t tgid)
{
	const struct proc *pr = proc_find(p, tgid);

	return pr && pr->exited;
}

/*
 * Has task @tid exited? exit_mm() left it without an mm: a switch to it
 * on its way out (a parent woken by its exit preempts it, prev_state R+,
 * and the switch back lets it die) runs on a borrowed mm, lazily, as a
 * kernel thread would (context_switch() -> enter_lazy_tlb()), and the
 * switch from it back to the mm the CPU still holds loads nothing. A
 * dash loop of subshells (Intel host, PCID) made two such switches per
 * child: reading them as switches to the dead mm counted a task-switch
 * flush for each, and one more back (497 of the kernel's 364).
 */
bool task_gone(struct perf_recon *p, int32_t tid)
{
	const struct task *t = task_find(p, tid);

	return t && t->dead_at;
}

/* A page fault or a syscall entry is user mode: a process that exited
 * cannot make one. Its pid was reused by a process whose fork record
 * the capture lost (perf drops records under load): a new process, of
 * which nothing is known yet. */
bool user_mode(enum rec_kind kind)
{
	return kind == REC_FAULT || kind == REC_ENTER_MMAP || kind == REC_MUNMAP ||
	       kind == REC_MADVISE || kind == REC_MPROTECT || kind == REC_ENTER_CLONE ||
	       kind == REC_ENTER_RSEQ || kind == REC_ENTER_MREMAP;
}

void revive_if_reused(struct perf_recon *p, const struct perf_rec *r,
			     enum rec_kind kind)
{
	struct proc *pr;
	struct task *t;

	if (!user_mode(kind))
		return;
	/* nor can an exited task: its tid is a new task's */
	if (r->tid > 0 && (t = task_find(p, r->tid)) && t->dead_at)
		t->dead_at = 0;
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

/* A `switch` of @cpu to @tgid's mm (0: none, the lazy mode of a kernel
 * thread or, with @idle, of its idle task), and the reconstruction's view
 * of the CPU with it. NULL when out of memory. */
static struct tlbsim_trace_event *switch_ev(struct perf_recon *p, uint32_t cpu,
					    int32_t tgid, bool idle)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_SWITCH, cpu);
	struct proc *pr;

	if (!ev)
		return NULL;
	ev->mm = (uint32_t)tgid;
	ev->idle = idle && !tgid;
	p->cur[cpu] = tgid;
	if (tgid && (pr = proc_get(p, tgid)))
		proc_seen_on(pr, cpu);
	p->ipi[cpu].idle = ev->idle;
	return ev;
}

static bool switch_cpu_to(struct perf_recon *p, uint32_t cpu, int32_t tgid, bool idle)
{
	return switch_ev(p, cpu, tgid, idle) != NULL;
}

static bool switch_cpu(struct perf_recon *p, uint32_t cpu, int32_t tgid)
{
	return switch_cpu_to(p, cpu, tgid, false);
}

/*
 * A thread of a live process exits on @cpu: exit_mm() lets go of its mm
 * and enter_lazy_tlb() leaves the CPU lazy on it until the switch away,
 * so a flush sent meanwhile without freed tables passes it by
 * (should_flush_tlb()).
 */
void thread_exits_on(struct perf_recon *p, uint32_t cpu, int32_t tgid)
{
	if (tgid > 0 && p->cur[cpu] == tgid)
		switch_cpu(p, cpu, 0);
}

/* @tgid's process runs (a task of it is current somewhere). */
static void proc_live(struct perf_recon *p, int32_t tgid)
{
	struct proc *pr = proc_get(p, tgid);

	if (pr)
		pr->live = true;
}

/*
 * A CPU's first record (no switch of it yet, nor a lazy_before) is a user
 * task's own: the task ran there when the capture began. It is loaded with
 * no task switch (`running_before`): the kernel switched to it before the
 * capture, and a `switch` would count a task-switch flush the capture
 * cannot show (on a host without PCID, one per CPU in every capture).
 */
static bool running_before(struct perf_recon *p, uint32_t cpu, int32_t tgid)
{
	struct tlbsim_trace_event *ev;
	struct proc *pr;

	if (p->ipi[cpu].known || !tgid)
		return false;
	if (!(ev = emit(p, TLBSIM_EV_RUNNING_BEFORE, cpu)))
		return true;
	ev->mm = (uint32_t)tgid;
	p->cur[cpu] = tgid;
	proc_live(p, tgid);
	if ((pr = proc_get(p, tgid)))
		proc_seen_on(pr, cpu);
	p->inf[INF_RUNNING_BEFORE]++;
	return true;
}

/*
 * A user task's record on a CPU the model has running another process,
 * with no switch between in the capture, on a CPU whose idle task the
 * capture holds no record of (perf on the capture hosts' KVM guests
 * records nothing of CPU 1's idle task, and there a task's switch to idle
 * is often missing too): the CPU went idle in between and the task came
 * back from idle, neither recorded. The CPU idles on the way (`idle_between`),
 * so the model's switch in is one out of the idle task, which the capture
 * does not record either (predicted_in_capture). In hugetlb_unshare a tokio
 * worker's 12 switches away from CPU 1 are missing: each came back as a
 * task switch without flush the capture could not hold.
 */
static void idle_between(struct perf_recon *p, uint32_t cpu, int32_t want)
{
	if (!want || p->cur[cpu] <= 0 || p->ipi[cpu].idle_switches ||
	    !switch_cpu_to(p, cpu, 0, true))
		return;
	p->inf[INF_IDLE_BETWEEN]++;
}

/* The task of this record runs on its CPU: say so (a `switch`) if the
 * model thinks the CPU runs another mm. */
void ensure_running(struct perf_recon *p, const struct perf_rec *r)
{
	/* perf names an exited thread -1 (`:-1  4174/-1`) */
	bool gone = r->tid < 0 || task_gone(p, r->tid);
	struct tlbsim_trace_event *ev;
	struct task *t;
	int32_t want;

	/* the common case: the CPU already runs this live process (a
	 * kernel thread never becomes a CPU's running mm) */
	if (r->pid > 0 && p->cur[r->cpu] == r->pid && !exited(p, r->pid) && !gone)
		return;
	/* after its mm is gone, an exiting task runs on a borrowed one */
	want = is_kthread(r->comm, r->pid) || exited(p, r->pid) || gone ? 0 : r->pid;
	/* the idle task's record, or a kernel thread's where the CPU was
	 * idle: which of the two runs (no mm either way; the switch out of
	 * the idle task is not in the capture on its blind CPU) */
	if (!want && !p->cur[r->cpu] && p->ipi[r->cpu].known &&
	    p->ipi[r->cpu].idle != (r->tid == 0)) {
		switch_cpu_to(p, r->cpu, 0, r->tid == 0);
		return;
	}

	if (p->cur[r->cpu] == want || running_before(p, r->cpu, want))
		return;
	idle_between(p, r->cpu, want);
	/* the capture lost this switch, and the record of its CR3 write */
	if (!(ev = switch_ev(p, r->cpu, want, r->tid == 0)))
		return;
	ev->unseen = want != 0;
	if (want)
		proc_live(p, want);
	p->inf[INF_SWITCH_FROM_EVENT]++;
	/* back from a switch away the capture lost: on its way to user
	 * space the kernel writes what it writes after a recorded one */
	if (want && r->tid > 0 && (t = task_find(p, r->tid)) && t->tgid == want)
		back_to_user(p, t, r->cpu);
}

/* A forked child that has not run yet preempting its parent on the fork's
 * CPU (prev_state R): it flushes a second page at its start, as a migrated
 * one does (fork_rseq, on_first_run(): rseq_handle_notify_resume() writes
 * its rseq area on the way to user space, wp_page_copy() flushes): 35 of
 * 35 such children did in the captures that show it (ftrace ones, a
 * Python and a zgrep one). So does one whose parent another task
 * preempted at once, when the child runs there before the parent runs
 * again: 36 of 36 (the zgrep capture's `find | xargs -P 2 zgrep`); once
 * the parent ran again, 1 of 1 flushed once. Only the parent's first
 * switch after the fork counts (young_child). */
static void child_takes_cpu(struct perf_recon *p, const struct perf_rec *r,
			    int32_t next)
{
	char state[8];
	struct task *c, *pt = task_find(p, r->tid);
	int32_t young = pt ? pt->young_child : 0;
	bool preempted = perf_field(r->text, "prev_state", state, sizeof(state),
				    false) && state[0] == 'R';

	if (pt) {
		pt->young_child = 0;
		pt->left_child = 0;
	}
	if (!young || !preempted || !(c = task_find(p, young)) || !c->forked ||
	    c->fork_cpu != r->cpu)
		return;
	c->took_cpu = true;
	if (young != next)
		pt->left_child = young;
}

/* The parent back before its child's first run: the child starts as one
 * that stayed (child_takes_cpu()). */
static void parent_back(struct perf_recon *p, int32_t next)
{
	struct task *pt = task_find(p, next), *c;

	if (!pt || !pt->left_child)
		return;
	if ((c = task_find(p, pt->left_child)) && c->forked)
		c->took_cpu = false;
	pt->left_child = 0;
}

static void wake_ahead(struct perf_recon *p, const struct perf_rec *r,
		       uint32_t cpu);

/* Does @tid's exec record come before its exit (and, @no_send, before any
 * flush of its that traced a send, reason 4), among the records the
 * reader holds? (At most 256 of them: an exec's end is near.) */
bool execs_next(struct perf_recon *p, int32_t tid, bool no_send)
{
	const struct perf_rec *n = NULL;
	int64_t reason;

	if (!p->peek_next)
		return false;
	for (int k = 0; k < 256 && (n = p->peek_next(p->peek_ctx, tid, n)); k++) {
		if (!strcmp(n->event, "sched:sched_process_exec"))
			return true;
		if (!strcmp(n->event, "sched:sched_process_exit") ||
		    (no_send && !strcmp(n->event, "tlb:tlb_flush") &&
		     flush_reason(n->text, &reason) && reason == 4))
			return false;
	}
	return false;
}

/*
 * A vfork child switched out for its own parent (the switch's next): the
 * parent sleeps in wait_for_vfork_done() until the child lets go of its
 * mm, so the child has done exec_mmap() (its exec record comes at the
 * exec's end) when the records ahead show it exec, not exit. The waking
 * parent preempts it on its CPU (wake-up preemption, prev_state R+):
 * that CPU holds the child's new mm, loaded with a flush (activate_mm()),
 * the switch to the parent flushes again and the switch back a third
 * time. Three task-switch flushes per such exec, where reading the exec
 * at its record gave one: a make -j2 capture (PVM host, no PCID; make and
 * the gcc driver spawn so) had 12 such, task-switch flushes 111 -> 135
 * of the kernel's 130.
 */
static void vfork_exec(struct perf_recon *p, const struct perf_rec *r,
		       int32_t next)
{
	struct task *c = task_find(p, r->tid), *parent;
	struct proc *pr;

	if (!c || !c->vfork_mm || c->vfork_released ||
	    p->cur[r->cpu] != c->vfork_mm || !(parent = task_find(p, next)) ||
	    parent->vfork_child != c->tid || !execs_next(p, c->tid, false) ||
	    !(pr = proc_get(p, c->tid)))
		return;
	c->vfork_released = true;
	c->tgid = c->tid;   /* its new mm: a vfork child is a process of its own */
	/* the switch back to it flushes everything: it ran nowhere before,
	 * not on the other CPU (ran_elsewhere()) */
	pr->switched_in = true;
	if (!switch_cpu(p, r->cpu, c->tgid))
		return;
	p->inf[INF_VFORK_EXEC]++;
	/* its records showed the new comm (begin_new_exec() ->
	 * __set_task_comm()): it is past that, and setup_arg_pages() comes
	 * next, on this CPU, before it blocks (prev_state D: a tar capture's
	 * gzip, its exec record on the other CPU, where the flushes would
	 * find this CPU's bit and clear it: 11 remote sends lost) */
	if (c->comm_changed) {
		exec_stack(p, pr, r->cpu);
		c->exec_stacked = true;
	}
}

void on_sched_switch(struct perf_recon *p, const struct perf_rec *r)
{
	char comm[32];
	struct task *nt;
	int32_t next;
	int32_t tgid;

	/* who runs next is what the record is read for; the rest
	 * (next_comm, prev_state) only refines it */
	if (!need_tid(p, r, "next_pid", 0, &next))
		return;
	child_takes_cpu(p, r, next);
	parent_back(p, next);
	vfork_exec(p, r, next);
	comm[0] = '\0';
	perf_field(r->text, "next_comm", comm, sizeof(comm), false);
	if (is_kthread(comm, next) || task_gone(p, next)) {
		tgid = 0;
	} else {
		tgid = tgid_of(p, next);
		/* a task the capture has not shown yet: its own records
		 * ahead name its thread group ("TGID/TID"), as for a fork's
		 * child (perf's worker thread, first seen switched to) */
		if (!tgid && p->peek_tgid && (tgid = p->peek_tgid(p->peek_ctx, next)) > 0 &&
		    tgid != next)
			p->inf[INF_THREAD_FROM_RECORDS]++;
		if (tgid <= 0)
			tgid = unseen_pool(p, comm, next);
	}
	if (p->cur[r->cpu] != tgid || (!tgid && p->ipi[r->cpu].idle != !next)) {
		slot_before(p, r, tgid);
		switch_cpu_to(p, r->cpu, tgid, !next);
	}
	if (tgid && (nt = task_find(p, next)))
		back_to_user(p, nt, r->cpu);
	/* a wake-up queued here while a task ran (wake_queued()): the idle
	 * loop runs it now, if soon enough; later, it is stale (its handler
	 * ran where the capture shows nothing) */
	if (p->ipi[r->cpu].ttwu_ns) {
		uint64_t at = p->ipi[r->cpu].ttwu_ns;

		p->ipi[r->cpu].ttwu_ns = 0;
		if (!tgid && r->t_ns <= at + WAKE_QUEUED_IDLE_NS)
			wake_ahead(p, r, r->cpu);
	}
}

/* The target CPU of csd:csd_queue_cpu ("cpu=%u"): one the model has. A
 * CPU beyond the capture's first records' is the same case as a record
 * on such a CPU (perf_recon_feed()): the topology gives the count. */
bool csd_target(struct perf_recon *p, const struct perf_rec *r,
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

void observe_csd(struct perf_recon *p, const struct perf_rec *r,
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
	/* whose flush: the sender's mm (a kernel thread's flush of
	 * another mm, khugepaged's, says nothing of it) */
	if (!strcmp(s, "flush_tlb_func")) {
		p->ipi[target].from = p->cur[r->cpu];
		p->ipi[target].flush_queued++;
	}
	/* a kernel symbol: what import writes must read back as JSONL */
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.")]) {
		field_bad(p, "func", perf_field_at(r->text, "func"),
			  "a kernel function name (letters, digits, _ and .)");
		return;
	}
	snprintf(ev->func, sizeof(ev->func), "%s", s);
}

/* csd:csd_function_entry and _exit ("func=%ps, csd=%p"): a flush IPI's
 * handler runs on the record's CPU from one to the other. csd=(nil) is
 * the sender's own call (flush_tlb_multi() runs flush_tlb_func() locally
 * through the same path). */
void csd_handler(struct perf_recon *p, const struct perf_rec *r, bool entry)
{
	struct cpu_ipi *ci = &p->ipi[r->cpu];

	ci->handling = 0;
	if (entry && strstr(r->text, "func=sched_ttwu_pending,"))
		ci->ttwu_ns = 0;   /* run where the capture shows it */
	if (entry && strstr(r->text, "func=flush_tlb_func,") &&
	    !strstr(r->text, "csd=(nil)")) {
		if (ci->flush_queued)
			ci->flush_queued--;
		else
			unseen_flush(p, r);
		ci->handling = ci->from;
		ci->from = 0;
	}
}

/*
 * ttwu_queue_wakelist(): a task is woken onto another CPU by an IPI
 * (sched_ttwu_pending). perf records nothing of an idle CPU's switch to the
 * task it wakes (no record of the idle task at all on the capture hosts'
 * CPU 1), so when the target is idle here and its next record, within
 * WAKE_LOOKAHEAD_NS (the reader holds the wake-up's record that long), is
 * a user task's own, that task runs there from the wake-up's IPI on: a
 * flush sent meanwhile must reach it (munmap_tables). Not at once: the
 * IPI, the handler and the switch take their time (WAKE_LATENCY_NS).
 *
 * Not onto a CPU the capture has set up nothing of yet: perf record -a
 * enables its events a CPU at a time, moving itself onto each (its
 * evlist enable runs under an affinity mask; migration/N wakes it on the
 * next CPU), so that CPU's switch to perf came before its tracepoints
 * were on, its flush out of sight. Its first record loads perf there as
 * running_before(). Counted as a switch, it gave a task-switch flush the
 * capture cannot show in 44 of the 50 captures we hold (a git capture's
 * 23 read as 24).
 */
static void wake_ahead(struct perf_recon *p, const struct perf_rec *r,
		       uint32_t cpu)
{
	const struct perf_rec *n;
	int32_t tgid;

	if (!p->peek_cpu || p->cur[cpu] != 0 || !p->ipi[cpu].known)
		return;
	n = p->peek_cpu(p->peek_ctx, cpu);
	if (!n || n->t_ns > r->t_ns + WAKE_LOOKAHEAD_NS || n->pid <= 0 ||
	    is_kthread(n->comm, n->pid) || exited(p, n->pid))
		return;
	if ((tgid = tgid_of(p, n->tid)) <= 0)   /* a vfork child: its parent's */
		tgid = n->pid;
	p->ipi[cpu].wake_at = r->t_ns + WAKE_LATENCY_NS;
	p->ipi[cpu].wake_tgid = tgid;
	if (!p->wake_next || p->ipi[cpu].wake_at < p->wake_next)
		p->wake_next = p->ipi[cpu].wake_at;
}

/* Before record @r: the wake-ups due by its time switch their CPUs; one
 * not due on @r's own CPU is dropped (the record says who runs there). */
void wakes_due(struct perf_recon *p, const struct perf_rec *r)
{
	if (p->wake_next && r->t_ns >= p->wake_next) {
		p->wake_next = 0;
		for (uint32_t c = 0; c < p->cpus; c++) {
			struct cpu_ipi *ci = &p->ipi[c];

			if (!ci->wake_at)
				continue;
			if (r->t_ns < ci->wake_at) {
				if (!p->wake_next || ci->wake_at < p->wake_next)
					p->wake_next = ci->wake_at;
				continue;
			}
			ci->wake_at = 0;
			if (p->cur[c] != 0 || exited(p, ci->wake_tgid) ||
			    !switch_cpu(p, c, ci->wake_tgid))
				continue;
			proc_live(p, ci->wake_tgid);
			p->inf[INF_WAKE_AHEAD]++;
		}
	}
	p->ipi[r->cpu].wake_at = 0;
}

/*
 * A wake-up queued to a CPU still running a task (the task being woken is
 * often the one descheduling there: ttwu_queue_cond() queues to the CPU a
 * task is still on). If that CPU then switches to idle, the idle loop
 * runs the queued wake-up at once (do_idle() ->
 * flush_smp_call_function_queue()) and switches back to a task: perf
 * records neither on that CPU, only the task's next record. Taken as the
 * wake_ahead() case at the switch to idle: a javac capture's C1 compiler
 * thread was back on its CPU 23 us after it "went idle", and the
 * copy-on-write flush between reached it (the model had skipped it lazy).
 */
void wake_queued(struct perf_recon *p, const struct perf_rec *r, uint32_t cpu)
{
	if (p->cur[cpu] == 0)
		wake_ahead(p, r, cpu);
	else
		p->ipi[cpu].ttwu_ns = r->t_ns ? r->t_ns : 1;
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
void vfork_release(struct perf_recon *p, struct task *parent, uint32_t cpu)
{
	struct task *c = task_find(p, parent->vfork_child);

	parent->vfork_child = 0;
	if (!c || c->vfork_mm != parent->tgid || c->vfork_released)
		return;
	c->vfork_released = true;
	if (c->cpu == cpu || c->cpu >= p->cpus || p->cur[c->cpu] != parent->tgid ||
	    p->last_tid[c->cpu] != c->tid)
		return;
	if (switch_cpu(p, c->cpu, 0))
		p->inf[INF_VFORK_RELEASE]++;
}
