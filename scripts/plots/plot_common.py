"""Shared helpers for the erg report figures.

Every figure script reads one JSON input written by `erg report` (OUT/figure_data/<name>.json)
and writes <out>.png and <out>.svg. Matplotlib runs with the Agg backend (no display).
"""

import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Legible at report width: 11 pt text, 12 pt titles.
plt.rcParams.update({
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "svg.hashsalt": "erg",  # deterministic SVG ids
    "svg.fonttype": "none",
})


def parse_args(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--input", required=True, help="figure data JSON written by erg report")
    parser.add_argument("--out", required=True,
                        help="output path without extension; writes OUT.png and OUT.svg")
    return parser.parse_args()


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"cannot read figure data {path}: {e}")


def save(fig, out):
    fig.savefig(out + ".png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(out + ".svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)


def short_variant(variant, limit=48):
    text = variant if variant else "uncompressed"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def wrap_variant(variant, width=30, max_lines=4):
    """The variant text over lines, broken after each component's ';' (then at width), so titles
    and labels show all of it instead of an ellipsis; past max_lines the rest is elided."""
    text = variant if variant else "uncompressed"
    lines = []
    for part in text.split(";"):
        while len(part) > width:
            cut = part.rfind(",", 0, width)
            cut = cut + 1 if cut > 0 else width
            lines.append(part[:cut])
            part = part[cut:]
        lines.append(part)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [f"... (+{len(lines) - max_lines + 1} more)"]
    return "\n".join(lines)
