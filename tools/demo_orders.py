"""Create, pay, cancel and ship test orders on a running gateway, as a shop platform would.

    export XIAOER_WEBHOOK_SECRET=...   # the same secret the gateway has
    python -m tools.demo_orders create <conversation_id> --sku JN-2801 --size L --colour 深蓝
    python -m tools.demo_orders pay <order_id>
    python -m tools.demo_orders cancel <order_id>
    python -m tools.demo_orders ship <order_id> --tracking SF1234567890
    python -m tools.demo_orders deliver <order_id>
    python -m tools.demo_orders metrics --login demo   # a staff sign-in: asks for the password

The conversation id is the buyer's (the widget keeps it in localStorage as its id). The
metrics need an agent's or trainer's sign-in: --login/--password, or XIAOER_STAFF_LOGIN and
XIAOER_STAFF_PASSWORD (without a password it asks for one); --area trainer for a trainer
who is not an agent. The session is signed out again afterwards.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import uuid

import httpx

from bot.orders.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)
from xiaoer import clock as app_clock

EVENTS = {"create": "order_created", "pay": "order_paid", "cancel": "order_cancelled", "ship": "order_shipped", "deliver": "order_delivered"}


def post_event(url: str, secret: str, event: str, body: dict) -> httpx.Response:
    data = json.dumps(body, ensure_ascii=False).encode()
    # the app's clock, so a gateway run with XIAOER_CLOCK_OFFSET accepts the timestamp
    timestamp, delivery = int(app_clock.now()), f"demo-{uuid.uuid4().hex}"
    headers = {
        "content-type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery,
        SIGNATURE_HEADER: sign(secret, event, timestamp, delivery, data),
    }
    return httpx.post(f"{url}/webhooks/orders/{event}", content=data, headers=headers, timeout=10)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tools.demo_orders", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=os.environ.get("XIAOER_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"))
    sub = p.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="an unpaid order for a buyer's conversation")
    create.add_argument("conversation_id")
    create.add_argument("--order-id", default=None)
    create.add_argument("--sku", default="JN-2801")
    create.add_argument("--size", default="L")
    create.add_argument("--colour", default="深蓝")
    create.add_argument("--quantity", type=int, default=1)
    create.add_argument("--contact", default="王小明")
    create.add_argument("--phone", default="13800000000")
    create.add_argument("--address", default="浙江省杭州市西湖区文三路 100 号")
    create.add_argument("--courier", default=None, help="default: the shop's default courier")
    create.add_argument("--remarks", default="")
    for name in ("pay", "cancel", "deliver"):
        sub.add_parser(name).add_argument("order_id")
    ship = sub.add_parser("ship")
    ship.add_argument("order_id")
    ship.add_argument("--tracking", default="")
    metrics = sub.add_parser("metrics", help="reminders sent and paid within 24 h, per script (staff sign-in)")
    metrics.add_argument("--login", default=os.environ.get("XIAOER_STAFF_LOGIN"), help="default: XIAOER_STAFF_LOGIN")
    metrics.add_argument("--password", default=os.environ.get("XIAOER_STAFF_PASSWORD"),
                         help="default: XIAOER_STAFF_PASSWORD, else asked for")
    metrics.add_argument("--area", choices=("agent", "trainer"), default="agent", help="where to sign in (default: agent)")
    return p


def staff_metrics(url: str, login: str, password: str, area: str) -> httpx.Response:
    """Sign in like the console does, read the metrics, sign out (the session ends)."""
    with httpx.Client(base_url=url, timeout=10) as http:
        signed = http.post(f"/{area}/api/login", json={"login": login, "password": password})
        if not signed.is_success:
            return signed
        try:
            return http.get("/api/metrics/reminders")
        finally:
            http.post(f"/{area}/api/logout")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    url = args.url.rstrip("/")
    try:
        if args.command == "metrics":
            if not args.login:
                print("the metrics need a staff sign-in: --login (or XIAOER_STAFF_LOGIN)", file=sys.stderr)
                return 2
            password = args.password or getpass.getpass(f"Password for {args.login}: ")
            response = staff_metrics(url, args.login, password, args.area)
        else:
            secret = os.environ.get("XIAOER_WEBHOOK_SECRET")
            if not secret:
                print("set XIAOER_WEBHOOK_SECRET to the gateway's webhook secret", file=sys.stderr)
                return 2
            if args.command == "create":
                body = {k: v for k, v in {
                    "order_id": args.order_id or f"DEMO-{uuid.uuid4().hex[:8]}",
                    "conversation_id": args.conversation_id, "sku": args.sku, "size": args.size,
                    "colour": args.colour, "quantity": args.quantity, "contact": args.contact,
                    "phone": args.phone, "address": args.address, "courier": args.courier,
                    "remarks": args.remarks,
                }.items() if v not in (None, "")}
            else:
                body = {"order_id": args.order_id}
                if args.command == "ship" and args.tracking:
                    body["tracking_number"] = args.tracking
            response = post_event(url, secret, EVENTS[args.command], body)
    except httpx.HTTPError as exc:
        print(f"the gateway at {url} did not answer: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(response.json(), ensure_ascii=False, indent=2))
    return 0 if response.is_success else 1


if __name__ == "__main__":
    sys.exit(main())
