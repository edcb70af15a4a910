"""flow/tasks.py: Ray tasks on this machine (two CPUs): results by item, an error as a result, a
killed worker's task retried, a task's own parallel work held to its declared CPUs, and a build
that does not ask for Ray never imports it."""

import os
import subprocess
import sys

import pytest

from flow.paths import SOURCE_ROOT
from flow.tasks import JOBS, Pool, TaskError, jobs


def square(x):
    if x == 3:
        raise ValueError("three is refused")
    return x * x


def dies_once(marker):
    """Kills its own worker the first time (as `kill -9` would), then returns its pid."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return os.getpid()


@pytest.fixture(scope="module")
def pool():
    with Pool(workers=2) as p:
        yield p


def test_results_come_back_by_item_and_an_error_is_a_result(pool):
    results = dict(pool.run(square, range(5), desc="squares"))
    assert {i: r for i, r in results.items() if i != 3} == {0: 0, 1: 1, 2: 4, 4: 16}
    assert isinstance(results[3], TaskError) and "three is refused" in results[3].message


def test_a_task_whose_worker_died_is_retried(pool, tmp_path):
    marker = tmp_path / "died"
    [(_, pid)] = pool.run(dies_once, [str(marker)], desc="dies once")
    assert marker.exists() and isinstance(pid, int) and pid != os.getpid()


def test_shared_data_reaches_every_task(pool):
    assert sorted(r for _, r in pool.run(lambda i, s: s[i], [0, 1], shared=("a", "b"))) == ["a", "b"]


def test_a_task_uses_the_cpus_it_declares(pool):
    assert [r for _, r in pool.run(lambda _: jobs(), [0], cpus=1)] == [1]
    assert [r for _, r in pool.run(lambda _: jobs(), [0], cpus=2)] == [2]


def test_jobs_outside_ray(monkeypatch):
    monkeypatch.delenv(JOBS, raising=False)
    assert jobs() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(JOBS, "3")
    assert jobs() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(JOBS, bad)
        with pytest.raises(ValueError, match=f"{JOBS}='{bad}'"):
            jobs()


def test_bad_pool_arguments_are_named():
    with pytest.raises(ValueError, match="workers 0"):
        Pool(workers=0)
    with pytest.raises(ValueError, match="exclude"):
        Pool(workers=1, address="127.0.0.1:6379")


def test_a_build_does_not_import_ray():
    code = "import sys, flow.build, flow.api, flow.pipeline; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=SOURCE_ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(SOURCE_ROOT)}, check=True)
    assert out.stdout.strip() == "False"
