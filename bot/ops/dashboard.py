"""The shop's day as the dashboard shows it: plain functions from the day's shared counts
(bot/infra/shop_stats.py) to the figures its charts draw, and the staffing plan's input from
a query string."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from bot.infra.shop_stats import LATENCY_EDGES, REPLY_GOAL_S, WAIT_EDGES
from xiaoer.contract import HANDOFF_REASONS
from xiaoer.staffing import PEAK_HOURS, Plan, PlanError, PlanInput, default_start

REPLY_GOAL_SHARE = 0.9  # seed 001: at least 90% of replies within 30 s
SCRIPTS_SHOWN = 15  # the scripts sent most often
REMINDER_NAMES = {
    "utter_payment_reminder_silent": "下单未咨询",
    "utter_payment_reminder_chatted": "咨询后下单",
    "utter_payment_reminder_promotion": "大促催付",
}
# The staffing plan's example inputs (seed 002 gives the reckoning, not a shop's numbers).
PLAN_DEFAULTS = {"expected_sales": 300_000.0, "chat_share": 0.3, "average_order_value": 150.0,
                 "conversion_rate": 0.5, "chats_per_agent_hour": 20.0}
PLAN_FIELDS_ZH = {"expected_sales": "预计销售额", "chat_share": "客服销售占比", "average_order_value": "客单价",
                  "conversion_rate": "询单转化率", "bot_resolution_rate": "机器人独立解决率",
                  "chats_per_agent_hour": "每位客服每小时接待量", "hours": "小时数"}


def rate(part: int, whole: int) -> float | None:
    """part/whole, at most 1 (a conversation spanning midnight may count on two days); None of nothing."""
    return min(1.0, part / whole) if whole else None


def duration_label(edge: int) -> str:
    return f"{edge} 秒内" if edge < 60 else f"{edge // 60} 分钟内"


def bars(counts: Mapping[str, int], prefix: str, edges: tuple[int, ...]) -> list[dict[str, Any]]:
    """A duration histogram's bars, shortest first, the last one everything longer."""
    found = [{"label": duration_label(edge), "count": counts.get(f"{prefix}:le{edge}", 0)} for edge in edges]
    longest = edges[-1]
    over = f"超过 {longest} 秒" if longest < 60 else f"超过 {longest // 60} 分钟"
    return found + [{"label": over, "count": counts.get(f"{prefix}:over", 0)}]


def named(counts: Mapping[str, int], prefix: str) -> dict[str, int]:
    """The counts whose field starts with ``prefix:``, by the rest of the name."""
    return {field[len(prefix) + 1:]: value for field, value in counts.items() if field.startswith(prefix + ":")}


def day_figures(day: str, counts: Mapping[str, int]) -> dict[str, Any]:
    """Everything the dashboard draws for one shop day."""
    conversations, handed = counts.get("conversations", 0), counts.get("handed_off", 0)
    messages, replies = counts.get("messages", 0), counts.get("replies", 0)
    waits = counts.get("waits", 0)
    reasons = named(counts, "handoff")
    sent, paid = named(counts, "reminders_sent"), named(counts, "reminders_paid")
    heard, person = named(counts, "script_conversations"), named(counts, "script_person")
    scripts = sorted(named(counts, "script").items(), key=lambda kv: (-kv[1], kv[0]))[:SCRIPTS_SHOWN]
    return {
        "date": day,
        "conversations": conversations,
        "messages": messages,
        "handed_off": handed,
        "bot_resolved": max(0, conversations - handed),
        "bot_resolution_rate": rate(max(0, conversations - handed), conversations),
        "handoffs_by_reason": [
            {"reason": reason, "name": HANDOFF_REASONS.get(reason, "其他"), "count": count}
            for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))],
        "waits": {"count": waits, "average_s": round(counts.get("wait_seconds", 0) / waits) if waits else None,
                  "bars": bars(counts, "wait", WAIT_EDGES)},
        "fallbacks": counts.get("fallbacks", 0),
        "fallback_rate": rate(counts.get("fallbacks", 0), messages),
        "replies": {"count": replies, "within_goal": counts.get("replies_within_goal", 0),
                    "rate": rate(counts.get("replies_within_goal", 0), replies),
                    "goal_s": REPLY_GOAL_S, "goal_share": REPLY_GOAL_SHARE,
                    "bars": bars(counts, "latency", LATENCY_EDGES)},
        "reminders": [
            {"script": script, "name": REMINDER_NAMES.get(script, script), "sent": sent.get(script, 0),
             "paid": paid.get(script, 0)} for script in sorted(set(sent) | set(paid) | set(REMINDER_NAMES))],
        "scripts": [
            {"script": script, "sent": count, "conversations": heard.get(script, 0),
             "ended_with_person": person.get(script, 0), "person_rate": rate(person.get(script, 0), heard.get(script, 0))}
            for script, count in scripts],
        "hours": [{"hour": hour, **{what: counts.get(f"hour:{hour:02d}:{what}", 0)
                                    for what in ("messages", "conversations", "handoffs")}} for hour in range(24)],
    }


