/*
 * topology.c - the modeled machine's CPUs and how far apart they are.
 *
 * hwloc loads the topology (synthetic description, XML, or this host); what
 * the simulator needs is the distance class of two CPUs, taken from the
 * type of their closest common ancestor (Core, L2, L3, Package, Machine /
 * NUMA node). hwloc synthetic topologies have no distance matrix, so the
 * ancestor is the only honest source. Loading costs a few ms: it is done
 * once, and each CPU keeps the ids of its ancestors, so a lookup walks at
 * most a handful of levels and needs no O(cpus^2) table at 4096 CPUs.
 */
#include <hwloc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlbsim/machine.h"

/* Per CPU: the logical index of each ancestor kind (-1 when absent). */
enum anc { ANC_CORE, ANC_L2, ANC_L3, ANC_PACKAGE, ANC_NUMA, ANC_COUNT };

struct tlbsim_topology {
	unsigned cpus;
	char desc[256];
	int (*anc)[ANC_COUNT];
};

const char *tlbsim_distance_name(enum tlbsim_distance d)
{
	static const char *names[TLBSIM_DIST_COUNT] = {
		"self", "smt", "l2", "l3", "package", "numa", "remote"
	};

	return (unsigned)d < TLBSIM_DIST_COUNT ? names[d] : "?";
}

static int ancestor(hwloc_topology_t t, hwloc_obj_t pu, hwloc_obj_type_t type)
{
	hwloc_obj_t o = hwloc_get_ancestor_obj_by_type(t, type, pu);

	return o ? (int)o->logical_index : -1;
}

static int numa_of(hwloc_topology_t t, hwloc_obj_t pu)
{
	hwloc_obj_t o = pu;

	/* NUMA nodes hang off the memory children of an ancestor */
	for (; o; o = o->parent)
		if (o->memory_arity && o->memory_first_child)
			return (int)o->memory_first_child->logical_index;
	(void)t;
	return -1;
}

/* Collect the ancestors of every PU, CPU ids = OS indexes (dense). */
static int topology_fill(hwloc_topology_t t, struct tlbsim_topology *out,
			 unsigned expect, struct tlbsim_diag *diag)
{
	int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);

	if (n <= 0 || n > TLBSIM_MAX_CPUS)
		return tlbsim_diag_set(diag, TLBSIM_EINVAL, "topology \"%s\" has %d "
			"CPUs (expected 1..%d)", out->desc, n, TLBSIM_MAX_CPUS);
	if (expect && (unsigned)n != expect)
		return tlbsim_diag_set(diag, TLBSIM_EINVAL, "topology \"%s\" has %d "
			"CPUs, the trace has %u", out->desc, n, expect);
	out->cpus = (unsigned)n;
	out->anc = calloc((size_t)n, sizeof(*out->anc));
	if (!out->anc)
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	for (int c = 0; c < n; c++) {
		hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(t, (unsigned)c);

		if (!pu)
			return tlbsim_diag_set(diag, TLBSIM_EINVAL, "topology \"%s\": "
				"CPU ids are not dense (no PU with OS index %d)",
				out->desc, c);
		out->anc[c][ANC_CORE] = ancestor(t, pu, HWLOC_OBJ_CORE);
		out->anc[c][ANC_L2] = ancestor(t, pu, HWLOC_OBJ_L2CACHE);
		out->anc[c][ANC_L3] = ancestor(t, pu, HWLOC_OBJ_L3CACHE);
		out->anc[c][ANC_PACKAGE] = ancestor(t, pu, HWLOC_OBJ_PACKAGE);
		out->anc[c][ANC_NUMA] = numa_of(t, pu);
	}
	return 0;
}

enum tlbsim_distance tlbsim_topology_distance(const struct tlbsim_topology *t,
					      unsigned a, unsigned b)
{
	static const enum tlbsim_distance cls[ANC_COUNT] = {
		TLBSIM_DIST_SMT, TLBSIM_DIST_L2, TLBSIM_DIST_L3,
		TLBSIM_DIST_PACKAGE, TLBSIM_DIST_NUMA
	};

	if (a == b)
		return TLBSIM_DIST_SELF;
	for (int k = 0; k < ANC_COUNT; k++)
		if (t->anc[a][k] >= 0 && t->anc[a][k] == t->anc[b][k])
			return cls[k];
	return TLBSIM_DIST_REMOTE;
}

enum source { SRC_SYNTHETIC, SRC_XML, SRC_HOST };

