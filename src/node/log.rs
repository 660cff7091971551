//! The node's log: Redis's line shape and levels, to stdout or `logfile`, filtered by
//! `loglevel` as it is at each line.

use std::io::Write;

use super::shared::Shared;
use crate::bus::core::LogLevel;

/// A notice line in the log.
pub fn log(shared: &Shared, message: &str) {
    log_at(shared, LogLevel::Notice, message);
}

/// The lowest level `loglevel` lets through (`None`: `nothing`, no log at all).
pub fn log_threshold(loglevel: &str) -> Option<LogLevel> {
    match loglevel {
        "debug" => Some(LogLevel::Debug),
        "verbose" => Some(LogLevel::Verbose),
        "warning" => Some(LogLevel::Warning),
        "nothing" => None,
        _ => Some(LogLevel::Notice),
    }
}

/// A line in the log, in a shape close to Redis's (`pid:M date * message`), unless
/// `loglevel` (read at every line, so CONFIG SET takes effect at once) filters it out.
pub fn log_at(shared: &Shared, level: LogLevel, message: &str) {
    let cfg = shared.config.read();
    if log_threshold(&cfg.loglevel).is_none_or(|min| level < min) {
        return;
    }
    let mark = match level {
        LogLevel::Debug => '.',
        LogLevel::Verbose => '-',
        LogLevel::Notice => '*',
        LogLevel::Warning => '#',
    };
    let line = format!(
        "{}:M {} {mark} {message}\n",
        std::process::id(),
        super::clock::now_ms()
    );
    if cfg.logfile.is_empty() {
        let _ = std::io::stdout().write_all(line.as_bytes());
    } else {
        let path = cfg.dir.join(&cfg.logfile);
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
}
