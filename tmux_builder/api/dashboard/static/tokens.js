/* The user's tokens: list, create (shown once), rename, rotate (the successor shown once),
   revoke. Revoking or rotating the token in use updates or ends this tab's sign-in. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const auth = TB.requireSignIn();
  if (!auth) return;
  const { el } = TB;
  document.getElementById("user-id").textContent = auth.user;
  const body = document.querySelector("#tokens-table tbody");
  const form = document.getElementById("token-form");

  function showSecret(issued) {
    document.getElementById("new-token-value").textContent = issued.token;
    const box = document.getElementById("new-token");
    box.dataset.tokenId = String(issued.id);
    box.hidden = false;
  }

  function failed(error) {
    if (error.status === 401) { TB.store.drop("token"); window.location.replace("/"); return; }
    TB.showError("tokens-error", error);
  }

  async function act(run) {
    TB.showError("tokens-error", null);
    try { await run(); } catch (error) { failed(error); return; }
    await load();
  }

  function actions(token) {
    const path = `/api/tokens/${encodeURIComponent(token.id)}`;
    if (token.state !== "active") return el("span", { class: "muted", text: "—" });
    const rename = el("button", { type: "button", class: "button small", text: "Rename" });
    rename.addEventListener("click", () => {
      const name = window.prompt("New name for this token", token.name);
      if (name === null || !name.trim()) return;
      act(() => TB.api("PATCH", path, { body: { name: name.trim() } }));
    });
    const rotate = el("button", { type: "button", class: "button small", text: "Rotate" });
    rotate.addEventListener("click", () => act(async () => {
      const issued = await TB.api("POST", `${path}/rotate`);
      if (token.current) TB.store.set("token", issued.token);
      showSecret(issued);
    }));
    const revoke = el("button", { type: "button", class: "button small danger", text: "Revoke" });
    revoke.addEventListener("click", () => {
      const warning = token.current ? "This is the token this tab uses; revoking it signs you out. Revoke?" : `Revoke "${token.name}"?`;
      if (!window.confirm(warning)) return;
      act(async () => {
        await TB.api("DELETE", path);
        if (token.current) { TB.store.drop("token"); window.location.assign("/"); }
        const shown = document.getElementById("new-token");
        if (shown.dataset.tokenId === String(token.id)) shown.hidden = true;
      });
    });
    return el("div", { class: "actions" }, rename, rotate, revoke);
  }

  async function load() {
    let tokens;
    try { tokens = await TB.api("GET", "/api/tokens"); } catch (error) { failed(error); return; }
    body.replaceChildren();
    for (const token of tokens) {
      body.append(el("tr", { class: "token-row", dataset: { tokenId: String(token.id), state: token.state } },
        el("td", {}, el("span", { class: "token-name", text: token.name }),
          token.current ? el("span", { class: "muted small current-mark", text: " (this tab)" }) : null),
        el("td", { class: "token-scope", text: token.scope }),
        el("td", {}, TB.badge(token.state)),
        el("td", { text: TB.when(token.created_at) }),
        el("td", { text: TB.when(token.last_used_at) }),
        el("td", { text: token.expires_at ? TB.when(token.expires_at) : "never" }),
        el("td", {}, actions(token))));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    TB.showError("token-error", null);
    const data = new FormData(form);
    const request = { name: String(data.get("name") || "").trim(), scope: data.get("scope") };
    const days = String(data.get("expires_in_days") || "").trim();
    if (days) request.expires_in_days = Number(days);
    try {
      showSecret(await TB.api("POST", "/api/tokens", { body: request }));
      form.reset();
    } catch (error) {
      if (error.status === 401) { failed(error); return; }
      TB.showError("token-error", error);
      return;
    }
    await load();
  });

  load();
});
