"""Environments by name: any registered Gymnasium id (after --import of the module that
registers it, e.g. minatar.gym), and Atari with the standard preprocessing."""
import importlib
import warnings

import gymnasium as gym
import numpy as np


def import_modules(names):
    """Imports modules that register environments. A module that registers nothing on
    import but offers `register_envs()` (MinAtar's `minatar.gym` is one) has it called, so
    `--import minatar.gym --env MinAtar/Breakout-v1` works; registering twice is harmless."""
    for name in names or []:
        module = importlib.import_module(name)
        register = getattr(module, "register_envs", None)
        if callable(register):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Gymnasium warns when an id is re-registered
                register()


def make_factory(env_id, atari=False, training=True, sticky=0.25):
    """A no-argument function that makes one environment."""
    if atari:
        return lambda: make_atari(env_id, training=training, sticky=sticky)
    return lambda: gym.make(env_id)


def make_atari(game, training=True, sticky=0.25):
    """An Atari game as DQN/IMPALA train on it, from ale-py: the v5 protocol (sticky
    actions 0.25, the minimal action set), AtariPreprocessing (frame skip 4 with max-pooling
    of the last two frames, 84×84 grayscale, up to 30 no-ops at reset), a life lost ends
    the episode while training (the game goes on: no reset until it is over), rewards
    clipped to their sign while training, and a stack of the last 4 frames as 84×84×4 uint8."""
    import ale_py  # noqa: F401  (registers ALE/*)

    # The emulator's banner is logged at Info on stderr, where it reads like a fault in
    # `seedrl train`'s console; warnings and errors still show.
    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Warning)
    gym.register_envs(ale_py)
    env_id = game if "/" in game else f"ALE/{game}-v5"
    env = gym.make(env_id, frameskip=1, repeat_action_probability=sticky, full_action_space=False)
    env = gym.wrappers.AtariPreprocessing(env, frame_skip=4, screen_size=84, grayscale_obs=True, noop_max=30,
                                          terminal_on_life_loss=False)
    if training:
        env = EpisodicLife(env)
        env = gym.wrappers.TransformReward(env, lambda reward: float(np.sign(reward)))
    env = gym.wrappers.FrameStackObservation(env, 4)
    # Channels last, as the learner's frames are [84, 84, 4].
    space = gym.spaces.Box(0, 255, (84, 84, 4), np.uint8)
    return gym.wrappers.TransformObservation(env, lambda frames: np.transpose(np.asarray(frames), (1, 2, 0)), space)


class EpisodicLife(gym.Wrapper):
    """A lost life ends the episode for the learner (terminated) without ending the game:
    the next reset only takes a no-op step unless the game is over (as DQN's and
    Stable-Baselines3's EpisodicLifeEnv)."""

    def __init__(self, env):
        super().__init__(env)
        self.lives, self.game_over = 0, True

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.game_over = terminated or truncated
        lives = self.env.unwrapped.ale.lives()
        if 0 < lives < self.lives:
            terminated = True
        self.lives = lives
        return observation, reward, terminated, truncated, info

    def reset(self, **kwargs):
        if self.game_over:
            observation, info = self.env.reset(**kwargs)
        else:
            observation, _, terminated, truncated, info = self.env.step(0)
            if terminated or truncated:
                observation, info = self.env.reset(**kwargs)
        self.lives = self.env.unwrapped.ale.lives()
        return observation, info


class BoolFramesAsUint8(gym.ObservationWrapper):
    """MinAtar's frames are bool; the contract's dtypes are float32 and uint8: a binary
    image as uint8 0/255 (the learner scales uint8 by 1/255, which gives back 0/1; the
    Swift MinAtar ports emit the same)."""

    def __init__(self, env):
        super().__init__(env)
        self.observation_space = gym.spaces.Box(0, 255, env.observation_space.shape, np.uint8)

    def observation(self, observation):
        return np.asarray(observation, dtype=np.uint8) * np.uint8(255)
