// Helpers shared by the staff pages (console, workbench, dashboard). Text always goes in with
// textContent, never innerHTML.
window.Staff = (function () {
  "use strict";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A JSON call to our own API; a 401 calls onSignedOut (the page shows its login).
  function client(onSignedOut) {
    return async function api(method, path, body) {
      const options = { method: method, headers: {}, credentials: "same-origin" };
      if (body !== undefined) {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
      const response = await fetch(path, options);
      let data = {};
      try { data = await response.json(); } catch (err) { data = {}; }
      if (response.status === 401) { onSignedOut(); }
      if (!response.ok) {
        const error = new Error(data.error || "请求没有成功，请稍后再试");
        error.status = response.status;
        throw error;
      }
      return data;
    };
  }

  // The page's sign-in form (#login-form, #login, #password, #login-error) and its sign-out
  // button (#logout), for an area's API ("/trainer/api"): onSignedIn gets the person's "me".
  function signInForm(api, area, onSignedIn, onSignedOut) {
    const $ = function (id) { return document.getElementById(id); };
    $("login-form").addEventListener("submit", async function (event) {
      event.preventDefault();
      $("login-error").textContent = "";
      try {
        onSignedIn(await api("POST", area + "/login", { login: $("login").value, password: $("password").value }));
        $("password").value = "";
      } catch (err) { $("login-error").textContent = err.message; }
    });
    $("logout").addEventListener("click", async function () {
      try { await api("POST", area + "/logout"); } catch (err) { /* signed out anyway */ }
      onSignedOut();
    });
  }

  return { el: el, client: client, signInForm: signInForm };
})();
