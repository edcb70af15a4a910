"""A SiamFC tracker backend on the board: the tracker accelerator of a build (its tracker/deploy
overlay) scores the tracker's crops (numpy and pynq only).

deploy/siamfc_tracker.py's SiamFCTracker asks its backend for
set_exemplar(1 x 3 x 127 x 127 pixels) once per sequence and responses(S x 3 x H x H pixels)
-> S x 1 x R x R score maps. Pixels (uint8, or integer-valued floats 0..255) become the
accelerator's INT8 input codes by design.json's `tracker.pixel_offset` (SiamFC's input is
(pixel - 128) / 128, whose INT8 codes are pixel - 128; the build checks this against
reference.onnx); the exemplar goes in as a capture frame: a canvas of the search crop's size
holding it at the top-left, code 0 elsewhere, whose first window's features are the exemplar's
(the backbone is unpadded). The maps are integers, so this backend and the build's reference
backend (flow/targets/siamfc/backend.py ReferenceScores) give the tracker identical boxes.

The tracker crops straight into the DMA buffer (pixel_codes(): 4-byte words of INT8 codes, which
deploy/crop.py writes as it interpolates): no codes array, no range checks and no packing pass,
which uint8 pixels and offset 128 make needless (every pixel - 128 is an INT8 value). It sends each
scale's crop as soon as it is cut (stream()), so that the fabric scores scale k while the host
crops scale k + 1; responses() then waits for the maps. Crops given as pixels (uint8, channels
last in memory) are packed into the buffer in one pass (deploy/packing.py pack_pixel_codes).
"""

from __future__ import annotations

import numpy as np

from deploy.driver import DeployError, QNNOverlay
from deploy.exemplar import exemplar_canvas
from deploy.packing import pack_pixel_codes


class BoardScores:
    def __init__(self, overlay: QNNOverlay):
        facts = overlay.design.get("tracker")
        if facts is None or "exemplar_capture" not in overlay.controls:
            raise DeployError(f"design '{overlay.design['name']}' is not a tracker accelerator "
                              "(load <build>/tracker/deploy of a siamfc build)")
        self.accel = overlay
        self.offset = facts["pixel_offset"]
        self.exemplar_size = facts["exemplar_size"]
        self.side = overlay.input["shape"][-1]
        words = {k: overlay.input[k] for k in ("dtype", "elems", "word_bytes", "dma_bytes")}
        # the accelerator reads 3 INT8 codes per 4-byte word: pixel - 128 is pixel ^ 0x80
        self.direct = self.offset == 128 and words == {"dtype": "INT8", "elems": 3, "word_bytes": 3, "dma_bytes": 4}
        self.search_frames = 0
        self.batch = self.streamed = 0   # frames of pixel_codes()'s batch, and of them sent so far
        self.frame_by_frame = bool(overlay.input.get("frame_by_frame"))
        self.cycles = []   # the on-chip counter of each responses() batch

    def codes(self, pixels) -> np.ndarray:
        """N x 3 x H x W pixels -> the accelerator's integer input codes."""
        x = np.asarray(pixels)
        if x.ndim != 4 or x.shape[1] != 3:
            raise DeployError(f"pixels of shape {x.shape}: give N x 3 x H x W")
        if x.dtype == np.uint8:   # the tracker's crops: every value a pixel
            return x.astype(np.int16) - self.offset
        if x.dtype.kind not in "uif" or (x.size and (not np.array_equal(x, np.round(x))
                                                     or x.min() < 0 or x.max() > 255)):
            raise DeployError("pixels must be integers in 0..255 (uint8 crops)")
        return x.astype(np.int64) - self.offset

    def set_exemplar(self, pixels) -> None:
        z = self.codes(pixels)
        e = self.exemplar_size
        if z.shape != (1, 3, e, e):
            raise DeployError(f"the exemplar is one 3 x {e} x {e} crop, got {z.shape}")
        self.accel.set_exemplar(exemplar_canvas(z, self.side))

    def pixel_codes(self, count: int) -> np.ndarray | None:
        """The DMA buffer's first `count` frames as count x H x W x 4 uint8 (a view), for crops
        written as INT8 codes (3 in 4 bytes, the fourth 0), which responses() then takes; None
        where this design's input is not that. Frame by frame, stream(i) may send each as soon
        as it is written."""
        if not self.direct or count > self.accel.max_batch:
            return None
        self.streamed, self.batch = 0, count
        return self.accel.input_frames(count).reshape(count, self.side, self.side, 4)

    def stream(self, index: int) -> None:
        """pixel_codes()'s frames up to `index` are written: send them to the accelerator, which
        scores them while the next ones are cropped (the first call starts the batch). A design
        whose DMA cannot send from any byte (design.json: input.frame_by_frame) takes the batch
        whole in responses()."""
        if not self.frame_by_frame:
            return
        if not self.streamed:
            self.accel.start_batch(self.batch)
        if index >= self.streamed:
            self.accel.send_frames(index + 1 - self.streamed)
            self.streamed = index + 1

    def responses(self, pixels) -> np.ndarray:
        x = np.asarray(pixels)
        if x.ndim == 4 and x.shape[-1] == 4 and x.dtype == np.uint8:
            if not (self.direct and x.shape[1:3] == (self.side, self.side)
                    and x.ctypes.data == self.accel.in_buffer.ctypes.data):
                raise DeployError("4-byte pixel codes are taken from pixel_codes()'s array only, "
                                  f"got {x.dtype} {x.shape} elsewhere")
            if self.streamed and len(x) != self.batch:
                raise DeployError(f"{self.streamed} of {self.batch} frames were streamed; responses() of "
                                  f"that batch takes its {self.batch} frames, got {len(x)}")
            if not self.streamed:
                self.accel.start_batch(len(x))
            if self.streamed < len(x):   # what stream() has not sent
                self.accel.send_frames(len(x) - self.streamed)
            self.streamed = 0
            return self._scores(self.accel.finish_batch())
        channels_last = x.transpose(0, 2, 3, 1) if x.ndim == 4 else x
        if (self.direct and x.dtype == np.uint8 and x.shape[1:] == (3, self.side, self.side)
                and channels_last.flags.c_contiguous and len(x) <= self.accel.max_batch):
            pack_pixel_codes(channels_last, self.accel.input_frames(len(x)).view("<u4")[..., 0])
            maps = self.accel.run_buffered(len(x))
        else:
            maps = self.accel.scores(self.codes(pixels))
        return self._scores(maps)

    def _scores(self, maps: np.ndarray) -> np.ndarray:
        self.search_frames += len(maps)
        self.cycles.append(self.accel.last_batch_cycles)
        return maps.astype(np.float64)
