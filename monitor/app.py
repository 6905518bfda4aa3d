"""Wiring only: build the source, pipeline steps and sinks from the ``Config``."""

from __future__ import annotations

from collections.abc import Callable

from monitor.config import Config
from monitor.errors import UsageError
from monitor.pipeline import Pipeline
from monitor.playbook import Playbook
from monitor.runner import Runner, RunStats
from monitor.scoring import RuleScorer
from monitor.sinks import DeadLetterFile, FlagsFile, ScoresFile, Sink, StoreSink
from monitor.sources import JsonLinesSource
from monitor.state import ConversationStates
from monitor.store import Store


def build_pipeline(config: Config) -> Pipeline:
    return Pipeline(
        scorer=RuleScorer(config.playbook.lexicon),
        states=ConversationStates(ttl_ms=config.conversation_ttl_s * 1000,
                                  calm_threshold=config.playbook.settings.calm),
        playbook=Playbook(config.playbook.settings),
    )


def build_sinks(config: Config, extra: list[Sink] | None = None) -> list[Sink]:
    sinks: list[Sink] = []
    try:
        if config.flags_out:
            sinks.append(FlagsFile(config.flags_out))
        if config.scores_out:
            sinks.append(ScoresFile(config.scores_out))
        if config.dead_letter_out:
            sinks.append(DeadLetterFile(config.dead_letter_out))
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename}: {exc.strerror}") from None
    if config.store_url:
        sinks.append(StoreSink(Store(config.store_url)))
    return sinks + (extra or [])


def run(config: Config, extra_sinks: list[Sink] | None = None,
        on_batch: Callable[[RunStats], None] | None = None) -> RunStats:
    """Run the main job on a JSON Lines file or stdin until the input ends."""
    try:
        source = JsonLinesSource(config.input_path)
    except OSError as exc:
        raise UsageError(f"cannot read input {config.input_path}: {exc.strerror}") from None
    sinks = build_sinks(config, extra_sinks)
    runner = Runner(source, build_pipeline(config), sinks, config.batch_size, on_batch)
    try:
        return runner.run()
    finally:
        for sink in sinks:
            sink.close()
        source.close()
