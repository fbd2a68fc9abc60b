/*
 * recon_remap.c - mremap() in a capture: sys_enter_mremap's arguments and
 * the address sys_exit_mremap returns, turned into model inputs. In place
 * it is an munmap of the tail (shrink) or a longer mapping (grow); moved,
 * it is a `remap` of each 2 MiB extent, as move_page_tables() walks them,
 * then the new mapping's tail. glibc's realloc() of a large block is an
 * mremap: a sqlite capture moved its page cache four times, each move a
 * flush per extent with present pages, waking the lazy CPU.
 */
#include <string.h>

#include "trace/recon.h"

#define MREMAP_DONTUNMAP 4ULL

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

/* The next 2 MiB boundary above @a. */
static uint64_t pmd_next(uint64_t a)
{
	return (a & ~(PMD - 1)) + PMD;
}

/* What the capture knew of the pages of [s, s + len) goes with them to
 * @to: written, read-only, copied since a fork; a PTE table exists where
 * one went. */
static void move_pages(struct proc *pr, uint64_t s, uint64_t len, uint64_t to)
{
	for (uint64_t o = 0; o < len; o += PAGE) {
		bool rd = pageset_take(&pr->rd, s + o);
		bool wr = pageset_take(&pr->wr, s + o);
		bool cow = pageset_take(&pr->cow_done, s + o);
		bool dirty = pageset_take(&pr->dirty, s + o);

		if (rd)
			pageset_add(&pr->rd, to + o);
		if (wr)
			pageset_add(&pr->wr, to + o);
		if (cow)
			pageset_add(&pr->cow_done, to + o);
		if (dirty)
			pageset_add(&pr->dirty, to + o);
		if (rd || wr)
			chunk_touch(pr, to + o);
	}
}

/*
 * move_vma(): [s, s + len) moves to @to. move_page_tables() goes a 2 MiB
 * extent at a time, cut where either side crosses a PMD boundary, and
 * move_ptes() flushes each extent whose entries it moved
 * (flush_tlb_range()): one `remap` per extent. The capture's sqlite
 * mremap of 129 pages from 0x...d90000 flushed twice, 112 pages (a full
 * flush) and 17, at the boundary 0x...e00000.
 */
static void emit_moves(struct perf_recon *p, struct proc *pr, uint64_t s,
		       uint64_t len, uint64_t to)
{
	for (uint64_t o = s, end = s + len; o < end;) {
		uint64_t d = to + (o - s), n = pmd_next(o) - o;
		struct tlbsim_trace_event *ev;

		if (pmd_next(d) - d < n)
			n = pmd_next(d) - d;
		if (end - o < n)
			n = end - o;
		if (!(ev = emit(p, TLBSIM_EV_REMAP, p->rec->cpu)))
			return;
		ev->mm = (uint32_t)pr->tgid;
		ev->addr = o;
		ev->len = n;
		ev->start = d;
		o += n;
	}
}

/* The mapping moved to @to, @nl bytes long now. */
static void moved(struct perf_recon *p, struct proc *pr, const struct task *t,
		  uint64_t to, uint64_t ol, uint64_t nl)
{
	uint64_t a = t->mremap_addr, mlen = ol < nl ? ol : nl;
	const struct vma_m *v = vma_at(pr, a);
	struct vma_m keep = v ? *v : (struct vma_m){ 0 };
	struct vma_m *w;
	bool huge = v && v->huge;

	if (huge || (to < a + ol && a < to + nl)) {
		/* a hugetlb mapping moved: not modeled as a move; its pages
		 * are gone from the old place and not yet at the new one. So
		 * too where the two ranges overlap, which mremap() refuses
		 * (EINVAL): the capture lost what moved the mapping before
		 * (perf drops records under load) */
		emit_range(p, TLBSIM_EV_UNMAP, pr, a, a + ol);
		mirror_remove(pr, a, a + ol);
		if (vma_overlaps(pr, to, to + nl)) {
			emit_range(p, TLBSIM_EV_UNMAP, pr, to, to + nl);
			mirror_remove(pr, to, to + nl);
		}
		emit_map(p, pr, to, to + nl, huge);
		return;
	}
	if (ol > nl) {   /* shrunk first, then moved */
		emit_range(p, TLBSIM_EV_UNMAP, pr, a + nl, a + ol);
		mirror_remove(pr, a + nl, a + ol);
	}
	if (vma_overlaps(pr, to, to + nl)) {
		/* MREMAP_FIXED over a mapping: it is unmapped first */
		emit_range(p, TLBSIM_EV_UNMAP, pr, to, to + nl);
		mirror_remove(pr, to, to + nl);
		p->inf[INF_MAP_REPLACED]++;
	}
	if (vma_overlaps(pr, a, a + mlen))
		emit_moves(p, pr, a, mlen, to);
	else                /* nothing the capture knew of: a new mapping */
		emit_map(p, pr, to, to + mlen, false);
	move_pages(pr, a, mlen, to);
	mirror_remove(pr, a, a + mlen);
	mirror_add(pr, to, to + mlen, false);
	if ((w = vma_at_mut(pr, to))) {
		w->file = keep.file;
		w->kwrite = keep.kwrite;
		w->shared = keep.shared;
	}
	if (nl > ol)
		emit_map(p, pr, to + ol, to + nl, false);
	if (t->mremap_flags & MREMAP_DONTUNMAP)   /* the old VMA stays, empty */
		emit_map(p, pr, a, a + ol, false);
}

