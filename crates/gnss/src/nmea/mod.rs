//! NMEA 0183: checked sentences, typed decoders, epoch assembly into fixes.

pub mod assembler;
pub mod decode;
pub mod fields;
pub mod line;
pub mod reader;
pub mod tags;

pub use assembler::Assembler;
pub use line::{Reason, Sentence, MAX_LINE};
pub use reader::{decode_bytes, Decoder, Malformed, Report};
