"""Wiring only: build the source, pipeline steps and sinks from the ``Config``."""

from __future__ import annotations

from collections.abc import Callable

from monitor.alerts import AlertSink
from monitor.config import Config
from monitor.endpoints import Endpoints, Health
from monitor.errors import UsageError
from monitor.kafka_sinks import DeadLetterTopic, FlagsTopic, make_producer
from monitor.kafka_source import KafkaSource
from monitor.metrics import Metrics
from monitor.partitions import PartitionedPipeline
from monitor.pipeline import BatchResult, Pipeline, Processor
from monitor.playbook import Playbook
from monitor.risk import RiskFn, conversation_risk
from monitor.runner import Runner, RunStats
from monitor.scoring import build_scorer, scorer_name
from monitor.sinks import DeadLetterFile, FlagsFile, ScoresFile, Sink, StoreSink
from monitor.sources import JsonLinesSource, Source
from monitor.state import ConversationStates
from monitor.store import Store


def build_pipeline(config: Config) -> Pipeline:
    risk: RiskFn = config.risk_model or conversation_risk
    return Pipeline(
        scorer=build_scorer(config.playbook.lexicon, config.anger_model, config.support_model),
        states=ConversationStates(ttl_ms=config.conversation_ttl_s * 1000,
                                  calm_threshold=config.playbook.settings.calm),
        playbook=Playbook(config.playbook.settings, risk),
        risk=risk,
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
    """Run the main job: a JSON Lines file or stdin until it ends, or Kafka until SIGTERM."""
    health = Health()
    if metrics is None and config.metrics_port is not None:
        metrics = Metrics()
    processor: Processor
    if config.kafka is None:
        try:
            source: Source = JsonLinesSource(config.input_path)
        except OSError as exc:
            raise UsageError(f"cannot read input {config.input_path}: {exc.strerror}") from None
        processor = build_pipeline(config)
    else:
        processor = PartitionedPipeline(lambda: build_pipeline(config))
        source = KafkaSource(config.kafka, processor, health)
    closers: list[Callable[[], None]] = [source.close]
    try:
        if metrics is not None:
            metrics.describe(scorer_name(config.anger_model, config.support_model),
                             config.playbook.source, config.playbook.sha256,
                             config.risk_model.name if config.risk_model else "rules-v1")
            endpoints = start_endpoints(config, metrics, health)
            if endpoints is not None:
                closers.append(endpoints.close)
        sinks = build_sinks(config, extra_sinks)
        if config.kafka is not None and (config.flags_topic or config.dead_letter_topic):
            producer = make_producer(config.kafka.client_options())
            closers.insert(0, producer.close)
            if config.flags_topic:
                sinks.append(FlagsTopic(producer, config.flags_topic))
            if config.dead_letter_topic:
                sinks.append(DeadLetterTopic(producer, config.dead_letter_topic))
        if config.alerts is not None:
            sinks.append(AlertSink(config.alerts, metrics))
        closers[:0] = [s.close for s in sinks]  # sinks flush and close first
        runner = Runner(source, processor, sinks, config.batch_size, on_batch,
                        _observer(metrics, processor, source), health.beat)
        if config.kafka is None:
            health.set_ready(True)  # a file or stdin needs no assignment or state rebuild
        return runner.run()
    finally:
        for close in closers:
            close()


def _observer(metrics: Metrics | None, processor: Processor,
              source: Source) -> Callable[[BatchResult, float], None] | None:
    if metrics is None:
        return None

    def observe(batch: BatchResult, written_s: float) -> None:
        metrics.observe(batch, written_s, processor.open_conversations())
        if isinstance(source, KafkaSource):
            metrics.set_consumer_lag(source.lag())

    return observe
