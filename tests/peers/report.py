#!/usr/bin/env python3
"""Side-by-side tables, the cost per operation and the plots from the peers harness's
JSON lines.

    report.py MATRIX.jsonl SWEEP.jsonl PLOT.png [COST_PLOT.png]   (markdown on stdout)

The harness labels Switchboard `ext`; it is shown as `switchboard`. For each peer, mode
and size the last line wins (a re-run replaces the one before).
"""
import json
import sys

NAMES = {"ext": "switchboard"}
ORDER = ["switchboard", "switchboard-everyone", "p1", "p1-uvicorn", "p2", "p3"]
P99_LIMIT_MS = 10.0


def lines(path):
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    row = json.loads(line)
                    row["peer"] = NAMES.get(row.get("peer"), row.get("peer"))
                    yield row
    except FileNotFoundError:
        return


def latest(rows, key):
    out = {}
    for row in rows:
        out[key(row)] = row
    return out


def fmt(v, digits=2):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def offered(row):
    return round(row["pairs"] * 2 * 1000 / row["interval_ms"])


def matrix_table(rows):
    relay = latest((r for r in rows if r.get("mode") == "relay"), lambda r: (r["peer"], r["sockets"]))
    invite = latest((r for r in rows if r.get("mode") == "invite"), lambda r: (r["peer"], r["sockets"]))
    sizes = sorted({s for _, s in relay})
    peers = [p for p in ORDER if any(k[0] == p for k in relay)]
    print("| peer | " + " | ".join(f"relay p50 / p99 at {s:,} (lost+errors)" for s in sizes)
          + " | RSS at max | KB/socket | connects/s | invite p50 / p99 at max (errors) |")
    print("|---" * (len(sizes) + 5) + "|")
    top = sizes[-1] if sizes else None
    for p in peers:
        cells = []
        for s in sizes:
            r = relay.get((p, s))
            cells.append("—" if r is None else f"{fmt(r['p50_ms'])} / {fmt(r['p99_ms'])} ms ({r['errors']})")
        r = relay.get((p, top)) or {}
        srv = r.get("server", {})
        rss, base = srv.get("rss_peak_mb"), srv.get("rss_base_mb")
        per_socket = (rss - base) * 1024 / r["sockets"] if rss is not None and base is not None and r.get("sockets") else None
        conn = r.get("connect", {}).get("rate_per_s")
        i = invite.get((p, top))
        inv = "—" if i is None else f"{fmt(i['p50_ms'])} / {fmt(i['p99_ms'])} ms ({i['errors']})"
        print(f"| {p} | " + " | ".join(cells) + f" | {fmt(rss, 1)} MB | {fmt(per_socket, 1)} | {fmt(conn, 0)} | {inv} |")


def per_op_us(row, phase, ops, net=False):
    """The server's CPU time per operation of one phase (µs), from the harness's samples
    just outside the phase (tests/peers/harness-cpu-per-phase.patch). With `net`, less
    what the server spends idling with the same sockets open (its rate between the
    connects and the load) over the phase's span."""
    srv = row.get("server", {})
    cpu = srv.get(f"cpu_ms_{phase}")
    if cpu is None or not ops:
        return None
    if net:
        idle, idle_span, span = srv.get("cpu_ms_idle"), srv.get("cpu_span_ms_idle"), srv.get(f"cpu_span_ms_{phase}")
        if idle is None or not idle_span or span is None:
            return None
        cpu -= idle / idle_span * span
    return cpu * 1000.0 / ops


