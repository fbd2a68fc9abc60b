/*
 * recon_evidence.c - the kernel's own task-switch flushes, read as
 * evidence of what a CPU held before the capture (inputs: where a process
 * ran, what an ASID slot or a lazy CPU kept), and kept as observed events
 * for validate (outputs: the model never reads them). A switch's record
 * follows its sched_switch (switch_mm_irqs_off() traces before `current`
 * changes): what the switch itself needs is looked for ahead.
 */
#include <string.h>

#include "trace/perf.h"
#include "trace/recon.h"

/* tlb:tlb_flush's reason: the number in parentheses at the end of
 * "reason:%s (%d)". False when it is not there. */
bool flush_reason(const char *text, int64_t *reason)
{
	const char *open = strrchr(text, '('), *q;

	*reason = 0;
	for (q = open ? open + 1 : NULL; q && *q >= '0' && *q <= '9' && *reason < 1000; q++)
		*reason = *reason * 10 + (*q - '0');
	return q && q != open + 1 && *q == ')' && !q[1 + strspn(q + 1, " ")];
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
 * That CPU gets a `ran_before` of the mm: its cpumask bit, nothing else.
 * What it has loaded now is whatever it last ran: a switch there and back
 * would leave it holding this mm, lazily when it idles, where the kernel's
 * CPU holds another (a bash capture: CPU 1 idled on a child's mm; bash's
 * fork flush found it on the wrong mm and cleared the bit, so bash's next
 * flushes sent nothing). With more CPUs the capture does not say which
 * one: nothing is assumed. Nor when the task's records ahead reach its
 * exec with no flush that traced a send: its old mm's teardown
 * (exec_mmap() -> mmput()) found no other CPU in the mm's cpumask. On a
 * host without PCID every switch to another mm flushes (pages -1): a PVM
 * fork_exit capture's perf-exec, taken to have run on the other CPU, had
 * its teardown clear a bit there (wrong CPU) the kernel did not (nine PVM
 * captures one over).
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
	if (pages != -1 || p->cpus != 2 || pr->parent || pr->fresh ||
	    execs_next(p, tgid, true))
		return;
	other = 1 - r->cpu;
	if (!(ev = emit(p, TLBSIM_EV_RAN_BEFORE, other)))
		return;
	ev->mm = (uint32_t)tgid;
	p->inf[INF_RAN_ELSEWHERE]++;
}

/*
 * A CPU whose state the capture has not set up (no switch of it yet), idle,
 * takes a flush IPI and traces a task switch inside the handler: only a
 * lazy CPU does that (flush_tlb_func(): is_lazy -> switch_mm_irqs_off() to
 * init_mm). It was lazy on the flush's mm since before the capture. The
 * kernel's own record is the evidence, as the task-switch flush is for
 * ran_elsewhere(): a trace-cmd capture that begins as bash forks the
 * workload, CPU 1 idle on bash's mm, shows it (bash's fork flush IPIs
 * CPU 1, and its 21 copy-on-write flushes then find CPU 1's bit in the mask
 * and trace a send each). In every other capture we hold, such a CPU's
 * first switch comes first.
 */
static void lazy_before(struct perf_recon *p, const struct perf_rec *r)
{
	struct cpu_ipi *ci = &p->ipi[r->cpu];
	struct tlbsim_trace_event *ev;

	if (!ci->handling || ci->known || p->cur[r->cpu] != 0 ||
	    !(ev = emit(p, TLBSIM_EV_LAZY_BEFORE, r->cpu)))
		return;
	ev->mm = (uint32_t)ci->handling;
	p->inf[INF_LAZY_BEFORE]++;
}

/*
 * A task-switch flush traced by a user task that no switch away from has
 * been seen for (switch_mm_irqs_off() traces before `current` changes, so
 * a switch's own flush follows its sched_switch record): the task loaded
 * another mm itself, exec_mmap() -> activate_mm(), when its exec record
 * is ahead. The record, the kernel's, is the evidence of where the exec
 * began, as the comm is for exec_moved(): exec_mmap() comes before
 * begin_new_exec() sets the comm, and a task preempted between the two
 * shows its new comm only where it resumes (a dash capture: sort's
 * exec_mmap() on CPU 0, its comm and exec record on CPU 1; CPU 0's bit
 * in the new mm's cpumask made 15 of its flushes remote sends).
 */
static bool exec_began(struct perf_recon *p, const struct perf_rec *r)
{
	struct task *t;

	if (r->pid <= 0 || p->cur[r->cpu] != r->pid || is_kthread(r->comm, r->pid) ||
	    !(t = task_find(p, r->tid)) || !execs_next(p, t->tid, false))
		return false;
	t->mmap_cpu = r->cpu + 1;
	exec_mmap(p, r->cpu, t);
	return true;
}

