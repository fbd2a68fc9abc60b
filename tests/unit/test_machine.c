/* test_machine.c - topology distance classes, cost profiles, host decoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "machine/host_decode.h"
#include "tlbsim/machine.h"

static void expect_classes(const char *desc, unsigned cpus,
			   const enum tlbsim_distance *want, unsigned n)
{
	struct tlbsim_topology *t;
	struct tlbsim_diag d;

	assert_int_equal(tlbsim_topology_synthetic(desc, cpus, &t, &d), 0);
	assert_int_equal(tlbsim_topology_cpus(t), cpus);
	for (unsigned b = 0; b < n; b++)
		assert_int_equal(tlbsim_topology_distance(t, 0, b), want[b]);
	/* symmetric */
	for (unsigned b = 0; b < n; b++)
		assert_int_equal(tlbsim_topology_distance(t, b, 0), want[b]);
	tlbsim_topology_free(t);
}

/* Classes come from the closest common ancestor of two PUs. */
static void test_synthetic_classes(void **state)
{
	const enum tlbsim_distance flat[] = { TLBSIM_DIST_SELF, TLBSIM_DIST_PACKAGE,
		TLBSIM_DIST_PACKAGE, TLBSIM_DIST_PACKAGE };
	/* two packages of two 2-thread cores, one NUMA node for the machine */
	const enum tlbsim_distance two[] = { TLBSIM_DIST_SELF, TLBSIM_DIST_SMT,
		TLBSIM_DIST_PACKAGE, TLBSIM_DIST_PACKAGE, TLBSIM_DIST_NUMA,
		TLBSIM_DIST_NUMA, TLBSIM_DIST_NUMA, TLBSIM_DIST_NUMA };
	const enum tlbsim_distance caches[] = { TLBSIM_DIST_SELF, TLBSIM_DIST_SMT,
		TLBSIM_DIST_L3, TLBSIM_DIST_L3, TLBSIM_DIST_NUMA };
	const enum tlbsim_distance l2[] = { TLBSIM_DIST_SELF, TLBSIM_DIST_L2,
		TLBSIM_DIST_L3 };
	const enum tlbsim_distance numa[] = { TLBSIM_DIST_SELF, TLBSIM_DIST_PACKAGE,
		TLBSIM_DIST_REMOTE, TLBSIM_DIST_REMOTE };

	(void)state;
	expect_classes("pack:1 core:4 pu:1", 4, flat, 4);
	expect_classes("pack:2 core:2 pu:2", 8, two, 8);
	expect_classes("pack:2 l3:1 l2:2 core:1 pu:2", 8, caches, 5);
	expect_classes("pack:1 l3:1 l2:2 core:2 pu:1", 4, l2, 3);
	expect_classes("numa:2 pack:1 core:2 pu:1", 4, numa, 4);
}

static void test_default_and_errors(void **state)
{
	struct tlbsim_topology *t;
	struct tlbsim_diag d;

	(void)state;
	assert_int_equal(tlbsim_topology_default(3, &t, &d), 0);
	assert_int_equal(tlbsim_topology_cpus(t), 3);
	assert_string_equal(tlbsim_topology_desc(t), "pack:1 core:3 pu:1");
	tlbsim_topology_free(t);
	assert_int_equal(tlbsim_topology_synthetic("pack:2 core:2 pu:1", 8, &t, &d),
			 TLBSIM_EINVAL);
	assert_string_equal(d.msg, "topology \"pack:2 core:2 pu:1\" has 4 CPUs, "
			    "the trace has 8");
	assert_int_equal(tlbsim_topology_synthetic("pack:2 blah", 0, &t, &d),
			 TLBSIM_EINVAL);
	assert_string_equal(d.msg, "bad topology \"pack:2 blah\" (expected an hwloc "
			    "synthetic description such as \"pack:2 core:32 pu:2\")");
}

