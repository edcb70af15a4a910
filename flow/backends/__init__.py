"""The backends: rtl/ (Verilog, Verilator, Yosys) and hls/ (Vitis HLS C++, g++ C-simulation),
each a folder that lists its own steps. `--backend rtl|hls|both` picks which run."""

BACKENDS = {"rtl": ("rtl",), "hls": ("hls",), "both": ("rtl", "hls")}


def selected(step_backend: str | None, backend: str) -> bool:
    """Whether a step of `step_backend` (None: every build) runs with --backend `backend`."""
    return step_backend is None or step_backend in BACKENDS[backend]
