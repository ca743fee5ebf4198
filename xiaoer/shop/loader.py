"""Build a Shop from the six YAML files, checking every value and reference."""

from __future__ import annotations

import difflib
import os
from types import MappingProxyType
from typing import Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from xiaoer.cards import safe_link
from xiaoer.shop.checked_yaml import (
    CheckedFile,
    LineMap,
    LineSeq,
    Section,
    describe,
    num,
    read_yaml,
    word,
)
from xiaoer.shop.model import (
    BARGAIN_STEPS,
    DEFAULT_RETENTION_DAYS,
    FACT_FIELDS,
    MAX_RETENTION_DAYS,
    NO_OFFERS,
    OPTIONAL_SHOP_FILES,
    PROVINCES,
    SHOP_FILES,
    BargainPolicy,
    Colour,
    ConfigProblem,
    Coupon,
    Courier,
    DeliveryRegion,
    Item,
    Offers,
    Promotion,
    ReminderPolicy,
    ReturnPolicy,
    ShippingPolicy,
    Shop,
    ShopConfigError,
    SizeChart,
    SizeRange,
    Sizing,
    ThresholdDiscount,
    TimeWindow,
    VipPolicy,
    colour_key,
    default_floor,
    place_key,
)

# --------------------------------------------------------------------------- builders


def _body_ranges(sec: Section, key: str, required: bool) -> tuple[list[SizeRange], list[str]] | None:
    """A height/weight table (``body_sizes``), smallest size first: the ranges, and every
    size named (even one with a broken range). None when the table is not there."""
    body: list[SizeRange] = []
    order: list[str] = []
    body_map = sec.section(key, None, required=required)  # keys are sizes, checked below
    if body_map is None:
        return None
    if not body_map.data and required:
        sec.error(key, f"'{key}' is empty; list at least one size")
    previous = None
    for size_key in body_map.data:
        size = (word(size_key) or str(size_key)).upper()
        order.append(size)
        row = body_map.section(size_key, ("height_cm", "weight_kg"), where=f"{sec.where}size {size}: ")
        if row is None:
            continue
        height, weight = row.range("height_cm"), row.range("weight_kg")
        if height is None or weight is None:
            continue
        if previous is not None:
            for attr, label, new in (("height_cm", "height", height), ("weight_kg", "weight", weight)):
                old = getattr(previous, attr)
                if new[0] < old[0] or new[1] < old[1]:
                    row.error(attr, (
                        f"{label} {num(new[0])}-{num(new[1])} is below size {previous.size} "
                        f"({num(old[0])}-{num(old[1])}); list sizes from small to large"
                    ))
        current = SizeRange(size, height, weight)
        body.append(current)
        previous = current
    return body, order


