//! The page chrome both pages share: escaping, the inline stylesheet, the frame (head,
//! header, footer, the filter script), sections, tables and badges. Leaf module.
//!
//! Every string from outside (a package name, a version, a log line, a command) enters the
//! page through [`escape`], via [`Html::text`] and the helpers built on it; raw markup comes
//! only from `&'static str` constants of this crate. That is the whole escaping discipline:
//! there is no way to put a runtime string into [`Html`] unescaped.

use chrono::{DateTime, Utc};

/// Escapes `text` for HTML text and for double- or single-quoted attribute values: `&`, `<`,
/// `>`, `"` and `'`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// A piece of markup that is safe to emit: built from escaped text and constant markup only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Html(String);

impl Html {
    /// Text, escaped.
    pub(crate) fn text(text: &str) -> Html {
        Html(escape(text))
    }

    /// Markup written in this crate.
    pub(crate) fn markup(markup: &'static str) -> Html {
        Html(markup.to_owned())
    }

    /// `<tag class="class">inner</tag>`; `tag` and `class` are constants.
    pub(crate) fn element(tag: &'static str, class: &'static str, inner: Html) -> Html {
        if class.is_empty() {
            Html(format!("<{tag}>{}</{tag}>", inner.0))
        } else {
            Html(format!("<{tag} class=\"{class}\">{}</{tag}>", inner.0))
        }
    }

    /// A link to `href` (escaped) showing `text` (escaped).
    pub(crate) fn link(href: &str, text: &str) -> Html {
        Html(format!("<a href=\"{}\">{}</a>", escape(href), escape(text)))
    }

    /// The pieces one after another.
    pub(crate) fn concat(parts: impl IntoIterator<Item = Html>) -> Html {
        Html(parts.into_iter().map(|p| p.0).collect())
    }

    /// The pieces separated by `separator` (a constant).
    pub(crate) fn join(parts: impl IntoIterator<Item = Html>, separator: &'static str) -> Html {
        Html(
            parts
                .into_iter()
                .map(|p| p.0)
                .collect::<Vec<_>>()
                .join(separator),
        )
    }

