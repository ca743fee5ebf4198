"""Entities in buyers' messages, with normalised values (standard library only, Python 3.10+).

``extract_entities(text, catalog=None)`` returns dicts
``{"entity", "value", "start", "end", "text"}`` (price discounts also carry
``"role": "discount"``); ``start``/``end`` index the original text and cover the value with
its unit ("110斤", "一米六五", "L码"), not the keyword before it ("身高", "腰围").
``chinese_number(text)`` reads digits or Chinese numerals.

Rules for the ambiguous cases (how Chinese buyers write):

- height (cm, int): "一米六五"/"1米65", "一米六"/"1米6" (one tail digit means tens: 160),
  "1.65米"/"1.65m", "165cm"/"公分"/"厘米", or a number right after 身高/个子/个头/高 when it
  is 140-200 (1.40-2.00 is read as metres; "一六五" digit by digit). A bare 140-200 number
  with no keyword is a height only when the same message also gives a weight ("165 110斤")
  or it opens a "165/50", "165 100" pair (号型 like "175/92A" needs its letter). Otherwise a bare number is nothing: "139块" is a price,
  "2件" and "165" alone are no entity.
- weight (kg, float, one decimal): 斤 is half a kilo; 公斤/千克/kg as is. A bare number after
  体重 (or the second number of a "165 100" pair) is 斤 above 90, else kg. Kept in 25-150 kg.
- waist/hip (cm, float): after 腰围/腰/臀围/臀/屁股; 尺 forms (1 尺 = 33.3 cm, the digit after
  尺 is 寸 = 1/10 尺: "两尺一" = 69.9). A 尺 form without a keyword is a waist; a keyworded
  bare number up to 4 is in 尺. Kept in 40-160 cm.
- usual_size: a size after 平时/平常/一般/通常/之前/以前/我穿; not when a question follows
  ("我穿L合适吗" gives ``size``). Number sizes 23-40 are jeans waist sizes.
- size: S M L XL XXL XXXL (2XL -> XXL, lower case too), "175/92A", or "28码".
- price (yuan): a number with 块/元/钱, after ¥/￥, before 包邮, or after
  便宜/少/减/优惠/抹/降 (those are ``"role": "discount"``). "一块买" (together) is no price.
- color: catalog colours when a catalog is given (spelled as in the catalog, "白色" -> "白"),
  else a built-in list, kept as written. Words like 明白/红包/拉黑 are not colours.
- region: provinces (and 省/市/自治区 forms, 内蒙) and large cities, as the province name.
- order_id: any 12-20 digit run. sku: catalog codes in any case, dash optional
  ("jn2801" -> "JN-2801"), plus catalog item names and ``aliases``; with no catalog any
  [A-Z]{2,3}-?digits{2,4} code.
- Overlaps: the longer span wins, then the more specific entity (``PRIORITY``), then the
  earlier one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xiaoer.item_links import item_link_spans

__all__ = ["chinese_number", "extract_entities", "ZH_DIGITS", "ZH_UNITS", "PRIORITY"]

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ZH_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CM_PER_CHI = 33.3

PRIORITY = {"order_id": 9, "sku": 8, "waist": 7, "hip": 7, "weight": 6, "height": 5,
            "usual_size": 4, "price": 3, "size": 2, "courier": 1, "region": 1, "color": 0}

# Full-width ASCII (１６５, ＸＬ, ．) and the ideographic space map one to one, so offsets
# in the half-width copy are offsets in the original text.
_HALF = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_HALF[0x3000] = 0x20


def _zh_int(s: str) -> int | None:
    """Chinese integer: 一百一十, 两千, 一千零五十, 一百二 (colloquial 120), 一六五 (digit by digit)."""
    if len(s) > 1 and all(c in ZH_DIGITS and c != "两" for c in s):
        return int("".join(str(ZH_DIGITS[c]) for c in s))
    total = section = unit = 0
    num, zero = None, False
    for i, c in enumerate(s):
        if c in ZH_DIGITS:
            if num is not None:
                return None  # two digits in a row inside a unit number
            if ZH_DIGITS[c] == 0:
                zero = True  # 一千零五: the 五 is ones, not the colloquial tail
            else:
                num = ZH_DIGITS[c]
        elif c in ZH_UNITS:
            u = ZH_UNITS[c]
            if num is None and not (u == 10 and (i == 0 or zero)) and not (u == 10000 and section):
                return None  # a unit needs a digit, except 十 first (十八) or after 零, 万 after 十
            if u == 10000:
                total, section = (total + section + (num or 0)) * u, 0
            else:
                section += (num or 1) * u
            num, unit, zero = None, u, False
        else:
            return None
    if num is not None:
        if unit >= 100 and not zero:
            num *= unit // 10  # 一百二 = 120, 两千五 = 2500, 一万二 = 12000
        section += num
    return total + section


def chinese_number(text: str) -> float | None:
    """Digits or Chinese numerals as a float ("165", "１６５", "一百二", "零点五"); else None."""
    s = (text or "").translate(_HALF).strip()
    if not s:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    whole, dot, frac = s.partition("点")
    if dot and (not frac or any(c not in ZH_DIGITS for c in frac)):
        return None
    n = _zh_int(whole) if whole else None
    if n is None:
        return None
    if dot:
        return float(f"{n}.{''.join(str(ZH_DIGITS[c]) for c in frac)}")
    return float(n)


def _num_at(t: str, start: int, end: int) -> tuple[int, float] | None:
    """The longest numeral ending at ``end``: a greedy Chinese-numeral match may have picked
    up digits of the previous number ("一米六五一百斤" -> 一百 before 斤)."""
    for i in range(start, end):
        v = chinese_number(t[i:end])
        if v is not None:
            return i, v
    return None


_ZH = "[零〇一二两三四五六七八九十百千万点幺]+"
NUM = rf"(?:(?<![\d.])\d+(?:\.\d+)?(?!\.?\d)|{_ZH})"
_GAP = r"(?:大概|大约|约|差不多|是|有|:|\s)*"
_ZH_DIGIT = "[零〇一二三四五六七八九]"

_UNIT_NUM = re.compile(
    rf"({NUM})\s*(cm|公分|厘米|米|m|公斤|千克|kg|斤|块钱|块|元|钱|rmb)(?![A-Za-z])", re.I)
_METRE_ZH = re.compile(  # 一米六五, 1米6; the tail stops before 十/百 (一米六一百斤)
    rf"(?<![\d.])([1一])\s*米\s*({_ZH_DIGIT}{{1,2}}(?![十百千])|\d{{1,2}}(?![\d.]))")
_HEIGHT_KEY = re.compile(rf"(?:身高|个子|个头|高){_GAP}({NUM})")
_WEIGHT_KEY = re.compile(rf"(?<!身高)体重{_GAP}({NUM})")  # 身高体重 170 130: a pair
_PAIR = re.compile(  # "165 100", "165/50", "160，55": height then weight, no units
    r"(?<![\d.])(1[4-9]\d|200)\s*[/,、\s]\s*(\d{2,3}(?:\.\d)?)(?![\d.A-Za-z%])"
    r"(?!\s*(?:块|元|钱|件|码|号|包邮))")
_BARE_HEIGHT = re.compile(
    r"(?<![\d.])(1[4-9]\d|200)(?!\.?\d)(?!\s*(?:块|元|钱|件|码|号|斤|公斤|千克|kg|包邮|%))", re.I)
_MEASURE = re.compile(
    rf"(?:(腰围|臀围|腰|臀|屁股){_GAP})?(?:({NUM})\s*尺(?:\s*({_ZH_DIGIT}|\d)(?!\d)寸?)?"
    rf"|({NUM})(?:\s*(?:cm|公分|厘米))?)", re.I)
_LETTER = r"(?<![A-Za-z0-9.])(?:[2-6]XL|X{0,4}[SL]|M)(?![A-Za-z])"
_SIZE_NUM = r"(?<![\d.])(?:2[3-9]|3\d|40)(?![\d.])"
_SIZE_ZH = "(?:二十[三四五六七八九]|三十[一二三四五六七八九]?|四十)(?![一二三四五六七八九])"
_USUAL = re.compile(
    rf"(?:(?:平时|平常|一般|通常|日常|一直|之前|以前)(?:[都也就]?[穿买]的?)?[都也就]?是?"
    rf"|我(?:都|也|就|一般|平时)?穿)(?:的是|的)?\s*((?:{_LETTER}|{_SIZE_NUM}|{_SIZE_ZH})(?:码|号)?)"
    r"(?!(?:码|号)?\s*的?(?:合适|可以|行|能|会|够|吗|呢|怎么样|大|小))", re.I)
_SIZE = re.compile(
    rf"(?<!\d)(\d{{3}}/\d{{2,3}}[ABY])(?![A-Za-z\d])|({_LETTER})(?:码|号)?|({_SIZE_NUM})\s*(?:码|号)",
    re.I)
_DISCOUNT = r"(?:便宜|少|减|优惠|抹|降)(?:了|个|点|一点)?\s*"
_DISCOUNT_BEFORE = re.compile(rf"{_DISCOUNT}$")
_PRICE_BARE = re.compile(  # 便宜20, 少十: a number after a discount word, no unit
    rf"{_DISCOUNT}({NUM})(?!\s*(?:件|个|条|套|号|码|斤|米|天|岁|cm|kg|%))", re.I)
_PRICE_SIGN = re.compile(rf"[¥￥]\s*({NUM})")
_PRICE_FREE = re.compile(rf"({NUM})\s*包邮")
_ORDER_ID = re.compile(r"(?<!\d)\d{12,20}(?!\d)")
_SKU_CODE = re.compile(r"(?<![A-Za-z])([A-Za-z]{2,4})-?(\d{2,4})(?!\d)")

COURIERS = {"顺丰": "顺丰", "中通": "中通", "圆通": "圆通", "申通": "申通", "韵达": "韵达",
            "邮政": "邮政", "邮政快递": "邮政", "中国邮政": "邮政", "EMS": "邮政",
            "京东": "京东", "京东快递": "京东", "京东物流": "京东", "极兔": "极兔", "德邦": "德邦"}

PROVINCES = ("北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 "
             "河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 "
             "新疆 香港 澳门").split()
CITIES = {  # province: large cities buyers name instead of the province
    "广东": "广州 深圳 东莞 佛山 珠海 汕头 惠州", "浙江": "杭州 宁波 温州 绍兴 嘉兴 金华 义乌",
    "江苏": "南京 苏州 无锡 常州 徐州 南通", "四川": "成都 绵阳", "湖北": "武汉 宜昌",
    "陕西": "西安", "河南": "郑州 洛阳", "湖南": "长沙", "山东": "济南 青岛 烟台",
    "辽宁": "沈阳 大连", "福建": "福州 厦门 泉州", "安徽": "合肥", "云南": "昆明 大理 丽江",
    "黑龙江": "哈尔滨", "吉林": "长春", "河北": "石家庄 保定 唐山", "山西": "太原",
    "江西": "南昌", "广西": "南宁 桂林", "贵州": "贵阳", "甘肃": "兰州", "青海": "西宁",
    "宁夏": "银川", "新疆": "乌鲁木齐 喀什", "西藏": "拉萨", "内蒙古": "呼和浩特 包头",
    "海南": "海口 三亚"}


def _region_table() -> dict[str, str]:
    table = {}
    for p in PROVINCES:
        for suffix in ("", "省", "市", "自治区", "特别行政区"):
            table[p + suffix] = p
    for p, cities in CITIES.items():
        for c in cities.split():
            table[c], table[c + "市"] = p, p
    table.update({"内蒙": "内蒙古", "广西壮族自治区": "广西", "宁夏回族自治区": "宁夏",
                  "新疆维吾尔自治区": "新疆"})
    return table


REGIONS = _region_table()

COLORS = ("白 黑 灰 粉 红 蓝 绿 黄 紫 白色 黑色 灰色 粉色 红色 蓝色 绿色 黄色 紫色 米白 米白色 "
          "米色 米黄 奶白 杏色 卡其 卡其色 咖啡色 驼色 棕色 橙色 银色 金色 酒红 藏青 藏蓝 浅蓝 "
          "深蓝 天蓝 雾蓝 宝蓝 牛仔蓝 浅灰 深灰 军绿 墨绿").split()
# Everyday words that contain a colour character but name no colour.
_NOT_COLOR = re.compile("明白|白天|白白|空白|坦白|白送|白条|拉黑|黑心|黑店|黑名单|灰心|粉丝|"
                        "红包|网红|红利|蓝牙|金额|现金|定金|押金|黄金|银行|收银")


def _lexicon(keys) -> re.Pattern:
    """One regex over a word list, longest first; ASCII words must stand alone ("ems")."""
    parts = []
    for k in sorted(keys, key=len, reverse=True):
        p = re.escape(k)
        if k[:1].isascii() and k[:1].isalnum():
            p = r"(?<![A-Za-z0-9])" + p
        if k[-1:].isascii() and k[-1:].isalnum():
            p += r"(?![A-Za-z0-9])"
        parts.append(p)
    return re.compile("|".join(parts), re.I)


class _WordList:
    """A catalogue's word list found in a text as :func:`_lexicon`'s regex finds it (left to
    right, the longest word first, any case, ASCII words standing alone), by looking the text's
    pieces up: a regex of 3,000 items' words tries each one at every character."""

    def __init__(self, keys) -> None:
        self.words = {k.lower() for k in keys}
        self.lengths: dict[str, list[int]] = {}  # first character -> the words' lengths, longest first
        for word in self.words:
            self.lengths.setdefault(word[:1], []).append(len(word))
        for first, lengths in self.lengths.items():
            self.lengths[first] = sorted(set(lengths), reverse=True)
        self._regex = None

    def finditer(self, text: str):
        low = text.lower()
        if len(low) != len(text):  # a character whose lower case is longer (İ): the regex
            self._regex = self._regex or _lexicon(self.words)
            yield from self._regex.finditer(text)
            return
        at = 0
        while at < len(text):
            for length in self.lengths.get(low[at], ()):
                end = at + length
                if end <= len(text) and low[at:end] in self.words and _alone(text, at, end):
                    yield _Found(at, end, text[at:end])
                    at = end
                    break
            else:
                at += 1


