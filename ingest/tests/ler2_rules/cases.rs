//! The branches of LER's validation-rule files, as mutations of the
//! example documents: (rule file, branch name, mutation including those of
//! the parent branches). String surgery stands in for the XQuery.

use crate::ler2_common::*;

pub type Mutation = fn(&str) -> String;

const POS: &str = "gml:posList";

/// (rule file, branch name, mutation including those of parent branches)
pub const CASES: &[(&str, &str, Mutation)] = &[
    (
        "geometri/antalIkkeDeleligt.yml",
        "posList ikke deleligt med srsDimension",
        |d| replace_value(d, POS, "700000 6200000 -99 700010 6200010"),
    ),
    ("geometri/selvkryds.yml", "selvkrydsende posList", |d| {
        replace_value(
            d,
            POS,
            "700000 6200000 -99 700010 6200010 -99 700000 6200010 -99 700010 6200000 -99",
        )
    }),
    (
        "restr/Elledning/spændingsniveauMåleenhedsrestriktion.yml",
        "set spaendingsniveau kV",
        |d| {
            insert_last(
                d,
                "ler:Elledning",
                r#"<ler:spaendingsniveau uom="kV">10</ler:spaendingsniveau>"#,
            )
        },
    ),
    (
        "restr/Elledning/spændingsniveauMåleenhedsrestriktion.yml",
        "set spaendingsniveau V",
        |d| {
            insert_last(
                d,
                "ler:Elledning",
                r#"<ler:spaendingsniveau uom="V">10000</ler:spaendingsniveau>"#,
            )
        },
    ),
    (
        "restr/Elledning/udvendigDiameterBetingelse.yml",
        "delete udvendigDiameter element",
        |d| delete(d, "ler:udvendigDiameter"),
    ),
    (
        "restr/Elledning/udvendigDiameterBetingelse.yml",
        "set 2022",
        |d| set_2022(&delete(d, "ler:udvendigDiameter")),
    ),
    (
        "restr/Elledning/vejledendeDybdeBetingelse.yml",
        "delete vejledendeDybde element",
        |d| delete(d, "ler:vejledendeDybde"),
    ),
    (
        "restr/Elledning/vejledendeDybdeBetingelse.yml",
        "delete vejledendeDybde element with known Z",
        known_z_no_depth,
    ),
    (
        "restr/Elledning/vejledendeDybdeVoidrestriktion.yml",
        "set vejledendeDybde nil",
        nil_depth,
    ),
    (
        "restr/Elledning/vejledendeDybdeVoidrestriktion.yml",
        "set 2022",
        |d| set_2022(&nil_depth(d)),
    ),
    (
        "restr/Foeringsroer/geometriVertikaleKoordinaterRestriktion.yml",
        "change forsyningsart to gas",
        gas,
    ),
    (
        "restr/Foeringsroer/geometriVertikaleKoordinaterRestriktion.yml",
        "change forsyningsart to gas with known Z",
        |d| replace_value(&gas(d), POS, "700000 6200000 0 700010 6200010 0"),
    ),
    (
        "restr/Foeringsroer/vejledendeDybdeBetingelse.yml",
        "delete vejledendeDybde element",
        |d| delete(d, "ler:vejledendeDybde"),
    ),
    (
        "restr/Foeringsroer/vejledendeDybdeBetingelse.yml",
        "delete vejledendeDybde element with known Z",
        known_z_no_depth,
    ),
    (
        "restr/Foeringsroer/vejledendeDybdeVoidrestriktion.yml",
        "set vejledendeDybde nil",
        nil_depth,
    ),
    (
        "restr/Foeringsroer/vejledendeDybdeVoidrestriktion.yml",
        "set 2022",
        |d| set_2022(&nil_depth(d)),
    ),
    (
        "restr/Ledning/driftsstatusVoidrestriktion.yml",
        "delete driftsstatus element",
        |d| delete(d, "ler:driftsstatus"),
    ),
    (
        "restr/Ledning/driftsstatusVoidrestriktion.yml",
        "set driftsstatus nil",
        nil_status,
    ),
    (
        "restr/Ledning/driftsstatusVoidrestriktion.yml",
        "set 2022",
        |d| set_2022(&nil_status(d)),
    ),
    (
        "restr/Ledning/fareklasseVoidrestriktion.yml",
        "delete fareklasse element",
        |d| delete(d, "ler:fareklasse"),
    ),
    (
        "restr/Ledning/fareklasseVoidrestriktion.yml",
        "set fareklasse nil",
        nil_hazard,
    ),
    (
        "restr/Ledning/fareklasseVoidrestriktion.yml",
        "set 2022",
        |d| set_2022(&nil_hazard(d)),
    ),
    ("restr/Ledning/geometriBetingelse.yml", "no changes", |d| {
        d.to_owned()
    }),
    (
        "restr/Ledning/geometriBetingelse.yml",
        "fjern geometri for ledning-B",
        |d| {
            within(d, "ler:Elledning", "elledning-B", |e| {
                let e = delete(e, "ler:geometri");
                let e = delete(&e, "ler:noejagtighedsklasse");
                delete(&e, "ler:noejagtighedsklasseVertikal")
            })
        },
    ),
    (
        "restr/Ledning/geometriDatatyperestriktion.yml",
        "curve_et_segment",
        |d| {
            curve(
                d,
                &[
                    r#"<gml:LineStringSegment><gml:posList srsDimension="3">700000 6200000 -99 700010 6200010 -99</gml:posList></gml:LineStringSegment>"#,
                ],
            )
        },
    ),
    (
        "restr/Ledning/geometriDatatyperestriktion.yml",
        "curve_flere_segmenter",
        |d| {
            curve(
                d,
                &[
                    r#"<gml:LineStringSegment><gml:posList srsDimension="3">700000 6200000 -99 700005 6200005 -99</gml:posList></gml:LineStringSegment>"#,
                    r#"<gml:LineStringSegment><gml:posList srsDimension="3">700005 6200005 -99 700010 6200010 -99</gml:posList></gml:LineStringSegment>"#,
                ],
            )
        },
    ),
    (
        "restr/Ledning/geometriDatatyperestriktion.yml",
        "curve_forkert_segment",
        |d| {
            curve(
                d,
                &[
                    r#"<gml:ArcString><gml:posList srsDimension="3">700000 6200000 -99 700005 6200003 -99 700010 6200000 -99</gml:posList></gml:ArcString>"#,
                ],
            )
        },
    ),
    (
        "restr/Ledning/geometriDatatyperestriktion.yml",
        "curve_blandet",
        |d| {
            curve(
                d,
                &[
                    r#"<gml:LineStringSegment><gml:posList srsDimension="3">700000 6200000 -99 700005 6200005 -99</gml:posList></gml:LineStringSegment>"#,
                    r#"<gml:ArcString><gml:posList srsDimension="3">700005 6200005 -99 700007 6200008 -99 700010 6200010 -99</gml:posList></gml:ArcString>"#,
                ],
            )
        },
    ),
    (
        "restr/Ledning/geometriDatatyperestriktion.yml",
        "orientable_curve",
        |d| {
            replace(
                d,
                "gml:LineString",
                r#"<gml:OrientableCurve orientation="+"><gml:baseCurve><gml:LineString srsName="EPSG:25832"><gml:posList srsDimension="3">700000 6200000 -99 700010 6200010 -99</gml:posList></gml:LineString></gml:baseCurve></gml:OrientableCurve>"#,
            )
        },
    ),
    (
        "restr/Ledning/nøjagtighedsklasseBetingelse.yml",
        "no changes",
        |d| d.to_owned(),
    ),
    (
        "restr/Ledning/nøjagtighedsklasseBetingelse.yml",
        "fjern nøjagtighedsklasse for ledning-B",
        |d| {
            within(d, "ler:Elledning", "elledning-B", |e| {
                delete(e, "ler:noejagtighedsklasse")
            })
        },
    ),
    (
        "restr/Ledning/nøjagtighedsklasseBetingelse.yml",
        "tilføj nøjagtighedsklasse for ledning-A",
        |d| {
            within(d, "ler:Elledning", "elledning-A", |e| {
                insert_before(
                    e,
                    "ler:udvendigDiameter",
                    "<ler:noejagtighedsklasse>&lt;= 0.25 m</ler:noejagtighedsklasse>",
                )
            })
        },
    ),
    (
        "restr/Ledning/nøjagtighedsklasseVertikalBetingelse.yml",
        "no changes",
        |d| d.to_owned(),
    ),
    (
        "restr/Ledning/nøjagtighedsklasseVertikalBetingelse.yml",
        "fjern nøjagtighedsklasseVertikal for ledning-B",
        |d| {
            within(d, "ler:Elledning", "elledning-B", |e| {
                delete(e, "ler:noejagtighedsklasseVertikal")
            })
        },
    ),
    (
        "restr/Ledning/nøjagtighedsklasseVertikalBetingelse.yml",
        "tilføj nøjagtighedsklasseVertikal for ledning-A",
        |d| {
            within(d, "ler:Elledning", "elledning-A", |e| {
                insert_before(e, "ler:udvendigDiameter", "<ler:noejagtighedsklasseVertikal>&lt;= 0.25 m</ler:noejagtighedsklasseVertikal>")
            })
        },
    ),
    (
        "restr/Ledning/nøjagtighedsklasseVertikalVoidrestriktion.yml",
        "delete noejagtighedsklasseVertikal element",
        |d| delete(d, "ler:noejagtighedsklasseVertikal"),
    ),
    (
        "restr/Ledning/nøjagtighedsklasseVertikalVoidrestriktion.yml",
        "set noejagtighedsklasseVertikal nil",
        nil_accuracy_z,
    ),
    (
        "restr/Ledning/nøjagtighedsklasseVertikalVoidrestriktion.yml",
        "set 2022",
        |d| set_2022(&nil_accuracy_z(d)),
    ),
    (
        "restr/Ledning/nøjagtighedsklasseVoidrestriktion.yml",
        "delete noejagtighedsklasse element",
        |d| delete(d, "ler:noejagtighedsklasse"),
    ),
    (
        "restr/Ledning/nøjagtighedsklasseVoidrestriktion.yml",
        "set noejagtighedsklasse nil",
        nil_accuracy,
    ),
    (
        "restr/Ledning/nøjagtighedsklasseVoidrestriktion.yml",
        "set 2022",
        |d| set_2022(&nil_accuracy(d)),
    ),
    (
        "restr/Ledning/udvendigDiameterMåleenhedsrestriktion.yml",
        "set udvendigDiameter uom cm",
        |d| replace_attr(d, "ler:udvendigDiameter", "uom", "cm"),
    ),
    (
        "restr/Ledning/udvendigDiameterVoidrestriktion.yml",
        "delete udvendigDiameter element",
        |d| delete(d, "ler:udvendigDiameter"),
    ),
    (
        "restr/Ledning/udvendigDiameterVoidrestriktion.yml",
        "set udvendigDiameter nil",
        nil_diameter,
    ),
    (
        "restr/Ledning/udvendigDiameterVoidrestriktion.yml",
        "set 2022",
        |d| set_2022(&nil_diameter(d)),
    ),
    (
        "restr/LedningEllerLedningstrace/vejledendeDybdeMåleenhedsrestriktion.yml",
        "delete driftsstatus element",
        |d| delete(d, "ler:driftsstatus"),
    ),
    (
        "restr/LedningEllerLedningstrace/vejledendeDybdeMåleenhedsrestriktion.yml",
        "set driftsstatus nil",
        nil_status,
    ),
    (
        "restr/LedningEllerLedningstrace/vejledendeDybdeMåleenhedsrestriktion.yml",
        "permanent_ude_af_drift",
        |d| replace_value(d, "ler:driftsstatus", "permanent ude af drift"),
    ),
    (
        "restr/Roerledning/udvendigBreddeBetingelse.yml",
        "convert to rektangulær",
        |d| rectangular(d, "mm", "mm"),
    ),
    (
        "restr/Roerledning/udvendigBreddeBetingelse.yml",
        "remove udvendigBredde",
        |d| delete(&rectangular(d, "mm", "mm"), "ler:udvendigBredde"),
    ),
    (
        "restr/Roerledning/udvendigBreddeMåleenhedsrestriktion.yml",
        "convert to rektangulær with wrong bredde uom",
        |d| rectangular(d, "cm", "mm"),
    ),
    (
        "restr/Roerledning/udvendigBreddeVoidrestriktion.yml",
        "convert to rektangulær",
        |d| rectangular(d, "mm", "mm"),
    ),
    (
        "restr/Roerledning/udvendigBreddeVoidrestriktion.yml",
        "set udvendigBredde nil",
        nil_width,
    ),
    (
        "restr/Roerledning/udvendigBreddeVoidrestriktion.yml",
        "set 2022",
        |d| set_2022(&nil_width(d)),
    ),
    (
        "restr/Roerledning/udvendigDiameterBetingelse.yml",
        "convert to rektangulær but keep udvendigDiameter",
        |d| {
            let d = replace_value(d, "ler:tvaersnitsform", "rektangulær");
            insert_after(&d, "ler:tvaersnitsform", WIDTH_HEIGHT_MM)
        },
    ),
    (
        "restr/Roerledning/udvendigDiameterBetingelse.yml",
        "delete udvendigDiameter while cirkulær",
        |d| delete(d, "ler:udvendigDiameter"),
    ),
    (
        "restr/Roerledning/udvendigHøjdeBetingelse.yml",
        "convert to rektangulær",
        |d| rectangular(d, "mm", "mm"),
    ),
    (
        "restr/Roerledning/udvendigHøjdeBetingelse.yml",
        "remove udvendigHoejde",
        |d| delete(&rectangular(d, "mm", "mm"), "ler:udvendigHoejde"),
    ),
    (
        "restr/Roerledning/udvendigHøjdeMåleenhedsrestriktion.yml",
        "convert to rektangulær with wrong hoejde uom",
        |d| rectangular(d, "mm", "cm"),
    ),
    (
        "restr/Roerledning/udvendigHøjdeVoidrestriktion.yml",
        "convert to rektangulær",
        |d| rectangular(d, "mm", "mm"),
    ),
    (
        "restr/Roerledning/udvendigHøjdeVoidrestriktion.yml",
        "set udvendigHoejde nil",
        nil_height,
    ),
    (
        "restr/Roerledning/udvendigHøjdeVoidrestriktion.yml",
        "set 2022",
        |d| set_2022(&nil_height(d)),
    ),
];

