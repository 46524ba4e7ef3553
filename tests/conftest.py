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


# NanoTrack's weights (third party, never in the repository): the shared copy; VASR_NANOTRACK overrides.
NANOTRACK = Path(
    os.environ.get(
        "VASR_NANOTRACK", Path(__file__).resolve().parents[1].parent / "shared" / "models" / "nanotrack"
    )
)


@pytest.fixture(autouse=True)
def no_nanotrack_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts as a fresh install does, without NanoTrack's weights in the environment (``make``
    exports them when the shared copy is there): a test of the ensemble gives them itself."""
    monkeypatch.delenv("VASR_NANOTRACK", raising=False)


@pytest.fixture(scope="session")
def nanotrack_weights() -> Path:
    """The folder of NanoTrack's v2/ and v3/ weights; the test is skipped cleanly when they are absent."""
    if not (NANOTRACK / "v2" / "nanotrack_backbone_sim.onnx").is_file():
        pytest.skip(f"NanoTrack's weights not found at {NANOTRACK} (set VASR_NANOTRACK)")
    return NANOTRACK


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthetic dataset in LaSOT's layout (2 categories x 2 sequences x 61 frames of 96x72), for
    the training tests: small enough to track and train on in seconds."""
    from vasr.data.synth import SynthConfig, generate_dataset

    root = tmp_path_factory.mktemp("tiny") / "synth"
    config = SynthConfig(categories=2, sequences_per_category=2, frames=61, width=96, height=72)
    generate_dataset(root, config, progress=False, workers=1)
    return root


@pytest.fixture(scope="session")
def load_benchmark():  # noqa: ANN201
    """``load_benchmark("bench_tracker")``: a script of ``benchmarks/`` as a module (they are scripts, not a
    package)."""
    import importlib.util

    def load(name: str):  # noqa: ANN202
        script = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, script)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def one_torch_thread():
    """One torch thread for the test: on a shared 2-core CPU one thread is several times faster than two."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _checkpoint(module, path: Path) -> Path:  # noqa: ANN001 - a LightningModule
    """A checkpoint as Lightning writes one (hyper-parameters and weights), without training."""
    import pytorch_lightning as pl
    import torch

    torch.save(
        {
            "state_dict": module.state_dict(),
            "hyper_parameters": dict(module.hparams),
            "pytorch-lightning_version": pl.__version__,
        },
        path,
    )
    return path


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Untrained T-Assess and V-Refine checkpoints of tiny nets (their scores mean nothing)."""
    import torch

    from lightning_modules.tassess import TAssessModule
    from lightning_modules.vgrefine import VGRefineModule
    from vasr.refinement.model import VGRefineNet
    from vasr.selection.model import TAssessNet

    folder = tmp_path_factory.mktemp("checkpoints")
    torch.manual_seed(0)
    return {
        "tassess": _checkpoint(TAssessModule(TAssessNet(width=4, hidden=8)), folder / "tassess.ckpt"),
        "refiner": _checkpoint(
            VGRefineModule(VGRefineNet(variant="v", crop_size=32, decoder_width=8, pretrained=False)),
            folder / "vgrefine.ckpt",
        ),
    }


@pytest.fixture(scope="session")
def clip(tiny_root: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """One tiny sequence as a frame folder with a keyframe file (every 20th frame and the last):
    ``(folder, keyframe file, ground truth boxes)``."""
    from vasr.data.readers import load_lasot

    sequence = load_lasot(tiny_root)[0]
    folder = Path(sequence.frames.paths[0]).parent
    keys = list(range(0, len(sequence), 20)) + [len(sequence) - 1]
    lines = ["# frame, x, y, w, h"] + [
        f"{k}, " + ", ".join(f"{v:.2f}" for v in sequence.boxes[k]) for k in sorted(set(keys))
    ]
    keyframe_file = tmp_path_factory.mktemp("keys") / "keys.txt"
    keyframe_file.write_text("\n".join(lines) + "\n")
    return folder, keyframe_file, sequence.boxes


@pytest.fixture
def run(clip, tmp_path: Path) -> Path:  # noqa: ANN001 - the clip fixture
    """A finished vasr annotate run of the tiny clip (keyframes 0, 20, 40, 60): KCF tracks, the shipped
    T-Assess, no refiner, CVAT files."""
    from vasr.cli.main import main

    folder, keyframe_file, _ = clip
    out = tmp_path / "out"
    argv = ["annotate", "--frames", str(folder), "--keyframes", str(keyframe_file), "--name", "clip",
            "--tracker", "kcf", "--no-refiner", "--no-review", "--formats", "cvat",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out


@pytest.fixture
def server(run: Path):  # noqa: ANN201
    """The review page's server of ``run``, serving on a free port in a background thread."""
    from vasr.review.server import ReviewServer
    from vasr.review.session import ReviewSession

    server = ReviewServer(ReviewSession(run), port=0)
    server.start()
    yield server
    server.shutdown()
    server.server_close()