def _ascii_word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _alone(text: str, start: int, end: int) -> bool:
    """An ASCII word's ends do not touch other letters or digits ("ems" is not in "items")."""
    return not (_ascii_word(text[start]) and start > 0 and _ascii_word(text[start - 1])) and not (
        _ascii_word(text[end - 1]) and end < len(text) and _ascii_word(text[end]))


@dataclass(frozen=True)
class _Found:
    """A match of a _WordList, read like a regex's."""

    at: int
    stop: int
    text: str

    def start(self) -> int:
        return self.at

    def end(self) -> int:
        return self.stop

    def group(self) -> str:
        return self.text

    def span(self) -> tuple[int, int]:
        return self.at, self.stop


_COURIER_RE = _lexicon(COURIERS)
_REGION_RE = _lexicon(REGIONS)
_COLOR_RE = _lexicon(COLORS)


def _yuan(v: float) -> int | float:
    return int(v) if v == int(v) else v


def _size_value(token: str) -> str:
    token = token.rstrip("码号").upper()
    if token[:1] in ZH_DIGITS:  # 二十八 -> "28"
        return str(int(chinese_number(token)))
    m = re.fullmatch(r"(\d)XL", token)
    return "X" * int(m.group(1)) + "L" if m else token


def _height(s: int, e: int, cm: float):
    if 100 <= cm <= 220:
        yield s, e, "height", int(round(cm)), {}


