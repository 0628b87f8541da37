//! Thread-per-core serving, the way nginx runs workers: `n` OS threads, each
//! with its own current-thread tokio runtime and its own `SO_REUSEPORT`
//! listener on the one address, so the kernel spreads connections over the
//! threads and a connection, its requests and the upstream connections they
//! use stay on one thread (no work stealing, no cross-thread wake-ups).
//!
//! Invariants:
//! - every listener of a set is bound to the same address; when the address
//!   asks for port 0 a probe socket picks the port and the set binds to it;
//! - a port already listened on is an error, as with a plain bind, even when
//!   the other socket has `SO_REUSEPORT` too (a second gateway started on the
//!   same port must not silently take half of the connections): the probe is
//!   bound without it first. After the set is bound, another socket of the
//!   same user that sets `SO_REUSEPORT` could still join it, as with nginx's
//!   `reuseport`; with a single worker the option is not set at all;
//! - each thread serves until the shared [`Shutdown`] triggers and drains
//!   like [`super::serve`]; its result reaches the caller's runtime through a
//!   task there ([`spawn`] returns it);
//! - each thread keeps a timer due within a second (`anchor_timers`), so
//!   the timers hyper and the forwarder set per request never make tokio
//!   wake its own driver (one syscall and one poll saved per request when
//!   lightly loaded);
//! - serving lives no longer than the caller's runtime: if that task is
//!   dropped (the runtime that called [`spawn`] shuts down), the thread stops
//!   serving at once and drops its connections, as tasks spawned on that
//!   runtime would have been.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::HttpService;
use crate::shutdown::Shutdown;

/// Pending connections queued per listener (tokio's own default).
const BACKLOG: i32 = 1024;

/// The number of serving threads when none is configured: one per core.
pub fn default_count() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Binds `n` (at least one) listeners on `addr`; returns them with the
/// address actually bound.
///
/// # Errors
/// When a socket cannot be created or bound.
pub fn bind(addr: SocketAddr, n: usize) -> io::Result<(Vec<std::net::TcpListener>, SocketAddr)> {
    let addr = if n > 1 {
        // A plain bind first: it fails on a port any other socket listens
        // on, `SO_REUSEPORT` or not, so a second gateway (or anything else
        // of the same user) on the port is an error rather than a silent
        // share of the traffic. It also resolves port 0.
        let probe = bind_one(addr, false)?;
        probe.local_addr()?
    } else {
        addr
    };
    let first = bind_one(addr, n > 1)?;
    let bound = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..n {
        listeners.push(bind_one(bound, true)?);
    }
    Ok((listeners, bound))
}

fn bind_one(addr: SocketAddr, reuse_port: bool) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As tokio's own `TcpListener::bind`: a restart can rebind at once.
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// What every serving thread of a set shares.
pub struct Shared {
    /// TLS for the listeners, when configured.
    pub tls: Option<TlsAcceptor>,
    /// Stops accepting and starts the drain.
    pub shutdown: Shutdown,
    /// Connection limit over all threads.
    pub permits: Arc<Semaphore>,
    /// How long a drain may take.
    pub grace: Duration,
}

/// Starts one serving thread per `(listener, service)` pair. Each returned
/// task (on the caller's runtime) resolves to whether that thread's drain
/// completed.
///
/// # Errors
/// When a runtime or thread cannot be created; threads already started stop
/// when their tasks are dropped.
pub fn spawn<S>(
    workers: Vec<(std::net::TcpListener, S)>,
    shared: &Shared,
) -> io::Result<Vec<JoinHandle<anyhow::Result<bool>>>>
where
    S: HttpService,
{
    let mut tasks = Vec::with_capacity(workers.len());
    for (i, (listener, service)) in workers.into_iter().enumerate() {
        match spawn_one(i, listener, service, shared) {
            Ok(task) => tasks.push(task),
            Err(e) => {
                // Dropping a task's receiver stops its thread.
                tasks.iter().for_each(JoinHandle::abort);
                return Err(e);
            }
        }
    }
    Ok(tasks)
}

fn spawn_one<S>(
    i: usize,
    listener: std::net::TcpListener,
    service: S,
    shared: &Shared,
) -> io::Result<JoinHandle<anyhow::Result<bool>>>
where
    S: HttpService,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut done, result) = oneshot::channel();
    let tls = shared.tls.clone();
    let shutdown = shared.shutdown.clone();
    let permits = shared.permits.clone();
    let grace = shared.grace;
    std::thread::Builder::new()
        .name(format!("taskgate-worker-{i}"))
        .spawn(move || {
            let served = runtime.block_on(async {
                let listener = match TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => return Some(Err(e)),
                };
                let serve = super::serve(listener, tls, service, shutdown, permits, grace);
                // Ends with the runtime, which drops it with its other tasks.
                drop(tokio::spawn(anchor_timers()));
                tokio::select! {
                    drained = serve => Some(Ok(drained)),
                    // The caller's runtime is gone: stop now.
                    () = done.closed() => None,
                }
            });
            // Dropping the runtime drops whatever is still running on it.
            drop(runtime);
            if let Some(served) = served {
                let _ = done.send(served);
            }
        })?;
    Ok(tokio::spawn(async move {
        match result.await {
            Ok(served) => Ok(served?),
            Err(_) => Err(anyhow::anyhow!("serving thread {i} ended unexpectedly")),
        }
    }))
}

/// Period of [`anchor_timers`]: shorter than any timer set per request
/// (hyper's 30 s head timeout, the upstream timeout).
const TIMER_ANCHOR: Duration = Duration::from_secs(1);

/// Keeps a timer due within [`TIMER_ANCHOR`] on this thread's timer wheel.
///
/// Tokio wakes its own driver (an `eventfd` write, then one more trip
/// through `epoll_wait`) whenever a timer is set earlier than the earliest
/// one the driver last parked with, or when the driver parked with none.
/// On a keep-alive connection hyper sets a fresh 30 s head timer for every
/// request, and between requests the only timer left is the 300 s upstream
/// timeout (or none): so a lightly loaded thread paid that self-wake on
/// every request. In a current-thread runtime the timer is set by the
/// driver's own thread, which is awake anyway, so the wake buys nothing.
/// With a timer always due within a second, no per-request timer is ever
/// the earliest, and the cost is one tick a second per serving thread.
async fn anchor_timers() {
    let mut tick = tokio::time::interval(TIMER_ANCHOR);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_zero_binds_every_listener_to_the_port_the_first_got() {
        let (listeners, bound) = bind("127.0.0.1:0".parse().unwrap(), 3).unwrap();
        assert_eq!(listeners.len(), 3);
        assert_ne!(bound.port(), 0);
        for l in &listeners {
            assert_eq!(l.local_addr().unwrap(), bound);
        }
    }

    #[test]
    fn a_single_listener_does_not_share_its_port() {
        let (_held, bound) = bind("127.0.0.1:0".parse().unwrap(), 1).unwrap();
        assert!(bind(bound, 1).is_err());
        assert!(bind(bound, 2).is_err());
    }

    #[test]
    fn a_second_set_on_a_port_in_use_is_refused() {
        let (_held, bound) = bind("127.0.0.1:0".parse().unwrap(), 2).unwrap();
        assert!(bind(bound, 2).is_err(), "must not share the port silently");
        assert!(bind(bound, 1).is_err());
    }
}
