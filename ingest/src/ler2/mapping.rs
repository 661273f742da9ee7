//! One [`RawFeature`] to a model feature, its problems and its relations;
//! the element table is in the documentation of [`ler2`](super).

use std::rc::Rc;

use chrono::DateTime;
use forsyning_model::{
    AccuracyClass, DatasetId, DrawingMethod, Hazard, NetworkFeature, OrgId, SourceFormat, Status,
};
use uuid::Uuid;

use super::build::build;
use super::checks::{check_shape, datatype_issue, geometry_problems, measures, missing_geometry};
use super::classes::{Family, ThemeFrom};
use super::codes::{check_list, code, installed, themes, CROSS_SECTIONS, OWNERSHIP};
use super::links::{Container, FeatureRef, Relation, RelationKind};
use super::raw::{Issue, Prop, RawFeature};
use super::rules::{self, Facts};
use super::units::UnitPolicy;
use crate::problem::{FeatureOutcome, Rule};

/// One feature of a LER 2 document: the outcome every reader gives, and the
/// feature's references to other features of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Ler2Feature {
    pub outcome: FeatureOutcome,
    /// `indeholdtLedning`, `startkomponent`, `slutkomponent`,
    /// `tilknyttetLedning`, in document order; and `ContainedIn` when the
    /// feature took its geometry from its container.
    pub relations: Vec<Relation>,
}

/// Settings of the mapping that hold for a whole document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MapCtx {
    pub units: UnitPolicy,
    pub declared_minor: Option<u8>,
}

/// A mapped feature, and what it holds for later lines when it is a container.
pub(crate) struct Mapped {
    pub feature: Ler2Feature,
    pub container: Option<(Container, Vec<String>)>,
}

