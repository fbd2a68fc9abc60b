/*
 * baseline.c - baselines and checks (see tlbsim/baseline.h). The baseline
 * is held as a jansson tree: it is small (traces x policies x counters).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "tlbsim/baseline.h"
#include "tlbsim/version.h"
#include "report/text.h"

struct tlbsim_baseline {
	json_t *doc;     /* {"tlbsim_baseline":1,"tool":{..},"traces":[..]} */
};

struct tlbsim_baseline *tlbsim_baseline_new(void)
{
	struct tlbsim_baseline *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->doc = json_pack("{s:i, s:{s:s, s:s}, s:[]}", "tlbsim_baseline", 1,
			   "tool", "name", "tlbsim", "version", TLBSIM_VERSION,
			   "traces");
	if (!b->doc) {
		free(b);
		return NULL;
	}
	return b;
}

void tlbsim_baseline_free(struct tlbsim_baseline *b)
{
	if (!b)
		return;
	json_decref(b->doc);
	free(b);
}

static json_t *trace_entry(json_t *doc, const char *trace)
{
	json_t *traces = json_object_get(doc, "traces"), *t;
	size_t i;

	json_array_foreach(traces, i, t)
		if (json_is_string(json_object_get(t, "path")) &&
		    strcmp(json_string_value(json_object_get(t, "path")), trace) == 0)
			return t;
	return NULL;
}

static json_t *policy_entry(json_t *trace, const char *name)
{
	json_t *pols = json_object_get(trace, "policies"), *p;
	size_t i;

	json_array_foreach(pols, i, p)
		if (json_is_string(json_object_get(p, "name")) &&
		    strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
			return p;
	return NULL;
}

int tlbsim_baseline_add(struct tlbsim_baseline *b, const char *trace,
			const char *sha256, const struct tlbsim_result *r)
{
	json_t *t = trace_entry(b->doc, trace), *counters, *p;
	const struct tlbsim_counter_def *defs;
	size_t n;

	if (!t) {
		t = json_pack("{s:s, s:s, s:s, s:[]}", "path", trace, "sha256",
			      sha256, "backend", r->backend ? r->backend : "",
			      "policies");
		if (!t || json_array_append_new(json_object_get(b->doc, "traces"), t))
			return TLBSIM_ENOMEM;
	}
	counters = json_object();
	defs = tlbsim_counter_defs(&n);
	for (size_t i = 0; i < n; i++)
		json_object_set_new(counters, defs[i].name,
			json_integer((json_int_t)tlbsim_counter_get(&r->c, &defs[i])));
	json_object_set_new(counters, "hazards", json_integer((json_int_t)r->nhazards));
	p = json_pack("{s:s, s:o}", "name", r->policy.name, "counters", counters);
	if (!p || json_array_append_new(json_object_get(t, "policies"), p))
		return TLBSIM_ENOMEM;
	return 0;
}

char *tlbsim_baseline_json(const struct tlbsim_baseline *b)
{
	return json_text(b->doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
}

/* What @v is, for a message: its value when it is a number, else its
 * kind. */
static const char *describe(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	case JSON_STRING:
		return "a string";
	case JSON_ARRAY:
		return "an array";
	case JSON_OBJECT:
		return "an object";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return "null";
	}
}

/* The baseline as tlbsim_baseline_json() writes it, checked whole before
 * any trace runs: a check that read a malformed counter as another number
 * (-5 as 2^64-5) or skipped it ("8", 1.5) would pass or fail for nothing.
 * Counters a baseline lacks are allowed (an older tlbsim wrote fewer: the
 * check notes them); every value present must be a count. */
static int baseline_valid(const char *path, json_t *doc, struct tlbsim_diag *diag)
{
	json_t *traces = json_object_get(doc, "traces"), *t, *pols, *pol, *v, *c;
	char at[400], got[48];
	size_t i, j, k;
	const char *name, *key;

	json_array_foreach(traces, i, t) {
		const char *tpath;

		if (!json_is_object(t))
			return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: traces[%zu] is %s "
					       "(expected an object {\"path\": ..., \"sha256\": "
					       "..., \"policies\": [...]})", path, i,
					       describe(t, got, sizeof(got)));
		if (!json_is_string(v = json_object_get(t, "path")))
			return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: traces[%zu]: \"path\" "
					       "is %s (expected the trace's path, a string)", path,
					       i, v ? describe(v, got, sizeof(got)) : "missing");
		tpath = json_string_value(v);
		for (k = 0; k < i; k++)
			if (!strcmp(json_string_value(json_object_get(json_array_get(traces, k),
				    "path")), tpath))
				return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: traces[%zu]: "
						       "\"%.200s\" is traces[%zu] already "
						       "(expected each trace once)", path, i, tpath, k);
		snprintf(at, sizeof(at), "%s: traces[%zu] (\"%.200s\")", path, i, tpath);
		if (!json_is_string(v = json_object_get(t, "sha256")))
			return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: \"sha256\" is %s "
					       "(expected the trace's SHA-256, a string)", at,
					       v ? describe(v, got, sizeof(got)) : "missing");
		if ((v = json_object_get(t, "backend")) && !json_is_string(v))
			return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: \"backend\" is %s "
					       "(expected a backend's name, a string)", at,
					       describe(v, got, sizeof(got)));
		if (!json_is_array(pols = json_object_get(t, "policies")))
			return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: \"policies\" is %s "
					       "(expected an array of {\"name\": ..., "
					       "\"counters\": {...}})", at,
					       pols ? describe(pols, got, sizeof(got)) : "missing");
		json_array_foreach(pols, j, pol) {
			if (!json_is_object(pol) || !json_is_string(json_object_get(pol, "name")))
				return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: policies[%zu] "
						       "is %s (expected an object with the "
						       "policy's \"name\", a string, and its "
						       "\"counters\")", at, j, json_is_object(pol) ?
						       "without a string \"name\"" :
						       describe(pol, got, sizeof(got)));
			name = json_string_value(json_object_get(pol, "name"));
			for (k = 0; k < j; k++)
				if (!strcmp(json_string_value(json_object_get(
					    json_array_get(pols, k), "name")), name))
					return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: "
							       "policies[%zu]: \"%.60s\" is "
							       "policies[%zu] already (expected "
							       "each policy once)", at, j, name, k);
			if (!json_is_object(v = json_object_get(pol, "counters")))
				return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: policies[%zu] "
						       "(\"%.60s\"): \"counters\" is %s "
						       "(expected an object of counts)", at, j,
						       name, v ? describe(v, got, sizeof(got)) :
						       "missing");
			json_object_foreach(v, key, c) {
				if (json_is_integer(c) && json_integer_value(c) >= 0)
					continue;
				return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: policies[%zu] "
						       "(\"%.60s\"): counter \"%.60s\" is %s "
						       "(expected a count, an integer from 0)",
						       at, j, name, key,
						       describe(c, got, sizeof(got)));
			}
		}
	}
	return 0;
}

