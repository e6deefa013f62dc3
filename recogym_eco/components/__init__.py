"""Vectorised building blocks of the simulated worlds: users, creators, items, ranking, metrics."""
