/*
 * profile.c - cost profiles: cycles per modeled operation.
 *
 * The built-in profiles are compiled in; profiles/<name>.json carries the
 * same figures with a source for each (tests check that both agree). One
 * field table drives the JSON loader, so a field cannot be forgotten.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tlbsim/machine.h"

enum ftype { F_DOUBLE, F_U32, F_U64 };

struct field {
	const char *name;
	size_t off;
	enum ftype type;
	bool optional;   /* added after profiles were in use: missing means 0 */
};

#define FD(n, f, t) { n, offsetof(struct tlbsim_profile, f), t, false }
#define FD_OPT(n, f, t) { n, offsetof(struct tlbsim_profile, f), t, true }

static const struct field fields[] = {
	FD("ghz", ghz, F_DOUBLE),
	FD("ipi_send", ipi_send, F_U32),
	FD("ipi_send_per_target", ipi_send_per_target, F_U32),
	FD("ipi_latency.self", ipi_latency[TLBSIM_DIST_SELF], F_U32),
	FD("ipi_latency.smt", ipi_latency[TLBSIM_DIST_SMT], F_U32),
	FD("ipi_latency.l2", ipi_latency[TLBSIM_DIST_L2], F_U32),
	FD("ipi_latency.l3", ipi_latency[TLBSIM_DIST_L3], F_U32),
	FD("ipi_latency.package", ipi_latency[TLBSIM_DIST_PACKAGE], F_U32),
	FD("ipi_latency.numa", ipi_latency[TLBSIM_DIST_NUMA], F_U32),
	FD("ipi_latency.remote", ipi_latency[TLBSIM_DIST_REMOTE], F_U32),
	FD("irq_entry", irq_entry, F_U32),
	FD("irq_exit", irq_exit, F_U32),
	FD("flush_handler", flush_handler, F_U32),
	FD("invlpg", invlpg, F_U32),
	FD("full_flush", full_flush, F_U32),
	FD("tlb_refill", tlb_refill, F_U32),
	FD("cr3_noflush", cr3_noflush, F_U32),
	FD("cr3_flush", cr3_flush, F_U32),
	FD("invlpgb", invlpgb, F_U32),
	FD("tlbsync", tlbsync, F_U32),
	FD("hypercall_flush", hypercall_flush, F_U32),
	FD("kvm_preempted_flush", kvm_preempted_flush, F_U32),
	FD("context_switch", context_switch, F_U32),
	FD("ack", ack, F_U32),
	FD("rcu_grace", rcu_grace, F_U64),
	FD_OPT("gather_walk", gather_walk, F_U32),
	FD_OPT("gather_walk_page", gather_walk_page, F_U32),
	FD_OPT("gather_walk_protect_page", gather_walk_protect_page, F_U32),
	FD_OPT("ipi_target_stall", ipi_target_stall, F_U32),
};

/* What the two guest profiles share: kvm-guest's figures but its IPI
 * send and delivery (kvm-guest-intel measured its own on the Intel host). */
#define KVM_GUEST_REST \
	.ghz = 2.5, \
	.ipi_send_per_target = 300, \
	.ipi_target_stall = 15000, \
	.irq_entry = 1000, \
	.irq_exit = 1000, \
	.flush_handler = 300, \
	.invlpg = 250, \
	.full_flush = 500, \
	.tlb_refill = 2500, \
	.cr3_noflush = 250, \
	.cr3_flush = 500, \
	.invlpgb = 300, \
	.tlbsync = 1500, \
	.hypercall_flush = 4000, \
	.kvm_preempted_flush = 2500, \
	.context_switch = 5000, \
	.ack = 1000, \
	.rcu_grace = 25000000,

