/* Shared helpers: the token in sessionStorage, JSON API calls with the bearer header,
   DOM building with textContent only (never user text as HTML). */
"use strict";

const TB = (() => {
  const KEYS = { token: "tb.token", user: "tb.user", admin: "tb.admin", fresh: "tb.fresh" };

  const store = {
    get: (key) => sessionStorage.getItem(KEYS[key]),
    set: (key, value) => sessionStorage.setItem(KEYS[key], value),
    drop: (key) => sessionStorage.removeItem(KEYS[key]),
  };

  class ApiError extends Error {
    constructor(status, body) {
      const detail = body && body.error ? body.error : {};
      super(detail.message || `request failed (${status})`);
      this.status = status;
      this.field = detail.field || null;
      this.code = detail.code || null;
    }
  }

  function authHeader(token) {
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  async function api(method, path, { body, token = store.get("token"), raw = false } = {}) {
    const headers = { Accept: raw ? "*/*" : "application/json", ...authHeader(token) };
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (!response.ok) {
      let payload = null;
      try { payload = await response.json(); } catch (_) { payload = null; }
      throw new ApiError(response.status, payload);
    }
    if (raw) return response;
    return response.status === 204 ? null : response.json();
  }

  async function blobUrl(path, token) {
    const response = await api("GET", path, { token, raw: true });
    return URL.createObjectURL(await response.blob());
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function safeLink(url, text) {
    let parsed = null;
    try { parsed = new URL(url, window.location.href); } catch (_) { parsed = null; }
    if (!parsed || !["http:", "https:"].includes(parsed.protocol)) return el("span", { text: text || url });
    return el("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer", text: text || url });
  }

  function when(value) {
    if (!value) return "—";
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  function seconds(value) {
    if (value === null || value === undefined) return "";
    return value < 60 ? `${value.toFixed(1)} s` : `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
  }

  function badge(status) {
    return el("span", { class: "badge", dataset: { status }, text: String(status).replace(/_/g, " ") });
  }

  let flashTimer = null;

  function flash(message, kind = "info") {
    const box = document.getElementById("flash");
    if (!box) return;
    box.textContent = message;
    box.dataset.kind = kind;
    box.hidden = !message;
    clearTimeout(flashTimer);
    if (message && kind === "info") flashTimer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  function showError(id, error) {
    const node = document.getElementById(id);
    if (!node) return;
    node.textContent = error ? (error.message || String(error)) : "";
    node.hidden = !error;
  }

  function requireSignIn() {
    const token = store.get("token");
    const user = store.get("user");
    if (!token || !user) {
      window.location.replace("/");
      return null;
    }
    return { token, user };
  }

  function signOut() {
    ["token", "user", "admin", "fresh"].forEach(store.drop);
    window.location.assign("/");
  }

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("sign-out");
    if (button && (store.get("token") || store.get("admin"))) {
      button.hidden = false;
      button.addEventListener("click", signOut);
    }
  });

  return { store, api, blobUrl, ApiError, el, safeLink, when, seconds, badge, flash, showError, requireSignIn };
})();
