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
		cp traces/scenarios/*.jsonl tests/data/*.jsonl tests/bad/*.jsonl tests/bad/*.tlbb fuzz/seeds/*.tlbb fuzz/seeds/*.jsonl "$2"/
		# every backend's teaching scenario (hyperv, xen, invlpgb, pvm)
		for f in traces/scenarios/independent/*.jsonl; do
			cp "$f" "$2/ind-$(basename "$f")"
		done ;;
	fuzz_perf)
		for f in traces/perf/*.perf.txt.xz traces/perf/ftrace/*.txt.xz; do
			(xzcat "$f" | head -300 > "$2/$(basename "$f" .xz).head") || true
		done
		cp fuzz/seeds/*.perf.txt "$2"/ ;;
	fuzz_tracedat)
		cp fuzz/seeds/*.dat "$2"/ ;;
	esac
}
# fuzz_tracedat for SECS in libFuzzer's fork mode: jobs in child
# processes, each started afresh. libtracecmd (not instrumented) may write
# out of bounds before it faults, and it leaks what it held when it does:
# in one long process that made later inputs fail in ways they do not
# alone (a spurious finding ended the run every few minutes) and slowed
# every input as the heap grew (40 executions/s after a minute, 90 in
# fork mode). A crash, timeout or OOM of a job is kept and fuzzing goes
# on; at the end each is run again alone: one that passes is set aside
# (spurious-fuzz_tracedat/), one that fails is a finding.
tracedat_loop() {
	local out rc=0 n f spurious=0 findings=0
	mkdir -p spurious-fuzz_tracedat
	# libtracecmd's warnings are dropped and the rest kept to its last
	# 256 KiB: an input looping in a broken heap once printed its warning
	# for the whole timeout, gigabytes held in $out
	out=$(ASAN_OPTIONS=$asan timeout -k 10 $(( secs + 120 )) ./fuzz_tracedat $extra \
		-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-max_total_time="$secs" -max_len=$len -timeout=$limit \
		-artifact_prefix=finding- corpus-fuzz_tracedat 2>&1 |
		grep -av "File possibly truncated" | tail -c 262144
		exit "${PIPESTATUS[0]}") || rc=$?
	n=$(echo "$out" | sed -n 's/^#\([0-9]*\): .*/\1/p' | tail -1)
	echo "$out" | grep -a "^#[0-9]*: " | tail -2
	rm -f finding-slow-unit-*
	for f in finding-crash-* finding-timeout-* finding-oom-* finding-leak-*; do
		[ -e "$f" ] || continue
		if ASAN_OPTIONS=$asan timeout 120 ./fuzz_tracedat $extra -timeout=$limit "$f" >/dev/null 2>&1; then
			mv "$f" spurious-fuzz_tracedat/
			spurious=$(( spurious + 1 ))
		else
			mv "$f" "${f#finding-}"
			echo "fuzz_tracedat: ${f#finding-} fails alone: a finding"
			findings=$(( findings + 1 ))
		fi
	done
	echo "fuzz_tracedat: ${n:-0} executions; $spurious finding(s) that do not fail alone set aside"
	[ "$findings" = 0 ] || return 1
	# the run itself must have ended as asked (its time up), not died.
	# libFuzzer's fork mode exits with its last job's code: a job that
	# crashed just before the time was up (set aside above when it passes
	# alone) makes that 1 although the run ended as asked
	[ "$rc" -eq 0 ] || grep -aq "^INFO: fuzzed for [0-9]* seconds, wrapping up soon" <<<"$out" ||
		{ echo "$out" | tail -20; return 1; }
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