    /// A progress bar of `segments` (class and share of 100, numbers only).
    pub(crate) fn bar(segments: &[(&'static str, f64)]) -> Html {
        let mut out = String::from("<div class=\"bar\" role=\"img\" aria-label=\"progress\">");
        for (class, percent) in segments {
            if *percent > 0.0 {
                out.push_str(&format!(
                    "<span class=\"{class}\" style=\"width:{percent:.2}%\"></span>"
                ));
            }
        }
        out.push_str("</div>");
        Html(out)
    }

    /// The markup.
    #[cfg(test)]
    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

/// A table with a header row; each row a list of cells, one per header. Wrapped in a
/// horizontally scrolling box, so a wide table never widens the page; on a narrow screen
/// the stylesheet shows each row as a card of labelled fields instead.
pub(crate) fn table(headers: &[&'static str], rows: Vec<Vec<Html>>) -> Html {
    let mut out = String::from("<div class=\"scroll\"><table><thead><tr>");
    for header in headers {
        out.push_str("<th>");
        out.push_str(header);
        out.push_str("</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (cell, header) in row.into_iter().zip(headers) {
            // The label lets a phone show each row as a card of labelled fields.
            out.push_str("<td data-label=\"");
            out.push_str(header);
            out.push_str("\">");
            out.push_str(&cell.0);
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    Html(out)
}

/// A section with an anchor `id`, a title with its item count, and a body; an empty
/// section says "none" instead of showing an empty table.
pub(crate) fn section(id: &'static str, title: &'static str, count: usize, body: Html) -> Html {
    let body = if count == 0 {
        Html::markup("<p class=\"none\">none</p>")
    } else {
        body
    };
    Html(format!(
        "<section id=\"{id}\"><h2>{title} <span class=\"count\">{count}</span></h2>{}</section>",
        body.0
    ))
}

/// A group that starts open (all content visible without script or a click) and can be
/// folded: `<details open>`.
pub(crate) fn details(summary: Html, body: Html) -> Html {
    Html(format!(
        "<details open><summary>{}</summary>{}</details>",
        summary.0, body.0
    ))
}

/// A badge naming a state or category; `kind` is a constant lowercase name, used as its
/// CSS class too.
pub(crate) fn badge(kind: &'static str) -> Html {
    Html(format!("<span class=\"badge {kind}\">{kind}</span>"))
}

/// Summary counts: `(label, class, count)` shown as a row of tiles linking to `#<class>`.
pub(crate) fn tiles(items: &[(&'static str, &'static str, usize)]) -> Html {
    let mut out = String::from("<ul class=\"tiles\">");
    for (label, class, count) in items {
        out.push_str(&format!(
            "<li class=\"tile {class}\"><a href=\"#{class}\"><b>{count}</b> {label}</a></li>"
        ));
    }
    out.push_str("</ul>");
    Html(out)
}

/// `2026-12-06 04:31 UTC`.
pub(crate) fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `1h02m`, `4m05s`, `12s`: build durations to the second, the largest unit first.
pub(crate) fn duration(secs: f64) -> String {
    let total = if secs.is_finite() && secs > 0.0 {
        secs.round() as u64
    } else {
        0
    };
    let (days, hours, minutes, seconds) = (
        total / 86400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if days > 0 {
        format!("{days}d{hours:02}h{minutes:02}m")
    } else if hours > 0 {
        format!("{hours}h{minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m{seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

/// The whole page: `title` (escaped), a header (`header`, under the title), the body, and
/// a footer saying when it was made. Inline CSS, no external resource: it works from
/// `file://` and from any static host. The filter box appears only when script runs; all
/// content is in the markup.
pub(crate) fn page(title: &str, header: Html, body: Html, generated_at: DateTime<Utc>) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"archport\">\n<title>{title}</title>\n\
         <style>{CSS}</style>\n</head>\n<body>\n<header><h1>{title}</h1>{header}</header>\n\
         <main>\n<input id=\"filter\" type=\"search\" placeholder=\"Filter packages\" \
         aria-label=\"Filter the tables\" hidden>\n{body}\n</main>\n\
         <footer>Generated {generated} by archport.</footer>\n<script>{SCRIPT}</script>\n\
         </body>\n</html>\n",
        title = escape(title),
        header = header.0,
        body = body.0,
        generated = escape(&time(generated_at)),
    )
}

/// Shows the filter box and hides table rows that do not contain its text. Reads text only
/// (`textContent`), never writes markup.
const SCRIPT: &str = "(function(){var f=document.getElementById('filter');if(!f)return;\
f.hidden=false;f.addEventListener('input',function(){var q=f.value.toLowerCase();\
document.querySelectorAll('tbody tr').forEach(function(r){\
r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});});})();";

const CSS: &str = "\
:root{--fg:#1d2125;--muted:#5b6470;--bg:#fff;--line:#d9dee3;--head:#f3f5f7;\
--built:#2e7d32;--failed:#c62828;--blocked:#ef6c00;--skipped:#78909c;--building:#1565c0;\
--queued:#b0bec5;--interrupted:#6a1b9a}\
*{box-sizing:border-box}\
body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}\
header{background:#17212b;color:#f5f7fa;padding:16px clamp(12px,3vw,32px)}\
header h1{margin:0 0 6px;font-size:1.35rem}\
header a{color:#9ecbff}\
header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0;font-size:.9rem}\
header dt{color:#aab4bf}header dd{margin:0;overflow-wrap:anywhere}\
main{padding:8px clamp(12px,3vw,32px) 32px;max-width:1400px}\
h2{font-size:1.1rem;margin:28px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}\
h2 .count{color:var(--muted);font-weight:normal}\
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:6px}\
table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}\
th{background:var(--head);font-weight:600;white-space:nowrap}\
tbody tr:last-child td{border-bottom:0}\
td code,.cause{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere;white-space:pre-wrap}\
.num{font-variant-numeric:tabular-nums;white-space:nowrap}\
.muted,.none{color:var(--muted)}\
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8rem;font-weight:600;color:#fff;background:var(--muted);white-space:nowrap}\
.badge.download,.badge.dependencies{background:#6d4c41}.badge.checksum{background:#ad1457}\
.badge.prepare{background:#8e24aa}.badge.build{background:var(--failed)}.badge.check{background:#d84315}\
.badge.package{background:#5d4037}.badge.killed{background:#000}.badge.timeout{background:#37474f}\
.badge.setup{background:#00838f}.badge.upload{background:#283593}.badge.unknown{background:#757575}\
.badge.built{background:var(--built)}.badge.failed{background:var(--failed)}.badge.blocked{background:var(--blocked)}\
.bar{display:flex;height:14px;border-radius:7px;overflow:hidden;background:#37474f;margin:10px 0 6px;max-width:720px}\
.bar span{display:block;height:100%}\
.bar .built,.tile.built b{background:var(--built)}.bar .failed,.tile.failed b{background:var(--failed)}\
.bar .blocked,.tile.blocked b{background:var(--blocked)}.bar .skipped,.tile.skipped b{background:var(--skipped)}\
.bar .building,.tile.building b{background:var(--building)}\
.tiles{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:8px 0}\
.tile a{display:inline-flex;align-items:center;gap:6px;color:inherit;text-decoration:none;font-size:.9rem}\
.tile b{display:inline-block;min-width:2.2em;text-align:center;padding:1px 6px;border-radius:6px;background:#546e7a;color:#fff}\
.eta{font-size:.95rem}\
details{margin:6px 0;border:1px solid var(--line);border-radius:6px;padding:6px 10px}\
summary{cursor:pointer}\
#filter{margin:14px 0 0;padding:6px 10px;width:min(100%,360px);font:inherit;border:1px solid var(--line);border-radius:6px}\
footer{color:var(--muted);font-size:.8rem;padding:0 clamp(12px,3vw,32px) 24px}\
code.ver{white-space:nowrap;overflow-wrap:normal}.cause{display:inline-block;min-width:18em}\
@media (max-width:640px){body{font-size:14px}.scroll{overflow:visible;border:0}\
table,tbody,tr,td{display:block;width:100%}thead{display:none}\
tr{border:1px solid var(--line);border-radius:6px;margin:0 0 8px;padding:4px 0}\
td{border:0;padding:3px 8px 3px 7.5em;position:relative;min-height:1.6em}\
td::before{content:attr(data-label);position:absolute;left:8px;width:6.8em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;color:var(--muted);font-size:.8rem;font-weight:600}\
.cause{min-width:0}}\
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_text_and_both_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("gcc-14.2.1+r134"), "gcc-14.2.1+r134");
    }

    #[test]
    fn links_and_cells_escape_what_they_are_given() {
        let link = Html::link("logs/a\"b.txt", "<b>").into_string();
        assert_eq!(link, "<a href=\"logs/a&quot;b.txt\">&lt;b&gt;</a>");
        let t = table(&["name"], vec![vec![Html::text("<i>")]]).into_string();
        assert!(t.contains("<td data-label=\"name\">&lt;i&gt;</td>"), "{t}");
    }

    #[test]
    fn durations_read_like_build_times() {
        assert_eq!(duration(0.4), "0s");
        assert_eq!(duration(65.0), "1m05s");
        assert_eq!(duration(3720.0), "1h02m");
        assert_eq!(duration(90000.0), "1d01h00m");
        assert_eq!(duration(f64::NAN), "0s");
    }
}
