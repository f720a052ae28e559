#!/usr/bin/env python3
"""Resident memory per idle Act stream on a running server (seedrl, or the reference echo).

Opens N Act streams on one connection (as the reference loadgen does), has each send
--steps Steps in ping-pong (so every stream has done real exchanges and touched its
buffers), then leaves them all open and silent, and reads the server's VmRSS from /proc
before and after. Prints one JSON line: (after - before) / N.

    scripts/idle-stream-memory.py --pid PID --target 127.0.0.1:PORT --streams 1024

Needs the seedrl-actor package (grpcio and the contract's stubs; see scripts/python-venv.sh).
"""
import argparse
import asyncio
import json
import os
import sys
import time

import grpc

import seedrl_actor  # noqa: F401  (puts the contract's generated stubs on the path)
from seedrl.v1 import learner_pb2, learner_pb2_grpc  # noqa: E402


def resident_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def hold(stub, observation, steps, ready, release):
    """One stream: `steps` ping-pong exchanges, then silent until `release`."""
    call = stub.Act()
    for index in range(steps):
        step_type = learner_pb2.STEP_TYPE_FIRST if index == 0 else learner_pb2.STEP_TYPE_MID
        await call.write(learner_pb2.Step(step_type=step_type, reward=0.0, discount=1.0, observation=observation))
        await call.read()
    ready.release()
    await release.wait()
    call.cancel()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--streams", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to let the server settle before each reading")
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    async with grpc.aio.insecure_channel(args.target) as channel:
        stub = learner_pb2_grpc.LearnerStub(channel)
        spec = await stub.GetSpec(learner_pb2.GetSpecRequest())
        size = 4 if spec.observation_dtype == learner_pb2.DTYPE_FLOAT32 else 1
        for extent in spec.observation_shape:
            size *= extent
        observation = bytes(size)
        # The connection itself is not what is measured: warm it with one stream first.
        warm_ready, warm_release = asyncio.Semaphore(0), asyncio.Event()
        warm = asyncio.create_task(hold(stub, observation, args.steps, warm_ready, warm_release))
        await warm_ready.acquire()
        await asyncio.sleep(args.settle)
        before = resident_kib(args.pid)

        ready, release = asyncio.Semaphore(0), asyncio.Event()
        tasks = [asyncio.create_task(hold(stub, observation, args.steps, ready, release)) for _ in range(args.streams)]
        started = time.monotonic()
        for _ in range(args.streams):
            await ready.acquire()
        opened_s = time.monotonic() - started
        await asyncio.sleep(args.settle)
        after = resident_kib(args.pid)

        release.set()
        warm_release.set()
        await asyncio.gather(warm, *tasks, return_exceptions=True)
    print(json.dumps({
        "label": args.label, "target": args.target, "streams": args.streams, "observation_bytes": size,
        "rss_before_kib": before, "rss_after_kib": after,
        "kib_per_idle_stream": round((after - before) / args.streams, 2), "open_seconds": round(opened_s, 2),
    }))


if __name__ == "__main__":
    asyncio.run(main())
