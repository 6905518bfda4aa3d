"""Wiring only: build the source, the pipeline steps, the stream processor and the sinks
from the ``RunConfig``. The one place where the layers meet (``docs/architecture.md``)."""

from __future__ import annotations

from collections.abc import Callable

from monitor.config import OutputConfig, ProcessingConfig, RunConfig
from monitor.io.kafka_sinks import DeadLetterTopic, FlagsTopic, make_producer
from monitor.io.kafka_source import KafkaSource
from monitor.io.sinks import DeadLetterFile, FlagsFile, ScoresFile, Sink, StoreSink
from monitor.io.sources import JsonLinesSource, Source
from monitor.io.store import Store
from monitor.models import encoder
from monitor.models.bundle import ModelBundle
from monitor.ops.alerts import AlertSink
from monitor.ops.endpoints import Endpoints, Health
from monitor.ops.metrics import Metrics
from monitor.records.errors import UsageError
from monitor.records.results import BatchResult
from monitor.steps.model_scoring import Cascade, build_scorer, scorer_name
from monitor.steps.parse import ParseLimits
from monitor.steps.pipeline import Limits, Pipeline
from monitor.steps.playbook.engine import Playbook
from monitor.steps.playbook.file import PlaybookFile
from monitor.steps.risk import RiskFn, conversation_risk
from monitor.steps.state import ConversationStates
from monitor.stream.partitions import PartitionedRunner
from monitor.stream.runner import Runner, RunStats


def build_pipeline(processing: ProcessingConfig, models: ModelBundle | None = None) -> Pipeline:
    models = models or ModelBundle()
    risk: RiskFn = models.risk or conversation_risk
    book = processing.playbook
    return Pipeline(
        scorer=build_scorer(book.lexicon, models.anger, models.support,
                            models.risk.text if models.risk else None, models.reply,
                            _cascade(models, book)),
        states=ConversationStates(ttl_ms=processing.conversation_ttl_s * 1000,
                                  calm_threshold=book.settings.calm,
                                  reply_threshold=book.settings.reply_expected),
        playbook=Playbook(book.settings, risk, book.channels, book.queues),
        risk=risk,
        limits=Limits(parse_limits(processing), processing.max_skew_s * 1000),
    )


def parse_limits(processing: ProcessingConfig) -> ParseLimits:
    if processing.id_key is None:
        return ParseLimits(processing.max_text_chars)
    return ParseLimits(processing.max_text_chars, processing.id_key)


def _cascade(models: ModelBundle, book: PlaybookFile) -> Cascade | None:
    """The encoder's band: around every anger threshold a flag reads (all channels)."""
    if models.encoder is None:
        return None
    highs = [s.anger_high for s in (book.settings, *book.channels.values(), *book.queues.values())]
    return Cascade(models.encoder, min(highs) - encoder.MARGIN, max(highs) + encoder.MARGIN)


def build_sinks(outputs: OutputConfig, extra: list[Sink] | None = None) -> list[Sink]:
    sinks: list[Sink] = []
    try:
        if outputs.flags_out:
            sinks.append(FlagsFile(outputs.flags_out, outputs.overwrite))
        if outputs.scores_out:
            sinks.append(ScoresFile(outputs.scores_out, outputs.overwrite))
        if outputs.dead_letter_out:
            sinks.append(DeadLetterFile(outputs.dead_letter_out, outputs.dead_letter_raw,
                                        outputs.overwrite))
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename}: {exc.strerror}") from None
    if outputs.store_url:
        sinks.append(StoreSink(Store(outputs.store_url)))
    return sinks + (extra or [])


def start_endpoints(outputs: OutputConfig, metrics: Metrics, health: Health) -> Endpoints:
    port = outputs.metrics_port or 0
    try:
        return Endpoints(metrics.registry, health, port, outputs.metrics_host,
                         outputs.metrics_token).start()
    except OSError as exc:
        raise UsageError(f"cannot serve metrics on port {port}: {exc.strerror}") from None


def run(config: RunConfig, extra_sinks: list[Sink] | None = None,
        on_batch: Callable[[RunStats], None] | None = None,
        metrics: Metrics | None = None) -> RunStats:
    """Run the main job: a JSON Lines file or stdin until it ends, or Kafka until SIGTERM."""
    outputs, models, processing = config.outputs, config.models, config.processing
    health = Health()
    if metrics is None and outputs.metrics_port is not None:
        metrics = Metrics()
    kafka = config.source.kafka
    source: Source
    make_runner: Callable[[list[Sink]], Runner]
    if kafka is None:
        path = config.source.input_path or "-"
        try:
            source = lines = JsonLinesSource(path, follow=config.source.follow)
        except OSError as exc:
            raise UsageError(f"cannot read input {path}: {exc.strerror}") from None
        health.set_ready(True)  # a file or stdin needs no assignment or state rebuild

        def make_runner(sinks: list[Sink]) -> Runner:
            pipeline = build_pipeline(processing, models)
            return Runner(lines, pipeline, sinks, config.source.batch_size, on_batch=on_batch,
                          observe=_observer(metrics, pipeline.open_conversations),
                          heartbeat=health.beat)
    else:
        source = consumer = KafkaSource(kafka)

        def make_runner(sinks: list[Sink]) -> Runner:
            runner = PartitionedRunner(consumer, lambda: build_pipeline(processing, models), sinks,
                                       config.source.batch_size, config.source.rebuild_window_s,
                                       set_ready=health.set_ready,
                                       on_batch=on_batch, heartbeat=health.beat)
            runner.observe = _observer(metrics, runner.partitions.open_conversations, consumer.lag)
            return runner
    closers: list[Callable[[], None]] = [source.close]
    try:
        if metrics is not None:
            metrics.describe(scorer_name(models.anger, models.support, models.reply),
                             processing.playbook.source, processing.playbook.sha256,
                             models.risk.name if models.risk else "rules-v1")
            if outputs.metrics_port is not None:
                closers.append(start_endpoints(outputs, metrics, health).close)
        sinks = build_sinks(outputs, extra_sinks)
        if kafka is not None and (outputs.flags_topic or outputs.dead_letter_topic):
            producer = make_producer(kafka.client_options())
            closers.insert(0, producer.close)
            if outputs.flags_topic:
                sinks.append(FlagsTopic(producer, outputs.flags_topic))
            if outputs.dead_letter_topic:
                sinks.append(DeadLetterTopic(producer, outputs.dead_letter_topic,
                                             outputs.dead_letter_raw))
        if config.alerts is not None:
            sinks.append(AlertSink(config.alerts, metrics))
        closers[:0] = [s.close for s in sinks]  # sinks flush and close first
        return make_runner(sinks).run()
    finally:
        for close in closers:
            close()


def _observer(metrics: Metrics | None, open_conversations: Callable[[], int],
              lag: Callable[[], dict[tuple[str, int], int]] | None = None,
              ) -> Callable[[BatchResult, float], None] | None:
    if metrics is None:
        return None

    def observe(batch: BatchResult, written_s: float) -> None:
        metrics.observe(batch, written_s, open_conversations())
        if lag is not None:
            metrics.set_consumer_lag(lag())

    return observe
