"""T-Assess weights shipped in the package, so `vasr annotate` works without a training step.

`make shipped-weights` rebuilds them; tassess.json records how."""
