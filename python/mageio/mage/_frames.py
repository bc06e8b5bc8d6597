"""pandas DataFrames to and from the Arrow data mageio's connectors take: the export side of Mage's IO classes
(cleaned column names, types the plugins write, JSON for nested values, ``overwrite_types``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._names import clean_column_name


def empty_frame() -> Any:
    import pandas as pd

    return pd.DataFrame()


def to_arrow(df: Any, index: bool, clean: Mapping[str, bool]) -> Any:
    """The DataFrame as a pyarrow Table with cleaned column names, in types the plugins write."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(df, dict):
        df = pd.DataFrame([df])
    elif isinstance(df, list):
        df = pd.DataFrame(df)
    if isinstance(df, pd.DataFrame):
        if index:
            df = df.reset_index()
        df = df.copy(deep=False)
        for name in df.columns:
            column = df[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                df[name] = column.astype(column.cat.categories.dtype)
            elif pd.api.types.is_timedelta64_dtype(column.dtype):  # Mage writes timedeltas as bigint (ns)
                df[name] = pd.array([None if pd.isna(v) else int(v.value) for v in column], dtype="Int64")
        fields = []
        for name in df.columns:
            fields.append(_column_to_arrow(name, df[name]))
        table = pa.Table.from_arrays(fields, names=[str(n) for n in df.columns])
    elif hasattr(df, "__arrow_c_stream__") or hasattr(df, "__arrow_c_array__"):
        table = pa.table(df)
    else:
        raise TypeError(
            f"export: df must be a pandas DataFrame (or a dict, a list of dicts, or an Arrow table), "
            f"not {type(df).__name__}"
        )
    columns = []
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_dictionary(field.type):
            column = column.cast(field.type.value_type)
        if pa.types.is_string_view(column.type):
            column = column.cast(pa.large_string())
        columns.append(column)
    names = [clean_column_name(n, **clean) for n in table.column_names]
    seen: dict[str, str] = {}
    for original, name in zip(table.column_names, names):
        if name in seen:
            raise ValueError(
                f"export: columns {seen[name]!r} and {original!r} both become {name!r} after name "
                "cleaning; rename one (or pass auto_clean_name=False / case_sensitive=True)"
            )
        seen[name] = original
    return pa.Table.from_arrays(columns, names=names)


def _column_to_arrow(name: Any, column: Any) -> Any:
    """One column as an Arrow array; dicts, lists and arrays in an object column become JSON text."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(column.dtype, pd.ArrowDtype):
        return pa.array(column)
    try:
        array = pa.Array.from_pandas(column)
        nested = pa.types.is_nested(array.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        array, nested = None, column.dtype == object
    if nested or array is None:
        if column.dtype == object:
            try:
                return pa.Array.from_pandas(column.map(_json_if_nested))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as error:
                raise TypeError(
                    f"export: column {name!r} ({column.dtype}) holds values of different types that "
                    f"no SQL column type holds: {error}"
                ) from None
        raise TypeError(f"export: column {name!r} ({column.dtype}) has no SQL column type")
    return array


def _json_if_nested(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if type(value).__name__ == "ndarray":
        return json.dumps(value.tolist(), ensure_ascii=False, default=str)
    return value


def overwrite_types_by_column(
    overwrite_types: Mapping[str, str] | None, data: Any, clean: Mapping[str, bool]
) -> dict[str, str]:
    if not overwrite_types:
        return {}
    names = set(data.column_names)
    out: dict[str, str] = {}
    for key, sql_type in overwrite_types.items():
        name = key if key in names else clean_column_name(key, **clean)
        if name not in names:
            raise ValueError(
                f"export: overwrite_types names column {key!r}, which the data does not have "
                f"(columns: {', '.join(data.column_names)})"
            )
        if not isinstance(sql_type, str) or not sql_type.strip() or ";" in sql_type:
            raise ValueError(
                f"export: overwrite_types[{key!r}] must be a SQL type such as 'VARCHAR(20)', not {sql_type!r}"
            )
        out[name] = sql_type.strip()
    return out
