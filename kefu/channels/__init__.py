"""Channels a shopper reaches the shop through: transport, views and templates each."""
