//! Fills an empty Earshot workspace with a large, realistic, deterministic
//! library: projects, recordings (titles, notes, timestamped transcripts,
//! measurements and waveforms), conversations that quote those recordings,
//! and a search history.
//!
//! [`generate`] writes through SeaORM's entities, so the rows are encoded
//! exactly as the server writes them, with multi-row `INSERT`s inside a few
//! large transactions. On SQLite the full-text index `recordings_fts` (and
//! `has_transcript`) is kept by the triggers on `recordings`, on PostgreSQL
//! by generated columns, so neither is written here. The same
//! [`Options`] (seed and `now` included) always give the same workspace.
//!
//! What it makes, for [`Options::for_recordings`]`(10_000)`:
//!
//! - 50 projects (one per 200 recordings, at least 50) with unique names;
//!   about 70% of the recordings belong to one, the rest are unassigned.
//! - Recordings created over the last 18 months, denser towards now, a fifth
//!   of them in the last 14 days (the dashboard's chart), mostly on working
//!   days and hours; ids are UUID v7 made from `created_at`, so they sort by
//!   creation time. About 96% are `ready` (format, duration from 30 s to 2 h,
//!   sample rate, channels, levels and a 240-point waveform, as the processor
//!   writes them) and 4% `failed` (with the processor's error messages);
//!   `ready` and `failed` rows have no audio file, which nothing at start-up
//!   or in the API needs. [`Options::pending`] more are `queued`, each with a
//!   real 1.5 s WAV in the data directory, stored the way an upload is, so
//!   that the server processes them when it starts.
//! - Notes (0–600 characters, many empty) and, for about 90%, a 1–5 KB
//!   transcript in Earshot's format: lines starting with `[00:12]`,
//!   `[12:05]` or `[1:02:03]`. The text is drawn from about 3,000 distinct
//!   words with a Zipf-like frequency, so a common word ("budget",
//!   "meeting") matches most recordings and a rare one ("theremin") a few.
//! - 200 conversations (one per 50 recordings, at least 20) of 2 to 10
//!   messages, the user's questions answered by replies that quote and cite
//!   the generated transcripts as the offline assistant does. Each ends with
//!   a reply, so none is owed one when the server starts.
//! - 40 entries of search history.
//!
//! The CLI around it is `main.rs` in this folder:
//!
//! ```sh
//! cargo run --release -p earshot-backend --example make-workspace -- \
//!     --recordings 10000 --data-dir /tmp/big [--db postgres://…] [--seed 7] [--pending 3]
//! ```
//!
//! Other programs (benchmarks) include this file on its own with
//! `#[path = "../examples/make_workspace/generate.rs"] mod generate;`, so it
//! uses only `earshot_backend`, `earshot_shared`, std and the backend's own
//! dependencies.

// Programs that include this file use only part of it.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, Datelike, Days, Utc, Weekday};
use earshot_backend::db::entities::{conversation, message, project, recording, search_history};
use earshot_backend::storage::{Storage, extension_of};
use earshot_shared::dto::{RecordingStatus, Role};
use earshot_shared::transcript::clock;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait, Statement,
    TransactionTrait,
};

/// What to generate. Start from [`Options::for_recordings`] (or
/// [`Options::default`], 10,000 recordings) and change what you need.
#[derive(Clone, Debug)]
pub struct Options {
    /// Recordings in all, the [`pending`](Options::pending) ones included.
    pub recordings: usize,
    /// Of those, how many are `queued` with a real audio file, for the
    /// server to process when it starts.
    pub pending: usize,
    /// Projects (names are unique).
    pub projects: usize,
    /// Conversations, each of 2 to 10 messages.
    pub conversations: usize,
    /// Entries of search history.
    pub searches: usize,
    /// The seed every random choice derives from.
    pub seed: u64,
    /// The time the workspace is generated "at": every timestamp is before
    /// it, and the last 14 days before it get a good share of the imports.
    pub now: DateTime<Utc>,
    /// The replica name `queued` rows carry in `worker`, as a fresh upload
    /// carries its server's (see `earshot_backend::db::connect`'s epoch).
    pub worker: String,
    /// Print progress to standard error.
    pub progress: bool,
}

impl Options {
    /// `recordings` recordings and the rest in proportion: one project per
    /// 200 recordings (at least 50), one conversation per 50 (at least 20),
    /// 40 searches, none pending; seed 1, now, quiet.
    pub fn for_recordings(recordings: usize) -> Self {
        Options {
            recordings,
            pending: 0,
            projects: (recordings / 200).max(50),
            conversations: (recordings / 50).max(20),
            searches: 40,
            seed: 1,
            now: Utc::now(),
            worker: uuid::Uuid::now_v7().simple().to_string(),
            progress: false,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::for_recordings(10_000)
    }
}

/// What [`generate`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Recordings in all.
    pub recordings: usize,
    /// Of which `ready`.
    pub ready: usize,
    /// Of which `failed`.
    pub failed: usize,
    /// Of which `queued` (each with its audio file).
    pub queued: usize,
    /// Of which with a transcript.
    pub transcribed: usize,
    /// Of which in a project.
    pub in_projects: usize,
    /// Projects.
    pub projects: usize,
    /// Conversations.
    pub conversations: usize,
    /// Their messages.
    pub messages: usize,
    /// Entries of search history.
    pub searches: usize,
    /// Bytes of title, notes and transcript text written.
    pub text_bytes: u64,
    /// Audio files written (one per queued recording).
    pub files: usize,
    /// How long it took.
    pub elapsed: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "recordings     {} ({} ready, {} failed, {} queued; {} with a transcript, {} in a project)",
            self.recordings,
            self.ready,
            self.failed,
            self.queued,
            self.transcribed,
            self.in_projects
        )?;
        writeln!(f, "projects       {}", self.projects)?;
        writeln!(
            f,
            "conversations  {} ({} messages)",
            self.conversations, self.messages
        )?;
        writeln!(f, "searches       {}", self.searches)?;
        writeln!(
            f,
            "text           {:.1} MB of titles, notes and transcripts",
            self.text_bytes as f64 / 1e6
        )?;
        writeln!(f, "audio files    {}", self.files)?;
        write!(f, "elapsed        {:.1} s", self.elapsed.as_secs_f64())
    }
}

/// Rows per `INSERT`: 21 columns × 400 = 8,400 bound parameters, well under
/// SQLite's 32,766 (and PostgreSQL's 65,535), and statements of a few MB.
const RECORDINGS_PER_INSERT: usize = 400;
/// Rows per `INSERT` for the narrow tables.
const SMALL_ROWS_PER_INSERT: usize = 1_000;
/// Recordings per transaction: few, large transactions are what make bulk
/// loading fast; this bounds the SQLite WAL (or PostgreSQL's undo) to some
/// tens of MB each.
const RECORDINGS_PER_TRANSACTION: usize = 10_000;
/// How often progress is printed, in recordings.
const PROGRESS_EVERY: usize = 2_000;

/// The history recordings are spread over, in days.
const HISTORY_DAYS: u64 = 548;
/// The dashboard's chart: imports per day over the last 14 days.
const RECENT_DAYS: u64 = 14;
/// The share of recordings made in the last [`RECENT_DAYS`].
const RECENT_SHARE: f64 = 0.2;
/// The share of recordings in a project.
const IN_PROJECT_SHARE: f64 = 0.7;
/// The share of processed recordings that failed.
const FAILED_SHARE: f64 = 0.04;
/// The share of recordings with a transcript.
const TRANSCRIBED_SHARE: f64 = 0.9;
/// The share of recordings with notes.
const NOTES_SHARE: f64 = 0.55;
/// The longest notes, in bytes.
const NOTES_MAX: usize = 600;

/// The audio file a queued recording gets: the test fixture, a 1.5 s mono
/// 8 kHz WAV (24 KB), built into the program so that it runs from anywhere.
const PENDING_AUDIO: &[u8] = include_bytes!("../../../assets/fixtures/tone.wav");

