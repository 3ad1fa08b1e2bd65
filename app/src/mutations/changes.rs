//! The optimistic changes, as plain functions from cached data to cached
//! data. They must be idempotent: the cache applies them again to newer
//! server data that arrives while the mutation is pending.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use earshot_shared::dto::{
    Conversation, ConversationDetail, Message, Page, Project, Recording, RecordingDetail, Role,
    SearchHistoryEntry, UpdateRecording,
};

/// The prefix of ids made up for rows the server has not created yet.
pub const PENDING_PREFIX: &str = "pending-";

/// The id the server gave a row created optimistically, once its write
/// succeeded: how the optimistic change recognises the server's copy of its
/// row in data fetched meanwhile (two rows may well hold the same text).
///
/// A mutation's `on_mutate` returns it as the context, its `on_success`
/// fills it, and the optimistic change reads it each time it is applied.
#[derive(Clone, Debug, Default)]
pub struct ServerId(Rc<RefCell<Option<String>>>);

impl ServerId {
    /// Records the server's id for the row.
    pub fn set(&self, id: &str) {
        *self.0.borrow_mut() = Some(id.to_string());
    }

    /// The server's id for the row, once known.
    pub fn get(&self) -> Option<String> {
        self.0.borrow().clone()
    }
}

/// A made-up id for a row that exists only optimistically.
pub fn pending_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{PENDING_PREFIX}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Whether `id` is one of [`pending_id`]'s (such a row cannot be opened
/// or edited yet).
pub fn is_pending(id: &str) -> bool {
    id.starts_with(PENDING_PREFIX)
}

// ---------------------------------------------------------------- recordings

/// `recording` with `changes` applied; `project_name` names the project it
/// moves to, when it moves.
pub fn edit_recording(
    recording: &Recording,
    changes: &UpdateRecording,
    project_name: Option<&str>,
) -> Recording {
    let mut edited = recording.clone();
    if let Some(title) = &changes.title {
        edited.title = title.clone();
    }
    if let Some(project) = &changes.project_id {
        edited.project_id = project.clone();
        edited.project_name = project.as_ref().and(project_name.map(str::to_string));
    }
    if let Some(transcript) = &changes.transcript {
        edited.has_transcript = !transcript.trim().is_empty();
    }
    edited
}

/// A page of recordings with recording `id` edited.
pub fn edit_in_page(
    page: &Page<Recording>,
    id: &str,
    changes: &UpdateRecording,
    project_name: Option<&str>,
) -> Page<Recording> {
    Page {
        items: page
            .items
            .iter()
            .map(|r| {
                if r.id == id {
                    edit_recording(r, changes, project_name)
                } else {
                    r.clone()
                }
            })
            .collect(),
        ..page.clone()
    }
}

/// A recording's detail with `changes` applied.
pub fn edit_detail(
    detail: &RecordingDetail,
    changes: &UpdateRecording,
    project_name: Option<&str>,
) -> RecordingDetail {
    RecordingDetail {
        recording: edit_recording(&detail.recording, changes, project_name),
        notes: changes
            .notes
            .clone()
            .unwrap_or_else(|| detail.notes.clone()),
        transcript: changes
            .transcript
            .clone()
            .unwrap_or_else(|| detail.transcript.clone()),
        waveform: detail.waveform.clone(),
    }
}

/// A page of recordings without recording `id` (the total follows).
pub fn remove_from_page(page: &Page<Recording>, id: &str) -> Page<Recording> {
    let items: Vec<Recording> = page.items.iter().filter(|r| r.id != id).cloned().collect();
    let removed = (page.items.len() - items.len()) as u64;
    Page {
        items,
        total: page.total.saturating_sub(removed),
        ..page.clone()
    }
}

// ------------------------------------------------------------------ projects

/// A project as it shows before the server has created it.
pub fn pending_project(id: String, name: &str, description: &str) -> Project {
    let now = Utc::now();
    Project {
        id,
        name: name.trim().to_string(),
        description: description.trim().to_string(),
        recording_count: 0,
        created_at: now,
        updated_at: now,
    }
}

/// The projects with `project` added at its place in name order (the
/// server's order), unless it is already there — by id, or by name, since
/// names are unique: a list fetched after the server created it holds it
/// under its real id.
pub fn add_project(list: &[Project], project: &Project) -> Vec<Project> {
    let mut list = list.to_vec();
    if !list
        .iter()
        .any(|p| p.id == project.id || p.name == project.name)
    {
        let at = list
            .iter()
            .position(|p| p.name.to_lowercase() > project.name.to_lowercase())
            .unwrap_or(list.len());
        list.insert(at, project.clone());
    }
    list
}

/// The projects with project `id` renamed.
pub fn rename_project(list: &[Project], id: &str, name: &str) -> Vec<Project> {
    list.iter()
        .map(|p| {
            if p.id == id {
                Project {
                    name: name.to_string(),
                    ..p.clone()
                }
            } else {
                p.clone()
            }
        })
        .collect()
}

/// The projects without project `id`.
pub fn remove_project(list: &[Project], id: &str) -> Vec<Project> {
    list.iter().filter(|p| p.id != id).cloned().collect()
}