pub const WIDTH_HEIGHT_MM: &str = r#"<ler:udvendigBredde uom="mm">300</ler:udvendigBredde><ler:udvendigHoejde uom="mm">200</ler:udvendigHoejde>"#;

fn set_2022(d: &str) -> String {
    replace_value(d, "ler:etableringstidspunkt", "2022")
}
fn known_z_no_depth(d: &str) -> String {
    replace_value(
        &delete(d, "ler:vejledendeDybde"),
        POS,
        "700000 6200000 0 700010 6200010 0",
    )
}
fn nil_depth(d: &str) -> String {
    replace(
        d,
        "ler:vejledendeDybde",
        r#"<ler:vejledendeDybde uom="mm" xsi:nil="true"/>"#,
    )
}
fn nil_status(d: &str) -> String {
    replace(
        d,
        "ler:driftsstatus",
        r#"<ler:driftsstatus xsi:nil="true"/>"#,
    )
}
fn nil_hazard(d: &str) -> String {
    replace(d, "ler:fareklasse", r#"<ler:fareklasse xsi:nil="true"/>"#)
}
fn nil_accuracy(d: &str) -> String {
    replace(
        d,
        "ler:noejagtighedsklasse",
        r#"<ler:noejagtighedsklasse xsi:nil="true"/>"#,
    )
}
fn nil_accuracy_z(d: &str) -> String {
    replace(
        d,
        "ler:noejagtighedsklasseVertikal",
        r#"<ler:noejagtighedsklasseVertikal xsi:nil="true"/>"#,
    )
}
fn nil_diameter(d: &str) -> String {
    replace(
        d,
        "ler:udvendigDiameter",
        r#"<ler:udvendigDiameter uom="mm" xsi:nil="true"/>"#,
    )
}
fn nil_width(d: &str) -> String {
    replace(
        &rectangular(d, "mm", "mm"),
        "ler:udvendigBredde",
        r#"<ler:udvendigBredde uom="mm" xsi:nil="true"/>"#,
    )
}
fn nil_height(d: &str) -> String {
    replace(
        &rectangular(d, "mm", "mm"),
        "ler:udvendigHoejde",
        r#"<ler:udvendigHoejde uom="mm" xsi:nil="true"/>"#,
    )
}
fn gas(d: &str) -> String {
    replace_value(d, "ler:forsyningsart", "gas")
}
/// `tvaersnitsform` rektangulær, no diameter, width and height in these units.
fn rectangular(d: &str, width_uom: &str, height_uom: &str) -> String {
    let d = replace_value(d, "ler:tvaersnitsform", "rektangulær");
    let d = delete(&d, "ler:udvendigDiameter");
    let width = if width_uom == "mm" { "300" } else { "30" };
    let height = if height_uom == "mm" { "200" } else { "20" };
    let nodes = format!(
        r#"<ler:udvendigBredde uom="{width_uom}">{width}</ler:udvendigBredde><ler:udvendigHoejde uom="{height_uom}">{height}</ler:udvendigHoejde>"#
    );
    insert_after(&d, "ler:tvaersnitsform", &nodes)
}
/// The line's geometry as a `gml:Curve` of these segments.
fn curve(d: &str, segments: &[&str]) -> String {
    let node = format!(
        r#"<gml:Curve srsName="EPSG:25832"><gml:segments>{}</gml:segments></gml:Curve>"#,
        segments.concat()
    );
    replace(d, "gml:LineString", &node)
}