def _build_sizing(f: CheckedFile, data: LineMap) -> Sizing | None:
    top = Section(f, data, "", ("ease_cm", "body_sizes", "charts"))
    ease = top.number("ease_cm", minimum=0)
    shared_body, shared_order = _body_ranges(top, "body_sizes", required=True) or ([], [])

    charts: dict[str, SizeChart] = {}
    charts_map = top.section("charts", None)
    if charts_map is not None:
        if not charts_map.data:
            top.error("charts", "'charts' is empty; add at least one size chart")
        for key in charts_map.data:
            name = str(key)
            sec = charts_map.section(
                key, ("title", "usual_sizes", "measurements_cm", "body_sizes", "ease_cm", "ages"), where=f"chart {name}: ")
            if sec is None:
                continue
            title = sec.text("title", required=False, default=name)
            # A chart may size by its own table (children's sizes 90-160 by height), or by its
            # measurements alone (shoes by foot length: body_sizes: {}); else the shared table.
            own = _body_ranges(sec, "body_sizes", required=False)
            body, order = own if own is not None else (shared_body, shared_order)
            chart_ease = sec.number("ease_cm", required=False, default=ease, minimum=0)
            measurements: dict[str, dict[str, float]] = {}
            meas = sec.section("measurements_cm", None)
            kinds: tuple[str, ...] | None = None
            if meas is not None:
                if not meas.data:
                    sec.error("measurements_cm", "'measurements_cm' is empty; list each size's measurements")
                for size_key in meas.data:
                    size = (word(size_key) or str(size_key)).upper()
                    if order and size not in order:
                        table = "this chart's body_sizes" if own else "body_sizes"
                        meas.error(size_key, f"size {size} is not in {table} ({', '.join(order)})")
                        continue
                    row = meas.data[size_key]
                    if not isinstance(row, dict) or not row:
                        meas.error(size_key, f"size {size} should list measurements like {{waist: 66, hip: 88}}")
                        continue
                    row_sec = Section(f, row, f"chart {name} size {size}: ")
                    values = {}
                    for kind in row:
                        v = row_sec.number(kind, above=0)
                        if v is not None:
                            values[str(kind)] = v
                    if kinds is None:
                        kinds = tuple(values)
                    elif set(values) != set(kinds) and len(values) == len(row):
                        missing = sorted(set(kinds) - set(values))
                        extra = sorted(set(values) - set(kinds))
                        detail = (f"has no {', '.join(missing)}" if missing else f"has extra {', '.join(extra)}")
                        meas.error(size_key, f"size {size} {detail}; every size needs the same measurements")
                    measurements[size] = values
                if order:
                    measurements = {s: measurements[s] for s in order if s in measurements}
                previous_size = None
                for size, values in measurements.items():
                    if previous_size is not None:
                        for kind, v in values.items():
                            before = measurements[previous_size].get(kind)
                            if before is not None and v < before:
                                meas.error(size, (
                                    f"{kind} {num(v)} for size {size} is smaller than "
                                    f"{num(before)} for size {previous_size}; bigger sizes need bigger measurements"
                                ))
                    previous_size = size
            sizes = tuple(measurements)
            usual: dict[str, str] = {}
            usual_sec = sec.section("usual_sizes", None, required=False)
            if usual_sec is not None:
                for key, value in usual_sec.data.items():
                    theirs, ours = word(key), word(value)
                    if not theirs or not ours:
                        usual_sec.error(key, f"usual size {key} should map to one of our sizes, not {describe(value)}")
                        continue
                    ours = ours.upper()
                    if sizes and ours not in sizes:
                        usual_sec.error(key, (
                            f"usual size {theirs} maps to {ours}, which is not in this chart ({', '.join(sizes)})"
                        ))
                        continue
                    usual[theirs.upper()] = ours
            ages: dict[str, tuple[float, float]] = {}
            ages_sec = sec.section("ages", None, required=False)  # children's: size -> ages (参考年龄)
            for size_key in ages_sec.data if ages_sec is not None else ():
                size = (word(size_key) or str(size_key)).upper()
                if size not in sizes:
                    ages_sec.error(size_key, f"ages: size {size} is not in this chart ({', '.join(sizes)})")
                    continue
                years = ages_sec.range(size_key, whole=True)
                if years is not None:
                    ages[size] = years
            charts[name] = SizeChart(
                name=name,
                title=title or name,
                sizes=sizes,
                body=tuple(r for r in body if r.size in sizes),
                measurements_cm=MappingProxyType({k: MappingProxyType(v) for k, v in measurements.items()}),
                usual_sizes=MappingProxyType(usual),
                ease_cm=chart_ease if chart_ease is not None else 0,
                ages=MappingProxyType(ages),
            )
    if ease is None or not f.ok:
        return None
    return Sizing(ease_cm=ease, body=tuple(shared_body), charts=MappingProxyType(charts))


_ITEM_KEYS = (
    "sku", "name", "aliases", "category", "price", "floor", "colors", "sizes",
    "size_chart", "material", "selling_points", "similar", "components", "facts", "image", "url",
    "item_id", "retired",  # written by tools/import_catalogue.py
)


