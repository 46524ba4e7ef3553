"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The 15 real benchmark sequences live beside the checkout (never inside it); VASR_REAL_DATA overrides.
REAL_DATA = Path(
    os.environ.get("VASR_REAL_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real")
)


@pytest.fixture(scope="session")
def real_root() -> Path:
    """Root of the real sequences; the test is skipped cleanly when they are absent."""
    if not (REAL_DATA / "MANIFEST.tsv").is_file():
        pytest.skip(f"real sequences not found at {REAL_DATA} (set VASR_REAL_DATA)")
    return REAL_DATA


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthetic dataset in LaSOT's layout (2 categories x 2 sequences x 61 frames of 96x72), for
    the training tests: small enough to track and train on in seconds."""
    from vasr.data.synth import SynthConfig, generate_dataset

    root = tmp_path_factory.mktemp("tiny") / "synth"
    config = SynthConfig(categories=2, sequences_per_category=2, frames=61, width=96, height=72)
    generate_dataset(root, config, progress=False, workers=1)
    return root


@pytest.fixture
def one_torch_thread():
    """One torch thread for the test: on a shared 2-core CPU one thread is several times faster than two."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
