"""The registry of model architectures: name -> :class:`Architecture`.

An architecture is one module that builds a Keras model from a ``TrainConfig`` and
registers itself with :func:`register_architecture`. The config's ``architecture``
choices, the Train form, bundle summaries and names, and bundle loading (custom Keras
objects) all read this registry, so a new architecture touches nothing else.

Standard library only; Keras is imported inside the ``build`` functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.core.errors import ConfigError


@dataclass(frozen=True)
class MemoryPart:
    """One part of a model's training memory, and the settings that size it.

    ``parameters``: trainable and frozen weights; ``activations``: floats kept per
    document for the backward pass (multiplied by ``batch_size`` by the estimate).
    """

    settings: tuple[str, ...]
    parameters: int
    activations: int = 0


@dataclass(frozen=True)
class Architecture:
    """A model architecture as the rest of Workbench sees it.

    - ``build(config, vocab_size, num_classes, embedding_matrix)`` -> an uncompiled
      ``keras.Model`` from int token ids ``[n, maxlen]`` to class probabilities
      (``embedding_matrix`` is a checked float32 array or ``None``; Keras is already
      seeded with ``config.seed``).
    - ``describe(config, dim)`` -> short phrases for bundle summaries
      (``["BiLSTM 64", "max-pool"]``); ``config`` is a plain mapping (a bundle's
      ``config`` dict, possibly from an older version), ``dim`` the embedding width
      or ``None`` when unknown.
    - ``tag(config, dim)`` -> a file-name-safe part of default bundle names (``"bilstm64"``).
    - ``memory(config, vocab_size, num_classes, dim)`` -> :class:`MemoryPart` list for
      the memory estimate made before building.
    - ``fields``: the model settings it reads beyond the shared ones (embedding,
      dropout, text and training settings); the Train form disables the others.
    - ``custom_objects()`` -> what ``keras.models.load_model`` needs to read the model
      back (empty when it uses built-in layers only).
    """

    name: str
    title: str
    build: Callable[..., Any]
    describe: Callable[[Mapping[str, Any], int | None], list[str]]
    tag: Callable[[Mapping[str, Any], int | None], str]
    memory: Callable[..., list[MemoryPart]]
    fields: tuple[str, ...] = ()
    custom_objects: Callable[[], dict[str, Any]] = field(default=dict)


_REGISTRY: dict[str, Architecture] = {}


def register_architecture(architecture: Architecture, *, replace: bool = False) -> Architecture:
    """Add ``architecture`` under its name (lower case); returns it.

    Raises :class:`ConfigError` if the name is taken (unless ``replace``) or not a
    plain lower-case identifier.
    """
    if not isinstance(architecture, Architecture):
        raise ConfigError(f"expected an Architecture, got {type(architecture).__name__}")
    name = architecture.name
    if not name or not name.replace("_", "").replace("-", "").isalnum() or name != name.lower():
        raise ConfigError(f"architecture name must be lower-case letters and digits, got {name!r}")
    if name in _REGISTRY and not replace:
        raise ConfigError(f"architecture {name!r} is already registered")
    _REGISTRY[name] = architecture
    return architecture


def unregister_architecture(name: str) -> None:
    """Remove a registered architecture (plugins and tests that add one for a while)."""
    _REGISTRY.pop(name, None)


def architecture_names() -> tuple[str, ...]:
    """Registered architecture names, in registration order (the built-ins first)."""
    return tuple(_REGISTRY)


def get_architecture(name: str) -> Architecture:
    """The architecture called ``name``; ConfigError lists the registered ones otherwise."""
    try:
        return _REGISTRY[str(name).strip().lower()]
    except KeyError:
        known = ", ".join(repr(n) for n in _REGISTRY)
        raise ConfigError(f"unknown architecture {name!r} (registered: {known})") from None


def all_custom_objects() -> dict[str, Any]:
    """The custom Keras objects of every registered architecture (for loading models)."""
    objects: dict[str, Any] = {}
    for architecture in _REGISTRY.values():
        objects.update(architecture.custom_objects())
    return objects


def config_architecture(config: Mapping[str, Any]) -> str:
    """The architecture name in a config dict (the old key ``rnn`` included)."""
    value = config.get("architecture") or config.get("rnn") or "lstm"
    return str(value).strip().lower()


def describe_model(config: Mapping[str, Any], dim: int | None = None) -> list[str]:
    """Summary phrases of the model a config dict describes (any version, any architecture)."""
    name = config_architecture(config)
    if name not in _REGISTRY:
        return [name]
    try:
        return _REGISTRY[name].describe(config, dim)
    except (TypeError, ValueError, KeyError):
        return [name]


def model_tag(config: Mapping[str, Any], dim: int | None = None) -> str:
    """The architecture part of a default bundle name (``"bilstm64"``)."""
    name = config_architecture(config)
    if name not in _REGISTRY:
        return name
    return _REGISTRY[name].tag(config, dim)
