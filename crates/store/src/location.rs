use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::StoreError;

/// Where a store lives: `gpkg:PATH` or a `postgres://` / `postgresql://` URL.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    Gpkg(PathBuf),
    Postgres(String),
}

impl FromStr for StoreLocation {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("gpkg:") {
            if path.is_empty() {
                return Err(StoreError::BadLocation(s.to_owned()));
            }
            Ok(Self::Gpkg(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Self::Postgres(s.to_owned()))
        } else {
            Err(StoreError::BadLocation(s.to_owned()))
        }
    }
}

/// Prints the location without any password in a URL.
impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gpkg(p) => write!(f, "gpkg:{}", p.display()),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    let userinfo = &url[scheme_end + 3..at];
                    let user = userinfo.split(':').next().unwrap_or("");
                    write!(f, "{}://{}:***{}", &url[..scheme_end], user, &url[at..])
                }
                _ => f.write_str(url),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_hides_passwords() {
        let g: StoreLocation = "gpkg:./data/x.gpkg".parse().unwrap();
        assert_eq!(g, StoreLocation::Gpkg("./data/x.gpkg".into()));
        let p: StoreLocation = "postgres://u:secret@localhost/db".parse().unwrap();
        assert_eq!(p.to_string(), "postgres://u:***@localhost/db");
        assert!(!format!("{p:?}").contains("secret"));
        assert!("mysql://x".parse::<StoreLocation>().is_err());
        assert!("gpkg:".parse::<StoreLocation>().is_err());
    }
}
