"""Forecasters as whole-series arrays computed one day ahead: T[d] (store-day
mean for day d from S[:d]) and P[i, d] (item shares from Y[:, :d]).  Every
value at d reads only days < d."""
import numpy as np
from core import *

ND = 304


class Data:
    def __init__(self):
        self.items, self.Y = load()
        self.S = store_series(self.Y)
        self.C = self.Y.sum(axis=2).astype(float)          # item-day
        self.open = self.S > 0
        self.wd = np.array([weekday(d) for d in range(ND)])
        self.dom = np.array([date_of(d).day for d in range(ND)])
        self.dim = np.array([(date_of(d).replace(day=28) + dt.timedelta(days=4)).replace(day=1).__sub__(dt.timedelta(days=1)).day for d in range(ND)])
        self.closed_rule = np.array([looks_closed(self.S, d, 2) for d in range(ND)])


def shares_window(D, win=91, halflife=None, prior=0.0):
    """P[i, d]: share of item i over the `win` days before d (optionally
    exponentially weighted by half-life in days)."""
    C = D.C
    P = np.zeros((C.shape[0], ND))
    for d in range(1, ND):
        lo = max(0, d - win)
        x = C[:, lo:d]
        if halflife:
            w = 0.5 ** ((d - 1 - np.arange(lo, d)) / halflife)
            x = x * w
        s = x.sum(axis=1)
        P[:, d] = s / s.sum()
    return P


def store_pooled(D, lvl_win=56):
    """features.rs pooled: level = mean per open day over 56 days; weekday
    factor over all open days of history."""
    S, T = D.S, np.zeros(ND)
    for d in range(1, ND):
        lo = max(0, d - lvl_win)
        o = D.open[lo:d]
        if not o.any():
            continue
        level = S[lo:d][o].mean()
        oh = D.open[:d]
        same = oh & (D.wd[:d] == D.wd[d])
        f = S[:d][same].mean() / S[:d][oh].mean() if same.any() else 1.0
        T[d] = level * f
    return T


def item_means(D, T, P, closed=True):
    T = np.where(D.closed_rule, 0.0, T) if closed else T
    return P * T[None, :], T


BASE = {"mean28": [0.609, 0.623, 0.603, 0.615, 0.676, 0.739], "oracle": [0.573, 0.589, 0.562, 0.572, 0.581, 0.577]}


def score(D, M, T, months=TEST, q=0.5, alpha_i=0.0, alpha_s=0.0, qs=0.5):
    """Per month: (item-day WAPE on the q-quantile, store-day WAPE on the qs-quantile)."""
    out = []
    for lo, hi in months:
        A = D.C[:, lo:hi + 1]; m = M[:, lo:hi + 1]
        iw = wape(A, count_quantile(m, alpha_i, q))
        sw = wape(D.S[lo:hi + 1], count_quantile(T[lo:hi + 1], alpha_s, qs))
        out.append((iw, sw))
    return np.array(out)


def closed_pct(r, base=None, orc=None):
    base = np.mean(BASE["mean28"]) if base is None else base
    orc = np.mean(BASE["oracle"]) if orc is None else orc
    return (base - r) / (base - orc)


def report(name, D, M, T, early=True, **kw):
    t = score(D, M, T, **kw)
    e = score(D, M, T, months=EARLY, **kw) if early else None
    beat = sum(t[k, 0] < BASE["mean28"][k] for k in range(6))
    s = f"{name:42s} item " + " ".join(f"{x:.3f}" for x in t[:, 0]) + f" | mean {t[:,0].mean():.4f} closed {100*closed_pct(t[:,0].mean()):5.1f}% beat {beat}/6 | store {t[:,1].mean():.4f}"
    if early:
        s += f" | Mar-Apr item {e[:,0].mean():.4f} store {e[:,1].mean():.4f}"
    print(s, flush=True)
    return t, e


# US federal holidays 2015 (a public calendar, known in advance); the observed day for July 4.
HOLIDAYS = {dt.date(2015, 1, 1), dt.date(2015, 1, 19), dt.date(2015, 2, 16), dt.date(2015, 5, 25),
            dt.date(2015, 7, 3), dt.date(2015, 7, 4), dt.date(2015, 9, 7), dt.date(2015, 10, 12)}


