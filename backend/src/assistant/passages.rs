//! Transcripts cut into passages that can be quoted and cited by time.
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

/// Average speaking rate used when a recording's duration is unknown.
const WORDS_PER_MINUTE: f64 = 150.0;

/// Longest passage cut from an untimestamped text, in characters; shorter
/// passages quote more precisely and cite a more precise time.
const PASSAGE_CHARS: usize = 280;

/// Longest quote taken from a passage, in characters.
pub const QUOTE_CHARS: usize = 320;

/// A quotable piece of a recording's transcript or notes.
#[derive(Clone, Debug, PartialEq)]
pub struct Passage {
    /// The passage's text, whitespace collapsed, timestamp removed.
    pub text: String,
    /// Where it is in the recording.
    pub at: At,
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
        })
        .collect()
}

fn timestamped(transcript: &str) -> Vec<Passage> {
    let mut passages: Vec<Passage> = Vec::new();
    let mut lead = String::new();
    for line in transcript.lines() {
        match timestamp(line) {
            Some((seconds, rest)) => passages.push(Passage {
                text: collapse(rest),
                at: At::Exact(seconds),
            }),
            None => {
                let target = match passages.last_mut() {
                    Some(passage) => &mut passage.text,
                    // Text before the first timestamp starts the recording.
                    None => &mut lead,
                };
                let line = collapse(line);
                if !line.is_empty() {
                    if !target.is_empty() {
                        target.push(' ');
                    }
                    target.push_str(&line);
                }
            }
        }
    }
    if !lead.is_empty() {
        passages.insert(
            0,
            Passage {
                text: lead,
                at: At::About(0),
            },
        );
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
        } else {
            runs.extend(current.take());
            current = Some(Run {
                text: sentence.text.clone(),
                start_char: sentence.start_char,
                words_before: words_seen,
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
    new_paragraph: bool,
}

/// Sentences end at `.`, `!` or `?` followed by whitespace, and at the end
/// of a paragraph; paragraphs end at blank lines.
fn sentences(text: &str) -> Vec<Sentence> {
    let mut sentences = Vec::new();
    let mut paragraph: Vec<(usize, char)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let length = line.chars().count();
        if line.trim().is_empty() {
            split_paragraph(&paragraph, &mut sentences);
            paragraph.clear();
        } else {
            paragraph.extend(line.chars().enumerate().map(|(i, c)| (offset + i, c)));
        }
        offset += length;
    }
    split_paragraph(&paragraph, &mut sentences);
    sentences
}

/// Appends the sentences of one paragraph (characters with their offsets).
fn split_paragraph(paragraph: &[(usize, char)], out: &mut Vec<Sentence>) {
    let mut new_paragraph = true;
    let mut start: Option<usize> = None;
    let mut current = String::new();
    let mut push = |current: &mut String, start: &mut Option<usize>| {
        if let Some(start_char) = start.take() {
            out.push(Sentence {
                text: collapse(current),
                start_char,
                new_paragraph,
            });
            new_paragraph = false;
        }
        current.clear();
    };
    for (k, &(position, c)) in paragraph.iter().enumerate() {
        if start.is_none() {
            if c.is_whitespace() {
                continue;
            }
            start = Some(position);
        }
        current.push(c);
        let ends = matches!(c, '.' | '!' | '?')
            && paragraph
                .get(k + 1)
                .is_none_or(|&(_, next)| next.is_whitespace());
        if ends {
            push(&mut current, &mut start);
        }
    }
    push(&mut current, &mut start);
}

/// The seconds of a line's leading `[h:mm:ss]` / `[m:ss]` timestamp (a
/// fraction is allowed and dropped) and the rest of the line.
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
    let parts: Vec<&str> = whole.split(':').collect();
    let number = |part: &str| -> Option<u64> {
        (!part.is_empty() && part.len() <= 3 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let seconds = match parts.as_slice() {
        [minutes, seconds] if seconds.len() == 2 => {
            let seconds = number(seconds).filter(|s| *s < 60)?;
            number(minutes)? * 60 + seconds
        }
        [hours, minutes, seconds] if minutes.len() == 2 && seconds.len() == 2 => {
            let minutes = number(minutes).filter(|m| *m < 60)?;
            let seconds = number(seconds).filter(|s| *s < 60)?;
            number(hours)? * 3600 + minutes * 60 + seconds
        }
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

/// The part of `text` worth quoting: all of it when short enough, else the
/// sentences around the one with the most of `hits` (lowercase word
/// prefixes), within [`QUOTE_CHARS`], with `…` where text was left out.
pub fn excerpt(text: &str, hits: &[String]) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        return text.to_string();
    }
    let parts: Vec<String> = sentences(text).into_iter().map(|s| s.text).collect();
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

/// Whitespace runs as single spaces, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_minutes_and_hours_are_read_with_or_without_a_fraction() {
        assert_eq!(timestamp("[00:12] Hello"), Some((12, " Hello")));
        assert_eq!(timestamp("  [1:02:03]Hi"), Some((3723, "Hi")));
        assert_eq!(timestamp("[12:05.5] x"), Some((725, " x")));
        assert_eq!(timestamp("[75:00] long"), Some((4500, " long")));
        for not_a_time in [
            "[1:2]",
            "[00:60]",
            "[ab:cd]",
            "[note]",
            "00:12 x",
            "[1:60:00]",
        ] {
            assert_eq!(timestamp(not_a_time), None, "{not_a_time}");
        }
    }

    #[test]
    fn timestamped_lines_are_passages_with_exact_times_and_carry_their_continuations() {
        let transcript = "Intro before any time.\n[00:05] Welcome everyone.\n[01:10] We agreed\nthe budget.\n\n[1:00:00] Bye.";
        let passages = of_transcript(transcript, Some(10_000));
        assert_eq!(
            passages,
            vec![
                Passage {
                    text: "Intro before any time.".into(),
                    at: At::About(0)
                },
                Passage {
                    text: "Welcome everyone.".into(),
                    at: At::Exact(5)
                },
                Passage {
                    text: "We agreed the budget.".into(),
                    at: At::Exact(70)
                },
                Passage {
                    text: "Bye.".into(),
                    at: At::Exact(3600)
                },
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
        let runs: Vec<String> = runs(text).into_iter().map(|r| r.text).collect();
        assert_eq!(
            runs,
            vec!["One. Two! Three? Still three.", "New paragraph."]
        );
        let long = format!("{}. {}.", "a".repeat(200), "b".repeat(200));
        assert_eq!(super::runs(&long).len(), 2);
    }

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

    #[test]
    fn clock_shows_minutes_and_hours() {
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(62), "1:02");
        assert_eq!(clock(3723), "1:02:03");
    }
}
