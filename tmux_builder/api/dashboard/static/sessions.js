/* The user's sessions and stacks. */
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const auth = TB.requireSignIn();
  if (!auth) return;
  const { el } = TB;
  document.getElementById("user-id").textContent = auth.user;
  const list = document.getElementById("sessions");
  const user = encodeURIComponent(auth.user);

  try {
    const sessions = await TB.api("GET", `/api/user/${user}/sessions`);
    list.replaceChildren();
    if (!sessions.length) list.append(el("p", { class: "muted", text: "No sessions yet." }));
    for (const s of sessions) {
      const state = s.status === "active" ? s.execution_status : s.status;
      list.append(el("article", { class: "card session-card" },
        el("div", { class: "card-head" },
          el("a", { href: `/app/sessions/${encodeURIComponent(s.execution_id)}`, class: "session-link" },
            el("code", { text: s.session_id })),
          TB.badge(state)),
        el("dl", { class: "facts" },
          el("dt", { text: "Target" }), el("dd", { text: `${s.host_provider} · ${s.site_type}` }),
          el("dt", { text: "Created" }), el("dd", { text: TB.when(s.created_at) }),
          el("dt", { text: "Expires" }), el("dd", { text: TB.when(s.expires_at) }),
          el("dt", { text: "Site" }), el("dd", {}, s.deployed_url ? TB.safeLink(s.deployed_url) : "—")),
        el("a", { class: "button small", href: `/app/sessions/${encodeURIComponent(s.execution_id)}`, text: "Open" })));
    }
  } catch (error) {
    if (error.status === 401) { TB.store.drop("token"); window.location.replace("/"); return; }
    list.replaceChildren(el("p", { class: "form-error", text: error.message }));
  } finally {
    list.removeAttribute("aria-busy");
  }

  const body = document.querySelector("#stacks-table tbody");
  try {
    const stacks = await TB.api("GET", `/api/users/${user}/stacks`);
    body.replaceChildren();
    if (!stacks.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "muted", text: "No stacks." })));
    for (const s of stacks) {
      body.append(el("tr", {},
        el("td", {}, el("code", { text: s.name })),
        el("td", { text: s.resource_count ?? "—" }),
        el("td", { text: TB.when(s.last_update) }),
        el("td", {}, TB.badge(s.update_in_progress ? "updating" : "idle"))));
    }
  } catch (error) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "form-error", text: error.message })));
  }
});
