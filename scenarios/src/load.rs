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

/// A file that parsed and decoded (structural errors, if any, are in `errors`).
pub struct Parsed<'a> {
    pub file: ScenarioFile,
    pub spans: SpanMap,
    pub locator: Locator<'a>,
    /// Structural errors that did not stop decoding (out-of-range values, bad names): the
    /// semantic checks still run, and the file is refused with all of them.
    pub errors: Vec<Diagnostic>,
    /// JSON pointers of values that stood in for bad ones (their own semantic diagnostics
    /// would be noise and are dropped).
    pub repaired: Vec<String>,
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
    // Values that could not be converted (non-finite numbers, date-times, huge integers) are
    // already reported and stand as nulls: the schema's complaint about them is not repeated.
    let converted: Vec<String> = diags.iter().map(|d| d.path.clone()).collect();
    // Pointers of values the schema refuses: they get stand-ins for the semantic checks.
    let mut bad = Vec::new();
    for e in validator().iter_errors(&value) {
        let pointer = e.instance_path().to_string();
        if !matches!(
            e.kind(),
            jsonschema::error::ValidationErrorKind::AdditionalProperties { .. }
                | jsonschema::error::ValidationErrorKind::Required { .. }
        ) {
            bad.push(pointer.clone());
        }
        if converted.contains(&crate::diag::pointer_to_path(&pointer)) {
            continue;
        }
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
            jsonschema::error::ValidationErrorKind::Pattern { pattern } => {
                let found = e.instance().as_str().unwrap_or_default();
                let expected = if pattern == crate::raw::NAME_PATTERN {
                    "a name of 1 to 64 ASCII letters, digits, `_`, `.`, `:` or `-` (no spaces, \
                     `=`, quotes or control characters: names are written unquoted into traces)"
                        .to_string()
                } else if pattern == crate::raw::NAME_PREFIX_PATTERN {
                    "a prefix of ASCII letters, digits, `_`, `.`, `:` or `-` that starts with a \
                     letter, digit or `_` (or nothing)"
                        .to_string()
                } else if pattern == crate::raw::TEXT_PATTERN {
                    "text without control characters (line breaks, tabs, escapes)".to_string()
                } else {
                    format!("a value matching {pattern}")
                };
                let msg = format!("found {found:?}; expected {expected}");
                diags.push(loc.at_pointer(&spans, Severity::Error, &pointer, false, msg));
            }
            _ => {
                let msg = format!("found {}", e.to_string().replace('\n', " "));
                diags.push(loc.at_pointer(&spans, Severity::Error, &pointer, false, msg));
            }
        }
    }
    // Decimal places of reward values: a structural fact, reported with everything else.
    let schema = schema();
    check_decimals(&schema, &schema, &value, "", &mut |pointer, x| {
        diags.push(loc.at_pointer(&spans, Severity::Error, pointer, false, decimals_message(x)));
    });
    diags.sort_by_key(|d| (d.line, d.column));
    diags.dedup();
    // A file whose errors still let it decode (values out of range, bad names) goes on to the
    // semantic checks, so one pass reports every problem; one that cannot decode stops here.
    let decoded = if diags.is_empty() {
        serde_json::from_value::<ScenarioFile>(value).map(|f| (f, Vec::new()))
    } else {
        // Stand-ins for the bad values let the semantic checks run on everything else.
        match repair(&schema, value, bad) {
            Some((v, repaired)) => serde_json::from_value::<ScenarioFile>(v).map(|f| (f, repaired)),
            None => return Err(diags),
        }
    };
    match decoded {
        Ok((file, repaired)) => Ok(Parsed {
            file,
            spans,
            locator: loc,
            errors: diags,
            repaired,
        }),
        Err(_) if !diags.is_empty() => Err(diags),
        Err(e) => Err(vec![loc.at(Severity::Error, 0, "", format!("{e}"))]),
    }
}

/// The message for a reward value with more than one decimal place.
pub fn decimals_message(x: f64) -> String {
    format!("found {x}; expected at most one decimal place (rewards are kept in tenths)")
}

/// Whether `x` has at most one decimal place.
pub fn is_tenths(x: f64) -> bool {
    let t = (x * 10.0).round();
    (x * 10.0 - t).abs() <= 1e-6
}

/// Follows `$ref`s and skips the `null` branch of optional values.
fn resolve<'s>(root: &'s Value, mut n: &'s Value) -> Option<&'s Value> {
    for _ in 0..8 {
        if let Some(r) = n.get("$ref").and_then(|r| r.as_str()) {
            let name = r.rsplit('/').next()?;
            n = root.get("$defs")?.get(name)?;
        } else if let Some(any) = n.get("anyOf").and_then(|a| a.as_array()) {
            n = any
                .iter()
                .find(|x| x.get("type") != Some(&Value::from("null")))?;
        } else {
            break;
        }
    }
    Some(n)
}

/// Calls `bad(pointer, value)` for every number whose schema node says it may have at most
/// one decimal place ([`crate::raw::DECIMAL_PLACES_KEYWORD`]) and has more.
fn check_decimals(
    root: &Value,
    node: &Value,
    value: &Value,
    pointer: &str,
    bad: &mut dyn FnMut(&str, f64),
) {
    let Some(node) = resolve(root, node) else {
        return;
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let child = node
                    .get("properties")
                    .and_then(|p| p.get(k))
                    .or_else(|| node.get("additionalProperties"));
                if let Some(child) = child {
                    let p = format!("{pointer}/{}", escape_key(k));
                    check_decimals(root, child, v, &p, bad);
                }
            }
        }
        Value::Array(items) => {
            if let Some(child) = node.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check_decimals(root, child, v, &format!("{pointer}/{i}"), bad);
                }
            }
        }
        Value::Number(n) => {
            let places = node.get(crate::raw::DECIMAL_PLACES_KEYWORD);
            if places == Some(&Value::from(1))
                && let Some(x) = n.as_f64()
                && !is_tenths(x)
            {
                bad(pointer, x);
            }
        }
        _ => {}
    }
}

