// The trainer workbench. Every text from trainers, buyers or the server goes in with
// textContent or .value, never innerHTML.
(function () {
  "use strict";
  const $ = function (id) { return document.getElementById(id); };
  const VARIANT_LIMIT = 2000, QUESTION_LIMIT = 200, TITLE_LIMIT = 40, PAYLOAD_LIMIT = 200;
  const state = { me: null, intents: [], open: null };

  const el = Staff.el;
  const api = Staff.client(function () { showLogin(); });

  function say(id, text) { $(id).textContent = text || ""; }

  // ---- sign in

  function showLogin() {
    state.me = null;
    $("bench-view").hidden = true;
    $("login-view").hidden = false;
  }

  function showBench(me) {
    state.me = me.trainer;
    state.intents = me.intents || [];
    $("trainer-name").textContent = state.me.name + "（" + state.me.login + "）";
    $("login-view").hidden = true;
    $("bench-view").hidden = false;
    loadFiles();
    loadReview();
  }

  Staff.signInForm(api, "/trainer/api", showBench, showLogin);

  document.querySelectorAll(".tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      document.querySelectorAll(".tab").forEach(function (t) { t.classList.toggle("active", t === tab); });
      document.querySelectorAll(".view").forEach(function (v) { v.hidden = v.id !== tab.dataset.view; });
      if (tab.dataset.view === "review-view") loadReview();
    });
  });

  // ---- scripts

  async function loadFiles() {
    const data = await api("GET", "/trainer/api/scripts");
    const list = $("files");
    list.replaceChildren();
    data.files.forEach(function (file) {
      const item = el("li");
      item.appendChild(el("strong", null, file.file));
      if (file.error) item.appendChild(el("p", "error", file.error));
      const scripts = el("ul");
      file.scripts.forEach(function (script) {
        const row = el("li", null);
        row.dataset.file = file.file;
        row.dataset.id = script.id;
        row.id = "script-" + script.id;
        row.appendChild(el("span", "sid", script.id));
        row.appendChild(el("span", "preview", script.preview));
        row.addEventListener("click", function () { openScript(file.file, script.id); });
        scripts.appendChild(row);
      });
      item.appendChild(scripts);
      list.appendChild(item);
    });
  }

  async function openScript(file, id) {
    say("editor-error", ""); say("editor-ok", "");
    let script;
    try { script = await api("GET", "/trainer/api/scripts/" + encodeURIComponent(file) + "/" + encodeURIComponent(id)); }
    catch (err) { say("editor-error", err.message); return; }
    state.open = script;
    document.querySelectorAll(".files ul li").forEach(function (li) {
      li.classList.toggle("open", li.dataset.file === file && li.dataset.id === id);
    });
    $("editor-title").textContent = file + " · " + id;
    $("editor-placeholders").textContent = script.placeholders.length
      ? "可以用的占位符（机器人会自动填上）：" + script.placeholders.map(function (p) { return "{" + p + "}"; }).join("、")
        + "。要写花括号本身，请写 {{ 或 }}。"
      : "这条话术没有占位符。要写花括号本身，请写 {{ 或 }}。";
    $("variants").replaceChildren();
    $("questions").replaceChildren();
    $("buttons").replaceChildren();
    script.variants.forEach(addVariant);
    script.questions.forEach(addQuestion);
    script.buttons.forEach(addButton);
    $("editor-empty").hidden = true;
    $("editor").hidden = false;
  }

  function removable(row) {
    const remove = el("button", "remove", "删除");
    remove.type = "button";
    remove.addEventListener("click", function () { row.remove(); });
    row.appendChild(remove);
    return row;
  }

  function addVariant(text) {
    const row = el("li");
    const box = el("textarea", "variant");
    box.rows = 2; box.maxLength = VARIANT_LIMIT; box.value = typeof text === "string" ? text : "";
    box.setAttribute("aria-label", "说法");
    row.appendChild(box);
    $("variants").appendChild(removable(row));
  }

  function addQuestion(text) {
    const row = el("li");
    const box = el("input", "question");
    box.maxLength = QUESTION_LIMIT; box.value = typeof text === "string" ? text : "";
    box.setAttribute("aria-label", "买家问题");
    row.appendChild(box);
    $("questions").appendChild(removable(row));
  }

  function addButton(button) {
    button = button && typeof button === "object" ? button : {};
    const row = el("li");
    const title = el("input", "button-title");
    title.maxLength = TITLE_LIMIT; title.value = button.title || ""; title.placeholder = "按钮文字";
    const payload = el("input", "button-payload");
    payload.maxLength = PAYLOAD_LIMIT; payload.value = button.payload || ""; payload.placeholder = "替买家发送的话";
    row.appendChild(title);
    row.appendChild(payload);
    $("buttons").appendChild(removable(row));
  }

  $("add-variant").addEventListener("click", function () { addVariant(""); });
  $("add-question").addEventListener("click", function () { addQuestion(""); });
  $("add-button").addEventListener("click", function () { addButton({}); });
  $("reload").addEventListener("click", function () { if (state.open) openScript(state.open.file, state.open.id); });

  function values(selector) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (node) { return node.value; });
  }

  $("editor").addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!state.open) return;
    say("editor-error", ""); say("editor-ok", "");
    const titles = values("#buttons .button-title"), payloads = values("#buttons .button-payload");
    const body = {
      version: state.open.version,
      variants: values("#variants .variant"),
      questions: values("#questions .question"),
      buttons: titles.map(function (title, i) { return { title: title, payload: payloads[i] }; }),
    };
    $("save").disabled = true;
    try {
      const saved = await api("PUT", "/trainer/api/scripts/" + encodeURIComponent(state.open.file) + "/" + encodeURIComponent(state.open.id), body);
      state.open.version = saved.version;
      say("editor-ok", saved.message);
      loadFiles();
    } catch (err) {
      say("editor-error", err.message);
    } finally {
      $("save").disabled = false;
    }
  });

  // ---- review

  function when(seconds) {
    const date = new Date(seconds * 1000);
    return date.toLocaleString("zh-CN", { hour12: false });
  }

  function showTraining(training) {
    const box = $("training-status");
    box.hidden = !(training && training.retrain_needed);
    if (training && training.retrain_needed) {
      box.textContent = "训练例句有新增（" + training.file + "，共 " + training.examples + " 条），需要重新训练才会生效：" + training.how + "。";
    }
  }

  async function loadReview() {
    let data;
    try { data = await api("GET", "/trainer/api/review"); } catch (err) { say("review-error", err.message); return; }
    state.intents = data.intents || state.intents;
    showTraining(data.training);
    $("review-count").textContent = String(data.items.length);
    $("review-empty").hidden = data.items.length > 0;
    const body = $("review-items");
    body.replaceChildren();
    data.items.forEach(function (item) {
      const row = el("tr");
      row.appendChild(el("td", null, when(item.time)));
      row.appendChild(el("td", "previous", item.previous || "—"));
      row.appendChild(el("td", "text", item.text));
      const confidence = typeof item.confidence === "number" ? "（" + Math.round(item.confidence * 100) + "%）" : "";
      const guess = (item.intent || "—") + confidence + (item.why === "unsure" ? " · 答了但没把握" : "");
      row.appendChild(el("td", null, guess));
      const pick = el("select", "intent");
      pick.appendChild(el("option", null, "请选择…")).value = "";
      state.intents.forEach(function (name) { pick.appendChild(el("option", null, name)).value = name; });
      const pickCell = el("td"); pickCell.appendChild(pick); row.appendChild(pickCell);
      const actions = el("td");
      const add = el("button", "add-example", "加为例句");
      add.type = "button";
      add.addEventListener("click", async function () {
        say("review-error", ""); say("review-ok", "");
        if (!pick.value) { say("review-error", "请先选择正确的意图"); return; }
        try {
          const result = await api("POST", "/trainer/api/review/" + encodeURIComponent(item.id) + "/example", { intent: pick.value });
          say("review-ok", result.message);
          showTraining(result.training);
        } catch (err) { say("review-error", err.message); }
        loadReview();
      });
      const ignore = el("button", "dismiss", "忽略");
      ignore.type = "button";
      ignore.addEventListener("click", async function () {
        try { await api("POST", "/trainer/api/review/" + encodeURIComponent(item.id) + "/dismiss"); }
        catch (err) { say("review-error", err.message); }
        loadReview();
      });
      actions.appendChild(add); actions.appendChild(ignore); row.appendChild(actions);
      body.appendChild(row);
    });
  }

  // ---- start: signed in already?
  api("GET", "/trainer/api/me").then(showBench, function () { showLogin(); });
})();
