"""``vasr-train``: LightningCLI over every LightningModule and DataModule of the project.

Models and data are chosen by ``class_path`` in the YAML configs under ``experiments/`` and ``ablations/``,
so a W&B sweep or an 8-GPU DDP run is a config (or a command-line override), never a code change::

    vasr-train fit --config experiments/tassess.yaml --config experiments/trainer/cpu.yaml
    vasr-train fit --config experiments/tassess.yaml --config experiments/trainer/ddp_8gpu.yaml
    vasr-train fit --config experiments/tassess.yaml --model.init_args.net.init_args.temporal fc
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytorch_lightning as pl
from pytorch_lightning.cli import LightningCLI


def wandb_logged_in() -> bool:
    """Whether the user has W&B credentials (``wandb login`` writes them to ~/.netrc)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        import netrc

        return netrc.netrc().authenticators("api.wandb.ai") is not None
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False


# Settings the refiner's data module and its net must agree on (the crops the data cuts are what the net
# reads): set once, on the data, and linked into the model's net.
LINKED_DATA_TO_MODEL = ("crop_size", "context", "template_context")


class VasrCLI(LightningCLI):
    """LightningCLI with the data -> model links of :data:`LINKED_DATA_TO_MODEL` (a link whose data module
    lacks the setting, T-Assess's, is skipped)."""

    def add_arguments_to_parser(self, parser) -> None:  # noqa: ANN001 - jsonargparse's LightningArgumentParser
        for key in LINKED_DATA_TO_MODEL:
            parser.link_arguments(
                f"data.init_args.{key}", f"model.init_args.net.init_args.{key}", apply_on="parse"
            )


def cli(args: Sequence[str] | dict | None = None, run: bool = True) -> LightningCLI:
    """Build (and by default run) the LightningCLI; ``args`` replaces ``sys.argv`` (a list of arguments, or
    a config as a dict: the ablation drivers build their modules from ``experiments/*.yaml`` that way).

    W&B runs are offline (``wandb sync`` uploads them later) unless the user has logged in or has set
    ``WANDB_MODE`` themselves: a training run never needs the network by surprise."""
    if not wandb_logged_in():
        os.environ.setdefault("WANDB_MODE", "offline")
    return VasrCLI(
        pl.LightningModule,
        pl.LightningDataModule,
        subclass_mode_model=True,
        subclass_mode_data=True,
        args=None if args is None else args if isinstance(args, dict) else list(args),
        run=run,
        save_config_kwargs={"overwrite": True},
        parser_kwargs={"description": __doc__},
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
