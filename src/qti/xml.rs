//! A small element tree read with quick-xml, for the importer: QTI item bodies mix
//! markup and text, which a serde mapping cannot follow, so the importer walks a tree.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element: its namespace (resolved), local name, attributes by local name, children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub namespace: Option<String>,
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Child elements named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.name == name)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// Every descendant element (depth first, self excluded).
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        for e in self.elements() {
            out.push(e);
            out.extend(e.descendants());
        }
        out
    }

    /// The element's text. An element holding only text gives it exactly as written (so
    /// our own exports round-trip); one with markup inside (third-party `<p>`, `<strong>`)
    /// gives its descendants' text with white space runs collapsed and ends trimmed.
    pub fn text(&self) -> String {
        if self.children.iter().all(|c| matches!(c, Node::Text(_))) {
            return self
                .children
                .iter()
                .filter_map(|c| match c {
                    Node::Text(t) => Some(t.as_str()),
                    Node::Element(_) => None,
                })
                .collect();
        }
        let mut all = String::new();
        self.collect_text(&mut all);
        all.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn collect_text(&self, into: &mut String) {
        for c in &self.children {
            match c {
                Node::Text(t) => into.push_str(t),
                Node::Element(e) => {
                    into.push(' ');
                    e.collect_text(into);
                    into.push(' ');
                }
            }
        }
    }
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

/// Parses a whole document into its root element; an error says why it is not well-formed.
pub fn parse(text: &str) -> Result<Element, String> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let open = |ns: ResolveResult<'_>, start: &quick_xml::events::BytesStart<'_>| {
        let namespace = match ns {
            ResolveResult::Bound(n) => Some(n.as_ref().to_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => return Err(format!("unknown namespace prefix {p}")),
        };
        let mut attributes = Vec::new();
        for a in start.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            let key = a.key.local_name().as_ref().to_owned();
            if a.key.as_ref().starts_with("xmlns") {
                continue;
            }
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| e.to_string())?;
            attributes.push((key, value.into_owned()));
        }
        Ok(Element {
            namespace,
            name: start.local_name().as_ref().to_owned(),
            attributes,
            children: Vec::new(),
        })
    };
    let push_text = |stack: &mut Vec<Element>, text: Cow<'_, str>| {
        if let Some(top) = stack.last_mut() {
            if let Some(Node::Text(last)) = top.children.last_mut() {
                last.push_str(&text);
            } else {
                top.children.push(Node::Text(text.into_owned()));
            }
        }
    };
    loop {
        let position = reader.buffer_position();
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("not well-formed XML after byte {position}: {e}"))?;
        match event {
            Event::Start(start) => {
                let element = open(ns, &start)?;
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = open(ns, &start)?;
                match stack.last_mut() {
                    Some(top) => top.children.push(Node::Element(element)),
                    None if root.is_none() => root = Some(element),
                    None => return Err("more than one root element".into()),
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err("an end tag without its start".into());
                };
                match stack.last_mut() {
                    Some(top) => top.children.push(Node::Element(element)),
                    None if root.is_none() => root = Some(element),
                    None => return Err("more than one root element".into()),
                }
            }
            Event::Text(t) => {
                if stack.is_empty() {
                    if !t.xml10_content().trim().is_empty() {
                        return Err("text outside the root element".into());
                    }
                } else {
                    push_text(&mut stack, t.xml10_content());
                }
            }
            Event::CData(c) => {
                push_text(&mut stack, c.into_inner());
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| e.to_string())?
                        .map(String::from)
                } else {
                    predefined(&r.xml10_content()).map(str::to_owned)
                };
                let Some(resolved) = resolved else {
                    return Err(format!("unknown entity &{};", r.xml10_content()));
                };
                push_text(&mut stack, Cow::Owned(resolved));
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("the document ends inside an element".into());
    }
    root.ok_or_else(|| "no root element".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_entities_and_line_breaks_reads_back_exactly() {
        let root = parse("<a xmlns=\"urn:x\"><b>one &amp; two\n  &#233;</b></a>").expect("parses");
        assert_eq!(root.namespace.as_deref(), Some("urn:x"));
        assert_eq!(
            root.child("b").map(Element::text).as_deref(),
            Some("one & two\n  é")
        );
    }

    #[test]
    fn mixed_markup_collapses_white_space() {
        let root = parse("<a><p>Which\n   <strong>one</strong>?</p></a>").expect("parses");
        assert_eq!(root.text(), "Which one ?");
    }

    #[test]
    fn a_mismatched_end_tag_is_not_well_formed() {
        assert!(parse("<a><b></a>").is_err());
    }
}
