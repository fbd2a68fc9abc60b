/*
 * beside.c - the files traces/capture.sh saves beside a capture: for
 * NAME.perf.txt.xz (or NAME.trace.dat), NAME.host.json (`tlbsim host
 * --json`: the profile it suggests, whether the CPU has PCID) and
 * NAME.topology.xml (hwloc). What the command line does not say is taken
 * from them, and the command says so on stderr: a capture of an Intel
 * guest replayed with the AMD guest's costs predicted 412 flush IPIs for
 * node's 4 (traces/perf/intel/README.md).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char *const suffixes[] = {
	".perf.txt.xz", ".perf.txt", ".trace.dat.xz", ".trace.dat", ".dat.xz", ".dat",
};

/* NAME of NAME.<capture suffix> in @stem; false when @path has none. */
static bool capture_stem(const char *path, char *stem, size_t cap)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i]);

		if (n > k && n - k < cap && !strcmp(path + n - k, suffixes[i])) {
			memcpy(stem, path, n - k);
			stem[n - k] = '\0';
			return true;
		}
	}
	return false;
}

/* A field of NAME.host.json that is there but not what `tlbsim host
 * --json` writes: left alone, and said, never silently. */
static void host_field_unused(const char *cmd, const char *file, const char *key,
			      const char *expected)
{
	fprintf(stderr, "tlbsim %s: %s: \"%s\" is not %s: not used\n", cmd, file,
		key, expected);
}

/* Is @key of @doc there, and not a boolean? */
static bool not_bool(json_t *doc, const char *key)
{
	json_t *v = json_object_get(doc, key);

	return v && !json_is_boolean(v);
}

/* What NAME.host.json states, where the command line did not: the
 * profile (@model), the flush backend, PCID and the zero page (always:
 * the machine the capture ran on, which what import writes carries). A
 * file that does not parse is left alone, and a field tlbsim cannot use
 * (said on stderr). */
static void host_file(const char *cmd, const char *file, struct cli_opts *o,
		      bool model)
{
	json_error_t e;
	json_t *doc = json_load_file(file, 0, &e), *v;
	const struct tlbsim_backend *b;
	char names[128], what[160];

	if (!doc) {
		fprintf(stderr, "tlbsim %s: %s beside the capture is not `tlbsim host "
			"--json` output (%s, line %d): not used\n", cmd, file, e.text, e.line);
		return;
	}
	v = json_object_get(doc, "tlbsim_host");
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		fprintf(stderr, "tlbsim %s: %s beside the capture is not `tlbsim host "
			"--json` output (no \"tlbsim_host\": 1): not used\n", cmd, file);
		json_decref(doc);
		return;
	}
	v = json_object_get(doc, "suggested_profile");
	if (v && !(json_is_string(v) && tlbsim_profile_builtin(json_string_value(v)))) {
		tlbsim_profile_names(names, sizeof(names));
		snprintf(what, sizeof(what), "a built-in profile (%s)", names);
		host_field_unused(cmd, file, "suggested_profile", what);
	}
	if (not_bool(doc, "pcid"))
		host_field_unused(cmd, file, "pcid", "true or false");
	if (not_bool(doc, "zero_page"))
		host_field_unused(cmd, file, "zero_page", "true or false");
	v = json_object_get(doc, "flush_backend");
	if (v && !(json_is_string(v) && tlbsim_backend_find(json_string_value(v)))) {
		tlbsim_backend_names(names, sizeof(names));
		snprintf(what, sizeof(what), "a backend tlbsim models (%s)", names);
		host_field_unused(cmd, file, "flush_backend", what);
	}
	v = json_object_get(doc, "suggested_profile");
	if (model && !o->profile && json_is_string(v) &&
	    json_string_length(v) < sizeof(o->beside_profile) &&
	    tlbsim_profile_builtin(json_string_value(v))) {
		snprintf(o->beside_profile, sizeof(o->beside_profile), "%s",
			 json_string_value(v));
		o->profile = o->beside_profile;
		fprintf(stderr, "tlbsim %s: --profile %s from %s\n", cmd, o->profile, file);
	}
	if (!o->pcid && json_is_false(json_object_get(doc, "pcid"))) {
		o->pcid = "off";
		fprintf(stderr, "tlbsim %s: --pcid off from %s\n", cmd, file);
	}
	/* the kernel's log named it (tlbsim host): "kvm", "pvm", ... */
	v = json_object_get(doc, "flush_backend");
	if (!o->backend && json_is_string(v) &&
	    (b = tlbsim_backend_find(json_string_value(v)))) {
		o->backend = b->name;
		fprintf(stderr, "tlbsim %s: --backend %s from %s\n", cmd, o->backend, file);
	}
	if (!o->zero_page && json_is_false(json_object_get(doc, "zero_page"))) {
		o->zero_page = "off";
		fprintf(stderr, "tlbsim %s: --zero-page off from %s\n", cmd, file);
	}
	json_decref(doc);
}

void capture_beside(const char *cmd, struct cli_opts *o, bool model)
{
	char stem[4000], host[4020], topo[4020];   /* "xml:" + topo fits beside_topology */

	if (o->ntraces != 1 || !capture_stem(o->traces[0], stem, sizeof(stem)))
		return;
	snprintf(host, sizeof(host), "%s.host.json", stem);
	if (!access(host, R_OK))
		host_file(cmd, host, o, model);
	snprintf(topo, sizeof(topo), "%s.topology.xml", stem);
	if (model && !o->topology && !access(topo, R_OK)) {
		snprintf(o->beside_topology, sizeof(o->beside_topology), "xml:%s", topo);
		o->topology = o->beside_topology;
		fprintf(stderr, "tlbsim %s: --topology %s\n", cmd, o->topology);
	}
}
