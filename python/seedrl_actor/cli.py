"""seedrl-actor: the command line."""
import argparse
import json
import logging
import os
import signal
import sys
import threading

import grpc
import gymnasium as gym
import numpy as np

from seedrl.v1 import learner_pb2

from .actor import Actor, describe
from .channel import MIN_KEEPALIVE_SECONDS, connect
from .environments import BoolFramesAsUint8, import_modules, make_factory
from .reconnect import Backoff
from .spaces import SpecMismatch, env_action_space, implied_spec


def parse(argv):
    parser = argparse.ArgumentParser(prog="seedrl-actor", description="Step Gymnasium environments against a seedrl learner.")
    parser.add_argument("--server", default="127.0.0.1:8686", help="HOST:PORT or unix:PATH")
    parser.add_argument("--env", default="CartPole-v1", help="a registered Gymnasium id (see --import), or an Atari game with --atari")
    parser.add_argument("--import", dest="imports", action="append", metavar="MODULE",
                        help="import this module first, to register its environments (e.g. minatar.gym); repeatable")
    parser.add_argument("--atari", action="store_true",
                        help="--env names an Atari game (Pong or ALE/Pong-v5) run with the standard preprocessing (ale-py)")
    parser.add_argument("--evaluation", action="store_true", help="with --atari: whole games, rewards unclipped")
    parser.add_argument("--sticky", type=float, default=None,
                        help="with --atari: the chance each frame repeats the previous action (ALE v5's 0.25; "
                             "0 is the v4 protocol of OpenAI baselines' and CleanRL's Atari results)")
    parser.add_argument("--print-spec", action="store_true",
                        help="print the Spec --env implies (one JSON line) and the `seedrl server` flags that serve it, then exit")
    parser.add_argument("--describe", action="store_true",
                        help="print one JSON line, {\"spec\": the Spec --env implies, \"reward_threshold\": Gymnasium's or null, "
                             "\"max_episode_steps\": its limit or null}, then exit (what `seedrl train --env gym:ID` reads)")
    parser.add_argument("--envs", type=int, default=16, help="environments")
    parser.add_argument("--lanes", type=int, default=None,
                        help="environments per ActBatch stream (default: all, as few streams as the server allows; 1: one Act stream each)")
    parser.add_argument("--async", dest="asynchronous", action="store_true", help="step each stream's environments in subprocesses")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (reconnects included)")
    parser.add_argument("--steps", type=int, default=None, help="stop after this many env steps (counted across reconnects)")
    parser.add_argument("--episodes", type=int, default=None,
                        help="stop after this many episodes are completed; the summary lists their returns (episode_returns)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-backoff-seconds", type=float, default=Backoff.max_seconds,
                        help="longest wait between reconnect attempts (backoff doubles from 0.1 s, ±20%% jitter)")
    parser.add_argument("--connect-timeout-seconds", type=float, default=60.0,
                        help="how long to wait for an unreachable learner at start")
    parser.add_argument("--keepalive-seconds", type=float, default=5.0,
                        help=f"keepalive ping period: a dead link is noticed within about twice this (0: off; else at least {MIN_KEEPALIVE_SECONDS:g})")
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
    if args.sticky is not None and not args.atari:
        parser.error("--sticky is for --atari games")
    if args.sticky is None:
        args.sticky = 0.25
    if not 0 <= args.sticky <= 1:
        parser.error("--sticky is a probability: it must be in [0, 1]")
    if args.episodes is not None and args.episodes < 1:
        parser.error("--episodes must be at least 1")
    if args.envs < 1 or (args.lanes is not None and args.lanes < 1):
        parser.error("--envs and --lanes must be at least 1")
    if args.keepalive_seconds != 0 and args.keepalive_seconds < MIN_KEEPALIVE_SECONDS:
        parser.error(f"--keepalive-seconds must be 0 (off) or at least {MIN_KEEPALIVE_SECONDS:g}: "
                     "the server refuses pings less than 1 s apart")
    if args.max_backoff_seconds < Backoff.initial_seconds:
        parser.error(f"--max-backoff-seconds must be at least {Backoff.initial_seconds}")
    return args


def spec_json(spec):
    return json.dumps(spec_object(spec))


def spec_object(spec):
    """A Spec as one line of proto3 JSON (field names as in learner.proto, integers as
    numbers, infinite bounds as "Infinity"/"-Infinity"): json_format.Parse reads it back."""
    def bound(value):
        if not np.isfinite(value):
            return "Infinity" if value > 0 else "-Infinity"
        return float(str(np.float32(value)))  # the float32's shortest form: -0.4, not -0.4000000059604645

    kind = spec.action_space.WhichOneof("kind")
    if kind == "box":
        box = spec.action_space.box
        space = {"box": {"shape": list(box.shape), "low": [bound(v) for v in box.low], "high": [bound(v) for v in box.high]}}
    elif kind == "multi_discrete":
        space = {"multi_discrete": {"nvec": list(spec.action_space.multi_discrete.nvec)}}
    else:
        space = {"discrete": {"n": spec.action_space.discrete.n}}
    return {"env": spec.env, "observation_shape": list(spec.observation_shape),
            "observation_dtype": learner_pb2.DType.Name(spec.observation_dtype),
            "num_actions": spec.num_actions, "action_space": space}


