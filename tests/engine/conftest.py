"""Tiny checkpoints, built once per test session (a few seconds in all)."""

from __future__ import annotations

import pytest
import torch

from qwen_tui.engine.loading import load_model
from tests.engine.tiny_models import build_variants, dequantized_copy, stock_model


@pytest.fixture(scope="session", autouse=True)
def _one_cpu_thread():
    # Tiny matrices: threading only adds overhead, and CI machines have two cores.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict:
    """Variant name -> model directory (see tiny_models.VARIANTS)."""
    return build_variants(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def reference(tiny, tmp_path_factory):
    """Variant name -> stock transformers model holding the dequantized weights."""
    cache: dict = {}
    root = tmp_path_factory.mktemp("dequantized")

    def get(name: str):
        if name not in cache:
            cache[name] = stock_model(dequantized_copy(tiny[name], root / name))
        return cache[name]

    return get


@pytest.fixture(scope="module")
def loaded(tiny):
    """Variant name -> LoadedModel on the CPU in float32, loaded once per test module."""
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = load_model(str(tiny[name]), device="cpu", dtype="float32")
        return cache[name]

    return get
