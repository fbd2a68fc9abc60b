#!/usr/bin/env bash
# bench/run.sh [EVENTS] - figures for bench/RESULTS.md: each stage on a
# synthetic trace (reader only, model only, two-policy compare), the same at
# 4 and 4096 CPUs, and peak memory at 10x the length. Prints, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target tlbsim-gen tlbsim-bench >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "trace: tlbsim-gen --events $n (native JSONL), 4 CPUs"
./build/tlbsim-gen --cpus 4 --events "$n" --seed 1 > "$tmp/t4.jsonl"
for stage in reader model compare; do ./build/tlbsim-bench "$tmp/t4.jsonl" --stage "$stage"; done
echo "same length, 4096 CPUs"
./build/tlbsim-gen --cpus 4096 --events "$n" --seed 1 > "$tmp/t4096.jsonl"
./build/tlbsim-bench "$tmp/t4096.jsonl" --stage compare
echo "10x the length, 4 CPUs (memory must stay flat)"
./build/tlbsim-gen --cpus 4 --events $((n * 10)) --seed 1 | xz -1 -T0 > "$tmp/t4x10.jsonl.xz"
./build/tlbsim-bench "$tmp/t4x10.jsonl.xz" --stage compare
