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

#include "gen.h"

#define SLOTS 32u                           /* 2 MiB slots per process */
#define SLOT ((uint64_t)2 << 20)
#define AREA ((uint64_t)0x7f3a00000000)     /* slot 0, 2 MiB aligned */
#define HUGE_BASE ((uint64_t)0x40000000000) /* the hugetlbfs GiB, as captured */
#define HEAP ((uint64_t)0x55d4c3a00000)
#define IMAGE ((uint64_t)0x55d4c2a01000)    /* ip of faults: the program text */
#define MAX_KIDS 32u  /* live children at once: more forks wait for exits */
#define FORK_RATE 12  /* per 1000 actions of a long-lived task: ~1/250 lines */
#define ASIDS 6       /* TLB_NR_DYN_ASIDS: the mms a CPU keeps TLB entries of */

struct ptask {
	int32_t tid;
	uint32_t proc;
	int32_t cpu;        /* where it runs, or -1 */
	int32_t life;       /* a child's actions left before it exits */
	uint32_t rq;        /* its place in the run queue when runnable */
	bool alive, first_run, kid;
};

struct pproc {
	int32_t pid;
	const char *comm;
	uint32_t mapped, touched, ro;   /* per slot */
	uint64_t brk;
	uint64_t heap_used;   /* [HEAP, HEAP + heap_used) faulted in: a page
			       * faults once until a brk() gives it back */
	uint32_t first_task, ntasks;
	bool huge, exec;
};

struct pgen {
	FILE *out;
	uint64_t rng, t, lines;
	unsigned cpus, mms, nlong;      /* nlong: long-lived tasks */
	struct ptask *tasks;            /* nlong, then MAX_KIDS children */
	struct pproc *procs;            /* mms, then MAX_KIDS children */
	int32_t *cur;                   /* task per CPU, -1 idle */
	int32_t *asid;                  /* per CPU, the pids of its ASIDS mms */
	uint32_t *busy, *bpos, nbusy;   /* the CPUs running a task */
	uint32_t *runq, nrunq;          /* tasks alive and on no CPU */
	uint32_t kid_free[MAX_KIDS], nkid_free;
	int32_t next_pid;
};

static uint64_t rnd(struct pgen *g)
{
	return gen_xorshift(&g->rng);
}

