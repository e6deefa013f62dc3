"""The fast round of CreatorSuggestion-v1's defaults (``engine="fast"``): one numba pass per world.

It plays the round of :meth:`CreatorSuggestionWorld.step
<recogym_eco.worlds.creator_suggestion.CreatorSuggestionWorld.step>` (seed 001, Sections 3 and 5.1)
with v1's plug-ins, feedback creators (:mod:`recogym_eco.components.feedback_creators`) and the
online matrix factorisation recommender (:mod:`recogym_eco.components.mf_recommender`), drawing
the same uniforms from the world's PCG64 stream in the same order as the NumPy round:

1. ``random(C)`` creator activity, ``random(C)`` follow decisions, ``random(C)`` the feedback
   creators' genre (inverse CDF of P[c, g] = (1 - e) softmax_{g made}(v[c] / T) + e ((1 - m) / G
   + m (clicks_g + 1) / sum_h (clicks_h + 1)));
2. ``random(U)`` user activity; the MF scores z[u, i] = p_u . (q_genre + q_creator + e_i) + b_genre + b_i
   of every candidate, already shown items excluded, the top k best first;
3. ``random(#users * k)`` the clicks, P(click) = theta[u, g_i] q_i / log2(r + 1), then ``mf_steps``
   gradient steps of the logistic loss on the round's impressions (count-normalised means, every
   parameter updated from the step's starting values).

What it does **not** promise is the NumPy round's bits: the NumPy round ranks with ``argpartition``,
whose order among tied scores is whatever its selection algorithm leaves (NumPy 2.4 with AVX-512 puts
the last of equal candidates first; other builds differ), and its matrix product and ``exp``/``tanh``
round as the machine's BLAS and SIMD loops do. Ties are frequent in v1: a new item's scores are its
genre's and creator's until it is shown, so a creator's unshown items of one genre tie, and in the
first round every item of a genre does. Here ties are broken uniformly at random by a hash of (item,
user) (:func:`tie_key`, no draw from the stream); breaking them by position instead (lowest index
first) measurably changes the world (fewer clicks, more spread: early exposure goes to the first
creators and the MF loop keeps it there), so the rule is part of the model. Dot products run in the
order of the embedding axis and ``exp``/``tanh`` are libm's. With the same state and no tied scores
one round gives the NumPy round's slates, clicks and draws, and its state to rounding (tested); over
an episode the two engines are two realisations of the same world (their episode statistics are
compared in the tests). The trajectory is fixed by the seed (on another machine libm's ``exp``/``tanh``
may round differently) and is the same in the single and the batched face.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from recogym_eco.components.pcg64_kernels import next_double
from recogym_eco.worlds.creator_suggestion_kernel import draw_activity_and_follow, inverse_cdf_draw, named_copy, \
    SUMMARY_ARGS, place_items, settle_creators, summarise_world


@njit(cache=True)
def _feedback_genres(words, made, value, platform_clicks, temperature, explore, imitation, out):
    """The feedback creators' genre per creator: u * cum[-1] against the cumulated P[c, :]."""
    C, G = made.shape
    total_clicks = 0.0
    for g in range(G):
        total_clicks += platform_clicks[g] + 1.0
    cum = np.empty(G)
    for c in range(C):
        top = -np.inf
        for g in range(G):
            if made[c, g] > 0 and value[c, g] / temperature > top:
                top = value[c, g] / temperature
        total = 0.0
        for g in range(G):
            cum[g] = math.exp(value[c, g] / temperature - top) if made[c, g] > 0 else 0.0
            total += cum[g]
        running = 0.0
        for g in range(G):
            own = cum[g] / total if total > 0 else 1.0 / G
            trending = (platform_clicks[g] + 1.0) / total_clicks
            running += (1.0 - explore) * own + explore * ((1.0 - imitation) / G + imitation * trending)
            cum[g] = running
        out[c] = inverse_cdf_draw(words, cum)


@njit(cache=True)
def tie_key(serial, user):
    """A pseudo-random 64-bit key of (item serial, user) (SplitMix64's finaliser): among equal scores
    the smaller key ranks first, so ties are broken uniformly at random without a draw."""
    x = np.uint64(serial) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(user) + np.uint64(0x632BE59BD9B4E019)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True)
