#!/usr/bin/env bash
# bench/run.sh [EVENTS] - figures for bench/RESULTS.md: each stage on a
# synthetic trace (reader only, model only, two-policy compare), the same at
# 4 and 4096 CPUs, and peak memory at 10x the length; the same for perf
# script text (tlbsim-gen --format perf); the compare of the profile-guided
# build (./tlbsim.sh build-pgo) beside the plain one; last, the compare's
# instructions per event (bench/instr.sh). Prints, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target tlbsim tlbsim-gen tlbsim-bench >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "trace: tlbsim-gen --events $n (native JSONL, the captures' mix: bench/mix.sh), 4 CPUs"
./build/tlbsim-gen --cpus 4 --events "$n" --seed 1 > "$tmp/t4.jsonl"
for stage in reader model compare; do ./build/tlbsim-bench "$tmp/t4.jsonl" --stage "$stage"; done
echo "the same trace in the binary form (tlbsim convert); the compare three"
echo "times (a virtual machine's runs minutes apart differ by up to 30 %)"
./build/tlbsim convert "$tmp/t4.jsonl" -o "$tmp/t4.tlbb"
./build/tlbsim-bench "$tmp/t4.tlbb" --stage reader
for i in 1 2 3; do ./build/tlbsim-bench "$tmp/t4.tlbb" --stage compare; done
echo "the same compare built by ./tlbsim.sh build-pgo (gcc's profile of a"
echo "training run on traces of another seed), each run beside one of the"
echo "plain build's: a host's slow spell slows both"
./tlbsim.sh build-pgo >/dev/null
for i in 1 2 3; do
	echo "  plain: $(./build/tlbsim-bench "$tmp/t4.tlbb" --stage compare)"
	echo "  pgo:   $(./build-pgo/tlbsim-bench "$tmp/t4.tlbb" --stage compare)"
done
echo "the generator's former mix (--mix stress: shootdowns three times as often"
echo "as in the captures, touches of 1-16 pages), binary form"
./build/tlbsim-gen --mix stress --cpus 4 --events "$n" --seed 1 > "$tmp/s4.jsonl"
./build/tlbsim convert "$tmp/s4.jsonl" -o "$tmp/s4.tlbb"
./build/tlbsim-bench "$tmp/s4.tlbb" --stage compare
rm -f "$tmp/s4.jsonl" "$tmp/s4.tlbb"
echo "dense: 4096 CPUs, every one used by the trace (first 20 k events: the"
echo "protocol's IPI volume grows with the machine, see RESULTS.md)"
./build/tlbsim-gen --cpus 4096 --events 20000 --seed 1 > "$tmp/t4096.jsonl"
./build/tlbsim-bench "$tmp/t4096.jsonl" --stage compare
echo "10x the length, 4 CPUs, both xz-compressed (memory must stay flat: the"
echo "xz decoder's buffers are the same at either length)"
xz -1 -T0 -c "$tmp/t4.jsonl" > "$tmp/t4.jsonl.xz"
./build/tlbsim-bench "$tmp/t4.jsonl.xz" --stage compare
./build/tlbsim-gen --cpus 4 --events $((n * 10)) --seed 1 | xz -1 -T0 > "$tmp/t4x10.jsonl.xz"
./build/tlbsim-bench "$tmp/t4x10.jsonl.xz" --stage compare
echo "sparse: 4 CPUs vs 4096 CPUs of which the trace uses 4, per policy (binary form)"
./build/tlbsim-gen --cpus 4 --events "$n" --seed 1 |
	sed '1s/"cpus": 4/"cpus": 4096/' > "$tmp/t4in4096.jsonl"
./build/tlbsim convert "$tmp/t4in4096.jsonl" -o "$tmp/t4in4096.tlbb"
for p in legacy wake-lazy; do
	./build/tlbsim-bench "$tmp/t4.tlbb" --stage compare --policy "$p"
	./build/tlbsim-bench "$tmp/t4in4096.tlbb" --stage compare --policy "$p"
done
echo "perf script text: tlbsim-gen --format perf, 4 CPUs, $n lines and 10x (a fork"
echo "per ~200 lines: tens of thousands of processes at 10x; memory must stay flat)"
for m in "$n" $((n * 10)); do
	# plain text, ~140 bytes a line: the reader's figures are the parse's,
	# not xz's
	./build/tlbsim-gen --format perf --cpus 4 --events "$m" --seed 1 > "$tmp/p4.perf.txt"
	echo "  $m lines, $(grep -c sched_process_fork "$tmp/p4.perf.txt") processes forked"
	for stage in reader compare; do ./build/tlbsim-bench "$tmp/p4.perf.txt" --stage "$stage"; done
	rm -f "$tmp/p4.perf.txt"
done
# replay against perf script, when this machine can record tracepoints
if command -v perf >/dev/null && perf list tracepoint 2>/dev/null | grep -c "tlb:tlb_flush" >/dev/null; then
	echo "perf capture of a multi-threaded xz (traces/capture.sh), replay vs perf script"
	head -c 30000000 /dev/urandom > "$tmp/rand"
	(cd "$tmp" && TLBSIM="$OLDPWD/build/tlbsim" "$OLDPWD/traces/capture.sh" xz \
		sh -c "xz -T2 -3 < rand > /dev/null" >/dev/null)
	xzcat "$tmp/xz.perf.txt.xz" > "$tmp/xz.perf.txt"
	echo "  $(wc -l < "$tmp/xz.perf.txt") lines"
	/usr/bin/time -f "  perf script: %e s" perf script -i "$tmp/xz.data" \
		-F comm,tid,pid,cpu,time,event,trace > /dev/null 2> "$tmp/ps.err" || true
	tail -1 "$tmp/ps.err"
	/usr/bin/time -f "  tlbsim compare (two policies): %e s, peak RSS %M KiB" \
		./build/tlbsim compare "$tmp/xz.perf.txt" -o /dev/null
fi
# the compare's instructions per event: the figure a noisy host's seconds
# cannot give, to set beside them (callgrind; skipped without valgrind)
if command -v valgrind >/dev/null; then
	bench/instr.sh
else
	echo "instructions per event: skipped (bench/instr.sh needs valgrind)"
fi
