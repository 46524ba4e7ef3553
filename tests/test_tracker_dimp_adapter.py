"""The DiMP adapter against a fake pytracking checkout written here: the real one needs CUDA and weights.

The fake mimics what the adapter relies on: ``pytracking.evaluation.Tracker(name, parameter_name)`` with
``get_parameters()`` and ``create_tracker(params)``, ``pytracking.tracker.dimp.get_tracker_class()``, a DiMP
whose ``track`` returns only ``{'target_bbox': [...]}``, stores ``debug_info['max_score']`` and calls
``localize_target(scores, sample_pos, sample_scales)`` (which windows ``scores`` in place and returns the
chosen scale second), and parameters holding a lazily loaded ``net``."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from vasr.errors import VasrError
from vasr.tracking import SequentialBatch, TrackerInputError, build_batch_tracker
from vasr.tracking import pytracking_adapter as adapter
from vasr.tracking.pytracking_adapter import DiMPTracker, PytrackingUnavailableError

FAKE_FILES = {
    "pytracking/__init__.py": "",
    "pytracking/evaluation/__init__.py": "from pytracking.evaluation.tracker import Tracker\n",
    "pytracking/evaluation/tracker.py": """
        import importlib

        class Tracker:
            def __init__(self, name, parameter_name, run_id=None, display_name=None):
                self.name, self.parameter_name = name, parameter_name
                module = importlib.import_module('pytracking.tracker.{}'.format(name))
                self.tracker_class = module.get_tracker_class()

            def get_parameters(self):
                name = 'pytracking.parameter.{}.{}'.format(self.name, self.parameter_name)
                return importlib.import_module(name).parameters()

            def create_tracker(self, params):
                tracker = self.tracker_class(params)
                tracker.visdom = None
                return tracker
    """,
    "pytracking/tracker/__init__.py": "",
    "pytracking/tracker/dimp/__init__.py": """
        from .dimp import DiMP

        def get_tracker_class():
            return DiMP
    """,
    "pytracking/tracker/dimp/dimp.py": """
        import torch

        class DiMP:
            def __init__(self, params):
                self.params = params

            def initialize_features(self):
                if not getattr(self, 'features_initialized', False):
                    self.params.net.initialize()
                self.features_initialized = True

            def initialize(self, image, info):
                self.initialize_features()
                self.frame_num = 1
                self.state = [float(v) for v in info['init_bbox']]
                self.noise = torch.rand(2)  # DiMP's random augmentation shifts

            def track(self, image, info=None):
                self.debug_info = {}
                self.frame_num += 1
                # three scales of 23x23 maps; scale 1 has the highest peak, at row 5, column 16
                scores_raw = torch.zeros(3, 1, 23, 23)
                scores_raw[0, 0, 11, 11] = 0.3
                scores_raw[1, 0, 5, 16] = 0.9
                scores_raw[2, 0, 20, 2] = 0.5
                translation_vec, scale_ind, s, flag = self.localize_target(scores_raw, None, None)
                self.state[0] += 1.0
                self.state[1] += 2.0
                self.debug_info['max_score'] = torch.max(s[scale_ind, ...]).item()
                return {'target_bbox': list(self.state)}

            def localize_target(self, scores, sample_pos, sample_scales):
                scores = scores.squeeze(1)
                scores *= 0.5  # windowing in place, as DiMP's advanced localisation does
                max_score, _ = scores.reshape(scores.shape[0], -1).max(dim=1)
                scale_ind = int(torch.argmax(max_score))
                return torch.zeros(2), scale_ind, scores, 'normal'
    """,
    "pytracking/parameter/__init__.py": "",
    "pytracking/parameter/dimp/__init__.py": "",
    "pytracking/parameter/dimp/dimp50.py": """
        class Net:
            loads = 0

            def __init__(self):
                self.net = None
                self.use_gpu = True

            def initialize(self):
                Net.loads += 1
                self.net = object()

        class Params:
            pass

        def parameters():
            params = Params()
            params.debug = 0
            params.visualization = False
            params.use_gpu = True
            params.net = Net()
            return params
    """,
}


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fake pytracking checkout; the real sys.path / sys.modules / adapter cache are restored afterwards."""
    root = tmp_path / "pytracking-checkout"
    for name, text in FAKE_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    monkeypatch.delenv(adapter.ENV_VAR, raising=False)
    saved_path = list(sys.path)
    yield root
    sys.path[:] = saved_path
    for name in [m for m in sys.modules if m == "pytracking" or m.startswith("pytracking.")]:
        del sys.modules[name]
    adapter._PARAMS.clear()


