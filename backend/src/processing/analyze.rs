//! Decoding and measuring uploaded recordings.
//!
//! [`analyze`] decodes a whole audio file (WAV, FLAC, MP3 or Ogg Vorbis) with symphonia and
//! returns its real duration, format, loudness figures and a small waveform overview.
//! It is blocking and CPU-bound: run it on a blocking thread.
//! [`looks_like_audio`] is a cheap magic-number check for refusing obvious non-audio uploads
//! before anything is stored.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use symphonia::core::audio::{SampleBuffer, SignalSpec};
use symphonia::core::codecs::{
    CODEC_TYPE_FLAC, CODEC_TYPE_MP1, CODEC_TYPE_MP2, CODEC_TYPE_MP3, CODEC_TYPE_NULL,
    CODEC_TYPE_OPUS, CODEC_TYPE_VORBIS, CodecType, DecoderOptions,
};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, Packet};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// Number of points in [`Analysis::waveform`].
pub const WAVEFORM_POINTS: usize = 240;

/// Lowest level reported in [`Analysis::peak_dbfs`] and [`Analysis::rms_dbfs`]; digital silence
/// would be minus infinity, which JSON cannot carry.
const FLOOR_DBFS: f32 = -120.0;

/// Cap on the fine-grained peak blocks kept while decoding. When reached, neighbouring blocks are
/// merged, so memory stays constant however long the file is. A multiple of [`WAVEFORM_POINTS`]
/// keeps each final point made of many blocks, so the slices stay close to even.
const MAX_BLOCKS: usize = WAVEFORM_POINTS * 64;

/// What [`analyze`] measured in one audio file.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Short container name: `"wav"`, `"flac"`, `"mp3"` or `"ogg"`.
    pub format: String,
    /// Duration in milliseconds, from the frames actually decoded and the sample rate.
    pub duration_ms: u64,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: u16,
    /// Peak level in dBFS (`20·log10(max |sample|)`, samples normalised to `[-1, 1]`), never
    /// below -120.
    pub peak_dbfs: f32,
    /// RMS level in dBFS over all samples of all channels, never below -120.
    pub rms_dbfs: f32,
    /// [`WAVEFORM_POINTS`] peaks in `0..=1`, each the largest `|sample|` of one evenly spaced
    /// slice of the recording; fewer only when the file has fewer frames than that.
    pub waveform: Vec<f32>,
}

/// Why [`analyze`] failed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// No container format was recognised, or it holds no audio track.
    #[error("not a recognised audio file")]
    NotAudio,
    /// The container was recognised but its audio could not be decoded (unsupported codec,
    /// corrupt stream, or not a single frame decoded).
    #[error("could not decode the audio: {0}")]
    Decode(String),
    /// Reading the file failed.
    #[error("could not read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The progress callback asked to stop.
    #[error("cancelled")]
    Cancelled,
}

/// Cheap check on the first bytes of a file (magic numbers): RIFF/WAVE, `fLaC`, `OggS`, `ID3`,
/// or an MPEG audio frame sync (`0xFFE…`). Used at upload time to refuse plain non-audio (text,
/// images) with a 4xx before storing anything. A dozen bytes are enough; fewer may give `false`.
pub fn looks_like_audio(head: &[u8]) -> bool {
    if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WAVE" {
        return true;
    }
    if head.starts_with(b"fLaC") || head.starts_with(b"OggS") || head.starts_with(b"ID3") {
        return true;
    }
    is_mpeg_frame_sync(head)
}

/// An MPEG audio frame header starts with 11 set bits; the version and layer fields must not be
/// their reserved values, which rules out many binary files that merely start with `0xFF`.
fn is_mpeg_frame_sync(head: &[u8]) -> bool {
    let [first, second, ..] = *head else {
        return false;
    };
    let version = (second >> 3) & 0b11;
    let layer = (second >> 1) & 0b11;
    first == 0xFF && second & 0xE0 == 0xE0 && version != 0b01 && layer != 0b00
}

