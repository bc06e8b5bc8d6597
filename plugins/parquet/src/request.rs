//! The JSON requests of load, export and table_exists, and the plugin's options.
use crate::error::{invalid, Result};
use serde_json::{Map, Value};

fn object(json: &str, what: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid(format!("the {what} request is not a JSON object"))),
        Err(e) => Err(invalid(format!("the {what} request is not valid JSON: {e}"))),
    }
}

fn check_keys(map: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<()> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(invalid(format!(
                "unknown key \"{key}\" in the {what}; accepted keys: {}",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

/// The one target of a request: the parquet plugin takes paths, never tables or queries.
fn path_of(map: &Map<String, Value>, what: &str) -> Result<String> {
    for key in ["table", "schema", "query"] {
        if map.contains_key(key) {
            return Err(invalid(format!(
                "the parquet plugin reads and writes paths, not tables or queries: the {what} request has \"{key}\"; give \"path\""
            )));
        }
    }
    match map.get("path") {
        Some(Value::String(p)) if !p.is_empty() => Ok(p.clone()),
        Some(Value::String(_)) => Err(invalid(format!("the {what} request's \"path\" is empty"))),
        Some(_) => Err(invalid(format!("the {what} request's \"path\" is not a string"))),
        None => Err(invalid(format!("the {what} request has no \"path\""))),
    }
}

fn non_negative(map: &Map<String, Value>, key: &str, what: &str, min: u64) -> Result<Option<u64>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        // Options given on the command line (--option key=value) arrive as strings.
        Some(v) => match v
            .as_u64()
            .or_else(|| v.as_str().and_then(|t| t.trim().parse::<u64>().ok()))
        {
            Some(n) if n >= min => Ok(Some(n)),
            _ => Err(invalid(format!(
                "\"{key}\" of the {what} must be an integer of at least {min}, not {v}"
            ))),
        },
    }
}

fn options(map: &Map<String, Value>, what: &str) -> Result<Map<String, Value>> {
    match map.get("options") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(_) => Err(invalid(format!("\"options\" of the {what} is not a JSON object"))),
    }
}

pub struct LoadRequest {
    pub path: String,
    pub limit: Option<u64>,
    pub batch_rows: Option<u64>,
    /// options.columns: the columns to read, in this order (projection pushed into the reader).
    pub columns: Option<Vec<String>>,
}

const LOAD_OPTIONS: &[&str] = &["columns"];

impl LoadRequest {
    pub fn parse(json: &str) -> Result<LoadRequest> {
        let map = object(json, "load")?;
        let path = path_of(&map, "load")?;
        check_keys(&map, &["path", "limit", "batch_rows", "options"], "load request")?;
        let limit = non_negative(&map, "limit", "load request", 0)?;
        let batch_rows = non_negative(&map, "batch_rows", "load request", 1)?;
        let opts = options(&map, "load request")?;
        check_keys(&opts, LOAD_OPTIONS, "load options")?;
        let columns = match opts.get("columns") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut names = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => {
                            if names.contains(s) {
                                return Err(invalid(format!("options.columns names \"{s}\" twice")));
                            }
                            names.push(s.clone())
                        }
                        _ => return Err(invalid("options.columns must be an array of column names")),
                    }
                }
                Some(names)
            }
            // `mageio ... --option columns=a,b` passes a string.
            Some(Value::String(list)) => {
                let mut names: Vec<String> = Vec::new();
                for name in list.split(',').map(str::trim) {
                    if name.is_empty() || names.iter().any(|n| n == name) {
                        return Err(invalid(format!(
                            "options.columns \"{list}\" has an empty or repeated name"
                        )));
                    }
                    names.push(name.to_string());
                }
                Some(names)
            }
            Some(_) => return Err(invalid("options.columns must be an array of column names")),
        };
        Ok(LoadRequest {
            path,
            limit,
            batch_rows,
            columns,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IfExists {
    Fail,
    Replace,
    Append,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Codec {
    Snappy,
    Zstd,
    Gzip,
    None,
}

pub struct ExportRequest {
    pub path: String,
    pub if_exists: IfExists,
    pub compression: Codec,
    /// Rows per row group (options.row_group_size); the writer's default when absent.
    pub row_group_size: Option<usize>,
    /// options.max_rows_per_file: write a dataset of part files of at most this many rows.
    pub max_rows_per_file: Option<u64>,
}

const EXPORT_OPTIONS: &[&str] = &["compression", "row_group_size", "max_rows_per_file"];

impl ExportRequest {
    pub fn parse(json: &str) -> Result<ExportRequest> {
        let map = object(json, "export")?;
        let path = path_of(&map, "export")?;
        check_keys(
            &map,
            &[
                "path",
                "if_exists",
                "options",
                "unique_constraints",
                "unique_conflict_method",
            ],
            "export request",
        )?;
        match map.get("unique_constraints") {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(_) => {
                return Err(crate::error::not_implemented(
                    "the parquet plugin cannot upsert (unique_constraints): a Parquet file has no keys",
                ))
            }
        }
        let if_exists = match map.get("if_exists") {
            None | Some(Value::Null) => IfExists::Fail,
            Some(Value::String(s)) if s == "fail" => IfExists::Fail,
            Some(Value::String(s)) if s == "replace" => IfExists::Replace,
            Some(Value::String(s)) if s == "append" => IfExists::Append,
            Some(v) => {
                return Err(invalid(format!(
                    "if_exists must be \"fail\", \"replace\" or \"append\", not {v}"
                )))
            }
        };
        let opts = options(&map, "export request")?;
        check_keys(&opts, EXPORT_OPTIONS, "export options")?;
        let compression = match opts.get("compression") {
            None | Some(Value::Null) => Codec::Snappy,
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "snappy" => Codec::Snappy,
                "zstd" => Codec::Zstd,
                "gzip" => Codec::Gzip,
                "none" | "uncompressed" => Codec::None,
                _ => {
                    return Err(invalid(format!(
                        "options.compression \"{s}\" is not one of snappy (the default), zstd, gzip, none"
                    )))
                }
            },
            Some(v) => return Err(invalid(format!("options.compression must be a string, not {v}"))),
        };
        let row_group_size = non_negative(&opts, "row_group_size", "export options", 1)?.map(|n| n as usize);
        let max_rows_per_file = non_negative(&opts, "max_rows_per_file", "export options", 1)?;
        Ok(ExportRequest {
            path,
            if_exists,
            compression,
            row_group_size,
            max_rows_per_file,
        })
    }
}

/// The path of a table_exists request.
pub fn parse_target(json: &str) -> Result<String> {
    let map = object(json, "table_exists")?;
    let path = path_of(&map, "table_exists")?;
    check_keys(&map, &["path"], "table_exists request")?;
    Ok(path)
}
