"""``workbench config``: print a TOML config or the list of keys; the ``--set`` help.

Both are built from the settings the core declares on ``TrainConfig``'s fields.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from workbench.cli.common import EXIT_OK, load_config
from workbench.cli.output import dumps, table

SET_HELP_HEAD = "override one config value (repeatable), e.g. --set units=128"


def set_help() -> str:
    """The ``--set`` help: every setting with its type and range, from the core's fields."""
    from workbench.core import TrainConfig

    entries = []
    for name, info in TrainConfig.settings().items():
        if info.kind is str:
            what = "|".join(info.choices)
        elif info.kind is bool:
            what = "true|false"
        else:
            what = info.range_text()
        entries.append(f"{name} ({what})")
    return (
        f"{SET_HELP_HEAD}. Settings: "
        + "; ".join(entries)
        + ". 'workbench config --keys' explains each."
    )


class LazySetHelp(str):
    """``--set`` help text built only when help is shown (``workbench --help`` stays instant).

    argparse formats help with ``help % params``; this string computes the real text
    there, so building the parser imports nothing from the core.
    """

    def __new__(cls) -> LazySetHelp:
        return super().__new__(cls, SET_HELP_HEAD)

    def __mod__(self, params: Any) -> str:
        return set_help().replace("%", "%%") % params


def cmd_config(args: argparse.Namespace) -> int:
    """``workbench config``: print a TOML config (or the list of keys)."""
    from workbench.core import PRESET_DESCRIPTIONS, TrainConfig

    config = load_config(args)
    if args.keys:
        values = config.to_dict()
        settings = TrainConfig.settings()
        if args.json:
            keys = {
                name: {
                    "value": values.get(name),
                    "help": info.help,
                    "label": info.label,
                    "group": info.group,
                    "range": info.limits_text() or None,
                    "choices": list(info.choices) or None,
                }
                for name, info in settings.items()
            }
            print(dumps(keys))
        else:
            print(
                table(
                    ["key", "value", "meaning"],
                    [[name, str(values[name]), info.describe()] for name, info in settings.items()],
                )
            )
        return EXIT_OK
    if args.json:
        print(dumps(config.to_dict()))
        return EXIT_OK
    preset = getattr(args, "preset", None)
    if preset in PRESET_DESCRIPTIONS and not getattr(args, "config", None):
        text = f"Preset '{preset}': {PRESET_DESCRIPTIONS[preset]}"
        for line in textwrap.wrap(text, 86):
            print(f"# {line}")
        print("#")
    print(config.to_toml().rstrip("\n"))
    return EXIT_OK
