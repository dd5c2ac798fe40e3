#!/usr/bin/python3
"""Energy by component x memory level, baseline against the best design (stacked bars).

Reads  --input: JSON written by `erg report` (figure_data/energy_breakdown.json):
       {"energy_unit": str, "levels": [str], "presets": [{"preset": str, "designs":
       [{"role": "baseline"|"best", "variant": str, "components": {comp: {level: uJ}}}]}]}
Writes --out.png and --out.svg.
"""

import math

import matplotlib.pyplot as plt
import plot_common as pc


def main():
    args = pc.parse_args(__doc__)
    data = pc.load(args.input)
    presets = data["presets"]
    levels = data["levels"]
    colors = plt.get_cmap("tab10")
    cols = min(2, len(presets))
    rows = math.ceil(len(presets) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 4.2 * rows), squeeze=False)
    for ax in axes.flat[len(presets):]:
        ax.set_visible(False)
    for ax, preset in zip(axes.flat, presets):
        designs = preset["designs"]
        components = sorted({c for d in designs for c in d["components"]})
        width = 0.8 / max(1, len(designs))
        for di, design in enumerate(designs):
            xs = [ci + (di - (len(designs) - 1) / 2) * width for ci in range(len(components))]
            bottom = [0.0] * len(components)
            for li, level in enumerate(levels):
                values = [design["components"].get(c, {}).get(level, 0.0) for c in components]
                ax.bar(xs, values, width * 0.95, bottom=bottom, color=colors(li % 10),
                       hatch="//" if design["role"] != "baseline" else None,
                       edgecolor="white", linewidth=0.5,
                       label=level if di == 0 else None)
                bottom = [b + v for b, v in zip(bottom, values)]
            for x, top in zip(xs, bottom):
                ax.text(x, top, design["role"], ha="center", va="bottom", fontsize=8, rotation=90)
        ax.set_xticks(range(len(components)))
        ax.set_xticklabels(components)
        ax.set_ylabel(f"energy (uJ per {data['energy_unit']})")
        best = next((d for d in designs if d["role"] == "best"), None)
        subtitle = f"best: {pc.short_variant(best['variant'], 40)}" if best else ""
        ax.set_title(f"{preset['preset']}\n{subtitle}")
        ax.margins(y=0.18)
        ax.legend(title="memory level\n(hatched: best)", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle("Energy by component and memory level: baseline vs best design")
    fig.tight_layout()
    pc.save(fig, args.out)


if __name__ == "__main__":
    main()