def _build_catalog(
    f: CheckedFile, data: LineMap, sizing: Sizing | None, floor_share: float | None = None,
) -> tuple[Item, ...] | None:
    """Every item, retired ones too (``retired: true``). ``floor_share``: bargaining.yml's
    ``default_floor_share``; with it an item may leave out its floor."""
    top = Section(f, data, "", ("items",))
    seq = top.seq("items", allow_empty=False)
    if seq is None:
        return None

    raw_items: list[tuple[Section, dict]] = []
    sku_lines: dict[str, int] = {}
    item_id_lines: dict[str, int] = {}
    for index, (entry, line) in enumerate(zip(seq, seq.item_lines)):
        if not isinstance(entry, dict):
            f.error(line, f"item #{index + 1} should be a group of settings starting with 'sku:', not {describe(entry)}")
            continue
        probe = Section(f, entry, f"item #{index + 1}: ")
        sku = probe.text("sku")
        sec = Section(f, entry, f"item {sku}: " if sku else f"item #{index + 1}: ", _ITEM_KEYS)
        if sku is not None:
            key = sku.casefold()
            if key in sku_lines:
                sec.error("sku", f"sku {sku} is used twice (first on line {sku_lines[key]}); each item needs its own sku")
            else:
                sku_lines[key] = sec.line("sku")
        raw_items.append((sec, {"sku": sku}))

    # pass 1: each item on its own
    for sec, fields in raw_items:
        fields["name"] = sec.text("name")
        fields["aliases"] = sec.texts("aliases", required=False) or ()
        fields["category"] = sec.text("category", required=False, default="")
        fields["material"] = sec.text("material", required=False, default="")
        for key in ("image", "url"):
            fields[key] = sec.text(key, required=False, default="")
            if fields[key] and not safe_link(fields[key]):
                sec.error(key, f"{key} must be a /static/... path or an https:// address, not {fields[key]!r}")
        fields["selling_points"] = sec.texts("selling_points", required=False) or ()
        fields["similar"] = sec.texts("similar", required=False) or ()
        fields["components"] = sec.texts("components", required=False) or ()
        facts = sec.section("facts", tuple(FACT_FIELDS), required=False)
        fields["facts"] = {key: value for key in FACT_FIELDS
                           if facts is not None and (value := facts.text(key, required=False))}
        fields["retired"] = sec.boolean("retired", required=False, default=False)
        raw_id = sec.data.get("item_id")
        fields["item_id"] = word(raw_id) or ""
        if raw_id is not None and not fields["item_id"]:
            sec.error("item_id", f"'item_id' should be the platform's item number, not {describe(raw_id)}")
        if fields["item_id"]:
            if fields["item_id"] in item_id_lines:
                sec.error("item_id", (f"item_id {fields['item_id']} is used twice (first on line "
                                      f"{item_id_lines[fields['item_id']]}); each listing is one item"))
            else:
                item_id_lines[fields["item_id"]] = sec.line("item_id")
        price = sec.number("price", above=0)
        floor = sec.number("floor", above=0, required=floor_share is None)
        if floor is None and price is not None and floor_share is not None and not sec.has("floor"):
            floor = default_floor(price, floor_share)
        if price is not None and floor is not None and floor > price:
            sec.error("floor", f"floor {num(floor)} is above price {num(price)}")
        fields["price"], fields["floor"] = price, floor
        is_set = bool(fields["components"])

        colours: list[Colour] | None = None
        if sec.has("colors") or not is_set:
            colours = []
            seen: dict[str, int] = {}
            colour_seq = sec.seq("colors", allow_empty=False)
            for value, line in zip(colour_seq or (), getattr(colour_seq, "item_lines", ())):
                if isinstance(value, str) and value.strip():
                    colour = Colour(value.strip(), True)
                elif isinstance(value, dict):
                    csec = Section(f, value, sec.where, ("name", "in_stock"))
                    name = csec.text("name")
                    stock = csec.boolean("in_stock", required=False, default=True)
                    if name is None or stock is None:
                        continue
                    colour = Colour(name, stock)
                else:
                    f.error(line, f"{sec.where}a colour should be a name or {{name: 白, in_stock: true}}, not {describe(value)}")
                    continue
                key = colour_key(colour.name)
                if key in seen:
                    f.error(line, f"{sec.where}colour {colour.name} is listed twice (first on line {seen[key]})")
                    continue
                seen[key] = line
                colours.append(colour)
        fields["colours"] = colours

        sizes = None
        if sec.has("sizes") or not is_set:
            sizes = sec.texts("sizes", allow_empty=False, words=True)
            if sizes is not None:
                sizes = tuple(s.upper() for s in sizes)
                dupes = sorted({s for s in sizes if sizes.count(s) > 1})
                if dupes:
                    sec.error("sizes", f"size {', '.join(dupes)} is listed twice")
        fields["sizes"] = sizes

        chart_name = sec.text("size_chart", required=not is_set)
        fields["size_chart"] = chart_name
        if sizing is not None and chart_name is not None:
            chart = sizing.charts.get(chart_name)
            if chart is None:
                hint = difflib.get_close_matches(chart_name, list(sizing.charts), n=1)
                also = f"did you mean '{hint[0]}'?" if hint else f"charts: {', '.join(sizing.charts)}"
                sec.error("size_chart", f"size chart '{chart_name}' is not in sizing.yml ({also})")
            elif sizes:
                seq_sizes = sec.data.get("sizes")
                for i, size in enumerate(sizes):
                    if size not in chart.sizes:
                        line = seq_sizes.item_lines[i] if isinstance(seq_sizes, LineSeq) else sec.line("sizes")
                        f.error(line, f"{sec.where}size {size} is not in size chart '{chart_name}' ({', '.join(chart.sizes)})")

    # pass 2: references between items
    by_sku = {fields["sku"].casefold(): fields for _, fields in raw_items if fields["sku"]}
    for sec, fields in raw_items:
        sku = fields["sku"]
        for key in ("similar", "components"):
            values = fields[key]
            seq_values = sec.data.get(key)
            for i, ref in enumerate(values):
                line = seq_values.item_lines[i] if isinstance(seq_values, LineSeq) else sec.line(key)
                target = by_sku.get(ref.casefold())
                if target is None:
                    hint = difflib.get_close_matches(ref, [v["sku"] for v in by_sku.values()], n=1)
                    also = f" (did you mean {hint[0]}?)" if hint else ""
                    f.error(line, f"{sec.where}{key} sku {ref} is not in the catalog{also}")
                elif sku and ref.casefold() == sku.casefold():
                    f.error(line, f"{sec.where}{key} lists the item itself")
                elif key == "components" and target["components"]:
                    f.error(line, f"{sec.where}component {ref} is itself a set; a set can only hold single items")
                elif key == "components" and target["retired"] and not fields["retired"]:
                    f.error(line, f"{sec.where}component {ref} is retired; a set cannot be sold without it")
        if fields["components"] and (fields["colours"] is None or fields["sizes"] is None):
            parts = [by_sku.get(c.casefold()) for c in fields["components"]]
            if all(p is not None and not p["components"] for p in parts):
                if fields["colours"] is None:
                    fields["colours"] = _set_colours(p["colours"] or [] for p in parts)
                if fields["sizes"] is None:
                    order = sizing.size_order if sizing else ()
                    fields["sizes"] = _set_sizes((p["sizes"] or () for p in parts), order)

    # names and aliases must point to one item only (a retired item's words are free again)
    owners: dict[str, tuple[str, int]] = {}
    for sec, fields in raw_items:
        if not fields["sku"] or fields["retired"]:
            continue
        terms = [("name", fields["name"])] + [("aliases", a) for a in fields["aliases"]]
        for key, term in terms:
            if not term:
                continue
            folded = term.casefold()
            owner = owners.get(folded)
            if owner and owner[0] != fields["sku"]:
                sec.error(key, f"'{term}' also names item {owner[0]} (line {owner[1]}); buyers' words must point to one item")
            elif not owner:
                owners[folded] = (fields["sku"], sec.line(key))

    if not f.ok:
        return None
    return tuple(
        Item(
            sku=fields["sku"],
            name=fields["name"],
            price=fields["price"],
            floor=fields["floor"],
            colours=tuple(fields["colours"] or ()),
            sizes=tuple(fields["sizes"] or ()),
            aliases=tuple(fields["aliases"]),
            category=fields["category"] or "",
            size_chart=fields["size_chart"],
            material=fields["material"] or "",
            selling_points=tuple(fields["selling_points"]),
            similar=tuple(fields["similar"]),
            components=tuple(fields["components"]),
            facts=MappingProxyType(fields["facts"]),
            image=fields["image"] or "",
            url=fields["url"] or "",
            item_id=fields["item_id"] or "",
            retired=bool(fields["retired"]),
        )
        for _, fields in raw_items
    )