int tlbsim_baseline_load(const char *path, struct tlbsim_baseline **out,
			 struct tlbsim_diag *diag)
{
	json_error_t e;
	/* a key twice is an edit gone wrong: which one would count? */
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	struct tlbsim_baseline *b;
	int err;

	*out = NULL;
	if (!doc)
		return e.line < 1 ?   /* not opened, or empty */
		       tlbsim_diag_set(diag, TLBSIM_EIO, "%s: %s", path, e.text) :
		       tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:%d: %s", path,
				       e.line, e.text);
	if (json_integer_value(json_object_get(doc, "tlbsim_baseline")) != 1 ||
	    !json_is_array(json_object_get(doc, "traces"))) {
		json_decref(doc);
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:1: not a tlbsim "
			"baseline (expected {\"tlbsim_baseline\": 1, \"traces\": [...]})",
			path);
	}
	if ((err = baseline_valid(path, doc, diag))) {
		json_decref(doc);
		return err;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		json_decref(doc);
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	}
	b->doc = doc;
	*out = b;
	return 0;
}

int tlbsim_tolerance_parse(const char *s, struct tlbsim_tolerance *t,
			   struct tlbsim_diag *diag)
{
	char *end;
	double v = strtod(s, &end);

	t->pct = 0;
	t->abs = 0;
	if (end == s || v < 0)
		goto bad;
	if (*end == '%' && end[1] == '\0') {
		t->pct = v;
		return 0;
	}
	if (*end == '\0' && v == (double)(uint64_t)v) {
		t->abs = (uint64_t)v;
		return 0;
	}
bad:
	return tlbsim_diag_set(diag, TLBSIM_EINVAL, "bad tolerance \"%s\" "
			       "(expected a percentage such as 2%% or a count such as 3)", s);
}

/* ------------------------------------------------------------- check */

