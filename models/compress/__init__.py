"""Compression before the compiler: Bonsai criterion pruning (Bingham and Helmich), Distill-Net
neuron removal, knowledge distillation (Rassadin and Savchenko) and the metrics that compare the
results (the low-power survey's).
See models/compress/README.md; the CLI is ``python -m models.compress``."""
