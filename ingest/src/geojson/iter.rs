//! An iterator over the features of a [`GeoJsonReader`], for callers that
//! prefer pulling to being called back. The parse runs on its own thread and
//! hands features over through a small bounded channel, so memory stays flat.

use std::io::Read;
use std::ops::ControlFlow;
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::{self, JoinHandle};

use super::{GeoJsonReader, ReadSummary};
use crate::{FeatureOutcome, IngestError};

/// Features parsed ahead of the consumer.
const QUEUE: usize = 256;

enum Msg {
    Feature(Box<FeatureOutcome>),
    End(Result<ReadSummary, IngestError>),
}

/// Iterator over the features of a document, in document order.
///
/// It yields `Ok` for each feature, then either ends or yields one `Err` and
/// ends. [`summary`](Self::summary) gives the CRS once the iterator has ended.
/// Dropping it early stops the parsing thread at its next feature.
#[derive(Debug)]
pub struct Features {
    rx: Option<Receiver<Msg>>,
    thread: Option<JoinHandle<()>>,
    summary: Option<ReadSummary>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Feature(_) => "Feature",
            Msg::End(_) => "End",
        })
    }
}

impl Features {
    pub(super) fn spawn<R: Read + Send + 'static>(reader: GeoJsonReader<R>) -> Self {
        let (tx, rx) = sync_channel(QUEUE);
        let thread = thread::Builder::new()
            .name("geojson-reader".into())
            .spawn(move || {
                let end =
                    reader.try_for_each(|outcome| match tx.send(Msg::Feature(Box::new(outcome))) {
                        Ok(()) => ControlFlow::Continue(()),
                        Err(_) => ControlFlow::Break(()),
                    });
                let _ = tx.send(Msg::End(end));
            })
            .expect("spawning the GeoJSON reader thread");
        Self {
            rx: Some(rx),
            thread: Some(thread),
            summary: None,
        }
    }

    /// What the reader learnt about the document (above all its CRS); `None`
    /// until the iterator has returned `None`, and after an error.
    pub fn summary(&self) -> Option<&ReadSummary> {
        self.summary.as_ref()
    }

    fn finish(&mut self) {
        self.rx = None;
        if let Some(thread) = self.thread.take() {
            if let Err(panic) = thread.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

impl Iterator for Features {
    type Item = Result<FeatureOutcome, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        let msg = self.rx.as_ref()?.recv();
        match msg {
            Ok(Msg::Feature(outcome)) => Some(Ok(*outcome)),
            Ok(Msg::End(Ok(summary))) => {
                self.summary = Some(summary);
                self.finish();
                None
            }
            Ok(Msg::End(Err(err))) => {
                self.finish();
                Some(Err(err))
            }
            // The thread ended without a word: it panicked, and `finish` says so.
            Err(_) => {
                self.finish();
                None
            }
        }
    }
}

impl<R: Read + Send + 'static> IntoIterator for GeoJsonReader<R> {
    type Item = Result<FeatureOutcome, IngestError>;
    type IntoIter = Features;

    /// Parses on a separate thread; see [`Features`].
    fn into_iter(self) -> Features {
        Features::spawn(self)
    }
}
