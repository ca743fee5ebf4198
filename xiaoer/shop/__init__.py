"""The shop as data: load ``shop/*.yml`` into frozen dataclasses, checked on load.

A shop owner edits six YAML files (shop, catalog, sizing, shipping, returns,
bargaining). :func:`load_shop` reads them, checks every value and every reference
between them, and returns a :class:`Shop`. When something is wrong it raises
:class:`ShopConfigError` listing every problem found, each with its file and line::

    shop/catalog.yml line 12: item JN-2801: floor 149 is above price 139

Plain Python 3.10 with PyYAML only; shared by the gateway and the action server.
Nothing is read at import time.
"""

from xiaoer.shop.loader import catalog_for_nlu, load_shop
from xiaoer.shop.model import (
    BargainPolicy,
    Colour,
    ConfigProblem,
    Courier,
    DeliveryRegion,
    Item,
    Promotion,
    ReminderPolicy,
    ReturnPolicy,
    ShippingPolicy,
    Shop,
    ShopConfigError,
    SizeChart,
    SizeRange,
    Sizing,
    TimeWindow,
    VipPolicy,
)

__all__ = [
    "BargainPolicy",
    "Colour",
    "ConfigProblem",
    "Courier",
    "DeliveryRegion",
    "Item",
    "Promotion",
    "ReminderPolicy",
    "ReturnPolicy",
    "ShippingPolicy",
    "Shop",
    "ShopConfigError",
    "SizeChart",
    "SizeRange",
    "Sizing",
    "TimeWindow",
    "VipPolicy",
    "catalog_for_nlu",
    "load_shop",
]
