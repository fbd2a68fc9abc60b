/* test_hazard.c - the hazard checker's judgements, driven through the
 * model's internals where no correct policy can produce the hazard. */
#include <string.h>

#include "testutil.h"
#include "kernel/internal.h"

static struct tlbsim_topology *topo;

static struct sim *sim_make(unsigned cpus, const char *policy)
{
	struct tlbsim_sim_config cfg;
	struct tlbsim_sim *ss;
	struct tlbsim_diag d;

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(tlbsim_topology_default(cpus, &topo, &d), 0);
	cfg.cpus = cpus;
	cfg.ghz = 2.5;
	cfg.topo = topo;
	cfg.profile = tlbsim_profile_builtin("generic");
	cfg.backend = tlbsim_backend_find("native");
	cfg.trace_name = "t";
	tlbsim_policy_parse(policy, &cfg.policy, &d);
	assert_int_equal(tlbsim_sim_new(&cfg, &ss, &d), 0);
	return (struct sim *)ss;
}

static void sim_drop(struct sim *s)
{
	tlbsim_sim_free((struct tlbsim_sim *)s);
	tlbsim_topology_free(topo);
}

static void apply(struct sim *s, struct tlbsim_trace_event e)
{
	struct tlbsim_diag d;

	assert_int_equal(tlbsim_sim_apply((struct tlbsim_sim *)s, &e, &d), 0);
}

/*
 * psc_may_hold(): the CPU must have the mm loaded, on a slot not flushed
 * since the unlink, loaded at some moment while the link existed.
 */
static void test_psc_may_hold(void **state)
{
	struct sim *s = sim_make(2, "legacy");
	struct dead_link l;
	struct cpu *cpu = &s->cpus[1];

	(void)state;
	apply(s, (struct tlbsim_trace_event){ .t = 0, .cpu = 1,
		  .kind = TLBSIM_EV_SWITCH, .mm = 1 });
	memset(&l, 0, sizeof(l));
	l.mm = cpu->loaded_mm;
	l.ctx_id = s->mms[l.mm].ctx_id;
	l.linked_at = 100;
	l.unlinked_at = 500;
	/* loaded since cycle 0, never flushed since: may hold */
	cpu->ctxs[cpu->loaded_asid].flushed_at = 0;
	cpu->ctxs[cpu->loaded_asid].loaded_since = 0;
	assert_true(psc_may_hold(s, 1, &l));
	/* flushed at the unlink or after: clean */
	cpu->ctxs[cpu->loaded_asid].flushed_at = 500;
	assert_false(psc_may_hold(s, 1, &l));
	/* reloaded after the unlink without flush, and unloaded before the
	 * link existed: it never walked while the link was there */
	cpu->ctxs[cpu->loaded_asid].flushed_at = 50;
	cpu->ctxs[cpu->loaded_asid].loaded_since = 600;
	cpu->ctxs[cpu->loaded_asid].last_unload = 80;
	assert_false(psc_may_hold(s, 1, &l));
	/* ... but unloaded after the link appeared: it may have cached it */
	cpu->ctxs[cpu->loaded_asid].last_unload = 200;
	assert_true(psc_may_hold(s, 1, &l));
	/* another mm's link */
	l.ctx_id++;
	assert_false(psc_may_hold(s, 1, &l));
	/* cpu 0 runs init_mm */
	l.ctx_id--;
	assert_false(psc_may_hold(s, 0, &l));
	sim_drop(s);
}

/*
 * stale_tlb: cpu 0 caches 0x400000, then an invalidation of that page
 * completes without cpu 0's TLB being flushed (as a broken backend would):
 * the next touch uses the old translation.
 */
static void test_stale_tlb(void **state)
{
	struct sim *s = sim_make(2, "legacy");
	struct mm *mm;
	uint64_t seq;

	(void)state;
	apply(s, (struct tlbsim_trace_event){ .t = 0, .cpu = 0,
		  .kind = TLBSIM_EV_SWITCH, .mm = 1 });
	apply(s, (struct tlbsim_trace_event){ .t = 10, .cpu = 0,
		  .kind = TLBSIM_EV_MAP, .mm = 1, .addr = 0x400000, .len = 0x1000 });
	apply(s, (struct tlbsim_trace_event){ .t = 20, .cpu = 0,
		  .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000, .len = 0x1000 });
	mm = &s->mms[s->cpus[0].loaded_mm];
	seq = inval_begin(mm, 0x400000, 0x401000, NULL);
	inval_done(mm, seq, sim_now(s));
	apply(s, (struct tlbsim_trace_event){ .t = 30, .cpu = 0,
		  .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000, .len = 0x1000 });
	assert_int_equal(s->res.nhazards, 1);
	assert_int_equal(s->res.hazards[0].kind, TLBSIM_HAZARD_STALE_TLB);
	assert_int_equal(s->res.hazards[0].cpu, 0);
	assert_string_equal(s->res.hazards[0].table, "page@0x400000");
	/* a real zap flushes cpu 0 itself: no second hazard on the next page */
	apply(s, (struct tlbsim_trace_event){ .t = 40, .cpu = 0,
		  .kind = TLBSIM_EV_ZAP, .mm = 1, .addr = 0x400000, .len = 0x1000 });
	apply(s, (struct tlbsim_trace_event){ .t = 50000, .cpu = 0,
		  .kind = TLBSIM_EV_TOUCH, .mm = 1, .addr = 0x400000, .len = 0x1000 });
	assert_int_equal(s->res.nhazards, 1);
	sim_drop(s);
}

static void test_asid_transition_record(void **state)
{
	struct sim *s = sim_make(2, "legacy");

	(void)state;
	apply(s, (struct tlbsim_trace_event){ .t = 0, .cpu = 1,
		  .kind = TLBSIM_EV_SWITCH, .mm = 7 });
	hazard_asid_transition(s, 1, &s->mms[s->cpus[1].loaded_mm]);
	hazard_asid_transition(s, 1, &s->mms[s->cpus[1].loaded_mm]); /* deduped */
	assert_int_equal(s->res.nhazards, 1);
	assert_string_equal(tlbsim_hazard_name(s->res.hazards[0].kind), "asid_transition");
	assert_int_equal(s->res.hazards[0].mm, 7);
	assert_int_equal(s->res.hazards[0].chain_len, 2);
	assert_string_equal(s->res.hazards[0].cause,
		"t=0 cpu 1: ran mm 7 on dynamic ASID 1 during its global-ASID "
		"transition; t=0: the INVLPGB broadcast covered only the global "
		"ASID and no IPI reached cpu 1");
	sim_drop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psc_may_hold),
		cmocka_unit_test(test_stale_tlb),
		cmocka_unit_test(test_asid_transition_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
