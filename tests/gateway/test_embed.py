"""Embedding the chat with one <script> tag: the demo shop's page at / embeds /embed.js as a shop
would, /chat is the chat (full page or in the embed's frame), and only /chat may be framed, by
our own pages and the sites of XIAOER_EMBED_ORIGINS; the staff pages never."""

from __future__ import annotations

import re

import pytest
from sanic import Sanic

from bot.app import create_app
from bot.config import ConfigError, Settings
from bot.infra.store import MemoryStore
from tests.gateway.fakes import ScriptedRasa
from xiaoer.shop import load_shop

Sanic.test_mode = True
SHOP_SITE = "https://shop.example.com"


def client_with(**settings):
    return create_app(Settings(store="memory", **settings), store=MemoryStore(), rasa=ScriptedRasa()).test_client


def frame_ancestors(response):
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    return re.search(r"frame-ancestors ([^;]+)", policy).group(1).split()


def test_the_demo_shop_page_embeds_the_chat_with_one_script_tag():
    _, page = client_with().get("/")
    assert page.status == 200 and "text/html" in page.headers["content-type"]
    tags = re.findall(r"<script\b[^>]*>", page.text)
    assert len(tags) == 1, "the page's only script is the embed"
    assert 'src="/embed.js"' in tags[0] and 'data-item="JN-2801"' in tags[0] and 'data-shop="禾木服饰"' in tags[0]
    jeans = next(item for item in load_shop(Settings().shop_dir).items if item.sku == "JN-2801")
    shown = re.search(r'id="price"><small>¥</small>(\d+)<', page.text).group(1)
    assert int(shown) == jeans.price, "the page sells the jeans at the catalog's price"
    for colour in jeans.colours:
        assert f'value="{colour.name}"' in page.text
    for size in jeans.sizes:
        assert f'name="size" value="{size}"' in page.text


def test_the_embed_script_is_javascript_any_site_may_load_and_cache():
    _, script = client_with().get("/embed.js")
    assert script.status == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "public, max-age=3600"
    assert script.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text


def test_only_the_chat_may_be_framed_and_by_default_only_by_our_own_pages():
    client = client_with()
    _, chat = client.get("/chat?embed=1&item=JN-2801")
    assert chat.status == 200 and "<textarea" in chat.text
    assert frame_ancestors(chat) == ["'self'"]
    assert "x-frame-options" not in chat.headers  # it cannot list sites; frame-ancestors does
    for path in ("/", "/agent", "/trainer"):  # a staff page without a session: its sign-in form
        _, page = client.get(path)
        assert "text/html" in page.headers["content-type"], path
        assert frame_ancestors(page) == ["'none'"] and page.headers["x-frame-options"] == "DENY", path


def test_a_shop_site_named_in_the_setting_may_frame_the_chat_and_nothing_else():
    client = client_with(embed_origins=(SHOP_SITE, "https://*.shop.example.com"))
    _, chat = client.get("/chat")
    assert frame_ancestors(chat) == ["'self'", SHOP_SITE, "https://*.shop.example.com"]
    for path in ("/agent", "/trainer"):
        _, page = client.get(path)
        assert frame_ancestors(page) == ["'none'"] and page.headers["x-frame-options"] == "DENY", path


def test_the_setting_reads_sites_and_refuses_anything_else():
    env = {"XIAOER_EMBED_ORIGINS": f" {SHOP_SITE}/, http://localhost:8080  https://*.tmall.example.com "}
    assert Settings.from_env(env).embed_origins == (SHOP_SITE, "http://localhost:8080", "https://*.tmall.example.com")
    assert Settings.from_env({}).embed_origins == ()
    for bad in ("*", "shop.example.com", "https://shop.example.com/page", "https://a.com 'unsafe-inline'",
                "javascript:alert(1)", "https://a.com;script-src *"):
        with pytest.raises(ConfigError, match="XIAOER_EMBED_ORIGINS"):
            Settings.from_env({"XIAOER_EMBED_ORIGINS": bad})
