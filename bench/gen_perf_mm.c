/*
 * gen_perf_mm.c - what a generated task does to its address space: faults,
 * mmap and munmap of 2 MiB slots, zaps, mprotects, brk, THP collapses and
 * the shared hugetlbfs GiB, with the flushes the kernel makes for them
 * (gen_perf.c says what the capture holds).
 */
#include <inttypes.h>

#include "gen_perf.h"

/* ---------------------------------------------------------- flushes */

/* The flush of @t's mm that a syscall or a fault makes: the local one,
 * and for every other CPU running a thread of the mm the IPI and the
 * remote shootdown in its interrupt (flush_tlb_mm_range(): the send is
 * traced first, the targets' side after the local flush). */
void flush(struct pgen *g, unsigned cpu, const struct ptask *t, long pages)
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
void do_touch(struct pgen *g, unsigned cpu, const struct ptask *t)
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

void do_zap(struct pgen *g, unsigned cpu, const struct ptask *t)
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

void do_unmap(struct pgen *g, unsigned cpu, const struct ptask *t)
{
	unsigned slot = pick(g, SLOTS);

	if (!(proc_of(g, t)->mapped & 1u << slot))
		return do_touch(g, cpu, t);
	unmap_slot(g, cpu, t, slot);
}

/* mprotect() of part of a slot, read-only and back */
void do_protect(struct pgen *g, unsigned cpu, const struct ptask *t)
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
void do_brk(struct pgen *g, unsigned cpu, const struct ptask *t)
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
void do_collapse(struct pgen *g, unsigned cpu, const struct ptask *t)
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
void do_huge(struct pgen *g, unsigned cpu, const struct ptask *t)
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
