"""The chosen method against the 28-day mean, seasonal naive and the oracle, per
test month, with 80% intervals calibrated on the validation days before each month.

Method ("shares x payday GLM"):
  T(d)    = exp(w[weekday(d)] + b * pay(d)), pay(d) = 1 on the 1st and 15th of a month,
            a Poisson GLM (log link) fitted ONCE per test month on every open day
            (store units > 0) before the month; fixed inside the month.
  T(d)    = 0 if the shop sold nothing on d-7 and d-14 (closing rule, as the model).
  mu(i,h,d) = share(i,h; d) * T(d), share = units of item i in hour h over ALL days
            before d / all units before d (cumulative, a rolling statistic like the
            pooled forecast's 91-day share).
  point   = Poisson median of the item-day / store-day / item-hour mean.
  intervals: alpha by moments and width calibrated (distributions::fit_spread) on the
            VALID days before the month (default 120, i.e. all of Feb..month-1 for
            most months), forecasts there made the same way.
"""
import sys
from fc import *
VALID = int(sys.argv[1]) if len(sys.argv) > 1 else 120
D = Data(); Y = D.Y
T = store_glm_frozen(D, ("pay",))
Tc = np.where(D.closed_rule, 0.0, T)
cumIH = np.concatenate([np.zeros((Y.shape[0], 1, 24)), np.cumsum(Y, axis=1)], axis=1)  # [i, d+1, h] = units < d
Pm = shares_window(D, 365)
M = Pm * Tc[None, :]
rows = []
print(f"{'month':8s} {'level':10s} {'method':>7s} {'naive':>6s} {'mean28':>6s} {'oracle':>6s} {'closed':>7s} {'cover':>6s}   (WAPE on medians)")
for lo, hi in TEST:
    days = list(range(lo, hi + 1))
    G = np.stack([cumIH[:, d, :] / cumIH[:, d, :].sum() * Tc[d] for d in days], axis=1)  # [i, k, h]
    me = levels_wape(Y, days, G)
    mm = levels_wape(Y, days, G, "mean")
    nv = levels_wape(Y, days, stack(naive, Y, days))
    m28 = levels_wape(Y, days, stack(mean28, Y, days)); m28m = levels_wape(Y, days, stack(mean28, Y, days), "mean")
    O = oracle_month(Y, lo, hi); orc = levels_wape(Y, days, O); orcm = levels_wape(Y, days, O, "mean")
    v = np.arange(max(31, lo - VALID), lo)
    ai = alpha_mom(D.C[:, v], M[:, v]); as_ = alpha_mom(D.S[v], Tc[v])
    wi = calibrate_width(D.C[:, v], M[:, v], ai); ws = calibrate_width(D.S[v], Tc[v], as_)
    ci = coverage_at(D.C[:, lo:hi + 1].ravel(), M[:, lo:hi + 1].ravel(), ai, wi)
    cs = coverage_at(D.S[lo:hi + 1], Tc[lo:hi + 1], as_, ws)
    cov = [ci, None, cs]
    for L, name in enumerate(["item-day", "item-hour", "store-day"]):
        b = min(nv[L], m28[L]); cl = (b - me[L]) / (b - orc[L]) if name != "store-day" or True else 0
        print(f"{NAMES[(lo,hi)]:8s} {name:10s} {me[L]:7.3f} {nv[L]:6.3f} {m28[L]:6.3f} {orc[L]:6.3f} {100*cl:6.0f}% " + (f"{cov[L]:6.1%}" if cov[L] is not None else "      "))
    rows.append(dict(me=me, mm=mm, nv=nv, m28=m28, m28m=m28m, orc=orc, orcm=orcm, ci=ci, cs=cs, a=(ai, as_, wi, ws)))
mean = lambda k, L: np.mean([r[k][L] for r in rows])
for L, name in enumerate(["item-day", "item-hour", "store-day"]):
    b = min(mean("nv", L), mean("m28", L))
    print(f"{'mean':8s} {name:10s} {mean('me', L):7.3f} {mean('nv', L):6.3f} {mean('m28', L):6.3f} {mean('orc', L):6.3f} {100*(b-mean('me', L))/(b-mean('orc', L)):6.1f}%")
print("item-day coverage mean %.1f%%, store-day %.1f%%" % (100*np.mean([r['ci'] for r in rows]), 100*np.mean([r['cs'] for r in rows])))
print("item-day on expected values: method", " ".join(f"{r['mm'][0]:.3f}" for r in rows), "mean %.4f | mean28 %.4f | oracle %.4f" % (
    mean("mm", 0), mean("m28m", 0), mean("orcm", 0)))
print("store-day on expected values: method %.4f" % mean("mm", 2))
for (lo, hi), r in zip(TEST, rows):
    print(NAMES[(lo, hi)], "alpha item-day %.3f store-day %.3f; widths %.2f / %.2f" % r["a"])
