#!/usr/bin/env python3
"""PyTorch baselines for `momentum bench`: a copy of N float32 values and one torch.optim.SGD step on N parameters
(momentum 0.9; Nesterov with weight decay), single-threaded, medians over repeated steps.

    apt-get install -y python3-torch
    /usr/bin/python3 bench/pytorch/sgd_step.py [--size 50000000] [--repeat 15] [--threads 1]

Prints one tab-separated row per case under the header `case n ms_per_step gb_per_s`, like `momentum bench`.
"""
import argparse
import time

import torch


def median_ms(step, repeat):
    step()
    step()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=50_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n = args.size

    source = torch.rand(n)
    destination = torch.empty(n)
    cases = [("copy", lambda: destination.copy_(source), 8)]
    for name, options in [("momentum", dict(momentum=0.9)),
                          ("nesterov-wd", dict(momentum=0.9, nesterov=True, weight_decay=1e-4))]:
        p = torch.nn.Parameter(torch.rand(n) - 0.5)
        p.grad = torch.rand(n) - 0.5
        optimizer = torch.optim.SGD([p], lr=1e-3, **options)
        optimizer.step()  # creates the momentum buffer
        cases.append((name, optimizer.step, 20))

    print(f"# torch {torch.__version__}, {torch.get_num_threads()} thread(s); {torch.__config__.show().splitlines()[-1].strip()[:60]}")
    print("case\tn\tms_per_step\tgb_per_s")
    for name, step, bytes_per_element in cases:
        ms = median_ms(step, args.repeat)
        print(f"{name}\t{n}\t{ms:.3f}\t{bytes_per_element * n / ms / 1e6:.1f}")


if __name__ == "__main__":
    main()
