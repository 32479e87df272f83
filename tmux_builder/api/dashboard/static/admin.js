/* The admin page: every user's stacks, drifted stacks, the queue and its hosts, orphans, the cost report and its chart. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { el } = TB;
  const $ = (id) => document.getElementById(id);
  const form = $("admin-form");
  let chartUrl = null;

  const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

  function label(key) {
    return key.replace(/_usd$/, " (USD)").replace(/_/g, " ");
  }

  function cell(value, column = "") {
    if (value === null || value === undefined || value === "") return el("td", { class: "muted", text: "—" });
    if (typeof value === "number") {
      const money = column.endsWith("usd");
      return el("td", { class: "num", text: money ? value.toFixed(2) : Number.isInteger(value) ? value : value.toFixed(2) });
    }
    if (ISO_TIME.test(String(value))) return el("td", { text: TB.when(value) });
    if (typeof value === "object") return el("td", {}, el("code", { text: JSON.stringify(value) }));
    if (/^https?:\/\//.test(String(value))) return el("td", {}, TB.safeLink(String(value)));
    return el("td", { text: String(value) });
  }

  function table(rows, columns) {
    const cols = columns || [...new Set(rows.flatMap((row) => Object.keys(row)))];
    return el("div", { class: "table-wrap" },
      el("table", { class: "table" },
        el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", { text: label(c) })))),
        el("tbody", {}, ...rows.map((row) => el("tr", {}, ...cols.map((c) => cell(row[c], c)))))));
  }

  function renderStacks(stacks) {
    const box = $("stacks-by-user");
    box.replaceChildren();
    $("stacks-count").textContent = `${stacks.length} stack${stacks.length === 1 ? "" : "s"}`;
    if (!stacks.length) {
      box.append(el("p", { class: "muted", text: "No stacks." }));
      return;
    }
    const byUser = new Map();
    for (const stack of stacks) {
      if (!byUser.has(stack.user_id)) byUser.set(stack.user_id, []);
      byUser.get(stack.user_id).push(stack);
    }
    for (const [user, rows] of byUser) {
      box.append(el("div", { class: "user-group" },
        el("h3", {}, "User ", el("code", { text: user || "unknown" }), el("span", { class: "muted small", text: ` · ${rows.length}` })),
        el("div", { class: "table-wrap" },
          el("table", { class: "table stacks-table" },
            el("thead", {}, el("tr", {}, ...["Session", "Target", "Resources", "Last update", "Expires", "Status", "URL"]
              .map((h) => el("th", { text: h })))),
            el("tbody", {}, ...rows.map((s) => el("tr", {},
              el("td", {}, el("code", { text: s.session_id || s.stack_name })),
              el("td", { text: `${s.host_provider ?? "?"} · ${s.site_type ?? "?"}` }),
              cell(s.resource_count),
              el("td", { text: TB.when(s.last_update) }),
              el("td", { text: TB.when(s.expires_at) }),
              el("td", {}, TB.badge(s.status || "unknown")),
              el("td", {}, s.url ? TB.safeLink(s.url, "open") : "—"))))))));
    }
  }

  function describe(item) {
    if (item && typeof item === "object") {
      return Object.entries(item).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(" · ");
    }
    return String(item);
  }

  function renderDrift(stacks) {
    const rows = stacks.map((s) => ({
      session: s.session_id, user: s.user_id, target: `${s.host_provider}/${s.site_type}`,
      changed: s.drift.changes.map((c) => `${c.name}: ${c.op}${c.diffs.length ? ` (${c.diffs.join(", ")})` : ""}`).join("; "),
      checked: TB.when(s.checked_at),
    }));
    $("drift-count").textContent = `${rows.length} drifted`;
    $("drift").replaceChildren(rows.length
      ? table(rows, ["session", "user", "target", "changed", "checked"])
      : el("p", { class: "muted", text: "No drift found by the newest checks." }));
  }

  function renderQueue(view) {
    const states = Object.entries(view.jobs_by_state).map(([state, count]) => `${state} ${count}`).join(" · ");
    const oldest = view.oldest_waiting_seconds === null ? "no job waiting"
      : `oldest waiting job ${view.oldest_waiting_job_id}: ${Math.round(view.oldest_waiting_seconds)} s`;
    $("queue-summary").textContent = `${states} · ${oldest}`;
    $("queue-hosts").replaceChildren(view.hosts.length
      ? table(view.hosts.map((h) => ({
        host: h.name, alive: h.alive ? "yes" : "NO", last_heartbeat: h.last_heartbeat,
        seconds_since_heartbeat: h.seconds_since_heartbeat, sites_url: h.sites_url,
        workers: h.workers.map((w) => `${w.worker_id} (job ${w.job_id ?? "none"}, ${w.seconds_since_heartbeat} s ago)`).join("; "),
        pinned_sessions: h.pinned_sessions.join(", "),
      })))
      : el("p", { class: "muted", text: "No worker host has sent a heartbeat." }));
    $("queue-leases").replaceChildren(view.leases.length
      ? table(view.leases, ["kind", "what", "holder", "expires_at", "seconds_left"])
      : el("p", { class: "muted", text: "No lease is held." }));
  }

  function renderOrphans(orphans) {
    const rows = [];
    if (Array.isArray(orphans)) {
      for (const item of orphans) rows.push({ kind: "orphan", item: describe(item) });
    } else {
      for (const [kind, items] of Object.entries(orphans || {})) {
        for (const item of Array.isArray(items) ? items : [items]) {
          if (item !== null && item !== undefined) rows.push({ kind: kind.replace(/_/g, " "), item: describe(item) });
        }
      }
    }
    $("orphans-count").textContent = `${rows.length} found`;
    $("orphans").replaceChildren(rows.length
      ? table(rows, ["kind", "item"])
      : el("p", { class: "muted", text: "No orphans: every stack has a live session and every folder and process an owner." }));
  }

  function fact(list, key, value) {
    const text = value === null || value === undefined || value === "" ? "—"
      : typeof value === "number" && (key.endsWith("usd") || !Number.isInteger(value)) ? value.toFixed(2)
        : ISO_TIME.test(String(value)) ? TB.when(value)
        : Array.isArray(value) ? value.map(describe).join("; ") || "—"
          : typeof value === "object" ? describe(value) : String(value);
    list.append(el("dt", { text: label(key) }), el("dd", { text }));
  }

  function renderCost(report) {
    const facts = $("cost-facts");
    facts.replaceChildren();
    const tables = [];
    for (const [key, value] of Object.entries(report || {})) {
      const isRows = Array.isArray(value) && value.length && typeof value[0] === "object";
      const isGroup = value && typeof value === "object" && !Array.isArray(value);
      if (isRows) tables.push([key, value]);
      else if (isGroup && Object.values(value).every((v) => v === null || typeof v !== "object")) {
        for (const [sub, v] of Object.entries(value)) fact(facts, `${key} ${sub}`, v);
      } else fact(facts, key, value);
    }
    const box = $("cost-table");
    box.replaceChildren(...tables.map(([name, rows]) =>
      el("div", { class: "cost-block" }, el("h3", { text: name === "rows" ? "Estimated cost" : name.replace(/_/g, " ") }), table(rows))));
    if (!tables.length) box.append(el("p", { class: "muted", text: "No priced resources yet." }));
  }

  async function loadChart(token, by) {
    const img = $("cost-chart");
    const caption = $("cost-chart-caption");
    try {
      const url = await TB.blobUrl(`/api/admin/cost/chart.png?by=${encodeURIComponent(by)}`, token);
      if (chartUrl) URL.revokeObjectURL(chartUrl);
      chartUrl = url;
      img.src = url;
      img.hidden = false;
      caption.textContent = `Estimated monthly cost by ${by}.`;
    } catch (error) {
      img.hidden = true;
      caption.textContent = `No chart: ${error.message}`;
    }
  }

  async function loadCost(token) {
    const by = $("cost-by").value;
    try {
      renderCost(await TB.api("GET", `/api/admin/cost?by=${encodeURIComponent(by)}`, { token }));
    } catch (error) {
      $("cost-table").replaceChildren(el("p", { class: "form-error", text: error.message }));
    }
    await loadChart(token, by);
    await loadHistory(token);
  }

  async function loadHistory(token) {
    const box = $("cost-history");
    try {
      const snapshots = await TB.api("GET", "/api/admin/cost/history?limit=20", { token });
      const rows = snapshots.map((s) => ({
        taken_at: s.taken_at, by: s.by.join(", "), source: s.source,
        monthly_usd: s.monthly_usd.toFixed(2), to_date_usd: s.to_date_usd.toFixed(2),
      }));
      box.replaceChildren(rows.length ? table(rows)
        : el("p", { class: "muted", text: "No stored reports yet." }));
    } catch (error) {
      box.replaceChildren(el("p", { class: "form-error", text: error.message }));
    }
  }

  async function load(token) {
    TB.showError("admin-error", null);
    try {
      const stacks = await TB.api("GET", "/api/admin/stacks", { token });
      TB.store.set("admin", token);
      $("admin-forget").hidden = false;
      $("admin-data").hidden = false;
      renderStacks(stacks);
    } catch (error) {
      const messages = {
        401: "That admin token is not valid.",
        404: "This server does not offer the admin API yet.",
      };
      TB.showError("admin-error", new Error(messages[error.status] || error.message));
      if (error.status === 401) TB.store.drop("admin");
      $("admin-data").hidden = true;
      return;
    }
    try {
      renderDrift(await TB.api("GET", "/api/admin/drift", { token }));
    } catch (error) {
      $("drift").replaceChildren(el("p", { class: "form-error", text: error.message }));
    }
    try {
      renderQueue(await TB.api("GET", "/api/admin/queue", { token }));
    } catch (error) {
      $("queue-hosts").replaceChildren(el("p", { class: "form-error", text: error.message }));
    }
    try {
      renderOrphans(await TB.api("GET", "/api/admin/orphans", { token }));
    } catch (error) {
      $("orphans").replaceChildren(el("p", { class: "form-error", text: error.message }));
    }
    await loadCost(token);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = String(new FormData(form).get("admin_token") || "").trim();
    if (!token) {
      TB.showError("admin-error", new Error("Enter the admin token."));
      return;
    }
    load(token);
  });
  $("cost-by").addEventListener("change", () => {
    const token = TB.store.get("admin");
    if (token) loadCost(token);
  });
  $("admin-forget").addEventListener("click", () => {
    TB.store.drop("admin");
    window.location.reload();
  });

  const saved = TB.store.get("admin");
  if (saved) load(saved);
});
