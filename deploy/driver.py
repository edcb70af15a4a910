"""The PYNQ driver of a build's accelerator (numpy and pynq only: it runs on the board).

    from deploy import QNNOverlay
    accel = QNNOverlay("path/to/build/deploy")      # loads <name>.bit + <name>.hwh
    classes = accel.classify(x)                    # x: integer tensor (N, C, H, W) or (N, F)
    accel.last_batch_cycles                        # the on-chip cycle counter of that batch

A batch goes through the AXI DMA in simple mode: the inputs are packed with the one stream
packing (deploy/packing.py) into DMA-wide words in the DMA buffer, MM2S streams them into the
accelerator, S2MM writes its output (up to TLAST) back, and the words are unpacked. A caller that
packs by itself writes into input_frames(n) and calls run_buffered(n): no copy in between; or it
streams the frames as it writes them (start_batch(n), send_frames(k) per ready part,
finish_batch()), so that the accelerator works while the next frames are written (the tracker's
crops, scale by scale: deploy/tracker.py). Before each batch the driver
writes the batch size into the accelerator's FRAMES register (which places TLAST and restarts
the cycle counter); after it, CYCLES_LO/HI hold the cycles from the first input word to the last
output word, counted by the accelerator itself.

A design with memories loaded at run time (UltraRAM, which a bitstream cannot initialise, or
weights built to be reloadable) carries their image (design.json "weights", deploy/
weight_image.bin): the driver loads it after programming the PL, through the WEIGHT_ADDR and
WEIGHT_DATA registers, and load_weights(path) loads another image of the same layout (new
weights, same bitstream).

A design with the exemplar_capture control (the SiamFC tracker build's tracker/deploy) has a
CAPTURE register: writing 1 makes the next batch a capture batch, and it clears itself when
that batch ends. Its frames write the exemplar memory; the frames of later batches are scored
against that exemplar:

    accel.set_exemplar(canvas)     # one capture frame (the exemplar at the canvas' top-left)
    maps = accel.scores(crops)     # search frames -> score maps (N, 1, R, R)
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
from pynq import Overlay, allocate

from deploy.packing import element_type, pack_words, unpack_words


class DeployError(ValueError):
    """Input or setup the accelerator cannot take, with what it expects."""


DEVICE_TREE_COMPATIBLE = Path("/proc/device-tree/compatible")
FRAMES_EACH = 1 << 31   # axil_control's FRAMES bit 31: TLAST ends every output frame
EMULATED = "qnnflow,emulated"   # in the emulated board's device tree, before the board's own


def board_kind() -> str:
    """'zynq' on a PYNQ board (xlnx,zynq-7000 or xlnx,zynqmp), 'emulated' on the emulated one,
    'host' elsewhere, from the device tree of the machine the driver runs on."""
    if not DEVICE_TREE_COMPATIBLE.is_file():
        return "host"
    compatible = DEVICE_TREE_COMPATIBLE.read_bytes().decode(errors="replace")
    return "emulated" if EMULATED in compatible else "zynq" if "xlnx,zynq" in compatible else "host"


def check_bitstream(design: dict, bitfile: Path) -> None:
    """Refuse the emulator's stand-in .bit on a real board: it holds no configuration frames."""
    source = design.get("bitstream", {}).get("source", "emulated")
    if source == "emulated" and board_kind() == "zynq":
        raise DeployError(
            f"{bitfile} is the emulated board's stand-in bitstream (design.json: bitstream.source = "
            "emulated), not one an FPGA can load: run the build's Vivado project (vivado/project.tcl, "
            "see deploy/README.md), then package again (python -m flow.build ... --from package) so "
            "that deploy/ carries Vivado's .bit and .hwh, and copy that deploy/ to the board")


