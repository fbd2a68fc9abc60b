/*
 * cmd_validate.c - `tlbsim validate`: a capture replayed and compared.
 *
 * validate replays a capture under legacy (the captured kernel's policy)
 * with its backend (default kvm: the shipped captures ran on KVM with
 * paravirt flush) and sets what the model predicts beside what the kernel
 * did, counter by counter. The observed counts come from the capture's
 * output tracepoints, which the model never reads.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "report/text.h"
#include "cli/capture.h"

static const char validate_help[] =
"usage: tlbsim validate CAPTURE [--backend B] [--profile P] [--topology T]\n"
"                       [--pcid on|off] [--zero-page on|off] [--by-process]\n"
"                       [--diff] [--json] [-o FILE]\n"
"\n"
"Replay a perf capture (`perf script -F comm,tid,pid,cpu,time,event,trace`,\n"
"plain or .xz, '-' for stdin) or a trace-cmd trace.dat under legacy with\n"
"backend B (default: an imported capture's header's, else kvm) and print\n"
"observed vs predicted counts with the error, the inferences the\n"
"reconstruction made, and the tracepoints it did not use. --topology\n"
"xml:FILE gives the capture host's machine (its CPU\n"
"count too); --pcid off when that host lacks PCID; --zero-page off when\n"
"its kernel maps no zero page on anonymous read faults (a PVM guest's\n"
"pvm_no_zero_page=1). NAME.host.json beside the capture (`tlbsim host\n"
"--json`, traces/capture.sh) gives the profile, PCID, backend and zero\n"
"page the command line does not. The profile is\n"
"kvm-guest on the kvm backend (calibrated on such captures), generic on\n"
"the others, unless --profile says. --by-process adds local shootdowns,\n"
"remote sends and remote shootdowns per thread group, observed and\n"
"predicted: where the model and the kernel part. --diff pairs each\n"
"local MM shootdown and remote IPI send the capture recorded with the\n"
"model's nearest for the same process within 1 ms, and each task switch\n"
"(with and without flush) with the model's nearest on the same CPU,\n"
"counts what stays unpaired on each side and lists the first ones: the\n"
"capture's by the line that recorded them, the model's by the event it\n"
"was applying.\n";

static const struct {
	const char *name;
	bool complete;   /* a perf capture sees every one of them */
	const char *what;
} vdefs[V_COUNT] = {
	{ "flush_ipis", true, "flush_tlb_func smp-calls queued to other CPUs" },
	{ "sync_ipis", true, "tlb_remove_table_smp_sync smp-calls" },
	{ "remote_send_ipi", true, "tlb_flush reason 4 (flush_tlb_multi calls)" },
	{ "remote_shootdown", false, "tlb_flush reason 1 (missed on idle CPUs)" },
	{ "local_mm_shootdown", true, "tlb_flush reason 3" },
	{ "task_switch_flush", false, "tlb_flush reason 0, pages -1 (missed on idle CPUs)" },
	{ "task_switch_noflush", false, "tlb_flush reason 0, pages 0 (missed on idle CPUs)" },
	{ "wrong_cpu", false, "tlb_flush reason 5 (missed on idle CPUs)" },
};

static void predicted(const struct tlbsim_result *r, uint64_t pred[V_COUNT])
{
	pred[V_FLUSH] = r->c.ipi_flush;
	pred[V_SYNC] = r->c.ipi_sync;
	pred[V_SEND] = r->c.remote_send_ipi;
	pred[V_REMOTE] = r->c.flush_remote;
	pred[V_LOCAL] = r->c.flush_local;
	pred[V_TS_FLUSH] = r->c.flush_task_switch;
	pred[V_TS_NOFLUSH] = r->c.task_switch_noflush;
	pred[V_WRONG] = r->c.wrong_cpu;
}

/*
 * The predictions as the capture records them: without what the model's
 * CPUs did in their idle task where the capture holds nothing of it (perf
 * on the capture hosts' KVM guests records nothing of CPU 1's idle task,
 * ftrace its IPI handlers but not its switches out of it): the switches
 * out of idle, and in handlers run there the lazy CPU's switch to
 * init_mm, remote shootdowns and wrong-CPU clearings. Switches the capture
 * lost ("unseen") are never in it.
 */
