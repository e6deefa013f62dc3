"""The ``recogym-eco`` command: one entry point with a sub-command per script of ``recogym_eco.train``.

    recogym-eco evaluate --preset default --seeds 5 --policies NoSignal MostHistoryClick LoRe
    recogym-eco train --preset skewed --timesteps 400000
    recogym-eco competition --preset toy
    recogym-eco market --scale 0.1 --runs 10

``recogym-eco SUB --help`` shows a sub-command's options. The scripts need the ``agents`` extra.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "evaluate": ("recogym_eco.train.evaluation", "evaluate platform policies over seeds (CSV, table, plots)"),
    "train": ("recogym_eco.train.train_lore", "train LoRe (PPO) and evaluate it against the baselines"),
    "competition": ("recogym_eco.train.competition_experiment", "ContentCompetition figures of seed 000"),
    "findings-v1": ("recogym_eco.train.creator_suggestion_v1_findings",
                    "CreatorSuggestion-v1: the LoRe paper's findings, checked with paired CIs"),
    "feedback": ("recogym_eco.train.feedback_experiment", "UserDynamics: RecLab feedback-loop protocol (seed 002, Ch. 2)"),
    "exposure": ("recogym_eco.train.exposure_experiment", "ExposureGame: temperature audit (seed 002, Ch. 5)"),
    "market": ("recogym_eco.train.market_experiment", "TrialOfferMarket: Figure 2 of seed 004"),
}


def _usage() -> str:
    lines = ["usage: recogym-eco {" + ",".join(COMMANDS) + "} [options]", "", "commands:"]
    lines += [f"  {name:<12} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatches ``argv[0]`` to the ``main(argv[1:])`` of its script; returns the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0
    if args[0] not in COMMANDS:
        print(f"recogym-eco: unknown command {args[0]!r}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[args[0]][0])
    sys.argv = [f"recogym-eco {args[0]}", *args[1:]]
    module.main(args[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