pub(crate) fn map(mut raw: RawFeature, container: Option<Rc<Container>>, ctx: MapCtx) -> Mapped {
    let position = format!("feature {}", raw.index);
    let mut issues = std::mem::take(&mut raw.issues);
    let at = raw.at.clone();
    let source_id = raw.gml_id.clone().unwrap_or_else(|| {
        let m = "the feature has no gml:id, which GML requires";
        issues.push(Issue::error(Rule::MalformedInput, m, Some(at.clone())));
        position.clone()
    });

    let themes = themes(&raw, &mut issues);
    let theme = match raw.class.theme {
        ThemeFrom::Fixed(t) => Some(t),
        ThemeFrom::Forsyningsart => themes.first().copied(),
    };
    let status = code(
        &raw,
        Prop::Driftsstatus,
        Status::ALL,
        Status::ler_term,
        &mut issues,
    );
    let hazard = code(
        &raw,
        Prop::Fareklasse,
        Hazard::ALL,
        Hazard::ler_term,
        &mut issues,
    );
    let accuracy: Vec<_> = AccuracyClass::ALL
        .iter()
        .copied()
        .filter(|a| *a != AccuracyClass::Unknown)
        .collect();
    let mut accuracy_xy = code(
        &raw,
        Prop::Noejagtighedsklasse,
        &accuracy,
        AccuracyClass::ler_term,
        &mut issues,
    );
    let mut accuracy_z = code(
        &raw,
        Prop::NoejagtighedsklasseVertikal,
        &accuracy,
        AccuracyClass::ler_term,
        &mut issues,
    );
    let drawing_method = match raw.prop(Prop::Indtegningsmetode) {
        // The schema's default applies to an empty element.
        Some(v) if !v.nil && v.text.is_empty() => Some(DrawingMethod::Exact),
        _ => code(
            &raw,
            Prop::Indtegningsmetode,
            DrawingMethod::ALL,
            DrawingMethod::ler_term,
            &mut issues,
        ),
    };
    check_list(&raw, Prop::Ejerskabsforhold, &OWNERSHIP, &mut issues);
    check_list(&raw, Prop::Tvaersnitsform, &CROSS_SECTIONS, &mut issues);
    let installed = installed(&raw, &mut issues);
    let measures = measures(&raw, ctx.units, installed, &mut issues);

    let mut relations = raw.relations.clone();
    let mut crs = None;
    let mut built = None;
    match (&raw.geometry, &container) {
        (Some(g), _) => {
            crs = g.crs.clone();
            match &g.shape {
                Ok(shape) => {
                    check_shape(&raw, shape, &mut issues);
                    let mut b = build(shape);
                    geometry_problems(&mut b, &at, &mut issues);
                    built = Some(b);
                }
                Err(issue) => issues.push(datatype_issue(&raw, issue.clone())),
            }
        }
        (None, Some(c)) => {
            crs = c.crs.clone();
            relations.push(Relation {
                kind: RelationKind::ContainedIn,
                target: FeatureRef::Local(c.id.clone()),
            });
            if accuracy_xy.is_none() {
                accuracy_xy = Some(c.accuracy_xy);
            }
            if accuracy_z.is_none() {
                accuracy_z = Some(c.accuracy_z);
            }
        }
        (None, None) => issues.push(missing_geometry(&raw)),
    }
    if built.is_some() && crs.is_none() {
        let m = "the geometry has no srsName, nor does an enclosing element or gml:boundedBy; \
                 its CRS is unknown (LER 2 data is normally EPSG:25832)";
        issues.push(Issue {
            warning: true,
            ..Issue::error(Rule::UnknownCrs, m, Some(at.clone()))
        });
    }
    let facts = Facts {
        after_cutoff: rules::after_cutoff(installed),
        has_geometry: raw.geometry.is_some() || raw.geometry_nil,
        z_unknown: built.as_ref().is_some_and(|b| b.z_unknown),
        declared_minor: ctx.declared_minor,
    };
    rules::check(&raw, facts, &themes, &mut issues);

    let (geometry, heights, vertices) = match (built, &container) {
        (Some(b), _) => (Some(b.geometry), b.heights, b.vertices),
        (None, Some(c)) if raw.geometry.is_none() => {
            (Some(c.geometry.clone()), c.heights.clone(), c.vertices)
        }
        _ => (None, None, 0),
    };
    let accuracy_xy = accuracy_xy.unwrap_or(AccuracyClass::Unknown);
    let accuracy_z = accuracy_z.unwrap_or(AccuracyClass::Unknown);
    let contained: Vec<String> = raw
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::Contains && raw.class.family != Family::Component)
        .filter_map(|r| match &r.target {
            FeatureRef::Local(id) => Some(id.clone()),
            FeatureRef::External(_) => None,
        })
        .collect();
    let holds = match (&geometry, contained.is_empty()) {
        (Some(g), false) => Some((
            Container {
                id: source_id.clone(),
                geometry: g.clone(),
                heights: heights.clone(),
                crs: crs.clone(),
                accuracy_xy,
                accuracy_z,
                vertices,
            },
            contained,
        )),
        _ => None,
    };
    let feature = match (theme, geometry) {
        (Some(theme), Some(geometry)) => Some(NetworkFeature {
            id: Uuid::now_v7(),
            owner_id: OrgId::new("unassigned").expect("a valid organisation id"),
            dataset_id: DatasetId(Uuid::nil()),
            version: 0,
            source_id: source_id.clone(),
            source_format: SourceFormat::Ler2Gml,
            source_class: raw.class.name.to_owned(),
            theme,
            kind: raw.class.kind,
            status,
            hazard,
            safety_note: raw.text(Prop::Sikkerhedshensyn).map(str::to_owned),
            accuracy_xy,
            accuracy_z,
            drawing_method,
            measures,
            geometry,
            heights,
            valid_from: DateTime::UNIX_EPOCH,
            valid_to: None,
        }),
        _ => None,
    };
    let problems = Issue::into_problems(issues, &source_id, &position);
    Mapped {
        feature: Ler2Feature {
            outcome: FeatureOutcome {
                position,
                source_id,
                source_class: raw.class.name.to_owned(),
                theme,
                feature,
                problems,
                crs,
            },
            relations,
        },
        container: holds,
    }
}
