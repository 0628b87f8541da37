//! A recording [`OutcomeSink`]: every finished request the gateway reports.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskgate::app::Observers;
use taskgate::gateway::outcome::{Outcome, OutcomeSink};

#[derive(Default)]
pub struct Recorder(Mutex<Vec<Outcome>>);

impl OutcomeSink for Recorder {
    fn finished(&self, outcome: &Outcome, _span: &tracing::Span) {
        self.0.lock().unwrap().push(outcome.clone());
    }
}

impl Recorder {
    /// A recorder and the observers that attach it.
    pub fn attach() -> (Arc<Recorder>, Observers) {
        let recorder = Arc::new(Recorder::default());
        let observers = Observers {
            outcomes: Some(recorder.clone()),
        };
        (recorder, observers)
    }

    pub fn all(&self) -> Vec<Outcome> {
        self.0.lock().unwrap().clone()
    }

    /// Waits (at most 5 s, else panics) until `n` requests finished.
    pub async fn wait_for(&self, n: usize) -> Vec<Outcome> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let all = self.all();
            if all.len() >= n {
                return all;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} outcomes: {all:?}",
                all.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