static void in_capture(const struct tlbsim_result *r,
		       const struct tlbsim_trace_reader *tr,
		       const uint64_t pred[V_COUNT], uint64_t out[V_COUNT])
{
	memcpy(out, pred, V_COUNT * sizeof(*out));
	for (unsigned c = 0; c < r->ncpus; c++) {
		const struct tlbsim_cpu_stats *st = &r->per_cpu[c];
		unsigned seen = tlbsim_trace_idle_seen(tr, c);

		out[V_TS_FLUSH] -= st->unseen_switch_flush;
		out[V_TS_NOFLUSH] -= st->unseen_switch_noflush;
		out[V_LOCAL] -= st->unseen_flush_local;
		out[V_SEND] -= st->unseen_flush_send;
		out[V_FLUSH] -= st->unseen_flush_ipis;
		if (!(seen & TLBSIM_IDLE_SWITCHES)) {
			out[V_TS_FLUSH] -= st->idle_switch_flush;
			out[V_TS_NOFLUSH] -= st->idle_switch_noflush;
		}
		if (!(seen & TLBSIM_IDLE_IRQS)) {
			out[V_TS_FLUSH] -= st->idle_irq_switch_flush;
			out[V_TS_NOFLUSH] -= st->idle_irq_switch_noflush;
			out[V_REMOTE] -= st->idle_irq_remote;
			out[V_WRONG] -= st->idle_irq_wrong_cpu;
		}
	}
}

static bool any_observed(const uint64_t obs[V_COUNT])
{
	for (int i = 0; i < V_COUNT; i++)
		if (obs[i])
			return true;
	return false;
}

static double error_pct(uint64_t obs, uint64_t pred)
{
	if (!obs)
		return pred ? 100.0 : 0.0;
	return 100.0 * ((double)pred - (double)obs) / (double)obs;
}

static json_t *counts_json(const struct tlbsim_trace_count *c, size_t n, bool used)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, c[i].name, used ?
			json_pack("{s:I, s:b}", "count", (json_int_t)c[i].count, "used", c[i].used) :
			json_integer((json_int_t)c[i].count));
	return o;
}

struct lat_pair {
	uint64_t n_obs, obs_p50, obs_p90, n_pred, pred_p50, pred_p90;
};

static double lat_err(uint64_t obs, uint64_t pred)
{
	return obs ? 100.0 * ((double)pred - (double)obs) / (double)obs : 0.0;
}

/* Remote IPI sends, yet no flush IPI queued and no remote shootdown run:
 * the captured host flushed other CPUs without IPIs (a paravirtual
 * flush, e.g. a PVM guest), so the remote counters do not compare. */
static bool flushes_without_ipis(const uint64_t obs[V_COUNT])
{
	return obs[V_SEND] && !obs[V_FLUSH] && !obs[V_REMOTE];
}

