//! Quotes taken from passages.
//!
//! Transcripts and notes are cut into passages by
//! [`earshot_shared::transcript`], the same cut the app uses to mark a cited
//! passage; this module adds what only replies need: the excerpt of a long
//! passage worth quoting.

use earshot_shared::transcript::sentence_texts;
pub use earshot_shared::transcript::{At, Passage, clock, of_notes, of_transcript};

/// Longest quote taken from a passage, in characters.
pub const QUOTE_CHARS: usize = 320;

/// The part of `text` worth quoting: all of it when short enough, else the
/// sentences around the one with the most of `hits` (lowercase word
/// prefixes), within [`QUOTE_CHARS`], with `…` where text was left out.
pub fn excerpt(text: &str, hits: &[String]) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        return text.to_string();
    }
    let parts: Vec<String> = sentence_texts(text);
    if parts.is_empty() {
        return String::new();
    }
    let score = |sentence: &str| {
        super::answer::words(sentence)
            .iter()
            .filter(|w| hits.iter().any(|h| w.starts_with(h.as_str())))
            .count()
    };
    let best = (0..parts.len())
        .max_by_key(|&i| (score(&parts[i]), std::cmp::Reverse(i)))
        .unwrap_or(0);
    let (mut first, mut last) = (best, best);
    let mut len = parts[best].chars().count();
    // Grow by a sentence on each side in turn, keeping the best one central.
    loop {
        let mut grew = false;
        let after = parts.get(last + 1).map(|p| p.chars().count() + 1);
        if let Some(extra) = after.filter(|extra| len + extra <= QUOTE_CHARS) {
            last += 1;
            len += extra;
            grew = true;
        }
        let before = first.checked_sub(1).map(|i| parts[i].chars().count() + 1);
        if let Some(extra) = before.filter(|extra| len + extra <= QUOTE_CHARS) {
            first -= 1;
            len += extra;
            grew = true;
        }
        if !grew {
            break;
        }
    }
    let mut quote = parts[first..=last].join(" ");
    if quote.chars().count() > QUOTE_CHARS {
        quote = quote.chars().take(QUOTE_CHARS - 1).collect::<String>();
        quote = quote.trim_end().to_string() + "…";
    }
    let lead = if first > 0 { "… " } else { "" };
    let tail = if last + 1 < parts.len() && !quote.ends_with('…') {
        " …"
    } else {
        ""
    };
    format!("{lead}{quote}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_passages_are_quoted_around_their_best_sentence() {
        let filler = "Nothing to see in this sentence at all.";
        let text = format!(
            "{f} {f} {f} {f} The budget was approved. {f} {f} {f} {f} {f}",
            f = filler
        );
        let quote = excerpt(&text, &["budget".to_string()]);
        assert!(quote.contains("The budget was approved."), "{quote}");
        assert!(quote.chars().count() <= QUOTE_CHARS + 4, "{quote}");
        assert!(quote.starts_with("… ") && quote.ends_with(" …"), "{quote}");
        assert_eq!(excerpt("Short.", &[]), "Short.");
    }
}
