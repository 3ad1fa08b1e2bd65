//! The app's writes, as hooks pages call: each builds a
//! [`Mutation`](crate::query::Mutation) with its optimistic change (see
//! [`changes`]), the error toast that follows a rollback, and the keys the
//! write makes stale. The server broadcasts the same invalidations over the
//! sync socket; the cache folds the two into one refetch.
//!
//! - [`changes`]: the optimistic changes as plain, tested functions.
//! - [`uploads`]: importing files, with a row per file while it uploads.
//!
//! Data flows page → hook here → [`QueryClient::mutate`] → [`ApiClient`];
//! the page learns the outcome from the cache (and a toast), not from the
//! hook.
//!
//! [`QueryClient::mutate`]: crate::query::QueryClient::mutate

pub mod changes;
pub mod uploads;

use dioxus::prelude::use_callback;
use earshot_shared::dto::{
    Conversation, ConversationDetail, Message, NewConversation, NewMessage, NewProject, Page,
    Project, Recording, RecordingDetail, SearchHistoryEntry, UpdateConversation, UpdateProject,
    UpdateRecording,
};
use earshot_shared::keys;

use crate::api::{ApiClient, ApiError};
use crate::app::use_api;
use crate::components::recording_table::RowActions;
use crate::components::toasts::{Toasts, use_toasts};
use crate::query::hooks::UseMutation;
use crate::query::{Mutation, use_mutation};

/// A mutation of the REST API as a component holds it.
pub type ApiMutation<V, R> = UseMutation<V, R, ApiError, ()>;

/// The API client and the toasts every mutation hook needs.
fn context() -> (ApiClient, Toasts) {
    (use_api(), use_toasts())
}

// ---------------------------------------------------------------- recordings

/// Edits a recording (`(id, changes)`): title, notes, transcript, project.
/// Shown at once in every list and in its detail; rolled back on failure.
pub fn use_update_recording() -> ApiMutation<(String, UpdateRecording), RecordingDetail> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |(id, changes): (String, UpdateRecording)| {
            let api = api.clone();
            async move { api.update_recording(&id, &changes).await }
        })
        .on_mutate(|optimistic, (id, changes)| {
            // The name of the project it moves to, from the cached list.
            let project_name = match &changes.project_id {
                Some(Some(project_id)) => optimistic
                    .client()
                    .get_query_data::<Vec<Project>>(&keys::projects::list())
                    .and_then(|list| {
                        list.iter()
                            .find(|p| &p.id == project_id)
                            .map(|p| p.name.clone())
                    }),
                _ => None,
            };
            let (list_id, list_changes, list_name) =
                (id.clone(), changes.clone(), project_name.clone());
            optimistic.update::<Page<Recording>>(&keys::recordings::lists(), move |page| {
                changes::edit_in_page(page, &list_id, &list_changes, list_name.as_deref())
            });
            let changes = changes.clone();
            optimistic.update::<RecordingDetail>(&keys::recordings::detail(id), move |detail| {
                changes::edit_detail(detail, &changes, project_name.as_deref())
            });
        })
        .on_error(move |error, _, _| toasts.api_error("Couldn’t save the recording", error))
        .invalidates([
            keys::recordings::all(),
            keys::projects::all(),
            keys::dashboard::stats(),
            keys::search::results_all(),
        ])
    })
}

/// Deletes a recording (by id). It leaves every list at once; it comes back
/// with an error toast if the server refuses.
pub fn use_delete_recording() -> ApiMutation<String, ()> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |id: String| {
            let api = api.clone();
            async move { api.delete_recording(&id).await }
        })
        .on_mutate(|optimistic, id| {
            let id = id.clone();
            optimistic.update::<Page<Recording>>(&keys::recordings::lists(), move |page| {
                changes::remove_from_page(page, &id)
            });
        })
        .on_success(move |_, _, _| toasts.success("Recording deleted"))
        .on_error(move |error, _, _| toasts.api_error("Couldn’t delete the recording", error))
        .invalidates([
            keys::recordings::lists(),
            keys::projects::all(),
            keys::dashboard::stats(),
            keys::search::results_all(),
        ])
    })
}

