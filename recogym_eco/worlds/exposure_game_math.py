"""Exposure-game mathematics as pure array functions (seed 002, Chapter 5; Sections 5.1-5.3 and 5.7).

Notation: demand C (m, d) holds the user embeddings c_j (the demand distribution is their empirical
distribution, weight 1/m each); strategies S (..., n, d) hold the producers' unit vectors s_i (any
leading axes are independent worlds sharing C); tau (m,) is each user's temperature (0 = hardmax).

* exposure p_i(c) = softmax_i(<c, s_i> / tau(c))  (Section 5.1), hardmax when tau(c) = 0, ties split
  equally;
* utility u_i = mean_c p_i(c);
* gradient  grad_{s_i} u_i = mean_c p_i (1 - p_i) c / tau(c);
* Hessian   hess_{s_i} u_i = mean_c p_i (1 - p_i) (1 - 2 p_i) c c^T / tau(c)^2;
* Riemannian gradient (I - s_i s_i^T) grad and Riemannian Hessian
  (I - s_i s_i^T) hess (I - s_i s_i^T) - <s_i, grad> (I - s_i s_i^T)  (Definition 3);
* on the non-negative orthant the strategy set is the sphere intersected with {s >= 0}; its first-order
  residual is the Riemannian gradient projected on the tangent cone (components pointing out of an
  active face s_k = 0 are dropped), and the second-order test is restricted to the active face.

Every function is a handful of passes over (users, producers) arrays (matmul / einsum); the softmax
keeps 1 - p_i accurate when p_i is close to 1 by summing the other producers' terms directly.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ExposureParts",
    "best_move_gain",
    "candidate_utilities",
    "cluster_labels",
    "euclidean_gradient",
    "euclidean_hessian",
    "exposure",
    "exposure_parts",
    "geodesic_moves",
    "mean_similarity",
    "project_strategies",
    "riemannian_gradient",
    "riemannian_hessian_eigenvalues",
    "scores",
    "tangent_basis",
    "user_welfare",
]


def scores(C: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Scores <c_j, s_i> of every user and producer: (..., m, n) = C @ S^T (Section 5.1)."""
    return C @ np.swapaxes(S, -1, -2)


class ExposureParts:
    """Exposure P (..., m, n), its complement Q = 1 - P computed without cancellation, and what
    candidate evaluation needs: per (user, producer) the log of the other producers' softmax mass
    (soft users) or the best other score and how many others reach it (hardmax users)."""

    __slots__ = ("P", "Q", "Z", "log_others", "max_others", "count_others", "soft", "tau")

    def __init__(self, P: np.ndarray, Q: np.ndarray, Z: np.ndarray, log_others: np.ndarray | None,
                 max_others: np.ndarray | None, count_others: np.ndarray | None, soft: np.ndarray,
                 tau: np.ndarray) -> None:
        self.P, self.Q, self.Z = P, Q, Z
        self.log_others, self.max_others, self.count_others = log_others, max_others, count_others
        self.soft, self.tau = soft, tau


def exposure_parts(C: np.ndarray, S: np.ndarray, tau: np.ndarray, need_others: bool = False) -> ExposureParts:
    """Exposure probabilities p_i(c) = softmax_i(<c, s_i>/tau(c)) and 1 - p_i (Section 5.1).

    ``tau`` is (m,) (or broadcastable to the user axis); users with tau = 0 get the hardmax (equal
    shares among the producers with the top score). With ``need_others`` it also returns the other
    producers' log-mass (soft) and best score / multiplicity (hard) used to score unilateral moves.
    """
    Z = scores(C, S)
    n = Z.shape[-1]
    tau = np.broadcast_to(np.asarray(tau, dtype=np.float64), Z.shape[:-1])
    soft = tau > 0
    all_soft = bool(soft.all())
    P = np.empty_like(Z)
    Q = np.empty_like(Z)
    log_others = max_others = count_others = None
    if soft.any():
        X = Z / np.where(soft, tau, 1.0)[..., None]
        arg = X.argmax(-1)[..., None]
        M = np.take_along_axis(X, arg, -1)
        E = np.exp(X - M)
        total = E.sum(-1, keepdims=True)
        others = total - E
        np.put_along_axis(E, arg, 0.0, -1)
        np.put_along_axis(others, arg, E.sum(-1, keepdims=True), -1)  # mass without the argmax, summed directly
        np.put_along_axis(E, arg, 1.0, -1)
        Ps, Qs = E / total, others / total
        if all_soft:
            P, Q = Ps, Qs
        else:
            P[soft], Q[soft] = Ps[soft], Qs[soft]
        if need_others:
            with np.errstate(divide="ignore"):
                log_others = M + np.log(others)
    if not all_soft:
        hard = ~soft
        top = Z.max(-1, keepdims=True)
        is_top = Z == top
        cnt = is_top.sum(-1, keepdims=True)
        Ph = is_top / cnt
        P[hard], Q[hard] = Ph[hard], (1.0 - Ph)[hard]
    if need_others and not all_soft:
        top = Z.max(-1, keepdims=True)
        is_top = Z == top
        cnt = is_top.sum(-1, keepdims=True)
        second = np.where(is_top, -np.inf, Z).max(-1, keepdims=True) if n > 1 else np.full_like(top, -np.inf)
        cnt2 = (Z == second).sum(-1, keepdims=True)
        shared_top = is_top & (cnt > 1)
        max_others = np.where(is_top & ~shared_top, second, top) * np.ones_like(Z)
        count_others = np.where(is_top, np.where(shared_top, cnt - 1, cnt2), cnt) * np.ones_like(Z)
    return ExposureParts(P, Q, Z, log_others, max_others, count_others, soft, tau)


