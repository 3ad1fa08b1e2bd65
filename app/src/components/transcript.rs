//! A transcript shown as passages (its lines), one of them marked and
//! scrolled to: the passage a search result or a cited time points at.

use dioxus::html::{ScrollBehavior, ScrollLogicalPosition, ScrollToOptions};
use dioxus::prelude::*;

/// The transcript's passages: its non-blank lines, trimmed.
pub fn passages(transcript: &str) -> Vec<&str> {
    transcript
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
}

/// A time stamp at the start of a line, `[1:23]`, `1:23` or `01:02:03`, in
/// seconds.
fn leading_stamp(line: &str) -> Option<u32> {
    let line = line.trim_start().trim_start_matches('[');
    let end = line
        .find(|c: char| !(c.is_ascii_digit() || c == ':'))
        .unwrap_or(line.len());
    let stamp = &line[..end];
    let fields: Vec<&str> = stamp.split(':').collect();
    if !(2..=3).contains(&fields.len()) || fields.iter().any(|f| f.is_empty()) {
        return None;
    }
    fields.iter().try_fold(0u32, |total, field| {
        Some(total * 60 + field.parse::<u32>().ok()?)
    })
}

/// The passage that is being said at `seconds`: by the lines' own time
/// stamps when they have them, else by position, assuming even speech over
/// `duration_ms`.
pub fn passage_at(passages: &[&str], seconds: u32, duration_ms: Option<u64>) -> Option<usize> {
    if passages.is_empty() {
        return None;
    }
    let stamps: Vec<Option<u32>> = passages.iter().map(|p| leading_stamp(p)).collect();
    if stamps.iter().any(Option::is_some) {
        return stamps
            .iter()
            .enumerate()
            .filter_map(|(i, stamp)| stamp.map(|s| (i, s)))
            .take_while(|(_, stamp)| *stamp <= seconds)
            .last()
            .map(|(i, _)| i)
            .or(Some(0));
    }
    let duration_ms = duration_ms.filter(|d| *d > 0)?;
    let share = (f64::from(seconds) * 1000.0 / duration_ms as f64).clamp(0.0, 1.0);
    let total: usize = passages.iter().map(|p| p.chars().count()).sum();
    let target = (share * total as f64) as usize;
    let mut seen = 0;
    for (i, passage) in passages.iter().enumerate() {
        seen += passage.chars().count();
        if target < seen {
            return Some(i);
        }
    }
    Some(passages.len() - 1)
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
pub fn passage_matching(passages: &[&str], words: &[String]) -> Option<usize> {
    if words.is_empty() {
        return None;
    }
    let lower: Vec<String> = passages.iter().map(|p| p.to_lowercase()).collect();
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
    let passages: Vec<String> = passages(&text).into_iter().map(str::to_string).collect();
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
    fn stamped_lines_are_found_by_their_stamps() {
        let text = "[0:00] Hello\n\n[0:30] Budget\n[1:10] Hiring\n";
        let p = passages(text);
        assert_eq!(p.len(), 3);
        assert_eq!(passage_at(&p, 0, None), Some(0));
        assert_eq!(passage_at(&p, 45, None), Some(1));
        assert_eq!(passage_at(&p, 70, None), Some(2));
        assert_eq!(passage_at(&p, 4000, Some(1)), Some(2));
        assert_eq!(leading_stamp("01:02:03 x"), Some(3723));
        assert_eq!(leading_stamp("12 apples"), None);
    }

    #[test]
    fn unstamped_lines_are_found_by_their_share_of_the_duration() {
        let p = ["aaaa", "bbbb", "cccc", "dddd"];
        assert_eq!(passage_at(&p, 0, Some(8_000)), Some(0));
        assert_eq!(passage_at(&p, 5, Some(8_000)), Some(2));
        assert_eq!(passage_at(&p, 99, Some(8_000)), Some(3));
        assert_eq!(passage_at(&p, 5, None), None);
        assert_eq!(passage_at(&[], 5, Some(8_000)), None);
    }

    #[test]
    fn the_passage_with_every_word_wins_over_one_with_some() {
        let p = ["the budget", "budget and hiring plans", "hiring"];
        let words = query_words("Hiring, budget!");
        assert_eq!(words, ["hiring", "budget"]);
        assert_eq!(passage_matching(&p, &words), Some(1));
        assert_eq!(passage_matching(&p, &query_words("budget zebra")), Some(0));
        assert_eq!(passage_matching(&p, &[]), None);
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
