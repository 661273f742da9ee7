//! The operations flags of `forsyning serve`: configuration file,
//! draining, retention.

use clap::Args;

#[derive(Debug, Args)]
pub struct OpsArgs {
    /// A TOML file with the settings of `serve` (keys as the flags, with
    /// `_` for `-`, `store`, `log_format` and an `[oidc]` table). Flags and
    /// FORSYNING_* variables override it; unknown keys are refused.
    #[arg(long, env = "FORSYNING_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    /// Seconds between the shutdown signal and closing the listener, while
    /// `/readyz` answers 503 so load balancers stop sending new requests.
    #[arg(long, env = "FORSYNING_DRAIN_DELAY_S", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=300))]
    pub drain_delay_s: u64,
    /// Longest wait, seconds, for open requests once the listener closed.
    #[arg(long, env = "FORSYNING_DRAIN_GRACE_S", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub drain_grace_s: u64,
    /// Days delivered and skipped webhook events are kept (pending and
    /// failed ones stay until dealt with).
    #[arg(long, env = "FORSYNING_OUTBOX_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub outbox_retention_days: u32,
}
