/*
 * gen_perf.c - synthetic captures in the text of `perf script -F comm,tid,
 * pid,cpu,time,event,trace`, as traces/capture.sh records them: the same
 * line layout ("%16s %5d/%-5d [%03d] %5lu.%06lu: %38s: ", the event name
 * padded to the recipe's longest, irq_vectors:call_function_single_entry)
 * and each tracepoint's own field format, copied from the shipped captures.
 *
 * What happens: --mms long-lived processes of 1 to 3 threads (older than
 * the capture: their first records are faults in mappings the capture never
 * saw made) fault, mmap and munmap 2 MiB slots, zap (MADV_DONTNEED),
 * mprotect, move their break, collapse THPs (MADV_COLLAPSE) and map and
 * unmap a 1 GiB hugetlbfs file at one address (the reconstruction shares
 * the PMD table between mms that map it, and unshares at munmap). They
 * fork short-lived children, with increasing pids, that copy-on-write
 * fault, sometimes exec, and exit: one fork per ~250 lines, as in the
 * fork_exit capture and a build, so that a long capture has tens of
 * thousands of processes. The kernel's side is there in the shares the
 * captures show: task-switch and local flushes, and for the other CPUs
 * running the mm the IPI (csd_queue_cpu, ipi_send_cpu) and the remote
 * shootdown inside its interrupt.
 *
 * Deterministic from the seed: xorshift, one pick per local variable (the
 * order in which a call's arguments are evaluated is unspecified), no time,
 * no heap address. Memory: the live tasks only.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gen_perf.h"

void line(struct pgen *g, unsigned cpu, const struct ptask *t,
	  const char *event, const char *fmt, ...)
{
	va_list ap;

	g->t += 300 + pick(g, 3000);
	fprintf(g->out, "%16s %5d/%-5d [%03u] %5" PRIu64 ".%06" PRIu64 ": %38s: ",
		t ? proc_of(g, t)->comm : "swapper", t ? proc_of(g, t)->pid : 0,
		t ? t->tid : 0, cpu, g->t / 1000000000u, g->t / 1000u % 1000000u, event);
	va_start(ap, fmt);
	vfprintf(g->out, fmt, ap);
	va_end(ap);
	putc('\n', g->out);
	g->lines++;
}

/* ------------------------------------------------------ scheduling */

static void rq_add(struct pgen *g, uint32_t ti)
{
	g->tasks[ti].rq = g->nrunq;
	g->runq[g->nrunq++] = ti;
}

static void rq_del(struct pgen *g, uint32_t ti)
{
	uint32_t at = g->tasks[ti].rq, last = g->runq[--g->nrunq];

	g->runq[at] = last;
	g->tasks[last].rq = at;
}

static void busy_set(struct pgen *g, unsigned cpu, bool on)
{
	bool was = g->cur[cpu] >= 0;

	if (on && !was) {
		g->bpos[cpu] = g->nbusy;
		g->busy[g->nbusy++] = cpu;
	} else if (!on && was) {
		uint32_t last = g->busy[--g->nbusy];

		g->busy[g->bpos[cpu]] = last;
		g->bpos[last] = g->bpos[cpu];
	}
}

/* A runnable task, a child rather than not (children have a life to
 * finish: the fork rate holds only while they do), or -1. */
static int32_t pick_runnable(struct pgen *g)
{
	uint32_t a, b;

	if (!g->nrunq)
		return -1;
	a = g->runq[pick(g, g->nrunq)];
	b = g->runq[pick(g, g->nrunq)];
	return (int32_t)(g->tasks[a].kid ? a : b);
}

static void comm_of(const struct pgen *g, int32_t ti, unsigned cpu, char *buf, size_t n)
{
	if (ti < 0)
		snprintf(buf, n, "swapper/%u", cpu);
	else
		snprintf(buf, n, "%s", g->procs[g->tasks[ti].proc].comm);
}

/* Does @cpu take a new ASID for the mm of @pid (not one of the last
 * ASIDS it ran: choose_new_asid()), so that the switch flushes it all? */
static bool new_asid(struct pgen *g, unsigned cpu, int32_t pid)
{
	int32_t *a = &g->asid[(size_t)cpu * ASIDS];

	for (unsigned i = 0; i < ASIDS; i++)
		if (a[i] == pid)
			return false;
	memmove(a + 1, a, (ASIDS - 1) * sizeof(*a));
	a[0] = pid;
	return true;
}

/* @cpu switches from what it runs to task @next (-1: idle), the previous
 * task leaving in @state (R preempted, S asleep, Z dead; never D, which
 * the reconstruction reads as a vfork or a wait for the mmap_lock). */
