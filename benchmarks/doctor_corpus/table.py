#!/usr/bin/env python3
"""Markdown tables (per case, per kind, per repository) from a measure.py --json result.

    python benchmarks/doctor_corpus/table.py /tmp/doctor_corpus.json

Stdlib only; the numbers are the ones measure.py wrote, nothing is recomputed from the trees.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(path: str) -> int:
    data = json.loads(Path(path).read_text())
    fixes = {c["id"]: c["fix"][:10] for c in json.loads((HERE / "cases.json").read_text())}
    cases = data["cases"]
    found = sum(c["found"] for c in cases)
    labelled = sum(c["labelled"] for c in cases)
    hit = sum(1 for c in cases if c["found"])
    fix_hits = sum(len(c["fix_line_findings"]) for c in cases)
    runs = sum(1 for c in cases if str(c.get("status", "")).startswith("ok"))
    print(f"Line recall **{found}/{labelled} ({found / labelled:.1%})**; cases with at least one hit: **{hit}/{len(cases)}**; "
          f"findings on fix lines: **{fix_hits}**; cases that ran: **{runs}/{len(cases)}**.\n")
    if all("found_certain" in c for c in cases):
        certain = sum(c["found_certain"] for c in cases)
        print(f"At the default confidence (`certain`): line recall **{certain}/{labelled} ({certain / labelled:.1%})**; "
              f"cases with at least one hit: **{sum(1 for c in cases if c['found_certain'])}/{len(cases)}**; findings on "
              f"fix lines: **{sum(c['fix_line_findings_certain'] for c in cases)}**.\n")
    print("| case | repo | fix | kind | found/labelled | found at certain | fix-line findings | codes at the parent |")
    print("|---|---|---|---|---|---|---|---|")
    for c in cases:
        codes = ", ".join(sorted({code for lines in c["found_lines"].values() for code in lines}))
        note = "" if str(c.get("status", "ok")).startswith("ok") else c["status"][:80]
        print(f"| {c['id']} | {c['repo']} | {fixes.get(c['id'], '')} | {c.get('kind', '')} | {c['found']}/{c['labelled']} "
              f"| {c.get('found_certain', '')} | {len(c['fix_line_findings'])} | {codes or note} |")
    for title, key in (("kind", "kind"), ("repository", "repo")):
        groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        for c in cases:
            g = groups[c.get(key) or "?"]
            g[0] += 1
            g[1] += bool(c["found"])
            g[2] += c["found"]
            g[3] += c["labelled"]
            g[4] += len(c["fix_line_findings"])
        print(f"\n### Per {title}\n")
        print(f"| {title} | cases | cases hit | lines found/labelled | fix-line findings |")
        print("|---|---|---|---|---|")
        for name in sorted(groups):
            n, h, f, lab, x = groups[name]
            print(f"| {name} | {n} | {h}/{n} | {f}/{lab} | {x} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: table.py RESULT.json (written by measure.py --json)")
    sys.exit(main(sys.argv[1]))
