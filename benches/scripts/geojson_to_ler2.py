#!/usr/bin/env python3
"""Rewrites the GeoJSON that `forsyning generate` writes (EPSG:25832, one
feature per line) as a LER 2.2 GML document (a wfs:FeatureCollection of
ler:... network features), streaming, for the ingest benchmark.

usage: geojson_to_ler2.py IN.geojson OUT.gml

Only what the benchmark needs: the class, gml:id, driftsstatus, fareklasse,
the establishment date (1970 when the generator left it out), the accuracy
classes (left out when unknown, "> 2.00 m" after 2023-07-01), tvaersnitsform
of pipes (circular), depth and diameter in mm, and the geometry (LineString or Point) with heights in the third ordinate (-99 when
unknown). Property codes are the model's English codes, mapped to the LER 2
Danish terms; an unknown code or geometry type stops the script with an error.
"""
import json
import sys
from xml.sax.saxutils import escape, quoteattr

# The generator's class names that differ from the LER 2.2 element names.
CLASSES = {"Termiskledning": "TermiskLedning", "Termiskkomponent": "TermiskKomponent"}
STATUS = {
    "in_operation": "i drift",
    "under_construction": "under etablering",
    "out_of_operation": "permanent ude af drift",
}
HAZARD = {"not_dangerous": "ikke farlig", "dangerous": "farlig", "very_dangerous": "meget farlig"}
ACCURACY = {
    "le_0.25": "<= 0.25 m",
    "le_0.50": "<= 0.50 m",
    "le_1.00": "<= 1.00 m",
    "le_2.00": "<= 2.00 m",
    "gt_2.00": "> 2.00 m",
    "unknown": None,  # LER 2 has no such term: the element is left out
}
# Stand-in establishment date of features without one (the generator's "unknown").
UNKNOWN_DATE = "1970"
# Classes that are a Roerledning (a pipe), which must have a tvaersnitsform.
PIPES = {"Afloebsledning", "Gasledning", "Olieledning", "TermiskLedning", "Vandledning"}


def code(table, props, key):
    value = props.get(key)
    if value is None:
        return None
    if value not in table:
        sys.exit(f"geojson_to_ler2: unknown {key} {value!r}")
    return table[value]


def accuracy(props, key):
    """The LER term of an accuracy class. LER has no "unknown": the element is
    left out, except on features established after 2023-07-01, which must
    carry a class and get the worst one ("> 2.00 m")."""
    term = code(ACCURACY, props, key)
    if term is None and (props.get("installed") or "") > "2023-07-01":
        return "> 2.00 m"
    return term


def positions(coords, heights):
    out = []
    for i, c in enumerate(coords):
        z = heights[i] if heights and heights[i] is not None else -99
        out.append(f"{c[0]} {c[1]} {z}")
    return " ".join(out)


def feature(f):
    props = f.get("properties") or {}
    cls = CLASSES.get(props["class"], props["class"])
    gid = props.get("source_id") or f["id"]
    parts = [f'<wfs:member><ler:{cls} gml:id={quoteattr(gid)}>']
    for element, value in (
        ("driftsstatus", code(STATUS, props, "status")),
        # LER 2 requires the date; the generator leaves it out on some features.
        ("etableringstidspunkt", props.get("installed") or UNKNOWN_DATE),
        ("fareklasse", code(HAZARD, props, "hazard")),
        ("noejagtighedsklasse", accuracy(props, "accuracy_xy")),
        ("noejagtighedsklasseVertikal", accuracy(props, "accuracy_z")),
    ):
        if value is not None:
            parts.append(f"<ler:{element}>{escape(value)}</ler:{element}>")
    if cls in PIPES:
        parts.append("<ler:tvaersnitsform>cirkulær</ler:tvaersnitsform>")
    if props.get("depth_mm") is not None:
        parts.append(f'<ler:vejledendeDybde uom="mm">{props["depth_mm"]}</ler:vejledendeDybde>')
    geometry = f["geometry"]
    heights = props.get("heights")
    if geometry["type"] == "LineString":
        pos = positions(geometry["coordinates"], heights)
        parts.append(
            '<ler:geometri><gml:LineString srsName="EPSG:25832">'
            f'<gml:posList srsDimension="3">{pos}</gml:posList></gml:LineString></ler:geometri>'
        )
    elif geometry["type"] == "Point":
        pos = positions([geometry["coordinates"]], heights)
        parts.append(
            '<ler:geometri><gml:Point srsName="EPSG:25832">'
            f'<gml:pos srsDimension="3">{pos}</gml:pos></gml:Point></ler:geometri>'
        )
    else:
        sys.exit(f"geojson_to_ler2: {gid}: unsupported geometry {geometry['type']}")
    if props.get("diameter_mm") is not None:
        parts.append(f'<ler:udvendigDiameter uom="mm">{props["diameter_mm"]}</ler:udvendigDiameter>')
    parts.append(f"</ler:{cls}></wfs:member>\n")
    return "".join(parts)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    count = 0
    with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0"'
            ' xmlns:ler="http://data.gov.dk/schemas/LER/2/gml"'
            ' xmlns:gml="http://www.opengis.net/gml/3.2">\n'
        )
        for line in src:
            line = line.strip().rstrip(",")
            if not line.startswith('{"type":"Feature"'):
                continue
            out.write(feature(json.loads(line)))
            count += 1
        out.write("</wfs:FeatureCollection>\n")
    print(count)


if __name__ == "__main__":
    main()
