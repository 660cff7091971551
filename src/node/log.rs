//! The node's log, on `tracing`: every part of the node emits `tracing` events, and the
//! subscriber [`install`]ed at start writes them in Redis's line shape
//! (`pid:M time mark message`) to stdout or `logfile`.
//!
//! Redis's levels map onto tracing's: debug → TRACE, verbose → DEBUG, notice → INFO,
//! warning → WARN (and ERROR). `loglevel` is a reloadable level filter that CONFIG SET
//! moves through [`LogControl::set_level`], so a change acts at the next line. The bus
//! core stays sans-IO: it hands its lines out as effects, which [`emit`] turns into events.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, Registry};

use super::config::NodeConfig;
use crate::bus::core::LogLevel;

/// The lowest level `loglevel` lets through (`None`: `nothing`, no log at all). The bus
/// core filters its own lines with it.
pub fn log_threshold(loglevel: &str) -> Option<LogLevel> {
    match loglevel {
        "debug" => Some(LogLevel::Debug),
        "verbose" => Some(LogLevel::Verbose),
        "warning" => Some(LogLevel::Warning),
        "nothing" => None,
        _ => Some(LogLevel::Notice),
    }
}

/// The tracing filter for a `loglevel`.
fn level_filter(loglevel: &str) -> LevelFilter {
    match log_threshold(loglevel) {
        Some(LogLevel::Debug) => LevelFilter::TRACE,
        Some(LogLevel::Verbose) => LevelFilter::DEBUG,
        Some(LogLevel::Notice) => LevelFilter::INFO,
        Some(LogLevel::Warning) => LevelFilter::WARN,
        None => LevelFilter::OFF,
    }
}

/// A line at a Redis level (the bus core's lines, persistence's), as a tracing event.
pub fn emit(level: LogLevel, message: &str) {
    match level {
        LogLevel::Debug => tracing::trace!("{message}"),
        LogLevel::Verbose => tracing::debug!("{message}"),
        LogLevel::Notice => tracing::info!("{message}"),
        LogLevel::Warning => tracing::warn!("{message}"),
    }
}

/// Redis's line shape: `pid:M time mark message`, the mark telling the level.
struct RedisLine;

impl<S, N> FormatEvent<S, N> for RedisLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mark = match *event.metadata().level() {
            Level::TRACE => '.',
            Level::DEBUG => '-',
            Level::INFO => '*',
            Level::WARN | Level::ERROR => '#',
        };
        write!(
            w,
            "{}:M {} {mark} ",
            std::process::id(),
            super::clock::now_ms()
        )?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// Where one line goes: stdout, or `logfile` opened for that line (so a rotated file is
/// picked up at once, as before).
enum LineOut {
    Stdout(std::io::Stdout),
    File(Option<std::fs::File>),
}

impl LineOut {
    fn open(path: Option<&Path>) -> LineOut {
        match path {
            None => LineOut::Stdout(std::io::stdout()),
            Some(p) => LineOut::File(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .ok(),
            ),
        }
    }
}

impl Write for LineOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            LineOut::Stdout(out) => out.write(buf),
            LineOut::File(Some(f)) => f.write(buf),
            // A log file that cannot be opened drops the line, as before.
            LineOut::File(None) => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            LineOut::Stdout(out) => out.flush(),
            LineOut::File(Some(f)) => f.flush(),
            LineOut::File(None) => Ok(()),
        }
    }
}

/// What CONFIG SET changes in the installed log.
pub struct LogControl {
    level: reload::Handle<LevelFilter, Registry>,
}

impl LogControl {
    /// Applies a new `loglevel`.
    pub fn set_level(&self, loglevel: &str) {
        let _ = self.level.reload(level_filter(loglevel));
    }
}

/// Installs the process's log subscriber from the settings (`loglevel`, and `logfile`,
/// which cannot change at run time). `None` when a subscriber is installed already.
pub fn install(cfg: &NodeConfig) -> Option<LogControl> {
    let (filter, level) = reload::Layer::new(level_filter(&cfg.loglevel));
    let path: Option<PathBuf> = (!cfg.logfile.is_empty()).then(|| cfg.dir.join(&cfg.logfile));
    let lines = tracing_subscriber::fmt::layer()
        .event_format(RedisLine)
        .with_writer(move || LineOut::open(path.as_deref()));
    Registry::default()
        .with(filter)
        .with(lines)
        .try_init()
        .ok()?;
    Some(LogControl { level })
}