static unsigned pick(struct pgen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static struct pproc *proc_of(struct pgen *g, const struct ptask *t)
{
	return &g->procs[t->proc];
}

static uint64_t slot_addr(unsigned slot)
{
	return AREA + (uint64_t)slot * SLOT;
}

/* One line by task @t (NULL: the idle task) on @cpu, a few us after the
 * last: perf's columns, then the tracepoint's text. */
static void line(struct pgen *g, unsigned cpu, const struct ptask *t,
		 const char *event, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void line(struct pgen *g, unsigned cpu, const struct ptask *t,
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

/* ---------------------------------------------------------- flushes */

/* The flush of @t's mm that a syscall or a fault makes: the local one,
 * and for every other CPU running a thread of the mm the IPI and the
 * remote shootdown in its interrupt (flush_tlb_mm_range(): the send is
 * traced first, the targets' side after the local flush). */
static void flush(struct pgen *g, unsigned cpu, const struct ptask *t, long pages)
{
	const struct pproc *pr = proc_of(g, t);
	const struct ptask *tg[4];
	unsigned n = 0;

	for (uint32_t i = pr->first_task; i < pr->first_task + pr->ntasks && n < 4; i++)
		if (&g->tasks[i] != t && g->tasks[i].alive && g->tasks[i].cpu >= 0)
			tg[n++] = &g->tasks[i];
	if (n)
		line(g, cpu, t, "tlb:tlb_flush", "pages:%ld reason:remote IPI send (4)", pages);
	for (unsigned i = 0; i < n; i++) {
		unsigned to = (unsigned)tg[i]->cpu;

		line(g, cpu, t, "csd:csd_queue_cpu", "cpu=%u callsite=on_each_cpu_cond_mask+0x20 "
		     "func=flush_tlb_func csd=0x%" PRIx64, to,
		     (uint64_t)0xffff888627c2f720 + (uint64_t)to * 0x40000);
		line(g, cpu, t, "ipi:ipi_send_cpu", "cpu=%u callsite=on_each_cpu_cond_mask+0x20 "
		     "callback=generic_smp_call_function_single_interrupt+0x0", to);
	}
	line(g, cpu, t, "tlb:tlb_flush", "pages:%ld reason:local MM shootdown (3)", pages);
	for (unsigned i = 0; i < n; i++) {
		unsigned to = (unsigned)tg[i]->cpu;

		line(g, to, tg[i], "irq_vectors:call_function_single_entry", "vector=251");
		line(g, to, tg[i], "csd:csd_function_entry", "func=flush_tlb_func, csd=0x%" PRIx64,
		     (uint64_t)0xffff888627c2f720 + (uint64_t)to * 0x40000);
		line(g, to, tg[i], "tlb:tlb_flush", "pages:%ld reason:remote shootdown (1)", pages);
		line(g, to, tg[i], "csd:csd_function_exit", "func=flush_tlb_func, csd=0x%" PRIx64,
		     (uint64_t)0xffff888627c2f720 + (uint64_t)to * 0x40000);
		line(g, to, tg[i], "irq_vectors:call_function_single_exit", "vector=251");
	}
}

/* Pages as tlb_flush prints them: past tlb_single_page_flush_ceiling (33)
 * the kernel flushes everything, -1. */
static long flush_pages(uint64_t len)
{
	return len / 4096 > 33 ? -1 : (long)(len / 4096);
}

/* ------------------------------------------------ address space */

static void do_mmap(struct pgen *g, unsigned cpu, const struct ptask *t,
		    uint64_t addr, uint64_t len, unsigned flags, unsigned fd)
{
	line(g, cpu, t, "syscalls:sys_enter_mmap", "addr: 0x%08" PRIx64 ", len: 0x%08" PRIx64
	     ", prot: 0x00000003, flags: 0x%08x, fd: 0x%08x, off: 0x00000000", addr, len,
	     flags, fd);
	line(g, cpu, t, "syscalls:sys_exit_mmap", "0x%" PRIx64, addr);
}

static void do_munmap(struct pgen *g, unsigned cpu, const struct ptask *t,
		      uint64_t addr, uint64_t len)
{
	line(g, cpu, t, "syscalls:sys_enter_munmap", "addr: 0x%" PRIx64 ", len: 0x%08" PRIx64,
	     addr, len);
	flush(g, cpu, t, flush_pages(len));
	line(g, cpu, t, "syscalls:sys_exit_munmap", "0x0");
}

static void fault(struct pgen *g, unsigned cpu, const struct ptask *t,
		  uint64_t addr, unsigned err)
{
	uint64_t ip = err == 0x14 ? addr : IMAGE + 16 * (uint64_t)pick(g, 0x4000);

	line(g, cpu, t, "exceptions:page_fault_user", "address=0x%" PRIx64 " ip=0x%" PRIx64
	     " error_code=0x%x", addr, ip, err);
	/* a write to a present page of a child: do_wp_page() copies it */
	if (err == 0x7 && t->kid)
		line(g, cpu, t, "tlb:tlb_flush", "pages:1 reason:local MM shootdown (3)");
}

/* A page fault in a slot (mapping it first when it is not), in the heap,
 * in the hugetlb GiB or in the program's text. Children of a process
 * that has not exec'd mostly write pages they share copy-on-write. */
static void do_touch(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	struct pproc *pr = proc_of(g, t);
	unsigned slot = pick(g, SLOTS), where = pick(g, 32), kind = pick(g, 100);
	unsigned page = pick(g, 512), word = pick(g, 512);
	unsigned err = kind < 55 ? 0x6 : kind < 85 ? 0x4 : kind < 95 ? 0x7 : 0x14;

	if (t->kid && !pr->exec)
		err = kind < 60 ? 0x7 : kind < 85 ? 0x4 : 0x6;
	if (err == 0x14)
		return fault(g, cpu, t, IMAGE + 4096 * (uint64_t)page + 16 * (uint64_t)word, err);
	if (where == 0 && pr->huge)
		return fault(g, cpu, t, HUGE_BASE + SLOT * page, 0x6);
	if (where == 1 && HEAP + pr->heap_used < pr->brk) {
		pr->heap_used += 4096;
		return fault(g, cpu, t, HEAP + pr->heap_used - 4096 + 8 * (uint64_t)word, 0x6);
	}
	if (!(pr->mapped & 1u << slot)) {
		/* MAP_FIXED_NOREPLACE | MAP_ANONYMOUS | MAP_PRIVATE */
		do_mmap(g, cpu, t, slot_addr(slot), SLOT, 0x100022, 0xffffffff);
		pr->mapped |= 1u << slot;
		err = 0x6;
	}
	fault(g, cpu, t, slot_addr(slot) + 4096 * (uint64_t)page + 8 * (uint64_t)word, err);
	pr->touched |= 1u << slot;
}

static void do_zap(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	struct pproc *pr = proc_of(g, t);
	unsigned slot = pick(g, SLOTS), off = pick(g, 16), n = 1 + pick(g, 16);
	uint64_t len = (uint64_t)n * 65536;

	if (!(pr->mapped & 1u << slot))
		return do_touch(g, cpu, t);
	line(g, cpu, t, "syscalls:sys_enter_madvise", "start: 0x%" PRIx64 ", len_in: 0x%08"
	     PRIx64 ", behavior: 0x00000004", slot_addr(slot) + (uint64_t)off * 65536, len);
	flush(g, cpu, t, flush_pages(len));
	line(g, cpu, t, "syscalls:sys_exit_madvise", "0x0");
}

static void unmap_slot(struct pgen *g, unsigned cpu, const struct ptask *t, unsigned slot)
{
	struct pproc *pr = proc_of(g, t);

	do_munmap(g, cpu, t, slot_addr(slot), SLOT);
	pr->mapped &= ~(1u << slot);
	pr->touched &= ~(1u << slot);
	pr->ro &= ~(1u << slot);
}

static void do_unmap(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	unsigned slot = pick(g, SLOTS);

	if (!(proc_of(g, t)->mapped & 1u << slot))
		return do_touch(g, cpu, t);
	unmap_slot(g, cpu, t, slot);
}

/* mprotect() of part of a slot, read-only and back */
static void do_protect(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	struct pproc *pr = proc_of(g, t);
	unsigned slot = pick(g, SLOTS), n = 1 + pick(g, 8);
	uint64_t len = (uint64_t)n * 65536;

	if (!(pr->mapped & 1u << slot))
		return do_touch(g, cpu, t);
	pr->ro ^= 1u << slot;
	line(g, cpu, t, "syscalls:sys_enter_mprotect", "start: 0x%" PRIx64 ", len: 0x%08" PRIx64
	     ", prot: 0x%08x", slot_addr(slot), len, pr->ro & 1u << slot ? 1u : 3u);
	flush(g, cpu, t, flush_pages(len));
	line(g, cpu, t, "syscalls:sys_exit_mprotect", "0x0");
}

/* brk(): the heap grows, or shrinks (malloc trimming: an unmap, flushed) */
static void do_brk(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	struct pproc *pr = proc_of(g, t);
	uint64_t now = HEAP + 0x21000 * (uint64_t)(1 + pick(g, 64));

	line(g, cpu, t, "syscalls:sys_exit_brk", "0x%" PRIx64, now);
	if (pr->brk && now < pr->brk)
		flush(g, cpu, t, flush_pages(pr->brk - now));
	if (now < HEAP + pr->heap_used)
		pr->heap_used = now - HEAP;
	pr->brk = now;
}

/* MADV_COLLAPSE of a touched slot, then its munmap (as the native form
 * does), so that later collapses find PTE tables again */
static void do_collapse(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	struct pproc *pr = proc_of(g, t);
	unsigned slot = pick(g, SLOTS);

	if (!(pr->touched & 1u << slot))
		return do_touch(g, cpu, t);
	line(g, cpu, t, "syscalls:sys_enter_madvise", "start: 0x%" PRIx64
	     ", len_in: 0x00200000, behavior: 0x00000019", slot_addr(slot));
	line(g, cpu, t, "huge_memory:mm_collapse_huge_page", "mm=0x%" PRIx64
	     ", isolated=1, status=succeeded", (uint64_t)0xffff888106e60000 + 0x640 * (uint64_t)t->proc);
	flush(g, cpu, t, -1);
	line(g, cpu, t, "syscalls:sys_exit_madvise", "0x0");
	unmap_slot(g, cpu, t, slot);
}

/* The hugetlbfs GiB: mapped shared at one address in every process that
 * maps it (a PMD table to share), or unmapped (unshared) */
static void do_huge(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	struct pproc *pr = proc_of(g, t);

	if (!pr->huge) {
		/* MAP_FIXED_NOREPLACE | MAP_SHARED of a hugetlbfs file */
		do_mmap(g, cpu, t, HUGE_BASE, (uint64_t)1 << 30, 0x100001, 3);
		fault(g, cpu, t, HUGE_BASE, 0x6);
	} else {
		do_munmap(g, cpu, t, HUGE_BASE, (uint64_t)1 << 30);
	}
	pr->huge = !pr->huge;
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
