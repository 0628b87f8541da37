//! [`RelayBody`]: relays an upstream message stream to the client item by
//! item, passing each message through an [`EventMap`] hook. How the stream
//! is cut into items and written back is its [`Framing`]: SSE ([`Parser`],
//! the default) or JSON lines ([`super::Lines`]).
//!
//! Invariants:
//! - Output is yielded as soon as the chunks polled so far hold at least one
//!   complete item; the body never waits for more upstream data while it has
//!   something to send, and never buffers the whole stream.
//! - Dropping the relay drops the upstream body, which is how a client
//!   disconnect closes (and, in the modern era, cancels) the upstream stream.
//!   The upstream body is also dropped as soon as it ends or fails.
//! - A parse error ends the body with an error (the client connection is then
//!   reset) once the complete events before the error have been yielded.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_util::future::BoxFuture;
use http_body::{Body, Frame};

use super::{Error, Event, Item, Parser, encode};
use crate::body::BoxError;

/// The per-event hook of a [`RelayBody`]: rewrite an event, or drop it by
/// returning `None`, now ([`Mapped::Ready`]) or after an asynchronous lookup
/// ([`Mapped::Later`]). Comments never reach the hook; they pass unchanged.
pub trait EventMap: Send + 'static {
    /// Maps one upstream event to the event sent to the client.
    fn map(&mut self, event: Event) -> Mapped;
}

/// What an [`EventMap`] made of one event.
pub enum Mapped {
    /// Decided without waiting: the event to send, or `None` to drop it.
    Ready(Option<Event>),
    /// Decided by a future (e.g. a state lookup). The relay sends nothing
    /// after this event until the future resolves, so order is kept.
    Later(BoxFuture<'static, Option<Event>>),
}

impl<F> EventMap for F
where
    F: FnMut(Event) -> Option<Event> + Send + 'static,
{
    fn map(&mut self, event: Event) -> Mapped {
        Mapped::Ready(self(event))
    }
}

/// The identity [`EventMap`]: every event passes unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl EventMap for Identity {
    fn map(&mut self, event: Event) -> Mapped {
        Mapped::Ready(Some(event))
    }
}

/// How a relayed stream is cut into [`Item`]s and written back. The
/// parser side must hold at most one item plus the unparsed tail of the
/// last chunk, and refuse an item past its limit.
pub trait Framing: Send + 'static {
    /// Appends bytes received from the stream.
    fn push(&mut self, chunk: &[u8]);
    /// The next complete item, or `Ok(None)` when more bytes are needed.
    ///
    /// # Errors
    /// The stream cannot be framed; sticky.
    fn next_item(&mut self) -> Result<Option<Item>, Error>;
    /// As `next_item`, at the end of the stream: the complete items left,
    /// then `Ok(None)` (the framing decides what an unterminated tail is).
    ///
    /// # Errors
    /// As `next_item`.
    fn finish(&mut self) -> Result<Option<Item>, Error>;
    /// Writes one item in this framing's wire form.
    fn encode(&self, item: &Item, out: &mut BytesMut);
}

impl Framing for Parser {
    fn push(&mut self, chunk: &[u8]) {
        Parser::push(self, chunk);
    }

    fn next_item(&mut self) -> Result<Option<Item>, Error> {
        Parser::next_item(self)
    }

    fn finish(&mut self) -> Result<Option<Item>, Error> {
        Parser::finish(self)
    }

    fn encode(&self, item: &Item, out: &mut BytesMut) {
        encode(item, out);
    }
}

pin_project_lite::pin_project! {
    /// A body that frames `inner` incrementally (SSE unless told
    /// otherwise), maps each message, and re-encodes it (see
    /// [`super::encode`] for the normalized SSE wire form).
    ///
    /// Trailers from the upstream are dropped: streams carry none that
    /// matter.
    pub struct RelayBody<B, M, F = Parser> {
        // `None` once the upstream ended or failed (dropped early).
        #[pin]
        inner: Option<B>,
        parser: F,
        map: M,
        // Encoded output not yet yielded.
        out: BytesMut,
        // The hook's answer for the event being mapped, when not ready yet.
        pending: Option<BoxFuture<'static, Option<Event>>>,
        // A parse error, sent once the events before it have been yielded.
        failed: Option<Error>,
        // Nothing more will be yielded.
        done: bool,
    }
}