def _weight(s: int, e: int, kg: float):
    if 25 <= kg <= 150:
        yield s, e, "weight", round(kg, 1), {}


def _bare_weight(v: float) -> float:
    """A weight without unit: Chinese buyers count in 斤, so anything above 90 is 斤."""
    return v / 2 if v > 90 else v


def _price(t: str, s: int, e: int, v: float):
    extra = {"role": "discount"} if _DISCOUNT_BEFORE.search(t[max(0, s - 5):s]) else {}
    if v > 0:
        yield s, e, "price", _yuan(v), extra


def _with_units(t: str):
    for m in _UNIT_NUM.finditer(t):
        got = _num_at(t, m.start(1), m.end(1))
        if not got:
            continue
        (s, v), unit, e = got, m.group(2).lower(), m.end()
        if unit in ("cm", "公分", "厘米"):
            yield from _height(s, e, v)
        elif unit in ("米", "m"):
            if 1.3 <= v <= 2.2:
                yield from _height(s, e, v * 100)
        elif unit == "斤":
            yield from _weight(s, e, v / 2)
        elif unit in ("公斤", "千克", "kg"):
            yield from _weight(s, e, v)
        elif not (unit == "块" and t[e:e + 1] and t[e] in "儿买发寄拍付走"):
            yield from _price(t, s, e, v)


