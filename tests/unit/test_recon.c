/* test_recon.c - the perf reconstruction's memory: the entries of exited
 * processes and tasks are recycled RECYCLE_NS of capture time after their
 * exit, so that a capture of a build (hundreds of thousands of pids come
 * and go) holds what is alive, not every pid it ever saw. The events the
 * reconstruction emits: tests/scenario/test_perf.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "trace/perf.h"
#include "trace/recon.h"

struct feeder {
	struct perf_recon *p;
	uint64_t line;
};

/* One perf script line at @t_us microseconds after 1 s. */
static void feed(struct feeder *f, int32_t pid, unsigned cpu, uint64_t t_us,
		 const char *event, const char *text)
{
	char line[512];
	struct perf_rec r;
	struct tlbsim_diag d;
	struct tlbsim_trace_event ev;

	snprintf(line, sizeof(line), "wl %d/%d [%03u] %llu.%06llu: %s: %s", pid, pid,
		 cpu, (unsigned long long)(1 + t_us / 1000000),
		 (unsigned long long)(t_us % 1000000), event, text);
	assert_int_equal(perf_parse_line(line, strlen(line), ++f->line, "t", &r, &d), 0);
	if (perf_recon_feed(f->p, &r, &d))
		fail_msg("%s", d.msg);
	while (perf_recon_pop(f->p, &ev))
		;
}

/* Parent 100 forks child @c at @t_us, which faults, exits and is
 * switched away from (its last records). */
static void short_child(struct feeder *f, int32_t c, uint64_t t_us)
{
	char text[200];

	snprintf(text, sizeof(text), "comm=wl pid=100 child_comm=wl child_pid=%d", c);
	feed(f, 100, 0, t_us, "sched:sched_process_fork", text);
	feed(f, c, 1, t_us + 1, "exceptions:page_fault_user",
	     "address=0x7f0000000000 ip=0x1000 error_code=0x6");
	snprintf(text, sizeof(text), "comm=wl pid=%d prio=120 group_dead=true", c);
	feed(f, c, 1, t_us + 2, "sched:sched_process_exit", text);
	snprintf(text, sizeof(text), "prev_comm=wl prev_pid=%d prev_prio=120 "
		 "prev_state=X ==> next_comm=swapper/1 next_pid=0 next_prio=120", c);
	feed(f, c, 1, t_us + 3, "sched:sched_switch", text);
}

static void parent_faults(struct feeder *f, uint64_t t_us)
{
	feed(f, 100, 0, t_us, "exceptions:page_fault_user",
	     "address=0x7f0000001000 ip=0x1000 error_code=0x6");
}

static void entries(struct feeder *f, uint32_t procs, uint32_t tasks)
{
	uint32_t np, nt;

	perf_recon_entries(f->p, &np, &nt);
	assert_int_equal(np, procs);
	assert_int_equal(nt, tasks);
}

/* Three children die at 1.00001 s: their entries stay for a second of
 * capture time (a dying task's last records come later), then go. */
static void test_exited_recycled_after_horizon(void **state)
{
	struct feeder f = { NULL, 0 };

	(void)state;
	assert_int_equal(perf_recon_new(2, &f.p), 0);
	parent_faults(&f, 0);
	for (int32_t c = 200; c < 203; c++)
		short_child(&f, c, 10 + 10 * (uint64_t)(c - 200));
	entries(&f, 4, 4);
	parent_faults(&f, 900000);           /* 0.9 s later: still held */
	entries(&f, 4, 4);
	parent_faults(&f, 1000000 + 32);     /* a second after the last exit */
	entries(&f, 1, 1);
	perf_recon_free(f.p);
}

/* A pid back within the second (a fork reusing it) is alive again: its
 * old death does not recycle the new process. */
static void test_reused_pid_not_recycled(void **state)
{
	struct feeder f = { NULL, 0 };

	(void)state;
	assert_int_equal(perf_recon_new(2, &f.p), 0);
	parent_faults(&f, 0);
	short_child(&f, 200, 10);
	feed(&f, 100, 0, 500000, "sched:sched_process_fork",
	     "comm=wl pid=100 child_comm=wl child_pid=200");
	feed(&f, 200, 1, 500001, "exceptions:page_fault_user",
	     "address=0x7f0000000000 ip=0x1000 error_code=0x6");
	parent_faults(&f, 2000000);
	entries(&f, 2, 2);
	perf_recon_free(f.p);
}

/* 3000 children, every other one living on: the recycled ones leave
 * holes in the id maps' runs, and every live one must still be found
 * (deletion by backward shift, no tombstones). */
static void test_maps_find_survivors(void **state)
{
	struct feeder f = { NULL, 0 };
	char text[200];
	uint32_t np, nt;

	(void)state;
	assert_int_equal(perf_recon_new(2, &f.p), 0);
	parent_faults(&f, 0);
	for (int32_t c = 1000; c < 4000; c++) {
		uint64_t t = 10 + 10 * (uint64_t)(c - 1000);

		if (c % 2) {
			short_child(&f, c, t);
			continue;
		}
		snprintf(text, sizeof(text), "comm=wl pid=100 child_comm=wl child_pid=%d", c);
		feed(&f, 100, 0, t, "sched:sched_process_fork", text);
		feed(&f, c, 1, t + 1, "exceptions:page_fault_user",
		     "address=0x7f0000000000 ip=0x1000 error_code=0x6");
	}
	parent_faults(&f, 1100000);
	entries(&f, 1501, 1501);
	for (int32_t c = 1000; c < 4000; c++) {
		struct proc *pr = proc_find(f.p, c);
		struct task *t = task_find(f.p, c);

		if (c % 2) {
			assert_null(pr);
			assert_null(t);
			continue;
		}
		assert_non_null(pr);
		assert_int_equal(pr->tgid, c);
		assert_true(pr->live);
		assert_non_null(t);
		assert_int_equal(t->tid, c);
	}
	/* the slots are reused: 1500 more short children grow no array */
	np = f.p->nprocs;
	nt = f.p->ntasks;
	for (int32_t c = 5001; c < 8000; c += 2)
		short_child(&f, c, 1200000 + 10 * (uint64_t)(c - 5001));
	parent_faults(&f, 2300000);
	entries(&f, 1501, 1501);
	assert_int_equal(f.p->nprocs, np);
	assert_int_equal(f.p->ntasks, nt);
	perf_recon_free(f.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exited_recycled_after_horizon),
		cmocka_unit_test(test_reused_pid_not_recycled),
		cmocka_unit_test(test_maps_find_survivors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
