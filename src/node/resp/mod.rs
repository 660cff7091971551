//! RESP, the Redis wire protocol: the [`Frame`] type with its encoder, and the two parsers:
//! [`parse_frame`] for any RESP2/RESP3 value (what a client reads) and [`parse_request`] for
//! what a server reads (multibulk arrays of bulk strings, or inline commands), with Redis's
//! size limits and error texts.

mod frame;
mod parse;
mod request;

pub use frame::{format_double, Frame};
pub use parse::{parse_frame, ParseError};
pub use request::{parse_request, RequestError, RequestLimits};