/*
 * The first task switch to a process older than the capture, when it
 * traced no flush (pages 0: only with PCID), found an ASID slot of its
 * CPU still holding the mm, current: the process ran there before the
 * capture and no flush of it was due since (choose_new_asid()). The CPU
 * gets a `ran_before` of the mm with `asid`, before the switch that needs
 * the slot: its record is the next on that CPU, looked for ahead. perf's
 * workload child and the processes already running are the usual ones:
 * an AMD capture (tlb_flush1) switched to three such with no flush, which
 * the model flushed (task-switch flushes 9 as the capture records, of 4;
 * 6 since). Only the first switch of a process to a CPU the capture has
 * not shown it on: after that the slot is the model's.
 * The record is the kernel's output, read as evidence of the CPU's state
 * (an input), as for ran_elsewhere(); whether the switch flushes is the
 * model's.
 */
void slot_before(struct perf_recon *p, const struct perf_rec *r, int32_t tgid)
{
	const struct perf_rec *n;
	struct tlbsim_trace_event *ev;
	int64_t pages, reason;
	struct proc *pr;

	if (tgid <= 0 || !p->peek_cpu || !(pr = proc_get(p, tgid)) ||
	    proc_was_on(pr, r->cpu) || pr->parent || pr->fresh || pr->exited)
		return;
	n = p->peek_cpu(p->peek_ctx, r->cpu);
	if (!n || strcmp(n->event, "tlb:tlb_flush") || !flush_reason(n->text, &reason) ||
	    reason != 0 || perf_field_snum(n->text, "pages", &pages) != 1 || pages != 0 ||
	    !(ev = emit(p, TLBSIM_EV_RAN_BEFORE, r->cpu)))
		return;
	ev->mm = (uint32_t)tgid;
	ev->asid = true;
	p->inf[INF_SLOT_BEFORE]++;
}

/*
 * The first switch to init_mm the capture shows of a CPU, its record's
 * page count in @pages: a CPU of a capture is taken to hold init_mm in no
 * ASID slot (the header's asid_history: it ran other mms since it last
 * used init_mm; 5 of the 8 shipped perf captures' exits flushed there).
 * Traced with no flush (pages 0), a slot still held it
 * (choose_new_asid()): the CPU gets a `ran_before` of init_mm ("mm": null)
 * with `asid` (lazy_idle's and an Intel madvfree capture's exits). The
 * record is the kernel's, read as evidence of the CPU's state before the
 * capture, as for slot_before(); after the first, the CPU's state is the
 * model's.
 */
static void init_slot_evidence(struct perf_recon *p, uint32_t cpu, int64_t pages)
{
	struct tlbsim_trace_event *ev;

	p->ipi[cpu].init_known = true;
	if (pages == 0 && (ev = emit(p, TLBSIM_EV_RAN_BEFORE, cpu))) {
		ev->mm = 0;
		ev->asid = true;
		p->inf[INF_INIT_SLOT]++;
	}
}

/*
 * The exit of an mm's last task: exit_mm() leaves the CPU lazy on the mm,
 * and exit_mmap()'s flush finds it so (flush_tlb_func():
 * switch_mm_irqs_off() to init_mm), the task-switch record before the
 * task's switch away, looked for ahead: before the exit is emitted.
 */
void init_slot_before(struct perf_recon *p, const struct perf_rec *r)
{
	const struct perf_rec *n = NULL;
	int64_t pages, reason;

	if (r->cpu >= p->cpus || p->ipi[r->cpu].init_known || !p->peek_next)
		return;
	for (int k = 0; k < 64 && (n = p->peek_next(p->peek_ctx, r->tid, n)); k++) {
		if (!strcmp(n->event, "sched:sched_switch") || n->cpu != r->cpu)
			return;
		if (strcmp(n->event, "tlb:tlb_flush") || !flush_reason(n->text, &reason) ||
		    reason != 0)
			continue;
		init_slot_evidence(p, r->cpu, perf_field_snum(n->text, "pages", &pages) == 1 ?
				   pages : -1);
		return;
	}
}

/*
 * A task-switch record that is neither an exec's nor a context switch's
 * (those follow their sched_switch): a switch to init_mm, a lazy CPU's in
 * a flush IPI's handler (the trace.dat capture's CPU 1, lazy on bash's mm
 * since before it) or a kernel thread's own flush.
 */
static void init_slot_seen(struct perf_recon *p, const struct perf_rec *r,
			   int64_t pages)
{
	if (r->cpu < p->cpus && !p->ipi[r->cpu].after_switch && !p->ipi[r->cpu].init_known)
		init_slot_evidence(p, r->cpu, pages);
}

/* tlb:tlb_flush, "pages:%ld reason:%s (%d)": an observed event with the
 * page count and the reason's number (validate counts by it). */
void observe_flush(struct perf_recon *p, const struct perf_rec *r)
{
	struct tlbsim_trace_event *ev;
	int64_t pages, reason;

	if (perf_field_snum(r->text, "pages", &pages) != 1) {
		field_bad(p, "pages", perf_field_at(r->text, "pages"), "a page count "
			  "(decimal, -1 for all)");
		return;
	}
	if (!flush_reason(r->text, &reason)) {
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
	if (reason == 0) {
		lazy_before(p, r);
		if (!exec_began(p, r))
			init_slot_seen(p, r, pages);
	}
	if (reason == 3)
		exec_stack_due(p, r);
}
