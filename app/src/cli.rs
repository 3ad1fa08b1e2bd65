//! The command line and environment the app is started with.
//!
//! Parsed by hand: a handful of options do not need an argument parser, and
//! the same code compiles for the web build (where there are no arguments at
//! all).

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use crate::api::ServerAddress;

/// What `--help` prints.
pub const USAGE: &str = "\
Earshot: a local-first workspace for audio recordings.

Usage: earshot [OPTIONS]

Options:
  --server URL        Use the Earshot server at URL instead of starting one
                      inside the app [env: EARSHOT_SERVER]
  --token TOKEN       Bearer token for that server [env: EARSHOT_TOKEN]
  --data-dir DIR      Where the built-in server keeps its database and audio
                      (default: the user's data directory) [env: EARSHOT_DATA_DIR]
  --mobile-preview    Open a phone-sized (390×844) window with the mobile layout
  --share [ADDR]      Let browsers and mobile previews on the network join this
                      workspace: the built-in server listens on ADDR (default
                      0.0.0.0:8080; a bare port means 0.0.0.0:PORT) with this
                      launch's token, and the link to open is printed
  --web-dir DIR       The web bundle a shared workspace serves to browsers
                      (default: dist/ in the current directory or beside the
                      program, when it holds one) [env: EARSHOT_WEB_DIR]
  -h, --help          Print this help";

/// Where `--share` listens when not told: every interface, the port
/// `earshot-server` uses too (so a mobile preview finds either at the same
/// address).
pub const DEFAULT_SHARE: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::UNSPECIFIED), 8080);

/// How the app was asked to run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// A remote server's base URL (checked to be an http(s) URL); `None`
    /// means "start the embedded backend" where the platform can.
    pub server: Option<String>,
    /// Bearer token for the server.
    pub token: Option<String>,
    /// Data directory of the embedded backend.
    pub data_dir: Option<PathBuf>,
    /// Open a phone-sized window.
    pub mobile_preview: bool,
    /// Share the built-in server on this network address (`--share`).
    pub share: Option<SocketAddr>,
    /// The web bundle to serve while sharing.
    pub web_dir: Option<PathBuf>,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Start the app.
    Run(Options),
    /// Print [`USAGE`] and exit.
    Help,
}

/// A command line that cannot be understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

impl Command {
    /// Reads the process's arguments and `EARSHOT_*` variables.
    pub fn from_env() -> Result<Command, UsageError> {
        Command::parse(std::env::args().skip(1), |name| std::env::var(name).ok())
    }

    /// Parses `args` (without the program name); `env` looks up variables.
    /// Arguments win over variables; empty variables count as unset.
    pub fn parse<I, S>(args: I, env: impl Fn(&str) -> Option<String>) -> Result<Command, UsageError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let env = |name: &str| env(name).filter(|value| !value.trim().is_empty());
        let mut options = Options::default();
        let mut args = args.into_iter().map(Into::into).peekable();
        while let Some(arg) = args.next() {
            let (flag, inline_value) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => {
                    (flag.to_string(), Some(value.to_string()))
                }
                _ => (arg, None),
            };
            let mut value = |name: &str| {
                inline_value
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| UsageError(format!("{name} needs a value")))
            };
            match flag.as_str() {
                "-h" | "--help" => return Ok(Command::Help),
                "--server" => options.server = Some(value("--server")?),
                "--token" => options.token = Some(value("--token")?),
                "--data-dir" => options.data_dir = Some(PathBuf::from(value("--data-dir")?)),
                "--mobile-preview" if inline_value.is_none() => options.mobile_preview = true,
                "--share" => {
                    // The address is optional: take the next argument only
                    // when it is not another option.
                    let given = inline_value
                        .clone()
                        .or_else(|| args.next_if(|next: &String| !next.starts_with('-')));
                    options.share = Some(match given {
                        Some(address) => parse_share(&address)?,
                        None => DEFAULT_SHARE,
                    });
                }
                "--web-dir" => options.web_dir = Some(PathBuf::from(value("--web-dir")?)),
                other => return Err(UsageError(format!("unexpected argument `{other}`"))),
            }
        }
        options.server = options.server.or_else(|| env("EARSHOT_SERVER"));
        options.token = options.token.or_else(|| env("EARSHOT_TOKEN"));
        options.data_dir = options
            .data_dir
            .or_else(|| env("EARSHOT_DATA_DIR").map(PathBuf::from));
        options.web_dir = options
            .web_dir
            .or_else(|| env("EARSHOT_WEB_DIR").map(PathBuf::from));
        if let Some(server) = &options.server {
            ServerAddress::new(server, None).map_err(|error| UsageError(error.to_string()))?;
            if options.share.is_some() {
                return Err(UsageError(
                    "--share shares the built-in server; with --server there is none".into(),
                ));
            }
        }
        Ok(Command::Run(options))
    }
}

