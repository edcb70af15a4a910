"""qnnflow: Brevitas/QONNX networks to verified streaming dataflow accelerators."""
