"""deploy/: alert rules with promtool, Alertmanager config with amtool, and the container
and Kubernetes files against their schemas (no container engine runs on these machines)."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from monitor.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
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


# --- container and Kubernetes files, against their schemas ---------------------------------
def _yaml_docs(path: Path) -> list[dict[str, Any]]:
    import yaml

    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _compose_errors(doc: dict[str, Any]) -> list[str]:
    # The Compose Specification schema, as shipped in docker-compose 1.29.2 (Apache-2.0).
    import jsonschema

    schema = json.loads((Path(__file__).parent / "schemas" / "compose_spec.json").read_text())
    return [f"{list(e.path)}: {e.message}"
            for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]


def test_compose_file_matches_the_compose_schema() -> None:
    doc = _yaml_docs(DEPLOY / "docker-compose.yml")[0]
    assert _compose_errors(doc) == []
    assert {"kafka", "postgres", "monitor", "prometheus", "alertmanager", "grafana"} <= set(doc["services"])
    broken = json.loads(json.dumps(doc))
    broken["services"]["monitor"]["ports"] = {"metrics": 9108}
    assert _compose_errors(broken)  # the check can fail


def _monitor_args(args: list[str]) -> argparse.Namespace:
    expanded = [a.replace("$(STORE_URL)", "postgresql://x@db/monitor") for a in args]
    return build_parser().parse_args(expanded)


def test_compose_and_kubernetes_run_the_monitor_with_valid_arguments() -> None:
    compose = _yaml_docs(DEPLOY / "docker-compose.yml")[0]
    args = _monitor_args(compose["services"]["monitor"]["command"])
    assert args.kafka_bootstrap and args.metrics_port == 9108 and args.alertmanager_url
    deployment = next(d for d in _yaml_docs(DEPLOY / "kubernetes" / "support-monitor.yaml")
                      if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    args = _monitor_args(container["args"])
    assert args.group and args.flags_topic and args.playbook and args.models_dir
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["metrics"] == args.metrics_port
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_the_monitors_metrics_ask_for_a_token_and_no_secret_is_an_argument() -> None:
    compose = _yaml_docs(DEPLOY / "docker-compose.yml")[0]
    service = compose["services"]["monitor"]
    args = _monitor_args(service["command"])
    assert args.metrics_host == "0.0.0.0" and args.metrics_token.startswith("file:/run/secrets/")
    assert not args.store and "SUPPORT_MONITOR_STORE" in service["environment"]
    for name, other in compose["services"].items():  # the host publishes on loopback only
        assert all(str(p).startswith("127.0.0.1:") for p in other.get("ports", [])), name
    prometheus = _yaml_docs(DEPLOY / "prometheus" / "prometheus.yml")[0]
    job = next(j for j in prometheus["scrape_configs"] if j["job_name"] == "support-monitor")
    assert job["authorization"]["credentials_file"].endswith("monitor-metrics-token")
    docs = _yaml_docs(DEPLOY / "kubernetes" / "support-monitor.yaml")
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    args = _monitor_args(container["args"])
    assert args.metrics_host == "0.0.0.0" and args.metrics_token == "env:METRICS_TOKEN"
    assert any(e["name"] == "METRICS_TOKEN" and "secretKeyRef" in e["valueFrom"] for e in container["env"])
    [endpoint] = next(d for d in docs if d["kind"] == "PodMonitor")["spec"]["podMetricsEndpoints"]
    assert endpoint["authorization"]["credentials"]["key"] == "metrics-token"


def test_compose_and_kubernetes_run_the_console_safely() -> None:
    compose = _yaml_docs(DEPLOY / "docker-compose.yml")[0]
    service = compose["services"]["console"]
    args = build_parser().parse_args(service["command"])
    assert args.command == "console" and args.session_secret.startswith("file:")
    assert service["ports"] == ["127.0.0.1:8080:8080"]  # the host publishes it on loopback only
    assert "SUPPORT_MONITOR_STORE" in service["environment"] and not args.store
    console = next(d for d in _yaml_docs(DEPLOY / "kubernetes" / "support-monitor.yaml")
                   if d["kind"] == "Deployment" and d["metadata"]["name"] == "support-monitor-console")
    container = console["spec"]["template"]["spec"]["containers"][0]
    args = build_parser().parse_args(container["args"])
    assert args.secure_cookies and args.session_secret.startswith("file:") and not args.store
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_compose_and_kubernetes_run_ingest_with_secrets_from_files() -> None:
    compose = _yaml_docs(DEPLOY / "docker-compose.yml")[0]
    service = compose["services"]["ingest"]
    args = build_parser().parse_args(service["command"])
    assert args.command == "ingest" and args.to_kafka and args.topic == "support.messages"
    assert args.chatwoot_secret.startswith("file:") and args.events_token.startswith("file:")
    assert service["ports"] == ["127.0.0.1:8090:8090"]
    assert set(service["secrets"]) <= set(compose["secrets"])
    ingest = next(d for d in _yaml_docs(DEPLOY / "kubernetes" / "support-monitor.yaml")
                  if d["kind"] == "Deployment" and d["metadata"]["name"] == "support-monitor-ingest")
    container = ingest["spec"]["template"]["spec"]["containers"][0]
    args = build_parser().parse_args(container["args"])
    secrets = [v for k, v in vars(args).items() if k.endswith(("_secret", "_token", "_key")) and v]
    assert secrets and all(v.startswith(("file:", "env:")) for v in secrets)
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["ports"][0]["containerPort"] == args.port


def test_kubernetes_manifests_match_the_kubernetes_schemas() -> None:
    import kubernetes_validate

    docs = _yaml_docs(DEPLOY / "kubernetes" / "support-monitor.yaml")
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "ConfigMap", "PodMonitor", "CronJob"} <= kinds
    version = kubernetes_validate.latest_version()
    for doc in docs:
        if doc["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # a CRD of the Prometheus Operator: checked by hand below
        kubernetes_validate.validate(doc, version, strict=True)
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    monitor = next(d for d in docs if d["kind"] == "PodMonitor")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert labels[monitor["spec"]["jobLabel"]] == "support-monitor"  # up{job="support-monitor"}
    port_names = {p["name"] for c in deployment["spec"]["template"]["spec"]["containers"]
                  for p in c["ports"]}
    assert all(e["port"] in port_names for e in monitor["spec"]["podMetricsEndpoints"])
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, version, strict=True)


def test_report_cronjob_runs_a_valid_report_command() -> None:
    job = next(d for d in _yaml_docs(DEPLOY / "kubernetes" / "support-monitor.yaml")
               if d["kind"] == "CronJob")
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    args = _monitor_args(container["args"])
    assert args.command == "report" and args.action == "weekly" and args.mail_to
    assert {"SMTP_HOST", "SMTP_PASSWORD"} <= {e["name"] for e in container["env"]}


def test_playbook_configmap_is_a_valid_playbook(tmp_path: Path) -> None:
    from monitor.steps.playbook.file import load

    config = next(d for d in _yaml_docs(DEPLOY / "kubernetes" / "support-monitor.yaml")
                  if d["kind"] == "ConfigMap")
    path = tmp_path / "playbook.yaml"
    path.write_text(config["data"]["playbook.yaml"], encoding="utf-8")
    assert load(str(path)).settings.first_reply_target_s == 60


def test_prometheus_config_checks(tmp_path: Path) -> None:
    text = (DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8")
    text = text.replace("/etc/prometheus/rules/", str(RULES) + "/")
    (tmp_path / "console-token").write_text("smc_a-token")  # mounted from a secret in production
    text = text.replace("/etc/prometheus/console-token", str(tmp_path / "console-token"))
    (tmp_path / "monitor-metrics-token").write_text("a-token")
    text = text.replace("/etc/prometheus/monitor-metrics-token", str(tmp_path / "monitor-metrics-token"))
    config = tmp_path / "prometheus.yml"
    config.write_text(text, encoding="utf-8")
    proc = run("promtool", "check", "config", str(config))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_grafana_provisioning_matches_the_dashboards() -> None:
    from monitor.ops import dashboards

    sources = _yaml_docs(DEPLOY / "grafana" / "provisioning" / "datasources" / "datasources.yml")[0]
    uids = {d["uid"]: d["type"] for d in sources["datasources"]}
    used = {(p["datasource"]["uid"], p["datasource"]["type"])
            for b in dashboards.all_dashboards().values() for p in b["panels"]}
    assert used <= set(uids.items())
    provider = _yaml_docs(DEPLOY / "grafana" / "provisioning" / "dashboards" / "dashboards.yml")[0]
    path = provider["providers"][0]["options"]["path"]
    compose = _yaml_docs(DEPLOY / "docker-compose.yml")[0]
    assert f"../dashboards:{path}:ro" in compose["services"]["grafana"]["volumes"]


def test_dockerfile_runs_the_monitor_as_a_non_root_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11" in text and "USER monitor" in text
    assert 'ENTRYPOINT ["support-monitor"]' in text and "EXPOSE 9108" in text
    for path in re.findall(r"^COPY (?!--from)(\S+)", text, re.M):
        assert (REPO / path).exists(), path
