"""The SiamFC tracker, its pluggable backbones (torch, onnxruntime) and the OTB-style evaluation."""
