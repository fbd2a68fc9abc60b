/*
 * recon_fault.c - page faults of a perf capture as model inputs: a
 * `touch` of the page, and the copy-on-write flushes a write implies
 * (do_wp_page() -> wp_page_copy() -> ptep_clear_flush()) while a parent
 * or child still shares the page; a forked child's first run and the
 * kernel's own writes it makes (schedule_tail()'s tid, the rseq area).
 */
#include "trace/recon.h"

/* wp_page_copy() -> ptep_clear_flush(): one page of @pr's mm on @cpu. */
static void emit_flush_page(struct perf_recon *p, struct proc *pr, uint32_t cpu,
			    uint64_t page)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_FLUSH, cpu);

	if (!ev)
		return;
	ev->mm = (uint32_t)pr->tgid;
	ev->start = page;
	ev->end = page + PAGE;
	ev->stride = 12;
}

/* A child still holds its parent's current page: live, not written it
 * itself, and forked since its parent's last copy of it (a child given an
 * earlier original, alone or with its siblings, holds that one). */
static bool holds_page(const struct proc *q, uint64_t page)
{
	return !q->exited && !pageset_has(&q->wr, page) &&
	       !pageset_has(&q->cow_done, page) && !pageset_has(&q->orphan, page);
}

/* ... and shares it with its parent alone (no children of its own). */
static bool holds_original(const struct proc *q, uint64_t page)
{
	return q->cow_peers == 1 && holds_page(q, page);
}

/* Another child of @up's than @pr still holds @up's page. */
static bool others_hold(struct perf_recon *p, const struct proc *up,
			const struct proc *pr, uint64_t page)
{
	for (uint32_t k = up->kids; k; k = p->procs[k - 1].sib_next)
		if (&p->procs[k - 1] != pr && holds_page(&p->procs[k - 1], page))
			return true;
	return false;
}

/* @pr copied @page: a peer that shared it with @pr alone owns its original
 * alone now, and its next write reuses it (wp_can_reuse_anon_folio()): a
 * child of @pr's that alone holds it, or @pr's parent when no other child
 * of its holds its page (a child that copies before its parent writes:
 * timeout, the shell's children in the ftrace captures) and it does not
 * share that page with its own parent (it wrote it since its fork: a
 * subshell's subshell in bash). Several children that hold the original
 * share it (orphan): the first of them to write copies. on_fork() forgets
 * cow_done when the parent forks again. */
static void cow_copied(struct perf_recon *p, const struct proc *pr, uint64_t page)
{
	struct proc *up = proc_find(p, pr->parent);
	uint32_t n = 0;

	/* the original stays with the children that hold it: one owns it
	 * alone, several share it (the first of them to write copies) */
	for (uint32_t k = pr->kids; k; k = p->procs[k - 1].sib_next)
		n += holds_original(&p->procs[k - 1], page);
	for (uint32_t k = pr->kids; k; k = p->procs[k - 1].sib_next) {
		struct proc *q = &p->procs[k - 1];

		if (holds_original(q, page))
			pageset_add(n == 1 ? &q->cow_done : &q->orphan, page);
	}
	if (up && up != pr && !up->exited && up->live && pr->cow_peers == 1 &&
	    !others_hold(p, up, pr, page) &&
	    (!up->peer_up || pageset_has(&up->wr, page)))
		pageset_add(&up->cow_done, page);
}

/* A live peer still shares @pr's current @page: its parent, unless that
 * copied it first (cow_done, tested before), or a child forked since
 * @pr's last copy of it that has not written it. None: the copies of
 * the page a fork left are all made, and @pr's write reuses its own
 * (do_wp_page() -> wp_can_reuse_anon_folio(): one reference left; bash
 * forks a subshell and three children that exec; its next write to a
 * page it copied after the subshell's fork finds it alone). */
static bool peers_hold(struct perf_recon *p, const struct proc *pr, uint64_t page)
{
	const struct proc *up = proc_find(p, pr->parent);

	if (pr->peer_up && up && up != pr && up->live && !up->exited)
		return true;
	for (uint32_t k = pr->kids; k; k = p->procs[k - 1].sib_next) {
		const struct proc *q = &p->procs[k - 1];

		if (q->peer_up && holds_page(q, page))
			return true;
	}
	return false;
}

