/*
 * cmd_convert.c - `tlbsim import` and `tlbsim convert`: any trace tlbsim
 * reads (native, binary, perf text, trace.dat) rewritten as the native
 * JSONL trace or as its compact binary form. The events are those the
 * reader hands to the model, `observed` ones included, so both round-trip.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "tlbsim/report.h"

static const char import_help[] =
"usage: tlbsim import TRACE [--zero-page on|off] [--pcid on|off] [--backend B]\n"
"                           [-o FILE]\n"
"\n"
"Write the native trace (format 1) of TRACE: for a perf or trace-cmd capture\n"
"the reconstructed one, `observed` events included, so that it can be edited,\n"
"replayed or kept; for a binary trace its JSONL original. --zero-page off:\n"
"the captured kernel mapped no zero page on anonymous read faults (a PVM\n"
"guest's pvm_no_zero_page=1). --pcid off: the captured CPUs had no PCID\n"
"(the header says \"pcid\": false). --backend: the captured kernel's flush\n"
"backend (the header's \"backend\"). Each is taken from NAME.host.json\n"
"beside the capture when not given.\n";

static const char convert_help[] =
"usage: tlbsim convert TRACE -o FILE [--form 1|2]\n"
"\n"
"Write TRACE in the native trace's binary form (traces/FORMAT.md, \"Binary\n"
"form\"): the same events and checks as the JSONL form, read several times\n"
"faster. Every command reads it; `tlbsim import` turns it back into JSONL.\n"
"For replaying long traces again and again (benchmarks, CI). --form 2 (the\n"
"default): the compact form, about 14 bytes an event; --form 1: 35 bytes\n"
"an event, the form earlier tlbsim versions read.\n";

/* @form: 0 for JSONL, else the binary form's number */
static int rewrite(struct tlbsim_trace_reader *r, FILE *f, int form,
		   struct tlbsim_diag *d)
{
	const struct tlbsim_trace_header *h = tlbsim_trace_header(r);
	struct tlbsim_compact_writer w;
	struct tlbsim_trace_event ev;
	int n, err;

	err = form == 2 ? tlbsim_trace_write_compact_header(f, &w, h) :
	      form == 1 ? tlbsim_trace_write_binary_header(f, h) :
			  tlbsim_trace_write_header(f, h);
	if (!form)
		fputc('\n', f);
	while (!err && (n = tlbsim_trace_next(r, &ev, d)) > 0) {
		if (form == 2) {
			err = tlbsim_trace_write_compact_event(f, &w, &ev);
		} else if (form == 1) {
			err = tlbsim_trace_write_binary_event(f, &ev);
		} else {
			err = tlbsim_trace_write_event(f, &ev);
			fputc('\n', f);
		}
	}
	if (err)
		return tlbsim_diag_set(d, TLBSIM_EIO, "cannot write the output");
	return n < 0 ? n : 0;
}

static int run(int argc, char **argv, const char *name, const char *help,
	       bool binary)
{
	struct cli_opts o;
	struct tlbsim_trace_reader *r = NULL;
	struct tlbsim_atomic out;
	struct tlbsim_diag d;
	int err, form = 0;

	if ((err = cli_parse(argc, argv, name, binary ? "output form" :
			     "output zero-page pcid backend", &o)))
		return err;
	if (o.help) {
		fputs(help, stdout);
		return 0;
	}
	if (o.ntraces != 1)
		return cli_usage(name, "takes one TRACE (got %zu)", o.ntraces);
	if (binary && !o.output)
		return cli_usage(name, "needs -o FILE.tlbb, or -o - for stdout");
	if (binary && o.form && strcmp(o.form, "1") && strcmp(o.form, "2"))
		return cli_usage(name, "--form is 1 or 2, not '%s'", o.form);
	if (binary)
		form = o.form && !strcmp(o.form, "1") ? 1 : 2;
	if (!binary)
		capture_beside(name, &o, false);
	if ((err = tlbsim_trace_open(o.traces[0], &r, &d)) ||
	    (o.zero_page &&
	     (err = tlbsim_trace_set_zero_page(r, strcmp(o.zero_page, "off"), &d))) ||
	    (o.pcid && (err = tlbsim_trace_set_pcid(r, strcmp(o.pcid, "off"), &d))) ||
	    (o.backend && (err = tlbsim_trace_set_backend(r, o.backend, &d)))) {
		tlbsim_trace_close(r);
		return cli_fail(&d);
	}
	if ((err = tlbsim_atomic_open(o.output ? o.output : "-", &out, &d))) {
		tlbsim_trace_close(r);
		return cli_fail(&d);
	}
	err = rewrite(r, out.f, form, &d);
	if (err)
		tlbsim_atomic_abort(&out);
	else
		err = tlbsim_atomic_commit(&out, &d);
	tlbsim_trace_close(r);
	return err ? cli_fail(&d) : 0;
}

int cmd_import(int argc, char **argv)
{
	return run(argc, argv, "import", import_help, false);
}

int cmd_convert(int argc, char **argv)
{
	return run(argc, argv, "convert", convert_help, true);
}
