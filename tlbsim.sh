#!/usr/bin/env bash
# tlbsim.sh - set up, build, test and demo tlbsim on a fresh Debian machine.
#
#   ./tlbsim.sh demo       install what is missing, build, compare the two
#                          policies on the seed patch's case (a scenario),
#                          then replay a shipped perf capture of a real
#                          hugetlb-unshare workload: what wake-lazy changes
#                          there on bare metal, and the model against the
#                          captured kernel's own counts
#   ./tlbsim.sh test       install what is missing, build, run every test
#   ./tlbsim.sh test-asan  the same under AddressSanitizer + UBSan
#   ./tlbsim.sh build      install and build only (binary: build/tlbsim)
#   ./tlbsim.sh build-pgo  the same, optimised with gcc's profile of a
#                          training run (binary: build-pgo/tlbsim; about
#                          two minutes, 10-18 % faster replays)
#   ./tlbsim.sh fuzz [S]   install clang, run each libFuzzer harness S seconds
#   ./tlbsim.sh lossy [--quick] [--bin B]  replay the shipped captures
#                          damaged as perf damages them (lost records, cuts,
#                          merges): every one must still give a report
set -euo pipefail
cd "$(dirname "$0")"

PKGS=(build-essential cmake pkg-config libjansson-dev libhwloc-dev
      libcpuid-dev libcmocka-dev liblzma-dev libxml2-dev libtracecmd-dev
      libtracefs-dev libtraceevent-dev nettle-dev)

setup() {
	local missing=()
	for p in "${PKGS[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if ((${#missing[@]})); then
		echo "tlbsim.sh: installing ${missing[*]}" >&2
		local sudo=""
		[ "$(id -u)" -eq 0 ] || sudo=sudo
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

build() { # build DIR [cmake args...]
	local dir=$1; shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc)"
}

# build_pgo DIR: an instrumented build, a training run of what users run
# most (binary and JSONL compares, perf replays and validations), then the
# build optimised with its profile. The objects' paths name their profile
# files, so both builds use the one directory. The generated training
# traces are of a seed bench/run.sh does not measure (7, not 1).
build_pgo() {
	local dir=$1 prof t
	prof=$PWD/$dir/pgo-profile
	t=$dir/pgo-train
	rm -rf "$prof" "$t"
	mkdir -p "$t"
	build "$dir" -DTLBSIM_PGO=GEN -DTLBSIM_PGO_DIR="$prof" >/dev/null
	"$dir/tlbsim-gen" --cpus 4 --events 200000 --seed 7 > "$t/t.jsonl"
	"$dir/tlbsim" convert "$t/t.jsonl" -o "$t/t.tlbb"
	"$dir/tlbsim-bench" "$t/t.tlbb" --stage compare >/dev/null
	"$dir/tlbsim" convert "$t/t.jsonl" --form 1 -o "$t/t1.tlbb"
	"$dir/tlbsim-bench" "$t/t1.tlbb" --stage compare >/dev/null
	"$dir/tlbsim" compare "$t/t.jsonl" --json -o "$t/r.json"
	"$dir/tlbsim-gen" --format perf --cpus 4 --events 200000 --seed 7 > "$t/p.perf.txt"
	"$dir/tlbsim" compare "$t/p.perf.txt" --json -o "$t/r.json"
	for f in traces/perf/*.perf.txt.xz traces/perf/intel/*.perf.txt.xz traces/perf/pvm/*.perf.txt.xz; do
		"$dir/tlbsim" validate "$f" >/dev/null
	done
	rm -rf "$t"
	build "$dir" -DTLBSIM_PGO=USE -DTLBSIM_PGO_DIR="$prof"
}

runtests() { # runtests DIR
	(cd "$1" && ctest --output-on-failure -j"$(nproc)")
}

case "${1:-}" in
setup) setup ;;
build) setup; build build ;;
build-pgo) setup; build_pgo build-pgo ;;
test) setup; build build; runtests build ;;
test-asan)
	setup
	build build-asan -DTLBSIM_SANITIZE=ON
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
		runtests build-asan ;;
fuzz)
	setup clang libclang-rt-14-dev
	./fuzz/run.sh "${2:-60}" ;;
lossy)
	setup python3; build build >/dev/null
	shift
	python3 fuzz/lossy.py "$@" ;;
demo)
	setup; build build >/dev/null
	echo "== the seed patch's case: tlbsim compare traces/scenarios/unshare_lazy.jsonl"
	./build/tlbsim compare traces/scenarios/unshare_lazy.jsonl
	echo
	echo "== a real capture on bare metal: tlbsim compare traces/perf/hugetlb_unshare.perf.txt.xz --backend native"
	./build/tlbsim compare traces/perf/hugetlb_unshare.perf.txt.xz --backend native
	echo
	echo "== the same capture against the kernel's counts: tlbsim validate traces/perf/hugetlb_unshare.perf.txt.xz"
	./build/tlbsim validate traces/perf/hugetlb_unshare.perf.txt.xz ;;
*)
	sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
	exit 2 ;;
esac
