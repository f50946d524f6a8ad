#!/usr/bin/env python3
"""The baseline for the numeric loader (docs/PERFORMANCE.md): pandas reading the benchmark file to a NumPy array, and
to a training-ready table (every column standardised with the population deviation, as d2l's get_data_ch11 does,
then float32), on the same machine. Never run by tests or CI.

    apt-get update && apt-get install -y python3-pandas
    dotnet run -c Release --project bench/Benchmarks -- make-csv /tmp/momentum-bench/big.csv
    /usr/bin/python3 bench/pandas/read_csv.py /tmp/momentum-bench/big.csv [--repeat 5]

Prints each repeat's seconds and the median of each measure.
"""
import argparse
import statistics
import time

import numpy as np
import pandas as pd


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('path')
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    reads, ready = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        table = pd.read_csv(args.path).to_numpy()
        middle = time.perf_counter()
        standardized = ((table - table.mean(axis=0)) / table.std(axis=0)).astype(np.float32)
        end = time.perf_counter()
        reads.append(middle - start)
        ready.append(end - start)
        print(f'read_csv + to_numpy {middle - start:.3f} s, training-ready {end - start:.3f} s, {table.shape}, {standardized.dtype}')
    print(f'median: read_csv + to_numpy {statistics.median(reads):.3f} s, training-ready {statistics.median(ready):.3f} s')


if __name__ == '__main__':
    main()
