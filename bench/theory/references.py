#!/usr/bin/env python3
"""Held-out references for the theory of linear momentum methods, computed in 40-digit arithmetic with mpmath.

Writes tests/Properties/Fixtures/theory_references.json, which TheoryReferenceProperties checks Momentum.Theory against
to 1e-7 relative (integer step counts exactly). Nothing here reads the C# code: every iteration matrix is written from
its paper's update rule, every eigenvalue is found by mpmath, the Lyapunov equation is solved by its own linear system,
and step counts come from iterating the recursion in 40 digits.

    python3 bench/theory/references.py            # rewrites the fixture
    python3 bench/theory/references.py --check    # recomputes and compares with the fixture (exit 1 on a difference)

Sources of the update rules (state z = (x, buffers...), gradient g = lam*x + xi):
  heavy ball, PyTorch form with dampening d and coupled (wd) or decoupled (dwd) weight decay (d2l 11.6.2; PyTorch SGD;
  Loshchilov and Hutter 2019): b' = beta*b + (1-d)*(g + wd*x);  x' = x - eta*(b' + dwd*x)
  Nesterov, PyTorch form (Sutskever et al. 2013 as torch.optim.SGD): b' = beta*b + g;  x' = x - eta*(g + beta*b')
  QHM (Ma and Yarats 2019, eq. 3-4): b' = beta*b + (1-beta)*g;  x' = x - alpha*((1-nu)*g + nu*b')
  AggMo (Lucas et al. 2019, eq. 2): b_i' = beta_i*b_i + g;  x' = x - (gamma/K)*sum_i b_i'
  Keras (Sutskever et al. 2013, eq. 1-2): v' = beta*v - eta*g;  x' = x + v'  (Nesterov: x' = x + beta*v' - eta*g)
"""
import json
import math
import random
import sys
from pathlib import Path

import mpmath as mp

mp.mp.dps = 40
ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "Properties" / "Fixtures" / "theory_references.json"


# ----- iteration matrices from the update rules: R and the noise input b over z = (x, buffers...) -----

def step_map(method, p, lam):
    """(R, b) for one step on f = lam*x^2/2, by applying the update rule to unit states symbolically in mp."""
    k = {"aggmo": 1 + len(p.get("betas", [])), "gd": 1}.get(method, 2)

    def apply(z, xi):
        x = z[0]
        g = mp.mpf(lam) * x + xi
        if method == "gd":
            return [x - mp.mpf(p["learning_rate"]) * g]
        if method == "heavy_ball":
            eta, beta = mp.mpf(p["learning_rate"]), mp.mpf(p["momentum"])
            d, wd, dwd = mp.mpf(p.get("dampening", 0)), mp.mpf(p.get("weight_decay", 0)), mp.mpf(p.get("decoupled_weight_decay", 0))
            b = beta * z[1] + (1 - d) * (g + wd * x)
            return [x - eta * (b + dwd * x), b]
        if method == "nesterov":
            eta, beta = mp.mpf(p["learning_rate"]), mp.mpf(p["momentum"])
            b = beta * z[1] + g
            return [x - eta * (g + beta * b), b]
        if method == "qhm":
            alpha, beta, nu = mp.mpf(p["learning_rate"]), mp.mpf(p["momentum"]), mp.mpf(p["nu"])
            b = beta * z[1] + (1 - beta) * g
            return [x - alpha * ((1 - nu) * g + nu * b), b]
        if method == "aggmo":
            gamma, betas = mp.mpf(p["learning_rate"]), [mp.mpf(v) for v in p["betas"]]
            bs = [beta * zi + g for beta, zi in zip(betas, z[1:])]
            return [x - gamma / len(betas) * sum(bs)] + bs
        if method == "keras":
            eta, beta = mp.mpf(p["learning_rate"]), mp.mpf(p["momentum"])
            v = beta * z[1] - eta * g
            return [x + (beta * v - eta * g if p.get("nesterov") else v), v]
        raise ValueError(method)

    columns = []
    for j in range(k):
        unit = [mp.mpf(0)] * k
        unit[j] = mp.mpf(1)
        columns.append(apply(unit, 0))
    r = mp.matrix(k, k)
    for i in range(k):
        for j in range(k):
            r[i, j] = columns[j][i]
    b = apply([mp.mpf(0)] * k, mp.mpf(1))
    return r, mp.matrix(b)


