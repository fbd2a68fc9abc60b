/*
 * report.c - the JSON report (contract: docs/report-format.md, version 1)
 * and the side-by-side table. Keys keep the contract's order
 * (JSON_PRESERVE_ORDER) and every number is an integer or a fixed-format
 * real, so the same input gives the same bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlbsim/report.h"
#include "tlbsim/version.h"
#include "report/text.h"

static json_t *jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *hazard_json(const struct tlbsim_hazard *h)
{
	json_t *o = json_object(), *chain = json_array();

	json_object_set_new(o, "kind", json_string(tlbsim_hazard_name(h->kind)));
	json_object_set_new(o, "cpu", jint(h->cpu));
	json_object_set_new(o, "mm", jint(h->mm));
	json_object_set_new(o, "t", jint(h->t));
	json_object_set_new(o, "table", json_string(h->table));
	json_object_set_new(o, "cause", json_string(h->cause));
	for (unsigned i = 0; i < h->chain_len; i++) {
		json_t *st = json_object();

		json_object_set_new(st, "t", jint(h->chain[i].t));
		json_object_set_new(st, "cpu", json_integer(h->chain[i].cpu));
		json_object_set_new(st, "what", json_string(h->chain[i].what));
		json_array_append_new(chain, st);
	}
	json_object_set_new(o, "chain", chain);
	return o;
}

/* "ipis.flush" -> o["ipis"]["flush"], creating the group in order. */
static void set_path(json_t *o, const char *path, json_t *v)
{
	const char *dot = strchr(path, '.');
	char group[32];
	json_t *g;

	snprintf(group, sizeof(group), "%.*s", (int)(dot - path), path);
	g = json_object_get(o, group);
	if (!g) {
		g = json_object();
		json_object_set_new(o, group, g);
	}
	json_object_set_new(g, dot + 1, v);
}

static json_t *per_cpu_json(const struct tlbsim_result *r)
{
	json_t *a = json_array();

	for (unsigned c = 0; c < r->ncpus; c++) {
		const struct tlbsim_cpu_stats *p = &r->per_cpu[c];
		json_t *o = json_object();

		json_object_set_new(o, "cpu", jint(c));
		json_object_set_new(o, "flush_ipis_received", jint(p->flush_ipis_received));
		json_object_set_new(o, "sync_ipis_received", jint(p->sync_ipis_received));
		json_object_set_new(o, "lazy_ipis_received", jint(p->lazy_ipis_received));
		json_object_set_new(o, "flush_ipis_sent", jint(p->flush_ipis_sent));
		json_object_set_new(o, "sync_ipis_sent", jint(p->sync_ipis_sent));
		json_object_set_new(o, "handler_cycles", jint(p->handler_cycles));
		json_object_set_new(o, "wait_cycles", jint(p->wait_cycles));
		json_object_set_new(o, "slip_cycles", jint(p->slip_cycles));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *latency_json(const struct tlbsim_latency *l)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "n", (json_int_t)l->n, "p50",
			 (json_int_t)l->p50, "p90", (json_int_t)l->p90, "p99",
			 (json_int_t)l->p99);
}

