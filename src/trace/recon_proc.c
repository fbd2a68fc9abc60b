/*
 * recon_proc.c - the process lifecycle reconstructed from a capture: fork
 * (process, thread or vfork, and what dup_mmap() costs the parent), exec
 * (the old mm torn down, the new one's stack set up) and exit.
 * sched_process_fork does not say fork or thread: the reader's look-ahead
 * does (perf_recon_set_peek()). See perf_recon.c for the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/recon.h"

/* What the end of @pr's mm leaves the reconstruction: no mirrors, no
 * copy-on-write sharing. */
static void proc_gone(struct perf_recon *p, struct proc *pr)
{
	struct proc *up;

	pr->live = false;
	pr->exited = true;
	proc_dies(p, pr);
	/* its memory goes with it: a capture of thousands of processes must
	 * not keep the mirrors of the dead (memory follows the machine) */
	proc_release(pr);
	/* its COW peers own their pages alone now: its parent, its children;
	 * those it still shared with, that is: an exec ended the sharing
	 * already (this is then the new image's exit, and counting it again
	 * left a parent that still shared with another child alone) */
	up = proc_find(p, pr->parent);
	if (up && up != pr && pr->peer_up && up->cow_peers)
		up->cow_peers--;
	for (uint32_t k = pr->kids; k; k = p->procs[k - 1].sib_next) {
		struct proc *q = &p->procs[k - 1];

		if (q != up && q->peer_up && q->cow_peers)
			q->cow_peers--;
		q->peer_up = false;
	}
	pr->cow_peers = 0;
	pr->peer_up = false;
}

struct tlbsim_trace_event *emit_exit(struct perf_recon *p, struct proc *pr,
				      uint32_t cpu)
{
	struct tlbsim_trace_event *ev;

	if (!pr->live)
		return NULL;
	ev = emit(p, TLBSIM_EV_EXIT, cpu);
	if (ev)
		ev->mm = (uint32_t)pr->tgid;
	proc_gone(p, pr);
	for (unsigned c = 0; c < p->cpus; c++)
		if (p->cur[c] == pr->tgid)
			p->cur[c] = 0; /* the exiting CPU runs it lazily now */
	return ev;
}

