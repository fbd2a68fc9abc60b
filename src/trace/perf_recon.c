/*
 * perf_recon.c - model inputs reconstructed from a perf capture.
 *
 * Inputs only: which task runs where (sched_switch, and any event of a user
 * task on a CPU), the address-space operations from the syscalls (mmap,
 * munmap, madvise, mprotect, exit), faults, forks and execs. Outputs of
 * the kernel (tlb_flush, csd_queue_cpu, IPIs) become `observed` events,
 * never inputs: a prediction that copies an observation is none.
 * Whatever the capture cannot tell is inferred and counted by kind.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/perf.h"

#define PAGE 4096ULL
#define PMD (2ULL << 20)
#define PUD (1ULL << 30)
#define USER_TOP (1ULL << 47)

/* inference kinds */
enum inf {
	INF_SWITCH_FROM_EVENT,   /* a task ran on a CPU without a sched_switch */
	INF_TGID_FROM_TID,       /* sched_switch to a tid never seen: tgid = tid */
	INF_MAP_BEFORE_CAPTURE,  /* a fault/munmap in a region mapped earlier */
	INF_MAP_REPLACED,        /* mmap over an existing mapping: unmapped first */
	INF_COW_FLUSH,           /* write fault on a present page: flush_tlb_page */
	INF_FORK_FLUSH,          /* dup_mmap() flush of the parent */
	INF_FORK_VMAS,           /* child inherits the parent's mappings */
	INF_EXEC_EXIT,           /* exec drops the old mm */
	INF_HUGETLB_GUESS,       /* shared fd mapping at 1 GiB alignment */
	INF_PMD_SHARE,           /* a hugetlb fault found another mm's PMD table */
	INF_KHUGEPAGED_MM,       /* khugepaged's collapse: whose mm, and where */
	INF_THREAD_FROM_RECORDS, /* a fork's child whose records name the parent's
				  * thread group: a thread (clone), no new mm */
	INF_EXEC_STACK,          /* exec moves the new stack: two local flushes */
	INF_COUNT
};

static const char *const inf_names[INF_COUNT] = {
	"switch_from_event", "tgid_from_tid", "map_before_capture", "map_replaced",
	"cow_flush", "fork_flush", "fork_vmas", "exec_exit", "hugetlb_guess",
	"pmd_share", "khugepaged_mm", "thread_from_records", "exec_stack",
};

struct vma_m {
	uint64_t start, end;
	bool huge;
	bool file;   /* a private file mapping the capture saw made (mmap fd):
		      * read faults map page-cache pages, fault-around too.
		      * Mappings inferred from faults count as anonymous: the
		      * program's own segments made by execve() are file ones,
		      * but the ELF loader writes some of their pages itself */
};

struct pageset {
	uint64_t *s;
	uint32_t n, cap;
};

struct proc {
	int32_t tgid;
	int32_t parent;      /* tgid it was forked from (COW peer) */
	uint32_t cow_peers;  /* live processes sharing pages copy-on-write */
	bool live;
	bool exited;         /* its records until the next fork are exit paths */
	struct vma_m *v;
	uint32_t nv, capv;
	uint64_t *chunks;     /* 2 MiB chunks touched (PTE tables exist) */
	uint32_t nchunks, capchunks;
	uint64_t col_start, col_end; /* MADV_COLLAPSE range in progress */
	uint64_t gibs[8];     /* hugetlb GiBs whose PMD table this mm links */
	uint32_t ngibs;
	struct pageset rd;    /* pages first mapped by a read fault (zero page,
			       * page cache): a later write copies them */
	struct pageset wr;    /* pages written here: ours alone while no live
			       * parent or child shares them (cow_peers) */
	struct pageset cow_done; /* shared pages a peer has since copied */
};

struct task {
	int32_t tid, tgid;
	uint64_t mmap_addr, mmap_len, mmap_flags, mmap_fd;
	bool in_mmap;
	uint64_t col_start, col_end;
};

struct name_count {
	uint32_t hash;
	char name[48];
	uint64_t count;
	bool used;
};

/* tgid or tid -> index: captures of real workloads hold thousands of
 * tasks, and every record looks one up. Open addressing; entries are
 * never removed (an exited process keeps its slot). */
struct idmap {
	int32_t *keys;
	uint32_t *vals;   /* UINT32_MAX: empty */
	uint32_t cap, n;
};

struct perf_recon {
	unsigned cpus;
	int32_t *cur;            /* per CPU: tgid of the user mm running, 0 none */
	struct proc *procs;
	uint32_t nprocs, capprocs;
	struct idmap procmap;
	struct task *tasks;
	uint32_t ntasks, captasks;
	struct idmap taskmap;
	struct tlbsim_trace_event *q;
	uint32_t qhead, qlen, qcap;
	uint64_t t0;
	bool have_t0;
	const struct perf_rec *rec;
	struct name_count *names;
	uint32_t nnames, capnames;
	const char **name_ptrs;
	uint64_t *name_counts;
	bool *name_used;
	uint64_t inf[INF_COUNT];
	/* khugepaged: the tracepoint names the mm by kernel pointer */
	char mmptr[8][24];
	int32_t mmptr_tgid[8];
	uint32_t nmmptr;
	/* the reader's look-ahead: the thread group of a tid in the records
	 * not yet fed, or 0 (sched_process_fork does not say fork or thread) */
	int32_t (*peek_tgid)(void *ctx, int32_t tid);
	void *peek_ctx;
	int32_t hint_tgid;           /* last MADV_HUGEPAGE: a khugepaged candidate */
	uint64_t hint_start, hint_end;
};