def read_day(value: str | None, today: dt.date) -> dt.date:
    """The day asked for (YYYY-MM-DD), today when none; ValueError with the reason otherwise."""
    if not value:
        return today
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("日期要写成 2026-11-11 这样") from None


def plan_input(args: Mapping[str, str], resolution_rate: float, now: dt.datetime) -> PlanInput:
    """The plan's input from the page's query (its fields by name), the defaults where one is
    missing: the examples above, the bot's measured resolution rate, and this year's peak."""
    def number(name: str, default: float) -> float:
        raw = (args.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")):  # NaN and infinity are no numbers here
            raise PlanError(f"{PLAN_FIELDS_ZH[name]}要填数字，不是「{raw[:20]}」")
        return value

    raw_start = (args.get("start") or "").strip()
    try:
        start = dt.datetime.fromisoformat(raw_start).replace(tzinfo=now.tzinfo) if raw_start \
            else default_start(now.year, now.tzinfo)
    except ValueError:
        raise PlanError("开始时间要写成 2026-11-10T18:00 这样") from None
    hours = number("hours", PEAK_HOURS)
    if hours != int(hours):
        raise PlanError("时段要填整数小时")
    return PlanInput(
        expected_sales=number("expected_sales", PLAN_DEFAULTS["expected_sales"]),
        chat_share=number("chat_share", PLAN_DEFAULTS["chat_share"]),
        average_order_value=number("average_order_value", PLAN_DEFAULTS["average_order_value"]),
        conversion_rate=number("conversion_rate", PLAN_DEFAULTS["conversion_rate"]),
        bot_resolution_rate=number("bot_resolution_rate", resolution_rate),
        chats_per_agent_hour=number("chats_per_agent_hour", PLAN_DEFAULTS["chats_per_agent_hour"]),
        start=start.replace(minute=0, second=0, microsecond=0), hours=int(hours))


def plan_figures(given: PlanInput, result: Plan) -> dict[str, Any]:
    return {
        "input": {"expected_sales": given.expected_sales, "chat_share": given.chat_share,
                  "average_order_value": given.average_order_value, "conversion_rate": given.conversion_rate,
                  "bot_resolution_rate": given.bot_resolution_rate,
                  "chats_per_agent_hour": given.chats_per_agent_hour,
                  "start": given.start.strftime("%Y-%m-%dT%H:%M"), "hours": given.hours},
        "expected_chats": round(result.expected_chats),
        "to_people": round(result.to_people),
        "peak_agents": result.peak_agents,
        "hours": [{"start": h.start.strftime("%m-%d %H:00"), "chats": round(h.chats), "to_people": round(h.to_people),
                   "agents": h.agents} for h in result.hours],
    }
