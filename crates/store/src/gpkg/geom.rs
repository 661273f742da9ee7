//! GeoPackage geometry blobs: a `GP` header followed by ISO WKB
//! (OGC GeoPackage 1.3, clause 2.1.3).

use geo::BoundingRect;
use geo_types::Geometry;

use crate::codec::encode_wkb;
use crate::StoreError;

const MAGIC: &[u8; 2] = b"GP";
/// Flags: little-endian header (bit 0), envelope [minx, maxx, miny, maxy] (bits 1-3 = 1).
const FLAGS_LE_XY_ENVELOPE: u8 = 0b0000_0011;
/// Flags: little-endian, no envelope, empty geometry (bit 4).
const FLAGS_LE_EMPTY: u8 = 0b0001_0001;

/// Encodes `geometry` with an XY envelope in the header.
pub(crate) fn encode(geometry: &Geometry<f64>, srs_id: i32) -> Result<Vec<u8>, StoreError> {
    Ok(with_envelope(
        envelope_of(geometry),
        &encode_wkb(geometry)?,
        srs_id,
    ))
}

/// `[minx, maxx, miny, maxy]` of `geometry`, `None` when it is empty: the
/// envelope the blob's header carries.
pub(crate) fn envelope_of(geometry: &Geometry<f64>) -> Option<[f64; 4]> {
    geometry
        .bounding_rect()
        .map(|r| [r.min().x, r.max().x, r.min().y, r.max().y])
}

/// The blob of ISO WKB `wkb` whose XY envelope is `envelope` (`None`: empty).
pub(crate) fn with_envelope(envelope: Option<[f64; 4]>, wkb: &[u8], srs_id: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 32 + wkb.len());
    out.extend_from_slice(MAGIC);
    out.push(0); // version 1.0
    match envelope {
        Some(env) => {
            out.push(FLAGS_LE_XY_ENVELOPE);
            out.extend_from_slice(&srs_id.to_le_bytes());
            for v in env {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        None => {
            out.push(FLAGS_LE_EMPTY);
            out.extend_from_slice(&srs_id.to_le_bytes());
        }
    }
    out.extend_from_slice(wkb);
    out
}

/// The parts of a GeoPackage geometry blob.
#[derive(Debug, PartialEq)]
pub(crate) struct Header<'a> {
    pub empty: bool,
    /// `[minx, maxx, miny, maxy]` when the header carries an envelope.
    pub envelope: Option<[f64; 4]>,
    pub wkb: &'a [u8],
}

pub(crate) fn parse(blob: &[u8]) -> Result<Header<'_>, StoreError> {
    let bad = |why: &str| StoreError::Geometry(format!("GeoPackage geometry blob: {why}"));
    if blob.len() < 8 || &blob[..2] != MAGIC {
        return Err(bad("missing GP magic"));
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err(bad("extended GeoPackage geometry is not supported"));
    }
    let little = flags & 1 == 1;
    let envelope_len = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => return Err(bad("invalid envelope indicator")),
    };
    let start = 8 + envelope_len;
    if blob.len() < start {
        return Err(bad("truncated header"));
    }
    let envelope = (envelope_len > 0).then(|| {
        let f = |i: usize| {
            let b: [u8; 8] = blob[8 + i * 8..16 + i * 8].try_into().expect("8 bytes");
            if little {
                f64::from_le_bytes(b)
            } else {
                f64::from_be_bytes(b)
            }
        };
        // XYZ/XYM/XYZM envelopes start with the same four values.
        [f(0), f(1), f(2), f(3)]
    });
    Ok(Header {
        empty: flags & 0b0001_0000 != 0,
        envelope,
        wkb: &blob[start..],
    })
}

/// The XY envelope of a blob: from its header, or computed from the WKB.
pub(crate) fn envelope(blob: &[u8]) -> Result<Option<[f64; 4]>, StoreError> {
    let header = parse(blob)?;
    if header.empty {
        return Ok(None);
    }
    if let Some(env) = header.envelope {
        return Ok(Some(env));
    }
    let geom = crate::codec::decode_wkb(header.wkb)?;
    Ok(geom
        .bounding_rect()
        .map(|r| [r.min().x, r.max().x, r.min().y, r.max().y]))
}

#[cfg(test)]
mod tests {
    use geo_types::{line_string, point, MultiPoint};

    use super::*;
    use crate::codec::decode_wkb;

    #[test]
    fn round_trip_with_envelope() {
        let g: Geometry<f64> = line_string![(x: 1.0, y: 5.0), (x: 3.0, y: 2.0)].into();
        let blob = encode(&g, 25832).unwrap();
        assert_eq!(&blob[..4], &[b'G', b'P', 0, 3]);
        assert_eq!(i32::from_le_bytes(blob[4..8].try_into().unwrap()), 25832);
        let h = parse(&blob).unwrap();
        assert!(!h.empty);
        assert_eq!(h.envelope, Some([1.0, 3.0, 2.0, 5.0]));
        assert_eq!(decode_wkb(h.wkb).unwrap(), g);
    }

    #[test]
    fn empty_geometry_sets_flag() {
        let g: Geometry<f64> = MultiPoint::<f64>(vec![]).into();
        let blob = encode(&g, 25832).unwrap();
        let h = parse(&blob).unwrap();
        assert!(h.empty);
        assert_eq!(envelope(&blob).unwrap(), None);
    }

    #[test]
    fn envelope_computed_when_header_has_none() {
        let g: Geometry<f64> = point!(x: 7.0, y: 8.0).into();
        let mut blob = vec![b'G', b'P', 0, 1];
        blob.extend_from_slice(&4326i32.to_le_bytes());
        blob.extend_from_slice(&encode_wkb(&g).unwrap());
        assert_eq!(envelope(&blob).unwrap(), Some([7.0, 7.0, 8.0, 8.0]));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse(b"XX\0\x03abcd").is_err());
        assert!(parse(b"GP\0\x03\0\0").is_err());
        assert!(parse(b"GP\0\x03\0\0\0\0\0").is_err()); // envelope announced, missing
    }
}
