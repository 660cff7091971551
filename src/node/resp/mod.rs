//! RESP, the Redis wire protocol: the [`Frame`] type with its encoder, and the two parsers:
//! [`parse_frame`] for any RESP2/RESP3 value (what a client reads) and [`parse_request`] for
//! what a server reads (multibulk arrays of bulk strings, or inline commands), with Redis's
//! size limits and error texts.

mod frame;
mod parse;
mod request;

pub use frame::{format_double, format_g, Frame, InlineBulk};
pub use parse::{parse_frame, ParseError};
pub use request::{parse_request, parse_requests, split_args, Batch, RequestLimits};

/// Strict decimal i64 the way Redis's `string2ll` reads numbers (no spaces, no `+`).
pub fn parse_i64_pub(text: &[u8]) -> Option<i64> {
    parse::parse_i64(text)
}