def _set_colours(parts: Iterable[list[Colour]]) -> list[Colour]:
    """A set comes in every colour of its items; a colour is in stock if some item
    has it in stock (粉 is sold out in the tee, so the set's 粉 is too)."""
    merged: dict[str, Colour] = {}
    for colours in parts:
        for c in colours:
            key = colour_key(c.name)
            if key in merged:
                merged[key] = Colour(merged[key].name, merged[key].in_stock or c.in_stock)
            else:
                merged[key] = c
    return list(merged.values())


def _set_sizes(parts: Iterable[tuple[str, ...]], order: tuple[str, ...]) -> tuple[str, ...]:
    sizes: list[str] = []
    for part in parts:
        sizes += [s for s in part if s not in sizes]
    rank = {s: i for i, s in enumerate(order)}
    return tuple(sorted(sizes, key=lambda s: rank.get(s, len(rank))))


def _build_shop_settings(f: CheckedFile, data: LineMap) -> dict | None:
    top = Section(f, data, "", (
        "name", "timezone", "agent_hours", "promotion", "vip", "payment_reminders", "retention_days",
    ))
    out: dict[str, Any] = {"name": top.text("name")}
    out["retention_days"] = top.number(
        "retention_days", required=False, default=DEFAULT_RETENTION_DAYS, whole=True, minimum=1)
    if out["retention_days"] is not None and out["retention_days"] > MAX_RETENTION_DAYS:
        top.error("retention_days", (
            f"'retention_days' is {out['retention_days']}; keep buyers' data at most "
            f"{MAX_RETENTION_DAYS} days (90 = three months)"))

    tz = top.text("timezone")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            top.error("timezone", f"unknown time zone '{tz}' (use a name like Asia/Shanghai)")
    out["timezone"] = tz

    hours = top.section("agent_hours", ("open", "close"))
    out["agent_hours"] = None
    if hours is not None:
        opens, closes = hours.time("open"), hours.time("close")
        if opens is not None and closes is not None:
            if closes <= opens:
                hours.error("close", f"agent hours close {closes:%H:%M} is not after open {opens:%H:%M}")
            else:
                out["agent_hours"] = TimeWindow(opens, closes)

    promo = top.section("promotion", ("enabled", "busy_notice", "ship_within_hours"))
    out["promotion"] = None
    out["promotion_line"] = top.line("promotion")
    if promo is not None:
        enabled = promo.boolean("enabled")
        busy = promo.boolean("busy_notice", required=False, default=True)
        hours_ = promo.number("ship_within_hours", whole=True, above=0)
        out["promotion_line"] = promo.line("ship_within_hours")
        if None not in (enabled, busy, hours_):
            out["promotion"] = Promotion(enabled, busy, hours_)

    vip = top.section("vip", ("discount", "after"))
    out["vip"] = None
    out["vip_line"] = top.line("vip")
    if vip is not None:
        discount = vip.number("discount", above=0)
        if discount is not None and discount > 1:
            hint = f"; for {num(discount)}折 write {num(round(discount / 10, 4))}" if discount < 10 else ""
            vip.error("discount", f"'discount' is {num(discount)}; it must be 1 or less (0.98 = 9.8折){hint}")
            discount = None
        after = vip.choice("after", ("first_completed_order",), required=False, default="first_completed_order")
        out["vip_line"] = vip.line("discount")
        if discount is not None and after is not None:
            out["vip"] = VipPolicy(discount, after)

    rem = top.section("payment_reminders", ("delay_minutes", "quiet_hours", "max_per_buyer_per_24h"))
    out["reminders"] = None
    if rem is not None:
        delay = rem.number("delay_minutes", whole=True, above=0)
        most = rem.number("max_per_buyer_per_24h", whole=True, minimum=0)
        quiet = rem.section("quiet_hours", ("start", "end"))
        window = None
        if quiet is not None:
            start, end = quiet.time("start"), quiet.time("end")
            if start is not None and end is not None:
                if start == end:
                    quiet.error("end", f"quiet hours start and end are both {start:%H:%M}")
                else:
                    window = TimeWindow(start, end)
        if None not in (delay, most, window):
            out["reminders"] = ReminderPolicy(delay, window, most)
    return out if f.ok else None


