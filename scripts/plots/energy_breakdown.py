#!/usr/bin/python3
"""Energy of the baseline and the best design per preset: by component with static energy as its
own part (top row; each bar's total is the design's energy, the report tables' figure), and by
component x memory level (bottom row; dynamic energy only, as static energy is not per
component). Every bar carries its value, so small bars stay readable.

Reads  --input: JSON written by `erg report` (figure_data/energy_breakdown.json):
       {"energy_unit": str, "levels": [str], "presets": [{"preset": str, "designs":
       [{"role": "baseline"|"best", "key": str, "variant": str,
         "components": {comp: {level: uJ}}, "static_uj": float, "total_uj": float}]}]}
       (static_uj and total_uj are absent in figure data written before erg recorded them).
Writes --out.png and --out.svg.
"""

import math

import matplotlib.pyplot as plt
import plot_common as pc

STATIC_LABEL = "static"


def components_of(designs):
    return sorted({c for d in designs for c in d["components"]})


def design_stack(design, components):
    """The top row's parts of one design's bar, bottom to top: [(label, uJ)]. They sum to
    design["total_uj"] when the figure data has it (tests/python/test_plots.py checks)."""
    parts = [(c, sum(design["components"].get(c, {}).values())) for c in components]
    if "static_uj" in design:
        parts.append((STATIC_LABEL, design["static_uj"]))
    return parts


def level_stack(design, component, levels):
    """The bottom row's parts of one component's bar: [(level, uJ)]."""
    by_level = design["components"].get(component, {})
    return [(level, by_level.get(level, 0.0)) for level in levels]


def value_text(v):
    return f"{v:.3g}" if v < 1000 else f"{v:,.0f}"


def design_label(design):
    variant = design["variant"] or "uncompressed"
    return design["role"] + "\n" + pc.wrap_variant(variant, 26)


def draw_designs(ax, preset, unit):
    designs = preset["designs"]
    components = components_of(designs)
    colors = plt.get_cmap("Set2")
    tops = []
    for di, design in enumerate(designs):
        bottom = 0.0
        for ci, (label, v) in enumerate(design_stack(design, components)):
            is_static = label == STATIC_LABEL
            ax.bar(di, v, 0.6, bottom=bottom, color="0.75" if is_static else colors(ci % 8),
                   hatch="xx" if is_static else None, edgecolor="white", linewidth=0.5,
                   label=label if di == 0 else None)
            bottom += v
        total = design.get("total_uj", bottom)
        tops.append(total)
        share = design.get("static_uj", 0.0) / total if total > 0 else 0.0
        ax.annotate(f"{value_text(total)}\n({100 * share:.0f}% static)", (di, bottom),
                    xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8)
    ax.set_xticks(range(len(designs)))
    ax.set_xticklabels([design_label(d) for d in designs], fontsize=8)
    ax.set_xlim(-0.6, len(designs) - 0.4)
    ax.set_ylim(0, max(tops + [1e-12]) * 1.3)
    ax.set_ylabel(f"uJ per {unit}")
    ax.set_title(f"{preset['preset']}: per design")
    ax.legend(loc="upper right", title="component", fontsize=8)


def draw_levels(ax, preset, levels, unit):
    designs = preset["designs"]
    components = components_of(designs)
    colors = plt.get_cmap("tab10")
    width = 0.8 / max(1, len(designs))
    tops = []
    for di, design in enumerate(designs):
        xs = [ci + (di - (len(designs) - 1) / 2) * width for ci in range(len(components))]
        for x, c in zip(xs, components):
            bottom = 0.0
            for li, (level, v) in enumerate(level_stack(design, c, levels)):
                ax.bar(x, v, width * 0.95, bottom=bottom, color=colors(li % 10),
                       hatch="//" if design["role"] != "baseline" else None,
                       edgecolor="white", linewidth=0.5,
                       label=level if di == 0 and x == xs[0] else None)
                bottom += v
            tops.append(bottom)
            ax.annotate(value_text(bottom), (x, bottom), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(components)))
    ax.set_xticklabels(components, fontsize=9)
    ax.set_ylim(0, max(tops + [1e-12]) * 1.25)
    ax.set_ylabel(f"uJ per {unit} (dynamic)")
    ax.set_title(f"{preset['preset']}: by memory level\n(left: baseline, hatched: best)")
    ax.legend(loc="upper right", title="memory level", fontsize=8, ncol=2)


def main():
    args = pc.parse_args(__doc__)
    data = pc.load(args.input)
    presets = data["presets"]
    unit = data["energy_unit"]
    cols = min(2, len(presets))
    rows = math.ceil(len(presets) / cols)
    fig, axes = plt.subplots(2 * rows, cols, figsize=(6.5 * cols, 4.2 * 2 * rows), squeeze=False)
    for i in range(len(presets), rows * cols):
        axes[2 * (i // cols)][i % cols].set_visible(False)
        axes[2 * (i // cols) + 1][i % cols].set_visible(False)
    for i, preset in enumerate(presets):
        r, c = 2 * (i // cols), i % cols
        draw_designs(axes[r][c], preset, unit)
        draw_levels(axes[r + 1][c], preset, data["levels"], unit)
    fig.suptitle("Energy by component, baseline vs best design; totals as in the tables, static = "
                 "leakage + DRAM background and refresh")
    fig.tight_layout()
    pc.save(fig, args.out)


if __name__ == "__main__":
    main()
