"""NanoTrack's backbone and head per track and step, through onnxruntime and OpenCV's DNN, one track per call
against a whole batch per call (the graphs' batch-1 shapes rewritten in memory, `vasr.tracking.onnx_batch`).
This is what chose onnxruntime with batches for the `nanotrack` tracker; the figures depend on the machine.

    python benchmarks/bench_nanotrack_runtime.py --weights ../shared/models/nanotrack --batch 16
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from vasr.tables import render_table
from vasr.tracking.nanotrack import FILES, find_weights
from vasr.tracking.onnx_batch import BatchedGraph, batched_model


def per_sample_ms(run: Callable[[], object], samples: int, repeats: int) -> float:
    """Best of ``repeats`` timings of ``run`` (which handles ``samples`` samples), in ms per sample."""
    run()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        begin = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - begin)
    return 1000 * best / samples


def opencv_net(path: Path, rewritten: bool) -> cv2.dnn.Net:
    data = batched_model(path).SerializeToString() if rewritten else path.read_bytes()
    return cv2.dnn.readNetFromONNX(np.frombuffer(data, np.uint8))


def opencv_run(net: cv2.dnn.Net, names: list[str], inputs: list[np.ndarray], outputs: int) -> list:
    for name, value in zip(names, inputs, strict=True):
        net.setInput(value, name)
    return net.forward(net.getUnconnectedOutLayersNames()[:outputs])


def measure(weights: Path, version: int, batch: int, repeats: int) -> list[dict[str, object]]:
    backbone_path, head_path = find_weights(weights, version)
    backbone, head = BatchedGraph(backbone_path), BatchedGraph(head_path)
    rng = np.random.default_rng(0)
    search = rng.uniform(0, 255, (batch, 3, 255, 255)).astype(np.float32)
    template = backbone.run(rng.uniform(0, 255, (batch, 3, 127, 127)).astype(np.float32))
    features = backbone.run(search)
    pairs = list(zip(template, features, strict=True))
    one_by_one = {
        "onnxruntime": (
            lambda: [backbone.session.run(None, {"input": s[None]}) for s in search],
            lambda: [head.session.run(None, {"input1": t[None], "input2": f[None]}) for t, f in pairs],
        ),
    }
    net_b, net_h = opencv_net(backbone_path, False), opencv_net(head_path, False)
    one_by_one["OpenCV DNN"] = (
        lambda: [opencv_run(net_b, ["input"], [s[None]], 1) for s in search],
        lambda: [opencv_run(net_h, ["input1", "input2"], [t[None], f[None]], 2) for t, f in pairs],
    )
    rows = []

    def row(runtime: str, backbone_ms: object, head_ms: object) -> None:
        rows.append({"version": f"v{version}", "runtime": runtime, "backbone ms/track": backbone_ms,
                     "head ms/track": head_ms})  # fmt: skip

    for name, (run_backbone, run_head) in one_by_one.items():
        row(f"{name}, one track per call", per_sample_ms(run_backbone, batch, repeats),
            per_sample_ms(run_head, batch, repeats))  # fmt: skip
    row("onnxruntime, the batch per call", per_sample_ms(lambda: backbone.run(search), batch, repeats),
        per_sample_ms(lambda: head.run(template, features, outputs=2), batch, repeats))  # fmt: skip
    try:
        batched = opencv_net(backbone_path, True)
        ms: object = per_sample_ms(lambda: opencv_run(batched, ["input"], [search], 1), batch, repeats)
    except cv2.error as error:
        ms = f"fails: {str(error).strip().splitlines()[-1][:60]}"
    row("OpenCV DNN, the batch per call", ms, "n/a")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--weights", type=Path, default=Path("../shared/models/nanotrack"))
    parser.add_argument("--batch", type=int, default=16, help="tracks advanced together (a video's snippets)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("results/bench/nanotrack-runtime.md"))
    args = parser.parse_args(argv)
    if not (args.weights / FILES[2][0]).is_file():
        print(f"skipping: NanoTrack's weights not found under {args.weights}", file=sys.stderr)
        return 0
    rows = [
        row for version in sorted(FILES) for row in measure(args.weights, version, args.batch, args.repeats)
    ]
    for row in rows:
        for key in ("backbone ms/track", "head ms/track"):
            row[key] = f"{row[key]:.2f}" if isinstance(row[key], float) else row[key]
    import onnxruntime

    text = (
        f"A batch of {args.batch} tracks; onnxruntime {onnxruntime.__version__}, OpenCV {cv2.__version__} "
        f"({cv2.getNumThreads()} threads); best of {args.repeats}.\n\n"
        + render_table(rows, list(rows[0]), markdown=True)
    )
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")  # docs/trackers.md's table
    return 0


if __name__ == "__main__":
    sys.exit(main())