def _body(t: str):
    for m in _METRE_ZH.finditer(t):
        tail = m.group(2)
        cm = 100 + (int(chinese_number(tail)) * (10 if len(tail) == 1 else 1))
        yield from _height(m.start(), m.end(), cm)
    for m in _HEIGHT_KEY.finditer(t):
        got = _num_at(t, m.start(1), m.end(1))
        if got:
            v = got[1] * 100 if 1.4 <= got[1] <= 2.0 else got[1]
            if 140 <= v <= 200:
                yield from _height(got[0], m.end(), v)
    for m in _WEIGHT_KEY.finditer(t):
        got = _num_at(t, m.start(1), m.end(1))
        if got:
            yield from _weight(got[0], m.end(), _bare_weight(got[1]))
    for m in _PAIR.finditer(t):
        yield from _height(m.start(1), m.end(1), float(m.group(1)))
        yield from _weight(m.start(2), m.end(2), _bare_weight(float(m.group(2))))
    for m in _MEASURE.finditer(t):
        key = m.group(1) or ""
        if m.group(2):  # 尺 form
            got = _num_at(t, m.start(2), m.end(2))
            tail = chinese_number(m.group(3)) if m.group(3) else 0
            cm = (got[1] + tail / 10) * CM_PER_CHI if got else 0
        elif key:
            got = _num_at(t, m.start(4), m.end(4))
            cm = (got[1] * CM_PER_CHI if got[1] <= 4 else got[1]) if got else 0
        else:
            continue  # a bare number is no measure
        if got and 40 <= cm <= 160:
            yield got[0], m.end(), "hip" if key in ("臀围", "臀", "屁股") else "waist", round(cm, 1), {}


