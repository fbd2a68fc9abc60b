/*
 * cli.h - what the subcommands share: options, and a session that opens a
 * trace, builds the machine and one simulation per policy, and feeds every
 * event to all of them (the trace is read once).
 */
#ifndef TLBSIM_CLI_H
#define TLBSIM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "tlbsim/kernel.h"
#include "tlbsim/report.h"
#include "tlbsim/timeline.h"

#define CLI_MAX_POLICIES 8

struct cli_opts {
	const char **traces;       /* in argv, moved to its front: any number */
	size_t ntraces;
	const char *policies[CLI_MAX_POLICIES];
	size_t npolicies;
	const char *backend;
	/* validate's defaults: the backend where neither --backend nor the
	 * trace's header names one (the captures' KVM), and the profile when
	 * none is given and the backend is kvm (a guest's costs) */
	const char *backend_default;
	const char *kvm_profile;
	const char *topology;      /* synthetic string, "xml:FILE" or "host" */
	char topology_xml[4100];   /* --topology-xml FILE, as "xml:FILE" */
	const char *profile;
	const char *output;        /* -o */
	const char *perfetto;
	const char *svg;
	const char *baseline;
	const char *tolerance;
	const char *junit;
	const char *pcid;          /* "on" / "off": overrides the trace and host */
	const char *zero_page;     /* "on" / "off": a capture's kernel maps the
				    * zero page on anonymous read faults */
	const char *form;          /* convert: the binary form, "1" or "2" */
	bool json, fail_on_hazard, help, by_process, diff;
	/* what capture_beside() took from the files beside the capture */
	char beside_profile[48];
	char beside_topology[4100];
};

/* A capture's NAME.host.json and NAME.topology.xml (traces/capture.sh
 * saves them beside NAME.perf.txt.xz or NAME.trace.dat): the profile,
 * PCID, flush backend, zero page and topology they state, where the
 * command line says none; noted on stderr. Without @model, only what the
 * captured machine was (zero page, PCID, flush backend: `tlbsim import`
 * writes them), not how to model it (profile, topology). */
void capture_beside(const char *cmd, struct cli_opts *o, bool model);

/* A usage error on one line, "tlbsim CMD: REASON (see tlbsim CMD --help)":
 * returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Parse argv after the subcommand (its traces are moved to its front:
 * o->traces points there). @allowed lists the long options the
 * command takes (e.g. "policy backend json output"). Returns 0, or 2 after
 * printing a usage error on stderr. */
int cli_parse(int argc, char **argv, const char *cmd, const char *allowed,
	      struct cli_opts *o);

struct session {
	const char *path;
	struct tlbsim_trace_reader *reader;
	struct tlbsim_topology *topo;
	struct tlbsim_profile profile;
	const struct tlbsim_backend *backend;
	double ghz;
	bool no_pcid;
	bool serial;   /* observers attached: one thread (see fanout.h) */
	bool per_mm;   /* simulations keep flush counts per mm */
	size_t n;
	struct tlbsim_sim *sims[CLI_MAX_POLICIES];
	const struct tlbsim_result *results[CLI_MAX_POLICIES];
};

/* Called before each event is applied (after the simulations caught up to
 * its time), e.g. by explain. */
typedef void (*session_hook)(void *ctx, const struct tlbsim_trace_event *ev);

int session_open(struct session *s, const char *path, const struct cli_opts *o,
		 struct tlbsim_diag *diag);
int session_run(struct session *s, session_hook hook, void *ctx,
		struct tlbsim_diag *diag);
void session_report_input(const struct session *s,
			  struct tlbsim_report_input *in);
void session_close(struct session *s);

/* --perfetto and --svg, for any command that runs a session. */
struct timelines {
	struct tlbsim_atomic pf_out, svg_out;  /* created when attached */
	struct tlbsim_perfetto *pf;
	struct tlbsim_svg *svg;
};
int timelines_attach(struct timelines *t, struct session *s,
		     const struct cli_opts *o, struct tlbsim_diag *d);
int timelines_commit(struct timelines *t, const struct cli_opts *o,
		     const char *title, struct tlbsim_diag *d);
void timelines_free(struct timelines *t);

/* stderr "tlbsim: <msg>" and exit code 2. */
int cli_fail(const struct tlbsim_diag *d);

int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

#endif
