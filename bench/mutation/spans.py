"""Stryker.NET mutate spans for lines of src/Core files (used by run.sh).

Stryker takes `File.cs{start..end}`: character positions in the file's text as Roslyn reads it (UTF-16 code units, the
byte-order mark dropped, line ends counted as they are), end exclusive; a mutant is tested when one span contains its
whole text. A span here covers whole lines, from the first character of the first to the line end of the last.

  python3 spans.py diff < diff      one pattern per file of a `git diff --unified=0`: the file, then a span per run of
                                    added or changed lines; then, on the last line, how many lines that is
  python3 spans.py lines FILE A B   the span of lines A to B of FILE
"""
import re
import sys


def line_starts(path):
    """The position of the first character of each line, and one past the end of the text."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the text ends with a line end: there is no line after it
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode("utf-16-le")) // 2 + 1)
    return starts


def span(starts, first, last):
    return "{%d..%d}" % (starts[first - 1], starts[last] - 1)


def from_diff(diff):
    runs, file = {}, None
    for line in diff:
        if line.startswith("+++ "):
            file = line[6:].rstrip("\n") if line.startswith("+++ b/") else None
        elif line.startswith("@@") and file:
            start, count = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line).groups()
            count = 1 if count is None else int(count)
            if count:  # a hunk that only removes lines adds nothing to mutate
                runs.setdefault(file, []).append((int(start), int(start) + count - 1))
    total = 0
    for file, ranges in runs.items():
        starts = line_starts(file)
        total += sum(last - first + 1 for first, last in ranges)
        print(file + "".join(span(starts, first, last) for first, last in ranges))
    print(total)


def from_lines(path, first, last):
    starts = line_starts(path)
    if not 1 <= first <= last <= len(starts) - 1:
        sys.exit(f"{path}:{first}-{last}: the file has lines 1 to {len(starts) - 1}")
    print(span(starts, first, last))


if __name__ == "__main__":
    if sys.argv[1:2] == ["diff"] and len(sys.argv) == 2:
        from_diff(sys.stdin)
    elif sys.argv[1:2] == ["lines"] and len(sys.argv) == 5:
        from_lines(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
