"""LightningDataModules over the readers in ``vasr.data`` (snippet windows, image crops)."""
