/* gen_perf.h - the perf-text generator's state, shared by gen_perf.c
 * (scheduling, processes, the run) and gen_perf_mm.c (what a task does to
 * its address space, and the flushes that makes). */
#ifndef TLBSIM_BENCH_GEN_PERF_H
#define TLBSIM_BENCH_GEN_PERF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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

static inline uint64_t rnd(struct pgen *g)
{
	return gen_xorshift(&g->rng);
}

static inline unsigned pick(struct pgen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static inline struct pproc *proc_of(struct pgen *g, const struct ptask *t)
{
	return &g->procs[t->proc];
}

static inline uint64_t slot_addr(unsigned slot)
{
	return AREA + (uint64_t)slot * SLOT;
}

/* One line by task @t (NULL: the idle task) on @cpu, a few us after the
 * last: perf's columns, then the tracepoint's text. */
void line(struct pgen *g, unsigned cpu, const struct ptask *t,
	  const char *event, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* gen_perf_mm.c: task @t, running on @cpu, acts on its address space */
void flush(struct pgen *g, unsigned cpu, const struct ptask *t, long pages);
void do_touch(struct pgen *g, unsigned cpu, const struct ptask *t);
void do_zap(struct pgen *g, unsigned cpu, const struct ptask *t);
void do_unmap(struct pgen *g, unsigned cpu, const struct ptask *t);
void do_protect(struct pgen *g, unsigned cpu, const struct ptask *t);
void do_brk(struct pgen *g, unsigned cpu, const struct ptask *t);
void do_collapse(struct pgen *g, unsigned cpu, const struct ptask *t);
void do_huge(struct pgen *g, unsigned cpu, const struct ptask *t);

#endif
