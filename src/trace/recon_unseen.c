/*
 * recon_unseen.c - tasks the capture holds no record of but the switches
 * to them, and their flushes, which it shows only where their IPIs land:
 * read as a thread pool's process (unseen_pool()) and its flushes
 * (unseen_flush(), "unseen" in the native trace), made where the capture
 * shows the pool's task, or in an idle CPU whose switch to it was lost.
 */
#include <stdio.h>
#include <string.h>

#include "trace/perf.h"
#include "trace/recon.h"

/*
 * A task switched to that no record read so far or ahead names the thread
 * group of: its tid is taken as its tgid, unless a task of the same comm
 * was taken so before: then it is one more thread of that one. Every
 * capture host runs a daemon whose threads perf records nothing of but
 * the switches to them (tokio-rt-worker: 68 and 75 in hugetlb_unshare,
 * 72, 73 and 79 in an Intel xz capture), a thread pool in one mm.
 */
int32_t unseen_pool(struct perf_recon *p, const char *comm, int32_t tid)
{
	uint32_t i;

	p->inf[INF_TGID_FROM_TID]++;
	for (i = 0; i < p->nunseen; i++)
		if (!strncmp(p->unseen_comm[i], comm, sizeof(p->unseen_comm[i])))
			return p->unseen_tgid[i];
	if (!comm[0] || p->nunseen == sizeof(p->unseen_tgid) / sizeof(p->unseen_tgid[0]))
		return tid;
	snprintf(p->unseen_comm[p->nunseen], sizeof(p->unseen_comm[0]), "%s", comm);
	p->unseen_tgid[p->nunseen++] = tid;
	return tid;
}

/*
 * A flush IPI's handler that no csd_queue_cpu of the capture sent: a task
 * the capture records nothing of flushed its mm, one of an unseen pool
 * (unseen_pool()) running on another CPU. The IPI reached a CPU whose bit
 * that mm's cpumask held: a flush that frees page tables sends there
 * whatever it runs (should_flush_tlb() is not asked), so the flush is
 * taken as one (the mm, all of it). The handler is the kernel's record,
 * read as evidence that the flush ran (an input); what it does on each
 * CPU, and the tlb_gen it leaves the mm at, are the model's. The flush's
 * own records (its local flush, the send, the IPIs) were lost with the
 * task's: "unseen". hugetlb_unshare: a tokio-rt-worker's flush reached
 * the workload's CPU (wrong CPU) and left that CPU's ASID of the pool's
 * mm behind: its next switch there flushed.
 */
static bool is_pool(const struct perf_recon *p, int32_t tgid)
{
	for (uint32_t i = 0; tgid && i < p->nunseen; i++)
		if (p->unseen_tgid[i] == tgid)
			return true;
	return false;
}

static void emit_unseen_flush(struct perf_recon *p, uint32_t cpu, int32_t tgid)
{
	struct tlbsim_trace_event *ev = emit(p, TLBSIM_EV_FLUSH, cpu);

	if (!ev)
		return;
	ev->mm = (uint32_t)tgid;
	ev->start = 0;
	ev->end = TLBSIM_END_ALL;
	ev->stride = 12;
	ev->freed_tables = true;
	ev->unseen = true;
	p->inf[INF_UNSEEN_FLUSH]++;
}

void unseen_flush(struct perf_recon *p, const struct perf_rec *r)
{
	struct tlbsim_trace_event *ev;
	uint32_t idle = p->cpus;

	for (uint32_t c = 0; c < p->cpus; c++) {
		if (c != r->cpu && is_pool(p, p->cur[c])) {
			emit_unseen_flush(p, c, p->cur[c]);
			return;
		}
		if (c != r->cpu && !p->cur[c] && p->ipi[c].idle)
			idle = idle == p->cpus ? c : p->cpus + 1;
	}
	/* None runs one: with one pool, and one other CPU in its idle task
	 * as far as the capture shows, the pool's task ran there, its switch
	 * from idle lost with the idle task's records (the capture hosts'
	 * CPU 1; an Intel tar capture), and back to idle after */
	if (p->nunseen != 1 || idle >= p->cpus ||
	    !(ev = emit(p, TLBSIM_EV_SWITCH, idle)))
		return;
	ev->mm = (uint32_t)p->unseen_tgid[0];
	ev->unseen = true;
	emit_unseen_flush(p, idle, p->unseen_tgid[0]);
	if ((ev = emit(p, TLBSIM_EV_SWITCH, idle)))
		ev->idle = true;
}
