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
  const outbox = []; // messages that could not reach us (a restart, a cut): sent again on reconnect
  let shownFromServer = 0; // bot, agent and notice messages shown, to catch up after a reconnect

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

  // A message the gateway logged (bot, agent, notice), counted so a reconnect can catch up.
  function serverBubble(sender, text) {
    shownFromServer += 1;
    bubble(sender === "agent" || sender === "notice" ? sender : "bot", text);
  }

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
      if (m.text) serverBubble(m.sender, m.text);
      if (m.buttons && m.buttons.length) buttons = m.buttons;
    });
    (reply.notices || []).forEach(function (n) { serverBubble("notice", n.text); });
    if (buttons.length || !reply.push) showButtons(buttons);
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

  let postsInFlight = 0;
  async function post(item, text) {
    postsInFlight += 1;
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
      markFailed(item, text, "网络不稳定，连上后会自动重发");
      outbox.push({ item: item, text: text });
    } finally {
      postsInFlight -= 1;
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

  // After a reconnect: show what was said meanwhile (an agent's reply), send what could not go.
  async function catchUp() {
    // replies to messages still on their way over HTTP show themselves; count after them
    for (let i = 0; i < 50 && postsInFlight > 0; i += 1) {
      await new Promise(function (resolve) { setTimeout(resolve, 200); });
    }
    try {
      const history = await fetch("/api/conversations/" + conversationId);
      if (history.ok) {
        const body = await history.json();
        const others = body.messages.filter(function (m) { return m.sender !== "buyer"; });
        others.slice(shownFromServer).forEach(function (m) { serverBubble(m.sender, m.text); });
        statusLine.textContent = MODE_STATUS[body.mode] || "";
      }
    } catch (err) { return; }
    outbox.splice(0).forEach(function (p) {
      p.item.classList.remove("failed");
      const retry = p.item.querySelector(".retry");
      if (retry) retry.remove();
      resend(p.item, p.text);
    });
  }

  function resend(item, text) {
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
    let opened = false;
    socket.addEventListener("open", function () {
      if (reconnecting) catchUp();
      opened = true;
      reconnecting = false;
    });
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
      reconnecting = reconnecting || opened;
      setTimeout(connect, opened ? 1000 : 3000);
    });
  }
  let reconnecting = false;

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
      body.messages.forEach(function (m) {
        if (m.sender === "buyer") bubble("buyer", m.text); else serverBubble(m.sender, m.text);
      });
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
