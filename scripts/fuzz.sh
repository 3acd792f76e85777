#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ and runs them (issue 11, "Fuzzing").
#
#   scripts/fuzz.sh TARGET SECONDS      TARGET: decode | hints | multipart | all
#
# Each target runs for SECONDS (libFuzzer -max_total_time) under `nice -n 10`, with ASan and
# -rss_limit_mb=2048, starting from seeds made by scripts/fuzz-seeds.py plus the corpus kept from
# earlier runs. Prints the executions count of each run; exits non-zero on any finding (crash,
# sanitizer report, broken invariant, timeout, out-of-memory), leaving the input under
# $FUZZ_WORK/artifacts/TARGET/ and the log under $FUZZ_WORK/logs/.
#
# Environment: FUZZ_SCRATCH (build folder, default .build-fuzz), FUZZ_WORK (corpora, seeds,
# artifacts, logs; default $FUZZ_SCRATCH/work), FUZZ_JOBS (build jobs, default: all cores).
# Needs a Swift toolchain with libFuzzer (swift.org Linux toolchains have it) and Pillow.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/fuzz.sh decode|hints|multipart|all SECONDS" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
target=$1
seconds=$2
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || usage
case $target in
    all) targets=(decode hints multipart) ;;
    decode | hints | multipart) targets=("$target") ;;
    *) usage ;;
esac

scratch=${FUZZ_SCRATCH:-.build-fuzz}
work=${FUZZ_WORK:-$scratch/work}

# The fuzz package pins what the root package pins (it adds no dependency of its own).
cp Package.resolved fuzz/Package.resolved
echo "== fuzz: building the targets (release, -sanitize=fuzzer,address) in $scratch"
build=(swift build --package-path fuzz -c release --scratch-path "$scratch"
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
[[ -n ${FUZZ_JOBS:-} ]] && build+=(-j "$FUZZ_JOBS")
mkdir -p "$scratch"
if ! nice -n 10 "${build[@]}" > "$scratch/fuzz-build.log" 2>&1; then
    tail -n 40 "$scratch/fuzz-build.log"
    echo "fuzz: build failed (log: $scratch/fuzz-build.log)" >&2
    exit 1
fi
bin=$(nice -n 10 "${build[@]}" --show-bin-path)

python3 scripts/fuzz-seeds.py "$work/seeds" | sed 's/^/fuzz: seeds: /'

failed=0
for t in "${targets[@]}"; do
    case $t in
        decode) exe=FuzzDecode; max_len=8192 ;;
        hints) exe=FuzzHints; max_len=4096 ;;
        multipart) exe=FuzzMultipart; max_len=4096 ;;
    esac
    corpus=$work/corpus/$t
    artifacts=$work/artifacts/$t
    log=$work/logs/$t-$(date +%Y%m%d-%H%M%S).log
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    echo "== fuzz: $t for ${seconds}s ($bin/$exe, corpus $corpus)"
    rc=0
    # -timeout: one input taking longer is a finding (a hang); generous because of ASan and a
    # shared machine. The corpus directory comes first: new inputs are saved there.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0} \
    nice -n 10 "$bin/$exe" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -max_len=$max_len \
        -dict="fuzz/dicts/$t.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
        "$corpus" "$work/seeds/$t" > "$log" 2>&1 || rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1 || true)
    done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)
    echo "fuzz: $t: ${runs:-?} executions; ${done_line:-no Done line}; corpus $(find "$corpus" -type f | wc -l) inputs; exit $rc"
    if [[ $rc -ne 0 || -z $done_line ]]; then
        echo "fuzz: $t FAILED (exit $rc); last lines of $log:" >&2
        grep -E 'ERROR|SUMMARY|Fatal error|==[0-9]+==|Test unit written|artifact_prefix' "$log" | tail -n 20 >&2 || true
        tail -n 30 "$log" >&2
        failed=1
    fi
done
if [[ $failed -ne 0 ]]; then
    echo "fuzz: FAILED" >&2
    exit 1
fi
echo "fuzz: ${targets[*]}: no crash in ${seconds}s each"
