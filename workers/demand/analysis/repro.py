"""Reproduce the doc's baselines, oracle and pooled forecast per test month."""
import numpy as np, time
from core import *

items, Y = load()
S = store_series(Y)
print(len(items), Y.shape, Y.sum())
rows = []
for lo, hi in TEST:
    days = list(range(lo, hi + 1))
    res = {}
    for name, fn in [("naive", naive), ("mean28", mean28), ("pooled", lambda Y, d: pooled(Y, d, S)),
                     ("pooled_noclose", lambda Y, d: pooled(Y, d, S, 0))]:
        F = stack(fn, Y, days)
        res[name] = (levels_wape(Y, days, F), levels_wape(Y, days, F, "mean"))
    O = oracle_month(Y, lo, hi)
    res["oracle"] = (levels_wape(Y, days, O), levels_wape(Y, days, O, "mean"))
    rows.append(res)
    print(NAMES[(lo, hi)], "  ".join(f"{k}: med {v[0][0]:.3f}/{v[0][1]:.3f}/{v[0][2]:.3f} mean {v[1][0]:.3f}/{v[1][2]:.3f}" for k, v in res.items()))
for k in rows[0]:
    print("mean", k, "item-day med %.3f  store-day med %.3f  item-day mean %.3f" % (
        np.mean([r[k][0][0] for r in rows]), np.mean([r[k][0][2] for r in rows]), np.mean([r[k][1][0] for r in rows])))
