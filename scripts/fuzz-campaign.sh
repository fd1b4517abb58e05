#!/usr/bin/env bash
# The fuzz campaign: every cargo-fuzz target (or the ones named) under
# libFuzzer for SECONDS each, one after the other, and a Markdown table of
# what each did (for docs/benchmarks.md).
#
#     scripts/fuzz-campaign.sh [SECONDS] [TARGET...]      (default: 60, all)
#
# Each target's corpus grows in fuzz/campaign/<target>/ and is kept between
# runs (not committed); the seeds in fuzz/corpus/<target>/ are read, never
# written. A finding (crash, leak, timeout, out of memory) is left by
# libFuzzer in fuzz/artifacts/<target>/: shrink it with `cargo fuzz tmin`,
# add it to the corpus as regress-<what>, fix the code, and the seed replay
# test of the target keeps it fixed.
#
# Needs cargo-fuzz; runs on the stable toolchain with RUSTC_BOOTSTRAP=1
# (the sanitizer flags are nightly-only).
set -euo pipefail

secs=${1:-60}
[[ $# -gt 0 ]] && shift
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

echo "fuzz-campaign: building ${#targets[@]} targets" >&2
cargo fuzz build >&2

mkdir -p campaign
table=campaign/results.md
{
    echo "| target | seconds | executions | per second | coverage (edges) | corpus (seeds + found) | findings |"
    echo "|---|---:|---:|---:|---:|---:|---|"
} >"$table"

for t in "${targets[@]}"; do
    work=campaign/$t
    mkdir -p "$work" "artifacts/$t"
    seeds=$(find "corpus/$t" -type f 2>/dev/null | wc -l)
    # Crashes, leaks, timeouts and out-of-memory; slow-unit-* (over 10 s,
    # under -timeout) are listed apart.
    findings() { find "artifacts/$t" -type f ! -name 'slow-unit-*' | wc -l; }
    before=$(findings)
    # A decoder may hold 512 MiB (kernel::render::image): an allocation
    # above that is a bomb the header checks missed.
    limits=(-rss_limit_mb=2048 -malloc_limit_mb=2048)
    [[ $t == image ]] && limits=(-rss_limit_mb=4096 -malloc_limit_mb=600)
    log=campaign/$t.log
    echo "fuzz-campaign: $t for ${secs}s" >&2
    set +e
    cargo fuzz run "$t" "$work" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=20 -print_final_stats=1 "${limits[@]}" \
        >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    found=$(find "$work" -type f | wc -l)
    after=$(findings)
    slow=$(grep -c '^Slowest unit' "$log" || true)
    if ((after > before)); then
        findings="$((after - before)) in fuzz/artifacts/$t (exit $rc)"
    elif ((rc != 0)); then
        findings="exit $rc, see fuzz/campaign/$t.log"
    else
        findings=none
    fi
    ((slow > 0)) && findings="$findings; slowest unit $(sed -n 's/^Slowest unit: \([0-9]* s\).*/\1/p' "$log" | tail -1)"
    echo "| $t | $secs | ${execs:-?} | ${rate:-?} | ${cov:-?} | $seeds + $found | $findings |" >>"$table"
done

cat "$table"
