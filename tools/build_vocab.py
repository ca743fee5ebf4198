"""Generate the jieba user dictionary (the shop vocabulary) from the shop's catalog.

    python tools/build_vocab.py [shop] [vocab/shop.txt]

The dictionary holds the words jieba should keep whole in this shop: item names and
aliases, sku codes, catalog colours (with and without 色), Chinese 号型 sizes such as
175/92A, and a short list of shop-service words that jieba splits badly (色差, 运费险,
转人工, ...). `config.yml` points the tokenizer's ``dictionary_path`` at the folder that
holds this file; Rasa copies the folder into each trained model, so a model and its
vocabulary never drift apart. `make train` regenerates it when shop/catalog.yml changes.

The output is deterministic (sorted, no timestamp), so an unchanged catalog gives an
unchanged file and no retraining. Plain Python 3.10 with PyYAML (via xiaoer.shop).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xiaoer.shop import load_shop  # noqa: E402

# jieba's frequency: high enough that a listed word beats the split jieba would choose.
FREQ = 20000

# Shop-service words that plain jieba cuts in two ("运费/险", "转/人工", "色/差" in some
# contexts). They are the same for every clothing shop, so they live here, not in the shop.
SHOP_TERMS = """
色差 实拍 实物图 买家秀 卖家秀 上身效果 运费险 七天无理由 无理由 退换货 换货 退货 退款 仅退款
转人工 人工客服 真人客服 尺码表 码数 偏大 偏小 正码 拍大一码 拍小一码 大一码 小一码 均码
起球 掉色 褪色 缩水 开线 线头 包邮 不包邮 顺丰 中通 圆通 申通 韵达 极兔 德邦 京东快递
邮政 菜鸟驿站 发货 到货 补货 现货 预售 断码 售罄 花呗 分期 代付 改价 优惠券 满减 店铺券
改地址 拍错 备注 运单号 快递单号 签收 揽收 派送 催发货 差评 投诉 假货 货不对板 质量问题
吊牌 松紧腰 高腰 直筒 阔腿裤 九分裤 连衣裙 半身裙 碎花 雪纺 纯棉 长绒棉 氨纶 牛仔布 内衬
T恤 卫衣 毛衣 外套 风衣 羽绒服 衬衫 西装 短裤 打底裤 童装 胸围 腰围 臀围 裤长 衣长 肩宽
""".split()

# Chinese 号型 (GB/T 1335): height/chest for tops, height/waist for bottoms, body type
# Y A B C. Buyers copy them from labels ("175/92A"), so each stays one token.
HEIGHTS = range(145, 195, 5)
CHESTS = range(72, 116, 4)
WAISTS = range(56, 104, 2)
BODY_TYPES = "YABC"


def haoxing() -> set[str]:
    codes = set()
    for h in HEIGHTS:
        for girth in set(CHESTS) | set(WAISTS):
            for t in BODY_TYPES:
                codes.add(f"{h}/{girth}{t}")
    return codes


def catalog_words(catalog: dict) -> set[str]:
    words = set()
    for item in catalog.get("items") or []:
        sku = str(item.get("sku") or "")
        if sku:
            words.update({sku, sku.replace("-", "")})
        for name in [item.get("name"), *(item.get("aliases") or [])]:
            if name:
                words.add(str(name))
        for colour in item.get("colors") or []:
            colour = str(colour)
            base = colour[:-1] if colour.endswith("色") and len(colour) > 1 else colour
            words.update({base, base + "色"} if len(base) > 1 else {base + "色"})
    return words


def vocabulary(shop_dir: str | Path = "shop") -> list[str]:
    """Every word of the dictionary, sorted; words with spaces are left out (jieba's file
    format is space separated)."""
    catalog = load_shop(shop_dir).catalog_for_nlu()
    words = catalog_words(catalog) | set(SHOP_TERMS) | haoxing()
    return sorted(w for w in words if w.strip() and " " not in w)


def render(words: list[str]) -> str:
    """jieba's user-dictionary format, "word freq" per line. It has no comment syntax (a
    comment would be read as a word), so the file carries no header."""
    return "".join(f"{w} {FREQ}\n" for w in words)


def main(shop_dir: str = "shop", out: str = "vocab/shop.txt") -> int:
    path = Path(out)
    text = render(vocabulary(shop_dir))
    if path.exists() and path.read_text(encoding="utf-8") == text:
        print(f"{path}: up to date ({text.count(chr(10))} words)")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"{path}: {text.count(chr(10))} words from {shop_dir}/catalog.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
