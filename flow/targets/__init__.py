"""The targets shipped with qnnflow, as plugins (flow/target.py): bnn_pynq (tfc_w1a1, cnv_w1a1)
and siamfc (siamfc_binary, siamfc_int4, with the tracker's own steps). The compiler never imports
this package; pyproject.toml declares each module's TARGETS under `qnnflow.targets`."""
