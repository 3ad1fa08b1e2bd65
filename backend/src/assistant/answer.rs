//! The offline answerer: which words a question asks about, which passages
//! of the candidate recordings answer it best, and the reply that quotes
//! them with citations.
//!
//! The database picks the candidate recordings (its full-text ranking, see
//! [`crate::services::search::sources`]); the passages are ranked here, with
//! BM25 over the passages of those candidates, so that both databases give
//! the same answer to the same question.

use std::collections::HashMap;

use super::passages::{self, At, Passage};
use crate::services::search::Source;

/// How many passages an offline reply quotes.
pub const QUOTES: usize = 3;
/// How many passages the language model is given.
pub const CONTEXT_PASSAGES: usize = 6;
/// Most passages taken from one recording, so that a reply can show more
/// than one recording when several match.
const PER_RECORDING: usize = 2;
/// How much a word from an earlier question counts against one from the
/// latest question.
const EARLIER_WEIGHT: f64 = 0.35;
/// How much more a passage counts per question word in its recording's title.
const TITLE_BONUS: f64 = 0.5;
/// BM25's parameters (the usual values).
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// A word the question asks about, as a lowercase prefix ("budgets" →
/// "budget", "meeting" → "meet"), so that word forms match each other.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// The prefix.
    pub stem: String,
    /// How much it counts.
    pub weight: f64,
    /// Whether it comes from the question being answered (a passage must
    /// match at least one such term).
    pub primary: bool,
}

/// The terms of the latest question and, with less weight, of the question
/// before it (so a follow-up such as "and the tour?" keeps its subject).
/// When the latest question has no words of its own ("tell me more"), the
/// earlier question's words stand in for it.
pub fn terms(latest: &str, earlier: Option<&str>) -> Vec<Term> {
    let mut terms: Vec<Term> = stems(latest)
        .into_iter()
        .map(|stem| Term {
            stem,
            weight: 1.0,
            primary: true,
        })
        .collect();
    let own = !terms.is_empty();
    for stem in earlier.map(stems).unwrap_or_default() {
        if terms.iter().all(|t| t.stem != stem) {
            terms.push(Term {
                stem,
                weight: if own { EARLIER_WEIGHT } else { 1.0 },
                primary: !own,
            });
        }
    }
    terms
}

/// The distinct stems of a text's content words, in order.
fn stems(text: &str) -> Vec<String> {
    let mut stems: Vec<String> = Vec::new();
    for word in words(text) {
        let numeric = word.chars().all(|c| c.is_ascii_digit());
        if STOP_WORDS.contains(&word.as_str()) || (word.chars().count() < 2 && !numeric) {
            continue;
        }
        let stem = stem(&word);
        if !stems.contains(&stem) {
            stems.push(stem);
        }
    }
    stems.truncate(16);
    stems
}

/// The lowercase words of a text (letters and digits).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Strips one common English ending, keeping at least three characters.
fn stem(word: &str) -> String {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.chars().count() >= 3
            && !(suffix == "s" && base.ends_with('s'))
        {
            return base.to_string();
        }
    }
    word.to_string()
}

/// Words that carry no subject in a question.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anything",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "during",
    "each",
    "else",
    "ever",
    "every",
    "few",
    "find",
    "for",
    "from",
    "further",
    "get",
    "give",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "hello",
    "her",
    "here",
    "hers",
    "hey",
    "hi",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "know",
    "let",
    "like",
    "me",
    "mention",
    "mentioned",
    "more",
    "most",
    "my",
    "no",
    "nor",
    "not",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "please",
    "recording",
    "recordings",
    "said",
    "say",
    "says",
    "she",
    "should",
    "show",
    "so",
    "some",
    "something",
    "tell",
    "than",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
];

/// A passage chosen for a reply.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The recording it comes from.
    pub recording_id: String,
    /// That recording's title.
    pub title: String,
    /// The passage.
    pub passage: Passage,
    /// What to quote of it.
    pub quote: String,
    /// Its BM25 score (higher is better).
    pub score: f64,
}

