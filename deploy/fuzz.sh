#!/usr/bin/env bash
# Runs every fuzz target of the module (func FuzzX in a *_test.go) for a bounded time each:
#   deploy/fuzz.sh              FUZZTIME per target (default 10s)
#   FUZZTIME=3s deploy/fuzz.sh  the short run CI does
#   deploy/fuzz.sh ./handlers/ical   only the targets under one directory
# Go fuzzes one target of one package at a time, so they run one after another. A crash fails
# the run; Go writes the failing input under the package's testdata/fuzz/FuzzX/ so that it
# becomes a regression case of the ordinary `go test` (commit it with the fix).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-10s}
where=${1:-.}
go=${GO:-go}

mapfile -t targets < <(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' "$where" |
  while read -r file; do
    dir=$(dirname "$file")
    grep -oE '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //' | sed "s|^|./${dir#./} |"
  done | sort -u)

if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz targets under $where" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, $fuzztime each" >&2
failed=()
for t in "${targets[@]}"; do
  pkg=${t% *}
  name=${t#* }
  echo "fuzz: $pkg $name" >&2
  # -parallel bounds the workers on small machines; the seed corpus runs first, then fuzzing.
  if ! "$go" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel "${FUZZPARALLEL:-2}" "$pkg"; then
    failed+=("$pkg $name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran $fuzztime without a failure" >&2
