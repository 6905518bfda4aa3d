"""The console's settings and the state its handlers share (one per process)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from monitor.console.auth import Auth, LoginThrottle, ProxyAuth
from monitor.console.live import Changes
from monitor.console.metrics import ConsoleMetrics
from monitor.console.users import UsersFile
from monitor.console.views import clock, labels
from monitor.io.store import Store
from monitor.io.store.actions import FlagActions
from monitor.io.store.queries import Reader
from monitor.steps.playbook import file as playbook_file
from monitor.steps.playbook.file import PlaybookFile


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    store_url: str
    users_file: str
    session_secret: str = field(repr=False)
    host: str = "127.0.0.1"
    port: int = 8080
    secure_cookies: bool = False  # behind HTTPS: cookies only over HTTPS
    session_max_age_s: int = 12 * 3600
    proxy: ProxyAuth | None = None  # single sign-on header from a trusted proxy; off by default
    poll_interval_s: float = 0.5
    max_body_bytes: int = 64 * 1024
    playbook_path: str | None = None  # the monitor's playbook: thresholds for the review order
    timezone: str = "Asia/Shanghai"  # the floor's clock, for the times a page shows


@dataclass(slots=True)
class ConsoleState:
    settings: ConsoleSettings
    store: Store
    reader: Reader
    actions: FlagActions
    auth: Auth
    throttle: LoginThrottle
    changes: Changes
    metrics: ConsoleMetrics
    templates: Jinja2Templates
    playbook: PlaybookFile


def build_state(settings: ConsoleSettings) -> ConsoleState:
    store = Store(settings.store_url, create=False)
    reader = Reader(store)
    templates = Jinja2Templates(directory=str(resources.files("monitor") / "console" / "templates"))
    templates.env.globals.update(labels())
    zone = ZoneInfo(settings.timezone)
    templates.env.filters["clock"] = lambda ts_ms: clock(ts_ms, zone)
    return ConsoleState(settings, store, reader, FlagActions(store),
                        Auth(UsersFile(settings.users_file), settings.proxy), LoginThrottle(),
                        Changes(reader, settings.poll_interval_s), ConsoleMetrics(reader), templates,
                        playbook_file.load(settings.playbook_path))




def state_of(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state
