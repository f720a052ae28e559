"""The actor: environments stepped against a learner, either as lanes of ActBatch streams
(a Gymnasium vector environment per stream, one message per step of all its lanes) or as
one Act stream per environment (for learners without ActBatch, or `lanes=1`)."""
import queue
import threading
import time

import grpc
import gymnasium as gym
import numpy as np

from seedrl.v1 import learner_pb2, learner_pb2_grpc

from .channel import connect, token_metadata
from .spaces import check_actions, wire_dtype

FIRST, MID, LAST = learner_pb2.STEP_TYPE_FIRST, learner_pb2.STEP_TYPE_MID, learner_pb2.STEP_TYPE_LAST


class Actor:
    """Runs `num_envs` environments made by `make_env` against the learner at `server`.

    lanes: environments per ActBatch stream (default: all, in as few streams as the
    server's max_lanes allows; 1: one Act stream per environment, one thread each).
    asynchronous: step each stream's environments in subprocesses (gymnasium's
    AsyncVectorEnv), for slow environments.
    """

    def __init__(self, make_env, server="127.0.0.1:8686", num_envs=16, lanes=None, asynchronous=False, seed=1,
                 token=None, channel=None, name=None):
        self.make_env, self.num_envs, self.lanes, self.asynchronous = make_env, num_envs, lanes, asynchronous
        self.seed, self.name = seed, name or "env"
        self.channel = channel or connect(server)
        self.stub = learner_pb2_grpc.LearnerStub(self.channel)
        self.metadata = token_metadata(token)
        self.streams = []

    def spec(self):
        return self.stub.GetSpec(learner_pb2.GetSpecRequest(), metadata=self.metadata, timeout=10)

    def run(self, seconds=None, steps=None):
        """Acts until `seconds` pass or `steps` env steps are taken (or forever); returns a
        summary: steps, episodes, mean return of the last 100 episodes, errors."""
        spec = self.spec()
        probe = self.make_env()
        dtype = wire_dtype(spec, probe.observation_space, self.name)
        check_actions(spec, probe.action_space, self.name)
        probe.close()
        stop = Budget(seconds, steps)
        lanes = 1 if spec.max_lanes == 0 else min(self.lanes or self.num_envs, spec.max_lanes, self.num_envs)
        if lanes == 1:
            self.streams = [ActStream(self.stub, self.make_env(), dtype, self.seed * 1000 + i, self.metadata, stop)
                            for i in range(self.num_envs)]
        else:
            groups = [list(range(start, min(start + lanes, self.num_envs))) for start in range(0, self.num_envs, lanes)]
            self.streams = [LaneStream(self.stub, self._vector(len(group)), dtype, self.seed * 1000 + group[0],
                                       self.metadata, stop) for group in groups]
        threads = [threading.Thread(target=stream.run, daemon=True) for stream in self.streams]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        returns = [r for stream in self.streams for r in stream.returns][-100:]
        return {
            "steps": sum(s.steps for s in self.streams), "episodes": sum(s.episodes for s in self.streams),
            "mean_return": float(np.mean(returns)) if returns else 0.0,
            "streams": len(self.streams), "lanes_per_stream": lanes,
            "errors": [s.error for s in self.streams if s.error],
        }

    def _vector(self, count):
        kind = gym.vector.AsyncVectorEnv if self.asynchronous else gym.vector.SyncVectorEnv
        options = {}
        # Gymnasium >= 1.1 names the mode; NEXT_STEP (the default) is what the lanes assume:
        # the step after a lane's last one is its reset (reward 0, action ignored).
        if hasattr(gym.vector, "AutoresetMode"):
            options["autoreset_mode"] = gym.vector.AutoresetMode.NEXT_STEP
        return kind([self.make_env] * count, **options)


class Budget:
    """When to stop: a deadline, a step budget, or an explicit stop."""

    def __init__(self, seconds=None, steps=None):
        self.deadline = time.monotonic() + seconds if seconds is not None else None
        self.steps, self.taken, self.stopped = steps, 0, False
        self.lock = threading.Lock()

    def spend(self, count):
        with self.lock:
            self.taken += count
            return self.exhausted()

    def exhausted(self):
        return (self.stopped or (self.deadline is not None and time.monotonic() >= self.deadline)
                or (self.steps is not None and self.taken >= self.steps))