impl Found {
    /// The Markdown link to the passage's moment in its recording:
    /// `[Title @ 1:02](/recordings/<id>?t=62)`, `@ ~1:02` when the time is
    /// estimated, `[Title, notes](/recordings/<id>)` for notes.
    pub fn citation(&self) -> String {
        let title = link_text(&self.title);
        let id = &self.recording_id;
        match self.passage.at {
            At::Exact(seconds) => format!(
                "[{title} @ {}](/recordings/{id}?t={seconds})",
                passages::clock(seconds)
            ),
            At::About(seconds) => format!(
                "[{title} @ ~{}](/recordings/{id}?t={seconds})",
                passages::clock(seconds)
            ),
            At::Notes => format!("[{title}, notes](/recordings/{id})"),
        }
    }
}

/// A title that cannot break out of a Markdown link's text.
fn link_text(title: &str) -> String {
    let title: String = title
        .chars()
        .map(|c| match c {
            '[' => '(',
            ']' => ')',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        "Untitled recording".to_string()
    } else {
        title
    }
}

/// The best `limit` passages of `sources` for `terms`, best first, at most
/// [`PER_RECORDING`] from one recording.
pub fn rank(sources: &[Source], terms: &[Term], limit: usize) -> Vec<Found> {
    struct Candidate<'a> {
        source: &'a Source,
        passage: Passage,
        words: Vec<String>,
        quoted: String,
    }
    let mut candidates = Vec::new();
    for source in sources {
        let transcript = passages::of_transcript(&source.transcript, source.duration_ms);
        for part in [transcript, passages::of_notes(&source.notes)] {
            let texts: Vec<String> = part.iter().map(|p| p.text.clone()).collect();
            for (index, passage) in part.into_iter().enumerate() {
                let words = words(&passage.text);
                // A question asked in the recording is quoted with the
                // passage that follows it: most likely its answer.
                let quoted = match texts.get(index + 1) {
                    Some(next) if passage.text.ends_with('?') => {
                        format!("{} {next}", passage.text)
                    }
                    _ => passage.text.clone(),
                };
                candidates.push(Candidate {
                    source,
                    passage,
                    words,
                    quoted,
                });
            }
        }
    }
    if candidates.is_empty() || terms.is_empty() {
        return Vec::new();
    }
    let count = candidates.len() as f64;
    let average_len = candidates.iter().map(|c| c.words.len()).sum::<usize>() as f64 / count;
    let matches = |word: &str, term: &Term| word.starts_with(term.stem.as_str());
    let idf: Vec<f64> = terms
        .iter()
        .map(|term| {
            let with = candidates
                .iter()
                .filter(|c| c.words.iter().any(|w| matches(w, term)))
                .count() as f64;
            (1.0 + (count - with + 0.5) / (with + 0.5)).ln()
        })
        .collect();

    let mut scored: Vec<(f64, usize)> = Vec::new();
    for (index, candidate) in candidates.iter().enumerate() {
        let mut score = 0.0;
        let mut primary_hit = false;
        let len_norm = 1.0 - B + B * candidate.words.len() as f64 / average_len.max(1.0);
        for (term, idf) in terms.iter().zip(&idf) {
            let tf = candidate.words.iter().filter(|w| matches(w, term)).count() as f64;
            if tf > 0.0 {
                primary_hit |= term.primary;
                score += term.weight * idf * tf * (K1 + 1.0) / (tf + K1 * len_norm);
            }
        }
        if !primary_hit {
            continue;
        }
        let title_words = words(&candidate.source.title);
        let in_title = terms
            .iter()
            .filter(|t| t.primary && title_words.iter().any(|w| matches(w, t)))
            .count();
        score *= 1.0 + TITLE_BONUS * in_title as f64;
        scored.push((score, index));
    }
    // Best first; ties go to the earlier passage (sources come ranked).
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));

    let hits: Vec<String> = terms.iter().map(|t| t.stem.clone()).collect();
    let mut per_recording: HashMap<&str, usize> = HashMap::new();
    let mut found = Vec::new();
    for (score, index) in scored {
        let candidate = &candidates[index];
        let quoted_already = found.iter().any(|f: &Found| {
            f.recording_id == candidate.source.recording_id
                && f.quote.contains(&candidate.passage.text)
        });
        if quoted_already {
            continue;
        }
        let taken = per_recording
            .entry(candidate.source.recording_id.as_str())
            .or_default();
        if *taken >= PER_RECORDING {
            continue;
        }
        *taken += 1;
        found.push(Found {
            recording_id: candidate.source.recording_id.clone(),
            title: candidate.source.title.clone(),
            quote: passages::excerpt(&candidate.quoted, &hits),
            passage: candidate.passage.clone(),
            score,
        });
        if found.len() == limit {
            break;
        }
    }
    found
}

