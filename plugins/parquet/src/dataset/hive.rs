//! Hive-style partition directories (`key=value`): their values, and the constant columns made of them.
use super::listing::parent_of;
use arrow::array::{new_null_array, ArrayRef, Int64Array, StringArray};
use arrow::datatypes::DataType;
use std::sync::Arc;

/// Hive's name for a NULL partition value.
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// A hive partition value: `%XX` escapes decoded (as Hive and Spark write them); Hive's default partition
/// is NULL.
fn hive_value(raw: &str) -> Option<String> {
    if raw == HIVE_NULL {
        return None;
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && bytes[i + 1..i + 3].iter().all(u8::is_ascii_hexdigit) {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
            out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(String::from_utf8(out).unwrap_or_else(|_| raw.to_string()))
}

/// The hive `key=value` directories of a relative path, outermost first.
pub(super) fn hive_pairs(rel: &str) -> Vec<(String, Option<String>)> {
    let dir = parent_of(rel);
    if dir.is_empty() {
        return Vec::new();
    }
    dir.split('/')
        .filter_map(|s| s.split_once('='))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_string(), hive_value(v)))
        .collect()
}

/// An integer partition value: one that reads back as itself (no sign, no leading zeros).
pub(super) fn canonical_int(v: &str) -> Option<i64> {
    v.parse::<i64>().ok().filter(|n| n.to_string() == v)
}

pub(super) fn constant(dt: &DataType, value: Option<&str>, rows: usize) -> ArrayRef {
    match (dt, value) {
        (DataType::Int64, Some(v)) => Arc::new(Int64Array::from_value(canonical_int(v).unwrap_or_default(), rows)),
        (_, Some(v)) => Arc::new(StringArray::from_iter_values(std::iter::repeat_n(v, rows))),
        (_, None) => new_null_array(dt, rows),
    }
}