def _sizes(t: str):
    for m in _USUAL.finditer(t):
        yield m.start(1), m.end(1), "usual_size", _size_value(m.group(1)), {}
    for m in _SIZE.finditer(t):
        token = m.group(1) or m.group(2) or m.group(3)
        yield m.start(), m.end(), "size", token.upper() if m.group(1) else _size_value(token), {}


def _prices(t: str):
    for rx in (_PRICE_BARE, _PRICE_SIGN, _PRICE_FREE):
        for m in rx.finditer(t):
            got = _num_at(t, m.start(1), m.end(1))
            if got:
                yield from _price(t, got[0], m.end(1), got[1])


def _catalog_tables(catalog: dict | None):
    """(sku code -> sku, item name/alias -> sku, colour surface -> catalog colour)."""
    codes, names, colors = {}, {}, {}
    for item in (catalog or {}).get("items") or []:
        sku = str(item.get("sku") or "")
        if not sku:
            continue
        codes[re.sub(r"[^A-Z0-9]", "", sku.upper())] = sku
        for name in [item.get("name")] + list(item.get("aliases") or []):
            if name:
                names[str(name).lower()] = sku
        for c in item.get("colors") or []:
            c = c.get("name") if isinstance(c, dict) else c  # shop YAML: {name, in_stock}
            if c:
                colors[str(c)] = str(c)
    for c in list(colors):  # 白 also answers to 白色; 黑色 to 黑 unless 黑 is its own colour
        variant = c[:-1] if c.endswith("色") else c + "色"
        if variant:
            colors.setdefault(variant, c)
    return codes, names, colors