/* Sources for these figures: profiles/NAME.json, which a test holds equal. */
static const struct tlbsim_profile builtin[] = {
	{
		.name = "generic",
		.ghz = 2.5,
		.ipi_send = 500,
		.ipi_send_per_target = 100,
		.ipi_latency = { 0, 1500, 1750, 2500, 3000, 5000, 6000 },
		.irq_entry = 300,
		.irq_exit = 300,
		.flush_handler = 300,
		.invlpg = 250,
		.full_flush = 500,
		.tlb_refill = 2500,
		.cr3_noflush = 250,
		.cr3_flush = 500,
		.invlpgb = 300,
		.tlbsync = 1500,
		.hypercall_flush = 4000,
		.kvm_preempted_flush = 1000,
		.context_switch = 5000,
		.ack = 300,
		.rcu_grace = 25000000,
		.gather_walk = 7000,
		.gather_walk_page = 286,
		.gather_walk_protect_page = 125,
	},
	{
		/* Sources: profiles/kvm-guest.json (calibrated on traces/perf/) */
		.name = "kvm-guest",
		.ipi_send = 18500,
		.ipi_latency = { 0, 13150, 13150, 13150, 13150, 15150, 17150 },
		.gather_walk = 7000,
		.gather_walk_page = 286,
		.gather_walk_protect_page = 125,
		KVM_GUEST_REST
	},
	{
		/* Sources: profiles/kvm-guest-intel.json (IPIs and the gather's
		 * walk measured and calibrated on traces/perf/intel/; the rest
		 * kvm-guest's) */
		.name = "kvm-guest-intel",
		.ipi_send = 27500,
		.ipi_latency = { 0, 18410, 18410, 18410, 18410, 20410, 22410 },
		.gather_walk = 5000,
		.gather_walk_page = 103,
		.gather_walk_protect_page = 78,
		KVM_GUEST_REST
	},
	{
		/* Sources: profiles/amd-zen4-server.json (estimates) */
		.name = "amd-zen4-server",
		.ghz = 2.4,
		.ipi_send = 450,
		.ipi_send_per_target = 90,
		.ipi_latency = { 0, 1200, 1200, 1700, 3600, 4800, 7200 },
		.irq_entry = 250,
		.irq_exit = 250,
		.flush_handler = 250,
		.invlpg = 240,
		.full_flush = 480,
		.tlb_refill = 2400,
		.cr3_noflush = 240,
		.cr3_flush = 480,
		.invlpgb = 240,
		.tlbsync = 1200,
		.hypercall_flush = 3800,
		.kvm_preempted_flush = 960,
		.context_switch = 4800,
		.ack = 240,
		.rcu_grace = 24000000,
		.gather_walk = 6700,
		.gather_walk_page = 274,
		.gather_walk_protect_page = 120,
	},
	{
		/* Sources: profiles/intel-spr-server.json (estimates) */
		.name = "intel-spr-server",
		.ghz = 2.0,
		.ipi_send = 400,
		.ipi_send_per_target = 80,
		.ipi_latency = { 0, 1000, 1000, 2400, 2400, 4000, 5600 },
		.irq_entry = 200,
		.irq_exit = 200,
		.flush_handler = 200,
		.invlpg = 200,
		.full_flush = 400,
		.tlb_refill = 2000,
		.cr3_noflush = 200,
		.cr3_flush = 400,
		.invlpgb = 200,
		.tlbsync = 1000,
		.hypercall_flush = 3200,
		.kvm_preempted_flush = 800,
		.context_switch = 4000,
		.ack = 200,
		.rcu_grace = 20000000,
		.gather_walk = 5600,
		.gather_walk_page = 229,
		.gather_walk_protect_page = 100,
	},
};

const struct tlbsim_profile *tlbsim_profile_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (name && strcmp(builtin[i].name, name) == 0)
			return &builtin[i];
	return NULL;
}

void tlbsim_profile_names(char *buf, size_t size)
{
	size_t n = sizeof(builtin) / sizeof(builtin[0]), len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", !i ? "" :
					i + 1 < n ? ", " : " or ", builtin[i].name);
}

