"""Quantisation presets of the SiamFC backbone.

Five presets reproduce the configurations of Przewlocka et al. (Table 2): weights of the
first, hidden and last convolution at the table's precision, activations INT32 (FP32 for the float
network). Two presets are what the dataflow compiler builds for the PYNQ-Z2:

- ``binary``: hidden layers W1A1 (XNOR-popcount), first layer INT8 image x INT4 weights, last layer
  INT4 weights on binary inputs;
- ``int4``: W4A4 everywhere (INT4 MAC engine), INT8 image input.

Bit widths follow models.quant: None is float, 1 binary, 2 ternary, k >= 3 narrow-range INTk.
``act_bits`` is the activation after the first and every hidden convolution (it feeds the next
layer); ``out_bits`` quantises the backbone's output features, signed, which is the tensor the
cross-correlation consumes (INT8 for the hardware presets, so the correlation is an INT8 MAC).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SiamFCPreset:
    name: str
    input_bits: int | None
    first_weight_bits: int | None
    hidden_weight_bits: int | None
    last_weight_bits: int | None
    act_bits: int | None
    out_bits: int | None
    # the row of Przewlocka et al. Table 2 this preset reproduces, or None for the hardware presets
    table2_row: int | None = None

    @property
    def quantized(self) -> bool:
        return self.first_weight_bits is not None


PRESETS = {
    p.name: p
    for p in (
        SiamFCPreset("fp32", None, None, None, None, None, None, table2_row=1),
        SiamFCPreset("int16", 8, 16, 16, 16, 32, 32, table2_row=2),
        SiamFCPreset("int16_int4_int8", 8, 16, 4, 8, 32, 32, table2_row=3),
        SiamFCPreset("int16_ternary_int8", 8, 16, 2, 8, 32, 32, table2_row=4),
        SiamFCPreset("int16_binary_int8", 8, 16, 1, 8, 32, 32, table2_row=5),
        SiamFCPreset("binary", 8, 4, 1, 4, 1, 8),
        SiamFCPreset("int4", 8, 4, 4, 4, 4, 8),
    )
}


def get_preset(name) -> SiamFCPreset:
    """The SiamFCPreset called `name` (a SiamFCPreset is returned unchanged)."""
    if isinstance(name, SiamFCPreset):
        return name
    if name not in PRESETS:
        raise ValueError(f"unknown SiamFC preset {name!r}; supported: {', '.join(PRESETS)}")
    return PRESETS[name]


def bits_label(bits: int | None) -> str:
    """How Table 2 writes a precision: FP32, BINARY, TERNARY or INTk."""
    return {None: "FP32", 1: "BINARY", 2: "TERNARY"}.get(bits, f"INT{bits}")