def _slate(r, user, k, z, cand_serial, cand_of_slot, seen_slot, seen_serial, flat_serial, slot, exclude_seen,
           best_score, best_key, slates):
    """Row r's slate from its scores ``z`` over the candidates: the k largest, best first, ties broken by
    :func:`tie_key`; items the user was shown (a remembered serial still in its slot) skipped."""
    if exclude_seen:
        W, K = seen_slot.shape[1], seen_slot.shape[2]
        for a in range(W):
            if a == slot:
                continue
            for b in range(K):
                s = seen_slot[user, a, b]
                if s >= 0 and flat_serial[s] == seen_serial[user, a, b] and cand_of_slot[s] >= 0:
                    z[cand_of_slot[s]] = -np.inf
    for j in range(k):
        best_score[j] = -np.inf
        best_key[j] = 0
        slates[r, j] = -1
    last = -np.inf
    for i in range(z.size):
        v = z[i]
        if v < last or v == -np.inf:
            continue
        key = tie_key(cand_serial[i], user)
        if v == last and key >= best_key[k - 1]:
            continue
        j = k - 1
        while j > 0 and (best_score[j - 1] < v or (best_score[j - 1] == v and best_key[j - 1] > key)):
            best_score[j] = best_score[j - 1]
            best_key[j] = best_key[j - 1]
            slates[r, j] = slates[r, j - 1]
            j -= 1
        best_score[j] = v
        best_key[j] = key
        slates[r, j] = i
        last = best_score[k - 1]


@njit(cache=True)
def _scores4(user_vec, vectors_t, u0, u1, u2, u3, z):
    """z[b, i] = sum_e p[u_b, e] v[e, i] for four users, summed in the order of e; four e per pass over
    the candidates, so each z[b, i] is loaded and stored d / 4 times rather than d times."""
    d, n = vectors_t.shape
    z[:] = 0.0
    e = 0
    while e + 4 <= d:
        a0, a1, a2, a3 = user_vec[u0, e], user_vec[u0, e + 1], user_vec[u0, e + 2], user_vec[u0, e + 3]
        b0, b1, b2, b3 = user_vec[u1, e], user_vec[u1, e + 1], user_vec[u1, e + 2], user_vec[u1, e + 3]
        c0, c1, c2, c3 = user_vec[u2, e], user_vec[u2, e + 1], user_vec[u2, e + 2], user_vec[u2, e + 3]
        d0, d1, d2, d3 = user_vec[u3, e], user_vec[u3, e + 1], user_vec[u3, e + 2], user_vec[u3, e + 3]
        for i in range(n):
            v0, v1, v2, v3 = vectors_t[e, i], vectors_t[e + 1, i], vectors_t[e + 2, i], vectors_t[e + 3, i]
            z[0, i] = (((z[0, i] + a0 * v0) + a1 * v1) + a2 * v2) + a3 * v3
            z[1, i] = (((z[1, i] + b0 * v0) + b1 * v1) + b2 * v2) + b3 * v3
            z[2, i] = (((z[2, i] + c0 * v0) + c1 * v1) + c2 * v2) + c3 * v3
            z[3, i] = (((z[3, i] + d0 * v0) + d1 * v1) + d2 * v2) + d3 * v3
        e += 4
    while e < d:
        p0, p1, p2, p3 = user_vec[u0, e], user_vec[u1, e], user_vec[u2, e], user_vec[u3, e]
        for i in range(n):
            v = vectors_t[e, i]
            z[0, i] += p0 * v
            z[1, i] += p1 * v
            z[2, i] += p2 * v
            z[3, i] += p3 * v
        e += 1


@njit(cache=True)
def _rank_rows(r0, r1, users, k, user_vec, vectors_t, cand_bias, cand_serial, cand_of_slot, seen_slot, seen_serial,
               flat_serial, slot, exclude_seen, slates):
    """Slates of rows r0..r1: the scores z[u, i] = sum_e p[u, e] v[e, i] + bias_i of four users at a time
    (:func:`_scores4`), each row then through :func:`_slate`."""
    d, n = vectors_t.shape
    z = np.empty((4, n))
    best_score = np.empty(k)
    best_key = np.empty(k, dtype=np.uint64)
    for r in range(r0, r1, 4):
        rows = min(4, r1 - r)
        u0, u1, u2, u3 = users[r], users[r + min(1, rows - 1)], users[r + min(2, rows - 1)], \
            users[r + min(3, rows - 1)]
        _scores4(user_vec, vectors_t, u0, u1, u2, u3, z)
        for b in range(rows):
            row = z[b]
            for i in range(n):
                row[i] += cand_bias[i]
            _slate(r + b, users[r + b], k, row, cand_serial, cand_of_slot, seen_slot, seen_serial, flat_serial,
                   slot, exclude_seen, best_score, best_key, slates)


