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

  // A message the gateway logged (bot, agent, notice), counted so a reconnect can catch up;
  // a card it carries (xiaoer/cards.py) is drawn under its bubble.
  function serverBubble(m) {
    shownFromServer += 1;
    const item = bubble(m.sender === "agent" || m.sender === "notice" ? m.sender : "bot", m.text);
    const drawn = m.sender !== "notice" ? card(m.card) : null;
    if (drawn) {
      item.classList.add("has-card");
      item.appendChild(drawn);
      log.scrollTop = log.scrollHeight; // the picture's box is sized up front: no jump when it loads
    }
  }

  // ---- cards. The gateway already kept only safe fields; this checks again (defence in
  // depth): every value goes in as text, and only our own /static/ files or https
  // addresses become a src or href (never javascript:, data: or a quote).
  const SAFE_LINK = /^(\/static\/[A-Za-z0-9_.\/-]+|https:\/\/[^\s"'<>`\\]+)$/;
  const STATUS_CLASS = { unpaid: "unpaid", paid: "paid", shipped: "shipped", delivered: "delivered", cancelled: "cancelled" };

  function safeLink(value) {
    return typeof value === "string" && value.length <= 200 && value.indexOf("..") < 0 && SAFE_LINK.test(value);
  }

  function textOf(value) {
    return typeof value === "string" || (typeof value === "number" && isFinite(value)) ? String(value) : "";
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function price(value) {
    if (typeof value !== "number" || !isFinite(value) || value < 0) return "";
    return "¥" + (Number.isInteger(value) ? String(value) : value.toFixed(2));
  }

  function picture(src, title) {
    if (!safeLink(src)) return null;
    const img = el("img", "card-pic");
    img.alt = title;
    img.width = 72;
    img.height = 72;
    img.decoding = "async";
    img.addEventListener("error", function () { img.remove(); }); // no broken-picture icon
    img.src = src;
    return img;
  }

  // "深蓝 / L码 × 1"; a size already in 码 (均码) is not doubled
  function variantLine(c) {
    const size = textOf(c.size);
    const parts = [textOf(c.colour), size && !/码$/.test(size) ? size + "码" : size].filter(Boolean);
    const quantity = Number.isInteger(c.quantity) && c.quantity > 0 ? c.quantity : 1;
    return (parts.length ? parts.join(" / ") + " " : "") + "× " + quantity;
  }

  function card(c) {
    if (!c || typeof c !== "object") return null;
    const title = textOf(c.title);
    if (!title) return null;
    if (c.type === "product") return productCard(c, title);
    if (c.type === "order") return orderCard(c, title);
    return null;
  }

  function productCard(c, title) {
    const box = el("div", "card product");
    const shown = price(c.price);
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "商品卡片：" + title + (shown ? "，" + shown.slice(1) + "元" : ""));
    const img = picture(c.image, title);
    if (img) box.appendChild(img);
    const body = el("div", "card-body");
    body.appendChild(el("div", "card-title", title));
    if (shown) body.appendChild(el("div", "card-price", shown));
    if (safeLink(c.url)) {
      const link = el("a", "card-link", "查看商品");
      link.href = c.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      body.appendChild(link);
    }
    box.appendChild(body);
    return box;
  }

  function orderCard(c, title) {
    const box = el("div", "card order");
    const orderId = textOf(c.order_id);
    const status = textOf(c.status_zh) || textOf(c.status);
    const tracking = textOf(c.tracking_number) ? [textOf(c.courier), textOf(c.tracking_number)].filter(Boolean).join(" ") : "";
    const variant = variantLine(c);
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", ["订单卡片：" + (orderId ? "订单 " + orderId : title),
      orderId ? title : "", variant, status, tracking ? "快递 " + tracking : ""].filter(Boolean).join("，"));
    const head = el("div", "card-head", orderId ? "订单 " + orderId : "订单");
    if (status) head.appendChild(el("span", "card-status " + (STATUS_CLASS[c.status] || "other"), status));
    box.appendChild(head);
    const main = el("div", "card-main");
    const img = picture(c.image, title);
    if (img) main.appendChild(img);
    const body = el("div", "card-body");
    body.appendChild(el("div", "card-title", title));
    body.appendChild(el("div", "card-line", variant));
    if (tracking) body.appendChild(el("div", "card-line card-tracking", tracking));
    main.appendChild(body);
    box.appendChild(main);
    return box;
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
      if (m.text || m.card) serverBubble(m);
      if (m.buttons && m.buttons.length) buttons = m.buttons;
    });
    (reply.notices || []).forEach(function (n) { serverBubble({ sender: "notice", text: n.text }); });
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
        others.slice(shownFromServer).forEach(serverBubble);
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
        if (m.sender === "buyer") bubble("buyer", m.text); else serverBubble(m);
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