/* 4096 CPUs: 4 packages x 512 cores x 2 threads. */
static void test_big(void **state)
{
	struct tlbsim_topology *t;
	struct tlbsim_diag d;

	(void)state;
	assert_int_equal(tlbsim_topology_synthetic("pack:4 core:512 pu:2", 4096,
						   &t, &d), 0);
	assert_int_equal(tlbsim_topology_distance(t, 0, 1), TLBSIM_DIST_SMT);
	assert_int_equal(tlbsim_topology_distance(t, 0, 1023), TLBSIM_DIST_PACKAGE);
	assert_int_equal(tlbsim_topology_distance(t, 0, 1024), TLBSIM_DIST_NUMA);
	assert_int_equal(tlbsim_topology_distance(t, 4094, 4095), TLBSIM_DIST_SMT);
	tlbsim_topology_free(t);
}

/* The capture host (2 vCPUs of a Zen 5, one L3): its two CPUs share the L3. */
static void test_capture_host_xml(void **state)
{
	struct tlbsim_topology *t;
	struct tlbsim_diag d;

	(void)state;
	assert_int_equal(tlbsim_topology_xml(tu_src("traces/perf/capture-host.topology.xml"),
					     &t, &d), 0);
	assert_int_equal(tlbsim_topology_cpus(t), 2);
	assert_int_equal(tlbsim_topology_distance(t, 0, 1), TLBSIM_DIST_L3);
	tlbsim_topology_free(t);
}

/* profiles/NAME.json and the compiled-in profile must never drift. */
static void profile_matches(const char *name, bool strictly_growing)
{
	const struct tlbsim_profile *b = tlbsim_profile_builtin(name);
	struct tlbsim_profile p;
	struct tlbsim_diag d;
	char path[64];

	snprintf(path, sizeof(path), "profiles/%s.json", name);
	assert_non_null(b);
	assert_int_equal(tlbsim_profile_load(tu_src(path), &p, &d), 0);
	assert_string_equal(p.name, b->name);
	assert_true(p.ghz == b->ghz);
	assert_memory_equal(&p.ipi_send, &b->ipi_send,
			    sizeof(p) - offsetof(struct tlbsim_profile, ipi_send));
	/* delivery latency never falls with distance */
	for (int i = TLBSIM_DIST_SMT; i < TLBSIM_DIST_COUNT; i++)
		assert_true(strictly_growing ? b->ipi_latency[i] > b->ipi_latency[i - 1] :
			    b->ipi_latency[i] >= b->ipi_latency[i - 1]);
}

static void test_profile_file_matches_builtin(void **state)
{
	(void)state;
	assert_null(tlbsim_profile_builtin("nope"));
	profile_matches("generic", true);
	/* in a guest every IPI goes through the hypervisor: flat but for
	 * other nodes and packages */
	profile_matches("kvm-guest", false);
	profile_matches("kvm-guest-intel", false);
	profile_matches("amd-zen4-server", false);
	profile_matches("intel-spr-server", false);
}

/* A profile file from before gather_walk_protect_page: a protect walks
 * at the unmap rate, as it did then. */
static void test_profile_before_protect_rate(void **state)
{
	json_error_t e;
	json_t *doc = json_load_file(tu_src("profiles/generic.json"), 0, &e);
	struct tlbsim_profile p;
	struct tlbsim_diag d;
	char *text, *path;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(json_object_del(json_object_get(doc, "fields"),
					 "gather_walk_protect_page"), 0);
	text = json_dumps(doc, 0);
	path = tu_tmpfile(text, ".json");
	assert_int_equal(tlbsim_profile_load(path, &p, &d), 0);
	assert_int_equal(p.gather_walk_page, 286);
	assert_int_equal(p.gather_walk_protect_page, 286);
	assert_int_equal(tlbsim_profile_builtin("generic")->gather_walk_protect_page, 125);
	unlink(path);
	free(path);
	free(text);
	json_decref(doc);
}

static void test_profile_needs_sources(void **state)
{
	struct tlbsim_profile p;
	struct tlbsim_diag d;
	char *path = tu_tmpfile("{\"tlbsim_profile\": 1, \"name\": \"x\", \"fields\": "
				"{\"ghz\": {\"value\": 2.0}}}", ".json");

	(void)state;
	assert_int_equal(tlbsim_profile_load(path, &p, &d), TLBSIM_EPARSE);
	assert_non_null(strstr(d.msg, ": field \"ghz\" has no source (every figure "
			       "must name where it comes from)"));
	unlink(path);
	free(path);
}