// === impl RelayBody ===

impl<B, M> RelayBody<B, M>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    M: EventMap,
{
    /// Relays `inner` through `map`, refusing events over `max_event_bytes`.
    pub fn new(inner: B, map: M, max_event_bytes: usize) -> Self {
        Self::framed(inner, map, Parser::new(max_event_bytes))
    }
}

impl<B, M, F> RelayBody<B, M, F>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    M: EventMap,
    F: Framing,
{
    /// Relays `inner` framed by `parser` through `map` (for JSON lines,
    /// [`super::Lines`]: each line is one message, an [`Event`] with only `data`).
    pub fn framed(inner: B, map: M, parser: F) -> Self {
        Self {
            inner: Some(inner),
            parser,
            map,
            out: BytesMut::new(),
            pending: None,
            failed: None,
            done: false,
        }
    }
}

impl<B> RelayBody<B, Identity>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    /// Relays `inner` unchanged (re-framed event by event, still bounded by
    /// `max_event_bytes`).
    pub fn passthrough(inner: B, max_event_bytes: usize) -> Self {
        Self::new(inner, Identity, max_event_bytes)
    }
}

impl<B, M, F> Body for RelayBody<B, M, F>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    M: EventMap,
    F: Framing,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        loop {
            if *this.done {
                return Poll::Ready(None);
            }
            if let Some(pending) = this.pending.as_mut() {
                let mapped = ready!(pending.as_mut().poll(cx));
                *this.pending = None;
                if let Some(event) = mapped {
                    this.parser.encode(&Item::Event(event), this.out);
                }
            }
            if this.failed.is_none() {
                let at_end = this.inner.is_none();
                if let Err(err) = drain(this.parser, this.map, this.out, this.pending, at_end) {
                    // Stop reading upstream now; send what came before first.
                    *this.failed = Some(err);
                    this.inner.set(None);
                }
            }
            if this.out.is_empty() {
                if this.pending.is_some() {
                    continue;
                }
                if let Some(err) = this.failed.take() {
                    *this.done = true;
                    return Poll::Ready(Some(Err(Box::new(err))));
                }
            } else {
                return Poll::Ready(Some(Ok(Frame::data(this.out.split().freeze()))));
            }
            let Some(inner) = this.inner.as_mut().as_pin_mut() else {
                *this.done = true;
                return Poll::Ready(None);
            };
            match ready!(inner.poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        this.parser.push(&data);
                    }
                }
                Some(Err(err)) => {
                    *this.done = true;
                    this.inner.set(None);
                    return Poll::Ready(Some(Err(err.into())));
                }
                None => this.inner.set(None),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

/// Moves every complete item out of the parser, through the hook, into `out`,
/// stopping early when the hook answers [`Mapped::Later`] (left in `pending`).
/// At the end of the upstream, `finish` also discards the incomplete tail.
fn drain<M: EventMap, F: Framing>(
    parser: &mut F,
    map: &mut M,
    out: &mut BytesMut,
    pending: &mut Option<BoxFuture<'static, Option<Event>>>,
    at_end: bool,
) -> Result<(), Error> {
    loop {
        if pending.is_some() {
            return Ok(());
        }
        let item = if at_end {
            parser.finish()?
        } else {
            parser.next_item()?
        };
        match item {
            None => return Ok(()),
            Some(Item::Event(event)) => match map.map(event) {
                Mapped::Ready(Some(event)) => parser.encode(&Item::Event(event), out),
                Mapped::Ready(None) => {}
                Mapped::Later(future) => *pending = Some(future),
            },
            Some(comment @ Item::Comment(_)) => parser.encode(&comment, out),
        }
    }
}
