"""Design-space exploration: sweep foldings, RAM styles, clocks, quantisation presets and boards,
estimate every point, find the fps-resources front, and build and verify the front (L4) as Ray
tasks; explore.json and explore.html show the result.

    from flow.explore import Space, explore
    sweep = explore(Space(models=["cnv_w1a1"], fps=[500, 1000, "max"]), "build/explore_cnv")
    for p in sweep.front:
        p.fps, p.resources, p.verified, p.build["report"]

`python -m flow.explore` is the command line (flow/explore/__main__.py); Sweep.open(dir) reads a
finished or interrupted sweep.
"""

from flow.explore.space import PointSpec, Space, load_space
from flow.explore.sweep import Point, Sweep, explore

__all__ = ["Point", "PointSpec", "Space", "Sweep", "explore", "load_space"]