/// Decode the whole file at `path` and measure it.
///
/// `progress` is called with a fraction in `0.0..=1.0` as decoding advances (from packet
/// timestamps against the track's frame count when the container states it, else from bytes read
/// against the file length): once up front, after every packet, and finally with `1.0`. The
/// values never decrease. If it returns `false`, decoding stops with [`AnalyzeError::Cancelled`].
pub fn analyze(
    path: &Path,
    progress: &mut dyn FnMut(f32) -> bool,
) -> Result<Analysis, AnalyzeError> {
    let mut reporter = Reporter {
        callback: progress,
        last: 0.0,
    };
    reporter.report(0.0)?;

    let mut file = File::open(path)?;
    let byte_len = file.metadata()?.len();
    let mut head = Vec::with_capacity(16);
    (&mut file).take(16).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;

    let state = Arc::new(SourceState::default());
    let source = TrackedFile {
        file,
        byte_len,
        position: 0,
        state: Arc::clone(&state),
    };
    let stream = MediaSourceStream::new(Box::new(source), Default::default());

    // The 0.5 probe scans for magic bytes and ignores the hint; it is passed for later versions,
    // which use it to pick a reader.
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    // Gapless mode makes the demuxers trim MP3 encoder delay/padding and Ogg pre-skip, so the
    // measured duration is the recording's, not the encoder's.
    let format_options = FormatOptions {
        enable_gapless: true,
        ..Default::default()
    };
    let probed = guarded(|| {
        symphonia::default::get_probe().format(
            &hint,
            stream,
            &format_options,
            &MetadataOptions::default(),
        )
    })?
    .map_err(|e| match state.file_error(e) {
        Err(io) => AnalyzeError::Io(io),
        Ok(_) => AnalyzeError::NotAudio,
    })?;
    let mut reader = probed.format;

    let track = reader
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or(AnalyzeError::NotAudio)?;
    let track_id = track.id;
    let codec = track.codec_params.codec;
    let total_ts = total_timestamp(track);

    let mut decoder = guarded(|| {
        symphonia::default::get_codecs().make(&track.codec_params, &DecoderOptions::default())
    })?
    .map_err(|e| AnalyzeError::Decode(e.to_string()))?;

    let mut meter = Meter::default();
    let mut samples: Option<SampleBuffer<f32>> = None;
    let mut last_skip: Option<String> = None;

    loop {
        let packet = match guarded(|| reader.next_packet())? {
            Ok(packet) => packet,
            Err(SymphoniaError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => {
                let e = state.file_error(e)?;
                // A damaged tail after good audio still leaves a usable recording.
                if meter.frames > 0 {
                    break;
                }
                return Err(AnalyzeError::Decode(e.to_string()));
            }
        };
        if packet.track_id() != track_id {
            continue;
        }

        match guarded(|| decoder.decode(&packet))? {
            Ok(decoded) => {
                let spec = *decoded.spec();
                let frames = decoded.frames();
                if frames > 0 {
                    let channels = spec.channels.count();
                    if channels == 0 || spec.rate == 0 {
                        return Err(AnalyzeError::Decode(
                            "stream has no channels or no sample rate".into(),
                        ));
                    }
                    let needed = frames * channels;
                    let buffer = match &mut samples {
                        Some(buffer) if buffer.capacity() >= needed => buffer,
                        slot => slot.insert(new_sample_buffer(decoded.capacity(), spec, needed)?),
                    };
                    buffer.copy_interleaved_ref(decoded);
                    meter.add(buffer.samples(), spec);
                }
            }
            // Corrupt packets are skipped, as symphonia recommends; whether anything at all
            // decoded is judged at the end.
            Err(SymphoniaError::DecodeError(msg)) => last_skip = Some(msg.to_string()),
            Err(e @ SymphoniaError::IoError(_)) => {
                last_skip = Some(state.file_error(e)?.to_string());
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(AnalyzeError::Decode(e.to_string())),
        }

        reporter.report(packet_progress(&packet, total_ts, &state, byte_len))?;
    }

    let analysis = meter.finish(format_name(&head, codec)).ok_or_else(|| {
        AnalyzeError::Decode(last_skip.unwrap_or_else(|| "no audio frames decoded".into()))
    })?;
    reporter.report(1.0)?;
    Ok(analysis)
}

/// Runs a symphonia call, turning a panic inside it into [`AnalyzeError::Decode`]: symphonia 0.5
/// has known panics (arithmetic overflow, slice bounds) on crafted input, and one bad upload must
/// not take its worker thread down.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, AnalyzeError> {
    panic::catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| AnalyzeError::Decode("the decoder failed on malformed data".into()))
}

