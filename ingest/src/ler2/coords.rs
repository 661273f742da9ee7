//! Coordinates in text: `gml:posList`, `gml:pos` and the older
//! `gml:coordinates`. Points keep the order written; the third ordinate is
//! kept as written (LER's `-99` included) and NaN means "none" (2D).

use super::raw::Issue;
use crate::problem::Rule;

/// A position; `z` is NaN when the source gave none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pt {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

/// Why coordinates could not be read.
#[derive(Debug)]
pub(crate) enum Fault {
    /// The feature is bad; reading goes on.
    Issue(Issue),
    /// The feature has more vertices than allowed; reading stops.
    TooManyVertices,
}

/// Vertices still allowed in the current feature.
#[derive(Debug)]
pub(crate) struct VertexBudget {
    pub left: usize,
}

impl VertexBudget {
    fn take(&mut self) -> Result<(), Fault> {
        self.left = self.left.checked_sub(1).ok_or(Fault::TooManyVertices)?;
        Ok(())
    }
}

/// Turns a byte index in the element's text into a position for messages.
pub(crate) type Locate<'a> = &'a dyn Fn(usize) -> Option<String>;

/// Whitespace-separated numbers, `dim` per point, appended to `out`.
/// `element` names the element in messages (`gml:posList`).
pub(crate) fn pos_list(
    text: &str,
    dim: usize,
    element: &str,
    out: &mut Vec<Pt>,
    budget: &mut VertexBudget,
    locate: Locate,
) -> Result<(), Fault> {
    check_dim(dim, element, locate)?;
    let mut ords = [f64::NAN; 3];
    let mut n = 0usize;
    for (offset, token) in tokens(text) {
        ords[n % dim] = number(token, element, || locate(offset))?;
        n += 1;
        if n % dim == 0 {
            budget.take()?;
            out.push(point(&ords, dim));
        }
    }
    if n % dim != 0 {
        let message = format!(
            "GEOM2: {element} has {n} numbers, which is not a multiple of its srsDimension {dim}"
        );
        return Err(Fault::Issue(Issue::error(
            Rule::MalformedInput,
            message,
            locate(0),
        )));
    }
    Ok(())
}

/// One `gml:pos`: its number of values gives its dimension unless `dim` says it.
pub(crate) fn pos(
    text: &str,
    dim: Option<usize>,
    out: &mut Vec<Pt>,
    budget: &mut VertexBudget,
    locate: Locate,
) -> Result<(), Fault> {
    let count = tokens(text).count();
    let dim = dim.unwrap_or(count);
    if count != dim {
        let message = format!("gml:pos has {count} numbers, not srsDimension {dim}");
        return Err(Fault::Issue(Issue::error(
            Rule::MalformedInput,
            message,
            locate(0),
        )));
    }
    pos_list(text, dim, "gml:pos", out, budget, locate)
}

/// `gml:coordinates` with its `cs` (between ordinates, default `,`), `ts`
/// (between tuples, default whitespace) and `decimal` (default `.`).
pub(crate) fn coordinates(
    text: &str,
    separators: (Option<&str>, Option<&str>, Option<&str>),
    out: &mut Vec<Pt>,
    budget: &mut VertexBudget,
    locate: Locate,
) -> Result<(), Fault> {
    let element = "gml:coordinates";
    let (cs, ts, decimal) = separators;
    let cs = cs.unwrap_or(",");
    let decimal = decimal.unwrap_or(".");
    let bad = |m: String| Fault::Issue(Issue::error(Rule::MalformedInput, m, locate(0)));
    if cs.is_empty() || ts == Some("") || decimal.chars().count() != 1 {
        return Err(bad(format!("{element} has empty or invalid separators")));
    }
    let tuples: Box<dyn Iterator<Item = &str>> = match ts {
        Some(ts) if !ts.trim().is_empty() => Box::new(text.split(ts)),
        _ => Box::new(text.split_ascii_whitespace()),
    };
    for tuple in tuples.map(str::trim).filter(|t| !t.is_empty()) {
        let mut ords = [f64::NAN; 3];
        let mut dim = 0;
        for ord in tuple.split(cs) {
            if dim == 3 {
                return Err(bad(format!(
                    "{element} has a tuple of more than 3 ordinates"
                )));
            }
            let ord = ord.trim().replace(decimal, ".");
            ords[dim] = number(&ord, element, || locate(0))?;
            dim += 1;
        }
        check_dim(dim, element, locate)?;
        budget.take()?;
        out.push(point(&ords, dim));
    }
    Ok(())
}

