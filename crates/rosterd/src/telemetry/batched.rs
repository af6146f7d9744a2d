//! Log lines gathered and written in batches: a request's access line costs a copy into a
//! buffer, not a `write(2)` on the request's thread. Under load one thread writes everything
//! that arrived in the last few milliseconds with one call.
//!
//! - Order is kept: lines go out in the order they were logged.
//! - A warning or an error is written before its `log` call returns, with everything before it:
//!   what explains a crash is not left in a buffer.
//! - The buffer is bounded: past [`MAX_BUFFERED`] bytes the logging thread writes the batch
//!   itself (a slow log pipe slows the server rather than growing its memory).
//! - [`Flusher`] writes what is left when dropped; `serve` holds it to the end.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long the writing thread waits after the first line of a batch for more.
pub const LINGER: Duration = Duration::from_millis(5);

/// The most a batch holds before the thread that logs writes it.
pub const MAX_BUFFERED: usize = 1 << 20;

type Sink = Box<dyn Write + Send>;

struct Shared {
    pending: Mutex<Pending>,
    arrived: Condvar,
    /// Taken with `pending` held and kept while writing, so batches go out in the order they
    /// left `pending`.
    sink: Mutex<Sink>,
}

#[derive(Default)]
struct Pending {
    lines: Vec<u8>,
    closed: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves bytes, never a broken invariant.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Hands `pending`'s lines to the sink, in order.
    fn write_out(&self, mut pending: MutexGuard<'_, Pending>) {
        let batch = std::mem::take(&mut pending.lines);
        let mut sink = lock(&self.sink);
        drop(pending);
        // Nowhere to report a failing log stream to.
        let _ = sink.write_all(&batch).and_then(|()| sink.flush());
    }
}

/// The [`MakeWriter`] of the log layer.
#[derive(Clone)]
pub struct Batched {
    shared: Arc<Shared>,
}

/// Writes the batches; on drop, writes what is left and stops.
pub struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Batched {
    /// Batches to stderr.
    pub fn stderr() -> io::Result<(Self, Flusher)> {
        Self::to(Box::new(io::stderr()), LINGER)
    }

    /// Batches to `sink`, written from a thread of its own `linger` after a batch's first line.
    pub fn to(sink: Sink, linger: Duration) -> io::Result<(Self, Flusher)> {
        let shared = Arc::new(Shared {
            pending: Mutex::default(),
            arrived: Condvar::new(),
            sink: Mutex::new(sink),
        });
        let thread = std::thread::Builder::new()
            .name("rosterd-log".into())
            .spawn({
                let shared = shared.clone();
                move || write_batches(&shared, linger)
            })?;
        let flusher = Flusher {
            shared: shared.clone(),
            thread: Some(thread),
        };
        Ok((Self { shared }, flusher))
    }
}

