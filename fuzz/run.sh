#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [HARNESS...] - build the libFuzzer harnesses with
# clang and run each for SECONDS (default 60), seeded from the shipped
# traces. A finding leaves its input as build-fuzz/crash-* and fails the run.
# Harnesses: fuzz_native fuzz_perf fuzz_tracedat fuzz_pipeline (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
harnesses=${*:-fuzz_native fuzz_perf fuzz_tracedat fuzz_pipeline}
command -v clang >/dev/null || { echo "fuzz/run.sh: needs clang (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DTLBSIM_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086
cmake --build build-fuzz -j"$(nproc)" --target $harnesses >/dev/null
seed() {  # seed HARNESS CORPUS
	case $1 in
	fuzz_native|fuzz_pipeline)
		cp traces/scenarios/*.jsonl tests/data/*.jsonl tests/bad/*.jsonl tests/bad/*.tlbb fuzz/seeds/*.tlbb "$2"/ ;;
	fuzz_perf)
		for f in traces/perf/*.perf.txt.xz traces/perf/ftrace/*.txt.xz; do
			(xzcat "$f" | head -300 > "$2/$(basename "$f" .xz).head") || true
		done
		cp fuzz/seeds/*.perf.txt "$2"/ ;;
	fuzz_tracedat)
		cp fuzz/seeds/*.dat "$2"/ ;;
	esac
}
for h in $harnesses; do
	corpus=build-fuzz/corpus-$h
	mkdir -p "$corpus"
	seed "$h" "$corpus"
	len=8192
	extra= asan=detect_leaks=1 limit=30
	# fuzz_tracedat runs libtracecmd in-process (fuzz/fuzz_tracedat.c):
	# a size field may ask for exabytes, which must fail as malloc() does,
	# not be a finding; libtracecmd's own bad reads and the leaks of a
	# decode it faulted out of are not tlbsim's (fuzz/asan-tracedat.supp);
	# no allocation stacks (ASan's stack depot was half of each run).
	# What libtracecmd leaks past a fault grows the RSS: a higher limit.
	[ "$h" = fuzz_tracedat ] && { len=65536; extra="-malloc_limit_mb=1024 -rss_limit_mb=6144";
		asan=detect_leaks=0:allocator_may_return_null=1:max_allocation_size_mb=256:malloc_context_size=0:suppressions=../fuzz/asan-tracedat.supp; }
	echo "fuzz/run.sh: $h for ${secs}s"
	(cd build-fuzz && ASAN_OPTIONS=$asan LSAN_OPTIONS=suppressions=../tests/lsan.supp ./"$h" $extra -max_total_time="$secs" \
		-max_len=$len -timeout=$limit -print_final_stats=1 "corpus-$h" 2>&1 | tail -12)
done
