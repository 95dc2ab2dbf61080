"""The release's files, byte for byte: each table as Parquet (the pinned writer) and as CSV,
and the record of the tools that wrote them.

The Parquet writer is pinned: pyarrow (an exact version in pyproject.toml) with the options
in PARQUET_WRITER, so a rebuild gives byte-identical files. Nothing run-dependent (no
timestamp, no path) goes into a Parquet file.
"""

from __future__ import annotations

import platform
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from gsi_events.compile import schema
from gsi_events.compile.typemaps import ARROW, arrow_type

# The Parquet writer's settings, pinned. Plain pages (v1), zstd; strings are
# dictionary-encoded inside the file but read back as plain strings.
PARQUET_WRITER: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "store_schema": True,
    "write_page_index": False,
    "write_page_checksum": False,
}


def arrow_schema(table: str) -> Any:


    return pa.schema([pa.field(f.name, arrow_type(f.type), nullable=not f.required)
                      for f in schema.table(table).fields])


def arrow_table(table: str, df: Any) -> Any:
    """A table's polars DataFrame as the Arrow table written to Parquet."""

    target = arrow_schema(table)
    src = df.select(target.names).to_arrow()
    columns = []
    for f in target:
        col = src.column(f.name).cast(f.type)  # safe cast: an overflow is an error
        if not f.nullable and col.null_count:
            raise ValueError(f"{table}.{f.name} is required but has {col.null_count} nulls")
        columns.append(col.combine_chunks())
    return pa.Table.from_arrays(columns, schema=target)


def parquet_bytes(tbl: Any) -> bytes:

    sink = pa.BufferOutputStream()
    pq.write_table(tbl, sink, **PARQUET_WRITER)
    return sink.getvalue().to_pybytes()


def csv_bytes(df: Any) -> bytes:
    """A table as CSV: UTF-8, a header, ISO dates, empty for missing, booleans as true and
    false, "\\n" line ends, quotes only where needed; the same bytes for the same table."""
    return df.write_csv(null_value="", date_format="%Y-%m-%d", quote_style="necessary",
                        line_terminator="\n").encode("utf-8")


def build_info() -> dict[str, Any]:
    """The tools a release was built with (recorded in datapackage.json as `build`)."""

    try:
        from importlib.metadata import version

        own = version("gsi-events")
    except Exception:  # run from a source tree that is not installed
        own = "unknown"
    return {
        "gsi_events": own,
        "python": platform.python_version(),
        "pyarrow": pa.__version__,
        "polars": pl.__version__,
        "parquet": {"writer": f"parquet-cpp-arrow {pa.__version__}", **PARQUET_WRITER,
                    "integers": ARROW["integer"], "dates": ARROW["date"]},
    }
