"""The one stream packing, written once in deploy/packing.py (numpy only, so the board driver
uses the same code); the compiler passes qonnx DataTypes, which it takes by name."""

from deploy.packing import (  # noqa: F401  (the compiler's names for the shared packing)
    element_bits,
    from_codes,
    pack_words,
    tensor_to_words,
    to_codes,
    unpack_words,
    word_bytes,
    words_to_tensor,
)
