"""README stays true: its training-settings table lists every setting, in the schema's
order, with the current default and the setting's own help."""

from __future__ import annotations

import json
import re
from pathlib import Path

from workbench.core import TrainConfig

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| `(?P<key>\w+)` \| `(?P<default>[^`]*)` \| (?P<meaning>.+) \|$")


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def test_settings_table_has_every_setting_with_its_default_and_help():
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| Key | Default | Meaning |")
    rows = []
    for line in lines[start + 2 :]:
        match = ROW.match(line)
        if match is None:
            break
        rows.append(match)
    settings = TrainConfig.settings()
    defaults = TrainConfig().to_dict()
    assert [row["key"] for row in rows] == list(settings)
    for row in rows:
        key = row["key"]
        assert row["default"] == _shown(defaults[key]), key
        assert row["meaning"].startswith(settings[key].help.rstrip(".")), key