/* The call returned @ret: what it did to the mappings. */
static void mremap_done(struct perf_recon *p, struct proc *pr,
			const struct task *t, uint64_t ret)
{
	uint64_t a = t->mremap_addr, ol = page_up(t->mremap_old),
		 nl = page_up(t->mremap_new);

	if (ret >= (uint64_t)-4095 || ret % PAGE || ret >= USER_TOP ||
	    a % PAGE || a >= USER_TOP || !nl || ol > USER_TOP - a ||
	    nl > USER_TOP - ret)
		return;   /* failed: nothing changed */
	if (!ol) {
		/* old_len 0: a second mapping of a shared one */
		if (!vma_overlaps(pr, ret, ret + nl))
			emit_map(p, pr, ret, ret + nl, false);
		return;
	}
	if (ret != a) {
		moved(p, pr, t, ret, ol, nl);
		return;
	}
	if (nl < ol) {   /* shrunk in place: the tail is unmapped */
		emit_range(p, TLBSIM_EV_UNMAP, pr, a + nl, a + ol);
		mirror_remove(pr, a + nl, a + ol);
	} else if (nl > ol) {   /* grown in place: the VMA is longer */
		fill_holes(p, pr, a + ol, a + nl, false);
	}
}

/*
 * sys_enter_mremap: the arguments. The call is applied here, where an
 * munmap would be, when the reader's window already holds its
 * sys_exit_mremap (the new address); else at that record.
 */
void on_mremap_enter(struct perf_recon *p, const struct perf_rec *r,
		     struct task *t)
{
	const struct perf_rec *n = NULL;
	struct proc *pr;
	uint64_t ret;

	t->in_mremap = need_num(p, r, "addr", &t->mremap_addr) &&
		       need_num(p, r, "old_len", &t->mremap_old) &&
		       need_num(p, r, "new_len", &t->mremap_new) &&
		       need_num(p, r, "flags", &t->mremap_flags);
	if (!t->in_mremap || !p->peek_next)
		return;
	while ((n = p->peek_next(p->peek_ctx, t->tid, n)) &&
	       strcmp(n->event, "syscalls:sys_exit_mremap"))
		if (!strncmp(n->event, "syscalls:sys_enter_", 19))
			return;   /* its exit was lost */
	if (!n || !perf_ret(n->text, &ret) || !(pr = proc_get(p, r->pid)))
		return;
	t->in_mremap = false;
	mremap_done(p, pr, t, ret);
}

/* sys_exit_mremap: the call's result, unless applied at its entry. */
void on_mremap_exit(struct perf_recon *p, const struct perf_rec *r,
		    struct task *t)
{
	struct proc *pr;
	uint64_t ret;

	if (!perf_ret(r->text, &ret)) {
		field_bad(p, "ret", r->text, "the return value, 0x and 1 to 16 hex digits");
		return;
	}
	if (!t->in_mremap || !(pr = proc_get(p, r->pid)))
		return;
	t->in_mremap = false;
	mremap_done(p, pr, t, ret);
}
