/* options.c - one option parser for every subcommand (git/perf style). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

struct optdef {
	const char *name;   /* long name */
	char short_name;
	bool arg;
};

static const struct optdef defs[] = {
	{ "policy", 'p', true }, { "backend", 'b', true }, { "json", 0, false },
	{ "output", 'o', true }, { "topology", 0, true }, { "profile", 0, true },
	{ "perfetto", 0, true }, { "svg", 0, true }, { "baseline", 0, true },
	{ "tolerance", 0, true }, { "junit", 0, true },
	{ "fail-on-hazard", 0, false }, { "help", 'h', false }, { "pcid", 0, true },
	{ "by-process", 0, false }, { "diff", 0, false },
	{ "topology-xml", 0, true },   /* --topology xml:FILE */
	{ "zero-page", 0, true }, { "form", 0, true },
};

static bool allowed_in(const char *allowed, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = allowed; (p = strstr(p, name)); p += n)
		if ((p == allowed || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static int set(struct cli_opts *o, const char *name, const char *v)
{
	if (!strcmp(name, "policy")) {
		if (o->npolicies == CLI_MAX_POLICIES)
			return -1;
		o->policies[o->npolicies++] = v;
	} else if (!strcmp(name, "backend")) o->backend = v;
	else if (!strcmp(name, "json")) o->json = true;
	else if (!strcmp(name, "output")) o->output = v;
	else if (!strcmp(name, "topology")) o->topology = v;
	else if (!strcmp(name, "topology-xml")) {
		snprintf(o->topology_xml, sizeof(o->topology_xml), "xml:%s", v);
		o->topology = o->topology_xml;
	}
	else if (!strcmp(name, "profile")) o->profile = v;
	else if (!strcmp(name, "perfetto")) o->perfetto = v;
	else if (!strcmp(name, "svg")) o->svg = v;
	else if (!strcmp(name, "baseline")) o->baseline = v;
	else if (!strcmp(name, "tolerance")) o->tolerance = v;
	else if (!strcmp(name, "junit")) o->junit = v;
	else if (!strcmp(name, "fail-on-hazard")) o->fail_on_hazard = true;
	else if (!strcmp(name, "help")) o->help = true;
	else if (!strcmp(name, "by-process")) o->by_process = true;
	else if (!strcmp(name, "diff")) o->diff = true;
	else if (!strcmp(name, "form")) o->form = v;
	else if (!strcmp(name, "pcid") || !strcmp(name, "zero-page")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return -2;
		if (!strcmp(name, "pcid"))
			o->pcid = v;
		else
			o->zero_page = v;
	}
	return 0;
}

static const struct optdef *find(const char *arg, const char **value)
{
	*value = NULL;
	if (arg[1] != '-') {
		for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
			if (defs[i].short_name && arg[1] == defs[i].short_name && !arg[2])
				return &defs[i];
		return NULL;
	}
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		size_t n = strlen(defs[i].name);

		if (strncmp(arg + 2, defs[i].name, n))
			continue;
		if (!arg[2 + n])
			return &defs[i];
		if (arg[2 + n] == '=' && defs[i].arg) {
			*value = arg + 3 + n;
			return &defs[i];
		}
	}
	return NULL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tlbsim %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see tlbsim %s --help)\n", cmd);
	return 2;
}

/* Is @out (an output file that exists) the same file as @in? */
static bool same_file(const char *out, const char *in)
{
	struct stat a, b;

	if (!in || !strcmp(in, "-") || stat(out, &a) || !S_ISREG(a.st_mode) ||
	    stat(in, &b))
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* /dev/null and the like: written in place, any number of times. */
static bool device(const char *path)
{
	struct stat st;

	return !stat(path, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* An output that is one of the inputs would be replaced by it, and two
 * outputs in one file would leave only the last: refused before anything
 * is read. */
static int outputs_check(const struct cli_opts *o, const char *cmd)
{
	const char *outs[] = { o->output, o->perfetto, o->svg, o->junit };
	const char *names[] = { "-o", "--perfetto", "--svg", "--junit" };
	const size_t n = sizeof(outs) / sizeof(outs[0]);

	for (size_t i = 0; i < n; i++) {
		if (!outs[i] || !strcmp(outs[i], "-"))
			continue;
		for (size_t k = 0; k < o->ntraces + 1; k++) {
			const char *in = k < o->ntraces ? o->traces[k] : o->baseline;

			if (same_file(outs[i], in)) {
				fprintf(stderr, "tlbsim %s: %s %s is also an input (it would "
					"be replaced)\n", cmd, names[i], outs[i]);
				return 2;
			}
		}
		for (size_t k = i + 1; k < n; k++)
			if (outs[k] && !strcmp(outs[i], outs[k]) && !device(outs[i])) {
				fprintf(stderr, "tlbsim %s: %s and %s name the same file "
					"%s\n", cmd, names[i], names[k], outs[i]);
				return 2;
			}
	}
	return 0;
}

int cli_parse(int argc, char **argv, const char *cmd, const char *allowed,
	      struct cli_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->traces = (const char **)argv;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v;
		const struct optdef *d;

		if (a[0] != '-' || !a[1]) {
			/* into a slot already read: check --baseline B with
			 * as many traces as the shell expands */
			argv[o->ntraces++] = (char *)a;
			continue;
		}
		d = find(a, &v);
		if (!d || (strcmp(d->name, "help") && !allowed_in(allowed,
		    strcmp(d->name, "topology-xml") ? d->name : "topology"))) {
			fprintf(stderr, "tlbsim %s: unknown option '%s' (see tlbsim %s "
				"--help)\n", cmd, a, cmd);
			return 2;
		}
		if (d->arg && !v) {
			if (i + 1 == argc) {
				fprintf(stderr, "tlbsim %s: option '%s' needs a value\n", cmd, a);
				return 2;
			}
			v = argv[++i];
		}
		switch (set(o, d->name, v)) {
		case 0:
			break;
		case -2:
			fprintf(stderr, "tlbsim %s: --%s takes on or off (got '%s')\n",
				cmd, d->name, v);
			return 2;
		default:
			fprintf(stderr, "tlbsim %s: at most %d policies\n", cmd,
				CLI_MAX_POLICIES);
			return 2;
		}
	}
	return outputs_check(o, cmd);
}
