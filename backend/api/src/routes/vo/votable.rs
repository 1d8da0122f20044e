//! A small VOTable 1.4 writer (TABLEDATA serialisation), enough for the DAL services' answers: a results resource
//! with its status INFOs and one table written row by row (so an answer can stream), service descriptors, and
//! error documents. Text is escaped with quick-xml.

use quick_xml::escape::escape;
use std::fmt::Write as _;

/// The VOTable media type the DAL standards answer with.
pub const MEDIA_TYPE: &str = "application/x-votable+xml";
/// A DataLink `{links}` answer.
pub const DATALINK_MEDIA_TYPE: &str = "application/x-votable+xml;content=datalink";

/// A column.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    /// `char` (always with `arraysize="*"`), `double`, `int`, `long`.
    pub datatype: &'static str,
    pub ucd: Option<&'static str>,
    pub utype: Option<&'static str>,
    pub unit: Option<&'static str>,
    pub xtype: Option<&'static str>,
    pub description: &'static str,
}

impl Field {
    pub const fn new(name: &'static str, datatype: &'static str, ucd: &'static str, description: &'static str) -> Self {
        Self { name, datatype, ucd: Some(ucd), utype: None, unit: None, xtype: None, description }
    }

    #[must_use]
    pub const fn utype(mut self, utype: &'static str) -> Self {
        self.utype = Some(utype);
        self
    }

    #[must_use]
    pub const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = Some(unit);
        self
    }

    #[must_use]
    pub const fn xtype(mut self, xtype: &'static str) -> Self {
        self.xtype = Some(xtype);
        self
    }
}

/// A value in a row; `None` is an empty cell (null).
#[derive(Debug, Clone)]
pub enum Cell {
    Text(Option<String>),
    Double(Option<f64>),
    Int(Option<i64>),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Self::Text(Some(s.to_owned()))
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Self::Text(Some(s))
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        Self::Text(s)
    }
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Self {
        Self::Double(v.filter(|v| v.is_finite()))
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Self::from(Some(v))
    }
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}

/// The document's start, up to where its resources begin: VOTable 1.4, the version DALI services answer in.
#[must_use]
pub fn start() -> String {
    concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"",
        " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
    )
    .to_owned()
}

/// A VOTable 1.1 document's start, for Simple Cone Search 1.03: its answers name columns by UCD1 words
/// (`ID_MAIN`, `POS_EQ_RA_MAIN`), which VOTable 1.2 and later no longer allow, and clients still look for them.
#[must_use]
pub fn start_v1_1() -> String {
    concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<VOTABLE version=\"1.1\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.1\"",
        " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
    )
    .to_owned()
}

/// The document's end.
#[must_use]
pub fn end() -> &'static str {
    "</VOTABLE>\n"
}

/// An `INFO` element: `name`, `value` and text.
#[must_use]
pub fn info(name: &str, value: &str, text: &str) -> String {
    format!(
        "<INFO name=\"{}\" value=\"{}\">{}</INFO>\n",
        escape(strip_control(name).as_ref()),
        escape(strip_control(value).as_ref()),
        escape(strip_control(text).as_ref())
    )
}

/// A results resource up to its first row: `infos` (already written `INFO`s), then the table's fields. A field
/// whose name is in `ids` gets that name as its `ID` too, for service descriptors to refer to.
#[must_use]
pub fn results_start(infos: &str, fields: &[Field], ids: &[&str]) -> String {
    let mut out = String::from("<RESOURCE type=\"results\">\n");
    out.push_str(infos);
    out.push_str("<TABLE>\n");
    for f in fields {
        let _ = write!(out, "<FIELD name=\"{}\" datatype=\"{}\"", f.name, f.datatype);
        if ids.contains(&f.name) {
            let _ = write!(out, " ID=\"{}\"", f.name);
        }
        if f.datatype == "char" {
            out.push_str(" arraysize=\"*\"");
        }
        for (attribute, value) in [("ucd", f.ucd), ("utype", f.utype), ("unit", f.unit), ("xtype", f.xtype)] {
            if let Some(v) = value {
                let _ = write!(out, " {attribute}=\"{}\"", escape(v));
            }
        }
        let _ = writeln!(out, "><DESCRIPTION>{}</DESCRIPTION></FIELD>", escape(f.description));
    }
    out.push_str("<DATA><TABLEDATA>\n");
    out
}

