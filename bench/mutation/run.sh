#!/usr/bin/env bash
# Mutation testing of src/Core with Stryker.NET (pinned in .config/dotnet-tools.json), against tests/Properties and
# tests/FSharp (bench/mutation/stryker-config.json). Never run by `dotnet test`; see docs/TESTING.md for the scores.
#
#   bench/mutation/run.sh                     every folder of src/Core, one Stryker run per folder
#   bench/mutation/run.sh Theory Problems     those folders of src/Core
#   bench/mutation/run.sh --changed [REF]     the src/Core files that differ from REF (default main), in one run
#   bench/mutation/run.sh --lines [REF]       only the lines of src/Core that differ from REF (default HEAD^), in one run
#                                             called "lines"; what .ci/run runs (MUTATION_MAX_LINES: see below)
#   bench/mutation/run.sh --files NAME F...   the files F… of src/Core (e.g. Theory/Region.cs, or Theory/Tuning.cs:180-250
#                                             for those lines only), in one run called NAME
#
# Four tests take about half of the suite's test time, and every mutant they execute would run them: the Monte Carlo check of
# the noise plateau, two numerical searches for optimal parameters, and the reshuffled minibatch plateau. They check
# Theory/Tuning.cs, GradientNoise.cs and MinibatchNoise.cs, which are mutated in a run of their own with every test
# ("Theory-searches"); every other run leaves those four tests out (SEARCH_TESTS below).
#
# Each run works in a copy of the checkout (tracked and untracked files, as they are now), so the checkout's own build
# is never replaced by a mutated one and work can go on meanwhile. Reports go to artifacts/mutation/<run>/reports/
# (mutation-report.html and .json); the last lines printed are the score per run and in total:
#   Theory: 812 mutants, 790 killed, 3 timeout, 19 survived, 0 no coverage: 97.66 %
# MUTATION_CONCURRENCY sets Stryker's parallel test sessions (default 1: this is a shared machine). MUTATION_TEST_FILTER
# (a dotnet test filter) runs only those tests: a quicker start for a few lines, and a score that can only be lower.
# --lines mutates only the mutants whose whole text lies on lines of tracked files added or changed since REF
# (Stryker's mutate spans, in characters of each file), and lists the survivors by file:line. With MUTATION_MAX_LINES
# set (unset or 0: no limit), it runs only when at most that many lines changed, and otherwise says so and exits 0:
# Stryker takes minutes before its first mutant. Lines only removed leave nothing to mutate.
# Exit status: 0 when every run finished (whatever the scores), 1 when Stryker failed, 2 for a bad argument.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

folders=(Theory Optimizers Problems Kernels Training)
mode=folders
ref=main
files=()
if [ "${1:-}" = "--changed" ]; then
  mode=changed
  ref="${2:-main}"
  git rev-parse --verify --quiet "$ref^{commit}" >/dev/null || { echo "--changed $ref: not a commit of this repository" >&2; exit 2; }
elif [ "${1:-}" = "--lines" ]; then
  mode=lines
  ref="${2:-HEAD^}"
  git rev-parse --verify --quiet "$ref^{commit}" >/dev/null || { echo "--lines $ref: not a commit of this repository" >&2; exit 2; }
  [[ "${MUTATION_MAX_LINES:-0}" =~ ^[0-9]+$ ]] || { echo "MUTATION_MAX_LINES=${MUTATION_MAX_LINES}: must be a whole number of lines" >&2; exit 2; }
