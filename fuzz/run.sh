#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] - build the libFuzzer harnesses with clang and run
# each for SECONDS (default 60), seeded with every shipped trace. A finding
# leaves its input as build-fuzz/crash-* and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
command -v clang >/dev/null || { echo "fuzz/run.sh: needs clang (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DTLBSIM_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_native fuzz_pipeline >/dev/null
for h in fuzz_native fuzz_pipeline; do
	corpus=build-fuzz/corpus-$h
	mkdir -p "$corpus"
	cp traces/scenarios/*.jsonl tests/data/*.jsonl tests/bad/*.jsonl "$corpus"/ 2>/dev/null || true
	for f in traces/perf/*.perf.txt.xz; do   # the perf-text reader too
		(xzcat "$f" | head -200 > "$corpus/$(basename "$f" .xz).head") || true
	done
	echo "fuzz/run.sh: $h for ${secs}s"
	(cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 ./$h -max_total_time="$secs" \
		-max_len=8192 -print_final_stats=1 "corpus-$h" 2>&1 | tail -12)
done
