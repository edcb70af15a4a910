"""A SiamFC tracker backend on the board: the tracker accelerator of a build (its tracker/deploy
overlay) cuts and scores the tracker's search crops (numpy and pynq only).

deploy/siamfc_tracker.py's SiamFCTracker asks its backend for set_exemplar(1 x 3 x 127 x 127
pixels) once per sequence and, each frame, for the score maps (S x 1 x R x R) of S search crops.
The accelerator has a crop engine in front (design.json `tracker.crop_engine`,
deploy/crop_stream.py): it takes a crop's samples and the whole video frame and cuts the crop
with Pillow's bytes, as INT8 codes pixel - 128, SiamFC's input edge (`tracker.pixel_offset`, which
the build checks against reference.onnx). So the tracker hands this backend the frame and the
crops' centre and sides (cuts_crops), and the host writes a header of the crop's samples (8 kB,
computed in C: deploy/crop_header.c) and the frame per crop into the DMA buffer instead of
cutting the crops. The exemplar goes in as a capture frame: the engine
cuts the canvas (the search crop's size, the exemplar at its top-left, code 0 elsewhere, whose
first window's features are the exemplar's) from a frame holding the exemplar. The maps are
integers, so this backend and the build's reference backend (flow/targets/siamfc/backend.py
ReferenceScores) give the tracker identical boxes.
"""

from __future__ import annotations

import numpy as np

from deploy import crop_stream
from deploy.crop_stream import FrameCrops
from deploy.driver import DeployError, QNNOverlay


class BoardScores:
    cuts_crops = True

    def __init__(self, overlay: QNNOverlay):
        facts = overlay.design.get("tracker")
        if facts is None or "exemplar_capture" not in overlay.controls:
            raise DeployError(f"design '{overlay.design['name']}' is not a tracker accelerator "
                              "(load <build>/tracker/deploy of a siamfc build)")
        engine = facts.get("crop_engine")
        if engine is None or facts["pixel_offset"] != crop_stream.CODE:
            raise DeployError(f"design '{overlay.design['name']}' has no crop engine taking pixel - 128 codes: "
                              "rebuild the siamfc target with this version of the flow")
        self.accel = overlay
        self.exemplar_size = facts["exemplar_size"]
        self.side = engine["out_size"]
        self.frame_shape = tuple(engine["frame_shape"])
        self.headers = crop_stream.Headers(self.side)
        self.header_bytes = crop_stream.header_words(self.side) * crop_stream.WORD_BYTES
        self.search_frames = 0
        self.cycles = []   # the on-chip counter of each responses() batch

    def set_exemplar(self, pixels) -> None:
        """The exemplar (1 x 3 x E x E pixels, uint8 or whole numbers 0..255) as a capture frame."""
        z = np.asarray(pixels)
        e = self.exemplar_size
        if z.shape != (1, 3, e, e):
            raise DeployError(f"the exemplar is one 3 x {e} x {e} crop, got {z.shape}")
        if z.dtype != np.uint8 and (z.dtype.kind not in "uif" or not np.array_equal(z, np.round(z))
                                    or z.min() < 0 or z.max() > 255):
            raise DeployError("exemplar pixels must be whole numbers in 0..255 (a uint8 crop)")
        stream = crop_stream.canvas_stream(z[0].transpose(1, 2, 0).astype(np.uint8), self.side, self.frame_shape)
        self.accel.set_exemplar(stream[None])

    def responses(self, crops: FrameCrops) -> np.ndarray:
        """Score maps of the crops of one frame (scores_by_scale's, together), S x 1 x R x R."""
        maps = dict(self.scores_by_scale(crops))
        return np.stack([maps[k] for k in range(len(maps))])[:, None].astype(np.float64)

    def scores_by_scale(self, crops: FrameCrops, order=None):
        """(k, crop k's score map, R x R integers) for the crops of one frame, which the
        accelerator cuts, in `order` (default: as given), each as it comes: each crop's header and
        the frame go into the DMA buffer, one input frame a crop, sent as soon as it is written
        (the accelerator cuts a crop while the next is written), and TLAST ends each crop's
        output (one S2MM transfer a crop)."""
        if not isinstance(crops, FrameCrops):
            raise DeployError("this accelerator cuts the search crops itself: give the frame, the crops' "
                              "centre and sides (deploy.crop_stream.FrameCrops), not pixels")
        frame = np.asarray(crops.frame)
        if frame.shape != (*self.frame_shape, 3) or frame.dtype != np.uint8:
            raise DeployError(f"the crop engine takes {self.frame_shape[0]} x {self.frame_shape[1]} x 3 uint8 "
                              f"frames, got {frame.dtype} {frame.shape}: rebuild for this camera's frame size")
        n, head = len(crops.sides), self.header_bytes
        order = list(range(n)) if order is None else [int(k) for k in order]
        if sorted(order) != list(range(n)):
            raise DeployError(f"an order of the {n} crops is each of 0..{n - 1} once, got {order}")
        inputs = self.accel.input_frames(n).reshape(n, -1)
        self.accel.start_batch(n, each_frame=True)
        received = []
        for j, k in enumerate(order):   # the batch's frame j: crop k
            self.headers(inputs[j, :head].view(np.uint64), self.frame_shape, crops.center, crops.sides[k], crops.fill)
            inputs[j, head:head + frame.size] = frame.reshape(-1)
            if j >= 2:   # frame j - 2's output in (and j - 1's armed) before waiting on frame j - 1's send
                received.append(self.accel.receive_frame())
            self.accel.send_frames(1)
        for j, k in enumerate(order):
            maps = received[j] if j < len(received) else self.accel.receive_frame()
            self.search_frames += 1
            if j == n - 1:
                self.cycles.append(self.accel.last_batch_cycles)
            yield k, maps.reshape(maps.shape[-2:])
