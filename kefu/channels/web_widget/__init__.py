"""The web chat widget: the script shops embed (``/widget.js``), the widget's extra API
(shop profile, images, offline messages, read receipts, self-service after-sales) and
the demo storefront."""

from __future__ import annotations

from fastapi import FastAPI

from kefu.channels.web_widget import api, script, self_service, store


def install_widget(app: FastAPI) -> None:
    app.include_router(api.router, prefix="/api/v1")
    app.include_router(self_service.router, prefix="/api/v1")
    app.include_router(script.router)
    app.include_router(store.router)