def _build_region(sec: Section, named: str | None = None, with_places: bool = True) -> DeliveryRegion | None:
    name = sec.text("name", required=named is None, default=named)
    days = sec.range("days", whole=True)
    postage = sec.number("postage", minimum=0)
    free = sec.boolean("free_shipping")
    provinces: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    if with_places:
        provinces = sec.texts("provinces", allow_empty=False) or ()
        seq = sec.data.get("provinces")
        clean = []
        for i, p in enumerate(provinces):
            key = place_key(p)
            if key not in PROVINCES:
                hint = difflib.get_close_matches(key, PROVINCES, n=1, cutoff=0.5)
                also = f" (did you mean {hint[0]}?)" if hint else ""
                line = seq.item_lines[i] if isinstance(seq, LineSeq) else sec.line("provinces")
                sec.file.error(line, f"{sec.where}'{p}' is not a province{also}")
            clean.append(key)
        provinces = tuple(clean)
        cities = tuple(place_key(c) for c in (sec.texts("cities", required=False) or ()))
    if None in (name, days, postage, free):
        return None
    return DeliveryRegion(name, days, postage, free, provinces, cities)


def _build_shipping(f: CheckedFile, data: LineMap, settings: dict | None) -> ShippingPolicy | None:
    top = Section(f, data, "", (
        "default_courier", "couriers", "ship_within_hours", "ship_in_payment_order",
        "regions", "other_provinces",
    ))
    couriers: list[Courier] = []
    seen: dict[str, int] = {}
    seq = top.seq("couriers", allow_empty=False)
    for value, line in zip(seq or (), getattr(seq, "item_lines", ())):
        if isinstance(value, str) and value.strip():
            courier = Courier(value.strip())
        elif isinstance(value, dict):
            sec = Section(f, value, "courier: ", ("name", "aliases", "surcharge"))
            name = sec.text("name")
            if name:
                sec.where = f"courier {name}: "
            surcharge = sec.number("surcharge", required=False, default=0, minimum=0)
            aliases = sec.texts("aliases", required=False) or ()
            if name is None or surcharge is None:
                continue
            courier = Courier(name, surcharge, aliases)
        else:
            f.error(line, f"a courier should be a name or {{name: 顺丰, surcharge: 10}}, not {describe(value)}")
            continue
        for term in (courier.name, *courier.aliases):
            if term.casefold() in seen:
                f.error(line, f"courier name '{term}' is listed twice (first on line {seen[term.casefold()]})")
            seen[term.casefold()] = line
        couriers.append(courier)

    default = top.text("default_courier")
    if default is not None and seq is not None:
        by_name = {t.casefold(): c.name for c in couriers for t in (c.name, *c.aliases)}
        if default.casefold() in by_name:
            default = by_name[default.casefold()]
        else:
            listed = ", ".join(c.name for c in couriers)
            top.error("default_courier", f"default courier {default} is not in 'couriers' ({listed})")

    hours = top.number("ship_within_hours", whole=True, above=0)
    in_order = top.boolean("ship_in_payment_order", required=False, default=True)

    regions: list[DeliveryRegion] = []
    province_lines: dict[str, tuple[str, int]] = {}
    region_seq = top.seq("regions", required=False) or ()
    for value, line in zip(region_seq, getattr(region_seq, "item_lines", ())):
        if not isinstance(value, dict):
            f.error(line, f"a region should be a group of settings starting with 'name:', not {describe(value)}")
            continue
        sec = Section(f, value, "region: ", ("name", "provinces", "cities", "days", "postage", "free_shipping"))
        label = sec.text("name")
        if label is None:
            continue
        sec.where = f"region {label}: "
        region = _build_region(sec)
        if region is None:
            continue
        for p in region.provinces:
            if p in province_lines:
                other, other_line = province_lines[p]
                sec.error("provinces", f"{p} is also in region {other} (line {other_line})")
            province_lines[p] = (region.name, sec.line("provinces"))
        regions.append(region)

    other_sec = top.section("other_provinces", ("name", "days", "postage", "free_shipping"), where="other_provinces: ")
    other = _build_region(other_sec, named="其他省份", with_places=False) if other_sec else None

    promo_hours = hours
    if settings and settings.get("promotion") and hours is not None:
        promo_hours = settings["promotion"].ship_within_hours
    if not f.ok or None in (default, hours, in_order, other):
        return None
    return ShippingPolicy(
        default_courier=default,
        couriers=tuple(couriers),
        ship_within_hours=hours,
        promotion_ship_within_hours=promo_hours,
        ship_in_payment_order=in_order,
        regions=tuple(regions),
        other_provinces=other,
    )