static void run_on(struct pgen *g, unsigned cpu, int32_t next, char state)
{
	int32_t prev = g->cur[cpu];
	struct ptask *p = prev >= 0 ? &g->tasks[prev] : NULL;
	char pc[24], nc[24];
	bool first = next >= 0 && g->tasks[next].first_run;

	comm_of(g, prev, cpu, pc, sizeof(pc));
	comm_of(g, next, cpu, nc, sizeof(nc));
	line(g, cpu, p, "sched:sched_switch", "prev_comm=%s prev_pid=%d prev_prio=120 "
	     "prev_state=%c ==> next_comm=%s next_pid=%d next_prio=120", pc,
	     p ? p->tid : 0, state, nc, next >= 0 ? g->tasks[next].tid : 0);
	if (p) {
		p->cpu = -1;
		if (p->alive)
			rq_add(g, (uint32_t)prev);
	}
	busy_set(g, cpu, next >= 0);
	g->cur[cpu] = next;
	if (next < 0)
		return;   /* idle keeps the mm loaded (lazy TLB): no flush */
	rq_del(g, (uint32_t)next);
	g->tasks[next].cpu = (int32_t)cpu;
	/* switch_mm_irqs_off() traces before `current` changes: the line
	 * is the previous task's */
	if (!p || p->proc != g->tasks[next].proc)
		line(g, cpu, p, "tlb:tlb_flush", "pages:%d reason:flush on task switch (0)",
		     first || new_asid(g, cpu, g->procs[g->tasks[next].proc].pid) ? -1 : 0);
}

static void sched_step(struct pgen *g)
{
	unsigned cpu = g->nbusy && pick(g, 2) ? g->busy[pick(g, g->nbusy)] : pick(g, g->cpus);

	if (g->cur[cpu] >= 0) {
		int32_t next = pick(g, 4) ? pick_runnable(g) : -1;
		char state = pick(g, 2) ? 'S' : 'R';

		run_on(g, cpu, next, state);
	} else {
		int32_t next = pick_runnable(g);

		if (next >= 0)
			run_on(g, cpu, next, 'R');
	}
}

/* ----------------------------------------------------- processes */

static void do_fork(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	const struct pproc *pr = proc_of(g, t);
	uint32_t k, ti;
	struct ptask *c;
	struct pproc *cp;

	if (!g->nkid_free)
		return do_touch(g, cpu, t);
	k = g->kid_free[--g->nkid_free];
	ti = g->nlong + k;
	c = &g->tasks[ti];
	cp = &g->procs[g->mms + k];
	line(g, cpu, t, "sched:sched_process_fork", "comm=%s pid=%d child_comm=%s child_pid=%d",
	     pr->comm, t->tid, pr->comm, g->next_pid);
	/* dup_mmap() write-protects the parent's pages: flush_tlb_mm() */
	flush(g, cpu, t, -1);
	*cp = *pr;
	cp->pid = g->next_pid++;
	cp->first_task = ti;
	cp->ntasks = 1;
	cp->exec = pick(g, 3) == 0;
	*c = (struct ptask){ .tid = cp->pid, .proc = g->mms + k, .cpu = -1,
			     .life = 10 + (int32_t)pick(g, 60), .alive = true,
			     .first_run = true, .kid = true };
	rq_add(g, ti);
}

static void do_exec(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	static const char *const progs[] = { "cat", "grep", "sed", "true", "cc1", "as" };
	struct pproc *pr = proc_of(g, t);

	/* setup_arg_pages(): the argument page moved, the old tables freed */
	line(g, cpu, t, "tlb:tlb_flush", "pages:1 reason:local MM shootdown (3)");
	line(g, cpu, t, "tlb:tlb_flush", "pages:-1 reason:local MM shootdown (3)");
	pr->comm = progs[pick(g, sizeof(progs) / sizeof(progs[0]))];
	line(g, cpu, t, "sched:sched_process_exec", "filename=/usr/bin/%s pid=%d old_pid=%d",
	     pr->comm, pr->pid, pr->pid);
	pr->mapped = pr->touched = pr->ro = 0;
	pr->huge = false;
	pr->brk = pr->heap_used = 0;
}

static void do_exit(struct pgen *g, unsigned cpu, struct ptask *t)
{
	line(g, cpu, t, "syscalls:sys_enter_exit_group", "error_code: 0x00000000");
	line(g, cpu, t, "sched:sched_process_exit", "comm=%s pid=%d prio=120 group_dead=true",
	     proc_of(g, t)->comm, t->tid);
	t->alive = false;
	run_on(g, cpu, pick_runnable(g), 'Z');
	g->kid_free[g->nkid_free++] = t->proc - g->mms;
}

