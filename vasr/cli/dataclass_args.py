"""Build argparse flags from a config dataclass, so a config and its CLI never drift apart."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any, TypeVar, get_type_hints

T = TypeVar("T")


def add_dataclass_arguments(parser: argparse.ArgumentParser, cls: type, title: str | None = None) -> None:
    """One ``--field-name`` flag per field, typed and documented from ``field(metadata={"help": ...})``."""
    group = parser.add_argument_group(title or cls.__name__)
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        flag = "--" + f.name.replace("_", "-")
        help_text = f.metadata.get("help", "")
        if kind is bool:
            group.add_argument(
                flag, dest=f.name, action=argparse.BooleanOptionalAction, default=f.default, help=help_text
            )
        else:
            group.add_argument(
                flag, dest=f.name, type=kind, default=f.default, help=f"{help_text} (default: %(default)s)"
            )


def dataclass_from_args(cls: type[T], args: argparse.Namespace) -> T:
    """Instantiate ``cls`` from the flags ``add_dataclass_arguments`` added."""
    values: dict[str, Any] = {f.name: getattr(args, f.name) for f in dataclasses.fields(cls)}
    return cls(**values)
