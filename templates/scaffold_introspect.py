"""gapfinder's introspection helper for `scaffold`; runs in the PROJECT's interpreter.

Reads one JSON request per line on stdin, answers one JSON line on stdout. Two questions about a
third-party name the code under test uses: is it a class that has these attributes (safe to
autospec), and is it an exception class that takes one message argument. Standard library only.
"""

import importlib
import json
import sys


def _resolve(module, attr):
    value = importlib.import_module(module)
    for part in attr.split("."):
        value = getattr(value, part)
    return value


def _answer(request):
    try:
        value = _resolve(request["module"], request["attr"])
    except Exception:  # noqa: BLE001 - not installed, or not what the name suggested
        return False
    if request["check"] == "attrs":
        return isinstance(value, type) and all(hasattr(value, a) for a in request.get("names", []))
    if request["check"] == "exception":
        if not (isinstance(value, type) and issubclass(value, BaseException)):
            return False
        try:
            value("boom")
        except Exception:  # noqa: BLE001 - a required argument we cannot invent
            return False
        return True
    return False


def main():
    for line in sys.stdin:
        try:
            answer = _answer(json.loads(line))
        except Exception:  # noqa: BLE001
            answer = False
        sys.stdout.write(json.dumps({"ok": answer}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
