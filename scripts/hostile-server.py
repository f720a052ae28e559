#!/usr/bin/env python3
"""A server that breaks the contract on purpose, for actor robustness tests.

Speaks learner.proto through grpcio but answers every Step with an action outside the
spec it advertised, so the test can check that `seedrl actor` stops with a clear error
instead of trapping inside an environment. Listens on a unix socket; exits after
--seconds.
"""
import argparse
import os
import sys
import time
from concurrent import futures

import grpc

import seedrl_actor  # noqa: F401  (puts the contract's generated stubs on the path)
from seedrl.v1 import learner_pb2, learner_pb2_grpc  # noqa: E402


class OutOfRangeLearner(learner_pb2_grpc.LearnerServicer):
    def __init__(self, shape, num_actions, action):
        self.shape, self.num_actions, self.action = shape, num_actions, action

    def GetSpec(self, request, context):
        return learner_pb2.Spec(env="hostile", observation_shape=self.shape,
                                observation_dtype=learner_pb2.DTYPE_FLOAT32, num_actions=self.num_actions)

    def Act(self, steps, context):
        for _ in steps:
            yield learner_pb2.Action(action=self.action, model_version=0)

    def GetStats(self, request, context):
        return learner_pb2.Stats()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unix", required=True, help="socket path to listen on")
    parser.add_argument("--shape", default="6", help="advertised observation shape, comma-separated")
    parser.add_argument("--num-actions", type=int, default=3)
    parser.add_argument("--action", type=int, default=7, help="the action every Step is answered with")
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    learner = OutOfRangeLearner([int(d) for d in args.shape.split(",")], args.num_actions, args.action)
    learner_pb2_grpc.add_LearnerServicer_to_server(learner, server)
    server.add_insecure_port(f"unix:{args.unix}")
    server.start()
    time.sleep(args.seconds)
    server.stop(0)


if __name__ == "__main__":
    main()