fn new_sample_buffer(
    capacity: usize,
    spec: SignalSpec,
    needed: usize,
) -> Result<SampleBuffer<f32>, AnalyzeError> {
    let frames = u64::try_from(capacity)
        .map_err(|_| AnalyzeError::Decode("decoded buffer too large".into()))?;
    let buffer = guarded(|| SampleBuffer::<f32>::new(frames, spec))?;
    if buffer.capacity() < needed {
        return Err(AnalyzeError::Decode(
            "decoded buffer larger than announced".into(),
        ));
    }
    Ok(buffer)
}

/// Container name, from the codec where that is unambiguous and from the leading bytes where the
/// same codec can sit in several containers.
fn format_name(head: &[u8], codec: CodecType) -> &'static str {
    if head.starts_with(b"RIFF") {
        return "wav";
    }
    if head.starts_with(b"OggS") {
        return "ogg";
    }
    match codec {
        CODEC_TYPE_FLAC => "flac",
        CODEC_TYPE_VORBIS | CODEC_TYPE_OPUS => "ogg",
        CODEC_TYPE_MP1 | CODEC_TYPE_MP2 | CODEC_TYPE_MP3 => "mp3",
        // The only other demuxer enabled is RIFF/WAVE (reached here past a leading junk prefix).
        _ => "wav",
    }
}

/// The track's length in its own timestamp units, when the container states it.
fn total_timestamp(track: &symphonia::core::formats::Track) -> Option<f64> {
    let params = &track.codec_params;
    let frames = params.n_frames.filter(|&n| n > 0)? as f64;
    match (params.time_base, params.sample_rate) {
        (Some(tb), Some(rate)) if tb.numer > 0 && rate > 0 => {
            Some(frames / f64::from(rate) * f64::from(tb.denom) / f64::from(tb.numer))
        }
        _ => Some(frames),
    }
}

fn packet_progress(packet: &Packet, total_ts: Option<f64>, state: &SourceState, len: u64) -> f32 {
    let fraction = match total_ts {
        Some(total) => packet.ts().saturating_add(packet.dur()) as f64 / total,
        None if len > 0 => state.position.load(Ordering::Relaxed) as f64 / len as f64,
        None => 0.0,
    };
    fraction as f32
}

/// Forwards progress to the caller's callback, clamped to `0..=1` and never decreasing.
struct Reporter<'a> {
    callback: &'a mut dyn FnMut(f32) -> bool,
    last: f32,
}

impl Reporter<'_> {
    fn report(&mut self, fraction: f32) -> Result<(), AnalyzeError> {
        if fraction.is_finite() {
            self.last = self.last.max(fraction.clamp(0.0, 1.0));
        }
        if (self.callback)(self.last) {
            Ok(())
        } else {
            Err(AnalyzeError::Cancelled)
        }
    }
}

/// Shared between the file wrapper (owned by symphonia) and the decode loop.
#[derive(Default)]
struct SourceState {
    position: AtomicU64,
    /// Set when the file itself failed to read, as opposed to symphonia reporting its own
    /// parse problems through `std::io::Error`.
    io_failed: AtomicBool,
}

impl SourceState {
    /// Splits off an I/O error that came from the file itself (`Err`) from errors about the
    /// data (`Ok`), which symphonia also reports through `std::io::Error`.
    fn file_error(&self, error: SymphoniaError) -> Result<SymphoniaError, io::Error> {
        match error {
            SymphoniaError::IoError(io) if self.io_failed.load(Ordering::Relaxed) => Err(io),
            other => Ok(other),
        }
    }
}

