"""Model architectures: a registry (name -> Architecture) and the model builder.

A new architecture is one module here (or anywhere: a plugin, a test) that builds a
Keras model and calls :func:`register_architecture`; importing this package registers
the built-in ``"lstm"`` and ``"gru"``.
"""

from workbench.core.learning.architectures import recurrent as _recurrent  # noqa: F401
from workbench.core.learning.architectures.blocks import (
    embedded_tokens,
    embedding_width,
    masked_pool,
    softmax_model,
)
from workbench.core.learning.architectures.building import (
    MemoryEstimate,
    build_model,
    check_memory,
    estimate_memory,
)
from workbench.core.learning.architectures.registry import (
    Architecture,
    MemoryPart,
    all_custom_objects,
    architecture_names,
    config_architecture,
    describe_model,
    get_architecture,
    model_tag,
    register_architecture,
    unregister_architecture,
)

__all__ = [
    "Architecture",
    "MemoryEstimate",
    "MemoryPart",
    "all_custom_objects",
    "architecture_names",
    "build_model",
    "check_memory",
    "config_architecture",
    "describe_model",
    "embedded_tokens",
    "embedding_width",
    "estimate_memory",
    "get_architecture",
    "masked_pool",
    "model_tag",
    "register_architecture",
    "softmax_model",
    "unregister_architecture",
]
