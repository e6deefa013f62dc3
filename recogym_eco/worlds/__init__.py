"""Simulation cores: one per scenario, shared by that scenario's Gymnasium and PettingZoo faces."""
