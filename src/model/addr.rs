//! Node addresses as users type them (`host:port`, `[v6]:port`) and as `CLUSTER NODES`
//! prints them (`ip:port@cport[,hostname]`).

use std::fmt;
use std::str::FromStr;

/// A client address: host (name or IP, IPv6 without brackets) and port.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Addr {
    pub host: String,
    pub port: u16,
}

impl Addr {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Addr {
            host: host.into(),
            port,
        }
    }
}

/// Whether `name` may be announced as a node's hostname (`cluster-announce-hostname`):
/// shorter than 256 bytes, only ASCII letters, digits, hyphens and dots (Redis's rule).
/// The bus drops hostnames from peers that break it, so no peer can put spaces, CR or LF
/// into CLUSTER NODES or nodes.conf.
pub fn check_hostname(name: &str) -> Result<(), &'static str> {
    if name.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
    Ok(())
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for Addr {
    type Err = String;

    /// `host:port`, `[v6]:port`; a trailing `@cport` is accepted and ignored, as redis-cli does.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("invalid address '{text}': {why}");
        let main = text.split('@').next().unwrap_or_default();
        let (host, port) = if let Some(rest) = main.strip_prefix('[') {
            let (host, port) = rest
                .split_once("]:")
                .ok_or_else(|| bad("expected [ipv6]:port"))?;
            (host, port)
        } else {
            main.rsplit_once(':')
                .ok_or_else(|| bad("expected host:port"))?
        };
        if host.is_empty() {
            return Err(bad("missing host"));
        }
        if host.contains(char::is_whitespace) {
            return Err(bad("host contains whitespace"));
        }
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("port must be a number from 1 to 65535"))?;
        Ok(Addr::new(host, port))
    }
}

/// The address field of a `CLUSTER NODES` line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BusAddr {
    /// Empty when the node does not know the address yet (`:0@0`, or `:6379@16379` for myself).
    pub ip: String,
    pub port: u16,
    pub cport: u16,
    pub hostname: Option<String>,
}

impl BusAddr {
    pub fn addr(&self) -> Addr {
        Addr::new(self.ip.clone(), self.port)
    }
}

impl fmt::Display for BusAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}@{}", self.ip, self.port, self.cport)?;
        if let Some(h) = &self.hostname {
            write!(f, ",{h}")?;
        }
        Ok(())
    }
}

impl FromStr for BusAddr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("invalid node address '{text}'");
        let (main, hostname) = match text.split_once(',') {
            Some((m, h)) => (m, (!h.is_empty()).then(|| h.to_string())),
            None => (text, None),
        };
        let (ipport, cport) = match main.split_once('@') {
            Some((a, c)) => (a, c.parse().map_err(|_| bad())?),
            None => (main, 0),
        };
        let (ip, port) = ipport.rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        let cport = if cport == 0 && port != 0 && !main.contains('@') {
            port.wrapping_add(10000)
        } else {
            cport
        };
        Ok(BusAddr {
            ip: ip.to_string(),
            port,
            cport,
            hostname,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_addresses() {
        assert_eq!(
            "127.0.0.1:7000".parse::<Addr>().unwrap(),
            Addr::new("127.0.0.1", 7000)
        );
        assert_eq!(
            "[::1]:7000".parse::<Addr>().unwrap(),
            Addr::new("::1", 7000)
        );
        assert_eq!("::1:7000".parse::<Addr>().unwrap(), Addr::new("::1", 7000));
        assert_eq!(
            "h:7000@17000".parse::<Addr>().unwrap(),
            Addr::new("h", 7000)
        );
        assert_eq!(Addr::new("::1", 7000).to_string(), "[::1]:7000");
        for bad in ["7000", "h:", "h:0", "h:70000", ":7000", "h:x", "[::1]7000"] {
            assert!(bad.parse::<Addr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bus_addresses() {
        let a: BusAddr = "10.0.0.1:6379@16379,redis-1.example".parse().unwrap();
        assert_eq!(a.ip, "10.0.0.1");
        assert_eq!((a.port, a.cport), (6379, 16379));
        assert_eq!(a.hostname.as_deref(), Some("redis-1.example"));
        assert_eq!(a.to_string(), "10.0.0.1:6379@16379,redis-1.example");
        let noaddr: BusAddr = ":0@0".parse().unwrap();
        assert_eq!((noaddr.ip.as_str(), noaddr.port), ("", 0));
        let empty_host: BusAddr = "10.0.0.1:6379@16379,".parse().unwrap();
        assert_eq!(empty_host.hostname, None);
        let v6: BusAddr = "::1:7000@17000".parse().unwrap();
        assert_eq!(v6.ip, "::1");
    }
}
