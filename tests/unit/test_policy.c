/* test_policy.c - policy parsing, the two switches, backend data. */
#include <string.h>

#include "testutil.h"
#include "tlbsim/policy.h"

static void test_named(void **state)
{
	struct tlbsim_policy p;
	struct tlbsim_diag d;

	(void)state;
	assert_int_equal(tlbsim_policy_parse("legacy", &p, &d), 0);
	assert_string_equal(p.name, "legacy");
	assert_int_equal(p.wake, TLBSIM_WAKE_FREED);
	assert_int_equal(p.sync, TLBSIM_SYNC_ALWAYS);
	assert_int_equal(tlbsim_policy_parse("wake-lazy", &p, &d), 0);
	assert_string_equal(p.name, "wake-lazy");
	assert_int_equal(p.wake, TLBSIM_WAKE_FREED_UNSHARED);
	assert_int_equal(p.sync, TLBSIM_SYNC_NATIVE);
}

static void test_combinations(void **state)
{
	struct tlbsim_policy p;
	struct tlbsim_diag d;

	(void)state;
	assert_int_equal(tlbsim_policy_parse("wake=freed+unshared,sync=never", &p, &d), 0);
	assert_string_equal(p.name, "wake=freed+unshared,sync=never");
	assert_int_equal(p.wake, TLBSIM_WAKE_FREED_UNSHARED);
	assert_int_equal(p.sync, TLBSIM_SYNC_NEVER);
	assert_int_equal(tlbsim_policy_parse("sync=native", &p, &d), 0);
	assert_string_equal(p.name, "wake=freed,sync=native");
	assert_int_equal(tlbsim_policy_parse("wake=lazy", &p, &d), TLBSIM_EINVAL);
	assert_string_equal(d.msg, "unknown policy \"wake=lazy\" (expected legacy, "
			    "wake-lazy or wake=freed|freed+unshared,sync=always|native|never)");
	assert_int_equal(tlbsim_policy_parse("", &p, &d), TLBSIM_EINVAL);
	assert_int_equal(tlbsim_policy_parse("wake=freed,", &p, &d), 0);
}

/* x86 tlb_flush(): the wake rule on each combination of gather flags. */
static void test_wake_rule(void **state)
{
	struct tlbsim_policy legacy, wake;

	(void)state;
	tlbsim_policy_parse("legacy", &legacy, NULL);
	tlbsim_policy_parse("wake-lazy", &wake, NULL);
	assert_false(tlbsim_policy_wake_lazy(&legacy, false, false));
	assert_true(tlbsim_policy_wake_lazy(&legacy, true, false));
	assert_false(tlbsim_policy_wake_lazy(&legacy, false, true));
	assert_false(tlbsim_policy_wake_lazy(&wake, false, false));
	assert_true(tlbsim_policy_wake_lazy(&wake, true, false));
	assert_true(tlbsim_policy_wake_lazy(&wake, false, true));
}

/* native_pv_tlb_init(): the key is on for native only (not PV, not INVLPGB) */
static void test_sync_rule(void **state)
{
	struct tlbsim_policy always, native, never;
	static const char *names[] = { "native", "kvm", "hyperv", "xen", "invlpgb", "pvm" };
	static const bool skip_native[] = { true, false, false, false, false, false };

	(void)state;
	tlbsim_policy_parse("legacy", &always, NULL);
	tlbsim_policy_parse("wake-lazy", &native, NULL);
	tlbsim_policy_parse("sync=never", &never, NULL);
	for (int i = 0; i < 6; i++) {
		const struct tlbsim_backend *b = tlbsim_backend_find(names[i]);

		assert_non_null(b);
		assert_string_equal(b->name, names[i]);
		assert_ptr_equal(tlbsim_backend_get(b->id), b);
		assert_false(tlbsim_policy_skip_sync(&always, b));
		assert_int_equal(tlbsim_policy_skip_sync(&native, b), skip_native[i]);
		assert_true(tlbsim_policy_skip_sync(&never, b));
	}
	assert_null(tlbsim_backend_find("vmware"));
	assert_true(tlbsim_backend_find("kvm")->skips_preempted);
	assert_true(tlbsim_backend_find("hyperv")->hypercall_lazy_filter);
	assert_false(tlbsim_backend_find("xen")->hypercall_lazy_filter);
	assert_true(tlbsim_backend_find("invlpgb")->global_asids);
	/* PVM: the hypercall for the others, native_flush_tlb_multi() for
	 * the initiator, and a flush of its own at exit; no lazy filter */
	assert_true(tlbsim_backend_find("pvm")->hypercall);
	assert_true(tlbsim_backend_find("pvm")->hypercall_others);
	assert_true(tlbsim_backend_find("pvm")->exit_flush);
	assert_false(tlbsim_backend_find("pvm")->hypercall_lazy_filter);
	assert_false(tlbsim_backend_find("xen")->hypercall_others);
	assert_false(tlbsim_backend_find("kvm")->exit_flush);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named),
		cmocka_unit_test(test_combinations),
		cmocka_unit_test(test_wake_rule),
		cmocka_unit_test(test_sync_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
