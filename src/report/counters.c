/* counters.c - the counter name table (see tlbsim/result.h). */
#include <stddef.h>

#include "tlbsim/result.h"

#define C(name, field, cyc) { name, offsetof(struct tlbsim_counters, field), cyc }

static const struct tlbsim_counter_def defs[] = {
	C("ipis.flush", ipi_flush, false),
	C("ipis.sync", ipi_sync, false),
	C("ipis.to_lazy", ipi_to_lazy, false),
	C("flushes.local", flush_local, false),
	C("flushes.remote", flush_remote, false),
	C("flushes.full", flush_full, false),
	C("flushes.partial", flush_partial, false),
	C("flushes.task_switch", flush_task_switch, false),
	C("counters.task_switch_noflush", task_switch_noflush, false),
	C("counters.wrong_cpu", wrong_cpu, false),
	C("counters.remote_send_ipi", remote_send_ipi, false),
	C("counters.hypercall_flushes", hypercall_flushes, false),
	C("counters.invlpgb_flushes", invlpgb_flushes, false),
	C("counters.kvm_deferred", kvm_deferred, false),
	C("counters.sync_calls", sync_calls, false),
	C("counters.sync_skipped", sync_skipped, false),
	C("counters.tables_freed", tables_freed, false),
	C("counters.tables_reused", tables_reused, false),
	C("counters.mm_flushes", mm_flushes, false),
	C("counters.nested_flushes", nested_flushes, false),
	C("counters.faults", faults, false),
	C("cycles.total", cycles_total, true),
	C("cycles.initiator_wait", cycles_wait, true),
	C("cycles.handlers", cycles_handlers, true),
	C("cycles.slip", cycles_slip, true),
};

const struct tlbsim_counter_def *tlbsim_counter_defs(size_t *n)
{
	*n = sizeof(defs) / sizeof(defs[0]);
	return defs;
}

uint64_t tlbsim_counter_get(const struct tlbsim_counters *c,
			    const struct tlbsim_counter_def *d)
{
	return *(const uint64_t *)((const char *)c + d->offset);
}
