//! Toasts: short messages about what just happened ("Project created",
//! "Couldn't delete the recording: …"), stacked in a corner and gone after a
//! few seconds.
//!
//! [`ToastProvider`] sits at the app's root and owns the list; anything below
//! it calls [`use_toasts`] and [`Toasts::success`] / [`Toasts::error`] —
//! mutation callbacks included, which run outside any component.
//! [`ToastStack`] draws them; the shell places it.

use std::time::Duration;

use dioxus::prelude::*;

use crate::api::ApiError;
use crate::platform;
use crate::sync::ConnectionState;
use crate::sync::provider::Connection;

/// How long a success stays up.
pub const SUCCESS_TIMEOUT: Duration = Duration::from_secs(4);
/// How long an error stays up: longer, it may need reading twice.
pub const ERROR_TIMEOUT: Duration = Duration::from_secs(8);
/// The most toasts shown at once; a new one pushes out the oldest.
pub const MAX_SHOWN: usize = 5;

/// Good news or bad news.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    /// Something worked.
    Success,
    /// Something failed.
    Error,
    /// Worth knowing, neither good nor bad ("This recording was deleted").
    Info,
}

impl ToastKind {
    /// The CSS modifier (`toast-success`, `toast-error`).
    pub fn as_str(self) -> &'static str {
        match self {
            ToastKind::Success => "success",
            ToastKind::Error => "error",
            ToastKind::Info => "info",
        }
    }

    /// How long a toast of this kind stays up.
    pub fn timeout(self) -> Duration {
        match self {
            ToastKind::Success | ToastKind::Info => SUCCESS_TIMEOUT,
            ToastKind::Error => ERROR_TIMEOUT,
        }
    }
}

/// One message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    /// Unique while the app runs.
    pub id: u64,
    /// Success or error.
    pub kind: ToastKind,
    /// What it says.
    pub message: String,
    /// The server's error code, when an error came with one.
    pub code: Option<String>,
}

/// The toasts on screen, oldest first: plain data, so its rules are tested
/// without a renderer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToastList {
    next_id: u64,
    shown: Vec<Toast>,
}

impl ToastList {
    /// Adds a toast and returns its id; beyond [`MAX_SHOWN`] the oldest go.
    pub fn push(&mut self, kind: ToastKind, message: String, code: Option<String>) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.shown.push(Toast {
            id,
            kind,
            message,
            code,
        });
        let excess = self.shown.len().saturating_sub(MAX_SHOWN);
        self.shown.drain(..excess);
        id
    }

    /// Removes the toast `id` (nothing if it is already gone).
    pub fn dismiss(&mut self, id: u64) {
        self.shown.retain(|toast| toast.id != id);
    }

    /// The toasts, oldest first.
    pub fn shown(&self) -> &[Toast] {
        &self.shown
    }
}

/// The app's toasts, as components and callbacks hold them (`Copy`).
#[derive(Clone, Copy, PartialEq)]
pub struct Toasts {
    list: Signal<ToastList>,
}

impl Toasts {
    /// Shows a success message.
    pub fn success(&self, message: impl Into<String>) {
        self.show(ToastKind::Success, message.into(), None);
    }

    /// Shows a neutral message.
    pub fn info(&self, message: impl Into<String>) {
        self.show(ToastKind::Info, message.into(), None);
    }

    /// Shows an error message.
    pub fn error(&self, message: impl Into<String>) {
        self.show(ToastKind::Error, message.into(), None);
    }

    /// Shows what failed (`context`, e.g. "Couldn't rename the project") and
    /// the server's reason.
    pub fn api_error(&self, context: &str, error: &ApiError) {
        self.show(
            ToastKind::Error,
            format!("{context}: {error}"),
            error.code().map(str::to_string),
        );
    }

    /// Removes a toast now.
    pub fn dismiss(&self, id: u64) {
        let mut list = self.list;
        list.write().dismiss(id);
    }

    /// The toasts on screen (subscribes the caller).
    pub fn shown(&self) -> Vec<Toast> {
        self.list.read().shown().to_vec()
    }

    fn show(&self, kind: ToastKind, message: String, code: Option<String>) {
        let mut list = self.list;
        let id = list.write().push(kind, message, code);
        let this = *self;
        // The timer belongs to the app: the page that asked may be gone.
        dioxus::core::spawn_forever(async move {
            platform::sleep(kind.timeout()).await;
            this.dismiss(id);
        });
    }
}

/// Provides [`Toasts`] to everything below it.
#[component]
pub fn ToastProvider(children: Element) -> Element {
    // Owned by the root: toasts are written from tasks of any scope.
    use_context_provider(|| Toasts {
        list: Signal::new_in_scope(ToastList::default(), ScopeId::ROOT),
    });
    children
}

