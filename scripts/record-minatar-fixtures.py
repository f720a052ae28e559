#!/usr/bin/env python3
"""Records reference trajectories from MinAtar itself, for the Swift ports' replay tests.

    python3 -m venv .build/minatar-venv && .build/minatar-venv/bin/pip install minatar==1.0.15
    .build/minatar-venv/bin/python scripts/record-minatar-fixtures.py [breakout asterix space_invaders freeway seaquest]

Writes Tests/EnvironmentsTests/Fixtures/minatar-{breakout,asterix,freeway,space-invaders,seaquest}.json.
Each game runs as MinAtar/<Game>-v0 does (full 6-action set, sticky actions 0.1, difficulty
ramping on) on one seeded numpy RandomState, shared by the sticky-action draw and the game
as Environment.seed() shares it. A proxy around that RandomState logs every draw, so the
Swift port can be fed the very same numbers in the same order.

Per episode: `actions` (the agent's choice), `applied_actions` (after sticky actions),
`rewards`, `terminals` (0/1), `observations` (after reset, then after each step) and
`draws` (the draws of the reset, then of each step). An observation is the flat indices
of its true cells in state()'s [10, 10, C] C-order, three digits each, concatenated. A
draw is "<numpy call> <results...>", e.g. "rand 0.5488135039273248", "randint(3) 1",
"randint(1,6,8) 2 5 1 1 3 4 4 2" (keyword arguments logged as positions: randint(low=1,
high=9) is "randint(1,9) 4"); floats in Python's shortest round-trip form.
"""
import copy
import json
import os
import random
import sys

import numpy as np
from minatar import Environment

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
fixtures = os.path.join(root, "Tests", "EnvironmentsTests", "Fixtures")
NOOP, LEFT, UP, RIGHT, DOWN, FIRE = range(6)


class RecordingRandom:
    """Forwards MinAtar's draws to a RandomState and logs each one; any other use fails."""

    def __init__(self, inner):
        self.inner = inner
        self.log = []

    def rand(self, *size):
        value = self.inner.rand(*size)
        results = [value] if not size else list(value)
        self.log.append(self._call("rand", size) + " " + " ".join(repr(float(v)) for v in results))
        return value

    def randint(self, *args, **kwargs):
        value = self.inner.randint(*args, **kwargs)
        results = [value] if np.ndim(value) == 0 else list(value)
        # Keywords in their places (Seaquest calls randint(low=1, high=9)); only a run of them
        # right after the positional arguments, so that no argument is logged in another's place.
        positional, keywords = list(args), dict(kwargs)
        for name in ("low", "high", "size")[len(args):]:
            if name not in keywords:
                break
            positional.append(keywords.pop(name))
        if keywords:
            raise TypeError(f"MinAtar called RandomState.randint{args} with {kwargs}, which the recorder does not log")
        self.log.append(self._call("randint", positional) + " " + " ".join(str(int(v)) for v in results))
        return value

    @staticmethod
    def _call(name, args):
        return name + ("(" + ",".join(str(a) for a in args) + ")" if args else "")

    def __getattr__(self, name):
        raise AttributeError(f"MinAtar used RandomState.{name}, which the recorder does not log")


def observation(state):
    return "".join("%03d" % i for i in np.flatnonzero(state))


def simulate(game):
    """A copy of the game for look-ahead, drawing from its own generator, not the recorded one."""
    recorded, game.random = game.random, None
    clone = copy.deepcopy(game)
    game.random = recorded
    clone.random = np.random.RandomState(12345)
    return clone


def lookahead(game, action, actions, depth):
    """The best reward over `depth` steps starting with `action`; -1000 if every line ends the game."""
    clone = simulate(game)
    reward, terminal = clone.act(action)
    if terminal:
        return -1000
    if depth == 1:
        return reward
    return reward + max(lookahead(clone, a, actions, depth - 1) for a in actions)


def robust_values(game, actions, depth):
    """Each action's look-ahead value, also requiring it to survive being repeated a step
    later (what a sticky action does)."""
    def value(a):
        clone = simulate(game)
        reward, terminal = clone.act(a)
        return -1000 if terminal else min(lookahead(game, a, actions, depth), lookahead(clone, a, actions, depth - 1))
    return {a: value(a) for a in actions}


