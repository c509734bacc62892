#!/usr/bin/env bash
# make bench: runs the load benchmarks of deploy/bench once each and appends the figures, with
# the date, the machine and its load, to deploy/bench/results-<date>.txt (printed as well).
# Needs DATABASE_URL and REDIS_URL (eval "$(deploy/services.sh env)"; make bench does it).
set -euo pipefail
cd "$(dirname "$0")/../.."
go=${GO:-go}
out=deploy/bench/results-$(date -u +%Y-%m-%d).txt
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
  echo "# make bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# machine: $(uname -sr), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB RAM"
  echo "# $($go version); $(redis-server --version | cut -d' ' -f1-3); PostgreSQL $(psql --version 2>/dev/null | awk '{print $3}' || echo '?')"
  echo "# load average before the run: $(cut -d" " -f1-3 /proc/loadavg)"
  echo "# load generator in the same machine (loopback), sharing the cores with the system"
  echo "# command: $go test -run '^\$' -bench . -benchtime 1x -count 1 -timeout 20m ./deploy/bench"
} >"$tmp"
cat "$tmp"
# The processes' own log lines (warnings under overload) stay out of the results.
"$go" test -run '^$' -bench . -benchtime 1x -count 1 -timeout 20m ./deploy/bench 2>&1 | grep -v '^ *{"level"' | tee -a "$tmp"
{ cat "$tmp"; echo; } >>"$out"
echo "bench: results appended to $out" >&2
