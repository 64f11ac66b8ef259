"""scaffold's reports: the diffs of a dry run, the summary in words (stderr), and JSON."""

from __future__ import annotations

import json
from gapfinder.scaffold.result import ScaffoldResult

JSON_FORMAT_VERSION = 1


def scaffold_diffs(results: tuple[ScaffoldResult, ...]) -> str:
    """The text report: with --dry-run, the unified diff of every file (the summary goes to stderr)."""
    return "".join(f.diff for r in results if r.dry_run for f in r.files)


def summary_lines(results: tuple[ScaffoldResult, ...]) -> list[str]:
    lines = []
    for result in results:
        if result.message:
            lines.append(result.message)
            continue
        verb = "would change" if result.dry_run else "wrote"
        changed = result.files
        if not changed:
            lines.append(f"{result.module}: {result.tests} tests already scaffolded; nothing to add.")
            continue
        lines.append(f"{result.module}: {result.tests} tests; {verb} {len(changed)} files, "
                     f"{result.todos} TODO(gapfinder) lines to finish.")
        for f in changed:
            added = f", {len(f.tests_added)} added" if f.tests_added else ""
            lines.append(f"  {f.action:<7} {f.path}{added}")
    return lines


def scaffold_json(results: tuple[ScaffoldResult, ...]) -> str:
    return json.dumps({
        "format_version": JSON_FORMAT_VERSION,
        "results": [
            {
                "module": r.module, "source": r.source, "tests": r.tests, "todos": r.todos,
                "dry_run": r.dry_run, "message": r.message, "warnings": list(r.warnings),
                "files": [
                    {"path": f.path, "action": f.action, "tests_added": list(f.tests_added), "todos": f.todos,
                     **({"diff": f.diff} if r.dry_run else {})}
                    for f in r.files
                ],
            }
            for r in results
        ],
    }, indent=2)
