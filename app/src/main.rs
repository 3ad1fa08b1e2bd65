//! The `earshot` binary: see the library's documentation for the app itself.

fn main() -> std::process::ExitCode {
    earshot_app::run()
}
