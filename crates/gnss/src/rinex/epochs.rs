//! Walking the records after the header: observation epochs (plain RINEX 3/4
//! or CRINEX 3 text-differenced epoch lines) and navigation records.

use std::io::BufRead;

use super::header::date_time;
use super::{Lines, RinexIndex, MAX_LINE};
use crate::GnssError;

/// Most satellites in one epoch accepted.
const MAX_SATS: usize = 999;

/// Rebuilds a CRINEX epoch line: a leading `>` replaces it; otherwise a space
/// keeps the previous character, `&` makes it a space, anything else replaces it.
fn apply_diff(prev: &mut Vec<u8>, diff: &[u8]) {
    if diff.first() == Some(&b'>') {
        prev.clear();
        prev.extend_from_slice(diff);
        return;
    }
    if prev.len() < diff.len() {
        prev.resize(diff.len(), b' ');
    }
    for (i, &c) in diff.iter().enumerate() {
        match c {
            b' ' => {}
            b'&' => prev[i] = b' ',
            c => prev[i] = c,
        }
    }
}

fn note_systems(ix: &mut RinexIndex, sats: &[u8]) {
    for c in sats.chunks(3) {
        if let Some(&s) = c.first() {
            if s.is_ascii_uppercase() && !ix.systems.contains(&(s as char)) {
                ix.systems.push(s as char);
            }
        }
    }
}

pub(super) fn observation<R: BufRead>(
    lines: &mut Lines<'_, R>,
    ix: &mut RinexIndex,
) -> Result<(), GnssError> {
    let hatanaka = ix.hatanaka;
    let mut epoch: Vec<u8> = Vec::with_capacity(256);
    while let Some(l) = lines.next()? {
        if l.is_empty() && !hatanaka {
            continue;
        }
        if hatanaka {
            apply_diff(&mut epoch, l.as_bytes());
        } else {
            epoch.clear();
            epoch.extend_from_slice(l.as_bytes());
        }
        if epoch.first() != Some(&b'>') || epoch.len() > MAX_LINE {
            return Err(lines.err("expected an epoch line starting with '>'".into()));
        }
        let text = String::from_utf8_lossy(&epoch).into_owned();
        let flag = text
            .get(31..32)
            .and_then(|f| f.trim().parse::<u8>().ok())
            .unwrap_or(0);
        let nsat: usize = text
            .get(32..35)
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| {
                lines.err("epoch line without a satellite count in columns 33-35".into())
            })?;
        if nsat > MAX_SATS {
            return Err(lines.err(format!("{nsat} satellites in one epoch")));
        }
        if flag > 1 {
            // Event: the next `nsat` lines are header records, not observations.
            for _ in 0..nsat {
                lines.next()?;
            }
            continue;
        }
        let t = date_time(text.get(1..29).unwrap_or("")).ok_or_else(|| {
            lines.err(format!(
                "bad epoch time `{}`",
                text.get(..29).unwrap_or(&text)
            ))
        })?;
        if ix.first_epoch.is_none() {
            ix.first_epoch = Some(t);
        }
        ix.last_epoch = Some(t);
        ix.records += 1;
        if hatanaka {
            note_systems(ix, epoch.get(41..).unwrap_or(&[]));
            lines.next()?; // receiver clock offset line (may be empty)
        }
        for _ in 0..nsat {
            match lines.next()? {
                Some(l) if !hatanaka => {
                    let s = l.as_bytes().first().copied().unwrap_or(b' ');
                    note_systems(ix, &[s]);
                }
                Some(_) => {}
                None => {
                    return Err(lines.err(format!("file ends inside an epoch of {nsat} satellites")))
                }
            }
        }
    }
    Ok(())
}

pub(super) fn navigation<R: BufRead>(
    lines: &mut Lines<'_, R>,
    ix: &mut RinexIndex,
) -> Result<(), GnssError> {
    while let Some(l) = lines.next()? {
        let b = l.as_bytes();
        // A record's first line: system letter, two-digit PRN, then the epoch.
        if b.len() >= 23
            && b[0].is_ascii_uppercase()
            && b[1].is_ascii_digit()
            && b[2].is_ascii_digit()
            && b[3] == b' '
        {
            // `get`: byte 23 may fall inside a multi-byte character.
            let Some(t) = l.get(4..23).and_then(date_time) else {
                continue;
            };
            let s = b[0] as char;
            if !ix.systems.contains(&s) {
                ix.systems.push(s);
            }
            ix.first_epoch = Some(ix.first_epoch.map_or(t, |f| f.min(t)));
            ix.last_epoch = Some(ix.last_epoch.map_or(t, |f| f.max(t)));
            ix.records += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Found by review and reproduced with `fuzz/` (target `rinex`): a
    /// navigation record line whose byte 23 falls inside a multi-byte
    /// character panicked ("end byte index 23 is not a char boundary").
    #[test]
    fn nav_record_with_multibyte_character_at_the_epoch_end() {
        let input: &[u8] = b"     4.00           N: GNSS NAV DATA    M: MIXED            \
RINEX VERSION / TYPE\n                                                            \
END OF HEADER\nG02 2022 06 08 10 00 0\xc3\xa9\n";
        let ix = super::super::index("fuzz.rnx", input).unwrap();
        assert_eq!(
            ix.records, 0,
            "the line is not a record: its epoch does not parse"
        );
    }
}
