"""Reader: the rows of one load as Arrow batches (PyCapsule stream, pyarrow, pandas, polars), and the
progress bar or callback a load or export reports to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable, Union

ProgressArg = Union[None, bool, Callable[[int, int, int], Any]]


def nullable_pandas_types() -> dict[Any, Any]:
    """Arrow integer and boolean types -> pandas' nullable dtypes, so a NULL keeps an integer an integer
    (Int64 with <NA>) instead of turning the column into floats."""
    import pandas as pd
    import pyarrow as pa

    return {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.uint8(): pd.UInt8Dtype(),
        pa.uint16(): pd.UInt16Dtype(),
        pa.uint32(): pd.UInt32Dtype(),
        pa.uint64(): pd.UInt64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }


def _conversion_pool() -> Any:
    """The allocator for DataFrame conversions: the system's (malloc, which hands large blocks back to the
    operating system when they are freed) rather than pyarrow's default mimalloc/jemalloc, which keep freed
    memory for reuse, so the transient copies of a conversion would stay in the process's footprint."""
    import pyarrow as pa

    return pa.system_memory_pool()


def _callback_of(progress: ProgressArg) -> Callable[[int, int, int], Any] | None:
    return progress if callable(progress) else None


class _Progress:
    """progress=True: a tqdm bar when tqdm is installed, else nothing; a callable gets (rows, bytes, total)."""

    def __init__(self, progress: ProgressArg, what: str) -> None:
        self.callback: Callable[[int, int, int], Any] | None = None
        self.bar = None
        if callable(progress):
            self.callback = progress
        elif progress:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                return
            self.bar = tqdm(desc=what, unit=" rows", unit_scale=True)
            self.callback = self._update

    def _update(self, rows: int, _bytes: int, total: int) -> None:
        assert self.bar is not None
        if total >= 0 and self.bar.total != total:
            self.bar.total = total
        self.bar.update(rows - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Reader:
    """The rows of one load, batch by batch. Implements the Arrow PyCapsule interface
    (``__arrow_c_stream__``): ``pyarrow.RecordBatchReader.from_stream(r)``, ``polars.from_arrow(r)``,
    DuckDB and pandas read it without copying values. Iterating yields ``pyarrow.RecordBatch`` objects.

    A reader is read once: iterating it again, or handing it over twice, raises :class:`mageio.UsageError`.
    """

    def __init__(self, native: Any, progress: ProgressArg = None) -> None:
        self._native = native
        self._progress = progress
        self._schema = None

    @property
    def schema(self) -> Any:
        """The pyarrow schema of the rows."""
        if self._schema is None:
            import pyarrow as pa

            self._schema = pa.Schema._import_from_c_capsule(self._native.schema())
        return self._schema

    @property
    def rows_read(self) -> int:
        return self._native.rows_read

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._native.__arrow_c_stream__(requested_schema)

    def __iter__(self) -> Iterator[Any]:
        import pyarrow as pa

        schema = self.schema
        schema_capsule = None
        progress = _Progress(self._progress, self._native.label)
        try:
            while True:
                capsule = self._native.next_batch(progress.callback)
                if capsule is None:
                    return
                schema_capsule = self._native_schema_capsule(schema)
                yield pa.RecordBatch._import_from_c_capsule(schema_capsule, capsule)
        finally:
            progress.close()

    @staticmethod
    def _native_schema_capsule(schema: Any) -> Any:
        return schema.__arrow_c_schema__()

    def read_all(self) -> Any:
        """Every batch as one ``pyarrow.Table``."""
        import pyarrow as pa

        schema = self.schema
        return pa.Table.from_batches(list(self), schema=schema)

    def to_pandas(self, dtype_backend: str = "numpy_nullable") -> Any:
        """A pandas DataFrame. ``dtype_backend="numpy_nullable"`` (default): integer and boolean columns
        become ``Int64``/``boolean`` (never floats because of a NULL), the rest numpy; ``"pyarrow"``:
        ``ArrowDtype`` columns throughout."""
        import pandas as pd

        if dtype_backend not in ("numpy_nullable", "pyarrow"):
            raise ValueError(f"dtype_backend must be 'numpy_nullable' or 'pyarrow', not {dtype_backend!r}")
        table = self._owned_table(pool := _conversion_pool())
        # The table is ours alone and every column of it owns its buffers: each is released as pandas takes
        # it over (self_destruct), so the peak is about one copy of the data plus one column, not two.
        if dtype_backend == "pyarrow":
            return table.to_pandas(types_mapper=pd.ArrowDtype, self_destruct=True, split_blocks=True, memory_pool=pool)
        return table.to_pandas(
            types_mapper=nullable_pandas_types().get, self_destruct=True, split_blocks=True, memory_pool=pool
        )

    def _owned_table(self, pool: Any) -> Any:
        """Every batch, each column copied out of the plugin's memory as it arrives. pyarrow keeps an imported
        batch alive until *all* its columns are gone, so a DataFrame column that pandas takes without copying
        (strings, Arrow dtypes) would otherwise keep every other column's plugin buffers alive too: about
        the size of the data again, for as long as the DataFrame lives. The copy costs a memcpy per batch."""
        import pyarrow as pa

        schema = self.schema
        batches = (
            pa.RecordBatch.from_arrays([pa.concat_arrays([c], memory_pool=pool) for c in b.columns], schema=schema)
            for b in self
        )
        return pa.Table.from_batches(batches, schema=schema)

    def to_polars(self) -> Any:
        """A polars DataFrame."""
        import polars as pl

        return pl.from_arrow(self.read_all())

    def close(self) -> None:
        """Stops reading and frees the plugin's stream (a half-read query is ended)."""
        self._native.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "consumed" if self._native.consumed else "open"
        return f"<mageio.Reader of {self._native.label}, {state}, {self.rows_read} rows read>"
