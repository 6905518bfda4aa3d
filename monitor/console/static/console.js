// Live updates of the queue page: new and changed flags arrive as server-sent events
// and are shown without a reload. Everything a customer wrote is set as textContent,
// never parsed as HTML.
(function () {
  "use strict";
  var body = document.getElementById("queue");
  var live = document.getElementById("live");
  if (!body || !live || !window.EventSource) { return; }
  var KIND = { handle_emotion_first: "先处理情绪", escalate_supervisor: "转主管", urgent: "紧急", agent_coaching: "坐席辅导" };
  var SEV = { critical: "严重", warning: "警告", info: "提示" };
  var STATUS = { open: "待处理", acknowledged: "已接手", resolved: "已结束" };
  var RANK = { critical: 2, warning: 1, info: 0 };
  function list(name) { var v = live.getAttribute(name) || ""; return v ? v.split(",") : []; }
  var want = { status: live.getAttribute("data-status"), kinds: list("data-kinds"), queues: list("data-queues"), channels: list("data-channels") };

  function matches(f) {
    if (want.status !== "all" && f.status !== want.status) { return false; }
    if (want.kinds.length && want.kinds.indexOf(f.kind) < 0) { return false; }
    if (want.queues.length && want.queues.indexOf(f.queue || "") < 0) { return false; }
    if (want.channels.length && want.channels.indexOf(f.channel) < 0) { return false; }
    return true;
  }
  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function waited(seconds) {
    if (seconds < 60) { return seconds + " 秒"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + " 分钟"; }
    if (seconds < 86400) { return Math.floor(seconds / 3600) + " 小时 " + Math.floor(seconds % 3600 / 60) + " 分钟"; }
    return Math.floor(seconds / 86400) + " 天";
  }
  function build(f) {
    var row = document.createElement("tr");
    row.id = "flag-" + f.flag_id;
    row.className = "sev-" + f.severity + " new";
    row.setAttribute("data-flag", f.flag_id);
    var badge = document.createElement("span");
    badge.className = "badge sev-" + f.severity;
    badge.textContent = SEV[f.severity] || f.severity;
    cell(row, "").appendChild(badge);
    cell(row, KIND[f.kind] || f.kind, "kind");
    var link = document.createElement("a");
    link.href = "/flags/" + encodeURIComponent(f.flag_id);
    link.textContent = f.excerpt;
    cell(row, "", "excerpt").appendChild(link);
    cell(row, f.reasons.map(function (r) { return r.detail; }).join("；"), "reasons");
    cell(row, f.scores.conversation_risk.toFixed(2), "num");
    cell(row, waited(f.waiting_s), "num");
    cell(row, f.queue || "", "queue");
    cell(row, (STATUS[f.status] || f.status) + (f.acknowledged_by ? " · " + f.acknowledged_by : ""), "status");
    row.setAttribute("data-rank", String(RANK[f.severity] * 10 + f.scores.conversation_risk));
    return row;
  }
  function count(kind, delta) {
    var chip = document.querySelector('#counts li[data-kind="' + kind + '"] b');
    if (chip) { chip.textContent = String(Math.max(0, parseInt(chip.textContent, 10) + delta)); }
  }
  function show(f) {
    var old = document.getElementById("flag-" + f.flag_id);
    var empty = body.querySelector("tr.empty");
    if (!matches(f)) {
      if (old) { old.parentNode.removeChild(old); count(f.kind, -1); }
      return;
    }
    var row = build(f);
    if (old) { body.replaceChild(row, old); return; }
    if (empty) { empty.parentNode.removeChild(empty); }
    var rank = parseFloat(row.getAttribute("data-rank"));
    var before = null;
    for (var i = 0; i < body.rows.length; i++) {
      var r = body.rows[i];
      if (rank > parseFloat(r.getAttribute("data-rank") || "-1")) { before = r; break; }
    }
    body.insertBefore(row, before);
    count(f.kind, 1);
    while (body.rows.length > 500) { body.deleteRow(body.rows.length - 1); }  // a bounded page
  }
  Array.prototype.forEach.call(body.rows, function (r) {
    var sev = (r.className.match(/sev-(\w+)/) || [])[1];
    var risk = parseFloat((r.cells[4] || {}).textContent || "0");
    if (sev) { r.setAttribute("data-rank", String(RANK[sev] * 10 + risk)); }
  });
  var source = new EventSource("/api/events");
  source.addEventListener("flag", function (e) { show(JSON.parse(e.data)); });
  source.onopen = function () { live.classList.add("connected"); };
})();
