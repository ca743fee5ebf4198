"""The shop (loaded once, lazily) and what the buyer's latest message, slots and page say."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from xiaoer.item_choice import Fit, fitting_items
from xiaoer.item_links import SHORT_LINK, item_reference
from xiaoer.shop import Item, Shop, load_shop

ROOT = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=1)
def shop() -> Shop:
    return load_shop(os.environ.get("XIAOER_SHOP_DIR", ROOT / "shop"))


def entities(tracker: Tracker, name: str) -> list[dict[str, Any]]:
    return [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") == name]


def this_message(tracker: Tracker, name: str, role: str | None = None) -> Any:
    """The value the buyer gave in the latest message, if any."""
    found = [e for e in entities(tracker, name) if e.get("role") == role]
    return found[-1].get("value") if found else None


def latest_value(tracker: Tracker, name: str) -> Any:
    """The value the buyer just gave, else what the conversation already knows (the slot)."""
    value = this_message(tracker, name)
    return value if value is not None else tracker.get_slot(name)


def number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


# Where the item in question comes from (ItemInQuestion.source)
LINK = "link"  # a link or an item number in the latest message
WORDS = "words"  # an item the latest message names ("那条连衣裙")
FITTING = "fitting"  # the one item the latest message's words fit best ("水洗冰丝阔腿裤")
CHOICE = "choice"  # the words fit several items and nothing decides: the buyer chooses
PAGE = "page"  # the page the chat was opened on (the message's metadata "item")
CONVERSATION = "conversation"  # the item the conversation was about (the sku slot)
COLOUR = "colour"  # the only item made in the colour the buyer names


@dataclass(frozen=True)
class ItemInQuestion:
    """The item a message is about, where that came from, or why there is none."""

    item: Item | None = None  # a listed item
    source: str = ""
    retired: Item | None = None  # the link or the page names an item no longer sold
    unknown: str = ""  # a link or item number the shop has no item for
    short_link: bool = False  # a share link (m.tb.cn) that cannot be read offline
    choices: tuple[Fit, ...] = ()  # the items the words fit equally well, in the order to offer them
    colour: str = ""  # the colour the buyer asked about, for the choice

    @property
    def points_elsewhere(self) -> bool:
        """The buyer points at an item the bot cannot offer: the conversation's item is not it."""
        return bool(self.retired or self.unknown or self.short_link)


def item_in_question(tracker: Tracker) -> ItemInQuestion:
    """The item the buyer is talking about, the most explicit first:

    1. a link or item number in this message ("https://item.taobao.com/item.htm?id=…",
       "货号JN-2801"): pasted or typed on purpose, it names one item for certain;
    2. an item this message names in words ("那条连衣裙"): a buyer on the jeans page who
       types about the dress means the dress;
    3. the page the chat was opened on (the latest ``item`` in the messages' metadata), unless
       an item was named since the buyer came to that page: after "那条连衣裙呢" on the jeans
       page, "有M吗" is still about the dress;
    4. the item the conversation was about (the ``sku`` slot);
    5. the only item made in the colour they name ("有雾蓝xl吗": only the dress is 雾蓝).

    Between 2 and 3, words that name no item exactly but fit the catalogue's items
    (xiaoer/item_choice: "冰丝阔腿裤", "裤子" + 黑色): the one that fits best; of several, the
    page's or the conversation's item when it is one of them; else none, and the buyer is
    asked to choose (``choices``), never given one picked silently.

    A link or page that names a retired item, or an item the shop does not have, or a short
    link that cannot be read, gives no item but says so (the reply tells the buyer)."""
    reference = item_reference(latest_text(tracker))
    named = this_message(tracker, "sku")
    named_item = shop().item(str(named)) if named else None
    if reference is not None and reference.kind != SHORT_LINK:
        return referenced(reference.value, LINK)
    if named_item is not None:  # a short link's share text may name the item ("「高腰牛仔裤」")
        return ItemInQuestion(named_item, WORDS)
    if reference is not None:
        return ItemInQuestion(short_link=True, source=LINK)
    page = page_item(tracker.events)
    on_page = referenced(page, PAGE) if page is not None else ItemInQuestion()
    sku = tracker.get_slot("sku")
    in_conversation = shop().item(str(sku)) if sku else None
    fits = words_fit(tracker)
    if len(fits) == 1:
        return ItemInQuestion(fits[0].item, FITTING)
    if fits:
        for known, source in ((on_page.item, PAGE), (in_conversation, CONVERSATION)):
            if known is not None and any(f.item == known for f in fits):
                return ItemInQuestion(known, source)
        return ItemInQuestion(source=CHOICE, choices=tuple(fits), colour=str(this_message(tracker, "color") or ""))
    if page is not None and not on_page.unknown:  # a page the catalogue does not know yet: the conversation decides
        return on_page
    if in_conversation is not None:
        return ItemInQuestion(in_conversation, CONVERSATION)
    colour = latest_value(tracker, "color")
    bundles = set(shop().bargaining.bundles)  # a bundle shares its items' colours
    made_in = [item for item in shop().items_made_in(str(colour)) if item.sku not in bundles] if colour else []
    return ItemInQuestion(made_in[0], COLOUR) if len(made_in) == 1 else ItemInQuestion()


