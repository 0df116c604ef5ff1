"""``workbench config``: print a TOML config or the list of keys."""

from __future__ import annotations

import argparse

from workbench.cli.common import EXIT_OK, load_config
from workbench.cli.output import dumps, table


def cmd_config(args: argparse.Namespace) -> int:
    """``workbench config``: print a TOML config (or the list of keys)."""
    from workbench.core import TrainConfig

    config = load_config(args)
    if args.keys:
        values = config.to_dict()
        helps = TrainConfig.field_help()
        if args.json:
            keys = {k: {"value": values.get(k), "help": helps.get(k, "")} for k in values}
            print(dumps(keys))
        else:
            print(
                table(
                    ["key", "value", "meaning"],
                    [[k, str(v), helps.get(k, "")] for k, v in values.items()],
                )
            )
        return EXIT_OK
    if args.json:
        print(dumps(config.to_dict()))
    else:
        print(config.to_toml().rstrip("\n"))
    return EXIT_OK
