/* The sign-in page: start a new site (POST /api/create-user, with this tab's token when
   signed in: an existing account needs it), sign in with user id + token, or recover a lost
   token with a code sent by email (POST /api/auth/recover, then /api/auth/verify). */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const create = document.getElementById("create-form");
  const signin = document.getElementById("signin-form");

  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    TB.showError("create-error", null);
    const data = new FormData(create);
    const body = {
      email: String(data.get("email") || "").trim(),
      phone: String(data.get("phone") || "").trim(),
      host_provider: data.get("host_provider"),
      site_type: data.get("site_type"),
      requirements: String(data.get("requirements") || "").trim(),
    };
    const ttl = String(data.get("ttl_days") || "").trim();
    if (ttl) body.ttl_days = Number(ttl);
    const button = document.getElementById("create-submit");
    button.disabled = true;
    button.textContent = "Starting…";
    try {
      const created = await TB.api("POST", "/api/create-user", { body });
      TB.store.set("user", created.user_id);
      if (created.token) {
        TB.store.set("token", created.token);
        TB.store.set("fresh", "1");
      }
      window.location.assign(`/app/sessions/${encodeURIComponent(created.execution_id)}`);
    } catch (error) {
      TB.showError("create-error", error);
      const field = error.field && create.elements.namedItem(error.field);
      if (field) field.focus();
      button.disabled = false;
      button.textContent = "Build my site";
    }
  });

  signin.addEventListener("submit", async (event) => {
    event.preventDefault();
    TB.showError("signin-error", null);
    const data = new FormData(signin);
    const user = String(data.get("user_id") || "").trim();
    const token = String(data.get("token") || "").trim();
    if (!user || !token) {
      TB.showError("signin-error", new Error("Enter both your user id and your token."));
      return;
    }
    try {
      await TB.api("GET", `/api/user/${encodeURIComponent(user)}/sessions`, { token });
      TB.store.set("token", token);
      TB.store.set("user", user);
      window.location.assign("/app");
    } catch (error) {
      const messages = {
        401: "That token is not valid.",
        404: "That user id does not belong to this token.",
        422: "That is not a valid user id.",
      };
      TB.showError("signin-error", new Error(messages[error.status] || error.message));
    }
  });

  const recover = document.getElementById("recover-form");
  const verify = document.getElementById("verify-form");
  let recoveringEmail = "";

  recover.addEventListener("submit", async (event) => {
    event.preventDefault();
    TB.showError("recover-error", null);
    const data = new FormData(recover);
    const body = { email: String(data.get("email") || "").trim() };
    const phone = String(data.get("phone") || "").trim();
    if (phone) body.phone = phone;
    try {
      const answer = await TB.api("POST", "/api/auth/recover", { body, token: null });
      recoveringEmail = body.email;
      document.getElementById("recover-sent").textContent = answer.detail;
      verify.hidden = false;
      verify.elements.namedItem("code").focus();
    } catch (error) {
      TB.showError("recover-error", error);
    }
  });

  verify.addEventListener("submit", async (event) => {
    event.preventDefault();
    TB.showError("verify-error", null);
    const code = String(new FormData(verify).get("code") || "").trim();
    try {
      const issued = await TB.api("POST", "/api/auth/verify", { body: { email: recoveringEmail, code }, token: null });
      TB.store.set("token", issued.token);
      TB.store.set("user", issued.user_id);
      window.location.assign("/app");
    } catch (error) {
      TB.showError("verify-error", error);
    }
  });
});
