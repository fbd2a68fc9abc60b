#!/usr/bin/env bash
# bench/instr.sh [EVENTS] - instructions per event of a two-policy compare of
# the binary form, counted by callgrind: repeatable on a noisy host, where
# bench/run.sh's seconds of the same binary differ by a third between runs.
# Prints, asserts nothing.
#
# Counted: the main thread's work (reader and both simulations). Left out:
# the input's SHA-256 (a thread of its own outside valgrind, which runs the
# threads one at a time), and the start-up (hwloc's topology, the dynamic
# linker), by the difference of two traces of EVENTS and 2 x EVENTS.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
command -v valgrind >/dev/null || { echo "bench/instr.sh: needs valgrind" >&2; exit 2; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target tlbsim tlbsim-gen tlbsim-bench >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# count MIX EVENTS FORM: prints "<events> <instructions>" of one compare of
# the binary form FORM
count() {
	./build/tlbsim-gen --mix "$1" --cpus 4 --events "$2" --seed 1 > "$tmp/t.jsonl"
	./build/tlbsim convert "$tmp/t.jsonl" --form "$3" -o "$tmp/t.tlbb"
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
		./build/tlbsim-bench "$tmp/t.tlbb" --stage compare > "$tmp/bench.txt" 2>/dev/null
	callgrind_annotate "$tmp/cg.out" 2>/dev/null > "$tmp/cg.txt"
	awk -v ev="$(awk '{print $2}' "$tmp/bench.txt")" '
		function num(s) { gsub(",", "", s); return s + 0 }
		/PROGRAM TOTALS/ { total = num($1) }
		/nettle_sha256/ { sha += num($1) }
		END { printf "%d %.0f\n", ev, total - sha }' "$tmp/cg.txt"
}

echo "machine-independent: callgrind instruction counts, tlbsim-gen --seed 1, 4 CPUs"
# form 1 as in the sessions before the twenty-eighth, then form 2 (convert's
# default since), whose reader takes more instructions for fewer bytes
for run in "captures 1" "stress 1" "captures 2"; do
	read -r mix form <<< "$run"
	read -r e1 i1 < <(count "$mix" "$n" "$form")
	read -r e2 i2 < <(count "$mix" $((n * 2)) "$form")
	awk -v m="$mix" -v f="$form" -v e1="$e1" -v i1="$i1" -v e2="$e2" -v i2="$i2" 'BEGIN {
		printf "--mix %-8s form %s %7d / %7d events: %.0f instructions per event " \
		       "(two policies, reader included; start-up %.1f M)\n",
		       m, f, e1, e2, (i2 - i1) / (e2 - e1), (i1 - e1 * (i2 - i1) / (e2 - e1)) / 1e6 }'
done
