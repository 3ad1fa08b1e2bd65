//! What the app remembers between runs: the recordings list's filters, sort
//! and page (the seed's `loadSavedFilters` / `saveFilters`).
//!
//! Kept as JSON through [`crate::platform::storage`]; what cannot be read
//! back (an older shape, a hand-edited file) falls back to the defaults
//! rather than failing.

use earshot_shared::dto::RecordingFilters;

use crate::platform::storage;

/// The storage name of the recordings list's filters.
const RECORDING_FILTERS: &str = "recording-filters";

/// The filters saved last, or the defaults.
pub fn load_recording_filters() -> RecordingFilters {
    storage::load(RECORDING_FILTERS)
        .map(|json| decode_filters(&json))
        .unwrap_or_default()
}

/// Saves `filters` for the next run.
pub fn save_recording_filters(filters: &RecordingFilters) {
    storage::save(RECORDING_FILTERS, &encode_filters(filters));
}

/// `filters` as the JSON that is saved.
pub fn encode_filters(filters: &RecordingFilters) -> String {
    serde_json::to_string(filters).unwrap_or_default()
}

/// Reads saved filters back; anything unreadable gives the defaults, and
/// values the server would refuse are brought back in range.
pub fn decode_filters(json: &str) -> RecordingFilters {
    let mut filters: RecordingFilters = serde_json::from_str(json).unwrap_or_default();
    filters.page = filters.page.max(1);
    filters.per_page = filters.per_page.clamp(1, RecordingFilters::MAX_PER_PAGE);
    filters.text = filters.text.filter(|text| !text.trim().is_empty());
    filters.project = filters.project.filter(|project| !project.trim().is_empty());
    // A cursor names a row that may be gone by the next launch; the list
    // pages by number.
    filters.after = None;
    filters
}

#[cfg(test)]
mod tests {
    use earshot_shared::dto::{RecordingSort, RecordingStatus};

    use super::*;

    #[test]
    fn filters_round_trip_through_their_saved_form() {
        let filters = RecordingFilters {
            status: Some(RecordingStatus::Failed),
            project: Some("p1".into()),
            text: Some("interview".into()),
            sort: RecordingSort::Title,
            page: 3,
            per_page: 50,
            after: None,
        };
        assert_eq!(decode_filters(&encode_filters(&filters)), filters);
    }

    #[test]
    fn unreadable_saved_filters_give_the_defaults() {
        assert_eq!(decode_filters("not json"), RecordingFilters::default());
        assert_eq!(
            decode_filters(r#"{"colour":"red"}"#),
            RecordingFilters::default()
        );
        assert_eq!(decode_filters(""), RecordingFilters::default());
    }

    #[test]
    fn out_of_range_paging_and_blank_text_are_repaired() {
        let filters = decode_filters(r#"{"page":0,"per_page":100000,"text":"  ","project":""}"#);
        assert_eq!(filters.page, 1);
        assert_eq!(filters.per_page, RecordingFilters::MAX_PER_PAGE);
        assert_eq!(filters.text, None);
        assert_eq!(filters.project, None);
    }

    #[test]
    fn saved_filters_come_back_on_the_next_load() {
        let filters = RecordingFilters {
            status: Some(RecordingStatus::Ready),
            page: 2,
            ..Default::default()
        };
        save_recording_filters(&filters);
        assert_eq!(load_recording_filters(), filters);
    }
}
