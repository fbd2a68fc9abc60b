/*
 * cmd_baseline.c - `tlbsim baseline` and `tlbsim check`: CI regression
 * checks on the report counters (tlbsim/baseline.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tlbsim/baseline.h"

static const char baseline_help[] =
"usage: tlbsim baseline TRACE... -o baseline.json [--policy P]... [--backend B]\n"
"\n"
"Replay each TRACE under each policy (default: legacy and wake-lazy) and\n"
"record every report counter, the hazard count, the trace's sha256 and the\n"
"tool version.\n";

static const char check_help[] =
"usage: tlbsim check --baseline FILE TRACE... [--tolerance 2%] [--junit FILE]\n"
"                    [--fail-on-hazard] [--policy P]... [--backend B]\n"
"\n"
"Replay each TRACE and compare its counters with the baseline. Exit 0 when\n"
"every counter is within the tolerance (a percentage, or a count; default 0),\n"
"1 on a regression, with a table naming trace, policy, counter, old, new and\n"
"delta; 2 on a usage or input error. --junit writes JUnit XML for CI.\n";

/* Run every trace, handing each policy's result to @each. */
static int run_all(const struct cli_opts *o, int (*each)(void *, const char *,
		   const char *, const struct tlbsim_result *), void *ctx,
		   struct tlbsim_diag *d)
{
	for (size_t t = 0; t < o->ntraces; t++) {
		struct session s;
		struct tlbsim_report_input in;
		int err = session_open(&s, o->traces[t], o, d);

		if (!err)
			err = session_run(&s, NULL, NULL, d);
		if (!err) {
			session_report_input(&s, &in);
			for (size_t i = 0; i < s.n && !err; i++)
				err = each(ctx, o->traces[t], in.trace_sha256, s.results[i]);
			if (err)
				tlbsim_diag_set(d, err, "out of memory");
		}
		session_close(&s);
		if (err)
			return err;
	}
	return 0;
}

static int add_one(void *ctx, const char *trace, const char *sha,
		   const struct tlbsim_result *r)
{
	return tlbsim_baseline_add(ctx, trace, sha, r);
}

int cmd_baseline(int argc, char **argv)
{
	struct cli_opts o;
	struct tlbsim_baseline *b;
	struct tlbsim_diag d;
	char *json;
	int err;

	if ((err = cli_parse(argc, argv, "baseline", "policy backend output topology pcid "
			     "profile", &o)))
		return err;
	if (o.help) {
		fputs(baseline_help, stdout);
		return 0;
	}
	if (!o.ntraces || !o.output)
		return cli_usage("baseline", "needs TRACE... and -o BASELINE.json");
	b = tlbsim_baseline_new();
	if (!b)
		return 2;
	err = run_all(&o, add_one, b, &d);
	if (!err) {
		json = tlbsim_baseline_json(b);
		err = json ? tlbsim_write_file_atomic(o.output, json, strlen(json), &d) :
			     tlbsim_diag_set(&d, TLBSIM_ENOMEM, "out of memory");
		free(json);
	}
	tlbsim_baseline_free(b);
	return err ? cli_fail(&d) : 0;
}

static int check_one(void *ctx, const char *trace, const char *sha,
		     const struct tlbsim_result *r)
{
	return tlbsim_check_result(ctx, trace, sha, r);
}

int cmd_check(int argc, char **argv)
{
	struct cli_opts o;
	struct tlbsim_baseline *b = NULL;
	struct tlbsim_check *c = NULL;
	struct tlbsim_tolerance tol = { 0, 0 };
	struct tlbsim_diag d;
	int err;

	if ((err = cli_parse(argc, argv, "check", "policy backend baseline tolerance "
			     "junit fail-on-hazard topology pcid profile", &o)))
		return err;
	if (o.help) {
		fputs(check_help, stdout);
		return 0;
	}
	if (!o.ntraces || !o.baseline)
		return cli_usage("check", "needs --baseline FILE and TRACE...");
	if (o.tolerance && (err = tlbsim_tolerance_parse(o.tolerance, &tol, &d)))
		return cli_fail(&d);
	if ((err = tlbsim_baseline_load(o.baseline, &b, &d)))
		return cli_fail(&d);
	c = tlbsim_check_new(b, tol, o.fail_on_hazard);
	err = c ? run_all(&o, check_one, c, &d) :
		  tlbsim_diag_set(&d, TLBSIM_ENOMEM, "out of memory");
	if (!err && o.junit) {
		char *x = tlbsim_check_junit(c);

		err = x ? tlbsim_write_file_atomic(o.junit, x, strlen(x), &d) :
			  tlbsim_diag_set(&d, TLBSIM_ENOMEM, "out of memory");
		free(x);
	}
	if (!err) {
		tlbsim_check_print(c, stdout);
		err = tlbsim_check_failed(c) ? 1 : 0;
	} else {
		err = cli_fail(&d);
	}
	tlbsim_check_free(c);
	tlbsim_baseline_free(b);
	return err;
}
