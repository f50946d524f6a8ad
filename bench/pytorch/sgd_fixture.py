#!/usr/bin/env python3
"""Writes tests/Properties/Fixtures/torch_sgd.json: torch.optim.SGD trajectories that the property suite
compares with Momentum.Core bit for bit (float32 and float64).

Run by hand, never by tests or CI:  apt-get install -y python3-torch && /usr/bin/python3 bench/pytorch/sgd_fixture.py
Numbers are written with Python's repr, the shortest string that parses back to the same double; float32 values are
exact in double, so the same holds for them.
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
LENGTHS = [1, 7, 40]
STEPS = 4


def case(rng, dtype, n, config, schedule):
    lr, momentum, dampening, weight_decay, nesterov, maximize = config
    start = torch.tensor(rng.standard_normal(n), dtype=dtype)
    p = torch.nn.Parameter(start.clone())
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                          weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
    rates = [lr * (0.5 ** (t % 3)) for t in range(STEPS)] if schedule else [lr] * STEPS
    grads, params, buffers = [], [], []
    for t in range(STEPS):
        g = torch.tensor(rng.standard_normal(n), dtype=dtype)
        grads.append(g.tolist())
        opt.param_groups[0]["lr"] = rates[t]
        p.grad = g.clone()
        opt.step()
        params.append(p.detach().tolist())
        buf = opt.state[p].get("momentum_buffer")
        buffers.append(buf.tolist() if buf is not None else None)
    return {
        "dtype": "float64" if dtype == torch.float64 else "float32",
        "lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
        "nesterov": nesterov, "maximize": maximize, "rates": rates,
        "start": start.tolist(), "gradients": grads, "parameters": params, "buffers": buffers,
    }


def main():
    rng = np.random.default_rng(20261125)
    cases = [case(rng, dtype, n, config, schedule)
             for dtype in (torch.float64, torch.float32)
             for n in LENGTHS
             for config in CONFIGS
             for schedule in (False, True)]
    out = pathlib.Path(__file__).resolve().parents[2] / "tests/Properties/Fixtures/torch_sgd.json"
    meta = {"generator": "bench/pytorch/sgd_fixture.py", "torch": torch.__version__,
            "build": next((line.strip(" -") for line in torch.__config__.show().splitlines() if "CPU capability" in line), "")}
    out.write_text(json.dumps({"meta": meta, "cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