/* ------------------------------------------------------------ helpers */

static void *grow(void *p, uint32_t *cap, uint32_t need, size_t sz)
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

static uint32_t idmap_slot(const struct idmap *m, int32_t k)
{
	uint32_t i = ((uint32_t)k * 2654435761u) & (m->cap - 1);

	while (m->vals[i] != UINT32_MAX && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static uint32_t idmap_get(const struct idmap *m, int32_t k)
{
	return m->cap ? m->vals[idmap_slot(m, k)] : UINT32_MAX;
}

static int idmap_put(struct idmap *m, int32_t k, uint32_t v)
{
	if (2 * (m->n + 1) > m->cap) {   /* at most half full */
		struct idmap g = { NULL, NULL, m->cap ? 2 * m->cap : 64, 0 };

		g.keys = malloc(g.cap * sizeof(*g.keys));
		g.vals = malloc(g.cap * sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return -1;
		}
		memset(g.vals, 0xff, g.cap * sizeof(*g.vals));
		for (uint32_t i = 0; i < m->cap; i++)
			if (m->vals[i] != UINT32_MAX) {
				uint32_t j = idmap_slot(&g, m->keys[i]);

				g.keys[j] = m->keys[i];
				g.vals[j] = m->vals[i];
				g.n++;
			}
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	uint32_t i = idmap_slot(m, k);

	if (m->vals[i] == UINT32_MAX)
		m->n++;
	m->keys[i] = k;
	m->vals[i] = v;
	return 0;
}

static void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
}

static struct proc *proc_find(struct perf_recon *p, int32_t tgid)
{
	uint32_t i = idmap_get(&p->procmap, tgid);

	return i == UINT32_MAX ? NULL : &p->procs[i];
}

static struct proc *proc_get(struct perf_recon *p, int32_t tgid)
{
	struct proc *pr = proc_find(p, tgid);

	if (pr)
		return pr;
	p->procs = grow(p->procs, &p->capprocs, p->nprocs + 1, sizeof(*p->procs));
	if (!p->procs || idmap_put(&p->procmap, tgid, p->nprocs))
		return NULL;
	memset(&p->procs[p->nprocs], 0, sizeof(p->procs[0]));
	p->procs[p->nprocs].tgid = tgid;
	return &p->procs[p->nprocs++];
}

static struct task *task_get(struct perf_recon *p, int32_t tid)
{
	uint32_t i = idmap_get(&p->taskmap, tid);

	if (i != UINT32_MAX)
		return &p->tasks[i];
	p->tasks = grow(p->tasks, &p->captasks, p->ntasks + 1, sizeof(*p->tasks));
	if (!p->tasks || idmap_put(&p->taskmap, tid, p->ntasks))
		return NULL;
	memset(&p->tasks[p->ntasks], 0, sizeof(p->tasks[0]));
	p->tasks[p->ntasks].tid = tid;
	return &p->tasks[p->ntasks++];
}

static int32_t tgid_of(struct perf_recon *p, int32_t tid)
{
	uint32_t i = idmap_get(&p->taskmap, tid);

	return i == UINT32_MAX ? 0 : p->tasks[i].tgid;
}

static struct tlbsim_trace_event *emit(struct perf_recon *p, enum tlbsim_ev_kind k,
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
	ev = &p->q[(p->qhead + p->qlen++) % p->qcap];
	memset(ev, 0, sizeof(*ev));
	ev->kind = (uint16_t)k;
	ev->cpu = cpu;
	ev->t = p->rec->t_ns - p->t0;
	ev->line = p->rec->line;
	ev->target = -1;
	return ev;
}

bool perf_recon_pop(struct perf_recon *p, struct tlbsim_trace_event *ev)
{
	if (!p->qlen)
		return false;
	*ev = p->q[p->qhead];
	p->qhead = (p->qhead + 1) % p->qcap;
	p->qlen--;
	return true;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void count_name(struct perf_recon *p, const char *name, bool used)
{
	uint32_t h = name_hash(name);

	for (uint32_t i = 0; i < p->nnames; i++) {
		if (p->names[i].hash != h || strcmp(p->names[i].name, name))
			continue;
		p->names[i].count++;
		p->names[i].used |= used;
		return;
	}
	p->names = grow(p->names, &p->capnames, p->nnames + 1, sizeof(*p->names));
	if (!p->names)
		return;
	snprintf(p->names[p->nnames].name, sizeof(p->names[0].name), "%s", name);
	p->names[p->nnames].hash = h;
	p->names[p->nnames].count = 1;
	p->names[p->nnames++].used = used;
}

/* Kernel threads and idle have no mm: a switch to them is lazy TLB. */
static bool is_kthread(const char *comm, int32_t pid)
{
	static const char *const pre[] = {
		"swapper", "kworker/", "ksoftirqd/", "migration/", "rcu_", "kthreadd",
		"khugepaged", "kcompactd", "kswapd", "watchdog", "cpuhp/", "idle_inject",
		"irq/", "jbd2/", "kauditd", "oom_reaper", "writeback", "kblockd",
		"ksmd", "kdevtmpfs", "scsi_", "kintegrityd", "ext4-", "xfs",
	};

	if (pid <= 0)
		return true;
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (!strncmp(comm, pre[i], strlen(pre[i])))
			return true;
	return false;
}

/* ------------------------------------------------------------- mirror */

/* The mirror is sorted by start and its VMAs do not overlap (maps go in
 * after the range is removed, inferred maps only fill holes): the first
 * VMA ending after @a, by binary search. */
static uint32_t vma_first_after(const struct proc *pr, uint64_t a)
{
	uint32_t lo = 0, hi = pr->nv;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (pr->v[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool vma_overlaps(const struct proc *pr, uint64_t s, uint64_t e)
{
	uint32_t i = vma_first_after(pr, s);

	return i < pr->nv && pr->v[i].start < e;
}

static const struct vma_m *vma_at(const struct proc *pr, uint64_t a)
{
	uint32_t i = vma_first_after(pr, a);

	return i < pr->nv && pr->v[i].start <= a ? &pr->v[i] : NULL;
}

static void mirror_remove(struct proc *pr, uint64_t s, uint64_t e)
{
	uint32_t out = 0, n = pr->nv;
	struct vma_m *keep = malloc((n * 2 + 1) * sizeof(*keep));

	if (!keep)
		return;
	for (uint32_t i = 0; i < n; i++) {
		struct vma_m v = pr->v[i];

		if (v.end <= s || v.start >= e) {
			keep[out++] = v;
			continue;
		}
		if (v.start < s)
			keep[out++] = (struct vma_m){ v.start, s, v.huge, v.file };
		if (v.end > e)
			keep[out++] = (struct vma_m){ e, v.end, v.huge, v.file };
	}
	pr->v = grow(pr->v, &pr->capv, out, sizeof(*pr->v));
	if (pr->v)
		memcpy(pr->v, keep, out * sizeof(*keep));
	pr->nv = pr->v ? out : 0;
	free(keep);
	for (uint32_t i = 0; i < pr->nchunks;)
		if (pr->chunks[i] + PMD > s && pr->chunks[i] < e)
			pr->chunks[i] = pr->chunks[--pr->nchunks];
		else
			i++;
	for (uint32_t i = 0; i < pr->ngibs;)
		if (pr->gibs[i] + PUD > s && pr->gibs[i] < e)
			pr->gibs[i] = pr->gibs[--pr->ngibs];
		else
			i++;
}

static bool gib_linked(const struct proc *pr, uint64_t g)
{
	for (uint32_t i = 0; i < pr->ngibs; i++)
		if (pr->gibs[i] == g)
			return true;
	return false;
}

static void gib_link(struct proc *pr, uint64_t g)
{
	if (!gib_linked(pr, g) && pr->ngibs < 8)
		pr->gibs[pr->ngibs++] = g;
}

/*
 * huge_pmd_share(): a fault in a shared hugetlb mapping covering a whole
 * GiB reuses the PMD table of another mm that maps the same range (the
 * same file at the same offset: here, the same addresses, as after fork).
 */
static void maybe_share(struct perf_recon *p, struct proc *pr,
			const struct vma_m *v, uint64_t page)
{
	uint64_t g = page & ~(PUD - 1);
	struct tlbsim_trace_event *ev;

	if (!v->huge || v->start > g || v->end < g + PUD || gib_linked(pr, g))
		return;
	for (uint32_t i = 0; i < p->nprocs; i++) {
		struct proc *o = &p->procs[i];
		const struct vma_m *ov;

		if (o == pr || !o->live || !gib_linked(o, g))
			continue;
		ov = vma_at(o, g);
		if (!ov || !ov->huge || ov->start > g || ov->end < g + PUD)
			continue;
		ev = emit(p, TLBSIM_EV_SHARE, p->rec->cpu);
		if (ev) {
			ev->mm = (uint32_t)pr->tgid;
			ev->with = (uint32_t)o->tgid;
			ev->addr = g;
		}
		p->inf[INF_PMD_SHARE]++;
		break;
	}
	gib_link(pr, g);
}

static void mirror_add(struct proc *pr, uint64_t s, uint64_t e, bool huge)
{
	uint32_t i;

	pr->v = grow(pr->v, &pr->capv, pr->nv + 1, sizeof(*pr->v));
	if (!pr->v) {
		pr->nv = 0;
		return;
	}
	i = vma_first_after(pr, s);   /* keep the mirror sorted */
	memmove(&pr->v[i + 1], &pr->v[i], (pr->nv - i) * sizeof(*pr->v));
	pr->v[i] = (struct vma_m){ s, e, huge, false };
	pr->nv++;
}

/* A set of pages: open addressing, never shrunk (removal leaves a
 * tombstone, 1, a value no page can have). */
static bool pageset_find(const struct pageset *ps, uint64_t page, uint32_t *slot)
{
	uint32_t mask = ps->cap - 1, h;

	if (!ps->cap)
		return false;
	for (h = (uint32_t)((page >> 12) * 2654435761u) & mask; ps->s[h]; h = (h + 1) & mask)
		if (ps->s[h] == page) {
			*slot = h;
			return true;
		}
	return false;
}

static void pageset_add(struct pageset *ps, uint64_t page)
{
	uint32_t slot, h;

	if (pageset_find(ps, page, &slot))
		return;
	if ((ps->n + 1) * 2 > ps->cap) {
		uint32_t cap = ps->cap ? 2 * ps->cap : 64, n = 0;
		uint64_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return;
		for (uint32_t i = 0; i < ps->cap; i++) {
			if (ps->s[i] <= 1)
				continue;
			for (h = (uint32_t)((ps->s[i] >> 12) * 2654435761u) & (cap - 1);
			     t[h]; h = (h + 1) & (cap - 1))
				;
			t[h] = ps->s[i];
			n++;
		}
		free(ps->s);
		ps->s = t;
		ps->cap = cap;
		ps->n = n;   /* tombstones are gone */
	}
	for (h = (uint32_t)((page >> 12) * 2654435761u) & (ps->cap - 1); ps->s[h] > 1;
	     h = (h + 1) & (ps->cap - 1))
		;
	ps->s[h] = page;
	ps->n++;
}

static bool pageset_take(struct pageset *ps, uint64_t page)
{
	uint32_t slot;

	if (!pageset_find(ps, page, &slot))
		return false;
	ps->s[slot] = 1;
	return true;
}

static bool pageset_has(const struct pageset *ps, uint64_t page)
{
	uint32_t slot;

	return pageset_find(ps, page, &slot);
}

static void pageset_free(struct pageset *ps)
{
	free(ps->s);
	ps->s = NULL;
	ps->n = ps->cap = 0;
}

/* An mm's mirror and page sets are gone: free them. */
static void proc_release(struct proc *pr)
{
	free(pr->v);
	pr->v = NULL;
	pr->nv = pr->capv = 0;
	free(pr->chunks);
	pr->chunks = NULL;
	pr->nchunks = pr->capchunks = 0;
	pr->ngibs = 0;
	pageset_free(&pr->rd);
	pageset_free(&pr->wr);
	pageset_free(&pr->cow_done);
}

static void chunk_touch(struct proc *pr, uint64_t a)
{
	uint64_t c = a & ~(PMD - 1);

	for (uint32_t i = 0; i < pr->nchunks; i++)
		if (pr->chunks[i] == c)
			return;
	pr->chunks = grow(pr->chunks, &pr->capchunks, pr->nchunks + 1, sizeof(uint64_t));
	if (pr->chunks)
		pr->chunks[pr->nchunks++] = c;
}

static bool chunk_touched(const struct proc *pr, uint64_t c)
{
	for (uint32_t i = 0; i < pr->nchunks; i++)
		if (pr->chunks[i] == c)
			return true;
	return false;
}

static void emit_map(struct perf_recon *p, struct proc *pr, uint64_t s,
		     uint64_t e, bool huge)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_MAP, p->rec->cpu);

	if (!ev)
		return;
	ev->mm = (uint32_t)pr->tgid;
	ev->addr = s;
	ev->len = e - s;
	ev->hugetlb = huge;
	mirror_add(pr, s, e, huge);
	pr->live = true;
}

static void emit_range(struct perf_recon *p, enum tlbsim_ev_kind k,
		       struct proc *pr, uint64_t s, uint64_t e)
{
	struct tlbsim_trace_event *ev = emit(p, k, p->rec->cpu);

	if (!ev)
		return;
	ev->mm = (uint32_t)pr->tgid;
	ev->addr = s;
	ev->len = e - s;
}

/* Make [s, e) mapped in the mirror, inferring maps for the holes (regions
 * the process mapped before the capture began). */
static void ensure_mapped(struct perf_recon *p, struct proc *pr, uint64_t s,
			  uint64_t e)
{
	for (uint64_t a = s; a < e; a += PAGE) {
		uint64_t b = a;

		if (vma_at(pr, a))
			continue;
		while (b < e && !vma_at(pr, b))
			b += PAGE;
		emit_map(p, pr, a, b, false);
		p->inf[INF_MAP_BEFORE_CAPTURE]++;
		a = b;
	}
}

/* ------------------------------------------------------------- events */

/* The task of this record runs on its CPU: say so if the model thinks not. */
static bool exited(struct perf_recon *p, int32_t tgid)
{
	const struct proc *pr = proc_find(p, tgid);

	return pr && pr->exited;
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

static void on_sched_switch(struct perf_recon *p, const struct perf_rec *r)
{
	char comm[32];
	uint64_t next;
	int32_t tgid;
	struct tlbsim_trace_event *ev;

	if (!perf_field_u64(r->text, "next_pid", &next))
		return;
	comm[0] = '\0';
	perf_field(r->text, "next_comm", comm, sizeof(comm), false);
	if (is_kthread(comm, (int32_t)next)) {
		tgid = 0;
	} else {
		tgid = tgid_of(p, (int32_t)next);
		if (!tgid) {
			tgid = (int32_t)next;
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

static void on_mmap_exit(struct perf_recon *p, const struct perf_rec *r,
			 struct task *t)
{
	uint64_t ret = strtoull(r->text, NULL, 16), len, s, e;
	struct proc *pr = proc_get(p, r->pid);
	bool huge;

	if (!t->in_mmap || !pr)
		return;
	t->in_mmap = false;
	if (ret >= (uint64_t)-4095 || ret % PAGE || ret >= USER_TOP)
		return; /* failed */
	len = (t->mmap_len + PAGE - 1) & ~(PAGE - 1);
	huge = (t->mmap_flags & 0x40000) != 0; /* MAP_HUGETLB */
	if (!huge && (t->mmap_flags & 0x1) && t->mmap_fd != 0xffffffff &&
	    ret % PUD == 0 && len % PUD == 0) {
		huge = true; /* a shared file mapping at 1 GiB: hugetlbfs */
		p->inf[INF_HUGETLB_GUESS]++;
	}
	if (huge)
		len = (len + PMD - 1) & ~(PMD - 1);
	s = ret;
	e = ret + len;
	if (e > USER_TOP)
		return;
	if (vma_overlaps(pr, s, e)) {
		/* MAP_FIXED over a mapping: do_mmap() unmaps it first */
		emit_range(p, TLBSIM_EV_UNMAP, pr, s, e);
		mirror_remove(pr, s, e);
		p->inf[INF_MAP_REPLACED]++;
	}
	emit_map(p, pr, s, e, huge);
	if (!huge && t->mmap_fd != 0xffffffff && !(t->mmap_flags & 0x20) &&
	    !(t->mmap_flags & 0x1)) {
		uint32_t i = vma_first_after(pr, s);

		if (i < pr->nv && pr->v[i].start == s)   /* MAP_PRIVATE of a file */
			pr->v[i].file = true;
	}
}

static void clip_range(uint64_t a, uint64_t l, uint64_t *s, uint64_t *e)
{
	*s = a & ~(PAGE - 1);
	*e = (a + l + PAGE - 1) & ~(PAGE - 1);
	if (*e > USER_TOP)
		*e = USER_TOP;
}

static void on_munmap(struct perf_recon *p, const struct perf_rec *r)
{
	struct proc *pr = proc_get(p, r->pid);
	uint64_t a, l, s, e;

	if (!pr || !perf_field_u64(r->text, "addr", &a) ||
	    !perf_field_u64(r->text, "len", &l) || !l)
		return;
	clip_range(a, l, &s, &e);
	if (s >= e || !vma_overlaps(pr, s, e))
		return; /* nothing mapped there as far as the capture shows */
	emit_range(p, TLBSIM_EV_UNMAP, pr, s, e);
	mirror_remove(pr, s, e);
}

static void on_madvise(struct perf_recon *p, const struct perf_rec *r,
		       struct task *t)
{
	struct proc *pr = proc_get(p, r->pid);
	uint64_t a, l, b, s, e;

	if (!pr || !perf_field_u64(r->text, "start", &a) ||
	    !perf_field_u64(r->text, "len_in", &l) ||
	    !perf_field_u64(r->text, "behavior", &b) || !l)
		return;
	clip_range(a, l, &s, &e);
	if (b == 4 && vma_overlaps(pr, s, e)) {          /* MADV_DONTNEED */
		emit_range(p, TLBSIM_EV_ZAP, pr, s, e);
	} else if (b == 14) {                             /* MADV_HUGEPAGE */
		p->hint_tgid = pr->tgid;
		p->hint_start = s;
		p->hint_end = e;
	} else if (b == 25) {                             /* MADV_COLLAPSE */
		t->col_start = (s + PMD - 1) & ~(PMD - 1);
		t->col_end = e & ~(PMD - 1);
	}
}

/* huge_memory:mm_collapse_huge_page: the next chunk of the MADV_COLLAPSE
 * range of this task was collapsed. */
static int32_t mmptr_lookup(struct perf_recon *p, const char *ptr)
{
	for (uint32_t i = 0; i < p->nmmptr; i++)
		if (!strcmp(p->mmptr[i], ptr))
			return p->mmptr_tgid[i];
	return 0;
}

static void mmptr_learn(struct perf_recon *p, const char *ptr, int32_t tgid)
{
	uint32_t i = p->nmmptr < 8 ? p->nmmptr++ : (uint32_t)(tgid % 8);

	if (!ptr[0] || mmptr_lookup(p, ptr) == tgid)
		return;
	snprintf(p->mmptr[i], sizeof(p->mmptr[0]), "%s", ptr);
	p->mmptr_tgid[i] = tgid;
}

/* The first 2 MiB chunk of [*start, end) that can be collapsed (mapped,
 * not hugetlb, PTE table present): emit its collapse, move *start past. */
static bool collapse_next(struct perf_recon *p, struct proc *pr, uint64_t *start,
			  uint64_t end, uint32_t cpu)
{
	struct tlbsim_trace_event *ev;

	while (*start < end) {
		uint64_t c = *start;
		const struct vma_m *v = vma_at(pr, c);

		*start += PMD;
		if (!v || v->huge || v->start > c || v->end < c + PMD ||
		    !chunk_touched(pr, c))
			continue;
		ev = emit(p, TLBSIM_EV_COLLAPSE, cpu);
		if (ev) {
			ev->mm = (uint32_t)pr->tgid;
			ev->addr = c;
		}
		for (uint32_t i = 0; i < pr->nchunks; i++)
			if (pr->chunks[i] == c)
				pr->chunks[i] = pr->chunks[--pr->nchunks];
		return true;
	}
	return false;
}

/*
 * huge_memory:mm_collapse_huge_page (collapse_huge_page() succeeded). From
 * MADV_COLLAPSE, the task's madvise range says where; from khugepaged, the
 * mm is a kernel pointer: learned from earlier collapses, else the last
 * MADV_HUGEPAGE range is taken (an inference).
 */
static void on_collapse(struct perf_recon *p, const struct perf_rec *r)
{
	struct task *t = task_get(p, r->tid);
	char status[32] = "", ptr[24] = "";
	struct proc *pr;
	int32_t tgid;

	perf_field(r->text, "status", status, sizeof(status), false);
	perf_field(r->text, "mm", ptr, sizeof(ptr), false);
	if (strcmp(status, "succeeded") || !t)
		return;
	if (!is_kthread(r->comm, r->pid)) {
		pr = proc_get(p, r->pid);
		if (pr && collapse_next(p, pr, &t->col_start, t->col_end, r->cpu))
			mmptr_learn(p, ptr, pr->tgid);
		return;
	}
	tgid = mmptr_lookup(p, ptr);
	if (!tgid)
		tgid = p->hint_tgid;
	pr = tgid ? proc_get(p, tgid) : NULL;
	if (!pr || !pr->live)
		return;
	if (tgid == p->hint_tgid) {
		uint64_t start = p->hint_start & ~(PMD - 1);

		if (collapse_next(p, pr, &start, p->hint_end, r->cpu)) {
			p->inf[INF_KHUGEPAGED_MM]++;
			mmptr_learn(p, ptr, tgid);
		}
	}
}

static void on_mprotect(struct perf_recon *p, const struct perf_rec *r)
{
	struct proc *pr = proc_get(p, r->pid);
	uint64_t a, l, s, e;

	if (!pr || !perf_field_u64(r->text, "start", &a) ||
	    !perf_field_u64(r->text, "len", &l) || !l)
		return;
	clip_range(a, l, &s, &e);
	if (s < e && vma_overlaps(pr, s, e))
		emit_range(p, TLBSIM_EV_PROTECT, pr, s, e);
}

/* @pr copied @page: its children sharing it with @pr alone now own their
 * original alone (their next write reuses it). */
static void cow_copied(struct perf_recon *p, const struct proc *pr, uint64_t page)
{
	for (uint32_t i = 0; i < p->nprocs; i++) {
		struct proc *q = &p->procs[i];

		if (q != pr && !q->exited && q->cow_peers == 1 && q->parent == pr->tgid)
			pageset_add(&q->cow_done, page);
	}
}

/*
 * A write to a present page (error code P|W): do_wp_page() copies it, and
 * wp_page_copy() -> ptep_clear_flush() flushes the old PTE, unless the
 * page is an anonymous one ours alone, which it reuses without a flush.
 * Copied: the zero page or a page-cache page mapped by a read fault; a page
 * of a private file mapping that fault-around mapped (filemap_map_pages)
 * and we never wrote; a page shared copy-on-write with a live parent or
 * child. Reused: a page a child's parent already copied (the child's is
 * back to one reference: wp_can_reuse_anon_folio()), and anything else
 * present, which is ours from before (written before the capture began).
 * Only the parent's copy is tracked: crediting the parent with its
 * child's copies lost fork_exit's exact flush IPIs.
 */
static bool write_copies(struct perf_recon *p, struct proc *pr,
			 const struct vma_m *v, uint64_t page)
{
	if (pageset_take(&pr->rd, page))
		return true;
	if (pr->cow_peers) {
		if (pageset_take(&pr->cow_done, page))
			return false;
		cow_copied(p, pr, page);
		return true;
	}
	return v && v->file && !pageset_has(&pr->wr, page);
}

static void on_fault(struct perf_recon *p, const struct perf_rec *r)
{
	struct proc *pr = proc_get(p, r->pid);
	uint64_t a, err = 0, page;
	struct tlbsim_trace_event *ev;
	const struct vma_m *v;

	if (!pr || !perf_field_u64(r->text, "address", &a) || a >= USER_TOP)
		return;
	perf_field_u64(r->text, "error_code", &err);
	page = a & ~(PAGE - 1);
	/* a region mapped before the capture began (or by an mmap the capture
	 * does not show): infer its 2 MiB around the fault, so that it stays
	 * one VMA as a real mapping would (collapse needs that) */
	if (!vma_at(pr, page))
		ensure_mapped(p, pr, page & ~(PMD - 1), (page & ~(PMD - 1)) + PMD);
	v = vma_at(pr, page);
	if (v)
		maybe_share(p, pr, v, page);
	ev = emit(p, TLBSIM_EV_TOUCH, r->cpu);
	if (!ev)
		return;
	ev->mm = (uint32_t)pr->tgid;
	ev->addr = page;
	ev->len = PAGE;
	if (v && !v->huge)
		chunk_touch(pr, page);
	if (!(err & 2))
		pageset_add(&pr->rd, page);
	if ((err & 3) == 3 && write_copies(p, pr, v, page)) {
		ev = emit(p, TLBSIM_EV_FLUSH, r->cpu);
		if (!ev)
			return;
		ev->mm = (uint32_t)pr->tgid;
		ev->start = page;
		ev->end = page + PAGE;
		ev->stride = 12;
		p->inf[INF_COW_FLUSH]++;
	}
	if (err & 2)
		pageset_add(&pr->wr, page);
}

static void emit_exit(struct perf_recon *p, struct proc *pr, uint32_t cpu)
{
	struct tlbsim_trace_event *ev;

	if (!pr->live)
		return;
	ev = emit(p, TLBSIM_EV_EXIT, cpu);
	if (ev)
		ev->mm = (uint32_t)pr->tgid;
	pr->live = false;
	pr->exited = true;
	/* its memory goes with it: a capture of thousands of processes must
	 * not keep the mirrors of the dead (memory follows the machine) */
	proc_release(pr);
	/* its COW peers own their pages alone now */
	for (uint32_t i = 0; i < p->nprocs; i++) {
		struct proc *q = &p->procs[i];

		if ((q->tgid == pr->parent || q->parent == pr->tgid) && q->cow_peers)
			q->cow_peers--;
	}
	pr->cow_peers = 0;
	for (unsigned c = 0; c < p->cpus; c++)
		if (p->cur[c] == pr->tgid)
			p->cur[c] = 0; /* the exiting CPU runs it lazily now */
}

static void on_fork(struct perf_recon *p, const struct perf_rec *r)
{
	uint64_t child;
	struct proc *parent = proc_get(p, r->pid), *pc;
	struct task *t;
	struct tlbsim_trace_event *ev;

	if (!parent || !perf_field_u64(r->text, "child_pid", &child))
		return;
	if (child > INT32_MAX || (int32_t)child == r->pid || (int32_t)child == r->tid)
		return;   /* a task cannot be its own child: a corrupt record */
	t = task_get(p, (int32_t)child);
	if (!t)
		return;
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
	pc = proc_get(p, (int32_t)child);
	if (!pc || is_kthread(r->comm, r->pid))
		return;
	pc->exited = false;
	pc->parent = r->pid;
	parent = proc_get(p, r->pid);
	/* dup_mmap(): parent and child share every private page copy-on-write,
	 * the mappings the capture knows of or not (a parent that existed
	 * before the capture has pages it never showed) */
	pc->cow_peers = 1;
	parent->cow_peers++;
	for (uint32_t i = 0, n = parent->nv; i < n && i < parent->nv; i++) {
		emit_map(p, pc, parent->v[i].start, parent->v[i].end,
			 parent->v[i].huge);
		p->inf[INF_FORK_VMAS]++;
		parent = proc_get(p, r->pid);
	}
	if (parent->live && parent->nv) {
		/* write-protecting the parent's private pages ends in
		 * flush_tlb_mm(parent) */
		ev = emit(p, TLBSIM_EV_FLUSH, r->cpu);
		if (ev) {
			ev->mm = (uint32_t)r->pid;
			ev->end = TLBSIM_END_ALL;
			ev->stride = 12;
			ev->freed_tables = true; /* flush_tlb_mm() */
		}
		p->inf[INF_FORK_FLUSH]++;
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

static void on_exec(struct perf_recon *p, const struct perf_rec *r)
{
	struct proc *pr = proc_get(p, r->pid);
	struct tlbsim_trace_event *ev;

	if (!pr || !pr->live)
		return;
	/* exec_mmap(): the task moves to a new mm, the old one is torn down;
	 * the task itself goes on, in the new mm */
	emit_exit(p, pr, r->cpu);
	pr->exited = false;
	p->inf[INF_EXEC_EXIT]++;
	p->cur[r->cpu] = 0;
	ev = emit(p, TLBSIM_EV_SWITCH, r->cpu);
	if (!ev)
		return;
	ev->mm = (uint32_t)pr->tgid;
	p->cur[r->cpu] = pr->tgid;
	pr->live = true;
	/* setup_arg_pages() -> relocate_vma_down(): the argument page moves
	 * down (move_page_tables(), a one-page range flush) and the page
	 * tables left behind are freed (free_pgd_range() in an mmu_gather:
	 * freed_tables, the whole TLB). The capture shows both local flushes
	 * before sched_process_exec on 435 of 449 execs of a build. */
	emit_flush(p, pr, r->cpu, USER_TOP - 2 * PAGE, USER_TOP - PAGE, false);
	emit_flush(p, pr, r->cpu, 0, TLBSIM_END_ALL, true);
	p->inf[INF_EXEC_STACK]++;
}

static void on_exit(struct perf_recon *p, const struct perf_rec *r)
{
	char dead[16] = "";
	uint64_t pid;
	struct proc *pr;

	if (!perf_field_u64(r->text, "pid", &pid))
		return;
	/* group_dead=true marks the last thread (kernels >= 6.x print it);
	 * without it, the main thread's exit stands for the group */
	if (perf_field(r->text, "group_dead", dead, sizeof(dead), false) ?
	    strcmp(dead, "true") != 0 : (int32_t)pid != r->pid)
		return;
	pr = proc_get(p, r->pid);
	if (pr)
		emit_exit(p, pr, r->cpu);
}

static void observe(struct perf_recon *p, const struct perf_rec *r,
		    const char *what)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_OBSERVED, r->cpu);
	int64_t v;
	char s[40];

	if (!ev)
		return;
	snprintf(ev->what, sizeof(ev->what), "%s", what);
	if (perf_field_i64(r->text, "pages", &v))
		ev->pages = v;
	if (!strcmp(what, "tlb_flush")) {
		const char *open = strrchr(r->text, '(');

		ev->reason = open ? strtoll(open + 1, NULL, 10) : -1;
	}
	if (perf_field_i64(r->text, "cpu", &v) && v >= 0 && v < (int64_t)p->cpus)
		ev->target = (int32_t)v;
	if (perf_field(r->text, "func", s, sizeof(s), false))
		snprintf(ev->func, sizeof(ev->func), "%s", s);
}

int perf_recon_feed(struct perf_recon *p, const struct perf_rec *r,
		    struct tlbsim_diag *diag)
{
	const char *ev = r->event;
	struct task *t;
	bool used = true;

	(void)diag;
	if (!p->have_t0) {
		p->t0 = r->t_ns;
		p->have_t0 = true;
	}
	p->rec = r;
	if (r->cpu >= p->cpus)
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "cpu %u appears after the "
				       "capture's first records, which showed %u CPUs: give "
				       "the capture host's topology with --topology xml:FILE "
				       "(traces/capture.sh saves it)", r->cpu, p->cpus);
	t = task_get(p, r->tid);
	if (t && r->pid > 0)
		t->tgid = r->pid;
	/* The record's task runs on its CPU (for sched_switch: the prev task).
	 * Not for the task-switch tlb_flush: switch_mm_irqs_off() traces it
	 * before `current` changes, so it still names the previous task. */
	if (strcmp(ev, "sched:sched_process_fork") &&
	    !(!strcmp(ev, "tlb:tlb_flush") && strstr(r->text, "(0)")))
		ensure_running(p, r);
	if (!strcmp(ev, "sched:sched_switch"))
		on_sched_switch(p, r);
	else if (!strcmp(ev, "syscalls:sys_enter_mmap") && t) {
		t->in_mmap = perf_field_u64(r->text, "len", &t->mmap_len);
		perf_field_u64(r->text, "flags", &t->mmap_flags);
		perf_field_u64(r->text, "fd", &t->mmap_fd);
	} else if (!strcmp(ev, "syscalls:sys_exit_mmap") && t)
		on_mmap_exit(p, r, t);
	else if (!strcmp(ev, "syscalls:sys_enter_munmap"))
		on_munmap(p, r);
	else if (!strcmp(ev, "syscalls:sys_enter_madvise") && t)
		on_madvise(p, r, t);
	else if (!strcmp(ev, "syscalls:sys_enter_mprotect"))
		on_mprotect(p, r);
	else if (!strcmp(ev, "exceptions:page_fault_user"))
		on_fault(p, r);
	else if (!strcmp(ev, "huge_memory:mm_collapse_huge_page"))
		on_collapse(p, r);
	else if (!strcmp(ev, "sched:sched_process_fork"))
		on_fork(p, r);
	else if (!strcmp(ev, "sched:sched_process_exec"))
		on_exec(p, r);
	else if (!strcmp(ev, "sched:sched_process_exit"))
		on_exit(p, r);
	else if (!strcmp(ev, "tlb:tlb_flush"))
		observe(p, r, "tlb_flush");
	else if (!strcmp(ev, "csd:csd_queue_cpu"))
		observe(p, r, "csd_queue_cpu");
	else
		used = false;
	count_name(p, ev, used);
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
	if (!p->cur) {
		free(p);
		return TLBSIM_ENOMEM;
	}
	*out = p;
	return 0;
}

void perf_recon_set_peek(struct perf_recon *p, int32_t (*peek)(void *, int32_t),
			 void *ctx)
{
	p->peek_tgid = peek;
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