struct row {
	char trace[256];
	char policy[64];
	char counter[48];
	uint64_t old, cur;
	bool failed;      /* false: a note (sha changed, new trace, ...) */
	char note[160];
};

struct tlbsim_check {
	const struct tlbsim_baseline *base;
	struct tlbsim_tolerance tol;
	bool fail_on_hazard;
	struct row *rows;
	size_t nrows, cap;
	/* one testcase per (trace, policy) for JUnit */
	struct { char trace[256], policy[64]; size_t failures; } *cases;
	size_t ncases, capcases;
	size_t compared;
};

struct tlbsim_check *tlbsim_check_new(const struct tlbsim_baseline *base,
				      struct tlbsim_tolerance tol,
				      bool fail_on_hazard)
{
	struct tlbsim_check *c = calloc(1, sizeof(*c));

	if (c) {
		c->base = base;
		c->tol = tol;
		c->fail_on_hazard = fail_on_hazard;
	}
	return c;
}

static struct row *row_add(struct tlbsim_check *c, const char *trace,
			   const char *policy, const char *counter)
{
	struct row *r;

	if (c->nrows == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct row *n = realloc(c->rows, cap * sizeof(*n));

		if (!n)
			return NULL;
		c->rows = n;
		c->cap = cap;
	}
	r = &c->rows[c->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->trace, sizeof(r->trace), "%s", trace);
	snprintf(r->policy, sizeof(r->policy), "%s", policy);
	snprintf(r->counter, sizeof(r->counter), "%s", counter);
	return r;
}

static bool within(const struct tlbsim_tolerance *t, uint64_t old, uint64_t cur)
{
	uint64_t d = old > cur ? old - cur : cur - old;

	if (d <= t->abs)
		return true;
	return t->pct > 0 && (double)d <= (double)old * t->pct / 100.0;
}

static size_t *case_failures(struct tlbsim_check *c, const char *trace,
			     const char *policy)
{
	if (c->ncases == c->capcases) {
		size_t cap = c->capcases ? 2 * c->capcases : 16;
		void *n = realloc(c->cases, cap * sizeof(*c->cases));

		if (!n)
			return NULL;
		c->cases = n;
		c->capcases = cap;
	}
	snprintf(c->cases[c->ncases].trace, sizeof(c->cases[0].trace), "%s", trace);
	snprintf(c->cases[c->ncases].policy, sizeof(c->cases[0].policy), "%s", policy);
	c->cases[c->ncases].failures = 0;
	return &c->cases[c->ncases++].failures;
}

static void compare_one(struct tlbsim_check *c, const char *trace,
			const char *policy, const char *name, json_t *old,
			uint64_t cur, size_t *failures)
{
	struct row *r;
	uint64_t o;

	if (!json_is_integer(old)) {
		r = row_add(c, trace, policy, name);
		if (r)
			snprintf(r->note, sizeof(r->note), "not in the baseline");
		return;
	}
	o = (uint64_t)json_integer_value(old);
	c->compared++;
	if (within(&c->tol, o, cur))
		return;
	r = row_add(c, trace, policy, name);
	if (!r)
		return;
	r->old = o;
	r->cur = cur;
	r->failed = true;
	(*failures)++;
}

int tlbsim_check_result(struct tlbsim_check *c, const char *trace,
			const char *sha256, const struct tlbsim_result *res)
{
	json_t *t = trace_entry(c->base->doc, trace), *p, *counters;
	const struct tlbsim_counter_def *defs;
	size_t n, *failures = case_failures(c, trace, res->policy.name);
	const char *old_sha;
	struct row *r;

	if (!failures)
		return TLBSIM_ENOMEM;
	if (c->fail_on_hazard && res->nhazards) {
		r = row_add(c, trace, res->policy.name, "hazards");
		if (r) {
			r->cur = res->nhazards;
			r->failed = true;
			snprintf(r->note, sizeof(r->note), "%zu hazard(s), first: %s on cpu %u",
				 res->nhazards, tlbsim_hazard_name(res->hazards[0].kind),
				 res->hazards[0].cpu);
		}
		(*failures)++;
	}
	if (!t) {
		r = row_add(c, trace, res->policy.name, "-");
		if (r)
			snprintf(r->note, sizeof(r->note), "trace not in the baseline");
		return 0;
	}
	old_sha = json_string_value(json_object_get(t, "sha256"));
	if (old_sha && strcmp(old_sha, sha256)) {
		r = row_add(c, trace, res->policy.name, "sha256");
		if (r)
			snprintf(r->note, sizeof(r->note), "the trace changed since the "
				 "baseline (sha256 %.12s... -> %.12s...)", old_sha, sha256);
	}
	p = policy_entry(t, res->policy.name);
	if (!p) {
		r = row_add(c, trace, res->policy.name, "-");
		if (r)
			snprintf(r->note, sizeof(r->note), "policy not in the baseline");
		return 0;
	}
	counters = json_object_get(p, "counters");
	defs = tlbsim_counter_defs(&n);
	for (size_t i = 0; i < n; i++)
		compare_one(c, trace, res->policy.name, defs[i].name,
			    json_object_get(counters, defs[i].name),
			    tlbsim_counter_get(&res->c, &defs[i]), failures);
	compare_one(c, trace, res->policy.name, "hazards",
		    json_object_get(counters, "hazards"), res->nhazards, failures);
	return 0;
}

