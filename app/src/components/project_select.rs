//! The select that puts a recording in a project, or in none.

use dioxus::prelude::*;
use earshot_shared::dto::Project;

/// The options of a project select: "No project" (the empty value), the
/// recording's project when `projects` does not hold it yet (created
/// elsewhere a moment ago: it still shows, by name), then `projects`.
fn options(
    current: Option<&str>,
    current_name: Option<&str>,
    projects: &[Project],
) -> Vec<(String, String)> {
    let mut options = vec![(String::new(), "No project".to_string())];
    if let Some(current) = current.filter(|c| !projects.iter().any(|p| p.id == *c)) {
        options.push((
            current.to_string(),
            current_name.unwrap_or(current).to_string(),
        ));
    }
    options.extend(projects.iter().map(|p| (p.id.clone(), p.name.clone())));
    options
}

/// A select of `projects` with the recording's project (`current`, named
/// `current_name`) selected; `on_move` gets the chosen project's id, `None`
/// for "No project".
#[component]
pub fn ProjectSelect(
    /// The recording's project.
    current: Option<String>,
    /// Its name, shown when `projects` does not list it yet.
    current_name: Option<String>,
    /// The projects to choose from.
    projects: Vec<Project>,
    /// The select's accessible name, e.g. "Project of Standup".
    label: String,
    /// Called with the chosen project.
    on_move: EventHandler<Option<String>>,
) -> Element {
    let selected = current.clone().unwrap_or_default();
    let options = options(current.as_deref(), current_name.as_deref(), &projects);
    rsx! {
        select {
            class: "select small",
            "aria-label": "{label}",
            onchange: move |event: FormEvent| {
                on_move.call(Some(event.value()).filter(|v| !v.is_empty()));
            },
            for (value, name) in options {
                option {
                    key: "{value}",
                    selected: value == selected,
                    value: "{value}",
                    "{name}"
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn project(id: &str, name: &str) -> Project {
        Project {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            recording_count: 0,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_project_not_listed_yet_still_shows_by_name() {
        let projects = [project("p1", "Interviews")];
        let ids = |options: Vec<(String, String)>| -> Vec<String> {
            options
                .into_iter()
                .map(|(id, name)| format!("{id}={name}"))
                .collect()
        };
        assert_eq!(
            ids(options(None, None, &projects)),
            ["=No project", "p1=Interviews"]
        );
        assert_eq!(
            ids(options(Some("p1"), Some("Interviews"), &projects)),
            ["=No project", "p1=Interviews"]
        );
        assert_eq!(
            ids(options(Some("p2"), Some("Drafts"), &projects)),
            ["=No project", "p2=Drafts", "p1=Interviews"]
        );
        assert_eq!(
            ids(options(Some("p3"), None, &projects)),
            ["=No project", "p3=p3", "p1=Interviews"]
        );
    }
}
