"""Paired comparison: CreatorSuggestion with drifting / boredom-prone users vs static users.

NoSignal platform (no suggestions), 150 rounds, seeds 0..4, paper scale; the same seed gives the same
population in every arm (user dynamics draw no random numbers).
"""
import sys
import time

import gymnasium as gym
import numpy as np

import recogym_eco  # noqa: F401
from recogym_eco.components.metrics import shannon_entropy

ARMS = {"off": {}, "drift a=0.02": dict(user_drift=0.02), "drift a=0.05": dict(user_drift=0.05),
        "boredom m=3 tau=6 lambda=0.3": dict(boredom_memory=3, boredom_threshold=6, boredom_penalty=0.3),
        "drift 0.05 + boredom": dict(user_drift=0.05, boredom_memory=3, boredom_threshold=6, boredom_penalty=0.3)}


def run(gym_id, seed, kwargs):
    env = gym.make(gym_id, **kwargs)
    env.reset(seed=seed)
    w = env.unwrapped.world
    theta0 = w.preferences.copy()
    clicks, div = 0.0, []
    action = np.zeros(w.config.num_creators, dtype=np.int64)
    while True:
        _, r, te, tr, info = env.step(action)
        clicks += r
        div.append(info["content_diversity"])
        if te or tr:
            break
    genre_clicks = w.click_log.sum(axis=0)
    theta = w.preferences
    share = theta / np.maximum(theta.sum(axis=1, keepdims=True), 1e-12)
    user_entropy = -(share * np.log(np.where(share > 0, share, 1))).sum(axis=1).mean()
    return dict(clicks=clicks, content_diversity=float(np.mean(div)), click_genre_entropy=shannon_entropy(genre_clicks),
                theta_entropy=float(user_entropy), theta_max=float(theta.max(axis=1).mean()),
                theta_moved=float(np.abs(theta - theta0).sum(axis=1).mean()), present=info["present_creators"])


for gym_id in sys.argv[1:]:
    t0 = time.time()
    res = {arm: [run(gym_id, s, kw) for s in range(5)] for arm, kw in ARMS.items()}
    print(f"== {gym_id} ({time.time() - t0:.0f} s)")
    for key in res["off"][0]:
        base = np.array([r[key] for r in res["off"]])
        line = f"{key:20s} off {base.mean():8.3f}"
        for arm in list(ARMS)[1:]:
            x = np.array([r[key] for r in res[arm]])
            d = x - base
            line += f" | {arm}: {x.mean():8.3f} (diff {d.mean():+.3f} +- {d.std(ddof=1) / np.sqrt(5):.3f})"
        print(line)
