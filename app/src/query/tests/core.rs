//! The cache's behaviour, one test per rule, under paused tokio time: every
//! wait below is virtual time that tokio advances at once, so the tests are
//! deterministic and take no real time.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use earshot_shared::dto::RecordingFilters;
use earshot_shared::keys;
use tokio::time::sleep;

use super::support::{Failure, List, Server, client, data, key, local, subscribe, wait};
use crate::query::cache::{QueryClient, QueryStatus};
use crate::query::mutation::Mutation;
use crate::query::options::QueryOptions;
use crate::query::runtime::TokioLocalRuntime;

// 1 ----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn subscribers_of_one_key_share_one_entry_and_one_fetch() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (_first, _) = subscribe(&client, &key(), &server);
        let (_second, _) = subscribe(&client, &key(), &server);
        client.refetch(&key());
        wait(150).await;
        assert_eq!(server.calls(), 1);
        assert_eq!(client.entries().len(), 1);
        assert_eq!(client.entries()[0].subscribers, 2);
        assert_eq!(data(&client, &key()), Some(vec!["a"]));
    })
    .await;
}

// 2 ----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn first_load_is_pending_then_success() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        let state = client.state::<List, Failure>(&key());
        assert_eq!(state.status, QueryStatus::Pending);
        wait(1).await;
        assert!(client.state::<List, Failure>(&key()).is_fetching);
        wait(150).await;
        let state = client.state::<List, Failure>(&key());
        assert_eq!(
            (state.status, state.is_fetching),
            (QueryStatus::Success, false)
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_background_refetch_keeps_showing_the_last_good_data() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        server.set(vec!["a", "b"]);
        client.invalidate(&keys::recordings::all());
        wait(50).await;
        let during = client.state::<List, Failure>(&key());
        assert!(during.is_fetching);
        assert_eq!(during.data.as_deref(), Some(&vec!["a"]));
        wait(100).await;
        assert_eq!(data(&client, &key()), Some(vec!["a", "b"]));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_background_refetch_keeps_the_data_and_exposes_the_error() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        server.fail.borrow_mut().push(404);
        client.invalidate(&key());
        wait(150).await;
        let state = client.state::<List, Failure>(&key());
        assert_eq!(state.status, QueryStatus::Success);
        assert_eq!(state.data.as_deref(), Some(&vec!["a"]));
        assert_eq!(state.error, Some(Failure(404)));
    })
    .await;
}

