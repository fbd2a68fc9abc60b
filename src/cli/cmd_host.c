/* cmd_host.c - `tlbsim host`: this machine as libcpuid and hwloc see it. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char help[] =
"usage: tlbsim host [--json] [-o TOPOLOGY.xml]\n"
"\n"
"Describe this machine: CPU identification, the TLB features that matter to\n"
"the protocol (PCID, INVPCID, INVLPGB and its page limit, x2APIC), whether it\n"
"runs under a hypervisor, its CPU count, and the cost profile tlbsim suggests.\n"
"-o FILE also writes its hwloc XML topology (for --topology xml:FILE).\n";

int cmd_host(int argc, char **argv)
{
	struct cli_opts o;
	struct tlbsim_host h;
	struct tlbsim_topology *topo = NULL;
	struct tlbsim_diag d;
	unsigned cpus = 0;
	int err;

	if ((err = cli_parse(argc, argv, "host", "json output", &o)))
		return err;
	if (o.help) {
		fputs(help, stdout);
		return 0;
	}
	if (o.ntraces)
		return cli_usage("host", "takes no TRACE");
	if ((err = tlbsim_host_detect(&h, &d)))
		return cli_fail(&d);
	if (o.output && (err = tlbsim_topology_host_export(o.output, &d)))
		return cli_fail(&d);
	if (!tlbsim_topology_host(&topo, &d))
		cpus = tlbsim_topology_cpus(topo);
	tlbsim_topology_free(topo);
	if (o.json) {
		json_t *j = json_pack("{s:i, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:b, s:b, "
				      "s:b, s:i, s:b, s:b, s:s, s:o, s:o, s:b}",
			"tlbsim_host", 1, "vendor", h.vendor, "brand", h.brand,
			"family", h.family, "model", h.model, "stepping", h.stepping,
			"cpus", (int)cpus, "cores", (int)h.cores, "pcid", h.pcid,
			"invpcid", h.invpcid, "invlpgb", h.invlpgb,
			"invlpgb_max_pages", (int)h.invlpgb_max_pages, "x2apic", h.x2apic,
			"hypervisor", h.hypervisor, "suggested_profile", h.suggested_profile,
			"flush_backend", h.flush_backend[0] ?
			json_string(h.flush_backend) : json_null(),
			"flush_backend_from", h.flush_backend_from[0] ?
			json_string(h.flush_backend_from) : json_null(),
			"zero_page", h.zero_page);
		char *s = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_INDENT(1)) : NULL;

		if (!s)
			return 2;
		puts(s);
		free(s);
		json_decref(j);
		return 0;
	}
	printf("cpu:        %s (%s, family 0x%x model 0x%x stepping %d)\n", h.brand,
	       h.vendor, h.family, h.model, h.stepping);
	printf("cpus:       %u (cores per package: %u)\n", cpus, h.cores);
	printf("pcid:       %s\n", h.pcid ? "yes" : "no");
	printf("invpcid:    %s\n", h.invpcid ? "yes" : "no");
	if (h.invlpgb)
		printf("invlpgb:    yes (up to %u pages per INVLPGB)\n", h.invlpgb_max_pages);
	else
		printf("invlpgb:    no\n");
	printf("x2apic:     %s\n", h.x2apic ? "yes" : "no");
	printf("hypervisor: %s\n", h.hypervisor ? "yes" : "no");
	if (!h.flush_backend[0])
		printf("backend:    unknown (neither the kernel's log nor its command line "
		       "nor CPUID says: --backend kvm on a KVM guest)\n");
	else if (strcmp(h.flush_backend_from, "log"))
		printf("backend:    %s (the kernel's log no longer says: from %s)\n",
		       h.flush_backend, !strcmp(h.flush_backend_from, "cmdline") ?
		       "its command line's pvm_ parameters" : h.hypervisor ?
		       "KVM's CPUID features" : "CPUID: no hypervisor");
	else
		printf("backend:    %s\n", h.flush_backend);
	printf("zero page:  %s\n", h.zero_page ? "yes" : "no (pvm_no_zero_page=1)");
	printf("profile:    %s\n", h.suggested_profile);
	return 0;
}