def relevant(method, p):
    """The coordinates that reach x (by the update rules): AggMo's buffers with beta = 0 and heavy ball's with beta = 0 do not."""
    if method == "aggmo":
        return [0] + [1 + i for i, beta in enumerate(p["betas"]) if beta != 0]
    if method == "heavy_ball" and p["momentum"] == 0:
        return [0]
    return None


def block(r, keep):
    if keep is None:
        return r
    m = mp.matrix(len(keep), len(keep))
    for a, i in enumerate(keep):
        for c, j in enumerate(keep):
            m[a, c] = r[i, j]
    return m


def eigenvalues(m):
    """mpmath's eigenvalues (its eig returns a tuple for a 1x1 matrix whatever the flags)."""
    return [m[0, 0]] if m.rows == 1 else mp.eig(m, left=False, right=False)


def rate(method, p, lam):
    r, _ = step_map(method, p, lam)
    return max(abs(e) for e in eigenvalues(block(r, relevant(method, p))))


# ----- optimal parameters (closed forms from the papers) and their worst rate, checked numerically -----

def optimal(method, mu, L):
    mu, L = mp.mpf(mu), mp.mpf(L)
    kappa = L / mu
    if method == "gd":  # Nesterov 2004, thm 2.1.15; Goh 2017
        return {"learning_rate": 2 / (mu + L), "momentum": mp.mpf(0), "rate": (kappa - 1) / (kappa + 1)}
    if method == "heavy_ball":  # Polyak 1964; Goh 2017
        root = (mp.sqrt(L) - mp.sqrt(mu)) / (mp.sqrt(L) + mp.sqrt(mu))
        return {"learning_rate": (2 / (mp.sqrt(mu) + mp.sqrt(L))) ** 2, "momentum": root ** 2, "rate": root}
    if method == "nesterov":  # Lessard, Recht, Packard 2016
        s = mp.sqrt(3 * kappa + 1)
        return {"learning_rate": 4 / (3 * L + mu), "momentum": (s - 2) / (s + 2), "rate": 1 - 2 / s}
    if method == "nag_sc":  # Nesterov 2004, (2.2.22)
        s = mp.sqrt(kappa)
        return {"learning_rate": 1 / L, "momentum": (s - 1) / (s + 1), "rate": 1 - 1 / s}
    raise ValueError(method)


def as_method(method, params):
    """The transformation whose parameters these are: NAG-SC is PyTorch's Nesterov form too."""
    p = {"learning_rate": float(params["learning_rate"]), "momentum": float(params["momentum"])}
    if method == "gd":
        return "gd", {"learning_rate": p["learning_rate"]}
    return ("nesterov" if method in ("nesterov", "nag_sc") else "heavy_ball"), p


def worst_rate(method, p, mu, L, points=400):
    """max over lam in [mu, L] of the rate: a geometric grid, refined around its largest point."""
    lams = [mp.mpf(mu) * (mp.mpf(L) / mu) ** (mp.mpf(i) / points) for i in range(points + 1)]
    rates = [rate(method, p, lam) for lam in lams]
    i = max(range(len(rates)), key=lambda j: rates[j])
    if 0 < i < points:
        lo, hi = lams[i - 1], lams[i + 1]
        for _ in range(80):  # golden section for the maximum
            a, b = lo + (hi - lo) * mp.mpf("0.381966"), lo + (hi - lo) * mp.mpf("0.618034")
            if rate(method, p, a) > rate(method, p, b):
                hi = b
            else:
                lo = a
        return max(max(rates), rate(method, p, (lo + hi) / 2))
    return max(rates)


# ----- stationary variance under gradient noise: the Lyapunov equation as a linear system -----

