"""Benchmark: replay a large real stream through the full pipeline (not a test).

Turns the JDDC sample (real JD.com chats) into events, repeats it with fresh
conversation ids, and replays it through `support-monitor run` wiring (file source,
every step, flags/scores files and the SQLite store). Prints throughput, peak memory,
memory per open conversation, and the ratio to a bare json.loads loop over the same
lines in the same process (the floor any JSON Lines consumer pays).

    python -m monitor.offline.benchmarks.replay --data ../shared/data/dialogues/jddc2019_sample.jsonl
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from monitor import app
from monitor.config import OutputConfig, ProcessingConfig, RunConfig, SourceConfig
from monitor.models.bundle import load_models
from monitor.records.events import RawRecord

T0 = 1_794_790_800_000


def make_stream(data: Path, repeat: int, out: Path) -> tuple[int, int]:
    """Write the events file; return (events, conversations)."""
    dialogues = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    n_events = n_conv = 0
    with out.open("w", encoding="utf-8") as fh:
        for r in range(repeat):
            for i, d in enumerate(dialogues):
                n_conv += 1
                start = T0 + (r * len(dialogues) + i) * 20_000  # a new conversation every 20 s
                for j, turn in enumerate(d["turns"]):
                    fh.write(json.dumps({
                        "conversation_id": f"{d['id'][:16]}-{r}", "message_id": f"m{j}",
                        "ts": start + j * 30_000, "role": turn["role"], "text": turn["text"] or "…",
                        "channel": "chat", "queue": "jd",
                    }, ensure_ascii=False) + "\n")
                    n_events += 1
    return n_events, n_conv


def bare_loop(path: Path) -> float:
    started = time.perf_counter()
    count = 0
    with path.open("rb") as fh:
        for line in fh:
            json.loads(line)
            count += 1
    return count / (time.perf_counter() - started)


def memory_per_conversation(path: Path, limit: int) -> tuple[float, int]:
    """Traced bytes held by conversation state per open conversation (no expiry), with
    the shipped models (the risk model's text numbers live in the state too)."""
    pipeline = app.build_pipeline(ProcessingConfig(conversation_ttl_s=10**9), load_models())
    lines = path.read_bytes().splitlines()[:limit]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for k in range(0, len(lines), 500):
        pipeline.process([RawRecord(x, "bench", k + i) for i, x in enumerate(lines[k:k + 500])])
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held / max(len(pipeline.states), 1), len(pipeline.states)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/dialogues/jddc2019_sample.jsonl"))
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        events_path = Path(tmp) / "events.jsonl"
        n_events, n_conv = make_stream(args.data, args.repeat, events_path)
        print(f"stream: {n_events:,} events, {n_conv:,} conversations "
              f"({args.data.name} x{args.repeat}, {events_path.stat().st_size / 1e6:.1f} MB)")
        baseline = bare_loop(events_path)
        models = load_models()
        processing = ProcessingConfig(conversation_ttl_s=3600)
        source = SourceConfig(input_path=str(events_path), batch_size=args.batch_size)
        stats = app.run(RunConfig(source, OutputConfig(
            flags_out=str(Path(tmp) / "flags.jsonl"), scores_out=str(Path(tmp) / "scores.jsonl"),
            store_url=str(Path(tmp) / "store.db")), processing, models))
        no_store = app.run(RunConfig(source, OutputConfig(flags_out=None, store_url=None),
                                     processing, models))
        per_conv, open_conv = memory_per_conversation(events_path, limit=50_000)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"full pipeline + files + SQLite store: {stats.rate:,.0f} messages/s "
              f"({stats.messages:,} messages, {sum(stats.flags.values()):,} flags, "
              f"{stats.elapsed_s:.1f} s)")
        print(f"pipeline steps only (no sinks):       {no_store.rate:,.0f} messages/s")
        print(f"bare json.loads loop (baseline):      {baseline:,.0f} lines/s")
        print(f"ratio full / baseline: {stats.rate / baseline:.3f}; "
              f"steps only / baseline: {no_store.rate / baseline:.3f}")
        print(f"peak RSS: {peak_mb:,.0f} MB")
        print(f"memory per open conversation: {per_conv / 1024:.1f} KiB "
              f"(tracemalloc, {open_conv:,} conversations open, ~12 messages each)")


if __name__ == "__main__":
    main()
