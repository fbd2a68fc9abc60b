/* test_engine.c - the event queue: order, ties, cancel, clone. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlbsim/engine.h"
#include "tlbsim/idmap.h"

static void test_orders_by_time_then_seq(void **state)
{
	struct tlbsim_engine *e = tlbsim_engine_new();
	struct tlbsim_event ev;
	int order[5], n = 0;

	(void)state;
	/* kinds name the expected pop position */
	assert_int_equal(tlbsim_engine_schedule(e, 30, 4, NULL, 0, NULL), 0);
	assert_int_equal(tlbsim_engine_schedule(e, 10, 0, NULL, 0, NULL), 0);
	assert_int_equal(tlbsim_engine_schedule(e, 20, 1, NULL, 0, NULL), 0);
	assert_int_equal(tlbsim_engine_schedule(e, 20, 2, NULL, 0, NULL), 0);
	assert_int_equal(tlbsim_engine_schedule(e, 20, 3, NULL, 0, NULL), 0);
	while (tlbsim_engine_pop(e, UINT64_MAX, &ev))
		order[n++] = ev.kind;
	assert_int_equal(n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(order[i], i);
	assert_int_equal(tlbsim_engine_now(e), 30);
	/* 20,20,20: the second and third are ties */
	assert_int_equal(tlbsim_engine_ties(e), 2);
	assert_int_equal(tlbsim_engine_popped(e), 5);
	tlbsim_engine_free(e);
}

static void test_limit_and_past(void **state)
{
	struct tlbsim_engine *e = tlbsim_engine_new();
	struct tlbsim_event ev;
	uint32_t payload = 0xdeadbeef;

	(void)state;
	assert_int_equal(tlbsim_engine_schedule(e, 100, 7, &payload,
						sizeof(payload), NULL), 0);
	assert_false(tlbsim_engine_pop(e, 99, &ev));
	assert_int_equal(tlbsim_engine_next_time(e), 100);
	assert_true(tlbsim_engine_pop(e, 100, &ev));
	assert_memory_equal(ev.data, &payload, sizeof(payload));
	/* cannot schedule before now */
	assert_true(tlbsim_engine_schedule(e, 50, 1, NULL, 0, NULL) < 0);
	assert_true(tlbsim_engine_schedule(e, 100, 1, NULL,
					   TLBSIM_EVENT_DATA + 1, NULL) < 0);
	assert_int_equal(tlbsim_engine_next_time(e), UINT64_MAX);
	tlbsim_engine_free(e);
}

static void test_cancel_and_clone(void **state)
{
	struct tlbsim_engine *e = tlbsim_engine_new(), *c;
	struct tlbsim_event ev;
	uint64_t id[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		tlbsim_engine_schedule(e, 10 * (uint64_t)(i + 1), i, NULL, 0,
				       &id[i]);
	assert_true(tlbsim_engine_cancel(e, id[1]));
	assert_false(tlbsim_engine_cancel(e, id[1]));
	assert_int_equal(tlbsim_engine_pending(e), 3);
	c = tlbsim_engine_clone(e);
	assert_true(tlbsim_engine_pop(e, UINT64_MAX, &ev));
	assert_int_equal(ev.kind, 0);
	assert_true(tlbsim_engine_pop(e, UINT64_MAX, &ev));
	assert_int_equal(ev.kind, 2);
	/* the clone is independent and replays the same order */
	assert_true(tlbsim_engine_pop(c, UINT64_MAX, &ev));
	assert_int_equal(ev.kind, 0);
	assert_true(tlbsim_engine_pop(c, UINT64_MAX, &ev));
	assert_int_equal(ev.kind, 2);
	assert_true(tlbsim_engine_pop(c, UINT64_MAX, &ev));
	assert_int_equal(ev.kind, 3);
	assert_int_equal(tlbsim_engine_pending(e), 1);
	tlbsim_engine_free(c);
	tlbsim_engine_free(e);
}

/* The clock moves to a time with nothing queued; not past what is. */
static void test_advance(void **state)
{
	struct tlbsim_engine *e = tlbsim_engine_new();
	struct tlbsim_event ev;

	(void)state;
	assert_int_equal(tlbsim_engine_advance(e, 40), 0);
	assert_int_equal(tlbsim_engine_now(e), 40);
	assert_int_equal(tlbsim_engine_advance(e, 10), 0);  /* never backwards */
	assert_int_equal(tlbsim_engine_now(e), 40);
	assert_true(tlbsim_engine_schedule(e, 30, 1, NULL, 0, NULL) < 0);
	assert_int_equal(tlbsim_engine_schedule(e, 50, 1, NULL, 0, NULL), 0);
	assert_int_equal(tlbsim_engine_advance(e, 50), 0);  /* at it: fine */
	assert_true(tlbsim_engine_advance(e, 51) < 0);      /* past it: no */
	assert_int_equal(tlbsim_engine_now(e), 50);
	assert_true(tlbsim_engine_pop(e, 60, &ev));
	assert_int_equal(tlbsim_engine_advance(e, 60), 0);
	assert_int_equal(tlbsim_engine_now(e), 60);
	/* an advance is not an event */
	assert_int_equal(tlbsim_engine_popped(e), 1);
	tlbsim_engine_free(e);
}

/*
 * The id map: 0 is a key like any other; a put replaces; a deletion keeps
 * every other key findable (backward shift, no tombstones): 5000 keys, a
 * multiple of 64 apart so that many share a home slot while the map is
 * small, every third deleted, then put back with new values.
 */
static void test_idmap(void **state)
{
	struct tlbsim_idmap m;
	uint32_t k;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(tlbsim_idmap_get(&m, 0), TLBSIM_IDMAP_NONE);
	tlbsim_idmap_del(&m, 7);   /* absent from an empty map: nothing */
	assert_int_equal(tlbsim_idmap_put(&m, 0, 9), 0);
	assert_int_equal(tlbsim_idmap_put(&m, 0, 10), 0);
	assert_int_equal(tlbsim_idmap_get(&m, 0), 10);
	assert_int_equal(m.n, 1);
	tlbsim_idmap_del(&m, 0);
	assert_int_equal(tlbsim_idmap_get(&m, 0), TLBSIM_IDMAP_NONE);
	for (k = 1; k <= 5000; k++)
		assert_int_equal(tlbsim_idmap_put(&m, k * 64, k), 0);
	assert_int_equal(m.n, 5000);
	assert_true(m.cap >= 10000);
	for (k = 3; k <= 5000; k += 3)
		tlbsim_idmap_del(&m, k * 64);
	assert_int_equal(m.n, 5000 - 1666);
	for (k = 1; k <= 5000; k++)
		assert_int_equal(tlbsim_idmap_get(&m, k * 64),
				 k % 3 ? k : TLBSIM_IDMAP_NONE);
	for (k = 3; k <= 5000; k += 3)
		assert_int_equal(tlbsim_idmap_put(&m, k * 64, k + 100000), 0);
	for (k = 1; k <= 5000; k++)
		assert_int_equal(tlbsim_idmap_get(&m, k * 64), k % 3 ? k : k + 100000);
	assert_int_equal(tlbsim_idmap_get(&m, 65), TLBSIM_IDMAP_NONE);
	tlbsim_idmap_free(&m);
	assert_int_equal(tlbsim_idmap_get(&m, 64), TLBSIM_IDMAP_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders_by_time_then_seq),
		cmocka_unit_test(test_limit_and_past),
		cmocka_unit_test(test_cancel_and_clone),
		cmocka_unit_test(test_advance),
		cmocka_unit_test(test_idmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