class QNNOverlay(Overlay):
    def __init__(self, deploy_dir: str | Path = ".", max_batch: int = 128, download: bool = True,
                 **kwargs):
        self.deploy_dir = Path(deploy_dir)
        config = self.deploy_dir / "design.json"
        if not config.is_file():
            raise DeployError(f"{config} not found: give the deploy/ folder of a build "
                              "(python -m flow.build writes it)")
        self.design = json.loads(config.read_text())
        bitfile = self.deploy_dir / self.design["bitfile"]
        for needed in (bitfile, bitfile.with_suffix(".hwh")):
            if not needed.is_file():
                raise DeployError(f"overlay file {needed} is missing (the build's package step "
                                  "writes the .bit/.hwh pair)")
        check_bitstream(self.design, bitfile)
        super().__init__(str(bitfile), download=download, **kwargs)
        self.dma = getattr(self, self.design["dma"])
        self.control = getattr(self, self.design["accelerator"])
        self.registers = self.design["registers"]
        self.input, self.output = self.design["input"], self.design["output"]
        self.in_frame_bytes = self.input["words"] * self.input["dma_bytes"]
        self.out_frame_bytes = self.output["words"] * self.output["dma_bytes"]
        dma_limit = (1 << self.design["dma_length_width"]) - 1
        self.max_batch_dma = dma_limit // max(self.in_frame_bytes, self.out_frame_bytes)
        if not 1 <= max_batch <= self.max_batch_dma:
            raise DeployError(f"max_batch {max_batch}: the DMA moves at most {dma_limit} bytes a "
                              f"transfer, {self.max_batch_dma} frames of this design")
        self.max_batch = max_batch
        self.in_buffer = allocate(shape=(max_batch * self.in_frame_bytes,), dtype=np.uint8)
        # an each_frame batch receives frame k at k * out_slot_bytes: an S2MM transfer starts on
        # its memory side's word (no realignment engine), and 64 bytes is a multiple of any
        self.out_slot_bytes = -(-self.out_frame_bytes // 64) * 64
        self.out_buffer = allocate(shape=(max_batch * self.out_slot_bytes,), dtype=np.uint8)
        self.last_batch_cycles = None
        self.last_batch_seconds = None
        self.controls = self.design.get("controls", [])
        self.exemplar_set = False   # a capture batch ran since this overlay was loaded
        self._batch = None          # the batch started and not finished: frames, sent, capture, start
        if "weights" in self.design:
            self.load_weights()

    # --- memories loaded at run time
    def load_weights(self, image: str | Path | None = None) -> None:
        """Write a weight image (default: the build's, checked against its sha256) into the
        accelerator's run-time memories; another image must have the build's length (its layout:
        design.json "weights" regions). Only between batches."""
        facts = self.design.get("weights")
        if facts is None:
            raise DeployError(f"design '{self.design['name']}' has no memories loaded at run time")
        if self._batch is not None:
            raise DeployError("a batch is running: load the weights between batches")
        path = Path(image) if image is not None else self.deploy_dir / facts["file"]
        if not path.is_file():
            raise DeployError(f"weight image {path} not found")
        data = path.read_bytes()
        if image is None and hashlib.sha256(data).hexdigest() != facts["sha256"]:
            raise DeployError(f"{path} is not the build's weight image (its sha256 differs from design.json's)")
        if len(data) != 4 * facts["words"]:
            raise DeployError(f"{path} holds {len(data)} bytes; the design's weight image is "
                              f"{facts['words']} 32-bit words ({4 * facts['words']} bytes)")
        self.control.write(self.registers["WEIGHT_ADDR"], 0)
        data_register = self.registers["WEIGHT_DATA"]
        for word in np.frombuffer(data, dtype="<u4").tolist():
            self.control.write(data_register, word)

    # --- registers of the accelerator (axil_control)
    def read_register(self, name: str) -> int:
        if name not in self.registers:
            raise DeployError(f"design '{self.design['name']}' has no register {name} "
                              f"(it has {', '.join(self.registers)})")
        return int(self.control.read(self.registers[name]))

    def _cycles(self) -> int:
        return self.read_register("CYCLES_LO") | (self.read_register("CYCLES_HI") << 32)

    @property
    def clock_mhz(self) -> float:
        """FCLK0 as the PS clock registers set it now."""
        from pynq import Clocks

        return float(Clocks.fclk0_mhz)

    # --- inputs and outputs
    def check_input(self, x) -> np.ndarray:
        """x as integers (N, *frame shape): its own integer dtype, int64 from floats; or a
        DeployError naming what is wrong."""
        x = np.asarray(x)
        shape = tuple(self.input["shape"])
        if x.shape == shape:
            x = x[None]
        if x.ndim != len(shape) + 1 or tuple(x.shape[1:]) != shape:
            raise DeployError(f"input of shape {x.shape}: the accelerator takes (N, "
                              f"{', '.join(map(str, shape))}) (one frame may omit N)")
        if x.dtype.kind not in "iuf" or x.dtype == np.bool_:
            raise DeployError(f"input dtype {x.dtype}: give integers (or integer-valued floats)")
        if x.dtype.kind == "f" and not np.array_equal(x, np.round(x)):
            raise DeployError("input holds non-integer values: give the quantized integer codes"
                              + self._quantizer_hint())
        et = element_type(self.input["dtype"])
        if x.size and (x.min() < et.min or x.max() > et.max):
            raise DeployError(f"input values span [{x.min()}, {x.max()}], outside {et.name} "
                              f"[{et.min}, {et.max}]")
        if et.name == "BIPOLAR" and np.any(x == 0):
            raise DeployError("input holds 0, which is not a BIPOLAR value (-1 or +1)")
        return x if x.dtype.kind in "iu" else x.astype(np.int64)

    def _quantizer_hint(self) -> str:
        """How the network's real inputs became codes in its build, from design.json."""
        quantizer = self.input.get("quantizer")
        if not quantizer:
            return ""
        steps = " then ".join([*quantizer["float_edge"], f"x / {quantizer['scale']} + "
                               f"{quantizer['zero_point']} rounded {quantizer['rounding']} "
                               f"into {self.input['dtype']}, minus the zero point"])
        return f" ({steps}: design.json input.quantizer)"

    def input_frames(self, n: int) -> np.ndarray:
        """The DMA input buffer's first n frames as (n, words, dma_bytes) uint8, a view: words
        written there in the stream's order are what run_buffered(n) sends, with no copy."""
        if n > self.max_batch:
            raise DeployError(f"a batch of {n} frames does not fit the DMA buffers of {self.max_batch} "
                              "frames: use execute() to split it, or QNNOverlay(max_batch=...)")
        return self.in_buffer[: n * self.in_frame_bytes].reshape(n, self.input["words"], self.input["dma_bytes"])

    def _pack(self, x: np.ndarray) -> None:
        """(N, frame) -> the input buffer, in the stream's order (channels-last)."""
        if x.ndim == 4:
            x = x.transpose(0, 2, 3, 1)
        elems = self.input["elems"]
        words = pack_words(x.reshape(len(x), -1, elems), self.input["dtype"])
        frames = self.input_frames(len(x))
        frames[..., : words.shape[-1]] = words
        frames[..., words.shape[-1]:] = 0

    def _unpack(self, raw: np.ndarray, n: int) -> np.ndarray:
        out = self.output
        words = raw.reshape(n, out["words"], out["dma_bytes"])[..., : out["word_bytes"]]
        y = unpack_words(words, out["elems"], out["dtype"]).reshape(n, *out["stream_shape"])
        return y.transpose(0, 3, 1, 2) if y.ndim == 4 else y

    # --- running
    def _require_capture(self, what: str) -> None:
        if "exemplar_capture" not in self.controls:
            raise DeployError(f"{what}: design '{self.design['name']}' has no exemplar_capture control "
                              "(no CAPTURE register): load a tracker build's overlay (<build>/tracker/deploy)")

    def run(self, x, capture: bool = False) -> np.ndarray:
        """One batch (at most max_batch frames) through the accelerator; integer outputs.
        capture: a capture batch (designs with exemplar_capture): its frames set the exemplar."""
        x = self.check_input(x)
        started = time.perf_counter()
        self._pack(x)
        return self.run_buffered(len(x), capture, started)

    def run_buffered(self, n: int, capture: bool = False, started: float | None = None) -> np.ndarray:
        """run() of the n frames already in input_frames(n); integer outputs."""
        self.start_batch(n, capture, started)
        self.send_frames(n)
        return self.finish_batch()

    # a batch in parts: start_batch(n), send_frames() as frames become ready in input_frames(n)
    # (the accelerator works on the ones sent while the caller writes the next), finish_batch();
    # with each_frame, receive_frame() takes each frame's outputs as they come
    def start_batch(self, n: int, capture: bool = False, started: float | None = None,
                    each_frame: bool = False) -> None:
        """Arm a batch of the n frames that input_frames(n) holds or will hold: FRAMES (and
        CAPTURE) written, the output transfer waiting for them. each_frame: TLAST ends every
        output frame, an output transfer a frame (receive_frame)."""
        self.input_frames(n)   # n fits the buffers
        if capture:
            self._require_capture("a capture batch")
        elif "exemplar_capture" in self.controls and not self.exemplar_set:
            raise DeployError("no exemplar was captured since the overlay was loaded, so its scores "
                              "would be against an empty exemplar memory: call set_exemplar() first")
        self._batch = {"frames": n, "sent": 0, "received": 0, "capture": capture, "each": each_frame,
                       "started": time.perf_counter() if started is None else started}
        if capture:
            self.control.write(self.registers["CAPTURE"], 1)
        self.control.write(self.registers["FRAMES"], n | (FRAMES_EACH if each_frame else 0))
        self.dma.recvchannel.transfer(self.out_buffer, nbytes=(1 if each_frame else n) * self.out_frame_bytes)

    def send_frames(self, count: int) -> None:
        """Stream the batch's next `count` frames (after the previous send has finished). In an
        each_frame batch the accelerator stalls on a frame whose output transfer is not armed:
        receive_frame() each frame before waiting on a send of the frame after it."""
        batch = self._started_batch()
        if not 1 <= count <= batch["frames"] - batch["sent"]:
            raise DeployError(f"cannot send {count} frames: {batch['frames'] - batch['sent']} of the batch "
                              f"of {batch['frames']} are left")
        if batch["sent"]:
            if not self.input.get("frame_by_frame"):
                raise DeployError("this design's DMA sends a batch from its start only (no realignment "
                                  "engine: design.json input.frame_by_frame): send the batch whole")
            self.dma.sendchannel.wait()
        self.dma.sendchannel.transfer(self.in_buffer, start=batch["sent"] * self.in_frame_bytes,
                                      nbytes=count * self.in_frame_bytes)
        batch["sent"] += count

    def receive_frame(self) -> np.ndarray:
        """The next frame's outputs (1 x ...) of an each_frame batch, once they are in; arms the
        output transfer of the frame after it. After the last frame the batch is finished."""
        batch = self._started_batch()
        k = batch["received"]
        if not batch["each"]:
            raise DeployError("receive_frame() takes the frames of a batch started with each_frame=True; "
                              "finish_batch() takes a whole batch's")
        if k >= batch["sent"]:
            raise DeployError(f"frame {k} of the batch was not sent: send_frames() it first")
        self.dma.recvchannel.wait()
        start, size = k * self.out_slot_bytes, self.out_frame_bytes
        batch["received"] = k + 1
        if k + 1 < batch["frames"]:
            self.dma.recvchannel.transfer(self.out_buffer, start=start + self.out_slot_bytes, nbytes=size)
        y = self._unpack(np.asarray(self.out_buffer[start:start + size]), 1)
        if k + 1 == batch["frames"]:
            self.dma.sendchannel.wait()
            self._end_batch(batch)
        return y

    def finish_batch(self) -> np.ndarray:
        """Wait for the batch's outputs (every frame sent); integer outputs (of an each_frame
        batch: of the frames receive_frame() has not taken)."""
        batch = self._started_batch()
        if batch["sent"] != batch["frames"]:
            raise DeployError(f"the batch has {batch['frames'] - batch['sent']} frames not sent: "
                              "send_frames() them before finish_batch()")
        if batch["each"]:
            return np.concatenate([self.receive_frame() for _ in range(batch["frames"] - batch["received"])])
        n = batch["frames"]
        self.dma.sendchannel.wait()
        self.dma.recvchannel.wait()
        # unpacking makes new arrays: the outputs never alias the buffer
        y = self._unpack(np.asarray(self.out_buffer[: n * self.out_frame_bytes]), n)
        self._end_batch(batch)
        return y

    def _end_batch(self, batch: dict) -> None:
        """Every output in: the batch's time, its cycles, and a capture batch's check."""
        self._batch = None
        self.last_batch_seconds = time.perf_counter() - batch["started"]
        self.last_batch_cycles = self._cycles()
        if batch["capture"]:
            if self.read_register("CAPTURE"):
                raise DeployError("CAPTURE is still set after the capture batch: the accelerator did "
                                  "not finish it (the overlay does not match design.json?)")
            self.exemplar_set = True

    def _started_batch(self) -> dict:
        if self._batch is None:
            raise DeployError("no batch is running: start_batch(n) first")
        return self._batch

    def execute(self, x, capture=None) -> np.ndarray:
        """Any number of frames, in batches of max_batch; capture: one flag per frame (designs
        with exemplar_capture), each run of equal flags its own batches."""
        x = self.check_input(x)
        flags = np.zeros(len(x), bool) if capture is None else np.asarray(capture).astype(bool)
        if flags.shape != (len(x),):
            raise DeployError(f"capture flags of shape {flags.shape}: give one per frame ({len(x)})")
        outs, start = [], 0
        while start < len(x):
            end = start + 1
            while end < len(x) and end - start < self.max_batch and flags[end] == flags[start]:
                end += 1
            outs.append(self.run(x[start:end], capture=bool(flags[start])))
            start = end
        return np.concatenate(outs)

    # --- the tracker (designs with exemplar_capture)
    def set_exemplar(self, canvas) -> np.ndarray:
        """Stream one capture frame (integer codes, (C, H, W) or (1, C, H, W)): its first window's
        features become the exemplar. Returns its score map (the exemplar against the canvas)."""
        self._require_capture("set_exemplar")
        canvas = self.check_input(canvas)
        if len(canvas) != 1:
            raise DeployError(f"set_exemplar takes one capture frame, got {len(canvas)} (the last "
                              "would win: each capture frame overwrites the exemplar)")
        return self.run(canvas, capture=True)

    def scores(self, x) -> np.ndarray:
        """Score maps (N, 1, R, R) of search frames against the exemplar set by set_exemplar()."""
        self._require_capture("scores")
        return self.execute(x)

    def classify(self, x) -> np.ndarray:
        """Class indices (N,) of a classifier (its last op selects the top-k); else the outputs."""
        y = self.execute(x)
        return y[:, 0] if self.output["kind"] == "classes" and y.shape[1:] == (1,) else y

    # --- figures
    def throughput(self, x, batch_sizes=(1, 2, 4, 8, 16, 32)) -> list[dict]:
        """For each batch size: wall time and the on-chip cycle counter, per frame and per second."""
        x = self.check_input(x)
        clock = self.clock_mhz
        rows = []
        for b in batch_sizes:
            if b > min(self.max_batch, len(x)):
                break
            self.run(x[:b])
            cycles, seconds = self.last_batch_cycles, self.last_batch_seconds
            rows.append({"batch": b, "wall_seconds": seconds, "wall_frames_per_second": b / seconds,
                         "wall_latency_ms": 1e3 * seconds, "cycles": cycles,
                         "cycles_per_frame": cycles / b, "clock_mhz": clock,
                         "chip_frames_per_second": b * clock * 1e6 / cycles,
                         "chip_latency_us": cycles / clock})
        return rows

    def validate(self, reference: str | Path | None = None, outputs: str | Path | None = None) -> dict:
        """L6: the shipped reference inputs through the board against reference.onnx's outputs;
        `outputs`: a .npy file that receives the board's outputs (top-1 against labels)."""
        path = reference or self.deploy_dir / "reference.npz"
        ref = np.load(path)
        if len(ref["core_in"]) == 0:
            raise DeployError(f"{path}: the reference holds no frames, so L6 would show nothing")
        y = self.execute(ref["core_in"], ref["capture"] if "capture" in ref.files else None)
        expected = ref["core_out"]
        got = y.reshape(expected.shape)
        if outputs is not None:
            np.save(outputs, got)
        mismatches = int((got != expected).sum())
        return {"inputs": int(len(expected)), "mismatches": mismatches, "max_difference":
                float(np.abs(got - expected).max()) if got.size else 0.0, "equal": mismatches == 0}