void on_fork(struct perf_recon *p, const struct perf_rec *r)
{
	uint64_t child, clone_flags = 0, clone_tidptr = 0;
	struct proc *parent, *pc;
	struct task *t;
	struct tlbsim_trace_event *ev;
	bool clone_known = false, vfork, rseq_known = false;
	uint64_t rseq_addr = 0;

	if (perf_field_num(r->text, "child_pid", &child) != 1 || !child ||
	    child > INT32_MAX) {
		field_bad(p, "child_pid", perf_field_at(r->text, "child_pid"),
			  "a task id from 1 to 2147483647");
		return;
	}
	/* a task cannot be its own child: copying the parent's mappings
	 * into itself never ended (fuzz_perf) */
	if ((int32_t)child == r->pid || (int32_t)child == r->tid) {
		field_bad(p, "child_pid", perf_field_at(r->text, "child_pid"),
			  "the new task's id, not the forking task's own");
		return;
	}
	if (!(parent = proc_get(p, r->pid)))
		return;
	/* the parent's sys_enter_clone, if the capture has it (read before
	 * task_get() of the child may move the task array) */
	t = task_get(p, r->tid);
	vfork = t && blocks_at_once(p, t);
	if (t) {
		rseq_known = t->rseq_known;
		rseq_addr = t->rseq_addr;
	}
	if (t && t->clone_known) {
		clone_known = true;
		clone_flags = t->clone_flags;
		clone_tidptr = t->clone_tidptr;
		t->clone_known = false;
	}
	t = task_get(p, (int32_t)child);
	if (!t)
		return;
	t->vfork_mm = 0;   /* a tid used again */
	t->forked = t->settid = false;
	t->exec_mapped = t->exec_stacked = false;
	/* rseq_fork(): a thread or a vfork child (CLONE_VM) starts with none
	 * registered, a process with its parent's (below) */
	t->rseq_known = rseq_known;
	t->rseq_addr = 0;
	t->sp_near = 0;   /* its stack's faults will say */
	t->dead_at = 0;
	/* The tracepoint does not say fork or thread (clone with CLONE_VM):
	 * the child's own records do ("TGID/TID"), and the reader holds a
	 * fork back until it has read some time ahead. A thread shares the
	 * parent's mm: no copy, no flush. Unseen children count as forks. */
	if (p->peek_tgid) {
		int32_t tgid = p->peek_tgid(p->peek_ctx, (int32_t)child);

		if (tgid > 0 && tgid != (int32_t)child) {
			t->tgid = tgid;
			p->inf[INF_THREAD_FROM_RECORDS]++;
			return;
		}
	}
	t->tgid = (int32_t)child;
	/* vfork(), posix_spawn(): clone(CLONE_VM | CLONE_VFORK), and the
	 * parent waits in wait_for_vfork_done() (state D) until the child
	 * execs or exits. The child runs in the parent's mm meanwhile: no
	 * copy, no flush, no tid written (perf_recon_feed() runs its records
	 * in that mm). 219 of a captured build's 222 forks, none flushed. */
	if (vfork && !is_kthread(r->comm, r->pid)) {
		t->tgid = t->vfork_mm = r->pid;
		t->vfork_released = false;
		p->inf[INF_VFORK]++;
		if ((t = task_find(p, r->tid)))
			t->vfork_child = (int32_t)child;
		return;
	}
	pc = proc_get(p, (int32_t)child);
	if (!pc || is_kthread(r->comm, r->pid))
		return;
	if (pc->live && !pc->exited) {
		/* a live process's pid for a new child: its exit record was
		 * lost (perf drops records under load) */
		emit_exit(p, pc, r->cpu);
		p->inf[INF_PID_REUSED]++;
	}
	/* glibc's fork() passes CLONE_CHILD_SETTID: the child's first run
	 * writes its tid (schedule_tail) into a page it shares copy-on-write.
	 * The clone's arguments say where, when the capture has them. */
	t->settid = !clone_known || (clone_flags & 0x01000000); /* CLONE_CHILD_SETTID */
	t->settid_page = clone_known ? clone_tidptr & ~(PAGE - 1) : 0;
	t->settid_addr = clone_known ? clone_tidptr : 0;
	t->forked = true;
	t->took_cpu = false;
	t->rseq_addr = rseq_addr;
	t->fork_cpu = r->cpu;
	pc->exited = false;
	pc->waiter = r->pid;
	proc_set_parent(p, pc, r->pid);
	parent = proc_get(p, r->pid);
	/* write-protected by the fork, pages the kernel wrote (execve's
	 * argument strings, the ELF loader's zeroing) fault P|W now, and are
	 * anonymous: neither mm is fresh any more (write_copies()) */
	pc->fresh = parent->fresh = false;
	/* dup_mmap(): parent and child share every private page copy-on-write,
	 * the mappings the capture knows of or not (a parent that existed
	 * before the capture has pages it never showed) */
	pc->cow_peers = 1;
	pc->peer_up = true;
	pc->brk = parent->brk;
	parent->forks = pc->forks = true;
	parent->cow_peers++;
	/* every private page is shared again: what an earlier child's copies
	 * left the parent alone is not any more */
	pageset_free(&parent->cow_done);
	pageset_free(&parent->dirty);
	for (uint32_t i = 0, n = parent->nv; i < n && i < parent->nv; i++) {
		ev = emit_map(p, pc, parent->v[i].start, parent->v[i].end,
			      parent->v[i].huge);
		p->inf[INF_FORK_VMAS]++;
		parent = proc_get(p, r->pid);
		if (parent->v[i].shared)
			map_shared(pc, ev, parent->v[i].start);
		if (parent->v[i].inferred)
			mark_inferred(pc, parent->v[i].start);
	}
	/* write-protecting the parent's private pages ends in
	 * flush_tlb_mm(parent), whether the capture showed them or not (a
	 * shell older than the capture has them too) */
	ev = emit(p, TLBSIM_EV_FLUSH, r->cpu);
	if (ev) {
		ev->mm = (uint32_t)r->pid;
		ev->end = TLBSIM_END_ALL;
		ev->stride = 12;
		ev->freed_tables = true; /* flush_tlb_mm() */
	}
	p->inf[INF_FORK_FLUSH]++;
	/* the forking task's own rseq area is shared now too (rseq_resume());
	 * where it is preempted next decides its child's start (fork_rseq) */
	if ((t = task_find(p, r->tid))) {
		t->rseq_cow = rseq_known && rseq_addr;
		t->young_child = (int32_t)child;
		t->left_child = 0;
		t->sp_stale = true;
	}
}