@njit(cache=True)
def _mf_steps(imp_user, imp_slot, imp_genre, imp_y, num_creators, user_vec, genre_vec, creator_vec, item_vec,
              genre_bias, item_bias, lr, steps, reg):
    """``steps`` gradient steps of the logistic loss on the impressions (module docstring, step 3):
    with g = sigmoid(z) - y per impression, every parameter x moves by -lr (mean over its impressions
    of g times the other factor + reg x): users by the item vector v, genre, creator and item vectors
    by the user vector p, the biases by g alone; all from the step's starting values."""
    n = imp_user.size
    U, d = user_vec.shape
    G, S = genre_vec.shape[0], item_vec.shape[0]
    C = num_creators
    inv_user, users = _inverse_counts(imp_user, U)
    inv_genre, genres = _inverse_counts(imp_genre, G)
    inv_creator, creators = _inverse_counts(imp_slot % C, C)
    inv_item, items = _inverse_counts(imp_slot, S)
    vec = np.empty((n, d))
    g = np.empty(n)
    g_user, g_genre, g_creator, g_item = np.zeros((U, d)), np.zeros((G, d)), np.zeros((C, d)), np.zeros((S, d))
    g_gbias, g_ibias = np.zeros(G), np.zeros(S)
    for _ in range(steps):
        for t in range(n):
            u, s, gen = imp_user[t], imp_slot[t], imp_genre[t]
            c = s % C
            z = genre_bias[gen] + item_bias[s]
            for e in range(d):
                v = genre_vec[gen, e] + creator_vec[c, e] + item_vec[s, e]
                vec[t, e] = v
                z += user_vec[u, e] * v
            g[t] = 0.5 * (1.0 + math.tanh(0.5 * z)) - imp_y[t]
        for t in range(n):
            u, s, gen = imp_user[t], imp_slot[t], imp_genre[t]
            c = s % C
            gt = g[t]
            for e in range(d):
                g_user[u, e] += gt * vec[t, e]
            for e in range(d):
                gp = gt * user_vec[u, e]
                g_genre[gen, e] += gp
                g_creator[c, e] += gp
                g_item[s, e] += gp
            g_gbias[gen] += gt
            g_ibias[s] += gt
        _apply(user_vec, g_user, users, inv_user, lr, reg)
        _apply(genre_vec, g_genre, genres, inv_genre, lr, reg)
        _apply(creator_vec, g_creator, creators, inv_creator, lr, reg)
        _apply(item_vec, g_item, items, inv_item, lr, reg)
        for x in genres:
            genre_bias[x] -= lr * (g_gbias[x] * inv_genre[x])
            g_gbias[x] = 0.0
        for x in items:
            item_bias[x] -= lr * (g_ibias[x] * inv_item[x])
            g_ibias[x] = 0.0


@njit(cache=True)
def _inverse_counts(index, size):
    """1 / (number of entries of ``index`` equal to x) for x < size (0 where none), and the x that occur."""
    count = np.zeros(size)
    for t in range(index.size):
        count[index[t]] += 1.0
    present = np.flatnonzero(count)
    for x in present:
        count[x] = 1.0 / count[x]
    return count, present


@njit(cache=True)
def _apply(param, grad_sum, rows, inverse_count, lr, reg):
    """param[x] -= lr (grad_sum[x] / count[x] + reg param[x]) for the rows x with impressions, and
    grad_sum[x] back to 0 for the next step."""
    for x in rows:
        f = inverse_count[x]
        for e in range(param.shape[1]):
            param[x, e] -= lr * (grad_sum[x, e] * f + reg * param[x, e])
            grad_sum[x, e] = 0.0