def safe_or(game, preferred, actions, depth):
    """`preferred` when it survives the look-ahead, else the action that does best."""
    values = robust_values(game, actions, depth)
    return preferred if values[preferred] > -1000 else max(actions, key=lambda a: values[a])


def breakout_policy(game, rng, plan={}):
    """Moves the paddle to meet the ball where it next comes down to row 8: under it (a
    straight bounce) or one cell ahead of it (an edge bounce, which turns it sideways),
    chosen at random once per descent, for varied paths through the bricks."""
    clone = simulate(game)
    for _ in range(40):
        if clone.ball_y == 8 and clone.ball_dir in (2, 3):
            break
        clone.act(NOOP)
    descending = game.ball_dir in (2, 3)
    if not descending:
        plan["edge"] = None
    elif plan.get("edge") is None:
        plan["edge"] = rng.random() < 0.5
    target = clone.ball_x
    if plan.get("edge"):
        target = min(max(clone.ball_x + (1 if clone.ball_dir == 2 else -1), 0), 9)
    return LEFT if game.pos > target else RIGHT if game.pos < target else NOOP


def asterix_policy(game, rng):
    """Stays alive by look-ahead and off the edge columns (where enemies spawn); heads for gold."""
    moves = [NOOP, LEFT, UP, RIGHT, DOWN]
    golds = [e for e in game.entities if e is not None and e[3]]
    preferred = NOOP
    if golds:
        gold = min(golds, key=lambda e: abs(e[0] - game.player_x) + abs(e[1] - game.player_y))
        if gold[1] != game.player_y:
            preferred = UP if gold[1] < game.player_y else DOWN
        elif gold[0] != game.player_x:
            preferred = LEFT if gold[0] < game.player_x else RIGHT
    values = robust_values(game, moves, 3)
    inside = lambda a: 2 <= game.player_x + {LEFT: -1, RIGHT: 1}.get(a, 0) <= 7
    safe = [a for a in moves if values[a] > -1000 and inside(a)] or [a for a in moves if values[a] > -1000]
    return preferred if preferred in safe else max(safe or moves, key=lambda a: values[a])


def space_invaders_policy(game, rng):
    """Heads for the nearest column from which a shot would hit, fires there, dodges by look-ahead."""
    def hits(column):
        clone = simulate(game)
        for _ in range(abs(column - game.pos)):
            clone.act(LEFT if column < game.pos else RIGHT)
        while clone.shot_timer > 0 and not clone.terminal:
            clone.act(NOOP)
        aliens = np.count_nonzero(clone.alien_map)
        clone.act(FIRE)
        for _ in range(10):
            if clone.terminal or np.count_nonzero(clone.alien_map) != aliens:
                break
            clone.act(NOOP)
        return np.count_nonzero(clone.alien_map) != aliens

    target = min((c for c in range(10) if hits(c)), key=lambda c: abs(c - game.pos), default=game.pos)
    if target != game.pos:
        preferred = LEFT if target < game.pos else RIGHT
    else:
        preferred = FIRE if game.shot_timer == 0 else NOOP
    return safe_or(game, preferred, [NOOP, LEFT, RIGHT, FIRE], 3)


def space_invaders_dodger(game, rng):
    """Never fires: only dodges, so the aliens come all the way down."""
    return safe_or(game, NOOP, [NOOP, LEFT, RIGHT], 3)


def space_invaders_last_alien(game, rng):
    """Shoots all aliens but one, then dodges it until it comes down onto the cannon."""
    if np.count_nonzero(game.alien_map) > 1:
        return space_invaders_policy(game, rng)
    return space_invaders_dodger(game, rng)


def space_invaders_hollow(game, rng):
    """Shoots a hole through the middle of the alien block, then stops firing and keeps the
    cannon under the hole as the block comes down, so that the block reaches the bottom row
    and, at an edge, steps down off the board."""
    occupied = [c for c in range(10) if game.alien_map[:, c].any()]
    holes = [c for c in range(occupied[0] + 1, occupied[-1]) if c not in occupied]
    if not holes:
        inner = [c for c in range(occupied[0] + 1, occupied[-1])]
        target = min(inner, key=lambda c: abs(c - game.pos)) if inner else game.pos
        if target != game.pos:
            return safe_or(game, LEFT if target < game.pos else RIGHT, [NOOP, LEFT, RIGHT, FIRE], 3)
        return safe_or(game, FIRE if game.shot_timer == 0 else NOOP, [NOOP, LEFT, RIGHT, FIRE], 3)
    hole = min(holes, key=lambda c: abs(c - game.pos))
    preferred = NOOP if hole == game.pos else LEFT if hole < game.pos else RIGHT
    return safe_or(game, preferred, [NOOP, LEFT, RIGHT], 4)


