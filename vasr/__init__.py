"""vasr: dense bounding-box annotation for visual tracking by selection and refinement (VASR, ICCV 2021).

Architecture, in the order data flows:
``vasr.data`` (sequences, readers, synthetic data) -> ``vasr.tracking`` -> ``vasr.selection`` (T-Assess)
-> ``vasr.refinement`` (VG-Refine) -> ``vasr.annotations`` (file formats) -> ``vasr.metrics``.
``vasr.geometry`` holds the box maths every stage shares; ``vasr.baselines`` the non-learned annotators.
"""

__version__ = "0.3.1"
