// The shop's dashboard for managers: the day's figures as charts (bot/web/charts.js) and the
// staffing planner. Every text goes in with textContent (the charts' too), never innerHTML.
(function () {
  "use strict";
  const $ = function (id) { return document.getElementById(id); };
  const api = Staff.client(function () { showLogin(); });
  const PERCENT_FIELDS = ["chat_share", "conversion_rate", "bot_resolution_rate"];
  const PLAN_FIELDS = ["expected_sales", "chat_share", "average_order_value", "conversion_rate",
                       "bot_resolution_rate", "chats_per_agent_hour", "start", "hours"];
  const state = { planned: false };

  function say(id, text) { $(id).textContent = text || ""; }
  function percent(share) { return share === null || share === undefined ? "暂无" : Math.round(share * 100) + "%"; }
  function round(n, digits) { const f = Math.pow(10, digits); return Math.round(n * f) / f; }

  // ---- sign in

  function showLogin() {
    $("board-view").hidden = true;
    $("login-view").hidden = false;
  }

  function showBoard(me) {
    $("manager-name").textContent = me.manager.name + "（" + me.manager.login + "）";
    $("login-view").hidden = true;
    $("board-view").hidden = false;
    loadDay();
  }

  Staff.signInForm(api, "/dashboard/api", showBoard, showLogin);

  // ---- the day

  async function loadDay() {
    say("day-error", "");
    const asked = $("day").value ? "?date=" + encodeURIComponent($("day").value) : "";
    let day;
    try { day = await api("GET", "/dashboard/api/day" + asked); } catch (err) { say("day-error", err.message); return; }
    $("day").value = day.date;
    drawDay(day);
    if (!state.planned) { state.planned = true; loadPlan(null); }
  }

  $("day").addEventListener("change", loadDay);

  function drawDay(day) {
    $("conversations").textContent = String(day.conversations);
    $("messages").textContent = "买家消息 " + day.messages + " 条，转人工 " + day.handed_off + " 个会话";
    Charts.meter($("chart-resolution"), {
      title: "机器人独立解决率", value: day.bot_resolution_rate,
      detail: day.bot_resolved + " / " + day.conversations + " 个会话没有转人工" });
    Charts.meter($("chart-within-goal"), {
      title: day.replies.goal_s + " 秒内回复", value: day.replies.rate, goal: day.replies.goal_share,
      detail: day.replies.within_goal + " / " + day.replies.count + " 条回复" });
    Charts.meter($("chart-fallbacks"), {
      title: "没听懂的比例", value: day.fallback_rate, detail: day.fallbacks + " / " + day.messages + " 条消息" });
    Charts.columns($("chart-hours"), {
      title: "每小时的会话和转人工", series: ["会话", "转人工"], every: 3,
      items: day.hours.map(function (h) { return { label: String(h.hour).padStart(2, "0") + "时", values: [h.conversations, h.handoffs] }; }),
    });
    Charts.rows($("chart-reasons"), {
      title: "转人工原因", items: day.handoffs_by_reason.map(function (r) { return { label: r.name, values: [r.count] }; }),
      format: function (n) { return n + " 次"; }, labelWidth: 140,
    });
    $("wait-average").textContent = day.waits.count ? "（" + day.waits.count + " 次接入，平均 " + day.waits.average_s + " 秒）" : "";
    Charts.rows($("chart-waits"), {
      title: "转人工后的等待时间", items: day.waits.bars.map(function (b) { return { label: b.label, values: [b.count] }; }),
      format: function (n) { return n + " 次"; }, labelWidth: 120,
    });
    Charts.rows($("chart-latency"), {
      title: "回复用时", items: day.replies.bars.map(function (b) { return { label: b.label, values: [b.count] }; }),
      format: function (n) { return n + " 条"; }, labelWidth: 120,
    });
    Charts.rows($("chart-reminders"), {
      title: "催付和之后 24 小时内的付款", series: ["催付", "付款"],
      items: day.reminders.map(function (r) { return { label: r.name, values: [r.sent, r.paid] }; }),
      format: function (n) { return n + " 单"; }, labelWidth: 120,
    });
    Charts.rows($("chart-scripts"), {
      title: "话术发出次数和转人工", series: ["发出", "听过后转人工的会话"],
      items: day.scripts.map(function (s) { return { label: s.script, values: [s.sent, s.ended_with_person] }; }),
      format: function (n, i) { return i === 0 ? n + " 次" : n + " 个"; }, labelWidth: 260,
    });
  }

  // ---- the staffing planner

  function fillForm(input) {
    PLAN_FIELDS.forEach(function (name) {
      const value = input[name];
      $(name).value = PERCENT_FIELDS.indexOf(name) >= 0 ? String(round(value * 100, 2)) : String(value);
    });
  }

  async function loadPlan(query) {
    say("plan-error", "");
    let result;
    try { result = await api("GET", "/dashboard/api/plan" + (query ? "?" + query : "")); }
    catch (err) { say("plan-error", err.message); return; }
    fillForm(result.input);
    say("plan-summary", "预计咨询 " + result.expected_chats + " 个，其中约 " + result.to_people +
        " 个要人工接待；最忙的一小时需要 " + result.peak_agents + " 位客服。（机器人今天实测独立解决率：" +
        percent(result.measured_resolution_rate) + "）");
    Charts.columns($("chart-plan"), {
      title: "每小时需要的客服人数", values: true,
      items: result.hours.map(function (h) { return { label: h.start, values: [h.agents] }; }),
      format: function (n) { return n + " 人"; },
    });
  }

  $("plan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const query = PLAN_FIELDS.map(function (name) {
      let value = $(name).value;
      if (PERCENT_FIELDS.indexOf(name) >= 0 && value !== "") value = String(Number(value) / 100);
      return encodeURIComponent(name) + "=" + encodeURIComponent(value);
    }).join("&");
    loadPlan(query);
  });

  // ---- start: signed in already?
  api("GET", "/dashboard/api/me").then(showBoard, function () { showLogin(); });
})();
