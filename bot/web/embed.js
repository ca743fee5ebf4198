// The chat on a shop's own page, from one <script> tag (README, "Embedding the chat"):
//
//   <script src="https://GATEWAY/embed.js" async data-shop="禾木服饰" data-item="JN-2801"
//           data-color="#c0392b" data-greeting="您好～" data-position="right"></script>
//
// A round bubble opens a panel holding the chat (GATEWAY/chat?embed=1&...) in a frame: the
// frame keeps the shop page's styles out and the chat's calls on the gateway's own origin.
// The bubble and panel live in a shadow root, so the page's CSS does not reach them either.
// The frame tells this page, by postMessage, when a message arrives (the unread badge while
// the panel is closed) and when Escape is pressed in it, and is told when the panel closes and
// opens (no read receipts while closed); each side checks who sent a message, and nothing in
// one is ever shown as HTML. The data- options go in as text or checked values.
(function () {
  "use strict";
  const script = document.currentScript || document.querySelector("script[src*='embed.js']");
  if (!script || window.xiaoerEmbedded) return; // included twice: still one bubble
  window.xiaoerEmbedded = true;

  const ITEM = /^[A-Za-z0-9_-]{1,64}$/; // what the buyer API takes as context.item
  const COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
  const options = script.dataset;
  const gateway = gatewayOf(options.gateway, script.src);
  if (!gateway) {
    console.warn("xiaoer embed: data-gateway must be the gateway's http(s) address, not", options.gateway);
    return;
  }
  const gatewayOrigin = new URL(gateway).origin;
  const shop = (options.shop || "").trim().slice(0, 40);
  const item = checked(options.item, ITEM, "data-item (the platform's item id or the merchant code)");
  const colour = checked(options.color, COLOUR, "data-color (#rgb or #rrggbb)");
  const greeting = (options.greeting || "").trim().slice(0, 200);
  const name = (shop || "店铺") + "客服";

  // Where the chat is: data-gateway, else where this script came from.
  function gatewayOf(given, src) {
    try {
      const url = given ? new URL(given, location.href) : new URL(".", src);
      if (url.protocol !== "https:" && url.protocol !== "http:") return "";
      return url.origin + url.pathname.replace(/\/+$/, "");
    } catch (err) { return ""; }
  }

  function checked(value, pattern, what) {
    if (!value) return "";
    if (pattern.test(value)) return value;
    console.warn("xiaoer embed: ignored " + what + ":", value);
    return "";
  }

  // Light text on a dark colour, dark text on a light one.
  function textOn(hex) {
    const full = hex.length === 4 ? "#" + hex.slice(1).replace(/./g, "$&$&") : hex;
    const [r, g, b] = [1, 3, 5].map(function (at) { return parseInt(full.slice(at, at + 2), 16); });
    return 0.299 * r + 0.587 * g + 0.114 * b > 160 ? "#222" : "#fff";
  }

  function chatAddress() {
    const query = new URLSearchParams({ embed: "1", origin: location.origin });
    if (item) query.set("item", item);
    if (shop) query.set("shop", shop);
    if (colour) query.set("color", colour);
    if (greeting) query.set("greeting", greeting);
    return gateway + "/chat?" + query.toString();
  }

  const STYLE = `
    :host { all: initial; }
    .embed { --colour: #5b7553; --on-colour: #fff; font: 15px/1.5 -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; }
    .bubble { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; display: flex; align-items: center; justify-content: center;
      width: 60px; height: 60px; padding: 0; border: 0; border-radius: 50%; background: var(--colour); color: var(--on-colour);
      box-shadow: 0 4px 14px rgba(0, 0, 0, .25); cursor: pointer; }
    .bubble svg { width: 30px; height: 30px; fill: currentColor; }
    .bubble:focus-visible, .close:focus-visible { outline: 3px solid #1f5fbf; outline-offset: 3px; }
    .badge { position: absolute; top: -4px; right: -4px; min-width: 24px; height: 24px; padding: 0 6px; box-sizing: border-box;
      border: 2px solid #fff; border-radius: 12px; background: #e4393c; color: #fff; font: 600 12px/20px sans-serif; text-align: center; }
    .badge[hidden], .panel[hidden] { display: none; }
    .panel { position: fixed; bottom: 92px; right: 20px; z-index: 2147483001; display: flex; flex-direction: column;
      width: 380px; height: min(640px, calc(100vh - 112px)); overflow: hidden; border-radius: 12px; background: #fff;
      box-shadow: 0 8px 30px rgba(0, 0, 0, .25); }
    .left .bubble, .left .panel { right: auto; left: 20px; }
    .head { display: flex; align-items: center; justify-content: space-between; min-height: 48px; padding: 0 4px 0 16px;
      background: var(--colour); color: var(--on-colour); font-size: 16px; font-weight: 600; }
    .close { width: 44px; height: 44px; border: 0; border-radius: 22px; background: none; color: inherit; font-size: 26px; line-height: 1; cursor: pointer; }
    .close:focus-visible { outline-color: currentColor; outline-offset: -4px; }
    iframe { flex: 1; width: 100%; min-height: 0; border: 0; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
    /* A phone: the panel takes the whole screen (its close button brings the page back). */
    @media (max-width: 600px) {
      .panel, .left .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }
      .open .bubble { display: none; }
    }`;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // A speech balloon, drawn without markup from strings.
  function icon() {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M12 3C6.5 3 2 6.6 2 11c0 2.4 1.3 4.6 3.4 6.1L4.6 21l4.3-2.4c1 .3 2 .4 3.1.4 5.5 0 10-3.6 10-8s-4.5-8-10-8zM7.5 12.3a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4.5 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4.5 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6z");
    svg.appendChild(path);
    return svg;
  }

  function styled(root) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet]; // not a <style>: a shop page's CSP allows it without 'unsafe-inline'
    } catch (err) {
      root.appendChild(el("style", "", STYLE));
    }
  }

  function mount() {
    const host = el("div");
    host.setAttribute("data-xiaoer-embed", "");
    const root = host.attachShadow({ mode: "open" });
    styled(root);
    const box = el("div", "embed" + (options.position === "left" ? " left" : ""));
    if (colour) {
      box.style.setProperty("--colour", colour);
      box.style.setProperty("--on-colour", textOn(colour));
    }
    const bubble = el("button", "bubble");
    bubble.type = "button";
    bubble.setAttribute("aria-expanded", "false");
    bubble.appendChild(icon());
    const badge = el("span", "badge");
    badge.hidden = true;
    badge.setAttribute("aria-hidden", "true");
    bubble.appendChild(badge);
    const said = el("div", "sr-only"); // read out: a new message while the panel is closed
    said.setAttribute("role", "status");
    const panel = el("div", "panel");
    panel.hidden = true;
    panel.tabIndex = -1;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", name);
    const head = el("div", "head");
    head.appendChild(el("span", "title", shop || "在线客服"));
    const close = el("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "关闭客服窗口");
    head.appendChild(close);
    panel.appendChild(head);
    box.append(panel, bubble, said);
    root.appendChild(box);
    document.body.appendChild(host);

    let frame = null;
    let frameReady = false;
    let focusInFrame = false; // asked before the chat was ready: done when it is
    let unread = 0;
    let lastPointer = "";

    function showUnread() {
      badge.hidden = unread === 0;
      badge.textContent = unread > 99 ? "99+" : String(unread);
      bubble.setAttribute("aria-label", "联系" + name + (unread ? "（" + unread + "条新消息）" : ""));
    }

    function tellChat(type) {
      frame.contentWindow.postMessage({ xiaoer: 1, type: type }, gatewayOrigin);
    }

    // The chat reads the agent's messages only while the panel is open (its read receipts).
    function tellOpenOrClosed() {
      if (frameReady) tellChat(panel.hidden ? "closed" : "opened");
    }

    // Focus goes to the chat's input, except after a finger's tap (the phone's keyboard would
    // cover the chat): then to the panel, from which Tab reaches the close button and the chat.
    function focusChat() {
      if (lastPointer === "touch") { panel.focus(); return; }
      frame.focus();
      if (frameReady) tellChat("focus"); else focusInFrame = true;
    }

    function open() {
      if (!frame) { // the chat starts (and opens its socket) only once the buyer wants it
        frame = el("iframe");
        frame.title = name;
        frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox");
        frame.src = chatAddress();
        panel.appendChild(frame);
      }
      panel.hidden = false;
      box.classList.add("open");
      bubble.setAttribute("aria-expanded", "true");
      unread = 0;
      showUnread();
      said.textContent = "";
      tellOpenOrClosed();
      focusChat();
    }

    function shut() {
      panel.hidden = true;
      box.classList.remove("open");
      bubble.setAttribute("aria-expanded", "false");
      tellOpenOrClosed();
      bubble.focus();
    }

    bubble.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType; });
    bubble.addEventListener("keydown", function () { lastPointer = ""; });
    bubble.addEventListener("click", function () { if (panel.hidden) open(); else shut(); });
    close.addEventListener("click", shut);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) shut();
    });
    // From the chat in the frame, and only from it: a message arrived, Escape, ready.
    window.addEventListener("message", function (event) {
      if (!frame || event.source !== frame.contentWindow || event.origin !== gatewayOrigin) return;
      const data = event.data;
      if (!data || typeof data !== "object" || data.xiaoer !== 1) return;
      if (data.type === "message" && panel.hidden) {
        unread += 1;
        showUnread();
        said.textContent = name + "有" + unread + "条新消息";
      } else if (data.type === "escape" && !panel.hidden) {
        shut();
      } else if (data.type === "ready") {
        frameReady = true;
        tellOpenOrClosed(); // closed before the chat was ready
        if (focusInFrame && !panel.hidden) tellChat("focus");
        focusInFrame = false;
      }
    });
    showUnread();
  }

  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
