"""The actor: environments stepped against a learner, either as lanes of ActBatch streams
(a Gymnasium vector environment per stream, one message per step of all its lanes) or as
one Act stream per environment (for learners without ActBatch, or `lanes=1`).

Each stream heals itself as `seedrl actor` does (reconnect.py): one that ends because the
learner went away, the connection broke or the learner is full is re-opened after a
backoff, its environments starting afresh with FIRST (the learner dropped their episodes);
any other ending stops the actor with the server's message.

Actions come in the form the served action space has (spaces.py: a class index, box
values or one index per dimension) and are checked against it before an environment sees
them: one outside it (or of the wrong size) stops the actor with a clear error."""
import logging
import queue
import threading
import time

import grpc
import gymnasium as gym
import numpy as np

from seedrl.v1 import learner_pb2, learner_pb2_grpc

from .channel import connect, token_metadata
from .reconnect import Backoff, Budget, Reconnects, retryable
from .spaces import BadAction, check_spec

FIRST, MID, LAST = learner_pb2.STEP_TYPE_FIRST, learner_pb2.STEP_TYPE_MID, learner_pb2.STEP_TYPE_LAST

# Once the budget is spent, a stream has this long to end its last exchange before its
# call is cancelled: a learner that stopped answering must not hold the actor forever.
STOP_GRACE_SECONDS = 10.0

log = logging.getLogger("seedrl_actor")


def describe(error):
    """"UNAVAILABLE: server shutting down": an RpcError as the summary reports it."""
    return f"{error.code().name}: {error.details()}"


class Actor:
    """Runs `num_envs` environments made by `make_env` against the learner at `server`.

    lanes: environments per ActBatch stream (default: all, in as few streams as the
    server's max_lanes allows; 1: one Act stream per environment, one thread each).
    asynchronous: step each stream's environments in subprocesses (gymnasium's
    AsyncVectorEnv), for slow environments.
    backoff: the reconnect schedule (reconnect.Backoff: 0.1 s doubling to 5 s, ±20%).
    connect_timeout: how long to wait at start for a learner that is not up yet.
    keepalive_seconds: ping period of the channel made for `server` (0: no pings).
    """

    def __init__(self, make_env, server="127.0.0.1:8686", num_envs=16, lanes=None, asynchronous=False, seed=1,
                 token=None, channel=None, name=None, backoff=None, connect_timeout=60.0, keepalive_seconds=5.0):
        self.make_env, self.num_envs, self.lanes, self.asynchronous = make_env, num_envs, lanes, asynchronous
        self.seed, self.name = seed, name or "env"
        self.channel = channel or connect(server, keepalive_seconds=keepalive_seconds)
        self.stub = learner_pb2_grpc.LearnerStub(self.channel)
        self.metadata = token_metadata(token)
        self.backoff, self.connect_timeout = backoff or Backoff(), connect_timeout
        self.streams, self.budget, self.stopping = [], None, False

    def spec(self, budget=None):
        """GetSpec. A learner that is not up yet (UNAVAILABLE) is waited for with the
        reconnect backoff, up to `connect_timeout` seconds or the end of `budget`; other
        errors raise at once."""
        budget = budget or Budget()
        give_up = time.monotonic() + self.connect_timeout
        attempt = 0
        while True:
            try:
                return self.stub.GetSpec(learner_pb2.GetSpecRequest(), metadata=self.metadata, timeout=10)
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() >= give_up or budget.exhausted():
                    raise
                attempt += 1
                if attempt == 1:
                    log.warning("waiting for the learner (%s)", describe(error))
                budget.sleep(min(self.backoff.delay(attempt, 0.5), max(0.0, give_up - time.monotonic())))

    def run(self, seconds=None, steps=None, episodes=None):
        """Acts until `seconds` pass, `steps` env steps are taken, `episodes` episodes are
        completed (each counted across reconnects), `stop()` is called, or an error that is
        not retried; returns a summary: steps, episodes, mean return of the last 100
        episodes, streams, lanes per stream, reconnects, errors, and with `episodes` the
        returns of the first `episodes` completed (`episode_returns`)."""
        budget = self.budget = Budget(seconds, steps, episodes=episodes)
        if self.stopping:
            budget.stop()
        spec = self.spec(budget)
        probe = self.make_env()
        try:
            dtype, actions = check_spec(spec, probe.observation_space, probe.action_space, self.name)
        finally:
            probe.close()
        reconnects = Reconnects(budget, self.backoff, self.seed)
        lanes = 1 if spec.max_lanes == 0 else min(self.lanes or self.num_envs, spec.max_lanes, self.num_envs)
        if lanes == 1:
            self.streams = [ActStream(i, self.stub, self.make_env(), dtype, actions, self.seed * 1000 + i,
                                      self.metadata, budget, reconnects) for i in range(self.num_envs)]
        else:
            groups = [list(range(start, min(start + lanes, self.num_envs))) for start in range(0, self.num_envs, lanes)]
            self.streams = [LaneStream(i, self.stub, self._vector(len(group)), dtype, actions,
                                       self.seed * 1000 + group[0], self.metadata, budget, reconnects)
                            for i, group in enumerate(groups)]
        threads = [threading.Thread(target=stream.run, daemon=True) for stream in self.streams]
        for thread in threads:
            thread.start()
        self._join(threads, budget)
        returns = [r for stream in self.streams for r in stream.returns][-100:]
        summary = {
            "steps": sum(s.steps for s in self.streams), "episodes": sum(s.episodes for s in self.streams),
            "mean_return": float(np.mean(returns)) if returns else 0.0,
            "streams": len(self.streams), "lanes_per_stream": lanes, "reconnects": reconnects.count,
            "errors": [s.error for s in self.streams if s.error],
        }
        if episodes is not None:
            summary["episode_returns"] = list(budget.returns)
        return summary

    def stop(self):
        """Ends the run: each stream half-closes after its next reply and stops
        reconnecting. Any thread (not a signal handler: it takes a lock)."""
        self.stopping = True
        if self.budget is not None:
            self.budget.stop()

    def _join(self, threads, budget):
        """Waits for the streams; once the budget is spent, those still in an exchange
        STOP_GRACE_SECONDS later have their calls cancelled."""
        cancel_at = None
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
                if cancel_at is None and budget.exhausted():
                    cancel_at = time.monotonic() + STOP_GRACE_SECONDS
                elif cancel_at is not None and time.monotonic() >= cancel_at:
                    cancel_at = float("inf")
                    for stream in self.streams:
                        stream.cancel()

    def _vector(self, count):
        kind = gym.vector.AsyncVectorEnv if self.asynchronous else gym.vector.SyncVectorEnv
        options = {}
        # Gymnasium >= 1.1 names the mode; NEXT_STEP (the default) is what the lanes assume:
        # the step after a lane's last one is its reset (reward 0, action ignored).
        if hasattr(gym.vector, "AutoresetMode"):
            options["autoreset_mode"] = gym.vector.AutoresetMode.NEXT_STEP
        return kind([self.make_env] * count, **options)


