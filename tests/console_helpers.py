"""The console as its users meet it: a real uvicorn process on a free port, a users file
made with the real ``console add-user``, HTTP clients that log in through the form."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import free_port, wait_http

CMD = [sys.executable, "-m", "monitor.cli"]
PASSWORD = "correct-horse-battery"
USERS = {"王组长": ("lead", ()), "李主管": ("supervisor", ("售后",)), "张主管": ("supervisor", ()),
         "只读": ("viewer", ())}


def make_users(tmp: Path) -> Path:
    users, password = tmp / "users.json", tmp / "password"
    password.write_text(PASSWORD, encoding="utf-8")
    for name, (role, queues) in USERS.items():
        args = [a for q in queues for a in ("--queue", q)]
        subprocess.run([*CMD, "console", "add-user", name, "--role", role, "--users", str(users),
                        "--password-file", str(password), *args], check=True, capture_output=True,
                       timeout=60)
    return users


def token(users: Path, name: str) -> str:
    out = subprocess.run([*CMD, "console", "token", name, "--users", str(users)], check=True,
                         capture_output=True, text=True, timeout=60)
    return out.stdout.strip().splitlines()[-1]


class ConsoleServer:
    def __init__(self, store: str, users: Path, tmp: Path, extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (tmp / f"console-{self.port}.log").open("wb")
        env = {**os.environ, "CONSOLE_SECRET": "test-session-secret-0123456789"}
        self.proc = subprocess.Popen([*CMD, "console", "--store", store, "--users", str(users),
                                      "--port", str(self.port), "--session-secret", "env:CONSOLE_SECRET",
                                      *extra],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_http(self.url + "/healthz")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()


def login(base: str, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=20)
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, page.text
    answer = client.post("/login", data={"username": name, "password": password,
                                         "csrf_token": csrf.group(1), "next": "/"})
    assert answer.status_code == 303, answer.text
    return client


def page_csrf(client: httpx.Client, path: str = "/") -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def wait_for(predicate, timeout_s: float = 20.0, step_s: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(step_s)


def cli_json(*args: str) -> list[dict]:  # type: ignore[type-arg]
    out = subprocess.run([*CMD, *args, "--format", "json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [json.loads(x) for x in out.stdout.splitlines()]
