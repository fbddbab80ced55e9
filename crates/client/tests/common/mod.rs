//! Helpers shared by the client's integration tests.

use std::time::Duration;
use switchboard_client::Event;
use tokio::sync::broadcast;

/// The next event `pick` accepts, within `within`.
pub async fn next<T>(
    events: &mut broadcast::Receiver<Event>,
    within: Duration,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(event)) => {
                if let Some(found) = pick(&event) {
                    return found;
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("event stream: {e}"),
            Err(_) => panic!("no such event within {within:?}"),
        }
    }
}
