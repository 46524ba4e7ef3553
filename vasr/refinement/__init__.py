"""VG-Refine Net (paper section 3.2-3.3): box refinement from a visual mask and a learned geometric weight.

Modules, one job each: ``crops`` (search/template crops and box mapping between image and crop
coordinates), ``visual`` (the MaskNet: initial mask S~), ``geometry`` (the G-Module: theta per frame, W of
eq. 1), ``losses`` (box-level supervision, eq. 4-6), ``inference`` (mask -> box with a fallback) and
``model`` (``VGRefineNet`` with the ablation variants none / v / vi / vg)."""
