//! The sentence table of gpsd's NMEA driver, as far as it matters for epoch
//! grouping: which addresses gpsd decodes (so they take part in end-of-cycle
//! detection), the minimum field count, and which continue a cycle.

/// How gpsd treats an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Table position + 1 (0 means "no tag").
    pub tag: u8,
    /// Whether gpsd has a decoder (without one the sentence is ignored).
    pub decoded: bool,
    /// Minimum field count (gpsd `nf`).
    pub min_fields: usize,
    /// gpsd's `cycle_continue`.
    pub continues: bool,
    /// Whether gpsd's decoder yields data beyond "device online" (attitude,
    /// depth, wind, error estimates...): such a sentence right after a cycle
    /// ender makes gpsd report again.
    pub yields_data: bool,
}

/// Sentences gpsd decodes into something other than position, time or
/// satellites, which still count as "new data" for its reporting.
const DATA_ONLY: &[&str] = &[
    "PASHR", "PMGNST", "PGRMF", "PGRME", "PGRMZ", "DBT", "DPT", "GBS", "GST", "HDG", "HDT", "MWD",
    "MWV", "THS", "GRS",
];

/// Number of distinct tags (table length + 1).
pub const TAGS: usize = TABLE.len() + 1;

// (name, min fields, continues, decoded)
const TABLE: &[(&str, usize, bool, bool)] = &[
    ("PGLOR", 2, false, true),
    ("PGRMB", 0, false, false),
    ("PGRMC", 0, false, false),
    ("PGRME", 7, false, true),
    ("PGRMF", 15, false, true),
    ("PGRMH", 0, false, false),
    ("PGRMI", 0, false, false),
    ("PGRMM", 2, false, true),
    ("PGRMO", 0, false, false),
    ("PGRMT", 0, false, false),
    ("PGRMV", 0, false, false),
    ("PGRMZ", 4, false, true),
    ("AAM", 0, false, false),
    ("ACCURACY", 1, true, true),
    ("ALM", 0, false, false),
    ("APB", 0, false, false),
    ("BOD", 0, false, false),
    ("BWC", 12, false, true),
    ("DBT", 7, false, true),
    ("DPT", 0, false, true),
    ("DTM", 2, false, true),
    ("GBS", 7, false, true),
    ("GGA", 13, false, true),
    ("GLC", 0, false, false),
    ("GLL", 7, true, true),
    ("GNS", 13, false, true),
    ("GRS", 4, false, true),
    ("GSA", 18, false, true),
    ("GST", 8, false, true),
    ("GSV", 0, false, true),
    ("HDG", 0, false, true),
    ("HDT", 1, false, true),
    ("HWBIAS", 0, false, false),
    ("MLA", 0, false, false),
    ("MSS", 0, false, false),
    ("MTW", 0, false, false),
    ("MWD", 0, false, true),
    ("MWV", 0, false, true),
    ("OSD", 0, false, false),
    ("PASHR", 3, false, true),
    ("PJLTS", 11, false, false),
    ("PJLTV", 4, false, false),
    ("PMGNST", 8, false, true),
    ("PMTK", 3, false, true),
    ("PMTK001", 3, false, true),
    ("PMTK424", 3, false, true),
    ("PMTK705", 3, false, true),
    ("PMTKCHN", 0, false, false),
    ("PRHS ", 2, false, true),
    ("PRWIZCH", 0, false, false),
    ("PSRFEPE", 7, false, true),
    ("PSTI", 2, false, true),
    ("PSTM", 0, false, false),
    ("PTFTTXT", 0, false, false),
    ("PTKM", 0, false, false),
    ("PTNLRHVR", 0, false, false),
    ("PTNLRPT", 0, false, false),
    ("PTNLRSVR", 0, false, false),
    ("PTNLRZD", 0, false, false),
    ("PTNTA", 8, false, true),
    ("PTNTHTM", 9, false, true),
    ("PUBX", 0, false, false),
    ("RLM", 0, false, false),
    ("RMB", 0, false, false),
    ("RMC", 8, false, true),
    ("ROT", 0, false, false),
    ("RPM", 0, false, false),
    ("RSA", 0, false, false),
    ("RTE", 0, false, false),
    ("STI", 2, false, true),
    ("THS", 0, false, true),
    ("TXT", 5, false, true),
    ("VBW", 0, false, false),
    ("VDO", 0, false, false),
    ("VDR", 0, false, false),
    ("VHW", 0, false, false),
    ("VLW", 0, false, false),
    ("VTG", 5, false, true),
    ("XDR", 0, false, false),
    ("XTE", 0, false, false),
    ("ZDA", 4, false, true),
];

/// Looks up an address the way gpsd does: three-letter names match after
/// the two-letter talker, longer names match the whole address; first match wins.
pub fn lookup(address: &str) -> Option<Entry> {
    let after_talker = address.get(2..).unwrap_or("");
    TABLE
        .iter()
        .enumerate()
        .find_map(|(i, &(name, nf, cont, dec))| {
            let hit = if name.len() == 3 {
                after_talker == name
            } else {
                address == name
            };
            hit.then_some(Entry {
                tag: (i + 1) as u8,
                decoded: dec,
                min_fields: nf,
                continues: cont,
                yields_data: DATA_ONLY.contains(&name),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_follows_gpsd_order() {
        assert!(lookup("GNGGA").unwrap().decoded);
        assert_eq!(lookup("GPRMC").unwrap().tag, lookup("BDRMC").unwrap().tag);
        // PGRMC must not be taken for RMC.
        assert!(!lookup("PGRMC").unwrap().decoded);
        assert!(lookup("GPGLL").unwrap().continues);
        assert_eq!(lookup("GPXYZ"), None);
    }
}
