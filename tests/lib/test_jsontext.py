"""JSON through orjson on the chat's hot path (frames, reading JSON columns back), with
the standard library for what orjson refuses and for what is stored."""

from __future__ import annotations

import json
import math

from sqlalchemy import JSON, Column, Integer, MetaData, Table, select, text

from kefu.db import make_engine
from kefu.lib import jsontext


def test_text_is_compact_utf8_and_any_json_reader_parses_it():
    value = {"body": "亲，您的快递到了😀", "ids": (1, 2), 7: None}
    written = jsontext.dumps(value)
    assert written == '{"body":"亲，您的快递到了😀","ids":[1,2],"7":null}'
    assert json.loads(written) == {"body": "亲，您的快递到了😀", "ids": [1, 2], "7": None}


def test_what_orjson_refuses_still_round_trips():
    huge = {"order_no": 2**70}  # an integrator's 22-digit order number as a number
    assert jsontext.loads(jsontext.dumps(huge)) == huge
    assert math.isnan(jsontext.loads('{"x": NaN}')["x"])  # as the standard library wrote it


async def test_json_columns_keep_the_stored_form_searches_match_and_read_back(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("data", JSON))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(table.metadata.create_all)
            await conn.execute(table.insert(), [{"id": 1, "data": ["老客户"]}])
            await conn.execute(table.insert(), [{"id": 2, "data": {"order_no": 2**70}}])
            stored = (await conn.execute(text("SELECT data FROM t WHERE id = 1"))).scalar()
            read = (await conn.execute(select(table.c.data).order_by(table.c.id))).scalars()
            assert stored == json.dumps(["老客户"])  # what tag searches look for
            assert list(read) == [["老客户"], {"order_no": 2**70}]
    finally:
        await engine.dispose()