/* A raw flush of @pr's mm on @cpu: [start, end) or everything. */
static void emit_flush(struct perf_recon *p, struct proc *pr, uint32_t cpu,
		       uint64_t start, uint64_t end, bool freed)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_FLUSH, cpu);

	if (!ev)
		return;
	ev->mm = (uint32_t)pr->tgid;
	ev->start = start;
	ev->end = end;
	ev->stride = 12;
	ev->freed_tables = freed;
}

/* The comm a task's records show: begin_new_exec() sets the new one just
 * after exec_mmap() loaded the new mm on the task's CPU (on_exec()). */
void task_note_comm(struct task *t, const struct perf_rec *r)
{
	size_t n;

	if (!strncmp(t->comm, r->comm, sizeof(t->comm) - 1))
		return;
	t->comm_changed = t->comm[0] != '\0';
	t->comm_cpu = r->cpu;
	n = strnlen(r->comm, sizeof(t->comm) - 1);
	memcpy(t->comm, r->comm, n);
	t->comm[n] = '\0';
}

/*
 * The exec's task showed its new comm on another CPU than the exec
 * record's before it moved (it slept reading the binary, say, and woke
 * there): exec_mmap() loaded the new mm on that CPU, whose bit in the new
 * mm's cpumask stays after the switch away, so the new image's flushes
 * reach it (remote IPI sends) until one finds it on another mm. The comm
 * must have changed (an exec of a program of the same name shows none)
 * and be the exec's. A tar capture: gzip's exec_mmap() on CPU 0, its exec
 * record on CPU 1, 13 of its flushes sent for CPU 0's bit. Where the
 * task's own task-switch flush showed exec_mmap() (exec_began()), that
 * CPU is the one, whatever the comm says.
 *
 * The bit is set at the task's next record (exec_moved_bit()): the exec's
 * own flushes, emitted on the exec record's CPU, ran in the kernel before
 * the move, when that CPU's bit was the only one, and in the model they
 * are still under way at the exec record's time.
 */
static void exec_moved(struct perf_recon *p, const struct perf_rec *r, struct task *t)
{
	if (!t)
		return;
	if (t->mmap_cpu && t->mmap_cpu - 1 != r->cpu)
		t->moved_from = t->mmap_cpu;
	else if (t->comm_changed && t->comm_cpu != r->cpu && t->comm_cpu < p->cpus &&
		 !strncmp(t->comm, r->comm, sizeof(t->comm) - 1))
		t->moved_from = t->comm_cpu + 1;
	t->mmap_cpu = 0;
}

void exec_moved_bit(struct perf_recon *p, struct task *t)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_RAN_BEFORE, t->moved_from - 1);

	t->moved_from = 0;
	if (!ev)
		return;
	ev->mm = (uint32_t)t->tgid;
	p->inf[INF_EXEC_MOVED]++;
}

/*
 * exec_mmap(): the task moves to a new mm, the old one is torn down (a
 * vfork child's was its parent's: it goes on); the task itself goes on,
 * in the new mm, which its CPU loads before the old one's teardown
 * flushes (the `exit`'s exec). False when nothing is emitted.
 */
static bool exec_switch(struct perf_recon *p, uint32_t cpu, struct proc *pr,
			struct task *t)
{
	struct tlbsim_trace_event *ev;
	bool vforked = t && t->vfork_mm;

