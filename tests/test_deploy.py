"""deploy/: alert rules with promtool, Alertmanager config with amtool, and the container
and Kubernetes files against their schemas (no container engine runs on these machines)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
RULES = DEPLOY / "prometheus" / "rules"


def run(*cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    binary = shutil.which(cmd[0])
    if binary is None:
        raise RuntimeError(f"{cmd[0]} not found: run tests/run.sh, which installs it")
    return subprocess.run([binary, *cmd[1:]], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_promtool_check_rules() -> None:
    proc = run("promtool", "check", "rules", str(RULES / "support-monitor.yml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_promtool_test_rules() -> None:
    proc = run("promtool", "test", "rules", "support-monitor.test.yml", cwd=RULES)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_alert_has_a_runbook_and_a_test() -> None:
    import yaml

    rules = yaml.safe_load((RULES / "support-monitor.yml").read_text(encoding="utf-8"))
    tests = (RULES / "support-monitor.test.yml").read_text(encoding="utf-8")
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    assert len(alerts) >= 6
    for alert in alerts:
        assert len(alert["annotations"]["runbook"]) > 40, alert["alert"]
        assert alert["labels"]["severity"] in ("warning", "critical")
        assert f"alertname: {alert['alert']}" in tests, f"{alert['alert']} has no promtool test"


def test_amtool_check_config(tmp_path: Path) -> None:
    # The example refers to paths inside the container; point them at the repository.
    secret = tmp_path / "smtp-password"
    secret.write_text("x")
    text = (DEPLOY / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8")
    text = text.replace("/etc/alertmanager/templates/", str(DEPLOY / "alertmanager" / "templates") + "/")
    text = text.replace("/etc/alertmanager/secrets/smtp-password", str(secret))
    config = tmp_path / "alertmanager.yml"
    config.write_text(text, encoding="utf-8")
    proc = run("amtool", "check-config", str(config))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 inhibit rules" in proc.stdout


@pytest.mark.parametrize("broken", ["expr: sum(", "for: ten minutes"])
def test_promtool_catches_a_broken_rule(tmp_path: Path, broken: str) -> None:
    text = (RULES / "support-monitor.yml").read_text(encoding="utf-8")
    key = broken.split(":")[0]
    first = next(line for line in text.splitlines() if line.strip().startswith(f"{key}:"))
    bad = tmp_path / "bad.yml"
    bad.write_text(text.replace(first, first[: len(first) - len(first.lstrip())] + broken, 1))
    assert run("promtool", "check", "rules", str(bad)).returncode != 0
