"""Networks, quantisation presets, datasets, training and evaluation (the torch side)."""
