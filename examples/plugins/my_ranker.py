"""A ranker written outside the package: each user's best items, at most one per creator.

Usable by name on the command line once this file is loaded as a plug-in:

    recogym-eco evaluate --plugin examples/plugins/my_ranker.py --policies NoSignal NoSignal+OnePerCreator
"""

import numpy as np

from recogym_eco.agents import register_ranker
from recogym_eco.components.ranking import EMPTY_SLOT, RankingRequest


class OnePerCreator:
    """Greedy slates from the scores, skipping any creator already on the user's slate."""

    def reset(self, num_creators: int) -> None:
        pass

    def rank(self, request: RankingRequest) -> np.ndarray:
        scores = request.scores.copy()
        rows = np.arange(scores.shape[0])
        slates = np.full((scores.shape[0], request.slate_size), EMPTY_SLOT, dtype=np.int64)
        for position in range(request.slate_size):
            best = np.argmax(scores, axis=1)
            ok = np.isfinite(scores[rows, best])
            slates[:, position] = np.where(ok, best, EMPTY_SLOT)
            same_creator = request.item_creator[None, :] == request.item_creator[best][:, None]
            scores[same_creator & ok[:, None]] = -np.inf
        return slates


register_ranker("OnePerCreator", OnePerCreator)