/* Task @t, running on @cpu, does something. */
static void act(struct pgen *g, unsigned cpu, struct ptask *t)
{
	unsigned r = pick(g, 1000);

	if (t->first_run) {
		t->first_run = false;
		if (proc_of(g, t)->exec)
			do_exec(g, cpu, t);
		else   /* schedule_tail() writes the child's tid: a COW copy */
			line(g, cpu, t, "tlb:tlb_flush", "pages:1 reason:local MM shootdown (3)");
	}
	if (t->kid) {
		if (--t->life <= 0)
			return do_exit(g, cpu, t);
		if (r < 800)
			return do_touch(g, cpu, t);
		if (r < 830)
			return do_unmap(g, cpu, t);
		if (r < 860)
			return do_zap(g, cpu, t);
		if (r < 880)
			return do_brk(g, cpu, t);
		return do_touch(g, cpu, t);
	}
	/* shares per 1000 actions, fitted to the shipped captures' lines */
	if (r < 700)
		return do_touch(g, cpu, t);
	if (r < 750)
		return do_zap(g, cpu, t);
	if (r < 775)
		return do_unmap(g, cpu, t);
	if (r < 800)
		return do_protect(g, cpu, t);
	if (r < 815)
		return do_brk(g, cpu, t);
	if (r < 815 + FORK_RATE)
		return do_fork(g, cpu, t);
	if (r < 830)
		return do_collapse(g, cpu, t);
	if (r < 833)
		return do_huge(g, cpu, t);
	do_touch(g, cpu, t);
}

static int setup(struct pgen *g)
{
	static const char *const comms[] = { "sh", "make", "node", "java",
					     "python3", "sort", "git", "xz" };
	uint32_t ntasks = 0;

	for (unsigned i = 0; i < g->mms; i++)
		ntasks += 1 + i % 3;
	g->nlong = ntasks;
	g->tasks = calloc(ntasks + MAX_KIDS, sizeof(*g->tasks));
	g->procs = calloc(g->mms + MAX_KIDS, sizeof(*g->procs));
	g->runq = calloc(ntasks + MAX_KIDS, sizeof(*g->runq));
	g->cur = malloc(g->cpus * sizeof(*g->cur));
	g->busy = calloc(g->cpus, sizeof(*g->busy));
	g->bpos = calloc(g->cpus, sizeof(*g->bpos));
	g->asid = calloc((size_t)g->cpus * ASIDS, sizeof(*g->asid));
	if (!g->tasks || !g->procs || !g->runq || !g->cur || !g->busy || !g->bpos ||
	    !g->asid)
		return 2;
	memset(g->cur, 0xff, g->cpus * sizeof(*g->cur));   /* -1: all idle */
	g->next_pid = 1200;
	ntasks = 0;
	for (unsigned i = 0; i < g->mms; i++) {
		struct pproc *pr = &g->procs[i];

		/* older than the capture, it mapped its slots before: the
		 * reconstruction infers each at its first fault */
		*pr = (struct pproc){ .pid = g->next_pid, .comm = comms[i % 8],
				      .mapped = ~0u, .first_task = ntasks,
				      .ntasks = 1 + i % 3 };
		for (uint32_t k = 0; k < pr->ntasks; k++) {
			g->tasks[ntasks] = (struct ptask){ .tid = g->next_pid++, .proc = i,
							   .cpu = -1, .alive = true };
			rq_add(g, ntasks++);
		}
	}
	for (uint32_t k = 0; k < MAX_KIDS; k++)
		g->kid_free[g->nkid_free++] = MAX_KIDS - 1 - k;
	return 0;
}

int gen_perf(FILE *out, uint64_t seed, unsigned cpus, unsigned mms, uint64_t lines)
{
	struct pgen g = { .out = out, .rng = seed, .cpus = cpus, .mms = mms,
			  .t = (uint64_t)1000 * 1000000000u };
	int err = setup(&g);

	/* the reader counts the CPUs in its first 4096 records: the last
	 * one starts, so that all are known whatever the count */
	if (!err)
		run_on(&g, cpus - 1, pick_runnable(&g), 'R');
	while (!err && g.lines < lines) {
		g.t += 1000 + pick(&g, 8000);
		if (!g.nbusy || pick(&g, 100) < 4) {
			sched_step(&g);
		} else {
			unsigned cpu = g.busy[pick(&g, g.nbusy)];

			act(&g, cpu, &g.tasks[g.cur[cpu]]);
		}
	}
	free(g.tasks);
	free(g.procs);
	free(g.runq);
	free(g.cur);
	free(g.busy);
	free(g.bpos);
	free(g.asid);
	return err || ferror(out) ? 2 : 0;
}
