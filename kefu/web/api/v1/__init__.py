"""Version 1 of the REST API, mounted at ``/api/v1``."""

from fastapi import APIRouter, Depends

from kefu.web.api.v1 import (
    agents,
    api_keys,
    audit,
    bot,
    campaigns,
    cases,
    channels,
    conversations,
    coupons,
    customers,
    knowledge,
    me,
    orders,
    products,
    quality,
    reports,
    rfm,
    routing,
    shipments,
    shop,
    sla,
    teams,
    visitors,
    webhooks,
    widget,
    workspace,
)
from kefu.web.deps import refuse_nul_characters

api_router = APIRouter(dependencies=[Depends(refuse_nul_characters)])
for module in (
    products,
    customers,
    orders,
    shipments,
    coupons,
    me,
    agents,
    teams,
    api_keys,
    audit,
    shop,
    conversations,
    routing,
    widget,
    workspace,
    channels,
    webhooks,
    visitors,
    cases,
    sla,
    rfm,
    campaigns,
    knowledge,
    bot,
    quality,
    reports,
):
    api_router.include_router(module.router)