def freeway_policy(game, rng):
    """Mostly up, sometimes anything."""
    return UP if rng.random() < 0.75 else rng.randrange(6)


def seaquest_steer(game, preferred, stay_under=False):
    """`preferred` when it survives the look-ahead and keeps the sub off the edge columns
    (where enemies enter) and, with `stay_under`, below the surface; else the safest move."""
    moves = [NOOP, LEFT, UP, RIGHT, DOWN, FIRE]
    values = robust_values(game, moves, 3)

    def allowed(a):
        x = game.sub_x + {LEFT: -1, RIGHT: 1}.get(a, 0)
        return 1 <= x <= 8 and not (stay_under and game.sub_y == 1 and a == UP)
    alive = [a for a in moves if values[a] > -1000]
    safe = [a for a in alive if allowed(a)] or alive
    return preferred if preferred in safe else max(safe or moves, key=lambda a: values[a])


def seaquest_plan(game, surface):
    """Up when `surface(game)`; else shoot an enemy in the sub's row (turning to face it),
    else head for the nearest diver while there is room, else dive."""
    x, y = game.sub_x, game.sub_y
    if surface(game):
        return UP
    in_row = [e for e in game.e_fish + game.e_subs if e[1] == y and y > 0]
    ahead = [e for e in in_row if (e[0] > x if game.sub_or else e[0] < x)]
    if in_row and game.shot_timer == 0:
        return FIRE if ahead else LEFT if game.sub_or else RIGHT
    if game.divers and game.diver_count < 6:
        diver = min(game.divers, key=lambda d: abs(d[0] - x) + abs(d[1] - y))
        if diver[1] != y:
            return UP if diver[1] < y else DOWN
        if diver[0] != x:
            return LEFT if diver[0] < x else RIGHT
        return NOOP
    return DOWN if y == 0 else NOOP


def seaquest_policy(game, rng):
    """Rescues divers and shoots enemies; surfaces with 6 divers, or with any (or MinAtar's
    -1 after emptying a full load) when the oxygen runs low."""
    surface = lambda g: g.diver_count == 6 or (g.diver_count != 0 and g.oxygen < 50)
    return seaquest_steer(game, seaquest_plan(game, surface))


def seaquest_emptied_dips(game, rng):
    """As seaquest_policy, but with a negative count (after a full load) dips a row and
    surfaces again, which MinAtar allows (only a count of exactly 0 ends the episode) and
    which ramps the difficulty each time, until the ramp is at its end; after that, each
    time the oxygen is down to 150 (surfacing on a finished ramp)."""
    fully_ramped = game.e_spawn_speed == 1 and game.move_speed == 2
    if game.diver_count < 0 and (not fully_ramped or game.oxygen < 150):
        return seaquest_steer(game, DOWN if game.sub_y == 0 else UP)
    return seaquest_policy(game, rng)


def seaquest_no_surfacing(game, rng):
    """Rescues divers and shoots enemies but never surfaces, so the oxygen runs out."""
    return seaquest_steer(game, seaquest_plan(game, lambda g: False), stay_under=True)


def seaquest_ram(game, rng):
    """Heads for the nearest enemy sub without firing, below the surface."""
    x, y = game.sub_x, game.sub_y
    targets = game.e_subs
    if not targets:
        return DOWN if y < 4 else NOOP
    target = min(targets, key=lambda e: abs(e[0] - x) + abs(e[1] - y))
    if target[1] != y:
        return UP if target[1] < y and y > 1 else DOWN
    return LEFT if target[0] < x else RIGHT if target[0] > x else NOOP


