#!/usr/bin/env bash
# bench/mix.sh [TLBSIM] - the event mix of the shipped captures, which
# tlbsim-gen's default mix (--mix captures) is fitted to: each capture
# under traces/perf/ imported into the native form, its events counted by
# kind (what the importer infers about the time before the capture, and
# the kernel's own observations, left out), then the mean over the
# captures of each kind's share, beside tlbsim-gen's at 1 M events.
# Prints, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/tlbsim}
gen=$(dirname "$bin")/tlbsim-gen
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kinds() { # kinds JSONL: "kind count" lines, the model's inputs only
	grep -o '"ev": "[a-z_]*"' "$1" | cut -d'"' -f4 |
		grep -Ev '^(observed|ran_before|lazy_before|running_before)$' |
		sort | uniq -c | awk '{print $2, $1}' || true
}
n=0
for f in traces/perf/*.perf.txt.xz traces/perf/*/*.perf.txt.xz; do
	"$bin" import "$f" -o "$tmp/t.jsonl" 2>/dev/null || { echo "mix.sh: $f did not import" >&2; continue; }
	kinds "$tmp/t.jsonl" > "$tmp/k.$n"
	n=$((n + 1))
done
"$gen" --cpus 4 --events 1000000 --seed 1 > "$tmp/g.jsonl"
kinds "$tmp/g.jsonl" > "$tmp/g"
printf "%-10s %9s %9s\n" kind captures tlbsim-gen
awk -v n="$n" '
	FNR == 1 { file++ }
	{ cnt[file, $1] = $2; tot[file] += $2; kinds[$1] = 1 }
	END {
		for (k in kinds) {
			m = 0
			for (f = 1; f <= n; f++)
				m += cnt[f, k] / tot[f]
			printf "%-10s %8.2f%% %8.2f%%\n", k, 100 * m / n,
				100 * cnt[n + 1, k] / tot[n + 1]
		}
	}' $(for ((i = 0; i < n; i++)); do echo "$tmp/k.$i"; done) "$tmp/g" | sort -k2 -rn
echo "($n captures; the mean of their shares, each capture weighing the same)"
