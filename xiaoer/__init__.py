"""Plain-Python core shared by the gateway and the action server (runs on Python 3.10+)."""