	if (pr->live && (ev = emit_exit(p, pr, cpu))) {
		ev->exec = true;
		p->inf[INF_EXEC_EXIT]++;
	}
	if (vforked)
		pr->waiter = t->vfork_mm;   /* its parent waits for it still */
	pr->exited = false;
	p->cur[cpu] = 0;
	ev = emit(p, TLBSIM_EV_SWITCH, cpu);
	if (!ev)
		return false;
	ev->mm = (uint32_t)pr->tgid;
	p->cur[cpu] = pr->tgid;
	pr->live = true;
	pr->fresh = true;
	pr->forks = false;   /* a new program: its own forks will say */
	return true;
}

/*
 * The exec's exec_mmap() where the task's own task-switch flush shows it
 * (exec_began()), not at the exec record, which comes at the exec's end:
 * a task that sleeps in between (reading the binary) runs the new image
 * when it comes back, and its old mm's teardown flushed before it slept
 * (rustc's perf-exec slept 10 ms so; the model's teardown came that much
 * after the kernel's). A thread group's leader's exec, not a vfork
 * child's (vfork_exec(), on_exec()). The model's mm changes here; what
 * the reconstruction keeps of the old image (its mirrors, the pages it
 * still shares copy-on-write) goes at the exec record: the old mm's pages
 * are freed at the end of its teardown, which the capture does not mark
 * (a Python capture's bash parent copied pages its child shared for 0.3
 * ms after the child's exec_mmap(), and none after its exec record).
 */
bool exec_mmap(struct perf_recon *p, uint32_t cpu, struct task *t)
{
	struct proc *pr;
	struct tlbsim_trace_event *ev;

	if (t->exec_mapped)   /* the last one's exec record was lost */
		exec_done(p, t, cpu);
	pr = proc_find(p, t->tgid);
	if (t->vfork_mm || t->tid != t->tgid || !pr || !pr->live ||
	    !(ev = emit(p, TLBSIM_EV_EXIT, cpu)))
		return false;
	ev->mm = (uint32_t)pr->tgid;
	ev->exec = true;
	p->inf[INF_EXEC_EXIT]++;
	t->exec_mapped = true;
	for (unsigned c = 0; c < p->cpus; c++)
		if (p->cur[c] == pr->tgid)
			p->cur[c] = 0;
	if ((ev = emit(p, TLBSIM_EV_SWITCH, cpu))) {
		ev->mm = (uint32_t)pr->tgid;
		p->cur[cpu] = pr->tgid;
	}
	return true;
}

/*
 * setup_arg_pages() after an exec_mmap() applied where it ran: its two
 * flushes where the task's first local shootdown shows the kernel there
 * (the stack's move: 0.1-0.5 ms after exec_mmap()'s record, the old mm's
 * teardown between), else at the exec record (on_exec()). So too for a
 * vfork child whose exec vfork_exec() applied before its comm changed. Not where the
 * task leaves its CPU first: dash's children sleep before it (a PVM dash
 * loop's flush-by-flush mismatches 15 -> 31 so). The record says when;
 * the flushes are the rule's (exec_stack()).
 */
void exec_stack_due(struct perf_recon *p, const struct perf_rec *r)
{
	struct task *t = task_find(p, r->tid);
	struct proc *pr;

	if (!t || !(t->exec_mapped || (t->vfork_mm && t->vfork_released)) ||
	    t->exec_stacked || !(pr = proc_find(p, t->tgid)) || p->cur[r->cpu] != t->tgid)
		return;
	exec_stack(p, pr, r->cpu);
	t->exec_stacked = true;
}

/*
 * The reconstruction's part of an exec applied at exec_mmap(), at its
 * exec record, or at the task's first record in user mode when that was
 * lost: the old image's mirrors and copy-on-write sharing go, and the
 * stack's move, if no local shootdown placed it, comes here.
 */
void exec_done(struct perf_recon *p, struct task *t, uint32_t cpu)
{
	struct proc *pr = proc_find(p, t->tgid);

	t->exec_mapped = false;
	t->mmap_cpu = 0;
	if (!pr)
		return;
	proc_gone(p, pr);
	pr->exited = false;
	pr->live = pr->fresh = true;
	pr->forks = false;
	if (!t->exec_stacked)
		exec_stack(p, pr, cpu);
	t->exec_stacked = false;
}

