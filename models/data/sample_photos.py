"""Images that ship offline with other packages than scikit-image, for held-out tracking scenes.

Training samples scikit-image's photographs only (models/data/synthetic_tracking.py, split
"train"; the project's benchmark uses its "test" split), so scenes built from these images show
the tracker objects and backgrounds it never saw. What ships offline is little:

| name | package | what |
|---|---|---|
| china | scikit-learn (sklearn.datasets.load_sample_image) | photograph, a temple, 640x427 |
| flower | scikit-learn | photograph, a flower, 640x427 |
| grace_hopper | matplotlib (sample_data) | photograph, a portrait, 512x600 |
| blue_pack | matplotlib (sample_data, Minduka_Present_Blue_Pack.png) | photograph, 128x128 |
| mri | matplotlib (sample_data, s1045.ima.gz) | MRI slice, 256x256, grey |
| relief | matplotlib (sample_data, jacksboro_fault_dem.npz) | elevation model shaded by a light source |

Each loader returns an RGB or grey uint8 array, as skimage.data's do.
"""

import numpy as np
from matplotlib import cbook


def china() -> np.ndarray:
    from sklearn.datasets import load_sample_image

    return load_sample_image("china.jpg")


def flower() -> np.ndarray:
    from sklearn.datasets import load_sample_image

    return load_sample_image("flower.jpg")


def grace_hopper() -> np.ndarray:
    from PIL import Image

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(f).convert("RGB"))


def blue_pack() -> np.ndarray:
    """The pack on a mid-grey ground where the PNG is transparent."""
    from PIL import Image

    with cbook.get_sample_data("Minduka_Present_Blue_Pack.png") as f:
        rgba = np.asarray(Image.open(f).convert("RGBA"), dtype=np.float32)
    alpha = rgba[:, :, 3:] / 255
    return np.rint(rgba[:, :, :3] * alpha + 128 * (1 - alpha)).astype(np.uint8)


def mri() -> np.ndarray:
    """The 256x256 big-endian 16-bit MRI slice, stretched to uint8."""
    with cbook.get_sample_data("s1045.ima.gz") as f:  # matplotlib decompresses .gz files
        raw = f.read()
    image = np.frombuffer(raw, dtype=">u2").reshape(256, 256).astype(np.float64)
    return np.rint(255 * image / image.max()).astype(np.uint8)


def relief() -> np.ndarray:
    """The elevation model as a hill-shaded colour image (matplotlib's LightSource)."""
    from matplotlib import colormaps
    from matplotlib.colors import LightSource

    dem = cbook.get_sample_data("jacksboro_fault_dem.npz")
    shaded = LightSource(azdeg=315, altdeg=45).shade(
        dem["elevation"], cmap=colormaps["gist_earth"], blend_mode="overlay", vert_exag=0.05
    )
    return np.rint(255 * shaded[:, :, :3]).astype(np.uint8)


SAMPLE_PHOTOS = {
    "china": china,
    "flower": flower,
    "grace_hopper": grace_hopper,
    "blue_pack": blue_pack,
    "mri": mri,
    "relief": relief,
}
