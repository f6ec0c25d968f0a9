"""A facility's facts from a YAML or JSON file, as plain data: how the CLI, the examples and the
impact of a change read facts files (one way to read them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .yaml_source import SourceDoc, parse_text


class FactsFileError(ValueError):
    """The file cannot be read as facts; the message names the file, Chinese first."""


def read_facts(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FactsFileError(f"{path}: 无法读取（需 UTF-8 文本）/ cannot read (UTF-8 text expected): {exc}") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_reject_duplicates)
        except ValueError as exc:
            raise FactsFileError(f"{path}: JSON 格式错误 / invalid JSON: {exc}") from None
        except RecursionError:
            raise FactsFileError(f"{path}: JSON 嵌套过深 / JSON nested too deeply") from None
    parsed = parse_text(text, str(path))
    if not isinstance(parsed, SourceDoc):
        raise FactsFileError("\n".join(str(p) for p in parsed))
    return parsed.data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} 不是有效的数值 / {name} is not a valid number")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a repeated name (json keeps the last one silently)."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise ValueError(f"键 “{name}” 重复 / duplicate key '{name}'")
        out[name] = value
    return out