void on_exec(struct perf_recon *p, const struct perf_rec *r, struct task *t)
{
	struct proc *pr = proc_get(p, r->pid);
	bool vforked = t && t->vfork_mm;

	if (!pr || (!pr->live && !vforked))
		return;
	if (t && t->exec_mapped) {
		/* the model's part done at exec_mmap(): the new mm's cpumask
		 * has that CPU's bit from the switch there (exec_moved() has
		 * nothing to do) */
		exec_done(p, t, r->cpu);
		return;
	}
	if (!exec_switch(p, r->cpu, pr, t))
		return;
	if (t && t->exec_stacked)
		t->exec_stacked = false;
	else
		exec_stack(p, pr, r->cpu);
	exec_moved(p, r, t);
}

/* setup_arg_pages() -> relocate_vma_down(): the argument page moves down
 * (move_page_tables(), a one-page range flush) and the page tables left
 * behind are freed (free_pgd_range() in an mmu_gather: freed_tables, the
 * whole TLB). The capture shows both local flushes before
 * sched_process_exec on 435 of 449 execs of a build. */
void exec_stack(struct perf_recon *p, struct proc *pr, uint32_t cpu)
{
	emit_flush(p, pr, cpu, USER_TOP - 2 * PAGE, USER_TOP - PAGE, false);
	emit_flush(p, pr, cpu, 0, TLBSIM_END_ALL, true);
	p->inf[INF_EXEC_STACK]++;
}

void on_proc_exit(struct perf_recon *p, const struct perf_rec *r)
{
	char dead[16] = "";
	uint64_t pid;
	struct proc *pr, *pp;
	struct task *t;
	int32_t waiter = 0;
	bool has_dead;

	if (perf_field_num(r->text, "pid", &pid) != 1 || pid > INT32_MAX) {
		field_bad(p, "pid", perf_field_at(r->text, "pid"),
			  "a task id from 0 to 2147483647");
		return;
	}
	/* group_dead=true marks the last thread (kernels >= 6.x print it);
	 * without it, the main thread's exit stands for the group */
	has_dead = perf_field(r->text, "group_dead", dead, sizeof(dead), false);
	if (has_dead && strcmp(dead, "true") && strcmp(dead, "false")) {
		field_bad(p, "group_dead", perf_field_at(r->text, "group_dead"),
			  "true or false");
		return;
	}
	if ((t = task_find(p, (int32_t)pid))) {
		waiter = t->vfork_mm;   /* a vfork child's exit, no exec */
		t->exec_mapped = false;   /* its exec record lost: the exit ends it */
		task_dies(p, t);
	}
	if (has_dead ? strcmp(dead, "true") != 0 : (int32_t)pid != r->pid) {
		if ((int32_t)pid == r->tid)
			thread_exits_on(p, r->cpu, r->pid);
		return;
	}
	pr = proc_get(p, r->pid);
	if (!pr)
		return;
	/* do_notify_parent(): SIGCHLD to a parent still there. The frame
	 * needs a handler, which the capture does not show: a process that
	 * forks, or runs the program of a parent that forked it (a shell,
	 * a subshell: dash and bash sleep in sigsuspend() until theirs
	 * runs), is taken to have one; one that only spawns with vfork
	 * (posix_spawn(), gcc's pex) to wait in waitpid() with SIGCHLD
	 * ignored: in a captured build 28 such frames the kernel did not
	 * write, in a zgrep run (dash forks and vforks) 40 it did */
	if (!waiter)
		waiter = pr->waiter;
	if (waiter && waiter != r->pid && (pp = proc_find(p, waiter)) &&
	    pp->live && !pp->exited && pp->forks)
		pp->sigchld = true;
	init_slot_before(p, r);
	emit_exit(p, pr, r->cpu);
}

/* rseq(2): the thread registers its rseq area, or unregisters it
 * (RSEQ_FLAG_UNREGISTER). glibc registers each thread's at its start. */
void on_rseq(struct perf_recon *p, const struct perf_rec *r, struct task *t)
{
	uint64_t addr, flags;

	if (!need_num(p, r, "rseq", &addr) || !need_num(p, r, "flags", &flags))
		return;
	t->rseq_known = true;
	t->rseq_addr = flags & 1 ? 0 : addr;
}
