//! The hooks as components see them: components mounted in a headless
//! `VirtualDom`, rendered to HTML with dioxus-ssr after each step.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use dioxus::core::NoOpMutations;
use dioxus::prelude::*;
use earshot_shared::keys;

use super::support::{Failure, List, Server, key};
use crate::query::cache::QueryClient;
use crate::query::hooks::{
    MutationStatus, QueryClientProvider, use_mutation, use_query, use_query_client, use_query_with,
};
use crate::query::mutation::Mutation;

/// What the test needs from inside the app: the fake server, the client,
/// render counters and switches.
#[derive(Clone)]
struct Harness {
    server: Rc<Server>,
    client: Rc<RefCell<Option<QueryClient>>>,
    data_renders: Rc<Cell<u32>>,
    fetching_renders: Rc<Cell<u32>>,
    /// A switch the test flips from outside the components.
    switch: Rc<RefCell<Option<Signal<bool>>>>,
}

impl Harness {
    fn new(value: List) -> Self {
        Harness {
            server: Server::new(value),
            client: Rc::default(),
            data_renders: Rc::default(),
            fetching_renders: Rc::default(),
            switch: Rc::default(),
        }
    }

    /// A switch whose first value is `initial`, kept for the test to flip.
    fn use_switch(&self, initial: bool) -> Signal<bool> {
        let switch = use_signal(|| initial);
        *self.switch.borrow_mut() = Some(switch);
        switch
    }

    fn flip(&self, dom: &VirtualDom, value: bool) {
        let mut switch = self.switch.borrow().expect("a switch was made");
        dom.in_runtime(|| switch.set(value));
    }

    fn client(&self) -> QueryClient {
        self.client.borrow().clone().expect("the app has mounted")
    }
}

fn mount(root: fn() -> Element, harness: &Harness) -> VirtualDom {
    let mut dom = VirtualDom::new(root).with_root_context(harness.clone());
    dom.rebuild_in_place();
    dom
}

/// Lets the app run for `millis` of (paused, virtual) time, rendering
/// whatever became dirty.
async fn run_for(dom: &mut VirtualDom, millis: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(millis);
    while tokio::time::timeout_at(deadline, dom.wait_for_work())
        .await
        .is_ok()
    {
        dom.render_immediate(&mut NoOpMutations);
    }
}

fn html(dom: &VirtualDom) -> String {
    dioxus_ssr::render(dom)
}

#[component]
fn Recordings() -> Element {
    let harness = use_context::<Harness>();
    *harness.client.borrow_mut() = Some(use_query_client());
    let fetcher = harness.server.fetcher();
    let query = use_query(key(), move || fetcher());
    let fetching = if query.is_fetching() {
        " (refreshing)"
    } else {
        ""
    };
    let error = query
        .error()
        .map(|e| format!(" error: {e}"))
        .unwrap_or_default();
    match query.data() {
        Some(list) => rsx! { p { "data: {list.join(\",\")}{fetching}{error}" } },
        None if query.error().is_some() => rsx! { p { "failed:{error}" } },
        None => rsx! { p { "loading" } },
    }
}

fn app() -> Element {
    rsx! {
        QueryClientProvider { Recordings {} }
    }
}

