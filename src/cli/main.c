/*
 * main.c - tlbsim: subcommands in the manner of git and perf.
 *
 * Exit codes: 0 done; 1 `check` found a regression (or a hazard with
 * --fail-on-hazard); 2 usage or input error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tlbsim/version.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} cmds[] = {
	{ "run", cmd_run, "replay a trace under one policy" },
	{ "compare", cmd_compare, "replay a trace under several policies side by side" },
	{ "explain", cmd_explain, "narrate a run step by step, decision by decision" },
	{ "baseline", cmd_baseline, "record the counters of traces for CI checks" },
	{ "check", cmd_check, "compare traces against a baseline (exit 1 on regression)" },
	{ "validate", cmd_validate, "replay a perf capture and compare with the kernel's own counts" },
	{ "calibrate", cmd_calibrate, "fit a cost profile's IPI latency to captures" },
	{ "import", cmd_import, "write the native trace reconstructed from a perf capture" },
	{ "convert", cmd_convert, "write a trace in the compact binary form (fast to replay)" },
	{ "host", cmd_host, "describe this machine (CPUID: PCID, INVPCID, INVLPGB)" },
};

static void usage(FILE *f)
{
	fputs("usage: tlbsim <command> [options] [TRACE...]\n\n"
	      "A discrete-event simulator of the x86 Linux TLB shootdown protocol.\n\n"
	      "commands:\n", f);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].what);
	fputs("\n'tlbsim <command> --help' for a command's options; TRACE '-' reads "
	      "standard input.\nExit codes: 0 ok, 1 check failed, 2 usage or input "
	      "error.\n", f);
}

int main(int argc, char **argv)
{
	/* tlbsim asks hwloc for CPUs and caches only. Its plugins (PCI,
	 * OpenCL, GL, and libxml2 with ICU behind it: hwloc has its own XML
	 * reader) cost 20 ms of loading at every start, more than replaying a
	 * small capture; a user's own setting wins. */
	setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_pci,hwloc_opencl,hwloc_gl,"
	       "hwloc_xml_libxml,hwloc_cuda,hwloc_nvml,hwloc_rsmi,hwloc_levelzero", 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tlbsim %s\n", TLBSIM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "tlbsim: unknown command '%s' (see tlbsim --help)\n", argv[1]);
	return 2;
}
