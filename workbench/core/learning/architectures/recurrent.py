"""The recurrent architectures ``"lstm"`` and ``"gru"``.

Layout: token ids -> Embedding (``mask_zero``) -> Dropout -> ``layers`` stacked
(Bi)LSTM/GRU -> pooling over time -> Dropout -> Dense softmax. The recurrent layers
skip masked steps, so the ``"last"`` state is the state after the last real token
(for "pre" and "post" padding alike); ``"max"``/``"mean"`` pooling ignore padding.

``units = 0`` means half the embedding width (the seed article's choice: 150 units
over 300-d vectors, 25 over 50-d ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core.learning.architectures.blocks import (
    embedded_tokens,
    embedding_width,
    masked_pool,
    softmax_model,
)
from workbench.core.learning.architectures.registry import (
    Architecture,
    MemoryPart,
    register_architecture,
)

if TYPE_CHECKING:
    from workbench.core.learning.config.schema import TrainConfig

GATES = {"lstm": 4, "gru": 3}  # weight matrices per recurrent cell (memory, time estimates)


def resolved_units(units: int, dim: int | None) -> int | None:
    """``units``, or half the embedding width ``dim`` when ``units`` is 0 (None if unknown)."""
    if units:
        return int(units)
    return max(1, int(dim) // 2) if dim else None


def _build(kind: str) -> Any:
    def build(
        config: TrainConfig, vocab_size: int, num_classes: int, embedding_matrix: np.ndarray | None
    ) -> Any:
        from keras import layers

        units = resolved_units(config.units, embedding_width(config, embedding_matrix))
        tokens, x = embedded_tokens(config, vocab_size, embedding_matrix)
        rnn_class = layers.LSTM if kind == "lstm" else layers.GRU
        pooled_over_time = config.pooling in ("max", "mean")
        for index in range(config.layers):
            is_last = index == config.layers - 1
            return_sequences = pooled_over_time or not is_last
            name = f"{'bi' if config.bidirectional else ''}{kind}_{index + 1}"
            if config.bidirectional:
                inner = rnn_class(units, return_sequences=return_sequences)
                x = layers.Bidirectional(inner, merge_mode="concat", name=name)(x)
            else:
                x = rnn_class(units, return_sequences=return_sequences, name=name)(x)
        if pooled_over_time:
            x = masked_pool(tokens, x, config.pooling)
        return softmax_model(config, tokens, x, num_classes)

    return build


def _whole(value: Any) -> int | None:
    """``value`` as an int when it is one (a bundle.json may hold anything)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _units_text(config: Mapping[str, Any], dim: int | None) -> str:
    units = _whole(config.get("units"))
    if units is None:
        return "?"
    resolved = resolved_units(units, dim)
    return "half the embedding width" if resolved is None else str(resolved)


def _describe(kind: str) -> Any:
    def describe(config: Mapping[str, Any], dim: int | None) -> list[str]:
        arch = f"{'Bi' if config.get('bidirectional') else ''}{kind.upper()} "
        arch += _units_text(config, dim)
        layers = _whole(config.get("layers", 1))
        if layers is not None and layers > 1:
            arch += f" x{layers}"
        parts = [arch]
        if isinstance(config.get("pooling"), str) and config["pooling"]:
            parts.append(f"{config['pooling']}-pool")
        return parts

    return describe


def _tag(kind: str) -> Any:
    def tag(config: Mapping[str, Any], dim: int | None) -> str:
        units = resolved_units(_whole(config.get("units")) or 0, dim)
        return f"{'bi' if config.get('bidirectional') else ''}{kind}{units or ''}"

    return tag


def _memory(kind: str) -> Any:
    gates = GATES[kind]

    def memory(
        config: TrainConfig, vocab_size: int, num_classes: int, dim: int
    ) -> list[MemoryPart]:
        units = resolved_units(config.units, dim) or 1
        directions = 2 if config.bidirectional else 1
        weights = 0
        width = dim
        for _ in range(config.layers):
            biases = gates * units * (2 if kind == "gru" else 1)  # GRU: reset_after
            per_direction = gates * units * (width + units) + biases
            weights += directions * per_direction
            width = directions * units
        read = getattr(config, "rnn_maxlen", 0)
        steps = min(read, config.maxlen) if read else config.maxlen
        return [
            MemoryPart(("max_words", "embedding_dim"), vocab_size * dim, 2 * steps * dim),
            MemoryPart(
                ("units", "layers"),
                weights,
                config.layers * steps * directions * units * (gates + 2),
            ),
            MemoryPart(("units",), width * num_classes + num_classes, width),
        ]

    return memory


for _kind, _title in (("lstm", "LSTM (recurrent)"), ("gru", "GRU (recurrent)")):
    register_architecture(
        Architecture(
            name=_kind,
            title=_title,
            build=_build(_kind),
            describe=_describe(_kind),
            tag=_tag(_kind),
            memory=_memory(_kind),
            fields=("units", "layers", "bidirectional", "pooling"),
        )
    )
