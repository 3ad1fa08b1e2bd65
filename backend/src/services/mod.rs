//! Services: the database work behind each route, one module per resource.
//!
//! Each mutation opens a [`crate::db::Tx`], records its changes next to its
//! writes, and commits; the hub hears of the changes only after the commit.

pub mod conversations;
pub mod dashboard;
pub mod projects;
pub mod recordings;
pub mod search;

use crate::error::{ApiError, ApiResult};

/// Trims `value` and checks that it has 1 to `max` characters.
pub fn required_text(field: &'static str, value: &str, max: usize) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("`{field}` must not be empty."),
        ));
    }
    limited_text(field, value, max)
}

/// Checks that `value` has at most `max` characters, none of them NUL
/// (which PostgreSQL cannot store in text).
pub fn limited_text(field: &'static str, value: &str, max: usize) -> ApiResult<String> {
    if value.contains('\0') {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("`{field}` must not contain the NUL character."),
        ));
    }
    if value.chars().count() > max {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("`{field}` must be at most {max} characters."),
        ));
    }
    Ok(value.to_string())
}
