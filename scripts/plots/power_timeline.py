#!/usr/bin/python3
"""Power timeline of profiled runs (one line per RAPL domain).

Reads  --input: JSON written by `erg report` (figure_data/power_timeline.json):
       {"runs": [{"label": str, "time_s": [float], "power_w": {domain: [float]}}]}
Writes --out.png and --out.svg.
"""

import matplotlib.pyplot as plt
import plot_common as pc


def main():
    args = pc.parse_args(__doc__)
    data = pc.load(args.input)
    runs = data["runs"]
    fig, axes = plt.subplots(len(runs), 1, figsize=(11, 3.6 * len(runs)), squeeze=False)
    for ax, run in zip(axes[:, 0], runs):
        for domain, power in run["power_w"].items():
            ax.plot(run["time_s"], power, linewidth=1.2, label=domain)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("power (W)")
        ax.set_title(run["label"])
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(title="domain", loc="upper left", bbox_to_anchor=(1.0, 1.0))  # off the lines
    fig.suptitle("Measured power timeline")
    fig.tight_layout()
    pc.save(fig, args.out)


if __name__ == "__main__":
    main()
