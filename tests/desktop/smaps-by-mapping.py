#!/usr/bin/env python3
"""Groups a /proc/<pid>/smaps dump by mapping (file, [heap], anonymous, ...) and prints
where the process's PSS, RSS and private dirty memory are, largest first.
Usage: smaps-by-mapping.py FILE.smaps [--top N]"""
import re
import sys
from collections import defaultdict

HEADER = re.compile(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$")


def main() -> None:
    path = sys.argv[1]
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 25
    totals = defaultdict(lambda: defaultdict(int))
    name = None
    with open(path) as smaps:
        for line in smaps:
            header = HEADER.match(line)
            if header and not line.split()[0].endswith(":"):
                name = header.group(1).strip() or "[anonymous]"
                totals[name]["mappings"] += 1
                continue
            key, _, value = line.partition(":")
            if key in ("Rss", "Pss", "Private_Dirty", "Private_Clean", "Shared_Clean", "Anonymous"):
                totals[name][key] += int(value.split()[0])
    rows = sorted(totals.items(), key=lambda item: -item[1]["Pss"])
    print(f"{'PSS MB':>8} {'RSS MB':>8} {'priv dirty':>10} {'anon':>8} {'maps':>5}  mapping")
    for mapping, t in rows[:top]:
        print(f"{t['Pss']/1024:8.1f} {t['Rss']/1024:8.1f} {t['Private_Dirty']/1024:10.1f} "
              f"{t['Anonymous']/1024:8.1f} {t['mappings']:5d}  {mapping}")
    all_pss = sum(t["Pss"] for t in totals.values()) / 1024
    all_anon = sum(t["Anonymous"] for t in totals.values()) / 1024
    print(f"{all_pss:8.1f} total PSS, {all_anon:.1f} MB anonymous, {len(totals)} mappings")


if __name__ == "__main__":
    main()
