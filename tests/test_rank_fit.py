"""benchmarks/rank_corpus: the vectorised metrics agree with evaluate.py, and fit.py's
cross-validation picks a part that predicts the held-out projects' fixes."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import numpy as np
import pytest

_DIR = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


ev = _load("gapfinder_benchmarks_evaluate", _DIR / "evaluate.py")
metrics = _load("metrics", _DIR / "rank_corpus" / "metrics.py")
fit = _load("gapfinder_benchmarks_fit", _DIR / "rank_corpus" / "fit.py")


def test_recall_equals_evaluate_py_and_random_popt_is_one_half():
    rng = random.Random(1)
    paths = [f"f{i}.py" for i in range(40)]
    lines = {p: rng.randint(5, 400) for p in paths}
    fixes = [tuple(rng.sample(paths, rng.randint(1, 3))) for _ in range(25)]
    keys = {p: float(rng.randint(0, 4)) for p in paths}  # many ties: shuffles decide them
    labels = metrics.Labels.build(paths, lines, fixes)
    got = metrics.evaluate(np.array([keys[p] for p in paths]), labels, shuffles=3000)
    commits, files = ev.mean_recall(keys, lines, [ev.FixCommit(str(i), "fix", f) for i, f in enumerate(fixes)],
                                    0.2, 3000)
    assert got["er_commits"] == pytest.approx(commits, abs=0.01)
    assert got["er_files"] == pytest.approx(files, abs=0.01)
    assert metrics.evaluate(None, labels, shuffles=3000)["popt"] == pytest.approx(0.5, abs=0.02)


def test_popt_is_one_for_the_optimal_order_and_zero_for_the_worst():
    paths = ["a.py", "b.py", "c.py"]
    labels = metrics.Labels.build(paths, {"a.py": 10, "b.py": 100, "c.py": 50}, [("a.py",), ("a.py",), ("c.py",)])
    density = np.array([2 / 10, 0, 1 / 50])
    assert metrics.evaluate(density, labels, shuffles=1)["popt"] == pytest.approx(1.0)
    assert metrics.evaluate(-density, labels, shuffles=1)["popt"] == pytest.approx(0.0)
    assert metrics.evaluate(density, labels, shuffles=1)["top10"] == 1.0


def _snapshot(project: str, seed: int) -> dict:
    """Files whose later fixes follow their past fix count; size and complexity are noise."""
    rng = random.Random(seed)
    paths = [f"{project}/m{i}.py" for i in range(30)]
    past = [rng.choice([0, 0, 0, 1, 2, 5]) for _ in paths]
    events = {p: [[float(rng.randint(1, 300)), 1, 1, 5] for _ in range(n)] for p, n in zip(paths, past) if n}
    fixes = [[p] for p, n in zip(paths, past) for _ in range(n)]
    return {
        "project": project, "kind": "library", "commit": f"{seed:040x}", "coverage": False, "paths": paths,
        "lines": [rng.randint(20, 200) for _ in paths],
        "facts": [{"statements": rng.randint(10, 150), "covered": 0, "measured": False,
                   "complexity_sum": rng.randint(1, 40), "complexity_max": 3, "fan_in": rng.randint(0, 5),
                   "call_fan_in": 0, "pagerank": 0.0, "betweenness": 0.0, "risk": 0.0} for _ in paths],
        "events": events, "fixes": fixes,
    }


def test_cross_validation_reports_every_fold_and_keeps_the_part_that_predicts(monkeypatch):
    monkeypatch.setattr(fit, "LEVELS", (0, 1))
    monkeypatch.setattr(fit, "ALPHAS", (0.0,))
    monkeypatch.setattr(fit, "HISTORIES", ((365, None),))
    snaps = [fit.Snapshot(_snapshot(f"p{k}", k)) for k in range(4)]
    res = fit.run(snaps, with_history=True, log=lambda m: None)
    assert [f["project"] for f in res["folds"]] == ["p0", "p1", "p2", "p3"]
    assert "fixes" in res["final"]["weights"]
    assert res["cv_mean"] > 0.5
    assert res["cv_mean"] == pytest.approx(np.mean([f["test"] for f in res["folds"]]))
    # nested: parts are dropped inside each training fold, and every held-out project is scored
    assert [n["project"] for n in res["nested"]] == ["p0", "p1", "p2", "p3"]
    assert all("fixes" in n["kept"] for n in res["nested"]) and res["nested_cv"] > 0.5


def test_holdout_scores_the_final_model_unchanged_and_leaves_out_snapshots_without_fixes(
        monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(fit, "LEVELS", (0, 1))
    monkeypatch.setattr(fit, "ALPHAS", (0.0,))
    monkeypatch.setattr(fit, "HISTORIES", ((365, None),))
    monkeypatch.setattr(fit, "STATIC_PARTS", ("size",))
    corpus, unseen = tmp_path / "corpus.json", tmp_path / "unseen.json"
    corpus.write_text(__import__("json").dumps([_snapshot(f"p{k}", k) for k in range(3)]))
    quiet = {**_snapshot("q9", 9), "fixes": []}  # no later fix: cannot be scored
    unseen.write_text(__import__("json").dumps([_snapshot("u7", 7), quiet]))
    out = tmp_path / "fit.json"
    assert fit.main([str(corpus), "--holdout", str(unseen), "--json", str(out), "--model", "history"]) == 0
    res = __import__("json").loads(out.read_text())["with_history"]
    assert list(res["holdout"]) == ["u7"]  # q9 left out
    assert "q9" in capsys.readouterr().err
    row = res["holdout"]["u7"]
    assert {"gapfinder", "churn 12mo", "past fixes 12mo", "smallest", "random"} <= set(row)
    # the final model is scored as chosen on the corpus: recomputing it on u7 gives the same figure
    snap = fit.Snapshot(_snapshot("u7", 7))
    expected = metrics.evaluate(snap.keys(res["final"] | {"history": tuple(res["final"]["history"])}),
                                snap.labels, shuffles=100)["er_commits"]
    assert row["gapfinder"]["er_commits"] == pytest.approx(expected)
    assert row["gapfinder"]["er_commits"] > row["random"]["er_commits"]


def test_the_export_records_each_commits_author_and_the_files_it_created(tmp_path):
    """run_corpus.py's dated history, from a real repository: authors are numbered per snapshot,
    creation is flagged on the commit that added the file only."""
    import subprocess
    from datetime import datetime, timedelta, timezone

    sys.modules.setdefault("evaluate", ev)  # run_corpus imports evaluate.py by that name
    run_corpus = _load("gapfinder_benchmarks_run_corpus", _DIR / "rank_corpus" / "run_corpus.py")
    repo = tmp_path / "repo"
    repo.mkdir()
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)

    def commit(who: str, day: int, subject: str, files: dict[str, str]) -> None:
        for name, text in files.items():
            (repo / name).write_text(text)
        stamp = (base + timedelta(days=day)).isoformat()
        env = {"GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": f"{who}@x", "GIT_COMMITTER_NAME": who,
               "GIT_COMMITTER_EMAIL": f"{who}@x", "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
               "PATH": __import__("os").environ["PATH"], "HOME": str(tmp_path)}
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-qm", subject], cwd=repo, check=True, env=env)

    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    commit("ann", 0, "Add a and b", {"a.py": "x = 1\n", "b.py": "y = 1\n"})
    commit("bob", 10, "Fix a crash in a", {"a.py": "x = 2\nz = 3\n"})
    when = ev.commit_time(repo / ".git", "HEAD")
    events = run_corpus.dated_history(repo / ".git", "HEAD", base - timedelta(days=1), when, {"a.py", "b.py"})
    # newest first: [age days, fix, source files touched, lines changed, author, created]
    assert events["a.py"] == [[0.0, 1, 1, 3, 0, 0], [10.0, 0, 2, 1, 1, 1]]
    assert events["b.py"] == [[10.0, 0, 2, 1, 1, 1]]


def test_density_fit_recovers_the_rate_of_simulated_fixes(monkeypatch):
    """density.py's conditional Poisson: fixes drawn with rate lines * (1 + churn) ** 0.8 and a noise
    part give back those coefficients, whatever each snapshot's own fix count."""
    monkeypatch.syspath_prepend(str(_DIR / "rank_corpus"))
    monkeypatch.setitem(sys.modules, "fit", fit)
    density = _load("gapfinder_benchmarks_density", _DIR / "rank_corpus" / "density.py")
    rng = np.random.default_rng(3)
    data = []
    for scale in (0.002, 0.01, 0.05):  # snapshots with few and with many fixes
        n = 400
        churn, noise, lines = rng.integers(0, 30, n), rng.integers(0, 30, n), rng.integers(20, 800, n)
        y = rng.poisson(scale * lines * (1 + churn) ** 0.8).astype(float)
        x = np.stack([np.log1p(churn), np.log1p(noise), np.log(lines)], axis=1)
        data.append((x, y, 1.0 / y.sum()))
    b = density.fit_rate(data, l2=0.0)
    assert b == pytest.approx([0.8, 0.0, 1.0], abs=0.12)


