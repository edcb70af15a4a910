"""The HLS backend: Vitis HLS C++ generation, g++ C-simulation, C synthesis (steps.py)."""