def words_fit(tracker: Tracker) -> list[Fit]:
    """The items the latest message's words fit best (xiaoer/item_choice), leaving out the
    colour, size and other details it gives."""
    details = [e.get("text") or "" for e in tracker.latest_message.get("entities") or [] if e.get("entity") != "sku"]
    colour = this_message(tracker, "color")
    return fitting_items(shop().items, latest_text(tracker), str(colour) if colour else None, leave_out=details)


def current_item(tracker: Tracker) -> Item | None:
    """The listed item the buyer is talking about (item_in_question), or None."""
    return item_in_question(tracker).item


def referenced(reference: str, source: str) -> ItemInQuestion:
    """The item a platform id or merchant code names; a retired one is not offered."""
    item = shop().item_by_reference(reference)
    if item is None:
        return ItemInQuestion(unknown=reference, source=source)
    if item.retired:
        return ItemInQuestion(retired=item, source=source)
    return ItemInQuestion(item, source)


def page_item(events: list[dict[str, Any]]) -> str | None:
    """The item of the page the buyer is chatting from, when no item was named since they
    came to it (a link, an item number, an item's name or words that fit one item in a message
    since): the latest
    ``item`` in the messages' metadata (the widget sends the page's item with each message)."""
    messages = [e for e in events if e.get("event") == "user"]
    page = next((m["metadata"]["item"] for m in reversed(messages) if (m.get("metadata") or {}).get("item")), None)
    if page is None:
        return None
    for message in reversed(messages[:-1]):  # the latest message was read before the page
        if (message.get("metadata") or {}).get("item") != page:
            break  # before the buyer came to this page
        entities = (message.get("parse_data") or {}).get("entities") or []
        text = message.get("text") or ""
        if any(e.get("entity") == "sku" for e in entities) or item_reference(text) or len(fitting_items(shop().items, text)) == 1:
            return None
    return page


def item_events(question: ItemInQuestion, slot: Any) -> list[dict[str, Any]]:
    """Keeps the ``sku`` slot on the item in question, so the next messages go on about it: set
    from a link, the page or words that fit it (an exact name fills it by itself), cleared when
    the buyer points at an item the bot cannot offer."""
    if question.item is not None and question.source in (LINK, PAGE, FITTING) and slot != question.item.sku:
        return [SlotSet("sku", question.item.sku)]
    if question.points_elsewhere and slot is not None:
        return [SlotSet("sku", None)]
    return []


def item_not_offered_reply(question: ItemInQuestion) -> tuple[str, dict[str, Any]] | None:
    """What to say instead of "which item?" when the buyer pointed at one the bot cannot
    offer: no longer sold (with similar items), not in the shop, or a link it cannot read."""
    if question.retired is not None:
        similar = [f"{i.name}（{i.price:g}元）" for i in shop().similar_items(question.retired)[:2]]
        return "utter_item_retired", {
            "item_name": question.retired.name,
            "similar_part": f"您可以看看{'、'.join(similar)}，款式相近" if similar else "您看看店里其他款式有没有喜欢的",
        }
    if question.unknown:
        return "utter_item_not_in_shop", {}
    if question.short_link:
        return "utter_item_short_link", {}
    return None


def buyer_texts(events: list[dict[str, Any]]) -> list[str]:
    """What the buyer wrote, in order (the latest message last)."""
    return [e.get("text") or "" for e in events if e.get("event") == "user"]


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""
