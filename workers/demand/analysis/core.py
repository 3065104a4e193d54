"""Shared definitions mirroring workers/demand/src/core (scoring, baselines,
oracle, distributions, pooled forecast). Pure numpy.

Y[i, d, h]: units of item i on day d (0 = 2015-01-01) in local hour h.
"""
import csv, gzip, datetime as dt
from collections import OrderedDict
import numpy as np

import os
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "data", "pizzaplace-2015-01-to-10.csv.gz")
D0 = dt.date(2015, 1, 1)
HOURS = 24


def load():
    orders = OrderedDict()  # id -> (date, hour, [sku...])  (order time = first line's)
    with gzip.open(DATA, "rt") as f:
        for r in csv.DictReader(f):
            sku = f"{r['name']}_{r['size'].lower()}"
            if r["id"] not in orders:
                d = dt.date.fromisoformat(r["date"])
                h = int(r["time"][:2])
                orders[r["id"]] = (d, h, [])
            orders[r["id"]][2].append(sku)
    items = sorted({s for o in orders.values() for s in o[2]})
    idx = {s: i for i, s in enumerate(items)}
    first = min(o[0] for o in orders.values())
    last = max(o[0] for o in orders.values())
    ndays = (last - first).days + 1
    Y = np.zeros((len(items), ndays, HOURS), dtype=np.int64)
    for d, h, skus in orders.values():
        for s in skus:
            Y[idx[s], (d - first).days, h] += 1
    assert first == D0
    return items, Y


def date_of(d):
    return D0 + dt.timedelta(days=int(d))


def day_of(date):
    return (date - D0).days


def weekday(d):
    return date_of(d).weekday()  # Monday = 0


MONTHS = [(day_of(dt.date(2015, m, 1)), day_of(dt.date(2015, m + 1, 1) if m < 12 else dt.date(2016, 1, 1)) - 1)
          for m in range(1, 11)]  # (first, last) day index of Jan..Oct
MONTHS[-1] = (MONTHS[-1][0], 303)
TEST = MONTHS[4:10]   # May..Oct
EARLY = MONTHS[2:4]   # Mar, Apr: "months before May" for choosing parameters
NAMES = {m: dt.date(2015, i + 1, 1).strftime("%Y-%m") for i, m in enumerate(MONTHS)}

# ---------------------------------------------------------------- distributions

def count_quantile(mean, alpha, q):
    """Vectorised distributions::count_quantile: smallest k with P(X<=k) >= q,
    X negative binomial(mean, var = mean + alpha mean^2); Poisson at alpha 0."""
    mean = np.asarray(mean, dtype=float)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), mean.shape)
    q = np.broadcast_to(np.asarray(q, dtype=float), mean.shape)
    out = np.zeros(mean.shape, dtype=np.int64)
    m = np.where(np.isfinite(mean) & (mean > 0), mean, 0.0)
    pos = m > 0
    if not pos.any():
        return out
    nb = pos & (alpha > 0)
    # log P(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(nb, 1.0 / np.where(alpha > 0, alpha, 1.0), 1.0)
        lp0 = np.where(nb, r * np.log(r / (r + m)), -m)
    p = np.exp(lp0)
    ratio = np.where(nb, m / (r + m), 0.0)
    cdf = p.copy()
    k = np.zeros(mean.shape, dtype=np.int64)
    active = pos & (cdf < q)
    # large means: normal approximation like the Rust code (only for mean > 500 / underflow)
    big = pos & ((~nb & (m > 500)) | (nb & (lp0 < -700)))
    active &= ~big
    kk = 0
    while active.any():
        kk += 1
        pk_nb = p * (kk - 1 + r) / kk * ratio
        pk_po = p * m / kk
        p = np.where(nb, pk_nb, pk_po)
        cdf = np.where(active, cdf + p, cdf)
        k = np.where(active, kk, k)
        active = active & (cdf < q)
        if kk > 20000:
            break
    out = np.where(pos, k, 0)
    if big.any():
        z = normal_quantile(q[big])
        sd = np.sqrt(m[big] + np.where(nb[big], alpha[big], 0) * m[big] ** 2)
        out[big] = np.maximum(np.floor(m[big] + z * sd + 0.5), 0)
    return out


def normal_quantile(q):
    from statistics import NormalDist
    return np.vectorize(NormalDist().inv_cdf)(q)