/// A file that publishes its read position (for byte-based progress) and whether a read failed.
struct TrackedFile {
    file: File,
    byte_len: u64,
    position: u64,
    state: Arc<SourceState>,
}

impl TrackedFile {
    fn track<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if result.is_err() {
            self.state.io_failed.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl Read for TrackedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = self.file.read(buf);
        let n = self.track(result)?;
        self.position = self.position.saturating_add(n as u64);
        self.state.position.store(self.position, Ordering::Relaxed);
        Ok(n)
    }
}

impl Seek for TrackedFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let result = self.file.seek(pos);
        self.position = self.track(result)?;
        self.state.position.store(self.position, Ordering::Relaxed);
        Ok(self.position)
    }
}

impl MediaSource for TrackedFile {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.byte_len)
    }
}

/// Running measurements over decoded audio.
#[derive(Default)]
struct Meter {
    spec: Option<SignalSpec>,
    frames: u64,
    seconds: f64,
    samples: u64,
    sum_squares: f64,
    peak: f32,
    blocks: PeakBlocks,
}

impl Meter {
    /// Adds interleaved samples laid out as `spec` says.
    fn add(&mut self, interleaved: &[f32], spec: SignalSpec) {
        let channels = spec.channels.count();
        if channels == 0 || spec.rate == 0 {
            return;
        }
        let frames = interleaved.len() / channels;
        self.spec.get_or_insert(spec);
        self.frames += frames as u64;
        // Summed per buffer so that a mid-stream rate change still yields the right duration.
        self.seconds += frames as f64 / f64::from(spec.rate);
        self.samples += (frames * channels) as u64;

        let mut rest = &interleaved[..frames * channels];
        while !rest.is_empty() {
            let take = self.blocks.frames_until_full().min(rest.len() / channels);
            let (chunk, tail) = rest.split_at(take * channels);
            let (peak, sum_squares) = peak_and_sum_squares(chunk);
            self.peak = self.peak.max(peak);
            self.sum_squares += sum_squares;
            self.blocks.add(peak, take as u64);
            rest = tail;
        }
    }

    fn finish(self, format: &str) -> Option<Analysis> {
        let spec = self.spec?;
        if self.frames == 0 {
            return None;
        }
        let rms = (self.sum_squares / self.samples as f64).sqrt();
        Some(Analysis {
            format: format.to_owned(),
            duration_ms: (self.seconds * 1000.0).round() as u64,
            sample_rate: spec.rate,
            channels: u16::try_from(spec.channels.count()).unwrap_or(u16::MAX),
            peak_dbfs: dbfs(f64::from(self.peak)),
            rms_dbfs: dbfs(rms),
            waveform: self.blocks.waveform(),
        })
    }
}

/// Largest `|sample|` and sum of squares of `samples`. Non-finite samples (possible in float
/// WAV) count as silence so they cannot poison the figures.
fn peak_and_sum_squares(samples: &[f32]) -> (f32, f64) {
    // Independent accumulators let the additions overlap instead of forming one long chain.
    let mut peaks = [0.0f32; 4];
    let mut sums = [0.0f64; 4];
    let mut quads = samples.chunks_exact(4);
    for quad in &mut quads {
        for i in 0..4 {
            let a = finite_abs(quad[i]);
            peaks[i] = peaks[i].max(a);
            sums[i] += f64::from(a * a);
        }
    }
    for &s in quads.remainder() {
        let a = finite_abs(s);
        peaks[0] = peaks[0].max(a);
        sums[0] += f64::from(a * a);
    }
    let peak = peaks.iter().fold(0.0f32, |m, &p| m.max(p));
    (peak, sums.iter().sum())
}

fn finite_abs(sample: f32) -> f32 {
    let a = sample.abs();
    if a.is_finite() { a } else { 0.0 }
}

fn dbfs(level: f64) -> f32 {
    let db = (20.0 * level.log10()) as f32;
    if db.is_finite() {
        db.max(FLOOR_DBFS)
    } else {
        FLOOR_DBFS
    }
}