// ------------------------------------------------------------- conversations

/// A conversation as it shows before the server has created it.
pub fn pending_conversation(id: String, title: &str) -> Conversation {
    let now = Utc::now();
    Conversation {
        id,
        title: title.to_string(),
        message_count: 0,
        created_at: now,
        updated_at: now,
    }
}

/// The conversations with `conversation` first (the most recently active
/// come first), unless it is already there: by its id, or by the id the
/// server gave it (`stored`, once known).
pub fn add_conversation(
    list: &[Conversation],
    conversation: &Conversation,
    stored: Option<&str>,
) -> Vec<Conversation> {
    if list
        .iter()
        .any(|c| c.id == conversation.id || Some(c.id.as_str()) == stored)
    {
        return list.to_vec();
    }
    std::iter::once(conversation.clone())
        .chain(list.iter().cloned())
        .collect()
}

/// The conversations with conversation `id` retitled.
pub fn rename_conversation(list: &[Conversation], id: &str, title: &str) -> Vec<Conversation> {
    list.iter()
        .map(|c| {
            if c.id == id {
                Conversation {
                    title: title.to_string(),
                    ..c.clone()
                }
            } else {
                c.clone()
            }
        })
        .collect()
}

/// The conversations without conversation `id`.
pub fn remove_conversation(list: &[Conversation], id: &str) -> Vec<Conversation> {
    list.iter().filter(|c| c.id != id).cloned().collect()
}

/// The user's message as it shows before the server has stored it.
pub fn pending_message(id: String, conversation_id: &str, content: &str) -> Message {
    Message {
        id,
        conversation_id: conversation_id.to_string(),
        role: Role::User,
        content: content.to_string(),
        created_at: Utc::now(),
    }
}

/// The conversation with `message` at the end, unless it is already there:
/// by its id, by the id the server gave it (`stored`, once known), or
/// because the server's copy arrived before the answer to the send did.
///
/// For the last, `copies` remembers how many of the user's messages held
/// the same text when the message was first shown; one more than that is
/// its copy. Counting, not matching the text, keeps a text sent twice
/// ("ok", "ok") showing twice.
pub fn append_message(
    detail: &ConversationDetail,
    message: &Message,
    stored: Option<&str>,
    copies: &Cell<Option<usize>>,
) -> ConversationDetail {
    let mut detail = detail.clone();
    let same_text = detail
        .messages
        .iter()
        .filter(|m| m.role == message.role && m.content == message.content)
        .count();
    let before = copies.get().unwrap_or(same_text);
    copies.set(Some(before));
    let there = same_text > before
        || detail
            .messages
            .iter()
            .any(|m| m.id == message.id || Some(m.id.as_str()) == stored);
    if !there {
        detail.messages.push(message.clone());
        detail.conversation.message_count += 1;
    }
    detail
}

// -------------------------------------------------------------------- search

/// The history without entry `id`.
pub fn remove_history_entry(list: &[SearchHistoryEntry], id: &str) -> Vec<SearchHistoryEntry> {
    list.iter().filter(|e| e.id != id).cloned().collect()
}

#[cfg(test)]
mod tests {
    use earshot_shared::dto::RecordingStatus;

    use super::*;

    fn recording(id: &str, title: &str) -> Recording {
        let now = Utc::now();
        Recording {
            id: id.into(),
            title: title.into(),
            status: RecordingStatus::Ready,
            progress: 100,
            error: None,
            project_id: None,
            project_name: None,
            file_name: format!("{title}.wav"),
            size_bytes: 1,
            format: None,
            duration_ms: None,
            sample_rate: None,
            channels: None,
            peak_dbfs: None,
            rms_dbfs: None,
            has_transcript: false,
            created_at: now,
            updated_at: now,
        }
    }

    fn page(items: Vec<Recording>) -> Page<Recording> {
        Page {
            total: items.len() as u64 + 10,
            items,
            page: 1,
            per_page: 25,
            next: None,
        }
    }

    #[test]
    fn editing_a_recording_changes_only_that_row_and_only_the_given_fields() {
        let list = page(vec![recording("a", "A"), recording("b", "B")]);
        let changes = UpdateRecording {
            title: Some("Renamed".into()),
            ..Default::default()
        };
        let edited = edit_in_page(&list, "b", &changes, None);
        assert_eq!(edited.items[0], list.items[0]);
        assert_eq!(edited.items[1].title, "Renamed");
        assert_eq!(edited.items[1].file_name, "B.wav");
        assert_eq!(edited.total, list.total);
        assert_eq!(edit_in_page(&edited, "b", &changes, None), edited);
    }

    #[test]
    fn moving_a_recording_sets_or_clears_its_project() {
        let moved = edit_recording(
            &recording("a", "A"),
            &UpdateRecording {
                project_id: Some(Some("p1".into())),
                ..Default::default()
            },
            Some("Interviews"),
        );
        assert_eq!(moved.project_id.as_deref(), Some("p1"));
        assert_eq!(moved.project_name.as_deref(), Some("Interviews"));
        let unassigned = edit_recording(
            &moved,
            &UpdateRecording {
                project_id: Some(None),
                ..Default::default()
            },
            Some("ignored"),
        );
        assert_eq!(unassigned.project_id, None);
        assert_eq!(unassigned.project_name, None);
    }

