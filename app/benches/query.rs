//! Benchmarks of the query cache core (`cargo bench -p earshot-app --bench query`).
//!
//! Results are recorded in docs/benchmarks.md. Besides timings, this prints
//! how many fetches a burst of 100 invalidations of one key causes.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use earshot_app::query::runtime::TokioLocalRuntime;
use earshot_app::query::{QueryClient, QueryError, QueryOptions};
use earshot_shared::QueryKey;
use earshot_shared::keys;

fn main() {
    report_burst_fetch_count();
    divan::main();
}

#[derive(Clone, Debug, PartialEq)]
struct NeverFails;

impl std::fmt::Display for NeverFails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("never")
    }
}

impl QueryError for NeverFails {
    fn is_client_error(&self) -> bool {
        false
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime")
}

/// A page of 25 recordings' worth of data: what a list entry holds.
fn page() -> Vec<String> {
    (0..25).map(|i| format!("recording {i}")).collect()
}

/// Reading a cached entry, as a subscriber does on every render.
#[divan::bench]
fn cache_hit_read(bencher: divan::Bencher) {
    let rt = runtime();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let client = QueryClient::new(TokioLocalRuntime, QueryOptions::default());
        let key = keys::recordings::detail("r1");
        client.set_query_data(&key, page());
        bencher.bench_local(|| client.state::<Vec<String>, NeverFails>(divan::black_box(&key)));
    });
}

/// Invalidating a prefix that covers 10,000 entries without subscribers.
#[divan::bench(sample_count = 50)]
fn invalidate_prefix_over_10_000_entries(bencher: divan::Bencher) {
    let rt = runtime();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let client = QueryClient::new(TokioLocalRuntime, QueryOptions::default());
        for i in 0..10_000 {
            client.set_query_data(&keys::recordings::detail(&i.to_string()), i);
        }
        // Unrelated entries the prefix must skip.
        for i in 0..1_000 {
            client.set_query_data(&keys::projects::detail(&i.to_string()), i);
        }
        let prefix = keys::recordings::all();
        bencher.bench_local(|| client.invalidate(divan::black_box(&prefix)));
    });
}

/// Prints how many fetches 100 invalidations of one key cause while its
/// first fetch is in flight.
fn report_burst_fetch_count() {
    let rt = runtime();
    let local = tokio::task::LocalSet::new();
    let fetches = local.block_on(&rt, async {
        let client = QueryClient::new(TokioLocalRuntime, QueryOptions::default());
        let fetches = Rc::new(Cell::new(0u32));
        let counter = fetches.clone();
        let key: QueryKey = keys::dashboard::stats();
        let _subscription = client.subscribe(
            &key,
            QueryOptions::default(),
            Rc::new(move || {
                counter.set(counter.get() + 1);
                Box::pin(async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok::<_, NeverFails>(1u32)
                })
            }),
            Rc::new(|| {}),
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
        for _ in 0..100 {
            client.invalidate(&key);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        fetches.get()
    });
    println!("fetches for a burst of 100 invalidations of one key: {fetches}");
}
