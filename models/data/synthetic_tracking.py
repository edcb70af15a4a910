"""Semi-synthetic tracking sequences with exact ground truth, from scikit-image's photographs.

A sequence is a camera panning over a real photograph (skimage.data) while a target cut from
another photograph moves over it with scale change, in-plane rotation, partial occlusion by other
cut-outs, illumination change, motion blur, noise and look-alike distractors. Everything is drawn
from one seed, so a sequence is a pure function of (seed, split, length, frame size).

The ground-truth box is the axis-aligned bounding box of the target's silhouette (its alpha = 0.5
outline) carried through the same transform that renders it, so it is exact up to the pixel grid
whether the target is occluded or not (as in OTB, the box covers the whole target).

Photographs are split: "train" sequences use one set of photographs, "test" (benchmark) sequences
another, so the benchmark measures generalisation to unseen objects and backgrounds. A third split,
"heldout", uses images that ship with other packages (models/data/sample_photos.py) for the held-out
benchmarks (models/data/heldout_tracking.py).

A SceneConfig sets how often each attribute occurs and how hard it is (look-alike distractors,
occluders, fast motion); the default is the scenes of the project's benchmark and training data.

    python -m models.data.synthetic_tracking --out DIR [--sequences 20] [--frames 100] [--seed 0]

writes DIR/<name>/img/0001.jpg ... and DIR/<name>/groundtruth_rect.txt (OTB format), plus
DIR/<name>/attributes.txt with the sequence's OTB-style attribute tags.
"""

import argparse
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage import data as skdata
from skimage.measure import find_contours
from skimage.transform import resize
from tqdm import tqdm

from models.data.otb import write_groundtruth
from models.data.sample_photos import SAMPLE_PHOTOS

PHOTOS = {
    "astronaut": skdata.astronaut,
    "coffee": skdata.coffee,
    "rocket": skdata.rocket,
    "hubble_deep_field": skdata.hubble_deep_field,
    "immunohistochemistry": skdata.immunohistochemistry,
    "camera": skdata.camera,
    "brick": skdata.brick,
    "grass": skdata.grass,
    "gravel": skdata.gravel,
    "moon": skdata.moon,
    "chelsea": skdata.chelsea,
    "motorcycle": lambda: skdata.stereo_motorcycle()[0],
    "retina": skdata.retina,
    "coins": skdata.coins,
    "clock": skdata.clock,
    **SAMPLE_PHOTOS,
}
SPLITS = {
    "train": (
        "astronaut",
        "coffee",
        "rocket",
        "hubble_deep_field",
        "immunohistochemistry",
        "camera",
        "brick",
        "grass",
        "gravel",
        "moon",
    ),
    "test": ("chelsea", "motorcycle", "retina", "coins", "clock"),
    "heldout": tuple(SAMPLE_PHOTOS),
}
SHAPES = ("ellipse", "rounded_rect", "rect", "silhouette")
# OTB attribute tags: scale variation, in-plane rotation, occlusion, illumination variation,
# motion blur, background clutter (look-alike distractors), fast motion
ATTRIBUTES = ("SV", "IPR", "OCC", "IV", "MB", "BC", "FM")


@dataclass(frozen=True)
class SceneConfig:
    """What a sequence's scene may hold. Ranges are (low, high): uniform, or integers low..high-1.

    The default is the project's benchmark and training scenes (each attribute drawn with its
    probability); other configs make distractors, occlusion or fast motion more frequent or harder.
    """

    # probability of SV, IPR, OCC, IV, MB, BC, FM
    probabilities: tuple = (0.7, 0.5, 0.5, 0.5, 0.35, 0.5, 0.3)
    slow_speed: tuple = (1.5, 4.0)  # the target's top speed, frame pixels per frame
    fast_speed: tuple = (6.0, 10.0)  # the same with FM
    distractors: tuple = (1, 3)  # look-alikes with BC
    occluders: tuple = (1, 3)  # occluders with OCC
    occluder_size: tuple = (0.6, 1.1)  # occluder side / target size
    occluder_speed: tuple = (1.5, 3.5)
    occluder_miss: float = 0.3  # the occluder's path passes within this x target size of it

    def __post_init__(self):
        if len(self.probabilities) != len(ATTRIBUTES):
            raise ValueError(
                f"SceneConfig.probabilities needs one value per attribute {ATTRIBUTES}, "
                f"got {len(self.probabilities)}"
            )


