//! The little HTML and text hygiene the templates need: escaping, and keeping user-chosen names on one line.

use std::fmt;

/// Writes `s` HTML-escaped: safe as text and as a double- or single-quoted attribute value.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// A user-chosen value (a name, a workspace) made safe to interpolate into a subject or a line of text: control
/// characters (line breaks, tabs) become spaces, so a name cannot add lines or headers, and bidirectional
/// overrides are dropped, so a name cannot reverse the text around it.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::{Escaped, one_line};

    fn escape(s: &str) -> String {
        Escaped(s).to_string()
    }

    #[test]
    fn escapes_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("Observatoire de Haute-Provence — 1,52 m"), "Observatoire de Haute-Provence — 1,52 m");
        assert_eq!(escape(""), "");
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }

    #[test]
    fn one_line_removes_breaks_and_bidi_overrides() {
        assert_eq!(one_line("Ann\r\nBcc: x@example.org"), "Ann  Bcc: x@example.org");
        assert_eq!(one_line("\tAnn\u{202E}gpj.exe\u{202C}"), "Anngpj.exe");
        assert_eq!(one_line("Zoë Ødegård"), "Zoë Ødegård");
    }
}
