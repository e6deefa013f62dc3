"""A suggestion policy written outside the package: suggest to each creator the genre it made last
round ("keep practising"; nothing to a creator that made nothing).

Usable by name on the command line once this file is loaded as a plug-in:

    recogym-eco evaluate --plugin examples/plugins/my_policy.py --policies NoSignal StickToLast StickToLast+PMMF
"""

import numpy as np

from recogym_eco.agents import register_policy
from recogym_eco.agents.heuristics import SuggestionPolicy


class StickToLast(SuggestionPolicy):
    """Reads the one-hot of last round's genre: the first G + 1 columns of every observation layout."""

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        G = self._genres(observation)
        last = observation[:, :G]
        return np.where(last.max(axis=1) > 0, last.argmax(axis=1) + 1, 0).astype(np.int64)


register_policy("StickToLast", StickToLast)