# The training data's scenes (models/recipes/siamfc.py --scenes): the default ones, and "varied",
# with look-alike distractors, occluders and fast motion more frequent and harder (up to 14 px per
# frame, occluders up to 1.6x the target).
TRAINING_SCENES = {
    "default": SceneConfig(),
    "varied": SceneConfig(
        probabilities=(0.7, 0.5, 0.7, 0.5, 0.35, 0.7, 0.6),
        fast_speed=(6.0, 14.0),
        distractors=(1, 4),
        occluder_size=(0.6, 1.6),
        occluder_miss=0.2,
    ),
}


@functools.cache
def photo(name: str) -> np.ndarray:
    """A photograph as float32 RGB (H, W, 3) in [0, 255]; grey photographs are repeated."""
    if name not in PHOTOS:
        raise ValueError(f"unknown photograph {name!r}; known: {', '.join(PHOTOS)}")
    image = np.asarray(PHOTOS[name]())
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image[:, :, :3].astype(np.float32)


@functools.cache
def _photo_image(name: str) -> Image.Image:
    return Image.fromarray(photo(name).astype(np.uint8))


@functools.cache
def _horse_mask() -> np.ndarray:
    mask = ~np.asarray(skdata.horse(), dtype=bool)
    rows, cols = np.nonzero(mask)
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(np.float32)


