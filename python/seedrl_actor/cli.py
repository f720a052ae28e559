"""seedrl-actor: the command line."""
import argparse
import json
import os
import sys

import numpy as np

from seedrl.v1 import learner_pb2

from .actor import Actor
from .channel import connect
from .environments import BoolFramesAsUint8, import_modules, make_factory
from .spaces import SpecMismatch


def parse(argv):
    parser = argparse.ArgumentParser(prog="seedrl-actor", description="Step Gymnasium environments against a seedrl learner.")
    parser.add_argument("--server", default="127.0.0.1:8686", help="HOST:PORT or unix:PATH")
    parser.add_argument("--env", default="CartPole-v1", help="a registered Gymnasium id (see --import), or an Atari game with --atari")
    parser.add_argument("--import", dest="imports", action="append", metavar="MODULE",
                        help="import this module first, to register its environments (e.g. minatar.gym); repeatable")
    parser.add_argument("--atari", action="store_true",
                        help="--env names an Atari game (Pong or ALE/Pong-v5) run with the standard preprocessing (ale-py)")
    parser.add_argument("--evaluation", action="store_true", help="with --atari: whole games, rewards unclipped")
    parser.add_argument("--envs", type=int, default=16, help="environments")
    parser.add_argument("--lanes", type=int, default=None,
                        help="environments per ActBatch stream (default: all, as few streams as the server allows; 1: one Act stream each)")
    parser.add_argument("--async", dest="asynchronous", action="store_true", help="step each stream's environments in subprocesses")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    parser.add_argument("--steps", type=int, default=None, help="stop after this many env steps")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--token", default=os.environ.get("SEEDRL_TOKEN"), help="bearer token (default $SEEDRL_TOKEN)")
    parser.add_argument("--token-file", help="read the bearer token from this file (its first line); wins over --token")
    parser.add_argument("--tls-ca", help="PEM CA to trust: connect over TLS")
    parser.add_argument("--tls-cert", help="PEM client certificate chain for mutual TLS (with --tls-key)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--tls-server-name", help="name to check the server's certificate against (default: the host)")
    args = parser.parse_args(argv)
    if args.token_file:
        with open(args.token_file) as f:
            args.token = f.readline().strip()
    if args.token is not None and not args.token:
        parser.error("the token is empty")
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_cert and not args.tls_ca:
        parser.error("--tls-cert needs --tls-ca")
    if args.envs < 1 or (args.lanes is not None and args.lanes < 1):
        parser.error("--envs and --lanes must be at least 1")
    return args


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    import_modules(args.imports)
    factory = make_factory(args.env, atari=args.atari, training=not args.evaluation)
    probe = factory()
    if np.dtype(probe.observation_space.dtype) == np.bool_:
        inner = factory
        factory = lambda: BoolFramesAsUint8(inner())  # noqa: E731
    probe.close()
    channel = connect(args.server, args.tls_ca, args.tls_cert, args.tls_key, args.tls_server_name)
    actor = Actor(factory, channel=channel, num_envs=args.envs, lanes=args.lanes, asynchronous=args.asynchronous,
                  seed=args.seed, token=args.token, name=args.env)
    try:
        summary = actor.run(seconds=args.seconds, steps=args.steps)
    except SpecMismatch as mismatch:
        sys.exit(f"seedrl-actor: {mismatch}")
    stats = actor.stub.GetStats(learner_pb2.GetStatsRequest(), metadata=actor.metadata, timeout=10)
    summary["server"] = {"steps_served": stats.steps_served, "env_steps": stats.env_steps, "model_version": stats.model_version,
                         "episodes_completed": stats.episodes_completed, "frames_trained": stats.frames_trained,
                         "mean_episode_return": stats.mean_episode_return}
    print(json.dumps(summary))
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