/* Siblings of @pr that still share the original of @page their parent
 * left them (cow_copied()). */
static uint32_t orphan_sharers(struct perf_recon *p, const struct proc *pr,
			       uint64_t page)
{
	struct proc *up = proc_find(p, pr->parent);
	uint32_t n = 0;

	for (uint32_t k = up && up != pr ? up->kids : 0; k; k = p->procs[k - 1].sib_next) {
		const struct proc *s = &p->procs[k - 1];

		n += s != pr && !s->exited && pageset_has(&s->orphan, page);
	}
	return n;
}

/*
 * A write to a present page (error code P|W): do_wp_page() copies it, and
 * wp_page_copy() -> ptep_clear_flush() flushes the old PTE, unless the
 * page is an anonymous one ours alone, which it reuses without a flush.
 * Copied: the zero page or a page-cache page mapped by a read fault; a page
 * of a private file mapping that fault-around mapped (filemap_map_pages)
 * and we never wrote; a page shared copy-on-write with a live parent or
 * child. Reused: a page the peer it shared with already copied (ours is
 * back to one reference: wp_can_reuse_anon_folio(), cow_copied()), a page
 * written here (our copy, or ours from the start) once no child of ours
 * is left to share it (a later fork write-protected it again: a shell's
 * subshell after its own children exited or exec'd; 36 of 42 unpaired
 * flushes gone in a git + Python capture), and, in an mm older than the
 * capture, anything else present: ours from before (written before the
 * capture began). An mm the capture saw begin (execve) has no pages from
 * before: a present page no fault of it mapped was mapped by the kernel
 * from the page cache, read-only (the program and ld.so, which execve
 * maps without an mmap record, and fault-around), and is copied
 * (INF_EXEC_IMAGE: 7554 of 7560 such writes flushed in a captured build;
 * the rest are pages the ELF loader zeroed itself).
 */
static bool write_copies(struct perf_recon *p, struct proc *pr,
			 const struct vma_m *v, uint64_t page)
{
	if (pageset_take(&pr->rd, page))
		return true;
	/* the original its parent left to it and its siblings: copied while
	 * another sibling still holds it, reused by the last (a shell's
	 * pipeline: three children share the page their parent copied) */
	if (pageset_take(&pr->orphan, page))
		return orphan_sharers(p, pr, page) != 0;
	/* written here (our copy), write-protected again by a fork whose
	 * children are all gone: ours alone */
	if (!pr->kids && pageset_has(&pr->wr, page))
		return false;
	if (pr->cow_peers) {
		if (pageset_take(&pr->cow_done, page) || !peers_hold(p, pr, page))
			return false;
		cow_copied(p, pr, page);
		return true;
	}
	if (pageset_has(&pr->wr, page))
		return false;
	if (v && v->file)
		return true;
	if (!pr->fresh)
		return false;
	p->inf[INF_EXEC_IMAGE]++;
	return true;
}

/* glibc (2.35 and later, x86-64) places struct pthread's rseq_area this
 * far after its tid: rseq(2)'s address minus the clone's child_tidptr in
 * every capture that has both (the Intel host's forkloop 60 of 60, dash
 * 102, bash 252, git 26, tar and build; Debian 12's glibc 2.36, as on the
 * AMD host, whose tids lie at the same page offset, 0xa10). */
#define GLIBC_RSEQ_AFTER_TID 0x650

