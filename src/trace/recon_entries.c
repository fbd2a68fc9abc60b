/*
 * recon_entries.c - the processes and tasks the perf reconstruction knows,
 * found by id through id maps (tlbsim/idmap.h: captures of real
 * workloads hold thousands of tasks, and every record looks one up), their
 * parent/child links, and the recycling of what exited: an entry goes a
 * second of capture time after its exit (RECYCLE_NS), so that memory
 * follows what is alive, not every pid a capture ever showed.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/recon.h"

void *grow(void *p, uint32_t *cap, uint32_t need, size_t sz)
{
	uint32_t c = *cap ? *cap : 8;
	void *n;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	n = realloc(p, c * sz);
	if (n)
		*cap = c;
	return n;
}

struct proc *proc_find(struct perf_recon *p, int32_t tgid)
{
	uint32_t i = tlbsim_idmap_get(&p->procmap, tgid);

	return i == UINT32_MAX ? NULL : &p->procs[i];
}

static uint32_t proc_ref(const struct perf_recon *p, const struct proc *pr)
{
	return (uint32_t)(pr - p->procs) + 1;
}

/* Out of its parent's list of children. */
static void kid_unlink(struct perf_recon *p, struct proc *c)
{
	struct proc *up = c->parent ? proc_find(p, c->parent) : NULL;

	if (c->sib_prev)
		p->procs[c->sib_prev - 1].sib_next = c->sib_next;
	else if (up && up->kids == proc_ref(p, c))
		up->kids = c->sib_next;
	if (c->sib_next)
		p->procs[c->sib_next - 1].sib_prev = c->sib_prev;
	c->sib_prev = c->sib_next = 0;
}

/* @c was forked from @parent (a tgid reused moves to its new parent). */
void proc_set_parent(struct perf_recon *p, struct proc *c, int32_t parent)
{
	struct proc *up;

	kid_unlink(p, c);
	c->parent = parent;
	/* 0 is no parent (kid_unlink() finds none there): a record of pid 0
	 * forking would otherwise link the child into a list it can never
	 * leave, and a second such fork link it to itself */
	up = parent > 0 ? proc_find(p, parent) : NULL;
	if (!up || up == c)
		return;
	c->sib_next = up->kids;
	if (up->kids)
		p->procs[up->kids - 1].sib_prev = proc_ref(p, c);
	up->kids = proc_ref(p, c);
}

/* A slot for a new entry: a recycled one first, else the array's next. */
static uint32_t slot_take(void **arr, uint32_t *n, uint32_t *cap, size_t sz,
			  uint32_t *free_slots, uint32_t *nfree)
{
	void *a;

	if (*nfree)
		return free_slots[--*nfree];
	if (!(a = grow(*arr, cap, *n + 1, sz)))
		return UINT32_MAX;
	*arr = a;
	return (*n)++;
}

struct proc *proc_get(struct perf_recon *p, int32_t tgid)
{
	struct proc *pr = proc_find(p, tgid);
	uint32_t i;

	if (pr)
		return pr;
	i = slot_take((void **)&p->procs, &p->nprocs, &p->capprocs, sizeof(*p->procs),
		      p->free_procs, &p->nfree_procs);
	if (i == UINT32_MAX || tlbsim_idmap_put(&p->procmap, tgid, i))
		return NULL;
	memset(&p->procs[i], 0, sizeof(p->procs[0]));
	p->procs[i].tgid = tgid;
	return &p->procs[i];
}

struct task *task_get(struct perf_recon *p, int32_t tid)
{
	uint32_t i = tlbsim_idmap_get(&p->taskmap, tid);

	if (i != UINT32_MAX)
		return &p->tasks[i];
	i = slot_take((void **)&p->tasks, &p->ntasks, &p->captasks, sizeof(*p->tasks),
		      p->free_tasks, &p->nfree_tasks);
	if (i == UINT32_MAX || tlbsim_idmap_put(&p->taskmap, tid, i))
		return NULL;
	memset(&p->tasks[i], 0, sizeof(p->tasks[0]));
	p->tasks[i].tid = tid;
	return &p->tasks[i];
}

/* ---------------------------------------------------- recycling entries */

