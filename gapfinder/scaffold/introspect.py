"""Questions about third-party classes, answered by the project's own interpreter.

Autospec needs to know whether a class has the attributes the code uses, and a branch test whether
an exception class takes a message. Both need the class imported; that happens in a subprocess of
the project's Python (templates/scaffold_introspect.py), never in gapfinder's. Without an
interpreter every answer is "no": no autospec, which is the safe default.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
from importlib.resources import files
from pathlib import Path


ANSWER_TIMEOUT = 20.0  # seconds for one answer (importing a large package included)


class Introspector:
    """One helper process per scaffold run; answers are remembered."""

    def __init__(self, python: Path | None, root: Path) -> None:
        self.python, self.root = python, root
        self.process: subprocess.Popen[str] | None = None
        self.answers: dict[tuple, bool] = {}
        self.broken = python is None

    def has_attrs(self, module: str, attr: str, names: list[str]) -> bool:
        return self._ask({"check": "attrs", "module": module, "attr": attr, "names": sorted(names)})

    def takes_message(self, module: str, attr: str) -> bool:
        return self._ask({"check": "exception", "module": module, "attr": attr})

    def _ask(self, request: dict) -> bool:
        key = tuple(json.dumps(request, sort_keys=True))
        if key in self.answers:
            return self.answers[key]
        answer = False
        if not self.broken:
            try:
                process = self._started()
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
                ready, _, _ = select.select([process.stdout], [], [], ANSWER_TIMEOUT)
                if not ready:  # an import that hangs (it reached for the network?): ask no more
                    raise OSError("no answer")
                answer = bool(json.loads(process.stdout.readline() or "{}").get("ok"))
            except (OSError, ValueError, AssertionError):
                self.broken = True
                self.close()
        self.answers[key] = answer
        return answer

    def _started(self) -> subprocess.Popen[str]:
        if self.process is None:
            script = files("gapfinder.templates").joinpath("scaffold_introspect.py").read_text(encoding="utf-8")
            env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
            self.process = subprocess.Popen(
                [str(self.python), "-c", script], cwd=self.root, env=env, text=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self.process

    def close(self) -> None:
        if self.process is not None:
            if self.process.stdin:
                self.process.stdin.close()
            try:
                self.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stdout:
                self.process.stdout.close()
            self.process = None