fn write_batches(shared: &Shared, linger: Duration) {
    let mut pending = lock(&shared.pending);
    loop {
        while pending.lines.is_empty() && !pending.closed {
            pending = shared
                .arrived
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if pending.closed {
            shared.write_out(pending);
            return;
        }
        drop(pending);
        std::thread::sleep(linger);
        shared.write_out(lock(&shared.pending));
        pending = lock(&shared.pending);
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        lock(&self.shared.pending).closed = true;
        self.shared.arrived.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One event's writer.
pub struct Line<'a> {
    shared: &'a Shared,
    urgent: bool,
}

impl io::Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut pending = lock(&self.shared.pending);
        let was_empty = pending.lines.is_empty();
        pending.lines.extend_from_slice(bytes);
        if self.urgent || pending.closed || pending.lines.len() >= MAX_BUFFERED {
            self.shared.write_out(pending);
        } else if was_empty {
            drop(pending);
            self.shared.arrived.notify_one();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Batched {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line {
            shared: &self.shared,
            urgent: false,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line<'a> {
        Line {
            shared: &self.shared,
            urgent: is_urgent(*meta.level()),
        }
    }
}

/// Warnings and errors are written at once.
fn is_urgent(level: Level) -> bool {
    level <= Level::WARN
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink the test reads back, counting the writes it got.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<(Vec<u8>, usize)>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let mut c = lock(&self.0);
            c.0.extend_from_slice(bytes);
            c.1 += 1;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).0.clone()).unwrap()
        }
        fn writes(&self) -> usize {
            lock(&self.0).1
        }
    }

    /// Long enough that a test's lines all arrive within one batch on a loaded machine.
    const SLOW: Duration = Duration::from_millis(300);

    fn batched(sink: &Captured) -> (Batched, Flusher) {
        Batched::to(Box::new(sink.clone()), SLOW).unwrap()
    }

    fn eventually(sink: &Captured, expected: &str) {
        let start = std::time::Instant::now();
        while sink.text() != expected && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(sink.text(), expected);
    }

    fn log(batched: &Batched, level: Level, line: &str) {
        let mut w = Line {
            shared: &batched.shared,
            urgent: is_urgent(level),
        };
        w.write_all(line.as_bytes()).unwrap();
    }

    #[test]
    fn only_warnings_and_errors_are_urgent() {
        assert!(is_urgent(Level::ERROR));
        assert!(is_urgent(Level::WARN));
        assert!(!is_urgent(Level::INFO));
        assert!(!is_urgent(Level::DEBUG));
        assert!(!is_urgent(Level::TRACE));
    }

    #[test]
    fn lines_logged_together_go_out_in_one_write_and_in_order() {
        let sink = Captured::default();
        let (batched, flusher) = batched(&sink);
        let expected: String = (0..100).map(|i| format!("line {i}\n")).collect();
        for i in 0..100 {
            log(&batched, Level::INFO, &format!("line {i}\n"));
        }
        assert_eq!(sink.text(), "", "info lines wait for the batch");
        eventually(&sink, &expected);
        assert_eq!(sink.writes(), 1, "one write for the batch");
        drop(flusher);
        assert_eq!(sink.text(), expected);
    }

    #[test]
    fn a_warning_is_written_at_once_after_what_came_before_it() {
        let sink = Captured::default();
        let (batched, _flusher) = batched(&sink);
        log(&batched, Level::INFO, "served\n");
        log(&batched, Level::WARN, "trouble\n");
        assert_eq!(sink.text(), "served\ntrouble\n");
        log(&batched, Level::INFO, "after\n");
        assert_eq!(sink.text(), "served\ntrouble\n");
        eventually(&sink, "served\ntrouble\nafter\n");
    }

    #[test]
    fn dropping_the_flusher_writes_what_is_left() {
        let sink = Captured::default();
        let (batched, flusher) = batched(&sink);
        log(&batched, Level::INFO, "last words\n");
        drop(flusher);
        assert_eq!(sink.text(), "last words\n");
        log(&batched, Level::INFO, "after close\n");
        assert_eq!(
            sink.text(),
            "last words\nafter close\n",
            "written at once once closed"
        );
    }

    #[test]
    fn a_full_buffer_is_written_by_the_thread_that_fills_it() {
        let sink = Captured::default();
        let (batched, _flusher) = batched(&sink);
        let big = "x".repeat(MAX_BUFFERED);
        log(&batched, Level::INFO, &big);
        assert_eq!(sink.text().len(), MAX_BUFFERED);
    }

    #[test]
    fn lines_from_many_threads_all_arrive_whole() {
        let sink = Captured::default();
        let (batched, flusher) = batched(&sink);
        std::thread::scope(|s| {
            for t in 0..8 {
                let batched = &batched;
                s.spawn(move || {
                    for i in 0..500 {
                        let level = if i % 97 == 0 {
                            Level::WARN
                        } else {
                            Level::INFO
                        };
                        log(batched, level, &format!("t{t} n{i}\n"));
                    }
                });
            }
        });
        drop(flusher);
        let text = sink.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8 * 500);
        for t in 0..8 {
            let mine: Vec<usize> = lines
                .iter()
                .filter_map(|l| l.strip_prefix(&format!("t{t} n")))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(
                mine,
                (0..500).collect::<Vec<_>>(),
                "thread {t}'s lines in order"
            );
        }
    }
}
