//! The namespaces, tags and events that the reader's layers pass around.

pub(crate) const LER_NS: &str = "http://data.gov.dk/schemas/LER/2/gml";
pub(crate) const GML_NS: &str = "http://www.opengis.net/gml/3.2";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const ANN_NS: &str = "http://data.gov.dk/schemas/annotations/2/gml";
const DIM_NS: &str = "http://data.gov.dk/schemas/dimensions/2/gml";

/// The namespaces the reader tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    Ler,
    Gml,
    XLink,
    Xsi,
    Wfs,
    /// LER's annotation and dimension schemas (drawing aids, not features).
    LerAux,
    Other,
    None,
}

impl Ns {
    pub fn of(uri: &[u8]) -> Ns {
        match uri {
            u if u == LER_NS.as_bytes() => Ns::Ler,
            u if u == GML_NS.as_bytes() => Ns::Gml,
            u if u == XLINK_NS.as_bytes() => Ns::XLink,
            u if u == XSI_NS.as_bytes() => Ns::Xsi,
            u if u == ANN_NS.as_bytes() || u == DIM_NS.as_bytes() => Ns::LerAux,
            u if u.starts_with(b"http://www.opengis.net/wfs") => Ns::Wfs,
            _ => Ns::Other,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub ns: Ns,
    pub name: String,
    pub value: String,
}

/// A start tag.
#[derive(Debug, Clone)]
pub(crate) struct El {
    pub ns: Ns,
    /// The namespace URI, for messages.
    pub uri: String,
    pub name: String,
    pub attrs: Vec<Attr>,
    /// Byte offset of the tag.
    pub at: u64,
}

impl El {
    pub fn is(&self, ns: Ns, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn attr(&self, ns: Ns, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == ns && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// `xsi:nil="true"`.
    pub fn nil(&self) -> bool {
        matches!(self.attr(Ns::Xsi, "nil").map(str::trim), Some("true" | "1"))
    }

    /// `{uri}name`, for messages.
    pub fn qualified(&self) -> String {
        match self.ns {
            Ns::Ler => format!("ler:{}", self.name),
            Ns::Gml => format!("gml:{}", self.name),
            Ns::None => self.name.clone(),
            _ => format!("{{{}}}{}", self.uri, self.name),
        }
    }
}

#[derive(Debug)]
pub(crate) enum Ev {
    Start(El),
    End,
    /// Character data; `at` is its offset when `text` is as written (no
    /// entities), so that offsets inside it are offsets in the input.
    Text {
        text: String,
        at: Option<u64>,
    },
    Eof,
}