# Each catalogue's tables and word regexes, made once: the NLU passes the same catalog dict
# with every message, and making them for 3,000 items takes ~30 ms. Keyed by the dict's id;
# the entry holds the dict, so the id is not reused while it is kept. A changed catalogue is
# a new dict (catalog_for_nlu() makes one per call).
_MADE: dict[int, tuple[dict, tuple]] = {}


def _catalog_words(catalog: dict | None):
    """(codes, names, names' regex or None, colours, colours' regex) of the catalog."""
    if catalog is None:
        return {}, {}, None, {}, _COLOR_RE
    kept = _MADE.get(id(catalog))
    if kept is None or kept[0] is not catalog:
        codes, names, colors = _catalog_tables(catalog)
        made = codes, names, _WordList(names) if names else None, colors, _WordList(colors) if colors else _COLOR_RE
        if len(_MADE) >= 8:
            _MADE.clear()
        kept = _MADE[id(catalog)] = (catalog, made)
    return kept[1]


def _words(t: str, catalog: dict | None):
    codes, names, names_re, colors, colors_re = _catalog_words(catalog)
    in_item_links = item_link_spans(t)
    for m in _ORDER_ID.finditer(t):
        if not any(start <= m.start() < end for start, end in in_item_links):  # an item's id, not an order's
            yield m.start(), m.end(), "order_id", m.group(), {}
    for m in _SKU_CODE.finditer(t):
        key = (m.group(1) + m.group(2)).upper()
        if codes:
            if key in codes:
                yield m.start(), m.end(), "sku", codes[key], {}
        elif len(m.group(1)) <= 3:
            yield m.start(), m.end(), "sku", f"{m.group(1).upper()}-{m.group(2)}", {}
    if names_re:
        for m in names_re.finditer(t):
            yield m.start(), m.end(), "sku", names[m.group().lower()], {}
    for m in _COURIER_RE.finditer(t):
        yield m.start(), m.end(), "courier", COURIERS[m.group().upper()], {}  # ems -> EMS
    for m in _REGION_RE.finditer(t):
        yield m.start(), m.end(), "region", REGIONS[m.group()], {}
    blocked = [m.span() for m in _NOT_COLOR.finditer(t)]
    for m in colors_re.finditer(t):
        if not any(m.start() < e and s < m.end() for s, e in blocked):
            yield m.start(), m.end(), "color", colors.get(m.group(), m.group()), {}


def _resolve(cands: list) -> list:
    """No overlaps: the longer span wins, then the more specific entity, then the earlier."""
    cands = sorted(set((s, e, n, v, tuple(x.items())) for s, e, n, v, x in cands),
                   key=lambda c: (c[0] - c[1], -PRIORITY[c[2]], c[0]))
    kept = []
    for c in cands:
        if all(c[1] <= k[0] or c[0] >= k[1] for k in kept):
            kept.append(c)
    return sorted(kept)


