//! From a byte offset in the file to the dotted key it belongs to, and back:
//! the errors say `file:line:column: key: what is wrong` whether serde
//! found the problem (it knows the span, not the key) or a check after it
//! (it knows the key, not the span).

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A key path such as `user[1].email`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    pub fn key(mut self, k: &str) -> KeyPath {
        self.0.push(Seg::Key(k.into()));
        self
    }

    pub fn index(mut self, i: usize) -> KeyPath {
        self.0.push(Seg::Index(i));
        self
    }
}

/// `KeyPath::default().key("user").index(1).key("email")`, short.
pub fn path(keys: &[&str]) -> KeyPath {
    let mut p = KeyPath::default();
    for k in keys {
        match k.parse::<usize>() {
            Ok(i) => p = p.index(i),
            Err(_) => p = p.key(k),
        }
    }
    p
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Line and column (both from 1, the column in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// The deepest key whose name or value covers `offset`.
pub fn key_at(root: &DeTable<'_>, offset: usize) -> Option<KeyPath> {
    let mut best = None;
    search_table(root, offset, &mut KeyPath::default(), &mut best);
    best.map(|(p, _)| p)
}

fn covers(span: &Range<usize>, offset: usize) -> bool {
    span.start <= offset && (offset < span.end || span.is_empty() && offset == span.start)
}

/// Depth-first over every key: a container's span is not trusted to cover
/// its keys (a `[table]`'s span is its header), the leaves' spans are.
fn search_table(
    table: &DeTable<'_>,
    offset: usize,
    here: &mut KeyPath,
    best: &mut Option<(KeyPath, usize)>,
) {
    for (k, v) in table.iter() {
        here.0.push(Seg::Key(k.get_ref().to_string()));
        if covers(&k.span(), offset) || covers(&v.span(), offset) {
            let depth = here.0.len();
            if best.as_ref().is_none_or(|(_, d)| depth > *d) {
                *best = Some((here.clone(), depth));
            }
        }
        search_value(v, offset, here, best);
        here.0.pop();
    }
}

fn search_value(
    v: &Spanned<DeValue<'_>>,
    offset: usize,
    here: &mut KeyPath,
    best: &mut Option<(KeyPath, usize)>,
) {
    match v.get_ref() {
        DeValue::Table(t) => search_table(t, offset, here, best),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                here.0.push(Seg::Index(i));
                if covers(&item.span(), offset) {
                    let depth = here.0.len();
                    if best.as_ref().is_none_or(|(_, d)| depth > *d) {
                        *best = Some((here.clone(), depth));
                    }
                }
                search_value(item, offset, here, best);
                here.0.pop();
            }
        }
        _ => {}
    }
}

/// The span of the key (or array element) at `path`, or of the closest
/// ancestor that is written in the file.
pub fn span_of(root: &DeTable<'_>, path: &KeyPath) -> Option<Range<usize>> {
    let mut found: Option<Range<usize>> = None;
    let mut table = Some(root);
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for seg in &path.0 {
        match seg {
            Seg::Key(k) => {
                let t = table?;
                let Some((key, v)) = t.iter().find(|(key, _)| key.get_ref() == k) else {
                    return found;
                };
                found = Some(key.span());
                value = Some(v);
            }
            Seg::Index(i) => {
                let Some(DeValue::Array(a)) = value.map(|v| v.get_ref()) else {
                    return found;
                };
                let Some(item) = a.get(*i) else {
                    return found;
                };
                // An array of tables: point at the first key inside, not at
                // the `[[header]]` (whose span is the whole array's).
                found = Some(item.span());
                value = Some(item);
            }
        }
        table = match value.map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => Some(t),
            _ => None,
        };
    }
    found
}