/*
 * A forked child's first run: schedule_tail() writes its tid where
 * CLONE_CHILD_SETTID said (glibc's fork: its struct pthread), a write from
 * the kernel, which exceptions:page_fault_user does not show. The page is
 * shared copy-on-write with the parent: do_wp_page() copies it and
 * flushes the one page, unless the parent copied it first. Where the
 * clone's arguments are not in the capture, the page is unknown: the copy
 * and its flush are assumed (fork_exit, hugetlb_unshare: every child's
 * first record is that flush), at the child's first mapped page.
 *
 * A child that first runs on another CPU than its fork's was migrated
 * (set_task_cpu() -> rseq_migrate()): on its way to user space
 * rseq_handle_notify_resume() writes the CPU number into its rseq area,
 * which glibc keeps in the same struct pthread, often on the next page: a
 * second copy and flush (fork_rseq; 137 of 142 such children of dash, 15 of
 * 17 of bash flushed twice before anything else, 131 of 150 that stayed on
 * their fork's CPU once). The page is unknown: the first mapped one again.
 *
 * A capture with sys_enter_clone and sys_enter_rseq (traces/capture.sh)
 * says both pages: the child's tid (child_tidptr) and its rseq area (the
 * parent's registration, which rseq_fork() copies). sched_cgroup_fork()
 * -> rseq_migrate() flags every new child (6.18), so the rseq area is
 * written on the first return to user space wherever the child runs: on
 * its own page, that is a second copy and flush (an Intel host, where
 * glibc's struct pthread puts them on two pages: 120 of 120 children of a
 * forking loop, pinned to either CPU, flushed twice; every child of dash
 * and bash that did not vfork). On the tid's page, the settid write
 * copied it already. With sys_enter_clone but no rseq registration in the
 * capture (the ftrace captures record no sys_enter_rseq; a process may
 * have registered before the capture), the area is taken to lie where
 * glibc puts it, GLIBC_RSEQ_AFTER_TID bytes after the tid. The migration
 * rule above stays for captures without the clone's arguments: with them,
 * an area on the tid's page is no second copy wherever the child runs
 * (tclsh's children, tid at page offset 0x2d0, each on the other CPU).
 */
static void flush_if_copies(struct perf_recon *p, struct proc *pr, uint32_t cpu,
			    uint64_t page, enum inf kind)
{
	const struct vma_m *v = vma_at(pr, page);
	bool copies;

	if (!v)
		return;
	copies = write_copies(p, pr, v, page);
	/* copied or reused, the page is ours now: a child that wrote its tid
	 * on the original its parent's copy left it holds no page of the
	 * parent's (a bash subshell, whose parent's later writes reuse) */
	pageset_add(&pr->wr, page);
	pageset_add(&pr->dirty, page);
	if (!copies)
		return;
	emit_flush_page(p, pr, cpu, page);
	p->inf[kind]++;
}

void on_first_run(struct perf_recon *p, const struct perf_rec *r, struct task *t)
{
	struct proc *pr = proc_get(p, t->tgid), *pp;
	uint64_t page = t->settid_page, any, rseq = t->rseq_known ? t->rseq_addr :
			t->settid_addr ? t->settid_addr + GLIBC_RSEQ_AFTER_TID : 0;
	uint64_t rseq_page = rseq & ~(PAGE - 1);
	bool settid = t->settid,
	     moved = t->forked && (r->cpu != t->fork_cpu || t->took_cpu),
	     rseq_apart = settid && page && rseq && rseq_page != page;

	t->settid = t->forked = false;
	if (!pr || pr->tgid != r->pid || pr->exited)
		return;
	/* the child of a process older than the capture, forked before any of
	 * its parent's mappings showed: its tid's page (and its rseq area's)
	 * were mapped before the capture began */
	if (settid && page && page < USER_TOP - PMD && !vma_at(pr, page))
		ensure_mapped(p, pr, page & ~(PMD - 1), (page & ~(PMD - 1)) + PMD);
	/* the same, the clone's arguments unknown: what the parent showed
	 * since the fork was mapped before it, in both; the tid's page is
	 * taken to lie in its first mapping (a trace-cmd capture that begins
	 * as bash forks: its child's first flush) */
	if (settid && !page && !pr->nv && (pp = proc_find(p, pr->parent)) && pp->nv)
		ensure_mapped(p, pr, pp->v[0].start, pp->v[0].end);
	if (!pr->live || !pr->nv)
		return;
	any = pr->v[0].start;
	if (!page && moved && pr->cow_peers) {
		emit_flush_page(p, pr, r->cpu, any);
		p->inf[INF_FORK_RSEQ]++;
	}
	if (!settid)
		return;
	if (page) {
		flush_if_copies(p, pr, r->cpu, page, INF_FORK_SETTID);
	} else {
		emit_flush_page(p, pr, r->cpu, any);
		p->inf[INF_FORK_SETTID]++;
	}
	if (rseq_apart)
		flush_if_copies(p, pr, r->cpu, rseq_page, INF_FORK_RSEQ);
}

