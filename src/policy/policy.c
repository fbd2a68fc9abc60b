/*
 * policy.c - flush policies and backends as data (see tlbsim/policy.h).
 */
#include <stdio.h>
#include <string.h>

#include "tlbsim/policy.h"

/*
 * pv_ops.mmu.flush_tlb_multi implementations. ipi_broadcast_key models
 * native_pv_tlb_init() (Lance Yang v7+): the key is on only when the flush
 * is native_flush_tlb_multi and the CPU has no INVLPGB.
 */
static const struct tlbsim_backend backends[TLBSIM_BACKEND_COUNT] = {
	[TLBSIM_BACKEND_NATIVE] = {
		.id = TLBSIM_BACKEND_NATIVE, .name = "native",
		.models = "native_flush_tlb_multi",
		.ipi_broadcast_key = true,
	},
	[TLBSIM_BACKEND_KVM] = {
		.id = TLBSIM_BACKEND_KVM, .name = "kvm",
		.models = "kvm_flush_tlb_multi",
		.skips_preempted = true,
	},
	[TLBSIM_BACKEND_HYPERV] = {
		.id = TLBSIM_BACKEND_HYPERV, .name = "hyperv",
		.models = "hyperv_flush_tlb_multi",
		.hypercall = true, .hypercall_lazy_filter = true,
	},
	[TLBSIM_BACKEND_XEN] = {
		.id = TLBSIM_BACKEND_XEN, .name = "xen",
		.models = "xen_flush_tlb_multi",
		.hypercall = true,
	},
	[TLBSIM_BACKEND_INVLPGB] = {
		.id = TLBSIM_BACKEND_INVLPGB, .name = "invlpgb",
		.models = "broadcast_tlb_flush / native_flush_tlb_multi",
		.global_asids = true,
	},
	/* A PVM guest (pvm-pv, "remote TLB flushes via
	 * PVM_HC_FLUSH_TLB_MULTI"): its source is not public. What its
	 * captures show: every flush_tlb_multi() traces TLB_REMOTE_SEND_IPI
	 * and runs flush_tlb_func on the initiator (csd_function_entry with
	 * no csd: smp_call_function_many_cond()'s local call), and no other
	 * CPU ever runs it (no flush IPI, no remote shootdown): the other
	 * vCPUs are flushed by the host, then native_flush_tlb_multi() runs
	 * on the initiator alone. Whether the host leaves lazy vCPUs out the
	 * guest cannot see: all are flushed, as Xen does [INFERENCE]. And
	 * a process's exit flushes its mm twice: first the exiting CPU,
	 * lazy on it, switches to init_mm, then (at tlb_finish_mmu()) finds
	 * itself on the wrong CPU; a flush_tlb_mm() of the guest's own
	 * before exit_mmap() unmaps, where a KVM guest has none. Every exit
	 * of the traces/perf/pvm captures that sent at all sent twice (a
	 * single flush does when another CPU is in the mask); the old mm's
	 * teardown at an execve sent once [INFERENCE]. */
	[TLBSIM_BACKEND_PVM] = {
		.id = TLBSIM_BACKEND_PVM, .name = "pvm",
		.models = "pvm_flush_tlb_multi",
		.hypercall = true, .hypercall_others = true, .exit_flush = true,
	},
};

const struct tlbsim_backend *tlbsim_backend_find(const char *name)
{
	for (int i = 0; i < TLBSIM_BACKEND_COUNT; i++)
		if (name && strcmp(backends[i].name, name) == 0)
			return &backends[i];
	return NULL;
}

const struct tlbsim_backend *tlbsim_backend_get(enum tlbsim_backend_id id)
{
	if ((int)id < 0 || id >= TLBSIM_BACKEND_COUNT)
		return NULL;
	return &backends[id];
}

void tlbsim_backend_names(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < TLBSIM_BACKEND_COUNT && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", !i ? "" :
					i + 1 < TLBSIM_BACKEND_COUNT ? ", " : " or ",
					backends[i].name);
}

const char *tlbsim_wake_name(enum tlbsim_wake w)
{
	return w == TLBSIM_WAKE_FREED_UNSHARED ? "freed+unshared" : "freed";
}