class LaneStream:
    """One ActBatch stream: a vector environment's lanes, FIRST/MID/LAST per lane."""

    def __init__(self, stub, envs, dtype, seed, metadata, budget):
        self.stub, self.envs, self.dtype, self.seed = stub, envs, dtype, seed
        self.metadata, self.budget = metadata, budget
        self.replies = queue.Queue()
        self.steps = self.episodes = 0
        self.returns, self.error = [], None

    def _batch(self, types, rewards, discounts, observations):
        return learner_pb2.StepBatch(step_types=types.tolist(), rewards=rewards.tolist(), discounts=discounts.tolist(),
                                     observations=np.ascontiguousarray(observations, dtype=self.dtype).tobytes())

    def _requests(self):
        lanes = self.envs.num_envs
        observations, _ = self.envs.reset(seed=self.seed)
        yield self._batch(np.full(lanes, FIRST), np.zeros(lanes, np.float32), np.ones(lanes, np.float32), observations)
        resetting = np.zeros(lanes, bool)  # the lanes whose previous step was LAST
        episode_returns = np.zeros(lanes)
        while True:
            actions = self.replies.get()
            if actions is None:
                return  # half-close: the server ends the stream with OK
            observations, reward, terminated, truncated, _ = self.envs.step(actions)
            done = (terminated | truncated) & ~resetting
            types = np.where(resetting, FIRST, np.where(done, LAST, MID))
            rewards = np.where(resetting, 0.0, reward).astype(np.float32)
            discounts = np.where(done & terminated, 0.0, 1.0).astype(np.float32)
            episode_returns = np.where(resetting, 0.0, episode_returns + reward)
            for lane in np.flatnonzero(done):
                self.episodes += 1
                self.returns.append(float(episode_returns[lane]))
            self.returns = self.returns[-100:]
            resetting = done
            yield self._batch(types, rewards, discounts, observations)

    def run(self):
        try:
            for reply in self.stub.ActBatch(self._requests(), metadata=self.metadata):
                self.steps += len(reply.actions)
                exhausted = self.budget.spend(len(reply.actions))
                self.replies.put(None if exhausted else np.asarray(reply.actions, dtype=np.int64))
        except grpc.RpcError as error:
            self.error = f"{error.code().name}: {error.details()}"
        finally:
            self.replies.put(None)
            self.envs.close()


class ActStream:
    """One environment on its own Act stream: strict ping-pong, FIRST/MID/LAST as dm_env."""

    def __init__(self, stub, env, dtype, seed, metadata, budget):
        self.stub, self.env, self.dtype, self.seed = stub, env, dtype, seed
        self.metadata, self.budget = metadata, budget
        self.actions = queue.Queue()
        self.steps = self.episodes = 0
        self.returns, self.error = [], None

    def _step(self, step_type, observation, reward=0.0, discount=1.0):
        return learner_pb2.Step(step_type=step_type, reward=reward, discount=discount,
                                observation=np.asarray(observation, dtype=self.dtype).tobytes())

    def _requests(self):
        observation, _ = self.env.reset(seed=self.seed)
        yield self._step(FIRST, observation)
        episode_return, last = 0.0, False
        while True:
            action = self.actions.get()
            if action is None:
                return  # half-close: the server ends the stream with OK
            if last:
                observation, _ = self.env.reset()
                episode_return, last = 0.0, False
                yield self._step(FIRST, observation)
                continue
            observation, reward, terminated, truncated, _ = self.env.step(action)
            episode_return += reward
            last = terminated or truncated
            if last:
                self.episodes += 1
                self.returns = (self.returns + [episode_return])[-100:]
            yield self._step(LAST if last else MID, observation, float(reward), 0.0 if terminated else 1.0)

    def run(self):
        try:
            for reply in self.stub.Act(self._requests(), metadata=self.metadata):
                self.steps += 1
                exhausted = self.budget.spend(1)
                self.actions.put(None if exhausted else reply.action)
        except grpc.RpcError as error:
            self.error = f"{error.code().name}: {error.details()}"
        finally:
            self.actions.put(None)
            self.env.close()
