/*
 * recon_mm.c - address-space records of a perf capture as model inputs:
 * mmap (and MAP_FIXED replacing), munmap, madvise (DONTNEED zaps,
 * COLLAPSE and HUGEPAGE for collapses), mprotect, THP collapses. Regions
 * the capture never shows being mapped are inferred at their first fault
 * (recon_fault.c: page faults and the copy-on-write flushes they imply).
 */
#include <stdlib.h>
#include <string.h>

#include "trace/recon.h"

/* mmap()'s arguments as the captured x86-64 kernel defines them
 * (include/uapi/asm-generic/mman-common.h, mman.h), not this host's. */
#define CAP_PROT_READ      0x1
#define CAP_PROT_WRITE     0x2
#define CAP_MAP_SHARED     0x1
#define CAP_MAP_PRIVATE    0x2
#define CAP_MAP_ANONYMOUS  0x20
#define CAP_MAP_NORESERVE  0x4000
#define CAP_MAP_POPULATE   0x8000
#define CAP_MAP_STACK      0x20000
#define CAP_MAP_HUGETLB    0x40000
#define CAP_NO_FD          0xffffffffu /* fd -1, as the syscall tracepoint prints it */

/*
 * huge_pmd_share(): a fault in a shared hugetlb mapping covering a whole
 * GiB reuses the PMD table of another mm that maps the same range (the
 * same file at the same offset: here, the same addresses, as after fork).
 */
void maybe_share(struct perf_recon *p, struct proc *pr,
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

struct tlbsim_trace_event *emit_map(struct perf_recon *p, struct proc *pr,
				    uint64_t s, uint64_t e, bool huge)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_MAP, p->rec->cpu);

	if (!ev)
		return NULL;
	ev->mm = (uint32_t)pr->tgid;
	ev->addr = s;
	ev->len = e - s;
	ev->hugetlb = huge;
	mirror_add(pr, s, e, huge);
	pr->live = true;
	return ev;
}

void map_shared(struct proc *pr, struct tlbsim_trace_event *ev, uint64_t s)
{
	struct vma_m *v = vma_at_mut(pr, s);

	if (!ev || !v || ev->hugetlb)
		return;
	ev->shared = true;
	v->shared = true;
}

void emit_range(struct perf_recon *p, enum tlbsim_ev_kind k,
		struct proc *pr, uint64_t s, uint64_t e)
{
	struct tlbsim_trace_event *ev = emit(p, k, p->rec->cpu);

	if (!ev)
		return;
	ev->mm = (uint32_t)pr->tgid;
	ev->addr = s;
	ev->len = e - s;
}

/* Does @t block at once, before its next record? Its next record is the
 * switch away from it in state D (prev_state=D): a vfork parent (on_fork),
 * a munmap (mmap_write_lock)
 * or madvise (mmap_read_lock) waiting for the mmap_lock that another
 * thread holds, e.g. across MADV_COLLAPSE. Its page tables change, and its
 * flush is sent, only when it has the lock: after it runs again. */
bool blocks_at_once(const struct perf_recon *p, const struct task *t)
{
	const struct perf_rec *n;

	if (!p->peek_next || !(n = p->peek_next(p->peek_ctx, t->tid, NULL)))
		return false;
	/* a wake-up it sends first (vfork's child, on another CPU) */
	while (!strcmp(n->event, "ipi:ipi_send_cpu"))
		if (!(n = p->peek_next(p->peek_ctx, t->tid, n)))
			return false;
	return !strcmp(n->event, "sched:sched_switch") && strstr(n->text, "prev_state=D");
}

/* emit_range(), or, when the task blocks on the mmap_lock first, the
 * operation held in the task until held_release(). */
static void emit_range_locked(struct perf_recon *p, enum tlbsim_ev_kind k,
			      struct proc *pr, uint64_t s, uint64_t e,
			      struct task *t)
{
	if (!t || t->holding || !blocks_at_once(p, t)) {
		emit_range(p, k, pr, s, e);
		return;
	}
	memset(&t->held, 0, sizeof(t->held));
	t->held.kind = (uint16_t)k;
	t->held.mm = (uint32_t)pr->tgid;
	t->held.addr = s;
	t->held.len = e - s;
	t->holding = true;
	p->inf[INF_LOCK_WAIT]++;
}

void held_release(struct perf_recon *p, struct task *t, uint32_t cpu)
{
	struct tlbsim_trace_event *ev = emit(p, (enum tlbsim_ev_kind)t->held.kind, cpu);

	t->holding = false;
	if (!ev)
		return;
	ev->mm = t->held.mm;
	ev->addr = t->held.addr;
	ev->len = t->held.len;
}