def _round(words, suggestions, present, creator_activity, trust, skill, base_skill, made, feedback,
               no_click_streak, previous_reward, usual_reward, follows, ignores, click_log,
               genre_click_log, genre_supply_log, item_genre, item_serial, item_quality, item_clicks,
               item_impressions, seen_slot, seen_serial, preferences, user_activity, reward_weights,
               user_vec, genre_vec, creator_vec, item_vec, genre_bias, item_bias, mf_serial, value, platform_clicks,
               bias, round_index, trust_mode, trust_lr, usual_rate, growth, decay, churn_patience, exclude_seen,
               mf_lr, mf_steps, mf_reg, fb_lr, fb_temperature, fb_explore, fb_imitation, parallel_users,
               out_creator, out_user, out_made_genre, out_flags, out_genre_counts):
    """One round of one world, in place; see the module docstring. Outputs as
    :func:`recogym_eco.worlds.creator_suggestion_kernel.step_world`'s; returns (clicks, active users)."""
    C, G = made.shape
    W = item_genre.shape[0]
    U = preferences.shape[0]
    k = bias.size
    d = user_vec.shape[1]
    active, followed, ignored, departed = out_flags[0], out_flags[1], out_flags[2], out_flags[3]
    follow = np.empty(C, dtype=np.bool_)
    draw_activity_and_follow(words, suggestions, present, creator_activity, trust, out_creator[3], active, follow)
    fallback = np.empty(C, dtype=np.int64)
    _feedback_genres(words, made, value, platform_clicks, fb_temperature, fb_explore, fb_imitation, fallback)
    made_genre = out_made_genre
    slot = place_items(suggestions, follow, fallback, active, skill, round_index, made_genre, followed, ignored,
                       item_genre, item_serial, item_quality, item_clicks, item_impressions)
    flat_serial = item_serial.ravel()
    for s in range(W * C):
        if mf_serial[s] != flat_serial[s]:
            mf_serial[s] = flat_serial[s]
            item_bias[s] = 0.0
            for e in range(d):
                item_vec[s, e] = 0.0
    cand_of_slot = np.full(W * C, -1, dtype=np.int64)
    num_cand = 0
    for a in range(W):
        for c in range(C):
            if item_genre[a, c] >= 0 and present[c]:
                cand_of_slot[a * C + c] = num_cand
                num_cand += 1
    cand_slot = np.empty(num_cand, dtype=np.int64)
    cand_serial = np.empty(num_cand, dtype=np.int64)
    vectors_t = np.empty((d, num_cand))
    cand_bias = np.empty(num_cand)
    for s in range(W * C):
        i = cand_of_slot[s]
        if i >= 0:
            cand_slot[i] = s
            cand_serial[i] = flat_serial[s]
            g = item_genre.ravel()[s]
            for e in range(d):
                vectors_t[e, i] = genre_vec[g, e] + creator_vec[s % C, e] + item_vec[s, e]
            cand_bias[i] = genre_bias[g] + item_bias[s]

    num_users = 0
    user_buf = np.empty(U, dtype=np.int64)
    for u in range(U):
        if next_double(words) < user_activity[u]:
            user_buf[num_users] = u
            num_users += 1
    users = user_buf[:num_users]
    slates = np.full((num_users, k), -1, dtype=np.int64)
    if num_cand > 0:
        chunks = 64 if parallel_users else 1
        for chunk_index in prange(chunks):
            chunk = np.int64(chunk_index)
            _rank_rows(chunk * num_users // chunks, (chunk + 1) * num_users // chunks, users, k, user_vec, vectors_t,
                       cand_bias, cand_serial, cand_of_slot, seen_slot, seen_serial, flat_serial, slot, exclude_seen,
                       slates)

    reward, clicks_of, exposure = out_creator[0], out_creator[1], out_creator[2]
    reward[:] = 0.0
    clicks_of[:] = 0.0
    exposure[:] = 0.0
    out_user[:] = 0.0
    genre_reward = np.zeros((C, G))
    raw_clicks = np.zeros((C, G))
    flat_genre = item_genre.ravel()
    flat_quality = item_quality.ravel()
    flat_clicks = item_clicks.ravel()
    flat_impressions = item_impressions.ravel()
    imp_user = np.empty(num_users * k, dtype=np.int64)
    imp_slot = np.empty(num_users * k, dtype=np.int64)
    imp_genre = np.empty(num_users * k, dtype=np.int64)
    imp_y = np.empty(num_users * k)
    n_imp = 0
    total_clicks = 0.0
    for u in range(U):
        for j in range(k):
            seen_slot[u, slot, j] = -1
    draws = np.empty((num_users, k))
    for r in range(num_users):
        for j in range(k):
            draws[r, j] = next_double(words)
    for r in range(num_users):
        u = users[r]
        count = 0
        for j in range(k):
            cand = slates[r, j]
            item = cand_slot[cand] if cand >= 0 else 0
            seen_slot[u, slot, j] = item if cand >= 0 else -1
            seen_serial[u, slot, j] = flat_serial[item]
            if cand < 0:
                continue
            g = flat_genre[item]
            c = item % C
            hit = draws[r, j] < preferences[u, g] * flat_quality[item] * bias[j]
            exposure[c] += 1.0
            flat_impressions[item] += 1.0
            imp_user[n_imp] = u
            imp_slot[n_imp] = item
            imp_genre[n_imp] = g
            imp_y[n_imp] = 1.0 if hit else 0.0
            n_imp += 1
            if hit:
                count += 1
                w = reward_weights[u]
                reward[c] += w
                clicks_of[c] += 1.0
                genre_reward[c, g] += w
                raw_clicks[c, g] += 1.0
                flat_clicks[item] += 1.0
                total_clicks += 1.0
        out_user[u] = count
    _mf_steps(imp_user[:n_imp], imp_slot[:n_imp], imp_genre[:n_imp], imp_y[:n_imp], C, user_vec, genre_vec,
              creator_vec, item_vec, genre_bias, item_bias, mf_lr, mf_steps, mf_reg)

    for c in range(C):
        if active[c]:
            g = made_genre[c]
            value[c, g] = value[c, g] + fb_lr * (genre_reward[c, g] - value[c, g])
    for g in range(G):
        total = 0.0
        for c in range(C):
            total += raw_clicks[c, g]
        platform_clicks[g] = total
    settle_creators(slot, made_genre, reward, clicks_of, genre_reward, raw_clicks, active, followed, ignored,
                    departed, present, made, feedback, skill, base_skill, trust, previous_reward, usual_reward,
                    no_click_streak, follows, ignores, click_log, genre_click_log, genre_supply_log,
                    out_genre_counts, trust_mode, trust_lr, usual_rate, growth, decay, churn_patience)
    return total_clicks, num_users