/* A page of what may be the heap: in a mapping no mmap record made, past
 * the program's data and below where mmap() places mappings (top-down
 * from under the stack, 0x7f... on x86-64). Nothing maps below
 * mmap_min_addr (64 KiB): a fault there is a SIGSEGV (a JVM's implicit
 * null checks fault at 0 and 8, again and again). */
#define BRK_AREA_LOW  0x10000ULL
#define BRK_AREA_HIGH 0x700000000000ULL

static bool heap_page(const struct vma_m *v, uint64_t page)
{
	return v->inferred && !v->huge && page >= BRK_AREA_LOW && page < BRK_AREA_HIGH;
}

/*
 * A not-present data fault (neither P nor I/D in the error code: a heap
 * holds no code) on a heap page (heap_page()) an earlier fault of this mm
 * made present, with no munmap, madvise or mremap of it since: something
 * the capture does not show took the page away. In a heap that is brk():
 * glibc's malloc gives the heap's top back (systrim() -> sbrk(-n):
 * do_vmi_align_munmap(), a flush of the pages it held) and takes it again
 * as the program allocates (do_brk_flags(): the faults here). The shipped
 * recipe records no sys_exit_brk (on_brk_exit() reads it where a capture
 * has it): an Intel git capture without it predicted 1161 of 1257 remote
 * sends, 3394 of 3550 local shootdowns (1240 and 3507 with this). The
 * break went down to this page or below it, some time before: the unmap
 * from this page to the heap's top goes out here, and the heap grows back.
 */
static bool trim_shown(const struct proc *pr, const struct vma_m *v,
		       uint64_t page, uint64_t err)
{
	return !(err & 0x11) && heap_page(v, page) && pageset_has(&pr->faulted, page);
}

static void brk_trim(struct perf_recon *p, struct proc *pr, const struct vma_m *v,
		     uint64_t page)
{
	uint64_t e = v->end;
	uint32_t i = (uint32_t)(v - pr->v) + 1;

	/* the heap's top: the inferred mappings that follow without a gap
	 * (each fault in an unknown region inferred its 2 MiB) */
	for (; i < pr->nv && pr->v[i].start == e && pr->v[i].inferred &&
	       !pr->v[i].huge; i++)
		e = pr->v[i].end;
	emit_range(p, TLBSIM_EV_UNMAP, pr, page, e);
	mirror_remove(pr, page, e);
	emit_map(p, pr, page, e, false);
	mark_inferred(pr, page);
	p->inf[INF_BRK_TRIM]++;
}

#define STACK_LOW (USER_TOP - (64ULL << 30))