class Stream:
    """What both kinds of stream share: sessions (one call each, its environments stepped
    on this stream's thread as replies come) in a loop that re-opens the call after a
    retryable ending. `steps`, `episodes`, `returns` and `error` are read after `run`."""

    def __init__(self, index, stub, dtype, actions, seed, metadata, budget, reconnects):
        self.index, self.stub, self.dtype, self.seed, self.metadata = index, stub, dtype, seed, metadata
        self.actions = actions  # spaces.Actions: the server's actions, checked, as the environment takes them
        self.budget, self.reconnects = budget, reconnects
        self.steps = self.episodes = 0
        self.returns, self.error = [], None
        self.call, self.cancelled_by_us = None, False
        self.served = self.closing = False  # per session: a reply came; this side half-closed

    def run(self):
        failures = 0  # attempts in a row that failed (a session that was served and then lost counts as the first)
        try:
            while True:
                self.served = self.closing = False
                ended = self._session()  # the RpcError that ended the call; None: it ended with OK
                if self.error or self.cancelled_by_us or (ended is None and self.closing):
                    return
                if ended is None:
                    return self._fail("the learner ended the stream")
                if not retryable(ended.code()):
                    return self._fail(describe(ended))
                failures = 1 if self.served else failures + 1
                delay = self.reconnects.delay(failures)
                if failures == 1 or failures % 10 == 0:
                    log.warning("stream %d lost (%s); reconnecting in %.1f s (attempt %d)",
                                self.index, describe(ended), delay, failures)
                self.reconnects.wait(delay)
                if self.budget.exhausted():
                    return
                self.reconnects.reopened()
        except Exception as failure:  # an environment failed: this stream cannot go on
            log.exception("stream %d: the environment failed", self.index)
            self._fail(f"the environment failed: {failure!r}")
        finally:
            self._close()

    def cancel(self):
        """Cancels the open call (any thread); the stream then ends without an error."""
        self.cancelled_by_us = True
        call = self.call
        if call is not None:
            call.cancel()
            log.warning("stream %d: no answer from the learner %.0f s after the end; cancelled",
                        self.index, STOP_GRACE_SECONDS)

    def _session(self):
        raise NotImplementedError

    def _close(self):
        raise NotImplementedError

    def _first_reply(self):
        self.served = True
        self.reconnects.served()

    def _fail(self, message):
        """Stops the actor with `message`, as `seedrl actor` does with an error it does not retry."""
        self.error = message
        log.error("stream %d stopped: %s", self.index, message)
        self.budget.stop()

    def _refuse(self, call, message):
        """The server broke the contract: the stream ends with `message` and its call is cancelled."""
        self._fail(message)
        self.cancelled_by_us = True
        call.cancel()


