#!/usr/bin/env bash
# Mutation testing of src/Core with Stryker.NET (pinned in .config/dotnet-tools.json), against tests/Properties and
# tests/FSharp (bench/mutation/stryker-config.json). Never run by `dotnet test`; see docs/TESTING.md for the scores.
#
#   bench/mutation/run.sh                     every folder of src/Core, one Stryker run per folder
#   bench/mutation/run.sh Theory Problems     those folders of src/Core
#   bench/mutation/run.sh --changed [REF]     the src/Core files that differ from REF (default main), in one run
#
# Each run works in a copy of the checkout (tracked and untracked files, as they are now), so the checkout's own build
# is never replaced by a mutated one and work can go on meanwhile. Reports go to artifacts/mutation/<name>/reports/
# (mutation-report.html and .json); the last lines printed are the score per run and in total:
#   Theory: 812 mutants, 790 killed, 3 timeout, 19 survived, 0 no coverage: 97.66 %
# MUTATION_CONCURRENCY sets Stryker's parallel test sessions (default 1: this is a shared machine).
# Exit status: 0 when every run finished (whatever the scores), 1 when Stryker failed, 2 for a bad argument.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

folders=(Theory Optimizers Problems Kernels Training)
mode=folders
ref=main
if [ "${1:-}" = "--changed" ]; then
  mode=changed
  ref="${2:-main}"
  git rev-parse --verify --quiet "$ref^{commit}" >/dev/null || { echo "--changed $ref: not a commit of this repository" >&2; exit 2; }
elif [ $# -gt 0 ]; then
  for folder in "$@"; do
    [ -d "src/Core/$folder" ] || { echo "$folder: not a folder of src/Core (allowed: ${folders[*]})" >&2; exit 2; }
  done
  folders=("$@")
fi

concurrency="${MUTATION_CONCURRENCY:-1}"
out="$root/artifacts/mutation"
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/momentum-mutation.XXXXXX")"
trap 'rm -rf "$work"' EXIT
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar -cf - --null -T - | tar -xf - -C "$work"

# One Stryker run: name, then --mutate globs (matched against the paths of src/Core's files).
run() {
  local name="$1"; shift
  local globs=()
  for glob in "$@"; do globs+=(--mutate "$glob"); done
  rm -rf "$out/$name"
  echo "== $name: $* (concurrency $concurrency)"
  (cd "$work/src/Core" && dotnet stryker --config-file ../../bench/mutation/stryker-config.json --concurrency "$concurrency" \
      --skip-version-check --output "$out/$name" "${globs[@]}") || { echo "$name: Stryker failed" >&2; return 1; }
}

names=()
if [ "$mode" = changed ]; then
  mapfile -t changed < <(git diff --name-only --diff-filter=d "$ref" -- 'src/Core/*.cs'; git ls-files --others --exclude-standard -- 'src/Core/*.cs')
  if [ ${#changed[@]} -eq 0 ]; then
    echo "no file of src/Core differs from $ref: nothing to mutate"
    exit 0
  fi
  run changed "${changed[@]/#src\/Core\//**/}"
  names=(changed)
else
  for folder in "${folders[@]}"; do
    run "$folder" "**/$folder/**/*.cs"
    names+=("$folder")
  done
fi

# Scores from the JSON reports (mutation-testing-elements schema): detected = killed + timeout over detected +
# survived + no coverage; compile errors and ignored mutants are not counted (Stryker's own definition).
python3 - "$out" "${names[@]}" <<'PY'
import json, pathlib, sys
out, names = pathlib.Path(sys.argv[1]), sys.argv[2:]
def line(label, c):
    killed, timeout, survived, none = (c.get(k, 0) for k in ("Killed", "Timeout", "Survived", "NoCoverage"))
    valid = killed + timeout + survived + none
    score = 100 * (killed + timeout) / valid if valid else float("nan")
    print(f"{label}: {valid} mutants, {killed} killed, {timeout} timeout, {survived} survived, {none} no coverage: {score:.2f} %")
total = {}
for name in names:
    report = out / name / "reports" / "mutation-report.json"
    counts = {}
    for f in json.loads(report.read_text())["files"].values():
        for m in f["mutants"]:
            counts[m["status"]] = counts.get(m["status"], 0) + 1
    for k, v in counts.items():
        total[k] = total.get(k, 0) + v
    line(name, counts)
if len(names) > 1:
    line("total", total)
PY