def _build_returns(f: CheckedFile, data: LineMap) -> ReturnPolicy | None:
    top = Section(f, data, "", (
        "no_reason_days", "counted_from", "exchanges", "conditions", "not_returnable",
        "postage", "refund_approval_above",
    ))
    days = top.number("no_reason_days", whole=True, above=0)
    counted_from = top.choice("counted_from", ("receipt", "delivery", "payment"), required=False, default="receipt")
    exchanges = top.boolean("exchanges", required=False, default=True)
    conditions = top.texts("conditions", allow_empty=False)
    not_ret = top.section("not_returnable", ("made_to_order_sizes",), required=False)
    made_to_order_excluded = True
    if not_ret is not None:
        made_to_order_excluded = not_ret.boolean("made_to_order_sizes", required=False, default=True)
    postage = top.section("postage", ("default_payer", "shop_pays_for", "compensation_coupon", "shipping_insurance"))
    payer = coupon = insurance = None
    shop_pays: dict[str, str] = {}
    if postage is not None:
        payer = postage.choice("default_payer", ("buyer", "shop"))
        coupon = postage.number("compensation_coupon", required=False, default=0, minimum=0)
        insurance = postage.boolean("shipping_insurance", required=False, default=False)
        reasons = postage.section("shop_pays_for", None, required=False)
        if reasons is not None:
            for key, label in reasons.data.items():
                if not isinstance(label, str) or not label.strip():
                    reasons.error(key, f"reason '{key}' needs a description buyers understand, like 质量问题")
                    continue
                shop_pays[str(key)] = label.strip()
    limit = top.number("refund_approval_above", minimum=0)
    if not f.ok or None in (days, counted_from, exchanges, conditions, made_to_order_excluded, payer, coupon, insurance, limit):
        return None
    return ReturnPolicy(
        no_reason_days=days,
        counted_from=counted_from,
        exchanges=exchanges,
        conditions=conditions,
        made_to_order_returnable=not made_to_order_excluded,
        default_postage_payer=payer,
        shop_pays_for=MappingProxyType(shop_pays),
        compensation_coupon=coupon,
        shipping_insurance=insurance,
        refund_approval_above=limit,
    )


