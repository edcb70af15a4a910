"""The SiamFC tracker's pluggable backbones (torch, onnxruntime) and the OTB-style evaluation; the
tracking loop itself is deploy/siamfc_tracker.py (numpy only, so that the board runs it too)."""
