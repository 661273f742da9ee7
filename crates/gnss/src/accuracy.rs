//! As-built accuracy: the LER accuracy class a surveyed point or line earns
//! from the fixes that measured it.
//!
//! **Rule.** For each fix with a position, the class is
//! `AccuracyClass::from_metres(2.5 × σ)` (σ = the fix's horizontal 1σ, DRMS;
//! 2.5σ ≈ the 99 % radius of a circular normal error), but never better than
//! its quality allows:
//!
//! | quality | best class |
//! |---|---|
//! | RTK fixed | ≤ 0.25 m |
//! | RTK float | ≤ 0.50 m |
//! | DGPS / SBAS | ≤ 1.00 m |
//! | autonomous | ≤ 2.00 m |
//! | dead reckoning, manual, simulated, none, or σ unknown | unknown |
//!
//! So RTK fixed with σ ≤ 0.10 m gives "≤ 0.25 m", σ 0.15 m gives "≤ 0.50 m".
//! A feature (a point, or a line of several surveyed points) gets the
//! **worst** class of its fixes: a line is only as good as its worst vertex.
//! The vertical class follows the same rule with σ_v.

use forsyning_model::AccuracyClass;

use crate::fix::{Fix, Quality};

/// The rule above in one sentence, for answers that say how a class was decided.
pub const RULE: &str = "per fix: the class of 2.5 × sigma (1σ, metres), never better than the \
fix quality allows (rtk_fixed ≤ 0.25 m, rtk_float ≤ 0.50 m, dgps ≤ 1.00 m, autonomous ≤ 2.00 m; \
dead reckoning, manual, simulated, none or unknown sigma: unknown); the feature gets the worst \
class of its fixes; horizontal with sigma_h, vertical with sigma_v";

/// Rank: 0 is best (≤ 0.25 m), 5 is unknown.
fn rank(c: AccuracyClass) -> u8 {
    match c {
        AccuracyClass::Le025 => 0,
        AccuracyClass::Le050 => 1,
        AccuracyClass::Le100 => 2,
        AccuracyClass::Le200 => 3,
        AccuracyClass::Gt200 => 4,
        _ => 5,
    }
}

fn best_for(q: Quality) -> AccuracyClass {
    match q {
        Quality::RtkFixed => AccuracyClass::Le025,
        Quality::RtkFloat => AccuracyClass::Le050,
        Quality::Dgps => AccuracyClass::Le100,
        Quality::Autonomous => AccuracyClass::Le200,
        _ => AccuracyClass::Unknown,
    }
}

/// The class of one measurement of quality `q` with 1σ `sigma` metres, by
/// the rule above; for positions that come without a [`Fix`], e.g. surveyed
/// coordinates already in EPSG:25832 (horizontal: σ_h, vertical: σ_v).
pub fn class_of(q: Quality, sigma: Option<f64>) -> AccuracyClass {
    let cap = best_for(q);
    match sigma {
        Some(s) if cap != AccuracyClass::Unknown && s.is_finite() && s >= 0.0 => {
            let c = AccuracyClass::from_metres(2.5 * s);
            if rank(c) < rank(cap) {
                cap
            } else {
                c
            }
        }
        _ => AccuracyClass::Unknown,
    }
}

/// Horizontal class of one fix (unknown without a position).
pub fn fix_class_xy(f: &Fix) -> AccuracyClass {
    if !f.has_position() {
        return AccuracyClass::Unknown;
    }
    class_of(f.quality, f.sigma_h)
}

/// Vertical class of one fix (unknown without an ellipsoidal height).
pub fn fix_class_z(f: &Fix) -> AccuracyClass {
    if f.alt_hae.is_none() {
        return AccuracyClass::Unknown;
    }
    class_of(f.quality, f.sigma_v)
}

/// The worst of `classes` (a line is only as good as its worst vertex);
/// unknown when there are none.
pub fn worst(classes: impl IntoIterator<Item = AccuracyClass>) -> AccuracyClass {
    classes
        .into_iter()
        .max_by_key(|c| rank(*c))
        .unwrap_or(AccuracyClass::Unknown)
}

/// (xy, z) classes of a feature surveyed by these fixes: the worst of each;
/// unknown when there are none.
pub fn feature_classes<'a>(
    fixes: impl IntoIterator<Item = &'a Fix>,
) -> (AccuracyClass, AccuracyClass) {
    let (xy, z): (Vec<_>, Vec<_>) = fixes
        .into_iter()
        .map(|f| (fix_class_xy(f), fix_class_z(f)))
        .unzip();
    (worst(xy), worst(z))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::Mode;

    fn fix(q: Quality, sh: Option<f64>, sv: Option<f64>) -> Fix {
        Fix {
            line: 1,
            time: None,
            mode: Mode::ThreeD,
            status: 3,
            quality: q,
            lat: Some(55.7),
            lon: Some(12.5),
            alt_hae: Some(50.0),
            alt_msl: Some(10.0),
            geoid_sep: Some(40.0),
            satellites: Some(20),
            hdop: Some(0.6),
            vdop: Some(1.0),
            speed: None,
            track: None,
            sigma_h: sh,
            sigma_v: sv,
            sigma_source: None,
        }
    }

    #[test]
    fn rtk_fixed_within_ten_centimetres_is_best_class() {
        assert_eq!(
            fix_class_xy(&fix(Quality::RtkFixed, Some(0.10), None)),
            AccuracyClass::Le025
        );
        assert_eq!(
            fix_class_xy(&fix(Quality::RtkFixed, Some(0.02), None)),
            AccuracyClass::Le025
        );
        // 2.5 × 0.15 = 0.375 m
        assert_eq!(
            fix_class_xy(&fix(Quality::RtkFixed, Some(0.15), None)),
            AccuracyClass::Le050
        );
        assert_eq!(
            fix_class_xy(&fix(Quality::RtkFixed, Some(1.0), None)),
            AccuracyClass::Gt200
        );
    }

    #[test]
    fn quality_caps_the_class() {
        // A float solution claiming 2 cm is still only "≤ 0.50 m".
        assert_eq!(
            fix_class_xy(&fix(Quality::RtkFloat, Some(0.02), None)),
            AccuracyClass::Le050
        );
        assert_eq!(
            fix_class_xy(&fix(Quality::Dgps, Some(0.05), None)),
            AccuracyClass::Le100
        );
        assert_eq!(
            fix_class_xy(&fix(Quality::Autonomous, Some(0.5), None)),
            AccuracyClass::Le200
        );
        assert_eq!(
            fix_class_xy(&fix(Quality::Autonomous, Some(3.0), None)),
            AccuracyClass::Gt200
        );
        assert_eq!(
            fix_class_xy(&fix(Quality::DeadReckoning, Some(0.1), None)),
            AccuracyClass::Unknown
        );
        assert_eq!(
            fix_class_xy(&fix(Quality::RtkFixed, None, None)),
            AccuracyClass::Unknown
        );
    }

    #[test]
    fn feature_takes_the_worst_vertex() {
        let a = fix(Quality::RtkFixed, Some(0.03), Some(0.05));
        let b = fix(Quality::RtkFixed, Some(0.12), Some(0.5));
        assert_eq!(
            feature_classes([&a, &a]),
            (AccuracyClass::Le025, AccuracyClass::Le025)
        );
        assert_eq!(
            feature_classes([&a, &b]),
            (AccuracyClass::Le050, AccuracyClass::Le200)
        );
        assert_eq!(
            feature_classes(std::iter::empty::<&Fix>()),
            (AccuracyClass::Unknown, AccuracyClass::Unknown)
        );
    }
}