/// `IP:PORT`, or a bare port on every interface.
fn parse_share(address: &str) -> Result<SocketAddr, UsageError> {
    let invalid = || {
        UsageError(format!(
            "--share: `{address}` is not an address such as 0.0.0.0:8080"
        ))
    };
    match address.parse::<u16>() {
        Ok(port) => Ok(SocketAddr::new(DEFAULT_SHARE.ip(), port)),
        Err(_) => address.parse().map_err(|_| invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Command, UsageError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Command::parse(args.iter().copied(), move |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    fn run(args: &[&str], env: &[(&str, &str)]) -> Options {
        match parse(args, env) {
            Ok(Command::Run(options)) => options,
            other => panic!("expected options, got {other:?}"),
        }
    }

    #[test]
    fn no_arguments_means_the_embedded_backend() {
        assert_eq!(run(&[], &[]), Options::default());
    }

    #[test]
    fn flags_take_separate_or_inline_values() {
        let options = run(
            &[
                "--server",
                "http://10.0.0.2:8080",
                "--token=secret",
                "--mobile-preview",
            ],
            &[],
        );
        assert_eq!(options.server.as_deref(), Some("http://10.0.0.2:8080"));
        assert_eq!(options.token.as_deref(), Some("secret"));
        assert!(options.mobile_preview);
    }

    #[test]
    fn arguments_win_over_the_environment() {
        let env = [
            ("EARSHOT_SERVER", "http://env:1"),
            ("EARSHOT_TOKEN", "from-env"),
        ];
        let options = run(&["--server", "http://arg:2"], &env);
        assert_eq!(options.server.as_deref(), Some("http://arg:2"));
        assert_eq!(options.token.as_deref(), Some("from-env"));
    }

    #[test]
    fn empty_variables_count_as_unset() {
        assert_eq!(run(&[], &[("EARSHOT_SERVER", "")]).server, None);
    }

    #[test]
    fn help_wins_over_everything_else() {
        assert_eq!(parse(&["--mobile-preview", "-h"], &[]), Ok(Command::Help));
    }

    #[test]
    fn share_takes_an_optional_address() {
        assert_eq!(run(&["--share"], &[]).share, Some(DEFAULT_SHARE));
        let options = run(&["--share", "--mobile-preview"], &[]);
        assert_eq!(options.share, Some(DEFAULT_SHARE));
        assert!(options.mobile_preview, "the next flag is not the address");
        assert_eq!(
            run(&["--share", "127.0.0.1:0"], &[]).share,
            Some("127.0.0.1:0".parse().unwrap())
        );
        assert_eq!(
            run(&["--share=9000"], &[]).share,
            Some("0.0.0.0:9000".parse().unwrap())
        );
        assert!(parse(&["--share", "somewhere"], &[]).is_err());
        assert!(
            parse(&["--share", "--server", "http://10.0.0.2:8080"], &[]).is_err(),
            "nothing to share"
        );
    }

    #[test]
    fn mistakes_are_usage_errors() {
        assert!(parse(&["--server"], &[]).is_err(), "missing value");
        assert!(parse(&["--colour"], &[]).is_err(), "unknown flag");
        assert!(parse(&["--server", "localhost"], &[]).is_err(), "not a URL");
        assert!(parse(&["--mobile-preview=yes"], &[]).is_err());
    }
}