def _frame() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)


def test_box_confidence_and_captured_map(checkout: Path) -> None:
    tracker = DiMPTracker(pytracking_path=checkout, use_gpu=False)
    assert tracker.provides_confidence and tracker.provides_response and tracker.response_size == 19
    tracker.initialize(_frame(), np.array([10.0, 12.0, 20.0, 16.0]))
    step = tracker.track(_frame())
    np.testing.assert_allclose(step.box, [11.0, 14.0, 20.0, 16.0])
    assert step.confidence == pytest.approx(0.45)  # debug_info['max_score'] (after DiMP's windowing)
    assert step.response is not None and step.response.shape == (19, 19) and step.response.dtype == np.float32
    # the chosen scale (1), captured before the in-place windowing, resampled 23 -> 19
    row, col = np.unravel_index(np.argmax(step.response), step.response.shape)
    assert (row, col) == (round(5 * 19 / 23), round(16 * 19 / 23))
    assert step.response.max() > 0.45
    assert tracker.track(_frame()).box[0] == pytest.approx(12.0)


def test_response_size_is_configurable(checkout: Path) -> None:
    tracker = DiMPTracker(pytracking_path=checkout, response_size=23)
    tracker.initialize(_frame(), np.array([10.0, 12.0, 20.0, 16.0]))
    response = tracker.track(_frame()).response
    assert response is not None and response.shape == (23, 23)
    assert response[5, 16] == pytest.approx(0.9)


def test_checkout_from_the_environment_and_batching(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(adapter.ENV_VAR, str(checkout))
    batch = build_batch_tracker("dimp")
    assert isinstance(batch, SequentialBatch) and batch.provides_response
    batch.initialize([_frame()] * 3, np.array([[10.0, 12.0, 20.0, 16.0]] * 3))
    result = batch.track([_frame()] * 3)
    assert result.responses is not None and result.responses.shape == (3, 19, 19)
    np.testing.assert_allclose(result.confidences, 0.45)
    net_module = sys.modules["pytracking.parameter.dimp.dimp50"]
    assert net_module.Net.loads == 1  # the network is loaded once, not once per track


def test_seeded_initialisation_leaves_the_global_rng_alone(checkout: Path) -> None:
    import torch

    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    tracker = DiMPTracker(pytracking_path=checkout, seed=7)
    tracker.initialize(_frame(), np.array([10.0, 12.0, 20.0, 16.0]))
    assert torch.equal(torch.rand(1), expected)
    other = DiMPTracker(pytracking_path=checkout, seed=7)
    other.initialize(_frame(), np.array([10.0, 12.0, 20.0, 16.0]))
    assert torch.equal(tracker._tracker.noise, other._tracker.noise)


def test_bad_initial_box_raises(checkout: Path) -> None:
    with pytest.raises(TrackerInputError):
        DiMPTracker(pytracking_path=checkout).initialize(_frame(), np.array([10.0, 12.0, 0.0, 16.0]))


def test_missing_checkout_explains_how_to_get_pytracking(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(adapter.ENV_VAR, raising=False)
    with pytest.raises(VasrError, match="git clone https://github.com/visionml/pytracking") as info:
        DiMPTracker()
    assert "pip install pytracking" in str(info.value) and adapter.ENV_VAR in str(info.value)
    with pytest.raises(PytrackingUnavailableError, match="not a pytracking checkout"):
        DiMPTracker(pytracking_path=tmp_path)
    with pytest.raises(ImportError):  # also an ImportError, so optional-tracker code can catch that
        build_batch_tracker("dimp", pytracking_path=tmp_path / "nowhere")


def test_a_foreign_pytracking_module_is_refused(checkout: Path, tmp_path: Path) -> None:
    other = tmp_path / "other" / "pytracking"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("")
    sys.path.insert(0, str(other.parent))
    import pytracking  # noqa: F401  (stands in for the unrelated PyPI package)

    with pytest.raises(PytrackingUnavailableError, match="different 'pytracking'"):
        DiMPTracker(pytracking_path=checkout)