def alpha_mom(actual, mean):
    a = np.asarray(actual, float).ravel(); m = np.asarray(mean, float).ravel()
    ok = (m > 0) & np.isfinite(m)
    ms = (m[ok] ** 2).sum()
    if ms <= 0:
        return 0.0
    return float(np.clip((((a[ok] - m[ok]) ** 2 - m[ok]).sum()) / ms, 0, 10))


def coverage_at(actual, mean, alpha, w):
    w = min(max(w, 0.0), 1.0)
    lo = count_quantile(mean, alpha, (1 - w) / 2)
    hi = count_quantile(mean, alpha, (1 + w) / 2)
    return float(((lo <= actual) & (actual <= hi)).mean())


def calibrate_width(actual, mean, alpha, target=0.8):
    actual = np.asarray(actual, float).ravel(); mean = np.asarray(mean, float).ravel()
    MIN, MAX = 0.02, 0.98
    cov = lambda w: coverage_at(actual, mean, alpha, w)
    if cov(MIN) >= target:
        return MIN
    if cov(MAX) < target:
        return MAX
    lo, hi = MIN, MAX
    for _ in range(30):
        mid = (lo + hi) / 2
        if cov(mid) >= target:
            hi = mid
        else:
            lo = mid
    return lo if abs(cov(lo) - target) < abs(cov(hi) - target) else hi

# ---------------------------------------------------------------- scoring

def wape(actual, point):
    a = np.asarray(actual, float); p = np.asarray(point, float)
    return float(np.abs(a - p).sum() / a.sum())


class Scores:
    """Scores of a forecaster over days `days`: F[i, k, h] hourly means for days[k]."""
    pass


def levels_wape(Y, days, F, point="median", alpha=(0.0, 0.0, 0.0)):
    """WAPE at item-day, item-hour, store-day; point 'mean' or 'median'
    (NB medians with alpha per level (item_day, item_hour, store_day))."""
    A = Y[:, days, :].astype(float)
    Fi = F.sum(axis=2)       # item-day means
    Fs = F.sum(axis=(0, 2))  # store-day means
    Ai = A.sum(axis=2); As = A.sum(axis=(0, 2))
    if point == "mean":
        return wape(Ai, Fi), wape(A, F), wape(As, Fs)
    return (wape(Ai, count_quantile(Fi, alpha[0], 0.5)),
            wape(A, count_quantile(F, alpha[1], 0.5)),
            wape(As, count_quantile(Fs, alpha[2], 0.5)))

# ---------------------------------------------------------------- baselines, oracle

def mean28(Y, d):
    lo = max(0, d - 28)
    if d - lo == 0:
        return np.zeros(Y.shape[::2])
    return Y[:, lo:d, :].sum(axis=1) / (d - lo)


def naive(Y, d):
    if d - 7 >= 0:
        return Y[:, d - 7, :].astype(float)
    return mean28(Y, d)


def oracle_month(Y, lo, hi):
    tot = Y[:, lo:hi + 1, :].sum(axis=1).astype(float)
    share = tot / tot.sum()
    store = Y[:, lo:hi + 1, :].sum(axis=(0, 2)).astype(float)
    return share[:, None, :] * store[None, :, None]  # [i, k, h]


def stack(fn, Y, days):
    return np.stack([fn(Y, d) for d in days], axis=1)

# ---------------------------------------------------------------- pooled forecast (features.rs History::pooled)

def store_series(Y):
    return Y.sum(axis=(0, 2)).astype(float)


def looks_closed(S, d, weeks=2):
    return weeks > 0 and all(d - 7 * w >= 0 and S[d - 7 * w] == 0 for w in range(1, weeks + 1))


def pooled(Y, d, S=None, closed_weeks=2):
    S = store_series(Y) if S is None else S
    out = np.zeros((Y.shape[0], HOURS))
    lo91 = max(0, d - 91)
    units91 = S[lo91:d].sum()
    lo56 = max(0, d - 56)
    open56 = (S[lo56:d] > 0).sum()
    if open56 == 0 or units91 <= 0:
        return out
    if looks_closed(S, d, closed_weeks):
        return out
    level = S[lo56:d].sum() / open56
    wd = weekday(d)
    hist = S[:d]
    opn = hist > 0
    wds = np.array([weekday(x) for x in range(d)])
    same = hist[opn & (wds == wd)]
    allm = hist[opn].mean()
    factor = same.mean() / allm if len(same) and allm > 0 else 1.0
    share = Y[:, lo91:d, :].sum(axis=1) / units91
    return share * level * factor