static json_t *policy_json(const struct tlbsim_result *r)
{
	json_t *o = json_object(), *hz = json_array();
	const struct tlbsim_counter_def *defs;
	size_t n;

	json_object_set_new(o, "name", json_string(r->policy.name));
	json_object_set_new(o, "wake", json_string(tlbsim_wake_name(r->policy.wake)));
	json_object_set_new(o, "sync", json_string(tlbsim_sync_name(r->policy.sync)));
	/* the contract's groups first, in its order */
	set_path(o, "ipis.flush", jint(r->c.ipi_flush));
	set_path(o, "ipis.sync", jint(r->c.ipi_sync));
	set_path(o, "ipis.total", jint(r->c.ipi_flush + r->c.ipi_sync));
	set_path(o, "ipis.to_lazy", jint(r->c.ipi_to_lazy));
	set_path(o, "flushes.local", jint(r->c.flush_local));
	set_path(o, "flushes.remote", jint(r->c.flush_remote));
	set_path(o, "flushes.full", jint(r->c.flush_full));
	set_path(o, "flushes.partial", jint(r->c.flush_partial));
	set_path(o, "flushes.task_switch", jint(r->c.flush_task_switch));
	set_path(o, "cycles.total", jint(r->c.cycles_total));
	set_path(o, "cycles.initiator_wait", jint(r->c.cycles_wait));
	set_path(o, "cycles.handlers", jint(r->c.cycles_handlers));
	set_path(o, "cycles.slip", jint(r->c.cycles_slip));
	for (size_t i = 0; i < r->nhazards; i++)
		json_array_append_new(hz, hazard_json(&r->hazards[i]));
	json_object_set_new(o, "hazards", hz);
	/* additions */
	json_object_set_new(o, "backend", json_string(r->backend ? r->backend : ""));
	defs = tlbsim_counter_defs(&n);
	for (size_t i = 0; i < n; i++)
		if (!strncmp(defs[i].name, "counters.", 9))
			set_path(o, defs[i].name, jint(tlbsim_counter_get(&r->c, &defs[i])));
	json_object_set_new(o, "latency", json_pack("{s:o, s:o}", "shootdown_ns",
		latency_json(&r->shootdown), "send_to_remote_flush_ns",
		latency_json(&r->send_to_remote_flush)));
	json_object_set_new(o, "per_cpu", per_cpu_json(r));
	return o;
}