/// The schema node that describes the value at `pointer` (refs and optional wrappers
/// followed).
fn schema_node<'s>(root: &'s Value, pointer: &str) -> Option<&'s Value> {
    let mut node = root;
    for part in pointer.split('/').skip(1) {
        let n = resolve(root, node)?;
        let part = part.replace("~1", "/").replace("~0", "~");
        node = if part.bytes().all(|b| b.is_ascii_digit()) && n.get("items").is_some() {
            n.get("items")?
        } else {
            n.get("properties")
                .and_then(|p| p.get(&part))
                .or_else(|| n.get("additionalProperties").filter(|a| a.is_object()))?
        };
    }
    resolve(root, node)
}

/// The keys a table at `pointer` may have, from the schema (for "unknown key" messages).
fn expected_keys(pointer: &str) -> Option<String> {
    let schema = schema();
    let node = schema_node(&schema, pointer)?;
    let props = node.get("properties")?.as_object()?;
    Some(
        props
            .keys()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// A value the schema accepts at `node`, standing in for a bad one so that the rest of the
/// file can still be checked (its own diagnostics are not reported).
fn placeholder(root: &Value, node: &Value) -> Value {
    let Some(node) = resolve(root, node) else {
        return Value::Null;
    };
    if let Some(e) = node
        .get("enum")
        .and_then(|e| e.as_array())
        .and_then(|e| e.first())
    {
        return e.clone();
    }
    if let Some(c) = node.get("const") {
        return c.clone();
    }
    if let Some(first) = node
        .get("oneOf")
        .and_then(|o| o.as_array())
        .and_then(|o| o.first())
    {
        return placeholder(root, first);
    }
    let ty = match node.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str())
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "object",
    };
    let num = |key: &str| node.get(key).and_then(|v| v.as_f64());
    match ty {
        "integer" => Value::from(num("minimum").unwrap_or(0.0).max(0.0) as i64),
        "number" => Number::from_f64(num("minimum").unwrap_or(0.0))
            .map(Value::Number)
            .unwrap_or(Value::Null),
        "boolean" => Value::Bool(false),
        "array" => Value::Array(Vec::new()),
        "string" => {
            let pattern = node.get("pattern").and_then(|p| p.as_str()).unwrap_or("");
            Value::from(if pattern.starts_with("^T") {
                "T0000"
            } else {
                "x"
            })
        }
        "null" => Value::Null,
        _ => {
            let mut m = Map::new();
            for r in node
                .get("required")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(k) = r.as_str()
                    && let Some(child) = node.get("properties").and_then(|p| p.get(k))
                {
                    m.insert(k.into(), placeholder(root, child));
                }
            }
            Value::Object(m)
        }
    }
}

/// Replaces every value the schema refuses with a [`placeholder`], removes unknown keys and
/// adds missing required ones, until the schema accepts the value (at most a few rounds).
/// Returns the repaired value and the pointers that were repaired, or None if it would not
/// settle.
fn repair(root: &Value, mut value: Value, mut bad: Vec<String>) -> Option<(Value, Vec<String>)> {
    let mut repaired = Vec::new();
    for _ in 0..6 {
        for pointer in bad.drain(..) {
            if let Some(node) = schema_node(root, &pointer) {
                let ph = placeholder(root, node);
                if let Some(slot) = value.pointer_mut(&pointer) {
                    *slot = ph;
                }
            }
            repaired.push(pointer);
        }
        enum Fix {
            Remove(Vec<String>),
            Add(String),
            Replace,
        }
        let fixes: Vec<(String, Fix)> = validator()
            .iter_errors(&value)
            .map(|e| {
                let pointer = e.instance_path().to_string();
                let fix = match e.kind() {
                    jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                        Fix::Remove(unexpected.clone())
                    }
                    jsonschema::error::ValidationErrorKind::Required { property } => {
                        Fix::Add(property.as_str().unwrap_or_default().to_string())
                    }
                    _ => Fix::Replace,
                };
                (pointer, fix)
            })
            .collect();
        for (pointer, fix) in fixes {
            match fix {
                Fix::Remove(keys) => {
                    if let Some(Value::Object(m)) = value.pointer_mut(&pointer) {
                        for k in &keys {
                            m.remove(k);
                        }
                    }
                    for k in keys {
                        repaired.push(format!("{pointer}/{}", escape_key(&k)));
                    }
                }
                Fix::Add(key) => {
                    let child = format!("{pointer}/{}", escape_key(&key));
                    let ph = schema_node(root, &child)
                        .map(|n| placeholder(root, n))
                        .unwrap_or(Value::Null);
                    if let Some(Value::Object(m)) = value.pointer_mut(&pointer) {
                        m.insert(key, ph);
                    }
                    repaired.push(child);
                }
                Fix::Replace => bad.push(pointer),
            }
        }
        if bad.is_empty() && validator().is_valid(&value) {
            return Some((value, repaired));
        }
    }
    None
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