def environment_spec(args, factory):
    """The Spec the environment implies and its action space, or exit 1 saying why the
    contract cannot carry it."""
    env = factory()
    try:
        observation_space, action_space = env.observation_space, env.action_space
    finally:
        env.close()
    try:
        return implied_spec(args.env, observation_space, action_space), action_space
    except SpecMismatch as mismatch:
        sys.exit(f"seedrl-actor: {mismatch}")


def print_spec(args, factory):
    """--print-spec: the Spec line, then the `seedrl server` flags (exit 0); or, where the
    contract cannot carry the environment or the flags cannot say its bounds, why (exit 1)."""
    spec, action_space = environment_spec(args, factory)
    print(spec_json(spec), flush=True)
    actions = env_action_space(action_space)
    flag = actions.server_flag()
    if flag is None:
        sys.exit(f"seedrl-actor: env {args.env} takes {actions}: `seedrl server --action-space box:DIMS:LOW:HIGH` "
                 "gives every dimension the same bounds, so no flags serve it")
    dtype = "uint8" if spec.observation_dtype == learner_pb2.DTYPE_UINT8 else "float32"
    print(f"--obs-shape {','.join(str(d) for d in spec.observation_shape)} --obs-dtype {dtype} {flag}", flush=True)
    return 0


def describe_env(args, factory, registered):
    """--describe: the Spec and what Gymnasium registered with the id (exit 0), or why the
    contract cannot carry the environment (exit 1)."""
    spec, _ = environment_spec(args, factory)
    print(json.dumps({"spec": spec_object(spec),
                      "reward_threshold": getattr(registered, "reward_threshold", None),
                      "max_episode_steps": getattr(registered, "max_episode_steps", None)}), flush=True)
    return 0


def server_stats(actor):
    """The server's GetStats for the summary, and the error instead when it does not answer
    (the learner may be gone by the end of the run)."""
    try:
        stats = actor.stub.GetStats(learner_pb2.GetStatsRequest(), metadata=actor.metadata, timeout=5)
    except grpc.RpcError as error:
        return None, describe(error)
    return {"steps_served": stats.steps_served, "env_steps": stats.env_steps, "model_version": stats.model_version,
            "episodes_completed": stats.episodes_completed, "frames_trained": stats.frames_trained,
            "mean_episode_return": stats.mean_episode_return}, None


def stop_on_signals(actor):
    """SIGINT and SIGTERM end the run as its budget would (the summary still prints). A
    second SIGINT kills; SIGTERM may come twice (`timeout` signals its child and then its
    process group) and stays graceful. The stop runs on a thread of its own: it takes a
    lock the interrupted main thread may hold."""
    def handle(signum, _frame):
        if signum == signal.SIGINT:
            signal.signal(signum, signal.SIG_DFL)
        threading.Thread(target=actor.stop, daemon=True).start()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handle)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(format="seedrl-actor: %(message)s", level=logging.WARNING)
    try:
        import_modules(args.imports)
    except ModuleNotFoundError as error:
        package = (error.name or "").split(".")[0]
        sys.exit(f"seedrl-actor: --import: {error}; install it into this Python: {sys.executable} -m pip install {package}")
    factory = make_factory(args.env, atari=args.atari, training=not args.evaluation, sticky=args.sticky)
    try:
        probe = factory()
    except (gym.error.Error, ImportError) as error:  # not registered, or a dependency missing (MuJoCo, Box2D...)
        sys.exit(f"seedrl-actor: --env {args.env}: {error}")
    if np.dtype(probe.observation_space.dtype) == np.bool_:
        inner = factory
        factory = lambda: BoolFramesAsUint8(inner())  # noqa: E731
    registered = getattr(probe, "spec", None)
    probe.close()
    if args.describe:
        return describe_env(args, factory, registered)
    if args.print_spec:
        return print_spec(args, factory)
    channel = connect(args.server, args.tls_ca, args.tls_cert, args.tls_key, args.tls_server_name,
                      keepalive_seconds=args.keepalive_seconds)
    actor = Actor(factory, channel=channel, num_envs=args.envs, lanes=args.lanes, asynchronous=args.asynchronous,
                  seed=args.seed, token=args.token, name=args.env, backoff=Backoff(max_seconds=args.max_backoff_seconds),
                  connect_timeout=args.connect_timeout_seconds)
    stop_on_signals(actor)
    try:
        summary = actor.run(seconds=args.seconds, steps=args.steps, episodes=args.episodes)
    except SpecMismatch as mismatch:
        sys.exit(f"seedrl-actor: {mismatch}")
    except grpc.RpcError as error:
        sys.exit(f"seedrl-actor: GetSpec from {args.server} failed: {describe(error)}")
    summary["server"], summary["server_error"] = server_stats(actor)
    print(json.dumps(summary), flush=True)
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
