// The buyer's chat widget. Texts are always inserted with textContent, never as HTML.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const quick = document.getElementById("quick");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const statusLine = document.getElementById("status");
  const MODE_STATUS = { bot: "店小二在线", waiting: "正在为您转接人工客服…", human: "人工客服为您服务中" };
  const KEY = "xiaoer.conversation";
  let conversationId = null;
  let socket = null;
  const awaitingReply = []; // bubbles sent over the socket, answered in order

  function bubble(sender, text) {
    const item = document.createElement("li");
    item.className = "msg " + sender;
    const body = document.createElement("div");
    body.className = "bubble";
    body.textContent = text;
    item.appendChild(body);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function notice(text) { bubble("notice", text); }

  function showButtons(buttons) {
    quick.replaceChildren();
    (buttons || []).forEach(function (b) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () { send(b.payload || b.title); });
      quick.appendChild(button);
    });
  }

  function showReply(reply) {
    let buttons = [];
    (reply.messages || []).forEach(function (m) {
      if (m.text) bubble(m.sender === "agent" ? "agent" : "bot", m.text);
      if (m.buttons && m.buttons.length) buttons = m.buttons;
    });
    showButtons(buttons);
    if (reply.mode) statusLine.textContent = MODE_STATUS[reply.mode] || "";
  }

  function markFailed(item, text, reason) {
    item.classList.add("failed");
    const retry = document.createElement("button");
    retry.className = "retry";
    retry.type = "button";
    retry.textContent = "重发";
    retry.title = reason || "发送失败";
    retry.addEventListener("click", function () { item.remove(); send(text); });
    item.appendChild(retry);
  }

  async function post(item, text) {
    try {
      const response = await fetch("/api/conversations/" + conversationId + "/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: text }),
      });
      const body = await response.json();
      if (!response.ok) { markFailed(item, text, body.error); return; }
      showReply(body);
    } catch (err) {
      markFailed(item, text, "网络不稳定，请稍后重发");
    }
  }

  function send(text) {
    text = (text || "").trim();
    if (!text || !conversationId) return;
    const item = bubble("buyer", text);
    if (socket && socket.readyState === WebSocket.OPEN) {
      awaitingReply.push({ item: item, text: text });
      socket.send(JSON.stringify({ text: text }));
    } else {
      post(item, text);
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/" + conversationId);
    socket.addEventListener("message", function (event) {
      let frame;
      try { frame = JSON.parse(event.data); } catch (err) { return; }
      const pending = frame.push ? null : awaitingReply.shift();
      if (frame.error) { if (pending) markFailed(pending.item, pending.text, frame.error); return; }
      showReply(frame);
    });
    socket.addEventListener("close", function () {
      // unanswered messages go again over HTTP; reconnect a little later
      awaitingReply.splice(0).forEach(function (p) { post(p.item, p.text); });
      setTimeout(connect, 3000);
    });
  }

  async function start() {
    conversationId = localStorage.getItem(KEY);
    if (!conversationId) {
      const response = await fetch("/api/conversations", { method: "POST" });
      conversationId = (await response.json()).conversation_id;
      localStorage.setItem(KEY, conversationId);
    }
    const history = await fetch("/api/conversations/" + conversationId);
    if (history.ok) {
      const body = await history.json();
      body.messages.forEach(function (m) { bubble(m.sender, m.text); });
      statusLine.textContent = MODE_STATUS[body.mode] || "";
    } else {
      notice("您好，有任何问题都可以直接问我哦");
    }
    connect();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
    input.value = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  start();
})();
