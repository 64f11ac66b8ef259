"""The safe rewrites behind `doctor --fix`, as LibCST codemods: a diff first, files written on request.

Each finding may carry an Edit (a rename, a `lambda:` wrap, a decorator swap, plus imports to add).
Per file the result is success (a diff), skip (nothing to do) or failure (the reason); nothing
raises. Everything outside the edited nodes keeps its bytes: libcst round-trips the rest.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper, PositionProvider

from gapfinder.core.diff import unified_diff
from gapfinder.core.files import read_text_file, write_text_file
from gapfinder.doctor.model import Edit, FileFix, Finding


class _Fixer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, edits: list[Edit]) -> None:
        super().__init__()
        self.edits: dict[tuple[int, int], list[Edit]] = {}
        for edit in edits:
            self.edits.setdefault((edit.line, edit.col), []).append(edit)
        self.applied: set[Edit] = set()

    def _at(self, node: cst.CSTNode) -> list[Edit]:
        position = self.get_metadata(PositionProvider, node).start
        return self.edits.get((position.line, position.column), [])

    def _lambda(self, original: cst.CSTNode, updated: cst.BaseExpression) -> cst.BaseExpression:
        for edit in self._at(original):
            if edit.kind == "lambda" and edit not in self.applied:
                self.applied.add(edit)
                return cst.Lambda(params=cst.Parameters(), body=updated)
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        for edit in self._at(original):
            if edit.kind == "rename" and original.value == edit.old and edit not in self.applied:
                self.applied.add(edit)
                updated = updated.with_changes(value=edit.new)
        return self._lambda(original, updated)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        result: cst.BaseExpression = updated
        for edit in self._at(original):
            if edit in self.applied:
                continue
            if edit.kind == "rename" and original.attr.value == edit.old:
                self.applied.add(edit)
                result = updated.with_changes(attr=cst.Name(edit.new))
            elif edit.kind == "decorator" and get_full_name_for_node(original) == edit.old:
                self.applied.add(edit)
                result = cst.parse_expression(edit.new)
        return self._lambda(original, result)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        return self._lambda(original, updated)


def fix_text(source: str, edits: list[Edit]) -> tuple[str, set[Edit]]:
    """Apply edits to one module's source; returns the new source and the edits applied."""
    module = cst.parse_module(source)
    fixer = _Fixer(edits)
    fixed = MetadataWrapper(module).visit(fixer)
    imports = {imp for edit in fixer.applied for imp in edit.imports}
    if imports:
        context = CodemodContext()
        for module_name, name in sorted(imports, key=lambda i: (i[0], i[1] or "")):
            AddImportsVisitor.add_needed_import(context, module_name, name)
        fixed = AddImportsVisitor(context).transform_module(fixed)
    code = fixed.code
    cst.parse_module(code)  # the result must parse
    return code, fixer.applied


def fix_files(findings: tuple[Finding, ...] | list[Finding], write: bool = False) -> list[FileFix]:
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.edit is not None:
            by_path.setdefault(finding.path, []).append(finding)
    results = []
    for path, found in sorted(by_path.items()):
        try:
            file = read_text_file(Path(path))  # libcst keeps its newlines; the BOM is put back on write
            source = file.text
            code, applied = fix_text(source, [f.edit for f in found if f.edit is not None])
        except Exception as exc:  # per-file failure is a result, never a crash (codemod style)
            results.append(FileFix(path, "", None, (), f"{type(exc).__name__}: {exc}"))
            continue
        if code == source:
            results.append(FileFix(path, "", None, ()))
            continue
        diff = unified_diff(source, code, path)
        if write:
            try:
                write_text_file(Path(path), code, file)
            except (OSError, UnicodeEncodeError) as exc:
                results.append(FileFix(path, diff, None, (), f"cannot write: {exc}"))
                continue
        results.append(FileFix(path, diff, code, tuple(f for f in found if f.edit in applied)))
    return results