/// Fills the empty workspace behind `db` (whose migrations have run, as
/// `earshot_backend::db::connect` does) and `data_dir` (where queued
/// recordings' files go) as `options` says.
///
/// Refuses a workspace that already holds recordings, projects or
/// conversations. No server should be using the workspace meanwhile: it
/// would not hear of the new rows until it is restarted.
pub async fn generate(
    db: &DatabaseConnection,
    data_dir: &Path,
    options: &Options,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    anyhow::ensure!(
        options.pending <= options.recordings,
        "{} pending recordings do not fit in {} recordings",
        options.pending,
        options.recordings
    );
    anyhow::ensure!(
        options.projects > 0 || options.recordings == 0,
        "recordings need at least one project to be put in"
    );
    refuse_if_not_empty(db).await?;

    let words = Words::new();
    let mut summary = Summary::default();
    let say = |what: &str| {
        if options.progress {
            eprintln!("{what:<44} {:>7.1} s", started.elapsed().as_secs_f64());
        }
    };

    let projects = make_projects(&words, options);
    insert_projects(db, &projects).await?;
    summary.projects = projects.len();
    say(&format!("projects: {}", projects.len()));

    let library =
        insert_recordings(db, data_dir, options, &words, &projects, &mut summary, &say).await?;

    let (conversations, messages) = make_conversations(&words, options, &library);
    insert_conversations(db, conversations, messages, &mut summary).await?;
    say(&format!(
        "conversations: {} ({} messages)",
        summary.conversations, summary.messages
    ));

    let searches = make_searches(&words, options);
    summary.searches = searches.len();
    let txn = db.begin().await?;
    for chunk in chunked(searches, SMALL_ROWS_PER_INSERT) {
        search_history::Entity::insert_many(chunk)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    say(&format!("searches: {}", summary.searches));

    if db.get_database_backend() == DatabaseBackend::Sqlite {
        // Leaves the data in the database file rather than in a WAL of
        // hundreds of MB that the server's first connection would replay.
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .context("cannot checkpoint the SQLite journal")?;
        say("checkpointed");
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The size of the database in bytes: SQLite's pages, or PostgreSQL's
/// `pg_database_size`; `None` for another database.
pub async fn database_size(db: &DatabaseConnection) -> anyhow::Result<Option<u64>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Sqlite => {
            "SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()"
        }
        DatabaseBackend::Postgres => "SELECT pg_database_size(current_database())::bigint AS size",
        _ => return Ok(None),
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .context("the database did not say its size")?;
    let size: i64 = row.try_get("", "size")?;
    Ok(u64::try_from(size).ok())
}

async fn refuse_if_not_empty(db: &DatabaseConnection) -> anyhow::Result<()> {
    let recordings = recording::Entity::find().count(db).await?;
    let projects = project::Entity::find().count(db).await?;
    let conversations = conversation::Entity::find().count(db).await?;
    if recordings + projects + conversations > 0 {
        anyhow::bail!(
            "this workspace is not empty: it holds {recordings} recordings, {projects} projects \
             and {conversations} conversations. Generate into a new data directory (or a fresh \
             database), so that nothing of yours is mixed with generated rows."
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------

/// SplitMix64: tiny, fast and good enough for test data. Every row gets its
/// own generator, derived from the seed, a stream and its index, so the
/// output depends on the options alone, not on batch sizes or on the order
/// rows are made in.
#[derive(Clone, Debug)]
struct Rng(u64);

/// Streams: one per kind of thing drawn.
const STREAM_PROJECTS: u64 = 1;
const STREAM_TIMES: u64 = 2;
const STREAM_RECORDINGS: u64 = 3;
const STREAM_CONVERSATIONS: u64 = 4;
const STREAM_SEARCHES: u64 = 5;
const STREAM_PROJECT_ORDER: u64 = 6;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    fn new(seed: u64, stream: u64, index: u64) -> Rng {
        Rng(mix(seed ^ mix(stream.wrapping_add(mix(index)))))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `low..high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below((high - low) as usize) as u64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.below(words.len())]
    }

    fn bytes10(&mut self) -> [u8; 10] {
        let (a, b) = (self.next_u64().to_le_bytes(), self.next_u64().to_le_bytes());
        let mut out = [0; 10];
        out[..8].copy_from_slice(&a);
        out[8..].copy_from_slice(&b[..2]);
        out
    }
}

/// Draws indices with weight `1 / (rank + 1 + flat)^s`: the first entries
/// of a list come up often, the last ones rarely, as words do in speech;
/// `flat` keeps the very first ones from drowning the rest.
#[derive(Clone, Debug)]
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64, flat: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|rank| {
                total += 1.0 / ((rank + 1) as f64 + flat).powf(s);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("a non-empty list");
        let x = rng.unit() * total;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

/// A UUID v7 made at `at`, its random bits from `rng`: ids sort by
/// creation time, as the app assumes, and stay deterministic.
fn id_at(at: DateTime<Utc>, rng: &mut Rng) -> String {
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.bytes10())
        .into_uuid()
        .to_string()
}

/// How many imports each hour of the day gets, relatively (UTC).
const HOUR_WEIGHTS: [u32; 24] = [
    1, 0, 0, 0, 0, 1, 2, 4, 8, 12, 14, 14, 9, 10, 13, 13, 12, 9, 6, 6, 6, 5, 3, 2,
];

/// A time when someone might import a recording: over the last
/// [`HISTORY_DAYS`], more of them recently, [`RECENT_SHARE`] in the last
/// [`RECENT_DAYS`]; mostly on working days and hours; at least ten minutes
/// before `now` (the minutes just before are the queued recordings').
fn draw_time(rng: &mut Rng, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.date_naive();
    let hours_total: u32 = HOUR_WEIGHTS.iter().sum();
    let latest = now - chrono::Duration::minutes(10);
    loop {
        let days_back = if rng.chance(RECENT_SHARE) {
            rng.range(0, RECENT_DAYS)
        } else {
            // 1 − √u has a density falling linearly with the days back:
            // the library grows over time.
            let span = (HISTORY_DAYS - RECENT_DAYS) as f64;
            RECENT_DAYS + (span * (1.0 - rng.unit().sqrt())) as u64
        };
        let date = today - Days::new(days_back);
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && rng.chance(0.7) {
            continue;
        }
        let mut pick = rng.below(hours_total as usize) as u32;
        let mut hour = 0;
        while pick >= HOUR_WEIGHTS[hour] {
            pick -= HOUR_WEIGHTS[hour];
            hour += 1;
        }
        let at = date
            .and_hms_milli_opt(
                hour as u32,
                rng.below(60) as u32,
                rng.below(60) as u32,
                rng.below(1000) as u32,
            )
            .expect("a valid time of day")
            .and_utc();
        if at <= latest {
            return at;
        }
    }
}

/// Between `from` and `to` (`from` when `to` is earlier).
fn between(rng: &mut Rng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_milliseconds();
    if span <= 0 {
        return from;
    }
    from + chrono::Duration::milliseconds(rng.range(0, span as u64) as i64)
}

fn chunked<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut chunks = Vec::with_capacity(items.len().div_ceil(size));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(size).collect());
    }
    chunks
}

// ---------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------

/// The vocabulary and the sentence patterns, built once.
struct Words {
    nouns: Vec<&'static str>,
    plurals: Vec<String>,
    noun_rank: Zipf,
    /// Nouns and plurals, to tell which words of a line a question can be
    /// about.
    noun_set: HashSet<String>,
    verbs: Vec<Verb>,
    verb_rank: Zipf,
    adjectives: Vec<&'static str>,
    adjective_rank: Zipf,
    adverb_rank: Zipf,
    first_name_rank: Zipf,
    speech: Vec<Vec<Piece>>,
    notes: Vec<Vec<Piece>>,
    descriptions: Vec<Vec<Piece>>,
}

/// A verb's forms.
struct Verb {
    base: &'static str,
    third: String,
    past: String,
    ing: String,
}

#[derive(Clone, Copy, Debug)]
enum Slot {
    Noun,
    Nouns,
    Adjective,
    Adverb,
    Verb,
    Verbs,
    Verbed,
    Verbing,
    Name,
    Place,
    Company,
    Number,
    When,
    Clock,
}

#[derive(Clone, Copy, Debug)]
enum Piece {
    Text(&'static str),
    Slot(Slot),
}

/// How often a noun slot takes a rare word instead: about one in a
/// transcript, so that each rare word is in a few recordings per 10,000.
const RARE_NOUN_SHARE: f64 = 0.012;

impl Words {
    fn new() -> Words {
        let nouns = distinct(NOUNS);
        let mut plurals = Vec::with_capacity(nouns.len());
        let mut singulars = Vec::with_capacity(nouns.len());
        for &entry in &nouns {
            let (singular, plural) = match entry.split_once('|') {
                Some((singular, plural)) => (singular, plural.to_string()),
                None => (entry, plural_of(entry)),
            };
            singulars.push(singular);
            plurals.push(plural);
        }
        let noun_set = singulars
            .iter()
            .map(|s| s.to_string())
            .chain(plurals.iter().cloned())
            .collect();
        let verbs: Vec<Verb> = distinct(VERBS).into_iter().map(verb_forms).collect();
        let adjectives = distinct(ADJECTIVES);
        Words {
            noun_rank: Zipf::new(singulars.len(), 1.0, 8.0),
            nouns: singulars,
            plurals,
            noun_set,
            verb_rank: Zipf::new(verbs.len(), 1.0, 5.0),
            verbs,
            adjective_rank: Zipf::new(adjectives.len(), 1.0, 5.0),
            adjectives,
            adverb_rank: Zipf::new(ADVERBS.len(), 0.9, 2.0),
            first_name_rank: Zipf::new(FIRST_NAMES.len(), 0.7, 0.0),
            speech: SPEECH.iter().map(|t| parse(t)).collect(),
            notes: NOTES.iter().map(|t| parse(t)).collect(),
            descriptions: DESCRIPTIONS.iter().map(|t| parse(t)).collect(),
        }
    }

    fn noun(&self, rng: &mut Rng) -> &str {
        if rng.chance(RARE_NOUN_SHARE) {
            rng.word(RARE)
        } else {
            self.nouns[self.noun_rank.sample(rng)]
        }
    }

    fn plural(&self, rng: &mut Rng) -> &str {
        &self.plurals[self.noun_rank.sample(rng)]
    }

    fn adjective(&self, rng: &mut Rng) -> &'static str {
        self.adjectives[self.adjective_rank.sample(rng)]
    }

    fn first_name(&self, rng: &mut Rng) -> &'static str {
        FIRST_NAMES[self.first_name_rank.sample(rng)]
    }

    fn full_name(&self, rng: &mut Rng) -> String {
        format!("{} {}", self.first_name(rng), rng.pick(SURNAMES))
    }

    /// Appends one sentence from `patterns`, capitalised. `clock_limit` is
    /// the latest time, in seconds, a `{clock}` may name.
    fn sentence(&self, rng: &mut Rng, patterns: &[Vec<Piece>], clock_limit: u64, out: &mut String) {
        let start = out.len();
        for piece in rng.pick(patterns) {
            match *piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Slot(slot) => self.fill(rng, slot, clock_limit, out),
            }
        }
        if let Some(first) = out.get_mut(start..start + 1) {
            first.make_ascii_uppercase();
        }
    }

    fn fill(&self, rng: &mut Rng, slot: Slot, clock_limit: u64, out: &mut String) {
        match slot {
            Slot::Noun => out.push_str(self.noun(rng)),
            Slot::Nouns => out.push_str(self.plural(rng)),
            Slot::Adjective => out.push_str(self.adjective(rng)),
            Slot::Adverb => out.push_str(ADVERBS[self.adverb_rank.sample(rng)]),
            Slot::Verb => out.push_str(self.verbs[self.verb_rank.sample(rng)].base),
            Slot::Verbs => out.push_str(&self.verbs[self.verb_rank.sample(rng)].third),
            Slot::Verbed => out.push_str(&self.verbs[self.verb_rank.sample(rng)].past),
            Slot::Verbing => out.push_str(&self.verbs[self.verb_rank.sample(rng)].ing),
            Slot::Name => out.push_str(self.first_name(rng)),
            Slot::Place => out.push_str(rng.word(PLACES)),
            Slot::Company => out.push_str(rng.word(COMPANIES)),
            Slot::When => out.push_str(rng.word(WHEN)),
            Slot::Number => match rng.below(4) {
                0 => out.push_str(rng.word(NUMBER_WORDS)),
                1 => out.push_str(&rng.range(2, 100).to_string()),
                2 => out.push_str(&(rng.range(1, 50) * 100).to_string()),
                _ => out.push_str(&format!("{},{:03}", rng.range(1, 20), rng.below(20) * 50)),
            },
            Slot::Clock => out.push_str(&clock(rng.range(0, clock_limit.max(2)))),
        }
    }

    /// Sentences from `patterns` up to about `target` bytes (at least one).
    fn prose(
        &self,
        rng: &mut Rng,
        patterns: &[Vec<Piece>],
        clock_limit: u64,
        target: usize,
    ) -> String {
        let mut text = String::with_capacity(target + 120);
        loop {
            self.sentence(rng, patterns, clock_limit, &mut text);
            if text.len() >= target {
                return text;
            }
            text.push(' ');
        }
    }
}

fn distinct(words: &'static [&'static str]) -> Vec<&'static str> {
    let mut seen = HashSet::new();
    words
        .iter()
        .copied()
        .filter(|w| seen.insert(w.split(['|', '+']).next().unwrap_or(w)))
        .collect()
}

fn parse(pattern: &'static str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let close = open + rest[open..].find('}').expect("a closed slot");
        let slot = match &rest[open + 1..close] {
            "n" => Slot::Noun,
            "ns" => Slot::Nouns,
            "a" => Slot::Adjective,
            "adv" => Slot::Adverb,
            "v" => Slot::Verb,
            "vs" => Slot::Verbs,
            "vd" => Slot::Verbed,
            "vg" => Slot::Verbing,
            "p" => Slot::Name,
            "l" => Slot::Place,
            "c" => Slot::Company,
            "#" => Slot::Number,
            "t" => Slot::When,
            "clock" => Slot::Clock,
            other => panic!("unknown slot {{{other}}} in {pattern:?}"),
        };
        pieces.push(Piece::Slot(slot));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

fn ends_in_consonant_y(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.len() >= 2
        && bytes[bytes.len() - 1] == b'y'
        && !matches!(bytes[bytes.len() - 2], b'a' | b'e' | b'i' | b'o' | b'u')
}

fn plural_of(noun: &str) -> String {
    if ends_in_consonant_y(noun) {
        format!("{}ies", &noun[..noun.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| noun.ends_with(e))
    {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// `base`, `base+` (doubles its last consonant: `plan` → `planned`), and
/// either with `|past` for an irregular past.
fn verb_forms(entry: &'static str) -> Verb {
    let (stem, irregular) = match entry.split_once('|') {
        Some((stem, past)) => (stem, Some(past)),
        None => (entry, None),
    };
    let (base, doubles) = match stem.strip_suffix('+') {
        Some(base) => (base, true),
        None => (stem, false),
    };
    let third = if ends_in_consonant_y(base) {
        format!("{}ies", &base[..base.len() - 1])
    } else if ["s", "x", "z", "ch", "sh", "o"]
        .iter()
        .any(|e| base.ends_with(e))
    {
        format!("{base}es")
    } else {
        format!("{base}s")
    };
    let last = &base[base.len() - 1..];
    let ing = if doubles {
        format!("{base}{last}ing")
    } else if base.ends_with('e') && !base.ends_with("ee") && !base.ends_with("ye") {
        format!("{}ing", &base[..base.len() - 1])
    } else {
        format!("{base}ing")
    };
    let past = match irregular {
        Some(past) => past.to_string(),
        None if doubles => format!("{base}{last}ed"),
        None if base.ends_with('e') => format!("{base}d"),
        None if ends_in_consonant_y(base) => format!("{}ied", &base[..base.len() - 1]),
        None => format!("{base}ed"),
    };
    Verb {
        base,
        third,
        past,
        ing,
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn title_case(words: &str) -> String {
    words
        .split(' ')
        .map(capitalised)
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------

/// What a recording is, which decides its title, length, speakers and
/// sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Standup,
    Interview,
    Rehearsal,
    Lecture,
    Memo,
    ClientCall,
    OneOnOne,
    Podcast,
    Field,
    Workshop,
    Review,
    Dictation,
    Choir,
    FocusGroup,
    Lesson,
}

/// Each kind, how common it is, and its length range in minutes.
const KINDS: [(Kind, u32, f64, f64); 15] = [
    (Kind::Standup, 14, 8.0, 30.0),
    (Kind::Interview, 12, 15.0, 90.0),
    (Kind::Rehearsal, 9, 20.0, 120.0),
    (Kind::Lecture, 9, 40.0, 110.0),
    (Kind::Memo, 14, 0.5, 8.0),
    (Kind::ClientCall, 9, 15.0, 60.0),
    (Kind::OneOnOne, 7, 15.0, 45.0),
    (Kind::Podcast, 6, 25.0, 90.0),
    (Kind::Field, 5, 2.0, 40.0),
    (Kind::Workshop, 4, 45.0, 120.0),
    (Kind::Review, 5, 30.0, 75.0),
    (Kind::Dictation, 5, 1.0, 15.0),
    (Kind::Choir, 3, 45.0, 110.0),
    (Kind::FocusGroup, 3, 45.0, 100.0),
    (Kind::Lesson, 4, 20.0, 60.0),
];

fn draw_kind(rng: &mut Rng) -> Kind {
    let total: u32 = KINDS.iter().map(|k| k.1).sum();
    let mut pick = rng.below(total as usize) as u32;
    for (kind, weight, ..) in KINDS {
        if pick < weight {
            return kind;
        }
        pick -= weight;
    }
    Kind::Memo
}

fn minutes_of(kind: Kind) -> (f64, f64) {
    KINDS
        .iter()
        .find(|k| k.0 == kind)
        .map(|k| (k.2, k.3))
        .unwrap_or((1.0, 10.0))
}

/// Whether two or more people take turns speaking in it.
fn has_speakers(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Interview | Kind::Podcast | Kind::OneOnOne | Kind::FocusGroup | Kind::ClientCall
    )
}

fn is_music(kind: Kind) -> bool {
    matches!(kind, Kind::Rehearsal | Kind::Choir | Kind::Lesson)
}

struct Project {
    id: String,
    name: String,
    description: String,
    kind: Kind,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn make_projects(words: &Words, options: &Options) -> Vec<Project> {
    let now = options.now;
    // Projects start before the recordings that go into them: the oldest
    // before any recording, most of them early on.
    let first = now - Days::new(HISTORY_DAYS + 12);
    let last = now - Days::new(3);
    let mut names = HashSet::new();
    let mut projects = Vec::with_capacity(options.projects);
    for index in 0..options.projects {
        let mut rng = Rng::new(options.seed, STREAM_PROJECTS, index as u64);
        let kind = draw_kind(&mut rng);
        let mut name = project_name(words, &mut rng, kind, now.year());
        let mut attempt = 0;
        while !names.insert(name.clone()) {
            attempt += 1;
            name = if attempt < 20 {
                project_name(words, &mut rng, kind, now.year())
            } else {
                format!("{name} {attempt}")
            };
        }
        let created_at = if index == 0 {
            first
        } else {
            let share = rng.unit().powi(2);
            first
                + chrono::Duration::milliseconds(
                    ((last - first).num_milliseconds() as f64 * share) as i64,
                )
        };
        let updated_at = if rng.chance(0.6) {
            created_at
        } else {
            between(&mut rng, created_at, now - chrono::Duration::hours(1))
        };
        let description = if rng.chance(0.25) {
            String::new()
        } else {
            let target = rng.range(40, 300) as usize;
            words.prose(&mut rng, &words.descriptions, 600, target)
        };
        projects.push(Project {
            id: id_at(created_at, &mut rng),
            name,
            description,
            kind,
            created_at,
            updated_at,
        });
    }
    projects
}

fn project_name(words: &Words, rng: &mut Rng, kind: Kind, year: i32) -> String {
    let year = year - rng.below(2) as i32;
    let codename = capitalised(rng.word(RARE));
    let place = rng.pick(PLACES);
    let song = song_title(words, rng);
    match kind {
        Kind::Rehearsal => match rng.below(3) {
            0 => format!(
                "{} tour {year}",
                rng.pick(&["Spring", "Summer", "Autumn", "Winter"])
            ),
            1 => format!("Album: {song}"),
            _ => format!("{song} EP"),
        },
        Kind::Choir => format!("{} choir season {year}", city(rng)),
        Kind::Lesson => format!(
            "{} lessons with {}",
            rng.pick(INSTRUMENTS),
            words.first_name(rng)
        ),
        Kind::Interview => match rng.below(3) {
            0 => format!("Thesis interviews: {}", rng.pick(TOPICS)),
            1 => format!("Oral history of {place}"),
            _ => format!("Hiring: {} {}", words.adjective(rng), rng.pick(ROLES)),
        },
        Kind::Podcast => format!(
            "Podcast: {}",
            title_case(&format!("{} {}", words.adjective(rng), words.plural(rng)))
        ),
        Kind::Lecture | Kind::Workshop => format!("{} {year}", rng.pick(TOPICS)),
        Kind::ClientCall => format!(
            "{} {}",
            rng.pick(COMPANIES),
            rng.pick(&["account", "onboarding", "renewal", "pilot", "rollout"])
        ),
        Kind::Field => format!("Field trip: {place}"),
        Kind::FocusGroup => format!("Research: {} {}", words.adjective(rng), words.plural(rng)),
        Kind::Standup | Kind::Review | Kind::OneOnOne => match rng.below(2) {
            0 => format!("Project {codename}"),
            _ => format!("Team {codename}"),
        },
        Kind::Memo | Kind::Dictation => match rng.below(2) {
            0 => format!("Ideas about {}", words.plural(rng)),
            _ => format!("Notes: {codename}"),
        },
    }
}

/// A place that can start a title (not "the harbour").
fn city(rng: &mut Rng) -> &'static str {
    loop {
        let place = rng.word(PLACES);
        if place.starts_with(char::is_uppercase) {
            return place;
        }
    }
}

fn song_title(words: &Words, rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => title_case(&format!("the {} {}", words.adjective(rng), words.noun(rng))),
        1 => title_case(&format!("{} {}", words.adjective(rng), words.plural(rng))),
        _ => title_case(&format!("{} in {}", words.plural(rng), rng.pick(PLACES))),
    }
}

async fn insert_projects(db: &DatabaseConnection, projects: &[Project]) -> anyhow::Result<()> {
    let rows: Vec<project::ActiveModel> = projects
        .iter()
        .map(|p| project::ActiveModel {
            id: Set(p.id.clone()),
            name: Set(p.name.clone()),
            description: Set(p.description.clone()),
            created_at: Set(p.created_at),
            updated_at: Set(p.updated_at),
        })
        .collect();
    let txn = db.begin().await?;
    for chunk in chunked(rows, SMALL_ROWS_PER_INSERT) {
        project::Entity::insert_many(chunk)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Recordings
// ---------------------------------------------------------------------------

/// A recording the conversations can quote.
struct Quotable {
    created_at: DateTime<Utc>,
    id: String,
    title: String,
    /// Its transcript's lines: second, text.
    lines: Vec<(u64, String)>,
}

/// What the conversations need to know of the recordings.
struct Library {
    /// Every recording's `created_at`, in order.
    times: Vec<DateTime<Utc>>,
    /// A sample of the transcribed recordings, in `created_at` order.
    quotable: Vec<Quotable>,
}

/// About this many recordings are kept for the conversations to quote.
const QUOTABLE: usize = 2_000;

async fn insert_recordings(
    db: &DatabaseConnection,
    data_dir: &Path,
    options: &Options,
    words: &Words,
    projects: &[Project],
    summary: &mut Summary,
    say: &impl Fn(&str),
) -> anyhow::Result<Library> {
    let total = options.recordings;
    let regular = total - options.pending;
    let now = options.now;

    let mut times: Vec<DateTime<Utc>> = (0..regular)
        .map(|i| draw_time(&mut Rng::new(options.seed, STREAM_TIMES, i as u64), now))
        .collect();
    times.sort_unstable();
    // The queued ones were uploaded in the last few minutes.
    let step = 600_000 / (options.pending as i64 + 1);
    for j in 0..options.pending as i64 {
        times.push(now - chrono::Duration::milliseconds(600_000 - step * (j + 1)));
    }

    // Projects by how many recordings they get: a few large, many small.
    let project_rank = Zipf::new(projects.len().max(1), 0.8, 0.0);
    let mut order: Vec<usize> = (0..projects.len()).collect();
    let mut shuffle = Rng::new(options.seed, STREAM_PROJECT_ORDER, 0);
    for i in (1..order.len()).rev() {
        order.swap(i, shuffle.below(i + 1));
    }

    let storage = if options.pending > 0 {
        Some(
            Storage::open(data_dir)
                .await
                .with_context(|| format!("cannot prepare {}", data_dir.display()))?,
        )
    } else {
        None
    };

    let stride = (total / QUOTABLE).max(1);
    let mut quotable = Vec::new();
    let mut batch = Vec::with_capacity(RECORDINGS_PER_INSERT);
    let mut txn = db.begin().await?;
    let mut in_transaction = 0;
    for (index, &created_at) in times.iter().enumerate() {
        let mut rng = Rng::new(options.seed, STREAM_RECORDINGS, index as u64);
        let pending = index >= regular;
        let project = if rng.chance(IN_PROJECT_SHARE) && !projects.is_empty() {
            // A project that existed by then; the oldest one always did.
            let found = (0..8)
                .map(|_| &projects[order[project_rank.sample(&mut rng)]])
                .find(|p| p.created_at <= created_at);
            Some(found.unwrap_or(&projects[0]))
        } else {
            None
        };
        let draft = draft_recording(words, &mut rng, created_at, now, project, pending);
        let id = id_at(created_at, &mut rng);

        let stored_path = match (&storage, pending) {
            (Some(storage), true) => keep_audio(storage, &id, &draft.file_name).await?,
            _ => format!("recordings/{id}.{}", extension_of(&draft.file_name)),
        };

        summary.recordings += 1;
        match draft.status {
            RecordingStatus::Ready => summary.ready += 1,
            RecordingStatus::Failed => summary.failed += 1,
            _ => summary.queued += 1,
        }
        summary.files += usize::from(pending);
        summary.transcribed += usize::from(!draft.transcript.is_empty());
        summary.in_projects += usize::from(project.is_some());
        summary.text_bytes +=
            (draft.title.len() + draft.notes.len() + draft.transcript.len()) as u64;
        if index % stride == 0 && !draft.lines.is_empty() {
            quotable.push(Quotable {
                created_at,
                id: id.clone(),
                title: draft.title.clone(),
                lines: draft.lines.clone(),
            });
        }

        batch.push(recording::ActiveModel {
            id: Set(id),
            title: Set(draft.title),
            status: Set(draft.status.as_str().to_string()),
            progress: Set(draft.progress),
            error: Set(draft.error),
            project_id: Set(project.map(|p| p.id.clone())),
            file_name: Set(draft.file_name),
            stored_path: Set(stored_path),
            size_bytes: Set(draft.size_bytes),
            format: Set(draft.audio.as_ref().map(|a| a.format.to_string())),
            duration_ms: Set(draft.audio.as_ref().map(|a| a.duration_ms)),
            sample_rate: Set(draft.audio.as_ref().map(|a| a.sample_rate)),
            channels: Set(draft.audio.as_ref().map(|a| a.channels)),
            peak_dbfs: Set(draft.audio.as_ref().map(|a| a.peak_dbfs)),
            rms_dbfs: Set(draft.audio.as_ref().map(|a| a.rms_dbfs)),
            waveform: Set(draft.audio.map(|a| a.waveform)),
            notes: Set(draft.notes),
            transcript: Set(draft.transcript),
            // Kept by the database from the transcript.
            has_transcript: NotSet,
            created_at: Set(created_at),
            updated_at: Set(draft.updated_at),
            // A queued job names the replica whose queue holds it; a
            // processed row's worker is read by nothing.
            worker: Set(pending.then(|| options.worker.clone())),
        });

        let done = index + 1;
        if batch.len() == RECORDINGS_PER_INSERT || done == total {
            in_transaction += batch.len();
            recording::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&txn)
                .await
                .context("cannot insert recordings")?;
        }
        if in_transaction >= RECORDINGS_PER_TRANSACTION || done == total {
            txn.commit().await?;
            txn = db.begin().await?;
            in_transaction = 0;
        }
        if done % PROGRESS_EVERY == 0 || done == total {
            say(&format!(
                "recordings: {done}/{total} ({}%)",
                done * 100 / total.max(1)
            ));
        }
    }
    txn.commit().await?;
    Ok(Library { times, quotable })
}

/// Copies the built-in WAV into the store as an upload would arrive
/// (through `.incoming`, then moved to `recordings/<id>.<ext>`); returns the
/// stored path, as the service records it.
async fn keep_audio(storage: &Storage, id: &str, file_name: &str) -> anyhow::Result<String> {
    let mut writer = storage.begin_incoming().await?;
    writer
        .write(PENDING_AUDIO, u64::MAX)
        .await
        .map_err(|err| anyhow::anyhow!("cannot store the audio of {id}: {err}"))?;
    let incoming = writer
        .finish()
        .await
        .map_err(|err| anyhow::anyhow!("cannot store the audio of {id}: {err}"))?;
    Ok(storage.keep(incoming, id, &extension_of(file_name)).await?)
}

/// A recording's content, before it has an id.
struct Draft {
    title: String,
    file_name: String,
    status: RecordingStatus,
    progress: i32,
    error: Option<String>,
    size_bytes: i64,
    audio: Option<Audio>,
    notes: String,
    transcript: String,
    lines: Vec<(u64, String)>,
    updated_at: DateTime<Utc>,
}

/// What processing measured.
struct Audio {
    format: &'static str,
    duration_ms: i64,
    sample_rate: i32,
    channels: i32,
    peak_dbfs: f32,
    rms_dbfs: f32,
    waveform: String,
}

/// Errors as the processor words them (`AnalyzeError`'s messages and the
/// last-resort one), with the progress each leaves behind.
const FAILURES: &[(&str, bool)] = &[
    ("not a recognised audio file", false),
    ("could not decode the audio: no audio frames decoded", false),
    (
        "could not decode the audio: malformed stream: invalid main_data_begin",
        true,
    ),
    (
        "could not decode the audio: unsupported feature: core (codec): unsupported codec",
        false,
    ),
    (
        "could not read the file: No such file or directory (os error 2)",
        false,
    ),
    (
        "could not read the file: Input/output error (os error 5)",
        true,
    ),
    (
        "Earshot could not save the result of processing this recording.",
        true,
    ),
];

fn draft_recording(
    words: &Words,
    rng: &mut Rng,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
    project: Option<&Project>,
    pending: bool,
) -> Draft {
    let kind = match project {
        Some(p) if rng.chance(0.6) => p.kind,
        _ => draw_kind(rng),
    };
    let title = recording_title(words, rng, kind, created_at);
    let (low, high) = minutes_of(kind);
    let minutes = (low.ln() + rng.unit() * (high.ln() - low.ln())).exp();
    let duration_ms = ((minutes * 60_000.0) as i64).clamp(30_000, 7_200_000);
    let seconds = (duration_ms / 1000) as u64;

    // Long recordings come compressed: as WAV or FLAC they would be larger
    // than a server accepts by default (512 MiB).
    let format = match (pending, seconds > 25 * 60, rng.below(20)) {
        (true, ..) => "wav",
        (false, true, 0..=12) => "mp3",
        (false, true, _) => "ogg",
        (false, false, 0..=6) => "wav",
        (false, false, 7..=13) => "mp3",
        (false, false, 14..=16) => "flac",
        (false, false, _) => "ogg",
    };
    let file_name = file_name(rng, &title, created_at, format);

    let notes = if rng.chance(NOTES_SHARE) && !pending {
        let target = rng.range(15, 560) as usize;
        let mut notes = words.prose(rng, &words.notes, seconds, target);
        if notes.len() > NOTES_MAX {
            // At the last full sentence that fits.
            let fits = (0..=NOTES_MAX)
                .rev()
                .find(|&i| notes.is_char_boundary(i))
                .unwrap_or(0);
            let cut = notes[..fits].rfind(". ").map_or(fits, |i| i + 1);
            notes.truncate(cut);
        }
        notes
    } else {
        String::new()
    };
    let lines = if rng.chance(TRANSCRIBED_SHARE) && !pending {
        // About 900 bytes a minute is all a recording can hold of speech.
        let target = (rng.range(1_100, 4_600) as usize).min(((seconds * 15) as usize).max(1_100));
        transcript_lines(words, rng, kind, seconds, target)
    } else {
        Vec::new()
    };
    let transcript = lines
        .iter()
        .map(|(at, text)| format!("[{}] {text}", timestamp(*at)))
        .collect::<Vec<_>>()
        .join("\n");

    let (status, progress, error, audio, size_bytes, processed_for) = if pending {
        let size = PENDING_AUDIO.len() as i64;
        (RecordingStatus::Queued, 0, None, None, size, 0)
    } else if rng.chance(FAILED_SHARE) {
        let (reason, midway) = *rng.pick(FAILURES);
        let progress = if midway { rng.range(5, 96) as i32 } else { 0 };
        let size = rng.range(40_000, 300_000_000) as i64;
        (
            RecordingStatus::Failed,
            progress,
            Some(reason.to_string()),
            None,
            size,
            rng.range(1, 30),
        )
    } else {
        let audio = measure(rng, kind, format, duration_ms);
        let size = file_size(rng, &audio);
        // Decoding runs at some hundred times real time.
        let took = seconds / rng.range(60, 400) + rng.range(1, 5);
        (RecordingStatus::Ready, 100, None, Some(audio), size, took)
    };
    let processed = created_at + chrono::Duration::seconds(processed_for as i64);
    let updated_at = if !pending && rng.chance(0.2) {
        // Edited later: a title, notes or a transcript pasted in.
        let until = (processed + chrono::Duration::days(30)).min(now);
        between(rng, processed, until)
    } else {
        processed.min(now)
    };

    Draft {
        title,
        file_name,
        status,
        progress,
        error,
        size_bytes,
        audio,
        notes,
        transcript,
        lines,
        updated_at,
    }
}

/// `[MM:SS]` under an hour, `[H:MM:SS]` from an hour on.
fn timestamp(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Lines of about `target` bytes in all (timestamps included), their times
/// spread over the recording: a transcript of a long recording is sparse,
/// as one made of notable moments is.
fn transcript_lines(
    words: &Words,
    rng: &mut Rng,
    kind: Kind,
    seconds: u64,
    target: usize,
) -> Vec<(u64, String)> {
    let speakers: Vec<&str> = if has_speakers(kind) {
        let count = if kind == Kind::FocusGroup { 4 } else { 2 };
        (0..count).map(|_| words.first_name(rng)).collect()
    } else {
        Vec::new()
    };
    let mut texts = Vec::new();
    let mut length = 0;
    let mut speaker = 0;
    while length < target {
        let mut line = String::new();
        if !speakers.is_empty() {
            if rng.chance(0.7) {
                speaker = (speaker + 1) % speakers.len();
            }
            line.push_str(speakers[speaker]);
            line.push_str(": ");
        }
        for sentence in 0..rng.range(1, 4) {
            if sentence > 0 {
                line.push(' ');
            }
            words.sentence(rng, &words.speech, seconds, &mut line);
        }
        length += line.len() + 10;
        texts.push(line);
    }
    // Increasing times from the first seconds to near the end.
    let first = rng.range(0, (seconds / 20).clamp(1, 10));
    let span = seconds.saturating_sub(first + 2).max(texts.len() as u64) as f64;
    let gaps: Vec<f64> = (0..texts.len()).map(|_| 0.3 + rng.unit()).collect();
    let sum: f64 = gaps.iter().sum();
    let mut at = first as f64;
    let mut lines = Vec::with_capacity(texts.len());
    for (text, gap) in texts.into_iter().zip(gaps) {
        lines.push((at as u64, text));
        at += gap / sum * span;
    }
    lines
}

fn measure(rng: &mut Rng, kind: Kind, format: &'static str, duration_ms: i64) -> Audio {
    let music = is_music(kind) || kind == Kind::Field;
    let sample_rate = match (format, kind) {
        ("mp3", Kind::ClientCall | Kind::OneOnOne) => *rng.pick(&[16_000, 22_050, 44_100]),
        ("mp3" | "ogg", _) => *rng.pick(&[22_050, 44_100, 44_100, 48_000]),
        ("flac", _) if music => *rng.pick(&[44_100, 48_000, 96_000]),
        _ => *rng.pick(&[44_100, 48_000, 48_000]),
    };
    let channels = if music || (kind == Kind::Podcast && rng.chance(0.5)) || rng.chance(0.15) {
        2
    } else {
        1
    };
    let peak_dbfs = -(0.1 + rng.unit() * 11.9) as f32;
    let rms_dbfs = peak_dbfs - (9.0 + rng.unit() * 14.0) as f32;
    Audio {
        format,
        duration_ms,
        sample_rate,
        channels,
        peak_dbfs: round2(peak_dbfs),
        rms_dbfs: round2(rms_dbfs),
        waveform: waveform(rng, peak_dbfs, !music),
    }
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// What such a file weighs: PCM for WAV, about half that for FLAC, a
/// bit rate for MP3 and Ogg.
fn file_size(rng: &mut Rng, audio: &Audio) -> i64 {
    let seconds = audio.duration_ms as f64 / 1000.0;
    let pcm = seconds * f64::from(audio.sample_rate) * f64::from(audio.channels) * 2.0;
    let bytes = match audio.format {
        "wav" => pcm + 44.0,
        "flac" => pcm * (0.4 + rng.unit() * 0.25),
        "mp3" => seconds * f64::from(*rng.pick(&[64_000, 128_000, 128_000, 192_000])) / 8.0,
        _ => seconds * (48_000.0 + rng.unit() * 112_000.0) / 8.0,
    };
    bytes as i64
}

/// 240 peaks in `0..=1`, as `analyze` writes them (its `WAVEFORM_POINTS`),
/// the largest equal to the peak level: speech jumps between words,
/// music swells and fades.
fn waveform(rng: &mut Rng, peak_dbfs: f32, speech: bool) -> String {
    const POINTS: usize = 240;
    let peak = 10f64.powf(f64::from(peak_dbfs) / 20.0);
    let mut level: f64 = 0.5;
    let mut points: Vec<f64> = (0..POINTS)
        .map(|i| {
            level = (level + (rng.unit() - 0.5) * 0.25).clamp(0.15, 1.0);
            let jitter = if speech {
                0.35 + 0.65 * rng.unit()
            } else {
                0.85 + 0.15 * rng.unit()
            };
            let edge = (i.min(POINTS - 1 - i) as f64 / 3.0).clamp(0.1, 1.0);
            level * jitter * edge
        })
        .collect();
    let max = points.iter().copied().fold(f64::MIN, f64::max);
    for p in &mut points {
        *p = (*p / max * peak * 10_000.0).round() / 10_000.0;
    }
    let points: Vec<f32> = points.into_iter().map(|p| p as f32).collect();
    serde_json::to_string(&points).expect("numbers serialise")
}

fn recording_title(words: &Words, rng: &mut Rng, kind: Kind, at: DateTime<Utc>) -> String {
    let date = match rng.below(3) {
        0 => at.format("%Y-%m-%d").to_string(),
        1 => at.format("%-d %B").to_string(),
        _ => at.format("%b %-d, %Y").to_string(),
    };
    let n = rng.range(1, 40);
    match kind {
        Kind::Standup => match rng.below(4) {
            0 => "Weekly standup".to_string(),
            1 => format!("Weekly standup {date}"),
            2 => format!("Daily standup — {}", capitalised(words.plural(rng))),
            _ => format!("Standup {date}"),
        },
        Kind::Interview => match rng.below(3) {
            0 => format!("Interview with {}", words.full_name(rng)),
            1 => format!("Interview: {} ({})", words.full_name(rng), rng.pick(ROLES)),
            _ => format!("Candidate interview — {}", words.full_name(rng)),
        },
        Kind::Rehearsal => match rng.below(3) {
            0 => "Band rehearsal".to_string(),
            1 => format!("Band rehearsal {date}"),
            _ => format!("Rehearsal: {}", song_title(words, rng)),
        },
        Kind::Lecture => match rng.below(2) {
            0 => format!("Lecture {n}: {}", rng.pick(TOPICS)),
            _ => format!("{} — lecture {n}", rng.pick(TOPICS)),
        },
        Kind::Memo => match rng.below(3) {
            0 => format!("Voice memo {date}"),
            1 => format!("Idea: {} {}", words.adjective(rng), words.noun(rng)),
            _ => format!("Memo about the {}", words.noun(rng)),
        },
        Kind::ClientCall => match rng.below(3) {
            0 => format!("Call with {}", rng.pick(COMPANIES)),
            1 => format!("{} kickoff call", rng.pick(COMPANIES)),
            _ => format!("Client call — {} ({date})", rng.pick(COMPANIES)),
        },
        Kind::OneOnOne => match rng.below(2) {
            0 => format!("1:1 {} / {}", words.first_name(rng), words.first_name(rng)),
            _ => format!("1:1 with {}", words.first_name(rng)),
        },
        Kind::Podcast => format!(
            "Podcast episode {}: {}",
            rng.range(1, 180),
            title_case(&format!("{} {}", words.adjective(rng), words.plural(rng)))
        ),
        Kind::Field => match rng.below(3) {
            0 => format!("Field recording, {}", rng.pick(PLACES)),
            1 => format!("{} ambience", city(rng)),
            _ => format!("Birdsong at {}", rng.pick(PLACES)),
        },
        Kind::Workshop => format!("{} workshop, day {}", rng.pick(TOPICS), rng.range(1, 4)),
        Kind::Review => match rng.below(3) {
            0 => format!("Sprint review {n}"),
            1 => format!("Quarterly review Q{} {}", rng.range(1, 5), at.year()),
            _ => format!("Retrospective {date}"),
        },
        Kind::Dictation => match rng.below(2) {
            0 => format!("Dictation: {} ideas", words.noun(rng)),
            _ => format!("Notes on the {}", words.noun(rng)),
        },
        Kind::Choir => format!("Choir practice {date}"),
        Kind::FocusGroup => format!("Focus group {}, {}", rng.range(1, 12), rng.pick(PLACES)),
        Kind::Lesson => format!(
            "{} lesson with {}",
            rng.pick(INSTRUMENTS),
            words.first_name(rng)
        ),
    }
}

fn file_name(rng: &mut Rng, title: &str, at: DateTime<Utc>, format: &str) -> String {
    let safe: String = title
        .chars()
        .map(|c| {
            if matches!(c, '/' | ':' | '\\') {
                '-'
            } else {
                c
            }
        })
        .collect();
    match rng.below(10) {
        0..=3 => {
            let mut slug = String::new();
            for c in safe.chars().flat_map(char::to_lowercase) {
                if c.is_ascii_alphanumeric() {
                    slug.push(c);
                } else if !slug.ends_with('-') {
                    slug.push('-');
                }
            }
            format!("{}.{format}", slug.trim_matches('-'))
        }
        4..=5 => format!("{safe}.{format}"),
        _ => match format {
            "wav" => format!("ZOOM{:04}.WAV", rng.range(1, 10_000)),
            "mp3" => format!("REC_{}.mp3", at.format("%Y%m%d_%H%M%S")),
            "flac" => format!("{safe} (master).flac"),
            _ => format!("voice-memo-{:04}.ogg", rng.range(1, 10_000)),
        },
    }
}

// ---------------------------------------------------------------------------
// Conversations and searches
// ---------------------------------------------------------------------------

fn make_conversations(
    words: &Words,
    options: &Options,
    library: &Library,
) -> (Vec<conversation::ActiveModel>, Vec<message::ActiveModel>) {
    let mut conversations = Vec::with_capacity(options.conversations);
    let mut messages = Vec::new();
    for index in 0..options.conversations {
        let mut rng = Rng::new(options.seed, STREAM_CONVERSATIONS, index as u64);
        let count = 2 * rng.range(1, 6) as usize; // ends with a reply
        // Gaps: the reply within seconds, the next question within minutes.
        let offsets: Vec<i64> = {
            let mut at = 0;
            (0..count)
                .map(|i| {
                    if i > 0 {
                        at += if i % 2 == 1 {
                            rng.range(2_000, 40_000)
                        } else {
                            rng.range(15_000, 600_000)
                        } as i64;
                    }
                    at
                })
                .collect()
        };
        let span = chrono::Duration::milliseconds(*offsets.last().unwrap_or(&0));
        let drawn = draw_time(&mut rng, options.now);
        let started = drawn.min(options.now - span - chrono::Duration::minutes(1));
        let known = library.times.partition_point(|t| *t <= started);
        let quotable_until = library
            .quotable
            .partition_point(|q| q.created_at <= started);
        let quotable = &library.quotable[..quotable_until];

        let conversation_id = id_at(started, &mut rng);
        let mut title = None;
        let mut subject: Option<String> = None;
        for (turn, offset) in offsets.chunks(2).enumerate() {
            let asked_at = started + chrono::Duration::milliseconds(offset[0]);
            let replied_at = started + chrono::Duration::milliseconds(offset[1]);
            let (question, reply, about) =
                exchange(words, &mut rng, quotable, known, turn, subject.as_deref());
            if title.is_none() {
                title = Some(if rng.chance(0.25) {
                    "New conversation".to_string()
                } else {
                    match rng.below(3) {
                        0 => capitalised(&about),
                        1 => format!("Questions about the {about}"),
                        _ => format!("The {about}"),
                    }
                });
            }
            subject = Some(about);
            for (role, content, at) in [
                (Role::User, question, asked_at),
                (Role::Assistant, reply, replied_at),
            ] {
                messages.push(message::ActiveModel {
                    id: Set(id_at(at, &mut rng)),
                    conversation_id: Set(conversation_id.clone()),
                    role: Set(role.as_str().to_string()),
                    content: Set(content),
                    created_at: Set(at),
                });
            }
        }
        conversations.push(conversation::ActiveModel {
            id: Set(conversation_id),
            title: Set(title.unwrap_or_else(|| "New conversation".to_string())),
            created_at: Set(started),
            // Each reply touches the conversation.
            updated_at: Set(started + span),
        });
    }
    (conversations, messages)
}

/// One question and its reply, quoting what the library held then; and
/// what the question was about.
fn exchange(
    words: &Words,
    rng: &mut Rng,
    quotable: &[Quotable],
    recordings: usize,
    turn: usize,
    subject: Option<&str>,
) -> (String, String, String) {
    // A line the question is about, and a noun of it to ask with.
    let mut about = None;
    if !quotable.is_empty() && rng.chance(0.9) {
        for _ in 0..8 {
            let q = &quotable[rng.below(quotable.len())];
            let line = rng.below(q.lines.len());
            let nouns: Vec<&str> = q.lines[line]
                .1
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| words.noun_set.contains(*w))
                .collect();
            if !nouns.is_empty() {
                about = Some((q, line, rng.pick(&nouns).to_string()));
                break;
            }
        }
    }
    let Some((first, line, word)) = about else {
        // Something no recording mentions.
        let word = rng.pick(UNHEARD).to_string();
        let question = format!("What did we say about the {word}?");
        let reply = if recordings == 0 {
            "There are no recordings in Earshot yet, so I have nothing to answer from.".to_string()
        } else {
            format!(
                "I could not find anything about “{word}” in the titles, notes or transcripts \
                 of your {recordings} recordings. Try other words: I look for the words you \
                 use, as they are spoken in the transcripts."
            )
        };
        return (question, reply, word);
    };

    let question = if turn > 0 && rng.chance(0.4) {
        match rng.below(3) {
            0 => format!("And the {word}?"),
            1 => format!("What else about the {word}?"),
            _ => format!(
                "Any other recordings about the {} or the {word}?",
                subject.unwrap_or("budget")
            ),
        }
    } else {
        let pattern = rng.word(QUESTIONS);
        let name = words.first_name(rng);
        pattern.replace("{w}", &word).replace("{p}", name)
    };

    // The passage asked about, and up to two more that mention the word.
    let mut found: Vec<(&Quotable, usize)> = vec![(first, line)];
    let start = rng.below(quotable.len());
    for k in 0..quotable.len().min(300) {
        if found.len() == 3 {
            break;
        }
        let q = &quotable[(start + k) % quotable.len()];
        if found.iter().filter(|(f, _)| f.id == q.id).count() >= 2 {
            continue;
        }
        let hit = q.lines.iter().position(|(_, text)| {
            text.split(|c: char| !c.is_alphanumeric())
                .any(|w| w == word)
        });
        if let Some(hit) = hit
            && !found.iter().any(|(f, l)| f.id == q.id && *l == hit)
        {
            found.push((q, hit));
        }
    }
    let mut distinct: Vec<&str> = found.iter().map(|(q, _)| q.id.as_str()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut reply = if distinct.len() == 1 {
        "Here is what I found in one of your recordings:\n".to_string()
    } else {
        format!(
            "Here is what I found in {} of your recordings:\n",
            distinct.len()
        )
    };
    for (number, (q, line)) in found.iter().enumerate() {
        let (seconds, text) = &q.lines[*line];
        reply.push_str(&format!(
            "\n{}. “{}” — [{} @ {}](/recordings/{}?t={seconds})",
            number + 1,
            text,
            q.title,
            clock(*seconds),
            q.id
        ));
    }
    (question, reply, word)
}

async fn insert_conversations(
    db: &DatabaseConnection,
    conversations: Vec<conversation::ActiveModel>,
    messages: Vec<message::ActiveModel>,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    summary.conversations = conversations.len();
    summary.messages = messages.len();
    let txn = db.begin().await?;
    for chunk in chunked(conversations, SMALL_ROWS_PER_INSERT) {
        conversation::Entity::insert_many(chunk)
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in chunked(messages, SMALL_ROWS_PER_INSERT) {
        message::Entity::insert_many(chunk)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

fn make_searches(words: &Words, options: &Options) -> Vec<search_history::ActiveModel> {
    (0..options.searches)
        .map(|index| {
            let mut rng = Rng::new(options.seed, STREAM_SEARCHES, index as u64);
            // A search returns at most 20 results (its default limit).
            let (query, result_count) = match rng.below(6) {
                0 | 1 => (words.nouns[rng.below(25)].to_string(), 20),
                2 => (
                    format!(
                        "{} {}",
                        words.nouns[rng.below(60)],
                        words.nouns[rng.below(60)]
                    ),
                    rng.range(4, 21),
                ),
                3 => (words.first_name(&mut rng).to_string(), 20),
                4 => (rng.pick(RARE).to_string(), rng.range(0, 12)),
                _ => (
                    format!(
                        "{} {}",
                        rng.pick(&["lecture", "interview", "standup", "rehearsal"]),
                        rng.range(1, 30)
                    ),
                    rng.range(1, 21),
                ),
            };
            let back = chrono::Duration::minutes(rng.range(5, 60 * 24 * 60) as i64);
            let at = options.now - back;
            search_history::ActiveModel {
                id: Set(id_at(at, &mut rng)),
                query: Set(query),
                result_count: Set(result_count as i64),
                created_at: Set(at),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Word lists (roughly most common first: the Zipf ranks follow the order).
// Kept out of rustfmt's way: one word a line would make them 2,000 lines.
// ---------------------------------------------------------------------------

/// Nouns; `singular|plural` where the plural is irregular.
#[rustfmt::skip]
const NOUNS: &[&str] = &[
    "budget", "meeting", "plan", "team", "week", "time", "project", "idea", "question", "song",
    "show", "client", "day", "point", "part", "tour", "list", "venue", "room", "date", "problem",
    "price", "deadline", "schedule", "draft", "version", "design", "report", "number", "call",
    "change", "feedback", "session", "recording", "track", "mix", "microphone", "studio", "stage",
    "album", "label", "band", "drum", "guitar", "bass", "piano", "voice", "chorus", "verse",
    "bridge", "tempo", "key", "note", "sound", "level", "cable", "speaker", "amp", "pedal",
    "string", "lyric", "melody", "rhythm", "harmony", "rehearsal", "gig", "ticket", "poster",
    "photo", "video", "website", "email", "message", "document", "file", "folder", "spreadsheet",
    "slide", "presentation", "interview", "story", "article", "chapter", "book", "page", "source",
    "quote", "reference", "lecture", "course", "class", "student", "teacher", "exam", "essay",
    "assignment", "grade", "topic", "theory", "experiment", "result", "sample", "graph", "model",
    "method", "study", "survey", "participant", "answer", "contract", "invoice", "payment", "cost",
    "fee", "salary", "account", "bank", "loan", "grant", "sponsor", "partner", "customer", "user",
    "product", "feature", "release", "bug", "fix", "test", "server", "database", "screen", "button",
    "office", "desk", "kitchen", "car", "bus", "van", "train", "flight", "hotel", "station",
    "airport", "road", "street", "river", "park", "garden", "forest", "beach", "mountain", "island",
    "village", "town", "city", "country", "border", "map", "trip", "holiday", "weekend", "morning",
    "afternoon", "evening", "night", "month", "year", "season", "summer", "winter", "spring",
    "autumn", "weather", "rain", "snow", "wind", "coffee", "tea", "lunch", "dinner", "breakfast",
    "snack", "pizza", "bread", "cake", "wine", "beer", "water", "bottle", "box", "bag", "chair",
    "table", "door", "window", "wall", "floor", "roof", "light", "lamp", "battery", "charger",
    "laptop", "phone", "camera", "tripod", "lens", "card", "drive", "disk", "backup", "cloud",
    "password", "app", "update", "setting", "option", "menu", "font", "colour", "logo", "brand",
    "campaign", "audience", "market", "sale", "store", "shop", "order", "delivery", "package",
    "shipment", "supplier", "vendor", "factory", "warehouse", "inventory", "stock", "risk", "goal",
    "target", "metric", "milestone", "task", "issue", "priority", "decision", "agreement",
    "proposal", "offer", "estimate", "forecast", "review", "summary", "agenda", "minute", "hour",
    "process", "workflow", "template", "checklist", "policy", "rule", "law", "license", "permit",
    "insurance", "tax", "receipt", "refund", "discount", "bonus", "contractor", "freelancer",
    "manager", "director", "producer", "engineer", "designer", "writer", "editor", "reporter",
    "host", "guest", "listener", "viewer", "reader", "fan", "friend", "family", "child|children",
    "person|people", "parent", "neighbour", "doctor", "nurse", "lawyer", "accountant", "volunteer",
    "intern", "mentor", "coach", "player", "singer", "drummer", "guitarist", "pianist", "violin",
    "cello", "trumpet", "saxophone", "flute", "clarinet", "keyboard", "synth", "loop", "beat",
    "groove", "riff", "solo", "intro", "outro", "ending", "fade", "reverb", "echo", "compressor",
    "filter", "plugin", "preset", "channel", "fader", "monitor", "headphone", "stand", "case",
    "strap", "pick", "capo", "tuner", "metronome", "score", "sheet", "arrangement", "composition",
    "piece", "concert", "festival", "audition", "contest", "award", "prize", "review", "critic",
    "radio", "podcast", "episode", "segment", "script", "outline", "pitch", "deck", "brief",
    "scope", "requirement", "spec", "prototype", "demo", "launch", "roadmap", "backlog", "sprint",
    "standup", "retro", "ticket", "estimate", "estimate", "blocker", "dependency", "handover",
    "training", "workshop", "seminar", "panel", "keynote", "conference", "booth", "badge",
    "lanyard", "banner", "sign", "stage", "crowd", "queue", "entrance", "exit", "parking",
    "shuttle", "taxi", "ferry", "bike", "helmet", "map", "route", "distance", "speed", "delay",
    "detour", "storm", "flood", "heat", "frost", "harbour", "lighthouse", "cliff", "valley", "lake",
    "meadow", "field", "farm", "barn", "orchard", "vineyard", "market", "square", "church",
    "museum", "gallery", "library", "school", "university", "campus", "hall", "theatre", "cinema",
    "club", "bar", "cafe", "restaurant", "bakery", "kitchen", "recipe", "menu", "chef", "waiter",
    "bill", "tip", "wallet", "key", "lock", "alarm", "clock", "calendar", "reminder", "notebook",
    "pen", "pencil", "marker", "whiteboard", "printer", "paper", "envelope", "stamp", "parcel",
    "courier", "budget", "spending", "income", "profit", "loss", "debt", "saving", "pension",
    "rent", "mortgage", "lease", "deposit", "repair", "plumber", "electrician", "builder", "paint",
    "tile", "carpet", "curtain", "sofa", "bed", "pillow", "blanket", "towel", "shower", "bath",
    "garden", "fence", "gate", "hedge", "tree", "flower", "seed", "soil", "harvest", "crop",
    "animal", "dog", "cat", "horse", "bird", "fish", "sheep|sheep", "cow", "chicken", "egg", "milk",
    "cheese", "butter", "apple", "orange", "lemon", "potato|potatoes", "tomato|tomatoes", "onion",
    "garlic", "pepper", "salt", "sugar", "rice", "pasta", "soup", "salad", "sandwich", "burger",
    "sauce", "knife|knives", "fork", "spoon", "plate", "bowl", "cup", "glass", "jar", "bucket",
    "ladder", "rope", "tool", "hammer", "screw", "nail", "drill", "saw", "glue", "tape",
    "scissors|scissors", "brush", "canvas", "frame", "mirror", "picture", "portrait", "sketch",
    "drawing", "painting", "print",
];

/// Verbs: `base`, `base+` when the last consonant doubles (`plan` →
/// `planned`), `|past` when the past is irregular.
#[rustfmt::skip]
const VERBS: &[&str] = &[
    "decide", "plan+", "book", "send|sent", "check", "fix", "move", "finish", "start", "need",
    "want", "try", "ask", "call", "mention", "record", "mix", "play", "sing|sang", "write|wrote",
    "read|read", "listen", "hear|heard", "talk", "say|said", "tell|told", "think|thought",
    "know|knew", "see|saw", "look", "feel|felt", "find|found", "give|gave", "take|took",
    "make|made", "get+|got", "keep|kept", "leave|left", "bring|brought", "buy|bought", "sell|sold",
    "pay|paid", "spend|spent", "build|built", "meet|met", "run+|ran", "choose|chose", "drive|drove",
    "ride|rode", "fly|flew", "eat|ate", "drink|drank", "forget+|forgot", "begin+|began", "win+|won",
    "lose|lost", "lend|lent", "hold|held", "stand|stood", "understand|understood", "teach|taught",
    "catch|caught", "show", "share", "agree", "approve", "cancel+", "change", "compare", "confirm",
    "contact", "cover", "cut+|cut", "delay", "deliver", "describe", "design", "discuss", "edit",
    "email", "enjoy", "explain", "follow", "handle", "help", "hire", "improve", "include", "invite",
    "join", "label+", "launch", "learn", "limit", "load", "manage", "mark", "measure", "miss",
    "name", "note", "offer", "open", "order", "organise", "pack", "paint", "pick", "post",
    "prepare", "present", "print", "promise", "publish", "push", "reach", "reduce", "remember",
    "remove", "rent", "repeat", "replace", "reply", "report", "request", "reserve", "review",
    "save", "schedule", "search", "sign", "sort", "split+|split", "submit+", "suggest", "support",
    "switch", "test", "thank", "tidy", "track", "train", "transcribe", "translate", "travel+",
    "turn", "upload", "use", "visit", "vote", "wait", "walk", "warn", "wash", "watch", "wonder",
    "work", "worry", "wrap+", "stop+", "drop+", "ship+", "skip+", "chat+", "admit+", "commit+",
    "prefer+|preferred", "rehearse", "tune", "arrange", "compose", "perform", "produce", "master",
    "balance", "lower", "raise", "boost", "trim+", "loop", "sample", "layer", "pan+", "fade",
    "clip+", "mute", "count", "clap+", "hum+", "whistle", "strum+", "practise", "memorise",
    "analyse", "summarise", "interview", "quote", "cite", "draft", "rewrite|rewrote",
    "proofread|proofread", "format+", "archive", "restore", "install", "update", "configure",
    "deploy", "debug", "measure", "calculate", "estimate", "forecast", "budget", "invoice",
    "refund", "negotiate", "sponsor", "advertise", "promote", "announce", "celebrate", "thank",
    "apologise", "complain", "argue", "convince", "persuade", "encourage", "remind", "notice",
    "realise", "assume", "expect", "hope", "doubt", "guess", "prove", "solve", "fail", "succeed",
    "accept", "refuse", "ignore", "allow", "prevent", "protect", "rescue", "repair", "clean",
    "cook", "bake", "taste", "smell", "carry", "lift", "pull", "throw|threw", "hang|hung", "fold",
    "stack", "sweep|swept", "dig+|dug", "plant", "water", "grow|grew", "harvest", "feed|fed",
    "walk", "climb", "swim+|swam", "dance", "laugh", "cry", "smile", "shout", "whisper", "knock",
    "ring|rang", "borrow", "return", "arrive", "depart", "land", "park", "queue", "board", "check",
];

#[rustfmt::skip]
const ADJECTIVES: &[&str] = &[
    "good", "new", "big", "small", "old", "great", "long", "short", "quick", "slow", "loud",
    "quiet", "clean", "rough", "final", "early", "late", "cheap", "expensive", "easy", "hard",
    "simple", "clear", "strong", "weak", "heavy", "light", "warm", "cold", "bright", "dark",
    "fresh", "busy", "free", "full", "empty", "safe", "ready", "happy", "sad", "nervous", "calm",
    "tight", "loose", "sharp", "flat", "smooth", "dry", "wet", "high", "low", "main", "extra",
    "local", "remote", "public", "private", "open", "closed", "live", "digital", "analog",
    "acoustic", "electric", "vocal", "technical", "creative", "practical", "useful", "important",
    "urgent", "obvious", "possible", "likely", "different", "similar", "separate", "whole",
    "original", "current", "previous", "next", "weekly", "monthly", "annual", "daily", "formal",
    "casual", "friendly", "honest", "careful", "serious", "funny", "strange", "perfect", "decent",
    "solid", "messy", "tidy", "bold", "subtle", "gentle", "raw", "polished", "muddy", "crisp",
    "boomy", "thin", "wide", "narrow", "deep", "shallow", "steady", "uneven", "noisy", "silent",
    "distant", "close", "huge", "tiny", "massive", "modest", "generous", "fair", "reasonable",
    "realistic", "ambitious", "risky", "stable", "flexible", "fixed", "rare", "common", "popular",
    "famous", "unknown", "young", "ancient", "modern", "classic", "traditional", "experimental",
    "strict", "relaxed", "tired", "excited", "curious", "proud", "worried", "confident", "blue",
    "red", "green", "yellow", "golden", "silver", "grey", "white", "black", "purple", "wooden",
    "metal", "plastic", "glass", "paper", "soft", "firm", "sweet", "bitter", "salty", "spicy",
    "hot", "cool", "icy", "sunny", "rainy", "windy", "foggy", "stormy", "cloudy", "muted", "vivid",
    "pale", "rich", "poor", "lucky", "unlucky", "hidden", "obvious", "broken", "working", "missing",
    "spare", "backup", "official", "informal", "internal", "external", "northern", "southern",
    "eastern", "western", "central", "rural", "urban", "coastal", "seasonal", "temporary",
    "permanent", "optional", "mandatory", "complete", "partial", "accurate", "rough", "detailed",
    "brief", "lengthy", "endless",
];

#[rustfmt::skip]
const ADVERBS: &[&str] = &[
    "really", "probably", "actually", "maybe", "definitely", "quickly", "slowly", "carefully",
    "clearly", "finally", "honestly", "basically", "mostly", "already", "still", "just", "also",
    "again", "soon", "later", "together", "almost", "exactly", "roughly", "nearly", "easily",
    "simply", "properly", "quietly", "gently", "slightly", "completely", "totally", "seriously",
    "obviously", "apparently", "hopefully", "luckily", "unfortunately", "usually", "normally",
    "rarely", "often", "sometimes", "never", "always", "recently", "directly", "personally",
    "eventually", "immediately", "instead", "twice", "barely", "frankly", "happily", "openly",
];

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Sam", "Maya", "Alex", "Tom", "Anna", "Leo", "Sara", "Ben", "Nora", "Max", "Emma", "Jonas",
    "Lena", "David", "Julia", "Felix", "Clara", "Oscar", "Mia", "Noah", "Eva", "Lucas", "Ida",
    "Hugo", "Zoe", "Theo", "Ruth", "Omar", "Aisha", "Kenji", "Yuki", "Priya", "Ravi", "Chen", "Mei",
    "Diego", "Lucia", "Mateo", "Sofia", "Ivan", "Olga", "Nikos", "Eleni", "Kofi", "Ama", "Tariq",
    "Leila", "Jakob", "Freya", "Erik", "Astrid", "Pierre", "Camille", "Marco", "Giulia", "Pedro",
    "Ines", "Sean", "Niamh", "Hamish", "Isla", "Rhys", "Carys", "Pablo", "Elena", "Viktor", "Katya",
    "Amir", "Dana", "Noor", "Hassan", "Fatima", "Arjun", "Ananya", "Tomasz", "Zofia", "Mikko",
    "Aino", "Lars", "Ingrid", "Jan", "Petra", "Rosa", "Bruno", "Greta", "Otto", "Hanna", "Karl",
    "Marta", "Pavel", "Vera", "Simon", "Lisa", "Daniel", "Laura", "Martin", "Sophie", "Paul",
    "Alice", "Victor", "Chloe", "Adam", "Grace", "Ethan", "Lily", "Jack", "Ruby", "Harry", "Ella",
    "George", "Ava", "Oliver", "Amelia", "Arthur", "Isabel", "Frank", "Helen", "Walter", "Edith",
    "Stanley", "Mabel", "Quentin", "Beatrix", "Ignatius", "Ottilie",
];

#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "Berg", "Novak", "Silva", "Okafor", "Tanaka", "Kowalski", "Rossi", "Murphy", "Schmidt",
    "Dubois", "Jensen", "Larsen", "Haddad", "Nakamura", "Petrov", "Fischer", "Moreau", "Costa",
    "Walsh", "Byrne", "Lindqvist", "Virtanen", "Horvath", "Nagy", "Popescu", "Ionescu", "Yilmaz",
    "Demir", "Khan", "Patel", "Singh", "Sharma", "Wong", "Li", "Zhang", "Kim", "Park", "Nguyen",
    "Tran", "Garcia", "Martinez", "Lopez", "Fernandes", "Pereira", "Santos", "Mensah", "Owusu",
    "Adeyemi", "Abebe", "Mwangi", "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas",
    "Roberts", "Clarke", "Hughes", "Edwards", "Green", "Hall", "Wood", "Baker", "Turner", "Parker",
    "Cooper", "Morgan", "Bell", "Reid", "Campbell", "Stewart", "Fraser", "Weber", "Wagner",
    "Becker", "Hoffmann", "Keller", "Vogel", "Bauer", "Richter", "Klein", "Wolff", "Ricci",
    "Marino", "Greco", "Bruno", "Gallo", "Conti", "Leroy", "Girard", "Bonnet",
];

#[rustfmt::skip]
const PLACES: &[&str] = &[
    "Lisbon", "Porto", "Berlin", "Hamburg", "Vienna", "Prague", "Krakow", "Budapest", "Oslo",
    "Bergen", "Stockholm", "Helsinki", "Tallinn", "Riga", "Dublin", "Galway", "Glasgow",
    "Edinburgh", "Cardiff", "Bristol", "Leeds", "Manchester", "Brighton", "Lyon", "Marseille",
    "Nantes", "Bordeaux", "Ghent", "Utrecht", "Rotterdam", "Copenhagen", "Aarhus", "Munich",
    "Leipzig", "Zurich", "Basel", "Geneva", "Turin", "Bologna", "Naples", "Seville", "Valencia",
    "Bilbao", "Athens", "Thessaloniki", "Istanbul", "Sofia", "Belgrade", "Zagreb", "Ljubljana",
    "Montreal", "Toronto", "Vancouver", "Boston", "Chicago", "Austin", "Portland", "Seattle",
    "Denver", "Melbourne", "Sydney", "Auckland", "Wellington", "Osaka", "Kyoto", "Seoul", "Taipei",
    "Singapore", "Nairobi", "Accra", "Lagos", "Cape Town", "Marrakesh", "Tunis",
    "the old town hall", "the harbour", "the north studio", "the community centre", "the main hall",
    "the boathouse",
];

#[rustfmt::skip]
const COMPANIES: &[&str] = &[
    "Acme", "Northwind", "Bluebird Media", "Harbour & Co", "Fieldstone", "Lumen Labs", "Greenleaf",
    "Oakridge", "Brightline", "Larkspur Audio", "Copperfield", "Riverside Press", "Summit Foods",
    "Tidewater", "Ironbridge", "Silverpine", "Westgate", "Fernhill Studio", "Meridian",
    "Atlas Freight", "Pioneer Health", "Bluecore Systems", "Redwood Bank", "Sunhouse",
    "Marlow Books", "Evergreen Schools", "Quayside Hotels", "Nimbus Cloud", "Granite Works",
    "Willow Dental", "Orchard Cider", "Beacon Radio", "Wayfarer Travel", "Lighthouse Films",
    "Saltmarsh Records", "Hollow Oak", "Crescent Theatre", "Vantage Motors", "Parkside Clinic",
    "Pixelforge Games",
];

#[rustfmt::skip]
const TOPICS: &[&str] = &[
    "Thermodynamics", "Medieval Trade Routes", "Signal Processing", "Cell Biology",
    "Romantic Poetry", "Linear Algebra", "Urban Planning", "Music Theory", "Game Theory",
    "Marine Ecology", "Organic Chemistry", "Film History", "Public Speaking", "Data Journalism",
    "Climate Policy", "Acoustics", "Ancient Rome", "Behavioural Economics", "Machine Learning",
    "Jazz Harmony", "Sound Design", "Field Recording", "Oral History", "Typography",
    "Sociolinguistics", "Neuroscience", "Astronomy", "Renaissance Art", "Constitutional Law",
    "Microeconomics", "Statistics", "Probability", "Operating Systems", "Compilers",
    "Digital Signal Processing", "Orchestration", "Counterpoint", "Ethnomusicology", "Architecture",
    "Philosophy of Mind", "World Religions", "Cold War History", "Genetics", "Epidemiology",
    "Nutrition", "Sports Science", "Creative Writing", "Documentary Making", "Radio Production",
    "Podcasting", "Audio Mastering", "Mixing Fundamentals", "Electronic Music", "Choral Singing",
    "Conducting",
];

#[rustfmt::skip]
const ROLES: &[&str] = &[
    "designer", "engineer", "producer", "editor", "researcher", "teacher", "nurse", "farmer",
    "musician", "composer", "historian", "founder", "manager", "volunteer", "student", "archivist",
    "photographer", "chef", "pilot", "librarian",
];

#[rustfmt::skip]
const INSTRUMENTS: &[&str] = &[
    "Piano", "Guitar", "Cello", "Violin", "Drum", "Singing", "Trumpet", "Saxophone", "Flute",
    "Bass",
];

#[rustfmt::skip]
const WHEN: &[&str] = &[
    "next week", "on Monday", "on Friday", "by the end of the month", "before the tour",
    "tomorrow morning", "after lunch", "in March", "this weekend", "next Thursday", "in two weeks",
    "before the deadline", "at the next rehearsal", "tonight", "by Wednesday", "after the holidays",
    "in the spring", "early next year", "later today", "before the launch",
];

#[rustfmt::skip]
const NUMBER_WORDS: &[&str] = &[
    "two", "three", "four", "five", "six", "seven", "eight", "ten", "twelve", "fifteen", "twenty",
    "thirty", "forty", "fifty", "a hundred", "two hundred", "five hundred",
];

/// Rare words: each turns up in a few recordings per 10,000, and makes a
/// project's code name.
#[rustfmt::skip]
const RARE: &[&str] = &[
    "theremin", "glockenspiel", "kestrel", "obsidian", "marimba", "quokka", "tamarind", "zither",
    "ptarmigan", "armadillo", "bassoon", "cormorant", "dulcimer", "ocarina", "sitar", "tuba",
    "harpsichord", "celesta", "bandoneon", "didgeridoo", "kalimba", "mandolin", "ukulele",
    "vibraphone", "xylophone", "accordion", "bagpipe", "banjo", "bouzouki", "balalaika", "heron",
    "osprey", "curlew", "lapwing", "nightjar", "wagtail", "kingfisher", "puffin", "gannet",
    "merlin", "falcon", "buzzard", "sparrowhawk", "woodpecker", "nuthatch", "wren", "basalt",
    "granite", "quartz", "feldspar", "jasper", "onyx", "garnet", "topaz", "beryl", "malachite",
    "lapis", "cobalt", "vermilion", "ochre", "umber", "sienna", "saffron", "cardamom", "turmeric",
    "sumac", "fennel", "juniper", "lovage", "sorrel", "tarragon", "chervil", "borage", "yarrow",
    "foxglove", "hellebore", "wisteria", "magnolia", "camellia", "gardenia", "hyacinth", "begonia",
    "dahlia", "zinnia", "peony", "lupin", "aster", "nebula", "quasar", "pulsar", "aurora", "zenith",
    "nadir", "equinox", "solstice", "meridian", "perihelion", "parallax", "albedo", "umbra",
    "corona", "eclipse", "comet", "meteor", "tundra", "taiga", "fjord", "moraine", "atoll",
    "lagoon", "estuary", "delta", "mesa", "butte", "canyon", "geyser", "caldera", "glacier",
    "crevasse", "avalanche", "monsoon", "sirocco", "mistral", "zephyr", "chinook", "haboob",
    "derecho", "typhoon", "cyclone", "lynx", "ocelot", "tapir", "okapi", "pangolin", "wombat",
    "wallaby", "dingo", "jackal", "hyena", "meerkat", "mongoose", "narwhal", "walrus", "manatee",
    "dugong", "axolotl", "salamander", "newt", "iguana", "gecko", "chameleon", "tortoise",
    "terrapin", "sturgeon", "halibut", "mackerel", "anchovy", "sardine", "herring", "pollock",
    "haddock", "turbot", "gnocchi", "risotto", "paella", "goulash", "borscht", "ramen", "pho",
    "tagine", "falafel", "hummus", "tahini", "halloumi", "feta", "gouda", "brie", "stilton",
    "parmesan", "ricotta", "origami", "calligraphy", "marquetry", "filigree", "tapestry", "mosaic",
    "fresco", "lithograph", "woodcut", "etching", "engraving", "gouache", "pastel", "charcoal",
    "sepia", "cantata", "fugue", "sonata", "nocturne", "mazurka", "polonaise", "rhapsody",
    "requiem", "madrigal", "motet", "oratorio", "overture", "prelude", "scherzo", "toccata",
    "serenade", "zeppelin", "gondola", "catamaran", "schooner", "trawler", "dinghy", "kayak",
    "canoe", "sextant", "astrolabe", "barometer", "hygrometer", "anemometer", "seismograph",
    "periscope",
];

/// Words no generated text holds, for questions that find nothing.
#[rustfmt::skip]
const UNHEARD: &[&str] = &[
    "spaceship", "volcano", "submarine", "dinosaur", "pyramid", "hovercraft", "trampoline",
    "saxhorn", "igloo", "unicorn",
];

/// Sentences of speech. Slots: `{n}` noun, `{ns}` plural, `{a}` adjective,
/// `{adv}` adverb, `{v}` `{vs}` `{vd}` `{vg}` verb forms, `{p}` first name,
/// `{l}` place, `{c}` company, `{#}` number, `{t}` a time ("next week"),
/// `{clock}` a moment of the recording.
const SPEECH: &[&str] = &[
    "We {vd} the {n} {t}.",
    "I think we should {v} the {a} {n} before the {n}.",
    "{p} said the {n} was too {a}.",
    "So the main question is whether to {v} the {n} or the {n}.",
    "Can you {v} the {ns} {t}?",
    "The {n} is {adv} {a}, but the {n} still needs work.",
    "Let's {v} the {n} and {v} the {ns} afterwards.",
    "{p} is {vg} the {ns} for the {n} in {l}.",
    "That would cost about {#} euros, which is {a} for the {n}.",
    "Honestly, the {n} {vd} better than I expected.",
    "If we {v} the {n} now, we can {v} the {n} {t}.",
    "I {adv} {vd} the {n} last week.",
    "Does anyone know who {vd} the {a} {n}?",
    "The {ns} from {l} arrived {adv}.",
    "We need {#} more {ns} for the {n}.",
    "My feeling is that the {n} should be more {a}.",
    "Okay, moving on to the {n}.",
    "Right, so the {n} is {a} and the {ns} are {a}.",
    "{p} and {p} will {v} the {n}.",
    "There was a problem with the {n}, so we {vd} the {n}.",
    "The {a} {n} sounds {a} on the {n}.",
    "Yes, and the {n} too.",
    "I'm not sure the {n} is {a} enough.",
    "Remind me to {v} the {n} {t}.",
    "Last time we {vd} the {n}, the {ns} were {a}.",
    "It depends on the {n}, {adv}.",
    "Let me {v} the {n} with {p} first.",
    "We {adv} agreed to {v} the {n}.",
    "That point about the {n} is {a}.",
    "Could we {v} the {n} instead of the {n}?",
    "Most of the {ns} are {a}, except the {n}.",
    "Thanks, {p}, that {n} was {a}.",
    "After the {n}, we {vd} to {l}.",
    "The plan is to {v} {#} {ns} {t}.",
    "I'd rather {v} the {n} than {v} the {n}.",
    "Everyone liked the {a} {n}.",
    "What about the {n}?",
    "Good, then {p} {vs} the {n} and I {v} the {ns}.",
    "The {n} in {l} is {adv} {a}.",
    "We should {adv} {v} the {n}.",
    "Nobody wants to {v} the {n} {t}.",
    "The {ns} need to be {a} by the {n}.",
    "Just to be clear, the {n} is {a}.",
    "I'll {v} the {n} and send it to {p}.",
    "{p} {vd} the {n} yesterday.",
    "In the {n}, the {ns} are {adv} {a}.",
    "One thing I noticed is the {a} {n}.",
    "That's why we {vd} the {n}.",
    "Let's keep the {n} {a} and the {n} {a}.",
    "{c} wants the {n} {t}.",
    "The {n} for {c} is {adv} {a}.",
    "So {p} {vs} the {ns} every {n}.",
    "We were {vg} the {n} when the {n} {vd}.",
    "Who is {vg} the {ns} this time?",
    "The {a} {ns} {vd} the whole {n}.",
    "Play it again from the {n}, a bit more {a} this time.",
    "From the top, and watch the {n} in the second {n}.",
    "I love how the {n} {vs} into the {n}.",
    "The {n} was {#} minutes late, so we {vd} the {n}.",
    "Write down that the {n} is {a}.",
    "We {vd} {#} {ns} in {l} last year.",
    "Is the {n} {a} or {a}?",
    "Good question. The {n} {vs} the {n}, {adv}.",
    "I was {vg} the {n} all morning.",
    "Somebody should {v} the {ns} before {p} {vs}.",
    "Fine, let's {v} it {t}.",
    "The {ns} look {a} on the {n}.",
    "We could {v} the {n} at {l}.",
    "That {n} is the {a} one.",
    "If the {n} is {a}, the {n} will be {a} too.",
];

/// Sentences of notes.
const NOTES: &[&str] = &[
    "Follow up with {p} about the {n}.",
    "Send the {ns} to {p} {t}.",
    "Good take from {clock} onwards.",
    "Audio gets {a} after {clock}.",
    "Mic too close at the start; {a} after that.",
    "TODO: {v} the {n}.",
    "Check the {n} before the {n}.",
    "Recorded in {l}.",
    "{p} wants a copy of the {n}.",
    "Background noise from the {n} around {clock}.",
    "Key points: {n}, {n} and {ns}.",
    "Use the part about the {n} for the {n}.",
    "Ask {p} whether the {n} is {a}.",
    "Second half is mostly about the {ns}.",
    "The {n} figures start around {clock}.",
    "Needs an edit before it goes to {p}; the {n} is {a}.",
    "{c} asked for the {n} {t}.",
    "Best moment: the {a} {n} at {clock}.",
    "Transcript checked up to {clock}.",
    "Remember to {v} the {ns}.",
];

/// Sentences of project descriptions.
const DESCRIPTIONS: &[&str] = &[
    "Everything about the {n} for {c}.",
    "Recordings of the {a} {ns} in {l}.",
    "Interviews, notes and {ns} for the {n}.",
    "Where we keep the {ns} until the {n} is {a}.",
    "Shared with {p} and {p}.",
    "Started {t} to {v} the {n}.",
    "The {a} {n} project, with {ns} from {l}.",
    "Rehearsals and {ns} for the {n}.",
    "Our {a} {ns}, one per {n}.",
];

/// Questions a user asks about `{w}` (a word of a transcript); `{p}` is a
/// name.
const QUESTIONS: &[&str] = &[
    "What did we decide about the {w}?",
    "What was said about the {w}?",
    "Who talked about the {w}?",
    "Where did we mention the {w}?",
    "Find the part about the {w}.",
    "What did {p} say about the {w}?",
    "Is there anything about the {w}?",
    "When did we discuss the {w}?",
    "Summarise what we said about the {w}.",
    "Which recording has the bit about the {w}?",
];
