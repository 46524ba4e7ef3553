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