/* The VMA at @a was made by no mmap record (brk_trim() reads it). */
void mark_inferred(struct proc *pr, uint64_t a)
{
	struct vma_m *v = vma_at_mut(pr, a);

	if (v)
		v->inferred = true;
}

/* Make [s, e) mapped in the mirror: maps for the holes, found VMA by VMA
 * (a fault in an unknown region asks for its whole 2 MiB); @inferred
 * marks them mapped before the capture, not by a record of it (a brk or
 * an mremap growing a mapping). */
uint32_t fill_holes(struct perf_recon *p, struct proc *pr, uint64_t s,
		    uint64_t e, bool inferred)
{
	uint32_t n = 0;

	for (uint64_t a = s; a < e;) {
		uint32_t i = vma_first_after(pr, a);
		uint64_t b = i < pr->nv && pr->v[i].start < e ? pr->v[i].start : e;

		if (b <= a) {          /* inside VMA i: skip it */
			a = pr->v[i].end;
			continue;
		}
		emit_map(p, pr, a, b, false);   /* the hole [a, b) */
		if (inferred)
			mark_inferred(pr, a);
		n++;
		a = b;
	}
	return n;
}

/* fill_holes(), the holes being regions the process mapped before the
 * capture began (an inference). */
void ensure_mapped(struct perf_recon *p, struct proc *pr, uint64_t s,
		   uint64_t e)
{
	p->inf[INF_MAP_BEFORE_CAPTURE] += fill_holes(p, pr, s, e, true);
}

/*
 * syscalls:sys_exit_brk (when the capture has it: traces/capture.sh
 * records it; the shipped recipe does not): the program break moved.
 * Down: brk() unmaps the heap's top like munmap (do_vmi_align_munmap(),
 * glibc's malloc trimming its arena: a git gc flushed 259 times so);
 * up: the heap mapping grows (do_brk_flags()). brk(0) only says where
 * the break is.
 */
void on_brk_exit(struct perf_recon *p, const struct perf_rec *r)
{
	uint64_t ret, old, now;
	struct proc *pr;

	if (!perf_ret(r->text, &ret)) {
		field_bad(p, "ret", r->text, "the return value, 0x and 1 to 16 hex digits");
		return;
	}
	pr = proc_get(p, r->pid);
	if (!pr || !ret || ret >= USER_TOP)
		return;
	old = (pr->brk + PAGE - 1) & ~(PAGE - 1);
	now = (ret + PAGE - 1) & ~(PAGE - 1);
	pr->brk = ret;
	if (!old || old == now)
		return;
	if (now < old) {
		if (vma_overlaps(pr, now, old)) {
			emit_range(p, TLBSIM_EV_UNMAP, pr, now, old);
			mirror_remove(pr, now, old);
		}
	} else {
		fill_holes(p, pr, old, now, false);
	}
}

/* A page of @pr the kernel wrote, not the task (no page_fault_user). */
static void kernel_touch(struct perf_recon *p, struct proc *pr, uint64_t s,
			 uint64_t e)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_TOUCH, p->rec->cpu);

	if (!ev)
		return;
	ev->mm = (uint32_t)pr->tgid;
	ev->addr = s;
	ev->len = e - s;
	for (uint64_t c = s & ~(PMD - 1); c < e; c += PMD)
		chunk_touch(pr, c);
	if (e - s == PAGE) {
		pageset_add(&pr->wr, s);
		pageset_add(&pr->dirty, s);
	}
}

/* What the new mapping [s, e) holds before the task touches it:
 * MAP_POPULATE faults every page in (__mm_populate(), no user fault
 * recorded); an anonymous private read-write mapping is marked, for its
 * munmap (on_munmap), unless it is a stack (MAP_STACK): a signal stack
 * (Rust's sigaltstack, 16 KiB after a PROT_NONE guard page) is written
 * only if a signal is taken on it, and a thread's stack by the thread
 * (its faults seen). Each rustc of a cargo build unmapped its untouched
 * sigaltstack at exit with no flush: 20 flushes the model made alone. */
static void mmap_populated(struct perf_recon *p, struct proc *pr,
			   const struct task *t, uint64_t s, uint64_t e)
{
	struct vma_m *v = vma_at_mut(pr, s);

	if (!v)
		return;
	if ((t->mmap_flags & CAP_MAP_POPULATE) &&
	    (t->mmap_prot & (CAP_PROT_READ | CAP_PROT_WRITE)) && e - s <= (1ULL << 30)) {
		kernel_touch(p, pr, s, e);   /* MAP_POPULATE */
		p->inf[INF_MAP_POPULATE]++;
		return;
	}
	v->kwrite = (t->mmap_flags & (CAP_MAP_ANONYMOUS | CAP_MAP_SHARED |
				      CAP_MAP_PRIVATE | CAP_MAP_NORESERVE |
				      CAP_MAP_STACK)) ==
		    (CAP_MAP_ANONYMOUS | CAP_MAP_PRIVATE) &&
		    (t->mmap_prot & (CAP_PROT_READ | CAP_PROT_WRITE)) ==
		    (CAP_PROT_READ | CAP_PROT_WRITE);
}