/// Per-block peaks over the frames seen so far, with the block size doubling whenever
/// [`MAX_BLOCKS`] is reached, so the total length need not be known in advance.
struct PeakBlocks {
    peaks: Vec<f32>,
    block_frames: u64,
    current_peak: f32,
    current_frames: u64,
}

impl Default for PeakBlocks {
    fn default() -> Self {
        Self {
            peaks: Vec::new(),
            block_frames: 1,
            current_peak: 0.0,
            current_frames: 0,
        }
    }
}

impl PeakBlocks {
    fn frames_until_full(&self) -> usize {
        usize::try_from(self.block_frames - self.current_frames).unwrap_or(usize::MAX)
    }

    /// Adds `frames` frames (at most [`Self::frames_until_full`]) whose largest `|sample|` is
    /// `peak`.
    fn add(&mut self, peak: f32, frames: u64) {
        self.current_peak = self.current_peak.max(peak);
        self.current_frames += frames;
        if self.current_frames >= self.block_frames {
            self.peaks.push(self.current_peak);
            self.current_peak = 0.0;
            self.current_frames = 0;
            if self.peaks.len() >= MAX_BLOCKS {
                self.halve();
            }
        }
    }

    fn halve(&mut self) {
        let merged: Vec<f32> = self
            .peaks
            .chunks(2)
            .map(|pair| pair.iter().fold(0.0f32, |m, &p| m.max(p)))
            .collect();
        self.peaks = merged;
        self.block_frames *= 2;
    }

