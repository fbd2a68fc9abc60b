/* cmd_explain.c - `tlbsim explain`: the narrated walk (tlbsim/explain.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tlbsim/explain.h"

static const char help[] =
"usage: tlbsim explain TRACE [--policy P]... [--backend B] [--profile P]\n"
"                            [-o FILE] [--perfetto FILE] [--svg FILE]\n"
"\n"
"Walk through TRACE one event at a time: what happened, the kernel function\n"
"modeled, each decision with the condition that made it, the state of every\n"
"CPU after the step, and hazards as they arise. With several --policy, say\n"
"where they part ways (default: legacy and wake-lazy). --profile kvm-guest\n"
"shows a KVM guest's timing: the sender's own flush after its IPIs, a vCPU\n"
"held until the IPI sent to it arrives.\n";

static void step(void *ctx, const struct tlbsim_trace_event *ev)
{
	tlbsim_explain_step(ctx, ev);
}

int cmd_explain(int argc, char **argv)
{
	struct cli_opts o;
	struct session s;
	struct tlbsim_atomic out;
	struct tlbsim_explain *x = NULL;
	struct timelines t;
	const char *names[CLI_MAX_POLICIES];
	struct tlbsim_diag d;
	int err;

	if ((err = cli_parse(argc, argv, "explain", "policy backend output topology pcid "
			     "profile perfetto svg zero-page", &o)))
		return err;
	if (o.help) {
		fputs(help, stdout);
		return 0;
	}
	if (o.ntraces != 1)
		return cli_usage("explain", "takes one TRACE (got %zu)", o.ntraces);
	memset(&t, 0, sizeof(t));
	capture_beside("explain", &o, true);
	err = session_open(&s, o.traces[0], &o, &d);
	if (!err)
		err = timelines_attach(&t, &s, &o, &d);
	if (!err)
		err = tlbsim_atomic_open(o.output ? o.output : "-", &out, &d);
	if (!err) {
		const struct tlbsim_trace_header *h = tlbsim_trace_header(s.reader);
		bool color = !o.output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

		for (size_t i = 0; i < s.n; i++)
			names[i] = tlbsim_sim_result(s.sims[i])->policy.name;
		fprintf(out.f, "tlbsim explain %s (%u CPUs, %s backend)\n", o.traces[0],
			h->cpus, s.backend->name);
		if (h->comment[0])
			fprintf(out.f, "%s\n", h->comment);
		x = tlbsim_explain_new(out.f, color, s.n, s.sims, names);
		if (!x)
			err = tlbsim_diag_set(&d, TLBSIM_ENOMEM, "out of memory");
		if (!err)
			err = session_run(&s, step, x, &d);
		if (!err)
			err = timelines_commit(&t, &o, o.traces[0], &d);
		if (!err) {
			tlbsim_explain_end(x);
			err = tlbsim_atomic_commit(&out, &d);
		} else {
			tlbsim_atomic_abort(&out);
		}
	}
	tlbsim_explain_free(x);
	timelines_free(&t);
	session_close(&s);
	return err ? cli_fail(&d) : 0;
}
