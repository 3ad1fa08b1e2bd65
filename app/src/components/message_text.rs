//! A chat message's text, with the recordings it cites as links.
//!
//! Replies cite passages as markdown-style links,
//! `[Standup @ 1:23](/recordings/<id>?t=83)`. Only that shape becomes a
//! link, to a page of this app; everything else — other links, HTML,
//! brackets — is shown as the text it is. Nothing is ever inserted as
//! markup.

use dioxus::prelude::*;

use crate::route::Route;

/// A piece of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessagePart {
    /// Plain text.
    Text(String),
    /// A cited recording.
    Citation {
        /// The link's text, e.g. `Standup @ 1:23`.
        label: String,
        /// The recording's id.
        id: String,
        /// Where in it, in seconds, when given.
        at: Option<u32>,
    },
}

/// Splits `content` into text and citations.
pub fn parse_message(content: &str) -> Vec<MessagePart> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = content;
    while let Some(open) = rest.find('[') {
        let (before, from_bracket) = rest.split_at(open);
        text.push_str(before);
        match citation(from_bracket) {
            Some((part, used)) => {
                if !text.is_empty() {
                    parts.push(MessagePart::Text(std::mem::take(&mut text)));
                }
                parts.push(part);
                rest = &from_bracket[used..];
            }
            None => {
                text.push('[');
                rest = &from_bracket[1..];
            }
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(MessagePart::Text(text));
    }
    parts
}

/// Reads `[label](/recordings/<id>?t=<seconds>)` at the start of `s`;
/// returns the citation and how many bytes it took.
///
/// Neither part is looked for past where it must end (the label at its first
/// `]`, `[` or line break, the target at the first character a target
/// cannot hold), so reading a whole message stays linear in its length
/// however many brackets it has.
fn citation(s: &str) -> Option<(MessagePart, usize)> {
    let label_len = s[1..].find(['[', ']', '\n'])?;
    let label_end = 1 + label_len;
    if !s[label_end..].starts_with("](") {
        return None;
    }
    let label = &s[1..label_end];
    if label.trim().is_empty() {
        return None;
    }
    let target_start = label_end + 2;
    let target_len = s[target_start..].find(|c: char| !is_target_char(c))?;
    if !s[target_start + target_len..].starts_with(')') {
        return None;
    }
    let target = &s[target_start..target_start + target_len];
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let id = path.strip_prefix("/recordings/")?;
    let id_ok = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !id_ok {
        return None;
    }
    let at = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("t="))
        .and_then(|t| t.parse::<u32>().ok());
    Some((
        MessagePart::Citation {
            label: label.trim().to_string(),
            id: id.to_string(),
            at,
        },
        target_start + target_len + 1,
    ))
}

/// Whether `c` may be part of a citation's target (`/recordings/<id>?t=…`).
fn is_target_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '?' | '=' | '&')
}

/// A message's text: plain text with its citations as links.
#[component]
pub fn MessageText(content: String) -> Element {
    let parts = parse_message(&content);
    rsx! {
        p { class: "message-text",
            for (i, part) in parts.into_iter().enumerate() {
                match part {
                    MessagePart::Text(text) => rsx! { span { key: "{i}", "{text}" } },
                    MessagePart::Citation { label, id, at } => rsx! {
                        Link {
                            key: "{i}",
                            class: "citation",
                            to: match at {
                                Some(t) => Route::RecordingAt { id, t: Some(t), q: None },
                                None => Route::Recording { id },
                            },
                            "{label}"
                        }
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> MessagePart {
        MessagePart::Text(s.into())
    }

    #[test]
    fn a_citation_becomes_a_link_between_its_text() {
        let parts = parse_message("See [Standup @ 1:23](/recordings/r-1_a?t=83) for that.");
        assert_eq!(
            parts,
            vec![
                text("See "),
                MessagePart::Citation {
                    label: "Standup @ 1:23".into(),
                    id: "r-1_a".into(),
                    at: Some(83),
                },
                text(" for that."),
            ]
        );
    }

    #[test]
    fn a_citation_without_a_time_links_to_the_recording() {
        assert_eq!(
            parse_message("[Call](/recordings/abc)"),
            vec![MessagePart::Citation {
                label: "Call".into(),
                id: "abc".into(),
                at: None,
            }]
        );
    }

    #[test]
    fn other_links_and_markup_stay_text() {
        for content in [
            "[site](https://example.test/recordings/x)",
            "[x](javascript:alert(1))",
            "<b>[x](/recordings/a b)</b>",
            "[x](/recordings/../admin)",
            "[](/recordings/a)",
            "an [unclosed bracket",
            "[x](/recordings/a",
        ] {
            assert_eq!(parse_message(content), vec![text(content)], "{content}");
        }
    }

    #[test]
    fn several_citations_and_stray_brackets_keep_their_order() {
        let parts = parse_message("[a] [A @ 0:01](/recordings/a?t=1)[B](/recordings/b?x=1&t=2)");
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], text("[a] "));
        assert!(matches!(&parts[1], MessagePart::Citation { id, at: Some(1), .. } if id == "a"));
        assert!(matches!(&parts[2], MessagePart::Citation { id, at: Some(2), .. } if id == "b"));
    }

    #[test]
    fn many_brackets_are_read_in_linear_time() {
        // Each `[` used to search the rest of the text for `](` and `)`:
        // hundreds of thousands of brackets took minutes.
        for content in [
            "[".repeat(200_000),
            "[a](".repeat(50_000),
            "[a](/recordings/x".repeat(20_000),
        ] {
            let parts = parse_message(&content);
            assert_eq!(parts, vec![text(&content)]);
        }
        let cited = format!("{}[A](/recordings/a?t=1)", "[x] ".repeat(50_000));
        assert_eq!(parse_message(&cited).len(), 2);
    }

    #[test]
    fn text_that_is_not_ascii_is_kept_whole() {
        let content = "Voilà — [Réunion](/recordings/r1?t=5) ✓";
        let parts = parse_message(content);
        assert_eq!(parts[0], text("Voilà — "));
        assert_eq!(parts[2], text(" ✓"));
    }
}
