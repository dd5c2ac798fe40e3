#!/usr/bin/python3
"""Heatmaps of self-speculative acceptance rate and speedup over exit layer E and depth d.

Reads  --input: JSON written by `erg report` (figure_data/llm_heatmap.json):
       {"exit_layers": [int], "speculations": [int], "acceptance": [[float|null]],
        "speedup": [[float|null]], "speedup_label": str, "title": str}
       matrices are indexed [exit layer][speculations].
Writes --out.png and --out.svg.
"""

import matplotlib.pyplot as plt
import numpy as np
import plot_common as pc


def panel(fig, ax, matrix, exits, specs, title, label, cmap):
    m = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    image = ax.imshow(m, cmap=cmap, aspect="auto", origin="lower")
    ax.set_xticks(range(len(specs)))
    ax.set_xticklabels(specs)
    ax.set_yticks(range(len(exits)))
    ax.set_yticklabels(exits)
    ax.set_xlabel("speculation depth d (draft tokens per cycle)")
    ax.set_ylabel("exit layer E (draft depth, layers)")
    ax.set_title(title)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if not np.isnan(m[i, j]):
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=9,
                        color="white" if image.norm(m[i, j]) < 0.5 else "black")
    fig.colorbar(image, ax=ax, label=label)


def main():
    args = pc.parse_args(__doc__)
    data = pc.load(args.input)
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.6))
    panel(fig, a, data["acceptance"], data["exit_layers"], data["speculations"],
          "draft acceptance rate", "acceptance rate (fraction)", "viridis")
    panel(fig, b, data["speedup"], data["exit_layers"], data["speculations"],
          "speedup over autoregressive", data["speedup_label"], "magma")
    fig.suptitle(data.get("title", "Self-speculative decoding over (E, d)"))
    fig.tight_layout()
    pc.save(fig, args.out)


if __name__ == "__main__":
    main()