/* Raw CPUID leaves decoded by hand: PCID leaf 1 ECX[17], x2APIC ECX[21],
 * INVPCID leaf 7 EBX[10], INVLPGB 0x80000008 EBX[3] with EDX[15:0]+1 pages. */
static void test_host_decode(void **state)
{
	struct cpu_raw_data_t raw;
	struct cpu_id_t id;
	struct tlbsim_host h;

	(void)state;
	memset(&raw, 0, sizeof(raw));
	memset(&id, 0, sizeof(id));
	snprintf(id.vendor_str, sizeof(id.vendor_str), "AuthenticAMD");
	raw.basic_cpuid[1][ECX] = (1u << 17) | (1u << 21);
	raw.basic_cpuid[7][EBX] = 1u << 10;
	raw.ext_cpuid[0][EAX] = 0x80000008;
	raw.ext_cpuid[8][EBX] = 1u << 3;
	raw.ext_cpuid[8][EDX] = 7;
	id.flags[CPU_FEATURE_HYPERVISOR] = 1;
	tlbsim_host_decode(&raw, &id, &h);
	assert_string_equal(h.suggested_profile, "kvm-guest");
	assert_string_equal(h.vendor, "AuthenticAMD");
	assert_true(h.pcid && h.x2apic && h.invpcid && h.invlpgb && h.hypervisor);
	assert_int_equal(h.invlpgb_max_pages, 8);
	/* extended leaf 0x80000008 absent: INVLPGB bits are not read */
	raw.ext_cpuid[0][EAX] = 0x80000007;
	raw.basic_cpuid[1][ECX] = 0;
	tlbsim_host_decode(&raw, &id, &h);
	assert_false(h.invlpgb || h.pcid || h.x2apic);
	assert_int_equal(h.invlpgb_max_pages, 0);
	/* bare metal: the profile follows the vendor and family */
	id.flags[CPU_FEATURE_HYPERVISOR] = 0;
	id.ext_family = 0x19;
	tlbsim_host_decode(&raw, &id, &h);
	assert_string_equal(h.suggested_profile, "amd-zen4-server");
	snprintf(id.vendor_str, sizeof(id.vendor_str), "GenuineIntel");
	id.ext_family = 6;
	id.ext_model = 0x8f;
	tlbsim_host_decode(&raw, &id, &h);
	assert_string_equal(h.suggested_profile, "intel-spr-server");
	/* an Intel guest: the guest profile calibrated on an Intel host */
	id.flags[CPU_FEATURE_HYPERVISOR] = 1;
	tlbsim_host_decode(&raw, &id, &h);
	assert_string_equal(h.suggested_profile, "kvm-guest-intel");
}

/* The kernel's side of `tlbsim host`: the flush backend by the line its
 * boot logged (dmesg of a PVM guest, a KVM guest with and without the pv
 * flush, Hyper-V, Xen PV, bare metal with and without INVLPGB), the zero
 * page by the command line. */
static void test_host_kernel(void **state)
{
	static const struct {
		const char *log;
		bool hypervisor, invlpgb;
		const char *backend;
	} cases[] = {
		{ "[    0.000265] pvm-pv: CR3 loads, local TLB flushes, HLT and MSR "
		  "writes via hypercalls\n[    0.000269] pvm-pv: remote TLB flushes via "
		  "PVM_HC_FLUSH_TLB_MULTI\n[    0.070046] Booting paravirtualized kernel "
		  "on PVM\n", true, false, "pvm" },
		{ "Booting paravirtualized kernel on KVM\nkvm-guest: KVM setup pv "
		  "remote TLB flush\n", true, false, "kvm" },
		{ "Booting paravirtualized kernel on KVM\n", true, false, "native" },
		{ "Hyper-V: Using hypercall for remote TLB flush\n", true, false, "hyperv" },
		{ "Booting paravirtualized kernel on Xen PV\n", true, false, "xen" },
		{ "Booting paravirtualized kernel on bare hardware\n", false, false, "native" },
		{ "Booting paravirtualized kernel on bare hardware\n", false, true, "invlpgb" },
		{ "random: crng init done\n", true, false, "" },   /* the ring wrapped */
		{ NULL, true, false, "" },                       /* no log to read */
		/* the ring wrapped on bare metal: CPUID says no hypervisor */
		{ "random: crng init done\n", false, false, "native" },
		{ NULL, false, true, "invlpgb" },
	};
	struct tlbsim_host h;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.hypervisor = cases[i].hypervisor;
		h.invlpgb = cases[i].invlpgb;
		tlbsim_host_kernel("console=ttyS0 quiet", cases[i].log, &h);
		assert_string_equal(h.flush_backend, cases[i].backend);
		assert_string_equal(h.flush_backend_from, !cases[i].backend[0] ? "" :
				    cases[i].log && strstr(cases[i].log, "Booting") ? "log" :
				    cases[i].log && strstr(cases[i].log, "TLB") ? "log" : "cpuid");
		assert_true(h.zero_page);
	}
	/* a PVM guest whose log wrapped: its own boot parameters say */
	memset(&h, 0, sizeof(h));
	h.hypervisor = true;
	tlbsim_host_kernel("console=ttyS0 pvm_no_zero_page=1", "crng init done\n", &h);
	assert_string_equal(h.flush_backend, "pvm");
	assert_string_equal(h.flush_backend_from, "cmdline");
	tlbsim_host_kernel("console=ttyS0 pvm_no_zero_page=1 pti=on", NULL, &h);
	assert_false(h.zero_page);
	tlbsim_host_kernel(NULL, NULL, &h);
	assert_true(h.zero_page);
}

