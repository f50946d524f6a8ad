#!/usr/bin/env python3
"""Writes tests/Properties/Fixtures/torch_sgd.json: torch.optim.SGD trajectories that the property suite
compares with Momentum.Core bit for bit (float32 and float64).

Run by hand, never by tests or CI:  apt-get install -y python3-torch && /usr/bin/python3 bench/pytorch/sgd_fixture.py

Each case runs STEPS steps of one configuration on a noisy quadratic, long enough to pass every schedule change and
to settle: the gradient is g = s·λ⊙p + σξ (s = +1, or −1 with maximize, so that ascent climbs a concave function),
rounded to four significant digits and recorded as given to the optimizer. The learning rate, when scheduled,
changes at every step for the first ten (lr·2⁻⁽ᵗ ᵐᵒᵈ ³⁾), stays at lr until step 25, then decays by 10 and at step 40
by another 2. The momentum buffer is recorded after the first step, every tenth step and the last.

Numbers are written as the shortest text that parses back to the same value: Python's repr for float64, and for
float32 the shortest float32 text when a double parse of it rounds back to the same float32 (else the double's repr),
which keeps the file small. Inputs (start, curvature, gradients) are short decimals; torch receives exactly the double
or float32 that the tests parse from the same text.
"""
import json
import pathlib

import numpy as np
import torch

CONFIGS = [
    # lr, momentum, dampening, weight_decay, nesterov, maximize
    (0.1, 0.0, 0.0, 0.0, False, False),
    (0.05, 0.0, 0.0, 0.1, False, True),
    (0.1, 0.9, 0.0, 0.0, False, False),
    (0.6, 0.5, 0.0, 0.0, False, False),
    (0.1, 0.9, 0.3, 0.01, False, False),
    (0.02, 0.99, 0.5, 0.0, False, True),
    (0.1, 0.9, 0.0, 0.0, True, False),
    (0.1, 0.9, 0.0, 0.01, True, True),
]
# 1, 5 = 4 + 1 (one 128-bit float32 or 256-bit float64 vector and a tail), 17 = 16 + 1 (512-bit vectors and a tail).
LENGTHS = [1, 5, 17]
STEPS = 50
NOISE = 0.1
BUFFER_STEPS = {0, STEPS - 1} | set(range(9, STEPS, 10))


def rates_of(lr, schedule):
    if not schedule:
        return [lr] * STEPS
    def rate(t):
        if t < 10:
            return lr * 0.5 ** (t % 3)
        if t < 25:
            return lr
        return lr * 0.1 * (0.5 if t >= 40 else 1.0)
    return [rate(t) for t in range(STEPS)]


def short(values, digits):
    return [float(f"{v:.{digits}g}") for v in values]


def case(rng, dtype, n, config, schedule):
    lr, momentum, dampening, weight_decay, nesterov, maximize = config
    start = short(rng.standard_normal(n), 4)
    curvature = short(np.exp(rng.uniform(np.log(0.2), np.log(2.0), n)), 3)
    sign = -1.0 if maximize else 1.0
    p = torch.nn.Parameter(torch.tensor(start, dtype=dtype))
    lam = torch.tensor([sign * c for c in curvature], dtype=torch.float64)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                          weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
    rates = rates_of(lr, schedule)
    grads, params, buffers = [], [], []
    for t in range(STEPS):
        # The gradient to four significant digits: a short decimal that torch and the tests round alike.
        g = short(np.array(lam.tolist()) * np.array(p.detach().tolist()) + NOISE * rng.standard_normal(n), 4)
        grads.append(g)
        opt.param_groups[0]["lr"] = rates[t]
        p.grad = torch.tensor(g, dtype=dtype)
        opt.step()
        params.append(p.detach().tolist())
        buf = opt.state[p].get("momentum_buffer")
        buffers.append(buf.tolist() if buf is not None and t in BUFFER_STEPS else None)
    return {
        "dtype": "float64" if dtype == torch.float64 else "float32",
        "lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
        "nesterov": nesterov, "maximize": maximize, "curvature": curvature, "noise": NOISE, "rates": rates,
        "start": start, "gradients": grads, "parameters": params, "buffers": buffers,
    }


def number(value, dtype):
    """The shortest text whose double, rounded to the case's dtype, is value."""
    text = repr(float(value))
    if dtype == "float32":
        single = np.float32(value)
        candidate = np.format_float_positional(single, unique=True, trim="-") if 1e-4 <= abs(single) < 1e7 \
            else np.format_float_scientific(single, unique=True, trim="-")
        if np.float32(float(candidate)) == single and len(candidate) < len(text):
            text = candidate
    return text


def dump(value, dtype):
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return number(value, dtype)
    if isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ",".join(dump(v, dtype) for v in value) + "]"
    if isinstance(value, dict):
        # Hyperparameters and inputs are written as given (doubles); only the optimizer's output is in the case's dtype.
        trajectory = {"parameters", "buffers"}
        return "{" + ",".join(f"{json.dumps(k)}:{dump(v, dtype if k in trajectory else 'float64')}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def main():
    rng = np.random.default_rng(20261130)
    cases = [case(rng, dtype, n, config, schedule)
             for dtype in (torch.float64, torch.float32)
             for n in LENGTHS
             for config in CONFIGS
             for schedule in (False, True)]
    out = pathlib.Path(__file__).resolve().parents[2] / "tests/Properties/Fixtures/torch_sgd.json"
    meta = {"generator": "bench/pytorch/sgd_fixture.py", "torch": torch.__version__, "steps": STEPS,
            "build": next((line.strip(" -") for line in torch.__config__.show().splitlines() if "CPU capability" in line), "")}
    body = ",".join(dump(c, c["dtype"]) for c in cases)
    out.write_text('{"meta":' + json.dumps(meta, separators=(",", ":")) + ',"cases":[' + body + "]}\n")
    print(f"wrote {len(cases)} cases of {STEPS} steps to {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
