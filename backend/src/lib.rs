//! Earshot backend.