def stationary_second_moment(method, p, lam, variance):
    r, b = step_map(method, p, lam)
    keep = relevant(method, p)
    r = block(r, keep)
    b = mp.matrix([b[i] for i in (keep or range(len(b)))])
    m = r.rows
    n = m * m
    system = mp.matrix(n, n)
    rhs = mp.matrix(n, 1)
    # Sigma_ij - sum_kl R_ik R_jl Sigma_kl = variance * b_i b_j, unknown Sigma_ij at index i*m + j.
    for i in range(m):
        for j in range(m):
            row = i * m + j
            rhs[row] = mp.mpf(variance) * b[i] * b[j]
            system[row, row] += 1
            for k in range(m):
                for l in range(m):
                    system[row, k * m + l] -= r[i, k] * r[j, l]
    sigma = mp.lu_solve(system, rhs)
    return sigma[0]


def heavy_ball_second_moment(eta, beta, lam, variance):
    """E[x^2] = eta*sigma^2*(1+beta) / (lam*(1-beta)*(2(1+beta) - eta*lam)) for heavy ball (d2l 11.6, exercise 4)."""
    eta, beta, lam = mp.mpf(eta), mp.mpf(beta), mp.mpf(lam)
    return eta * variance * (1 + beta) / (lam * (1 - beta) * (2 * (1 + beta) - eta * lam))


# ----- step counts: iterating the recursion in 40 digits, and the envelope of its modes -----

def iterates(method, p, lam, x0, steps):
    r, _ = step_map(method, p, lam)
    z = mp.matrix([mp.mpf(x0)] + [mp.mpf(0)] * (r.rows - 1))
    xs = [z[0]]
    for _ in range(steps):
        z = r * z
        xs.append(z[0])
    return xs


def measured_steps(method, p, lams, start, factor, horizon):
    """The first t after which ||x_t|| <= factor * ||x_0|| for every t up to the horizon."""
    runs = [iterates(method, p, lam, x0, horizon) for lam, x0 in zip(lams, start)]
    norm0 = mp.sqrt(sum(mp.mpf(x) ** 2 for x in start))
    last = 0
    for t in range(horizon + 1):
        if mp.sqrt(sum(run[t] ** 2 for run in runs)) > factor * norm0:
            last = t
    assert last < horizon - 10, "horizon too short"
    return last + 1


def predicted_steps(method, p, lam, factor):
    """Steps until the envelope of x's modes (a Jordan block's (a + b s) sigma^s at critical damping) falls below factor."""
    r, _ = step_map(method, p, lam)
    r = block(r, relevant(method, p))
    m = r.rows
    assert m == 2, "the reference envelope is written for 2-state methods"
    z = mp.matrix([mp.mpf(1)] + [mp.mpf(0)] * (m - 1))
    z1 = r * z
    x1, x2 = z1[0], (r * z1)[0]
    s1, s2 = eigenvalues(r)
    if abs(s1 - s2) <= mp.mpf("1e-6"):
        sigma = (s1 + s2) / 2
        a, b = x1, x2 / sigma - x1  # x_{1+s} = sigma^s (a + b s)
        envelope = lambda s: abs(sigma) ** s * abs(a + b * s)
    else:
        big = (x2 - s2 * x1) / (s1 - s2)  # x_{1+s} = A s1^s + B s2^s
        small = x1 - big
        envelope = lambda s: abs(big) * abs(s1) ** s + abs(small) * abs(s2) ** s
    hi = mp.mpf(1)
    while envelope(hi) > factor:
        hi *= 2
    lo = mp.mpf(0)
    for _ in range(200):
        mid = (lo + hi) / 2
        if envelope(mid) > factor:
            lo = mid
        else:
            hi = mid
    t = 1 + hi
    assert abs(t - mp.nint(t)) > mp.mpf("0.01"), f"{method} at {lam}: {t} too close to an integer to compare a ceiling"
    return int(mp.ceil(t))


# ----- the tables -----

def f(x):
    return float(x)


