// Helpers shared by the agent console and the trainer workbench. Text always goes in with
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

  return { el: el, client: client };
})();
