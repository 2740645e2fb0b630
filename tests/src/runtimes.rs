//! The async tests under every runtime: smol, async-std and tokio (multi-threaded, each
//! test body a `tokio::spawn`ed task, so its futures must be `Send`).
//!
//! A test is written once, generic over an [`Exec`] (which names the client's
//! [`Runtime`] and runs a future on its executor), and [`every_runtime!`] expands it to one
//! `#[test]` per runtime, in the modules `on_smol`, `on_async_std` and `on_tokio`
//! (`cargo test on_tokio` runs the tokio ones). Everything runtime-specific is reached
//! through the client's own [`Runtime`]: TCP (`R::connect`), timers ([`sleep`]).

use std::future::Future;
use std::time::{Duration, Instant};

use imaplib_async::Runtime;

/// An executor and the client runtime that goes with it.
pub trait Exec: 'static {
    /// The client's runtime.
    type R: Runtime;
    /// Its name, for messages.
    const NAME: &'static str;
    /// Runs `fut` to completion on this executor (the test's body).
    fn run<F>(fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Runs `futs` as concurrent tasks of this executor (spawned: under tokio, on both
    /// workers); their outputs in order.
    fn run_all<F>(futs: Vec<F>) -> Vec<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

/// smol: `smol::block_on` on the test's thread, the client on [`imaplib_async::SmolRuntime`].
#[derive(Debug)]
pub struct Smol;

impl Exec for Smol {
    type R = imaplib_async::SmolRuntime;
    const NAME: &'static str = "smol";

    fn run<F>(fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        smol::block_on(fut)
    }

    fn run_all<F>(futs: Vec<F>) -> Vec<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let ex = smol::Executor::new();
        smol::block_on(ex.run(async {
            let tasks: Vec<_> = futs.into_iter().map(|f| ex.spawn(f)).collect();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await);
            }
            out
        }))
    }
}

/// async-std: `async_std::task::block_on`, the client on
/// [`imaplib_async::AsyncStdRuntime`].
#[derive(Debug)]
pub struct AsyncStd;

impl Exec for AsyncStd {
    type R = imaplib_async::AsyncStdRuntime;
    const NAME: &'static str = "async-std";

    fn run<F>(fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        async_std::task::block_on(fut)
    }

    fn run_all<F>(futs: Vec<F>) -> Vec<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        async_std::task::block_on(async {
            let tasks: Vec<_> = futs.into_iter().map(async_std::task::spawn).collect();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await);
            }
            out
        })
    }
}

/// tokio: the body `tokio::spawn`ed on a multi-threaded runtime (so it may move between
/// worker threads at every await), the client on [`imaplib_async::TokioRuntime`]. A panic
/// in the body is re-raised. The runtime is shared by the tests of a binary (four workers:
/// a test body that blocks a worker for a moment, delivering mail, leaves others free), as
/// building one per call costs milliseconds that the in-memory sweeps would pay 1 260 times.
#[derive(Debug)]
pub struct Tokio;

impl Tokio {
    /// The runtime test bodies run on.
    pub fn runtime() -> &'static tokio::runtime::Runtime {
        static RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> =
            std::sync::LazyLock::new(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(4)
                    .enable_all()
                    .build()
                    .expect("a tokio runtime")
            });
        &RUNTIME
    }
}

impl Exec for Tokio {
    type R = imaplib_async::TokioRuntime;
    const NAME: &'static str = "tokio";

    fn run<F>(fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Tokio::run_all(vec![fut]).pop().expect("one output")
    }

    fn run_all<F>(futs: Vec<F>) -> Vec<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let rt = Tokio::runtime();
        rt.block_on(async {
            let tasks: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
            let mut out = Vec::new();
            for t in tasks {
                match t.await {
                    Ok(v) => out.push(v),
                    Err(e) => match e.try_into_panic() {
                        Ok(panic) => {
                            // The worker's panic message went to whichever test's output
                            // that worker inherited, if any: say it here, then re-raise.
                            let text = panic
                                .downcast_ref::<String>()
                                .map(String::as_str)
                                .or_else(|| panic.downcast_ref::<&str>().copied())
                                .unwrap_or("(not a string)");
                            println!("the test body panicked on a tokio worker: {text}");
                            std::panic::resume_unwind(panic)
                        }
                        Err(e) => panic!("a test task did not finish: {e}"),
                    },
                }
            }
            out
        })
    }
}

/// Waits `d` on `R`'s timer.
pub async fn sleep<R: Runtime>(d: Duration) {
    if let Some(at) = Instant::now().checked_add(d) {
        R::timer(at).await;
    }
}

/// Expands, for each test function named (generic over `X: Exec`), to one `#[test]` per
/// runtime: `on_smol::name`, `on_async_std::name`, `on_tokio::name`.
#[macro_export]
macro_rules! every_runtime {
    ($($test:ident),* $(,)?) => {
        $crate::every_runtime!(@one on_smol, $crate::runtimes::Smol, $($test),*);
        $crate::every_runtime!(@one on_async_std, $crate::runtimes::AsyncStd, $($test),*);
        $crate::every_runtime!(@one on_tokio, $crate::runtimes::Tokio, $($test),*);
    };
    (@one $module:ident, $exec:ty, $($test:ident),*) => {
        mod $module {
            $(
                #[test]
                fn $test() {
                    super::$test::<$exec>()
                }
            )*
        }
    };
}
