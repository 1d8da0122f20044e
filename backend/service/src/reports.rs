//! The night report (Markdown and CSV) and the safe rendering of user Markdown to HTML.

use crate::nights::NightReport;
use chrono::{DateTime, Utc};
use meridian_domain::Tz;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::fmt::Write as _;

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn hm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A value inside a Markdown table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// The file name a night's report downloads as: `2026-03-14-wht.md`.
#[must_use]
pub fn report_file_name(report: &NightReport, extension: &str) -> String {
    let slug: String = report
        .view
        .telescope
        .name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let slug = slug.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    format!("{}-{}.{extension}", report.view.log.night, if slug.is_empty() { "telescope" } else { &slug })
}

/// The night as a Markdown document: header, conditions, summary, time lost, entries, observations.
#[must_use]
pub fn report_markdown(report: &NightReport) -> String {
    let log = &report.view.log;
    let t = &report.view.telescope;
    let tz = t.time_zone.tz();
    let mut md = String::new();
    let _ = writeln!(md, "# Night log: {} at {}, night of {}\n", t.name, t.site_name, log.night);
    let _ = writeln!(
        md,
        "- **Night:** {} to {} {} ({} to {} UTC)",
        local(log.starts_at, tz),
        local(log.ends_at, tz),
        t.time_zone,
        utc(log.starts_at),
        utc(log.ends_at)
    );
    let _ = writeln!(md, "- **Status:** {}", log.status);
    if !log.observers.as_str().is_empty() {
        let _ = writeln!(md, "- **Observers:** {}", log.observers);
    }
    if let Some(s) = log.seeing_arcsec {
        let _ = writeln!(md, "- **Seeing:** {s:.2} arcsec");
    }
    if let Some(tr) = log.transparency {
        let _ = writeln!(md, "- **Transparency:** {}", tr.as_str().replace('_', " "));
    }
    if !log.weather.as_str().is_empty() {
        let _ = writeln!(md, "- **Weather:** {}", log.weather.as_str().replace('\n', " "));
    }
    if !log.summary.as_str().is_empty() {
        let _ = writeln!(md, "\n## Summary\n\n{}", log.summary.as_str());
    }
    let total: u64 = report.time_lost.iter().map(|(_, m)| m).sum();
    let _ = writeln!(md, "\n## Time lost\n\n| Category | Minutes |\n|---|---:|");
    for (c, m) in &report.time_lost {
        let _ = writeln!(md, "| {c} | {m} |");
    }
    let _ = writeln!(md, "| **total** | **{total}** |");

    let live: Vec<_> = report.entries.iter().filter(|e| e.entry.deleted_at.is_none()).collect();
    let _ = writeln!(md, "\n## Entries ({})\n", live.len());
    for e in live {
        let c = &e.entry.content;
        let _ = writeln!(
            md,
            "### {} ({} UTC) · {} · {}\n",
            hm(c.occurred_at, tz),
            c.occurred_at.format("%H:%M"),
            c.level,
            if e.author_name.is_empty() { "unknown" } else { &e.author_name }
        );
        let _ = writeln!(md, "{}\n", c.body.as_str());
        let mut facts = Vec::new();
        if !c.tags.is_empty() {
            facts.push(format!("tags: {}", c.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")));
        }
        if let Some(tl) = c.time_lost {
            facts.push(format!("time lost: {} min ({})", tl.minutes, tl.category));
        }
        for l in &c.links {
            facts.push(format!("<{}>", l.as_str()));
        }
        if e.entry.version > 1 {
            facts.push(format!(
                "edited: version {} by {} at {}",
                e.entry.version,
                e.editor_name,
                utc(e.entry.edited_at)
            ));
        }
        if !facts.is_empty() {
            let _ = writeln!(md, "_{}_\n", facts.join(" · "));
        }
    }

    let _ = writeln!(md, "## Observations ({})\n", report.observations.len());
    if !report.observations.is_empty() {
        let _ = writeln!(
            md,
            "| Start (local) | Start (UTC) | Target | RA (deg) | Dec (deg) | Exposure (s) | Filter | Type | Quality | Notes |"
        );
        let _ = writeln!(md, "|---|---|---|---:|---:|---:|---|---|---|---|");
        for o in &report.observations {
            let (ra, dec) = o.position.map_or((String::new(), String::new()), |p| {
                (format!("{:.5}", p.ra.degrees()), format!("{:.5}", p.dec.degrees()))
            });
            let _ = writeln!(
                md,
                "| {} | {} | {} | {ra} | {dec} | {} | {} | {} | {} | {} |",
                hm(o.start_at, tz),
                o.start_at.format("%H:%M:%S"),
                cell(o.target_name.as_str()),
                o.exposure_s,
                cell(o.filter.as_str()),
                o.frame_type,
                o.quality,
                cell(o.notes.as_str())
            );
        }
    }
    md
}

/// Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (also after leading blanks) as a
/// formula; such cells get a leading apostrophe, which they display as text (OWASP's advice for CSV injection).
fn defuse(s: &str) -> String {
    let risky =
        s.trim_start_matches([' ', '\t', '\r', '\n']).starts_with(['=', '+', '-', '@']) || s.starts_with(['\t', '\r']);
    if risky { format!("'{s}") } else { s.to_owned() }
}

/// The night as CSV: one row per entry, observation and time-lost total, with a `record` column saying which.
pub fn report_csv(report: &NightReport) -> Result<Vec<u8>, csv::Error> {
    let tz = report.view.telescope.time_zone.tz();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "record",
        "night",
        "telescope",
        "time_utc",
        "time_local",
        "level",
        "author",
        "text",
        "tags",
        "time_lost_minutes",
        "time_lost_category",
        "target",
        "ra_deg",
        "dec_deg",
        "exposure_s",
        "filter",
        "frame_type",
        "quality",
    ])?;
    let night = report.view.log.night.to_string();
    let telescope = &defuse(&report.view.telescope.name);
    for e in report.entries.iter().filter(|e| e.entry.deleted_at.is_none()) {
        let c = &e.entry.content;
        w.write_record([
            "entry",
            &night,
            telescope,
            &utc(c.occurred_at),
            &local(c.occurred_at, tz),
            c.level.as_str(),
            &defuse(&e.author_name),
            &defuse(c.body.as_str()),
            &c.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","),
            &c.time_lost.map(|t| t.minutes.to_string()).unwrap_or_default(),
            c.time_lost.map(|t| t.category.as_str()).unwrap_or_default(),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ])?;
    }
    for o in &report.observations {
        w.write_record([
            "observation",
            &night,
            telescope,
            &utc(o.start_at),
            &local(o.start_at, tz),
            "",
            "",
            &defuse(o.notes.as_str()),
            "",
            "",
            "",
            &defuse(o.target_name.as_str()),
            &o.position.map(|p| format!("{:.6}", p.ra.degrees())).unwrap_or_default(),
            &o.position.map(|p| format!("{:.6}", p.dec.degrees())).unwrap_or_default(),
            &o.exposure_s.to_string(),
            &defuse(o.filter.as_str()),
            o.frame_type.as_str(),
            o.quality.as_str(),
        ])?;
    }
    for (c, m) in &report.time_lost {
        w.write_record([
            "time_lost_total",
            &night,
            telescope,
            "",
            "",
            "",
            "",
            "",
            "",
            &m.to_string(),
            c.as_str(),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    let scheme = lower.split_once(':').map(|(s, _)| s);
    match scheme {
        // No scheme: a relative link or a fragment; `foo/bar:baz` has a colon after a slash, also relative.
        None => true,
        Some(s) if s.contains('/') || s.contains('?') || s.contains('#') => true,
        Some(s) => matches!(s, "http" | "https" | "mailto"),
    }
}

/// Renders user Markdown to HTML that is safe to put in a page: raw HTML in the text is shown as text, and links
/// or images with schemes other than http, https and mailto (`javascript:`) lose their target.
#[must_use]
pub fn render_markdown(text: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    let events = Parser::new_ext(text, opts).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Link { link_type, dest_url: "#".into(), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Image { link_type, dest_url: "#".into(), title, id })
        }
        Event::End(TagEnd::HtmlBlock) => Event::Text("".into()),
        e => e,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_but_html_and_script_links_do_not() {
        let html = render_markdown(
            "**Dome** closed <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://a.example)",
        );
        assert!(html.contains("<strong>Dome</strong>"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://a.example\""), "{html}");
        let block = render_markdown("<div onclick=\"x()\">hi</div>\n\ntext");
        assert!(!block.contains("<div"), "{block}");
        let img = render_markdown("![a](JavaScript:alert(1)) [rel](/w/obs/nights)");
        assert!(!img.to_lowercase().contains("javascript"), "{img}");
        assert!(img.contains("href=\"/w/obs/nights\""), "{img}");
    }

    #[test]
    fn csv_cells_that_look_like_formulas_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("+1"), "'+1");
        assert_eq!(defuse("-1+2"), "'-1+2");
        assert_eq!(defuse("- 1+cmd"), "'- 1+cmd");
        assert_eq!(defuse("  =1+1"), "'  =1+1");
        assert_eq!(defuse("dome open"), "dome open");
    }

    #[test]
    fn markdown_table_cells_stay_one_line() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
