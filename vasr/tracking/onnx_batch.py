"""An ONNX graph exported for one image run on a batch of them, through onnxruntime.

Exporters often bake batch 1 into a graph: the inputs' shapes, and the constant target shapes of Reshape
nodes (a squeeze-excitation block's ``{1, C}``). `batched_model` rewrites both in memory: every input and
output dimension becomes free (so a 127x127 template and a 255x255 search window go through the same
backbone), and a Reshape target that starts with the batch's 1 gets ``-1`` there (or ``0``, "keep the input's
dimension", where the target already holds a ``-1``). A graph that still cannot take a batch (a depth-wise
correlation whose kernel is built from the data has its group count fixed to one sample) is run one sample
at a time: `BatchedGraph` finds out once, with a batch of two, when it loads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def batched_model(path: Path):  # -> onnx.ModelProto
    """The model at ``path`` with free input/output dimensions and batch-free Reshape targets."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    for value in [*graph.input, *graph.output]:
        for axis, dim in enumerate(value.type.tensor_type.shape.dim):
            dim.dim_param = f"{value.name}_{axis}"
    del graph.value_info[:]  # recorded intermediate shapes hold the batch of one
    targets = {n.input[1] for n in graph.node if n.op_type == "Reshape"}
    constants = {n.output[0]: n.attribute[0].t for n in graph.node if n.op_type == "Constant"}
    tensors = {t.name: t for t in graph.initializer if t.name in targets}
    tensors.update({name: t for name, t in constants.items() if name in targets})
    for tensor in tensors.values():
        shape = numpy_helper.to_array(tensor).copy()
        if shape.ndim == 1 and len(shape) > 1 and shape[0] == 1:
            shape[0] = 0 if (shape[1:] == -1).any() else -1
            tensor.CopyFrom(numpy_helper.from_array(shape, tensor.name))
    return model


class BatchedGraph:
    """One onnxruntime session of a `batched_model`; ``run`` takes and gives batches of any size."""

    def __init__(self, path: Path, device: str = "cpu") -> None:
        import onnx
        import onnxruntime as ort

        kind, _, index = str(device).partition(":")
        if kind not in ("cpu", "cuda") or (index and not index.isdigit()):
            raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}")
        providers: list = ["CPUExecutionProvider"]
        if kind == "cuda":
            providers.insert(0, ("CUDAExecutionProvider", {"device_id": int(index or 0)}))
        original = onnx.load(str(path))
        self._inputs = [[d.dim_value for d in i.type.tensor_type.shape.dim] for i in original.graph.input]
        self._outputs = [[d.dim_value for d in o.type.tensor_type.shape.dim] for o in original.graph.output]
        options = ort.SessionOptions()
        options.log_severity_level = 4  # the batch probe below may fail on purpose
        self.names = [i.name for i in original.graph.input]
        self.session = ort.InferenceSession(
            batched_model(path).SerializeToString(), options, providers=providers
        )
        self.batched = self._takes_batches()

    def output_shape(self, index: int) -> list[int]:
        """The shape of output ``index`` for one sample, as exported."""
        return list(self._outputs[index])

    def _takes_batches(self) -> bool:
        probe = [np.zeros([2, *shape[1:]], np.float32) for shape in self._inputs]
        try:
            out = self.session.run(None, dict(zip(self.names, probe, strict=True)))
        except Exception:  # noqa: BLE001 - onnxruntime raises its own exception types
            return False
        return all(o.shape[0] == 2 for o in out)

    def run(self, *inputs: np.ndarray, outputs: int = 1):  # -> np.ndarray | list[np.ndarray]
        """The graph's first ``outputs`` outputs for a batch of inputs (one array per graph input)."""
        arrays = [np.ascontiguousarray(x, dtype=np.float32) for x in inputs]
        if self.batched:
            result = self.session.run(None, dict(zip(self.names, arrays, strict=True)))
        else:
            rows = [
                self.session.run(None, {n: x[i : i + 1] for n, x in zip(self.names, arrays, strict=True)})
                for i in range(len(arrays[0]))
            ]
            result = [np.concatenate([r[k] for r in rows]) for k in range(len(rows[0]))]
        return result[0] if outputs == 1 else result[:outputs]
