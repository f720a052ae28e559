#!/usr/bin/env python3
"""A seedrl actor in Python: runs Gymnasium environments, asks a seedrl learner for
every action over gRPC, using nothing but Protos/seedrl/v1/learner.proto.

    python3 actor.py --server 127.0.0.1:8686 --env CartPole-v1 --envs 4 --seconds 30

Any Gymnasium environment with a Discrete action space and a Box observation works,
as long as the server serves the same spec (shape, float32 or uint8, action count).
"""
import argparse
import json
import os
import queue
import sys
import threading
import time

import grpc
import gymnasium as gym
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))
from seedrl.v1 import learner_pb2, learner_pb2_grpc  # noqa: E402  (generated, see README)

DTYPES = {learner_pb2.DTYPE_FLOAT32: np.float32, learner_pb2.DTYPE_UINT8: np.uint8}


def check_spec(spec, env, name):
    """Refuses an environment whose observations or actions differ from the server's."""
    shape = tuple(spec.observation_shape)
    dtype = DTYPES.get(spec.observation_dtype)
    ok = (env.observation_space.shape == shape and dtype is not None
          and np.dtype(env.observation_space.dtype) in (np.dtype(dtype), np.dtype(np.float64))
          and env.action_space.n == spec.num_actions)
    if not ok:
        sys.exit(f"server expects observation shape {list(shape)} {np.dtype(dtype).name if dtype else '?'} "
                 f"with {spec.num_actions} actions, env {name} gives {list(env.observation_space.shape)} "
                 f"{env.observation_space.dtype} with {getattr(env.action_space, 'n', '?')} actions")
    return dtype


class EnvironmentStream:
    """One environment on its own Act stream: strict ping-pong, FIRST/MID/LAST as dm_env."""

    def __init__(self, stub, env, dtype, seed, metadata, deadline):
        self.stub, self.env, self.dtype, self.seed = stub, env, dtype, seed
        self.metadata, self.deadline = metadata, deadline
        self.actions = queue.Queue()
        self.steps = self.episodes = 0
        self.returns = []
        self.error = None

    def _step(self, step_type, observation, reward=0.0, discount=1.0):
        return learner_pb2.Step(step_type=step_type, reward=reward, discount=discount,
                                observation=np.asarray(observation, dtype=self.dtype).tobytes())

    def _requests(self):
        observation, _ = self.env.reset(seed=self.seed)
        yield self._step(learner_pb2.STEP_TYPE_FIRST, observation)
        episode_return, last = 0.0, False
        while True:
            action = self.actions.get()
            if action is None:
                return  # half-close: the server ends the stream with OK
            if last:
                observation, _ = self.env.reset()
                episode_return, last = 0.0, False
                yield self._step(learner_pb2.STEP_TYPE_FIRST, observation)
                continue
            observation, reward, terminated, truncated, _ = self.env.step(action)
            episode_return += reward
            last = terminated or truncated
            if last:
                self.episodes += 1
                self.returns.append(episode_return)
            step_type = learner_pb2.STEP_TYPE_LAST if last else learner_pb2.STEP_TYPE_MID
            yield self._step(step_type, observation, float(reward), 0.0 if terminated else 1.0)

    def run(self):
        try:
            for reply in self.stub.Act(self._requests(), metadata=self.metadata):
                self.steps += 1
                self.actions.put(None if time.monotonic() >= self.deadline else reply.action)
        except grpc.RpcError as error:
            self.error = f"{error.code().name}: {error.details()}"
        finally:
            self.actions.put(None)


def open_channel(args):
    """A plaintext channel, or TLS (mutual with a client certificate) when --tls-ca is given."""
    if not args.tls_ca:
        return grpc.insecure_channel(args.server)

    def read(path):
        with open(path, "rb") as f:
            return f.read()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.tls_ca),
        private_key=read(args.tls_key) if args.tls_key else None,
        certificate_chain=read(args.tls_cert) if args.tls_cert else None)
    options = [("grpc.ssl_target_name_override", args.tls_server_name)] if args.tls_server_name else []
    return grpc.secure_channel(args.server, credentials, options=options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:8686", help="HOST:PORT or unix:PATH")
    parser.add_argument("--env", default="CartPole-v1", help="Gymnasium environment id")
    parser.add_argument("--envs", type=int, default=4, help="environments, one stream each")
    parser.add_argument("--seconds", type=float, default=30, help="how long to act")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--token", default=os.environ.get("SEEDRL_TOKEN"), help="bearer token (default $SEEDRL_TOKEN)")
    parser.add_argument("--token-file", help="read the bearer token from this file (its first line); wins over --token")
    parser.add_argument("--tls-ca", help="PEM CA to trust: connect over TLS")
    parser.add_argument("--tls-cert", help="PEM client certificate chain for mutual TLS (with --tls-key)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--tls-server-name", help="name to check the server's certificate against (default: the host)")
    args = parser.parse_args()
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_cert and not args.tls_ca:
        parser.error("--tls-cert needs --tls-ca")
    if args.token_file:
        with open(args.token_file) as f:
            args.token = f.readline().strip()
    if args.token is not None and not args.token:
        parser.error("the token is empty")

    metadata = [("authorization", f"Bearer {args.token}")] if args.token else []
    channel = open_channel(args)
    stub = learner_pb2_grpc.LearnerStub(channel)
    spec = stub.GetSpec(learner_pb2.GetSpecRequest(), metadata=metadata, timeout=10)
    envs = [gym.make(args.env) for _ in range(args.envs)]
    dtype = check_spec(spec, envs[0], args.env)
    deadline = time.monotonic() + args.seconds
    streams = [EnvironmentStream(stub, env, dtype, args.seed * 1000 + i, metadata, deadline)
               for i, env in enumerate(envs)]
    threads = [threading.Thread(target=s.run) for s in streams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = stub.GetStats(learner_pb2.GetStatsRequest(), metadata=metadata, timeout=10)
    returns = [r for s in streams for r in s.returns][-100:]
    errors = [s.error for s in streams if s.error]
    print(json.dumps({
        "steps": sum(s.steps for s in streams), "episodes": sum(s.episodes for s in streams),
        "mean_return": float(np.mean(returns)) if returns else 0.0, "errors": errors,
        "server": {"steps_served": stats.steps_served, "model_version": stats.model_version,
                   "episodes_completed": stats.episodes_completed, "frames_trained": stats.frames_trained},
    }))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