char *tlbsim_report_json(const struct tlbsim_report_input *in)
{
	json_t *doc = json_object(), *pols = json_array(), *t, *m;
	char *out;

	json_object_set_new(doc, "tlbsim_report", json_integer(1));
	json_object_set_new(doc, "tool", json_pack("{s:s, s:s}", "name", "tlbsim",
						   "version", TLBSIM_VERSION));
	t = json_object();
	json_object_set_new(t, "path", json_string(in->trace_path));
	json_object_set_new(t, "format", json_string(in->trace_format));
	json_object_set_new(t, "sha256", json_string(in->trace_sha256));
	json_object_set_new(t, "events", jint(in->trace_events));
	json_object_set_new(t, "bytes", jint(in->trace_bytes));
	json_object_set_new(doc, "trace", t);
	m = json_object();
	json_object_set_new(m, "cpus", jint(in->cpus));
	json_object_set_new(m, "topology", json_string(in->topology));
	json_object_set_new(m, "profile", json_string(in->profile));
	json_object_set_new(m, "ghz", json_real(in->ghz));
	json_object_set_new(m, "backend", json_string(in->backend));
	json_object_set_new(m, "pcid", json_boolean(!in->no_pcid));
	json_object_set_new(doc, "machine", m);
	for (size_t i = 0; i < in->nresults; i++)
		json_array_append_new(pols, policy_json(in->results[i]));
	json_object_set_new(doc, "policies", pols);
	out = json_text(doc, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(doc);
	return out;
}

/* ------------------------------------------------------------- table */

struct row {
	const char *label;
	const char *counter; /* counter table name, or NULL for a special */
};

static const struct row rows[] = {
	{ "flush IPIs", "ipis.flush" },
	{ "sync IPIs", "ipis.sync" },
	{ "IPIs to lazy CPUs", "ipis.to_lazy" },
	{ "local flushes", "flushes.local" },
	{ "remote flushes", "flushes.remote" },
	{ "full flushes", "flushes.full" },
	{ "partial flushes", "flushes.partial" },
	{ "task-switch flushes", "flushes.task_switch" },
	{ "wrong-CPU (stale bit)", "counters.wrong_cpu" },
	{ "sync calls skipped", "counters.sync_skipped" },
	{ "kvm deferred flushes", "counters.kvm_deferred" },
	{ "hypercall flushes", "counters.hypercall_flushes" },
	{ "INVLPGB flushes", "counters.invlpgb_flushes" },
	{ "tables freed", "counters.tables_freed" },
	{ "cycles: total", "cycles.total" },
	{ "cycles: initiator wait", "cycles.initiator_wait" },
	{ "cycles: handlers", "cycles.handlers" },
	{ "cycles: slip", "cycles.slip" },
};

static uint64_t counter_by_name(const struct tlbsim_result *r, const char *name)
{
	const struct tlbsim_counter_def *defs;
	size_t n;

	defs = tlbsim_counter_defs(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(defs[i].name, name))
			return tlbsim_counter_get(&r->c, &defs[i]);
	return 0;
}

static void table_head(const struct tlbsim_report_input *in, FILE *out,
		       bool color)
{
	fprintf(out, "%s%s%s  (%" PRIu64 " events, %u CPUs, %s backend)\n",
		color ? "\033[1m" : "", in->trace_path, color ? "\033[0m" : "",
		in->trace_events, in->cpus, in->backend);
	fprintf(out, "%-24s", "");
	for (size_t i = 0; i < in->nresults; i++)
		fprintf(out, " %20.20s", in->results[i]->policy.name);
	fputc('\n', out);
}

static void diff_line(const struct tlbsim_report_input *in, FILE *out, size_t i)
{
	const struct tlbsim_result *a = in->results[0], *b = in->results[i];
	long long df = (long long)b->c.ipi_flush - (long long)a->c.ipi_flush;
	long long ds = (long long)b->c.ipi_sync - (long long)a->c.ipi_sync;
	long long dh = (long long)b->nhazards - (long long)a->nhazards;

	fprintf(out, "%s vs %s: flush IPIs %+lld, sync IPIs %+lld, IPIs in all %+lld, "
		"hazards %+lld\n", b->policy.name, a->policy.name, df, ds, df + ds, dh);
}

int tlbsim_report_table(const struct tlbsim_report_input *in, FILE *out,
			bool color)
{
	table_head(in, out, color);
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		fprintf(out, "%-24s", rows[k].label);
		for (size_t i = 0; i < in->nresults; i++)
			fprintf(out, " %20" PRIu64, counter_by_name(in->results[i],
								      rows[k].counter));
		fputc('\n', out);
	}
	fprintf(out, "%-24s", "shootdown p50/p90");
	for (size_t i = 0; i < in->nresults; i++) {
		char b[48];

		snprintf(b, sizeof(b), "%" PRIu64 "/%" PRIu64, in->results[i]->shootdown.p50,
			 in->results[i]->shootdown.p90);
		fprintf(out, " %20s", b);
	}
	fputc('\n', out);
	fprintf(out, "%-24s", "hazards");
	for (size_t i = 0; i < in->nresults; i++)
		fprintf(out, " %20zu", in->results[i]->nhazards);
	fputc('\n', out);
	for (size_t i = 0; i < in->nresults; i++) {
		const struct tlbsim_result *r = in->results[i];

		for (size_t h = 0; h < r->nhazards; h++)
			fprintf(out, "\n%s%s hazard%s [%s] %s on cpu %u, mm %u, t=%" PRIu64
				" (%s):\n  %s\n", color ? "\033[1;31m" : "",
				"!", color ? "\033[0m" : "", r->policy.name,
				tlbsim_hazard_name(r->hazards[h].kind), r->hazards[h].cpu,
				r->hazards[h].mm, r->hazards[h].t, r->hazards[h].table,
				r->hazards[h].cause);
	}
	if (in->nresults > 1)
		fputc('\n', out);
	for (size_t i = 1; i < in->nresults; i++)
		diff_line(in, out, i);
	return ferror(out) ? TLBSIM_EIO : 0;
}

/* ------------------------------------------------------ atomic output */

/* mkstemp() makes 0600 files; the result should look like any other file
 * the user writes: 0666 less the umask. */
static void tmp_mode(int fd)
{
	mode_t mask = umask(0);

	umask(mask);
	if (fchmod(fd, 0666 & ~mask))
		return; /* the file stays private; nothing is lost */
}

/* A device, FIFO or socket (/dev/null, a pipe): written in place. A temporary
 * file renamed over it would replace the node with a regular file (as root,
 * -o /dev/null once did), and there is nothing partial to hide from it. */
static bool not_a_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

