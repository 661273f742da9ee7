//! The raw NMEA listener (`serve --gnss-tcp ADDR`): a device connects,
//! sends its token on the first line (`fsy_...` or `Bearer fsy_...`), gets
//! `OK <device>` back, then sends NMEA lines; the server answers each alert
//! with a line `ALERT {json}`. Fixes go through the same pipeline as
//! `POST .../nmea` (track and alerts in the store, webhooks, live feed). The token is checked when the
//! device connects; a revoked token's open connection lasts until it idles.

use std::future::Future;
use std::time::Duration;

use forsyning_gnss::nmea::{Decoder, MAX_LINE};
use forsyning_model::token_hash;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::device::device_of_token;
use super::hub::DeviceKey;
use crate::AppState;

/// Time a device has to send its token line.
const HELLO: Duration = Duration::from_secs(10);
/// A connection silent this long is closed.
const IDLE: Duration = Duration::from_secs(300);
/// Longest token line.
const MAX_HELLO: usize = 300;

/// Accepts devices on `listener` until `stop` resolves.
pub async fn serve_tcp(
    listener: TcpListener,
    state: AppState,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let state = state.clone();
                    tokio::spawn(async move {
                        if let Err(e) = connection(stream, state).await {
                            tracing::debug!(%peer, error = %e, "GNSS TCP connection ended");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "GNSS TCP accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
}

async fn connection(mut stream: TcpStream, state: AppState) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut pending: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    // The first line: the device's token.
    let hello = tokio::time::timeout(HELLO, async {
        loop {
            if let Some(i) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=i).collect();
                return Ok(Some(line));
            }
            if pending.len() > MAX_HELLO {
                return Ok(None);
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(None);
            }
            pending.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    let line = match hello {
        Ok(Ok(Some(line))) => line,
        Ok(Err(e)) => return Err(e),
        _ => {
            stream
                .write_all(b"ERR send the device token on the first line\n")
                .await?;
            return Ok(());
        }
    };
    let Some(key) = device_key(&state, &line).await else {
        stream
            .write_all(b"ERR unknown or revoked device token\n")
            .await?;
        return Ok(());
    };
    stream
        .write_all(format!("OK {}\n", key.name).as_bytes())
        .await?;
    tracing::info!(device = %key.name, org = %key.org, "GNSS device connected over TCP");

    let mut decoder = Decoder::new();
    if let Some(date) = state.gnss.last_date(&key) {
        decoder.assembler_mut().set_date(date);
    }
    let mut fixes = Vec::new();
    let mut overlong = false;
    loop {
        // Whole lines of what has arrived; a partial line waits for the rest.
        fixes.clear();
        while let Some(i) = pending.iter().position(|&b| b == b'\n') {
            if overlong {
                // The end of a line that was too long: reported as one.
                overlong = false;
                decoder.push_line(&[b'$'; MAX_LINE + 2]);
            } else if let Some(f) = decoder.push_line(&pending[..i]) {
                fixes.push(f);
            }
            pending.drain(..=i);
        }
        if pending.len() > MAX_LINE + 2 {
            overlong = true;
            pending.clear();
        }
        if !fixes.is_empty() {
            let ingested = state
                .gnss
                .ingest(&key, &fixes, state.native_crs, &state.metrics);
            super::routes::record_batch(&state, &key, None, &ingested)
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            for alert in &ingested.alerts {
                let mut line = b"ALERT ".to_vec();
                serde_json::to_writer(&mut line, alert).map_err(std::io::Error::other)?;
                line.push(b'\n');
                stream.write_all(&line).await?;
            }
        }
        let n = match tokio::time::timeout(IDLE, stream.read(&mut chunk)).await {
            Ok(r) => r?,
            Err(_) => return Ok(()),
        };
        if n == 0 {
            return Ok(());
        }
        pending.extend_from_slice(&chunk[..n]);
    }
}

async fn device_key(state: &AppState, line: &[u8]) -> Option<DeviceKey> {
    let text = std::str::from_utf8(line).ok()?.trim();
    let token = text.strip_prefix("Bearer ").unwrap_or(text).trim();
    if token.is_empty() || token.len() > 256 {
        return None;
    }
    let record = state.store.token_by_hash(&token_hash(token)).await.ok()??;
    device_of_token(&record)
}
