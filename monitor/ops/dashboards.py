"""Grafana dashboards, generated here (the one source of truth) and exported to
``dashboards/*.json`` by ``support-monitor dashboards export``.

- Floor live: what a floor supervisor watches: open escalations, anger by channel and
  queue, flags by kind, response times against the PLAYBOOK §3 targets, top reasons, and
  the open escalations themselves (masked excerpt, reasons, suggestion) from the store
  through Grafana's PostgreSQL datasource.
- Trends: this week against last week.
- Monitor health: throughput, latency, lag, errors, alert delivery.

Datasources are referred to by uid (``prometheus``, ``support-store``), as provisioned in
``deploy/grafana/provisioning``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROM = {"type": "prometheus", "uid": "prometheus"}
STORE = {"type": "grafana-postgresql-datasource", "uid": "support-store"}
SCHEMA_VERSION = 39

# The open escalations, newest first; text is stored masked (PLAYBOOK §5).
OPEN_ESCALATIONS_SQL = """\
SELECT f.ts AS "时间", f.severity AS "严重程度", f.channel AS "渠道", f.queue AS "队列",
       f.status AS "状态", f.excerpt AS "客户原话（已脱敏）",
       (SELECT string_agg(r->>'detail', '；') FROM json_array_elements(f.reasons::json) AS r)
         AS "原因",
       f.suggestion AS "建议", f.playbook_ref AS "依据"