def extract_entities(text: str, catalog: dict | None = None) -> list[dict]:
    """All entities in ``text``, in order, without overlaps (rules in the module docstring)."""
    if not text:
        return []
    t = text.translate(_HALF)
    cands = [*_with_units(t), *_body(t), *_sizes(t), *_prices(t), *_words(t, catalog)]
    if any(c[2] == "weight" for c in cands):  # "165 110斤": a weight makes 165 a height
        for m in _BARE_HEIGHT.finditer(t):
            cands.extend(_height(m.start(1), m.end(1), float(m.group(1))))
    out = []
    for s, e, name, value, extra in _resolve(cands):
        out.append({"entity": name, "value": value, "start": s, "end": e,
                    "text": text[s:e], **dict(extra)})
    return out


# --------------------------------------------------------------------------- sizing details
# Read by the sizing action from the text itself (they are no entities: the model never sees
# them), for the charts not sized by height and weight: shoes by the foot length or the
# buyer's usual shoe size, children's clothes by the child's height or age.
# ``alone=True``: the message is only the answer to the bot's question, so a bare number
# counts too ("24.5" after "脚长多少", "110" after "孩子多高").

_DIGIT_AFTER = r"(?![零〇一二两三四五六七八九十百千万点幺\d.])"  # the whole number, not its head
_CM = r"(?:cm|厘米|公分)"
_MM = r"(?:mm|毫米)"
_ABOUT = r"(?:大概|大约|约|差不多|是|有|:|：|\s)*"
_CHILD = r"(?:孩子|小孩|宝宝|宝贝|小朋友|儿子|女儿|闺女|娃|男孩|女孩|小宝)"
_NOT_A_LENGTH = r"(?!\s*(?:岁|周岁|斤|公斤|千克|kg|块|元|钱|个月|码|号|件|条|双|套|个|%))"
# Around an answer given alone: "嗯 孩子110左右吧", "我的脚是24.5cm哦".
_LEAD = rf"(?:嗯+|好的?|哦|我|他|她|{_CHILD}|的|是|有|现在|目前|大概|大约|差不多|约|[,，:：\s])*"
_TAIL = r"(?:左右|上下|差不多|吧|呢|哦|啊|呀|噢|哈|的|了|啦|[。.!！~\s,，])*"
# "平时穿38码", "一般买110的", "我穿39": a size the buyer usually wears (a question does not count:
# "穿38码合适吗" asks whether it fits).
_WEARS = r"(?:(?:平时|平常|一般|通常|日常|一直|之前|以前)[都也就]?(?:穿|买)?|我?[都也就]?(?:穿|买))(?:的是|的|是)?"
_NOT_A_QUESTION = r"(?!(?:码|号)?\s*的?(?:合适|可以|行|能|会|够|吗|呢|怎么样|大|小))"

_FOOT_FORMS = (
    rf"脚(?:长|掌长|的长度|长度)?{_ABOUT}(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>{_CM}|{_MM})?",  # 脚长24.5, 脚长245mm
    rf"(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>{_CM}|{_MM})?\s*长?的脚",  # 24.5cm的脚
    rf"(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>{_MM})",  # 245mm
    # Chinese shoe sizes are the foot length in mm ("平时穿240", "240码")
    rf"(?:{_WEARS}\s*)?(?<![\d.])(?P<n>2[0-9]\d){_DIGIT_AFTER}\s*(?P<u>码|号)",
    rf"{_WEARS}\s*(?<![\d.])(?P<n>2[0-9]\d){_DIGIT_AFTER}(?P<u>)",
)
_FOOT_BARE = rf"(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>{_CM}|{_MM})?"
_USUAL_NUMBER = rf"{_WEARS}\s*(?P<n>{NUM}){_DIGIT_AFTER}\s*(?:码|号)?{_NOT_A_QUESTION}{_NOT_A_LENGTH}"
_USUAL_BARE = rf"(?P<n>{NUM}){_DIGIT_AFTER}\s*(?:码|号)?"
_CHILD_HEIGHT_FORMS = (
    rf"(?:身高|个子|个头|高){_ABOUT}(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>{_CM})?{_NOT_A_LENGTH}",  # 宝宝身高120
    rf"{_CHILD}(?:现在|目前|今年)?{_ABOUT}(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>{_CM})?{_NOT_A_LENGTH}",  # 孩子110
    rf"(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>{_CM})",  # 110cm
    rf"(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>米|m)(?![A-Za-z\d一二三四五六七八九])",  # 1.2米
    rf"(?<![\d.])[1一]\s*米\s*(?P<tail>{_ZH_DIGIT}{{1,2}}|\d{{1,2}}){_DIGIT_AFTER}",  # 一米二 (one digit: tens)
)
_CHILD_HEIGHT_BARE = rf"(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>{_CM})?"
_AGE = rf"(?P<n>{NUM}){_DIGIT_AFTER}\s*(?P<u>周?岁半?|个月)"


