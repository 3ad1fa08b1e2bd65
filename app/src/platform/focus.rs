//! Noticing that the user came back to the app.

/// Calls `on_focus` whenever the app's window gains focus.
///
/// Outside a desktop window (e.g. a headless renderer in tests) it does
/// nothing.
#[cfg(any(feature = "desktop", feature = "mobile"))]
pub fn use_window_focus(on_focus: impl Fn() + 'static) {
    #[cfg(feature = "desktop")]
    use dioxus::desktop as webview;
    #[cfg(all(feature = "mobile", not(feature = "desktop")))]
    use dioxus::mobile as webview;
    use dioxus::prelude::*;
    use webview::tao::event::{Event, WindowEvent};
    use webview::{DesktopContext, use_wry_event_handler};

    let in_window = use_hook(|| try_consume_context::<DesktopContext>().is_some());
    if in_window {
        use_wry_event_handler(move |event, _| {
            if let Event::WindowEvent {
                event: WindowEvent::Focused(true),
                ..
            } = event
            {
                on_focus();
            }
        });
    }
}

/// Calls `on_focus` whenever the page becomes visible again or its window
/// gains focus.
#[cfg(all(feature = "web", not(any(feature = "desktop", feature = "mobile"))))]
pub fn use_window_focus(on_focus: impl Fn() + 'static) {
    use std::rc::Rc;

    use dioxus::core::use_hook_with_cleanup;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let on_focus = Rc::new(on_focus);
    use_hook_with_cleanup(
        move || {
            let window = web_sys::window()?;
            let document = window.document()?;
            let visible = {
                let on_focus = on_focus.clone();
                let document = document.clone();
                Closure::<dyn Fn()>::new(move || {
                    if document.visibility_state() == web_sys::VisibilityState::Visible {
                        on_focus();
                    }
                })
            };
            let focused = Closure::<dyn Fn()>::new(move || on_focus());
            document
                .add_event_listener_with_callback(
                    "visibilitychange",
                    visible.as_ref().unchecked_ref(),
                )
                .ok()?;
            window
                .add_event_listener_with_callback("focus", focused.as_ref().unchecked_ref())
                .ok()?;
            // In an Rc: hook values are cloned, closures cannot be.
            Some(Rc::new((window, document, visible, focused)))
        },
        |listeners| {
            if let Some(listeners) = listeners {
                let (window, document, visible, focused) = &*listeners;
                let _ = document.remove_event_listener_with_callback(
                    "visibilitychange",
                    visible.as_ref().unchecked_ref(),
                );
                let _ = window
                    .remove_event_listener_with_callback("focus", focused.as_ref().unchecked_ref());
            }
        },
    );
}
