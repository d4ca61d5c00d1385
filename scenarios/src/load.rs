//! From bytes to a validated [`ScenarioFile`]: size and encoding checks, TOML syntax (every
//! syntax error at once), structure against the JSON Schema (every error at once), then
//! serde. Nothing here panics on any input.

use std::sync::OnceLock;

use serde_json::{Map, Number, Value};
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Locator, Severity, SpanMap, escape_key};
use crate::raw::ScenarioFile;

/// Scenario files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// The JSON Schema of the format, derived from [`ScenarioFile`].
pub fn schema() -> Value {
    let schema = schemars::schema_for!(ScenarioFile);
    serde_json::to_value(schema).expect("a derived schema serialises")
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| jsonschema::validator_for(&schema()).expect("the derived schema is valid"))
}

/// A file that parsed and passed the structural checks.
pub struct Parsed<'a> {
    pub file: ScenarioFile,
    pub spans: SpanMap,
    pub locator: Locator<'a>,
}

/// Decodes `bytes` as UTF-8 text, or explains where it is not.
pub fn decode<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, Diagnostic> {
    let err = |line, column, message: String| Diagnostic {
        severity: Severity::Error,
        file: name.to_string(),
        line,
        column,
        path: String::new(),
        message,
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(err(
            1,
            1,
            format!(
                "file is {} bytes; scenario files are limited to {} bytes",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let text = std::str::from_utf8(valid).unwrap_or("");
            let (line, col) = Locator::new(name, text).line_col(text.len());
            Err(err(
                line,
                col,
                format!(
                    "found a byte that is not UTF-8 (0x{:02x}); expected a UTF-8 text file \
                     (is this a binary file?)",
                    bytes[e.valid_up_to()]
                ),
            ))
        }
    }
}

/// Parses and structurally checks a scenario file's text.
pub fn parse<'a>(name: &'a str, text: &'a str) -> Result<Parsed<'a>, Vec<Diagnostic>> {
    let loc = Locator::new(name, text);
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|e| {
                let at = e.span().map(|s| s.start).unwrap_or(0);
                let msg = e.message().trim().replace('\n', " ");
                loc.at(Severity::Error, at, "", format!("TOML syntax: {msg}"))
            })
            .collect());
    }
    let mut spans = SpanMap::default();
    let mut diags = Vec::new();
    let value = table_to_json(table.get_ref(), "", &mut spans, &loc, &mut diags);
    spans.values.insert(String::new(), table.span());
    if !diags.is_empty() {
        return Err(diags);
    }
    for e in validator().iter_errors(&value) {
        let pointer = e.instance_path().to_string();
        match e.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                for k in unexpected {
                    let p = format!("{pointer}/{}", escape_key(k));
                    let msg = format!(
                        "unknown key `{k}`; expected one of: {}",
                        expected_keys(&pointer).unwrap_or_default()
                    );
                    diags.push(loc.at_pointer(&spans, Severity::Error, &p, true, msg));
                }
            }
            jsonschema::error::ValidationErrorKind::Required { property } => {
                let msg = format!("missing required key {property}");
                diags.push(loc.at_pointer(&spans, Severity::Error, &pointer, false, msg));
            }
            _ => {
                let msg = format!("found {}", e.to_string().replace('\n', " "));
                diags.push(loc.at_pointer(&spans, Severity::Error, &pointer, false, msg));
            }
        }
    }
    if !diags.is_empty() {
        diags.sort_by_key(|d| (d.line, d.column));
        diags.dedup();
        return Err(diags);
    }
    match serde_json::from_value::<ScenarioFile>(value) {
        Ok(file) => Ok(Parsed {
            file,
            spans,
            locator: loc,
        }),
        Err(e) => Err(vec![loc.at(Severity::Error, 0, "", format!("{e}"))]),
    }
}

/// The keys a table at `pointer` may have, from the schema (for "unknown key" messages).
fn expected_keys(pointer: &str) -> Option<String> {
    let schema = schema();
    let defs = schema.get("$defs");
    // Follows `$ref`s and skips the `null` branch of optional values.
    let resolve = |mut n: Value| -> Option<Value> {
        for _ in 0..8 {
            if let Some(r) = n.get("$ref").and_then(|r| r.as_str()) {
                let name = r.rsplit('/').next()?;
                n = defs?.get(name)?.clone();
            } else if let Some(any) = n.get("anyOf").and_then(|a| a.as_array()) {
                n = any
                    .iter()
                    .find(|x| x.get("type") != Some(&Value::from("null")))?
                    .clone();
            } else {
                break;
            }
        }
        Some(n)
    };
    let mut node = schema.clone();
    for part in pointer.split('/').skip(1) {
        node = resolve(node)?;
        node = if part.bytes().all(|b| b.is_ascii_digit()) {
            node.get("items")?.clone()
        } else {
            node.get("properties")?.get(part)?.clone()
        };
    }
    let node = resolve(node)?;
    let props = node.get("properties")?.as_object()?;
    Some(
        props
            .keys()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn table_to_json(
    t: &DeTable<'_>,
    pointer: &str,
    spans: &mut SpanMap,
    loc: &Locator,
    diags: &mut Vec<Diagnostic>,
) -> Value {
    let mut map = Map::new();
    for (k, v) in t.iter() {
        let key = k.get_ref().to_string();
        let p = format!("{pointer}/{}", escape_key(&key));
        spans.keys.insert(p.clone(), k.span());
        spans.values.insert(p.clone(), v.span());
        let j = value_to_json(v.get_ref(), v.span().start, &p, spans, loc, diags);
        map.insert(key, j);
    }
    Value::Object(map)
}

fn value_to_json(
    v: &DeValue<'_>,
    at: usize,
    pointer: &str,
    spans: &mut SpanMap,
    loc: &Locator,
    diags: &mut Vec<Diagnostic>,
) -> Value {
    let path = crate::diag::pointer_to_path(pointer);
    match v {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Number(n.into()),
            Err(_) => match u64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Value::Number(n.into()),
                Err(_) => {
                    diags.push(loc.at(
                        Severity::Error,
                        at,
                        &path,
                        format!(
                            "found integer {} out of range; expected a 64-bit integer",
                            i.as_str()
                        ),
                    ));
                    Value::Null
                }
            },
        },
        DeValue::Float(f) => {
            match f
                .as_str()
                .replace('_', "")
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
            {
                Some(n) => Value::Number(n),
                None => {
                    diags.push(loc.at(
                        Severity::Error,
                        at,
                        &path,
                        format!("found {}; expected a finite number", f.as_str()),
                    ));
                    Value::Null
                }
            }
        }
        DeValue::Datetime(d) => {
            diags.push(loc.at(
                Severity::Error,
                at,
                &path,
                format!("found a date-time ({d}); no key of the format takes one"),
            ));
            Value::Null
        }
        DeValue::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{pointer}/{i}");
                    spans.values.insert(p.clone(), item.span());
                    value_to_json(item.get_ref(), item.span().start, &p, spans, loc, diags)
                })
                .collect(),
        ),
        DeValue::Table(t) => table_to_json(t, pointer, spans, loc, diags),
    }
}
