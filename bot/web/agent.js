// The agent console. Every text from buyers or the server goes in with textContent, never innerHTML.
(function () {
  "use strict";
  const $ = function (id) { return document.getElementById(id); };
  const SENDER = { buyer: "买家", bot: "店小二", agent: "客服", notice: "提示" };
  const LABELS = {
    height: "身高", weight: "体重", waist: "腰围", hip: "臀围", usual_size: "平时尺码", size: "尺码",
    color: "颜色", price: "价格", courier: "快递", region: "地区", order_id: "订单号", sku: "商品",
  };
  function label(name) { return LABELS[name] || name; }
  const state = { me: null, outcomes: {}, openId: null, open: null, mine: new Set(), unread: new Set(), clockSkew: 0, socket: null };

  const el = Staff.el;
  const api = Staff.client(function () { showLogin(); });

  // ---- sign in

  function showLogin() {
    if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
    state.me = null;
    $("console-view").hidden = true;
    $("login-view").hidden = false;
  }

  function showConsole(me) {
    state.me = me.agent;
    state.outcomes = me.outcomes || {};
    $("agent-name").textContent = state.me.name + "（" + state.me.login + "）";
    const select = $("outcome");
    select.replaceChildren();
    Object.keys(state.outcomes).forEach(function (key) {
      if (key === "handed_back") return;  // that is the 交还机器人 button
      const option = el("option", null, state.outcomes[key]);
      option.value = key;
      select.appendChild(option);
    });
    $("login-view").hidden = true;
    $("console-view").hidden = false;
    connect();
    loadQueue();
  }

  $("login-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    $("login-error").textContent = "";
    try {
      const me = await api("POST", "/agent/api/login", { login: $("login").value.trim(), password: $("password").value });
      $("password").value = "";
      showConsole(me);
    } catch (err) {
      $("login-error").textContent = err.message;
    }
  });

  $("logout").addEventListener("click", async function () {
    try { await api("POST", "/agent/api/logout"); } catch (err) { /* signed out either way */ }
    showLogin();
  });

  // ---- the queue and my conversations

  function waited(seconds) {
    if (seconds < 60) return "等待 " + seconds + " 秒";
    if (seconds < 3600) return "等待 " + Math.floor(seconds / 60) + " 分钟";
    return "等待 " + Math.floor(seconds / 3600) + " 小时 " + Math.floor((seconds % 3600) / 60) + " 分";
  }

  function summaryText(summary) {
    const parts = [];
    if (summary.intent_zh) parts.push(summary.intent_zh);
    if (summary.item) parts.push(summary.item.name);
    if (summary.order_id) parts.push("订单 " + summary.order_id);
    (summary.changes || []).forEach(function (c) { parts.push("要改" + c.field_zh); });
    if (summary.text) parts.push("“" + summary.text + "”");
    return parts.join(" · ");
  }

  function caseItem(view, mine) {
    const item = el("li");
    item.dataset.conversation = view.conversation_id;
    if (view.urgent) item.classList.add("urgent");
    if (view.conversation_id === state.openId) item.classList.add("open");
    if (state.unread.has(view.conversation_id)) item.classList.add("unread");
    const row = el("div", "row");
    const who = el("span", "who", (mine ? "" : "#" + view.position + " ") + "买家 " + view.conversation_id.slice(-6));
    row.appendChild(who);
    row.appendChild(el("span", "reason", view.reason_zh));
    item.appendChild(row);
    const row2 = el("div", "row");
    if (!mine) {
      const wait = el("span", "wait", waited(view.waiting_seconds));
      wait.dataset.opened = view.opened_at;
      row2.appendChild(wait);
      const claim = el("button", "claim", "接入");
      claim.type = "button";
      claim.addEventListener("click", function (event) { event.stopPropagation(); claimCase(view.conversation_id); });
      row2.appendChild(claim);
    }
    item.appendChild(row2);
    item.appendChild(el("div", "summary", summaryText(view.summary || {})));
    item.addEventListener("click", function () { openCase(view.conversation_id); });
    return item;
  }

  let queueLoading = null;
  async function loadQueue() {
    if (queueLoading) { queueLoading.again = true; return; }
    queueLoading = { again: false };
    try {
      const data = await api("GET", "/agent/api/queue");
      state.clockSkew = data.now - Date.now() / 1000;
      state.mine = new Set(data.mine.map(function (c) { return c.conversation_id; }));
      $("queue").replaceChildren.apply($("queue"), data.waiting.map(function (c) { return caseItem(c, false); }));
      $("mine").replaceChildren.apply($("mine"), data.mine.map(function (c) { return caseItem(c, true); }));
      $("waiting-count").textContent = data.waiting.length;
      $("mine-count").textContent = data.mine.length;
      $("hours-hint").hidden = data.agent_hours;
    } catch (err) {
      if (err.status !== 401) $("live-status").textContent = "队列刷新失败，稍后重试";
    } finally {
      const again = queueLoading.again;
      queueLoading = null;
      if (again) loadQueue();
    }
  }

  setInterval(function () {
    const now = Date.now() / 1000 + state.clockSkew;
    document.querySelectorAll(".wait[data-opened]").forEach(function (node) {
      node.textContent = waited(Math.max(0, Math.round(now - Number(node.dataset.opened))));
    });
  }, 1000);

  // ---- one conversation

  function understoodLine(turn) {
    const parts = [];
    if (turn.intent) parts.push("识别：" + (turn.intent_zh || turn.intent) + " " + Math.round(turn.confidence * 100) + "%");
    (turn.entities || []).forEach(function (e) { parts.push(label(e.entity) + "：" + e.value); });
    Object.keys(turn.slots || {}).forEach(function (k) { parts.push("记下" + label(k) + "：" + turn.slots[k]); });
    if (turn.actions && turn.actions.length) parts.push("机器人：" + turn.actions.join("、"));
    if (turn.while_paused) parts.push("（人工接待期间，机器人未回复）");
    const line = el("div", "understood" + (turn.while_paused ? " paused" : ""), parts.join(" · "));
    return line;
  }

  // ---- cards the bot showed under its text (xiaoer/cards.py), compact: the agent sees what the
  // buyer saw. Values go in as text; only our /static/ files or https addresses become a
  // src or href, checked again here although the gateway already did (defence in depth).
  const SAFE_LINK = /^(\/static\/[A-Za-z0-9_.\/-]+|https:\/\/[^\s"'<>`\\]+)$/;
  const STATUS_CLASS = { unpaid: "unpaid", paid: "paid", shipped: "shipped", delivered: "delivered", cancelled: "cancelled" };

  function safeLink(value) {
    return typeof value === "string" && value.length <= 200 && value.indexOf("..") < 0 && SAFE_LINK.test(value);
  }

  function textOf(value) {
    return typeof value === "string" || (typeof value === "number" && isFinite(value)) ? String(value) : "";
  }

  function cardView(c) {
    if (!c || typeof c !== "object" || (c.type !== "product" && c.type !== "order")) return null;
    const title = textOf(c.title);
    if (!title) return null;
    const box = el("div", "card " + c.type);
    box.setAttribute("role", "group");
    if (safeLink(c.image)) {
      const img = el("img", "card-pic");
      img.alt = title;
      img.width = 40;
      img.height = 40;
      img.addEventListener("error", function () { img.remove(); });
      img.src = c.image;
      box.appendChild(img);
    }
    const body = el("div", "card-body");
    if (c.type === "product") {
      const price = typeof c.price === "number" && isFinite(c.price) && c.price >= 0 ?
        (Number.isInteger(c.price) ? String(c.price) : c.price.toFixed(2)) : "";
      box.setAttribute("aria-label", "商品卡片：" + title + (price ? "，" + price + "元" : ""));
      body.appendChild(el("div", "card-title", "商品卡片 · " + (textOf(c.sku) ? textOf(c.sku) + " " : "") + title));
      const line = el("div", "card-line", price ? "¥" + price : "");
      if (safeLink(c.url)) {
        const link = el("a", null, "查看商品");
        link.href = c.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        line.appendChild(link);
      }
      body.appendChild(line);
    } else {
      const size = textOf(c.size);
      const variant = [textOf(c.colour), size && !/码$/.test(size) ? size + "码" : size].filter(Boolean).join(" / ") +
        " × " + (Number.isInteger(c.quantity) && c.quantity > 0 ? c.quantity : 1);
      const status = textOf(c.status_zh) || textOf(c.status);
      const tracking = textOf(c.tracking_number) ? [textOf(c.courier), textOf(c.tracking_number)].filter(Boolean).join(" ") : "";
      box.setAttribute("aria-label", ["订单卡片：订单 " + textOf(c.order_id), title, variant, status, tracking].filter(Boolean).join("，"));
      body.appendChild(el("div", "card-title", "订单卡片 · " + textOf(c.order_id) + " " + title));
      const line = el("div", "card-line", variant);
      if (status) line.appendChild(el("span", "card-status " + (STATUS_CLASS[c.status] || "other"), status));
      if (tracking) line.appendChild(el("span", null, tracking));
      body.appendChild(line);
    }
    box.appendChild(body);
    return box;
  }

  function messageItem(m) {
    const item = el("li", m.sender);
    const who = m.sender === "agent" && m.agent ? "客服 " + m.agent : (SENDER[m.sender] || m.sender);
    const time = m.ts ? new Date(m.ts * 1000).toLocaleTimeString("zh-CN", { hour12: false }) : "";
    item.appendChild(el("div", "meta", who + " " + time));
    item.appendChild(el("div", "bubble", m.text));
    // a choice offered to the buyer carries its candidates as cards (m.cards)
    const cards = m.sender !== "buyer" ? [m.card].concat(Array.isArray(m.cards) ? m.cards : []) : [];
    cards.map(cardView).filter(Boolean).forEach(function (card) { item.appendChild(card); });
    if (m.understood) item.appendChild(understoodLine(m.understood));
    return item;
  }

  function fact(list, name, value) {
    if (value === undefined || value === null || value === "") return;
    list.appendChild(el("dt", null, name));
    list.appendChild(el("dd", null, value));
  }

  function renderCase(detail) {
    const view = detail.case;
    const mine = view.status === "claimed" && view.agent === state.me.login;
    $("empty").hidden = true;
    $("case").hidden = false;
    $("case").dataset.conversation = view.conversation_id;
    $("case-title").textContent = "买家 " + view.conversation_id + " · " + view.reason_zh +
      (view.status === "waiting" ? " · 排队中" : view.status === "claimed" ? " · 接待人 " + view.agent : " · 已结束");
    const facts = $("case-facts");
    facts.replaceChildren();
    if (detail.item) fact(facts, "商品", detail.item.sku + " " + detail.item.name + " ¥" + detail.item.price);
    fact(facts, "订单", detail.order_id);
    Object.keys(detail.slots || {}).forEach(function (k) {
      const v = detail.slots[k];
      if (k === "linked_order" && v && typeof v === "object") {
        fact(facts, "买家的订单", [v.order_id, v.item, v.colour, v.size, v.status].filter(Boolean).join(" "));
      } else if (k !== "order_id" && k !== "sku" && typeof v !== "object") {
        fact(facts, label(k), v);
      }
    });
    const summary = view.summary || {};
    fact(facts, "转人工时识别", summary.intent_zh);
    // an order change the buyer asked for: the agent applies it in the shop's back office
    (summary.changes || []).forEach(function (c) {
      fact(facts, "要改" + c.field_zh, (c.old ? c.old + " → " : "改成 ") + c.new);
    });
    if (!detail.rasa_ok) fact(facts, "注意", "暂时读不到机器人的理解记录，聊天内容完整");
    $("claim").hidden = view.status !== "waiting";
    ["release", "handback", "close", "outcome"].forEach(function (id) { $(id).hidden = !mine; });
    $("composer").hidden = !mine;
    const log = $("log");
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.replaceChildren.apply(log, detail.messages.map(messageItem));
    showReceipts(detail.messages, detail.read_up_to);
    if (atBottom || state.open === null || state.open.case.conversation_id !== view.conversation_id) log.scrollTop = log.scrollHeight;
    const box = $("suggestions");
    box.replaceChildren();
    if (mine && detail.suggestions.length) {
      box.appendChild(el("div", "label", "推荐话术（点击放入输入框，可修改后发送）："));
      detail.suggestions.forEach(function (s) {
        s.texts.slice(0, 2).forEach(function (text) {
          const button = el("button", "suggestion", text);
          button.type = "button";
          button.title = s.script_id;
          button.addEventListener("click", function () { $("reply").value = text; $("reply").focus(); });
          box.appendChild(button);
        });
      });
    }
    state.open = detail;
  }

  async function openCase(conversationId) {
    if (state.openId !== conversationId) { stopTyping(); $("reply").value = ""; $("case-error").textContent = ""; }
    state.openId = conversationId;
    state.unread.delete(conversationId);
    document.querySelectorAll(".cases li").forEach(function (li) {
      li.classList.toggle("open", li.dataset.conversation === conversationId);
      if (li.dataset.conversation === conversationId) li.classList.remove("unread");
    });
    try {
      const detail = await api("GET", "/agent/api/cases/" + encodeURIComponent(conversationId));
      if (state.openId === conversationId) renderCase(detail);
    } catch (err) {
      $("case-error").textContent = err.message;
    }
  }

  async function act(path, body, after) {
    const id = state.openId;
    $("case-error").textContent = "";
    try {
      const result = await api("POST", "/agent/api/cases/" + encodeURIComponent(id) + path, body);
      if (after) after(result);
      await loadQueue();
      if (state.openId === id) await openCase(id);
    } catch (err) {
      $("case-error").textContent = err.message;
      loadQueue();
    }
  }

  async function claimCase(conversationId) {
    state.openId = conversationId;
    await act("/claim");
  }

  $("claim").addEventListener("click", function () { act("/claim"); });
  $("release").addEventListener("click", function () { act("/release"); });
  $("handback").addEventListener("click", function () { act("/handback"); });
  $("close").addEventListener("click", function () { act("/close", { outcome: $("outcome").value }); });

  $("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text) return;
    stopTyping();
    act("/messages", { text: text }, function () { $("reply").value = ""; });
  });
  $("reply").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  // ---- live: the buyer sees that the agent types; the agent sees what the buyer has read

  // Under each of the agent's messages: 已读 once the buyer's widget has shown it (or a later
  // one) on a visible page, else 未读. read_up_to is the ts of the latest one read.
  function showReceipts(messages, readUpTo) {
    const items = $("log").children;
    messages.forEach(function (m, i) {
      const item = items[i];
      if (!item || m.sender !== "agent") return;
      let receipt = item.querySelector(".receipt");
      if (!receipt) { receipt = el("div", "receipt"); item.appendChild(receipt); }
      const read = typeof m.ts === "number" && m.ts <= (readUpTo || 0);
      receipt.textContent = read ? "已读" : "未读";
      receipt.classList.toggle("read", read);
    });
  }

  function liveFrame(frame) {
    if (frame.type === "read" && state.open && frame.conversation_id === state.openId) {
      state.open.read_up_to = Math.max(state.open.read_up_to || 0, frame.up_to);
      showReceipts(state.open.messages, state.open.read_up_to);
    }
    // a typing frame refused (the case is no longer ours): nothing to show, the next re-read says why
  }

  // "typing" while the agent writes in a case they have: at most one every TYPING_EVERY_MS,
  // and a stop when the box empties, the reply is sent or another case is opened.
  const TYPING_EVERY_MS = 2000;
  const typing = { conversation: null, at: 0 };

  function sendTyping(conversationId, value) {
    const socket = state.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "typing", conversation_id: conversationId, typing: value }));
  }

  function stopTyping() {
    if (typing.conversation) sendTyping(typing.conversation, false);
    typing.conversation = null;
    typing.at = 0;
  }

  $("reply").addEventListener("input", function () {
    const id = state.openId;
    if (!$("reply").value.trim() || !id || !state.mine.has(id)) { stopTyping(); return; }
    if (typing.conversation !== id) stopTyping();
    if (typing.conversation === id && Date.now() - typing.at < TYPING_EVERY_MS) return;
    typing.conversation = id;
    typing.at = Date.now();
    sendTyping(id, true);
  });

  // ---- live events: the socket says what changed, the page reads it again

  const SIGNED_OUT = 4401;  // the server closes the socket with this when its session is over

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/agent/ws");
    state.socket = socket;
    socket.onopen = function () {
      $("live-status").textContent = "实时连接正常";
      loadQueue();  // catch up on whatever happened while disconnected
      if (state.openId) openCase(state.openId);
    };
    socket.onmessage = function (event) {
      let frame;
      try { frame = JSON.parse(event.data); } catch (err) { return; }
      if (frame.type === "queue") loadQueue();
      if (frame.type === "read" || frame.type === "error") liveFrame(frame);
      if (frame.type === "message") {
        if (frame.conversation_id === state.openId) openCase(state.openId);
        else if (state.mine.has(frame.conversation_id)) { state.unread.add(frame.conversation_id); loadQueue(); }
        else loadQueue();
      }
    };
    socket.onclose = function (event) {
      if (state.socket !== socket || !state.me) return;
      if (event.code === SIGNED_OUT) { showLogin(); return; }  // this session was signed out
      $("live-status").textContent = "连接中断，正在重连…";
      reconnectLater(socket);
    };
  }

  // A gateway restart or a network cut: try again every two seconds until it answers.
  function reconnectLater(socket) {
    setTimeout(function () {
      if (state.socket !== socket || !state.me) return;
      api("GET", "/agent/api/me").then(function () { connect(); }).catch(function (err) {
        if (err.status !== 401) reconnectLater(socket);
      });
    }, 2000);
  }

  api("GET", "/agent/api/me").then(showConsole).catch(function () { showLogin(); });
})();
