"""Experiment scripts and the evaluation API. ``recogym_eco.train.evaluate`` is the function
:func:`recogym_eco.train.rollouts.evaluate` (policies over seeds, locally or on Ray, per-round rows);
the ``recogym-eco evaluate`` command is ``recogym_eco.train.evaluation``."""

from recogym_eco.train.rollouts import evaluate

__all__ = ["evaluate"]
