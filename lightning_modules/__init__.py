"""Thin LightningModules around the framework-free models in ``vasr`` (T-Assess, VG-Refine)."""