static int write_in_place(const char *path, const char *data, size_t len,
			  struct tlbsim_diag *diag)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot open: %s", path,
				       strerror(errno));
	if (fwrite(data, 1, len, f) != len || fflush(f)) {
		int err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: write error: %s",
					  path, strerror(errno));

		fclose(f);
		return err;
	}
	if (fclose(f))
		return tlbsim_diag_set(diag, TLBSIM_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

int tlbsim_write_file_atomic(const char *path, const char *data, size_t len,
			     struct tlbsim_diag *diag)
{
	char *tmp;
	size_t plen = strlen(path);
	int fd, err = 0;

	if (!strcmp(path, "-")) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout))
			return tlbsim_diag_set(diag, TLBSIM_EIO, "stdout: write error");
		return 0;
	}
	if (not_a_file(path))
		return write_in_place(path, data, len, diag);
	tmp = malloc(plen + 16);
	if (!tmp)
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	snprintf(tmp, plen + 16, "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd >= 0)
		tmp_mode(fd);
	if (fd < 0) {
		err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot create: %s", path,
				      strerror(errno));
		free(tmp);
		return err;
	}
	for (size_t done = 0; done < len && !err;) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: write error: %s",
					      path, strerror(errno));
		else
			done += (size_t)n;
	}
	if (!err && fsync(fd))
		err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: %s", path, strerror(errno));
	if (close(fd) && !err)
		err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: %s", path, strerror(errno));
	if (!err && rename(tmp, path))
		err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot rename into place: %s",
				      path, strerror(errno));
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

int tlbsim_atomic_open(const char *path, struct tlbsim_atomic *a,
		       struct tlbsim_diag *diag)
{
	size_t plen = strlen(path);
	int fd;

	memset(a, 0, sizeof(*a));
	if (!strcmp(path, "-")) {
		a->f = stdout;
		return 0;
	}
	if (not_a_file(path)) {
		a->path = strdup(path);
		if (!a->path)
			return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
		if (!(a->f = fopen(path, "w"))) {
			int err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot open: %s",
						  path, strerror(errno));

			free(a->path);
			a->path = NULL;
			return err;
		}
		return 0;
	}
	a->tmp = malloc(plen + 16);
	a->path = strdup(path);
	if (!a->tmp || !a->path) {
		tlbsim_atomic_abort(a);
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	}
	snprintf(a->tmp, plen + 16, "%s.tmp-XXXXXX", path);
	fd = mkstemp(a->tmp);
	if (fd >= 0)
		tmp_mode(fd);
	if (fd < 0 || !(a->f = fdopen(fd, "w"))) {
		int err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot create: %s",
					  path, strerror(errno));

		if (fd >= 0) {
			close(fd);
			unlink(a->tmp);
		}
		free(a->tmp);
		free(a->path);
		a->tmp = a->path = NULL;
		return err;
	}
	return 0;
}

int tlbsim_atomic_commit(struct tlbsim_atomic *a, struct tlbsim_diag *diag)
{
	int err = 0;

	if (!a->tmp && !a->path) {
		if (fflush(a->f))
			return tlbsim_diag_set(diag, TLBSIM_EIO, "stdout: write error");
		return 0;
	}
	if (!a->tmp) {   /* in place (not_a_file()) */
		if (fflush(a->f) || ferror(a->f))
			err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: write error: %s",
					      a->path, strerror(errno));
		if (fclose(a->f) && !err)
			err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: %s", a->path,
					      strerror(errno));
		free(a->path);
		memset(a, 0, sizeof(*a));
		return err;
	}
	if (fflush(a->f) || ferror(a->f) || fsync(fileno(a->f)))
		err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: write error: %s", a->path,
				      strerror(errno));
	if (fclose(a->f) && !err)
		err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: %s", a->path, strerror(errno));
	a->f = NULL;
	if (!err && rename(a->tmp, a->path))
		err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot rename into place: %s",
				      a->path, strerror(errno));
	if (err)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	a->tmp = a->path = NULL;
	return err;
}

void tlbsim_atomic_abort(struct tlbsim_atomic *a)
{
	if (a->tmp) {
		if (a->f)
			fclose(a->f);
		unlink(a->tmp);
	} else if (a->path && a->f) {
		fclose(a->f);
	}
	free(a->tmp);
	free(a->path);
	memset(a, 0, sizeof(*a));
}
