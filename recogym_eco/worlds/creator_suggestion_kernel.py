"""The compiled round of the creator-suggestion world: one numba pass per world, many worlds per call.

It plays exactly the round of :meth:`CreatorSuggestionWorld.step
<recogym_eco.worlds.creator_suggestion.CreatorSuggestionWorld.step>` (seed 001, Sections 3 and 5.1;
the module docstring of :mod:`recogym_eco.worlds.creator_suggestion` lists the steps) for the
configurations :func:`recogym_eco.worlds.creator_suggestion_engine.unsupported_reason` accepts, and
draws the same uniforms from each world's PCG64 stream (:mod:`recogym_eco.components.pcg64`) in the
same order:

1. ``random(C)`` creator activity, ``random(C)`` follow decisions, ``random(C)`` the fallback genre
   (inverse CDF over the creator model's weights: 1[made > 0] for ``random_history``, the genres of
   most reward for ``most_clicked_history``);
2. ``random(U)`` user activity, ``random(#candidates)`` the recommender's tie jitter
   b_i = s_i (1 + 1e-9 u_i) (s_i = quality for the oracle, the smoothed CTR for popularity);
3. ``random(#users * k)`` the clicks, P(click) = theta[u, g_i] q_i / log2(r + 1).

Every floating-point operation is the one NumPy performs (same operands, same order; where a branch
was turned into arithmetic, an exact +0.0 is added instead of nothing), and sums of rewards run in
NumPy's ``bincount`` order, so the state after a round is bit for bit the NumPy engine's (tests replay
recorded trajectories on both). The top-k is the exact per-genre merge of
``CreatorSuggestionWorld._rank``: candidates sorted by (genre, -b, index), each user's unseen heads
of the G lists merged k times, ties to the lower genre.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
from numba import njit, prange

from recogym_eco.components.pcg64_kernels import next_double

MODEL_RANDOM_HISTORY = 0
MODEL_MOST_CLICKED = 1
RECOMMENDER_ORACLE = 0
RECOMMENDER_POPULARITY = 1
TRUST_STATIC = 0
TRUST_CLICKS = 1
TRUST_RELATIVE = 2


@njit(cache=True)
def inverse_cdf(u, cumulated):
    """The draw u * cum[-1] against cumulated weights, as ``sample_categorical``: the number of entries
    <= it, capped at the last index."""
    u = u * cumulated[cumulated.size - 1]
    count = 0
    for g in range(cumulated.size):
        count += cumulated[g] <= u
    return min(count, cumulated.size - 1)


@njit(cache=True)
def inverse_cdf_draw(words, cumulated):
    """:func:`inverse_cdf` of the next uniform of the stream ``words``."""
    return inverse_cdf(next_double(words), cumulated)


@njit(cache=True)
def _fallback_genres(words, made, feedback, model, needed, out):
    """The creator model's genre per creator: u * cum[-1] against the cumulated weights (every creator
    draws its u, in order; the genre is worked out only where ``needed``: active and not following)."""
    C, G = made.shape
    weights = np.empty(G)
    for c in range(C):
        u = next_double(words)
        if not needed[c]:
            out[c] = 0
            continue
        if model == MODEL_MOST_CLICKED:
            best = -np.inf
            for g in range(G):
                if made[c, g] > 0 and feedback[c, g] > best:
                    best = feedback[c, g]
            for g in range(G):
                score = feedback[c, g] if made[c, g] > 0 else -np.inf
                weights[g] = 1.0 if score == best else 0.0
        else:
            for g in range(G):
                weights[g] = 1.0 if made[c, g] > 0 else 0.0
        for g in range(1, G):
            weights[g] += weights[g - 1]
        out[c] = inverse_cdf(u, weights)


@njit(cache=True)
def sort_candidates(cand_genre, weight, genre_start, order, sorted_weight):
    """Candidates ordered by (genre, -weight, index): ``order[p]`` is the candidate at position p, whose
    genre's positions start at ``genre_start[g]`` (what NumPy's stable argsort of -weight followed by a
    stable bucketing by genre gives).

    A stable counting sort by (genre, weight bucket), the buckets B = 2n/G equal slices of [min, max]
    weight, best first (the bucket floor((w - min) (B - 1) / (max - min)) never decreases in w, so it
    only coarsens the order), then a stable insertion sort of each genre's run, which has left only
    the inversions inside a bucket. A run that needs more than 8 moves per item (weights bunched in a
    few buckets) is sorted by a stable merge sort instead.
    """
    n = cand_genre.size
    G = genre_start.size - 1
    B = max(1, 2 * n // G)
    lo, hi = np.inf, -np.inf
    for i in range(n):
        lo = min(lo, weight[i])
        hi = max(hi, weight[i])
    scale = (B - 1) / (hi - lo) if hi > lo else 0.0
    start = np.zeros(G * B + 1, dtype=np.int64)
    key = np.empty(n, dtype=np.uint64)
    for i in range(n):
        key[i] = cand_genre[i] * B + B - 1 - np.int64((weight[i] - lo) * scale)
        start[key[i] + np.uint64(1)] += 1
    for j in range(G * B):
        start[j + 1] += start[j]
    for g in range(G + 1):
        genre_start[g] = start[g * B]
    for i in range(n):
        p = np.uint64(start[key[i]])
        start[key[i]] = p + np.uint64(1)
        order[p] = i
        sorted_weight[p] = weight[i]
    for g in range(G):
        first, end = genre_start[g], genre_start[g + 1]
        budget = 8 * (end - first)
        for i in range(first + 1, end):
            w = sorted_weight[i]
            if sorted_weight[i - 1] >= w:
                continue
            item = order[i]
            q = i
            while q > first and sorted_weight[q - 1] < w:
                sorted_weight[q] = sorted_weight[q - 1]
                order[q] = order[q - 1]
                q -= 1
            sorted_weight[q] = w
            order[q] = item
            budget -= i - q
            if budget < 0:
                by_weight = np.argsort(-sorted_weight[first:end], kind="mergesort")
                order[first:end] = order[first:end][by_weight]
                sorted_weight[first:end] = sorted_weight[first:end][by_weight]
                break


@njit(cache=True)
def _rank_user(r, user, exclude_seen, k, G, slot, sorted_weight, order, genre_start, slot_to_pos, oldest_serial,
               seen_slot, seen_serial, affinity, mark, pos, head, slates):
    """User ``user``'s (row r) slate: the k-way merge of its unseen per-genre heads (best first).

    Positions p index the candidates sorted by (genre, -b, index) (``order``); ``mark[p] == r`` flags
    the ones this user was shown before. A remembered show still names the item in its pool slot iff
    the item was made in the last W rounds, i.e. its serial (round made * C + creator) is at least
    ``oldest_serial`` = (round - W + 1) C (the slot of an item made earlier has been refilled since):
    the NumPy round's serial comparison without reading the pool. Its shows of round - W (pool row
    ``slot``, just refilled) are all gone and are skipped. Shows that name no candidate mark the spare
    last entry of ``mark`` (``slot_to_pos`` maps the spare slot W C and every non-candidate there).
    Each of the k picks takes the best head, ties to the lower genre (selects rather than branches: which
    genre wins is data, and mispredicted branches were most of this function's time). Indices known to
    be non-negative are cast to unsigned, which spares numba's negative-index wraparound.
    """
    if exclude_seen:
        spare = slot_to_pos.size - 1
        for a in range(seen_slot.shape[1]):
            if a == slot:
                continue
            shown = seen_slot[user, a]
            serial = seen_serial[user, a]
            for b in range(shown.size):
                s = shown[b]
                mark[np.uint64(slot_to_pos[np.uint64(s if (s >= 0) & (serial[b] >= oldest_serial) else spare)])] = r
    for g in range(G):
        p = genre_start[g]
        end = genre_start[g + 1]
        while p < end and mark[np.uint64(p)] == r:
            p += 1
        pos[g] = p
        head[g] = affinity[user, g] * sorted_weight[p] if p < end else -np.inf
    for j in range(k):
        best = -np.inf
        best_g = G
        for g in range(G):
            h = head[g]
            better = h > best
            best = h if better else best
            best_g = g if better else best_g
        if best_g == G:
            slates[r, j] = -1
            continue
        p = pos[best_g]
        slates[r, j] = order[p]
        p += 1
        end = genre_start[best_g + 1]
        while p < end and mark[np.uint64(p)] == r:
            p += 1
        pos[best_g] = p
        head[best_g] = affinity[user, best_g] * sorted_weight[p] if p < end else -np.inf


@njit(cache=True)
def _show_user(r, users, slates, draws, cand_slot, flat_serial, flat_genre, flat_quality, preferences, bias, slot,
               seen_slot, seen_serial, clicked, out_user):
    """Row r's slate enters its user's memory (pool row ``slot``) and its clicks are drawn:
    P(click at rank j) = theta[u, g] q / log2(j + 2), against the uniforms drawn in stream order."""
    u = users[r]
    count = 0
    for j in range(bias.size):
        cand = slates[r, j]
        item = cand_slot[cand] if cand >= 0 else 0
        seen_slot[u, slot, j] = item if cand >= 0 else -1
        seen_serial[u, slot, j] = flat_serial[item]
        click = (cand >= 0) & (draws[r, j] < preferences[u, flat_genre[item]] * flat_quality[item] * bias[j])
        clicked[r, j] = click
        count += click
    out_user[u] = count


@njit(cache=True)
def _forget_row(seen_slot, slot, u0, u1):
    for u in range(u0, u1):
        for j in range(seen_slot.shape[2]):
            seen_slot[u, slot, j] = -1


@njit(cache=True)
def draw_activity_and_follow(words, suggestions, present, creator_activity, trust, on_platform, active, follow):
    """Step 2's first draws, in the NumPy round's order: ``random(C)`` activity (a present creator is
    active if u < p_c), then ``random(C)`` follow (a suggested creator follows if u < d_c)."""
    for c in range(present.size):
        on_platform[c] = 1.0 if present[c] else 0.0
        draw = next_double(words)
        active[c] = present[c] & (draw < creator_activity[c])
    for c in range(present.size):
        draw = next_double(words)
        follow[c] = (suggestions[c] > 0) & (draw < trust[c])


@njit(cache=True)
def place_items(suggestions, follow, fallback, active, skill, round_index, made_genre, followed, ignored, item_genre,
                item_serial, item_quality, item_clicks, item_impressions):
    """What every creator makes (the suggestion if it follows, else its model's genre; -1 if idle) and
    the new items in pool row ``round mod W`` (serial round C + c, quality = skill in the genre);
    returns that row."""
    C = made_genre.size
    for c in range(C):
        g = suggestions[c] - 1 if follow[c] else fallback[c]
        made_genre[c] = g if active[c] else -1
        offered = active[c] & (suggestions[c] > 0)
        followed[c] = offered & follow[c]
        ignored[c] = offered & (not follow[c])
    slot = round_index % item_genre.shape[0]
    for c in range(C):
        item_genre[slot, c] = made_genre[c]
        item_serial[slot, c] = round_index * C + c
        quality = skill[c, np.uint64(max(made_genre[c], 0))]
        item_quality[slot, c] = quality if active[c] else 0.0
        item_clicks[slot, c] = 0.0
        item_impressions[slot, c] = 0.0
    return slot


@njit(cache=True)
def settle_creators(slot, made_genre, reward, clicks_of, genre_reward, raw_clicks, active, followed, ignored,
                    departed, present, made, feedback, skill, base_skill, trust, previous_reward, usual_reward,
                    no_click_streak, follows, ignores, click_log, genre_click_log, genre_supply_log,
                    out_genre_counts, trust_mode, trust_lr, usual_rate, growth, decay, churn_patience):
    """Step 5-6 after the clicks, in the NumPy round's order: histories and feedback, skill practice
    and decay, trust (``clicks``: +-lr on beating the last reward; ``relative``: lr (r - u) / (u + 1)),
    usual and last reward, the no-click streak and churn, follow counts, the platform's click and
    supply logs (row ``slot``) and the round's genre counts."""
    C, G = made.shape
    for c in range(C):
        made[c, np.uint64(max(made_genre[c], 0))] += active[c]
        for g in range(G):
            feedback[c, g] += genre_reward[c, g]
    if growth > 0 or decay > 0:
        for c in range(C):
            for g in range(G):
                s = skill[c, g]
                if active[c] and made_genre[c] == g:
                    skill[c, g] = s + growth * (1.0 - s)
                else:
                    skill[c, g] = s - decay * (s - base_skill[c, g])
    for c in range(C):
        if followed[c]:
            if trust_mode == TRUST_CLICKS:
                step = trust_lr if reward[c] > previous_reward[c] else -trust_lr
                trust[c] = min(max(trust[c] + step, 0.0), 1.0)
            elif trust_mode == TRUST_RELATIVE:
                step = trust_lr * (reward[c] - usual_reward[c]) / (usual_reward[c] + 1.0)
                trust[c] = min(max(trust[c] + step, 0.0), 1.0)
        usual = usual_reward[c] + usual_rate * (reward[c] - usual_reward[c])
        usual_reward[c] = usual if active[c] else usual_reward[c]
        previous_reward[c] = reward[c] if active[c] else previous_reward[c]
        no_click_streak[c] = 0 if clicks_of[c] > 0 else no_click_streak[c] + active[c]
        departed[c] = present[c] & (no_click_streak[c] >= churn_patience)
        present[c] = present[c] & (not departed[c])
        follows[c] += followed[c]
        ignores[c] += ignored[c]
    genre_click_log[slot] = 0.0
    out_genre_counts[:] = 0
    for c in range(C):
        for g in range(G):
            click_log[c, g] += raw_clicks[c, g]
            genre_click_log[slot, g] += raw_clicks[c, g]
        out_genre_counts[np.uint64(max(made_genre[c], 0))] += active[c]
    for g in range(G):
        genre_supply_log[slot, g] = out_genre_counts[g]


def _round(words, suggestions, present, creator_activity, trust, skill, base_skill, made, feedback,
               no_click_streak, previous_reward, usual_reward, follows, ignores, click_log,
               genre_click_log, genre_supply_log, item_genre, item_serial, item_quality, item_clicks,
               item_impressions, seen_slot, seen_serial, preferences, user_activity, reward_weights, bias,
               round_index, model, recommender, trust_mode, trust_lr, usual_rate, growth, decay, churn_patience,
               exclude_seen, parallel_users,
               out_creator, out_user, out_made_genre, out_flags, out_genre_counts):
    """One round of one world, in place; see the module docstring.

    Outputs: ``out_creator`` (4, C) float: reward, clicks, exposure, on-platform-at-start;
    ``out_user`` (U,) clicks per user; ``out_made_genre`` (C,); ``out_flags`` (4, C) bool: active,
    followed, ignored, departed; ``out_genre_counts`` (G,). Returns (clicks, active users).
    """
    C, G = made.shape
    W = item_genre.shape[0]
    U = preferences.shape[0]
    k = bias.size
    active = out_flags[0]
    followed = out_flags[1]
    ignored = out_flags[2]
    departed = out_flags[3]
    follow = np.empty(C, dtype=np.bool_)
    draw_activity_and_follow(words, suggestions, present, creator_activity, trust, out_creator[3], active, follow)
    fallback = np.empty(C, dtype=np.int64)
    _fallback_genres(words, made, feedback, model, active & ~follow, fallback)
    made_genre = out_made_genre
    slot = place_items(suggestions, follow, fallback, active, skill, round_index, made_genre, followed, ignored,
                       item_genre, item_serial, item_quality, item_clicks, item_impressions)
    cand_slot = np.empty(W * C, dtype=np.int64)
    cand_genre = np.empty(W * C, dtype=np.int64)
    cand_creator = np.empty(W * C, dtype=np.int64)
    num_cand = 0
    for a in range(W):
        for c in range(C):
            cand_slot[num_cand] = a * C + c
            cand_genre[num_cand] = item_genre[a, c]
            cand_creator[num_cand] = c
            num_cand += (item_genre[a, c] >= 0) & present[c]
    cand_slot = cand_slot[:num_cand]
    cand_genre = cand_genre[:num_cand]

    num_users = 0
    user_buf = np.empty(U, dtype=np.int64)
    for u in range(U):
        user_buf[num_users] = u
        num_users += next_double(words) < user_activity[u]
    users = user_buf[:num_users]
    chunks = 64 if parallel_users else 1
    flat_quality = item_quality.ravel()
    weight = np.empty(num_cand)
    for i in range(num_cand):
        jitter = 1.0 + 1e-9 * next_double(words)
        s = cand_slot[i]
        if recommender == RECOMMENDER_POPULARITY:
            a, c = s // C, s % C
            weight[i] = (item_clicks[a, c] + 1.0) / (item_impressions[a, c] + 2.0) * jitter
        else:
            weight[i] = flat_quality[s] * jitter
    if recommender == RECOMMENDER_POPULARITY:
        affinity = np.ones((U, G))
    else:
        affinity = preferences
    genre_start = np.zeros(G + 1, dtype=np.int64)
    order = np.empty(num_cand, dtype=np.int64)
    sorted_weight = np.empty(num_cand)
    slot_to_pos = np.full(W * C + 1, num_cand, dtype=np.int64)
    sort_candidates(cand_genre, weight, genre_start, order, sorted_weight)
    for p in range(num_cand):
        slot_to_pos[cand_slot[order[p]]] = p

    slates = np.full((num_users, k), -1, dtype=np.int64)
    flat_serial = item_serial.ravel()
    if num_cand > 0:
        oldest_serial = (round_index - W + 1) * C
        for chunk_index in prange(chunks):
            chunk = np.int64(chunk_index)
            mark = np.full(num_cand + 1, -1, dtype=np.int64)
            pos = np.empty(G, dtype=np.int64)
            head = np.empty(G)
            for r in range(chunk * num_users // chunks, (chunk + 1) * num_users // chunks):
                _rank_user(r, users[r], exclude_seen, k, G, slot, sorted_weight, order, genre_start, slot_to_pos,
                           oldest_serial, seen_slot, seen_serial, affinity, mark, pos, head, slates)

    reward = out_creator[0]
    clicks_of = out_creator[1]
    exposure = out_creator[2]
    reward[:] = 0.0
    clicks_of[:] = 0.0
    exposure[:] = 0.0
    out_user[:] = 0.0
    genre_reward = np.zeros((C, G))
    raw_clicks = np.zeros((C, G))
    total_clicks = 0.0
    flat_genre = item_genre.ravel()
    flat_clicks = item_clicks.ravel()
    flat_impressions = item_impressions.ravel()
    new_clicks = np.zeros(W * C)
    new_impressions = np.zeros(W * C)
    draws = np.empty((num_users, k))
    for r in range(num_users):
        for j in range(k):
            draws[r, j] = next_double(words)
    clicked = np.zeros((num_users, k), dtype=np.bool_)
    for chunk_index in prange(chunks):
        chunk = np.int64(chunk_index)
        _forget_row(seen_slot, slot, chunk * U // chunks, (chunk + 1) * U // chunks)
    for chunk_index in prange(chunks):
        chunk = np.int64(chunk_index)
        for r in range(chunk * num_users // chunks, (chunk + 1) * num_users // chunks):
            _show_user(r, users, slates, draws, cand_slot, flat_serial, flat_genre, flat_quality, preferences, bias,
                       slot, seen_slot, seen_serial, clicked, out_user)
    for r in range(num_users):
        w = reward_weights[users[r]]
        for j in range(k):
            cand = slates[r, j]
            if cand < 0:
                continue
            item = cand_slot[cand]
            g = flat_genre[item]
            c = cand_creator[cand]
            exposure[c] += 1.0
            new_impressions[item] += 1.0
            hit = 1.0 if clicked[r, j] else 0.0
            reward[c] += w * hit
            clicks_of[c] += hit
            genre_reward[c, g] += w * hit
            raw_clicks[c, g] += hit
            new_clicks[item] += hit
            total_clicks += hit
    for s in range(W * C):
        flat_clicks[s] += new_clicks[s]
        flat_impressions[s] += new_impressions[s]

    settle_creators(slot, made_genre, reward, clicks_of, genre_reward, raw_clicks, active, followed, ignored,
                    departed, present, made, feedback, skill, base_skill, trust, previous_reward, usual_reward,
                    no_click_streak, follows, ignores, click_log, genre_click_log, genre_supply_log,
                    out_genre_counts, trust_mode, trust_lr, usual_rate, growth, decay, churn_patience)
    return total_clicks, num_users


def named_copy(function: Any, name: str) -> Any:
    """A copy of the Python function ``function`` called ``name``: numba names a function's cache files
    after it, so two compilations of one body (serial and threaded) keep separate caches."""
    copy = types.FunctionType(function.__code__, function.__globals__, name, function.__defaults__,
                              function.__closure__)
    copy.__qualname__ = copy.__name__ = name
    copy.__doc__ = function.__doc__
    return copy


step_world = njit(cache=True)(named_copy(_round, "step_world"))
"""The round, users one after another (``prange`` runs as ``range``): the one the batches call."""
step_world_threads = njit(cache=True, parallel=True)(named_copy(_round, "step_world_threads"))
"""The round with users on numba's threads (64 chunks when ``parallel_users``): a single world's
entry only. No compiled function calls a threaded one: numba caches the code of a serial function
compiled against a cached callee that holds a parallel loop incorrectly (the next process that loads
it crashes), so threads live only in entry points (``tests/worlds/test_kernel_signatures.py``)."""


@njit(cache=True)
def _step_world_of_batch(w, words, suggestions, present, creator_activity, trust, skill, base_skill, made, feedback,
                         no_click_streak, previous_reward, usual_reward, follows, ignores, click_log, genre_click_log,
                         genre_supply_log, item_genre, item_serial, item_quality, item_clicks, item_impressions,
                         seen_slot, seen_serial, preferences, user_activity, reward_weights, bias, round_index, model,
                         recommender, trust_mode, trust_lr, usual_rate, growth, decay, churn_patience, exclude_seen,
                         parallel_users, out_creator, out_user, out_made_genre, out_flags, out_genre_counts,
                         out_totals):
    """World w of the stacked arrays through :func:`step_world` (``parallel_users`` comes from Python,
    never a literal, so every caller compiles the one signature the single world uses: one cache entry,
    which processes compiling at the same time cannot mix up)."""
    clicks, users = step_world(
        words[w], suggestions[w], present[w], creator_activity[w], trust[w], skill[w], base_skill[w], made[w],
        feedback[w], no_click_streak[w], previous_reward[w], usual_reward[w], follows[w], ignores[w], click_log[w],
        genre_click_log[w], genre_supply_log[w], item_genre[w], item_serial[w], item_quality[w], item_clicks[w],
        item_impressions[w], seen_slot[w], seen_serial[w], preferences[w], user_activity[w], reward_weights[w], bias,
        round_index[w], model, recommender, trust_mode, trust_lr, usual_rate, growth, decay, churn_patience,
        exclude_seen, parallel_users, out_creator[w], out_user[w], out_made_genre[w], out_flags[w],
        out_genre_counts[w])
    out_totals[w, 0] = clicks
    out_totals[w, 1] = users


@njit(cache=True)
def step_worlds(stepping, *args):
    """:func:`step_world` for every world w of a batch (leading axis of every array) with
    ``stepping[w]``, one after another, then :func:`summarise_world` of every world: ``args`` are the
    :data:`SUMMARY_ARGS` arguments of :func:`summarise_world` after ``stepping``, then
    :func:`_step_world_of_batch`'s after ``w`` (one flat list: numba types a tuple argument slowly)."""
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


@njit(cache=True)
def summarise_world(w, stepping, actions, made_genre, out_creator, flags, genre_counts, present, made, follows,
                     ignores, round_index, last_genre, last_suggestion, last_reward, horizon, prior_a, prior_b,
                     paper_obs, terminated, truncated, diversity, genres_per_creator, counts, follow_rate, exposure,
                     gini_out, trust_estimate, present_out, obs):
    """World w's bookkeeping after a batched round (its last genre, suggestion and reward and its clock,
    if it stepped) and the batched face's per-world ``info`` entries and paper observation, by the
    single world's formulas: entropy -sum p log p of the genre counts, Gini sum_i (2i - n - 1) x_(i) /
    (n sum x) of the exposure of the creators on the platform at the start (for n <= 64 as the equal
    sum_{i<j} |x_i - x_j| / (n sum x), which needs no sort; exposures are counts, so both sums are
    exact), trust estimate (follows + a) / (follows + ignores + a + b). ``counts[w]`` = (active,
    present, suggestions sent)."""
    C, G = made.shape[1], made.shape[2]
    genre, reward, active, followed = made_genre[w], out_creator[w, 0], flags[w, 0], flags[w, 1]
    exposed, was_present, suggested, is_present = out_creator[w, 2], out_creator[w, 3], actions[w], present[w]
    if stepping[w]:
        last_genre[w] = genre
        last_suggestion[w] = suggested
        last_reward[w] = reward
        round_index[w] += 1
    num_active, on_platform, sent, num_followed, n = 0, 0, 0, 0, 0
    shown = np.empty(C)
    held_genres, estimates, last = genres_per_creator[w], trust_estimate[w], last_genre[w]
    for c in range(C):
        num_active += active[c]
        on_platform += is_present[c]
        sent += active[c] & (suggested[c] > 0)
        num_followed += followed[c]
        exposure[w, c] = np.int64(exposed[c])
        shown[n] = exposed[c]
        n += was_present[c] > 0
        held = 0
        for g in range(G):
            held += made[w, c, g] > 0
        held_genres[c] = held
        estimates[c] = (follows[w, c] + prior_a) / (follows[w, c] + ignores[w, c] + prior_a + prior_b)
    present_out[w] = is_present
    if paper_obs:
        for c in range(C):
            g = last[c]
            obs[w, c, g if g >= 0 else G] = 1.0
            obs[w, c, G + 1] = estimates[c]
    terminated[w] = stepping[w] and on_platform == 0
    truncated[w] = stepping[w] and round_index[w] >= horizon and not terminated[w]
    counts[w, 0] = num_active
    counts[w, 1] = on_platform
    counts[w, 2] = sent if stepping[w] else 0
    follow_rate[w] = num_followed / sent if sent > 0 else 0.0
    total = 0.0
    for g in range(genre_counts.shape[1]):
        total += genre_counts[w, g]
    entropy = 0.0
    for g in range(genre_counts.shape[1]):
        if genre_counts[w, g] > 0:
            p = genre_counts[w, g] / total
            entropy -= p * np.log(p)
    diversity[w] = entropy
    x = shown[:n]
    total, weighted = 0.0, 0.0
    if n <= 64:
        for i in range(n):
            total += x[i]
            for j in range(i):
                weighted += abs(x[i] - x[j])
    else:
        x.sort()
        for i in range(n):
            total += x[i]
            weighted += (2 * (i + 1) - n - 1) * x[i]
    gini_out[w] = weighted / (n * total) if n > 0 and total > 0 else 0.0


SUMMARY_ARGS = summarise_world.py_func.__code__.co_argcount - 2
"""How many arguments :func:`summarise_world` takes after ``w`` and ``stepping``."""


@njit(cache=True)
def summarise_worlds(*args):
    """:func:`summarise_world` for every world of a batch (``args`` its arguments after ``w``), without a
    round (the batched step calls it after each world's round)."""
    for w in range(args[0].size):
        summarise_world(w, *args)