    fn waveform(mut self) -> Vec<f32> {
        if self.current_frames > 0 {
            self.peaks.push(self.current_peak);
        }
        let n = self.peaks.len();
        if n <= WAVEFORM_POINTS {
            return self.peaks.iter().map(|p| p.min(1.0)).collect();
        }
        (0..WAVEFORM_POINTS)
            .map(|i| {
                let start = i * n / WAVEFORM_POINTS;
                let end = (i + 1) * n / WAVEFORM_POINTS;
                self.peaks[start..end]
                    .iter()
                    .fold(0.0f32, |m, &p| m.max(p))
                    .min(1.0)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Level of the fixtures' sine tones: amplitude 0.5.
    const TONE_DBFS: f32 = -6.02;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../assets/fixtures")
            .join(name)
    }

    fn run(path: &Path) -> Result<Analysis, AnalyzeError> {
        analyze(path, &mut |_| true)
    }

    fn analyzed(name: &str) -> Analysis {
        run(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// A file in the temp dir, removed when dropped.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(name: &str, bytes: &[u8]) -> Self {
            let path =
                std::env::temp_dir().join(format!("earshot-analyze-{}-{name}", std::process::id()));
            std::fs::write(&path, bytes).expect("write temp file");
            Self(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn wav_bytes(rate: u32, channels: u16, format_tag: u16, bits: u16, data: &[u8]) -> Vec<u8> {
        let block_align = channels * bits / 8;
        let data_len = u32::try_from(data.len()).expect("small data");
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&format_tag.to_le_bytes());
        out.extend_from_slice(&channels.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
        out.extend_from_slice(&block_align.to_le_bytes());
        out.extend_from_slice(&bits.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    /// Mono 16-bit PCM WAV at 8 kHz.
    fn pcm16_wav(samples: &[i16]) -> Vec<u8> {
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        wav_bytes(8000, 1, 1, 16, &data)
    }

    fn assert_near(actual: f32, expected: f32, tolerance: f32, what: &str) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{what}: {actual} is not within {tolerance} of {expected}"
        );
    }

    fn assert_duration(analysis: &Analysis, expected_ms: u64) {
        assert!(
            analysis.duration_ms.abs_diff(expected_ms) <= 60,
            "duration {} ms, expected {expected_ms} ms",
            analysis.duration_ms
        );
    }

    #[test]
    fn wav_fixture_has_its_duration_rate_and_channels() {
        let a = analyzed("tone.wav");
        assert_eq!(a.format, "wav");
        assert_eq!(a.duration_ms, 1500);
        assert_eq!((a.sample_rate, a.channels), (8000, 1));
    }

    #[test]
    fn flac_fixture_has_its_duration_rate_and_channels() {
        let a = analyzed("tone.flac");
        assert_eq!(a.format, "flac");
        assert_eq!(a.duration_ms, 1250);
        assert_eq!((a.sample_rate, a.channels), (16000, 2));
    }

    #[test]
    fn mp3_fixture_has_its_duration_rate_and_channels() {
        let a = analyzed("tone.mp3");
        assert_eq!(a.format, "mp3");
        // Encoder delay and padding (about 60 ms here) are trimmed using the LAME tag.
        assert_duration(&a, 2000);
        assert_eq!((a.sample_rate, a.channels), (22050, 1));
    }

    #[test]
    fn ogg_fixture_has_its_duration_rate_and_channels() {
        let a = analyzed("tone.ogg");
        assert_eq!(a.format, "ogg");
        assert_duration(&a, 1000);
        assert_eq!((a.sample_rate, a.channels), (22050, 2));
    }

    #[test]
    fn tone_fixtures_peak_at_minus_6_dbfs_with_rms_3_db_lower() {
        for name in ["tone.wav", "tone.flac", "tone.mp3", "tone.ogg"] {
            let a = analyzed(name);
            assert_near(a.peak_dbfs, TONE_DBFS, 1.0, &format!("{name} peak"));
            // A sine's RMS is its peak divided by sqrt(2).
            assert_near(
                a.peak_dbfs - a.rms_dbfs,
                3.01,
                0.5,
                &format!("{name} crest"),
            );
        }
    }

    #[test]
    fn tone_fixtures_have_a_full_waveform_at_the_tone_level() {
        for name in ["tone.wav", "tone.flac", "tone.mp3", "tone.ogg"] {
            let a = analyzed(name);
            assert_eq!(a.waveform.len(), WAVEFORM_POINTS, "{name}");
            for (i, &p) in a.waveform.iter().enumerate() {
                assert!((0.0..=1.0).contains(&p), "{name} point {i} = {p}");
                assert_near(p, 0.5, 0.1, &format!("{name} point {i}"));
            }
        }
    }

    #[test]
    fn riff_header_with_undecodable_content_is_rejected() {
        let err = run(&fixture("not-audio.wav")).expect_err("must not analyze");
        assert!(
            matches!(err, AnalyzeError::NotAudio | AnalyzeError::Decode(_)),
            "{err:?}"
        );
    }

    #[test]
    fn text_file_is_not_audio() {
        let err = run(&fixture("notes.txt")).expect_err("must not analyze");
        assert!(matches!(err, AnalyzeError::NotAudio), "{err:?}");
    }

    #[test]
    fn empty_file_is_not_audio() {
        let file = TempFile::new("empty.wav", b"");
        let err = run(&file.0).expect_err("must not analyze");
        assert!(matches!(err, AnalyzeError::NotAudio), "{err:?}");
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = run(&fixture("does-not-exist.wav")).expect_err("must fail");
        assert!(matches!(err, AnalyzeError::Io(_)), "{err:?}");
    }

    #[test]
    fn wav_without_any_sample_is_a_decode_error() {
        let file = TempFile::new("no-samples.wav", &pcm16_wav(&[]));
        let err = run(&file.0).expect_err("must not analyze");
        assert!(matches!(err, AnalyzeError::Decode(_)), "{err:?}");
    }

    #[test]
    fn looks_like_audio_accepts_every_fixture_head() {
        for name in ["tone.wav", "tone.flac", "tone.mp3", "tone.ogg"] {
            let bytes = std::fs::read(fixture(name)).expect("read fixture");
            assert!(looks_like_audio(&bytes[..16]), "{name}");
        }
    }

    #[test]
    fn looks_like_audio_accepts_a_bare_mpeg_frame_header() {
        // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: what an MP3 without an ID3 tag starts with.
        assert!(looks_like_audio(&[0xFF, 0xFB, 0x90, 0x64]));
        // MPEG-2 Layer III, as in 22.05 kHz files.
        assert!(looks_like_audio(&[0xFF, 0xF3, 0x70, 0xC0]));
    }

    #[test]
    fn looks_like_audio_rejects_text_images_and_short_heads() {
        let text = std::fs::read(fixture("notes.txt")).expect("read fixture");
        assert!(!looks_like_audio(&text));
        assert!(!looks_like_audio(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
        assert!(!looks_like_audio(&[0xFF, 0xD8, 0xFF, 0xE0])); // JPEG
        assert!(!looks_like_audio(b"RIFF\x24\0\0\0AVI LIST")); // RIFF, but video
        assert!(!looks_like_audio(&[0xFF, 0xE0, 0, 0])); // sync with reserved layer
        assert!(!looks_like_audio(b""));
        assert!(!looks_like_audio(b"RIF"));
        assert!(!looks_like_audio(&[0xFF]));
    }

    #[test]
    fn progress_rises_monotonically_to_one() {
        for name in ["tone.wav", "tone.flac", "tone.mp3", "tone.ogg"] {
            let mut seen = Vec::new();
            analyze(&fixture(name), &mut |p| {
                seen.push(p);
                true
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(seen.len() > 2, "{name}: only {} calls", seen.len());
            assert!(
                seen.windows(2).all(|w| w[0] <= w[1]),
                "{name}: not monotonic: {seen:?}"
            );
            assert!(seen.iter().all(|p| (0.0..=1.0).contains(p)), "{name}");
            assert_eq!(seen.last(), Some(&1.0), "{name}");
        }
    }

    #[test]
    fn returning_false_from_progress_cancels() {
        for name in ["tone.wav", "tone.mp3"] {
            let err = analyze(&fixture(name), &mut |_| false).expect_err("must cancel");
            assert!(matches!(err, AnalyzeError::Cancelled), "{name}: {err:?}");

            let mut calls = 0;
            let err = analyze(&fixture(name), &mut |_| {
                calls += 1;
                calls < 3
            })
            .expect_err("must cancel");
            assert!(matches!(err, AnalyzeError::Cancelled), "{name}: {err:?}");
            assert_eq!(calls, 3, "{name}: kept going after being told to stop");
        }
    }

    #[test]
    fn silence_reports_the_minus_120_dbfs_floor() {
        let file = TempFile::new("silence.wav", &pcm16_wav(&[0; 4000]));
        let a = run(&file.0).expect("analyze silence");
        assert_eq!(a.peak_dbfs, FLOOR_DBFS);
        assert_eq!(a.rms_dbfs, FLOOR_DBFS);
        assert_eq!(a.duration_ms, 500);
        assert_eq!(a.waveform, vec![0.0; WAVEFORM_POINTS]);
    }

    #[test]
    fn file_shorter_than_the_waveform_has_one_point_per_frame() {
        let samples: Vec<i16> = (0..100).map(|i| if i == 42 { 16384 } else { 0 }).collect();
        let file = TempFile::new("short.wav", &pcm16_wav(&samples));
        let a = run(&file.0).expect("analyze short file");
        assert_eq!(a.waveform.len(), 100);
        assert_eq!(a.waveform[42], 0.5);
        assert_eq!(a.waveform.iter().filter(|&&p| p > 0.0).count(), 1);
    }

    #[test]
    fn long_file_waveform_places_a_burst_where_it_is() {
        // Long enough for the peak blocks to be merged several times.
        let frames = 200_000;
        let burst = 150_000..150_100;
        let samples: Vec<i16> = (0..frames)
            .map(|i| if burst.contains(&i) { -32768 } else { 0 })
            .collect();
        let file = TempFile::new("burst.wav", &pcm16_wav(&samples));
        let a = run(&file.0).expect("analyze long file");
        assert_eq!(a.waveform.len(), WAVEFORM_POINTS);
        assert_eq!(a.peak_dbfs, 0.0);
        let expected = burst.start * WAVEFORM_POINTS / frames;
        for (i, &p) in a.waveform.iter().enumerate() {
            if i.abs_diff(expected) > 1 {
                assert_eq!(p, 0.0, "point {i} should be silent");
            }
        }
        assert_eq!(a.waveform[expected], 1.0);
    }

    #[test]
    fn non_finite_float_samples_count_as_silence() {
        let samples = [
            0.25f32,
            f32::NAN,
            f32::INFINITY,
            -0.5,
            f32::NEG_INFINITY,
            0.0,
        ];
        let data: Vec<u8> = samples
            .iter()
            .cycle()
            .take(6000)
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let file = TempFile::new("float.wav", &wav_bytes(8000, 1, 3, 32, &data));
        let a = run(&file.0).expect("analyze float wav");
        assert_near(a.peak_dbfs, TONE_DBFS, 0.01, "peak");
        assert!(a.rms_dbfs.is_finite() && a.rms_dbfs < a.peak_dbfs);
        assert!(a.waveform.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn truncated_wav_yields_the_audio_that_is_there() {
        let bytes = std::fs::read(fixture("tone.wav")).expect("read fixture");
        // Header (44 bytes) plus 6000 of the 12000 frames.
        let file = TempFile::new("truncated.wav", &bytes[..44 + 12_000]);
        let a = run(&file.0).expect("analyze truncated file");
        assert_eq!(a.duration_ms, 750);
    }

    #[test]
    fn damaged_files_never_panic() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for name in ["tone.wav", "tone.flac", "tone.mp3", "tone.ogg"] {
            let original = std::fs::read(fixture(name)).expect("read fixture");
            for round in 0..24 {
                let mut bytes = original.clone();
                for _ in 0..(1 + round % 8) * 4 {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] = next() as u8;
                }
                if round % 3 == 0 {
                    bytes.truncate((next() as usize) % bytes.len());
                }
                let file = TempFile::new(&format!("damaged-{round}-{name}"), &bytes);
                if let Ok(a) = run(&file.0) {
                    assert!(a.waveform.len() <= WAVEFORM_POINTS);
                    assert!(a.waveform.iter().all(|p| (0.0..=1.0).contains(p)));
                    assert!(a.peak_dbfs.is_finite() && a.rms_dbfs.is_finite());
                }
            }
        }
    }

    #[test]
    fn mp3_whose_info_tag_undercounts_frames_does_not_panic() {
        let mut bytes = std::fs::read(fixture("tone.mp3")).expect("read fixture");
        // 20-byte ID3 tag, 4-byte frame header, 9 bytes of side info, then the Info tag: its
        // flags, then the frame count. A count smaller than the encoder delay makes symphonia's
        // MP3 reader overflow (a panic when overflow checks are on).
        assert_eq!(&bytes[33..37], b"Info", "fixture layout changed");
        bytes[41..45].copy_from_slice(&1u32.to_be_bytes());
        let file = TempFile::new("undercounted.mp3", &bytes);
        let result = run(&file.0);
        assert!(
            matches!(result, Ok(_) | Err(AnalyzeError::Decode(_))),
            "{result:?}"
        );
    }

    #[test]
    fn peak_blocks_stay_bounded_on_long_input() {
        let mut blocks = PeakBlocks::default();
        // Two hours at 48 kHz, fed in 1152-frame packets.
        let total: u64 = 2 * 3600 * 48_000;
        let mut fed = 0u64;
        while fed < total {
            let mut packet = 1152u64.min(total - fed);
            while packet > 0 {
                let take = (blocks.frames_until_full() as u64).min(packet);
                let peak = if fed < total / 2 { 0.25 } else { 0.75 };
                blocks.add(peak, take);
                packet -= take;
                fed += take;
            }
            assert!(blocks.peaks.len() < MAX_BLOCKS);
        }
        let waveform = blocks.waveform();
        assert_eq!(waveform.len(), WAVEFORM_POINTS);
        assert!(
            waveform[..WAVEFORM_POINTS / 2 - 1]
                .iter()
                .all(|&p| p == 0.25)
        );
        assert!(
            waveform[WAVEFORM_POINTS / 2 + 1..]
                .iter()
                .all(|&p| p == 0.75)
        );
    }
}