/// What a row of a recordings table does: rename, move and delete, each its
/// own mutation (so that a rename and a move of one row roll back apart).
pub fn use_recording_row_actions() -> RowActions {
    let rename = use_update_recording();
    let move_to = use_update_recording();
    let delete = use_delete_recording();
    RowActions {
        on_rename: use_callback(move |(id, title): (String, String)| {
            rename.mutate((
                id,
                UpdateRecording {
                    title: Some(title),
                    ..Default::default()
                },
            ));
        }),
        on_move: use_callback(move |(id, project): (String, Option<String>)| {
            move_to.mutate((
                id,
                UpdateRecording {
                    project_id: Some(project),
                    ..Default::default()
                },
            ));
        }),
        on_delete: use_callback(move |id: String| delete.mutate(id)),
    }
}

// ------------------------------------------------------------------ projects

/// Creates a project (`(pending id, new project)`); it shows in the list at
/// once, under the made-up id, until the server's answer replaces it.
pub fn use_create_project() -> ApiMutation<(String, NewProject), Project> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |(_, project): (String, NewProject)| {
            let api = api.clone();
            async move { api.create_project(&project).await }
        })
        .on_mutate(|optimistic, (pending, project)| {
            let pending =
                changes::pending_project(pending.clone(), &project.name, &project.description);
            optimistic.update::<Vec<Project>>(&keys::projects::list(), move |list| {
                changes::add_project(list, &pending)
            });
        })
        .on_success(move |project, _, _| {
            toasts.success(format!("Project “{}” created", project.name))
        })
        .on_error(move |error, _, _| toasts.api_error("Couldn’t create the project", error))
        .invalidates([keys::projects::all(), keys::dashboard::stats()])
    })
}

/// Renames a project (`(id, name)`).
pub fn use_rename_project() -> ApiMutation<(String, String), Project> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |(id, name): (String, String)| {
            let api = api.clone();
            async move {
                let changes = UpdateProject {
                    name: Some(name),
                    description: None,
                };
                api.update_project(&id, &changes).await
            }
        })
        .on_mutate(|optimistic, (id, name)| {
            let (list_id, list_name) = (id.clone(), name.clone());
            optimistic.update::<Vec<Project>>(&keys::projects::list(), move |list| {
                changes::rename_project(list, &list_id, &list_name)
            });
            let name = name.clone();
            optimistic.update::<Project>(&keys::projects::detail(id), move |project| Project {
                name: name.clone(),
                ..project.clone()
            });
        })
        .on_error(move |error, _, _| toasts.api_error("Couldn’t rename the project", error))
        // Recordings show their project's name.
        .invalidates([keys::projects::all(), keys::recordings::all()])
    })
}

/// Deletes a project (by id); its recordings stay, unassigned.
pub fn use_delete_project() -> ApiMutation<String, ()> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |id: String| {
            let api = api.clone();
            async move { api.delete_project(&id).await }
        })
        .on_mutate(|optimistic, id| {
            let id = id.clone();
            optimistic.update::<Vec<Project>>(&keys::projects::list(), move |list| {
                changes::remove_project(list, &id)
            });
        })
        .on_success(move |_, _, _| toasts.success("Project deleted; its recordings are kept"))
        .on_error(move |error, _, _| toasts.api_error("Couldn’t delete the project", error))
        .invalidates([
            keys::projects::all(),
            keys::recordings::all(),
            keys::dashboard::stats(),
        ])
    })
}

// ------------------------------------------------------------- conversations

/// Starts a conversation (`(pending id, title)`), shown first in the list at once.
pub fn use_create_conversation()
-> UseMutation<(String, String), Conversation, ApiError, changes::ServerId> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |(_, title): (String, String)| {
            let api = api.clone();
            async move {
                let title = Some(title).filter(|t| !t.trim().is_empty());
                api.create_conversation(&NewConversation { title }).await
            }
        })
        .on_mutate(|optimistic, (pending, title)| {
            let title = if title.trim().is_empty() {
                "New conversation"
            } else {
                title.trim()
            };
            let pending = changes::pending_conversation(pending.clone(), title);
            let stored = changes::ServerId::default();
            let known = stored.clone();
            optimistic.update::<Vec<Conversation>>(&keys::conversations::list(), move |list| {
                changes::add_conversation(list, &pending, known.get().as_deref())
            });
            stored
        })
        .on_success(|created: &Conversation, _, stored| stored.set(&created.id))
        .on_error(move |error, _, _| toasts.api_error("Couldn’t start the conversation", error))
        .invalidates([keys::conversations::list(), keys::dashboard::stats()])
    })
}