/// How many recordings there are to answer from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Library {
    /// Every recording.
    pub recordings: u64,
    /// Those with a transcript.
    pub transcribed: u64,
}

/// Where to get recordings with transcripts, for replies that found nothing.
const HOW_TO_ADD: &str = "I answer from transcripts: open a recording on the Recordings \
page and use Edit beside its Transcript to write or paste what is said in it (a transcript \
can also be sent with an upload through the API's `transcript` field). Lines that start \
with a time such as `[01:23]` let me cite the exact moment.";

/// The offline reply: the found passages quoted with their citations, or a
/// helpful word when there is nothing to quote.
pub fn compose(found: &[Found], terms: &[Term], library: Library) -> String {
    if terms.is_empty() {
        return "Ask me about what was said in your recordings — for example “What did we \
                decide about the budget?” — and I will quote the passages that answer it, \
                with a link to the moment in each recording."
            .to_string();
    }
    if found.is_empty() {
        let asked: Vec<&str> = terms
            .iter()
            .filter(|t| t.primary)
            .map(|t| t.stem.as_str())
            .collect();
        let lead = match library {
            Library { recordings: 0, .. } => {
                "There are no recordings in Earshot yet, so I have nothing to answer from."
                    .to_string()
            }
            Library {
                recordings: 1,
                transcribed: 0,
            } => format!(
                "Your recording has no transcript yet, and its title and notes say \
                 nothing about “{}”.",
                asked.join(" ")
            ),
            Library {
                recordings,
                transcribed: 0,
            } => format!(
                "None of your {recordings} recordings has a transcript yet, and their \
                 titles and notes say nothing about “{}”.",
                asked.join(" ")
            ),
            Library { recordings, .. } => format!(
                "I could not find anything about “{}” in the titles, notes or transcripts \
                 of {}. Try other words: I look for the words you use, as they are \
                 spoken in the transcripts.",
                asked.join(" "),
                your_recordings(recordings)
            ),
        };
        return format!("{lead}\n\n{HOW_TO_ADD}");
    }
    let recordings = {
        let mut ids: Vec<&str> = found.iter().map(|f| f.recording_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() as u64
    };
    let mut reply = if recordings == 1 && library.recordings <= 1 {
        "Here is what I found in your recording:\n".to_string()
    } else if recordings == 1 {
        "Here is what I found in one of your recordings:\n".to_string()
    } else {
        format!("Here is what I found in {recordings} of your recordings:\n")
    };
    for (number, f) in found.iter().enumerate() {
        reply.push_str(&format!(
            "\n{}. “{}” — {}",
            number + 1,
            f.quote,
            f.citation()
        ));
    }
    if found.iter().any(|f| matches!(f.passage.at, At::About(_))) {
        reply.push_str(
            "\n\nTimes marked ~ are estimated from where the passage sits in a transcript \
             without timestamps.",
        );
    }
    reply
}

/// "your recording" or "your 3 recordings".
fn your_recordings(count: u64) -> String {
    if count == 1 {
        "your recording".to_string()
    } else {
        format!("your {count} recordings")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(id: &str, title: &str, transcript: &str, duration_ms: Option<u64>) -> Source {
        Source {
            recording_id: id.to_string(),
            title: title.to_string(),
            notes: String::new(),
            transcript: transcript.to_string(),
            duration_ms,
        }
    }

    #[test]
    fn question_words_become_stems_without_stop_words() {
        let stems: Vec<String> = terms("What did we decide about the budgets for touring?", None)
            .into_iter()
            .map(|t| t.stem)
            .collect();
        assert_eq!(stems, vec!["decide", "budget", "tour"]);
    }

    #[test]
    fn a_follow_up_without_words_of_its_own_asks_the_earlier_question_again() {
        let follow_up = terms("Tell me more!", Some("the budget"));
        assert_eq!(
            follow_up,
            vec![Term {
                stem: "budget".into(),
                weight: 1.0,
                primary: true
            }]
        );
        let with_subject = terms("and the bus?", Some("the budget"));
        assert!(with_subject[0].primary && !with_subject[1].primary);
    }

    #[test]
    fn the_passage_that_matches_best_is_quoted_first_with_its_time() {
        let sources = vec![
            source(
                "r1",
                "Band meeting",
                "[00:05] Hello all.\n[00:42] The budget for the tour is twelve thousand.\n[01:10] The bus is booked.",
                Some(90_000),
            ),
            source("r2", "Rehearsal", "We played the set twice.", Some(60_000)),
        ];
        let found = rank(&sources, &terms("What is the tour budget?", None), QUOTES);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].citation(),
            "[Band meeting @ 0:42](/recordings/r1?t=42)"
        );
        assert_eq!(
            found[0].quote,
            "The budget for the tour is twelve thousand."
        );
    }

    #[test]
    fn a_question_asked_in_a_recording_is_quoted_with_its_answer() {
        let sources = vec![source(
            "r1",
            "Interview",
            "[00:00] How did you start playing the cello?\n[00:04] My grandmother gave me hers.",
            None,
        )];
        let found = rank(&sources, &terms("start on the cello", None), QUOTES);
        assert_eq!(
            found[0].quote,
            "How did you start playing the cello? My grandmother gave me hers."
        );
        assert_eq!(found[0].passage.at, At::Exact(0));
    }

    #[test]
    fn citations_mark_estimated_times_and_keep_titles_inside_the_link() {
        let found = Found {
            recording_id: "r9".into(),
            title: "Take [2]\nfinal".into(),
            passage: Passage {
                text: "x".into(),
                at: At::About(75),
                span: 0..1,
            },
            quote: "x".into(),
            score: 1.0,
        };
        assert_eq!(
            found.citation(),
            "[Take (2) final @ ~1:15](/recordings/r9?t=75)"
        );
    }

    #[test]
    fn no_match_says_so_and_says_how_to_add_transcripts() {
        let reply = compose(
            &[],
            &terms("budget", None),
            Library {
                recordings: 2,
                transcribed: 1,
            },
        );
        assert!(
            reply.contains("could not find anything about “budget”"),
            "{reply}"
        );
        assert!(
            reply.contains("transcripts of your 2 recordings."),
            "{reply}"
        );
        assert!(reply.contains("transcript"), "{reply}");
        // Said the way the app does it: on the recording's page.
        assert!(reply.contains("Edit beside its Transcript"), "{reply}");
        assert!(!reply.contains("by path"), "{reply}");
        let empty = compose(&[], &terms("budget", None), Library::default());
        assert!(empty.contains("no recordings"), "{empty}");
    }

    #[test]
    fn a_reply_numbers_its_quotes_and_explains_estimated_times() {
        let sources = vec![source(
            "r1",
            "Notes to self",
            "Buy strings. The budget is tight this month.",
            Some(10_000),
        )];
        let terms = terms("budget", None);
        let found = rank(&sources, &terms, QUOTES);
        let reply = compose(&found, &terms, Library::default());
        assert!(
            reply.starts_with("Here is what I found in your recording:"),
            "{reply}"
        );
        assert!(
            reply.contains("1. “Buy strings. The budget is tight this month.” — [Notes to self @ ~0:00](/recordings/r1?t=0)"),
            "{reply}"
        );
        assert!(reply.contains("Times marked ~ are estimated"), "{reply}");
    }
}
