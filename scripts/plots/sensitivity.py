#!/usr/bin/python3
"""Sensitivity ranking of the candidate compressions, and the compression order the search found.

Reads  --input: JSON written by `erg report` (figure_data/sensitivity.json):
       {"metric": str, "energy_unit": str, "presets": [{"preset": str,
       "candidates": [{"label": str, "energy_saved_uj": float, "accuracy_delta": float,
                       "ratio_uj_per_metric": float|null, "feasible": bool,
                       "sensitivity": {"value": float, "ci95": [lo, hi], "unit": str}|null
                       (absent in older summaries)}],
       "path": [{"label": str, "energy_uj": float}]}]}
       candidates come from the first search step, ranked best first; path is the energy per
       unit after each accepted step (baseline first).
Writes --out.png and --out.svg.
"""

import matplotlib.pyplot as plt
import plot_common as pc


def main():
    args = pc.parse_args(__doc__)
    data = pc.load(args.input)
    presets = data["presets"]
    unit = data["energy_unit"]
    fig, axes = plt.subplots(len(presets), 2, figsize=(13, 3.6 + 0.1 * 0), squeeze=False)
    fig.set_size_inches(13, 3.8 * len(presets))
    for (left, right), preset in zip(axes, presets):
        cands = preset["candidates"]
        labels = [c["label"] for c in cands][::-1]
        saved = [c["energy_saved_uj"] for c in cands][::-1]
        colors = ["tab:green" if c["feasible"] else "tab:gray" for c in cands][::-1]
        left.barh(range(len(cands)), saved, color=colors)
        left.set_yticks(range(len(cands)))
        left.set_yticklabels(labels, fontsize=9)
        for i, c in enumerate(cands[::-1]):
            r = c["ratio_uj_per_metric"]
            sens = c.get("sensitivity")
            if sens:
                lo, hi = sens["ci95"]
                note = f"s = {sens['value']:.3g} [{lo:.3g}, {hi:.3g}] {data['metric']} pt/uJ"
            else:
                note = "lossless" if r is None else f"{r:.3g} uJ per {data['metric']} unit"
            # Long bars carry their note inside (right-aligned), so it never crosses the frame.
            if saved[i] > 0.5 * max(saved + [1e-12]):
                left.text(saved[i], i, note + " ", va="center", ha="right", fontsize=8,
                          color="white")
            else:
                left.text(max(saved[i], 0), i, " " + note, va="center", fontsize=8)
        left.set_xlabel(f"energy saved (uJ per {unit})")
        left.set_title(f"{preset['preset']}: first-step ranking (green: within budget)")
        left.margins(x=0.45)
        path = preset["path"]
        right.plot(range(len(path)), [p["energy_uj"] for p in path], "-o", color="tab:blue")
        right.set_xticks(range(len(path)))
        right.set_xticklabels([p["label"] for p in path], rotation=25, ha="right", fontsize=8)
        right.set_ylabel(f"energy (uJ per {unit})")
        right.set_title("compression order found (energy after each step)")
        right.grid(alpha=0.3)
    fig.tight_layout()
    pc.save(fig, args.out)


if __name__ == "__main__":
    main()
