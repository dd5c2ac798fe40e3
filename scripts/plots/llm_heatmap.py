#!/usr/bin/python3
"""Heatmaps of self-speculative decoding over exit layer E and speculation depth d: acceptance,
tokens/s, and modeled energy per token on each preset, against autoregressive decoding (AR).

Reads  --input: JSON written by `erg report` (figure_data/llm_heatmap.json):
       {"exit_layers": [int], "speculations": [int], "acceptance": [[float|null]],
        "speedup": [[float|null]], "speedup_label": str,
        "tokens_per_s": [[float|null]], "ar_tokens_per_s": float|null, "tokens_per_s_label": str,
        "energy_unit": "token", "energy": [{"preset": str, "uj_per_token": [[float|null]],
                                            "ar_uj_per_token": float|null}],
        "title": str}
       matrices are indexed [exit layer][speculations]. Panels: acceptance, tokens/s (each cell
       also as a multiple of AR's), then modeled energy per token on each preset (each cell also
       as a multiple of that preset's AR row). Inputs without "tokens_per_s" (from before it
       existed) draw the speedup panel instead.
Writes --out.png and --out.svg.
"""

import math

import matplotlib.pyplot as plt
import numpy as np
import plot_common as pc


def as_array(matrix):
    return np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)


def fmt(v):
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


def panel(fig, ax, matrix, exits, specs, title, label, cmap, text=None):
    m = as_array(matrix)
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
                r, g, b, _ = image.cmap(image.norm(m[i, j]))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
                ax.text(j, i, text(m[i, j]) if text else f"{m[i, j]:.2f}", ha="center",
                        va="center", fontsize=8, color="white" if dark else "black")
    fig.colorbar(image, ax=ax, label=label)


def versus(reference):
    """Cell text: the value and its ratio to the AR reference."""
    def text(v):
        return f"{fmt(v)}\n{v / reference:.2f}x AR" if reference else fmt(v)
    return text


def main():
    args = pc.parse_args(__doc__)
    data = pc.load(args.input)
    exits, specs = data["exit_layers"], data["speculations"]
    # (matrix, title, colorbar label, colormap, cell text) per panel, three to a row.
    panels = [(data["acceptance"], "draft acceptance rate", "acceptance rate (fraction)",
               "viridis", None)]
    if data.get("tokens_per_s") is not None:
        ar = data.get("ar_tokens_per_s")
        ref = f"AR {fmt(ar)} tokens/s" if ar else "no AR row"
        panels.append((data["tokens_per_s"], f"speed (reference: {ref})",
                       data["tokens_per_s_label"], "cividis", versus(ar)))
    else:  # figure data from before tokens/s was drawn
        panels.append((data["speedup"], "speedup over autoregressive", data["speedup_label"],
                       "magma", None))
    unit = data.get("energy_unit", "token")
    for e in data.get("energy", []):
        ar = e.get("ar_uj_per_token")
        ref = f"AR {fmt(ar)} uJ/{unit}" if ar else "no AR row"
        panels.append((e["uj_per_token"], f"{e['preset']} (reference: {ref})",
                       f"modeled energy per {unit} (uJ)", "YlOrRd", versus(ar)))
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.6 * ncols, 4.6 * nrows), squeeze=False)
    for ax, (matrix, title, label, cmap, text) in zip(axes.flat, panels):
        panel(fig, ax, matrix, exits, specs, title, label, cmap, text)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle(data.get("title", "Self-speculative decoding over (E, d)"))
    fig.tight_layout()
    pc.save(fig, args.out)


if __name__ == "__main__":
    main()
