#!/usr/bin/env bash
# `make test-busy`: runs the command given (the test suite) while Debian's `stress`
# keeps one core spinning beside it, as another job on the machine would, so that a
# test which only passes on a quiet machine shows. Installs stress when it is missing
# (needs root); stress is stopped when the command ends, fails or is interrupted.
set -euo pipefail

say() { printf 'test-busy: %s\n' "$*"; }

if ! command -v stress >/dev/null; then
  say "installing stress"
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
    say "need root to install stress (apt-get install stress)"; exit 1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends stress
fi

# In this script's process group, so that whatever stops the group (Ctrl-C, a CI
# timeout) stops stress too; stress stops its worker when it is itself stopped. Its
# --timeout is a last resort should this script be killed without its trap running.
stress --cpu 1 --timeout 10800 --quiet &
stress_pid=$!
stop_stress() {
  kill -TERM "$stress_pid" 2>/dev/null || true
  wait "$stress_pid" 2>/dev/null || true
}
trap stop_stress EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "stress --cpu 1 running (pid $stress_pid) beside: $*"
started=$SECONDS
status=0
"$@" || status=$?
say "finished with exit code $status after $((SECONDS - started)) s, one core kept busy throughout"
exit "$status"