step_world = njit(cache=True)(named_copy(_round, "step_world"))
"""The fast round, users one after another: the one the batches call."""
step_world_threads = njit(cache=True, parallel=True)(named_copy(_round, "step_world_threads"))
"""The fast round with users on numba's threads: a single world's entry only (see
:data:`recogym_eco.worlds.creator_suggestion_kernel.step_world_threads` for why)."""


@njit(cache=True)
def _step_world_of_batch(w, words, suggestions, present, creator_activity, trust, skill, base_skill, made, feedback,
                         no_click_streak, previous_reward, usual_reward, follows, ignores, click_log, genre_click_log,
                         genre_supply_log, item_genre, item_serial, item_quality, item_clicks, item_impressions,
                         seen_slot, seen_serial, preferences, user_activity, reward_weights, user_vec, genre_vec,
                         creator_vec, item_vec, genre_bias, item_bias, mf_serial, value, platform_clicks, bias,
                         round_index, trust_mode, trust_lr, usual_rate, growth, decay, churn_patience, exclude_seen,
                         mf_lr, mf_steps, mf_reg, fb_lr, fb_temperature, fb_explore, fb_imitation, parallel_users,
                         out_creator, out_user, out_made_genre, out_flags, out_genre_counts, out_totals):
    """World w of the stacked arrays through :func:`step_world` (one signature, as in the exact kernel)."""
    clicks, users = step_world(
        words[w], suggestions[w], present[w], creator_activity[w], trust[w], skill[w], base_skill[w], made[w],
        feedback[w], no_click_streak[w], previous_reward[w], usual_reward[w], follows[w], ignores[w], click_log[w],
        genre_click_log[w], genre_supply_log[w], item_genre[w], item_serial[w], item_quality[w], item_clicks[w],
        item_impressions[w], seen_slot[w], seen_serial[w], preferences[w], user_activity[w], reward_weights[w],
        user_vec[w], genre_vec[w], creator_vec[w], item_vec[w], genre_bias[w], item_bias[w], mf_serial[w], value[w],
        platform_clicks[w], bias, round_index[w], trust_mode, trust_lr, usual_rate, growth, decay, churn_patience,
        exclude_seen, mf_lr, mf_steps, mf_reg, fb_lr, fb_temperature, fb_explore, fb_imitation, parallel_users,
        out_creator[w], out_user[w], out_made_genre[w], out_flags[w], out_genre_counts[w])
    out_totals[w, 0] = clicks
    out_totals[w, 1] = users


@njit(cache=True)
def step_worlds(stepping, *args):
    """:func:`step_world` for every world w of a batch with ``stepping[w]``, one after another, then
    :func:`~recogym_eco.worlds.creator_suggestion_kernel.summarise_world` of every world (``args`` as in
    :func:`recogym_eco.worlds.creator_suggestion_kernel.step_worlds`)."""
    for w in range(stepping.size):
        if stepping[w]:
            _step_world_of_batch(w, *args[SUMMARY_ARGS:])
        summarise_world(w, stepping, *args[:SUMMARY_ARGS])


@njit(cache=True, parallel=True)
def step_worlds_parallel(stepping, *args):
    """:func:`step_worlds` with the worlds spread over threads (``prange``'s index is unsigned: cast, so
    that the serial and the parallel batch compile the one signature of ``_step_world_of_batch``)."""
    for w in prange(stepping.size):
        if stepping[w]:
            _step_world_of_batch(np.int64(w), *args[SUMMARY_ARGS:])
        summarise_world(np.int64(w), stepping, *args[:SUMMARY_ARGS])
