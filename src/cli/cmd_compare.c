/*
 * cmd_compare.c - `tlbsim run` and `tlbsim compare`: replay one trace under
 * one or more policies, print the table or the JSON report, optionally
 * write Perfetto and SVG timelines. Every output file is written whole or
 * not at all.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tlbsim/timeline.h"

static const char run_help[] =
"usage: tlbsim run TRACE [--policy P] [--backend B] [--json] [-o FILE]\n"
"                        [--topology T] [--profile P] [--perfetto FILE] [--svg FILE]\n"
"\n"
"Replay TRACE ('-' = stdin) under one policy (default legacy).\n";

static const char compare_help[] =
"usage: tlbsim compare TRACE [--policy P]... [--backend B] [--json] [-o FILE]\n"
"                            [--topology T] [--profile P] [--perfetto FILE] [--svg FILE]\n"
"\n"
"Replay TRACE ('-' = stdin) under several policies, reading it once, and show\n"
"them side by side (default: legacy and wake-lazy).\n"
"\n"
"  -p, --policy P     legacy | wake-lazy | wake=freed|freed+unshared,sync=always|native|never\n"
"  -b, --backend B    native | kvm | hyperv | xen | invlpgb | pvm (default: the trace's)\n"
"      --json         the JSON report (docs/report-format.md) instead of the table\n"
"  -o, --output FILE  write the report to FILE (atomically) instead of stdout\n"
"      --topology T   hwloc synthetic string, xml:FILE or host (default: the trace's)\n"
"      --topology-xml FILE  the same as --topology xml:FILE\n"
"      --profile P    cost profile: a built-in name (generic) or a JSON file\n"
"      --pcid on|off  CPUs with or without PCID (default: the trace's, on)\n"
"      --zero-page on|off  a capture's kernel maps the zero page on anonymous\n"
"                     read faults (default on; off: a PVM guest's pvm_no_zero_page=1)\n"
"      --perfetto F   Chrome trace-event JSON for ui.perfetto.dev\n"
"      --svg F        a standalone SVG timeline (<= 16 CPUs, <= 200 events)\n";

int timelines_attach(struct timelines *t, struct session *s,
			    const struct cli_opts *o, struct tlbsim_diag *d)
{
	unsigned cpus = tlbsim_topology_cpus(s->topo);
	int err;

	memset(t, 0, sizeof(*t));
	s->serial |= o->perfetto || o->svg;
	if (o->perfetto) {
		if ((err = tlbsim_atomic_open(o->perfetto, &t->pf_out, d)))
			return err;
		t->pf = tlbsim_perfetto_new(t->pf_out.f);
		for (size_t i = 0; t->pf && i < s->n; i++)
			tlbsim_perfetto_attach(t->pf, s->sims[i], (int)i + 1,
				tlbsim_sim_result(s->sims[i])->policy.name, cpus, s->ghz);
	}
	if (o->svg) {
		if ((err = tlbsim_atomic_open(o->svg, &t->svg_out, d)))
			return err;
		t->svg = tlbsim_svg_new(cpus);
		for (size_t i = 0; t->svg && i < s->n; i++)
			tlbsim_svg_attach(t->svg, s->sims[i],
					  tlbsim_sim_result(s->sims[i])->policy.name);
	}
	if ((o->perfetto && !t->pf) || (o->svg && !t->svg))
		return tlbsim_diag_set(d, TLBSIM_ENOMEM, "out of memory");
	return 0;
}

int timelines_commit(struct timelines *t, const struct cli_opts *o,
			    const char *title, struct tlbsim_diag *d)
{
	int err = 0;

	if (t->pf) {
		err = tlbsim_perfetto_end(t->pf);
		if (err)
			return tlbsim_diag_set(d, err, "%s: write error", o->perfetto);
		if ((err = tlbsim_atomic_commit(&t->pf_out, d)))
			return err;
	}
	if (t->svg) {
		char *svg = tlbsim_svg_render(t->svg, title);

		if (!svg)
			return tlbsim_diag_set(d, TLBSIM_ENOMEM, "out of memory");
		if (fputs(svg, t->svg_out.f) == EOF)
			err = tlbsim_diag_set(d, TLBSIM_EIO, "%s: write error", o->svg);
		free(svg);
		if (!err)
			err = tlbsim_atomic_commit(&t->svg_out, d);
	}
	return err;
}

void timelines_free(struct timelines *t)
{
	tlbsim_perfetto_free(t->pf);
	tlbsim_svg_free(t->svg);
	tlbsim_atomic_abort(&t->pf_out);   /* nothing left after a commit */
	tlbsim_atomic_abort(&t->svg_out);
}

/* Into @out, opened before the run (a report that cannot be created must
 * fail before any timeline is written), committed by the caller. */
static int write_report(const struct session *s, const struct cli_opts *o,
			struct tlbsim_atomic *out, struct tlbsim_diag *d)
{
	struct tlbsim_report_input in;
	char *text = NULL;
	size_t len = 0;
	int err;

	session_report_input(s, &in);
	if (o->json) {
		text = tlbsim_report_json(&in);
		len = text ? strlen(text) : 0;
	} else {
		FILE *f = open_memstream(&text, &len);
		bool color = !o->output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

		if (f) {
			tlbsim_report_table(&in, f, color);
			fclose(f);
		}
	}
	if (!text)
		return tlbsim_diag_set(d, TLBSIM_ENOMEM, "out of memory");
	err = fwrite(text, 1, len, out->f) == len ? 0 :
	      tlbsim_diag_set(d, TLBSIM_EIO, "%s: write error",
			      o->output ? o->output : "stdout");
	free(text);
	return err;
}

static int replay(int argc, char **argv, const char *cmd, bool one_policy)
{
	struct cli_opts o;
	struct session s;
	struct timelines t;
	struct tlbsim_atomic out;
	struct tlbsim_diag d;
	int err;

	if ((err = cli_parse(argc, argv, cmd, "policy backend json output topology pcid "
			     "profile perfetto svg zero-page", &o)))
		return err;
	if (o.help) {
		fputs(one_policy ? run_help : compare_help, stdout);
		return 0;
	}
	if (o.ntraces != 1)
		return cli_usage(cmd, "takes one TRACE (got %zu)", o.ntraces);
	if (one_policy && o.npolicies > 1)
		return cli_usage(cmd, "takes one --policy (compare takes several)");
	if (one_policy && !o.npolicies)
		o.policies[o.npolicies++] = "legacy";
	memset(&t, 0, sizeof(t));
	memset(&out, 0, sizeof(out));
	capture_beside(cmd, &o, true);
	err = session_open(&s, o.traces[0], &o, &d);
	if (!err)
		err = tlbsim_atomic_open(o.output ? o.output : "-", &out, &d);
	if (!err)
		err = timelines_attach(&t, &s, &o, &d);
	if (!err)
		err = session_run(&s, NULL, NULL, &d);
	if (!err)
		err = write_report(&s, &o, &out, &d);
	if (!err)
		err = timelines_commit(&t, &o, o.traces[0], &d);
	if (!err)
		err = tlbsim_atomic_commit(&out, &d);
	else
		tlbsim_atomic_abort(&out);
	timelines_free(&t);
	session_close(&s);
	return err ? cli_fail(&d) : 0;
}

int cmd_run(int argc, char **argv)
{
	return replay(argc, argv, "run", true);
}

int cmd_compare(int argc, char **argv)
{
	return replay(argc, argv, "compare", false);
}