FROM flags f
WHERE f.kind = 'escalate_supervisor' AND f.status <> 'resolved'
ORDER BY f.ts DESC
LIMIT 100"""


class _Board:
    def __init__(self, uid: str, title: str, description: str, tags: list[str]) -> None:
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.panels: list[dict[str, Any]] = []
        self._x = self._y = self._row_h = 0

    def add(self, panel: dict[str, Any], w: int, h: int) -> None:
        if self._x + w > 24:  # next row
            self._x, self._y, self._row_h = 0, self._y + self._row_h, 0
        panel["id"] = len(self.panels) + 1
        panel["gridPos"] = {"x": self._x, "y": self._y, "w": w, "h": h}
        self._x += w
        self._row_h = max(self._row_h, h)
        self.panels.append(panel)

    def json(self, refresh: str, time_from: str) -> dict[str, Any]:
        return {
            "uid": self.uid, "title": self.title, "description": self.description,
            "tags": ["support-monitor", *self.tags], "timezone": "browser",
            "schemaVersion": SCHEMA_VERSION, "version": 1, "editable": True,
            "refresh": refresh, "time": {"from": time_from, "to": "now"},
            "panels": self.panels, "templating": {"list": []}, "annotations": {"list": []},
        }


def _targets(*exprs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"refId": chr(ord("A") + i), "datasource": PROM, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(exprs)]


def _stat(title: str, expr: str, unit: str = "short", thresholds: list[float] | None = None,
          description: str = "") -> dict[str, Any]:
    steps: list[dict[str, Any]] = [{"color": "green", "value": None}]
    for value, color in zip(thresholds or [], ("orange", "red"), strict=False):
        steps.append({"color": color, "value": value})
    return {"type": "stat", "title": title, "description": description, "datasource": PROM,
            "targets": _targets((expr, "")),
            "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}},
                            "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"}}


def _series(title: str, exprs: list[tuple[str, str]], unit: str = "short",
            description: str = "", threshold: float | None = None, stack: bool = False) -> dict[str, Any]:
    custom: dict[str, Any] = {"lineWidth": 2, "fillOpacity": 10}
    if stack:
        custom["stacking"] = {"mode": "normal"}
    defaults: dict[str, Any] = {"unit": unit, "custom": custom}
    if threshold is not None:  # the PLAYBOOK target drawn as a red line
        custom["thresholdsStyle"] = {"mode": "line"}
        defaults["thresholds"] = {"mode": "absolute", "steps": [
            {"color": "green", "value": None}, {"color": "red", "value": threshold}]}
    return {"type": "timeseries", "title": title, "description": description, "datasource": PROM,
            "targets": _targets(*exprs), "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom"}}}


def _bars(title: str, expr: str, legend: str, description: str = "") -> dict[str, Any]:
    target = _targets((expr, legend))
    target[0]["instant"] = True
    return {"type": "bargauge", "title": title, "description": description, "datasource": PROM,
            "targets": target, "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
            "options": {"orientation": "horizontal", "displayMode": "gradient",
                        "reduceOptions": {"calcs": ["lastNotNull"]}}}


ANGRY_SHARE = ('1 - sum by (channel) (rate(support_message_anger_bucket{le="0.5"}[$__rate_interval])) '
               '/ sum by (channel) (rate(support_message_anger_count[$__rate_interval]))')


def floor_live() -> dict[str, Any]:
    b = _Board("support-floor-live", "Support floor — live", "现场主管看板：升级、愤怒、响应时效",
               ["floor"])
    b.add(_stat("待处理升级（需要主管介入）", "support_open_escalations", thresholds=[1, 5],
                description="escalate_supervisor 标记中尚未解决的数量"), 6, 4)
    b.add(_stat("近 15 分钟新标记", "sum(increase(support_flags_total[15m]))"), 6, 4)
    b.add(_stat("愤怒客户消息占比（15 分钟）",
                '1 - sum(rate(support_message_anger_bucket{le="0.5"}[15m])) '
                "/ sum(rate(support_message_anger_count[15m]))", "percentunit", [0.1, 0.25]), 6, 4)
    b.add(_stat("首次回复 p90（15 分钟）",
                "histogram_quantile(0.9, sum by (le) (rate(support_agent_first_reply_seconds_bucket[15m])))",
                "s", [60, 180], "目标：1 分钟内（seed 001 ch.4）"), 6, 4)
    b.add(_series("愤怒客户占比，按渠道", [(ANGRY_SHARE, "{{channel}}")], "percentunit",
                  "愤怒分 > 0.5 的客户消息占比"), 12, 8)
    b.add(_series("新标记，按类型", [(
        "sum by (kind) (increase(support_flags_total[$__rate_interval]))", "{{kind}}")],
        stack=True), 12, 8)
    b.add(_series("坐席回复等待时间 vs 目标", [
        ("histogram_quantile(0.5, sum by (le) (rate(support_agent_first_reply_seconds_bucket"
         "[$__rate_interval])))", "首次回复 p50"),
        ("histogram_quantile(0.9, sum by (le) (rate(support_agent_first_reply_seconds_bucket"
         "[$__rate_interval])))", "首次回复 p90"),
        ("histogram_quantile(0.9, sum by (le) (rate(support_agent_reply_seconds_bucket"
         "[$__rate_interval])))", "后续回复 p90"),
    ], "s", "目标：首次回复 ≤ 60 秒，后续答复 ≤ 180 秒（PLAYBOOK §3）", threshold=60), 12, 8)
    b.add(_bars("最常见的标记原因（1 小时）",
                "topk(10, sum by (reason) (increase(support_flag_reasons_total[1h])))", "{{reason}}"),
          12, 8)
    b.add(_series("消息量，按渠道", [(
        'sum by (channel) (rate(support_messages_total{role="customer"}[$__rate_interval])) * 60',
        "{{channel}}")], "short", "每分钟客户消息数"), 12, 7)
    b.add(_bars("投诉类型（1 小时）",
                "topk(5, sum by (complaint_type) (increase(support_complaints_total[1h])))",
                "{{complaint_type}}"), 12, 7)
    # From the supervisors' console (its /metrics): what people did with the flags.
    b.add(_series("主管接手用时，按类型", [
        ("histogram_quantile(0.5, sum by (le, kind) (rate(support_flag_ack_seconds_bucket[1h])))",
         "{{kind}} p50"),
        ("histogram_quantile(0.9, sum by (le, kind) (rate(support_flag_ack_seconds_bucket[1h])))",
         "{{kind}} p90")], "s", "从提醒产生到主管在主管台接手"), 8, 8)
    b.add(_bars("主管判断（24 小时）",
                "sum by (kind, verdict, reason) (increase(support_flag_verdicts_total[24h]))",
                "{{kind}} {{verdict}} {{reason}}", "提醒正确（confirmed）与误报原因（false_alarm）"), 8, 8)
    b.add(_bars("提醒状态", "sum by (status) (support_flags_by_status)", "{{status}}",
                "存储中的提醒：待处理、已接手、已结束"), 8, 8)
    b.add({"type": "table", "title": "待处理的升级（来自存储，已脱敏）", "datasource": STORE,
           "targets": [{"refId": "A", "datasource": STORE, "format": "table", "rawQuery": True,
                        "editorMode": "code", "rawSql": OPEN_ESCALATIONS_SQL}],
           "fieldConfig": {"defaults": {"custom": {"cellOptions": {"type": "auto"},
                                                   "inspect": True}}, "overrides": []},
           "options": {"showHeader": True, "cellHeight": "md"}}, 24, 10)
    return b.json("30s", "now-3h")


def trends() -> dict[str, Any]:
    b = _Board("support-trends", "Support floor — trends", "本周与上周对比", ["trends"])
    week = [
        ("客户消息（每天）", 'sum(increase(support_messages_total{role="customer"}[1d]))', "short"),
        ("需要主管介入（每天）", 'sum(increase(support_flags_total{kind="escalate_supervisor"}[1d]))',
         "short"),
        ("愤怒客户消息占比（每天）", '1 - sum(increase(support_message_anger_bucket{le="0.5"}[1d])) '
         "/ sum(increase(support_message_anger_count[1d]))", "percentunit"),
        ("首次回复 p90（每天）", "histogram_quantile(0.9, sum by (le) "
         "(increase(support_agent_first_reply_seconds_bucket[1d])))", "s"),
    ]
    for title, expr, unit in week:
        last_week = expr.replace("[1d]", "[1d] offset 1w")  # offset goes on each selector
        b.add(_series(title, [(expr, "本周"), (last_week, "上周")], unit), 12, 8)
    b.add(_series("标记类型（每天）", [(
        "sum by (kind) (increase(support_flags_total[1d]))", "{{kind}}")], stack=True), 12, 8)
    b.add(_series("客户类型（每天，标记上）", [(
        "sum by (customer_type) (increase(support_flag_customer_types_total[1d]))",
        "{{customer_type}}")], stack=True), 12, 8)
    return b.json("5m", "now-14d")


def monitor_health() -> dict[str, Any]:
    b = _Board("support-monitor-health", "support-monitor — health", "监控自身：吞吐、延迟、积压、错误",
               ["health"])
    b.add(_stat("实例在线", 'sum(up{job="support-monitor"})', thresholds=None), 6, 4)
    b.add(_stat("事件延迟", "max(monitor_event_lag_seconds)", "s", [60, 300]), 6, 4)
    b.add(_stat("Kafka 积压", "sum(monitor_consumer_lag_messages)", thresholds=[1000, 10000]), 6, 4)
    b.add(_stat("内存中的会话", "sum(support_open_conversations)"), 6, 4)
    b.add(_series("吞吐（消息/秒）", [(
        "sum by (role) (rate(support_messages_total[$__rate_interval]))", "{{role}}")]), 12, 8)
    b.add(_series("处理延迟（读到事件 → 输出已写入）", [
        ("histogram_quantile(0.5, sum by (le) (rate(monitor_processing_seconds_bucket"
         "[$__rate_interval])))", "p50"),
        ("histogram_quantile(0.99, sum by (le) (rate(monitor_processing_seconds_bucket"
         "[$__rate_interval])))", "p99")], "s"), 12, 8)
    b.add(_series("无效事件（死信），按原因", [(
        "sum by (reason) (increase(support_invalid_events_total[$__rate_interval]))", "{{reason}}")]),
        12, 8)
    b.add(_series("告警投递", [
        ("sum(increase(support_alerts_sent_total[$__rate_interval]))", "已送达"),
        ("sum(increase(support_alerts_failed_total[$__rate_interval]))", "失败（重试中）"),
        ("sum(increase(support_alerts_dropped_total[$__rate_interval]))", "丢弃（缓冲已满）")]),
        12, 8)
    b.add(_series("Kafka 积压，按分区", [(
        "sum by (topic, partition) (monitor_consumer_lag_messages)", "{{topic}}/{{partition}}")]),
        12, 8)
    b.add(_series("重复投递（已跳过）", [(
        "sum(increase(support_duplicate_events_total[$__rate_interval]))", "duplicates")]), 12, 8)
    return b.json("30s", "now-6h")


def all_dashboards() -> dict[str, dict[str, Any]]:
    """File name -> dashboard JSON."""
    return {"floor-live.json": floor_live(), "trends.json": trends(),
            "monitor-health.json": monitor_health()}


def export(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, board in all_dashboards().items():
        path = directory / name
        path.write_text(json.dumps(board, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


class PushError(Exception):
    """Grafana could not be reached or refused a dashboard."""


def push(grafana_url: str, token: str, folder_uid: str | None = None) -> list[str]:
    """Upload every dashboard (overwriting) through grafana-client; returns their URLs."""
    import niquests
    from grafana_client.client import GrafanaException

    try:
        return _push(grafana_url, token, folder_uid)
    except (GrafanaException, niquests.RequestException) as exc:
        raise PushError(str(exc) or type(exc).__name__) from exc


def _push(grafana_url: str, token: str, folder_uid: str | None) -> list[str]:
    from grafana_client.api import GrafanaApi
    from grafana_client.client import TokenAuth

    api = GrafanaApi.from_url(grafana_url, credential=TokenAuth(token))  # type: ignore[no-untyped-call]
    urls = []
    for board in all_dashboards().values():
        payload: dict[str, Any] = {"dashboard": board, "overwrite": True,
                                   "message": "support-monitor dashboards push"}
        if folder_uid:
            payload["folderUid"] = folder_uid
        answer = api.dashboard.update_dashboard(payload)
        urls.append(str(answer.get("url", board["uid"])))
    return urls