def exposure(C: np.ndarray, S: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Exposure matrix p_i(c_j), shape (..., m, n); rows sum to 1 (Section 5.1)."""
    return exposure_parts(C, S, tau).P


def euclidean_gradient(C: np.ndarray, parts: ExposureParts) -> np.ndarray:
    """grad_{s_i} u_i = mean_c p_i(c) (1 - p_i(c)) c / tau(c), shape (..., n, d); hardmax users add 0."""
    inv = np.where(parts.soft, 1.0 / np.where(parts.soft, parts.tau, 1.0), 0.0)
    W = parts.P * parts.Q * inv[..., None]
    return np.swapaxes(W, -1, -2) @ C / C.shape[-2]


def euclidean_hessian(C: np.ndarray, parts: ExposureParts) -> np.ndarray:
    """hess_{s_i} u_i = mean_c p_i (1 - p_i)(1 - 2 p_i) c c^T / tau(c)^2, shape (..., n, d, d)."""
    inv = np.where(parts.soft, 1.0 / np.where(parts.soft, parts.tau, 1.0), 0.0)
    W = parts.P * parts.Q * (parts.Q - parts.P) * (inv**2)[..., None]
    return np.einsum("...mn,md,me->...nde", W, C, C, optimize=True) / C.shape[0]


def riemannian_gradient(S: np.ndarray, G: np.ndarray, orthant: bool = False) -> np.ndarray:
    """(I - s_i s_i^T) grad_i (Definition 3); on the orthant, projected on the tangent cone of the
    feasible set (components with s_k = 0 that point outwards, i.e. negative, are set to 0)."""
    R = G - np.sum(G * S, -1, keepdims=True) * S
    if orthant:
        R = np.where((S <= 0.0) & (R < 0.0), 0.0, R)
    return R


def riemannian_hessian_eigenvalues(S: np.ndarray, G: np.ndarray, H: np.ndarray, orthant: bool = False) -> np.ndarray:
    """Eigenvalues of the Riemannian Hessian restricted to each producer's tangent space (Definition 3).

    Returns (..., n, k) with k = d - 1 on the sphere (on the orthant, the tangent space of the active
    face: free coordinates orthogonal to s_i; fewer eigenvalues there are padded with -inf). A profile
    passes the second-order test when none is positive.
    """
    d = S.shape[-1]
    free = (S > 0.0) if orthant else np.ones(S.shape, dtype=bool)
    D = free[..., :, None] * np.eye(d)
    Pi = D - S[..., :, None] * S[..., None, :]
    RH = Pi @ H @ Pi - np.sum(S * G, -1)[..., None, None] * Pi
    big = 1.0 + 2.0 * np.abs(RH).sum((-1, -2))[..., None, None]
    ev = np.linalg.eigvalsh(RH - big * (np.eye(d) - Pi))
    k = free.sum(-1) - 1
    ev = np.where(ev < -0.5 * big[..., 0], -np.inf, ev)
    out = np.sort(ev, -1)[..., ::-1][..., : d - 1]
    return np.where(np.arange(d - 1) < k[..., None], out, -np.inf)


def project_strategies(T: np.ndarray, orthant: bool = False) -> np.ndarray:
    """Radial projection onto the sphere (after clipping to s >= 0 on the orthant); zero rows raise."""
    if orthant:
        T = np.maximum(T, 0.0)
    norm = np.linalg.norm(T, axis=-1, keepdims=True)
    if np.any(norm == 0):
        raise ValueError("a strategy vector has norm 0 (on the orthant: no positive coordinate); cannot project")
    return T / norm


def tangent_basis(S: np.ndarray) -> np.ndarray:
    """Orthonormal bases of the tangent spaces, (..., n, d-1, d): rows of the Householder reflection
    that maps s_i to +-e_1, without its first row."""
    d = S.shape[-1]
    sign = np.where(S[..., :1] >= 0, 1.0, -1.0)
    v = S.copy()
    v[..., :1] += sign
    v /= np.linalg.norm(v, axis=-1, keepdims=True)
    Hh = np.eye(d) - 2.0 * v[..., :, None] * v[..., None, :]
    return Hh[..., 1:, :]


def geodesic_moves(S: np.ndarray, U: np.ndarray, radius: float, orthant: bool = False) -> np.ndarray:
    """Candidates cos(r) s_i + sin(r) u (u unit tangent directions, U (..., n, k, d)), projected on the
    strategy set: (..., n, k, d)."""
    V = np.cos(radius) * S[..., :, None, :] + np.sin(radius) * U
    return project_strategies(V, orthant)


def candidate_utilities(C: np.ndarray, parts: ExposureParts, V: np.ndarray) -> np.ndarray:
    """Utility u_i(v, s_-i) of unilateral candidates V (..., n, k, d) against the current others.

    Soft users: p = sigmoid(<c, v>/tau - log sum_{k != i} exp(<c, s_k>/tau)); hardmax users: 1 if
    <c, v> beats the best other score, 1/(1 + t) on a tie with t others, else 0. n = 1 gives 1.
    """
    Zv = np.einsum("md,...nkd->...nkm", C, V, optimize=True)
    out = np.zeros(Zv.shape)
    soft_u = parts.soft
    if soft_u.any():
        Lo = np.swapaxes(parts.log_others, -1, -2)[..., :, None, :]
        inv = 1.0 / np.where(soft_u, parts.tau, 1.0)
        X = Zv * inv[..., None, None, :] - Lo
        with np.errstate(over="ignore"):
            ps = np.where(np.isneginf(Lo), 1.0, 1.0 / (1.0 + np.exp(-X)))
        out = np.where(soft_u[..., None, None, :], ps, out)
    if not soft_u.all():
        Mo = np.swapaxes(parts.max_others, -1, -2)[..., :, None, :]
        Co = np.swapaxes(parts.count_others, -1, -2)[..., :, None, :]
        ph = np.where(Zv > Mo, 1.0, np.where(Zv == Mo, 1.0 / (1.0 + Co), 0.0))
        out = np.where(soft_u[..., None, None, :], out, ph)
    return out.mean(-1)


def best_move_gain(C: np.ndarray, S: np.ndarray, parts: ExposureParts, R: np.ndarray, radius: float,
                   orthant: bool = False) -> np.ndarray:
    """Largest utility gain of each producer over its deterministic probe moves, (..., n) >= 0.

    Probes: geodesic steps of length ``radius`` along +-each tangent basis vector and along the
    Riemannian gradient R (the empirical epsilon of an epsilon-local NE, Section 5.2).
    """
    B = tangent_basis(S)
    norm = np.linalg.norm(R, axis=-1, keepdims=True)
    g = np.where(norm > 0, R / np.where(norm > 0, norm, 1.0), B[..., 0, :])
    U = np.concatenate([B, -B, g[..., None, :]], axis=-2)
    V = geodesic_moves(S, U, radius, orthant)
    u_new = candidate_utilities(C, parts, V)
    u_now = parts.P.mean(-2)
    return np.maximum(u_new.max(-1) - u_now, 0.0)


def user_welfare(parts: ExposureParts) -> np.ndarray:
    """Per-user welfare sum_i p_i(c) <c, s_i>: the expected score of the exposed item, (..., m)."""
    return np.sum(parts.P * parts.Z, -1)


def mean_similarity(S: np.ndarray) -> np.ndarray:
    """Mean pairwise cosine similarity <s_i, s_k> over i != k, (...,); 1 when n = 1."""
    n = S.shape[-2]
    if n == 1:
        return np.ones(S.shape[:-2])
    tot = np.sum(S.sum(-2) ** 2, -1) - np.sum(S * S, (-1, -2))
    return tot / (n * (n - 1))


def cluster_labels(S: np.ndarray, tol: float) -> np.ndarray:
    """Connected components of producers whose cosine distance 1 - <s_i, s_k> is below ``tol``
    (single linkage): the "collapsed" groups of Fig. 5.3. Labels (n,) numbered by first member."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    A = (1.0 - S @ S.T) < tol
    _, raw = connected_components(csr_matrix(A), directed=False)
    _, first = np.unique(raw, return_index=True)
    order = np.argsort(first)
    relabel = np.empty_like(order)
    relabel[order] = np.arange(order.size)
    return relabel[raw]