def _forms(forms, alone: bool, bare: str | None = None):
    """Matches of ``forms`` in the text; alone, the whole message must be one of them (or the
    bare form), with only filler around it."""
    if not alone:
        return lambda text: (m for form in forms for m in re.finditer(form, text, re.I))
    whole = [rf"{_LEAD}{form}{_TAIL}" for form in (*forms, *([bare] if bare else []))]
    return lambda text: (m for form in whole for m in [re.fullmatch(form, text.strip(), re.I)] if m)


def _prepared(text: str) -> str:
    return (text or "").translate(_HALF)


def foot_length_cm(text: str, alone: bool = False) -> float | None:
    """The buyer's foot length in cm: "脚长24.5", "脚长245mm", "24.5cm的脚", "平时穿240" (a
    Chinese shoe size is the length in mm); alone, also a bare "24.5" or "245". Feet of
    12-32 cm only."""
    for m in _forms(_FOOT_FORMS, alone, _FOOT_BARE)(_prepared(text)):
        value, unit = chinese_number(m["n"]), (m["u"] or "").lower()
        if value is None:
            continue
        cm = value / 10 if unit in ("mm", "毫米", "码", "号") or (not unit and value >= 100) else value
        if 12 <= cm <= 32:
            return round(cm, 1)
    return None


def usual_size_number(text: str, alone: bool = False) -> str | None:
    """A numbered size the buyer usually wears ("平时穿38码" -> "38", "一般穿110的" -> "110",
    "38.5码"); alone, also a bare "38" or "38码". Which chart it belongs to is the caller's
    to say (shoes 35-44, children's 90-160)."""
    for m in _forms((_USUAL_NUMBER,), alone, _USUAL_BARE)(_prepared(text)):
        value = chinese_number(m["n"])
        if value is not None and value > 0:
            return f"{value:g}"
    return None


def child_height_cm(text: str, alone: bool = False) -> float | None:
    """A child's height in cm: "孩子110", "宝宝身高120", "110cm", "一米二", "1.2米"; alone,
    also a bare "110". Heights of 50-180 cm only (an age or a weight is no height)."""
    for m in _forms(_CHILD_HEIGHT_FORMS, alone, _CHILD_HEIGHT_BARE)(_prepared(text)):
        groups = m.groupdict()
        if groups.get("tail"):  # 一米二 = 120, 一米二五 = 125
            tail = chinese_number(groups["tail"])
            cm = 100 + tail * (10 if len(groups["tail"]) == 1 else 1) if tail is not None else None
        else:
            cm = chinese_number(groups["n"])
            if cm is not None and (groups.get("u") or "").lower() in ("米", "m"):  # 1.2米
                cm *= 100
        if cm is not None and 50 <= cm <= 180:
            return float(cm)
    return None


def child_age_years(text: str, alone: bool = False) -> float | None:
    """A child's age in years: "5岁", "三岁半" (3.5), "18个月" (1.5); 0-18."""
    for m in _forms((_AGE,), alone)(_prepared(text)):
        value, unit = chinese_number(m["n"]), m["u"]
        if value is None:
            continue
        years = value / 12 if unit == "个月" else value + (0.5 if unit.endswith("半") else 0)
        if 0 < years <= 18:
            return years
    return None
