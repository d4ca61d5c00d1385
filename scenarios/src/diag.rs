//! Located diagnostics: file, line, column, the key path, what was found and what was
//! expected.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// 1-based line and column (in characters); 0 when the file could not be read.
    pub line: usize,
    pub column: usize,
    /// Key path, e.g. `host[3].services[0].port` (empty: the whole file).
    pub path: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            // Not about a place in the file (it could not be read at all).
            write!(f, "{}: {sev}: ", self.file)?;
        } else {
            write!(f, "{}:{}:{}: {sev}: ", self.file, self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", escape_controls(&self.path))?;
        }
        write!(f, "{}", escape_controls(&self.message))
    }
}

/// Spans of every key and value of a parsed file, by JSON pointer.
#[derive(Default, Debug)]
pub struct SpanMap {
    pub values: BTreeMap<String, Range<usize>>,
    pub keys: BTreeMap<String, Range<usize>>,
}

/// Turns byte offsets into (line, column) for one file.
pub struct Locator<'a> {
    pub file: &'a str,
    pub text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Locator<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Locator {
            file,
            text,
            line_starts,
        }
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line + 1, col + 1)
    }

    pub fn at(&self, sev: Severity, offset: usize, path: &str, message: String) -> Diagnostic {
        let (line, column) = self.line_col(offset);
        Diagnostic {
            severity: sev,
            file: self.file.to_string(),
            line,
            column,
            path: path.to_string(),
            message,
        }
    }

    /// A diagnostic at the value (or, failing that, the nearest enclosing value) named by a
    /// JSON pointer; `key` prefers the key's own position.
    pub fn at_pointer(
        &self,
        spans: &SpanMap,
        sev: Severity,
        pointer: &str,
        key: bool,
        message: String,
    ) -> Diagnostic {
        let mut p = pointer.to_string();
        let offset = loop {
            let found = if key {
                spans.keys.get(&p).or_else(|| spans.values.get(&p))
            } else {
                spans.values.get(&p).or_else(|| spans.keys.get(&p))
            };
            if let Some(r) = found {
                break r.start;
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => break 0,
            }
        };
        self.at(sev, offset, &pointer_to_path(pointer), message)
    }
}

/// `/host/3/services/0/port` → `host[3].services[0].port`.
pub fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&part);
        }
    }
    out
}

/// Escapes a key for a JSON pointer.
pub fn escape_key(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// `s` with every control character escaped (`\n`, `\u{7}`, …): text from a file, such as a
/// name in an "unknown host" message, can never break or forge a line of output.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}