/// Retitles a conversation (`(id, title)`).
pub fn use_rename_conversation() -> ApiMutation<(String, String), Conversation> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |(id, title): (String, String)| {
            let api = api.clone();
            async move {
                api.update_conversation(&id, &UpdateConversation { title })
                    .await
            }
        })
        .on_mutate(|optimistic, (id, title)| {
            let (list_id, list_title) = (id.clone(), title.clone());
            optimistic.update::<Vec<Conversation>>(&keys::conversations::list(), move |list| {
                changes::rename_conversation(list, &list_id, &list_title)
            });
            let title = title.clone();
            optimistic.update::<ConversationDetail>(
                &keys::conversations::detail(id),
                move |detail| {
                    let mut detail = detail.clone();
                    detail.conversation.title = title.clone();
                    detail
                },
            );
        })
        .on_error(move |error, _, _| toasts.api_error("Couldn’t rename the conversation", error))
        .invalidates([keys::conversations::all()])
    })
}

/// Deletes a conversation (by id).
pub fn use_delete_conversation() -> ApiMutation<String, ()> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |id: String| {
            let api = api.clone();
            async move { api.delete_conversation(&id).await }
        })
        .on_mutate(|optimistic, id| {
            let id = id.clone();
            optimistic.update::<Vec<Conversation>>(&keys::conversations::list(), move |list| {
                changes::remove_conversation(list, &id)
            });
        })
        .on_success(move |_, _, _| toasts.success("Conversation deleted"))
        .on_error(move |error, _, _| toasts.api_error("Couldn’t delete the conversation", error))
        .invalidates([keys::conversations::list(), keys::dashboard::stats()])
    })
}

/// Sends a message (`(conversation id, pending id, text)`): it shows at the
/// end of the conversation at once; on failure it goes and `on_failed` gets
/// the text back (to put it back in the input).
pub fn use_send_message(
    on_failed: impl Fn(String) + 'static,
) -> UseMutation<(String, String, String), Message, ApiError, changes::ServerId> {
    let (api, toasts) = context();
    let on_failed = std::rc::Rc::new(on_failed);
    use_mutation(move || {
        Mutation::new(move |(conversation, _, text): (String, String, String)| {
            let api = api.clone();
            async move {
                api.send_message(&conversation, &NewMessage { content: text })
                    .await
            }
        })
        .on_mutate(|optimistic, (conversation, pending, text)| {
            let message = changes::pending_message(pending.clone(), conversation, text);
            let stored = changes::ServerId::default();
            let known = stored.clone();
            let copies = std::cell::Cell::default();
            optimistic.update::<ConversationDetail>(
                &keys::conversations::detail(conversation),
                move |detail| {
                    changes::append_message(detail, &message, known.get().as_deref(), &copies)
                },
            );
            stored
        })
        .on_success(|sent: &Message, _, stored| stored.set(&sent.id))
        .on_error(move |error, (_, _, text), _| {
            toasts.api_error("Couldn’t send the message", error);
            on_failed(text.clone());
        })
        .invalidates([keys::conversations::all()])
    })
}

// -------------------------------------------------------------------- search

/// Forgets one saved search (by id).
pub fn use_delete_search_entry() -> ApiMutation<String, ()> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |id: String| {
            let api = api.clone();
            async move { api.delete_search_history_entry(&id).await }
        })
        .on_mutate(|optimistic, id| {
            let id = id.clone();
            optimistic.update::<Vec<SearchHistoryEntry>>(&keys::search::history(), move |list| {
                changes::remove_history_entry(list, &id)
            });
        })
        .on_error(move |error, _, _| toasts.api_error("Couldn’t remove the search", error))
        .invalidates([keys::search::history()])
    })
}

/// Forgets every saved search.
pub fn use_clear_search_history() -> ApiMutation<(), ()> {
    let (api, toasts) = context();
    use_mutation(move || {
        Mutation::new(move |()| {
            let api = api.clone();
            async move { api.clear_search_history().await }
        })
        .on_mutate(|optimistic, ()| {
            optimistic.update::<Vec<SearchHistoryEntry>>(&keys::search::history(), |_| Vec::new());
        })
        .on_success(move |_, _, _| toasts.success("Search history cleared"))
        .on_error(move |error, _, _| toasts.api_error("Couldn’t clear the history", error))
        .invalidates([keys::search::history()])
    })
}
