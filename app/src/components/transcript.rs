//! A transcript shown as passages, one of them marked and scrolled to: the
//! passage a search result or a cited time points at.
//!
//! The passages are those the assistant quotes
//! ([`earshot_shared::transcript`]), so a citation marks the passage it
//! quoted.

use dioxus::html::{ScrollBehavior, ScrollLogicalPosition, ScrollToOptions};
use dioxus::prelude::*;
use earshot_shared::transcript::{Passage, of_transcript, passage_at};

/// The passage a link to `seconds` points at; `duration_ms` is the
/// recording's length, which times a transcript without timestamps.
pub fn passage_at_time(transcript: &str, seconds: u32, duration_ms: Option<u64>) -> Option<usize> {
    passage_at(&of_transcript(transcript, duration_ms), u64::from(seconds))
}

/// The transcript's passages as written.
fn shown(transcript: &str) -> Vec<&str> {
    // The cut does not depend on the duration, only the passages' times do.
    of_transcript(transcript, None)
        .into_iter()
        .map(|Passage { span, .. }| &transcript[span])
        .collect()
}

/// The words of a search query worth marking (two letters or more).
pub fn query_words(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect()
}

/// The first passage holding every word, or else the first holding any.
pub fn passage_matching(transcript: &str, words: &[String]) -> Option<usize> {
    if words.is_empty() {
        return None;
    }
    let lower: Vec<String> = of_transcript(transcript, None)
        .iter()
        .map(|p| p.text.to_lowercase())
        .collect();
    lower
        .iter()
        .position(|p| words.iter().all(|w| p.contains(w.as_str())))
        .or_else(|| {
            lower
                .iter()
                .position(|p| words.iter().any(|w| p.contains(w.as_str())))
        })
}

/// `text` cut into pieces, `true` for the ones that are one of `words`
/// (compared without case).
pub fn mark_words(text: &str, words: &[String]) -> Vec<(String, bool)> {
    let mut parts: Vec<(String, bool)> = Vec::new();
    let mut push = |piece: &str, hit: bool| match parts.last_mut() {
        Some((last, last_hit)) if *last_hit == hit => last.push_str(piece),
        _ => parts.push((piece.to_string(), hit)),
    };
    let mut i = 0;
    'outer: while i < text.len() {
        for word in words {
            if let Some(len) = match_len(&text[i..], word) {
                push(&text[i..i + len], true);
                i += len;
                continue 'outer;
            }
        }
        let next = text[i..].chars().next().map_or(1, char::len_utf8);
        push(&text[i..i + next], false);
        i += next;
    }
    parts
}

/// How many bytes of `text`'s start spell `word` (lowercase), ignoring case.
fn match_len(text: &str, word: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    let mut len = 0;
    for expected in word.chars() {
        let (at, c) = chars.next()?;
        if !c.to_lowercase().eq(expected.to_lowercase()) {
            return None;
        }
        len = at + c.len_utf8();
    }
    (len > 0).then_some(len)
}

/// The transcript, one paragraph per passage; `marked` is highlighted and
/// scrolled into view, `words` are marked wherever they appear.
#[component]
pub fn TranscriptView(text: String, marked: Option<usize>, words: Vec<String>) -> Element {
    let passages: Vec<String> = shown(&text).into_iter().map(str::to_string).collect();
    rsx! {
        div { class: "transcript",
            for (i, passage) in passages.into_iter().enumerate() {
                if marked == Some(i) {
                    p {
                        key: "{i}",
                        class: "passage marked",
                        "data-passage": "{i}",
                        onmounted: move |event: MountedEvent| async move {
                            let options = ScrollToOptions {
                                behavior: ScrollBehavior::Smooth,
                                vertical: ScrollLogicalPosition::Center,
                                horizontal: ScrollLogicalPosition::Nearest,
                            };
                            let _ = event.data().scroll_to_with_options(options).await;
                        },
                        for (j, (piece, hit)) in mark_words(&passage, &words).into_iter().enumerate() {
                            if hit { mark { key: "{j}", "{piece}" } } else { span { key: "{j}", "{piece}" } }
                        }
                    }
                } else {
                    p { key: "{i}", class: "passage", "data-passage": "{i}",
                        for (j, (piece, hit)) in mark_words(&passage, &words).into_iter().enumerate() {
                            if hit { mark { key: "{j}", "{piece}" } } else { span { key: "{j}", "{piece}" } }
                        }
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
    fn passages_are_shown_as_written_and_cut_as_the_assistant_cuts_them() {
        let text = "[0:00] Hello\n\n[0:30] Budget\nstill budget\n[1:10] Hiring\n";
        assert_eq!(
            shown(text),
            [
                "[0:00] Hello",
                "[0:30] Budget\nstill budget",
                "[1:10] Hiring"
            ]
        );
        assert_eq!(passage_at_time(text, 0, None), Some(0));
        assert_eq!(passage_at_time(text, 45, None), Some(1));
        assert_eq!(passage_at_time(text, 70, None), Some(2));
    }

    #[test]
    fn a_bare_time_or_a_huge_stamp_is_text_not_a_time() {
        // A bare `12:30` is how a line may start in speech ("12:30 works for
        // me"); the assistant does not read it as a time either.
        let text = "99999999:00 far too long\n[99999999:00] still text\n12:30 works. Fine.";
        assert_eq!(passage_at_time(text, 0, Some(10_000)), Some(0));
        assert_eq!(shown(text).len(), 1);
    }

    #[test]
    fn an_estimated_citation_marks_the_passage_it_quoted() {
        let para = "x".repeat(99) + ".";
        let text = format!("{para}\n\n{para}\n\n{para}\n\n{para}");
        // The assistant cites these at ~0:00, ~0:15, ~0:30 and ~0:45.
        for (index, seconds) in [0, 15, 30, 45].into_iter().enumerate() {
            assert_eq!(passage_at_time(&text, seconds, Some(60_000)), Some(index));
        }
    }

    #[test]
    fn the_passage_with_every_word_wins_over_one_with_some() {
        let p = "the budget\n\nbudget and hiring plans\n\nhiring";
        let words = query_words("Hiring, budget!");
        assert_eq!(words, ["hiring", "budget"]);
        assert_eq!(passage_matching(p, &words), Some(1));
        assert_eq!(passage_matching(p, &query_words("budget zebra")), Some(0));
        assert_eq!(passage_matching(p, &[]), None);
    }

    #[test]
    fn words_are_marked_without_case_and_the_rest_is_kept() {
        let parts = mark_words("Budget: the BUDGET é", &["budget".to_string()]);
        assert_eq!(
            parts,
            vec![
                ("Budget".to_string(), true),
                (": the ".to_string(), false),
                ("BUDGET".to_string(), true),
                (" é".to_string(), false),
            ]
        );
        assert_eq!(mark_words("", &["x".to_string()]), vec![]);
    }
}