static char *validate_json(const struct session *s, const char *backend,
			   const struct byproc *bp, const struct flushdiff *fd,
			   const struct lat_pair *lp,
			   const uint64_t obs[V_COUNT], const uint64_t pred[V_COUNT],
			   const uint64_t pred_in[V_COUNT],
			   const struct tlbsim_trace_count *tp, size_t ntp,
			   const struct tlbsim_trace_count *inf, size_t ninf)
{
	struct tlbsim_report_input in;
	char *base, *out;
	json_t *doc, *v, *counters = json_object();
	json_error_t e;

	session_report_input(s, &in);
	base = tlbsim_report_json(&in);
	doc = base ? json_loads(base, JSON_DECODE_ANY, &e) : NULL;
	free(base);
	if (!doc)
		return NULL;
	for (int i = 0; i < V_COUNT; i++) {
		json_t *c = json_pack("{s:I, s:I, s:f, s:b}", "observed", (json_int_t)obs[i],
			"predicted", (json_int_t)pred[i], "error_pct",
			round(error_pct(obs[i], pred[i]) * 100) / 100,
			"complete_in_capture", vdefs[i].complete);

		/* what of it the capture can hold: the model's count without
		 * what it did where the capture is blind (in_capture()); for
		 * a complete counter, only when it differs (flushes of tasks
		 * the capture lost the records of) */
		if (!vdefs[i].complete || pred_in[i] != pred[i]) {
			json_object_set_new(c, "predicted_in_capture",
					    json_integer((json_int_t)pred_in[i]));
			json_object_set_new(c, "error_in_capture_pct", json_real(
				round(error_pct(obs[i], pred_in[i]) * 100) / 100));
		}
		json_object_set_new(counters, vdefs[i].name, c);
	}
	v = json_pack("{s:s, s:s, s:o, s:{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}, s:o, s:o}",
		      "backend", backend, "policy", "legacy", "counters", counters,
		      "latency", "observed_send_to_remote_flush_ns", "n", (json_int_t)lp->n_obs,
		      "p50", (json_int_t)lp->obs_p50, "p90", (json_int_t)lp->obs_p90,
		      "predicted_send_to_remote_flush_ns", "n", (json_int_t)lp->n_pred,
		      "p50", (json_int_t)lp->pred_p50, "p90", (json_int_t)lp->pred_p90,
		      "inferences", counts_json(inf, ninf, false), "tracepoints",
		      counts_json(tp, ntp, true));
	json_object_set_new(v, "flushes_without_ipis",
			    json_boolean(flushes_without_ipis(obs)));
	if (bp)
		json_object_set_new(v, "by_process", byproc_json(bp));
	if (fd)
		json_object_set_new(v, "flush_diff", flushdiff_json(fd));
	json_object_set_new(doc, "validate", v);
	out = json_text(doc, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(doc);
	return out;
}

static void validate_table(FILE *f, const char *path, const char *backend,
			   const struct byproc *bp, const struct flushdiff *fd,
			   const struct lat_pair *lp,
			   const uint64_t obs[V_COUNT], const uint64_t pred[V_COUNT],
			   const uint64_t pred_in[V_COUNT],
			   const struct tlbsim_trace_count *tp, size_t ntp,
			   const struct tlbsim_trace_count *inf, size_t ninf)
{
	const struct tlbsim_backend *b;

	fprintf(f, "%s: legacy on the %s backend, observed vs predicted\n\n", path,
		backend);
	fprintf(f, "%-22s %10s %10s %9s\n", "counter", "observed", "predicted", "error");
	for (int i = 0; i < V_COUNT; i++) {
		fprintf(f, "%-22s %10llu %10llu %+8.1f%%", vdefs[i].name,
			(unsigned long long)obs[i], (unsigned long long)pred[i],
			error_pct(obs[i], pred[i]));
		if (!vdefs[i].complete)
			fprintf(f, "  (missed on idle CPUs: %llu as the capture records, "
				"%+.1f%%)", (unsigned long long)pred_in[i],
				error_pct(obs[i], pred_in[i]));
		else if (pred_in[i] != pred[i])
			fprintf(f, "  (lost with unseen tasks' records: %llu as the "
				"capture records, %+.1f%%)", (unsigned long long)pred_in[i],
				error_pct(obs[i], pred_in[i]));
		fputc('\n', f);
	}
	/* a backend whose flush traces sends without IPIs (pvm) predicts them */
	b = tlbsim_backend_find(backend);
	if (flushes_without_ipis(obs) && !(b && b->hypercall_others))
		fprintf(f, "\nnote: the capture sends remote flushes but queues no flush "
			"IPI and runs no remote shootdown: its host flushes other CPUs "
			"without IPIs (a paravirtual flush, as a PVM guest's: --backend "
			"pvm, with --pcid off and --zero-page off where `tlbsim host` on "
			"that machine says so); on the %s backend only the local "
			"counters compare\n", backend);
	if (lp->n_obs)
		fprintf(f, "\nsend -> remote shootdown (ns, %llu observed, %llu predicted):\n"
			"%-22s %10llu %10llu %+8.1f%%\n%-22s %10llu %10llu %+8.1f%%\n",
			(unsigned long long)lp->n_obs, (unsigned long long)lp->n_pred,
			"latency p50", (unsigned long long)lp->obs_p50,
			(unsigned long long)lp->pred_p50, lat_err(lp->obs_p50, lp->pred_p50),
			"latency p90", (unsigned long long)lp->obs_p90,
			(unsigned long long)lp->pred_p90, lat_err(lp->obs_p90, lp->pred_p90));
	fprintf(f, "\ninferences:");
	for (size_t i = 0; i < ninf; i++)
		if (inf[i].count)
			fprintf(f, " %s %llu", inf[i].name, (unsigned long long)inf[i].count);
	fprintf(f, "\ntracepoints not used:");
	for (size_t i = 0; i < ntp; i++)
		if (!tp[i].used)
			fprintf(f, " %s %llu", tp[i].name, (unsigned long long)tp[i].count);
	fputc('\n', f);
	if (bp)
		byproc_table(f, bp);
	if (fd)
		flushdiff_table(f, fd);
}

int cmd_validate(int argc, char **argv)
{
	struct cli_opts o;
	struct session s;
	struct tlbsim_trace_count tp[256], inf[64];
	uint64_t obs[V_COUNT] = { 0 }, pred[V_COUNT], pred_in[V_COUNT];
	struct lat_obs lat;
	struct byproc bp = { 0 };
	struct flushdiff *fd = NULL;
	struct tlbsim_diag d;
	size_t ntp, ninf;
	int err;

	if ((err = cli_parse(argc, argv, "validate", "backend json output topology pcid "
			     "profile by-process diff zero-page", &o)))
		return err;
	if (o.help) {
		fputs(validate_help, stdout);
		return 0;
	}
	if (o.ntraces != 1)
		return cli_usage("validate", "takes one CAPTURE (got %zu)", o.ntraces);
	memset(&lat, 0, sizeof(lat));
	capture_beside("validate", &o, true);
	/* an imported capture's header names its backend; else the capture
	 * hosts' (KVM), whose latencies compare with a guest's costs only */
	o.backend_default = "kvm";
	o.kvm_profile = "kvm-guest";
	o.policies[0] = "legacy";
	o.npolicies = 1;
	err = capture_replay(&s, o.traces[0], &o, obs, &lat, o.by_process ? &bp : NULL,
			     &fd, &d);
	if (!err && fd) {
		flushdiff_finish(fd);
		if (flushdiff_error(fd))
			err = tlbsim_diag_set(&d, flushdiff_error(fd), "out of memory");
	}
	if (!err && o.by_process) {
		byproc_predicted(&bp, tlbsim_sim_result(s.sims[0]));
		if (bp.err)
			err = tlbsim_diag_set(&d, bp.err, "out of memory");
	}
	if (!err && (!strcmp(tlbsim_trace_format(s.reader), "native") ||
		     !strcmp(tlbsim_trace_format(s.reader), "binary")) && !any_observed(obs))
		err = tlbsim_diag_set(&d, TLBSIM_EINVAL, "%s: no observed events: validate "
				      "compares the model with a capture (perf text, "
				      "trace.dat, or their import)", o.traces[0]);
	if (!err) {
		char *text = NULL;
		size_t len = 0;

		struct lat_pair lp;

		s.results[0] = tlbsim_sim_result(s.sims[0]);
		predicted(s.results[0], pred);
		in_capture(s.results[0], s.reader, pred, pred_in);
		lp.n_obs = lat.n;
		lp.obs_p50 = lat_pct(&lat, 0.5);
		lp.obs_p90 = lat_pct(&lat, 0.9);
		lp.n_pred = s.results[0]->send_to_remote_flush.n;
		lp.pred_p50 = s.results[0]->send_to_remote_flush.p50;
		lp.pred_p90 = s.results[0]->send_to_remote_flush.p90;
		ntp = tlbsim_trace_tracepoints(s.reader, tp, 256);
		ninf = tlbsim_trace_inferences(s.reader, inf, 64);
		if (o.json) {
			text = validate_json(&s, s.backend->name, o.by_process ? &bp : NULL, fd, &lp,
					     obs, pred, pred_in, tp, ntp < 256 ? ntp : 256,
					     inf, ninf < 64 ? ninf : 64);
			len = text ? strlen(text) : 0;
		} else {
			FILE *f = open_memstream(&text, &len);

			if (f) {
				validate_table(f, o.traces[0], s.backend->name,
					       o.by_process ? &bp : NULL, fd, &lp, obs, pred,
					       pred_in, tp, ntp < 256 ? ntp : 256, inf,
					       ninf < 64 ? ninf : 64);
				fclose(f);
			}
		}
		err = text ? tlbsim_write_file_atomic(o.output ? o.output : "-", text,
						      len, &d) :
			     tlbsim_diag_set(&d, TLBSIM_ENOMEM, "out of memory");
		free(text);
	}
	free(lat.v);
	byproc_free(&bp);
	flushdiff_free(fd);
	session_close(&s);
	return err ? cli_fail(&d) : 0;
}