def build():
    rnd = random.Random(20240611)
    out = {"generator": "bench/theory/references.py", "mpmath_dps": mp.mp.dps}

    rates = []
    for _ in range(8):
        p = {"learning_rate": rnd.uniform(0.01, 1.5), "momentum": rnd.uniform(0, 0.99)}
        rates.append(("heavy_ball", p))
    rates.append(("heavy_ball", {"learning_rate": 0.6, "momentum": 0.5}))
    rates.append(("heavy_ball", {"learning_rate": 0.4, "momentum": 0.0}))
    for _ in range(3):
        rates.append(("heavy_ball", {"learning_rate": rnd.uniform(0.01, 1), "momentum": rnd.uniform(0, 0.95), "dampening": rnd.uniform(0, 0.9)}))
        rates.append(("heavy_ball", {"learning_rate": rnd.uniform(0.01, 1), "momentum": rnd.uniform(0, 0.95), "weight_decay": rnd.uniform(0, 0.5)}))
        rates.append(("heavy_ball", {"learning_rate": rnd.uniform(0.01, 1), "momentum": rnd.uniform(0, 0.95), "decoupled_weight_decay": rnd.uniform(0, 0.5)}))
    for _ in range(6):
        rates.append(("nesterov", {"learning_rate": rnd.uniform(0.01, 1), "momentum": rnd.uniform(0.05, 0.99)}))
    for _ in range(6):
        rates.append(("qhm", {"learning_rate": rnd.uniform(0.01, 2), "momentum": rnd.uniform(0, 0.99), "nu": rnd.uniform(0.05, 1)}))
    for _ in range(4):
        rates.append(("aggmo", {"learning_rate": rnd.uniform(0.01, 1), "betas": [0.0, rnd.uniform(0.5, 0.95), rnd.uniform(0.95, 0.999)]}))
    for nesterov in (False, True):
        for _ in range(3):
            rates.append(("keras", {"learning_rate": rnd.uniform(0.01, 1), "momentum": rnd.uniform(0.05, 0.99), "nesterov": nesterov}))
    out["rates"] = []
    for method, p in rates:
        for lam in (0.05, 1.0, 3.7):
            out["rates"].append({"method": method, **p, "eigenvalue": lam, "rate": f(rate(method, p, lam))})

    out["optimal"] = []
    for mu, L in [(1.0, 100.0), (0.5, 1.0), (0.2, 4.0), (1.0, 10.0), (1e-3, 10.0), (1.0, 1e4), (2.0, 2e6), (1e-8, 1e2)]:
        for method in ("gd", "heavy_ball", "nesterov", "nag_sc"):
            params = optimal(method, mu, L)
            kind, p = as_method(method, params)
            if mu / L >= 1e-6:  # the worst rate over [mu, L] equals the promised one (checked here, not trusted)
                worst = worst_rate(kind, p, mu, L)
                assert abs(worst - params["rate"]) < mp.mpf("1e-7"), (method, mu, L, worst, params["rate"])
            out["optimal"].append({"method": method, "smallest": mu, "largest": L,
                                   "learning_rate": f(params["learning_rate"]), "momentum": f(params["momentum"]), "rate": f(params["rate"])})

    out["worst_rates"] = []
    for method, p in [("qhm", {"learning_rate": 0.1, "momentum": 0.9, "nu": 0.7}),
                      ("qhm", {"learning_rate": 0.05, "momentum": 0.8, "nu": 0.3}),
                      ("aggmo", {"learning_rate": 0.02, "betas": [0.0, 0.9, 0.99]}),
                      ("keras", {"learning_rate": 0.03, "momentum": 0.7, "nesterov": True}),
                      ("heavy_ball", {"learning_rate": 0.02, "momentum": 0.6, "dampening": 0.5})]:
        for mu, L in [(1.0, 10.0), (0.5, 40.0)]:
            out["worst_rates"].append({"method": method, **p, "smallest": mu, "largest": L, "worst_rate": f(worst_rate(method, p, mu, L))})

    out["stationary"] = []
    stationary = [("heavy_ball", {"learning_rate": 0.1, "momentum": 0.9})]
    for _ in range(4):
        stationary.append(("heavy_ball", {"learning_rate": rnd.uniform(0.01, 0.5), "momentum": rnd.uniform(0, 0.95)}))
    stationary += [("heavy_ball", {"learning_rate": 0.05, "momentum": 0.8, "dampening": 0.4}),
                   ("heavy_ball", {"learning_rate": 0.05, "momentum": 0.8, "weight_decay": 0.1}),
                   ("heavy_ball", {"learning_rate": 0.05, "momentum": 0.8, "decoupled_weight_decay": 0.1}),
                   ("nesterov", {"learning_rate": 0.05, "momentum": 0.9}),
                   ("qhm", {"learning_rate": 0.2, "momentum": 0.9, "nu": 0.7}),
                   ("aggmo", {"learning_rate": 0.05, "betas": [0.0, 0.9, 0.99]}),
                   ("keras", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": False}),
                   ("keras", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True})]
    for method, p in stationary:
        for lam, variance in ((1.0, 1.0), (2.5, 0.3)):
            value = stationary_second_moment(method, p, lam, variance)
            if method == "heavy_ball" and len(p) == 2:
                closed = heavy_ball_second_moment(p["learning_rate"], p["momentum"], lam, variance)
                assert abs(value - closed) < mp.mpf("1e-30") * abs(closed), (p, value, closed)
            out["stationary"].append({"method": method, **p, "eigenvalue": lam, "variance": variance, "second_moment": f(value)})
    book = out["stationary"][0]
    assert round(book["second_moment"], 6) == 0.513514, book  # the number: eta = 0.1, beta = 0.9, lam = sigma = 1

    # Step counts at kappa = 1e4: each method at its optimal parameters, one direction at a time and the whole quadratic.
    mu, L = 1.0, 1e4
    lams = [mu * (L / mu) ** (i / 8) for i in range(9)]
    lams[-1] = L
    start = [1.0] * 9
    out["steps"] = {"smallest": mu, "largest": L, "eigenvalues": lams, "start": start, "factor": 1e-8, "directions": [], "quadratic": []}
    for method in ("heavy_ball", "nesterov", "nag_sc"):
        kind, p = as_method(method, optimal(method, mu, L))
        for lam in (mu, L, 37.0):
            out["steps"]["directions"].append({"method": method, "eigenvalue": lam, "predicted_steps": predicted_steps(kind, p, lam, mp.mpf("1e-8"))})
    for method in ("gd", "heavy_ball", "nesterov", "nag_sc"):
        kind, p = as_method(method, optimal(method, mu, L))
        horizon = 100000 if method == "gd" else 4000
        out["steps"]["quadratic"].append({"method": method, "measured_steps": measured_steps(kind, p, lams, start, mp.mpf("1e-8"), horizon)})
    out["spectra"] = spectra()
    return out


