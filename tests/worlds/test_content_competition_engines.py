"""Every ContentCompetition engine against the dense reference, and how engines are chosen."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from recogym_eco.worlds import content_competition as cc
from recogym_eco.worlds.content_competition import (
    ContentCompetitionBatch,
    ContentCompetitionWorld,
    EngineFallbackWarning,
    distance_from_parts,
    make_config,
    relevance_matrix,
)
from recogym_eco.worlds.content_competition import batch as batch_module

INCREMENTAL = ("compiled", "numpy")
BASE = dict(cluster_sizes=(30, 20, 10, 5, 3, 2), num_creators=12, top_k=4, num_groups=5, dim=3)
CONFIGS = {
    "none": dict(mechanism="none"),
    "UIR": dict(mechanism="UIR"),
    "SMT": dict(mechanism="SMT"),
    "HMT": dict(mechanism="HMT"),
    "HMT_k1_projected": dict(mechanism="HMT", top_k=1, lbr_evaluate="projected", eta=0.4),
    "SMT_k_near_n": dict(mechanism="SMT", num_creators=6, top_k=5),
    "ties": dict(mechanism="HMT", num_creators=8, top_k=3, init_std=0.0),  # every creator starts on one point
    "toy": dict(preset="toy", mechanism="UIR"),
}


def _config(name: str):
    kw = dict(CONFIGS[name])
    preset = kw.pop("preset", "synthetic")
    return make_config(preset, **({} if preset == "toy" else BASE) | kw)


def _run_pair(engine: str, name: str, seed: int = 3):
    cfg = _config(name)
    inc, ref = ContentCompetitionWorld(cfg, engine=engine), ContentCompetitionWorld(cfg, engine="dense")
    assert (inc.engine, ref.engine) == (engine, "dense")
    inc.reset(np.random.default_rng(seed))
    ref.reset(np.random.default_rng(seed))
    return cfg, inc, ref


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("engine", INCREMENTAL)
def test_every_engine_takes_the_dense_references_decisions(engine, name):
    cfg, inc, ref = _run_pair(engine, name)
    rng = np.random.default_rng(5)
    for _ in range(3):
        w = rng.uniform(cfg.w_min, cfg.w_max, cfg.num_groups)
        inc.set_weights(w)
        ref.set_weights(w)
        for _ in range(3):
            assert inc.creator_step() == ref.creator_step()  # acceptance rates
            assert inc.last_engine == engine
        np.testing.assert_array_equal(inc.S, ref.S)  # same accept decisions, bit for bit
        assert inc.welfare() == pytest.approx(ref.welfare(), abs=1e-12)
        np.testing.assert_allclose(inc.user_utilities(), ref.user_utilities(), atol=1e-12)
        np.testing.assert_allclose(inc.creator_stats()["utility"], ref.creator_utilities_exact(), atol=1e-12)
        np.testing.assert_allclose(inc.creator_stats()["exposure"], ref.creator_stats()["exposure"], atol=1e-12)
    assert inc.check_consistency() < 1e-12  # lists / sorted rows and caches equal a rebuild from scratch


def test_tied_start_really_ties():
    _, inc, _ = _run_pair("compiled", "ties")
    assert np.ptp(inc.SigT, axis=0).max() == 0.0  # all creators have the same relevance for every user


@pytest.mark.parametrize("mechanism", ["none", "UIR", "SMT", "HMT"])
def test_compiled_and_numpy_batches_agree_with_each_other_and_the_reference(mechanism):
    cfg = make_config("synthetic", mechanism=mechanism, cluster_sizes=(60, 30, 20, 10, 5, 3, 2), num_creators=40,
                      top_k=3, num_groups=6, dim=3, eta=0.3)
    fast, slow = ContentCompetitionBatch(cfg, 2, engine="compiled"), ContentCompetitionBatch(cfg, 2, engine="numpy")
    ref = ContentCompetitionWorld(cfg, engine="dense")
    fast.reset([np.random.default_rng(s) for s in (21, 22)])
    slow.reset([np.random.default_rng(s) for s in (21, 22)])
    ref.reset(np.random.default_rng(21))
    rng = np.random.default_rng(6)
    for epoch in range(4):
        W = rng.uniform(cfg.w_min, cfg.w_max, (2, cfg.num_groups))
        for world in (fast, slow):
            world.set_weights(W)
        ref.set_weights(W[0])
        for _ in range(2):
            np.testing.assert_array_equal(fast.creator_step(), slow.creator_step())
            ref.creator_step()
        np.testing.assert_array_equal(fast.S, slow.S)
        np.testing.assert_array_equal(fast.S[0], ref.S)
        np.testing.assert_allclose(fast.user_utilities(), slow.user_utilities(), atol=1e-12)
        np.testing.assert_allclose(fast.user_utilities()[0], ref.user_utilities(), atol=1e-12)
        if epoch == 2:
            assert fast.check_consistency() < 1e-12
            np.testing.assert_allclose(fast.creator_stats(1)["utility"], slow.creator_stats(1)["utility"], atol=1e-12)


def test_caller_driven_moves_run_on_numpy_and_hand_the_state_back():
    cfg = _config("HMT")
    fast, ref = ContentCompetitionWorld(cfg, engine="compiled"), ContentCompetitionWorld(cfg, engine="dense")
    for w in (fast, ref):
        w.reset(np.random.default_rng(3))
        w.set_weights(np.array([0.2, 0.5, 1.0, 2.5, 5.0]))
    for moves in (None, {0: np.full(cfg.dim, 0.2)}, None, {3: np.full(cfg.dim, -0.1)}, None):
        fast.creator_step(moves)
        ref.creator_step(moves)
        assert fast.last_engine == ("numpy" if moves else "compiled")
        np.testing.assert_array_equal(fast.S, ref.S)
    assert fast.check_consistency() < 1e-12


def test_compiled_world_pickles_and_copies_mid_episode():
    cfg = _config("SMT")
    world = ContentCompetitionWorld(cfg, engine="compiled")
    world.reset(np.random.default_rng(0))
    world.set_weights(np.linspace(0.3, 4.0, cfg.num_groups))
    world.creator_step()
    twin = pickle.loads(pickle.dumps(world))
    for w in (world, twin):
        w.creator_step()
        w.set_weights(np.linspace(4.0, 0.3, cfg.num_groups))
        w.creator_step()
    np.testing.assert_array_equal(world.S, twin.S)
    assert world.welfare() == twin.welfare()


def test_numba_relevance_is_the_numpy_formula_bit_for_bit():
    from recogym_eco.worlds.content_competition.compiled_kernels import distance_scalar

    rng = np.random.default_rng(0)
    X, S = rng.normal(size=(40, 3)), rng.normal(size=(7, 3))
    S[0] = X[0]  # zero distance: rounding may make xx - 2 xs + ss negative, clipped to 0
    xx, ss, xs = (X * X).sum(1), (S * S).sum(1), X @ S.T
    for peak, scale in ((1.0, 3.0), (2.0, 1.0), (1.0, 0.5)):  # the last clips many users to 0
        want = distance_from_parts(xx[:, None], xs, ss[None, :], peak, scale)
        got = np.array([[distance_scalar(xx[j], xs[j, i], ss[i], peak, scale) for i in range(7)] for j in range(40)])
        np.testing.assert_array_equal(got, want)
        assert (want == 0).any() and (want > 0).any()
    # and the dense helper is sigma = max(peak - ||s - x|| / scale, 0) itself
    dist = np.linalg.norm(X[:, None, :] - S[None, :, :], axis=2)
    np.testing.assert_allclose(relevance_matrix(S, X, "distance", 1.0, 3.0), np.maximum(1 - dist / 3, 0), atol=1e-12)


# ----------------------------------------------------------------------------- choosing an engine


def test_auto_picks_compiled_for_balls_and_numpy_for_item_sets_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ContentCompetitionBatch(_config("none")).engine == "compiled"
        assert ContentCompetitionBatch(make_config("movielens")).engine == "numpy"  # no data loaded yet
        assert ContentCompetitionBatch(_config("none"), 3, engine="numpy").engine == "numpy"


def test_compiled_where_it_cannot_apply_warns_and_falls_back():
    with pytest.warns(EngineFallbackWarning, match="engine='compiled' needs ball strategy sets.*'movielens'"):
        batch = ContentCompetitionBatch(make_config("movielens"), engine="compiled")
    assert batch.engine == "numpy"


@pytest.mark.parametrize("engine", ["auto", "compiled"])
def test_missing_numba_warns_naming_the_reason(engine, monkeypatch):
    monkeypatch.setattr(batch_module, "load_kernels", lambda: (None, "numba is not importable (test)"))
    with pytest.warns(EngineFallbackWarning, match=r"unavailable because numba is not importable \(test\)"):
        world = ContentCompetitionWorld(_config("UIR"), engine=engine)
    assert world.engine == "numpy"


def test_bad_engines_raise():
    with pytest.raises(ValueError, match="unknown engine 'c'; allowed: 'auto', 'compiled', 'numpy', 'dense'"):
        ContentCompetitionWorld(_config("none"), engine="c")
    with pytest.raises(ValueError, match="dense reference engine runs one world at a time"):
        ContentCompetitionBatch(_config("none"), 2, engine="dense")
    assert cc.ENGINES == ("auto", "compiled", "numpy", "dense")


def test_the_package_compiles_nothing_itself():
    from pathlib import Path

    src = "".join(p.read_text() for p in Path(cc.__file__).parent.glob("*.py"))
    for word in ("ctypes", "subprocess", "tempfile", "RECOGYM_ECO_NO_C"):
        assert word not in src


def test_numpy_engine_on_finite_item_sets_takes_the_dense_references_decisions(tmp_path):
    """MovieLens preset (dot relevance, creators choose among items) on the small test fixture."""
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "data" / "ml-100k-mini"
    cfg = make_config("movielens", mechanism="SMT", movielens_path=str(fixture), mf_cache=str(tmp_path),
                      min_user_ratings=10, num_common_items=10, num_private_items=5, num_creators=4, num_groups=3,
                      mf_dim=3, top_k=2)  # mf_dim differs from the env test's, whose file cache it checks
    inc, ref = ContentCompetitionWorld(cfg), ContentCompetitionWorld(cfg, engine="dense")
    assert inc.engine == "numpy"
    inc.reset(np.random.default_rng(0))
    ref.reset(np.random.default_rng(0), inc.instance)
    for w in (np.array([0.3, 1.0, 4.0]), np.array([5.0, 0.2, 1.0])):
        inc.set_weights(w)
        ref.set_weights(w)
        for _ in range(3):
            assert inc.creator_step() == ref.creator_step()
        np.testing.assert_array_equal(inc.item, ref.item)
        assert inc.welfare() == pytest.approx(ref.welfare(), abs=1e-12)
    assert inc.check_consistency() < 1e-12