static void grave_push(struct perf_recon *p, uint64_t t, int32_t id, bool task)
{
	if (p->glen == p->gcap) {
		uint32_t cap = p->gcap ? 2 * p->gcap : 64;
		struct grave *g = malloc(cap * sizeof(*g));

		if (!g)
			return;   /* the entry stays: only memory is lost */
		for (uint32_t i = 0; i < p->glen; i++)
			g[i] = p->graves[(p->ghead + i) % p->gcap];
		free(p->graves);
		p->graves = g;
		p->gcap = cap;
		p->ghead = 0;
	}
	p->graves[(p->ghead + p->glen++) % p->gcap] = (struct grave){ t, id, task };
}

/* Capture time of the record being fed, + 1: dead_at 0 means alive. */
static uint64_t stamp(const struct perf_recon *p)
{
	return (p->rec ? p->rec->t_ns : 0) + 1;
}

/* emit_exit(): @pr is gone; its entry is recycled later unless its pid
 * comes back first (a fork, a reused pid: it is alive again). It keeps
 * its parent's tgid. */
void proc_dies(struct perf_recon *p, struct proc *pr)
{
	/* out of its parent's list: a shell or make forks thousands of
	 * children, and a copy-on-write of the parent visits the list
	 * (cow_copied()): the live ones only */
	kid_unlink(p, pr);
	pr->dead_at = stamp(p);
	grave_push(p, pr->dead_at, pr->tgid, false);
}

/* sched_process_exit of the task itself (any thread of a group). */
void task_dies(struct perf_recon *p, struct task *t)
{
	t->dead_at = stamp(p);
	grave_push(p, t->dead_at, t->tid, true);
}

static bool free_slot(uint32_t **slots, uint32_t *n, uint32_t *cap, uint32_t i)
{
	uint32_t *s = grow(*slots, cap, *n + 1, sizeof(**slots));

	if (!s)
		return false;
	*slots = s;
	s[(*n)++] = i;
	return true;
}

/* Out of every list: its parent's children, its own children's links
 * (they keep its tgid as their parent, as they did while it lay dead). */
static void proc_recycle(struct perf_recon *p, struct proc *pr)
{
	uint32_t i = (uint32_t)(pr - p->procs);

	if (!free_slot(&p->free_procs, &p->nfree_procs, &p->capfree_procs, i))
		return;
	kid_unlink(p, pr);
	for (uint32_t k = pr->kids; k;) {
		struct proc *c = &p->procs[k - 1];

		k = c->sib_next;
		c->sib_prev = c->sib_next = 0;
	}
	tlbsim_idmap_del(&p->procmap, pr->tgid);
	proc_release(pr);
	memset(pr, 0, sizeof(*pr));
}

/* A dead task's entry, unless it still holds an operation half done. */
static bool task_recycle(struct perf_recon *p, struct task *t)
{
	if (t->holding || t->in_mmap || t->forked || t->vfork_mm || t->clone_known)
		return false;
	if (!free_slot(&p->free_tasks, &p->nfree_tasks, &p->capfree_tasks,
		       (uint32_t)(t - p->tasks)))
		return true;
	tlbsim_idmap_del(&p->taskmap, t->tid);
	memset(t, 0, sizeof(*t));
	return true;
}

/* Recycle the entries of what died RECYCLE_NS before @now, and has not
 * come back since (its dead_at is still its grave's). Called between
 * records: no entry pointer is held across it. */
void recycle(struct perf_recon *p, uint64_t now)
{
	while (p->glen) {
		struct grave g = p->graves[p->ghead];
		struct proc *pr;
		struct task *t;

		if (g.t - 1 + RECYCLE_NS > now)
			return;
		p->ghead = (p->ghead + 1) % p->gcap;
		p->glen--;
		if (g.task) {
			t = task_find(p, g.id);
			if (t && t->dead_at == g.t && !task_recycle(p, t))
				task_dies(p, t);   /* its operation first: later */
			continue;
		}
		pr = proc_find(p, g.id);
		if (pr && pr->dead_at == g.t && pr->exited && !pr->live)
			proc_recycle(p, pr);
	}
}

void perf_recon_entries(const struct perf_recon *p, uint32_t *procs, uint32_t *tasks)
{
	*procs = p->nprocs - p->nfree_procs;
	*tasks = p->ntasks - p->nfree_tasks;
}

struct task *task_find(struct perf_recon *p, int32_t tid)
{
	uint32_t i = tlbsim_idmap_get(&p->taskmap, tid);

	return i == UINT32_MAX ? NULL : &p->tasks[i];
}

int32_t tgid_of(struct perf_recon *p, int32_t tid)
{
	uint32_t i = tlbsim_idmap_get(&p->taskmap, tid);

	return i == UINT32_MAX ? 0 : p->tasks[i].tgid;
}
