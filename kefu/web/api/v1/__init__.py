"""Version 1 of the REST API, mounted at ``/api/v1``."""

from fastapi import APIRouter

from kefu.web.api.v1 import coupons, customers, orders, products, shipments

api_router = APIRouter()
for module in (products, customers, orders, shipments, coupons):
    api_router.include_router(module.router)
