#!/usr/bin/env python3
"""Held-out references for Momentum.Training's seeded generators, written from their papers and definitions, not from the C# code.

Writes tests/Properties/Fixtures/generator_references.json, which GeneratorReferenceProperties checks Seeds and
Minibatches against exactly (every bit of every number, every index of every order).

    python3 bench/generators/references.py            # rewrites the fixture
    python3 bench/generators/references.py --check    # recomputes and compares with the fixture (exit 1 on a difference)

Sources:
  SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the constants of
    Vigna's splitmix64.c): x += 0x9E3779B97F4A7C15; z = x; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
    z = (z ^ z>>27) * 0x94D049BB133111EB; output z ^ z>>31, all modulo 2^64. A 32-bit draw is the output's upper half.
  Lemire, "Fast random integer generation in an interval", ACM TOMACS 2019, Algorithm 5 (an unbiased integer below s):
    m = x*s for a 32-bit draw x; l = m mod 2^32; if l < s: t = 2^32 mod s (= (-s) mod s); while l < t: draw again;
    return m >> 32.
  Fisher-Yates as Knuth's Algorithm P (TAOCP vol. 2, 3.4.2): for i = n-1 down to 1, swap a[i] with a[j], j uniform in
    [0, i].
  The toolkit's own derivation of a stream's state from (seed, stream, index), as Seeds.Derive64's documentation defines
    it (no paper: this part restates that definition):
    mix(seed as unsigned 32 bits  XOR  mix(stream * 0x9E3779B97F4A7C15  XOR  mix(index))), mix being one SplitMix64
    output from the state given; Derive is its top 31 bits. The shuffle of epoch e is Algorithm P driven by the
    SplitMix64 stream whose state starts at Derive64(seed, Shuffle = 2, e); the "batches" order shuffles the
    ⌊rows/b⌋ whole minibatches, keeping each one's rows in order and a smaller last one last.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "Properties" / "Fixtures" / "generator_references.json"
MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
SHUFFLE = 2


def splitmix64(state):
    """(new state, output) of one SplitMix64 step."""
    state = (state + GOLDEN) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def mix(value):
    return splitmix64(value & MASK)[1]


def derive64(seed, stream, index):
    return mix((seed & 0xFFFFFFFF) ^ mix(((stream * GOLDEN) & MASK) ^ mix(index)))


def derive(seed, stream, index):
    return derive64(seed, stream, index) >> 33


class Stream:
    def __init__(self, state):
        self.state = state

    def next32(self):
        self.state, out = splitmix64(self.state)
        return out >> 32

    def below(self, s):
        m = self.next32() * s
        low = m & 0xFFFFFFFF
        if low < s:
            t = (1 << 32) % s
            while low < t:
                m = self.next32() * s
                low = m & 0xFFFFFFFF
        return m >> 32


def draws(state, bound, count):
    stream = Stream(state)
    return [stream.below(bound) for _ in range(count)]


def order(rows, seed, epoch):
    a = list(range(rows))
    stream = Stream(derive64(seed, SHUFFLE, epoch))
    for i in range(rows - 1, 0, -1):
        j = stream.below(i + 1)
        a[i], a[j] = a[j], a[i]
    return a


def batches_order(rows, batch, seed, epoch):
    blocks = order(rows // batch, seed, epoch)
    result = [k * batch + j for k in blocks for j in range(batch)]
    return result + list(range(len(blocks) * batch, rows))


def build():
    seeds = [0, 1, 42, -1, 2147483647, -2147483648]
    derived = [{"seed": s, "stream": stream, "index": index, "value64": str(derive64(s, stream, index)), "value": derive(s, stream, index)}
               for s in seeds for stream in (1, 2, 3, 4) for index in (0, 1, 7, 1 << 40, (1 << 63) - 1)]
    # Bounds near 2^32 take Lemire's rejection branch often: for s = 3e9, t = 2^32 mod s rejects about 30 % of draws.
    below = [{"state": str(state), "bound": bound, "values": draws(state, bound, 40)}
             for state in (0, 12345, MASK) for bound in (1, 2, 3, 10, 1500, 3_000_000_000, 4_294_967_295)]
    orders = [{"rows": rows, "seed": s, "epoch": e, "order": order(rows, s, e)}
              for rows in (0, 1, 2, 3, 10, 100, 1500) for s in (0, 1, -7) for e in (0, 1, 9)]
    batches = [{"rows": rows, "batch": b, "seed": s, "epoch": e, "order": batches_order(rows, b, s, e)}
               for rows, b in ((10, 1), (10, 3), (10, 10), (1500, 10), (1503, 10), (7, 7), (7, 2)) for s in (0, 5) for e in (0, 2)]
    return {"generator": "bench/generators/references.py", "derive": derived, "below": below, "orders": orders, "batches": batches}


def main():
    data = build()
    # One case per line: the file diffs by case.
    lines = [f'{{"generator": {json.dumps(data["generator"])},']
    keys = ["derive", "below", "orders", "batches"]
    for n, key in enumerate(keys):
        cases = ",\n  ".join(json.dumps(c, separators=(",", ":")) for c in data[key])
        lines.append(f' "{key}": [\n  {cases}]' + ("," if n < len(keys) - 1 else "}"))
    text = "\n".join(lines) + "\n"
    if "--check" in sys.argv[1:]:
        if FIXTURE.read_text() != text:
            print(f"{FIXTURE} differs from what the generators' papers give", file=sys.stderr)
            return 1
        print("fixture matches")
        return 0
    FIXTURE.write_text(text)
    print(f"wrote {FIXTURE} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
