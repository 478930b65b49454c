"""Rendering: verdicts, alerts and digests as Telegram HTML (a web view would sit beside it).

Sits below delivery and the Telegram adapter: `bot/tg/` and `bot/delivery.py` call into it,
never the other way round.
"""
