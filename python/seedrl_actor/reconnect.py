"""How the actor heals itself, with the policy of `seedrl actor` (Sources/ActorClient/
Backoff.swift, ActorLoop.swift): a stream that ends because the learner went away, the
connection broke or the learner is full is re-opened after an exponential backoff with
jitter; any other ending (a wrong token, a bad Step) is final."""
import dataclasses
import random
import threading
import time

import grpc

# The learner is down, shutting down or restarting its listener, or the connection was lost;
# or it is full for now (stream slots, memory): a load condition, not a misconfiguration.
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})
# How a broken transport can also surface (a GOAWAY whose grace ran out, a reset stream):
# retried unless the actor cancelled the call itself.
TRANSPORT = frozenset({grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL})


def retryable(code, cancelled_by_us=False):
    """Whether a stream that ended with `code` is re-opened. UNAUTHENTICATED,
    PERMISSION_DENIED, INVALID_ARGUMENT, FAILED_PRECONDITION and the rest are final."""
    return code in RETRYABLE or (code in TRANSPORT and not cancelled_by_us)


@dataclasses.dataclass(frozen=True)
class Backoff:
    """The delay before reconnect attempt n is min(max, initial · multiplier^(n−1)), spread
    by ±jitter so a fleet of actors that lost the same learner does not come back in
    lockstep. The defaults are `seedrl actor`'s."""
    initial_seconds: float = 0.1
    multiplier: float = 2.0
    max_seconds: float = 5.0
    jitter: float = 0.2  # fraction of the delay drawn at random on either side, in [0, 1)

    def delay(self, attempt, unit):
        """Seconds to wait before attempt `attempt` (1 for the first retry); `unit` is a
        uniform draw in [0, 1)."""
        base = self.initial_seconds
        for _ in range(1, max(attempt, 1)):
            if base >= self.max_seconds:
                break
            base *= self.multiplier
        return min(base, self.max_seconds) * (1 + self.jitter * (2 * unit - 1))


class Budget:
    """When to stop: a deadline, a step budget, an episode budget, or an explicit stop. It
    counts across reconnects. Thread-safe; `condition` wakes streams waiting to reconnect
    on a stop. With an episode budget it keeps the returns of the first `episodes` episodes
    completed (`returns`)."""

    def __init__(self, seconds=None, steps=None, clock=time.monotonic, episodes=None):
        self.clock = clock
        self.deadline = clock() + seconds if seconds is not None else None
        self.steps, self.taken, self.stopped = steps, 0, False
        self.episodes, self.returns = episodes, []
        self.lock = threading.Lock()  # spend() takes it bare: a Condition's `with` costs a Python call per reply
        self.condition = threading.Condition(self.lock)

    def spend(self, count):
        with self.lock:
            self.taken += count
            return self.exhausted()

    def exhausted(self):
        return (self.stopped or (self.deadline is not None and self.clock() >= self.deadline)
                or (self.steps is not None and self.taken >= self.steps)
                or (self.episodes is not None and len(self.returns) >= self.episodes))

    def episode_done(self, episode_return):
        """Counts a completed episode (only the first `episodes` are kept)."""
        if self.episodes is None:
            return
        with self.lock:
            if len(self.returns) < self.episodes:
                self.returns.append(float(episode_return))

    def stop(self):
        with self.condition:
            self.stopped = True
            self.condition.notify_all()

    def sleep(self, seconds):
        """Waits `seconds`, less if the budget runs out or is stopped meanwhile."""
        until = self.clock() + seconds
        with self.condition:
            while not self.exhausted():
                left = self.cap(until) - self.clock()
                if left <= 0:
                    return
                self.condition.wait(left)

    def cap(self, until):
        """The earlier of `until` and the deadline (monotonic seconds)."""
        return until if self.deadline is None else min(until, self.deadline)


class Reconnects:
    """The streams' reconnect schedule: each lost stream waits out its backoff (attempt
    n after n failures in a row), but as soon as any stream is served again the learner
    is back, and the others waiting come back now (a little jitter apart) rather than
    sleeping out their longer delays. Counts re-opened streams. Thread-safe."""

    def __init__(self, budget, backoff=None, seed=0):
        self.budget, self.backoff = budget, backoff or Backoff()
        self.random = random.Random(seed)
        self.count = 0
        self.generation = 0  # bumped each time a stream is served after opening

    def reopened(self):
        with self.budget.condition:
            self.count += 1

    def served(self):
        """A stream was served after opening: the learner is there."""
        with self.budget.condition:
            self.generation += 1
            self.budget.condition.notify_all()

    def delay(self, attempt):
        """The backoff before reconnect attempt `attempt`, its jitter drawn."""
        with self.budget.condition:
            return self.backoff.delay(attempt, self.random.random())

    def wait(self, delay):
        """Sleeps `delay` seconds, less if the learner is seen back meanwhile (then a
        first-attempt delay from that moment) or the budget runs out."""
        budget = self.budget
        with budget.condition:
            until, seen = budget.clock() + delay, self.generation
            while not budget.exhausted():
                now = budget.clock()
                if self.generation != seen:
                    seen = self.generation
                    until = min(until, now + self.backoff.delay(1, self.random.random()))
                left = budget.cap(until) - now
                if left <= 0:
                    return
                budget.condition.wait(left)