def test_density_report_scores_every_project_three_ways(monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(_DIR / "rank_corpus"))
    monkeypatch.setitem(sys.modules, "fit", fit)
    density = _load("gapfinder_benchmarks_density", _DIR / "rank_corpus" / "density.py")
    monkeypatch.setattr(density, "MODELS", (("fixes, density", ("fixes",), True, (1.0,), (1, 50)),))
    monkeypatch.setattr(density, "SHUFFLES", 5)
    corpus = [fit.Snapshot(_snapshot(f"p{k}", k)) for k in range(3)]
    unseen = [fit.Snapshot(_snapshot("u7", 7))]

    def features(s):
        churn, fixes = s.history(365, None).values()
        return {"fixes": fixes, "churn": churn, "lines": np.maximum(s.labels.lines, 1.0)}

    got = density.report(corpus, unseen, features)["fixes, density"]
    assert (list(got["corpus_cv"]), list(got["holdout"]), list(got["all_cv"])) == (
        ["p0", "p1", "p2"], ["u7"], ["p0", "p1", "p2", "u7"])
    out = capsys.readouterr().out
    assert f"mean corpus (CV)  {np.mean(list(got['corpus_cv'].values())):.3f}" in out
    assert f"mean all (CV)     {np.mean(list(got['all_cv'].values())):.3f}" in out
    # past fixes predict later ones here, so the fitted density beats random on the unseen project
    snap = unseen[0]
    assert got["holdout"]["u7"] > metrics.evaluate(None, snap.labels, shuffles=200)["er_commits"]