static int load_field(const struct field *f, json_t *fieldsobj,
		      struct tlbsim_profile *out, const char *path,
		      struct tlbsim_diag *diag)
{
	json_t *e = json_object_get(fieldsobj, f->name), *v, *src;
	char *p = (char *)out + f->off;

	if (!e && f->optional)
		return 0;   /* left 0 by the caller's memset: the old behavior */
	if (!json_is_object(e))
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: field \"%s\" missing "
			"(expected {\"value\": N, \"source\": \"...\"})", path, f->name);
	v = json_object_get(e, "value");
	src = json_object_get(e, "source");
	if (!json_is_string(src) || !*json_string_value(src))
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: field \"%s\" has no "
			"source (every figure must name where it comes from)", path,
			f->name);
	if (f->type == F_DOUBLE && json_is_number(v) && json_number_value(v) > 0) {
		double d = json_number_value(v);

		memcpy(p, &d, sizeof(d));
		return 0;
	}
	if (f->type != F_DOUBLE && json_is_integer(v) && json_integer_value(v) >= 0 &&
	    (f->type == F_U64 || json_integer_value(v) <= UINT32_MAX)) {
		if (f->type == F_U32) {
			uint32_t u = (uint32_t)json_integer_value(v);

			memcpy(p, &u, sizeof(u));
		} else {
			uint64_t u = (uint64_t)json_integer_value(v);

			memcpy(p, &u, sizeof(u));
		}
		return 0;
	}
	return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: field \"%s\": value must "
		"be a %s", path, f->name, f->type == F_DOUBLE ?
		"positive number" : "non-negative integer (cycles)");
}

int tlbsim_profile_load(const char *path, struct tlbsim_profile *out,
			struct tlbsim_diag *diag)
{
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e), *name, *fo;
	int err = 0;

	if (!doc)
		return e.line < 1 ?   /* not opened, or empty */
		       tlbsim_diag_set(diag, TLBSIM_EIO, "%s: %s", path, e.text) :
		       tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:%d: %s", path,
				       e.line, e.text);
	memset(out, 0, sizeof(*out));
	name = json_object_get(doc, "name");
	fo = json_object_get(doc, "fields");
	if (json_integer_value(json_object_get(doc, "tlbsim_profile")) != 1 ||
	    !json_is_string(name) || !json_is_object(fo)) {
		json_decref(doc);
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: not a tlbsim profile "
			"(expected {\"tlbsim_profile\": 1, \"name\": ..., \"fields\": {...}})",
			path);
	}
	snprintf(out->name, sizeof(out->name), "%s", json_string_value(name));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && !err; i++)
		err = load_field(&fields[i], fo, out, path, diag);
	/* a profile from before it: a protect walks as an unmap did */
	if (!json_object_get(fo, "gather_walk_protect_page"))
		out->gather_walk_protect_page = out->gather_walk_page;
	json_decref(doc);
	return err;
}

char *tlbsim_profile_json(const struct tlbsim_profile *p,
			  const char *(*source)(const char *field, void *ctx),
			  void *ctx)
{
	json_t *doc = json_object(), *fo = json_object();
	char *out;

	json_object_set_new(doc, "tlbsim_profile", json_integer(1));
	json_object_set_new(doc, "name", json_string(p->name));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *at = (const char *)p + fields[i].off;
		json_t *v;

		if (fields[i].type == F_DOUBLE) {
			double d;

			memcpy(&d, at, sizeof(d));
			v = json_real(d);
		} else if (fields[i].type == F_U32) {
			uint32_t u;

			memcpy(&u, at, sizeof(u));
			v = json_integer(u);
		} else {
			uint64_t u;

			memcpy(&u, at, sizeof(u));
			v = json_integer((json_int_t)u);
		}
		json_object_set_new(fo, fields[i].name, json_pack("{s:o, s:s}", "value", v,
			"source", source(fields[i].name, ctx)));
	}
	json_object_set_new(doc, "fields", fo);
	out = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(doc);
	return out;
}
