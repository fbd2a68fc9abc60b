/* host_decode.h - CPUID decoding, separated so tests can feed raw leaves. */
#ifndef TLBSIM_MACHINE_HOST_DECODE_H
#define TLBSIM_MACHINE_HOST_DECODE_H

#include <libcpuid.h>

#include "tlbsim/machine.h"

void tlbsim_host_decode(const struct cpu_raw_data_t *raw,
			const struct cpu_id_t *id, struct tlbsim_host *out);
/* The kernel's side, from its command line and log (either may be NULL:
 * unreadable), after tlbsim_host_decode(). */
void tlbsim_host_kernel(const char *cmdline, const char *log,
			struct tlbsim_host *out);
/* The hypervisor's CPUID leaves 0x40000000 and 0x40000001 (EAX..EDX),
 * and CPUID 1's MWAIT bit, before tlbsim_host_kernel(). */
void tlbsim_host_hv(const uint32_t leaf0[4], const uint32_t leaf1[4], bool mwait,
		    struct tlbsim_host *out);

#endif