def test_static_facts_count_what_a_module_does_and_where_its_misses_are():
    """static_facts.py on a small module: handlers, imports by kind, nesting, TODOs, async code,
    module state, and per-function CRAP from the executed lines (none executed = all missed)."""
    static_facts = _load("gapfinder_benchmarks_static_facts", _DIR / "rank_corpus" / "static_facts.py")
    source = (
        "import os, re\n"                       # 1
        "import requests\n"                     # 2
        "from . import sibling\n"               # 3
        "from pkg.core import thing\n"          # 4
        "CACHE = {}\n"                          # 5
        "async def fetch(url, retries=3):\n"    # 6
        "    # TODO: back off\n"                # 7
        "    for i in range(retries):\n"        # 8
        "        try:\n"                        # 9
        "            if re.match('x', url):\n"  # 10
        "                return await get(url)\n"  # 11
        "        except Exception:\n"           # 12
        "            raise ValueError(f'{url}')\n"  # 13
        "def plain(a):\n"                       # 14
        "    return a\n"                        # 15
    )
    got = static_facts.of_source(source, "pkg/api/views.py", {"pkg"})
    assert (got["handlers"], got["broad_handlers"], got["raises"]) == (1, 1, 1)
    assert (got["imports_stdlib"], got["imports_third"], got["imports_project"]) == (2, 1, 2)
    assert (got["functions"], got["async_defs"], got["awaits"], got["regex"], got["fstrings"]) == (2, 1, 1, 1, 1)
    assert (got["nesting_max"], got["todo"], got["mutable_globals"], got["params_max"]) == (3, 1, 1, 2)
    assert got["tokens"] == ["api", "views"]
    # fetch: complexity 1 + for + if + except = 4 over 5 statements; plain: 1 over 1
    assert got["crap_sum"] == pytest.approx(16 + 1) and got["crap_fmax"] == 16
    run = static_facts.of_source(source, "pkg/api/views.py", {"pkg"}, executed=frozenset({8, 9, 10, 11, 15}))
    assert run["crap_sum"] == pytest.approx(16 * 1 / 5) and run["missed_complex"] == 0