def seaquest_line_of_fire(game, rng, gap=3):
    """Waits below the surface in an enemy sub's row, `gap` or more cells ahead of it, for its
    bullets."""
    x, y = game.sub_x, game.sub_y
    if not game.e_subs:
        return DOWN if y < 4 else NOOP
    sub = min(game.e_subs, key=lambda e: abs(e[0] - x) + abs(e[1] - y))
    if sub[1] != y:
        return UP if sub[1] < y and y > 1 else DOWN
    if abs(sub[0] - x) < gap:
        return RIGHT if sub[2] else LEFT
    return NOOP


def seaquest_into_bullet(game, rng):
    """As seaquest_line_of_fire (further ahead), but walks into an oncoming enemy bullet an odd
    number of cells away, so that they meet before the bullet moves (MinAtar checks the
    bullets against the sub before they move as well as after)."""
    for bullet in game.e_bullets:
        distance = (bullet[0] - game.sub_x) * (-1 if bullet[2] else 1)
        if bullet[1] == game.sub_y and distance > 0 and distance % 2 == 1:
            return LEFT if bullet[2] else RIGHT
    return seaquest_line_of_fire(game, rng, gap=5)


def random_policy(game, rng):
    return rng.randrange(6)


def run_episode(env, recorder, policy, rng, until=None, then=random_policy, max_steps=None):
    """One episode; `policy` until `until(game)` holds, `then` afterwards."""
    game = env.env
    recorder.log = []
    env.reset()
    episode = {"policy": policy.__name__, "actions": [], "applied_actions": [], "rewards": [], "terminals": [],
               "observations": [observation(env.state())], "draws": [recorder.log]}
    switched = False
    while True:
        switched = switched or (until is not None and until(game))
        action = (then if switched else policy)(game, rng)
        recorder.log = []
        reward, terminal = env.act(action)
        episode["actions"].append(action)
        episode["applied_actions"].append(env.last_action)
        episode["rewards"].append(int(reward))
        episode["terminals"].append(int(terminal))
        episode["observations"].append(observation(env.state()))
        episode["draws"].append(recorder.log)
        if terminal or (max_steps is not None and len(episode["actions"]) >= max_steps):
            break
    episode["difficulty_ramp"] = game.difficulty_ramp()
    episode["sticky_repeats"] = sum(a != b for a, b in zip(episode["actions"], episode["applied_actions"]))
    return episode


def record(game_name, gym_name, seed, plan):
    env = Environment(game_name, sticky_action_prob=0.1, difficulty_ramping=True)
    env.seed(seed)
    recorder = RecordingRandom(env.random)
    env.random = env.env.random = recorder
    rng = random.Random(seed)
    episodes = [run_episode(env, recorder, rng=rng, **step) for step in plan]
    document = {
        "minatar": "1.0.15", "game": game_name, "gym_id": f"MinAtar/{gym_name}-v0", "seed": seed,
        "shape": env.state_shape(), "action_set": list(range(env.num_actions())),
        "sticky_action_prob": 0.1, "difficulty_ramping": True, "episodes": episodes,
    }
    path = os.path.join(fixtures, f"minatar-{game_name.replace('_', '-')}.json")
    with open(path, "w") as f:
        json.dump(document, f, separators=(",", ":"))
    for e in episodes:
        print(f"{game_name}: {e['policy']} {len(e['actions'])} steps, return {sum(e['rewards'])}, "
              f"terminal {bool(e['terminals'][-1])}, ramp {e['difficulty_ramp']}, sticky repeats {e['sticky_repeats']}, "
              f"draws {sum(len(d) for d in e['draws'])}")
    print(f"wrote {path}: {os.path.getsize(path) // 1024} KiB")


def bricks_refilled_twice_and_passed_through():
    """True once Breakout has refilled its bricks twice and the ball has passed into a
    brick (a second brick right after a hit is not broken), or after 1,500 steps."""
    seen = {"cleared": 0, "was_empty": False, "passed": False, "steps": 0}

    def check(game):
        empty = not game.brick_map.any()
        seen["cleared"] += empty and not seen["was_empty"]
        seen["was_empty"] = empty
        # After a hit the ball stays in its row; only a pass-through leaves it on a brick in another.
        seen["passed"] |= bool(game.strike and game.brick_map[game.ball_y, game.ball_x] and game.ball_y != game.last_y)
        seen["steps"] += 1
        return (seen["cleared"] >= 2 and not empty and seen["passed"]) or seen["steps"] > 1500
    return check


