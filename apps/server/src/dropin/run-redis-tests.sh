#!/bin/sh
# Runs redis's own replication tests against bin/replica-lab-server.
#   run-redis-tests.sh <redis source tree at tag 7.0.15> [test names...]
# The tree is yours (e.g. `git archive 7.0.15` of github.com/redis/redis); this script only points
# its src/redis-server at the launcher and src/redis-cli, src/redis-benchmark at the installed ones,
# then runs each file as `./runtest --single integration/<name> --durable --clients 1` and prints
# "<name> passed=N failed=N" per file. REDIS_BASEPORT moves the ports (default 25100, below the ephemeral range).
set -u
tree=${1:?usage: run-redis-tests.sh <redis tree> [tests...]}
shift
self=$(readlink -f "$0")
root=$(dirname "$(dirname "$(dirname "$(dirname "$(dirname "$self")")")")")
tests=${*:-"replication replication-2 replication-3 replication-4 replication-psync psync2 psync2-reg psync2-pingoff psync2-master-restart block-repl"}
cd "$tree" || exit 1
mkdir -p src
ln -sf "$root/bin/replica-lab-server" src/redis-server
ln -sf "$(command -v redis-cli)" src/redis-cli
ln -sf "$(command -v redis-benchmark)" src/redis-benchmark
mkdir -p dropin-results
for name in $tests; do
  out="dropin-results/$name.log"
  ./runtest --single "integration/$name" --durable --clients 1 --baseport "${REDIS_BASEPORT:-25100}" --portcount 300 >"$out" 2>&1
  plain=$(sed 's/\x1b\[[0-9;]*m//g' "$out")
  ok=$(printf '%s\n' "$plain" | grep -c '^\[ok\]')
  err=$(printf '%s\n' "$plain" | grep -c '^\[err\]\|^\[exception\]')
  echo "$name passed=$ok failed=$err"
done
