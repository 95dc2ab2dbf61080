"""What each Table Schema type of schemas/ is in the tables and in the release files.

One table, so that reading (the whole numbers a coder may write), building and
validating (polars) and writing a release (Arrow, hence Parquet and what R reads) agree.
The CSV files are written from the polars tables; R reads their types from
datapackage.json (r/read_gsi_events.R).
"""

from __future__ import annotations

from typing import Any

# Table Schema type -> the polars dtype of a table's column while it is built and checked.
POLARS = {"string": "String", "integer": "Int64", "number": "Float64", "date": "Date",
          "boolean": "Boolean"}
# Table Schema type -> the Arrow type (a pyarrow factory) of a release file's column.
# Integers are 32-bit: R's own integer type, which both arrow and nanoparquet read them
# as (a 64-bit column becomes integer64 or double in R).
ARROW = {"string": "string", "integer": "int32", "number": "float64", "date": "date32",
         "boolean": "bool_"}
# The whole numbers a release can store (ARROW["integer"]): the reader refuses others.
_INT_BITS = int(ARROW["integer"].removeprefix("int"))
INT_MIN, INT_MAX = -(2 ** (_INT_BITS - 1)), 2 ** (_INT_BITS - 1) - 1


def polars_dtype(type_: str) -> Any:
    import polars as pl

    return getattr(pl, POLARS[type_])


def arrow_type(type_: str) -> Any:
    import pyarrow as pa

    return getattr(pa, ARROW[type_])()
