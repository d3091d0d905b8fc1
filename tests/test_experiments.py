"""vg.experiments: the stamps of the sweeps, their results files, and the one new cell they define."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest
from _fd import numerical_gradient, relative_error

from vg import experiments
from vg.experiments import head_to_head_long

SWEEPS = ("head_to_head", "chrono", "real_text", "spectra", "head_to_head_long")

CODE = '''"""Module docstring."""
import numpy as np  # a comment


def f(x):
    """Docstring."""
    # a comment on its own line
    return x + 1  # trailing comment
'''


def test_code_text_drops_comments_docstrings_and_blank_lines():
    assert experiments.code_text(CODE) == "import numpy as np\ndef f(x):\n    return x + 1"


def test_code_text_ignores_documentation_but_not_code():
    reworded = CODE.replace("Docstring.", "Another docstring.").replace("# a comment", "# reworded")
    assert experiments.code_text(reworded) == experiments.code_text(CODE)
    for changed in (CODE.replace("x + 1", "x + 2"), CODE.replace("x + 1", "x - 1"),
                    CODE.replace("import numpy as np", "import numpy")):
        assert experiments.code_text(changed) != experiments.code_text(CODE)


def test_a_hash_sign_inside_a_string_is_code():
    src = 's = "not # a comment"  # a comment\n'
    assert experiments.code_text(src) == 's = "not # a comment"'


def test_code_stamp_covers_modules_in_order_and_data():
    a = experiments.code_stamp(["vg.clip", "vg.optim"])
    assert a == experiments.code_stamp(["vg.clip", "vg.optim"])
    assert a != experiments.code_stamp(["vg.optim", "vg.clip"])
    assert a != experiments.code_stamp(["vg.clip", "vg.optim"], [("corpus", b"x")])
    with pytest.raises(ValueError, match="no Python source"):
        experiments.code_stamp(["vg.not_a_module"])


def test_load_results_refuses_a_stale_stamp_and_says_how_to_rerun(tmp_path):
    experiments.save_results("demo", {"stamp": "abc", "command": "python -m vg.experiments.demo", "x": 1},
                             folder=tmp_path)
    assert experiments.load_results("demo", "abc", folder=tmp_path)["x"] == 1
    with pytest.raises(experiments.StaleResultsError, match=r"python -m vg\.experiments\.demo"):
        experiments.load_results("demo", "abd", folder=tmp_path)
    compact = experiments.save_results("c", {"stamp": "s"}, compact=True, folder=tmp_path)
    assert compact.read_text() == '{"stamp":"s"}\n'


@pytest.mark.parametrize("name", SWEEPS)
def test_every_results_file_matches_the_code_installed_now(name):
    module = importlib.import_module(f"vg.experiments.{name}")
    results = module.load()
    assert results["stamp"] == module.code_hash()
    assert results["command"] == f"OPENBLAS_NUM_THREADS=1 python -m vg.experiments.{name}"
    assert set(module.SOURCES) >= {f"vg.experiments.{name}", "vg.train"} or name == "spectra"


def test_real_text_models_file_is_the_one_the_results_describe():
    import hashlib

    from vg.experiments import real_text

    results = real_text.load()
    assert hashlib.sha256(real_text.MODELS_FILE.read_bytes()).hexdigest() == results["models_sha256"]


def test_data_folder_holds_only_results_of_known_sweeps():
    names = {p.name for p in experiments.DATA.iterdir()}
    assert names == {f"{n}.json" for n in SWEEPS} | {"real_text_models.npz"}
    for n in SWEEPS:
        json.loads((experiments.DATA / f"{n}.json").read_text(encoding="utf-8"))


def test_encoded_lru_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    params = head_to_head_long.EncodedLRU.init(2, 5, rng)
    X = rng.standard_normal((7, 3, 2))
    G = rng.standard_normal((7, 3, 5))

    def loss(p, X_=X):
        return float(np.sum(head_to_head_long.EncodedLRU.forward(X_, p)[0] * G))


    _, cache = head_to_head_long.EncodedLRU.forward(X, params)
    grads, dX, _ = head_to_head_long.EncodedLRU.backward(G, cache)
    assert set(grads) == set(params)
    for k, value in params.items():  # numerical_gradient perturbs the array in place and reads it through f
        assert relative_error(numerical_gradient(lambda: loss(params), value), grads[k]) < 1e-7, k
    assert relative_error(numerical_gradient(lambda: loss(params, X), X), dX) < 1e-7


def test_every_model_of_the_head_to_head_long_sweep_trains_a_step():
    for name in head_to_head_long.MODELS:
        rec = head_to_head_long.run(name, 100, 0.01, 0, budget=1)
        assert rec["steps"] == 1 and rec["solved_at"] is None and not rec["diverged"], name


def _vg_dependencies(module: str, seen: set[str] | None = None) -> set[str]:
    """Every vg module that `module` uses, transitively: imports, and `vg.<name>` attribute access
    (vg imports its submodules on first use, so `import vg; vg.lstm.init(...)` uses vg.lstm)."""
    import ast
    import importlib.util
    from pathlib import Path

    seen = set() if seen is None else seen
    if module in seen:
        return seen
    seen.add(module)
    tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vg"):
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "vg":
            found.add(f"vg.{node.attr}")
    for name in sorted(found):
        if not name.startswith("vg.") or name == "vg.experiments":  # the package only saves and loads
            continue
        try:  # a module (vg.rnn, vg._fast.gru) or a name imported from one (vg._fast.accumulate)
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            _vg_dependencies(name, seen)
    return seen


@pytest.mark.parametrize("name", SWEEPS)
def test_a_sweeps_stamp_covers_every_vg_module_it_runs(name):
    # A module the sweep uses but does not stamp could change its results without making them stale.
    module = importlib.import_module(f"vg.experiments.{name}")
    assert _vg_dependencies(module.__name__) <= set(module.SOURCES)
