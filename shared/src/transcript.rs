//! Transcripts cut into passages that can be quoted, cited by time and
//! found again from a cited time.
//!
//! Both sides cut a transcript here, so that the passage the assistant
//! quotes (backend) is the passage the recording's page marks when the
//! citation is followed (app).
//!
//! A transcript whose lines start with a timestamp — `[00:12]`, `[1:02:03]`,
//! optionally with a fraction, `[00:12.5]` — is cut at those lines: each
//! passage is a timestamped line plus the untimestamped lines that follow it,
//! and its time is exact. A transcript without timestamps is cut into runs
//! of sentences within paragraphs, and each passage's time is estimated:
//! where the recording's duration is known, from the passage's position in
//! the text (speech runs at a roughly even pace through a recording, so the
//! share of characters before it is a fair share of the time); where it is
//! not known yet (the recording is still being processed), from the words
//! before it at an average speaking rate. Estimated times are marked as
//! such in citations.
//!
//! ```
//! use earshot_shared::transcript::{At, of_transcript, passage_at};
//!
//! let passages = of_transcript("[0:05] Hello.\n[1:10] The budget\nis agreed.", None);
//! assert_eq!(passages[1].text, "The budget is agreed.");
//! assert_eq!(passages[1].at, At::Exact(70));
//! assert_eq!(passage_at(&passages, 70), Some(1));
//! ```

use std::ops::Range;

/// Average speaking rate used when a recording's duration is unknown.
const WORDS_PER_MINUTE: f64 = 150.0;

/// Longest passage cut from an untimestamped text, in characters; shorter
/// passages quote more precisely and cite a more precise time.
const PASSAGE_CHARS: usize = 280;

/// Most digits in one field of a timestamp: enough for 999 hours, few
/// enough that no arithmetic on them can overflow.
const MAX_FIELD_DIGITS: usize = 3;

/// A quotable piece of a recording's transcript or notes.
#[derive(Clone, Debug, PartialEq)]
pub struct Passage {
    /// The passage's text, whitespace collapsed, timestamp removed.
    pub text: String,
    /// Where it is in the recording.
    pub at: At,
    /// Where it is in the text it was cut from (bytes), timestamp included:
    /// what to show of it as written.
    pub span: Range<usize>,
}

/// Where a passage is in its recording.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum At {
    /// At this second, from the transcript's own timestamp.
    Exact(u64),
    /// At about this second, estimated from the passage's position.
    About(u64),
    /// Not in the audio: the passage comes from the notes.
    Notes,
}

impl At {
    /// The second it stands for, if it is in the audio.
    pub fn seconds(self) -> Option<u64> {
        match self {
            At::Exact(seconds) | At::About(seconds) => Some(seconds),
            At::Notes => None,
        }
    }
}

/// Cuts a transcript into passages; `duration_ms` is the recording's length
/// if known.
pub fn of_transcript(transcript: &str, duration_ms: Option<u64>) -> Vec<Passage> {
    if transcript.lines().any(|line| timestamp(line).is_some()) {
        timestamped(transcript)
    } else {
        estimated(transcript, duration_ms)
    }
}

/// Cuts notes into passages (paragraphs, cut further when long).
pub fn of_notes(notes: &str) -> Vec<Passage> {
    runs(notes)
        .into_iter()
        .map(|run| Passage {
            text: run.text,
            at: At::Notes,
            span: run.span,
        })
        .collect()
}

/// The passage a citation of `seconds` points at: the first one cited at
/// exactly that second (the one a reply quoting it links to), else the last
/// one that starts before it (the one being said then); `None` if there are
/// no passages.
///
/// Passages less than a second apart share a time; a citation of the later
/// one marks the earlier.
pub fn passage_at(passages: &[Passage], seconds: u64) -> Option<usize> {
    if passages.is_empty() {
        return None;
    }
    let exact = passages
        .iter()
        .position(|p| p.at.seconds() == Some(seconds));
    exact.or_else(|| {
        let before = passages
            .iter()
            .rposition(|p| p.at.seconds().is_some_and(|s| s <= seconds));
        Some(before.unwrap_or(0))
    })
}