/// The app's toasts.
pub fn use_toasts() -> Toasts {
    use_context::<Toasts>()
}

/// The toasts, newest at the bottom, each with a dismiss button.
#[component]
pub fn ToastStack() -> Element {
    let toasts = use_toasts();
    // The connection indicator shares the corner: the stack moves up while
    // it shows.
    let raised = try_use_context::<Connection>()
        .is_some_and(|connection| connection.state() != ConnectionState::Live);
    let shown = toasts.shown();
    rsx! {
        div {
            class: if raised { "toast-stack raised" } else { "toast-stack" },
            role: "status",
            aria_live: "polite",
            for toast in shown {
                div {
                    key: "{toast.id}",
                    class: "toast toast-{toast.kind.as_str()}",
                    // A failure is announced at once, interrupting.
                    role: (toast.kind == ToastKind::Error).then_some("alert"),
                    "data-kind": toast.kind.as_str(),
                    "data-code": toast.code.clone().unwrap_or_default(),
                    span { class: "toast-message", "{toast.message}" }
                    button {
                        class: "toast-dismiss",
                        r#type: "button",
                        aria_label: "Dismiss",
                        title: "Dismiss",
                        onclick: move |_| toasts.dismiss(toast.id),
                        "×"
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toasts_get_distinct_ids_and_keep_their_order() {
        let mut list = ToastList::default();
        let a = list.push(ToastKind::Success, "a".into(), None);
        let b = list.push(ToastKind::Error, "b".into(), Some("not_found".into()));
        assert_ne!(a, b);
        let messages: Vec<&str> = list.shown().iter().map(|t| t.message.as_str()).collect();
        assert_eq!(messages, ["a", "b"]);
        assert_eq!(list.shown()[1].code.as_deref(), Some("not_found"));
    }

    #[test]
    fn dismissing_removes_only_that_toast_and_twice_is_harmless() {
        let mut list = ToastList::default();
        let a = list.push(ToastKind::Success, "a".into(), None);
        list.push(ToastKind::Success, "b".into(), None);
        list.dismiss(a);
        list.dismiss(a);
        assert_eq!(list.shown().len(), 1);
        assert_eq!(list.shown()[0].message, "b");
    }

    #[test]
    fn beyond_the_limit_the_oldest_toasts_go() {
        let mut list = ToastList::default();
        for i in 0..MAX_SHOWN + 2 {
            list.push(ToastKind::Error, format!("{i}"), None);
        }
        assert_eq!(list.shown().len(), MAX_SHOWN);
        assert_eq!(list.shown()[0].message, "2");
    }

    /// Lets the app run for `millis` of paused (virtual) time.
    async fn run_for(dom: &mut VirtualDom, millis: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(millis);
        while tokio::time::timeout_at(deadline, dom.wait_for_work())
            .await
            .is_ok()
        {
            dom.render_immediate(&mut dioxus::core::NoOpMutations);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_toast_shows_at_once_and_goes_by_itself() {
        #[component]
        fn Saver() -> Element {
            let toasts = use_toasts();
            use_effect(move || toasts.success("Saved the notes"));
            rsx! {}
        }
        fn app() -> Element {
            rsx! {
                ToastProvider {
                    Saver {}
                    ToastStack {}
                }
            }
        }
        let mut dom = VirtualDom::new(app);
        dom.rebuild_in_place();
        run_for(&mut dom, 10).await;
        let html = dioxus_ssr::render(&dom);
        assert!(html.contains("Saved the notes"), "{html}");
        assert!(html.contains(r#"data-kind="success""#), "{html}");

        run_for(&mut dom, SUCCESS_TIMEOUT.as_millis() as u64).await;
        let html = dioxus_ssr::render(&dom);
        assert!(!html.contains("Saved the notes"), "{html}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_is_an_alert_and_a_success_is_not() {
        #[component]
        fn Saver() -> Element {
            let toasts = use_toasts();
            use_effect(move || {
                toasts.success("Saved the notes");
                toasts.error("Couldn’t save the transcript");
            });
            rsx! {}
        }
        fn app() -> Element {
            rsx! {
                ToastProvider {
                    Saver {}
                    ToastStack {}
                }
            }
        }
        let mut dom = VirtualDom::new(app);
        dom.rebuild_in_place();
        run_for(&mut dom, 10).await;
        let html = dioxus_ssr::render(&dom);
        assert_eq!(html.matches(r#"role="alert""#).count(), 1, "{html}");
        let alert = html.find(r#"role="alert""#).unwrap();
        let failure = html.find("Couldn’t save the transcript").unwrap();
        let success = html.find("Saved the notes").unwrap();
        assert!(success < alert && alert < failure, "{html}");
    }

    #[test]
    fn errors_stay_up_longer_than_successes() {
        assert!(ToastKind::Error.timeout() > ToastKind::Success.timeout());
    }
}
