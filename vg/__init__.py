"""vg: vanishing gradients, explained and executed.

A small NumPy package: RNN, LSTM and GRU cells with hand-written backpropagation through time, and the
tools the site's pages use around them. One module per idea; import the module you need::

    import vg
    params = vg.rnn.init(input_size=1, hidden_size=16, rng=np.random.default_rng(0))

Conventions (the site's Notation page has the full table): time-major arrays, shape letters
T (time steps), B (batch), D (input size), H (hidden size), O (output size); float64 by default.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"
# The name to install it by. Another project on the public index is called "vg" (a vector-geometry
# library): `pip install vg` gives you that one, whose `vg` has no `rnn`. Check with `vg.__distribution__`.
__distribution__ = "vanishing-gradients"

# Submodules are imported on first use (PEP 562) so that `import vg` stays fast and a page that only
# needs `vg.rnn` does not pay for matplotlib.
_SUBMODULES = (
    "activations",
    "analysis",
    "bptt",
    "cliff",
    "clip",
    "diagrams",
    "esn",
    "experiments",
    "gradcheck",
    "gru",
    "indrnn",
    "lens",
    "losses",
    "lru",
    "lstm",
    "mingru",
    "optim",
    "orthogonal",
    "penalties",
    "plot",
    "readout",
    "rnn",
    "scan",
    "tasks",
    "text",
    "train",
)

__all__ = ["__distribution__", "__version__", *_SUBMODULES]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from vg import (  # noqa: F401
        activations,
        analysis,
        bptt,
        cliff,
        clip,
        diagrams,
        esn,
        experiments,
        gradcheck,
        gru,
        indrnn,
        lens,
        losses,
        lru,
        lstm,
        mingru,
        optim,
        orthogonal,
        penalties,
        plot,
        readout,
        rnn,
        scan,
        tasks,
        text,
        train,
    )


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return importlib.import_module(f"vg.{name}")
    raise AttributeError(f"module 'vg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
