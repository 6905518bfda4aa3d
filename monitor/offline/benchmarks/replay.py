"""Benchmark: replay a large real stream through the full pipeline (not a test).

Turns the JDDC sample (real JD.com chats) into events, repeats it with fresh
conversation ids, and replays it through `support-monitor run` wiring (file source,
every step, flags/scores files and the store, SQLite or PostgreSQL). Or the flag-heavy
stream of issue #19 (clue_valid: every message its own conversation, waiting for a reply).
Prints throughput, peak memory, memory per open conversation, and the ratio to a bare
orjson.loads loop over the same lines in the same process.

    python -m monitor.offline.benchmarks.replay --runs 3 [--stream flag-heavy] [--store postgresql://…]
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


def make_flag_heavy(data: Path, out: Path) -> tuple[int, int]:
    """Every customer message opens its own conversation and waits for a reply (issue #19):
    the short Weibo-length texts of ``clue_valid``, one per conversation, 1 s apart."""
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for line in data.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            fh.write(json.dumps({"conversation_id": f"f{n}", "message_id": "m1", "ts": T0 + n * 1000,
                                 "role": "customer", "text": text or "…", "channel": "chat"},
                                ensure_ascii=False) + "\n")
            n += 1
    return n, n


def bare_loop(path: Path) -> float:
    """A bare ``orjson.loads`` loop over the same lines: the floor any JSON Lines consumer pays."""
    import orjson

    started = time.perf_counter()
    count = 0
    with path.open("rb") as fh:
        for line in fh:
            orjson.loads(line)
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


def _empty(url: str) -> None:
    from sqlalchemy import text

    from monitor.io.store import Store

    store = Store(url)
    with store.engine.begin() as conn:
        for table in ("flag_actions", "missed_reports", "flags", "messages"):
            conn.execute(text(f"DELETE FROM {table}"))
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/dialogues/jddc2019_sample.jsonl"))
    ap.add_argument("--stream", choices=("jddc", "flag-heavy"), default="jddc",
                    help="flag-heavy: clue_valid, one customer message per conversation (--data ignored)")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--store", help="store URL (default: a new SQLite file); e.g. postgresql://…")
    ap.add_argument("--runs", type=int, default=1, help="measure this many times")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        events_path = Path(tmp) / "events.jsonl"
        if args.stream == "flag-heavy":
            clue = args.data.parent.parent / "emotion" / "clue_valid.jsonl"
            n_events, n_conv = make_flag_heavy(clue, events_path)
        else:
            n_events, n_conv = make_stream(args.data, args.repeat, events_path)
        print(f"stream {args.stream}: {n_events:,} events, {n_conv:,} conversations "
              f"({events_path.stat().st_size / 1e6:.1f} MB)")
        models = load_models()
        processing = ProcessingConfig(conversation_ttl_s=3600)
        source = SourceConfig(input_path=str(events_path), batch_size=args.batch_size)
        for run in range(1, args.runs + 1):
            baseline = bare_loop(events_path)
            store = args.store or str(Path(tmp) / f"store-{run}.db")
            if args.store:
                _empty(store)  # the replay stores nothing twice: each run starts from empty tables
            outputs = OutputConfig(flags_out=str(Path(tmp) / f"flags-{run}.jsonl"),
                                   scores_out=str(Path(tmp) / f"scores-{run}.jsonl"), store_url=store)
            stats = app.run(RunConfig(source, outputs, processing, models))
            no_store = app.run(RunConfig(source, OutputConfig(flags_out=None, store_url=None),
                                         processing, models))
            kind = store.split(":")[0] if args.store else "sqlite"
            print(f"run {run}: full pipeline + files + store ({kind}): {stats.rate:,.0f} messages/s "
                  f"({stats.messages:,} messages, {sum(stats.flags.values()):,} flags, "
                  f"{stats.elapsed_s:.1f} s); steps only {no_store.rate:,.0f}/s; bare orjson.loads "
                  f"{baseline:,.0f} lines/s; ratio full / bare {stats.rate / baseline:.3f}, "
                  f"steps only / bare {no_store.rate / baseline:.3f}")
        per_conv, open_conv = memory_per_conversation(events_path, limit=50_000)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {peak_mb:,.0f} MB; memory per open conversation: {per_conv / 1024:.1f} KiB "
              f"(tracemalloc, {open_conv:,} conversations open)")


if __name__ == "__main__":
    main()
