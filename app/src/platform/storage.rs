//! Small pieces of UI state that outlive the app (the recordings list's
//! filters): a JSON file per name in the app's data directory on native
//! builds, `localStorage` in the browser.
//!
//! Native builds write only once [`set_dir`] named a directory (the
//! launcher does); without one — a headless test, say — values live in
//! memory for the life of the process, so tests never touch the user's files.

/// Where the native builds keep their files.
#[cfg(any(feature = "desktop", feature = "mobile"))]
mod imp {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;

    static DIR: OnceLock<PathBuf> = OnceLock::new();

    thread_local! {
        // Values of a run without a directory.
        static MEMORY: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }

    /// Keeps the values as files in `dir` from now on (set once, at launch).
    pub fn set_dir(dir: PathBuf) {
        let _ = DIR.set(dir);
    }

    fn file(dir: &Path, name: &str) -> PathBuf {
        dir.join(format!("{name}.json"))
    }

    /// The value saved under `name`, if any.
    pub fn load(name: &str) -> Option<String> {
        match DIR.get() {
            Some(dir) => std::fs::read_to_string(file(dir, name)).ok(),
            None => MEMORY.with(|memory| memory.borrow().get(name).cloned()),
        }
    }

    /// Saves `value` under `name`. Failing to save is logged, not fatal: the
    /// value is a convenience.
    pub fn save(name: &str, value: &str) {
        let Some(dir) = DIR.get() else {
            MEMORY.with(|memory| memory.borrow_mut().insert(name.into(), value.into()));
            return;
        };
        // Written aside and renamed, so a crash mid-write leaves the old file.
        let target = file(dir, name);
        let temporary = dir.join(format!(".{name}.json.tmp"));
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&temporary, value))
            .and_then(|()| std::fs::rename(&temporary, &target));
        if let Err(error) = written {
            tracing::warn!("could not save {}: {error}", target.display());
        }
    }
}

/// The browser's `localStorage`, under `earshot.<name>`.
#[cfg(all(feature = "web", not(any(feature = "desktop", feature = "mobile"))))]
mod imp {
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    /// The value saved under `name`, if any.
    pub fn load(name: &str) -> Option<String> {
        storage()?
            .get_item(&format!("earshot.{name}"))
            .ok()
            .flatten()
    }

    /// Saves `value` under `name` (quietly does nothing where storage is
    /// refused, as in some private windows).
    pub fn save(name: &str, value: &str) {
        if let Some(storage) = storage() {
            let _ = storage.set_item(&format!("earshot.{name}"), value);
        }
    }
}

#[cfg(any(feature = "desktop", feature = "mobile"))]
pub use imp::set_dir;
pub use imp::{load, save};
