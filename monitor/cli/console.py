"""``support-monitor console`` (serve), ``console add-user``, ``console token``."""

from __future__ import annotations

import argparse
import getpass
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.cli.common import read_secret, store_arg
from monitor.config import default_store
from monitor.console.auth import ProxyAuth
from monitor.console.users import Users
from monitor.records.errors import UsageError


def main(args: argparse.Namespace) -> int:
    if args.console_action == "add-user":
        return _add_user(args)
    if args.console_action == "token":
        users = Users.load(args.users)
        token = users.new_token(args.name)
        users.save(args.users)
        print(f"a new API token for {args.name} (shown once; keep it in a secret store):")
        print(token)
        return 0
    return _serve(args)


def _add_user(args: argparse.Namespace) -> int:
    users = Users.load(args.users) if Path(args.users).exists() else Users({})
    if args.password_file:
        password = read_secret(f"file:{args.password_file}", "--password-file")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise UsageError("the two passwords differ")
    user = users.add(args.name, args.role, password, tuple(args.queue))
    users.save(args.users)
    print(f"{user.name}: {user.role}" + (f", queues {', '.join(user.queues)}" if user.queues else "")
          + f" (in {args.users})")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from monitor.console.app import create_app
    from monitor.console.state import ConsoleSettings
    from monitor.io.store import store_url
    from monitor.io.store.store import shown_url

    if args.trusted_proxy_header and not args.trusted_proxy:
        raise UsageError("--trusted-proxy-header needs --trusted-proxy ADDRESS (the proxy's own address)")
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {args.timezone!r}") from None
    secret = (read_secret(args.session_secret, "--session-secret") if args.session_secret
              else secrets.token_urlsafe(32))
    settings = ConsoleSettings(
        store_url=store_arg(args.store) or default_store(), users_file=args.users, session_secret=secret,
        host=args.host, port=args.port, secure_cookies=args.secure_cookies, playbook_path=args.playbook,
        timezone=args.timezone,
        proxy=ProxyAuth(args.trusted_proxy_header, frozenset(args.trusted_proxy))
        if args.trusted_proxy_header else None)
    app = create_app(settings)
    shown = shown_url(store_url(settings.store_url))
    print(f"support-monitor console on http://{args.host}:{args.port}/ (store {shown})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=args.access_log,
                proxy_headers=False, server_header=False)
    return 0