void on_mmap_exit(struct perf_recon *p, const struct perf_rec *r,
			 struct task *t)
{
	uint64_t ret, len, s, e;
	struct tlbsim_trace_event *ev;
	struct proc *pr;
	bool huge;

	if (!perf_ret(r->text, &ret)) {
		field_bad(p, "ret", r->text, "the return value, 0x and 1 to 16 hex digits");
		return;
	}
	pr = proc_get(p, r->pid);
	if (!t->in_mmap || !pr)
		return;
	t->in_mmap = false;
	if (ret >= (uint64_t)-4095 || ret % PAGE || ret >= USER_TOP)
		return; /* failed */
	len = (t->mmap_len + PAGE - 1) & ~(PAGE - 1);
	huge = (t->mmap_flags & CAP_MAP_HUGETLB) != 0;
	if (!huge && (t->mmap_flags & CAP_MAP_SHARED) && t->mmap_fd != CAP_NO_FD &&
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
	ev = emit_map(p, pr, s, e, huge);
	if (t->mmap_flags & CAP_MAP_SHARED)   /* a file's or shmem's */
		map_shared(pr, ev, s);
	if (!huge)
		mmap_populated(p, pr, t, s, e);
	if (!huge && t->mmap_fd != CAP_NO_FD &&
	    !(t->mmap_flags & (CAP_MAP_ANONYMOUS | CAP_MAP_SHARED))) {
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

/* The page range [*s, *e) a syscall record names by @akey (its start)
 * and @lkey (its length), clipped to user space; false when the length
 * is 0, or a field is missing or malformed (noted: field_bad()), or the
 * range runs past 2^64 (the call fails). */
static bool range_of(struct perf_recon *p, const struct perf_rec *r,
		     const char *akey, const char *lkey, uint64_t *s, uint64_t *e)
{
	uint64_t a, l;

	if (!need_num(p, r, akey, &a) || !need_num(p, r, lkey, &l))
		return false;
	/* past 2^64 the kernel fails the call (do_vmi_munmap(), do_madvise():
	 * EINVAL; do_mprotect_pkey(): ENOMEM): a program may make it, the
	 * capture is sound, nothing to model */
	if (!l || a + l < a)
		return false;
	clip_range(a, l, s, e);
	return true;
}

void on_munmap(struct perf_recon *p, const struct perf_rec *r, struct task *t)
{
	struct proc *pr;
	uint64_t s, e;

	if (!range_of(p, r, "addr", "len", &s, &e) || !(pr = proc_get(p, r->pid)))
		return;
	if (s >= e || !vma_overlaps(pr, s, e))
		return; /* nothing mapped there as far as the capture shows */
	/* An anonymous read-write buffer the task never faulted on, going
	 * away: every such munmap in a grep and a build capture flushed (a
	 * syscall, read() or the like, had filled it: the kernel's faults are
	 * not page_fault_user's), while the untouched reservations of JVM,
	 * V8 and glibc's arenas are PROT_NONE or MAP_NORESERVE. The first
	 * page is taken as written. */
	for (uint32_t i = vma_first_after(pr, s); i < pr->nv && pr->v[i].start < e; i++)
		if (pr->v[i].kwrite && !pr->v[i].huge) {
			uint64_t a = pr->v[i].start > s ? pr->v[i].start : s;

			pr->v[i].kwrite = false;
			kernel_touch(p, pr, a, a + PAGE);
			p->inf[INF_KERNEL_WRITE]++;
		}
	emit_range_locked(p, TLBSIM_EV_UNMAP, pr, s, e, t);
	mirror_remove(pr, s, e);
}

/* MADV_FREE fails (-EINVAL) on a range with a mapping that is not
 * anonymous: a private file mapping the capture saw made, or hugetlb. */
static bool lazyfree_refused(const struct proc *pr, uint64_t s, uint64_t e)
{
	for (uint32_t i = vma_first_after(pr, s); i < pr->nv && pr->v[i].start < e; i++)
		if (pr->v[i].file || pr->v[i].huge)
			return true;
	return false;
}

void on_madvise(struct perf_recon *p, const struct perf_rec *r,
		       struct task *t)
{
	struct proc *pr;
	uint64_t b, s, e;

	if (!range_of(p, r, "start", "len_in", &s, &e) ||
	    !need_num(p, r, "behavior", &b) || !(pr = proc_get(p, r->pid)))
		return;
	/* MADV_DONTNEED and MADV_DONTNEED_LOCKED. (MADV_REMOVE zaps too, but
	 * only shared file mappings, which the mirror does not tell apart:
	 * on a private one it fails.) */
	if ((b == 4 || b == 24) && vma_overlaps(pr, s, e)) {
		emit_range_locked(p, TLBSIM_EV_ZAP, pr, s, e, t);
		thp_forget(pr, s, e);
		pages_forget(&pr->faulted, s, e);
	} else if (b == 8 && vma_overlaps(pr, s, e) && !lazyfree_refused(pr, s, e)) {
		/* MADV_FREE (madvise_free_single_vma()): the present anonymous
		 * pages stay mapped, clean and old, in one mmu_gather whose
		 * flush covers them: a protect's effect. (It holds the
		 * mmap_lock for reading, a protect for writing.) A program
		 * freeing a buffer so 200 times, a thread of it spinning on the
		 * other CPU: 200 flush IPIs, 1 predicted before. */
		emit_range_locked(p, TLBSIM_EV_PROTECT, pr, s, e, t);
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
 * not hugetlb, PTE table present: touched, and not a THP already, which
 * collapse_huge_page() refuses (find_pmd_or_thp_or_none(): SCAN_PMD_MAPPED)
 * and only a capture that lost records can show): emit its collapse, move
 * *start past. */
static bool collapse_next(struct perf_recon *p, struct proc *pr, uint64_t *start,
			  uint64_t end, uint32_t cpu)
{
	struct tlbsim_trace_event *ev;

	while (*start < end) {
		uint64_t c = *start;
		const struct vma_m *v = vma_at(pr, c);

		*start += PMD;
		if (!v || v->huge || v->start > c || v->end < c + PMD ||
		    !chunk_touched(pr, c) || chunk_is_thp(pr, c))
			continue;
		ev = emit(p, TLBSIM_EV_COLLAPSE, cpu);
		if (ev) {
			ev->mm = (uint32_t)pr->tgid;
			ev->addr = c;
		}
		chunk_forget(pr, c);
		chunk_mark_thp(pr, c);
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
void on_collapse(struct perf_recon *p, const struct perf_rec *r)
{
	struct task *t = task_get(p, r->tid);
	char status[32] = "", ptr[24] = "";
	struct proc *pr;
	int32_t tgid;

	if (!need_str(p, r, "status", status, sizeof(status)) ||
	    !need_str(p, r, "mm", ptr, sizeof(ptr)) || strcmp(status, "succeeded") || !t)
		return;
	if (!is_kthread(r->comm, r->pid)) {
		pr = proc_get(p, r->pid);
		if (t->col_early && pr)   /* emitted at the isolate record */
			mmptr_learn(p, ptr, pr->tgid);
		else if (pr && collapse_next(p, pr, &t->col_start, t->col_end, r->cpu))
			mmptr_learn(p, ptr, pr->tgid);
		t->col_early = false;
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

/*
 * huge_memory:mm_collapse_huge_page_isolate, succeeded, in a task's
 * MADV_COLLAPSE: collapse_huge_page() flushed the PMD
 * (pmdp_collapse_flush) and synced (tlb_remove_table_sync_one) just before
 * it isolated the pages, and copies them for 300 us more before its final
 * tracepoint. Where the capture has this record, the collapse goes out
 * here, ~0.1 ms late instead of ~0.4 ms (thp_collapse).
 */
void on_isolate(struct perf_recon *p, const struct perf_rec *r, struct task *t)
{
	char status[32] = "";
	struct proc *pr;

	if (!need_str(p, r, "status", status, sizeof(status)) ||
	    strcmp(status, "succeeded") || is_kthread(r->comm, r->pid) ||
	    t->col_start >= t->col_end || !(pr = proc_get(p, r->pid)))
		return;
	if (collapse_next(p, pr, &t->col_start, t->col_end, r->cpu)) {
		t->col_early = true;
		p->inf[INF_COLLAPSE_AT_ISOLATE]++;
	}
}

void on_mprotect(struct perf_recon *p, const struct perf_rec *r, struct task *t)
{
	struct proc *pr;
	uint64_t s, e;

	if (!range_of(p, r, "start", "len", &s, &e) || !(pr = proc_get(p, r->pid)))
		return;
	if (s < e && vma_overlaps(pr, s, e))
		emit_range_locked(p, TLBSIM_EV_PROTECT, pr, s, e, t);
}
