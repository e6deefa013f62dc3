"""ContentCompetition world: the C3 creator-competition game with Local-Better-Response creators.

Model (Yao et al., "User Welfare Optimization in Recommender Systems with Competing Content Creators",
Sections 3-5 and Appendices A-B; ``../shared/seeds/000_*``):

* m users x_j in R^d, split into L groups (k-means, or one group per user for the toy);
* n creators with strategies s_i in a strategy set S_i: a ball of radius r, or a finite set of item
  embeddings (projection = nearest member);
* relevance sigma(s, x) in [0, peak]: ``"distance"`` max(peak - ||s - x|| / scale, 0) or ``"dot"`` the
  min-max normalised inner product clip((<s, x> - lo) / (hi - lo), 0, 1);
* matching: user x draws one of its top-K(x) creators by sigma with softmax probabilities
  proportional to exp(sigma / beta(x)); ties at the K-th place share the remaining slots;
* user utility pi(x) = sum_i P_i(x) sigma_i(x); welfare W = mean_x pi(x); group utility = group mean;
* creator utility u_i = mean_x w(x) * sigma_i(x) * P_i(x; beta(x), K(x)) (reward R = sigma);
* levers (mechanism): ``"none"``; ``"UIR"`` w(x) = group weight; ``"SMT"`` beta(x) = beta * w;
  ``"HMT"`` K(x) = ceil(K * w) (clamped to [1, n]);
* creators move by Local Better Response (Algorithm 2).

Modules: :mod:`.config` (parameters, presets, weight validation), :mod:`.relevance`,
:mod:`.matching`, :mod:`.instance` (sampling a population), the engines :mod:`.engine_dense`
(exact reference), :mod:`.engine_numpy` (incremental NumPy) and :mod:`.engine_compiled` (numba,
kernels in :mod:`.compiled_kernels`), :mod:`.batch` (B worlds side by side, engine selection) and
:mod:`.world` (one world, used by the Gymnasium and PettingZoo faces).
"""

from __future__ import annotations

from .batch import ENGINES, ContentCompetitionBatch, EngineFallbackWarning, resolve_engine
from .config import (
    ACCEPT_TOL,
    FLOAT32_MAX,
    LBR_EVALUATE,
    MECHANISMS,
    PRESETS,
    RELEVANCES,
    SYNTHETIC_CLUSTER_SIZES,
    TOY_PRESETS,
    TOY_USERS,
    ContentCompetitionConfig,
    check_weights,
    hmt_truncation,
    make_config,
    resolve_config,
)
from .engine_numpy import Pack
from .instance import Instance, project_ball, sample_instance, unit_sphere
from .matching import match_probabilities, topk_user_utilities
from .relevance import distance_from_parts, dot_from_inner, relevance_matrix
from .world import ContentCompetitionWorld

_topk_user_utilities = topk_user_utilities  # the name before the split into a sub-package

__all__ = [
    "ACCEPT_TOL",
    "ENGINES",
    "FLOAT32_MAX",
    "LBR_EVALUATE",
    "MECHANISMS",
    "PRESETS",
    "RELEVANCES",
    "SYNTHETIC_CLUSTER_SIZES",
    "TOY_PRESETS",
    "TOY_USERS",
    "ContentCompetitionBatch",
    "ContentCompetitionConfig",
    "ContentCompetitionWorld",
    "EngineFallbackWarning",
    "Instance",
    "Pack",
    "check_weights",
    "distance_from_parts",
    "dot_from_inner",
    "hmt_truncation",
    "make_config",
    "match_probabilities",
    "project_ball",
    "relevance_matrix",
    "resolve_config",
    "resolve_engine",
    "sample_instance",
    "topk_user_utilities",
    "unit_sphere",
]
