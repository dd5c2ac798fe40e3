#!/usr/bin/python3
"""Pareto frontier of energy against accuracy, with the chosen design and the uniform baseline.

Reads  --input: JSON written by `erg report` (figure_data/pareto.json):
       {"metric": str, "metric_label": str, "energy_unit": str, "presets": [{"preset": str,
       "points": [P], "frontier": [P], "uniform": [P], "chosen": P|null, "baseline": P|null}]}
       where P = {"energy_uj": float, "accuracy": float, "variant": str}.
Writes --out.png and --out.svg.
"""

import math

import matplotlib.pyplot as plt
import plot_common as pc


def xy(points):
    return [p["accuracy"] for p in points], [p["energy_uj"] for p in points]


def main():
    args = pc.parse_args(__doc__)
    data = pc.load(args.input)
    presets = data["presets"]
    cols = min(2, len(presets))
    rows = math.ceil(len(presets) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 4.6 * rows), squeeze=False)
    for ax in axes.flat[len(presets):]:
        ax.set_visible(False)
    for ax, preset in zip(axes.flat, presets):
        ax.scatter(*xy(preset["points"]), s=18, color="0.65", label="evaluated variants")
        front = sorted(preset["frontier"], key=lambda p: p["accuracy"])
        if front:
            ax.step(*xy(front), where="post", color="tab:blue", linewidth=1.5)
            ax.scatter(*xy(front), s=30, color="tab:blue", label="Pareto frontier")
        uniform = preset["uniform"]  # ladder order, least to most compressed
        if uniform:
            ax.plot(*xy(uniform), "--s", color="tab:orange", markersize=5,
                    label="uniform compression")
        if preset.get("baseline"):
            ax.scatter(*xy([preset["baseline"]]), marker="o", s=70, facecolors="none",
                       edgecolors="black", linewidths=1.5, label="uncompressed baseline")
        if preset.get("chosen"):
            c = preset["chosen"]
            ax.scatter(*xy([c]), marker="*", s=260, color="tab:red", zorder=5,
                       label="chosen design")
            # Off the points, with an arrow and a backing box, so the label never sits on the
            # uniform line or other markers; the whole variant, wrapped.
            ax.annotate("chosen:\n" + pc.wrap_variant(c["variant"], 28), (c["accuracy"], c["energy_uj"]),
                        textcoords="offset points", xytext=(70, 40), fontsize=8, va="bottom",
                        bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.7", "alpha": 0.9},
                        arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 0.8}, zorder=6)
        energies = [p["energy_uj"] for p in preset["points"] if p["energy_uj"] > 0]
        if energies and max(energies) / min(energies) > 30:
            ax.set_yscale("log")
        ax.set_xlabel(data["metric_label"])
        ax.set_ylabel(f"energy (uJ per {data['energy_unit']})")
        ax.set_title(preset["preset"])
        ax.grid(alpha=0.3)
        ax.legend(loc="best")
    fig.suptitle(f"Energy vs {data['metric']}: lower-left is better")
    fig.tight_layout()
    pc.save(fig, args.out)


if __name__ == "__main__":
    main()
