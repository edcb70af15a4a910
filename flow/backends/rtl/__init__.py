"""The RTL backend: Verilog generation, Verilator simulation, Yosys synthesis (steps.py)."""
