#!/usr/bin/env bash
# The lines of src/Core that no test of tests/Properties executes, per file: where most of Stryker's "no coverage"
# mutants will be (Stryker also counts some executed lines so), found in a minute or two instead of a mutation run.
# Uses the code-coverage collector of Microsoft.NET.Test.Sdk, and leaves out the same four slow search tests as run.sh
# does outside its Theory-searches run.
#
#   bench/mutation/uncovered.sh                 every folder of src/Core
#   bench/mutation/uncovered.sh Optimizers      one folder (or a file: Optimizers/Schedule.cs)
#
# Lines the compiler writes for records (their equality, copying and printing) show as the record's declaration line;
# Stryker does not mutate them. Exit status: 0 when the tests passed and the coverage was read, 1 otherwise, 2 for a
# bad argument.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
under="${1:-}"
[ -z "$under" ] || [ -e "src/Core/$under" ] || { echo "$under: not a folder or file of src/Core" >&2; exit 2; }

source "$root/bench/mutation/search-tests.sh"
out="$(mktemp -d "${TMPDIR:-/tmp}/momentum-coverage.XXXXXX")"
trap 'rm -rf "$out"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test tests/Properties -c Release --filter "$SEARCH_TESTS" --collect "Code Coverage;Format=cobertura" \
  --results-directory "$out" >"$out/test.log" 2>&1 || { tail -20 "$out/test.log" >&2; exit 1; }

python3 - "$out" "src/Core/$under" "$root" <<'PY'
import glob, os, sys, xml.etree.ElementTree as ET
out, prefix, root = sys.argv[1], sys.argv[2].rstrip('/'), sys.argv[3]
lines = {}
reports = glob.glob(f"{out}/**/*.cobertura.xml", recursive=True)
if not reports:
    sys.exit("no coverage report was written (is Microsoft.NET.Test.Sdk's code coverage collector available?)")
for report in reports:
    for cls in ET.parse(report).iter('class'):
        name = os.path.relpath(os.path.realpath(cls.get('filename')), os.path.realpath(root)).replace(os.sep, '/')
        if not name.startswith('src/Core/'): continue
        if not (name == prefix or name.startswith(prefix + '/')): continue
        for line in cls.iter('line'):
            number, hits = int(line.get('number')), int(line.get('hits'))
            lines.setdefault(name, {})[number] = max(hits, lines.get(name, {}).get(number, 0))
found = False
for name in sorted(lines):
    missed = sorted(n for n, hits in lines[name].items() if hits == 0)
    if not missed: continue
    found = True
    source = open(name, encoding='utf-8').read().split('\n')
    print(name)
    for n in missed:
        print(f"  {n:5}: {source[n - 1].strip()[:110] if n <= len(source) else ''}")
if not found:
    print(f"every line of {prefix} is executed by tests/Properties")
PY