def fully_ramped_and_crowded():
    """True once Asterix has ramped all the way (entities spawn and move every step), every
    row has held an entity at once (a spawn then finds no free row) and the ramp has stayed
    there for over a ramp interval, or after 1,500 steps."""
    seen = {"crowded": False, "steps": 0, "fully_ramped_at": None}

    def check(game):
        seen["steps"] += 1
        if game.ramp_index >= 9 and seen["fully_ramped_at"] is None:
            seen["fully_ramped_at"] = seen["steps"]
        seen["crowded"] |= game.ramp_index >= 9 and all(e is not None for e in game.entities)
        stayed = seen["fully_ramped_at"] is not None and seen["steps"] - seen["fully_ramped_at"] > 110
        return (seen["crowded"] and stayed) or seen["steps"] > 1500
    return check


def waves_cleared(count):
    """True once Space Invaders has refilled its aliens `count` times (six ramps, then one without)."""
    seen = {"cleared": 0, "aliens": 24}

    def check(game):
        aliens = np.count_nonzero(game.alien_map)
        seen["cleared"] += aliens > seen["aliens"]
        seen["aliens"] = aliens
        return seen["cleared"] >= count
    return check


def seaquest_fully_ramped():
    """True once Seaquest has stayed at the end of its ramp (enemies spawn every step and
    move every third) for over 100 steps, or after 3,000 steps."""
    seen = {"steps": 0, "fully_ramped_at": None}

    def check(game):
        seen["steps"] += 1
        if game.e_spawn_speed == 1 and game.move_speed == 2 and seen["fully_ramped_at"] is None:
            seen["fully_ramped_at"] = seen["steps"]
        return (seen["fully_ramped_at"] is not None and seen["steps"] - seen["fully_ramped_at"] > 100) or seen["steps"] > 3000
    return check


# Each game: three random episodes, then scripted ones that reach what random play does not
# (each is checked by making the matching change to the Swift port and seeing the replay fail).
random_episodes = [dict(policy=random_policy)] * 3
games = {
    # Two refills of the bricks, edge bounces off the paddle and a pass-through.
    "breakout": lambda: record("breakout", "Breakout", 1, random_episodes + [
        dict(policy=breakout_policy, until=bricks_refilled_twice_and_passed_through())]),
    # The whole ramp, a spawn with every row taken, and the ramp staying at its end.
    "asterix": lambda: record("asterix", "Asterix", 2, random_episodes + [
        dict(policy=asterix_policy, until=fully_ramped_and_crowded())]),
    # Seven waves (six ramps, then the cap), and one episode per other way to lose: the cannon
    # steps into a bottom-row alien, an alien moves onto the cannon, the block steps down off
    # the bottom row (np.roll wraps it to the top).
    "space_invaders": lambda: record("space_invaders", "SpaceInvaders", 3, random_episodes + [
        dict(policy=space_invaders_policy, until=waves_cleared(7)),
        dict(policy=space_invaders_dodger, until=lambda g: g.alien_map[9].any()),
        dict(policy=space_invaders_last_alien),
        dict(policy=space_invaders_hollow)]),
    # Every Freeway episode lasts 2,501 steps: one whole, and the start of a second (reset
    # after a terminal, the sticky action carried over) to keep the file small.
    "freeway": lambda: record("freeway", "Freeway", 4, [
        dict(policy=freeway_policy), dict(policy=random_policy, max_steps=300)]),
    # Surfacing with 6 divers (+1 per tenth of the oxygen left, and MinAtar's count of -1
    # after) and with fewer, shots and rescues over a long episode; surfacing with a negative
    # count, then the oxygen running out; the sub meeting an enemy sub; an enemy bullet
    # meeting the sub; the whole ramp (by surfacing with a negative count), staying there and
    # surfacing there; the sub stepping into an enemy bullet.
    "seaquest": lambda: record("seaquest", "Seaquest", 6, random_episodes + [
        dict(policy=seaquest_policy),
        dict(policy=seaquest_emptied_dips, until=lambda g: g.diver_count <= -3, then=seaquest_no_surfacing),
        dict(policy=seaquest_ram),
        dict(policy=seaquest_line_of_fire),
        dict(policy=seaquest_emptied_dips, until=seaquest_fully_ramped()),
        dict(policy=seaquest_into_bullet)]),
}
for name in sys.argv[1:] or games:
    games[name]()