class LaneStream(Stream):
    """One ActBatch stream: a vector environment's lanes, FIRST/MID/LAST per lane."""

    def __init__(self, index, stub, envs, dtype, actions, seed, metadata, budget, reconnects):
        super().__init__(index, stub, dtype, actions, seed, metadata, budget, reconnects)
        self.envs, self.lanes = envs, envs.num_envs
        self.resetting = np.zeros(self.lanes, bool)  # the lanes whose previous step was LAST
        self.episode_returns = np.zeros(self.lanes)

    def _batch(self, types, rewards, discounts, observations):
        return learner_pb2.StepBatch(step_types=types.tolist(), rewards=rewards.tolist(), discounts=discounts.tolist(),
                                     observations=np.ascontiguousarray(observations, dtype=self.dtype).tobytes())

    def _begin(self):
        """Every lane starts afresh with FIRST (after a reconnect too: the learner dropped
        their episodes). The seed goes to the first reset only."""
        observations, _ = self.envs.reset(seed=self.seed)
        self.seed = None
        self.resetting[:] = False
        self.episode_returns[:] = 0.0
        lanes = self.lanes
        return self._batch(np.full(lanes, FIRST), np.zeros(lanes, np.float32), np.ones(lanes, np.float32), observations)

    def _step(self, actions):
        observations, reward, terminated, truncated, _ = self.envs.step(actions)
        resetting = self.resetting
        done = (terminated | truncated) & ~resetting
        types = np.where(resetting, FIRST, np.where(done, LAST, MID))
        rewards = np.where(resetting, 0.0, reward).astype(np.float32)
        discounts = np.where(done & terminated, 0.0, 1.0).astype(np.float32)
        self.episode_returns = np.where(resetting, 0.0, self.episode_returns + reward)
        for lane in np.flatnonzero(done):
            self.episodes += 1
            self.returns.append(float(self.episode_returns[lane]))
            self.budget.episode_done(self.episode_returns[lane])
        self.returns = self.returns[-100:]
        self.resetting = done
        return self._batch(types, rewards, discounts, observations)

    def _session(self):
        lanes, budget = self.lanes, self.budget
        requests = queue.Queue()
        requests.put(self._begin())
        call = self.call = self.stub.ActBatch(iter(requests.get, None), metadata=self.metadata)
        try:
            for reply in call:
                try:
                    actions = self.actions.batch(reply, lanes)
                except BadAction as bad:
                    return self._refuse(call, str(bad))
                if not self.served:
                    self._first_reply()
                self.steps += lanes
                if budget.spend(lanes):
                    self.closing = True
                    requests.put(None)  # half-close: the server ends the stream with OK
                else:
                    requests.put(self._step(actions))
        except grpc.RpcError as error:
            return error
        except BaseException:
            call.cancel()
            raise
        finally:
            requests.put(None)
            self.call = None
        return None

    def _close(self):
        self.envs.close()


class ActStream(Stream):
    """One environment on its own Act stream: strict ping-pong, FIRST/MID/LAST as dm_env."""

    def __init__(self, index, stub, env, dtype, actions, seed, metadata, budget, reconnects):
        super().__init__(index, stub, dtype, actions, seed, metadata, budget, reconnects)
        self.env, self.last, self.episode_return = env, False, 0.0

    def _message(self, step_type, observation, reward=0.0, discount=1.0):
        return learner_pb2.Step(step_type=step_type, reward=reward, discount=discount,
                                observation=np.asarray(observation, dtype=self.dtype).tobytes())

    def _begin(self):
        """A fresh episode's FIRST (after LAST, and after a reconnect: the learner dropped
        the old one). The seed goes to the first reset only."""
        observation, _ = self.env.reset(seed=self.seed)
        self.seed = None
        self.episode_return, self.last = 0.0, False
        return self._message(FIRST, observation)

    def _step(self, action):
        if self.last:
            return self._begin()  # the action answering LAST is ignored
        observation, reward, terminated, truncated, _ = self.env.step(action)
        self.episode_return += reward
        self.last = terminated or truncated
        if self.last:
            self.episodes += 1
            self.returns = (self.returns + [self.episode_return])[-100:]
            self.budget.episode_done(self.episode_return)
        return self._message(LAST if self.last else MID, observation, float(reward), 0.0 if terminated else 1.0)

    def _session(self):
        budget = self.budget
        requests = queue.Queue()
        requests.put(self._begin())
        call = self.call = self.stub.Act(iter(requests.get, None), metadata=self.metadata)
        try:
            for reply in call:
                try:
                    action = self.actions.one(reply)
                except BadAction as bad:
                    return self._refuse(call, str(bad))
                if not self.served:
                    self._first_reply()
                self.steps += 1
                if budget.spend(1):
                    self.closing = True
                    requests.put(None)  # half-close: the server ends the stream with OK
                else:
                    requests.put(self._step(action))
        except grpc.RpcError as error:
            return error
        except BaseException:
            call.cancel()
            raise
        finally:
            requests.put(None)
            self.call = None
        return None

    def _close(self):
        self.env.close()
