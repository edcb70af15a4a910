"""Energy per image of the programmable logic: an ESTIMATE from measured switching activity.

    energy per image = signal toggles per image x E_toggle            (dynamic, signals)
                     + FF x cycles per image x E_clock                 (dynamic, clock tree)
                     + sum over ops of BRAM36 x active cycles x E_bram (dynamic, block RAM)
                     + sum over ops of DSP x active cycles x E_dsp     (dynamic, DSP)
                     + P_static x cycles per image / f                 (static)

Signal toggles are counted by Verilator's toggle coverage while the test inputs stream through
the design back to back (flow/backends/rtl/activity.py), so the estimate follows the data: the
same design toggles less on blank images than on noise. An op's memories and DSPs are active for
its analytic cycles per image; the DSP term counts the slices that multiply (an MVAU's slices add,
dot_dsp.v, and are counted by their toggles like the fabric). The per-resource figures and the static power are the board's
(hw/boards/<board>.json "power", each with its source and the arithmetic to these units): for the
PYNQ-Z2, read or derived from a Vivado report_power of another xc7z020 design and from Xilinx XPE
figures, with the per-toggle figure resting on an assumed average toggle rate. They are not XPE or
report_power run on this design, so every figure here is labelled an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

ESTIMATE = "estimate"   # the label every energy figure carries, in JSON and markdown


@dataclass(frozen=True)
class PowerFigures:
    signal_toggle_pj: float
    clock_pj_per_ff_cycle: float
    bram36_pj_per_active_cycle: float
    dsp_pj_per_active_cycle: float
    pl_static_w: float
    sources: dict

    @classmethod
    def of_board(cls, board) -> PowerFigures:
        power = board.data.get("power")
        if power is None:
            raise ValueError(f"board {board.name} has no power figures (hw/boards/{board.name}.json \"power\")")
        names = [f for f in cls.__dataclass_fields__ if f != "sources"]
        return cls(*(float(power[n]["value"]) for n in names),
                   sources={n: power[n]["source"] for n in names} | {"what": power.get("what", "")})


def energy_per_image(toggles_per_image: float, cycles_per_image: float, clock_mhz: float, ff: float,
                     active: list[dict], figures: PowerFigures) -> dict:
    """The estimate's terms in joules per image, its power at that rate and images per joule.

    active: per op {"BRAM36", "DSP", "cycles"}: its resources and its active cycles per image."""
    pj = 1e-12
    seconds = cycles_per_image / (clock_mhz * 1e6)
    terms = {
        "signals": toggles_per_image * figures.signal_toggle_pj * pj,
        "clock": ff * cycles_per_image * figures.clock_pj_per_ff_cycle * pj,
        "bram": sum(op["BRAM36"] * op["cycles"] for op in active) * figures.bram36_pj_per_active_cycle * pj,
        "dsp": sum(op["DSP"] * op["cycles"] for op in active) * figures.dsp_pj_per_active_cycle * pj,
        "static": figures.pl_static_w * seconds,
    }
    total = sum(terms.values())
    dynamic = total - terms["static"]
    return {
        "label": ESTIMATE,
        "joules_per_image": total,
        "images_per_joule": 1.0 / total,
        "terms_joules_per_image": terms,
        "dynamic_watts": dynamic / seconds,
        "static_watts": figures.pl_static_w,
        "images_per_second": 1.0 / seconds,
        "toggles_per_image": toggles_per_image,
        "cycles_per_image": cycles_per_image,
        "ff": ff,
    }