/* The PUs a synthetic description asks for: the product of its levels'
 * arities ("pack:64 core:64 pu:64" is 262144), saturated. hwloc builds
 * every object before anything could count them (2.5 GB for that one),
 * so an oversized machine is refused from its text. Attributes in
 * parentheses and memory children in brackets carry no arity. */
static unsigned long long synthetic_pus(const char *desc)
{
	unsigned long long n = 1;
	int depth = 0;

	for (const char *p = desc; *p; p++) {
		if (*p == '(' || *p == '[')
			depth++;
		else if ((*p == ')' || *p == ']') && depth)
			depth--;
		else if (*p == ':' && !depth && p[1] >= '0' && p[1] <= '9') {
			unsigned long long a = strtoull(p + 1, NULL, 10);

			n = a && n > ULLONG_MAX / a ? ULLONG_MAX : n * a;
		}
	}
	return n;
}

static int topology_load(enum source src, const char *arg, unsigned expect,
			 struct tlbsim_topology **out, struct tlbsim_diag *diag)
{
	struct tlbsim_topology *t = calloc(1, sizeof(*t));
	hwloc_topology_t h;
	int err = 0;

	*out = NULL;
	if (!t)
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	snprintf(t->desc, sizeof(t->desc), "%s%s", src == SRC_XML ? "xml:" :
		 src == SRC_HOST ? "host" : "", arg ? arg : "");
	if (hwloc_topology_init(&h)) {
		free(t);
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "hwloc: cannot initialise");
	}
	if (src == SRC_SYNTHETIC && synthetic_pus(arg) > TLBSIM_MAX_CPUS)
		err = tlbsim_diag_set(diag, TLBSIM_EINVAL, "topology \"%s\" has %llu "
			"CPUs (expected 1..%d)", arg, synthetic_pus(arg), TLBSIM_MAX_CPUS);
	else if (src == SRC_SYNTHETIC && hwloc_topology_set_synthetic(h, arg))
		err = tlbsim_diag_set(diag, TLBSIM_EINVAL, "bad topology \"%s\" "
			"(expected an hwloc synthetic description such as "
			"\"pack:2 core:32 pu:2\")", arg);
	else if (src == SRC_XML && hwloc_topology_set_xml(h, arg))
		err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot read hwloc XML "
			"topology", arg);
	if (!err && hwloc_topology_load(h))
		err = tlbsim_diag_set(diag, TLBSIM_EINVAL, "topology \"%s\" could not "
			"be loaded", t->desc);
	if (!err)
		err = topology_fill(h, t, expect, diag);
	hwloc_topology_destroy(h);
	if (err) {
		tlbsim_topology_free(t);
		return err;
	}
	*out = t;
	return 0;
}

int tlbsim_topology_default(unsigned cpus, struct tlbsim_topology **out,
			    struct tlbsim_diag *diag)
{
	char desc[64];

	snprintf(desc, sizeof(desc), "pack:1 core:%u pu:1", cpus);
	return topology_load(SRC_SYNTHETIC, desc, cpus, out, diag);
}

int tlbsim_topology_synthetic(const char *desc, unsigned cpus,
			      struct tlbsim_topology **out,
			      struct tlbsim_diag *diag)
{
	return topology_load(SRC_SYNTHETIC, desc, cpus, out, diag);
}

int tlbsim_topology_xml(const char *path, struct tlbsim_topology **out,
			struct tlbsim_diag *diag)
{
	return topology_load(SRC_XML, path, 0, out, diag);
}

int tlbsim_topology_host(struct tlbsim_topology **out, struct tlbsim_diag *diag)
{
	return topology_load(SRC_HOST, NULL, 0, out, diag);
}

int tlbsim_topology_host_export(const char *path, struct tlbsim_diag *diag)
{
	hwloc_topology_t h;
	int err = 0;

	if (hwloc_topology_init(&h))
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "hwloc: cannot initialise");
	if (hwloc_topology_load(h))
		err = tlbsim_diag_set(diag, TLBSIM_EINVAL, "hwloc: cannot load this "
				      "host's topology");
	else if (hwloc_topology_export_xml(h, path, 0))
		err = tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot write the hwloc "
				      "XML topology", path);
	hwloc_topology_destroy(h);
	return err;
}

void tlbsim_topology_free(struct tlbsim_topology *t)
{
	if (!t)
		return;
	free(t->anc);
	free(t);
}

unsigned tlbsim_topology_cpus(const struct tlbsim_topology *t)
{
	return t->cpus;
}

const char *tlbsim_topology_desc(const struct tlbsim_topology *t)
{
	return t->desc;
}
