"""Compression before the compiler: Bonsai criterion pruning (seed 001), Distill-Net neuron removal
(seed 003), knowledge distillation (seed 004) and the metrics that compare the results (seed 002).
See models/compress/README.md; the CLI is ``python -m models.compress``."""