fn timestamped(transcript: &str) -> Vec<Passage> {
    let mut passages: Vec<Passage> = Vec::new();
    // Text before the first timestamp starts the recording.
    let mut lead = Passage {
        text: String::new(),
        at: At::About(0),
        span: 0..0,
    };
    let mut offset = 0;
    for raw in transcript.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let end = start + line.trim_end().len();
        match timestamp(line) {
            Some((seconds, rest)) => passages.push(Passage {
                text: collapse(rest),
                at: At::Exact(seconds),
                span: start + (line.len() - line.trim_start().len())..end,
            }),
            None => {
                let target = passages.last_mut().unwrap_or(&mut lead);
                let text = collapse(line);
                if !text.is_empty() {
                    if target.text.is_empty() {
                        if target.span.is_empty() {
                            target.span.start = start + (line.len() - line.trim_start().len());
                        }
                    } else {
                        target.text.push(' ');
                    }
                    target.text.push_str(&text);
                    target.span.end = end;
                }
            }
        }
    }
    if !lead.text.is_empty() {
        passages.insert(0, lead);
    }
    passages.retain(|p| !p.text.is_empty());
    passages
}

fn estimated(transcript: &str, duration_ms: Option<u64>) -> Vec<Passage> {
    let total_chars = transcript.chars().count().max(1) as f64;
    runs(transcript)
        .into_iter()
        .map(|run| {
            let seconds = match duration_ms {
                Some(ms) if ms > 0 => ms as f64 / 1000.0 * (run.start_char as f64 / total_chars),
                _ => run.words_before as f64 * 60.0 / WORDS_PER_MINUTE,
            };
            Passage {
                text: run.text,
                at: At::About(seconds.floor() as u64),
                span: run.span,
            }
        })
        .collect()
}

/// A run of sentences and where it starts.
#[derive(Debug)]
struct Run {
    text: String,
    start_char: usize,
    words_before: usize,
    span: Range<usize>,
}

/// Splits text into paragraphs (blank lines), then each paragraph into runs
/// of whole sentences of at most [`PASSAGE_CHARS`] (a longer sentence is a
/// run of its own).
fn runs(text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut current: Option<Run> = None;
    let mut words_seen = 0;
    for sentence in sentences(text) {
        let joined_len = current
            .as_ref()
            .map_or(0, |run| run.text.chars().count() + 1)
            + sentence.text.chars().count();
        let fits = current.is_some() && !sentence.new_paragraph && joined_len <= PASSAGE_CHARS;
        if fits {
            let run = current.as_mut().expect("checked above");
            run.text.push(' ');
            run.text.push_str(&sentence.text);
            run.span.end = sentence.span.end;
        } else {
            runs.extend(current.take());
            current = Some(Run {
                text: sentence.text.clone(),
                start_char: sentence.start_char,
                words_before: words_seen,
                span: sentence.span.clone(),
            });
        }
        words_seen += sentence.text.split_whitespace().count();
    }
    runs.extend(current);
    runs
}

#[derive(Debug)]
struct Sentence {
    text: String,
    start_char: usize,
    span: Range<usize>,
    new_paragraph: bool,
}

/// A character of a paragraph: its offset in characters and in bytes.
#[derive(Clone, Copy)]
struct Placed {
    char_at: usize,
    byte_at: usize,
    c: char,
}

/// The sentences of `text`, whitespace collapsed: see [`of_notes`] for
/// where they end.
pub fn sentence_texts(text: &str) -> Vec<String> {
    sentences(text).into_iter().map(|s| s.text).collect()
}

/// Sentences end at `.`, `!` or `?` followed by whitespace, and at the end
/// of a paragraph; paragraphs end at blank lines.
fn sentences(text: &str) -> Vec<Sentence> {
    let mut sentences = Vec::new();
    let mut paragraph: Vec<Placed> = Vec::new();
    let (mut chars, mut bytes) = (0, 0);
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            split_paragraph(&paragraph, &mut sentences);
            paragraph.clear();
        } else {
            paragraph.extend(line.char_indices().enumerate().map(|(i, (b, c))| Placed {
                char_at: chars + i,
                byte_at: bytes + b,
                c,
            }));
        }
        chars += line.chars().count();
        bytes += line.len();
    }
    split_paragraph(&paragraph, &mut sentences);
    sentences
}

