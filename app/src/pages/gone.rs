//! Leaving a page whose subject was deleted while it was open.

use std::cell::Cell;
use std::rc::Rc;

use dioxus::prelude::*;

use crate::components::toasts::use_toasts;
use crate::route::Route;

/// Once `gone` turns true, replaces the page with `to` and says `message`
/// in a toast. A page passes `gone` when its query, which had data, now
/// answers 404: the thing it shows was deleted, here or elsewhere.
pub fn use_leave_when_gone(gone: bool, to: Route, message: &'static str) {
    let left = use_hook(|| Rc::new(Cell::new(false)));
    let toasts = use_toasts();
    if gone && !left.get() {
        left.set(true);
        // Not while rendering: navigation re-renders the router.
        spawn(async move {
            toasts.info(message);
            navigator().replace(to);
        });
    }
}
