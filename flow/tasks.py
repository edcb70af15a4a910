"""The one way the long work runs in parallel: as Ray tasks, on this machine or on a cluster.

    from flow.tasks import Pool
    with Pool(workers=2) as pool:                       # ray.init() on this machine, 2 CPUs
        for index, result in pool.run(work, items, cpus=1, desc="points"):
            ...

`Pool(address="host:6379")` joins a running cluster (`ray start --head` on one machine,
`ray start --address=...` on the others) instead of starting one. Each task declares the CPUs it
takes, and Ray retries a task whose worker died (a killed process, a lost node) up to
`retries` times, so a run completes as long as some worker is left. A task that raises does not
stop the others: its result is a TaskError naming the item and the error.

Ray is imported only here and only when a Pool starts, so a build that does not ask for it starts
as fast as before and needs no cluster. A node's environment (QNNFLOW_CACHE, QNNFLOW_NODE_BUILDS)
is its workers': a second node started with its own folders builds and caches there.

A task uses the CPUs it declares, no more: its own parallel work (Verilator's make, the per-op
simulations) asks `jobs()`, which in a task is the task's CPUs, so Ray never places more work on a
node than it has cores. Outside Ray it is QNNFLOW_JOBS, or every CPU this process may run on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from flow.paths import SOURCE_ROOT

# where a node's workers put the builds they make (each node its own), else the caller's folder
NODE_BUILDS = "QNNFLOW_NODE_BUILDS"
JOBS = "QNNFLOW_JOBS"


def jobs() -> int:
    """How many CPUs this process's own parallel work may use: QNNFLOW_JOBS (a Ray task's declared
    CPUs, or the user's), else every CPU the process may run on."""
    text = os.environ.get(JOBS)
    if text is None:
        return len(os.sched_getaffinity(0))
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{JOBS}={text!r}: must be a whole number of CPUs, at least 1")
    return int(text)


@dataclass(frozen=True)
class TaskError:
    """A task that raised: the error's one line, and the node it ran on."""
    message: str
    node: str


def _task(function: Callable, item, shared, cpus: float):
    """What runs in a Ray worker: function(item) or function(item, shared), its own parallel work
    held to the task's CPUs."""
    os.environ[JOBS] = str(max(1, int(cpus)))
    try:
        return function(item) if shared is None else function(item, shared)
    except Exception as err:  # noqa: BLE001 - one failed item is a result, not the run's end
        return TaskError(f"{type(err).__name__}: {err}", f"{os.uname().nodename}:{os.getpid()}")


class Pool:
    """A Ray session: started on this machine with `workers` CPUs, or joined at `address`."""

    def __init__(self, workers: int | None = None, address: str | None = None):
        if workers is not None and workers < 1:
            raise ValueError(f"workers {workers}: must be at least 1")
        if workers is not None and address is not None:
            raise ValueError("workers and address exclude each other (a cluster has its own CPUs)")
        self.workers, self.address = workers, address
        self._ray = None

    def __enter__(self) -> Pool:
        import ray  # here, not at the top: see the module's docstring

        # the workers import this repository's code wherever they start
        path = os.pathsep.join(p for p in (str(SOURCE_ROOT), os.environ.get("PYTHONPATH")) if p)
        options = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False,
                   "runtime_env": {"env_vars": {"PYTHONPATH": path}}}
        if self.address is not None:
            try:
                ray.init(address=self.address, **options)
            except (ConnectionError, ray.exceptions.RayError) as err:
                raise ValueError(f"Ray cluster at {self.address}: {str(err).splitlines()[0]} (a cluster "
                                 "started with token authentication needs RAY_AUTH_MODE=token)") from None
        else:
            # "local": a new instance even where `ray start` runs a cluster on this machine
            ray.init(address="local", num_cpus=self.workers or os.cpu_count(), **options)
        self._ray = ray
        return self

    def __exit__(self, *exc) -> None:
        self._ray.shutdown()
        self._ray = None

    @property
    def cpus(self) -> int:
        return int(self._ray.cluster_resources().get("CPU", 0))

    def run(self, function: Callable, items: Iterable, *, shared=None, cpus: float = 1, retries: int = 3,
            desc: str = "tasks") -> Iterator[tuple[int, object]]:
        """function(item) (or function(item, shared): `shared` goes into Ray's object store once
        for all tasks) for every item as a Ray task of `cpus` CPUs, yielding (index, result) as
        each finishes, with a progress bar; a result is a TaskError when the task raised."""
        if self._ray is None:
            raise RuntimeError("Pool.run outside 'with Pool(...)'")
        ray = self._ray
        remote = ray.remote(num_cpus=cpus, max_retries=retries)(_task)
        shared_ref = None if shared is None else ray.put(shared)
        pending = {remote.remote(function, item, shared_ref, cpus): i for i, item in enumerate(items)}
        with tqdm(total=len(pending), desc=desc, file=sys.stderr, leave=False) as bar:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    index = pending.pop(ref)
                    try:
                        result = ray.get(ref)
                    except ray.exceptions.RayError as err:   # retries spent: every worker died
                        result = TaskError(f"{type(err).__name__}: {str(err).splitlines()[0]}", "?")
                    bar.update()
                    yield index, result


def node_folder(default) -> Path:
    """The folder for builds a task makes: the node's own (QNNFLOW_NODE_BUILDS), else `default`."""
    own = os.environ.get(NODE_BUILDS)
    return Path(own) if own else Path(default)
