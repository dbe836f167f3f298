#!/usr/bin/env bash
# Runs every Janus test on a fresh machine: installs what the tests need (redis-server for the cluster tests,
# nats-server for the bot's NATS test, chromium for the dashboard test) when it is missing, runs the whole solution and the code-style check, and ends
# with one line, "N passed, N failed", counted from the TRX results (a style failure counts as one). Exits non-zero
# on any failure.
set -uo pipefail
cd "$(dirname "$0")"

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Debian's package puts nats-server in /usr/sbin, which is not on every user's PATH.
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { echo "could not install ${need[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

results="$PWD/TestResults"
rm -rf "$results"
dotnet test Janus.slnx -c Release --logger "trx" --results-directory "$results" "$@"
status=$?

# Code style, as the build enforces analyzers: .editorconfig is the rule book ("dotnet format Janus.slnx" fixes).
dotnet format Janus.slnx --verify-no-changes --no-restore
format_status=$?
[ "$format_status" -eq 0 ] || echo "dotnet format: the code does not follow .editorconfig (run: dotnet format Janus.slnx)"

read -r passed failed < <(python3 - "$results" <<'PY'
import glob, re, sys
passed = failed = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    text = open(path, encoding="utf-8", errors="replace").read()
    m = re.search(r"<Counters\b[^>]*>", text)
    if not m:
        failed += 1
        continue
    attrs = dict(re.findall(r'(\w+)="(\d+)"', m.group(0)))
    passed += int(attrs.get("passed", 0))
    failed += int(attrs.get("failed", 0)) + int(attrs.get("error", 0)) + int(attrs.get("timeout", 0)) + int(attrs.get("aborted", 0))
print(passed, failed)
PY
)
if [ "$format_status" -ne 0 ]; then
  failed=$(( ${failed:-0} + 1 ))
fi
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  # dotnet test failed without a failed test in the results (a build error or a crashed test host).
  failed=1
fi
echo "${passed:-0} passed, ${failed:-0} failed"
[ "$status" -eq 0 ] && [ "$format_status" -eq 0 ] && [ "${failed:-0}" -eq 0 ]
