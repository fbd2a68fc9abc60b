/*
 * host.c - describe this machine with libcpuid (never its MSR driver).
 * libcpuid 0.6 has no flags for PCID, INVPCID or INVLPGB: those bits are
 * decoded from the raw CPUID leaves it returns, in tlbsim_host_decode(),
 * a pure function the tests feed hand-made leaves.
 */
#include <libcpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>

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

/*
 * Which pv_ops.mmu.flush_tlb_multi the kernel chose, by what it logged at
 * boot: kvm_guest_init() ("KVM setup pv remote TLB flush"),
 * hyperv_setup_mmu_ops() ("Using hypercall for remote TLB flush"), a PVM
 * guest ("remote TLB flushes via PVM_HC_FLUSH_TLB_MULTI"), Xen PV and
 * bare metal by paravirt_set_cap()'s "Booting paravirtualized kernel on
 * ...". A KVM guest without the pv flush IPIs like bare metal. The log
 * is a ring: on a machine up long enough the boot lines are gone, and the
 * backend stays unknown ("").
 */
static const char *flush_backend_of(const char *log, const struct tlbsim_host *h)
{
	static const struct { const char *line, *backend; } says[] = {
		{ "PVM_HC_FLUSH_TLB_MULTI", "pvm" },
		{ "KVM setup pv remote TLB flush", "kvm" },
		{ "Using hypercall for remote TLB flush", "hyperv" },
		{ "paravirtualized kernel on Xen PV", "xen" },
		{ "paravirtualized kernel on KVM", "native" },
		{ "paravirtualized kernel on bare hardware", "native" },
	};

	for (size_t i = 0; log && i < sizeof(says) / sizeof(says[0]); i++)
		if (strstr(log, says[i].line))
			/* global ASIDs on bare metal with INVLPGB (6.15+) */
			return !strcmp(says[i].backend, "native") && !h->hypervisor &&
			       h->invlpgb ? "invlpgb" : says[i].backend;
	return "";
}

void tlbsim_host_kernel(const char *cmdline, const char *log,
			struct tlbsim_host *out)
{
	snprintf(out->flush_backend, sizeof(out->flush_backend), "%s",
		 flush_backend_of(log, out));
	/* PVM's mm_forbids_zeropage() switch: do_anonymous_page() maps a page
	 * of its own on a read fault */
	out->zero_page = !(cmdline && strstr(cmdline, "pvm_no_zero_page=1"));
}

/* The kernel's log (klogctl(): root, or dmesg_restrict=0), or NULL. */
static char *kernel_log(void)
{
	int n = klogctl(10, NULL, 0);   /* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf;

	if (n <= 0 || !(buf = malloc((size_t)n + 1)))
		return NULL;
	n = klogctl(3, buf, n);         /* SYSLOG_ACTION_READ_ALL */
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static void host_kernel_detect(struct tlbsim_host *out)
{
	char cmdline[4096] = "", *log = kernel_log();
	FILE *f = fopen("/proc/cmdline", "r");
	bool have = f && fgets(cmdline, sizeof(cmdline), f);

	if (f)
		fclose(f);
	tlbsim_host_kernel(have ? cmdline : NULL, log, out);
	free(log);
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
	host_kernel_detect(out);
	return 0;
}
