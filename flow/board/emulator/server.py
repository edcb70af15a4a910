"""The PYNQ.remote gRPC services (pynq/remote/*_pb2_grpc.py, pynq 4.0.0) over an EmulatedBoard:
RemoteDevice (files, fpga_manager, PL clocks), Mmio and RemoteBuffer. GPIO is not served."""

from __future__ import annotations

import uuid
from concurrent import futures
from pathlib import Path

import grpc
from pynq.remote import (
    buffer_pb2,
    buffer_pb2_grpc,
    mmio_pb2,
    mmio_pb2_grpc,
    remote_device_pb2,
    remote_device_pb2_grpc,
)

from flow.board.emulator.board_state import BoardError, EmulatedBoard
from flow.board.emulator.memory import DDRError
from flow.board.emulator.slcr import FPGA_CLK_CTRL
from flow.board.spec import Board

PORT = 7967   # pynq's PYNQ_REMOTE_DEVICES path always connects to this port
CHUNK = 2 * 1024 * 1024


def _abort(context, err: Exception):
    context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(err))


class _Device(remote_device_pb2_grpc.RemoteDeviceServicer):
    def __init__(self, board: EmulatedBoard):
        self.board = board

    def existsfile(self, request, context):
        with self.board.lock:
            return remote_device_pb2.ExistsFileResponse(exists=request.file_path in self.board.files)

    def readfile(self, request, context):
        with self.board.lock:
            try:
                data = self.board.read_file(request.file_path)
            except BoardError as err:
                _abort(context, err)
        for i in range(0, max(len(data), 1), CHUNK):
            yield remote_device_pb2.ReadFileResponse(data=data[i:i + CHUNK])

    def writefile(self, request_iterator, context):
        path, data = None, b""
        for chunk in request_iterator:
            path, data = chunk.file_path, data + chunk.data
        with self.board.lock:
            try:
                self.board.write_file(path, data)
            except BoardError as err:
                _abort(context, err)
        return remote_device_pb2.WriteFileResponse()

    def set_bitstream_attrs(self, request, context):
        return remote_device_pb2.SetBitstreamAttrsResponse(status=not request.partial)

    def shutdown(self, request, context):
        return remote_device_pb2.ShutdownResponse(status=True)

    def set_pl_clk(self, request, context):
        with self.board.lock:
            if request.div0 and request.div1:
                offset = FPGA_CLK_CTRL[request.i]
                value = self.board.slcr.read(offset) & ~((0x3F << 20) | (0x3F << 8))
                self.board.slcr.write(offset, value | (request.div1 << 20) | (request.div0 << 8))
        return remote_device_pb2.SetPlClkResponse(status=True)


class _Mmio(mmio_pb2_grpc.MmioServicer):
    def __init__(self, board: EmulatedBoard):
        self.board = board

    def get_mmio(self, request, context):
        with self.board.lock:
            try:
                window = self.board.map(request.base_addr, request.length)
            except BoardError as err:
                return mmio_pb2.GetMmioResponse(status=False, msg=str(err))
            mmio_id = uuid.uuid4().hex
            self.board.mmios[mmio_id] = window
        return mmio_pb2.GetMmioResponse(status=True, mmio_id=mmio_id)

    def read(self, request, context):
        with self.board.lock:
            device, base = self.board.mmios[request.mmio_id]
            words = [self.board.mmio_read(device, base + request.offset + 4 * i)
                     for i in range(max(1, request.length // 4))]
        if request.length == 8 and request.word_order == "big":
            words.reverse()
        value = sum(w << (32 * i) for i, w in enumerate(words))
        if request.length < 4:
            value &= (1 << (8 * request.length)) - 1
        return mmio_pb2.ReadResponse(status=True, data=value)

    def write(self, request, context):
        with self.board.lock:
            device, base = self.board.mmios[request.mmio_id]
            data = request.data
            for i in range(0, len(data), 4):
                value = int.from_bytes(data[i:i + 4], "little")
                self.board.mmio_write(device, base + request.offset + i, value)
        return mmio_pb2.WriteResponse(status=True)


class _Buffer(buffer_pb2_grpc.RemoteBufferServicer):
    def __init__(self, board: EmulatedBoard):
        self.board = board

    def allocate(self, request, context):
        with self.board.lock:
            try:
                address = self.board.ddr.allocate(request.size)
            except DDRError as err:
                return buffer_pb2.AllocateResponse(msg=str(err))
            buffer_id = uuid.uuid4().hex
            self.board.buffers[buffer_id] = (address, request.size)
        return buffer_pb2.AllocateResponse(buffer_id=buffer_id)

    def _buffer(self, buffer_id: str, context):
        if buffer_id not in self.board.buffers:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no buffer {buffer_id}")
        return self.board.buffers[buffer_id]

    def write(self, request_iterator, context):
        offset = 0
        for chunk in request_iterator:
            with self.board.lock:
                address, size = self._buffer(chunk.buffer_id, context)
                start = chunk.start or offset
                data = chunk.data[: max(0, size - start)]
                self.board.ddr.write(address + start, data)
                offset = start + len(data)
        return buffer_pb2.BufferWriteResponse()

    def read(self, request, context):
        with self.board.lock:
            address, size = self._buffer(request.buffer_id, context)
            end = request.end or size
            data = self.board.ddr.read(address + request.start, end - request.start)
        for i in range(0, max(len(data), 1), CHUNK):
            yield buffer_pb2.BufferReadResponse(data=data[i:i + CHUNK])

    def freebuffer(self, request, context):
        with self.board.lock:
            address, _ = self.board.buffers.pop(request.buffer_id, (None, 0))
            if address is not None:
                self.board.ddr.free(address)
        return buffer_pb2.FreeBufferResponse()

    def flush(self, request, context):        # the emulated DDR is coherent: nothing to do
        return buffer_pb2.FlushResponse()

    def invalidate(self, request, context):
        return buffer_pb2.InvalidateResponse()

    def physical_address(self, request, context):
        with self.board.lock:
            return buffer_pb2.AddressResponse(address=self._buffer(request.buffer_id, context)[0])

    def virtual_address(self, request, context):
        return self.physical_address(request, context)

    def cacheable(self, request, context):
        return buffer_pb2.CacheableResponse(cacheable=True)


class BoardServer:
    """An emulated board on host:7967 (a loopback address), as a context manager."""

    def __init__(self, board: Board, build_dirs: list[Path], host: str | None = None):
        self.state = EmulatedBoard(board, build_dirs)
        # without SO_REUSEPORT, a second board on the same address fails instead of sharing it
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                                  options=[("grpc.so_reuseport", 0)])
        remote_device_pb2_grpc.add_RemoteDeviceServicer_to_server(_Device(self.state), self.server)
        mmio_pb2_grpc.add_MmioServicer_to_server(_Mmio(self.state), self.server)
        buffer_pb2_grpc.add_RemoteBufferServicer_to_server(_Buffer(self.state), self.server)
        hosts = [host] if host else [f"127.0.0.{n}" for n in range(1, 255)]
        for self.host in hosts:
            if _listen(self.server, self.host):
                break
        else:
            raise OSError(f"cannot listen on port {PORT} of {', '.join(hosts[:3])}"
                          f"{' ...' if len(hosts) > 3 else ''} (another board there?)")

    def __enter__(self) -> BoardServer:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop(grace=None)
        with self.state.lock:
            self.state.close()


def _listen(server, host: str) -> bool:
    try:
        return server.add_insecure_port(f"{host}:{PORT}") != 0
    except RuntimeError:   # grpc raises instead of returning 0 in some versions
        return False