const char *tlbsim_sync_name(enum tlbsim_sync s)
{
	switch (s) {
	case TLBSIM_SYNC_ALWAYS: return "always";
	case TLBSIM_SYNC_NATIVE: return "native";
	case TLBSIM_SYNC_NEVER: return "never";
	}
	return "?";
}

static int parse_pair(const char *key, size_t klen, const char *val,
		      size_t vlen, struct tlbsim_policy *p)
{
#define IS(s, n, lit) ((n) == sizeof(lit) - 1 && memcmp((s), (lit), (n)) == 0)
	if (IS(key, klen, "wake")) {
		if (IS(val, vlen, "freed"))
			p->wake = TLBSIM_WAKE_FREED;
		else if (IS(val, vlen, "freed+unshared"))
			p->wake = TLBSIM_WAKE_FREED_UNSHARED;
		else
			return -1;
		return 0;
	}
	if (IS(key, klen, "sync")) {
		if (IS(val, vlen, "always"))
			p->sync = TLBSIM_SYNC_ALWAYS;
		else if (IS(val, vlen, "native"))
			p->sync = TLBSIM_SYNC_NATIVE;
		else if (IS(val, vlen, "never"))
			p->sync = TLBSIM_SYNC_NEVER;
		else
			return -1;
		return 0;
	}
#undef IS
	return -1;
}

int tlbsim_policy_parse(const char *s, struct tlbsim_policy *out,
			struct tlbsim_diag *diag)
{
	struct tlbsim_policy p = { .wake = TLBSIM_WAKE_FREED,
				   .sync = TLBSIM_SYNC_ALWAYS };
	const char *item = s;

	if (!s || !*s)
		return tlbsim_diag_set(diag, TLBSIM_EINVAL, "empty policy");
	if (strcmp(s, "legacy") == 0) {
		snprintf(out->name, sizeof(out->name), "legacy");
		out->wake = TLBSIM_WAKE_FREED;
		out->sync = TLBSIM_SYNC_ALWAYS;
		return 0;
	}
	if (strcmp(s, "wake-lazy") == 0) {
		snprintf(out->name, sizeof(out->name), "wake-lazy");
		out->wake = TLBSIM_WAKE_FREED_UNSHARED;
		out->sync = TLBSIM_SYNC_NATIVE;
		return 0;
	}
	while (*item) {
		const char *comma = strchr(item, ',');
		const char *end = comma ? comma : item + strlen(item);
		const char *eq = memchr(item, '=', (size_t)(end - item));

		if (!eq || parse_pair(item, (size_t)(eq - item), eq + 1,
				      (size_t)(end - eq - 1), &p))
			return tlbsim_diag_set(diag, TLBSIM_EINVAL,
				"unknown policy \"%s\" (expected legacy, wake-lazy or "
				"wake=freed|freed+unshared,sync=always|native|never)", s);
		item = comma ? comma + 1 : end;
	}
	snprintf(p.name, sizeof(p.name), "wake=%s,sync=%s",
		 tlbsim_wake_name(p.wake), tlbsim_sync_name(p.sync));
	*out = p;
	return 0;
}

/* x86 tlb_flush(): before the patch flush_tlb_mm_range() got
 * tlb->freed_tables; after it, freed_tables || unshared_tables. */
bool tlbsim_policy_wake_lazy(const struct tlbsim_policy *p, bool freed_tables,
			     bool unshared_tables)
{
	if (p->wake == TLBSIM_WAKE_FREED_UNSHARED)
		return freed_tables || unshared_tables;
	return freed_tables;
}

/* tlb_remove_table_sync_one() returns early when
 * tlb_table_flush_implies_ipi_broadcast() (the static key) is true. */
bool tlbsim_policy_skip_sync(const struct tlbsim_policy *p,
			     const struct tlbsim_backend *b)
{
	switch (p->sync) {
	case TLBSIM_SYNC_ALWAYS: return false;
	case TLBSIM_SYNC_NATIVE: return b->ipi_broadcast_key;
	case TLBSIM_SYNC_NEVER: return true;
	}
	return false;
}