// 3 ----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn invalidating_a_prefix_refetches_subscribed_entries_and_marks_the_rest_stale() {
    local(async {
        let client = client();
        let mounted = Server::new(vec!["list"]);
        let unmounted = Server::new(vec!["detail"]);
        let other = Server::new(vec!["projects"]);
        let detail = keys::recordings::detail("r1");
        let (_list, _) = subscribe(&client, &key(), &mounted);
        let (_projects, _) = subscribe(&client, &keys::projects::list(), &other);
        drop(subscribe(&client, &detail, &unmounted));
        wait(150).await;
        assert_eq!(
            (mounted.calls(), unmounted.calls(), other.calls()),
            (1, 1, 1)
        );

        client.invalidate(&keys::recordings::all());
        wait(150).await;
        assert_eq!(mounted.calls(), 2, "the subscribed entry refetches");
        assert_eq!(unmounted.calls(), 1, "the unsubscribed one waits");
        assert_eq!(other.calls(), 1, "other prefixes are untouched");
        assert!(client.state::<List, Failure>(&detail).is_stale);

        let (_again, _) = subscribe(&client, &detail, &unmounted);
        wait(150).await;
        assert_eq!(unmounted.calls(), 2, "it refetches when next used");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn exact_invalidation_touches_only_that_key() {
    local(async {
        let client = client();
        let list = Server::new(vec!["list"]);
        let detail = Server::new(vec!["detail"]);
        let (_a, _) = subscribe(&client, &key(), &list);
        let (_b, _) = subscribe(&client, &keys::recordings::detail("r1"), &detail);
        wait(150).await;
        client.invalidate_exact(&key());
        wait(150).await;
        assert_eq!((list.calls(), detail.calls()), (2, 1));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn fresh_data_is_not_refetched_for_a_new_subscriber_but_stale_data_is() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (_first, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        let (_second, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        assert_eq!(server.calls(), 1, "within the 30 s stale time");
        wait(30_000).await;
        let (_third, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        assert_eq!(server.calls(), 2, "after the stale time");
    })
    .await;
}

// 4, 5, 6 ------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn invalidation_during_a_fetch_leads_to_a_new_fetch_after_it() {
    local(async {
        let client = client();
        let server = Server::new(vec!["old"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(50).await; // the first fetch is in flight and will answer "old"
        server.set(vec!["new"]);
        client.invalidate(&keys::recordings::all());
        wait(60).await; // the first fetch has answered
        let state = client.state::<List, Failure>(&key());
        assert!(
            state.is_stale,
            "an answer begun before the invalidation is not fresh"
        );
        assert!(state.is_fetching, "a second fetch has started");
        wait(100).await;
        assert_eq!(data(&client, &key()), Some(vec!["new"]));
        assert_eq!(server.calls(), 2);
        assert!(!client.state::<List, Failure>(&key()).is_stale);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn an_answer_begun_before_newer_data_was_written_never_overwrites_it() {
    local(async {
        let client = client();
        let server = Server::new(vec!["from the server"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(50).await;
        client.set_query_data(&key(), vec!["written meanwhile"]);
        wait(100).await;
        assert_eq!(data(&client, &key()), Some(vec!["written meanwhile"]));
        assert!(!client.state::<List, Failure>(&key()).is_fetching);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_invalidations_during_a_fetch_yields_one_extra_fetch() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(10).await;
        for _ in 0..100 {
            client.invalidate(&key());
        }
        wait(500).await;
        assert_eq!(server.calls(), 2);
    })
    .await;
}

// 7 ----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn entries_without_subscribers_are_dropped_after_the_gc_time() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        drop(sub);
        wait(299_000).await;
        assert_eq!(client.entries().len(), 1, "kept during the gc time");
        wait(2_000).await;
        assert!(client.entries().is_empty(), "dropped after it");
        assert_eq!(data(&client, &key()), None);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_new_subscriber_within_the_gc_time_keeps_the_entry() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        drop(sub);
        wait(200_000).await;
        let (_again, _) = subscribe(&client, &key(), &server);
        wait(200_000).await;
        assert_eq!(client.entries().len(), 1);
        assert_eq!(data(&client, &key()), Some(vec!["a"]));
    })
    .await;
}

// 8 ----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_with_backoff() {
    local(async {
        let client = QueryClient::new(
            TokioLocalRuntime,
            QueryOptions {
                retry: 3,
                ..QueryOptions::default()
            },
        );
        let server = Server::new(vec!["a"]);
        server.fail.borrow_mut().extend([503, 503, 503]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        // Attempts start at 0, 0.1+1, 1.2+2, 3.3+4 s (latency + delays 1, 2, 4 s).
        wait(1_050).await;
        assert_eq!(server.calls(), 1);
        wait(100).await;
        assert_eq!(server.calls(), 2);
        wait(2_100).await;
        assert_eq!(server.calls(), 3);
        wait(4_100).await;
        assert_eq!(server.calls(), 4);
        wait(200).await;
        assert_eq!(data(&client, &key()), Some(vec!["a"]));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn after_the_last_retry_the_error_is_exposed() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        server.fail.borrow_mut().extend([500, 500]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(5_000).await;
        assert_eq!(server.calls(), 2, "one retry by default");
        let state = client.state::<List, Failure>(&key());
        assert_eq!(
            (state.status, state.error),
            (QueryStatus::Error, Some(Failure(500)))
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_not_retried() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        server.fail.borrow_mut().push(404);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(10_000).await;
        assert_eq!(server.calls(), 1);
        assert_eq!(
            client.state::<List, Failure>(&key()).error,
            Some(Failure(404))
        );
    })
    .await;
}

// 9 ----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn focus_refetches_stale_subscribed_queries_only() {
    local(async {
        let client = client();
        let stale = Server::new(vec!["stale"]);
        let fresh = Server::new(vec!["fresh"]);
        let unmounted = Server::new(vec!["unmounted"]);
        let (_a, _) = subscribe(&client, &key(), &stale);
        drop(subscribe(&client, &keys::search::history(), &unmounted));
        wait(150).await;
        client.invalidate(&keys::search::history());
        wait(31_000).await;
        let (_b, _) = subscribe(&client, &keys::projects::list(), &fresh);
        wait(150).await;

        client.on_focus();
        wait(150).await;
        assert_eq!(stale.calls(), 2, "stale and subscribed: refetched");
        assert_eq!(fresh.calls(), 1, "fresh: not refetched");
        assert_eq!(unmounted.calls(), 1, "no subscribers: not refetched");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn reconnect_refetches_stale_subscribed_queries_unless_turned_off() {
    local(async {
        let client = client();
        let on = Server::new(vec!["on"]);
        let off = Server::new(vec!["off"]);
        let (_a, _) = subscribe(&client, &key(), &on);
        let _b = client.subscribe(
            &keys::projects::list(),
            QueryOptions {
                refetch_on_reconnect: false,
                ..QueryOptions::default()
            },
            off.fetcher(),
            Rc::new(|| {}),
        );
        wait(31_000).await;
        client.on_reconnect();
        wait(150).await;
        assert_eq!((on.calls(), off.calls()), (2, 1));
    })
    .await;
}

// 11 ---------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn set_and_get_query_data() {
    local(async {
        let client = client();
        assert_eq!(client.get_query_data::<List>(&key()), None);
        client.set_query_data(&key(), vec!["x"]);
        assert_eq!(
            client.get_query_data::<List>(&key()).as_deref(),
            Some(&vec!["x"])
        );
        assert_eq!(
            client.get_query_data::<String>(&key()),
            None,
            "another type is not this data"
        );
        assert!(!client.state::<List, Failure>(&key()).is_stale);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn set_queries_data_rewrites_every_entry_under_a_prefix() {
    local(async {
        let client = client();
        let page2 = keys::recordings::list(&RecordingFilters {
            page: 2,
            ..Default::default()
        });
        client.set_query_data(&key(), vec!["a", "gone"]);
        client.set_query_data(&page2, vec!["gone", "b"]);
        client.set_query_data(&keys::projects::list(), vec!["gone"]);
        client.set_queries_data::<List>(&keys::recordings::lists(), |list| {
            list.iter().copied().filter(|x| *x != "gone").collect()
        });
        assert_eq!(data(&client, &key()), Some(vec!["a"]));
        assert_eq!(data(&client, &page2), Some(vec!["b"]));
        assert_eq!(data(&client, &keys::projects::list()), Some(vec!["gone"]));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn cancelling_drops_the_fetch_and_restores_the_previous_state() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        server.set(vec!["b"]);
        client.invalidate(&key());
        wait(50).await;
        client.cancel_queries(&keys::recordings::all());
        let state = client.state::<List, Failure>(&key());
        assert!(!state.is_fetching, "never stuck in fetching");
        assert_eq!(state.data.as_deref(), Some(&vec!["a"]));
        assert!(state.is_stale, "still invalidated");
        wait(200).await;
        assert_eq!(
            data(&client, &key()),
            Some(vec!["a"]),
            "the cancelled answer is never applied"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_first_load_goes_back_to_pending() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(50).await;
        client.cancel_queries(&key());
        let state = client.state::<List, Failure>(&key());
        assert_eq!(
            (state.status, state.is_fetching),
            (QueryStatus::Pending, false)
        );
        client.refetch(&key());
        wait(150).await;
        assert_eq!(
            data(&client, &key()),
            Some(vec!["a"]),
            "a later fetch still works"
        );
    })
    .await;
}

// 12 ---------------------------------------------------------------------

/// A mutation that removes `item` from the list, answering after `latency`
/// with success or the given failure.
fn remove(
    item: &'static str,
    latency: u64,
    outcome: Result<(), u16>,
    server: &Rc<Server>,
) -> Mutation<(), (), Failure> {
    let server = server.clone();
    Mutation::new(move |()| {
        let server = server.clone();
        async move {
            sleep(Duration::from_millis(latency)).await;
            match outcome {
                Ok(()) => {
                    server.value.borrow_mut().retain(|x| *x != item);
                    Ok(())
                }
                Err(status) => Err(Failure(status)),
            }
        }
    })
    .on_mutate(move |optimistic, _| {
        optimistic.update::<List>(&keys::recordings::lists(), move |list| {
            list.iter().copied().filter(|x| *x != item).collect()
        });
    })
}

#[tokio::test(start_paused = true)]
async fn an_optimistic_change_shows_at_once() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a", "b"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        let mutation = remove("a", 100, Ok(()), &server);
        let task = start(&client, mutation);
        wait(1).await;
        assert_eq!(data(&client, &key()), Some(vec!["b"]));
        task.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_mutation_rolls_back_only_its_own_change() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a", "b", "c"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        let fails = remove("a", 100, Err(409), &server);
        let succeeds = remove("b", 300, Ok(()), &server);
        let failing = start(&client, fails);
        let passing = start(&client, succeeds);
        wait(1).await;
        assert_eq!(data(&client, &key()), Some(vec!["c"]), "both changes show");
        assert_eq!(failing.await.unwrap(), Err(Failure(409)));
        assert_eq!(
            data(&client, &key()),
            Some(vec!["a", "c"]),
            "only the failed change is undone; the other stays"
        );
        passing.await.unwrap().unwrap();
        wait(150).await;
        assert_eq!(
            data(&client, &key()),
            Some(vec!["a", "c"]),
            "the server agrees"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn affected_keys_are_invalidated_once_when_the_last_concurrent_mutation_settles() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a", "b", "c"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        let first = remove("a", 100, Ok(()), &server);
        let second = remove("b", 300, Ok(()), &server);
        let one = start(&client, first);
        let two = start(&client, second);
        one.await.unwrap().unwrap();
        wait(50).await;
        assert_eq!(server.calls(), 1, "no refetch while the second is pending");
        assert_eq!(
            data(&client, &key()),
            Some(vec!["c"]),
            "no flicker in between"
        );
        two.await.unwrap().unwrap();
        wait(1).await;
        assert_eq!(server.calls(), 2, "one refetch once both settled");
        assert_eq!(
            data(&client, &key()),
            Some(vec!["c"]),
            "changes stay while it runs"
        );
        wait(150).await;
        assert_eq!(data(&client, &key()), Some(vec!["c"]));
        assert_eq!(
            client.entries()[0].optimistic_layers,
            0,
            "replaced by server data"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn optimistic_changes_survive_a_refetch_while_pending() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a", "b"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        let mutation = remove("a", 500, Ok(()), &server);
        let task = start(&client, mutation);
        wait(1).await;
        server.set(vec!["a", "b", "new"]);
        client.invalidate(&key()); // someone else's change arrives meanwhile
        wait(150).await;
        assert_eq!(data(&client, &key()), Some(vec!["b", "new"]));
        task.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn mutation_callbacks_run_in_order_with_their_context() {
    local(async {
        let client = client();
        let log = Rc::new(RefCell::new(Vec::new()));
        let (a, b, c, d) = (log.clone(), log.clone(), log.clone(), log.clone());
        let mutation: Mutation<u32, u32, Failure, u32> =
            Mutation::new(
                |n: u32| async move { if n > 1 { Err(Failure(400)) } else { Ok(n * 10) } },
            )
            .on_mutate(move |_, n| {
                a.borrow_mut().push(format!("mutate {n}"));
                n + 100
            })
            .on_success(move |r, _, ctx| b.borrow_mut().push(format!("success {r} {ctx}")))
            .on_error(move |e, _, ctx| c.borrow_mut().push(format!("error {e} {ctx}")))
            .on_settled(move |r, _, _| d.borrow_mut().push(format!("settled {}", r.is_ok())));
        client.mutate(&mutation, 1).await.unwrap();
        client.mutate(&mutation, 2).await.unwrap_err();
        assert_eq!(
            *log.borrow(),
            vec![
                "mutate 1",
                "success 10 101",
                "settled true",
                "mutate 2",
                "error HTTP 400 102",
                "settled false",
            ]
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_dropped_mutation_leaves_no_change_behind() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a", "b"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        let mutation = remove("a", 1_000, Ok(()), &server);
        let task = start(&client, mutation);
        wait(1).await;
        task.abort();
        wait(1).await;
        assert_eq!(data(&client, &key()), Some(vec!["a", "b"]));
    })
    .await;
}

/// Runs a mutation in the background, as the app's `use_mutation` does.
fn start(
    client: &QueryClient,
    mutation: Mutation<(), (), Failure>,
) -> tokio::task::JoinHandle<Result<(), Failure>> {
    let client = client.clone();
    tokio::task::spawn_local(async move { client.mutate(&mutation, ()).await })
}

// 13 ---------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_fetch_outlives_the_subscriber_that_started_it() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a"]);
        let (starter, _) = subscribe(&client, &key(), &server);
        let (_other, notified) = subscribe(&client, &key(), &server);
        wait(50).await;
        drop(starter);
        wait(100).await;
        let state = client.state::<List, Failure>(&key());
        assert_eq!(state.data.as_deref(), Some(&vec!["a"]));
        assert!(!state.is_fetching);
        assert!(notified.get() > 0);
        assert_eq!(server.calls(), 1);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn optimistic_changes_and_rewrites_may_read_the_cache() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a", "b"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        client.set_query_data(&keys::dashboard::stats(), vec!["b"]);
        wait(150).await;
        let reader = client.clone();
        // Removes whatever the dashboard entry lists: it reads the cache.
        let mutation: Mutation<(), (), Failure> = Mutation::new(|()| async {
            sleep(Duration::from_millis(100)).await;
            Ok(())
        })
        .on_mutate(move |optimistic, _| {
            let reader = reader.clone();
            optimistic.update::<List>(&keys::recordings::lists(), move |list| {
                let gone = reader.get_query_data::<List>(&keys::dashboard::stats());
                list.iter()
                    .copied()
                    .filter(|x| !gone.as_ref().is_some_and(|g| g.contains(x)))
                    .collect()
            });
        });
        let task = start(&client, mutation);
        wait(1).await;
        assert_eq!(data(&client, &key()), Some(vec!["a"]));
        let reader = client.clone();
        client.set_queries_data::<List>(&keys::recordings::lists(), move |list| {
            let extra = reader.get_query_data::<List>(&keys::dashboard::stats());
            list.iter()
                .copied()
                .chain(extra.iter().flat_map(|e| e.iter().copied()))
                .collect()
        });
        task.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_fetch_an_invalidation_overtook_still_refetches() {
    local(async {
        let client = client();
        let server = Server::new(vec!["old"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        client.invalidate(&key());
        wait(10).await;
        server.set(vec!["new"]);
        client.invalidate(&key()); // overtakes the fetch in flight
        client.cancel_queries(&key());
        wait(150).await;
        assert_eq!(data(&client, &key()), Some(vec!["new"]));
        assert_eq!(server.calls(), 3);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_mutation_on_a_wider_prefix_waits_for_one_on_a_narrower_prefix() {
    local(async {
        let client = client();
        let server = Server::new(vec!["a", "b"]);
        let (_sub, _) = subscribe(&client, &key(), &server);
        wait(150).await;
        let wide: Mutation<(), (), Failure> = Mutation::new(|()| async {
            sleep(Duration::from_millis(100)).await;
            Ok(())
        })
        .invalidates([keys::recordings::all()]);
        let narrow = remove("a", 300, Ok(()), &server);
        let one = start(&client, wide);
        let two = start(&client, narrow);
        one.await.unwrap().unwrap();
        wait(50).await;
        assert_eq!(server.calls(), 1, "the narrower mutation is still pending");
        two.await.unwrap().unwrap();
        wait(150).await;
        assert_eq!(server.calls(), 2, "one refetch for both");
        assert_eq!(data(&client, &key()), Some(vec!["b"]));
    })
    .await;
}
