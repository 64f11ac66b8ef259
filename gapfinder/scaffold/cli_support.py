"""The scaffold command's glue: one module or the top of `rank`, and the summary in words or JSON."""

from __future__ import annotations

import json
from pathlib import Path

from gapfinder.scaffold import ScaffoldResult, find_root, scaffold

JSON_FORMAT_VERSION = 1


def run_scaffold(
    module: str, *, kinds: tuple[str, ...], tests_dir: str, dry_run: bool, templates: Path | None,
    top: int | None, configure_pytest: bool,
) -> tuple[ScaffoldResult, ...]:
    """Scaffold one module, or the `top` highest-priority modules of the project at `module`."""
    options = dict(kinds=kinds, tests_dir=tests_dir, dry_run=dry_run, templates=templates,
                   configure_pytest=configure_pytest)
    if top is None:
        return (scaffold(module, **options),)  # type: ignore[arg-type]
    from gapfinder import api

    root = find_root(Path(module).resolve())
    ranked = api.rank(root, coverage=None, by="module", use_cache=True, on_progress=None, overrides={"top": top})
    return tuple(scaffold(str(root / row.path), project_root=root, **options)  # type: ignore[arg-type]
                 for row in ranked.rows[:top])


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


def summary_json(results: tuple[ScaffoldResult, ...]) -> str:
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
