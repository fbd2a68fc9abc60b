#!/bin/sh
# traces/capture.sh NAME CMD... - record CMD system-wide with the events
# tlbsim reads, and save beside the capture what describes the machine.
#
#   NAME.perf.txt.xz        perf script text (tlbsim compare/validate/import read it)
#   NAME.trace.dat          instead, when only trace-cmd can record (read as it is)
#   NAME.topology.xml       hwloc topology (tlbsim --topology xml:NAME.topology.xml)
#   NAME.host.json          tlbsim host --json (CPU, PCID/INVPCID/INVLPGB, hypervisor,
#                           the kernel's flush backend and zero page; needs root to
#                           read the kernel's log)
#
# Uses perf when it can record tracepoints; else trace-cmd (NAME.trace.dat).
# Needs root (or perf_event_paranoid <= -1) for system-wide tracepoints.
set -eu
[ $# -ge 2 ] || { echo "usage: traces/capture.sh NAME CMD..." >&2; exit 2; }
name=$1; shift
status=0
here=$(dirname "$0")
tlbsim=${TLBSIM:-$here/../build/tlbsim}
EVENTS="tlb:tlb_flush ipi:ipi_send_cpu ipi:ipi_send_cpumask csd:csd_queue_cpu
 csd:csd_function_entry csd:csd_function_exit
 irq_vectors:call_function_entry irq_vectors:call_function_exit
 irq_vectors:call_function_single_entry irq_vectors:call_function_single_exit
 sched:sched_switch sched:sched_process_fork sched:sched_process_exec sched:sched_process_exit
 syscalls:sys_enter_munmap syscalls:sys_exit_munmap syscalls:sys_enter_madvise syscalls:sys_exit_madvise
 syscalls:sys_enter_mprotect syscalls:sys_exit_mprotect syscalls:sys_enter_mremap syscalls:sys_exit_mremap
 syscalls:sys_enter_mmap syscalls:sys_exit_mmap syscalls:sys_enter_exit_group
 syscalls:sys_exit_brk syscalls:sys_enter_clone syscalls:sys_enter_rseq
 exceptions:page_fault_user huge_memory:mm_collapse_huge_page signal:signal_deliver"

if command -v perf >/dev/null && perf list tracepoint 2>/dev/null | grep -q "tlb:tlb_flush"; then
	args=""
	for e in $EVENTS; do args="$args -e $e"; done
	# shellcheck disable=SC2086
	# perf record exits with the workload's status: a workload that fails
	# (grep finding nothing, say) still leaves a capture worth reading
	perf record -q -m 4096 -o "$name.data" $args -a -- "$@" 2>"$name.record.log" || status=$?
	[ -s "$name.data" ] || { echo "traces/capture.sh: perf record failed, see $name.record.log" >&2; exit 2; }
	# --header: its "# event : name = ..." lines tell tlbsim which
	# tracepoints were recorded (a signal_deliver recorded that never
	# came says no handler ran)
	perf script -i "$name.data" --header -F comm,tid,pid,cpu,time,event,trace 2>"$name.script.log" |
		xz -T0 > "$name.perf.txt.xz"
	echo "capture: $name.perf.txt.xz"
elif command -v trace-cmd >/dev/null; then
	args=""
	for e in $EVENTS; do args="$args -e $e"; done
	# shellcheck disable=SC2086
	trace-cmd record -o "$name.trace.dat" $args "$@" || status=$?
	[ -s "$name.trace.dat" ] || { echo "traces/capture.sh: trace-cmd record failed" >&2; exit 2; }
	echo "capture: $name.trace.dat (tlbsim compare/validate/import read it as it is)"
else
	echo "traces/capture.sh: needs perf (with tracepoints) or trace-cmd" >&2
	exit 2
fi
if [ -x "$tlbsim" ]; then   # hwloc's own XML, as lstopo --of xml writes it
	"$tlbsim" host --json -o "$name.topology.xml" > "$name.host.json" &&
		echo "host: $name.host.json, topology: $name.topology.xml"
elif command -v lstopo >/dev/null; then
	lstopo --of xml > "$name.topology.xml" && echo "topology: $name.topology.xml"
fi
[ "$status" -eq 0 ] || echo "capture.sh: note: the workload exited with status $status"
