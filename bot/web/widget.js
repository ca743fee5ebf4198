// The buyer's chat widget. Texts are always inserted with textContent, never as HTML.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const quick = document.getElementById("quick");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const statusLine = document.getElementById("status");
  const chat = document.getElementById("chat");
  const MODE_STATUS = { bot: "店小二在线", waiting: "正在为您转接人工客服…", human: "人工客服为您服务中" };
  const KEY = "xiaoer.conversation";
  let conversationId = null;
  // The conversation's token (bot/chat/keys.py), kept beside its id: POST /api/conversations
  // gives both, and every call about the conversation sends the token back (an id alone opens
  // nothing: it shows up in logs and links).
  const TOKEN_KEY = "xiaoer.conversation_token";
  let conversationToken = null;
  let socket = null;
  // A message the buyer sent is { item, text, id, sends }: id is its message_id, the same on
  // every retry, so the gateway answers it once however often it arrives.
  const awaitingReply = []; // messages sent over the socket, not answered yet
  const outbox = []; // messages that could not reach us (a restart, a cut): sent again on reconnect
  let shownFromServer = 0; // bot, agent and notice messages shown, to catch up after a reconnect

  // Options in the page's address, set by the embed (bot/web/embed.js) or a shop's own link,
  // each checked and shown only as text: item, the item page the chat was opened on (sent with
  // every message as context.item); shop, color and greeting; embed=1 in the embed's panel,
  // which shows the shop's name itself; origin, the page holding the panel, told of each
  // message that arrives (its unread badge) and of Escape.
  const page = pageOptions(new URLSearchParams(location.search));
  function pageOptions(query) {
    const item = query.get("item") || "";
    const color = query.get("color") || "";
    let origin = "";
    try { origin = new URL(query.get("origin") || "").origin; } catch (err) { origin = ""; }
    const embedded = query.get("embed") === "1" && window.parent !== window;
    return {
      embedded: embedded,
      item: /^[A-Za-z0-9_-]{1,64}$/.test(item) ? item : "", // as the buyer API checks context.item
      shop: (query.get("shop") || "").trim().slice(0, 40),
      color: /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(color) ? color : "", // a colour, nothing else in the CSS
      greeting: (query.get("greeting") || "").trim().slice(0, 200),
      origin: embedded && origin !== "null" ? origin : "",
    };
  }

  // A message's body or frame with what the page tells about it (the item it was opened on).
  function withContext(message) {
    if (page.item) message.context = { item: page.item };
    return message;
  }

  function tellPage(type) {
    if (page.origin) window.parent.postMessage({ xiaoer: 1, type: type }, page.origin);
  }

  // A random id per message: a UUID, or 32 random hex digits where randomUUID is missing
  // (an insecure http:// page).
  function newMessageId() {
    if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // Who said a message, read out by screen readers before it (the colours say it on screen).
  const SPEAKER = { buyer: "我：", bot: "店小二：", agent: "客服：", notice: "提示：" };

  function bubble(sender, text) {
    const item = document.createElement("li");
    item.className = "msg " + sender;
    item.appendChild(el("span", "sr-only", SPEAKER[sender]));
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
    if (!log.hasAttribute("aria-busy")) tellPage("message"); // after the history: a new one
    const item = bubble(m.sender === "agent" || m.sender === "notice" ? m.sender : "bot", m.text);
    if (m.sender === "agent") agentMessageShown(m.ts);
    // a choice ("您问的是哪一款？") carries its candidates as cards, each tapped to say "this one"
    const cards = m.sender !== "notice" ? [m.card].concat(Array.isArray(m.cards) ? m.cards : []) : [];
    cards.map(card).filter(Boolean).forEach(function (drawn) {
      item.classList.add("has-card");
      item.appendChild(drawn);
      log.scrollTop = log.scrollHeight; // the picture's box is sized up front: no jump when it loads
    });
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
    if (textOf(c.colours)) body.appendChild(el("div", "card-line", textOf(c.colours)));
    if (typeof c.payload === "string" && c.payload.trim()) {
      const choose = el("button", "card-link card-choose", "就是这款");
      choose.type = "button";
      choose.setAttribute("aria-label", "就是这款：" + title);
      choose.addEventListener("click", function (event) {
        send(c.payload);
        backToInput(event);
      });
      body.appendChild(choose);
    }
    if (safeLink(c.url)) {
      const link = el("a", "card-link", "查看商品");
      link.href = c.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.setAttribute("aria-label", "查看商品：" + title + "（在新窗口打开）");
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
      button.addEventListener("click", function (event) {
        send(b.payload || b.title);
        backToInput(event);
      });
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

  // A reason the buyer can read: the widget's own are Chinese, the gateway's are for developers.
  function failedBecause(reason) {
    return /[\u4e00-\u9fff]/.test(reason || "") ? reason : "这条消息没有发出去";
  }

  function markFailed(p, reason) {
    const because = failedBecause(reason);
    p.item.classList.add("failed");
    // announced by the log (a live region): the message did not go, and what to do
    p.item.appendChild(el("span", "sr-only failed-note", "（" + because + "，可以点“重发”再发一次）"));
    const retry = document.createElement("button");
    retry.className = "retry";
    retry.type = "button";
    retry.textContent = "重发";
    retry.title = because;
    retry.addEventListener("click", function (event) {
      const waiting = outbox.indexOf(p);
      if (waiting >= 0) outbox.splice(waiting, 1);
      p.item.remove();
      // the same message again, with the same id; it was sent before, so its answer (if the
      // lost one) comes from the log
      deliver({ item: bubble("buyer", p.text), text: p.text, id: p.id, sends: p.sends });
      backToInput(event); // the button is gone with its message
    });
    p.item.appendChild(retry);
  }

  // The answer to a message. One sent more than once may have been answered already and that
  // answer shown by a catch-up from the log (the gateway answers a repeat with the first
  // answer), so its bot messages are taken from the log: each is shown once.
  function answered(p, reply) {
    if (p.sends === 1) { showReply(reply); return; }
    let buttons = [];
    (reply.messages || []).forEach(function (m) { if (m.buttons && m.buttons.length) buttons = m.buttons; });
    showButtons(buttons);
    showMissed();
  }

  // The gateway is still answering this message's first delivery: ask again in a moment
  // (a little later each time: a stopped gateway's claim on it lasts up to half a minute).
  function askAgainSoon(p) {
    p.waits = (p.waits || 0) + 1;
    setTimeout(function () { deliver(p); }, Math.min(1000 * p.waits, 10000));
  }

  // The bot is slow: the message is saved and its answer follows (pushed to the socket, or
  // given when the widget asks again). Said once per message, then it waits quietly.
  function waitForSlowAnswer(p) {
    if (!p.toldSlow) {
      p.toldSlow = true;
      notice("不好意思，店小二这会儿回复得慢了一些，您的消息已收到，请稍等片刻～");
    }
    askAgainSoon(p);
  }

  // Seconds the gateway asks to wait (Retry-After, retry_after), as milliseconds: 1 s to 2 min.
  function waitFor(seconds) {
    return Math.min(Math.max(Number(seconds) || 5, 1), 120) * 1000;
  }

  // The buyer sent faster than the shop's limits allow: the message was not taken. Say so once
  // while the wait lasts, then send it again, with the same id, when the gateway said to.
  let tooFastUntil = 0;
  function sendAfterWait(p, seconds) {
    p.sends -= 1; // not taken: as if it had not been sent
    const wait = waitFor(seconds);
    if (Date.now() >= tooFastUntil) notice("您发得有点快，请稍等一下，消息会自动帮您发出～");
    tooFastUntil = Math.max(tooFastUntil, Date.now() + wait);
    setTimeout(function () { deliver(p); }, wait);
  }

  // ---- the conversation's token: in a header on every call, in the socket's first frame.

  function withToken(headers) {
    return Object.assign({}, headers, conversationToken ? { "X-Conversation-Token": conversationToken } : {});
  }

  // A fresh conversation: its id and its token, kept for the next visit.
  async function newConversation() {
    const response = await patiently("/api/conversations", { method: "POST" });
    const body = await response.json();
    conversationId = body.conversation_id;
    conversationToken = body.conversation_token;
    localStorage.setItem(KEY, conversationId);
    localStorage.setItem(TOKEN_KEY, conversationToken);
  }

  // The gateway refused this page's token for conversation ``forId`` (403: a conversation from
  // before tokens, or one another tab's first message took): go on quietly in a fresh one, the
  // buyer is told nothing. The socket reconnects to it; what is on the screen stays. Once per
  // conversation, however many calls were refused.
  let renewing = null;
  function startAfresh(forId) {
    if (forId !== conversationId) return renewing || Promise.resolve(); // renewed already
    if (!renewing) {
      renewing = newConversation().then(function () {
        shownFromServer = 0; // of the new conversation, none yet
        if (socket && socket.readyState === WebSocket.OPEN) socket.close(); // it reconnects to the new one
      }).catch(function () {}).finally(function () { renewing = null; });
    }
    return renewing;
  }

  // The conversation so far, as the page opens (an id kept without its token, from before
  // tokens, or a token refused: a fresh conversation).
  async function historyOnOpen() {
    if (!conversationId || !conversationToken) await newConversation();
    const history = await patiently("/api/conversations/" + conversationId, { headers: withToken() });
    if (history.status !== 403) return history;
    await newConversation();
    return patiently("/api/conversations/" + conversationId, { headers: withToken() });
  }

  // A call refused as too fast (429) is made again after the wait, quietly (the page is opening).
  async function patiently(url, options) {
    for (;;) {
      const response = await fetch(url, options);
      if (response.status !== 429) return response;
      await new Promise(function (resolve) { setTimeout(resolve, waitFor(response.headers.get("Retry-After"))); });
    }
  }

  let postsInFlight = 0;
  async function post(p) {
    postsInFlight += 1;
    p.sends += 1;
    let reply = null;
    const forId = conversationId;
    try {
      const response = await fetch("/api/conversations/" + conversationId + "/messages", {
        method: "POST",
        headers: withToken({ "Content-Type": "application/json" }),
        body: JSON.stringify(withContext({ text: p.text, message_id: p.id })),
      });
      const body = await response.json();
      if (response.status === 403) { // not taken: sent again in a fresh conversation
        p.sends -= 1;
        startAfresh(forId).then(function () { deliver(p); });
        return;
      }
      if (response.status === 409) { askAgainSoon(p); return; }
      if (response.status === 429) { sendAfterWait(p, body.retry_after || response.headers.get("Retry-After")); return; }
      if (body.slow) { waitForSlowAnswer(p); return; }
      if (!response.ok) { markFailed(p, body.error); return; }
      if (p.sends === 1) showReply(body); else reply = body;
    } catch (err) {
      markFailed(p, "网络不稳定，连上后会自动重发");
      outbox.push(p);
      // the socket is up, so no reconnect will send it: send it again in a moment
      if (socket && socket.readyState === WebSocket.OPEN) setTimeout(sendOutbox, 2000);
    } finally {
      postsInFlight -= 1;
      showTyping();
    }
    if (reply) answered(p, reply);
  }

  function deliver(p) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      p.sends += 1;
      awaitingReply.push(p);
      socket.send(JSON.stringify(withContext({ text: p.text, message_id: p.id })));
    } else {
      post(p);
    }
    showTyping();
  }

  function send(text) {
    text = (text || "").trim();
    if (!text || !conversationId) return;
    deliver({ item: bubble("buyer", text), text: text, id: newMessageId(), sends: 0 });
  }

  // Show the bot, agent and notice messages of the log not on the screen yet; one catch-up
  // at a time, so two never show the same message.
  let catchingUp = Promise.resolve();
  function showMissed() {
    catchingUp = catchingUp.then(async function () {
      // replies to messages still on their way over HTTP show themselves; count after them
      for (let i = 0; i < 50 && postsInFlight > 0; i += 1) {
        await new Promise(function (resolve) { setTimeout(resolve, 200); });
      }
      try {
        const forId = conversationId;
        const history = await patiently("/api/conversations/" + conversationId, { headers: withToken() });
        if (history.status === 404) return true; // nothing of it is logged yet: nothing missed
        if (history.status === 403) { startAfresh(forId); return false; }
        if (!history.ok) return false;
        const body = await history.json();
        const others = body.messages.filter(function (m) { return m.sender !== "buyer"; });
        others.slice(shownFromServer).forEach(serverBubble);
        statusLine.textContent = MODE_STATUS[body.mode] || "";
        showLine(body.line);
        return true;
      } catch (err) { return false; }
    });
    return catchingUp;
  }

  // After a reconnect: show what was said meanwhile (an agent's reply), send what could not go.
  async function catchUp() {
    if (await showMissed()) sendOutbox();
  }

  function sendOutbox() {
    if (!socket || socket.readyState !== WebSocket.OPEN) return; // the reconnect sends them
    outbox.splice(0).forEach(function (p) {
      p.item.classList.remove("failed");
      p.item.querySelectorAll(".retry, .failed-note").forEach(function (node) { node.remove(); });
      deliver(p);
    });
  }

  // The message a reply frame answers: by its message_id, else the oldest waiting.
  function answeredOnSocket(frame) {
    if (!frame.message_id) return awaitingReply.shift();
    const at = awaitingReply.findIndex(function (p) { return p.id === frame.message_id; });
    return at >= 0 ? awaitingReply.splice(at, 1)[0] : undefined;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    if (socket && socket.readyState <= WebSocket.OPEN) return; // one is open or opening already
    const forId = conversationId;
    socket = new WebSocket(scheme + location.host + "/ws/" + conversationId);
    let opened = false;
    socket.addEventListener("open", function () {
      socket.send(JSON.stringify({ conversation_token: conversationToken })); // a socket takes no header
      if (reconnecting) catchUp();
      opened = true;
      reconnecting = false;
    });
    socket.addEventListener("message", function (event) {
      let frame;
      try { frame = JSON.parse(event.data); } catch (err) { return; }
      if (frame.ready) return; // the token was taken: the answer to the first frame
      if (frame.forbidden) return; // the token was not: the socket closes with 4403, below
      if (liveFrame(frame)) return;
      if (frame.push) { showReply(frame); return; }
      if (frame.error && frame.retry_after && !frame.message_id) {
        reconnectAfter = frame.retry_after * 1000; // the socket itself was refused: open it later
        return;
      }
      const pending = answeredOnSocket(frame);
      if (frame.error) {
        if (!pending) return;
        if (frame.slow) waitForSlowAnswer(pending);
        else if (frame.retry_after) sendAfterWait(pending, frame.retry_after);
        else if (frame.answering) askAgainSoon(pending); // quietly: the first answer is on its way
        else markFailed(pending, frame.error);
        return;
      }
      if (pending) answered(pending, frame);
      else if (!frame.message_id) showReply(frame);
      // else: the answer to a message answered meanwhile over HTTP, already shown
    });
    socket.addEventListener("close", function (event) {
      // unanswered messages go again over HTTP, with the same ids; reconnect a little later
      awaitingReply.splice(0).forEach(post);
      reconnecting = reconnecting || opened;
      if (event.code === 4403) { // the token was refused: a fresh conversation, then its socket
        startAfresh(forId).then(function () { setTimeout(connect, 1000); });
        return;
      }
      setTimeout(connect, reconnectAfter || (opened ? 1000 : 3000));
      reconnectAfter = 0;
    });
  }
  let reconnecting = false;
  let reconnectAfter = 0; // ms, when the gateway said how long to wait (too many calls)

  async function start() {
    conversationId = localStorage.getItem(KEY);
    conversationToken = localStorage.getItem(TOKEN_KEY);
    const history = await historyOnOpen();
    if (history.ok) {
      const body = await history.json();
      body.messages.forEach(function (m) {
        if (m.sender === "buyer") bubble("buyer", m.text); else serverBubble(m);
      });
      statusLine.textContent = MODE_STATUS[body.mode] || "";
      showLine(body.line);
    } else if (page.greeting) {
      bubble("bot", page.greeting); // the shop's own greeting, from the embed
    } else {
      notice("您好，有任何问题都可以直接问我哦");
    }
    log.removeAttribute("aria-busy"); // the history is in: announce what comes from now on
    connect();
    tellPage("ready");
  }

  // ---- live: who is typing, the waiting line, read receipts. Frames with a "type" (typing,
  // line, read) are live only: never logged, never an answer to a message.

  // The mode the page shows (the status line is the one place it is written).
  function currentMode() {
    return Object.keys(MODE_STATUS).find(function (mode) { return MODE_STATUS[mode] === statusLine.textContent; }) || "bot";
  }

  // 「店小二正在输入…」 while a message waits for the bot's answer; 「客服正在输入…」 while the agent
  // types (their console says so at most every 2 s; gone AGENT_TYPING_MS after the last word,
  // at their stop, or when their message comes).
  const AGENT_TYPING_MS = 6000;
  const typingLine = el("div", "typing");
  typingLine.id = "typing";
  typingLine.setAttribute("role", "status");
  typingLine.hidden = true;
  log.after(typingLine);
  let agentTypingUntil = 0;
  let agentTypingTimer = 0;

  function showTyping() {
    const agentTyping = Date.now() < agentTypingUntil;
    const botTyping = currentMode() === "bot" && (awaitingReply.length > 0 || postsInFlight > 0);
    const text = agentTyping ? "客服正在输入…" : botTyping ? "店小二正在输入…" : "";
    if (typingLine.textContent === text) return;
    typingLine.textContent = text;
    typingLine.hidden = !text;
    if (text) typingLine.setAttribute("aria-label", text.replace("…", ""));
    else typingLine.removeAttribute("aria-label");
  }

  function agentTyping(typing) {
    clearTimeout(agentTypingTimer);
    agentTypingUntil = typing ? Date.now() + AGENT_TYPING_MS : 0;
    if (typing) agentTypingTimer = setTimeout(showTyping, AGENT_TYPING_MS + 50);
    showTyping();
  }

  // The place in the line and the agent hours (bot/handoff/line.py), shown while the mode is
  // waiting; the gateway pushes a new one whenever the line moves.
  const lineBox = el("div", "line");
  lineBox.id = "line";
  lineBox.setAttribute("role", "status");
  lineBox.hidden = true;
  log.before(lineBox);
  let waitingLine = null;

  function lineText(line) {
    const ahead = Number.isInteger(line.ahead) && line.ahead > 0 ? line.ahead : 0;
    const hours = textOf(line.agent_hours);
    if (line.open_now === false && hours) {
      const opening = textOf(line.opening);
      return "人工客服在线时间 " + hours + "，" + (opening ? opening + "上班后" : "上班后") +
        (ahead ? "按顺序为您服务，您前面还有 " + ahead + " 位" : "第一个为您服务") + "，请您放心";
    }
    return "已为您转接人工客服，" + (ahead ? "您前面还有 " + ahead + " 位" : "下一位就是您") + "，请稍候";
  }

  function showLine(line) {
    if (line && typeof line === "object") waitingLine = line;
    const text = currentMode() === "waiting" && waitingLine ? lineText(waitingLine) : "";
    if (lineBox.textContent !== text) lineBox.textContent = text;
    lineBox.hidden = !text;
  }
  // a change of mode, from any reply, push or catch-up, shows or hides the line and the typing
  new MutationObserver(function () { showLine(); showTyping(); }).observe(statusLine, { childList: true, characterData: true, subtree: true });

  // The buyer has seen the agent's messages up to this one (its ts) while the page was visible:
  // the gateway keeps it and the agent's console shows 已读.
  let agentShownUpTo = 0;
  let readSent = 0;
  let readRetry = 0;

  function agentMessageShown(ts) {
    if (typeof ts === "number" && ts > agentShownUpTo) agentShownUpTo = ts;
    if (Date.now() < agentTypingUntil) agentTyping(false); // their message came: no longer typing
    sendRead();
  }

  function sendRead() {
    if (agentShownUpTo <= readSent || document.visibilityState !== "visible" || panelClosed) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) { // after the socket opens and says who it is
      clearTimeout(readRetry);
      readRetry = setTimeout(sendRead, 1000);
      return;
    }
    readSent = agentShownUpTo;
    socket.send(JSON.stringify({ type: "read", up_to: readSent }));
  }
  document.addEventListener("visibilitychange", sendRead);

  // A live frame: handled here, true; anything else is left to the caller (false).
  function liveFrame(frame) {
    setTimeout(showTyping, 0); // after the caller has taken the answer this frame may be
    if (frame.type === "typing") { if (frame.who === "agent") agentTyping(frame.typing === true); return true; }
    if (frame.type === "line") { showLine(frame); return true; }
    if (frame.type === "read") { if (frame.error) readSent = 0; return true; } // sent again with the next one
    return false;
  }

  // ---- keyboard, input methods and phones.

  // After a tap on a quick reply or retry, the buyer types next: focus goes back to the input,
  // except after a finger's tap (the phone's keyboard would pop up over the answer).
  let lastPointer = "";
  document.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType; }, true);
  function backToInput(event) {
    if (event.detail === 0 || lastPointer !== "touch") input.focus(); // detail 0: Enter or Space
  }

  // The input grows with its lines (Shift+Enter), up to its max-height; empty, it is one line
  // (a placeholder's height does not count).
  function fitInput() {
    input.style.height = "";
    if (input.value) input.style.height = input.scrollHeight + 2 + "px"; // + its borders
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
    input.value = "";
    fitInput();
    input.focus(); // the send button took it
  });
  input.addEventListener("input", fitInput);

  // Enter sends, Shift+Enter makes a new line. An Enter that picks a Chinese input method's
  // candidate is not a send: during a composition (isComposing; Safari ends the composition
  // before that keydown, which then has keyCode 229).
  let composing = false;
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { composing = false; });
  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey) return;
    if (composing || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    form.requestSubmit();
  });

  // A phone's on-screen keyboard: where the browser only shrinks the visual viewport (iOS
  // Safari), the chat takes the height left, so the input stays above the keyboard; the log
  // keeps showing the latest message if it did before.
  let atLatest = true;
  log.addEventListener("scroll", function () {
    atLatest = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  }, { passive: true });
  function fitToVisible() {
    const view = window.visualViewport;
    if (view && Math.abs(view.scale - 1) < 0.01) { // not while the buyer zooms in
      chat.style.height = view.height + "px";
      if (window.scrollY) window.scrollTo(0, 0); // Safari pans the page to the input
    }
    if (atLatest) log.scrollTop = log.scrollHeight;
    if (document.activeElement === input) input.scrollIntoView({ block: "nearest" });
  }
  (window.visualViewport || window).addEventListener("resize", fitToVisible);

  // ---- in the embed's panel, or opened with a shop's options.

  // Light text on a dark colour, dark text on a light one.
  function textOn(hex) {
    const full = hex.length === 4 ? "#" + hex.slice(1).replace(/./g, "$&$&") : hex;
    const [r, g, b] = [1, 3, 5].map(function (at) { return parseInt(full.slice(at, at + 2), 16); });
    return 0.299 * r + 0.587 * g + 0.114 * b > 160 ? "#222" : "#fff";
  }

  function showPageOptions() {
    const root = document.documentElement;
    if (page.embedded) root.classList.add("embedded");
    if (page.shop) {
      document.querySelector(".chat-head .shop").textContent = page.shop;
      chat.setAttribute("aria-label", page.shop + "在线客服");
      document.title = page.shop + " · 在线客服";
    }
    if (page.color) {
      const light = textOn(page.color) === "#222";
      root.style.setProperty("--accent", page.color);
      root.style.setProperty("--accent-text", textOn(page.color));
      root.style.setProperty("--accent-ink", light ? "#333" : page.color); // text on white
    }
  }

  // The page holding the panel asks for the input's focus (the buyer opened it by keyboard
  // or mouse) and says when the panel closes and opens: a closed panel's page is still
  // "visible", but the buyer reads nothing in it (no read receipts; its page counts unread).
  // Escape here closes the panel there. Only that page is listened to.
  let panelClosed = false;
  window.addEventListener("message", function (event) {
    if (!page.origin || event.source !== window.parent || event.origin !== page.origin) return;
    const type = event.data && event.data.xiaoer === 1 ? event.data.type : "";
    if (type === "focus") input.focus();
    if (type === "closed" || type === "opened") panelClosed = type === "closed";
    if (type === "opened") sendRead();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !composing && !event.isComposing) tellPage("escape");
  });

  showPageOptions();
  fitToVisible();
  start();
})();
