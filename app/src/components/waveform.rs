//! A recording's waveform overview as mirrored bars in inline SVG.

use dioxus::prelude::*;

/// Height of the drawing in SVG units; the width is one unit per slice.
const HEIGHT: f64 = 40.0;

/// Peak amplitudes (0–1) of evenly spaced slices, drawn as one path of
/// vertical strokes mirrored around the middle line.
#[component]
pub fn WaveformOverview(peaks: Vec<f32>) -> Element {
    let width = peaks.len().max(1);
    let path = waveform_path(&peaks);
    rsx! {
        svg {
            class: "waveform",
            view_box: "0 0 {width} {HEIGHT}",
            preserve_aspect_ratio: "none",
            role: "img",
            "aria-label": "Waveform overview",
            // Stretched to the box; a vertical stroke only widens with the x scale.
            path { d: "{path}", stroke_width: "0.7" }
        }
    }
}

/// One vertical stroke per slice, centred, at least a hairline tall so
/// silence still draws a line.
pub fn waveform_path(peaks: &[f32]) -> String {
    let middle = HEIGHT / 2.0;
    let mut path = String::new();
    for (i, peak) in peaks.iter().enumerate() {
        let peak = if peak.is_finite() {
            f64::from(peak.clamp(0.0, 1.0))
        } else {
            0.0
        };
        let half = (peak * middle).max(0.5);
        let x = i as f64 + 0.5;
        path.push_str(&format!("M{x} {:.2}V{:.2}", middle - half, middle + half));
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_slice_is_one_centred_stroke_clamped_to_the_height() {
        assert_eq!(
            waveform_path(&[0.0, 1.0, 2.0]),
            "M0.5 19.50V20.50M1.5 0.00V40.00M2.5 0.00V40.00"
        );
        assert_eq!(waveform_path(&[f32::NAN]), "M0.5 19.50V20.50");
        assert_eq!(waveform_path(&[]), "");
    }
}