def cost_table(rows, plot):
    """Server CPU µs per connect, per relayed message and per invite, per peer and size,
    with each of Switchboard's as a share of the best peer's."""
    relay = latest((r for r in rows if r.get("mode") == "relay"), lambda r: (r["peer"], r["sockets"]))
    invite = latest((r for r in rows if r.get("mode") == "invite"), lambda r: (r["peer"], r["sockets"]))
    if not any("cpu_ms_load" in r.get("server", {}) for r in relay.values()):
        return
    sizes = sorted({s for _, s in relay})
    peers = [p for p in ORDER if any(k[0] == p for k in relay)]
    costs, gross, idle = {}, {}, {}
    for p in peers:
        for s in sizes:
            r, i = relay.get((p, s)), invite.get((p, s))
            if r is not None:
                costs[(p, s, "connect")] = per_op_us(r, "connect", r.get("connect", {}).get("ok"))
                gross[(p, s, "connect")] = costs[(p, s, "connect")]
                n = r.get("latency", {}).get("n")
                costs[(p, s, "relay")] = per_op_us(r, "load", n, net=True)
                gross[(p, s, "relay")] = per_op_us(r, "load", n)
                srv = r.get("server", {})
                if srv.get("cpu_ms_idle") is not None and srv.get("cpu_span_ms_idle"):
                    idle[(p, s)] = 100.0 * srv["cpu_ms_idle"] / srv["cpu_span_ms_idle"]
            if i is not None:
                costs[(p, s, "invite")] = per_op_us(i, "load", i.get("http_ok"), net=True)
                gross[(p, s, "invite")] = per_op_us(i, "load", i.get("http_ok"))
    ops = ["connect", "relay", "invite"]
    print()
    print("Server CPU µs per operation: net of idling (gross in brackets); idle CPU % of a core")
    print()
    print("| peer | " + " | ".join(f"{op} at {s:,}" for s in sizes for op in ops)
          + " | " + " | ".join(f"idle at {s:,}" for s in sizes) + " |")
    print("|---" * (len(sizes) * len(ops) + len(sizes) + 1) + "|")
    for p in peers:
        cells = [f"{fmt(costs.get((p, s, op)), 1)} ({fmt(gross.get((p, s, op)), 1)})"
                 for s in sizes for op in ops]
        print(f"| {p} | " + " | ".join(cells) + " | "
              + " | ".join(f"{fmt(idle.get((p, s)), 1)} %" for s in sizes) + " |")
    print()
    print("| Switchboard against the best peer | " + " | ".join(f"{op} at {s:,}" for s in sizes for op in ops) + " |")
    print("|---" * (len(sizes) * len(ops) + 1) + "|")
    cells = []
    for s in sizes:
        for op in ops:
            ours = costs.get(("switchboard", s, op))
            others = [(costs[(p, s, op)], p) for p in peers
                      if not p.startswith("switchboard") and costs.get((p, s, op)) is not None]
            if ours is None or not others:
                cells.append("—")
                continue
            best, who = min(others)
            cells.append(f"{ours / best:.2f}× of {who}")
    print("| switchboard | " + " | ".join(cells) + " |")
    if not plot:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(ops), figsize=(10, 3.8), dpi=120)
    for ax, op in zip(axes, ops):
        labels, values, colours = [], [], []
        for s in sizes:
            for p in peers:
                v = costs.get((p, s, op))
                if v is None:
                    continue
                labels.append(f"{p}\n{s // 1000}k" if s >= 1000 else f"{p}\n{s}")
                values.append(v)
                colours.append(f"C{ORDER.index(p)}")
        ax.bar(range(len(values)), values, color=colours)
        ax.set_xticks(range(len(values)))
        ax.set_xticklabels(labels, fontsize=6, rotation=60)
        ax.set_yscale("log")
        if values:
            # A floor well below the bars, so their heights compare (log axes start anywhere).
            ax.set_ylim(bottom=min(values) / 10)
        ax.set_title(f"server CPU per {op} (µs, log)", fontsize=9)
        ax.grid(True, axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(plot)


def sweep(rows, plot):
    relay = latest((r for r in rows if r.get("mode") == "relay"), lambda r: (r["peer"], offered(r)))
    rates = sorted({k[1] for k in relay})
    peers = [p for p in ORDER if any(k[0] == p for k in relay)]
    if not rates:
        return
    print()
    print("| peer | " + " | ".join(f"{r:,}/s p99 (lost+errors), CPU" for r in rates)
          + f" | highest rate with p99 < {P99_LIMIT_MS:g} ms and nothing lost |")
    print("|---" * (len(rates) + 2) + "|")
    best = {}
    for p in peers:
        cells = []
        for rate in rates:
            r = relay.get((p, rate))
            if r is None:
                cells.append("—")
                continue
            cpu = r.get("server", {}).get("cpu_load_pct")
            cells.append(f"{fmt(r['p99_ms'])} ms ({r['errors']}), {fmt(cpu, 0)} %")
            if r["errors"] == 0 and r["p99_ms"] < P99_LIMIT_MS:
                best[p] = max(best.get(p, 0), rate)
        print(f"| {p} | " + " | ".join(cells) + f" | {fmt(best.get(p))} |")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for p in peers:
        pts = [(rate, relay[(p, rate)]) for rate in rates if (p, rate) in relay]
        xs = [x for x, _ in pts]
        ys = [max(r["p99_ms"], 0.01) for _, r in pts]
        ax.plot(xs, ys, marker="o", label=p)
        for x, r in pts:
            if r["errors"]:
                ax.annotate(f"{r['errors']:,} lost", (x, max(r["p99_ms"], 0.01)), textcoords="offset points",
                            xytext=(-64, -4), fontsize=7, color="crimson")
    ax.axhline(P99_LIMIT_MS, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(rates)
    ax.set_xticklabels([f"{r // 1000}k" for r in rates])
    ax.set_xlabel("relays offered per second (10,000 sockets, server on one core)")
    ax.set_ylabel("relay p99 (ms, log)")
    ax.set_title("Relay rate sweep: same harness, same run")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(plot)


def main():
    matrix_path, sweep_path, plot = sys.argv[1:4]
    cost_plot = sys.argv[4] if len(sys.argv) > 4 else None
    matrix = list(lines(matrix_path))
    matrix_table(matrix)
    cost_table(matrix, cost_plot)
    sweep(list(lines(sweep_path)), plot)


if __name__ == "__main__":
    main()
