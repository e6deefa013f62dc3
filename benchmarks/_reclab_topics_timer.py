"""Helper run by RecLab's own interpreter (``pip install reclab==0.1.2`` in a separate venv).

Times ``topics-dynamic-v1`` steps at a given size and prints one JSON line; invoked by
``bench_user_dynamics.py``, which never imports RecLab into the suite's environment.
"""

import json
import sys
import time

import numpy as np
import reclab

users, items, init, steps, seed = (int(a) for a in sys.argv[1:6])
env = reclab.make("topics-dynamic-v1", num_users=users, num_items=items, num_init_ratings=init)
env.seed(seed)
env.reset()
rng = np.random.default_rng(seed)
times = []
for _ in range(steps):
    online = env.online_users
    recs = rng.integers(0, items, size=(len(online), 1))
    start = time.perf_counter()
    env.step(recs)
    times.append(time.perf_counter() - start)
print(json.dumps({"version": reclab.__version__ if hasattr(reclab, "__version__") else "0.1.2",
                  "online": len(online), "step_seconds": times}))