def test_static_screen_reports_every_fold_and_the_nested_selection_finds_the_part_that_predicts(
        monkeypatch, capsys):
    """ideas.py --static on synthetic projects whose later fixes follow one static count (`globals`):
    the nested selection, run inside each training fold, adds that count and not the noise one."""
    monkeypatch.syspath_prepend(str(_DIR / "rank_corpus"))
    monkeypatch.setitem(sys.modules, "fit", fit)
    monkeypatch.setitem(sys.modules, "metrics", metrics)
    density = _load("density", _DIR / "rank_corpus" / "density.py")
    screen = _load("gapfinder_benchmarks_screen_static", _DIR / "rank_corpus" / "screen_static.py")
    monkeypatch.setattr(screen, "NEW_COUNTS", ("globals", "todo", "crap_fmax"))
    monkeypatch.setattr(screen, "RIDGES", (1.0,))
    monkeypatch.setattr(screen, "MAX_ADDED", 1)
    monkeypatch.setattr(density, "FLOORS", (1,))
    monkeypatch.setattr(density, "SHUFFLES", 5)

    def snap(project: str, seed: int) -> fit.Snapshot:
        rec = _snapshot(project, seed)
        rng = random.Random(seed + 100)
        glob = [rng.choice([0, 0, 1, 4]) for _ in rec["paths"]]
        rec["fixes"] = [[p] for p, g in zip(rec["paths"], glob) for _ in range(g)]
        rec["static"] = [{"globals": float(g), "todo": float(rng.randint(0, 4)), "crap_fmax": float(rng.randint(0, 9)),
                          "tokens": ["m"]} for g in glob]
        return fit.Snapshot(rec)

    corpus, unseen = [snap(f"p{k}", k) for k in range(4)], [snap("u9", 9)]

    def features(s):
        f = {"lines": np.maximum(s.labels.lines, 1.0), **s.raw, "churn": np.zeros(len(s.paths)),
             "fixes": np.zeros(len(s.paths)), "tokens": [d["tokens"] for d in s.static]}
        f.update({k: np.array([d[k] for d in s.static]) for k in ("globals", "todo", "crap_fmax")})
        return f

    screen.report(corpus, unseen, features)
    out = capsys.readouterr().out
    for p in ("p0", "p1", "p2", "p3", "u9"):
        assert f"all CV    {p:<20} test" in out
    nested = [line for line in out.splitlines() if line.startswith("  all CV    ")]
    assert len(nested) == 10 and all(line.endswith("added: globals") for line in nested)
    assert "parts added (folds): globals 5" in out


def test_fresh_v2_folds_closures_into_the_outermost_function_and_v3_does_not(monkeypatch):
    """fresh.py's V2 adds each nested function's decisions to its outermost enclosing function
    (a class's methods stay their own), V3 keeps gapfinder's per-function complexity; both per line,
    with the function's missed share from the executed lines."""
    monkeypatch.syspath_prepend(str(_DIR / "rank_corpus"))
    fresh = _load("gapfinder_benchmarks_fresh", _DIR / "rank_corpus" / "fresh.py")
    from gapfinder.rank.analysis import analyse_source
    source = (
        b"def outer(x):\n"            # 1  outer: 1 + if = 2
        b"    if x:\n"                # 2
        b"        pass\n"             # 3
        b"    def inner(y):\n"        # 4  inner: 1 + if + for = 3
        b"        if y:\n"            # 5
        b"            return 1\n"     # 6
        b"        for i in y:\n"      # 7
        b"            pass\n"         # 8
        b"        return 2\n"         # 9
        b"    return inner\n"         # 10
        b"class C:\n"                 # 11
        b"    def m(self, a):\n"      # 12 C.m: 1 + if = 2, not folded into anything
        b"        if a:\n"            # 13
        b"            return 1\n"     # 14
        b"        return 0\n"         # 15
    )
    info = analyse_source(source, "m.py", "m")
    assert [f.qualname for f in info.functions] == ["outer", "outer.inner", "C.m"]
    v2, v3 = fresh.v2_v3(info, None)
    assert v2 == pytest.approx((2 + 2) ** 2 / 15) and v3 == pytest.approx(3 ** 2 / 15)
    # outer and inner ran (lines 1-10), C.m did not: only C.m's complexity counts
    v2, v3 = fresh.v2_v3(info, frozenset(range(1, 11)))
    assert v2 == pytest.approx(2 ** 2 / 15) and v3 == pytest.approx(2 ** 2 / 15)
