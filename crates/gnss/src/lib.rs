//! Positioning: NMEA 0183 and RINEX decoding, fix quality, proximity alerts.
