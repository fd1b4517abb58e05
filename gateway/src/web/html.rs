//! Pages as strings: one escaping helper that every value from a message,
//! a user or a request goes through, and the frame around each page. No
//! template engine: the pages are few and small, and a missing escape is
//! easier to see in one `esc(...)` per value than in a template language.

use std::fmt::Write;

/// `text` safe inside HTML element content and inside a quoted attribute
/// (the report templates' escaping).
pub fn esc(text: &str) -> String {
    kernel::report::templates::escape_html(text)
}

/// `text` as one component of a URL query (RFC 3986 unreserved kept).
pub fn url_component(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

pub const CSS: &str = include_str!("assets/style.css");
pub const JS: &str = include_str!("assets/live.js");

/// Who is looking, for the frame's header and the forms.
pub struct Viewer<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub csrf: &'a str,
    pub admin: bool,
    pub operator: bool,
    pub lang: kernel::report::Language,
}

/// The frame: header with the user and the log-out form, then `body`
/// (already HTML).
pub fn page(title: &str, viewer: Option<&Viewer<'_>>, body: &str) -> String {
    use super::i18n::tr;
    let mut nav = String::new();
    let lang = viewer.map_or(kernel::report::Language::En, |v| v.lang);
    if let Some(v) = viewer {
        let t = |en| tr(v.lang, en);
        let _ = write!(
            nav,
            "<nav><a href=\"/journal\">{}</a> <a href=\"/send\">{}</a>{}\
             <a href=\"/tokens\">{}</a>{}\
             <span class=\"who\">{} ({})</span>\
             <form method=\"post\" action=\"/logout\" class=\"inline\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button>{}</button></form></nav>",
            t("Journal"),
            t("Send"),
            if v.operator {
                format!(
                    " <a href=\"/lines\">{}</a> <a href=\"/dead-letters\">{}</a>",
                    t("Lines"),
                    t("Dead letters")
                )
            } else {
                String::new()
            },
            t("API tokens"),
            if v.admin {
                format!(
                    " <a href=\"/admin/users\">{}</a> <a href=\"/audit\">{}</a>",
                    t("Users"),
                    t("Audit log")
                )
            } else {
                String::new()
            },
            esc(v.name),
            esc(v.role),
            esc(v.csrf),
            t("Log out")
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · ums</title><link rel=\"stylesheet\" href=\"/assets/style.css\"></head>\
         <body><header><a class=\"brand\" href=\"/journal\">ums</a>{nav}</header>\
         <main>{body}</main><script src=\"/assets/live.js\"></script></body></html>\n",
        super::i18n::code(lang),
        esc(title)
    )
}

/// A hidden CSRF field for a form.
pub fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(token)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(url_component("a b&c=ü"), "a%20b%26c%3D%C3%BC");
    }
}