/*
 * KVM's CPUID leaves when the log wrapped: its signature, and the features
 * pv_tlb_flush_supported() wants (PV_TLB_FLUSH bit 9, STEAL_TIME bit 5 of
 * 0x40000001 EAX; no REALTIME hint, EDX bit 0; no MWAIT; two CPUs or
 * more): kvm_flush_tlb_multi(), else native_flush_tlb_multi(). Another
 * hypervisor's signature says nothing.
 */
static void test_host_hv(void **state)
{
	/* "KVMKVMKVM\0\0\0" in EBX, ECX, EDX (little-endian) */
	static const uint32_t kvm[4] = { 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d };
	static const uint32_t bhyve[4] = { 0x40000000, 0x76796862, 0x68622065, 0x20657679 };
	static const struct {
		const uint32_t *sig;
		uint32_t eax, edx;
		bool mwait;
		unsigned cpus;
		const char *backend;
	} cases[] = {
		{ kvm, 1u << 9 | 1u << 5, 0, false, 2, "kvm" },
		{ kvm, 1u << 9, 0, false, 2, "native" },          /* no steal time */
		{ kvm, 1u << 9 | 1u << 5, 1, false, 2, "native" }, /* REALTIME hint */
		{ kvm, 1u << 9 | 1u << 5, 0, true, 2, "native" },  /* MWAIT */
		{ kvm, 1u << 9 | 1u << 5, 0, false, 1, "native" }, /* one CPU */
		{ bhyve, 1u << 9 | 1u << 5, 0, false, 2, "" },
	};
	struct tlbsim_host h;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t leaf1[4] = { cases[i].eax, 0, 0, cases[i].edx };

		memset(&h, 0, sizeof(h));
		h.hypervisor = true;
		h.logical_cpus = cases[i].cpus;
		tlbsim_host_hv(cases[i].sig, leaf1, cases[i].mwait, &h);
		tlbsim_host_kernel("console=ttyS0", NULL, &h);
		assert_string_equal(h.flush_backend, cases[i].backend);
	}
}

static void test_host_detect(void **state)
{
	struct tlbsim_host h;
	struct tlbsim_diag d;

	(void)state;
	assert_int_equal(tlbsim_host_detect(&h, &d), 0);
	assert_true(strlen(h.vendor) > 0);
	/* whatever this machine is, the suggestion is a built-in profile */
	assert_non_null(tlbsim_profile_builtin(h.suggested_profile));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic_classes),
		cmocka_unit_test(test_default_and_errors),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_capture_host_xml),
		cmocka_unit_test(test_profile_file_matches_builtin),
		cmocka_unit_test(test_profile_needs_sources),
		cmocka_unit_test(test_profile_before_protect_rate),
		cmocka_unit_test(test_host_decode),
		cmocka_unit_test(test_host_kernel),
		cmocka_unit_test(test_host_hv),
		cmocka_unit_test(test_host_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