bool tlbsim_check_failed(const struct tlbsim_check *c)
{
	for (size_t i = 0; i < c->nrows; i++)
		if (c->rows[i].failed)
			return true;
	return false;
}

static void delta(const struct row *r, char *buf, size_t len)
{
	double d = (double)r->cur - (double)r->old;

	if (r->old)
		snprintf(buf, len, "%+.0f (%+.1f%%)", d, 100.0 * d / (double)r->old);
	else
		snprintf(buf, len, "%+.0f", d);
}

void tlbsim_check_print(const struct tlbsim_check *c, FILE *out)
{
	bool failed = tlbsim_check_failed(c);
	char d[48];

	if (failed)
		fprintf(out, "%-36s %-30s %-30s %10s %10s  %s\n", "trace", "policy",
			"counter", "old", "new", "delta");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];

		if (!r->failed)
			continue;
		if (r->note[0]) {
			fprintf(out, "%-36s %-30s %-30s %10s %10" PRIu64 "  %s\n", r->trace,
				r->policy, r->counter, "-", r->cur, r->note);
			continue;
		}
		delta(r, d, sizeof(d));
		fprintf(out, "%-36s %-30s %-30s %10" PRIu64 " %10" PRIu64 "  %s\n",
			r->trace, r->policy, r->counter, r->old, r->cur, d);
	}
	for (size_t i = 0; i < c->nrows; i++)
		if (!c->rows[i].failed)
			fprintf(out, "note: %s [%s]: %s\n", c->rows[i].trace,
				c->rows[i].policy, c->rows[i].note);
	if (!failed)
		fprintf(out, "ok: %zu counters over %zu trace/policy pairs within "
			"tolerance\n", c->compared, c->ncases);
}

char *tlbsim_check_junit(const struct tlbsim_check *c)
{
	char *buf = NULL, e1[600], e2[200], d[48];
	size_t len = 0, fails = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < c->ncases; i++)
		fails += c->cases[i].failures ? 1 : 0;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"<testsuite name=\"tlbsim check\" tests=\"%zu\" failures=\"%zu\">\n",
		c->ncases, fails);
	for (size_t i = 0; i < c->ncases; i++) {
		xml_escape(c->cases[i].trace, e1, sizeof(e1));
		xml_escape(c->cases[i].policy, e2, sizeof(e2));
		fprintf(f, "<testcase classname=\"%s\" name=\"%s\">", e1, e2);
		if (c->cases[i].failures) {
			fprintf(f, "<failure message=\"%zu counter(s) outside tolerance\">",
				c->cases[i].failures);
			for (size_t j = 0; j < c->nrows; j++) {
				const struct row *r = &c->rows[j];

				if (!r->failed || strcmp(r->trace, c->cases[i].trace) ||
				    strcmp(r->policy, c->cases[i].policy))
					continue;
				delta(r, d, sizeof(d));
				xml_escape(r->note, e1, sizeof(e1));
				fprintf(f, "%s: %" PRIu64 " -&gt; %" PRIu64 " %s%s\n", r->counter,
					r->old, r->cur, r->note[0] ? "" : d, e1);
			}
			fputs("</failure>", f);
		}
		fputs("</testcase>\n", f);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
	fclose(f);
	return buf;
}

void tlbsim_check_free(struct tlbsim_check *c)
{
	if (!c)
		return;
	free(c->rows);
	free(c->cases);
	free(c);
}
