//! The answers this client already holds, with their tags, for conditional
//! reads.
//!
//! Every change makes every open client refetch what it shows, and most of
//! those refetches find the answer unchanged (a new project does not change
//! the recordings list). The server tags each answer of a read with a strong
//! `ETag`; the client keeps the last tagged body of each URL and sends its
//! tag as `If-None-Match`. An unchanged answer then comes back as a bodiless
//! `304 Not Modified`, and the kept body is decoded again: the query cache
//! compares it with what it holds and re-renders nothing.
//!
//! Bounded: at most [`MAX_ANSWERS`] URLs and [`MAX_BYTES`] of bodies; a
//! body larger than [`MAX_BODY`] (a recording with a very long transcript)
//! is not kept and is fetched whole each time.

use std::collections::HashMap;

use reqwest::header::HeaderValue;

/// Most URLs kept.
pub const MAX_ANSWERS: usize = 256;
/// Most body bytes kept, all URLs together.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// Largest body kept.
pub const MAX_BODY: usize = 1024 * 1024;

/// A kept answer: its tag and its body.
#[derive(Clone, Debug, PartialEq)]
pub struct Known {
    /// The server's `ETag`, sent back as `If-None-Match`.
    pub etag: HeaderValue,
    /// The body it tags.
    pub body: bytes::Bytes,
}

/// See the [module docs](self).
#[derive(Debug, Default)]
pub struct KnownAnswers {
    answers: HashMap<String, (Known, u64)>,
    bytes: usize,
    clock: u64,
}

impl KnownAnswers {
    /// The answer kept for `url`, if any.
    pub fn get(&mut self, url: &str) -> Option<Known> {
        self.clock += 1;
        let clock = self.clock;
        let (known, used) = self.answers.get_mut(url)?;
        *used = clock;
        Some(known.clone())
    }

    /// Keeps `known` as the answer for `url`, dropping the least recently
    /// used answers when over the bounds.
    pub fn keep(&mut self, url: String, known: Known) {
        self.forget(&url);
        if known.body.len() > MAX_BODY {
            return;
        }
        self.clock += 1;
        self.bytes += known.body.len();
        self.answers.insert(url, (known, self.clock));
        while self.answers.len() > MAX_ANSWERS || self.bytes > MAX_BYTES {
            let Some(oldest) = self
                .answers
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(url, _)| url.clone())
            else {
                break;
            };
            self.forget(&oldest);
        }
    }

    /// Drops the answer kept for `url`.
    pub fn forget(&mut self, url: &str) {
        if let Some((known, _)) = self.answers.remove(url) {
            self.bytes -= known.body.len();
        }
    }

    /// How many answers are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.answers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(tag: &str, body: &str) -> Known {
        Known {
            etag: HeaderValue::from_str(tag).unwrap(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn the_latest_answer_of_a_url_is_kept() {
        let mut answers = KnownAnswers::default();
        answers.keep("/a".into(), known("\"1\"", "one"));
        answers.keep("/a".into(), known("\"2\"", "two"));
        assert_eq!(answers.get("/a"), Some(known("\"2\"", "two")));
        assert_eq!(answers.get("/b"), None);
        assert_eq!(answers.len(), 1);
    }

    #[test]
    fn the_least_recently_used_goes_first_and_large_bodies_are_not_kept() {
        let mut answers = KnownAnswers::default();
        for i in 0..MAX_ANSWERS {
            answers.keep(format!("/{i}"), known("\"t\"", "x"));
        }
        answers.get("/0");
        answers.keep("/new".into(), known("\"t\"", "x"));
        assert_eq!(answers.len(), MAX_ANSWERS);
        assert!(answers.get("/0").is_some(), "used again, kept");
        assert!(answers.get("/1").is_none(), "the oldest went");

        answers.keep("/big".into(), known("\"t\"", &"x".repeat(MAX_BODY + 1)));
        assert!(answers.get("/big").is_none());
    }
}
