//! The parts of mapping a feature that check as much as they convert:
//! measures and their units, the geometry's type and validity, and a
//! missing geometry.

use forsyning_model::{Measures, PartialDate};

use super::build::Built;
use super::classes::Family;
use super::geometry::Shape;
use super::raw::{Issue, Prop, RawFeature};
use super::units::{self, UnitPolicy};
use crate::problem::Rule;
use crate::repair::repair_geometry;
use crate::validate::validate_geometry;

pub(super) fn measures(
    raw: &RawFeature,
    policy: UnitPolicy,
    installed: Option<PartialDate>,
    issues: &mut Vec<Issue>,
) -> Measures {
    let mut value = |p: Prop| {
        let v = raw.prop(p)?;
        units::measure(p, v, policy, &v.at, issues)
    };
    let at = |p: Prop| raw.prop(p).map_or("", |v| v.at.as_str());
    let depth = value(Prop::VejledendeDybde);
    let diameter = value(Prop::UdvendigDiameter);
    let voltage_kv = value(Prop::Spaendingsniveau);
    let pressure_bar = value(Prop::Tryk);
    value(Prop::UdvendigBredde);
    value(Prop::UdvendigHoejde);
    Measures {
        depth_mm: depth.and_then(|mm| {
            units::whole_mm(Prop::VejledendeDybde, mm, at(Prop::VejledendeDybde), issues)
        }),
        diameter_mm: diameter.and_then(|mm| {
            units::whole_mm(
                Prop::UdvendigDiameter,
                mm,
                at(Prop::UdvendigDiameter),
                issues,
            )
        }),
        voltage_kv,
        pressure_bar,
        material: raw
            .text(Prop::UdvendigMateriale)
            .or(raw.text(Prop::Materiale))
            .map(str::to_owned),
        installed,
    }
}

/// LER's `geometriDatatyperestriktion`: a line's geometry is a LineString or
/// a Curve of straight segments; a trace's is a MultiCurve.
pub(super) fn check_shape(raw: &RawFeature, shape: &Shape, issues: &mut Vec<Issue>) {
    let m = match (raw.class.family, shape) {
        (Family::Ledning, Shape::Line(_)) | (Family::Trace, Shape::MultiLine(_)) | (Family::Component, _) => return,
        (Family::Ledning, _) => "geometriDatatyperestriktion: a line's ler:geometri must be a gml:LineString or a gml:Curve of gml:LineStringSegment",
        (Family::Trace, _) => "E1: a Ledningstrace's ler:geometri must be a gml:MultiCurve",
    };
    issues.push(Issue::error(
        Rule::UnsupportedGeometry,
        m,
        Some(raw.at.clone()),
    ));
}

pub(super) fn datatype_issue(raw: &RawFeature, mut issue: Issue) -> Issue {
    if issue.rule == Rule::UnsupportedGeometry && raw.class.family == Family::Ledning {
        issue.message = format!("geometriDatatyperestriktion: {}", issue.message);
    }
    issue
}

/// LER's GEOM1 and the model's geometry rules; an invalid polygon is
/// repaired in `b` where [`repair_geometry`] can.
pub(super) fn geometry_problems(b: &mut Built, at: &str, issues: &mut Vec<Issue>) {
    let problems = if b.heights.as_ref().is_some_and(|h| h.len() != b.vertices) {
        validate_geometry(&b.geometry)
    } else {
        repair_geometry(&mut b.geometry, &mut b.heights)
    };
    b.vertices = geo::CoordsIter::coords_count(&b.geometry);
    for p in problems {
        let warning = !p.is_error();
        let message = match p.rule {
            Rule::SelfIntersection => format!("GEOM1: {}", p.message),
            _ => p.message,
        };
        issues.push(Issue {
            rule: p.rule,
            message,
            at: Some(at.to_owned()),
            warning,
        });
    }
}

pub(super) fn missing_geometry(raw: &RawFeature) -> Issue {
    let at = Some(raw.at.clone());
    match raw.class.family {
        Family::Ledning
            if raw
                .text(Prop::LiggerILedning)
                .is_some_and(|v| v == "true" || v == "1") =>
        {
            Issue {
                warning: true,
                ..Issue::error(
                    Rule::GeometryMissing,
                    "the line lies in another line (liggerILedning) that is not in this document, \
                 so it has no geometry to store",
                    at,
                )
            }
        }
        Family::Ledning => Issue::error(
            Rule::GeometryMissing,
            "geometriBetingelse: the line has no ler:geometri and no Ledningstrace or Ledning \
             of the document holds it (indeholdtLedning)",
            at,
        ),
        _ => Issue::error(
            Rule::GeometryMissing,
            "E1: ler:geometri is missing; the LER 2 schema requires it",
            at,
        ),
    }
}
