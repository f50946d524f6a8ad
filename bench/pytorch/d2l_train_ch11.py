#!/usr/bin/env python3
"""d2l's minibatch momentum on the NASA airfoil data, as the chapter runs it (d2l §11.6.2.1: get_data_ch11,
train_ch11 with sgd_momentum), timed as d2l times it: the training steps only, the loss evaluations excluded.

    apt-get install -y python3-torch
    /usr/bin/python3 bench/pytorch/d2l_train_ch11.py ../shared/data/airfoil_self_noise.dat [--epochs 2] [--repeat 5]

Prints the book's line and the median seconds per epoch over the repeats; the d2l package is not needed (its three
functions are reproduced below, line for line).
"""
import argparse
import time

import numpy as np
import torch
from torch.utils import data as tud


def get_data_ch11(path, batch_size=10, n=1500):
    data = np.genfromtxt(path, dtype=np.float32, delimiter='\t')
    data = torch.from_numpy((data - data.mean(axis=0)) / data.std(axis=0))
    dataset = tud.TensorDataset(data[:n, :-1], data[:n, -1])
    return tud.DataLoader(dataset, batch_size, shuffle=True), data.shape[1] - 1


def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = hyperparams['momentum'] * v + p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()


def train_ch11(trainer_fn, states, hyperparams, data_iter, feature_dim, num_epochs=2):
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1), requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    net = lambda X: torch.matmul(X, w) + b
    loss = lambda y_hat, y: (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
    n, seconds, losses = 0, 0.0, []
    start = time.perf_counter()
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
            n += X.shape[0]
            if n % 200 == 0:
                seconds += time.perf_counter() - start
                with torch.no_grad():
                    total = sum(loss(net(X), y).sum().item() for X, y in data_iter)
                losses.append(total / len(data_iter.dataset))
                start = time.perf_counter()
    seconds += time.perf_counter() - start
    return losses[-1], seconds / num_epochs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data_iter, feature_dim = get_data_ch11(args.data, 10)
    results = []
    for _ in range(args.repeat):
        states = [torch.zeros((feature_dim, 1)), torch.zeros(1)]
        results.append(train_ch11(sgd_momentum, states, {'lr': 0.01, 'momentum': 0.9}, data_iter, feature_dim, args.epochs))
    results.sort(key=lambda r: r[1])
    final, per_epoch = results[len(results) // 2]
    print(f"loss: {final:.3f}, {per_epoch:.6f} sec/epoch  (median of {args.repeat}; torch {torch.__version__}, 1 thread)")


if __name__ == "__main__":
    main()
