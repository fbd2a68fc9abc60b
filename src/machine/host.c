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
 * KVM's leaves: the signature "KVMKVMKVM\0\0\0" at 0x40000000, features in
 * 0x40000001 EAX, hints in EDX. pv_tlb_flush_supported() wants
 * PV_TLB_FLUSH (bit 9) and STEAL_TIME (bit 5), no REALTIME hint (EDX bit
 * 0), no MWAIT (CPUID 1 ECX bit 3) and more than one CPU.
 */
void tlbsim_host_hv(const uint32_t leaf0[4], const uint32_t leaf1[4], bool mwait,
		    struct tlbsim_host *out)
{
	char sig[13];

	memcpy(sig, &leaf0[EBX], 4);
	memcpy(sig + 4, &leaf0[ECX], 4);
	memcpy(sig + 8, &leaf0[EDX], 4);
	sig[12] = '\0';
	if (strcmp(sig, "KVMKVMKVM"))
		return;
	out->kvm_pv_flush = (leaf1[EAX] >> 9 & 1) && (leaf1[EAX] >> 5 & 1) &&
			    !(leaf1[EDX] & 1) && !mwait && out->logical_cpus != 1;
	out->kvm_no_pv_flush = !out->kvm_pv_flush;
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

/*
 * When the log no longer says (the ring wrapped: a machine up for long):
 * a PVM guest's own boot parameters (pvm_no_zero_page and the like), no
 * hypervisor (bare metal: native, or INVLPGB's broadcast), or KVM's
 * CPUID feature leaves, read as pv_tlb_flush_supported() reads them.
 */
static const char *flush_backend_guess(const char *cmdline, const struct tlbsim_host *h,
				       const char **from)
{
	*from = "cmdline";
	if (cmdline && strstr(cmdline, "pvm_"))
		return "pvm";
	*from = "cpuid";
	if (!h->hypervisor)
		return h->invlpgb ? "invlpgb" : "native";
	if (h->kvm_pv_flush)
		return "kvm";
	if (h->kvm_no_pv_flush)
		return "native";
	*from = "";
	return "";
}

void tlbsim_host_kernel(const char *cmdline, const char *log,
			struct tlbsim_host *out)
{
	const char *b = flush_backend_of(log, out), *from = "log";

	if (!b[0])
		b = flush_backend_guess(cmdline, out, &from);
	snprintf(out->flush_backend, sizeof(out->flush_backend), "%s", b);
	snprintf(out->flush_backend_from, sizeof(out->flush_backend_from), "%s", from);
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
	if (out->hypervisor) {
		uint32_t leaf0[4], leaf1[4] = { 0 };

		cpu_exec_cpuid(0x40000000, leaf0);
		if (leaf0[EAX] >= 0x40000001)
			cpu_exec_cpuid(0x40000001, leaf1);
		tlbsim_host_hv(leaf0, leaf1, (raw.basic_cpuid[1][ECX] >> 3) & 1, out);
	}
	host_kernel_detect(out);
	return 0;
}