def spectra():
    """2x2 matrices R = [[a, b], [c, d]] whose roots are hard to get in double: a double root near -1, 0 or 1 (entries
    s + x, s + y with a discriminant near 0, either sign) and a determinant det(sI - R) that cancels ((s - a)(s - d) and bc
    equal to ~1e-6 of their size, with s - a and s - d exact). The eigenvalues by mpmath from the exact doubles, as
    [re, im], largest modulus first."""
    rnd = random.Random(20261201)
    rows = []
    for s in (-1.0, 0.0, 1.0):
        for _ in range(12):
            x, y = (rnd.choice((-1, 1)) * rnd.uniform(1e-9, 1e-3) for _ in range(2))
            c = rnd.uniform(0.5, 2)
            a, d = s + x, s + y
            b = -((a - d) ** 2) / (4 * c) * rnd.uniform(0.5, 1.5)
            rows.append([a, b, c, d])
        for _ in range(12):
            x = rnd.uniform(0.2, 0.5)  # every entry within [0.5, 2] of s's sign (or s = 0): s - entry is exact (Sterbenz)
            c = rnd.uniform(0.5, 2)
            a, d = s + x, s - x + rnd.choice((-1, 1)) * rnd.uniform(1e-7, 1e-5)
            b = -(x * x) / c * (1 + rnd.choice((-1, 1)) * rnd.uniform(1e-7, 1e-5))
            rows.append([a, b, c, d])
    out = []
    for a, b, c, d in rows:
        values = eigenvalues(mp.matrix([[a, b], [c, d]]))
        values = sorted(values, key=lambda v: (-abs(v), -mp.re(v), -mp.im(v)))
        out.append({"matrix": [a, b, c, d], "eigenvalues": [[f(mp.re(v)), f(mp.im(v))] for v in values]})
    return out


def main():
    table = build()
    text = json.dumps(table, indent=1) + "\n"
    if "--check" in sys.argv:
        if FIXTURE.read_text() != text:
            print(f"{FIXTURE} differs from a fresh computation", file=sys.stderr)
            return 1
        print("fixture matches")
        return 0
    FIXTURE.write_text(text)
    print(f"wrote {FIXTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