/// Appends the sentences of one paragraph.
fn split_paragraph(paragraph: &[Placed], out: &mut Vec<Sentence>) {
    let mut new_paragraph = true;
    let mut start: Option<Placed> = None;
    let mut end = 0;
    let mut current = String::new();
    let mut push = |current: &mut String, start: &mut Option<Placed>, end: usize| {
        if let Some(first) = start.take() {
            out.push(Sentence {
                text: collapse(current),
                start_char: first.char_at,
                span: first.byte_at..end,
                new_paragraph,
            });
            new_paragraph = false;
        }
        current.clear();
    };
    for (k, placed) in paragraph.iter().enumerate() {
        let c = placed.c;
        if start.is_none() {
            if c.is_whitespace() {
                continue;
            }
            start = Some(*placed);
        }
        current.push(c);
        if !c.is_whitespace() {
            end = placed.byte_at + c.len_utf8();
        }
        let ends = matches!(c, '.' | '!' | '?')
            && paragraph
                .get(k + 1)
                .is_none_or(|next| next.c.is_whitespace());
        if ends {
            push(&mut current, &mut start, end);
        }
    }
    push(&mut current, &mut start, end);
}

/// The seconds of a line's leading `[h:mm:ss]` / `[m:ss]` timestamp (a
/// fraction is allowed and dropped) and the rest of the line. Each field
/// has at most three digits, so any text is read without overflow.
pub fn timestamp(line: &str) -> Option<(u64, &str)> {
    let line = line.trim_start();
    let inner_and_rest = line.strip_prefix('[')?;
    let (inner, rest) = inner_and_rest.split_once(']')?;
    let whole = inner.split_once('.').map_or(inner, |(whole, fraction)| {
        if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) {
            whole
        } else {
            // Not a fraction: leave it to fail below.
            inner
        }
    });
    let number = |part: &str| -> Option<u64> {
        if part.is_empty()
            || part.len() > MAX_FIELD_DIGITS
            || !part.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        part.parse().ok()
    };
    let below_60 = |part: &str| number(part).filter(|n| part.len() == 2 && *n < 60);
    let mut fields = whole.split(':');
    let seconds = match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some(minutes), Some(seconds), None, None) => number(minutes)?
            .checked_mul(60)?
            .checked_add(below_60(seconds)?)?,
        (Some(hours), Some(minutes), Some(seconds), None) => number(hours)?
            .checked_mul(3600)?
            .checked_add(below_60(minutes)? * 60)?
            .checked_add(below_60(seconds)?)?,
        _ => return None,
    };
    Some((seconds, rest))
}

