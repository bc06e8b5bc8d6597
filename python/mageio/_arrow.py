"""Turning what users pass to export() into an Arrow C stream the host accepts."""

from __future__ import annotations

from typing import Any

ACCEPTED = (
    "an object with __arrow_c_stream__ or __arrow_c_array__ (a pyarrow Table, RecordBatch or "
    "RecordBatchReader, a polars DataFrame, a DuckDB result, a mageio Reader) or a pandas DataFrame"
)


def _view_free(schema: Any) -> Any:
    """The schema with string/binary views (what polars hands out) as large_string/large_binary, or None
    when it has none. The host reads the classic layouts only, so views are converted batch by batch
    (pyarrow's cast: one copy of those columns, streamed)."""
    import pyarrow as pa

    def fix(t: Any) -> Any:
        if pa.types.is_string_view(t):
            return pa.large_string()
        if pa.types.is_binary_view(t):
            return pa.large_binary()
        return None

    changed = False
    fields = []
    for field in schema:
        new = fix(field.type)
        if new is not None:
            changed = True
            field = field.with_type(new)
        fields.append(field)
    return pa.schema(fields, metadata=schema.metadata) if changed else None


def as_stream(data: Any) -> Any:
    """An object with ``__arrow_c_stream__`` for ``data``; TypeError naming what is accepted otherwise."""
    from . import _host

    if isinstance(data, _host.Reader):
        return data
    if isinstance(data, (str, bytes, bytearray, dict, list, tuple)) or data is None:
        raise TypeError(f"mageio export: cannot export a {type(data).__name__}; it takes {ACCEPTED}")
    import pyarrow as pa

    if hasattr(data, "__arrow_c_stream__"):
        reader = pa.RecordBatchReader.from_stream(data)
    elif hasattr(data, "__arrow_c_array__"):
        batch = pa.record_batch(data)
        reader = pa.RecordBatchReader.from_batches(batch.schema, [batch])
    elif type(data).__module__.startswith("pandas") and type(data).__name__ == "DataFrame":
        table = pa.Table.from_pandas(data, preserve_index=False)
        reader = table.to_reader()
    else:
        raise TypeError(
            f"mageio export: cannot export a {type(data).__module__}.{type(data).__name__}; it takes {ACCEPTED}"
        )
    fixed = _view_free(reader.schema)
    if fixed is not None:
        reader = reader.cast(fixed)
    return reader
