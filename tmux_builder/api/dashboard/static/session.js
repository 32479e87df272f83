/* The session page: live progress from the SSE stream (read with fetch so the token goes in
   a header, never in the URL), logs, screenshot, builds, chat and the actions. */
"use strict";

/* The platform's words come from the server (rendered into the page from its enums). */
const DOMAIN = JSON.parse(document.getElementById("domain-data").textContent);
const { REDEPLOY_FIRST_STEP, TOTAL_STEPS } = DOMAIN;
const EXECUTION = DOMAIN.execution_status;
const STEP_STATUS = DOMAIN.step_status;
const STEP = DOMAIN.step;
const TORN_DOWN = DOMAIN.session_status.torn_down;
const FINAL = new Set(DOMAIN.final_statuses);
const MAX_LOG_LINES = 1500;

document.addEventListener("DOMContentLoaded", () => {
  const auth = TB.requireSignIn();
  if (!auth) return;
  const { el } = TB;
  const $ = (id) => document.getElementById(id);
  const executionId = document.body.dataset.executionId;
  const sessionId = executionId.slice(executionId.indexOf("_") + 1);
  const base = encodeURIComponent(executionId);

  const state = {
    records: new Map(),
    status: "loading",
    builds: [],
    live: null,
    tornDown: false,
    streaming: false,
    logsSeen: 0,
    retry: 0,
    abort: null,
    shotKey: null,
    thumbUrl: null,
    fullUrl: null,
    waitingForAgent: false,
  };

  /* ---------- progress ---------- */

  function maxRun() {
    let run = 1;
    for (const rec of state.records.values()) run = Math.max(run, rec.run);
    return run;
  }

  function stepRecord(number, run) {
    const current = state.records.get(`${run}:${number}`);
    if (current || number >= REDEPLOY_FIRST_STEP) return current || null;
    let latest = null;
    for (const rec of state.records.values()) {
      if (rec.number === number && (!latest || rec.run > latest.run)) latest = rec;
    }
    return latest;
  }

  function renderSteps() {
    const run = maxRun();
    for (let n = 1; n <= TOTAL_STEPS; n += 1) {
      const rec = stepRecord(n, run);
      const stepState = rec ? rec.status : "pending";
      document.querySelector(`.segment[data-step="${n}"]`).dataset.state = stepState;
      const item = document.querySelector(`#steps li[data-step="${n}"]`);
      item.dataset.state = stepState;
      const label = rec && rec.duration_seconds != null
        ? `${TB.seconds(rec.duration_seconds)}${rec.run > 1 ? ` · run ${rec.run}` : ""}`
        : stepState === "pending" ? "" : stepState;
      item.querySelector(".step-time").textContent = label;
    }
  }

  function addStep(rec) {
    state.records.set(`${rec.run}:${rec.number}`, rec);
    renderSteps();
  }

  function renderProgress(info) {
    const done = Math.max(0, Math.min(TOTAL_STEPS, info.completed_steps ?? 0));
    $("progress-count").textContent = `${done}/${info.total_steps ?? TOTAL_STEPS}`;
    $("progress-percent").textContent = `${info.percent ?? 0}%`;
    $("progress").setAttribute("aria-valuenow", String(done));
  }

  /* ---------- status, url, error, builds ---------- */

  function setStatus(status) {
    state.status = state.tornDown ? TORN_DOWN : status;
    const badge = $("status-badge");
    badge.dataset.status = state.status;
    badge.textContent = state.status.replace(/_/g, " ");
    updateActions();
  }

  function renderState(info) {
    setStatus(info.status);
    renderProgress(info);
    const line = $("site-url-line");
    if (info.deployed_url && !state.tornDown) {
      line.replaceChildren(el("span", { class: "muted", text: "Live at " }),
        TB.safeLink(info.deployed_url));
      line.querySelector("a").id = "site-url";
    } else if (!state.tornDown) {
      line.replaceChildren(el("span", { class: "muted", text: "Not deployed yet." }));
    }
    const failed = info.status === EXECUTION.failed || (info.error && info.status !== EXECUTION.completed);
    $("error-box").hidden = !failed;
    if (failed) {
      $("error-text").textContent = info.error || "The execution failed.";
      $("debug-id").textContent = info.debug_id || "—";
    }
  }

  function planText(plan) {
    if (!plan) return "";
    if (!plan.changes.length) return "preview: no changes";
    const ops = ["create", "update", "replace", "delete"];
    return "preview: " + ops.map((op) => {
      const named = plan.changes.filter((c) => c.op === op)
        .map((c) => c.diffs.length ? `${c.name} (${c.diffs.join(", ")})` : c.name);
      return named.length ? `${named.length} to ${op}: ${named.join(", ")}` : null;
    }).filter(Boolean).join("; ");
  }

  function summaryText(summary) {
    const e2e = summary.checks.e2e;
    const passed = (e2e.total || 0) - (e2e.failed || 0) - (e2e.skipped || 0);
    return `${summary.resources.length} resource${summary.resources.length === 1 ? "" : "s"}`
      + ` · about ${summary.monthly_usd.toFixed(2)} ${summary.currency}/month`
      + ` · health ${summary.checks.health.status_code} · E2E ${passed}/${e2e.total}`
      + ` · policy ${summary.policy.result} · DEPLOYMENT_SUMMARY.md in output/${summary.build}/`;
  }

  function buildNumber(label) {
    return Number(label.slice(label.lastIndexOf("v") + 1));
  }

  function rollbackButton(build) {
    const button = el("button", { type: "button", class: "button small rollback-btn",
      text: `Roll back to ${build.label}`, dataset: { build: String(buildNumber(build.label)) } });
    button.disabled = !FINAL.has(state.status) || state.waitingForAgent;
    button.addEventListener("click", () => rollBack(build.label));
    return button;
  }

  function renderBuilds() {
    const list = $("builds");
    list.replaceChildren();
    if (!state.builds.length) {
      list.append(el("li", { class: "muted", text: "None yet." }));
      return;
    }
    for (const build of [...state.builds].reverse()) {
      const live = build.label === state.live;
      list.append(el("li", { class: "build", dataset: { label: build.label, outcome: build.outcome } },
        el("strong", { text: build.label }),
        el("span", { class: "badge", dataset: { status: build.outcome }, text: build.outcome }),
        live ? el("span", { class: "badge live", text: "live" }) : null,
        build.url && !state.tornDown ? TB.safeLink(build.url, "open") : null,
        el("span", { class: "muted small",
          text: `${TB.when(build.created_at)}${build.pulumi_update != null ? ` · Pulumi update #${build.pulumi_update}` : ""}` }),
        build.plan ? el("span", { class: "small build-plan", text: planText(build.plan) }) : null,
        build.failure ? el("span", { class: "small build-failure", text: `failed ${build.failure}` }) : null,
        build.summary ? el("span", { class: "small build-summary", text: summaryText(build.summary) }) : null,
        build.outcome === "good" && !live && !state.tornDown ? rollbackButton(build) : null));
    }
  }

  function renderDrift(info) {
    $("drift-box").hidden = !info.drift || state.tornDown;
    if (info.drift) {
      $("drift-text").textContent = info.drift.changes
        .map((c) => `${c.name}: ${c.op}${c.diffs.length ? ` (${c.diffs.join(", ")})` : ""}`).join("; ");
    }
  }

  function renderRollback(info) {
    const box = $("rollback-box");
    box.hidden = !info.rollback;
    if (info.rollback) $("rollback-text").textContent = info.rollback.message;
  }

  async function rollBack(label) {
    const sure = window.confirm(`Deploy ${label} again? The site then serves ${label}.`);
    if (!sure) return;
    try {
      const accepted = await TB.api("POST", `/api/sessions/${encodeURIComponent(sessionId)}/rollback`,
        { body: { build: buildNumber(label) } });
      TB.flash(`Rollback to ${accepted.build} queued.`);
      setStatus(EXECUTION.queued);
      renderBuilds();
      follow();
    } catch (error) {
      handleAuthError(error);
      TB.flash(error.message, "error");
    }
  }

  function updateActions() {
    const busy = !FINAL.has(state.status);
    const ended = state.tornDown || state.status === "loading";
    $("redeploy-btn").disabled = ended || busy || !state.builds.length || state.waitingForAgent;
    $("cancel-btn").disabled = ended || !busy;
    $("teardown-btn").disabled = ended;
    $("chat-send").disabled = state.tornDown || state.waitingForAgent;
    $("repair-btn").disabled = $("redeploy-btn").disabled;
    for (const button of document.querySelectorAll(".rollback-btn")) {
      button.disabled = ended || busy || state.waitingForAgent;
    }
  }

  async function refreshStatus() {
    try {
      const info = await TB.api("GET", `/api/status/${base}`);
      state.records.clear();
      for (const step of info.steps) addStep(step);
      state.builds = info.builds;
      state.live = info.live_build;
      renderBuilds();
      renderRollback(info);
      renderDrift(info);
      renderState(info);
      const shot = info.steps.filter((s) => s.name === STEP.screenshot && s.status === STEP_STATUS.completed);
      if (shot.length) loadScreenshot(`${shot[shot.length - 1].run}`);
      return info;
    } catch (error) {
      handleAuthError(error);
      if (error.status === 404 && !state.tornDown) {
        TB.flash("This session does not exist or is not yours.", "error");
        setStatus("unknown");
      }
      return null;
    }
  }

  function handleAuthError(error) {
    if (error && error.status === 401) {
      TB.store.drop("token");
      window.location.replace("/");
    }
  }

  async function loadSessionFacts() {
    try {
      const sessions = await TB.api("GET", `/api/user/${encodeURIComponent(auth.user)}/sessions`);
      const mine = sessions.find((s) => s.execution_id === executionId);
      if (!mine) return;
      $("session-meta").textContent =
        `${mine.host_provider} · ${mine.site_type} · created ${TB.when(mine.created_at)} · expires ${TB.when(mine.expires_at)}`;
      if (mine.status !== "active") markTornDown(`This session is ${mine.status.replace(/_/g, " ")}.`);
    } catch (error) {
      handleAuthError(error);
    }
  }

  /* ---------- logs ---------- */

  function addLog(entry) {
    const list = $("logs");
    const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 24;
    const time = entry.at ? new Date(entry.at).toLocaleTimeString([], { hour12: false }) : "";
    list.append(el("li", { class: "log", dataset: { level: entry.level || "info" } },
      el("span", { class: "log-time", text: time }),
      el("span", { class: "log-source", text: entry.source || "" }),
      el("span", { class: "log-message", text: entry.message || "" }),
      entry.debug_id ? el("span", { class: "log-debug", text: `debug ${entry.debug_id}` }) : null));
    while (list.childElementCount > MAX_LOG_LINES) list.firstElementChild.remove();
    if (stick) list.scrollTop = list.scrollHeight;
  }

  /* ---------- the SSE stream ---------- */

  function streamState(text) {
    $("stream-state").textContent = text;
  }

  function dispatch(name, raw, counter) {
    let data;
    try { data = JSON.parse(raw); } catch (_) { return; }
    if (name === "step") {
      addStep(data);
      if (data.status === STEP_STATUS.completed && data.name === STEP.screenshot) loadScreenshot(`${data.run}`);
      if (data.status === STEP_STATUS.completed && data.name === STEP.deploy) refreshStatus();
    } else if (name === "log") {
      counter.logs += 1;
      if (counter.logs > state.logsSeen) {
        state.logsSeen = counter.logs;
        addLog(data);
      }
    } else if (name === "status") {
      renderState(data);
    } else if (name === "end") {
      counter.ended = true;
      renderState(data);
    }
  }

  async function follow() {
    if (state.streaming || state.tornDown) return;
    state.streaming = true;
    state.abort = new AbortController();
    const counter = { logs: 0, ended: false };
    streamState("live");
    try {
      const response = await fetch(`/api/events/${base}`, {
        headers: { Accept: "text/event-stream", Authorization: `Bearer ${auth.token}` },
        cache: "no-store",
        signal: state.abort.signal,
      });
      if (!response.ok) {
        let body = null;
        try { body = await response.json(); } catch (_) { body = null; }
        throw new TB.ApiError(response.status, body);
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      let eventName = "message";
      let data = [];
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const cut = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
        const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
        buffer = lines.pop() + buffer.slice(cut);
        for (const line of lines) {
          if (line === "") {
            if (data.length) dispatch(eventName, data.join("\n"), counter);
            eventName = "message";
            data = [];
            continue;
          }
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? "" : line.slice(colon + 1);
          if (val.startsWith(" ")) val = val.slice(1);
          if (field === "event") eventName = val;
          else if (field === "data") data.push(val);
        }
      }
      state.retry = 0;
    } catch (error) {
      if (error.name === "AbortError") return;
      handleAuthError(error);
      if (error.status === 404) { streamState("not found"); return; }
    } finally {
      state.streaming = false;
      state.abort = null;
    }
    if (counter.ended) {
      streamState("finished");
      await refreshStatus();
      return;
    }
    if (state.tornDown) return;
    state.retry = Math.min(state.retry + 1, 6);
    streamState("reconnecting…");
    setTimeout(follow, 500 * 2 ** state.retry);
  }

  /* ---------- screenshot ---------- */

  async function loadScreenshot(key) {
    if (state.shotKey === key || state.tornDown) return;
    state.shotKey = key;
    try {
      const url = await TB.blobUrl(`/api/screenshot/${base}?thumbnail=true`, auth.token);
      if (state.thumbUrl) URL.revokeObjectURL(state.thumbUrl);
      if (state.fullUrl) URL.revokeObjectURL(state.fullUrl);
      state.thumbUrl = url;
      state.fullUrl = null;
      $("shot-thumb").src = url;
      $("shot").dataset.state = "ready";
      $("shot-open").disabled = false;
    } catch (error) {
      state.shotKey = null;
      handleAuthError(error);
    }
  }

  $("shot-open").addEventListener("click", async () => {
    try {
      if (!state.fullUrl) state.fullUrl = await TB.blobUrl(`/api/screenshot/${base}?thumbnail=false`, auth.token);
      $("shot-full").src = state.fullUrl;
      $("shot-dialog").showModal();
    } catch (error) {
      TB.flash(error.message, "error");
    }
  });
  $("shot-dialog").addEventListener("click", (event) => {
    if (event.target === $("shot-dialog")) $("shot-dialog").close();
  });

  /* ---------- chat ---------- */

  function renderHistory(history) {
    const log = $("chat-log");
    log.replaceChildren();
    if (!history.messages.length) log.append(el("li", { class: "muted empty", text: "No messages yet." }));
    for (const message of history.messages) {
      log.append(el("li", { class: `chat-message ${message.role}`, dataset: { role: message.role } },
        el("span", { class: "chat-meta small muted",
          text: `${message.role === "user" ? "You" : message.role === "agent" ? "Agent" : message.role} · ${TB.when(message.created_at)}` }),
        el("p", { class: "chat-text", text: message.content })));
    }
    log.scrollTop = log.scrollHeight;
    $("pane").textContent = history.pane || "(no terminal output)";
    return history.messages.filter((m) => m.role !== "user").length;
  }

  async function loadHistory() {
    try {
      return renderHistory(await TB.api("GET", `/api/chat/${base}/history`));
    } catch (error) {
      handleAuthError(error);
      return null;
    }
  }

  async function waitForReply(before) {
    state.waitingForAgent = true;
    updateActions();
    $("chat-state").hidden = false;
    $("chat-state").textContent = "Waiting for the agent's reply…";
    const deadline = Date.now() + 5 * 60 * 1000;
    while (Date.now() < deadline && !state.tornDown) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const replies = await loadHistory();
      if (replies !== null && replies > before) {
        $("chat-state").textContent = "The agent replied. Redeploy to publish the change.";
        break;
      }
    }
    state.waitingForAgent = false;
    updateActions();
  }

  $("chat-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    TB.showError("chat-error", null);
    const input = $("chat-input");
    const message = input.value.trim();
    if (!message) return;
    $("chat-send").disabled = true;
    try {
      const before = (await loadHistory()) ?? 0;
      await TB.api("POST", `/api/chat/${base}`, { body: { message } });
      input.value = "";
      await loadHistory();
      follow();
      await waitForReply(before);
    } catch (error) {
      handleAuthError(error);
      TB.showError("chat-error", error);
    } finally {
      updateActions();
    }
  });

  /* ---------- actions ---------- */

  $("redeploy-btn").addEventListener("click", async () => {
    $("redeploy-btn").disabled = true;
    try {
      const accepted = await TB.api("POST", `/api/redeploy/${base}`);
      TB.flash(`Redeploy queued (run ${accepted.run}).`);
      $("chat-state").hidden = true;
      for (let n = REDEPLOY_FIRST_STEP; n <= TOTAL_STEPS; n += 1) {
        state.records.set(`${accepted.run}:${n}`, { run: accepted.run, number: n, status: "pending", duration_seconds: null });
      }
      renderSteps();
      renderProgress({ completed_steps: REDEPLOY_FIRST_STEP - 1, total_steps: TOTAL_STEPS,
        percent: Math.round((100 * (REDEPLOY_FIRST_STEP - 1)) / TOTAL_STEPS) });
      setStatus(EXECUTION.queued);
      follow();
    } catch (error) {
      handleAuthError(error);
      TB.flash(error.message, "error");
      updateActions();
    }
  });

  /* A drifted stack is repaired by a redeploy: it refreshes the stack first. */
  $("repair-btn").addEventListener("click", () => $("redeploy-btn").click());

  $("cancel-btn").addEventListener("click", async () => {
    $("cancel-btn").disabled = true;
    try {
      await TB.api("POST", `/api/cancel/${base}`);
      TB.flash("Cancelling…");
      follow();
    } catch (error) {
      handleAuthError(error);
      TB.flash(error.message, "error");
      updateActions();
    }
  });

  function markTornDown(text) {
    state.tornDown = true;
    if (state.abort) state.abort.abort();
    $("torn-down").hidden = false;
    if (text) $("torn-down-text").textContent = text;
    $("site-url-line").replaceChildren(el("span", { class: "muted", text: "The site was removed." }));
    $("chat-input").disabled = true;
    streamState("closed");
    renderBuilds();
    setStatus(TORN_DOWN);
  }

  /* The teardown is a job: poll its status URL until it is done or failed. */
  async function waitForTeardown(statusUrl) {
    for (;;) {
      const result = await TB.api("GET", statusUrl);
      if (result.torn_down || DOMAIN.job_ended.includes(result.job_status)) return result;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  $("teardown-btn").addEventListener("click", async () => {
    const sure = window.confirm(
      "Tear down this session?\n\nIts stack is destroyed, the agent is stopped and the workspace archived. This cannot be undone.");
    if (!sure) return;
    $("teardown-btn").disabled = true;
    $("teardown-btn").textContent = "Tearing down…";
    try {
      const accepted = await TB.api("DELETE", `/api/sessions/${encodeURIComponent(sessionId)}`);
      const result = await waitForTeardown(accepted.status_url);
      if (result.torn_down) {
        markTornDown(null);
        TB.flash("The session was torn down.");
      } else {
        TB.flash("The teardown did not finish; it will be retried. Details are in the logs.", "error");
      }
    } catch (error) {
      handleAuthError(error);
      TB.flash(error.message, "error");
    } finally {
      $("teardown-btn").textContent = "Tear down";
      updateActions();
    }
  });

  /* ---------- credentials notice after creation ---------- */

  if (TB.store.get("fresh")) {
    $("credentials").hidden = false;
    $("cred-user").textContent = auth.user;
    $("copy-token").addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(auth.token);
        $("copy-token").textContent = "Copied";
      } catch (_) {
        window.prompt("Copy your token:", auth.token);
      }
    });
    $("dismiss-credentials").addEventListener("click", () => {
      TB.store.drop("fresh");
      $("credentials").hidden = true;
    });
  }

  /* ---------- start ---------- */

  (async () => {
    await loadSessionFacts();
    if (state.tornDown) {
      await refreshStatus();
      return;
    }
    await Promise.all([refreshStatus(), loadHistory()]);
    follow();
  })();
});
