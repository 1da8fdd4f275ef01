"""spaCy's NER multiplies matrices with numpy's OpenBLAS (one thread), not blis, and finds the same entities."""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from collections.abc import Iterator
from typing import Any

import blis.py
import pytest
import spacy
from thinc.api import NumpyOps, get_current_ops, set_current_ops

from streams.nlp import DEFAULT_MODELS, _loaded_openblas, limit_blas_threads, load_spacy_model

SENTENCES = [
    "BRASILIA - Brazilian Foreign Minister Mauro Vieira met Penny Wong, Australia's foreign minister, on Monday.",
    "\"We will not accept these terms,\" Prime Minister Keir Starmer told the House of Commons in London.",
    "Shares of Toyota Motor Corp fell 3 percent in Tokyo after the Bank of Japan raised interest rates.",
    "The United Nations Security Council met in New York on Tuesday to discuss the ceasefire in Gaza.",
    "Angela Merkel and Emmanuel Macron spoke with officials from the European Commission in Brussels.",
]


def _entities(nlp: Any) -> list[list[tuple[int, int, str]]]:
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(SENTENCES)]


@pytest.fixture(scope="module")
def wirewatch_nlp() -> Any:
    return load_spacy_model()


@pytest.fixture(scope="module")
def thinc_default_nlp() -> Any:
    """The same model, NER only, loaded by bare ``spacy.load`` under thinc's default ops (blis)."""
    model = next(m for m in DEFAULT_MODELS if importlib.util.find_spec(m))
    components = spacy.util.get_model_meta(spacy.util.get_package_path(model))["components"]
    previous = get_current_ops()
    set_current_ops(NumpyOps())
    try:
        return spacy.load(model, exclude=[n for n in components if n != "ner"])
    finally:
        set_current_ops(previous)


@pytest.fixture
def blis_gemm_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, ...]]]:
    """Shapes of the matrices thinc's NumpyOps hands to blis while the test runs."""
    calls: list[tuple[int, ...]] = []
    real = blis.py.gemm

    def counting(x: Any, y: Any, **kwargs: Any) -> Any:
        calls.append(x.shape + y.shape)
        return real(x, y, **kwargs)

    monkeypatch.setattr(blis.py, "gemm", counting)
    yield calls


def test_loaded_model_layers_multiply_with_numpy_not_blis(wirewatch_nlp: Any,
                                                          blis_gemm_calls: list[tuple[int, ...]]) -> None:
    ner = wirewatch_nlp.get_pipe("ner").model
    # spaCy builds the parser's output layer under thinc's "cpu" ops on purpose; greedy parsing
    # reads its weights from Cython, so its ops never multiply anything here.
    upper = ner.get_ref("upper")
    with_blis = [node.name for node in ner.walk() if node.ops.use_blis and node is not upper]
    assert with_blis == []
    assert _entities(wirewatch_nlp)
    assert blis_gemm_calls == []


def test_thinc_default_model_does_call_blis(thinc_default_nlp: Any, blis_gemm_calls: list[tuple[int, ...]]) -> None:
    # guards the test above: with thinc's default ops the same text does go through blis
    _entities(thinc_default_nlp)
    assert blis_gemm_calls


def test_entities_match_thincs_default_ops(wirewatch_nlp: Any, thinc_default_nlp: Any) -> None:
    ours, reference = _entities(wirewatch_nlp), _entities(thinc_default_nlp)
    assert ours == reference
    first = SENTENCES[0]
    assert (first.index("Mauro Vieira"), first.index("Mauro Vieira") + len("Mauro Vieira"), "PERSON") in ours[0]


def test_loading_leaves_the_current_ops_as_they_were() -> None:
    before = get_current_ops()
    load_spacy_model()
    assert get_current_ops() is before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds OpenBLAS through /proc/self/maps")
def test_loading_limits_openblas_to_one_thread() -> None:
    paths = _loaded_openblas()
    if not paths:
        pytest.skip("numpy is not linked with OpenBLAS here")
    library = ctypes.CDLL(paths[0])
    getter = next(getattr(library, n) for n in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                                                "openblas_get_num_threads64_", "openblas_get_num_threads")
                  if hasattr(library, n))
    limit_blas_threads(2)
    if getter() != 2:
        pytest.skip("this OpenBLAS will not run two threads here")
    load_spacy_model()
    assert getter() == 1
