"""A PNG of a build's report.html, or of a sweep's explore.html, taken with headless Chromium
(Debian: apt-get install chromium).

For a build, rewrites its report files first (python -m flow.report: no step reruns), so a build
made before the report changed shows today's page; a sweep's page (python -m flow.explore) is
taken as it is. The screenshot goes to benchmarks/results/.

    ./dev python benchmarks/report_screenshot.py build/cnv_w1a1 [--png benchmarks/results/report_cnv_w1a1.png]
    ./dev python benchmarks/report_screenshot.py build/explore_cnv_w1a1 --size 1280,2400
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from flow.report import rewrite_report

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build", type=Path, help="a build directory, or a sweep's (it holds explore.html)")
    ap.add_argument("--png", type=Path, help="default: benchmarks/results/report_<build name>.png, or "
                                             "explore_<directory name>.png for a sweep")
    ap.add_argument("--size", default="1280,11000", help="window width,height in pixels (the page is cut there)")
    args = ap.parse_args(argv)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium not found (Debian: apt-get install chromium)")
    if (args.build / "explore.html").exists():
        html = (args.build / "explore.html").resolve()
        png = (args.png or RESULTS / f"explore_{html.parent.name}.png").resolve()
    else:
        report = rewrite_report(args.build)
        png = (args.png or RESULTS / f"report_{report['build']['name']}.png").resolve()
        html = (args.build / "report.html").resolve()
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={png}", f"--window-size={args.size}", html.as_uri()],
                   check=True, capture_output=True, timeout=120)
    Image.open(png).convert("RGB").quantize(256).save(png, optimize=True)  # a third of the size, text as sharp
    print(png)


if __name__ == "__main__":
    main()
