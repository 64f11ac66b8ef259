"""`rank --backtest` (and `--calibrate`): the replay's figures as a sentence and a table, or JSON."""

from __future__ import annotations

import json
from typing import Any

from gapfinder.rank.backtest import Backtest

_LABELS = {"gapfinder": "gapfinder", "churn": "recent churn alone", "random": "random order"}


def _payload(bt: Backtest) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format_version": 1,
        "root": bt.root, "window": bt.window, "since": bt.since,
        "replay_commit": bt.commit, "replay_date": bt.commit_date, "head": bt.head, "head_date": bt.head_date,
        "files": bt.files, "lines": bt.lines, "budget": bt.budget,
        "coverage": None,
        "fix_commits": len(bt.fix_commits),
        "recall": {k: {"commits": round(c, 4), "files": round(f, 4)} for k, (c, f) in bt.recall.items()},
        "fixes": [{"sha": f.sha, "subject": f.subject, "files": list(f.files)} for f in bt.fix_commits],
        "notes": list(bt.notes),
    }
    if bt.calibration is not None:
        cal = bt.calibration
        data["calibration"] = {"weights": dict(cal.weights), "current": dict(cal.current),
                               "recall": {"current": round(cal.before, 4), "calibrated": round(cal.after, 4)},
                               "steps": list(cal.steps), "written": cal.written}
    return data


def backtest_json(bt: Backtest) -> str:
    return json.dumps(_payload(bt), indent=2)


def backtest_table(bt: Backtest) -> str:
    pct = {k: round(100 * c) for k, (c, _) in bt.recall.items()}
    out = [
        f"Backtest of {bt.root}: the tree at {bt.commit[:12]} ({bt.commit_date}, {bt.window} before HEAD "
        f"{bt.head[:12]} of {bt.head_date}), ranked from git objects with the {bt.since} of history before it "
        "and no coverage (none exists for that time; every module counts as unmeasured).",
        f"{bt.files} files, {bt.lines} lines; {len(bt.fix_commits)} bug-fix commits since touched them.",
        "",
    ]
    if bt.fix_commits:
        out.append(f"On this repository, reading the first {int(bt.budget * 100)}% of lines in gapfinder's order "
                   f"would have found {pct['gapfinder']}% of the last {bt.window}' fixes; recent churn alone "
                   f"{pct['churn']}%; random {pct['random']}%.")
    else:
        out.append(f"No bug-fix commit in the last {bt.window} touched these files: there is nothing to score.")
    out += ["", f"{'ordering':<22} {'fix commits':>12} {'fix-file pairs':>15}"]
    for key, (c, f) in bt.recall.items():
        out.append(f"{_LABELS[key]:<22} {100 * c:>11.0f}% {100 * f:>14.0f}%")
    if bt.calibration is not None:
        cal = bt.calibration
        out += ["", f"Calibrated coefficients (fitted on this replay, the current ones as the prior; in-sample): "
                    f"{100 * cal.before:.0f}% -> {100 * cal.after:.0f}% of the fix commits.",
                f"{'part':<14} {'current':>8} {'calibrated':>11}"]
        for name in cal.current:
            mark = "" if cal.weights[name] == cal.current[name] else "  *"
            out.append(f"{name:<14} {cal.current[name]:>8g} {cal.weights[name]:>11g}{mark}")
        if cal.diff:
            out += ["", cal.diff.rstrip("\n")]
        out.append("written to " + cal.written if cal.written else
                   ("no change to write" if not cal.diff else "(pass --write to write this to pyproject.toml)"))
    for note in bt.notes:
        out.append(f"note: {note}")
    return "\n".join(out)