void on_fault(struct perf_recon *p, const struct perf_rec *r, struct task *t)
{
	struct proc *pr;
	uint64_t a, err = 0, page;
	struct tlbsim_trace_event *ev;
	struct vma_m *v;

	/* the kernel's shape, read by the parse; else the fields one by one
	 * (an error code the record lacks reads as 0, a read fault) */
	if (r->fault) {
		a = r->fault_addr;
		err = r->fault_err;
	} else {
		err = 0;
		if (!need_num(p, r, "address", &a))
			return;
		opt_num(p, r, "error_code", &err);
		if (p->bad_key)
			return;
	}
	if (!(pr = proc_get(p, r->pid)) || a >= USER_TOP)
		return;
	page = a & ~(PAGE - 1);
	if ((v = vma_at_mut(pr, page)) && trim_shown(pr, v, page, err)) {
		brk_trim(p, pr, v, page);
		v = vma_at_mut(pr, page);
	}
	/* a region mapped before the capture began (or by an mmap the capture
	 * does not show): infer its 2 MiB around the fault, so that it stays
	 * one VMA as a real mapping would (collapse needs that) */
	if (!v) {
		ensure_mapped(p, pr, page & ~(PMD - 1), (page & ~(PMD - 1)) + PMD);
		v = vma_at_mut(pr, page);
	}
	/* the stack is the highest mapping, within 64 GiB of the top
	 * (STACK_TOP less its randomisation; the mmap base is at least
	 * 128 MiB lower): the lowest fault there since the thread's last
	 * fork is the nearest to its stack pointer, where a signal frame
	 * would go (sigchld_frame()) */
	if (t && v && v == &pr->v[pr->nv - 1] && a >= STACK_LOW &&
	    t->tgid == pr->tgid &&
	    (t->sp_stale || !t->sp_near || a < t->sp_near)) {
		t->sp_near = a;
		t->sp_stale = false;
	}
	if (v) {
		maybe_share(p, pr, v, page);
		v->kwrite = false;   /* the task touches it itself */
		if (heap_page(v, page))
			pageset_add(&pr->faulted, page);
	}
	ev = emit(p, TLBSIM_EV_TOUCH, r->cpu);
	if (!ev)
		return;
	ev->mm = (uint32_t)pr->tgid;
	ev->addr = page;
	ev->len = PAGE;
	/* a write to a shared mapping dirties a page-cache page (its first
	 * write after a read faults too: wp_page_shared()) */
	ev->write = (err & 2) && v && v->shared;
	if (v && !v->huge)
		chunk_touch(pr, page);
	/* do_anonymous_page(): a read maps the zero page, which a write
	 * copies; with no zero page (PVM's pvm_no_zero_page=1) it maps a
	 * page of its own, which a write reuses: in a cargo build on such a
	 * host, 57 of rustc's writes after its reads, none flushed */
	if (!(err & 2) && (!p->no_zero_page || !v || v->file))
		pageset_add(&pr->rd, page);
	if ((err & 3) == 3 && write_copies(p, pr, v, page)) {
		emit_flush_page(p, pr, r->cpu, page);
		p->inf[INF_COW_FLUSH]++;
	}
	if (err & 2) {
		pageset_add(&pr->wr, page);
		pageset_add(&pr->dirty, page);
	}
	if ((err & 2) && t && t->rseq_cow && page == (t->rseq_addr & ~(PAGE - 1)))
		t->rseq_cow = false;   /* it wrote the page itself: its copy */
}

/*
 * A task whose fork left its rseq area's page shared copy-on-write, back
 * on a CPU after a switch away: prepare_task_switch() -> rseq_preempt()
 * flagged it, and on its way to user space rseq_handle_notify_resume()
 * writes the CPU number into the area, a copy and a one-page flush
 * (wp_page_copy()), unless its own writes copied the page first. A
 * shell's pipeline (sh forks three children, sleeps in wait4): 49 of 200
 * switch-ins flushed so before anything else, in an Intel capture where
 * the parent's local shootdowns were 111 short.
 */
void rseq_resume(struct perf_recon *p, struct task *t, uint32_t cpu)
{
	struct proc *pr;

	if (!t->rseq_cow)
		return;
	t->rseq_cow = false;
	if ((pr = proc_find(p, t->tgid)) && !pr->exited)
		flush_if_copies(p, pr, cpu, t->rseq_addr & ~(PAGE - 1), INF_RSEQ_RESUME);
}

/*
 * A process woken by its child's exit (do_notify_parent(): SIGCHLD) has
 * the kernel write a signal frame below its stack pointer on its way
 * back to user space (setup_rt_frame(): the siginfo, the ucontext and
 * the FPU's XSAVE area, about 3.4 KiB with AVX-512 and the red zone),
 * for a handler: a shell's (dash, bash: waitproc() sleeps in sigsuspend()
 * until its handler says a child changed state). The frame's pages that
 * a fork left shared with a live child are copied and flushed
 * (wp_page_copy()), a page the process wrote since is its own. The stack
 * pointer is not in the capture: the thread's lowest fault on its stack
 * since its last fork stands for it. An Intel pipeline loop (sh forks echo, sed and wc, and
 * sleeps): after 54 of its children's exits, the shell flushed one page
 * more than its rseq area before it slept again, 49 times when a
 * child still shared its pages; with none left, no flush (44 of 44).
 */
/* the frame and the red zone: AT_MINSIGSTKSZ reads 3376 on both AVX-512
 * capture hosts, of which XSAVE writes the components in use only (its
 * AVX-512 state is in its init state in a shell): 3328 written, rounded
 * to the cache line, plus the 128-byte red zone */
#define SIGFRAME_BYTES (3328 + 128)