fn check_dim(dim: usize, element: &str, locate: Locate) -> Result<(), Fault> {
    if matches!(dim, 2 | 3) {
        return Ok(());
    }
    let message = format!("{element} has {dim} ordinates per position; only 2 or 3 are supported");
    Err(Fault::Issue(Issue::error(
        Rule::UnsupportedGeometry,
        message,
        locate(0),
    )))
}

fn point(ords: &[f64; 3], dim: usize) -> Pt {
    Pt {
        x: ords[0],
        y: ords[1],
        z: if dim == 3 { ords[2] } else { f64::NAN },
    }
}

/// Whitespace-separated tokens with their byte offsets.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let base = text.as_ptr() as usize;
    text.split_ascii_whitespace()
        .map(move |t| (t.as_ptr() as usize - base, t))
}

/// A finite number (xs:double lexical form; `INF` and `NaN` parse but are refused).
fn number(token: &str, element: &str, at: impl Fn() -> Option<String>) -> Result<f64, Fault> {
    let shown: String = token.chars().take(32).collect();
    match token.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(Fault::Issue(Issue::error(
            Rule::NonFiniteCoordinate,
            format!("{element} has the non-finite value {shown:?}"),
            at(),
        ))),
        Err(_) => Err(Fault::Issue(Issue::error(
            Rule::MalformedInput,
            format!("{element} has {shown:?}, which is not a number"),
            at(),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, dim: usize) -> Result<Vec<Pt>, String> {
        let mut out = Vec::new();
        let mut budget = VertexBudget { left: 10 };
        let locate = |i: usize| Some(format!("byte {i}"));
        match pos_list(text, dim, "gml:posList", &mut out, &mut budget, &locate) {
            Ok(()) => Ok(out),
            Err(Fault::Issue(i)) => Err(format!("{:?} {} @{:?}", i.rule, i.message, i.at)),
            Err(Fault::TooManyVertices) => Err("limit".into()),
        }
    }

    #[test]
    fn pos_lists_by_dimension() {
        let pts = read("\n  700000 6200000 -99\n 700010 6200010 12.5 ", 3).unwrap();
        assert_eq!(pts.len(), 2);
        assert_eq!((pts[0].x, pts[0].y, pts[0].z), (700000.0, 6200000.0, -99.0));
        assert_eq!(pts[1].z, 12.5);
        assert!(read("1 2 3 4", 2).unwrap()[1].z.is_nan());
        let e = read("700000 6200000 -99 700010 6200010", 3).unwrap_err();
        assert!(e.starts_with("MalformedInput GEOM2"), "{e}");
        let e = read("1 2 x 4", 2).unwrap_err();
        assert!(
            e.contains("\"x\"") && e.ends_with("@Some(\"byte 4\")"),
            "{e}"
        );
        assert!(read("1 2 NaN 4", 2)
            .unwrap_err()
            .starts_with("NonFiniteCoordinate"));
        assert!(read("1 INF", 2)
            .unwrap_err()
            .starts_with("NonFiniteCoordinate"));
        assert!(read("1 2 3 4", 4)
            .unwrap_err()
            .starts_with("UnsupportedGeometry"));
        assert_eq!(read(&"1 2 ".repeat(11), 2).unwrap_err(), "limit");
    }

    #[test]
    fn gml2_coordinates() {
        let mut out = Vec::new();
        let mut budget = VertexBudget { left: 10 };
        let locate = |_: usize| None;
        coordinates(
            "1,2 3,4,5",
            (None, None, None),
            &mut out,
            &mut budget,
            &locate,
        )
        .unwrap();
        assert_eq!(out.len(), 2);
        assert!(out[0].z.is_nan());
        assert_eq!(out[1].z, 5.0);
        out.clear();
        let seps = (Some(";"), Some("|"), Some(","));
        coordinates("1,5;2|3;4", seps, &mut out, &mut budget, &locate).unwrap();
        assert_eq!((out[0].x, out[1].y), (1.5, 4.0));
    }
}