def shape_alpha(shape: str, h: int, w: int) -> np.ndarray:
    """Alpha (h, w) in [0, 1] with a one-pixel soft edge; alpha 0.5 traces the shape's outline."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = xs + 0.5 - w / 2, ys + 0.5 - h / 2  # pixel centres relative to the patch centre
    if shape == "ellipse":
        a, b = w / 2 - 1, h / 2 - 1
        r = np.sqrt((u / a) ** 2 + (v / b) ** 2)
        distance = (r - 1) * min(a, b)
    elif shape in ("rounded_rect", "rect"):
        radius = 0.25 * min(w, h) if shape == "rounded_rect" else 0.0
        qx = np.abs(u) - (w / 2 - 1 - radius)
        qy = np.abs(v) - (h / 2 - 1 - radius)
        outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
        distance = outside + np.minimum(np.maximum(qx, qy), 0) - radius
    elif shape == "silhouette":
        mask = resize(_horse_mask(), (h - 2, w - 2), order=1, anti_aliasing=True)
        return np.pad(mask, 1).astype(np.float32)
    else:
        raise ValueError(f"unknown shape {shape!r}; known: {', '.join(SHAPES)}")
    return np.clip(0.5 - distance, 0.0, 1.0).astype(np.float32)


@dataclass
class Sprite:
    """A cut-out: colour (h, w, 3) and alpha (h, w), and the outline of its silhouette."""

    rgb: np.ndarray
    alpha: np.ndarray

    def __post_init__(self):
        # the alpha = 0.5 contour, linearly interpolated between pixel centres as the bilinear
        # rendering interpolates it; (x, y) relative to the patch centre
        h, w = self.alpha.shape
        contours = find_contours(self.alpha, 0.5)
        if not contours:
            raise ValueError("a sprite needs some alpha >= 0.5")
        points = np.concatenate(contours)
        self.outline = np.stack([points[:, 1] + 0.5 - w / 2, points[:, 0] + 0.5 - h / 2], axis=1)

    def box(self, pose) -> np.ndarray:
        """[x, y, w, h] (0-based, continuous pixel coordinates) of the silhouette at a pose."""
        # element-wise products and sums, not a matrix product: that goes through OpenBLAS,
        # whose kernel is chosen by the CPU (with fused multiply-adds on some), so the boxes
        # would differ in the last bits from machine to machine
        m, x, y = _linear(pose), self.outline[:, 0], self.outline[:, 1]
        points = np.stack([x * m[0, 0] + y * m[0, 1], x * m[1, 0] + y * m[1, 1]], axis=1) + pose[:2]
        lo, hi = points.min(axis=0), points.max(axis=0)
        return np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]])

    def draw(self, canvas: np.ndarray, pose) -> None:
        """Alpha-blend the sprite at pose (cx, cy, scale, angle) into canvas (H, W, 3) in place."""
        x, y, w, h = self.box(pose)
        rows = slice(max(int(np.floor(y)) - 2, 0), min(int(np.ceil(y + h)) + 2, canvas.shape[0]))
        cols = slice(max(int(np.floor(x)) - 2, 0), min(int(np.ceil(x + w)) + 2, canvas.shape[1]))
        if rows.start >= rows.stop or cols.start >= cols.stop:
            return
        ys, xs = np.mgrid[rows, cols].astype(np.float64)
        offsets = np.stack([xs + 0.5 - pose[0], ys + 0.5 - pose[1]], axis=-1)
        source = offsets @ np.linalg.inv(_linear(pose)).T  # relative to the patch centre
        sh, sw = self.alpha.shape
        coords = [source[..., 1] + sh / 2 - 0.5, source[..., 0] + sw / 2 - 0.5]
        alpha = ndimage.map_coordinates(self.alpha, coords, order=1, mode="constant", cval=0.0)
        if not alpha.any():
            return
        region = canvas[rows, cols]
        for c in range(3):
            colour = ndimage.map_coordinates(self.rgb[:, :, c], coords, order=1, mode="nearest")
            region[:, :, c] += alpha * (colour - region[:, :, c])


def _linear(pose) -> np.ndarray:
    """The 2x2 matrix taking sprite offsets to frame offsets: scale times rotation."""
    scale, angle = pose[2], pose[3]
    c, s = np.cos(angle), np.sin(angle)
    return scale * np.array([[c, -s], [s, c]])


def _smooth_wave(rng, length, amplitude) -> np.ndarray:
    """A smooth zero-mean signal of `length` samples: two random sinusoids, peak about amplitude."""
    t = np.arange(length)
    signal = np.zeros(length)
    for _ in range(2):
        period = rng.uniform(0.6, 2.0) * length
        signal += np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    return amplitude * signal / 2


class SyntheticSequence:
    """One seeded semi-synthetic sequence; frames are rendered on demand by frame(t).

    Attributes: name, length, frame_size (W, H), boxes (length, 4) [x, y, w, h] 0-based float,
    attributes (OTB-style tags), split, target_photo and background_photo (the photographs' names).
    target_photo, when given, fixes the photograph the target is cut from (the background is then
    drawn from the split's others).
    """

    def __init__(
        self,
        seed: int,
        split: str = "test",
        length: int = 100,
        frame_size: tuple[int, int] = (320, 240),
        name: str | None = None,
        scene: SceneConfig = SceneConfig(),
        target_photo: str | None = None,
    ):
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
        if length < 2:
            raise ValueError(f"a sequence needs at least 2 frames, got {length}")
        self.seed, self.split, self.length = seed, split, length
        self.frame_size = tuple(frame_size)
        self.name = name or f"syn_{split}_{seed}"
        self.scene = scene
        rng = np.random.default_rng(np.random.SeedSequence([seed, list(SPLITS).index(split)]))
        self.attributes = [
            a for a, p in zip(ATTRIBUTES, scene.probabilities, strict=True) if rng.random() < p
        ]
        photos = list(SPLITS[split])
        if target_photo is not None and target_photo not in photos:
            raise ValueError(
                f"target photograph {target_photo!r} is not in split {split!r}: {', '.join(photos)}"
            )
        backgrounds = [p for p in photos if p != target_photo]
        self._background_name = backgrounds[rng.integers(len(backgrounds))]
        self._camera = self._camera_path(rng)
        if target_photo is None:
            others = [p for p in photos if p != self._background_name]
            target_photo = others[rng.integers(len(others))]
        self.target_photo, self.background_photo = target_photo, self._background_name
        shape = SHAPES[rng.integers(len(SHAPES))]
        self._target, patch = self._cut_sprite(rng, target_photo, shape)
        self._target_poses = self._trajectory(rng, self._target, "FM" in self.attributes)
        self._behind, self._front = [], []
        if "BC" in self.attributes:
            for _ in range(rng.integers(*scene.distractors)):
                sprite = self._look_alike(rng, target_photo, shape, patch)
                self._behind.append((sprite, self._trajectory(rng, sprite, False)))
        if "OCC" in self.attributes:
            for _ in range(rng.integers(*scene.occluders)):
                self._front.append(self._occluder(rng, photos))
        self._gain = 1 + _smooth_wave(
            rng, length, rng.uniform(0.25, 0.45) if "IV" in self.attributes else 0.05
        )
        self._light = self._light_path(rng) if "IV" in self.attributes else None
        self._blur = self._blur_events(rng) if "MB" in self.attributes else {}
        self.boxes = np.stack([self._target.box(p) for p in self._target_poses])

    def __len__(self) -> int:
        return self.length

    # --- scene construction -----------------------------------------------------------------
    def _camera_path(self, rng):
        """(length, 3): background offset x, y and zoom (photo pixels per frame pixel)."""
        bh, bw = photo(self._background_name).shape[:2]
        fw, fh = self.frame_size
        zoom = min(bh / fh, bw / fw) * rng.uniform(0.55, 0.8)
        room = np.array([bw - fw * zoom, bh - fh * zoom])
        start = rng.uniform(0.2, 0.8, 2) * room
        velocity = rng.normal(0, 0.6, 2)
        offsets = start + velocity * np.arange(self.length)[:, None]
        for axis in (0, 1):  # bounce off the photograph's borders
            period = 2 * room[axis]
            phase = np.mod(offsets[:, axis], period)
            offsets[:, axis] = np.where(phase > room[axis], period - phase, phase)
        shake = np.stack([_smooth_wave(rng, self.length, 2.0) for _ in range(2)], axis=1)
        offsets = np.clip(offsets + shake, 0, room)
        return np.column_stack([offsets, np.full(self.length, zoom)])

    def _cut_sprite(self, rng, photo_name, shape, size=None, tries=20):
        """A sprite cut from a photograph: (sprite, (top, left, h, w) of the patch).
        Of up to `tries` random cuts, the first with some texture (grey-level std >= 20) is kept."""
        image = photo(photo_name)
        ih, iw = image.shape[:2]
        if size is None:
            h = rng.uniform(48, 120)
            w = np.clip(h * np.exp(rng.uniform(-0.6, 0.6)), 32, 160)
            size = (int(min(h, ih - 2)), int(min(w, iw - 2)))
        h, w = min(size[0], ih - 2), min(size[1], iw - 2)  # a large cut from a small image
        for _ in range(tries):
            top, left = rng.integers(0, ih - h + 1), rng.integers(0, iw - w + 1)
            if image[top : top + h, left : left + w].mean(axis=2).std() >= 20:
                break
        return Sprite(image[top : top + h, left : left + w].copy(), shape_alpha(shape, h, w)), (
            top,
            left,
            h,
            w,
        )

    def _look_alike(self, rng, photo_name, shape, patch):
        """A distractor: a cut near the target's patch, same shape and size, colour-jittered."""
        image = photo(photo_name)
        top, left, h, w = patch
        top = int(np.clip(top + rng.integers(-h // 2, h // 2 + 1), 0, image.shape[0] - h))
        left = int(np.clip(left + rng.integers(-w // 2, w // 2 + 1), 0, image.shape[1] - w))
        rgb = image[top : top + h, left : left + w] * rng.uniform(0.85, 1.15, 3)
        return Sprite(np.clip(rgb, 0, 255).astype(np.float32), shape_alpha(shape, h, w))

    def _trajectory(self, rng, sprite, fast):
        """(length, 4) poses (cx, cy, scale, angle), the silhouette kept inside the frame."""
        fw, fh = self.frame_size
        h, w = sprite.alpha.shape
        base = rng.uniform(28, 80) / max(h, w)
        scale_wave = rng.uniform(0.2, 0.4) if "SV" in self.attributes else 0.04
        scale = base * np.exp(_smooth_wave(rng, self.length, scale_wave))
        angle = _smooth_wave(
            rng, self.length, rng.uniform(0.3, 0.6) if "IPR" in self.attributes else 0.03
        )
        max_speed = rng.uniform(*(self.scene.fast_speed if fast else self.scene.slow_speed))
        poses = np.zeros((self.length, 4))
        poses[:, 2], poses[:, 3] = scale, angle
        position = rng.uniform([0.3 * fw, 0.3 * fh], [0.7 * fw, 0.7 * fh])
        velocity = rng.normal(0, max_speed / 2, 2)
        for t in range(self.length):
            velocity = 0.9 * velocity + rng.normal(0, max_speed / 4, 2)
            speed = np.hypot(*velocity)
            if speed > max_speed:
                velocity *= max_speed / speed
            position = position + velocity
            poses[t, :2] = position
            x, y, bw, bh = sprite.box(poses[t])
            half = np.array([bw, bh]) / 2
            lo, hi = half + 2, np.array([fw, fh]) - half - 2
            for axis in (0, 1):  # reflect at the frame's margins
                if position[axis] < lo[axis] or position[axis] > hi[axis]:
                    velocity[axis] = -velocity[axis]
            position = np.clip(position, lo, np.maximum(lo, hi))
            poses[t, :2] = position
        return poses

    def _occluder(self, rng, photos):
        """A cut-out crossing in front of the target around a random frame."""
        target_size = self._target.box(self._target_poses[0])[2:].mean()
        side = int(rng.uniform(*self.scene.occluder_size) * target_size)
        size = (side, int(side * np.exp(rng.uniform(-0.4, 0.4))))
        sprite, _ = self._cut_sprite(
            rng,
            photos[rng.integers(len(photos))],
            ("ellipse", "rect", "rounded_rect")[rng.integers(3)],
            size,
        )
        t_cross = rng.integers(int(0.2 * self.length), max(int(0.85 * self.length), 1))
        direction = rng.normal(size=2)
        direction /= np.linalg.norm(direction)
        speed = rng.uniform(*self.scene.occluder_speed)
        miss = self.scene.occluder_miss
        miss = rng.uniform(-miss, miss) * target_size * np.array([-direction[1], direction[0]])
        t = np.arange(self.length)[:, None]
        poses = np.zeros((self.length, 4))
        poses[:, :2] = self._target_poses[t_cross, :2] + miss + (t - t_cross) * speed * direction
        poses[:, 2] = 1.0
        return sprite, poses

    def _light_path(self, rng):
        """(length, 3): a light spot's x, y and strength (a multiplicative Gaussian bump)."""
        fw, fh = self.frame_size
        start = rng.uniform([0, 0], [fw, fh])
        end = rng.uniform([0, 0], [fw, fh])
        path = start + (end - start) * np.linspace(0, 1, self.length)[:, None]
        return np.column_stack([path, np.full(self.length, rng.uniform(-0.5, 0.6))])

    def _blur_events(self, rng):
        """{frame: (kind, size)} for one or two bursts of motion or defocus blur."""
        events = {}
        for _ in range(rng.integers(1, 3)):
            start = rng.integers(0, self.length)
            kind = ("horizontal", "vertical", "defocus")[rng.integers(3)]
            size = rng.uniform(5, 11) if kind != "defocus" else rng.uniform(1.2, 2.5)
            for t in range(start, min(start + rng.integers(5, 13), self.length)):
                events[t] = (kind, size)
        return events

    # --- rendering --------------------------------------------------------------------------
    def target_alpha(self, t: int) -> np.ndarray:
        """The target's own alpha (H, W) in frame t, as drawn, ignoring what occludes it."""
        self._check_frame(t)
        fw, fh = self.frame_size
        canvas = np.zeros((fh, fw, 3))
        Sprite(np.full_like(self._target.rgb, 1.0), self._target.alpha).draw(
            canvas, self._target_poses[t]
        )
        return canvas[:, :, 0]

    def _check_frame(self, t: int) -> None:
        if not 0 <= t < self.length:
            raise IndexError(f"frame {t} is outside sequence {self.name} of {self.length} frames")

    def frame(self, t: int) -> np.ndarray:
        """Frame t as uint8 RGB (H, W, 3)."""
        self._check_frame(t)
        fw, fh = self.frame_size
        ox, oy, zoom = self._camera[t]
        view = _photo_image(self._background_name).transform(
            (fw, fh), Image.Transform.AFFINE, (zoom, 0, ox, 0, zoom, oy), Image.Resampling.BILINEAR
        )
        canvas = np.asarray(view, dtype=np.float64)
        for sprite, poses in self._behind:
            sprite.draw(canvas, poses[t])
        self._target.draw(canvas, self._target_poses[t])
        for sprite, poses in self._front:
            sprite.draw(canvas, poses[t])
        gain = self._gain[t]
        if self._light is not None:
            lx, ly, strength = self._light[t]
            ys, xs = np.mgrid[0:fh, 0:fw]
            sigma = 0.35 * max(fw, fh)
            gain = gain * (
                1 + strength * np.exp(-((xs - lx) ** 2 + (ys - ly) ** 2) / (2 * sigma**2))
            )
            gain = gain[:, :, None]
        canvas = canvas * gain
        if t in self._blur:
            kind, size = self._blur[t]
            if kind == "defocus":
                canvas = ndimage.gaussian_filter(canvas, sigma=(size, size, 0))
            else:
                canvas = ndimage.uniform_filter1d(
                    canvas, int(size), axis=1 if kind == "horizontal" else 0
                )
        noise = np.random.default_rng([self.seed, t]).normal(0, 2.0, canvas.shape)
        return np.clip(np.rint(canvas + noise), 0, 255).astype(np.uint8)


def benchmark(
    n: int,
    seed: int = 0,
    split: str = "test",
    length: int = 100,
    frame_size: tuple[int, int] = (320, 240),
    scene: SceneConfig = SceneConfig(),
) -> list[SyntheticSequence]:
    """n sequences; sequence i has seed seed * 100000 + i and the name syn_<split>_<seed>_<i>."""
    return [
        SyntheticSequence(
            seed * 100000 + i,
            split,
            length,
            frame_size,
            name=f"syn_{split}_{seed}_{i:03d}",
            scene=scene,
        )
        for i in range(n)
    ]


def write_otb(sequence: SyntheticSequence, root, quality: int = 95) -> Path:
    """Write a sequence as root/<name>/img/0001.jpg ... + groundtruth_rect.txt + attributes.txt."""
    folder = Path(root) / sequence.name
    (folder / "img").mkdir(parents=True, exist_ok=True)
    for t in range(len(sequence)):
        Image.fromarray(sequence.frame(t)).save(
            folder / "img" / f"{t + 1:04d}.jpg", quality=quality
        )
    write_groundtruth(folder / "groundtruth_rect.txt", sequence.boxes)
    (folder / "attributes.txt").write_text(",".join(sequence.attributes) + "\n")
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m models.data.synthetic_tracking",
        description="Write a seeded semi-synthetic tracking benchmark in OTB format.",
    )
    parser.add_argument("--out", required=True, help="folder to write the sequences into")
    parser.add_argument("--sequences", type=int, default=20)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=tuple(SPLITS), default="test")
    parser.add_argument("--size", type=int, nargs=2, default=(320, 240), metavar=("W", "H"))
    args = parser.parse_args(argv)
    sequences = benchmark(args.sequences, args.seed, args.split, args.frames, tuple(args.size))
    for sequence in tqdm(sequences, desc="sequences", unit="seq"):
        write_otb(sequence, args.out)
    print(f"wrote {len(sequences)} sequences of {args.frames} frames to {args.out}")


if __name__ == "__main__":
    main()
