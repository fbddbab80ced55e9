"""Where a call's milliseconds go, from tests/mouth-to-ear.sh's JSON lines: one stacked bar
per pair, the median mouth-to-ear latency split into what each side measured.

    python3 tests/mouth-to-ear-plot.py RESULTS.jsonl OUT.png     (needs matplotlib)

Switchboard's stages come from its --stats-json (capture device latency, the uplink's
queue, the playout queue) and the codec's fixed algorithmic delay; Chromium's from its
getStats (jitter buffer, playout delay). What is left of the measured median is drawn
as the rest: for Switchboard the speakers' buffer and the sound server, for Chromium
capture, its audio service's 10 ms chunks and the codec.
"""

import json
import statistics
import sys

OPUS_DELAY_MS = 6.5  # the encoder's look-ahead and the decoder's delay at 48 kHz


def median(values):
    return statistics.median(values) if values else 0.0


def stages(pair, lines):
    total = median([v for line in lines for v in line["latencies_ms"]])
    receivers = [line["receiver"] for line in lines]
    if pair == "chromium":
        jitter = median([r["jitter_buffer_ms"] for r in receivers if "jitter_buffer_ms" in r])
        playout = median([r["playout_ms"] for r in receivers if "playout_ms" in r])
        parts = [
            ("jitter buffer", jitter),
            ("playout (device included)", playout),
        ]
        rest = "the rest: capture, 10 ms chunks, codec"
    else:
        paths = [r["path"] for r in receivers if r.get("path")]
        if not paths:
            return total, [("not broken down (no queue figures in this build)", total)]
        parts = [
            ("capture device", median([p["capture_device_ms"] for p in paths])),
            ("20 ms frame (uplink queue)", median([p["capture_queue_ms"] for p in paths])),
            ("codec delay", OPUS_DELAY_MS),
            ("playout queue", median([p["playout_queue_ms"] for p in paths])),
        ]
        rest = "the rest: speakers' buffer, sound server"
    return total, parts + [(rest, max(0.0, total - sum(v for _, v in parts)))]


def main():
    source, out = sys.argv[1], sys.argv[2]
    by_pair = {}
    with open(source) as f:
        for raw in f:
            line = json.loads(raw)
            by_pair.setdefault(line["pair"], []).append(line)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = {"switchboard": "Switchboard", "chromium": "Chromium", "baseline": "Switchboard before"}
    pairs = [p for p in ("switchboard", "chromium", "baseline") if p in by_pair]
    fig, ax = plt.subplots(figsize=(9, 2.4 + 0.8 * len(pairs)))
    colours = plt.get_cmap("tab20").colors
    legend = {}
    for row, pair in enumerate(pairs):
        total, parts = stages(pair, by_pair[pair])
        left = 0.0
        for label, ms in parts:
            colour = colours[len(legend) % len(colours)] if label not in legend else legend[label]
            bar = ax.barh(row, ms, left=left, color=colour, edgecolor="white")
            legend.setdefault(label, bar[0].get_facecolor())
            if ms >= 8:
                ax.text(left + ms / 2, row, f"{ms:.0f}", ha="center", va="center", fontsize=8)
            left += ms
        ax.text(total + 3, row, f"{total:.0f} ms", va="center", fontsize=9, fontweight="bold")
    ax.set_yticks(range(len(pairs)), [names[p] for p in pairs])
    ax.invert_yaxis()
    ax.axvline(80, color="grey", linestyle="--", linewidth=1)
    ax.text(80, -0.6, "80 ms", color="grey", fontsize=8, ha="center")
    ax.set_xlabel("mouth-to-ear latency on loopback, median (ms)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in legend.values()]
    ax.legend(handles, legend.keys(), fontsize=7, loc="upper center", ncol=3,
              bbox_to_anchor=(0.5, -0.25), frameon=False)
    ax.set_xlim(0, max(stages(p, by_pair[p])[0] for p in pairs) * 1.15)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