/// `m:ss`, or `h:mm:ss` from an hour on.
pub fn clock(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Whitespace runs as single spaces, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown<'a>(text: &'a str, passages: &[Passage]) -> Vec<&'a str> {
        passages.iter().map(|p| &text[p.span.clone()]).collect()
    }

    #[test]
    fn timestamps_of_minutes_and_hours_are_read_with_or_without_a_fraction() {
        assert_eq!(timestamp("[00:12] Hello"), Some((12, " Hello")));
        assert_eq!(timestamp("  [1:02:03]Hi"), Some((3723, "Hi")));
        assert_eq!(timestamp("[12:05.5] x"), Some((725, " x")));
        assert_eq!(timestamp("[75:00] long"), Some((4500, " long")));
        assert_eq!(timestamp("[999:59:59] end"), Some((3_599_999, " end")));
        for not_a_time in [
            "[1:2]",
            "[00:60]",
            "[ab:cd]",
            "[note]",
            "00:12 x",
            "12:30 bare times are text",
            "[1:60:00]",
            "[1:2:3:4]",
            "[+1:00]",
            "[99999999:00] too many digits",
            "[1:99999999999999999999:00]",
            "[18446744073709551615:00]",
        ] {
            assert_eq!(timestamp(not_a_time), None, "{not_a_time}");
        }
    }

    #[test]
    fn timestamped_lines_are_passages_with_exact_times_and_carry_their_continuations() {
        let transcript = "Intro before any time.\n[00:05] Welcome everyone.\n[01:10] We agreed\nthe budget.\n\n[1:00:00] Bye.";
        let passages = of_transcript(transcript, Some(10_000));
        let texts: Vec<(&str, At)> = passages.iter().map(|p| (p.text.as_str(), p.at)).collect();
        assert_eq!(
            texts,
            vec![
                ("Intro before any time.", At::About(0)),
                ("Welcome everyone.", At::Exact(5)),
                ("We agreed the budget.", At::Exact(70)),
                ("Bye.", At::Exact(3600)),
            ]
        );
        assert_eq!(
            shown(transcript, &passages),
            vec![
                "Intro before any time.",
                "[00:05] Welcome everyone.",
                "[01:10] We agreed\nthe budget.",
                "[1:00:00] Bye.",
            ]
        );
    }

    #[test]
    fn untimestamped_passages_are_timed_by_their_share_of_the_text() {
        let para = "x".repeat(99) + ".";
        let transcript = format!("{para}\n\n{para}\n\n{para}\n\n{para}");
        let passages = of_transcript(&transcript, Some(60_000));
        let times: Vec<At> = passages.iter().map(|p| p.at).collect();
        // Paragraphs start at 0, 102, 204 and 306 of 406 characters.
        assert_eq!(
            times,
            vec![At::About(0), At::About(15), At::About(30), At::About(45)]
        );
    }

    #[test]
    fn without_a_duration_times_follow_the_speaking_rate() {
        let words = "word ".repeat(150);
        let transcript = format!("{}.\n\nSecond paragraph here.", words.trim_end());
        let passages = of_transcript(&transcript, None);
        assert_eq!(passages.len(), 2, "{passages:?}");
        assert_eq!(passages.last().unwrap().at, At::About(60));
    }

    #[test]
    fn sentences_are_grouped_into_short_runs_within_paragraphs() {
        let text = "One. Two!  Three?\nStill three.\n\nNew paragraph.";
        let runs: Vec<Run> = runs(text);
        let texts: Vec<&str> = runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            vec!["One. Two! Three? Still three.", "New paragraph."]
        );
        let spans: Vec<&str> = runs.iter().map(|r| &text[r.span.clone()]).collect();
        assert_eq!(
            spans,
            vec!["One. Two!  Three?\nStill three.", "New paragraph."]
        );
        let long = format!("{}. {}.", "a".repeat(200), "b".repeat(200));
        assert_eq!(super::runs(&long).len(), 2);
    }

    #[test]
    fn spans_hold_whole_characters_of_text_that_is_not_ascii() {
        let text = "Réunion café.  Déjà vu ✓\n\n  Ça va?";
        let passages = of_notes(text);
        assert_eq!(
            shown(text, &passages),
            vec!["Réunion café.  Déjà vu ✓", "Ça va?"]
        );
    }

    #[test]
    fn a_cited_time_finds_the_passage_cited_at_it() {
        let stamped = of_transcript("Lead.\n[0:00] Hello\n[0:30] Budget\n[1:10] Hiring\n", None);
        assert_eq!(passage_at(&stamped, 30), Some(2));
        assert_eq!(passage_at(&stamped, 45), Some(2), "the one being said");
        assert_eq!(passage_at(&stamped, 70), Some(3));
        assert_eq!(passage_at(&stamped, 4000), Some(3));
        assert_eq!(passage_at(&[], 5), None);

        let para = "x".repeat(99) + ".";
        let plain = format!("{para}\n\n{para}\n\n{para}\n\n{para}");
        let estimated = of_transcript(&plain, Some(60_000));
        for (index, passage) in estimated.iter().enumerate() {
            let seconds = passage.at.seconds().unwrap();
            assert_eq!(passage_at(&estimated, seconds), Some(index));
        }
        assert_eq!(passage_at(&estimated, 29), Some(1));
    }

    #[test]
    fn clock_shows_minutes_and_hours() {
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(62), "1:02");
        assert_eq!(clock(3723), "1:02:03");
    }
}
