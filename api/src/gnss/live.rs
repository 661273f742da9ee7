//! `GET /api/v1/gnss/{device}/live`: a WebSocket streaming the device's
//! fixes and alerts as JSON text messages (`{"type": "fix", ...}`,
//! `{"type": "alert", ...}`) to its organisation. The token goes in the
//! `Authorization` header of the upgrade request, as everywhere.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use tokio::sync::broadcast;

use super::device::resolve;
use super::hub::LiveEvent;
use crate::auth::Principal;
use crate::{ApiError, AppState};

#[utoipa::path(get, path = "/api/v1/gnss/{device}/live", tag = "GNSS", params(("device" = String, Path, description = "The device's name")), responses((status = 101, description = "A WebSocket of JSON messages: `{\"type\":\"fix\",\"device\",\"fix\"}` and `{\"type\":\"alert\",\"device\",\"alert\"}`; `{\"type\":\"lagged\",\"missed\":n}` when the client fell behind"), (status = 400, description = "Not a WebSocket upgrade request", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The device belongs to another organisation", body = crate::openapi::ErrorBody), (status = 404, description = "No such device", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn live(
    State(state): State<AppState>,
    p: Principal,
    Path(device): Path<String>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let key = resolve(&state, &p, &device).await?;
    let ws = ws.map_err(|e| ApiError::BadRequest {
        code: "not_websocket",
        message: format!("this route is a WebSocket: {}", e.body_text()),
    })?;
    // Subscribed before the upgrade, so nothing sent after 101 is missed.
    let rx = state.gnss.subscribe(&key);
    Ok(ws.on_upgrade(move |socket| stream(socket, rx)))
}

async fn stream(mut socket: WebSocket, mut rx: broadcast::Receiver<LiveEvent>) {
    loop {
        tokio::select! {
            event = rx.recv() => {
                let text = match event {
                    Ok(e) => serde_json::to_string(&e).unwrap_or_default(),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        format!(r#"{{"type":"lagged","missed":{n}}}"#)
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                // Pings are answered by axum; anything else from the client is ignored.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