/* exit_to_user_mode_loop(): a task back on a CPU after a switch away
 * delivers its pending signal (arch_do_signal_or_restart()), then its
 * rseq area is written (rseq_handle_notify_resume()) */
void back_to_user(struct perf_recon *p, struct task *t, uint32_t cpu)
{
	sigchld_frame(p, t, cpu);
	if (t->rseq_cow)
		rseq_resume(p, t, cpu);
}

/* setup_rt_frame(): the frame's pages below the thread's stack pointer
 * (the lowest stack fault since its last fork stands for it), each that
 * still copies; a page the process wrote since that fork is its own. In
 * an mm that has not forked since its exec (fresh), no stack page is
 * shared: execve wrote the top ones, the process faulted the rest, and
 * one below its lowest fault is not there yet (the frame's write faults
 * in a new page, do_anonymous_page(): make's SIGCHLD frames) unless a read mapped the zero
 * page there. */
static void frame_write(struct perf_recon *p, struct proc *pr,
			const struct task *t, uint32_t cpu, enum inf kind)
{
	uint64_t top = t->sp_near, page;

	if (top < SIGFRAME_BYTES + PAGE)
		return;
	for (page = (top - SIGFRAME_BYTES) & ~(PAGE - 1); page < top; page += PAGE)
		if (!pageset_has(&pr->dirty, page) &&
		    (!pr->fresh || pageset_has(&pr->rd, page)))
			flush_if_copies(p, pr, cpu, page, kind);
}

void sigchld_frame(struct perf_recon *p, struct task *t, uint32_t cpu)
{
	struct proc *pr = proc_find(p, t->tgid);

	if (!pr || !pr->sigchld || pr->exited)
		return;
	pr->sigchld = false;
	if (!p->signals_traced)   /* else its signal_deliver record says */
		frame_write(p, pr, t, cpu, INF_SIGCHLD_FRAME);
}

/* sa_flags: the handler runs on the alternate stack (sigaltstack()),
 * whose place the capture does not show (sys_enter_sigaltstack prints
 * the address of the caller's stack_t, not what it holds): its frame is
 * left out and counted (with no alternate stack set up, get_sigframe()
 * uses the normal one: the capture cannot tell that either). A process
 * that forks, then raise()s such a signal: each frame copied one or two
 * pages of its malloc()ed stack, 59 local shootdowns of 2198 the model
 * does not make. */
#define SA_ONSTACK 0x08000000ULL

/*
 * signal:signal_deliver, traced in get_signal() as the task takes a
 * signal on its way back to user space: with a handler (not SIG_DFL 0,
 * not SIG_IGN 1), handle_signal() -> setup_rt_frame() writes the
 * thread's rseq area and its frame below the stack pointer next. Which
 * signals are handled, and how many frames (a second SIGCHLD pending
 * merges with the first), the record says; where the frame goes is
 * inferred (frame_write()). A PVM dash loop
 * of 40 pipelines: 125 SIGCHLD deliveries for 160 child exits.
 */
void on_signal_deliver(struct perf_recon *p, const struct perf_rec *r,
		       struct task *t)
{
	uint64_t handler, flags;
	struct proc *pr;

	/* which signal does not matter: any handler gets a frame */
	if (!need_hex(p, r, "sa_handler", &handler) || !need_hex(p, r, "sa_flags", &flags))
		return;
	if (handler <= 1)
		return;
	pr = proc_find(p, t->tgid);
	if (!pr || pr->exited || t->tgid != r->pid)
		return;
	/* setup_rt_frame() -> rseq_signal_deliver() first: the CPU numbers
	 * into the thread's rseq area, whichever stack the frame goes on (a
	 * process that raise()s a signal after each fork: its rseq page
	 * copied at each delivery, its children's first runs then reuse) */
	if (t->rseq_addr) {
		t->rseq_cow = false;
		flush_if_copies(p, pr, r->cpu, t->rseq_addr & ~(PAGE - 1), INF_SIGNAL_RSEQ);
	}
	if (flags & SA_ONSTACK)
		p->inf[INF_SIGNAL_ONSTACK]++;   /* assumed to copy nothing */
	else
		frame_write(p, pr, t, r->cpu, INF_SIGNAL_FRAME);
}
