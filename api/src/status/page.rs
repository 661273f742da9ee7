//! The status page as HTML: no script, refreshes itself every 10 s, and
//! says each state in words (colour only repeats it). Its style sheet is
//! served from `/status.css` because the CSP allows no inline style.

use std::fmt::Write as _;

use super::{Health, Status};

pub(super) const CSS: &str = "\
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:48rem;padding:0 1rem;color:#111;background:#fff}\
h1{font-size:1.6rem}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ccc;vertical-align:top}\
.operational{color:#0a5c0a}.degraded{color:#8a4b00}.down{color:#a00000}\
.banner{padding:1rem;border:2px solid currentColor;font-weight:bold;margin-bottom:1.5rem}\
.incident{border-left:4px solid #8a4b00;padding:.25rem 1rem;margin:1rem 0}\
.resolved{border-left-color:#0a5c0a}small{color:#444}";

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn class(h: Health) -> &'static str {
    match h {
        Health::Operational => "operational",
        Health::Degraded => "degraded",
        Health::Down => "down",
    }
}

fn uptime(s: u64) -> String {
    let (d, h, m) = (s / 86_400, s / 3600 % 24, s / 60 % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else {
        format!("{m} min {} s", s % 60)
    }
}

pub(super) fn render(s: &Status) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"10\">\
         <title>Forsyning status: {overall}</title><link rel=\"stylesheet\" href=\"/status.css\"></head>\
         <body><main><h1>Forsyning operating status</h1>\
         <p class=\"banner {cls}\" role=\"status\">{banner}</p>",
        overall = s.status.label(),
        cls = class(s.status),
        banner = match s.status {
            Health::Operational => "All systems operational",
            Health::Degraded => "Some systems are degraded",
            Health::Down => "Some systems are down",
        },
    );
    o.push_str("<table><caption>Components</caption><thead><tr><th scope=\"col\">Component</th><th scope=\"col\">Status</th><th scope=\"col\">Detail</th></tr></thead><tbody>");
    for c in &s.components {
        let _ = write!(
            o,
            "<tr><th scope=\"row\">{}</th><td class=\"{}\">{}</td><td>{}</td></tr>",
            esc(c.name),
            class(c.status),
            c.status.label(),
            esc(&c.detail)
        );
    }
    o.push_str("</tbody></table><h2>Incidents</h2>");
    if s.incidents.is_empty() {
        o.push_str("<p>No incidents in the last 7 days.</p>");
    }
    for i in &s.incidents {
        let resolved = i.resolved_at.map_or_else(
            || "open".to_owned(),
            |t| format!("resolved {}", t.format("%Y-%m-%d %H:%M UTC")),
        );
        let _ = write!(
            o,
            "<section class=\"incident{}\"><h3>{} <small>({}, {})</small></h3><p>{}</p>\
             <p><small>Posted {}{}</small></p></section>",
            if i.resolved_at.is_some() {
                " resolved"
            } else {
                ""
            },
            esc(&i.title),
            i.severity.code(),
            esc(&resolved),
            esc(&i.message),
            i.created_at.format("%Y-%m-%d %H:%M UTC"),
            i.component
                .as_deref()
                .map(|c| format!("; component {}", esc(c)))
                .unwrap_or_default(),
        );
    }
    let _ = write!(
        o,
        "<p><small>Checked {} &middot; server up {} &middot; {} backend &middot; version {} &middot; \
         <a href=\"/api/v1/status\">JSON</a></small></p></main></body></html>",
        s.checked_at.format("%Y-%m-%d %H:%M:%S UTC"),
        uptime(s.uptime_s),
        esc(s.backend),
        esc(s.version),
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_uptime_reads() {
        assert_eq!(esc("<b a=\"1\">&'"), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
        assert_eq!(uptime(59), "0 min 59 s");
        assert_eq!(uptime(3600 * 5 + 60 * 7), "5 h 7 min");
        assert_eq!(uptime(86_400 * 3 + 3600 * 2), "3 d 2 h");
    }
}
