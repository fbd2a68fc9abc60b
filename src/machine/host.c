/*
 * host.c - describe this machine with libcpuid (never its MSR driver).
 * libcpuid 0.6 has no flags for PCID, INVPCID or INVLPGB: those bits are
 * decoded from the raw CPUID leaves it returns, in tlbsim_host_decode(),
 * a pure function the tests feed hand-made leaves.
 */
#include <libcpuid.h>
#include <stdio.h>
#include <string.h>

#include "machine/host_decode.h"

void tlbsim_host_decode(const struct cpu_raw_data_t *raw,
			const struct cpu_id_t *id, struct tlbsim_host *out)
{
	uint32_t max_ext = raw->ext_cpuid[0][EAX];

	memset(out, 0, sizeof(*out));
	snprintf(out->vendor, sizeof(out->vendor), "%s", id->vendor_str);
	snprintf(out->brand, sizeof(out->brand), "%s", id->brand_str);
	out->family = id->ext_family;
	out->model = id->ext_model;
	out->stepping = id->stepping;
	out->logical_cpus = id->total_logical_cpus > 0 ?
			    (unsigned)id->total_logical_cpus : 0;
	out->cores = id->num_cores > 0 ? (unsigned)id->num_cores : 0;
	out->hypervisor = id->flags[CPU_FEATURE_HYPERVISOR] != 0;
	out->pcid = (raw->basic_cpuid[1][ECX] >> 17) & 1;      /* leaf 1 ECX[17] */
	out->x2apic = (raw->basic_cpuid[1][ECX] >> 21) & 1;    /* leaf 1 ECX[21] */
	out->invpcid = (raw->basic_cpuid[7][EBX] >> 10) & 1;   /* leaf 7.0 EBX[10] */
	if (max_ext >= 0x80000008) {                           /* 0x80000008 EBX[3] */
		out->invlpgb = (raw->ext_cpuid[8][EBX] >> 3) & 1;
		if (out->invlpgb)
			out->invlpgb_max_pages = (raw->ext_cpuid[8][EDX] & 0xffff) + 1;
	}
	/* A guest's IPIs go through the hypervisor: a profile calibrated in
	 * such a guest fits better than bare-metal figures, the one of an
	 * Intel host on Intel (its IPI send is half as slow again). */
	snprintf(out->suggested_profile, sizeof(out->suggested_profile), "%s",
		 out->hypervisor && !strcmp(out->vendor, "GenuineIntel") ?
		 "kvm-guest-intel" : out->hypervisor ? "kvm-guest" :
		 !strcmp(out->vendor, "AuthenticAMD") && out->family >= 0x19 ?
		 "amd-zen4-server" :
		 !strcmp(out->vendor, "GenuineIntel") && out->family == 6 &&
		 out->model == 0x8f ? "intel-spr-server" : "generic");
}

int tlbsim_host_detect(struct tlbsim_host *out, struct tlbsim_diag *diag)
{
	struct cpu_raw_data_t raw;
	struct cpu_id_t id;

	memset(out, 0, sizeof(*out));
	if (!cpuid_present())
		return tlbsim_diag_set(diag, TLBSIM_EUNSUPP, "this CPU has no CPUID");
	if (cpuid_get_raw_data(&raw) < 0 || cpu_identify(&raw, &id) < 0)
		return tlbsim_diag_set(diag, TLBSIM_EIO, "libcpuid: %s", cpuid_error());
	tlbsim_host_decode(&raw, &id, out);
	return 0;
}
