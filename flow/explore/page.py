"""explore.html: one self-contained page of a sweep: the Pareto plots (fps against LUT and against
BRAM, inline SVG, verified points marked), a table row per point and a link to each built
point's report (report.html where the build wrote one, else report.md)."""

from __future__ import annotations

import html
import io
import os
from pathlib import Path

RESOURCES = ("LUT", "FF", "BRAM36", "DSP")


def _figure(rows: list[dict]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    designs = sorted({r["design"] for r in rows})
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colours = {d: palette[i % len(palette)] for i, d in enumerate(designs)}
    for ax, resource in zip(axes, ("LUT", "BRAM36"), strict=True):
        for design in designs:
            mine = [r for r in rows if r["design"] == design and r["estimate"].get("resources")]
            fit = [r for r in mine if r["estimate"]["fits"]]
            over = [r for r in mine if not r["estimate"]["fits"]]
            c = colours[design]
            ax.scatter([r["estimate"]["resources"][resource] for r in fit], [r["estimate"]["fps"] for r in fit],
                       s=18, color=c, alpha=0.45, label=f"{design}: estimated")
            if over:
                ax.scatter([r["estimate"]["resources"][resource] for r in over],
                           [r["estimate"]["fps"] for r in over], s=22, marker="x", color="grey",
                           label=f"{design}: over the budget")
            front = sorted((r for r in fit if r["on_front"]), key=lambda r: r["estimate"]["fps"])
            # the front is over fps, LUT and BRAM together: in one projection it need not be a staircase
            ax.scatter([r["estimate"]["resources"][resource] for r in front], [r["estimate"]["fps"] for r in front],
                       s=60, facecolor="none", edgecolor=c, lw=1.5, label=f"{design}: front (estimate)")
            done = [r for r in front if r["build"] and r["build"].get("measured_fps")]
            ok = [r for r in done if r["build"]["passed"]]
            bad = [r for r in done if not r["build"]["passed"]]
            ax.scatter([r["build"]["resources"][resource] for r in ok], [r["build"]["measured_fps"] for r in ok],
                       s=90, marker="*", color=c, edgecolor="black", zorder=3,
                       label=f"{design}: verified (L4 = L2, measured fps)")
            if bad:
                ax.scatter([r["build"]["resources"][resource] for r in bad],
                           [r["build"]["measured_fps"] for r in bad], s=70, marker="s", color="red",
                           zorder=3, label=f"{design}: build FAILED")
        ax.set_xlabel(f"{resource} (estimate)")
        ax.set_ylabel("frames/s")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


def _plot_svg(rows: list[dict]) -> str:
    import matplotlib.pyplot as plt

    fig, buffer = _figure(rows), io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def write_plot(path: Path, state: dict) -> None:
    """The page's Pareto plots alone, as an image file (PNG by its suffix), for reports."""
    import matplotlib.pyplot as plt

    fig = _figure([r for r in _rows(state) if r["estimate"].get("resources")])
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _rows(state: dict) -> list[dict]:
    front = set(state.get("front", []))
    rows = []
    for key, p in state["points"].items():
        build = state["builds"].get(p.get("build_key")) if p.get("build_key") else None
        rows.append({**p, "key": key, "on_front": key in front, "build": build,
                     "error": state.get("errors", {}).get(p.get("build_key"))})
    return sorted(rows, key=lambda r: (r["design"], -(r["estimate"].get("fps") or 0)))


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def write_page(path: Path, state: dict) -> None:
    path = Path(path)
    rows = _rows(state)
    plotted = [r for r in rows if r["estimate"].get("resources")]
    svg = _plot_svg(plotted) if plotted else "<p>No point estimated yet.</p>"
    head = ["design", "fps asked", "clock MHz", "RAM style", "board", "fps (est.)", "bottleneck",
            *(f"{k} (est.)" for k in RESOURCES), "fits", "front", "build", "measured fps", "ladder",
            "build s", "report"]
    body = []
    for r in rows:
        s, e, b = r["spec"], r["estimate"], r["build"]
        res = e.get("resources") or {}
        if b:
            verdict = "verified" if b["passed"] else "FAILED: " + "; ".join(b["failures"][:2])
            link = os.path.relpath(b["report"], path.parent)
            report = f'<a href="{html.escape(link)}">{html.escape(Path(b["report"]).name)}</a>'
            ladder = " ".join(f"{k}{'=' if v else '!='}" for k, v in b["ladder"].items())
        else:
            verdict = ("error: " + r["error"]) if r["error"] else ("not built" if r["on_front"] else "")
            report, ladder = "-", "-"
        cells = [r["design"], s["fps"], s["clock_mhz"], s["ram_style"], s["board"], e.get("fps"),
                 e.get("bottleneck"), *(res.get(k) for k in RESOURCES),
                 "yes" if e.get("fits") else ("no: " + (e.get("error") or "")), "yes" if r["on_front"] else "",
                 verdict, b.get("measured_fps") if b else None, ladder, b.get("seconds") if b else None]
        cls = ' class="front"' if r["on_front"] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + f"<td>{report}</td></tr>")
    built = [r for r in rows if r["on_front"] and r["build"]]
    verified = sum(1 for r in built if r["build"]["passed"])
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>qnnflow design-space sweep</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; font-size: 12px; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; text-align: right; }}
tr.front {{ background: #eef6ee; font-weight: bold; }}
svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>Design-space sweep</h1>
<p>{len(rows)} points, {sum(1 for r in rows if r['estimate'].get('fits'))} fit their board by the estimate,
{len(state.get('front', []))} on the fps-resources front (per design: no other point has at least its
frames/s with at most its LUTs and BRAM), {len(built)} of them built, {verified} verified
(L0..L3 and L4 in Verilator equal L2; fps measured in rtlsim). Estimates are the ops' analytic
models before FIFO sizing; a built point's resources are its build's estimate with FIFOs sized.</p>
{svg}
<h2>Points</h2>
<table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>
{chr(10).join(body)}
</table></body></html>
"""
    path.write_text(page)