#[tokio::test(start_paused = true)]
async fn a_component_sees_loading_then_data_then_background_refetch_then_error() {
    let harness = Harness::new(vec!["a"]);
    let mut dom = mount(app, &harness);
    assert!(html(&dom).contains("loading"), "{}", html(&dom));

    run_for(&mut dom, 150).await;
    assert!(html(&dom).contains("data: a<"), "{}", html(&dom));

    harness.server.set(vec!["a", "b"]);
    harness.client().invalidate(&keys::recordings::all());
    run_for(&mut dom, 10).await;
    assert!(
        html(&dom).contains("data: a (refreshing)"),
        "{}",
        html(&dom)
    );
    run_for(&mut dom, 150).await;
    assert!(html(&dom).contains("data: a,b<"), "{}", html(&dom));

    // Both attempts fail (one retry by default): the data stays, the error shows.
    harness.server.fail.borrow_mut().extend([500, 500]);
    harness.client().invalidate(&keys::recordings::all());
    run_for(&mut dom, 5_000).await;
    assert!(
        html(&dom).contains("data: a,b error: HTTP 500"),
        "{}",
        html(&dom)
    );
    assert_eq!(harness.server.calls(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_first_load_that_fails_shows_the_error() {
    let harness = Harness::new(vec!["a"]);
    harness.server.fail.borrow_mut().push(404);
    let mut dom = mount(app, &harness);
    run_for(&mut dom, 5_000).await;
    assert!(
        html(&dom).contains("failed: error: HTTP 404"),
        "{}",
        html(&dom)
    );
    assert_eq!(harness.server.calls(), 1, "a 4xx is not retried");
}

#[component]
fn DataReader() -> Element {
    let harness = use_context::<Harness>();
    let fetcher = harness.server.fetcher();
    let query = use_query(key(), move || fetcher());
    harness.data_renders.set(harness.data_renders.get() + 1);
    let count = query.data().map_or(0, |list| list.len());
    rsx! { p { "{count} items" } }
}

#[component]
fn FetchingReader() -> Element {
    let harness = use_context::<Harness>();
    *harness.client.borrow_mut() = Some(use_query_client());
    let fetcher = harness.server.fetcher();
    let query = use_query(key(), move || fetcher());
    harness
        .fetching_renders
        .set(harness.fetching_renders.get() + 1);
    rsx! { p { "fetching: {query.is_fetching()}" } }
}

fn two_readers() -> Element {
    rsx! {
        QueryClientProvider {
            DataReader {}
            FetchingReader {}
        }
    }
}

#[tokio::test(start_paused = true)]
async fn equal_data_does_not_re_render_a_component_that_reads_only_the_data() {
    let harness = Harness::new(vec!["a", "b"]);
    let mut dom = mount(two_readers, &harness);
    run_for(&mut dom, 150).await;
    assert!(html(&dom).contains("2 items"));
    let (data_before, fetching_before) =
        (harness.data_renders.get(), harness.fetching_renders.get());

    harness.client().invalidate(&keys::recordings::all());
    run_for(&mut dom, 150).await;

    assert_eq!(harness.server.calls(), 2, "it did refetch");
    assert_eq!(
        harness.data_renders.get(),
        data_before,
        "same data: no render"
    );
    assert_eq!(
        harness.fetching_renders.get(),
        fetching_before + 2,
        "the fetching flag went on and off"
    );

    harness.server.set(vec!["a", "b", "c"]);
    harness.client().invalidate(&keys::recordings::all());
    run_for(&mut dom, 150).await;
    assert!(html(&dom).contains("3 items"));
    assert_eq!(
        harness.data_renders.get(),
        data_before + 1,
        "new data: one render"
    );
}

#[component]
fn Switchable() -> Element {
    let show = use_context::<Harness>().use_switch(true);
    rsx! {
        if show() {
            Recordings {}
        }
        DataReader {}
    }
}

fn switchable() -> Element {
    rsx! {
        QueryClientProvider { Switchable {} }
    }
}

#[tokio::test(start_paused = true)]
async fn unmounting_the_component_that_started_a_fetch_leaves_no_one_loading() {
    let harness = Harness::new(vec!["a"]);
    let mut dom = mount(switchable, &harness);
    run_for(&mut dom, 50).await; // the fetch is in flight
    harness.flip(&dom, false);
    run_for(&mut dom, 200).await;
    assert!(!html(&dom).contains("loading"), "{}", html(&dom));
    assert!(html(&dom).contains("1 items"), "{}", html(&dom));
    assert_eq!(harness.server.calls(), 1);
}

#[component]
fn Dependent() -> Element {
    let harness = use_context::<Harness>();
    *harness.client.borrow_mut() = Some(use_query_client());
    let enabled = harness.use_switch(false);
    let fetcher = harness.server.fetcher();
    let key = enabled().then(|| keys::recordings::detail("r1"));
    let query = use_query_with::<List, Failure, _, _>(key, None, move || fetcher());
    let text = match query.data() {
        Some(list) => format!("detail: {}", list.join(",")),
        None if query.is_loading() => "loading".to_string(),
        None => "waiting for its input".to_string(),
    };
    rsx! {
        p { "{text}" }
    }
}

fn dependent() -> Element {
    rsx! {
        QueryClientProvider { Dependent {} }
    }
}

#[tokio::test(start_paused = true)]
async fn a_disabled_query_fetches_nothing_until_its_key_is_known() {
    let harness = Harness::new(vec!["x"]);
    let mut dom = mount(dependent, &harness);
    run_for(&mut dom, 500).await;
    assert!(
        html(&dom).contains("waiting for its input"),
        "{}",
        html(&dom)
    );
    assert_eq!(harness.server.calls(), 0);
    assert!(harness.client().entries().is_empty());

    harness.flip(&dom, true);
    run_for(&mut dom, 150).await;
    assert!(html(&dom).contains("detail: x"), "{}", html(&dom));
    assert_eq!(harness.server.calls(), 1);
}

#[component]
fn Remover() -> Element {
    let harness = use_context::<Harness>();
    let server = harness.server.clone();
    let remove = use_mutation(move || {
        let server = server.clone();
        Mutation::new(move |item: &'static str| {
            let server = server.clone();
            async move {
                let latency = if item == "b" { 300 } else { 100 };
                tokio::time::sleep(Duration::from_millis(latency)).await;
                if item == "locked" {
                    return Err(Failure(409));
                }
                server.value.borrow_mut().retain(|x| *x != item);
                Ok(())
            }
        })
        .on_mutate(|optimistic, item: &&'static str| {
            let item = *item;
            optimistic.update::<List>(&keys::recordings::lists(), move |list| {
                list.iter().copied().filter(|x| *x != item).collect()
            });
        })
    });
    let status = match remove.status() {
        MutationStatus::Idle => "idle".to_string(),
        MutationStatus::Pending => "pending".to_string(),
        MutationStatus::Success => "success".to_string(),
        MutationStatus::Error(error) => format!("error {error}"),
    };
    let enabled = harness.use_switch(false);
    let run = remove.clone();
    use_effect(move || {
        if enabled() {
            run.mutate("locked");
            run.mutate("b");
        }
    });
    rsx! { p { "mutation: {status}" } }
}

fn mutations() -> Element {
    rsx! {
        QueryClientProvider {
            Recordings {}
            Remover {}
        }
    }
}

#[tokio::test(start_paused = true)]
async fn use_mutation_shows_its_status_and_rolls_back_only_what_failed() {
    let harness = Harness::new(vec!["a", "b", "locked"]);
    let mut dom = mount(mutations, &harness);
    run_for(&mut dom, 150).await;
    assert!(html(&dom).contains("data: a,b,locked<"), "{}", html(&dom));
    assert!(html(&dom).contains("mutation: idle"), "{}", html(&dom));

    harness.flip(&dom, true);
    run_for(&mut dom, 10).await;
    assert!(
        html(&dom).contains("data: a<"),
        "both changes show at once: {}",
        html(&dom)
    );
    assert!(html(&dom).contains("mutation: pending"), "{}", html(&dom));

    run_for(&mut dom, 100).await;
    assert!(
        html(&dom).contains("data: a,locked"),
        "only the refused change is undone: {}",
        html(&dom)
    );
    assert!(
        html(&dom).contains("mutation: error HTTP 409"),
        "{}",
        html(&dom)
    );

    run_for(&mut dom, 500).await;
    assert!(
        html(&dom).contains("data: a,locked<"),
        "the server agrees: {}",
        html(&dom)
    );
    assert!(html(&dom).contains("mutation: success"), "{}", html(&dom));
}

fn inspected() -> Element {
    rsx! {
        QueryClientProvider {
            Recordings {}
            DataReader {}
            crate::query::inspector::InspectorPanel { on_close: |_| {} }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_inspector_lists_each_entry_with_status_subscribers_and_fetches() {
    let harness = Harness::new(vec!["a"]);
    let mut dom = mount(inspected, &harness);
    run_for(&mut dom, 150).await;
    harness.client().invalidate(&keys::recordings::all());
    run_for(&mut dom, 150).await;
    let html = html(&dom);
    let row = html
        .split("<tr>")
        .find(|row| row.contains("recordings/list/{}"))
        .unwrap_or_else(|| panic!("no row for the key: {html}"));
    let cells: Vec<&str> = row
        .split("<td>")
        .skip(1)
        .map(|cell| cell.split('<').next().unwrap_or(""))
        .collect();
    // Key (inside <code>), status, age, subscribers, fetches, optimistic.
    assert_eq!(cells[1], "success", "{row}");
    assert_eq!(cells[3], "2", "two subscribers: {row}");
    assert_eq!(cells[4], "2", "fetched twice: {row}");
    assert!(html.contains("1 entry"), "{html}");
}