    #[test]
    fn removing_a_recording_shrinks_the_total_once() {
        let list = page(vec![recording("a", "A"), recording("b", "B")]);
        let once = remove_from_page(&list, "a");
        assert_eq!(once.items.len(), 1);
        assert_eq!(once.total, list.total - 1);
        assert_eq!(remove_from_page(&once, "a"), once);
    }

    #[test]
    fn a_new_project_takes_its_place_in_name_order_once() {
        let list = vec![
            pending_project("1".into(), "Alpha", ""),
            pending_project("2".into(), "Gamma", ""),
        ];
        let beta = pending_project(pending_id(), " Beta ", "");
        let added = add_project(&list, &beta);
        let names: Vec<&str> = added.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Alpha", "Beta", "Gamma"]);
        assert_eq!(add_project(&added, &beta), added);
        assert!(is_pending(&beta.id));
        assert!(!is_pending("0190c1d2"));
    }

    #[test]
    fn renaming_and_removing_projects_touch_only_the_one_named() {
        let list = vec![
            pending_project("1".into(), "Alpha", ""),
            pending_project("2".into(), "Gamma", ""),
        ];
        let renamed = rename_project(&list, "2", "Delta");
        assert_eq!(renamed[1].name, "Delta");
        assert_eq!(renamed[0], list[0]);
        assert_eq!(remove_project(&list, "1"), vec![list[1].clone()]);
    }

    #[test]
    fn a_sent_message_is_appended_once_and_counted() {
        let detail = ConversationDetail {
            conversation: pending_conversation("c1".into(), "Chat"),
            messages: vec![],
        };
        let message = pending_message(pending_id(), "c1", "Hello");
        let once = append_message(&detail, &message, None, &Cell::default());
        assert_eq!(once.messages.len(), 1);
        assert_eq!(once.messages[0].role, Role::User);
        assert_eq!(once.conversation.message_count, 1);
        assert_eq!(
            append_message(&once, &message, None, &Cell::default()),
            once
        );
    }

    #[test]
    fn the_servers_copy_of_a_pending_row_stands_for_it() {
        let message = pending_message(pending_id(), "c1", "Hello");
        let stored = Message {
            id: "m1".into(),
            ..message.clone()
        };
        let detail = ConversationDetail {
            conversation: pending_conversation("c1".into(), "Chat"),
            messages: vec![stored],
        };
        assert_eq!(
            append_message(&detail, &message, Some("m1"), &Cell::default()),
            detail
        );

        let pending = pending_project(pending_id(), "Interviews", "");
        let created = vec![pending_project("p1".into(), "Interviews", "")];
        assert_eq!(add_project(&created, &pending), created);
        // Names are unique as written: another case is another project.
        let other = pending_project(pending_id(), "interviews", "");
        assert_eq!(add_project(&created, &other).len(), 2);

        let chat = pending_conversation(pending_id(), "Budget");
        let listed = vec![pending_conversation("c9".into(), "Budget")];
        assert_eq!(add_conversation(&listed, &chat, Some("c9")), listed);
    }

    #[test]
    fn the_same_text_sent_twice_shows_twice() {
        // The first "ok" is stored as m1; the second is still on its way.
        let first = Message {
            id: "m1".into(),
            ..pending_message(pending_id(), "c1", "ok")
        };
        let mut detail = ConversationDetail {
            conversation: pending_conversation("c1".into(), "Chat"),
            messages: vec![first],
        };
        detail.conversation.message_count = 1;
        let second = pending_message(pending_id(), "c1", "ok");
        let copies = Cell::default();
        let shown = append_message(&detail, &second, None, &copies);
        assert_eq!(shown.messages.len(), 2);
        assert_eq!(shown.conversation.message_count, 2);
        // Stored as m2, it stands for itself once the list holds it.
        let mut fetched = shown.clone();
        fetched.messages[1].id = "m2".into();
        // Its copy may come with a refetch before the answer to the send.
        assert_eq!(append_message(&fetched, &second, None, &copies), fetched);
        assert_eq!(
            append_message(&fetched, &second, Some("m2"), &copies),
            fetched
        );

        let budget = vec![pending_conversation("c9".into(), "Budget")];
        let another = pending_conversation(pending_id(), "Budget");
        assert_eq!(add_conversation(&budget, &another, None).len(), 2);
        assert_eq!(add_conversation(&budget, &another, Some("c10")).len(), 2);
    }

    #[test]
    fn a_new_conversation_comes_first_once() {
        let list = vec![pending_conversation("c1".into(), "Old")];
        let new = pending_conversation("c2".into(), "New");
        let added = add_conversation(&list, &new, None);
        assert_eq!(added[0].id, "c2");
        assert_eq!(add_conversation(&added, &new, None), added);
        assert_eq!(
            rename_conversation(&added, "c1", "Renamed")[1].title,
            "Renamed"
        );
        assert_eq!(remove_conversation(&added, "c2"), list);
    }
}
