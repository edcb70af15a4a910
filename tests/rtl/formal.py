"""Yosys proves a module as synthesis reads it (SYNTHESIS defined: Xilinx primitives, by Yosys's
own models of the cells) equal to the same file as simulators read it (the arithmetic as written)."""

import subprocess
from pathlib import Path

from flow.backends import tools
from flow.backends.rtl.sources import RTL_DIR


def prove_synthesis_equals_simulation(tmp_path: Path, module: str, params: dict | None = None,
                                      gold_file: Path | None = None) -> subprocess.CompletedProcess:
    """Temporal induction over the miter of the two readings of hw/rtl/<module>.v (every
    register from 0); gold_file replaces the simulated reading (to see the proof fail)."""
    source = RTL_DIR / f"{module}.v"
    chparam = "".join(f"chparam -set {k} {v} {module}; " for k, v in (params or {}).items())
    script = (f"read_verilog -nosynthesis {gold_file or source}; {chparam}rename {module} gold; "
              f"read_verilog {source}; {chparam}rename {module} gate; "
              "read_verilog -lib +/xilinx/cells_xtra.v; read_verilog +/xilinx/cells_sim.v; "
              "hierarchy -check; proc; flatten; opt_clean; "
              "miter -equiv -flatten -make_assert gold gate miter; hierarchy -top miter; "
              "sat -verify -prove-asserts -tempinduct -set-init-zero -seq 1 miter")
    return tools.yosys().run(["-p", script], cwd=tmp_path, capture_output=True, text=True, timeout=600)


def proven(proof: subprocess.CompletedProcess) -> bool:
    return proof.returncode == 0 and "SUCCESS!" in proof.stdout
