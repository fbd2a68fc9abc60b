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
# fuzz_tracedat until SECS have passed. libtracecmd (not instrumented)
# may write out of bounds before it faults; what it leaves in the heap can
# make a later input fail in a way that input alone does not. Each finding
# is run again alone: one that passes is set aside (spurious-fuzz_tracedat/)
# and fuzzing goes on; one that fails is a finding.
tracedat_loop() {
	local end=$(( $(date +%s) + secs )) runs=0 spurious=0 left out rc n f found
	mkdir -p spurious-fuzz_tracedat
	while left=$(( end - $(date +%s) )); [ "$left" -gt 0 ]; do
		rc=0 found=0
		# a timeout libtracecmd's earlier writes provoked once left
		# libFuzzer spinning in its report for 40 minutes: a bound
		# libtracecmd's warnings are dropped and the rest kept to its
		# last 256 KiB: an input looping in a heap an earlier one broke
		# printed its warning for 30 s, gigabytes held in $out
		out=$(ASAN_OPTIONS=$asan timeout -k 10 $(( left + 2 * limit )) ./fuzz_tracedat $extra \
			-max_total_time="$left" -max_len=$len -timeout=$limit -print_final_stats=1 \
			-artifact_prefix=finding- corpus-fuzz_tracedat 2>&1 |
			grep -av "File possibly truncated" | tail -c 262144
			exit "${PIPESTATUS[0]}") || rc=$?
		n=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -1)
		runs=$(( runs + ${n:-0} ))
		# a running count: a machine stopped mid-run keeps what was done
		echo "fuzz_tracedat: $runs executions so far ($(date -u +%H:%M:%S))"
		rm -f finding-slow-unit-*
		[ "$rc" -eq 0 ] && { echo "$out" | tail -6; break; }
		for f in finding-crash-* finding-timeout-* finding-oom-* finding-leak-*; do
			[ -e "$f" ] || continue
			found=1
			if ASAN_OPTIONS=$asan ./fuzz_tracedat $extra -timeout=$limit "$f" >/dev/null 2>&1; then
				mv "$f" spurious-fuzz_tracedat/
				spurious=$(( spurious + 1 ))
			else
				echo "$out" | tail -40
				mv "$f" "${f#finding-}"
				return 1
			fi
		done
		if [ "$found" = 0 ] && [ "$rc" -ge 124 ]; then   # killed by the bound above
			echo "fuzz_tracedat: killed past its time (exit $rc); going on"
			continue
		fi
		[ "$found" = 1 ] || { echo "$out" | tail -40; return 1; }   # it stopped, no finding says why
	done
	echo "fuzz_tracedat: $runs executions; $spurious finding(s) that do not fail alone set aside"
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
	# Leak checks are off in ASan, and so in libFuzzer (which otherwise
	# runs an input again whenever its mallocs and frees differ). A 32 MiB
	# quarantine, not 256: freed memory comes back while still in cache
	# and mapped (half the page faults, a third less time per input; an
	# input frees a few MiB, so a use after free is still caught).
	if [ "$h" = fuzz_tracedat ]; then
		# a 10 s bound: an input takes milliseconds, and the timeouts
		# seen (six in an hour) were inputs looping in a heap an earlier
		# one broke, passing alone; each cost its whole bound
		len=65536 limit=10 extra="-malloc_limit_mb=1024 -rss_limit_mb=6144 -detect_leaks=0"
		asan=detect_leaks=0:allocator_may_return_null=1:max_allocation_size_mb=256:malloc_context_size=0:quarantine_size_mb=32:suppressions=../fuzz/asan-tracedat.supp
		echo "fuzz/run.sh: $h for ${secs}s"
		(cd build-fuzz && tracedat_loop)
		continue
	fi
	echo "fuzz/run.sh: $h for ${secs}s"
	(cd build-fuzz && ASAN_OPTIONS=$asan LSAN_OPTIONS=suppressions=../tests/lsan.supp ./"$h" $extra -max_total_time="$secs" \
		-max_len=$len -timeout=$limit -print_final_stats=1 "corpus-$h" 2>&1 | tail -12)
done