elif [ "${1:-}" = "--files" ]; then
  mode=files
  [ $# -ge 3 ] || { echo "--files: expected a run name and at least one file of src/Core" >&2; exit 2; }
  name="$2"
  shift 2
  for file in "$@"; do
    lines=""
    [[ "$file" =~ ^(.+):([0-9]+)-([0-9]+)$ ]] && { file="${BASH_REMATCH[1]}"; lines="${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"; }
    [ -f "src/Core/$file" ] || { echo "--files $file: not a file of src/Core (e.g. Theory/Region.cs)" >&2; exit 2; }
    if [ -n "$lines" ]; then
      span=$(python3 bench/mutation/spans.py lines "src/Core/$file" $lines) || exit 2
      files+=("src/Core/$file$span")
    else
      files+=("src/Core/$file")
    fi
  done
elif [ $# -gt 0 ]; then
  for folder in "$@"; do
    [ -d "src/Core/$folder" ] || { echo "$folder: not a folder of src/Core (allowed: ${folders[*]})" >&2; exit 2; }
  done
  folders=("$@")
fi

concurrency="${MUTATION_CONCURRENCY:-1}"
searches=(Theory/Tuning.cs Theory/GradientNoise.cs Theory/MinibatchNoise.cs)
source "$root/bench/mutation/search-tests.sh"
out="$root/artifacts/mutation"
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/momentum-mutation.XXXXXX")"
trap 'rm -rf "$work"' EXIT
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar -cf - --null -T - | tar -xf - -C "$work"

# One Stryker run: name, test filter ("" for every test), then --mutate globs (matched against src/Core's file paths).
run() {
  local name="$1" filter="$2"; shift 2
  local args=()
  for glob in "$@"; do args+=(--mutate "$glob"); done
  local tests="${filter:+without the four search tests, }"
  [ -n "${MUTATION_TEST_FILTER:-}" ] && { filter="$MUTATION_TEST_FILTER"; tests="only the tests $filter, "; }
  [ -n "$filter" ] && args+=(--test-case-filter "$filter")
  rm -rf "$out/$name"
  echo "== $name: $* (${tests}concurrency $concurrency)"
  (cd "$work/src/Core" && dotnet stryker --config-file ../../bench/mutation/stryker-config.json --concurrency "$concurrency" \
      --skip-version-check --output "$out/$name" "${args[@]}") || { echo "$name: Stryker failed" >&2; return 1; }
  names+=("$name")
}

# One run over files given as paths from the root: every test when one of them is a file the search tests check.
run_files() {
  local name="$1"; shift
  local filter="$SEARCH_TESTS"
  for file in "$@"; do
    for search in "${searches[@]}"; do [ "${file%%\{*}" = "src/Core/$search" ] && filter=""; done
  done
  run "$name" "$filter" "${@/#src\/Core\//**/}"
}

names=()
if [ "$mode" = lines ]; then
  # One pattern per changed file: the file, then a character span per run of changed lines (spans.py); then the count.
  # Fixed prefixes and unquoted names, whatever the user's git configuration says.
  diff=$(git -c core.quotePath=false diff --unified=0 --no-color --no-ext-diff --no-textconv --src-prefix=a/ --dst-prefix=b/ \
    --diff-filter=d "$ref" -- 'src/Core/*.cs') || { echo "--lines $ref: git diff failed" >&2; exit 1; }
  listed=$(python3 bench/mutation/spans.py diff <<<"$diff") || { echo "--lines $ref: the changed lines could not be read" >&2; exit 1; }
  mapfile -t patterns <<<"$listed"
  count="${patterns[-1]}"
  unset 'patterns[-1]'
  [[ "$count" =~ ^[0-9]+$ ]] || { echo "--lines $ref: the changed lines could not be read" >&2; exit 1; }
  if [ ${#patterns[@]} -eq 0 ]; then
    echo "mutation: no line of src/Core was added or changed since $ref: nothing to mutate"
    exit 0
  fi
  if [ "${MUTATION_MAX_LINES:-0}" -gt 0 ] && [ "$count" -gt "$MUTATION_MAX_LINES" ]; then
    echo "mutation: $count lines of src/Core changed since $ref, more than MUTATION_MAX_LINES=$MUTATION_MAX_LINES: not run; run bench/mutation/run.sh --lines $ref"
    exit 0
  fi
  echo "mutation: $count lines of src/Core changed since $ref, in ${#patterns[@]} file(s)"
  run_files lines "${patterns[@]}"
elif [ "$mode" = changed ]; then
  mapfile -t changed < <(git diff --name-only --diff-filter=d "$ref" -- 'src/Core/*.cs'; git ls-files --others --exclude-standard -- 'src/Core/*.cs')
  if [ ${#changed[@]} -eq 0 ]; then
    echo "no file of src/Core differs from $ref: nothing to mutate"
    exit 0
  fi
  run_files changed "${changed[@]}"
elif [ "$mode" = files ]; then
  run_files "$name" "${files[@]}"
else
  for folder in "${folders[@]}"; do
    if [ "$folder" = Theory ]; then
      run Theory "$SEARCH_TESTS" "**/Theory/**/*.cs" "${searches[@]/#/!**/}"
      run Theory-searches "" "${searches[@]/#/**/}"
    else
      run "$folder" "$SEARCH_TESTS" "**/$folder/**/*.cs"
    fi
  done
fi

# Scores from the JSON reports (mutation-testing-elements schema): detected = killed + timeout over detected +
# survived + no coverage; compile errors and ignored mutants are not counted (Stryker's own definition).
python3 - "$mode" "$out" "${names[@]}" <<'PY'
import json, pathlib, sys
mode, out, names = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3:]
def line(label, c):
    killed, timeout, survived, none = (c.get(k, 0) for k in ("Killed", "Timeout", "Survived", "NoCoverage"))
    valid = killed + timeout + survived + none
    if not valid:
        print(f"{label}: no mutant to test (the lines hold none, or none that compiles)")
        return
    score = 100 * (killed + timeout) / valid
    print(f"{label}: {valid} mutants, {killed} killed, {timeout} timeout, {survived} survived, {none} no coverage: {score:.2f} %")
total = {}
for name in names:
    report = out / name / "reports" / "mutation-report.json"
    counts, alive = {}, []
    for path, f in sorted(json.loads(report.read_text())["files"].items()):
        for m in sorted(f["mutants"], key=lambda m: m["location"]["start"]["line"]):
            counts[m["status"]] = counts.get(m["status"], 0) + 1
            if m["status"] in ("Survived", "NoCoverage"):
                where = path[path.find("src/Core/"):] if "src/Core/" in path else path
                alive.append(f"  {m['status']}: {where}:{m['location']['start']['line']} {m['mutatorName']}: {' '.join((m.get('replacement') or '').split())[:100]}")
    for k, v in counts.items():
        total[k] = total.get(k, 0) + v
    line(name, counts)
    # A run over changed lines names what it left alive, for the change's author to kill or to call equivalent.
    if mode == "lines" and alive:
        print("\n".join(alive))
if len(names) > 1:
    line("total", total)
PY
