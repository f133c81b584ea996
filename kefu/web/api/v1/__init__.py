"""Version 1 of the REST API, mounted at ``/api/v1``."""

from fastapi import APIRouter

from kefu.web.api.v1 import products

api_router = APIRouter()
api_router.include_router(products.router)
