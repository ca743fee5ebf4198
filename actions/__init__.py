"""Xiaoer's custom actions for rasa-sdk, one module per scenario.

`rasa run actions --actions actions` imports every module of this package and registers
the Action classes it finds.
"""
