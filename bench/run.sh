#!/usr/bin/env bash
# bench/run.sh [EVENTS] - figures for bench/RESULTS.md: each stage on a
# synthetic trace (reader only, model only, two-policy compare), the same at
# 4 and 4096 CPUs, and peak memory at 10x the length; the same for perf
# script text (tlbsim-gen --format perf); the binary compare ten times in
# the plain build and in the profile-guided one (./tlbsim.sh build-pgo):
# best, median, slowest; last, the compare's instructions per event
# (bench/instr.sh). Prints, asserts nothing.
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
echo "the same trace in the binary form (tlbsim convert: form 2; form 1 beside it)"
./build/tlbsim convert "$tmp/t4.jsonl" -o "$tmp/t4.tlbb"
./build/tlbsim convert "$tmp/t4.jsonl" --form 1 -o "$tmp/t4.form1.tlbb"
echo "  bytes: JSONL $(stat -c %s "$tmp/t4.jsonl"), form 1 $(stat -c %s "$tmp/t4.form1.tlbb")," \
     "form 2 $(stat -c %s "$tmp/t4.tlbb")"
./build/tlbsim-bench "$tmp/t4.tlbb" --stage reader
./build/tlbsim-bench "$tmp/t4.form1.tlbb" --stage reader
# The compare, the plain build and the one of ./tlbsim.sh build-pgo (gcc's
# profile of a training run on traces of another seed), ten runs each,
# alternating. This virtual machine's runs seconds apart differ by up to
# 40 % (other tenants: the same binary, its thread's CPU time as long as
# its wall time), so each build's best run is printed as the estimate of
# what a core of this machine does when nothing else slows it (as Python's
# timeit advises: the others are slowed by interference, not by the code),
# beside the median and the slowest.
./tlbsim.sh build-pgo > "$tmp/pgo.log" 2>&1 || { cat "$tmp/pgo.log"; exit 1; }
for i in 1 2 3 4 5 6 7 8 9 10; do
	./build/tlbsim-bench "$tmp/t4.tlbb" --stage compare >> "$tmp/plain.txt"
	./build-pgo/tlbsim-bench "$tmp/t4.tlbb" --stage compare >> "$tmp/pgo.txt"
	./build-pgo/tlbsim-bench "$tmp/t4.form1.tlbb" --stage compare >> "$tmp/pgo-form1.txt"
done
# stats FIELD FILE: "best median slowest" of a column, in M
stats() {
	sort -k"$1,$1"nr "$2" | awk -v f="$1" '{ v[NR] = $f }
		END { printf "%.2f %.2f %.2f\n", v[1] / 1e6,
			     (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2e6, v[NR] / 1e6 }'
}
for b in plain pgo pgo-form1; do
	read -r best med slow < <(stats 6 "$tmp/$b.txt")
	read -r cbest cmed cslow < <(stats 17 "$tmp/$b.txt")
	echo "compare, $b build, $(wc -l < "$tmp/$b.txt") runs: best $best M events/s, median $med M, slowest $slow M"
	echo "  per CPU second of all its threads (the input's hash thread too):" \
	     "best $cbest M, median $cmed M, slowest $cslow M"
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
