"""codec: cached analyses decode to objects equal to the ones the analysis built, every field in
place; a model class whose fields changed stops the decoder instead of loading it wrong."""

from __future__ import annotations

import marshal
from dataclasses import dataclass

import pytest

from gapfinder.model import ClassInfo, FunctionInfo, ImportRef, ModuleInfo, RiskMarker, SkippedFile
from gapfinder.rank import codec
from gapfinder.rank.analysis import analyse_source

SOURCE = b'''
import os
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from pkg import types

class Client(Base):
    def __init__(self, url):
        self.url = url

    @retry
    async def fetch(self, path):
        try:
            return await self.session.get(self.url + path)
        except OSError:
            return None

def helper(x):
    if x:
        return os.path.join("a", x)
    return Client("u")
''' + b"\n" * 5000 + b"def far():\n    return 1\n"  # line numbers past the shared table's first 4,096


def test_a_real_analysis_round_trips_to_equal_objects() -> None:
    info = analyse_source(SOURCE, "pkg/client.py", "pkg.client")
    assert isinstance(info, ModuleInfo) and info.functions and info.classes and info.imports and info.markers
    assert info.functions[-1].line > 5000
    decoded = codec.loads(codec.dumps(info))
    assert decoded == info and hash(decoded) == hash(info)
    for value in (decoded.imports[0], decoded.functions[0], decoded.classes[0], decoded.markers[0]):
        assert type(value) in (ImportRef, FunctionInfo, ClassInfo, RiskMarker)
        with pytest.raises(AttributeError):  # FrozenInstanceError, or a named tuple's read-only field
            setattr(value, "line", 1)  # still frozen
    skipped = SkippedFile("pkg/bad.py", "syntax error at line 1")
    assert codec.loads(codec.dumps(skipped)) == skipped


def test_a_stored_record_of_another_width_is_refused() -> None:
    info = analyse_source(SOURCE, "pkg/client.py", "pkg.client")
    record = list(marshal.loads(codec.dumps(info)))
    record[7] = record[7][:-1] + (record[7][-1][:-1],)  # the last function lost a field
    with pytest.raises(ValueError, match="another shape"):
        codec.loads(marshal.dumps(tuple(record)))


def test_a_class_with_other_fields_is_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Moved:
        line: int
        name: str

    with pytest.raises(TypeError, match="does not know the fields of Moved"):
        codec.slot_setters(Moved, ("name", "line"))

    @dataclass(frozen=True, slots=True)
    class Checked:
        name: str

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError, match="Checked"):
        codec.slot_setters(Checked, ("name",))


def test_data_it_did_not_write_is_an_error_not_an_object() -> None:
    with pytest.raises((ValueError, EOFError, TypeError)):
        codec.loads(b"not marshal data")
    with pytest.raises(ValueError, match="another version"):
        codec.loads(marshal.dumps((codec.VERSION + 1, "skipped", "a.py", "x")))