def _default_floor_share(f: CheckedFile, data: LineMap) -> float | None:
    """bargaining.yml ``default_floor_share`` (0-1, e.g. 0.85): the floor of an item that has
    none written. Read before the catalog, which needs it."""
    share = Section(f, data).number("default_floor_share", required=False, above=0)
    if share is not None and share > 1:
        Section(f, data).error("default_floor_share", (
            f"'default_floor_share' is {num(share)}; write the share of the price, e.g. 0.85 for 85%"))
        return None
    return share


def _build_bargaining(
    f: CheckedFile, data: LineMap, items: tuple[Item, ...] | None, floor_share: float | None = None,
) -> BargainPolicy | None:
    top = Section(f, data, "", ("ladder", "bundles", "excuse", "ask_manager", "default_floor_share"))
    ladder = top.texts("ladder", allow_empty=True)
    if ladder is not None:
        seq = top.data.get("ladder")
        for i, step in enumerate(ladder):
            line = seq.item_lines[i] if isinstance(seq, LineSeq) else top.line("ladder")
            if step not in BARGAIN_STEPS:
                f.error(line, f"ladder step '{step}' is unknown; steps are: {', '.join(BARGAIN_STEPS)}")
            elif ladder.index(step) != i:
                f.error(line, f"ladder step '{step}' is listed twice")
    bundles = top.texts("bundles", required=False) or ()
    if items is not None:
        by_sku = {i.sku.casefold(): i for i in items}
        seq = top.data.get("bundles")
        for i, sku in enumerate(bundles):
            line = seq.item_lines[i] if isinstance(seq, LineSeq) else top.line("bundles")
            item = by_sku.get(sku.casefold())
            if item is None:
                f.error(line, f"bundle sku {sku} is not in catalog.yml")
            elif not item.is_set:
                f.error(line, f"bundle {sku} is not a set (it has no 'components' in catalog.yml)")
        bundles = tuple(by_sku[s.casefold()].sku if s.casefold() in by_sku else s for s in bundles)
    if ladder and "bundle" in ladder and not bundles:
        top.error("ladder", "the ladder starts with 'bundle' but 'bundles' lists no set")

    excuse = top.section("excuse", ("accept_gap_up_to", "hold_hours"))
    gap = hold = None
    if excuse is not None:
        gap = excuse.number("accept_gap_up_to", minimum=0)
        hold = excuse.number("hold_hours", whole=True, required=False, default=24, above=0)

    manager = top.section("ask_manager", ("on_haggle", "wait_seconds", "gifts"))
    on_haggle = wait = gifts = None
    if manager is not None:
        on_haggle = manager.number("on_haggle", whole=True, minimum=1)
        wait = manager.number("wait_seconds", whole=True, required=False, default=120, minimum=0)
        gifts = manager.texts("gifts", allow_empty=False)

    if not f.ok or None in (ladder, gap, hold, on_haggle, wait, gifts):
        return None
    return BargainPolicy(
        ladder=ladder,
        bundles=tuple(bundles),
        excuse_max_gap=gap,
        excuse_hold_hours=hold,
        ask_manager_on_haggle=on_haggle,
        ask_manager_wait_seconds=wait,
        gifts=gifts,
        default_floor_share=floor_share,
    )


def _cross_checks(f_shop: CheckedFile, settings: dict, shipping_hours: int | None, items: tuple[Item, ...] | None) -> None:
    promo = settings.get("promotion")
    if promo is not None and shipping_hours is not None and promo.ship_within_hours < shipping_hours:
        f_shop.error(settings["promotion_line"], (
            f"promotion ship_within_hours {promo.ship_within_hours} is shorter than the normal "
            f"{shipping_hours} in shipping.yml; promotion shipping cannot be faster"
        ))
    vip = settings.get("vip")
    if vip is not None and items:
        for item in items:
            if vip.price(item.price) < item.floor:
                f_shop.error(settings["vip_line"], (
                    f"VIP {vip.zhe}折 would sell {item.sku} at {num(vip.price(item.price))}, "
                    f"below its floor {num(item.floor)}"
                ))


# --------------------------------------------------------------------------- entry points