def design(D, feats):
    cols = [(D.wd == w).astype(float) for w in range(7)]
    names = [f"wd{w}" for w in range(7)]
    t = np.arange(ND)
    for f in feats:
        if f == "pay":        # 1st and 15th together
            cols.append(((D.dom == 1) | (D.dom == 15)).astype(float))
        elif f == "pay1":
            cols.append((D.dom == 1).astype(float))
        elif f == "pay15":
            cols.append((D.dom == 15).astype(float))
        elif f == "monthend":  # last 5 days of the month
            cols.append((D.dom > D.dim - 5).astype(float))
        elif f == "hol":
            cols.append(np.array([date_of(d) in HOLIDAYS for d in range(ND)], float))
        elif f == "trend":
            cols.append(t / 100.0)
        else:
            raise ValueError(f)
        names.append(f)
    return np.stack(cols, axis=1), names


def glm_poisson(X, y, w, ridge, iters=25):
    """Weighted Poisson regression with log link; ridge on coefficients 7.. (not the weekday intercepts)."""
    n, k = X.shape
    beta = np.zeros(k)
    beta[:7] = np.log(max(y.mean(), 1.0))
    R = np.zeros(k); R[7:] = ridge
    for _ in range(iters):
        eta = X @ beta
        mu = np.exp(eta)
        z = eta + (y - mu) / mu
        W = w * mu
        A = X.T @ (X * W[:, None]) + np.diag(R * W.sum() / max(n, 1) + 1e-6 * W.sum())
        b = X.T @ (W * z)
        new = np.linalg.solve(A, b)
        if np.max(np.abs(new - beta)) < 1e-8:
            beta = new; break
        beta = new
    return beta


def store_glm(D, feats=(), halflife=None, ridge=0.0, wd_halflife=None, start=1):
    """T[d] from a Poisson GLM on the open days before d: weekday effects (+ feats),
    weighted by recency 0.5**(age/halflife)."""
    X, names = design(D, feats)
    T = np.zeros(ND)
    for d in range(max(start, 8), ND):
        o = D.open[:d]
        idx = np.nonzero(o)[0]
        age = d - 1 - idx
        w = np.ones(len(idx)) if not halflife else 0.5 ** (age / halflife)
        beta = glm_poisson(X[idx], D.S[idx], w, ridge)
        T[d] = np.exp(X[d] @ beta)
    return T


def store_hw(D, a=0.05, g=0.05, b=0.0):
    """Holt-Winters, multiplicative weekly season, optional damped-free trend b,
    run over open days only (closed days skipped); T[d] is the one-step forecast."""
    T = np.zeros(ND)
    # init on the first 14 days
    first = [d for d in range(14) if D.open[d]]
    L = np.mean(D.S[first]); trend = 0.0
    s = np.ones(7)
    for w in range(7):
        v = [D.S[d] for d in first if D.wd[d] == w]
        s[w] = np.mean(v) / L if v else 1.0
    for d in range(ND):
        T[d] = (L + trend) * s[D.wd[d]]
        if d < 14 or not D.open[d]:
            continue
        y = D.S[d]; w = D.wd[d]
        Lnew = a * y / s[w] + (1 - a) * (L + trend)
        trend = b * (Lnew - L) + (1 - b) * trend
        s[w] = g * y / Lnew + (1 - g) * s[w]
        L = Lnew
    T[:14] = 0
    return T


def store_sameweekday(D, k=8, how="mean"):
    T = np.zeros(ND)
    for d in range(7, ND):
        v = [D.S[d - 7 * w] for w in range(1, k + 1) if d - 7 * w >= 0 and D.open[d - 7 * w]]
        if v:
            T[d] = np.median(v) if how == "median" else np.mean(v)
    return T


def month_start(d):
    return day_of(date_of(d).replace(day=1))


def store_glm_frozen(D, feats=("pay",), ridge=0.0, level_win=None):
    """Coefficients fitted once per calendar month on the open days before the
    month, then fixed for the month. With level_win, the level is re-read each
    day as the mean of S/effect over the open days of the last level_win days
    (a rolling statistic, like the pooled forecast's level)."""
    X, names = design(D, feats)
    T = np.zeros(ND)
    cache = {}
    for d in range(31, ND):
        m0 = month_start(d)
        if m0 not in cache:
            idx = np.nonzero(D.open[:m0])[0]
            cache[m0] = glm_poisson(X[idx], D.S[idx], np.ones(len(idx)), ridge)
        beta = cache[m0]
        eff = np.exp(X @ beta)
        if level_win:
            lo = max(0, d - level_win)
            o = np.nonzero(D.open[lo:d])[0] + lo
            T[d] = eff[d] * np.mean(D.S[o] / eff[o])
        else:
            T[d] = eff[d]
    return T


def shares_frozen(D):
    """Item shares over all history before the month, fixed for the month."""
    P = np.zeros((D.C.shape[0], ND))
    for d in range(1, ND):
        m0 = month_start(d) if month_start(d) > 0 else d
        s = D.C[:, :m0].sum(1)
        P[:, d] = s / s.sum()
    return P