/// One row.
pub fn row(out: &mut String, cells: &[Cell]) {
    out.push_str("<TR>");
    for c in cells {
        out.push_str("<TD>");
        match c {
            Cell::Text(Some(s)) => out.push_str(&escape(strip_control(s).as_ref())),
            Cell::Double(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            Cell::Int(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            Cell::Text(None) | Cell::Double(None) | Cell::Int(None) => {}
        }
        out.push_str("</TD>");
    }
    out.push_str("</TR>\n");
}

/// Whether XML 1.0 can carry a character at all, escaped or not (not most C0 controls, not U+FFFE, U+FFFF).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text without the characters XML cannot carry (header values and names may hold them).
fn strip_control(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(xml_char) { s.into() } else { s.chars().filter(|&c| xml_char(c)).collect::<String>().into() }
}

/// The end of a results resource: DALI's `QUERY_STATUS` after the table when the answer stopped early
/// (`OVERFLOW`, saying why) or failed part way (`ERROR`).
#[must_use]
pub fn results_end(overflow: Option<&str>, error: Option<&str>) -> String {
    let mut out = String::from("</TABLEDATA></DATA>\n</TABLE>\n");
    if let Some(why) = overflow {
        out.push_str(&info("QUERY_STATUS", "OVERFLOW", why));
    }
    if let Some(message) = error {
        out.push_str(&info("QUERY_STATUS", "ERROR", message));
    }
    out.push_str("</RESOURCE>\n");
    out
}

/// A service descriptor (DataLink's "adhoc:service" resource): the service `standard_id` at `access_url`, its
/// `ID` input taken from the column whose `ID` is `column`.
#[must_use]
pub fn service_descriptor(id: &str, standard_id: &str, access_url: &str, column: &str) -> String {
    format!(
        concat!(
            "<RESOURCE type=\"meta\" utype=\"adhoc:service\" ID=\"{id}\">\n",
            "<PARAM name=\"standardID\" datatype=\"char\" arraysize=\"*\" value=\"{standard}\"/>\n",
            "<PARAM name=\"accessURL\" datatype=\"char\" arraysize=\"*\" value=\"{url}\"/>\n",
            "<GROUP name=\"inputParams\">\n",
            "<PARAM name=\"ID\" datatype=\"char\" arraysize=\"*\" ucd=\"meta.id;meta.main\" ref=\"{column}\" value=\"\"/>\n",
            "</GROUP>\n</RESOURCE>\n"
        ),
        id = escape(id),
        standard = escape(standard_id),
        url = escape(access_url),
        column = escape(column),
    )
}

/// A whole document saying why a query failed (DALI: `QUERY_STATUS` `ERROR`); `extra` INFOs are written before
/// it (Simple Cone Search 1.03 wants one named `Error`).
#[must_use]
pub fn error_document(start: String, message: &str, extra: &str) -> String {
    let mut out = start;
    out.push_str("<RESOURCE type=\"results\">\n");
    out.push_str(extra);
    out.push_str(&info("QUERY_STATUS", "ERROR", message));
    out.push_str("</RESOURCE>\n");
    out.push_str(end());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped_and_nulls_empty() {
        let mut out = String::new();
        row(
            &mut out,
            &[Cell::from("M 42 <&> \"x\"\u{1}"), Cell::from(None::<f64>), Cell::from(f64::NAN), Cell::from(3_i64)],
        );
        assert_eq!(out, "<TR><TD>M 42 &lt;&amp;&gt; &quot;x&quot;</TD><TD></TD><TD></TD><TD>3</TD></TR>\n");
    }

    #[test]
    fn fields_carry_their_metadata() {
        let f = Field::new("s_ra", "double", "pos.eq.ra", "Right ascension").unit("deg").utype("obscore:x");
        let s = results_start("", &[f, Field::new("obs_id", "char", "meta.id", "Id")], &["obs_id"]);
        assert!(
            s.contains(r#"<FIELD name="s_ra" datatype="double" ucd="pos.eq.ra" utype="obscore:x" unit="deg">"#),
            "{s}"
        );
        assert!(s.contains(r#"<FIELD name="obs_id" datatype="char" ID="obs_id" arraysize="*" ucd="meta.id">"#), "{s}");
    }
}
