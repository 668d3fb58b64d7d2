#!/usr/bin/env bash
# Fails if logic code reads the wall clock or an unseeded random source.
# Logic (protocol/, storage/, actors/, cluster/, sim/) takes time from the
# actor clock and randomness from a seeded generator, so that the simulator can
# replay any run from its seed. The allowed exceptions are listed below, each
# with its reason; anything else found is a failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

pattern='system_clock::now|steady_clock::now|high_resolution_clock::now|random_device|[^_[:alnum:]]rand\(\)|srand\(|time\(nullptr\)|time\(NULL\)|make_timestamp\(|gettimeofday|clock_gettime'

# file:reason — the only places where real time may enter.
allowed=(
  "cluster/boot.cpp:the boot seam measures the actor clock's epoch offset and the node seed once"
  "sim/main.cpp:reports simulated seconds per wall second after the runs"
)

hits=$(grep -rnE "$pattern" protocol storage actors cluster sim --include='*.cpp' --include='*.h' \
         --include='*.inl' || true)
bad=0
while IFS= read -r line; do
  [[ -z $line ]] && continue
  file=${line%%:*}
  ok=0
  for a in "${allowed[@]}"; do
    [[ $file == "${a%%:*}" ]] && ok=1
  done
  if ((ok == 0)); then
    echo "nondeterministic source in logic code: $line" >&2
    bad=1
  fi
done <<<"$hits"

# The check itself must see something: the boot seam is a known hit.
grep -qE "$pattern" cluster/boot.cpp || { echo "lint pattern no longer matches the boot seam" >&2; exit 1; }
if ((bad)); then exit 1; fi
echo "determinism lint: no wall-clock or unseeded randomness in logic code"
