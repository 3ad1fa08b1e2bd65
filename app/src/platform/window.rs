//! The native window, shared by the desktop app and the mobile preview.

#[cfg(feature = "desktop")]
use dioxus::desktop as webview;
#[cfg(not(feature = "desktop"))]
use dioxus::mobile as webview;

use webview::{Config, LogicalSize, WindowBuilder};

/// Inner size of the regular window.
const DEFAULT_SIZE: (f64, f64) = (1200.0, 800.0);
/// Smallest regular window that still shows the sidebar layout.
const MIN_SIZE: (f64, f64) = (720.0, 480.0);
/// The mobile preview: an iPhone-class viewport, so the layout's phone
/// breakpoint (640 px) applies.
const PHONE_SIZE: (f64, f64) = (390.0, 844.0);
/// Smallest phone we design for.
const MIN_PHONE_SIZE: (f64, f64) = (320.0, 480.0);

/// The window titled "Earshot", regular or phone-sized.
pub fn config(mobile_preview: bool) -> Config {
    let (size, min) = if mobile_preview {
        (PHONE_SIZE, MIN_PHONE_SIZE)
    } else {
        (DEFAULT_SIZE, MIN_SIZE)
    };
    // The app's `document::Title` sets the same title once it renders.
    let window = WindowBuilder::new()
        .with_title("Earshot")
        .with_inner_size(LogicalSize::new(size.0, size.1))
        .with_min_inner_size(LogicalSize::new(min.0, min.1));
    let config = Config::new().with_window(window);
    if cfg!(target_os = "macos") {
        // macOS routes Cmd+C / Cmd+V through the Edit menu: keep the default one.
        config
    } else {
        // Elsewhere the default menu bar (Window / Edit / Help) only takes room.
        config.with_menu(None)
    }
}