def _build_offers(f: CheckedFile, data: LineMap) -> Offers | None:
    top = Section(f, data, "", ("threshold_discounts", "coupons", "stacking", "double11"))
    discounts: list[ThresholdDiscount] = []
    for index, entry in enumerate(top.seq("threshold_discounts", required=False) or ()):
        rule = Section(f, entry if isinstance(entry, dict) else {}, f"满减 #{index + 1}: ", ("spend", "less"))
        spend, less = rule.number("spend", above=0), rule.number("less", above=0)
        if spend is not None and less is not None:
            if less >= spend:
                rule.error("less", f"减 {num(less)} is not less than 满 {num(spend)}")
            discounts.append(ThresholdDiscount(spend, less))
    coupons: list[Coupon] = []
    for index, entry in enumerate(top.seq("coupons", required=False) or ()):
        sec = Section(f, entry if isinstance(entry, dict) else {}, f"coupon #{index + 1}: ",
                      ("name", "value", "min_spend", "how_to_get", "new_buyers_only"))
        name, value = sec.text("name"), sec.number("value", above=0)
        min_spend = sec.number("min_spend", required=False, default=0, minimum=0)
        how = sec.text("how_to_get")
        new_only = sec.boolean("new_buyers_only", required=False, default=False)
        if None not in (name, value, min_spend, how, new_only):
            coupons.append(Coupon(name, value, min_spend, how, new_only))
    stacking = top.section("stacking", ("coupons_with_threshold", "vip_after_discounts"), required=False)
    with_threshold = stacking.boolean("coupons_with_threshold", required=False, default=True) if stacking else True
    vip_after = stacking.boolean("vip_after_discounts", required=False, default=True) if stacking else True
    dates = top.section("double11", ("presale", "start", "end"), required=False)
    double11 = {key: value for key in ("presale", "start", "end") if dates and (value := dates.text(key, required=False))}
    if not f.ok:
        return None
    return Offers(tuple(sorted(discounts, key=lambda t: t.spend)), tuple(coupons), with_threshold, vip_after,
                  MappingProxyType(double11))


def _file_path(folder: str, stem: str) -> str:
    for ext in (".yml", ".yaml"):
        candidate = os.path.join(folder, stem + ext)
        if os.path.exists(candidate):
            return candidate
    return os.path.join(folder, stem + ".yml")


def load_shop(path: str | os.PathLike = "shop") -> Shop:
    """Read and check the shop folder; raise :class:`ShopConfigError` listing every
    problem (file, line, what is wrong) if anything is broken."""
    folder = os.fspath(path)
    problems: list[ConfigProblem] = []
    if not os.path.isdir(folder):
        raise ShopConfigError([ConfigProblem(folder, None, "shop folder not found")])

    paths = {stem: _file_path(folder, stem) for stem in SHOP_FILES}
    paths.update({stem: path for stem in OPTIONAL_SHOP_FILES if os.path.exists(path := _file_path(folder, stem))})
    raw = {stem: read_yaml(p, p, problems) for stem, p in paths.items()}
    if problems:
        raise ShopConfigError(problems)
    files = {stem: CheckedFile(p, problems) for stem, p in paths.items()}

    sizing = _build_sizing(files["sizing"], raw["sizing"])
    floor_share = _default_floor_share(files["bargaining"], raw["bargaining"])
    every_item = _build_catalog(files["catalog"], raw["catalog"], sizing, floor_share)
    items = every_item and tuple(i for i in every_item if not i.retired)
    settings = _build_shop_settings(files["shop"], raw["shop"]) or {}
    shipping = _build_shipping(files["shipping"], raw["shipping"], settings)
    returns = _build_returns(files["returns"], raw["returns"])
    bargaining = _build_bargaining(files["bargaining"], raw["bargaining"], items, floor_share)
    offers = _build_offers(files["promotions"], raw["promotions"]) if "promotions" in files else NO_OFFERS
    if settings:
        hours = shipping.ship_within_hours if shipping else None
        _cross_checks(files["shop"], settings, hours, items)
    if problems:
        raise ShopConfigError(problems)

    return Shop(
        name=settings["name"],
        timezone=settings["timezone"],
        agent_hours=settings["agent_hours"],
        promotion=settings["promotion"],
        vip=settings["vip"],
        reminders=settings["reminders"],
        items=items,
        sizing=sizing,
        shipping=shipping,
        returns=returns,
        bargaining=bargaining,
        offers=offers,
        source=folder,
        retention_days=settings["retention_days"],
        retired_items=tuple(i for i in every_item if i.retired),
    )


def catalog_for_nlu(shop: Shop | str | os.PathLike = "shop") -> dict:
    """``{"items": [{"sku", "name", "aliases", "colors", "sizes"}, ...]}`` for the NLU
    side, from a loaded :class:`Shop` or a shop folder."""
    if not isinstance(shop, Shop):
        shop = load_shop(shop)
    return shop.catalog_for_nlu()
