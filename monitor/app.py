"""Wiring only: build the source, pipeline steps and sinks from the ``Config``."""

from __future__ import annotations

from collections.abc import Callable

from monitor.config import Config
from monitor.endpoints import Endpoints, Health
from monitor.errors import UsageError
from monitor.metrics import Metrics
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


def start_endpoints(config: Config, metrics: Metrics, health: Health) -> Endpoints | None:
    if config.metrics_port is None:
        return None
    try:
        return Endpoints(metrics.registry, health, config.metrics_port).start()
    except OSError as exc:
        raise UsageError(f"cannot serve metrics on port {config.metrics_port}: {exc.strerror}") from None


def run(config: Config, extra_sinks: list[Sink] | None = None,
        on_batch: Callable[[RunStats], None] | None = None,
        metrics: Metrics | None = None) -> RunStats:
    """Run the main job on a JSON Lines file or stdin until the input ends."""
    try:
        source = JsonLinesSource(config.input_path)
    except OSError as exc:
        raise UsageError(f"cannot read input {config.input_path}: {exc.strerror}") from None
    pipeline = build_pipeline(config)
    health = Health()
    if metrics is None and config.metrics_port is not None:
        metrics = Metrics()
    if metrics is not None:
        metrics.describe(pipeline.scorer.name, config.playbook.source, config.playbook.sha256)
    endpoints = start_endpoints(config, metrics, health) if metrics else None
    sinks = build_sinks(config, extra_sinks)
    observe = (None if metrics is None
               else lambda batch, read_at: metrics.observe(batch, read_at, len(pipeline.states)))
    runner = Runner(source, pipeline, sinks, config.batch_size, on_batch, observe, health.beat)
    health.set_ready(True)  # a file or stdin needs no assignment or state rebuild
    try:
        return runner.run()
    finally:
        for sink in sinks:
            sink.close()
        source.close()
        if endpoints:
            endpoints.close()
