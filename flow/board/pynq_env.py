"""The board's Python for L6: one virtual environment per pynq version a PYNQ-Z2 runs
(.venv-pynq3.0.1, .venv-pynq3.1.2 at the repository root, or in $QNNFLOW_PYNQ_ENVS), from the lock beside this
file (flow/board/requirements-pynq<version>.lock), with pynq
installed from its PyPI sdist: the sdist checked against the lock's sha256, and every file pynq
installs checked byte for byte against the sdist's member. Built once per content of the lock and
of this file (a stamp in the environment); `python -m flow.board pynq-env` builds it (./dev does).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import subprocess
import sys
import tarfile
from contextlib import contextmanager
from pathlib import Path

from flow.paths import SOURCE_ROOT

PYNQ_VERSIONS = ("3.0.1", "3.1.2")   # what L6 can run the driver with (hw/boards/images/)
DEFAULT_PYNQ = PYNQ_VERSIONS[0]
# files pynq writes into its own folder when it runs (the loaded bitstream's state): 3.0.1's
# global_pl_state.json, 3.1's global_pl_state_<device tag>.json, and the parsed metadata
RUNTIME_STATE = re.compile(r"pl_server/(global_pl_state(_[^/]*)?\.json|_current_metadata\.pkl)")


class PynqEnvError(RuntimeError):
    pass


def lock_file(version: str) -> Path:
    return Path(__file__).with_name(f"requirements-pynq{version}.lock")


def env_dir(version: str) -> Path:
    return Path(os.environ.get("QNNFLOW_PYNQ_ENVS", SOURCE_ROOT)) / f".venv-pynq{version}"


def sdist_pin(version: str) -> tuple[str, str]:
    """(file name, sha256) of pynq's sdist, from the lock's '# pynq-sdist:' line."""
    lock = lock_file(version)
    if version not in PYNQ_VERSIONS or not lock.is_file():
        raise PynqEnvError(f"pynq {version}: L6 runs pynq {', '.join(PYNQ_VERSIONS)} (a lock file "
                           f"requirements-pynq<version>.lock for each)")
    found = re.search(r"^# pynq-sdist: (\S+) sha256=([0-9a-f]{64})$", lock.read_text(), re.M)
    if not found:
        raise PynqEnvError(f"{lock} has no '# pynq-sdist: FILE sha256=HEX' line")
    return found.group(1), found.group(2)


def _stamp(version: str) -> str:
    return hashlib.sha256(lock_file(version).read_bytes() + Path(__file__).read_bytes()).hexdigest()


def _site_packages(env: Path) -> Path:
    return env / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def compare_with_sdist(package: Path, sdist: Path) -> dict:
    """Every file under the installed package against the sdist's member of the same path:
    {"checked": n, "different": [...], "not_in_sdist": [...]} (bytecode and RUNTIME_STATE aside)."""
    installed = {p.relative_to(package).as_posix(): p for p in package.rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    installed = {rel: p for rel, p in installed.items() if not RUNTIME_STATE.fullmatch(rel)}
    checked, different = 0, []
    with tarfile.open(sdist) as tar:   # one pass: a gzip stream does not seek
        for member in tar:
            rel = member.name.split("/", 1)[-1].removeprefix(f"{package.name}/")
            if member.isfile() and member.name.split("/")[1:2] == [package.name] and rel in installed:
                checked += 1
                if tar.extractfile(member).read() != installed.pop(rel).read_bytes():
                    different.append(rel)
    return {"checked": checked, "different": different, "not_in_sdist": sorted(installed)}


@contextmanager
def _locked(env: Path):
    env.parent.mkdir(parents=True, exist_ok=True)
    with open(env.with_name(env.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # test workers and builds share one environment
        yield


def _pip(python: Path, *args: str) -> None:
    proc = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise PynqEnvError(f"pip {' '.join(args[:3])} ... failed in {python.parents[1]}:\n{proc.stderr[-3000:]}")


def _build(version: str, env: Path) -> None:
    print(f"pynq-env: building {env} (pynq {version} from its sdist; a few minutes, once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(env)], check=True)
    python = env / "bin" / "python"
    _pip(python, "install", "-r", str(lock_file(version)))
    name, want = sdist_pin(version)
    sdist_dir = env / "sdist"
    _pip(python, "download", "--no-deps", "--no-binary", ":all:", f"pynq=={version}", "-d", str(sdist_dir))
    sdist = sdist_dir / name
    if not sdist.is_file() or sha256(sdist) != want:
        raise PynqEnvError(f"{sdist}: not the pynq {version} sdist of sha256 {want} that "
                           f"{lock_file(version).name} pins")
    # setup.py as the image's build runs it (no isolation: the lock's setuptools and wheel)
    _pip(python, "install", "--no-deps", "--no-build-isolation", str(sdist))
    check = compare_with_sdist(_site_packages(env) / "pynq", sdist)
    if check["different"] or check["not_in_sdist"] or not check["checked"]:
        raise PynqEnvError(f"pynq {version} as installed in {env} is not its sdist: {check}")


def pynq_python(version: str = DEFAULT_PYNQ) -> Path:
    """The Python of the board environment for pynq `version`, built if missing or stale."""
    env = env_dir(version)
    stamp = env / ".installed"
    with _locked(env):
        want = _stamp(version)   # of the lock the environment is built from
        if not (stamp.is_file() and stamp.read_text() == want):
            _build(version, env)
            stamp.write_text(want)
    return env / "bin" / "python"


def verify(version: str = DEFAULT_PYNQ) -> dict:
    """The installed pynq against its pinned sdist, now (the sdist kept in the environment)."""
    env = pynq_python(version).parents[1]
    name, want = sdist_pin(version)
    sdist = env / "sdist" / name
    return {"pynq": version, "sdist": name, "sdist_sha256": sha256(sdist), "pinned_sha256": want,
            **compare_with_sdist(_site_packages(env) / "pynq", sdist)}
