"""The e-mail channel. Outbound for now (``outbound.py``: scheduled reports go out through
the shop's SMTP server); inbound mail (shoppers writing to the shop) will live beside it."""
